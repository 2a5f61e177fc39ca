"""The demo's marketing side: every marketing page has goals, overrides and campaigns."""

from datetime import date
from io import StringIO

from django.core.management import call_command

from clinics.models import Clinic
from marketing import services
from marketing.models import Campaign, GoalChange, GoalStatus, NewPatientGoal

TODAY = date(2026, 11, 24)


def test_the_demo_has_caps_campaigns_and_overrides_and_a_rerun_changes_nothing(db):
    # when
    out = StringIO()
    call_command("seed_demo", "--months", "0", "--today", TODAY.isoformat(), stdout=out)
    # then: every clinic × service line has 12 months of caps
    lines = Clinic.service_lines.through.objects.count()
    assert NewPatientGoal.objects.count() == 12 * lines
    assert Campaign.objects.count() == 3
    assert set(Campaign.objects.values_list("clinics__code", flat=True)) == {
        "C01", "C04", "C05", "C09", "C12",
    }  # fmt: skip
    statuses = list(NewPatientGoal.objects.exclude(status=GoalStatus.CAPPED).values_list(
        "status", flat=True
    ).order_by("month"))  # fmt: skip
    assert statuses == [GoalStatus.OVERRIDE_APPROVED, GoalStatus.OVERRIDE_REQUESTED]
    assert "campaigns: 3" in out.getvalue()
    # and a second run writes no new history and keeps every number
    before = list(NewPatientGoal.objects.order_by("pk").values_list("cap", "target", "status"))
    changes = GoalChange.objects.count()
    services.demo_marketing_seed(today=TODAY)
    assert GoalChange.objects.count() == changes
    assert (
        list(NewPatientGoal.objects.order_by("pk").values_list("cap", "target", "status")) == before
    )
