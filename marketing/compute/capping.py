"""New-patient capacity caps (DESIGN §3 "Follow-up profile", "New-patient capacity cap").

No Django here: selectors build the input frames from SQL aggregates, these functions solve the
months of a horizon for one clinic × service line, and the same code serves goals, the
`report np-capacity` command, the API and (later) scenarios.

Months are "YYYY-MM" strings. DESIGN's symbols map onto arguments as:
u = `target_utilization`, p = `noshow_rate`, d_new = `new_visit_minutes`,
d_fu = `followup_visit_minutes`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

DEFAULT_FOLLOWUPS = (0.4, 0.4, 0.4, 0.4)
FOLLOWUP_MONTHS = 12  # K: a cohort's window is months m..m+K
TRAILING_COHORTS = 12
# Minutes are floats (u × minutes, f(k) × d_fu); without this a quotient that is exactly whole
# on paper (e.g. 1800 ÷ 7.5) can land a hair below it and lose a patient to floor().
_EPSILON = 1e-9

MONTH_COLUMNS = ["period", "np_minutes", "established_minutes", "base_minutes"]
OPTIONAL_MONTH_COLUMNS = ["established_booked_minutes", "np_booked", "requested", "override"]
CAP_COLUMNS = [
    "period", "np_slots_available", "np_limit", "np_booked", "np_headroom", "established_room",
    "established_headroom", "sustainable_limit", "followup_limit", "followup_binding_month",
    "cap", "binding_constraint", "requested", "target", "target_reason", "committed_minutes",
]  # fmt: skip


@dataclass(frozen=True)
class Profile:
    """Follow-up visits per arrived new patient, f(k) for k = 0…K months after the visit."""

    values: tuple[float, ...]
    source: Literal["configured", "learned", "default"]
    cohorts: int = 0  # cohort months it was learned from

    @property
    def total(self) -> float:
        """F = Σ f(k): follow-up visits one arrived new patient brings in all."""
        return float(sum(self.values))


def month_add(period: str, months: int) -> str:
    """The month `months` after "YYYY-MM" (before it when negative)."""
    index = month_index(period) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_indices(periods: pd.Series) -> pd.Series:
    """`month_index` of every row, worked out once per distinct month: a clinic's visits span
    a few tens of months, not hundreds of thousands."""
    return periods.map({p: month_index(p) for p in periods.unique()}).astype("int64")


def month_index(period: str) -> int:
    """Months since year 0 of "YYYY-MM", so that months subtract; ValueError when malformed."""
    try:
        year, month = (int(part) for part in period.split("-"))
    except (AttributeError, ValueError):
        raise ValueError(f"{period!r} is not a month YYYY-MM") from None
    if len(period) != 7 or not 1 <= month <= 12:
        raise ValueError(f"{period!r} is not a month YYYY-MM")
    return year * 12 + month - 1


def _floor(value: float) -> int:
    return math.floor(value + _EPSILON)


def round_down(value: float) -> int:
    """A capacity count shown whole: rounded down (DESIGN §3), float noise forgiven."""
    return _floor(value)


def followup_profile(
    new_patients: pd.DataFrame,
    followups: pd.DataFrame,
    *,
    current_month: str,
    configured: Sequence[float] | None = None,
    k_max: int = FOLLOWUP_MONTHS,
) -> Profile:
    """f(k) for one clinic or network × service line: configured, else learned, else default.

    `new_patients` has one row per cohort month: `cohort_month` ("YYYY-MM"), `new_patients`
    (new patients whose new-patient visit was KEPT that month). `followups` has one row per
    cohort month and offset: `cohort_month`, `k` (months after the cohort month, ≥ 0),
    `followups` (KEPT established visits in month cohort_month + k by those patients, same
    service line). Both are plain GROUP BY counts for a selector.

    Learning pools the trailing `TRAILING_COHORTS` cohort months that have new patients and a
    complete window (cohort_month + k_max before `current_month`): f(k) = Σ followups(k) ÷
    Σ new patients, summed before dividing, k = 0…k_max. With no such cohort the default
    [0.4, 0.4, 0.4, 0.4] is returned, labelled "default". A configured profile wins over both.
    """
    if configured is not None:
        values = tuple(float(v) for v in configured)
        if not values or any(not math.isfinite(v) or v < 0 for v in values):
            raise ValueError("a configured follow-up profile needs one or more values ≥ 0")
        return Profile(values, "configured")
    table = learning_cohorts(new_patients, followups, current_month=current_month, k_max=k_max)
    chosen = table[table["used"]]
    if chosen.empty:
        return Profile(DEFAULT_FOLLOWUPS, "default")
    arrived = float(chosen["new_patients"].sum())
    inside = followups[followups["cohort_month"].isin(chosen["cohort_month"])]
    by_k = inside[inside["k"].between(0, k_max)].groupby("k")["followups"].sum()
    values = tuple(float(by_k.get(k, 0)) / arrived for k in range(k_max + 1))
    return Profile(values, "learned", cohorts=len(chosen))


def learning_cohorts(
    new_patients: pd.DataFrame,
    followups: pd.DataFrame,
    *,
    current_month: str,
    k_max: int = FOLLOWUP_MONTHS,
) -> pd.DataFrame:
    """The cohort months a profile is learned from, to show beside it: `cohort_month`,
    `new_patients`, `followups` (within k = 0…k_max), `per_patient`, `complete` (its window
    has ended) and `used` (one of the trailing `TRAILING_COHORTS` complete cohorts), newest
    first."""
    last_complete = month_index(current_month) - k_max - 1
    cohorts = new_patients[new_patients["new_patients"] > 0]
    # An empty map keeps the string dtype; months must be numbers to be ranked.
    month = cohorts["cohort_month"].map(month_index).astype("int64")
    inside = followups[followups["k"].between(0, k_max)]
    counted = inside.groupby("cohort_month")["followups"].sum()
    table = cohorts.assign(
        month=month,
        followups=cohorts["cohort_month"].map(counted).fillna(0).astype("int64"),
        complete=month <= last_complete,
    ).sort_values("month", ascending=False)
    used = table[table["complete"]].head(TRAILING_COHORTS).index
    table["used"] = table.index.isin(used)
    table["per_patient"] = table["followups"] / table["new_patients"]
    columns = ["cohort_month", "new_patients", "followups", "per_patient", "complete", "used"]
    return table[columns].reset_index(drop=True)


def capped_target(*, requested: int | None, cap: int, override: int | None) -> int:
    """An approved override, else min(requested, cap), else the cap (DESIGN §3 target(m))."""
    if override is not None:
        return override
    return cap if requested is None else min(requested, cap)


def _count(value: object, name: str, period: str) -> int | None:
    """A goal count from a frame cell: None where missing, ValueError when negative."""
    if value is None or pd.isna(value):
        return None
    number = float(value)
    if not math.isfinite(number) or number < 0 or number != int(number):
        raise ValueError(f"{period}: {name} must be a whole number ≥ 0, not {value}")
    return int(number)


def _rooms(frame: pd.DataFrame, utilization: float) -> list[float]:
    """u × established minutes − B, with B the larger of the base and the booked minutes."""
    base = frame["base_minutes"].astype(float)
    if "established_booked_minutes" in frame:
        base = base.combine(frame["established_booked_minutes"].fillna(0).astype(float), max)
    return list(utilization * frame["established_minutes"].astype(float) - base)


def caps(
    months: pd.DataFrame,
    profile: Profile,
    *,
    new_visit_minutes: float,
    followup_visit_minutes: float,
    target_utilization: float = 0.9,
    noshow_rate: float = 0.0,
    past_arrivals: Mapping[str, float] | None = None,
    beyond: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Solve cap(m) and target(m) month by month for one clinic × service line (DESIGN §3).

    `months` has one row per month of the horizon, consecutive and ascending: `period`,
    `np_minutes` and `established_minutes` available, `base_minutes` (B's trailing 3-month
    base), and optionally `established_booked_minutes` (B is the larger of the two),
    `np_booked` (default 0), `requested` and `override` (an approved override's target;
    NaN/None where there is none). `past_arrivals` maps months before the horizon to their
    actual (KEPT) new patients, whose follow-ups are already owed. `beyond` gives
    `established_minutes` and `base_minutes` (optionally `established_booked_minutes`) for the
    months right after the horizon, which the follow-up limit looks into; past the rows given
    the last known month recurs, as the templates do.

    Returns one row per month with CAP_COLUMNS. Limits are whole patients ≥ 0;
    `sustainable_limit` and `followup_limit` are <NA> when unbounded (no follow-up minutes per
    patient: F = 0, p = 1 or d_fu = 0), and then the other limits bind. `established_room` is
    max(0, room); `committed_minutes` is everything owed to month m once its own target is
    planned (later targets never reach back), and `established_headroom` = max(0, room −
    committed). `binding_constraint` names `booked` when the booked new patients exceed the
    lowest limit, else the first of `np_slots`, `sustainable`, `followup:YYYY-MM` equal to it;
    `target_reason` is `override`, `request` (requested below the cap) or `cap`.
    """
    missing = [c for c in MONTH_COLUMNS if c not in months]
    if missing:
        raise ValueError(f"months lacks columns {missing}")
    if not 0 < target_utilization <= 1 or not 0 <= noshow_rate <= 1:
        raise ValueError("target_utilization must be in (0, 1] and noshow_rate in [0, 1]")
    if new_visit_minutes < 0 or followup_visit_minutes < 0:
        raise ValueError("visit minutes must be ≥ 0")
    if not profile.values or any(v < 0 for v in profile.values):
        raise ValueError("a follow-up profile needs one or more values ≥ 0")
    numbers = months[MONTH_COLUMNS[1:]].astype(float)
    if (numbers < 0).any().any():
        raise ValueError("available and base minutes must be ≥ 0")
    frame = months.reset_index(drop=True)
    for column in OPTIONAL_MONTH_COLUMNS:
        if column not in frame:
            frame[column] = None
    periods = [str(p) for p in frame["period"]]
    if not periods:
        return pd.DataFrame(columns=CAP_COLUMNS)
    start = month_index(periods[0])
    for offset, period in enumerate(periods):
        if month_index(period) != start + offset:
            raise ValueError(f"months must be consecutive and ascending; {period} breaks that")

    f = profile.values
    horizon, reach = len(periods), len(f) - 1
    room = _rooms(frame, target_utilization)
    if beyond is not None and not beyond.empty:
        room += _rooms(beyond.reset_index(drop=True), target_utilization)
    room = (room + [room[-1]] * (horizon + reach))[: horizon + reach]
    # Minutes one planned new patient owes month m+k: arrivals are N × (1 − p).
    per_patient = (1 - noshow_rate) * followup_visit_minutes
    owed = [per_patient * fk for fk in f]
    committed = [0.0] * (horizon + reach)
    for period, arrived in (past_arrivals or {}).items():
        offset = month_index(period) - start
        if offset >= 0:
            raise ValueError(f"past arrivals must be before the horizon; {period} is not")
        for k, fk in enumerate(f):
            if 0 <= offset + k < len(committed):
                committed[offset + k] += float(arrived) * fk * followup_visit_minutes

    rows = []
    for m, period in enumerate(periods):
        booked = _count(frame.at[m, "np_booked"], "np_booked", period) or 0
        requested = _count(frame.at[m, "requested"], "requested", period)
        override = _count(frame.at[m, "override"], "override", period)
        np_minutes = float(frame.at[m, "np_minutes"])
        # No new-patient visit length means no new-patient slots to cut.
        visits = np_minutes / new_visit_minutes if new_visit_minutes > 0 else 0.0
        slots, np_limit = _floor(visits), _floor(target_utilization * visits)
        # A patient who owes no follow-up minutes is not held back by established room.
        per_cohort = per_patient * profile.total
        sustainable = None if per_cohort <= 0 else max(0, _floor(room[m] / per_cohort))
        followup, followup_month = None, None
        for k, minutes in enumerate(owed):
            if minutes <= 0:
                continue
            limit = max(0, _floor((room[m + k] - committed[m + k]) / minutes))
            if followup is None or limit < followup:  # strict: the earliest month wins a tie
                followup, followup_month = limit, month_add(period, k)
        limits = [
            ("np_slots", np_limit),
            ("sustainable", sustainable),
            (f"followup:{followup_month}", followup),
        ]
        lowest = min(limit for _, limit in limits if limit is not None)
        if booked > lowest:
            cap, binding = booked, "booked"
        else:
            cap = lowest
            binding = next(name for name, limit in limits if limit == lowest)
        target = capped_target(requested=requested, cap=cap, override=override)
        reason = (
            "override"
            if override is not None
            else "request"
            if requested is not None and requested < cap
            else "cap"
        )
        for k, minutes in enumerate(owed):
            committed[m + k] += target * minutes
        rows.append(
            {
                "period": period,
                "np_slots_available": slots,
                "np_limit": np_limit,
                "np_booked": booked,
                "np_headroom": max(0, cap - booked),
                "established_room": max(0.0, room[m]),
                "established_headroom": max(0.0, room[m] - committed[m]),
                "sustainable_limit": sustainable,
                "followup_limit": followup,
                "followup_binding_month": followup_month,
                "cap": cap,
                "binding_constraint": binding,
                "requested": requested,
                "target": target,
                "target_reason": reason,
                "committed_minutes": committed[m],
            }
        )
    out = pd.DataFrame(rows, columns=CAP_COLUMNS)
    whole = ["np_slots_available", "np_limit", "np_booked", "np_headroom", "cap", "target"]
    nullable = ["sustainable_limit", "followup_limit", "requested"]
    return out.astype({**dict.fromkeys(whole, "int64"), **dict.fromkeys(nullable, "Int64")})


# ---------------------------------------------------------------------------------------------
# From visit history to the engine's inputs

VISIT_COLUMNS = ["patient_key", "month", "is_new_patient", "kept", "held", "minutes"]


def _first_month(visits: pd.DataFrame) -> pd.Series:
    """Each patient's earliest month; a sort, since a grouped min of strings runs in Python."""
    ordered = visits.sort_values("month", kind="stable").drop_duplicates("patient_key")
    return ordered.set_index("patient_key")["month"]


def cohorts(visits: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`followup_profile`'s two count frames from one clinic × service line's visits.

    `visits` has VISIT_COLUMNS, one row per appointment (`month` "YYYY-MM"). A patient's cohort
    is the month of their first kept new-patient visit; their kept established visits in that
    month or later count as its follow-ups, k months on. Visits without a patient key cannot
    be followed and count in neither.
    """
    known = visits[visits["patient_key"] != ""]
    new = known[known["is_new_patient"] & known["kept"]]
    first = _first_month(new).rename("cohort_month")
    new_patients = first.value_counts().rename("new_patients").rename_axis("cohort_month")
    followed = known[~known["is_new_patient"] & known["kept"]].join(first, on="patient_key")
    followed = followed[followed["cohort_month"].notna()].copy()
    followed["k"] = month_indices(followed["month"]) - month_indices(followed["cohort_month"])
    followed = followed[followed["k"] >= 0]
    followups = followed.groupby(["cohort_month", "k"]).size().rename("followups")
    return new_patients.reset_index(), followups.reset_index()


def base_minutes(
    visits: pd.DataFrame, *, current_month: str, k_max: int = FOLLOWUP_MONTHS
) -> float:
    """B's base: the trailing 3-month average of established held minutes from patients
    outside the cohorts of the last `k_max` months (DESIGN §3), from `visits` (VISIT_COLUMNS).

    The trailing months are the three before `current_month`; a patient whose first kept
    new-patient visit falls in the `k_max` months before it is one of those cohorts. Visits
    without a patient key count as outside every cohort.
    """
    now = month_index(current_month)
    month = month_indices(visits["month"])
    new = visits[visits["is_new_patient"] & visits["kept"] & (visits["patient_key"] != "")]
    first = month_indices(_first_month(new))
    recent = set(first[(first >= now - k_max) & (first < now)].index)
    trailing = (
        ~visits["is_new_patient"]
        & visits["held"]
        & month.between(now - 3, now - 1)
        & ~visits["patient_key"].isin(recent)
    )
    return float(visits.loc[trailing, "minutes"].sum()) / 3
