"""`recompute [--clinic CODE]`: rollups, caps, targets and measurements from scratch, now."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from capacity.models import DailyRollup
from marketing.models import NewPatientGoal
from tests import factories

TODAY = date(2025, 8, 15)
HORIZON = [date(2025, m, 1) for m in range(8, 13)] + [date(2026, m, 1) for m in range(1, 8)]


@pytest.fixture
def network(db, monkeypatch):
    """C01 offers orthopedics (one MD on Mondays: 08–11 follow-ups of 15 min, 13–17 new
    patients of 30 min) and spine (no one scheduled yet); C02 offers orthopedics only."""
    monkeypatch.setattr(timezone, "localdate", lambda: TODAY)
    ortho = factories.ServiceLineFactory(code="ORTHO")
    ortho.followup_profile = [0.5, 1.0, 0.5]
    ortho.save()
    spine = factories.ServiceLineFactory(code="SPINE", name="Spine")
    fu = factories.VisitTypeFactory(code="ORTHO-FU", minutes=15, service_line=ortho)
    np_ = factories.VisitTypeFactory(
        code="ORTHO-NP", minutes=30, is_new_patient=True, service_line=ortho
    )
    template = factories.TemplateFactory(
        code="STD", blocks=[(0, "08:00", "11:00", fu), (0, "13:00", "17:00", np_)]
    )
    c01 = factories.ClinicFactory(code="C01", service_lines=[ortho, spine])
    factories.AssignmentFactory(
        clinic=c01, template=template, weekdays=[0], starts_on=date(2025, 1, 1)
    )
    factories.ClinicFactory(code="C02", service_lines=[ortho])


def recompute(*args: str) -> list[str]:
    out = StringIO()
    call_command("recompute", *args, stdout=out)
    return out.getvalue().splitlines()


def test_one_clinic_gets_rollups_and_a_goal_row_per_service_line_and_month(network):
    # when
    lines = recompute("--clinic", "C01")
    # then: 12 months × 2 service lines of C01, none for C02
    rows = NewPatientGoal.objects.filter(clinic__code="C01")
    assert sorted(rows.values_list("service_line__code", "month")) == sorted(
        [("ORTHO", m) for m in HORIZON] + [("SPINE", m) for m in HORIZON]
    )
    assert not NewPatientGoal.objects.filter(clinic__code="C02").exists()
    # rollups: no appointments yet, so last month to the end of the quarter ahead's month,
    # 2025-07-01 to 2025-11-30 (one row per provider-class-day with supply: Mondays, 2 classes)
    mondays = 4 + 4 + 5 + 4 + 4  # July to November 2025
    assert len(lines) == 1
    summary = lines[0].split(": ", 1)[1].rsplit(" measurements in ", 1)[0]
    assert summary.rsplit(", ", 1)[0] == (
        f"1 clinic, {mondays * 2} rollup rows (every month), 24 goal rows (caps, headroom, targets)"
    )
    assert DailyRollup.objects.filter(clinic__code="C01", date=date(2025, 8, 18)).exists()
    assert DailyRollup.objects.order_by("date").first().date == date(2025, 7, 7)
    # August by hand: 4 Mondays of 8 new-patient slots; spine has no slots, so no cap
    august = {g.service_line.code: g for g in rows.filter(month=date(2025, 8, 1))}
    assert (august["ORTHO"].np_slots_available, august["SPINE"].np_slots_available) == (32, 0)
    assert august["SPINE"].cap == 0
    assert all(g.computed_at is not None for g in rows)


def test_every_clinic_without_the_option(network):
    lines = recompute()
    assert "2 clinics" in lines[0] and "36 goal rows" in lines[0]
    assert NewPatientGoal.objects.filter(clinic__code="C02").count() == 12


def test_an_unknown_clinic_is_named(network):
    with pytest.raises(CommandError, match="unknown clinic 'C99'"):
        recompute("--clinic", "C99")
