"""New-patient caps and follow-up profiles (DESIGN §3) on cases worked out by hand."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketing import compute

WORKED = compute.Profile((0.5, 1.0, 0.5), "configured")  # F = 2


def plan(n=12, np_minutes=6000, established=12000, base=9000, **columns):
    """DESIGN's worked example from 2025-01; any column may be replaced by a list per month."""
    periods = [compute.month_add("2025-01", i) for i in range(n)]
    frame = {"np_minutes": np_minutes, "established_minutes": established, "base_minutes": base}
    return pd.DataFrame({"period": periods, **frame, **columns})


def solve(months, profile=WORKED, **kwargs):
    kwargs = {"new_visit_minutes": 30, "followup_visit_minutes": 15, **kwargs}
    return compute.caps(months, profile, **kwargs)


# --- the cap engine on hand-worked cases ---------------------------------------------------


def test_design_worked_example_caps_every_month_at_the_sustainable_sixty():
    # given: u 0.9, 6,000 NP min (30-min), 12,000 established min (15-min), B 9,000,
    # f = [0.5, 1.0, 0.5], p = 0, nothing booked, no past cohorts, 12 months
    # when
    result = solve(plan())
    # then: NP limit floor(0.9 × 6000 ÷ 30) = 180; room 10,800 − 9,000 = 1,800;
    # sustainable floor(1800 ÷ (2 × 15)) = 60
    assert (result["np_limit"] == 180).all()
    assert (result["np_slots_available"] == 200).all()  # 6000 ÷ 30
    assert (result["established_room"] == 1800).all()
    assert (result["sustainable_limit"] == 60).all()
    # month 1: k=1 binds, N × 1.0 × 15 ≤ 1800 → 120 (k=0, k=2: N × 7.5 ≤ 1800 → 240)
    first = result.iloc[0]
    assert (first["followup_limit"], first["followup_binding_month"]) == (120, "2025-02")
    # month 2 owes 60 × 15 = 900 → k=1 on March (owes 450): (1800 − 450) ÷ 15 = 90
    assert result.loc[1, "followup_limit"] == 90
    # month 3 on: owed 450 + 900 → (1800 − 1350) ÷ 7.5 = 60, a tie that names sustainable
    assert (result["followup_limit"].iloc[2:] == 60).all()
    assert (result["cap"] == 60).all()
    assert (result["target"] == 60).all()
    assert (result["binding_constraint"] == "sustainable").all()
    assert (result["target_reason"] == "cap").all()
    # committed: 60 × 7.5 = 450, + 60 × 15 = 1350, then 450 + 900 + 450 = 1800 = room
    assert list(result["committed_minutes"].iloc[:4]) == [450, 1350, 1800, 1800]
    assert list(result["established_headroom"].iloc[:3]) == [1350, 450, 0]


def test_a_provider_leaving_in_march_binds_the_months_that_follow_up_into_it():
    # given: March has 10,400 established minutes: room 0.9 × 10400 − 9000 = 360
    established = [12000, 12000, 10400, 12000]
    # when
    result = solve(plan(4, established=established))
    # then: Jan k=2 on March: 360 ÷ (0.5 × 15) = 48 < sustainable 60 → cap 48
    # Feb: March already owes 48 × 7.5 = 360 → k=1: (360 − 360) ÷ 15 = 0
    # Mar: sustainable floor(360 ÷ 30) = 12, but k=0: (360 − 360) ÷ 7.5 = 0
    # Apr: nothing owed (Feb and Mar took 0) → followup 120 on May, sustainable 60
    assert list(result["cap"]) == [48, 0, 0, 60]
    assert list(result["binding_constraint"]) == [
        "followup:2025-03", "followup:2025-03", "followup:2025-03", "sustainable",
    ]  # fmt: skip
    assert list(result["sustainable_limit"]) == [60, 60, 12, 60]
    assert list(result["np_headroom"]) == [48, 0, 0, 60]


def test_few_new_patient_minutes_bind_on_np_slots():
    # given: 1,000 NP minutes a month: 33 slots, NP limit floor(900 ÷ 30) = 30
    # when
    result = solve(plan(3, np_minutes=1000))
    # then: 30 a month; owed in Jan 30 × 7.5 = 225, Feb 225 + 450 = 675, Mar 900
    assert list(result["np_slots_available"]) == [33, 33, 33]
    assert list(result["cap"]) == [30, 30, 30]
    assert list(result["binding_constraint"]) == ["np_slots"] * 3
    assert list(result["committed_minutes"]) == [225, 675, 900]
    assert list(result["established_headroom"]) == [1575, 1125, 900]
    # Feb: k=0 (1800 − 450) ÷ 7.5 = 180, k=1 (1800 − 225) ÷ 15 = 105
    assert result.loc[1, "followup_limit"] == 105


def test_no_shows_widen_the_limits_and_booked_patients_above_them_set_the_cap():
    # given: p = 0.2 → a planned patient owes 0.8 × 15 = 12 min per follow-up visit;
    # Jan has 90 new patients booked, Feb 10 with a request for 50, Mar exactly 75 booked
    months = plan(3, np_booked=[90, 10, 75], requested=[None, 50, None])
    # when
    result = solve(months, noshow_rate=0.2)
    # then: sustainable floor(1800 ÷ (0.8 × 2 × 15)) = 75; Jan follow-up 1800 ÷ 12 = 150
    assert list(result["sustainable_limit"]) == [75, 75, 75]
    # Jan: 90 booked > 75 → cap 90, no headroom; owed Feb 90 × 12 = 1080, Mar 90 × 6 = 540
    assert (result.loc[0, "cap"], result.loc[0, "binding_constraint"]) == (90, "booked")
    assert result.loc[0, "np_headroom"] == 0
    # Feb: k=0 (1800 − 1080) ÷ 6 = 120, k=1 (1800 − 540) ÷ 12 = 105 → cap 75, request 50 binds
    assert result.loc[1, "followup_limit"] == 105
    assert result.loc[1, ["cap", "np_headroom", "target"]].tolist() == [75, 65, 50]
    assert result.loc[1, "target_reason"] == "request"
    # Mar owes 540 + 50 × 12 = 1140: k=0 (1800 − 1140) ÷ 6 = 110; booked 75 ties sustainable 75
    assert result.loc[2, "followup_limit"] == 110
    assert (result.loc[2, "cap"], result.loc[2, "binding_constraint"]) == (75, "sustainable")
    assert list(result["requested"]) == [pd.NA, 50, pd.NA]


def test_an_approved_override_above_the_cap_takes_the_follow_up_room_of_later_months():
    # given: the worked example with an approved override of 120 in January (cap 60)
    months = plan(4, override=[120, None, None, None])
    # when
    result = solve(months)
    # then: Jan owes Feb 120 × 15 = 1800 (all its room) and Mar 120 × 7.5 = 900
    # Feb: k=0 (1800 − 1800) ÷ 7.5 = 0 → cap 0
    # Mar: k=0 (1800 − 900) ÷ 7.5 = 120, k=1 1800 ÷ 15 = 120 → 120 > sustainable 60
    # Apr: owes 60 × 15 = 900; k=1 on May (owes 450): 1350 ÷ 15 = 90 → sustainable 60
    assert list(result["cap"]) == [60, 0, 60, 60]
    assert list(result["target"]) == [120, 0, 60, 60]
    assert list(result["target_reason"]) == ["override", "cap", "cap", "cap"]
    assert list(result["binding_constraint"]) == [
        "sustainable", "followup:2025-02", "sustainable", "sustainable",
    ]  # fmt: skip
    assert list(result["committed_minutes"]) == [900, 1800, 1350, 1350]


def test_past_cohorts_actual_arrivals_take_the_first_months_room():
    # given: 80 arrived in Dec 2024 and 40 in Nov 2024 (actual: no no-show discount)
    past = {"2024-12": 80, "2024-11": 40}
    # when
    result = solve(plan(2), past_arrivals=past, noshow_rate=0.0)
    # then: Jan owes 80 × 1.0 × 15 + 40 × 0.5 × 15 = 1500; Feb owes 80 × 0.5 × 15 = 600
    # Jan: k=0 (1800 − 1500) ÷ 7.5 = 40 → cap 40
    # Feb: owes 600 + 40 × 15 = 1200 → k=0 600 ÷ 7.5 = 80 → sustainable 60
    assert list(result["cap"]) == [40, 60]
    assert list(result["binding_constraint"]) == ["followup:2025-01", "sustainable"]
    assert result.loc[0, "committed_minutes"] == 1500 + 40 * 7.5


def test_supply_beyond_the_horizon_is_read_and_otherwise_the_last_month_recurs():
    # given: a one-month horizon; February's 10,800 minutes leave room 9,720 − 9,000 = 720
    beyond = pd.DataFrame({"established_minutes": [10800], "base_minutes": [9000]})
    # when
    told, recurring = solve(plan(1), beyond=beyond), solve(plan(1))
    # then: 720 ÷ 15 = 48 binds on February; without it January recurs and 60 stands
    assert (told.loc[0, "cap"], told.loc[0, "binding_constraint"]) == (48, "followup:2025-02")
    assert (recurring.loc[0, "cap"], recurring.loc[0, "binding_constraint"]) == (60, "sustainable")


def test_two_follow_up_months_that_tie_name_the_earlier():
    # given: February room 1,800 and March room 0.9 × 11000 − 9000 = 900, after a 1-month horizon
    beyond = pd.DataFrame({"established_minutes": [12000, 11000], "base_minutes": [9000, 9000]})
    # when
    result = solve(plan(1), beyond=beyond)
    # then: February k=1: 1800 ÷ 15 = 120; March k=2: 900 ÷ 7.5 = 120 → February is named
    followup = result.loc[0, ["followup_limit", "followup_binding_month"]].tolist()
    assert followup == [120, "2025-02"]


def test_booked_established_minutes_above_the_base_shrink_the_room():
    # given: 9,500 established minutes already booked in January, above the 9,000 base
    # when
    result = solve(plan(1, established_booked_minutes=[9500]))
    # then: room 10,800 − 9,500 = 1,300 → sustainable floor(1300 ÷ 30) = 43
    assert result.loc[0, "established_room"] == 1300
    assert result.loc[0, "cap"] == 43


def test_no_room_gives_zero_and_no_follow_ups_leave_the_established_limits_unbounded():
    # given: established demand above the target utilization (room 0.9 × 9000 − 9000 < 0)
    full = solve(plan(1, established=9000))
    # and: new patients who never return (F = 0) and new patients who never arrive (p = 1)
    none_return = solve(plan(1, established=9000), compute.Profile((0.0,), "configured"))
    none_arrive = solve(plan(1, established=9000), noshow_rate=1.0)
    # then: limits 0 and room shown as 0; without follow-up minutes only NP slots bind
    assert full.loc[0, ["sustainable_limit", "followup_limit", "cap"]].tolist() == [0, 0, 0]
    assert full.loc[0, "established_room"] == 0
    for result in (none_return, none_arrive):
        assert result.loc[0, "sustainable_limit"] is pd.NA
        assert result.loc[0, "followup_limit"] is pd.NA
        assert (result.loc[0, "cap"], result.loc[0, "binding_constraint"]) == (180, "np_slots")


def test_no_new_patient_visit_length_means_no_new_patient_slots():
    result = solve(plan(1), new_visit_minutes=0)
    assert result.loc[0, ["np_slots_available", "np_limit", "cap"]].tolist() == [0, 0, 0]


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"requested": [-1]}, "2025-01: requested must be a whole number ≥ 0, not -1"),
        ({"period": ["2025-02"], "np_minutes": [-5]}, "available and base minutes must be ≥ 0"),
    ],
)
def test_bad_input_is_refused_with_the_month_and_field(columns, message):
    with pytest.raises(ValueError, match=message):
        solve(plan(1, **columns))


def test_months_must_follow_each_other():
    months = plan(2).assign(period=["2025-01", "2025-03"])
    with pytest.raises(ValueError, match="2025-03 breaks that"):
        solve(months)


def test_more_capacity_in_one_month_can_lower_later_caps_and_their_sum():
    # given: f = [0.1, 1.0] (F = 1.1); room 1800, 900 (February is short), 1800
    profile = compute.Profile((0.1, 1.0), "configured")
    established = [12000, 11000, 12000]
    before = plan(3, np_minutes=[1834, 6000, 6000], established=established)
    after = plan(3, np_minutes=[2000, 6000, 6000], established=established)
    # when
    caps_before = list(solve(before, profile)["cap"])
    caps_after = list(solve(after, profile)["cap"])
    # then, before: Jan NP limit floor(0.9 × 1834 ÷ 30) = 55 (< follow-up 900 ÷ 15 = 60)
    #   Feb owes 55 × 15 = 825: k=0 (900 − 825) ÷ 1.5 = 50 < sustainable floor(900 ÷ 16.5) = 54
    #   Mar owes 50 × 15 = 750: k=0 700, k=1 on April 120 → sustainable floor(1800 ÷ 16.5) = 109
    # after: Jan NP limit 60 → Feb owes 900 → Feb cap 0; Mar sustainable 109 again
    assert caps_before == [55, 50, 109]
    assert caps_after == [60, 0, 109]
    # February lost 50 and the sum fell 214 → 169; only the first month that changed rose
    assert caps_after > caps_before  # lexicographically


# --- the follow-up profile -------------------------------------------------------------------


def cohort_frames(rows):
    """rows: (cohort month, new patients, [follow-ups at k = 0, 1, …])."""
    new = pd.DataFrame([(m, n) for m, n, _ in rows], columns=["cohort_month", "new_patients"])
    followups = pd.DataFrame(
        [(m, k, v) for m, _, vs in rows for k, v in enumerate(vs)],
        columns=["cohort_month", "k", "followups"],
    )
    return new, followups


def test_a_configured_profile_wins_over_learning():
    new, followups = cohort_frames([("2023-01", 10, [5, 5])])
    profile = compute.followup_profile(
        new, followups, current_month="2025-01", configured=[0.6, 0.9, 0.4]
    )
    assert (profile.values, profile.source, profile.cohorts) == ((0.6, 0.9, 0.4), "configured", 0)
    assert profile.total == pytest.approx(1.9)


def test_a_learned_profile_pools_complete_cohorts_before_dividing():
    # given: K = 2 and January 2025: only cohorts up to October 2024 have a complete window
    new, followups = cohort_frames(
        [
            ("2024-09", 10, [2, 10, 4]),
            ("2024-10", 30, [6, 20, 8]),
            ("2024-11", 100, [90, 0]),  # window ends January, not complete
        ]
    )
    # when
    profile = compute.followup_profile(new, followups, current_month="2025-01", k_max=2)
    # then: f = (8, 30, 12) ÷ 40 — not the mean of ratios, which gives f(1) = (1.0 + 0.67) ÷ 2
    assert profile.values == pytest.approx((0.2, 0.75, 0.3))
    assert (profile.source, profile.cohorts) == ("learned", 2)
    assert profile.total == pytest.approx(1.25)


def test_only_the_trailing_twelve_complete_cohorts_are_learned_from():
    # given: K = 0, thirteen complete cohorts; the oldest brought 10 follow-ups per patient
    months = [compute.month_add("2023-01", i) for i in range(13)]
    new, followups = cohort_frames([(m, 10, [100 if m == "2023-01" else 5]) for m in months])
    # when
    profile = compute.followup_profile(new, followups, current_month="2024-02", k_max=0)
    # then: 2023-02 … 2024-01 only: 12 × 5 ÷ 120 = 0.5
    assert profile.values == pytest.approx((0.5,))
    assert profile.cohorts == 12


def test_without_a_complete_cohort_the_default_is_used_and_labelled():
    new, followups = cohort_frames([("2024-12", 50, [20, 10])])
    profile = compute.followup_profile(new, followups, current_month="2025-01")
    assert (profile.values, profile.source) == ((0.4, 0.4, 0.4, 0.4), "default")
    assert profile.total == pytest.approx(1.6)


# --- properties ------------------------------------------------------------------------------

FRACTIONS = st.sampled_from([0.0, 0.1, 0.25, 0.5, 1.0, 1.5])
MAYBE = st.one_of(st.none(), st.integers(0, 250))


@st.composite
def cases(draw, requests=True, overrides=True, booked=True, past=True):
    """A random horizon with its settings, as keyword arguments for `solve`.

    Established minutes are drawn as B plus a room of −1,000…3,000 minutes at target
    utilization, so that follow-up rooms are tight and differ month to month: that is where
    months interact (uniformly drawn minutes mostly give a room far below 0 or far above need).
    """
    n = draw(st.integers(1, 6))
    utilization = draw(st.sampled_from([0.8, 0.9, 1.0]))

    def column(values):
        return draw(st.lists(values, min_size=n, max_size=n))

    base = column(st.integers(0, 12000))
    rooms = column(st.integers(-1000, 3000))
    months = plan(
        n,
        np_minutes=column(st.integers(0, 4000)),
        established=[
            max(0, round((b + r) / utilization)) for b, r in zip(base, rooms, strict=True)
        ],
        base=base,
        np_booked=column(st.integers(0, 150) if booked else st.just(0)),
        requested=column(MAYBE if requests else st.none()),
        override=column(MAYBE if overrides else st.none()),
    )
    arrivals = st.dictionaries(
        st.sampled_from(["2024-10", "2024-11", "2024-12"]), st.integers(0, 200)
    )
    return {
        "months": months,
        "profile": compute.Profile(
            tuple(draw(st.lists(FRACTIONS, min_size=1, max_size=4))), "configured"
        ),
        "target_utilization": utilization,
        "noshow_rate": draw(st.sampled_from([0.0, 0.1, 0.2, 0.5, 1.0])),
        "new_visit_minutes": draw(st.sampled_from([0, 20, 30, 45])),
        "followup_visit_minutes": draw(st.sampled_from([0, 10, 15, 20])),
        "past_arrivals": draw(arrivals) if past else None,
    }


def raised(case, month, more_new, more_established):
    """The same case with more new-patient and established minutes in one month."""
    months = case["months"].copy()
    index = month % len(months)
    months.loc[index, "np_minutes"] += more_new
    months.loc[index, "established_minutes"] += more_established
    return {**case, "months": months}


@settings(deadline=None)
@given(cases())
def test_caps_cover_the_booked_and_targets_stay_under_caps_unless_overridden(case):
    result = compute.caps(**case)
    overridden = result["target_reason"] == "override"
    assert (result["cap"] >= result["np_booked"]).all()
    assert (result.loc[~overridden, "target"] <= result.loc[~overridden, "cap"]).all()
    numbers = result.select_dtypes("number").astype(float)
    assert (numbers.fillna(0) >= 0).all().all()


@settings(max_examples=400, deadline=None)
@given(cases(requests=False, overrides=False, booked=False, past=False))
def test_planned_follow_ups_never_exceed_a_months_established_room(case):
    # targets ≤ caps and nothing booked: every target passed the follow-up limit of its window
    result = compute.caps(**case)
    assert (result["committed_minutes"] <= result["established_room"] + 1e-6).all()


@settings(deadline=None)
@given(cases(), st.integers(0, 5), st.integers(0, 3000), st.integers(0, 5000))
def test_more_capacity_never_lowers_the_first_cap_that_changes(case, month, more_new, more_est):
    # Caps are not monotone month by month, nor in their sum (see the hand-worked case above):
    # a higher earlier target owes more follow-ups to later months. What holds: up to the first
    # month whose cap changes, targets and so owed minutes are the same, and with owed minutes
    # fixed every limit only grows with supply — so that first changed cap rose. Python compares
    # lists lexicographically, which says exactly that.
    before = list(compute.caps(**case)["cap"])
    after = list(compute.caps(**raised(case, month, more_new, more_est))["cap"])
    assert after >= before


@settings(deadline=None)
@given(cases(overrides=False), st.integers(0, 5), st.integers(0, 3000), st.integers(0, 5000))
def test_with_earlier_targets_held_more_capacity_never_lowers_any_cap(
    case, month, more_new, more_est
):
    # given: every month's target held at what it was planned at (approved overrides)
    planned = compute.caps(**case)
    held = case["months"].assign(override=list(planned["target"]))
    case = {**case, "months": held}
    # when
    before = compute.caps(**case)
    after = compute.caps(**raised(case, month, more_new, more_est))
    # then: holding the targets changes no cap, and more supply raises or keeps each one
    assert list(before["cap"]) == list(planned["cap"])
    assert (after["cap"] >= before["cap"]).all()


def test_the_cohorts_a_profile_is_learned_from_are_listed_newest_first():
    # given: cohorts of 2023-12 (window to 2024-12: complete in 2025-01), 2024-01 (still open)
    new_patients = pd.DataFrame({"cohort_month": ["2023-12", "2024-01"], "new_patients": [4, 2]})
    followups = pd.DataFrame(
        {"cohort_month": ["2023-12", "2023-12", "2024-01"], "k": [0, 13, 1], "followups": [6, 9, 1]}
    )
    # when
    table = compute.learning_cohorts(new_patients, followups, current_month="2025-01")
    # then: k = 13 is outside the window; 6 follow-ups ÷ 4 new patients = 1.5
    assert table.to_dict("records") == [
        {"cohort_month": "2024-01", "new_patients": 2, "followups": 1, "per_patient": 0.5,
         "complete": False, "used": False},
        {"cohort_month": "2023-12", "new_patients": 4, "followups": 6, "per_patient": 1.5,
         "complete": True, "used": True},
    ]  # fmt: skip
    profile = compute.followup_profile(new_patients, followups, current_month="2025-01")
    assert (profile.source, profile.cohorts, profile.values[0]) == ("learned", 1, 1.5)
