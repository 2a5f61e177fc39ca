"""Network goals spread by headroom, campaign signals, leads needed, attainment (pure)."""

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketing import compute

# A: cap 30, 10 booked (headroom 20); B: cap 20, none booked (20); C: cap 5, 5 booked (0)
BOOKED = {"A": 10, "B": 0, "C": 5}
CAPS = {"A": 30, "B": 20, "C": 5}


def test_a_goal_below_the_bookings_is_split_like_them():
    # when: 12 new patients, while 15 are booked already
    allocation = compute.network_goal(12, booked=BOOKED, caps=CAPS)
    # then: 12 × 10/15 = 8 and 12 × 5/15 = 4
    assert allocation == compute.Allocation({"A": 8, "B": 0, "C": 4}, 0)


def test_the_rest_goes_by_headroom_with_the_odd_patient_to_the_first_of_a_tie():
    # when: 40 = the 15 booked + 25 more, split by headroom 20 : 20 : 0 → 12.5 each
    allocation = compute.network_goal(40, booked=BOOKED, caps=CAPS)
    # then: 12 each, and the one left over to A (equal remainders and weights: first in order)
    assert allocation == compute.Allocation({"A": 23, "B": 12, "C": 5}, 0)


def test_what_no_cap_can_take_is_unplaced_never_forced():
    # when: 100 asked, the caps add up to 55
    allocation = compute.network_goal(100, booked=BOOKED, caps=CAPS)
    # then
    assert allocation == compute.Allocation(CAPS, 45)


def test_a_network_goal_needs_consistent_input():
    with pytest.raises(ValueError, match="≥ 0"):
        compute.network_goal(-1, booked=BOOKED, caps=CAPS)
    with pytest.raises(ValueError, match="same clinics"):
        compute.network_goal(5, booked={"A": 1}, caps=CAPS)


@st.composite
def clinics(draw):
    n = draw(st.integers(1, 6))
    caps = draw(st.lists(st.integers(0, 300), min_size=n, max_size=n))
    booked = [draw(st.integers(0, cap)) for cap in caps]
    keys = [f"C{i:02d}" for i in range(n)]
    return dict(zip(keys, booked, strict=True)), dict(zip(keys, caps, strict=True))


@given(clinics(), st.integers(0, 2000))
def test_a_network_goal_is_placed_whole_and_never_above_a_cap(network, total):
    booked, caps = network
    allocation = compute.network_goal(total, booked=booked, caps=caps)
    assert all(0 <= allocation.goals[k] <= caps[k] for k in caps)
    assert sum(allocation.goals.values()) + allocation.unplaced == total
    assert allocation.unplaced == max(0, total - sum(caps.values()))
    if total >= sum(booked.values()):
        assert all(allocation.goals[k] >= booked[k] for k in caps)


@given(st.integers(0, 1000), st.dictionaries(st.text(min_size=1), st.integers(0, 100)))
def test_apportioned_parts_add_up_and_stay_within_one_of_their_quota(total, weights):
    parts = compute.apportion(total, weights)
    whole = sum(weights.values())
    if whole == 0:
        assert set(parts.values()) <= {0}
        return
    assert sum(parts.values()) == total
    for key, weight in weights.items():
        quota = Fraction(total * weight, whole)
        assert math.floor(quota) <= parts[key] <= math.ceil(quota)


def test_a_campaign_spreads_its_new_patients_over_its_clinic_months():
    # 90 leads × 0.2 = 18 new patients over 2 clinics × 3 months = 3 per clinic-month
    expected = compute.campaign_expected(expected_leads=90, conversion=0.2, clinics=2, months=3)
    assert expected == pytest.approx(3.0)


@pytest.mark.parametrize(
    ("headroom", "expected", "signal"),
    [(0, 3.0, "pause"), (2, 3.0, "hold"), (3, 3.0, "push"), (40, 3.0, "push"), (1, 0, "push")],
)
def test_headroom_against_what_the_campaign_brings_gives_the_signal(headroom, expected, signal):
    assert compute.campaign_signal(headroom=headroom, expected=expected) == signal


@pytest.mark.parametrize(
    ("target", "conversion", "leads"),
    [(30, "0.3", 100), (31, "0.3", 104), (7, "1", 7), (0, "0.25", 0), (1, "0.001", 1000)],
)
def test_leads_needed_is_the_target_over_the_conversion_rounded_up(target, conversion, leads):
    # 30 ÷ 0.3 is exactly 100 (decimal, not binary floating point); 31 ÷ 0.3 = 103.3 → 104
    assert compute.leads_needed(target, conversion) == leads


@pytest.mark.parametrize("conversion", ["0", "1.01", "-0.2"])
def test_a_conversion_rate_outside_zero_to_one_is_refused(conversion):
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        compute.leads_needed(10, conversion)


def test_attainment_is_kept_over_target_and_absent_without_a_target():
    assert compute.attainment(18, 24) == pytest.approx(0.75)
    assert compute.attainment(3, 0) is None
