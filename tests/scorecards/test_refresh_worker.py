"""An appointment import refreshes the scorecards' measurements on a real Celery worker."""

import calendar

import pytest
from django.utils import timezone

from capacity import services as capacity_services
from pipeline.models import JobStatus, RecomputeJob
from scorecards import compute
from scorecards.models import Measurement
from tests import factories
from tests.capacity.test_import import csv, network
from tests.conftest import wait_for


def mondays(first) -> list[int]:
    weeks = calendar.monthcalendar(first.year, first.month)
    return [week[calendar.MONDAY] for week in weeks if week[calendar.MONDAY]]


@pytest.mark.worker
def test_an_import_refreshes_measurements_on_a_worker(transactional_db, celery_worker, ops_user):
    # given: C01's provider works the default template on Mondays, 08:00–12:00 = 240 minutes;
    # last month is the month measured (the worker's today is the test's)
    network()
    factories.AssignmentFactory(clinic=factories.ClinicFactory(code="C01"), weekdays=[0])
    today = timezone.localdate()
    month = compute.month_add(today.replace(day=1), -1)
    label = compute.month_label(month)
    first_monday, second_monday = mondays(month)[:2]
    content = csv(
        f"A1,C01,1234567893,ORTHO-NP,{label}-{first_monday:02d}T08:00,,fulfilled,yes,MRN-1,,,",
        f"A2,C01,1234567893,ORTHO-FU,{label}-{first_monday:02d}T09:00,15,noshow,no,MRN-2,,,",
        f"A3,C01,1234567893,ORTHO-FU,{label}-{second_monday:02d}T09:00,15,fulfilled,no,MRN-1,,,",
    )
    assert not Measurement.objects.filter(kpi__code="utilization", period=label).exists()
    # when: the import runs through Redis on a worker, which then runs the recompute it queues
    job = capacity_services.import_create(
        content=content,
        file_format="csv",
        source="pm",
        filename="m.csv",
        mapping=None,
        dry_run=False,
        user=ops_user,
    )
    recompute = wait_for(
        lambda: RecomputeJob.objects.filter(status=JobStatus.DONE).first(), timeout=90
    )
    # then: held minutes 30 + 15 + 15 = 60 of 240 × the month's Mondays
    available = 240 * len(mondays(month))
    utilization = Measurement.objects.get(
        kpi__code="utilization", scope_type="clinic", scope_code="C01", period=label
    )
    assert (utilization.numerator, utilization.denominator) == (60, available)
    assert utilization.value == pytest.approx(60 / available)
    assert Measurement.objects.get(
        kpi__code="utilization", scope_type="network", period=label
    ).value == pytest.approx(60 / available)
    # one no-show of three outcomes; one new patient seen
    no_show = Measurement.objects.get(kpi__code="no_show_rate", scope_type="clinic", period=label)
    assert no_show.value == pytest.approx(1 / 3)
    volume = Measurement.objects.get(
        kpi__code="new_patient_volume", scope_type="network", period=label
    )
    assert volume.value == 1
    assert recompute.measurements > 0
    assert recompute.reason == f"appointment import #{job.pk}"
