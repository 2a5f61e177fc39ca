"""Slot supply from standard templates (DESIGN §3 "Available minutes"), as pure pandas.

No Django here: selectors build the input frames, these functions expand them set-wise, and the
same code serves the rollups, the reports and (later) scenarios.

Minutes of the day count from local midnight in the clinic's timezone; dates are local dates.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import numpy as np
import pandas as pd

MINUTES_PER_DAY = 24 * 60


def month_end(day: date) -> date:
    """The last day of `day`'s calendar month."""
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def month_span(first: str, last: str) -> tuple[date, date]:
    """Months "YYYY-MM" to "YYYY-MM" as first and last day; ValueError names a bad month."""
    days = []
    for text in (first, last):
        try:
            days.append(date.fromisoformat(f"{text}-01"))
        except (TypeError, ValueError):
            raise ValueError(f"{text!r} is not a month YYYY-MM") from None
    if days[1] < days[0]:
        raise ValueError(f"{last} is before {first}")
    return days[0], month_end(days[1])


def months(first: date, last: date) -> list[tuple[date, date]]:
    """The calendar months from `first` to `last`, clipped to them, as (first, last) days."""
    spans, start = [], first
    while start <= last:
        spans.append((start, min(last, month_end(start))))
        start = month_end(start) + timedelta(days=1)
    return spans


ASSIGNMENT_COLUMNS = [
    "provider_id", "clinic_id", "template_id", "weekdays", "starts_on", "ends_on",
    "hired_on", "left_on",
]  # fmt: skip
BLOCK_COLUMNS = [
    "template_id", "weekday", "start_minute", "end_minute", "visit_type_id", "slot_minutes",
    "is_new_patient",
]  # fmt: skip
CLOSURE_COLUMNS = ["clinic_id", "date", "start_minute", "end_minute"]
ABSENCE_COLUMNS = ["provider_id", "starts_on", "ends_on"]
CLINIC_COLUMNS = ["clinic_id", "room_capacity", "opened_on", "closed_on"]
SLOT_COLUMNS = [
    "clinic_id", "provider_id", "date", "visit_type_id", "is_new_patient", "start_minute",
    "end_minute", "minutes", "available_minutes", "available_slots",
]  # fmt: skip
IMPORTED_SLOT_COLUMNS = [
    "clinic_id", "provider_id", "date", "visit_type_id", "is_new_patient", "start_minute",
    "end_minute", "available",
]  # fmt: skip


def _dates(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series).astype("datetime64[ns]").dt.normalize()


def provider_days(
    assignments: pd.DataFrame,
    absences: pd.DataFrame,
    closures: pd.DataFrame,
    clinics: pd.DataFrame,
    first: date,
    last: date,
) -> pd.DataFrame:
    """The (provider, clinic, template, date) a provider works, both range ends included.

    A day counts when it is an assigned weekday inside the assignment's dates, the provider's
    employment and the clinic's open dates, and is neither an absence nor a whole-day closure.
    """
    columns = ["provider_id", "clinic_id", "template_id", "date", "weekday"]
    days = pd.DataFrame({"date": pd.date_range(first, last, freq="D")})
    if assignments.empty or days.empty:
        return pd.DataFrame(columns=columns)
    days["weekday"] = days["date"].dt.day_of_week
    a = assignments.explode("weekdays").rename(columns={"weekdays": "weekday"})
    a["weekday"] = a["weekday"].astype(int)
    worked = a.merge(days, on="weekday")
    far = pd.Timestamp.max.normalize()
    inside = (
        (worked["date"] >= _dates(worked["starts_on"]))
        & (worked["date"] <= _dates(worked["ends_on"]).fillna(far))
        & (worked["date"] >= _dates(worked["hired_on"]))
        & (worked["date"] <= _dates(worked["left_on"]).fillna(far))
    )
    worked = worked.loc[inside, columns]
    worked = worked.merge(clinics[["clinic_id", "opened_on", "closed_on"]], on="clinic_id")
    open_dates = (worked["date"] >= _dates(worked["opened_on"]).fillna(pd.Timestamp.min)) & (
        worked["date"] <= _dates(worked["closed_on"]).fillna(far)
    )
    worked = worked.loc[open_dates, columns]
    if not absences.empty:
        away = worked.reset_index().merge(absences, on="provider_id")
        away = away[
            (away["date"] >= _dates(away["starts_on"])) & (away["date"] <= _dates(away["ends_on"]))
        ]
        worked = worked.drop(index=away["index"].unique())
    whole_day = closures[closures["start_minute"].isna()][["clinic_id", "date"]].copy()
    if not whole_day.empty:
        whole_day["date"] = _dates(whole_day["date"])
        whole_day["closed"] = True
        worked = worked.merge(whole_day.drop_duplicates(), on=["clinic_id", "date"], how="left")
        worked = worked[worked["closed"].isna()][columns]
    return worked.reset_index(drop=True)


def expand_slots(days: pd.DataFrame, blocks: pd.DataFrame) -> pd.DataFrame:
    """Cut each worked day's template blocks into slots of their visit type's length.

    Blocks without a visit type (blocked time) give no slots.
    """
    clinical = blocks[blocks["visit_type_id"].notna()]
    cut = days.merge(clinical, on=["template_id", "weekday"])
    if cut.empty:
        return pd.DataFrame(columns=SLOT_COLUMNS[:8])
    counts = ((cut["end_minute"] - cut["start_minute"]) // cut["slot_minutes"]).astype(int)
    slots = cut.loc[cut.index.repeat(counts)].copy()
    position = slots.groupby(level=0).cumcount()
    slots["start_minute"] = slots["start_minute"] + position * slots["slot_minutes"]
    slots["end_minute"] = slots["start_minute"] + slots["slot_minutes"]
    slots["minutes"] = slots["slot_minutes"]
    return slots[SLOT_COLUMNS[:8]].reset_index(drop=True)


def drop_part_day_closures(slots: pd.DataFrame, closures: pd.DataFrame) -> pd.DataFrame:
    """A slot that overlaps a part-day closure cannot be booked: it is removed whole."""
    part = closures[closures["start_minute"].notna()].copy()
    if part.empty or slots.empty:
        return slots
    part["date"] = _dates(part["date"])
    hit = slots.reset_index().merge(
        part.rename(columns={"start_minute": "closed_from", "end_minute": "closed_to"}),
        on=["clinic_id", "date"],
    )
    hit = hit[(hit["start_minute"] < hit["closed_to"]) & (hit["closed_from"] < hit["end_minute"])]
    return slots.drop(index=hit["index"].unique()).reset_index(drop=True)


def bound_by_rooms(slots: pd.DataFrame, clinics: pd.DataFrame) -> pd.DataFrame:
    """Scale slots by the exam-room bound of DESIGN §3.

    At any minute when more providers see patients at a clinic than `room_capacity`
    (exam rooms ÷ rooms per provider), each of their slots counts only capacity ÷ providers of
    that minute. Adds `available_minutes` (float) and `available_slots` (the slot's fraction).
    An optional `weight` column counts a slot as that part of a provider, in the rooms and in
    its minutes (a new provider ramping up, in a scenario); without it every slot weighs 1.
    """
    out = slots.copy()
    if out.empty:
        out["available_minutes"] = pd.Series(dtype=float)
        out["available_slots"] = pd.Series(dtype=float)
        return out
    capacity = out[["clinic_id"]].merge(clinics[["clinic_id", "room_capacity"]], how="left")
    # One number per clinic-day; ngroup does it without building a tuple per slot.
    group = out.groupby(["clinic_id", "date"], sort=False).ngroup().to_numpy()
    starts = out["start_minute"].to_numpy(dtype=np.int64)
    ends = out["end_minute"].to_numpy(dtype=np.int64)
    weighted = "weight" in out
    weight = out["weight"].to_numpy(dtype=float) if weighted else np.ones(len(out), np.int32)
    busy = np.zeros((group.max() + 1, MINUTES_PER_DAY + 1), dtype=weight.dtype)
    np.add.at(busy, (group, starts), weight)
    np.add.at(busy, (group, ends), -weight)
    busy = np.cumsum(busy, axis=1)[:, :MINUTES_PER_DAY]
    if weighted:
        busy = np.round(busy, 9)  # fractions summed and taken away leave float dust
    cap = np.zeros(group.max() + 1)
    cap[group] = capacity["room_capacity"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(busy > cap[:, None], cap[:, None] / busy, 1.0)
    cumulative = np.concatenate([np.zeros((share.shape[0], 1)), np.cumsum(share, axis=1)], axis=1)
    out["available_minutes"] = weight * (cumulative[group, ends] - cumulative[group, starts])
    out["available_slots"] = out["available_minutes"] / out["minutes"]
    return out


def replace_with_imported(slots: pd.DataFrame, imported: pd.DataFrame) -> pd.DataFrame:
    """A site's real calendar replaces the templates for each provider × clinic × day it covers.

    `imported` has IMPORTED_SLOT_COLUMNS. Every provider-day it names loses its template slots;
    its available slots take their place, and its unavailable (blocked) ones give nothing. The
    site's calendar is taken as it is: closures and absences are already in it.
    """
    if imported.empty:
        return slots
    imported = imported.copy()
    imported["date"] = _dates(imported["date"])
    key = ["provider_id", "clinic_id", "date"]
    covered = imported[key].drop_duplicates().assign(covered=True)
    kept = slots.merge(covered, on=key, how="left") if not slots.empty else slots
    if not kept.empty:
        kept = kept[kept["covered"].isna()].drop(columns="covered")
    real = imported[imported["available"].astype(bool)].copy()
    real["minutes"] = real["end_minute"] - real["start_minute"]
    parts = [part[SLOT_COLUMNS[:8]] for part in (kept, real) if not part.empty]
    if not parts:
        return pd.DataFrame(columns=SLOT_COLUMNS[:8])
    return pd.concat(parts, ignore_index=True)


def supply(
    assignments: pd.DataFrame,
    blocks: pd.DataFrame,
    closures: pd.DataFrame,
    absences: pd.DataFrame,
    clinics: pd.DataFrame,
    first: date,
    last: date,
    imported: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every bookable slot from `first` to `last` (both included), with its available minutes.

    Template slots, or the imported calendar where a site sends one; both share the exam rooms.
    """
    days = provider_days(assignments, absences, closures, clinics, first, last)
    slots = expand_slots(days, blocks)
    slots = drop_part_day_closures(slots, closures)
    if imported is not None:
        slots = replace_with_imported(slots, imported)
    return bound_by_rooms(slots, clinics)


def supply_daily(slots: pd.DataFrame) -> pd.DataFrame:
    """Available minutes and slots per clinic × provider × new/established × day."""
    by = ["clinic_id", "provider_id", "is_new_patient", "date"]
    if slots.empty:
        return pd.DataFrame(columns=[*by, "available_minutes", "available_slots"])
    return slots.groupby(by, as_index=False)[["available_minutes", "available_slots"]].sum()


NEW_PATIENT_LOOKBACK = pd.DateOffset(years=3)


def derive_new_patients(visits: pd.DataFrame) -> pd.DataFrame:
    """The CPT rule of DESIGN §3 for the visits whose source did not say.

    `visits` has id, patient_key, service_line_id, organization_id, start, kept and derive. A
    visit is new when the patient has no kept visit in the same service line and organization
    in the 3 years before it. Where the data begins less than 3 years before a new visit, the
    flag is `history_limited`. Without a patient key the rule cannot apply: not new.
    Returns id, is_new_patient, history_limited for the rows to derive.
    """
    by = ["patient_key", "service_line_id", "organization_id"]
    out_columns = ["id", "is_new_patient", "history_limited"]
    targets = visits[visits["derive"]].copy()
    if targets.empty:
        return pd.DataFrame(columns=out_columns)
    targets["start"] = pd.to_datetime(targets["start"], utc=True)
    kept = visits[visits["kept"]][[*by, "start"]].rename(columns={"start": "kept_start"})
    kept["kept_start"] = pd.to_datetime(kept["kept_start"], utc=True)
    matched = pd.merge_asof(
        targets.sort_values("start"),
        kept.sort_values("kept_start"),
        left_on="start",
        right_on="kept_start",
        by=by,
        allow_exact_matches=False,
        direction="backward",
    )
    window_start = matched["start"] - NEW_PATIENT_LOOKBACK
    has_key = matched["patient_key"] != ""
    matched["is_new_patient"] = has_key & (
        matched["kept_start"].isna() | (matched["kept_start"] < window_start)
    )
    coverage = pd.to_datetime(visits["start"], utc=True).groupby(visits["organization_id"]).min()
    matched["history_limited"] = matched["is_new_patient"] & (
        window_start < matched["organization_id"].map(coverage)
    )
    return matched[out_columns]


ROLLUP_KEY = ["clinic_id", "provider_id", "is_new_patient", "date"]
ROLLUP_FIGURES = [
    "available_minutes", "available_slots", "held_minutes", "held_count", "kept_minutes",
    "kept_count", "noshow_count", "cancelled_count", "late_cancel_count", "unresolved_count",
]  # fmt: skip
APPOINTMENT_COLUMNS = [
    "clinic_id", "provider_id", "is_new_patient", "date", "duration_minutes", "status", "start",
    "cancelled_at", "late_cancel_hours",
]  # fmt: skip
HELD_STATUSES = ("booked", "arrived", "fulfilled", "noshow")
KEPT_STATUSES = ("arrived", "fulfilled")


def demand_daily(appointments: pd.DataFrame, today: date) -> pd.DataFrame:
    """Appointments counted per clinic × provider × new/established × day.

    HELD = booked, arrived, fulfilled, noshow; KEPT = arrived, fulfilled. A cancellation is
    late when made less than the visit type's `late_cancel_hours` before the start. A booking
    still `booked` on a day before `today` is unresolved: held, but a data problem.
    """
    if appointments.empty:
        return pd.DataFrame(columns=[*ROLLUP_KEY, *ROLLUP_FIGURES[2:]])
    a = appointments.copy()
    a["date"] = pd.to_datetime(a["date"])
    held = a["status"].isin(HELD_STATUSES)
    kept = a["status"].isin(KEPT_STATUSES)
    cancelled = a["status"] == "cancelled"
    notice = pd.to_datetime(a["start"], utc=True) - pd.to_datetime(a["cancelled_at"], utc=True)
    late = cancelled & (notice < pd.to_timedelta(a["late_cancel_hours"], unit="h")).fillna(False)
    a["held_minutes"] = a["duration_minutes"].where(held, 0)
    a["held_count"] = held.astype(int)
    a["kept_minutes"] = a["duration_minutes"].where(kept, 0)
    a["kept_count"] = kept.astype(int)
    a["noshow_count"] = (a["status"] == "noshow").astype(int)
    a["cancelled_count"] = cancelled.astype(int)
    a["late_cancel_count"] = late.astype(int)
    a["unresolved_count"] = ((a["status"] == "booked") & (a["date"] < pd.Timestamp(today))).astype(
        int
    )
    a["provider_id"] = a["provider_id"].astype("Int64")
    return a.groupby(ROLLUP_KEY, as_index=False, dropna=False)[ROLLUP_FIGURES[2:]].sum()


def rollup(supply_by_day: pd.DataFrame, demand_by_day: pd.DataFrame) -> pd.DataFrame:
    """Supply and demand side by side, one row per key present in either."""
    supply_by_day, demand_by_day = supply_by_day.copy(), demand_by_day.copy()
    for side in (supply_by_day, demand_by_day):  # an empty side has untyped (object) keys
        side["date"] = pd.to_datetime(side["date"])
        side["provider_id"] = side["provider_id"].astype("Int64")
        side["is_new_patient"] = side["is_new_patient"].astype(bool)
    merged = supply_by_day.merge(demand_by_day, on=ROLLUP_KEY, how="outer")
    for name in ROLLUP_FIGURES:
        if name not in merged:
            merged[name] = 0
    merged[ROLLUP_FIGURES] = merged[ROLLUP_FIGURES].fillna(0)
    return merged[[*ROLLUP_KEY, *ROLLUP_FIGURES]]


def period_of(dates: pd.Series, by: str) -> pd.Series:
    """Label days by calendar month (2024-07), ISO week (2024-W27), day (2024-07-01) or "all"."""
    dates = pd.to_datetime(dates)
    if by == "month":
        return dates.dt.strftime("%Y-%m")
    if by == "week":
        iso = dates.dt.isocalendar()
        return iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
    if by == "day":
        return dates.dt.strftime("%Y-%m-%d")
    if by == "all":
        return pd.Series("all", index=dates.index)
    raise ValueError(f"unknown period {by!r}")


def utilization_report(rows: pd.DataFrame, by: str) -> pd.DataFrame:
    """The utilization figures of DESIGN §4 per period, from rollup rows.

    Sums before dividing; unutilized minutes are summed over provider-days of
    max(0, available − held), so an overbooked day does not hide empty slots on another; a
    zero denominator gives NaN (shown as n/a), never 0.
    """
    columns = [
        "period", "available_minutes", "booked_minutes", "kept_minutes", "unutilized_minutes",
        "available_slots", "booked_slots", "utilization", "kept_utilization", "noshow_rate",
        "late_cancellations", "new_patient_share",
    ]  # fmt: skip
    if rows.empty:
        return pd.DataFrame(columns=columns)
    r = rows.copy()
    r["period"] = period_of(r["date"], by)
    r["new_held"] = r["held_count"].where(r["is_new_patient"].astype(bool), 0)
    provider_day = r.groupby(
        ["period", "clinic_id", "provider_id", "date"], dropna=False, as_index=False
    )[["available_minutes", "held_minutes"]].sum()
    provider_day["unutilized"] = (
        provider_day["available_minutes"] - provider_day["held_minutes"]
    ).clip(lower=0)
    sums = r.groupby("period")[
        ["available_minutes", "available_slots", "held_minutes", "held_count", "kept_minutes",
         "kept_count", "noshow_count", "late_cancel_count", "new_held"]
    ].sum()  # fmt: skip
    sums["unutilized_minutes"] = provider_day.groupby("period")["unutilized"].sum()
    out = pd.DataFrame(index=sums.index)
    out["available_minutes"] = sums["available_minutes"]
    out["booked_minutes"] = sums["held_minutes"]
    out["kept_minutes"] = sums["kept_minutes"]
    out["unutilized_minutes"] = sums["unutilized_minutes"]
    out["available_slots"] = np.floor(sums["available_slots"] + 1e-9)
    out["booked_slots"] = sums["held_count"]
    available = sums["available_minutes"].where(sums["available_minutes"] > 0)
    out["utilization"] = sums["held_minutes"] / available
    out["kept_utilization"] = sums["kept_minutes"] / available
    attended = sums["kept_count"] + sums["noshow_count"]
    out["noshow_rate"] = sums["noshow_count"] / attended.where(attended > 0)
    out["late_cancellations"] = sums["late_cancel_count"]
    out["new_patient_share"] = sums["new_held"] / sums["held_count"].where(sums["held_count"] > 0)
    return out.reset_index().rename(columns={"index": "period"})[columns]


def utilization_by(rows: pd.DataFrame, by: str, group: str) -> pd.DataFrame:
    """`utilization_report` per value of `group` (clinic_id, provider_id, …), each summed apart."""
    if rows.empty:
        return pd.DataFrame(columns=[group, "period"])
    parts = [
        utilization_report(part, by).assign(**{group: key})
        for key, part in rows.groupby(group, dropna=False)
    ]
    return pd.concat(parts, ignore_index=True)


VISIT_TYPE_DEMAND_COLUMNS = [
    "visit_type_id", "held_minutes", "held_count", "kept_minutes", "kept_count", "noshow_count",
]  # fmt: skip
VISIT_TYPE_COLUMNS = [
    "visit_type_id", "available_minutes", "available_slots", "booked_minutes", "booked_slots",
    "kept_minutes", "utilization", "kept_utilization", "noshow_rate",
]  # fmt: skip


def visit_type_utilization(slots: pd.DataFrame, demand: pd.DataFrame) -> pd.DataFrame:
    """Supply against demand per visit type over a window (VISIT_TYPE_COLUMNS).

    Rollups do not keep the visit type, so this works from the slots themselves: `slots` has
    visit_type_id, available_minutes and available_slots (as `supply` gives them) and `demand`
    has VISIT_TYPE_DEMAND_COLUMNS at any grain. Both are summed per visit type before dividing
    (DESIGN §3). A visit type on one side only still gets its row: appointments of a type with
    no template slots show 0 available and NaN utilization, never 0. Slots without a visit type
    (an imported calendar's unlabelled slots) keep a missing id. Available slots round down.
    """
    key = "visit_type_id"
    supply_figures = ["available_minutes", "available_slots"]
    demand_figures = VISIT_TYPE_DEMAND_COLUMNS[1:]
    supply_sums = (
        slots.assign(**{key: slots[key].astype("Int64")})
        .groupby(key, dropna=False, as_index=False)[supply_figures]
        .sum()
        if not slots.empty
        else pd.DataFrame(columns=[key, *supply_figures])
    )
    demand_sums = (
        demand.assign(**{key: demand[key].astype("Int64")})
        .groupby(key, dropna=False, as_index=False)[demand_figures]
        .sum()
        if not demand.empty
        else pd.DataFrame(columns=[key, *demand_figures])
    )
    out = supply_sums.astype({key: "Int64"}).merge(
        demand_sums.astype({key: "Int64"}), on=key, how="outer"
    )
    figures = [*supply_figures, *demand_figures]
    out[figures] = out[figures].astype(float).fillna(0)
    out["available_slots"] = np.floor(out["available_slots"] + 1e-9)
    out = out.rename(columns={"held_minutes": "booked_minutes", "held_count": "booked_slots"})
    available = out["available_minutes"].where(out["available_minutes"] > 0)
    out["utilization"] = out["booked_minutes"] / available
    out["kept_utilization"] = out["kept_minutes"] / available
    attended = out["kept_count"] + out["noshow_count"]
    out["noshow_rate"] = out["noshow_count"] / attended.where(attended > 0)
    return out[VISIT_TYPE_COLUMNS].reset_index(drop=True)


def period_first_day(period: str) -> date:
    """The first day of a period label of `period_of`: 2024-07 → 1 July, 2024-W27 → its Monday."""
    if "-W" in period:
        year, week = period.split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    if len(period) == 7:
        return date.fromisoformat(f"{period}-01")
    return date.fromisoformat(period)


# ---------------------------------------------------------------------------------------------
# Third next available appointment (DESIGN §3 "TNAA")

TNAA_HORIZON_DAYS = 180
TNAA_KEY = ["provider_id", "clinic_id", "is_new_patient"]
TNAA_SLOT_COLUMNS = [*TNAA_KEY, "start", "end", "busy"]
TNAA_HOLD_COLUMNS = ["provider_id", "start", "end", "held_from", "held_to"]
TNAA_COLUMNS = [*TNAA_KEY, "date", "days", "censored"]


def local_naive(instants: pd.Series, zones: pd.Series) -> pd.Series:
    """UTC instants as wall-clock times in each row's timezone, without the zone (NaT stays)."""
    out = pd.Series(pd.NaT, index=instants.index, dtype="datetime64[ns]")
    utc = pd.to_datetime(instants, utc=True)
    for zone, part in utc.groupby(zones):
        out.loc[part.index] = part.dt.tz_convert(zone).dt.tz_localize(None).astype(out.dtype)
    return out


def slot_times(slots: pd.DataFrame) -> pd.DataFrame:
    """Slot rows (date, start_minute, end_minute) with local `start` and `end` timestamps."""
    out = slots.copy()
    day = pd.to_datetime(out["date"])
    out["start"] = day + pd.to_timedelta(out["start_minute"], unit="min")
    out["end"] = day + pd.to_timedelta(out["end_minute"], unit="min")
    return out


def _held_slots(slots: pd.DataFrame, holds: pd.DataFrame) -> pd.DataFrame:
    """(slot position, held_from, held_to) for every hold that overlaps a slot of its provider.

    A provider's slots do not overlap one another, so sorted by start they are sorted by end
    too, and the slots a hold covers are one contiguous run found by binary search.
    """
    empty = pd.DataFrame(
        {
            "slot": pd.Series(dtype=np.int64),
            "held_from": pd.Series(dtype="datetime64[ns]"),
            "held_to": pd.Series(dtype="datetime64[ns]"),
        }
    )
    if slots.empty or holds.empty:
        return empty
    ranks = {p: i for i, p in enumerate(pd.unique(slots["provider_id"]))}
    holds = holds[holds["provider_id"].isin(ranks)]
    if holds.empty:
        return empty
    # One sort key for provider and time: the provider's rank in the high digits.
    step = np.int64(10**12)  # seconds; 31,000 years apart

    def key(provider: pd.Series, moment: pd.Series) -> np.ndarray:
        seconds = moment.to_numpy("datetime64[s]").astype(np.int64)
        return provider.map(ranks).to_numpy(np.int64) * step + seconds

    starts = key(slots["provider_id"], slots["start"])
    ends = key(slots["provider_id"], slots["end"])
    low = np.searchsorted(ends, key(holds["provider_id"], holds["start"]), side="right")
    high = np.searchsorted(starts, key(holds["provider_id"], holds["end"]), side="left")
    counts = np.clip(high - low, 0, None)
    which = np.repeat(np.arange(len(holds)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return pd.DataFrame(
        {
            "slot": np.repeat(low, counts) + offsets,
            "held_from": holds["held_from"].to_numpy()[which],
            "held_to": holds["held_to"].to_numpy()[which],
        }
    )


def third_next_available(
    slots: pd.DataFrame,
    holds: pd.DataFrame,
    days: Iterable[date],
    horizon_days: int = TNAA_HORIZON_DAYS,
) -> pd.DataFrame:
    """TNAA per provider × clinic × new/established class, as it stood at the start of each day.

    `slots` (TNAA_SLOT_COLUMNS) are local wall-clock times; `busy` marks a slot the site's own
    calendar shows taken. `holds` (TNAA_HOLD_COLUMNS) are appointments of a provider, local,
    held from `held_from` (booking; NaT = always) until `held_to` (cancellation; NaT = never).
    A slot is free at the start of day D when it starts on D or later and no hold overlapping
    it was in force then. TNAA is the calendar days from D to the third free slot (same day =
    0); with fewer than three free slots within `horizon_days` the record is censored (days
    NaN). A key gets a record for D when it has any slot in the horizon.
    """
    if slots.empty:
        return pd.DataFrame(columns=TNAA_COLUMNS)
    slots = slots.sort_values(["provider_id", "start"], kind="stable").reset_index(drop=True)
    pairs = _held_slots(slots, holds)
    held_from = pairs["held_from"].to_numpy("datetime64[ns]")
    held_to = pairs["held_to"].to_numpy("datetime64[ns]")
    order = np.argsort(slots["start"].to_numpy(), kind="stable")
    starts = slots["start"].to_numpy("datetime64[ns]")[order]
    busy = slots["busy"].to_numpy(bool)[order]
    keys = slots.loc[order, TNAA_KEY].reset_index(drop=True)
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    out = []
    for day in sorted(set(days)):
        moment = np.datetime64(pd.Timestamp(day), "ns")
        end = np.datetime64(pd.Timestamp(day) + pd.Timedelta(days=horizon_days + 1), "ns")
        first, last = np.searchsorted(starts, [moment, end])
        if first == last:
            continue
        # NaT never compares true: an unknown booking time counts as long before, no
        # cancellation as never.
        in_force = ~(held_from > moment) & ~(held_to <= moment)
        taken = busy.copy()
        taken[position[pairs["slot"].to_numpy()[in_force]]] = True
        window = keys.iloc[first:last].copy()
        window["start"] = starts[first:last]
        window["free"] = ~taken[first:last]
        present = window[TNAA_KEY].drop_duplicates()
        free = window[window["free"]]
        third = free[free.groupby(TNAA_KEY).cumcount() == 2]
        record = present.merge(third[[*TNAA_KEY, "start"]], on=TNAA_KEY, how="left")
        record["days"] = (record["start"].dt.normalize() - pd.Timestamp(day)).dt.days
        record["censored"] = record["start"].isna()
        record["date"] = day
        out.append(record[TNAA_COLUMNS])
    if not out:
        return pd.DataFrame(columns=TNAA_COLUMNS)
    return pd.concat(out, ignore_index=True)


def tnaa_trend(records: pd.DataFrame, by: str) -> pd.DataFrame:
    """Mean TNAA per period and class over provider records; censored ones are only counted.

    Clinic and region values are means of provider values (DESIGN §3), so a period's value is
    the mean of the uncensored provider-day records in it.
    """
    columns = ["period", "is_new_patient", "tnaa_days", "records", "censored"]
    if records.empty:
        return pd.DataFrame(columns=columns)
    r = records.copy()
    r["period"] = period_of(r["date"], by)
    grouped = r.groupby(["period", "is_new_patient"])
    out = grouped.agg(
        tnaa_days=("days", "mean"), records=("days", "size"), censored=("censored", "sum")
    ).reset_index()
    return out[columns]


# ---------------------------------------------------------------------------------------------
# Template standardization index (DESIGN §3)

PROVIDER_COLUMNS = ["provider_id", "service_line_id", "fte"]
STANDARDIZATION_COLUMNS = [
    "service_line_id", "providers", "mean_new_share", "cv_new_share", "mean_minutes_per_fte",
    "cv_minutes_per_fte", "index",
]  # fmt: skip


def template_week(assignments: pd.DataFrame, blocks: pd.DataFrame, today: date) -> pd.DataFrame:
    """Each provider's weekly template minutes, clinical and new-patient, on `today`'s plan.

    Counts the assignments in force on `today` (both ends included, within employment); a
    block gives the minutes of the whole slots it holds; blocked time gives none.
    """
    columns = ["provider_id", "minutes", "new_minutes"]
    day = pd.Timestamp(today)
    a = assignments.copy()
    if a.empty:
        return pd.DataFrame(columns=columns)
    far = pd.Timestamp.max.normalize()
    live = (
        (_dates(a["starts_on"]) <= day)
        & (_dates(a["ends_on"]).fillna(far) >= day)
        & (_dates(a["hired_on"]) <= day)
        & (_dates(a["left_on"]).fillna(far) >= day)
    )
    a = a[live].explode("weekdays").rename(columns={"weekdays": "weekday"})
    if a.empty:
        return pd.DataFrame(columns=columns)
    a["weekday"] = a["weekday"].astype(int)
    clinical = blocks[blocks["visit_type_id"].notna()].copy()
    length = clinical["end_minute"] - clinical["start_minute"]
    clinical["minutes"] = (length // clinical["slot_minutes"]) * clinical["slot_minutes"]
    clinical["new_minutes"] = clinical["minutes"].where(clinical["is_new_patient"].astype(bool), 0)
    worked = a.merge(clinical, on=["template_id", "weekday"])
    week = worked.groupby("provider_id", as_index=False)[["minutes", "new_minutes"]].sum()
    # Blocked time's empty slot length makes the column float; minutes are whole.
    return week.astype({"minutes": "int64", "new_minutes": "int64"})


def _variation(values: pd.Series) -> float:
    """Coefficient of variation (population standard deviation ÷ mean); 0 when all equal."""
    mean = values.mean()
    spread = values.std(ddof=0)
    if spread == 0:
        return 0.0
    return float(spread / mean) if mean > 0 else float("nan")


def standardization(week: pd.DataFrame, providers: pd.DataFrame) -> pd.DataFrame:
    """The template standardization index per service line (DESIGN §3).

    Over the providers of a service line with clinical template minutes: (a) the new-patient
    share of their template minutes and (b) their clinical minutes per FTE; the index is 1 −
    the mean of the two coefficients of variation. 1.0 is fully standard.
    """
    merged = week.merge(providers[PROVIDER_COLUMNS], on="provider_id")
    merged = merged[merged["minutes"] > 0]
    if merged.empty:
        return pd.DataFrame(columns=STANDARDIZATION_COLUMNS)
    merged["new_share"] = merged["new_minutes"] / merged["minutes"]
    merged["minutes_per_fte"] = merged["minutes"] / merged["fte"].astype(float)
    rows = []
    for line, part in merged.groupby("service_line_id"):
        cv_share = _variation(part["new_share"])
        cv_fte = _variation(part["minutes_per_fte"])
        rows.append(
            {
                "service_line_id": line,
                "providers": len(part),
                "mean_new_share": part["new_share"].mean(),
                "cv_new_share": cv_share,
                "mean_minutes_per_fte": part["minutes_per_fte"].mean(),
                "cv_minutes_per_fte": cv_fte,
                "index": 1 - (cv_share + cv_fte) / 2,
            }
        )
    return pd.DataFrame(rows, columns=STANDARDIZATION_COLUMNS)


def tnaa_wide(trend: pd.DataFrame) -> pd.DataFrame:
    """`tnaa_trend` rows as one row per period: new and established days, records censored."""
    columns = ["period", "new_days", "established_days", "records", "censored"]
    if trend.empty:
        return pd.DataFrame(columns=columns)
    classes = trend.assign(cls=trend["is_new_patient"].map({True: "new", False: "established"}))
    days = classes.pivot(index="period", columns="cls", values="tnaa_days")
    days = days.reindex(columns=["new", "established"])
    counts = trend.groupby("period")[["records", "censored"]].sum()
    out = pd.DataFrame(
        {"new_days": days["new"], "established_days": days["established"]}, index=days.index
    ).join(counts)
    return out.reset_index()[columns]
