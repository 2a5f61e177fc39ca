"""A demo appointment history that fits the demo network's template supply.

`demo_history` turns the slots that `compute.supply` expands (18 months back, ~3 months ahead)
into resolved appointments for past days and open bookings from `today` on, so that utilization,
no-shows, late cancellations, new-patient share, booking lag and follow-up cohorts (DESIGN §3)
all have plausible numbers to show. Each clinic has its own profile (`clinic_profiles`): two run
hot, two cold, the rest in the target band.

Pure numpy/pandas: no Django, no clock (`today` is an argument) and no global random state; the
same inputs and seed give the same frame. Times are clinic-local and naive, as a scheduling
system exports them; whoever stores them applies the clinic's timezone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import numpy as np
import pandas as pd

HISTORY_COLUMNS = [
    "external_id", "clinic_id", "provider_id", "visit_type_id", "local_date", "start_local",
    "duration_minutes", "status", "booked_at_local", "cancelled_at_local", "is_new_patient",
    "patient_id", "referral_source",
]  # fmt: skip
PROFILE_COLUMNS = ["clinic_id", "temperature", "target_utilization", "noshow_rate", "lead_shape"]
REFERRAL_SOURCES = (
    "Physician referral", "Web", "Phone", "Insurance directory", "Walk-in", "Social",
)  # fmt: skip
# Channel mix at the start of the history and its drift by the end: digital channels grow.
_REFERRAL_MIX = np.array([0.38, 0.16, 0.18, 0.12, 0.06, 0.10])
_REFERRAL_DRIFT = np.array([-0.10, 0.07, -0.04, 0.0, -0.01, 0.08])

# Held utilization aimed at (before seasonality and noise), hottest first, coldest last.
HOT_TARGETS = (1.05, 1.02)
COLD_TARGETS = (0.66, 0.61)
BAND_TARGETS = (0.91, 0.77)  # the rest, spread evenly between these
NOSHOW_RATES = (0.065, 0.125)  # spread evenly over the clinics, in a seeded order
# New-patient slots are the scarce ones: they fill more, and established slots less, so that a
# clinic's held minutes still meet its target (templates give ~19 % new-patient slots; held
# appointments end up 20–35 % new).
NEW_PATIENT_BOOST = 1.18
SLOT_CAP = 0.97  # a slot in a clinic that does not overbook is held at most this often
HOT_SLOT_CAP = 0.985  # hot clinics double-book a slot with the demand beyond this
CANCEL_SHARE = 0.08  # of bookings
LATE_CANCEL_SHARE = 1 / 3  # of cancellations: less than 24 h before the start
EARLY_CANCEL_DAYS = (2, 10)
UNRESOLVED_SHARE = 0.002  # past bookings never closed out: a data-quality problem to report
ARRIVED_SHARE, ARRIVED_DAYS = 0.25, 3  # checked in but not yet closed out, in the last days
NEW_LEAD_DAYS = (3, 30)
FOLLOW_UP_LEAD_DAYS = (7, 60)
# Days ahead → share of the past fill already booked.
_HORIZON = ([0, 14, 31, 61, 92], [0.88, 0.82, 0.55, 0.45, 0.30])
_FUTURE_CANCELS = ([0, 10, 30], [0.6, 0.3, 0.1])  # cancellations already made, by days ahead
# A new patient returns Poisson(mean) times, the mean growing with the established slots per
# new-patient slot of the clinic and service line; returns are spaced 10 days or more apart
# and spread over about 1–4 months.
RETURNS_PER_SLOT_RATIO, RETURNS_MEAN = 0.5, (1.0, 5.0)
MAX_RETURNS = 8
RETURN_GAP_DAYS, RETURN_SPAN_DAYS = 10, 100
POOL_VISITS = 6  # visits per long-standing established patient over the history
_STATUS_HELD_OPEN = ("booked", "arrived", "fulfilled")  # new patients who will come back


def clinic_profiles(clinic_ids: Iterable[int], *, seed: int = 7) -> pd.DataFrame:
    """How each clinic behaves in the demo history; a seeded order of the sorted ids.

    With four clinics or more the first two of that order run hot (held utilization aimed above
    95 %, with some double-booking) and the last two cold (below 70 %); two or three clinics
    get one of each. The rest are spread over 77–91 %. No-show rates spread over 6.5–12.5 %
    in an order of their own. `lead_shape` skews booking lead times: below 1 longer (hot),
    above 1 shorter (cold).
    """
    ids = np.unique(np.asarray(list(clinic_ids), dtype=np.int64))
    n = len(ids)
    rng = np.random.default_rng([seed, 101])
    order = ids[rng.permutation(n)]
    edge = 2 if n >= 4 else (1 if n >= 2 else 0)
    middle = n - 2 * edge
    targets = [*HOT_TARGETS[:edge], *np.linspace(*BAND_TARGETS, middle), *COLD_TARGETS[-edge:]]
    temperature = ["hot"] * edge + ["normal"] * middle + ["cold"] * edge
    shape = {"hot": 0.6, "normal": 1.1, "cold": 1.8}
    noshow = np.linspace(*NOSHOW_RATES, n) if n > 1 else np.array([np.mean(NOSHOW_RATES)])
    out = pd.DataFrame(
        {
            "clinic_id": order,
            "temperature": temperature[:n],
            "target_utilization": np.asarray(targets[:n], dtype=float),
            "noshow_rate": noshow[rng.permutation(n)],
            "lead_shape": [shape[t] for t in temperature[:n]],
        }
    )
    return out.sort_values("clinic_id").reset_index(drop=True)[PROFILE_COLUMNS]


def demo_history(
    slots: pd.DataFrame,
    visit_types: pd.DataFrame,
    clinics: pd.DataFrame,
    *,
    today: date,
    seed: int = 7,
) -> pd.DataFrame:
    """One row per appointment on the slots, in HISTORY_COLUMNS, sorted by start.

    `slots` is `compute.supply` output; `visit_types` has visit_type_id, service_line_id,
    minutes and is_new_patient; `clinics` has clinic_id (code and timezone are not needed:
    times stay clinic-local). Days before `today` are resolved (fulfilled, a few arrived in the
    last days, noshow, cancelled, and ~0.2 % left booked as unresolved); days from `today` on
    are booked, filling less the further out. New-patient slots get new patients; established
    slots get the earlier new patients of the same clinic and service line coming back, and
    long-standing patients. Overbooked appointments share a held slot's provider, time and
    visit type. Bookings precede starts, and cancellations follow bookings; nothing is booked
    or cancelled after `today` begins.
    """
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6)]
    s = _slots(slots, visit_types)
    if s.empty:
        return _empty()
    now = pd.Timestamp(today)
    ids = np.union1d(clinics["clinic_id"].to_numpy(dtype=np.int64), s["clinic_id"].unique())
    profiles = clinic_profiles(ids, seed=seed).set_index("clinic_id")
    rows = _bookings(s, profiles, now, streams[0])
    rows["status"] = _statuses(rows, profiles, streams[1])
    patient, returns_after = _patients(rows, s, streams[2])
    booked, cancelled = _times(rows, profiles, returns_after, now, streams[3])
    referral = _referrals(rows, profiles, streams[4])
    out = pd.DataFrame(
        {
            "clinic_id": rows["clinic_id"],
            "provider_id": rows["provider_id"],
            "visit_type_id": rows["visit_type_id"],
            "local_date": rows["date"],
            "start_local": rows["start"],
            "duration_minutes": rows["minutes"],
            "status": rows["status"],
            "booked_at_local": booked,
            "cancelled_at_local": cancelled,
            "is_new_patient": rows["is_new_patient"],
            "patient": patient,
            "referral_source": referral,
            "order": np.arange(len(rows)),
        }
    )
    out = out.sort_values(["start_local", "clinic_id", "provider_id", "order"], kind="stable")
    out = out.reset_index(drop=True)
    out["external_id"] = _labels("D", np.arange(1, len(out) + 1))
    out["patient_id"] = _labels("P", pd.factorize(out["patient"])[0] + 1)
    out["local_date"] = out["local_date"].dt.date
    return out[HISTORY_COLUMNS]


def _empty() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=object) for name in HISTORY_COLUMNS})


def _labels(prefix: str, numbers: np.ndarray) -> pd.Series:
    return prefix + pd.Series(numbers).astype(str).str.zfill(6)


def _slots(slots: pd.DataFrame, visit_types: pd.DataFrame) -> pd.DataFrame:
    """The slots with integer columns, the service line, in one fixed order."""
    if slots.empty:
        return pd.DataFrame()
    line = visit_types.set_index(visit_types["visit_type_id"].astype("int64"))["service_line_id"]
    s = pd.DataFrame(
        {
            "clinic_id": slots["clinic_id"].astype("int64"),
            "provider_id": slots["provider_id"].astype("int64"),
            "visit_type_id": slots["visit_type_id"].astype("int64"),
            "date": pd.to_datetime(slots["date"]).astype("datetime64[ns]").dt.normalize(),
            "start_minute": slots["start_minute"].astype("int64"),
            "minutes": slots["minutes"].astype("int64"),
            "available_minutes": slots["available_minutes"].astype(float),
            "available_slots": slots["available_slots"].astype(float),
            "is_new_patient": slots["is_new_patient"].astype(bool),
        }
    )
    s["service_line_id"] = s["visit_type_id"].map(line).astype("int64")
    order = ["clinic_id", "provider_id", "date", "start_minute", "visit_type_id"]
    s = s.sort_values(order, kind="stable").reset_index(drop=True)
    s["start"] = s["date"] + pd.to_timedelta(s["start_minute"], unit="min")
    return s


def _season(dates: pd.Series) -> np.ndarray:
    """Demand by time of year: busy Jan–Mar, quieter in summer weeks and over the holidays."""
    month, day = dates.dt.month.to_numpy(), dates.dt.day.to_numpy()
    factor = np.ones(len(dates))
    factor[month <= 3] = 1.07
    factor[(month == 7) | ((month == 8) & (day <= 23))] = 0.91
    factor[((month == 12) & (day >= 20)) | ((month == 1) & (day <= 2))] = 0.82
    return factor


def _bookings(
    s: pd.DataFrame, profiles: pd.DataFrame, now: pd.Timestamp, rng: np.random.Generator
) -> pd.DataFrame:
    """Held, double-booked and cancelled appointments, one row each, with their slot's columns.

    A slot is held with probability target × class factor × season × provider and day noise ×
    horizon × its room-bounded fraction (`available_slots`), so held minutes over available
    minutes come out near the clinic's target.
    """
    days_ahead = (s["date"] - now).dt.days.to_numpy()
    clinic = s["clinic_id"]
    new = s["is_new_patient"].to_numpy()
    minutes = (
        s.groupby(["clinic_id", "is_new_patient"])["available_minutes"]
        .sum()
        .unstack()
        .reindex(columns=[False, True])
        .fillna(0.0)
    )
    established_room = minutes[False] + minutes[True] * (1 - NEW_PATIENT_BOOST)
    established = (established_room / minutes[False].where(minutes[False] > 0)).clip(0.5, 1.0)
    factor = np.where(new, NEW_PATIENT_BOOST, clinic.map(established.fillna(1.0)).to_numpy())
    providers = s.groupby(["clinic_id", "provider_id"], sort=False).ngroup().to_numpy()
    provider_days = s.groupby(["clinic_id", "provider_id", "date"], sort=False).ngroup().to_numpy()
    noise = (
        rng.normal(1.0, 0.05, providers.max() + 1)[providers]
        * rng.normal(1.0, 0.06, provider_days.max() + 1)[provider_days]
    )
    horizon = np.where(days_ahead >= 0, np.interp(days_ahead, *_HORIZON), 1.0)
    demand = (
        clinic.map(profiles["target_utilization"]).to_numpy()
        * factor
        * _season(s["date"])
        * noise
        * horizon
        * s["available_slots"].to_numpy()
    )
    hot = clinic.map(profiles["temperature"] == "hot").to_numpy(dtype=bool)
    draws = rng.random((3, len(s)))
    held = draws[0] < np.minimum(demand, np.where(hot, HOT_SLOT_CAP, SLOT_CAP))
    overbooked = held & hot & (draws[1] < demand - HOT_SLOT_CAP)
    made = np.where(days_ahead >= 0, np.interp(days_ahead, *_FUTURE_CANCELS), 1.0)
    cancel_odds = CANCEL_SHARE / (1 - CANCEL_SHARE)
    cancelled = draws[2] < cancel_odds * np.minimum(demand, 1.0) * made
    slot = np.concatenate(
        [np.flatnonzero(held), np.flatnonzero(overbooked), np.flatnonzero(cancelled)]
    )
    kind = np.repeat([0, 1, 2], [held.sum(), overbooked.sum(), cancelled.sum()])
    order = np.lexsort((kind, slot))
    slot, kind = slot[order], kind[order]
    rows = s.iloc[slot].reset_index(drop=True)
    rows["slot"], rows["kind"], rows["days_ahead"] = slot, kind, days_ahead[slot]
    return rows


def _statuses(rows: pd.DataFrame, profiles: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Canonical statuses: future days booked; past days kept, noshow, a few unresolved."""
    past = rows["days_ahead"].to_numpy() < 0
    new = rows["is_new_patient"].to_numpy()
    noshow_rate = rows["clinic_id"].map(profiles["noshow_rate"]).to_numpy()
    # New patients miss more often; the factors keep each clinic's overall rate near its own.
    noshow_rate = noshow_rate * np.where(new, 1.2, 0.94)
    draws = rng.random((3, len(rows)))
    status = np.full(len(rows), "booked", dtype=object)
    kept = past & (draws[0] >= noshow_rate)
    status[past & ~kept] = "noshow"
    status[kept] = "fulfilled"
    recent = rows["days_ahead"].to_numpy() >= -ARRIVED_DAYS
    status[kept & recent & (draws[1] < ARRIVED_SHARE)] = "arrived"
    status[kept & (draws[2] < UNRESOLVED_SHARE)] = "booked"
    status[rows["kind"].to_numpy() == 2] = "cancelled"
    return status


def _random_rank(codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each element's position among the elements of its group, in a random order."""
    order = np.lexsort((rng.random(len(codes)), codes))
    sorted_codes = codes[order]
    rank = np.empty(len(codes), dtype=np.int64)
    rank[order] = np.arange(len(codes)) - np.searchsorted(sorted_codes, sorted_codes)
    return rank


def _pair(
    want: pd.DataFrame, have: pd.DataFrame, keys: list[str], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Match wanted visits to established appointments with the same keys, earliest to earliest.

    Both frames have `keys` and `time`. Where a group has more of one side, a random subset of
    it is left out. Returns positions in `want` and in `have`, pairwise.
    """
    both = pd.concat([want[keys], have[keys]], ignore_index=True)
    codes = both.groupby(keys, sort=False).ngroup().to_numpy()
    want_codes, have_codes = codes[: len(want)], codes[len(want) :]
    groups = codes.max() + 1 if len(codes) else 0
    want_count = np.bincount(want_codes, minlength=groups)
    have_count = np.bincount(have_codes, minlength=groups)
    want_kept = np.flatnonzero(_random_rank(want_codes, rng) < have_count[want_codes])
    have_kept = np.flatnonzero(_random_rank(have_codes, rng) < want_count[have_codes])
    want_time, have_time = want["time"].to_numpy(), have["time"].to_numpy()
    want_kept = want_kept[np.lexsort((want_time[want_kept], want_codes[want_kept]))]
    have_kept = have_kept[np.lexsort((have_time[have_kept], have_codes[have_kept]))]
    return want_kept, have_kept


def _patients(
    rows: pd.DataFrame, s: pd.DataFrame, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """A patient key per row, and for follow-ups of a new patient that visit's end (else NaT).

    New-patient rows each bring a patient (the key is the row's position). Those who came, or
    are booked to, return Poisson(mean) times in later weeks at the same clinic and service
    line, with their new-patient provider where a slot allows, else with another; established
    appointments left over go to a pool of long-standing patients (keys from len(rows) on).
    """
    n = len(rows)
    key = np.full(n, -1, dtype=np.int64)
    new = rows["is_new_patient"].to_numpy()
    status = rows["status"].to_numpy()
    first_visits = np.flatnonzero(new)
    key[first_visits] = first_visits
    returners = first_visits[np.isin(status[first_visits], _STATUS_HELD_OPEN)]

    line = ["clinic_id", "service_line_id"]
    slot_counts = (
        s.groupby([*line, "is_new_patient"]).size().unstack().reindex(columns=[False, True])
    )
    ratio = slot_counts[False] / slot_counts[True]
    mean = (RETURNS_PER_SLOT_RATIO * ratio).clip(*RETURNS_MEAN).fillna(RETURNS_MEAN[0])
    returner_groups = pd.MultiIndex.from_arrays([rows[c].to_numpy()[returners] for c in line])
    count = np.minimum(rng.poisson(mean.reindex(returner_groups).to_numpy()), MAX_RETURNS)
    patient = np.repeat(returners, count)
    gap = RETURN_GAP_DAYS + rng.random(len(patient)) * RETURN_SPAN_DAYS / np.repeat(count, count)
    after = pd.Series(gap).groupby(patient).cumsum().to_numpy()
    day = (rows["date"] - pd.Timestamp("1970-01-05")).dt.days.to_numpy()  # a Monday
    wanted_day = day[patient] + after
    last_day = day.max()
    inside = wanted_day <= last_day
    patient, wanted_day = patient[inside], wanted_day[inside]
    want = pd.DataFrame(
        {
            "clinic_id": rows["clinic_id"].to_numpy()[patient],
            "service_line_id": rows["service_line_id"].to_numpy()[patient],
            "provider_id": rows["provider_id"].to_numpy()[patient],
            "week": np.floor(wanted_day).astype(np.int64) // 7,
            "time": wanted_day,
        }
    )
    established = np.flatnonzero(~new)
    minute = rows["start_minute"].to_numpy()
    have = pd.DataFrame(
        {
            "clinic_id": rows["clinic_id"].to_numpy()[established],
            "service_line_id": rows["service_line_id"].to_numpy()[established],
            "provider_id": rows["provider_id"].to_numpy()[established],
            "week": day[established] // 7,
            "time": day[established] + minute[established] / 1440,
        }
    )
    for keys in ([*line, "provider_id", "week"], [*line, "week"]):
        open_want = want.index.to_numpy()
        open_have = have.index.to_numpy()
        w, h = _pair(want, have, keys, rng)
        key[established[open_have[h]]] = patient[open_want[w]]
        want = want.drop(index=open_want[w])
        have = have.drop(index=open_have[h])

    returns_after = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    follow_ups = np.flatnonzero((key >= 0) & ~new)
    end = (rows["start"] + pd.to_timedelta(rows["minutes"], unit="min")).to_numpy()
    returns_after[follow_ups] = end[key[follow_ups]]

    pool_rows = np.flatnonzero(key < 0)
    groups = rows.iloc[pool_rows].groupby(line, sort=False).ngroup().to_numpy()
    size = np.maximum(3, np.ceil(np.bincount(groups) / POOL_VISITS)).astype(np.int64)
    offset = n + np.concatenate([[0], np.cumsum(size)[:-1]])
    key[pool_rows] = offset[groups] + (rng.random(len(pool_rows)) * size[groups]).astype(np.int64)
    return key, returns_after


def _times(
    rows: pd.DataFrame,
    profiles: pd.DataFrame,
    returns_after: np.ndarray,
    now: pd.Timestamp,
    rng: np.random.Generator,
) -> tuple[pd.Series, pd.Series]:
    """When each appointment was booked and, if cancelled, cancelled; all before `now`.

    Lead times are 3–30 days for new patients and 7–60 for follow-ups, in office hours, skewed
    by the clinic's `lead_shape`; a future booking was made before today. A follow-up is booked
    after its new-patient visit where that still leaves its lead time. Past cancellations are
    late (< 24 h before) a third of the time, else 2–10 days before; a slot cancelled and held
    again was rebooked after the cancellation where the lead time allows.
    """
    n = len(rows)
    start = rows["start"].to_numpy()
    days_ahead = rows["days_ahead"].to_numpy()
    future = days_ahead >= 0
    new = rows["is_new_patient"].to_numpy()
    low = np.where(new, NEW_LEAD_DAYS[0], FOLLOW_UP_LEAD_DAYS[0])
    high = np.where(new, NEW_LEAD_DAYS[1], FOLLOW_UP_LEAD_DAYS[1])
    low = np.where(future, np.maximum(low, days_ahead + 1), low)
    high = np.where(future, np.maximum(high, days_ahead + 14), high)
    shape = rows["clinic_id"].map(profiles["lead_shape"]).to_numpy()
    draws = rng.random((8, n))
    lead = np.minimum(low + np.floor(draws[0] ** shape * (high - low + 1)), high)
    # Booked in office hours, never later in the day than the visit: the lead is whole days.
    office = np.minimum(8 * 60 + np.floor(draws[1] * 10 * 60), rows["start_minute"].to_numpy())
    booked = (
        rows["date"].to_numpy()
        - (lead * 86400).astype("timedelta64[s]")
        + office.astype("timedelta64[m]")
    )
    day = np.timedelta64(1, "D")
    hour = np.timedelta64(1, "h")
    after_visit = returns_after + (draws[2] * 30).astype("timedelta64[m]")
    move = (
        ~np.isnat(returns_after)
        & (after_visit > booked)
        & (after_visit <= start - low * day)
        & (after_visit <= now.to_datetime64())
    )
    booked = np.where(move, after_visit, booked)

    cancelled_rows = rows["kind"].to_numpy() == 2
    cancelled = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    late = draws[3] < LATE_CANCEL_SHARE
    early_days = EARLY_CANCEL_DAYS[0] + draws[4] * (EARLY_CANCEL_DAYS[1] - EARLY_CANCEL_DAYS[0])
    notice_minutes = np.where(late, 30 + draws[4] * 23 * 60, early_days * 24 * 60)
    past_cancel = cancelled_rows & ~future
    cancelled[past_cancel] = start[past_cancel] - notice_minutes[past_cancel].astype(
        "timedelta64[m]"
    )
    too_late = past_cancel & (booked > cancelled - hour)
    booked = np.where(
        too_late, cancelled - (60 + draws[5] * 71 * 60).astype("timedelta64[m]"), booked
    )
    future_cancel = cancelled_rows & future
    elapsed = (now.to_datetime64() - booked).astype("timedelta64[m]").astype(np.int64)
    cancelled[future_cancel] = booked[future_cancel] + (
        draws[6][future_cancel] * elapsed[future_cancel]
    ).astype("timedelta64[m]")

    slot_cancelled = pd.Series(
        cancelled[cancelled_rows], index=rows["slot"].to_numpy()[cancelled_rows]
    )
    freed = rows["slot"].map(slot_cancelled).to_numpy(dtype="datetime64[ns]")
    latest = np.minimum(start - low * day, now.to_datetime64())
    span = (latest - freed).astype("timedelta64[m]").astype("float64")
    rebooked = ~cancelled_rows & ~np.isnat(freed) & (booked < freed) & (latest > freed)
    booked = np.where(
        rebooked, freed + (draws[7] * np.nan_to_num(span)).astype("timedelta64[m]"), booked
    )
    return pd.Series(booked.astype("datetime64[ns]")), pd.Series(cancelled)


def _referrals(rows: pd.DataFrame, profiles: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """A channel per new-patient appointment ("" for established), mixed per clinic, drifting
    towards web and social over the history."""
    ids = profiles.index.to_numpy()
    mix = _REFERRAL_MIX * rng.uniform(0.6, 1.4, (len(ids), len(REFERRAL_SOURCES)))
    new = np.flatnonzero(rows["is_new_patient"].to_numpy())
    day = rows["days_ahead"].to_numpy()[new].astype(float)
    progress = (day - day.min()) / max(day.max() - day.min(), 1) if len(new) else day
    clinic = np.searchsorted(ids, rows["clinic_id"].to_numpy()[new])
    weights = np.clip(mix[clinic] + progress[:, None] * _REFERRAL_DRIFT, 0.01, None)
    cumulative = np.cumsum(weights, axis=1) / weights.sum(axis=1, keepdims=True)
    choice = (rng.random(len(new))[:, None] > cumulative).sum(axis=1)
    out = np.full(len(rows), "", dtype=object)
    out[new] = np.asarray(REFERRAL_SOURCES, dtype=object)[
        np.minimum(choice, len(REFERRAL_SOURCES) - 1)
    ]
    return out
