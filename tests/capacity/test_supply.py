"""Available minutes (DESIGN §3) on small weeks worked out by hand."""

from datetime import date, time

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from capacity import compute, selectors
from tests import factories

FU, NP = 1, 2  # visit type ids: 15-minute follow-ups, 30-minute new patients

# Monday: 08:00–12:00 follow-ups (16 slots), 12:00–13:00 blocked, 13:00–15:00 new (4 slots)
STANDARD = [
    (10, 0, 8 * 60, 12 * 60, FU, 15, False),
    (10, 0, 12 * 60, 13 * 60, None, None, None),
    (10, 0, 13 * 60, 15 * 60, NP, 30, True),
]


def frames(
    *,
    assignments=(),
    blocks=STANDARD,
    closures=(),
    absences=(),
    rooms=((1, 10.0),),
):
    return {
        "assignments": pd.DataFrame(list(assignments), columns=compute.ASSIGNMENT_COLUMNS),
        "blocks": pd.DataFrame(list(blocks), columns=compute.BLOCK_COLUMNS),
        "closures": pd.DataFrame(list(closures), columns=compute.CLOSURE_COLUMNS).astype(
            {"start_minute": float, "end_minute": float}
        ),
        "absences": pd.DataFrame(list(absences), columns=compute.ABSENCE_COLUMNS),
        "clinics": pd.DataFrame(
            [(c, cap, None, None) for c, cap in rooms], columns=compute.CLINIC_COLUMNS
        ),
    }


def assignment(provider=1, template=10, days=(0,), start=date(2024, 1, 1), end=None, left=None):
    return (provider, 1, template, list(days), start, end, date(2020, 1, 1), left)


def daily(first=date(2024, 7, 1), last=date(2024, 7, 7), **kwargs) -> dict:
    """{(provider, date, new?): available minutes}."""
    slots = compute.supply(**frames(**kwargs), first=first, last=last)
    rows = compute.supply_daily(slots)
    return {
        (r.provider_id, r.date.date().isoformat(), bool(r.is_new_patient)): r.available_minutes
        for r in rows.itertuples()
    }


def test_a_template_day_gives_its_clinical_minutes_and_no_blocked_time():
    # 08–12 of follow-ups = 240 min; 13–15 of new patients = 120 min; lunch gives nothing
    assert daily(assignments=[assignment()]) == {
        (1, "2024-07-01", False): 240.0,
        (1, "2024-07-01", True): 120.0,
    }


def test_slot_counts_come_beside_the_minutes():
    slots = compute.supply(
        **frames(assignments=[assignment()]), first=date(2024, 7, 1), last=date(2024, 7, 1)
    )
    per_class = compute.supply_daily(slots).set_index("is_new_patient")["available_slots"]
    assert per_class.to_dict() == {False: 16.0, True: 4.0}


def test_a_whole_day_closure_removes_the_day():
    closed = [(1, date(2024, 7, 1), None, None)]
    assert daily(assignments=[assignment()], closures=closed) == {}


def test_a_part_day_closure_removes_every_slot_it_touches():
    # closed 11:00–13:15: follow-ups 11:00–12:00 go (4 × 15 = 60), and the 13:00–13:30 new
    # slot goes because it overlaps 13:00–13:15 (one of 4 × 30)
    closed = [(1, date(2024, 7, 1), 11 * 60, 13 * 60 + 15)]
    assert daily(assignments=[assignment()], closures=closed) == {
        (1, "2024-07-01", False): 180.0,
        (1, "2024-07-01", True): 90.0,
    }


def test_absence_dates_include_both_ends():
    # PTO Monday 1 July to Monday 8 July: both Mondays gone, 15 July stays
    pto = [(1, date(2024, 7, 1), date(2024, 7, 8))]
    result = daily(last=date(2024, 7, 15), assignments=[assignment()], absences=pto)
    assert set(result) == {(1, "2024-07-15", False), (1, "2024-07-15", True)}


def test_assignment_and_employment_dates_include_both_ends():
    # the assignment ends Monday 8 July, the provider leaves Monday 15 July: 1 and 8 July count
    ends = daily(last=date(2024, 7, 22), assignments=[assignment(end=date(2024, 7, 8))])
    assert sorted({d for _, d, _ in ends}) == ["2024-07-01", "2024-07-08"]
    left = daily(last=date(2024, 7, 22), assignments=[assignment(left=date(2024, 7, 15))])
    assert sorted({d for _, d, _ in left}) == ["2024-07-01", "2024-07-08", "2024-07-15"]


def test_only_assigned_weekdays_count():
    tuesday_blocks = [(10, 1, 8 * 60, 9 * 60, FU, 15, False), *STANDARD]
    result = daily(assignments=[assignment(days=(1,))], blocks=tuesday_blocks)
    assert result == {(1, "2024-07-02", False): 60.0}


# Two providers share a clinic: A works 08:00–12:00, B 10:00–12:00, both follow-ups.
SHARED = [(10, 0, 8 * 60, 12 * 60, FU, 15, False), (20, 0, 10 * 60, 12 * 60, FU, 15, False)]


def test_exam_rooms_bound_supply_when_too_many_providers_work_at_once():
    # 2 rooms, 2 rooms per provider: room for 1 provider. From 10:00 two are scheduled, so each
    # of their slots counts half: A = 120 + 120 / 2 = 180, B = 120 / 2 = 60; 240 in all, which
    # is 4 hours × 1 provider's worth of rooms.
    result = daily(
        assignments=[assignment(provider=1, template=10), assignment(provider=2, template=20)],
        blocks=SHARED,
        rooms=((1, 1.0),),
    )
    assert result == {(1, "2024-07-01", False): 180.0, (2, "2024-07-01", False): 60.0}


def test_a_fractional_room_bound():
    # 3 rooms, 2 per provider: room for 1.5. From 10:00 each slot counts 1.5 / 2 = 0.75:
    # A = 120 + 90 = 210, B = 90; 300 = 2 h × 1 + 2 h × 1.5.
    result = daily(
        assignments=[assignment(provider=1, template=10), assignment(provider=2, template=20)],
        blocks=SHARED,
        rooms=((1, 1.5),),
    )
    assert result == {(1, "2024-07-01", False): 210.0, (2, "2024-07-01", False): 90.0}


@given(
    st.lists(st.tuples(st.integers(7, 15), st.integers(1, 8)), min_size=1, max_size=8),
    st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0, 10.0]),
)
def test_the_room_bound_never_adds_supply_and_never_exceeds_the_rooms(shifts, capacity):
    # given: providers with follow-up mornings of random start and length on the same Monday
    blocks = [
        (100 + i, 0, h * 60, h * 60 + n * 15, FU, 15, False) for i, (h, n) in enumerate(shifts)
    ]
    assignments = [assignment(provider=i, template=100 + i) for i in range(len(shifts))]
    slots = compute.supply(
        **frames(assignments=assignments, blocks=blocks, rooms=((1, capacity),)),
        first=date(2024, 7, 1),
        last=date(2024, 7, 1),
    )
    # then: at most the nominal minutes, equal to them when rooms suffice,
    # and at most `capacity` providers' worth in any one minute
    nominal = slots["minutes"].sum()
    assert slots["available_minutes"].sum() <= nominal + 1e-9
    if capacity >= len(shifts):
        assert slots["available_minutes"].sum() == pytest.approx(nominal)
    for minute in range(7 * 60, 18 * 60, 5):
        active = slots[(slots["start_minute"] <= minute) & (minute < slots["end_minute"])]
        per_minute = (active["available_minutes"] / active["minutes"]).sum()
        assert per_minute <= capacity + 1e-9


@pytest.mark.django_db
def test_supply_is_read_from_the_clinic_network():
    # given: a clinic with 2 rooms (room for 1 provider), two physicians on Mondays 08–12,
    # a holiday on 1 July and PTO for the second physician on 8 July
    clinic = factories.ClinicFactory(code="C01", exam_rooms=2)
    template = factories.TemplateFactory(code="AM")
    first = factories.AssignmentFactory(clinic=clinic, template=template, weekdays=[0])
    second = factories.AssignmentFactory(clinic=clinic, template=template, weekdays=[0])
    factories.ClosureFactory(clinic=clinic, date=date(2024, 7, 1))
    factories.AbsenceFactory(
        provider=second.provider, starts_on=date(2024, 7, 8), ends_on=date(2024, 7, 8)
    )
    factories.ClosureFactory(
        clinic=clinic, date=date(2024, 7, 15), start=time(11), end=time(12), reason="Drill"
    )
    # when
    slots = selectors.supply_slots(first=date(2024, 7, 1), last=date(2024, 7, 15))
    per_day = (
        compute.supply_daily(slots).groupby(["provider_id", "date"])["available_minutes"].sum()
    )
    # then: 1 July closed; 8 July the first physician alone: 240; 15 July both, 08–11 only
    # (the drill closes 11–12), sharing one room's worth: 180 / 2 = 90 each
    assert {(p, d.date().isoformat()): m for (p, d), m in per_day.items()} == {
        (first.provider_id, "2024-07-08"): 240.0,
        (first.provider_id, "2024-07-15"): 90.0,
        (second.provider_id, "2024-07-15"): 90.0,
    }
