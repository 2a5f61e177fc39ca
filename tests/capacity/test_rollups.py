"""Rollups and the utilization report on a hand-worked month."""

import json
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pandas as pd
import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from capacity import compute, selectors, services
from capacity.models import Appointment, DailyRollup
from tests import factories

TODAY = date(2024, 7, 20)


def appointment(clinic, provider, visit_type, start, status, **kwargs):
    return Appointment.objects.create(
        source="test",
        external_id=kwargs.pop("external_id", f"{start.isoformat()}-{Appointment.objects.count()}"),
        clinic=clinic,
        provider=provider,
        visit_type=visit_type,
        start=start,
        local_date=(start - timedelta(hours=5)).date(),  # Chicago in July is UTC−5
        duration_minutes=kwargs.pop("minutes", visit_type.minutes),
        status=status,
        is_new_patient=visit_type.is_new_patient,
        **kwargs,
    )


@pytest.fixture
def month(db):
    """A provider on Mondays: 08–12 follow-ups (240 min, 16 slots), 13–15 new (120, 4 slots).

    Mon 1 July: a kept follow-up, a no-show, a booking never resolved, a kept new patient, a
    cancellation 18 h before its start (late) and one 6 days before (not late).
    Mon 8 July: 28 kept follow-ups, 420 minutes, overbooked past the day's 360.
    """
    clinic = factories.ClinicFactory(code="C01", timezone="America/Chicago")
    fu = factories.VisitTypeFactory(code="ORTHO-FU", minutes=15)
    np_ = factories.VisitTypeFactory(
        code="ORTHO-NP", minutes=30, is_new_patient=True, credentials=["MD"]
    )
    template = factories.TemplateFactory(
        code="STD", blocks=[(0, "08:00", "12:00", fu), (0, "13:00", "15:00", np_)]
    )
    # the assignment ends on Monday 8 July, so July has two worked Mondays
    provider = factories.AssignmentFactory(
        clinic=clinic, template=template, weekdays=[0], ends_on=date(2024, 7, 8)
    ).provider
    day1 = datetime(2024, 7, 1, 13, 0, tzinfo=UTC)  # 08:00 in Chicago
    appointment(clinic, provider, fu, day1, "fulfilled")
    appointment(clinic, provider, fu, day1 + timedelta(minutes=15), "noshow")
    appointment(clinic, provider, fu, day1 + timedelta(minutes=30), "booked")
    appointment(clinic, provider, np_, day1 + timedelta(hours=5), "arrived")
    appointment(
        clinic, provider, fu, day1 + timedelta(hours=1), "cancelled",
        cancelled_at=day1 + timedelta(hours=1) - timedelta(hours=18),
    )  # fmt: skip
    appointment(
        clinic, provider, fu, day1 + timedelta(hours=1, minutes=15), "cancelled",
        cancelled_at=day1 - timedelta(days=6),
    )  # fmt: skip
    day8 = datetime(2024, 7, 8, 13, 0, tzinfo=UTC)
    for i in range(28):
        appointment(clinic, provider, fu, day8 + timedelta(minutes=15 * i), "fulfilled")
    services.rollups_recompute(first=date(2024, 7, 1), last=date(2024, 7, 31), today=TODAY)
    return clinic, provider


def report(*args) -> list[dict]:
    out = StringIO()
    call_command("report", "utilization", *args, stdout=out)
    return json.loads(out.getvalue())


def test_the_months_utilization_worked_by_hand(month):
    [july] = report("--clinic", "C01", "--from", "2024-07", "--to", "2024-07")
    assert july == {
        "period": "2024-07",
        "scope": "C01",
        # 2 Mondays × (240 + 120)
        "available_minutes": 720,
        # held: 15 + 15 + 15 (unresolved, still held) + 30 on the 1st; 28 × 15 = 420 on the 8th
        "booked_minutes": 495,
        # kept: 15 + 30 + 420
        "kept_minutes": 465,
        # per provider-day: max(0, 360 − 75) + max(0, 360 − 420) = 285, not 720 − 495 = 225
        "unutilized_minutes": 285,
        "available_slots": 40,
        "booked_slots": 32,
        "utilization": pytest.approx(495 / 720),
        "kept_utilization": pytest.approx(465 / 720),
        # 1 no-show ÷ (30 kept + 1 no-show); the unresolved booking is in neither
        "noshow_rate": pytest.approx(1 / 31),
        "late_cancellations": 1,
        "new_patient_share": pytest.approx(1 / 32),
    }


def test_by_day_and_the_unresolved_booking(month):
    days = {
        r["period"]: r
        for r in report("--clinic", "C01", "--from", "2024-07", "--to", "2024-07", "--by", "day")
    }
    assert set(days) == {"2024-07-01", "2024-07-08"}
    assert days["2024-07-08"]["utilization"] == pytest.approx(420 / 360)  # shown, never clipped
    assert (
        DailyRollup.objects.filter(date=date(2024, 7, 1))
        .values_list("unresolved_count", flat=True)
        .order_by("is_new_patient")[0]
        == 1
    )


def test_a_period_without_supply_has_no_utilization(month):
    # August: no rollups at all → no rows; a week with no supply gives n/a, never 0
    assert report("--clinic", "C01", "--from", "2024-08", "--to", "2024-08") == []
    rows = pd.DataFrame(
        [{"clinic_id": 1, "provider_id": None, "is_new_patient": False, "date": "2024-07-02",
          **dict.fromkeys(compute.ROLLUP_FIGURES, 0)}]
    )  # fmt: skip
    table = compute.utilization_report(rows, "day")
    assert table["utilization"].isna().all()
    assert table["noshow_rate"].isna().all()


def test_csv_has_the_same_columns(month):
    out = StringIO()
    call_command(
        "report",
        "utilization",
        "--network",
        "--from",
        "2024-07",
        "--to",
        "2024-07",
        "--format",
        "csv",
        stdout=out,
    )
    header, row = out.getvalue().strip().splitlines()
    assert header == (
        "period,scope,available_minutes,booked_minutes,kept_minutes,unutilized_minutes,"
        "available_slots,booked_slots,utilization,kept_utilization,noshow_rate,"
        "late_cancellations,new_patient_share"
    )
    assert row.startswith("2024-07,network,720,495,465,285,40,32,0.6875,")


def test_rollups_are_replaced_not_added_on_recompute(month):
    before = DailyRollup.objects.count()
    services.rollups_recompute(first=date(2024, 7, 1), last=date(2024, 7, 31), today=TODAY)
    assert DailyRollup.objects.count() == before
    assert (
        report("--clinic", "C01", "--from", "2024-07", "--to", "2024-07")[0]["booked_minutes"]
        == 495
    )


@pytest.mark.django_db
def test_a_clinic_without_supply_or_appointments_rolls_up_to_nothing():
    # given: a clinic nobody is assigned to, with no appointments (a new clinic, say)
    clinic = factories.ClinicFactory(code="C09")
    # when
    rows = services.rollups_recompute(
        first=date(2024, 7, 1), last=date(2024, 7, 31), today=TODAY, clinic_ids=[clinic.pk]
    )
    # then: nothing to store, and no error from the two empty sides
    assert rows == 0
    assert not DailyRollup.objects.filter(clinic=clinic).exists()


def test_unknown_scopes_are_refused(month):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="unknown clinic 'C99'"):
        report("--clinic", "C99", "--from", "2024-07", "--to", "2024-07")
    with pytest.raises(CommandError, match="is not a month"):
        report("--network", "--from", "July", "--to", "2024-07")


class RollupProperties(HypothesisTestCase):
    @settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.lists(
            st.tuples(
                st.integers(0, 3),  # clinic
                st.integers(0, 27),  # day of July
                st.sampled_from(["booked", "arrived", "fulfilled", "noshow", "cancelled"]),
            ),
            max_size=40,
        )
    )
    def test_sums_roll_up_the_same_at_every_level(self, visits):
        # given: 4 clinics in 2 regions, one provider each, random July appointments
        regions = [factories.RegionFactory(code=f"R{i}") for i in range(2)]
        fu = factories.VisitTypeFactory()
        clinics = []
        for i in range(4):
            clinic = factories.ClinicFactory(code=f"K{i}", region=regions[i % 2])
            factories.AssignmentFactory(clinic=clinic)
            clinics.append(clinic)
        for n, (c, day, status) in enumerate(visits):
            start = datetime(2024, 7, 1 + day, 14, 0, tzinfo=UTC)
            appointment(clinics[c], None, fu, start, status, external_id=str(n))
        services.rollups_recompute(first=date(2024, 7, 1), last=date(2024, 7, 31), today=TODAY)
        additive = [
            "available_minutes",
            "booked_minutes",
            "kept_minutes",
            "unutilized_minutes",
            "booked_slots",
            "late_cancellations",
        ]

        def totals(**scope):
            rows = selectors.rollup_frame(
                first=date(2024, 7, 1), last=date(2024, 7, 31),
                clinic_ids=selectors.scope_clinic_ids(**scope),
            )  # fmt: skip
            table = compute.utilization_report(rows, "month")
            return table[additive].sum() if len(table) else pd.Series(0, index=additive)

        network = totals()
        by_region = sum(totals(region=r.code) for r in regions)
        by_clinic = sum(totals(clinic=c.code) for c in clinics)
        # then: network = Σ regions = Σ clinics, and Σ days = the month
        pd.testing.assert_series_equal(network, by_region, check_names=False, check_dtype=False)
        pd.testing.assert_series_equal(network, by_clinic, check_names=False, check_dtype=False)
        days = compute.utilization_report(
            selectors.rollup_frame(first=date(2024, 7, 1), last=date(2024, 7, 31)), "day"
        )
        assert days["booked_minutes"].sum() == network["booked_minutes"]
        assert days["unutilized_minutes"].sum() == pytest.approx(network["unutilized_minutes"])
