"""A scenario runs as a Celery job on a real worker, with progress, and leaves the network as
it was."""

import calendar

import pytest
from django.utils import timezone

from clinics import selectors as clinic_selectors
from clinics.models import Provider
from pipeline.models import RecomputeJob
from scenarios import compute
from scenarios import services as scenario_services
from scenarios.models import Scenario
from tests import factories
from tests.conftest import wait_for


def mondays(period: str) -> int:
    year, month = map(int, period.split("-"))
    return sum(1 for week in calendar.monthcalendar(year, month) if week[calendar.MONDAY])


@pytest.mark.worker
def test_a_scenario_runs_on_a_worker_and_leaves_the_network_alone(
    transactional_db, celery_worker, ops_user
):
    # given: C01 with one provider on Mondays: 08–12 follow-ups (15 min), 13–17 new patients
    # (30 min), 480 clinical minutes a Monday; six exam rooms, so no room bound.
    line = factories.ServiceLineFactory(code="ORTHO")
    fu = factories.VisitTypeFactory(code="ORTHO-FU", minutes=15, service_line=line)
    np_ = factories.VisitTypeFactory(
        code="ORTHO-NP", minutes=30, is_new_patient=True, service_line=line
    )
    template = factories.TemplateFactory(
        code="ORTHO-STD", blocks=[(0, "08:00", "12:00", fu), (0, "13:00", "17:00", np_)]
    )
    clinic = factories.ClinicFactory(code="C01", service_lines=[line])
    factories.AssignmentFactory(clinic=clinic, template=template, weekdays=[0])
    today = timezone.localdate()  # the worker's today too
    first = compute.month_add(today.strftime("%Y-%m"), 1)
    npi = factories.valid_npi(900)
    document = {
        "name": "A second surgeon on Mondays",
        "from": first,
        "months": 2,
        "changes": [
            {"add_provider": {
                "npi": npi, "name": "Dr. New", "credential": "MD", "service_line": "ORTHO",
                "fte": 1.0, "clinic": "C01", "template": "ORTHO-STD", "weekdays": ["mon"],
                "start": f"{first}-01", "ramp_months": 0,
            }},
        ],
    }  # fmt: skip
    scenario = scenario_services.scenario_save(document=document, user=ops_user, today=today)
    network_before = clinic_selectors.network_document()

    # when: the run is queued, committed, and picked up by the worker
    scenario_services.scenario_run_enqueue(scenario=scenario)
    done = wait_for(
        lambda: Scenario.objects.filter(
            pk=scenario.pk, status__in=[Scenario.Status.DONE, Scenario.Status.FAILED]
        ).first(),
        timeout=90,
    )

    # then: results by hand — the new surgeon adds exactly 480 minutes a Monday
    assert (done.status, done.problems) == (Scenario.Status.DONE, [])
    assert (done.progress_done, done.progress_total, done.progress) == (1, 1, 100)
    assert done.is_current
    rows = {(r["clinic"], r["period"]): r for r in done.results["rows"]}
    periods = [first, compute.month_add(first, 1)]
    assert sorted(rows) == [("C01", p) for p in periods]
    for p in periods:
        assert rows[("C01", p)]["available_minutes_current"] == 480 * mondays(p)
        assert rows[("C01", p)]["available_minutes_scenario"] == 960 * mondays(p)
        assert rows[("C01", p)]["available_minutes_change"] == 480 * mondays(p)
    # and the network, the plan's jobs and the providers are as they were
    assert clinic_selectors.network_document() == network_before
    assert not Provider.objects.filter(npi=npi).exists()
    assert not RecomputeJob.objects.exists()
    assert done.network_snapshot == network_before
