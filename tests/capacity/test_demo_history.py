"""The demo appointment history (capacity.demo) against the template supply it is built on."""

from datetime import date, timedelta

import pandas as pd
import pytest

from capacity import compute, demo

TODAY = date(2026, 3, 16)  # a Monday
FIRST = date(2024, 9, 16)  # 18 months back
LAST = TODAY + timedelta(days=91)
HELD = ["booked", "arrived", "fulfilled", "noshow"]
KEPT = ["arrived", "fulfilled"]

# Two service lines: orthopedics (30-min new, 15-min follow-up), women's health (40 / 20)
ORTHO_NP, ORTHO_FU, WH_NP, WH_FU = 1, 2, 3, 4
VISIT_TYPES = pd.DataFrame(
    [
        (ORTHO_NP, 1, 30, True),
        (ORTHO_FU, 1, 15, False),
        (WH_NP, 2, 40, True),
        (WH_FU, 2, 20, False),
    ],
    columns=["visit_type_id", "service_line_id", "minutes", "is_new_patient"],
)
DAY = 60


def _blocks(template: int, parts: list[tuple[int, int, int]]) -> list[tuple]:
    minutes = dict(zip(VISIT_TYPES["visit_type_id"], VISIT_TYPES["minutes"], strict=True))
    new = dict(zip(VISIT_TYPES["visit_type_id"], VISIT_TYPES["is_new_patient"], strict=True))
    return [
        (template, weekday, start * DAY, end * DAY, vt, minutes[vt], new[vt])
        for weekday in range(5)
        for start, end, vt in parts
    ]


# Ortho day: 4 new + 20 follow-up slots; women's health day: 6 new + 12 follow-up slots
BLOCKS = _blocks(10, [(8, 10, ORTHO_NP), (10, 12, ORTHO_FU), (13, 16, ORTHO_FU)]) + _blocks(
    20, [(8, 10, WH_NP), (10, 12, WH_FU), (13, 15, WH_FU), (15, 17, WH_NP)]
)
# 4 clinics × 3 providers: clinics 1 and 2 orthopedics, 3 women's health, 4 both
STAFF = [(1, 10), (1, 10), (1, 10), (2, 10), (2, 10), (2, 10)]
STAFF += [(3, 20), (3, 20), (3, 20), (4, 10), (4, 10), (4, 20)]


def network_slots() -> pd.DataFrame:
    assignments = [
        (provider, clinic, template, [0, 1, 2, 3, 4], FIRST, None, date(2020, 1, 1), None)
        for provider, (clinic, template) in enumerate(STAFF, start=1)
    ]
    frames = {
        "assignments": pd.DataFrame(assignments, columns=compute.ASSIGNMENT_COLUMNS),
        "blocks": pd.DataFrame(BLOCKS, columns=compute.BLOCK_COLUMNS),
        "closures": pd.DataFrame(
            [(c, date(2025, 12, 25), None, None) for c in range(1, 5)],
            columns=compute.CLOSURE_COLUMNS,
        ).astype({"start_minute": float, "end_minute": float}),
        "absences": pd.DataFrame(
            [(2, date(2025, 7, 7), date(2025, 7, 18))], columns=compute.ABSENCE_COLUMNS
        ),
        "clinics": pd.DataFrame(
            [(c, 10.0, None, None) for c in range(1, 5)], columns=compute.CLINIC_COLUMNS
        ),
    }
    return compute.supply(**frames, first=FIRST, last=LAST)


CLINICS = pd.DataFrame(
    [(c, f"C{c:02d}", "America/Chicago") for c in range(1, 5)],
    columns=["clinic_id", "code", "timezone"],
)


@pytest.fixture(scope="module")
def slots() -> pd.DataFrame:
    return network_slots()


@pytest.fixture(scope="module")
def history(slots) -> pd.DataFrame:
    return demo.demo_history(slots, VISIT_TYPES, CLINICS, today=TODAY, seed=7)


def _past(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame[pd.to_datetime(frame[column]) < pd.Timestamp(TODAY)]


def test_the_history_has_exactly_the_documented_columns(history):
    assert list(history.columns) == demo.HISTORY_COLUMNS
    assert history["external_id"].is_unique
    assert history["external_id"].str.fullmatch(r"D\d{6,}").all()
    assert history["patient_id"].str.fullmatch(r"P\d{6,}").all()
    assert isinstance(history.loc[0, "local_date"], date)


def test_same_inputs_and_seed_give_the_same_history(slots, history):
    # when: generated again, from the slots in another row order
    again = demo.demo_history(
        slots.sample(frac=1, random_state=3), VISIT_TYPES, CLINICS, today=TODAY, seed=7
    )
    other_seed = demo.demo_history(slots, VISIT_TYPES, CLINICS, today=TODAY, seed=8)
    # then
    pd.testing.assert_frame_equal(again, history)
    assert not other_seed["status"].equals(history["status"])


def test_statuses_are_only_the_five_canonical_words(history):
    assert set(history["status"]) == {"booked", "arrived", "fulfilled", "noshow", "cancelled"}


def test_bookings_precede_starts_and_cancellations_fall_between(history):
    now = pd.Timestamp(TODAY)
    assert (history["booked_at_local"] <= history["start_local"]).all()
    assert (history["booked_at_local"] < now).all()  # nothing booked after today began
    cancelled = history[history["status"] == "cancelled"]
    assert cancelled["cancelled_at_local"].notna().all()
    assert (cancelled["cancelled_at_local"] >= cancelled["booked_at_local"]).all()
    assert (cancelled["cancelled_at_local"] <= cancelled["start_local"]).all()
    assert (cancelled["cancelled_at_local"] < now).all()
    assert history.loc[history["status"] != "cancelled", "cancelled_at_local"].isna().all()


def test_past_days_are_resolved_except_a_few_unresolved_bookings(history):
    past = _past(history, "local_date")
    future = history.drop(index=past.index)
    unresolved = (past["status"] == "booked").mean()
    assert 0 < unresolved < 0.005
    assert set(future["status"]) == {"booked", "cancelled"}
    # checked in but not closed out: only in the last few days
    arrived = pd.to_datetime(past.loc[past["status"] == "arrived", "local_date"])
    assert len(arrived) > 0
    assert arrived.min() >= pd.Timestamp(TODAY - timedelta(days=3))


def test_every_appointment_sits_on_a_template_slot(slots, history):
    # given: each slot's provider, start and visit type
    on_slot = slots.assign(
        start_local=slots["date"] + pd.to_timedelta(slots["start_minute"], unit="min"),
        visit_type_id=slots["visit_type_id"].astype("int64"),
    )[["clinic_id", "provider_id", "start_local", "visit_type_id"]]
    # when
    matched = history.merge(on_slot, how="left", indicator=True)
    # then: every appointment, overbooks included, has a slot; overbooks share a held one
    assert (matched["_merge"] == "both").all()
    held = history[history["status"].isin(HELD)]
    per_slot = held.groupby(["provider_id", "start_local"]).size()
    assert (per_slot > 1).sum() > 0
    assert (history["duration_minutes"] == history["visit_type_id"].map(
        VISIT_TYPES.set_index("visit_type_id")["minutes"]
    )).all()  # fmt: skip


def test_the_new_patient_share_of_held_is_20_to_35_percent(history):
    held = history[history["status"].isin(HELD)]
    assert 0.20 <= held["is_new_patient"].mean() <= 0.35
    new_type = history["visit_type_id"].isin([ORTHO_NP, WH_NP])
    assert (history["is_new_patient"] == new_type).all()


def test_clinics_span_hot_and_cold_utilization(slots, history):
    # given: utilization = held minutes ÷ available minutes over past days, per clinic
    available = _past(slots, "date").groupby("clinic_id")["available_minutes"].sum()
    held = _past(history, "local_date")
    held = held[held["status"].isin(HELD)]
    utilization = held.groupby("clinic_id")["duration_minutes"].sum() / available
    profiles = demo.clinic_profiles(CLINICS["clinic_id"], seed=7).set_index("clinic_id")
    # then: the two hot clinics above 95 %, the two cold ones below 70 %
    assert (utilization[profiles["temperature"] == "hot"] > 0.95).all()
    assert (utilization[profiles["temperature"] == "cold"] < 0.70).all()
    assert sorted(profiles["temperature"]) == ["cold", "cold", "hot", "hot"]


def test_the_noshow_rate_of_every_clinic_is_5_to_15_percent(history):
    past = _past(history, "local_date")
    attended = past[past["status"].isin([*KEPT, "noshow"])]
    rate = attended.groupby("clinic_id")["status"].apply(lambda s: (s == "noshow").mean())
    assert len(rate) == 4
    assert rate.between(0.05, 0.15).all()
    assert rate.max() - rate.min() > 0.01  # clinics differ


def test_about_8_percent_of_bookings_are_cancelled_a_third_of_them_late(history):
    past = _past(history, "local_date")
    cancelled = past[past["status"] == "cancelled"]
    assert len(cancelled) / len(past) == pytest.approx(0.08, abs=0.01)
    notice = cancelled["start_local"] - cancelled["cancelled_at_local"]
    late = notice < pd.Timedelta(hours=24)
    assert late.mean() == pytest.approx(1 / 3, abs=0.03)
    early = notice[~late]
    assert early.min() >= pd.Timedelta(days=2) - pd.Timedelta(hours=1)
    assert early.max() <= pd.Timedelta(days=10)


def test_lead_times_are_3_to_30_days_for_new_patients_and_7_to_60_for_follow_ups(history):
    kept = _past(history, "local_date")
    kept = kept[kept["status"].isin(KEPT)]
    days = (kept["start_local"].dt.normalize() - kept["booked_at_local"].dt.normalize()).dt.days
    new, follow_up = days[kept["is_new_patient"]], days[~kept["is_new_patient"]]
    assert new.between(3, 30).all()
    assert follow_up.between(7, 60).all()


def test_future_days_fill_less_the_further_out(slots, history):
    # given: held minutes ÷ available minutes by days ahead of today
    def fill(frame_slots, frame_history, first: int, last: int) -> float:
        lo, hi = pd.Timestamp(TODAY + timedelta(first)), pd.Timestamp(TODAY + timedelta(last))
        dates = pd.to_datetime(frame_history["local_date"])
        booked = frame_history[dates.between(lo, hi) & frame_history["status"].isin(HELD)]
        available = frame_slots.loc[frame_slots["date"].between(lo, hi), "available_minutes"]
        return booked["duration_minutes"].sum() / available.sum()

    past = fill(slots, history, -91, -1)
    # then: the next two weeks near 85 % of the past fill, months 2–3 at 30–50 %
    assert fill(slots, history, 0, 13) / past == pytest.approx(0.85, abs=0.07)
    assert 0.25 <= fill(slots, history, 31, 91) / past <= 0.55


def test_new_patients_return_to_the_same_clinic_and_service_line(history):
    # given: each patient's visits in order
    visits = history.sort_values("start_local")
    line = visits["visit_type_id"].isin([ORTHO_NP, ORTHO_FU])
    visits = visits.assign(line=line.map({True: "ORTHO", False: "WH"}))
    counts = visits["patient_id"].value_counts()
    new_patients = visits.loc[visits["is_new_patient"], "patient_id"]
    returning = visits[
        visits["patient_id"].isin(new_patients) & (visits["patient_id"].map(counts) >= 3)
    ]
    # then: patients come back 3 times or more; a new patient's first visit is the new one,
    # every later visit an established one at the same clinic and in the same service line
    assert counts.max() >= 3
    assert returning["patient_id"].nunique() > 100
    first = returning.groupby("patient_id").head(1)
    later = returning.drop(index=first.index)
    assert first["is_new_patient"].all()
    assert not later["is_new_patient"].any()
    for column in ("clinic_id", "line"):
        assert (
            later["patient_id"].map(first.set_index("patient_id")[column]) == later[column]
        ).all()


def test_referral_sources_come_from_the_channels_for_new_patients_only(history):
    new = history["is_new_patient"]
    assert set(history.loc[new, "referral_source"]) == set(demo.REFERRAL_SOURCES)
    assert (history.loc[~new, "referral_source"] == "").all()


def test_a_twelve_clinic_network_has_two_hot_two_cold_and_eight_in_the_band():
    profiles = demo.clinic_profiles(range(1, 13), seed=7)
    assert profiles["temperature"].value_counts().to_dict() == {"normal": 8, "hot": 2, "cold": 2}
    band = profiles.loc[profiles["temperature"] == "normal", "target_utilization"]
    assert band.between(0.75, 0.92).all()
    assert profiles.equals(demo.clinic_profiles(reversed(range(1, 13)), seed=7))
