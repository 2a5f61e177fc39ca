"""Scorecard arithmetic (DESIGN §3): periods, red/amber/green, pooled roll-ups, the house metrics.

Pure functions over plain values and DataFrames; no Django. Roll-ups sum numerators and
denominators at every level (clinic → region → organization → network, month → quarter) and
divide last, so a region's no-show rate is never the mean of its clinics' rates.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

HIGHER, LOWER, BAND = "higher", "lower", "band"
GREEN, AMBER, RED, GREY = "green", "amber", "red", "grey"
RATIO, SUM, HEADCOUNT, MEDIAN, LATEST, NONE = (
    "ratio", "sum", "headcount", "median", "latest", "none",
)  # fmt: skip
MONTH, QUARTER = "month", "quarter"
# Scope levels from the finest up; a clinic's row carries the codes of every level above it.
LEVELS = ("clinic", "region", "organization", "network")
# §3: amber down to 90 % of a higher-is-better target, up to 110 % of a lower-is-better one.
AMBER_FACTOR = {HIGHER: 0.9, LOWER: 1.1}

ROW_COLUMNS = ["kpi", "clinic_id", "month", "numerator", "denominator"]
OUT_COLUMNS = [
    "kpi", "scope_type", "scope_code", "period", "period_start", "numerator", "denominator",
    "value",
]  # fmt: skip

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


# ---------------------------------------------------------------------------------------------
# Periods


@dataclass(frozen=True)
class Period:
    label: str
    kind: str  # MONTH or QUARTER
    first: date
    last: date

    def months(self) -> list[date]:
        count = 1 if self.kind == MONTH else 3
        return [month_add(self.first, i) for i in range(count)]


def month_add(first: date, n: int) -> date:
    index = first.year * 12 + first.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def period_parse(label: str) -> Period:
    """A month "2026-11" or a quarter "2026-Q4"; ValueError naming the expected shapes."""
    text = (label or "").strip()
    if match := _MONTH.match(text):
        first = date(int(match[1]), int(match[2]), 1)
        return Period(text, MONTH, first, month_end(first))
    if match := _QUARTER.match(text.upper()):
        first = date(int(match[1]), 3 * int(match[2]) - 2, 1)
        return Period(text.upper(), QUARTER, first, month_end(month_add(first, 2)))
    raise ValueError(f"{label!r} is not a period: use YYYY-MM for a month or YYYY-Qn for a quarter")


def month_end(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def month_label(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def quarter_label(day: date) -> str:
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


def quarter_first(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def period_of(day: date, kind: str) -> Period:
    return period_parse(month_label(day) if kind == MONTH else quarter_label(day))


def latest_complete(kind: str, today: date) -> Period:
    """The last whole month or quarter before the one `today` falls in."""
    return periods_back(period_of(today, kind), 2)[0]


def periods_back(period: Period, count: int) -> list[Period]:
    """The `count` periods of the same kind ending with `period`, oldest first (trends)."""
    step = 1 if period.kind == MONTH else 3
    return [
        period_of(month_add(period.first, -step * back), period.kind)
        for back in range(count - 1, -1, -1)
    ]


# ---------------------------------------------------------------------------------------------
# Targets and red / amber / green


@dataclass(frozen=True)
class Thresholds:
    green_min: float | None = None
    green_max: float | None = None
    amber_min: float | None = None
    amber_max: float | None = None


def thresholds_default(
    direction: str, target: float | None, band: tuple[float, float] | None = None
):
    """§3 defaults: amber to 90 % of a higher target, to 110 % of a lower one; a band's amber
    zone likewise reaches 90 % of its low end and 110 % of its high end."""
    if direction == BAND:
        if band is None:
            raise ValueError("a band KPI needs a low and a high end")
        low, high = band
        return Thresholds(low, high, _scaled(low, HIGHER), _scaled(high, LOWER))
    if target is None:
        raise ValueError("a target value is required")
    if direction == HIGHER:
        return Thresholds(green_min=target, amber_min=_scaled(target, HIGHER))
    return Thresholds(green_max=target, amber_max=_scaled(target, LOWER))


def _scaled(value: float, direction: str) -> float:
    # 0.8 × 0.9 is 0.7200000000000001 in binary; a value of exactly 0.72 must be amber.
    return round(value * AMBER_FACTOR[direction], 12)


def thresholds_errors(direction: str, t: Thresholds) -> dict[str, str]:
    """What is missing or out of order for the direction, by field; empty when valid."""
    errors: dict[str, str] = {}
    need = {
        HIGHER: ("green_min", "amber_min"),
        LOWER: ("green_max", "amber_max"),
        BAND: ("green_min", "green_max", "amber_min", "amber_max"),
    }[direction]
    for name in need:
        if getattr(t, name) is None:
            errors[name] = (
                f"required for a {direction}-is-better KPI"
                if direction != BAND
                else ("a band KPI needs all four thresholds")
            )
    if errors:
        return errors
    if direction in (HIGHER, BAND) and t.amber_min > t.green_min:
        errors["amber_min"] = (
            f"amber starts at {t.amber_min:g}, above green's {t.green_min:g}: "
            "amber must lie below green when higher is better"
        )
    if direction in (LOWER, BAND) and t.amber_max < t.green_max:
        errors["amber_max"] = (
            f"amber ends at {t.amber_max:g}, below green's {t.green_max:g}: "
            "amber must lie above green when lower is better"
        )
    if direction == BAND and t.green_min > t.green_max:
        errors["green_max"] = (
            f"the band's high end {t.green_max:g} is below its low end {t.green_min:g}"
        )
    return errors


def _inside(value: float, low: float | None, high: float | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def status(value: float | None, t: Thresholds | None) -> str:
    """§3 RAG: green inside green's bounds (ends included), amber inside amber's, else red;
    grey without a value or a target."""
    if value is None or t is None or (isinstance(value, float) and math.isnan(value)):
        return GREY
    if _inside(value, t.green_min, t.green_max):
        return GREEN
    if _inside(value, t.amber_min, t.amber_max):
        return AMBER
    return RED


def target_value(direction: str, t: Thresholds) -> float | list[float] | None:
    """The headline target: the green edge, or [low, high] for a band."""
    if direction == HIGHER:
        return t.green_min
    if direction == LOWER:
        return t.green_max
    return [t.green_min, t.green_max]


# ---------------------------------------------------------------------------------------------
# Pooled roll-ups


def value_of(numerator: float | None, denominator: float | None, aggregation: str) -> float | None:
    """A measurement's value from its parts; a zero denominator has no value, never 0."""
    if aggregation in (RATIO, HEADCOUNT):
        if denominator is None or numerator is None or pd.isna(denominator) or denominator == 0:
            return None
        return float(numerator) / float(denominator)
    return None if numerator is None or pd.isna(numerator) else float(numerator)


def roll_up(
    rows: pd.DataFrame,
    scopes: pd.DataFrame,
    kpis: Mapping[str, tuple[str, str]],
) -> pd.DataFrame:
    """Clinic × month rows → one row per KPI × scope × period, at every level and period kind.

    `rows` has ROW_COLUMNS (`month` the first day; a MEDIAN KPI has one row per observation in
    `numerator`; a HEADCOUNT KPI has leavers in `numerator` and provider-days in
    `denominator`). `scopes` maps clinic_id to `clinic`, `region` and `organization` codes.
    `kpis` maps code → (aggregation, frequency); monthly KPIs get months and quarters,
    quarterly ones quarters only. Returns OUT_COLUMNS; NaN where there is no value.
    """
    if rows.empty:
        return pd.DataFrame(columns=OUT_COLUMNS)
    data = rows.merge(scopes, on="clinic_id", how="inner")
    data["network"] = ""
    month = pd.to_datetime(data["month"])
    data["month_label"] = month.dt.strftime("%Y-%m")
    data["quarter_label"] = month.dt.year.astype(str) + "-Q" + month.dt.quarter.astype(str)
    # Days each period spans, from the months present: the average headcount's divisor.
    month_days = {m: month_end(m).day for m in pd.Series(rows["month"]).drop_duplicates()}
    days = {month_label(m): d for m, d in month_days.items()}
    for m, d in month_days.items():
        days[quarter_label(m)] = days.get(quarter_label(m), 0) + d
    frames = []
    for code, group in data.groupby("kpi", sort=False):
        aggregation, frequency = kpis[code]
        kinds = (MONTH, QUARTER) if frequency == MONTH else (QUARTER,)
        for level in LEVELS:
            for kind in kinds:
                key = ["kpi", level, f"{kind}_label"]
                if aggregation == MEDIAN:
                    out = group.groupby(key, as_index=False).agg(numerator=("numerator", "median"))
                    out["denominator"] = float("nan")
                elif aggregation == LATEST:
                    latest = group.sort_values("month").groupby(key, as_index=False).last()
                    out = latest[[*key, "numerator", "denominator"]]
                else:
                    out = group.groupby(key, as_index=False)[["numerator", "denominator"]].sum(
                        min_count=1
                    )
                out = out.rename(columns={level: "scope_code", f"{kind}_label": "period"})
                out["scope_type"] = level
                if aggregation == HEADCOUNT:
                    out["denominator"] = out["denominator"] / out["period"].map(days)
                frames.append(out)
    result = pd.concat(frames, ignore_index=True)
    result["period_start"] = result["period"].map(lambda p: period_parse(p).first)
    aggregations = result["kpi"].map(lambda k: kpis[k][0])
    result["value"] = [
        value_of(n, d, a)
        for n, d, a in zip(result["numerator"], result["denominator"], aggregations, strict=True)
    ]
    result["value"] = result["value"].astype("float64")
    return result[OUT_COLUMNS]


# ---------------------------------------------------------------------------------------------
# KPIs that need more than a sum


def growth_rows(new_patients: pd.DataFrame) -> pd.DataFrame:
    """Same-clinic growth vs. the same month last year, as a pooled ratio per clinic × month.

    `new_patients` has clinic_id, month (first day) and `count`, one row for every month a
    clinic has data. numerator = NP(m) − NP(m − 12), denominator = NP(m − 12). A clinic with no
    data twelve months earlier is left out of both (a missing year), so a new clinic does not
    count as growth of the region.
    """
    columns = ["clinic_id", "month", "numerator", "denominator"]
    if new_patients.empty:
        return pd.DataFrame(columns=columns)
    now = new_patients[["clinic_id", "month", "count"]].copy()
    before = now.rename(columns={"count": "count_before"})
    before["month"] = before["month"].map(lambda m: month_add(m, 12))
    both = now.merge(before, on=["clinic_id", "month"], how="inner")
    both["numerator"] = (both["count"] - both["count_before"]).astype(float)
    both["denominator"] = both["count_before"].astype(float)
    return both[columns]


def turnover_rows(providers: pd.DataFrame, months: Iterable[date]) -> pd.DataFrame:
    """Leavers and provider-days per home clinic × month (ends of employment included).

    `providers` has clinic_id, hired_on (or None: employed since before any data), left_on
    (None: still employed). Turnover = leavers ÷ average headcount, and the average headcount
    over a period is provider-days ÷ days in it, which `roll_up` (HEADCOUNT) divides last.
    """
    out = []
    for first in months:
        last = month_end(first)
        for clinic_id, hired, left in providers[["clinic_id", "hired_on", "left_on"]].itertuples(
            index=False
        ):
            start = max(first, hired) if _present(hired) else first
            end = min(last, left) if _present(left) else last
            days = (end - start).days + 1
            leaver = 1.0 if _present(left) and first <= left <= last else 0.0
            if days > 0 or leaver:
                out.append((clinic_id, first, leaver, float(max(days, 0))))
    frame = pd.DataFrame(out, columns=["clinic_id", "month", "numerator", "denominator"])
    return frame.groupby(["clinic_id", "month"], as_index=False).sum()


def _present(value: object) -> bool:
    return (
        value is not None
        and not (isinstance(value, float) and math.isnan(value))
        and value is not pd.NaT
    )


def return_rows(new_visits: pd.DataFrame, kept_visits: pd.DataFrame, days: int, today: date):
    """Share of each month's new patients with a KEPT visit within `days` after (§3).

    `new_visits`: patient_key, clinic_id, date of KEPT new-patient visits; `kept_visits`:
    patient_key, date of every KEPT visit. Only months whose whole window has passed by
    `today` count (an open cohort would read low). Returns clinic_id, month, numerator
    (returned), denominator (new patients).
    """
    columns = ["clinic_id", "month", "numerator", "denominator"]
    cutoff = today - timedelta(days=days)
    visits = new_visits[pd.to_datetime(new_visits["date"]) <= pd.Timestamp(cutoff)].copy()
    visits["month"] = pd.to_datetime(visits["date"]).dt.to_period("M").dt.start_time.dt.date
    visits = visits[[month_end(m) <= cutoff for m in visits["month"]]]
    if visits.empty:
        return pd.DataFrame(columns=columns)
    left = visits.assign(at=pd.to_datetime(visits["date"])).sort_values("at")
    right = kept_visits.assign(next_at=pd.to_datetime(kept_visits["date"]))[
        ["patient_key", "next_at"]
    ].sort_values("next_at")
    matched = pd.merge_asof(
        left, right, left_on="at", right_on="next_at", by="patient_key",
        direction="forward", allow_exact_matches=False,
    )  # fmt: skip
    gap = (matched["next_at"] - matched["at"]).dt.days
    matched["numerator"] = (gap <= days).astype(float)
    matched["denominator"] = 1.0
    return matched.groupby(["clinic_id", "month"], as_index=False)[
        ["numerator", "denominator"]
    ].sum()[columns]


# Cohort KPIs and their windows: a period counts once every window in it has closed.
COHORT_DAYS = {"return_rate_90": 90, "retention_12m": 365}


def cohort_closes(code: str, period: Period) -> date | None:
    """The day a cohort KPI's period is complete (its last new patient's window has closed)."""
    days = COHORT_DAYS.get(code)
    return None if days is None else period.last + timedelta(days=days)


def vbc_index(revenue: float | None, quality: float | None, expense: float | None) -> float | None:
    """House metric: net patient revenue × quality score (0–1) ÷ operating expense."""
    if revenue is None or quality is None or expense is None or expense == 0:
        return None
    return revenue * quality / expense


def operating_margin(revenue: float | None, expense: float | None) -> tuple[float, float] | None:
    """(revenue − expense, revenue): a ratio kept in parts so that it pools."""
    if revenue is None or expense is None:
        return None
    return revenue - expense, revenue


def maturity_overall(scores: Mapping[str, int]) -> tuple[int | None, float | None]:
    """Overall alignment maturity = the lowest domain; the mean is shown beside it (§3)."""
    values = list(scores.values())
    if not values:
        return None, None
    return min(values), sum(values) / len(values)


def trend_points(values: list[float | None], width: int = 96, height: int = 24) -> str:
    """SVG polyline points for a sparkline; gaps (no value) are skipped, flat lines centred."""
    present = [v for v in values if v is not None and not math.isnan(v)]
    if len(present) < 2:
        return ""
    low, high = min(present), max(present)
    span = high - low
    step = width / max(len(values) - 1, 1)
    points = []
    for i, v in enumerate(values):
        if v is None or math.isnan(v):
            continue
        y = height / 2 if span == 0 else height - 2 - (v - low) / span * (height - 4)
        points.append(f"{i * step:.1f},{y:.1f}")
    return " ".join(points)
