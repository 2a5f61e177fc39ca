"""A template change recomputes caps on a real Celery worker, for the clinics it touched only."""

import calendar
from datetime import time

import pytest
from django.utils import timezone

from clinics import services as clinic_services
from clinics.models import ScheduleTemplate
from marketing import compute
from marketing import services as marketing_services
from marketing.models import NewPatientGoal
from pipeline.models import JobStatus, RecomputeJob
from tests import factories
from tests.conftest import wait_for


def mondays(period: str) -> int:
    year, month = map(int, period.split("-"))
    return sum(1 for week in calendar.monthcalendar(year, month) if week[calendar.MONDAY])


def goals(code: str) -> dict[str, NewPatientGoal]:
    rows = NewPatientGoal.objects.filter(clinic__code=code).order_by("month")
    return {g.month.strftime("%Y-%m"): g for g in rows}


@pytest.mark.worker
def test_a_template_change_recomputes_only_its_clinics_on_a_worker(transactional_db, celery_worker):
    # given: orthopedics with few follow-ups (f = [0.1]), so that new-patient slots bind the
    # cap. C01's provider works ORTHO-A, C02's ORTHO-B, on Mondays: 08–12 follow-ups of 15 min
    # and, in the afternoon, new patients of 30 min (A: 13–17, 8 slots; B: 13–15, 4 slots).
    line = factories.ServiceLineFactory(code="ORTHO")
    line.followup_profile = [0.1]
    line.save()
    fu = factories.VisitTypeFactory(code="ORTHO-FU", minutes=15, service_line=line)
    np_ = factories.VisitTypeFactory(
        code="ORTHO-NP", minutes=30, is_new_patient=True, service_line=line
    )
    for code, clinic, np_ends in (("ORTHO-A", "C01", "17:00"), ("ORTHO-B", "C02", "15:00")):
        template = factories.TemplateFactory(
            code=code, blocks=[(0, "08:00", "12:00", fu), (0, "13:00", np_ends, np_)]
        )
        factories.AssignmentFactory(
            clinic=factories.ClinicFactory(code=clinic), template=template, weekdays=[0]
        )
    today = timezone.localdate()  # the worker's today too: both read settings.TIME_ZONE
    marketing_services.caps_recompute(today=today)
    before_c01, before_c02 = goals("C01"), goals("C02")
    horizon = [compute.month_add(today.strftime("%Y-%m"), n) for n in range(12)]
    assert list(before_c01) == horizon
    assert [g.np_slots_available for g in before_c01.values()] == [8 * mondays(p) for p in horizon]

    # when: ORTHO-A's new-patient block ends at 16:00, saved and committed like any edit
    clinic_services.template_save(
        template=ScheduleTemplate.objects.get(code="ORTHO-A"),
        data={},
        blocks=[
            {"weekday": 0, "start": time(8), "end": time(12), "visit_type": fu},
            {"weekday": 0, "start": time(13), "end": time(16), "visit_type": np_},
        ],
    )

    # then: the worker runs the job queued for C01 alone
    job = wait_for(
        lambda: RecomputeJob.objects.filter(status__in=[JobStatus.DONE, JobStatus.FAILED]).first(),
        timeout=60,
    )
    assert (job.status, job.error) == (JobStatus.DONE, "")
    assert (job.reason, job.clinic_codes) == ("template ORTHO-A changed", ["C01"])
    assert RecomputeJob.objects.count() == 1
    # C01, by hand: 6 new-patient slots a Monday; NP limit = floor(0.9 × 6 × 30 × Mondays ÷ 30)
    # = floor(5.4 × Mondays): 21 in a month of 4 Mondays, 27 of 5. Room for follow-ups,
    # 0.9 × 240 × Mondays, owes only 0.1 × 15 min per new patient: the slots bind.
    after_c01 = goals("C01")
    assert [
        (p, g.np_slots_available, g.cap, g.binding_constraint, g.np_headroom, g.target)
        for p, g in after_c01.items()
    ] == [
        (p, 6 * mondays(p), 54 * mondays(p) // 10, "np_slots", 54 * mondays(p) // 10,
         54 * mondays(p) // 10)
        for p in horizon
    ]  # fmt: skip
    assert [g.cap for g in before_c01.values()] == [72 * mondays(p) // 10 for p in horizon]
    assert all(g.computed_at > before_c01[p].computed_at for p, g in after_c01.items())
    # C02 was not touched: its rows keep the first computation
    after_c02 = goals("C02")
    assert {p: g.computed_at for p, g in after_c02.items()} == {
        p: g.computed_at for p, g in before_c02.items()
    }
