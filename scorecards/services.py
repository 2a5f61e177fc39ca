"""Writes for the scorecards: the measurement refresh, entered values, targets, notes, maturity."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from datetime import date

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from capacity.models import DailyRollup
from clinics import changes
from clinics import demo as clinics_demo
from clinics.models import Clinic, Reach, Region, User
from growthplan.errors import DomainError
from scorecards import compute, demo, importers, selectors
from scorecards.models import (
    KPI,
    Aggregation,
    KpiNote,
    MaturityAssessment,
    MaturityDimension,
    MaturityScore,
    Measurement,
    MeasurementSource,
    ScopeType,
    Source,
    Target,
    TargetSource,
    Unit,
)

logger = logging.getLogger(__name__)

# Months of history every refresh recomputes; older measurements stay as they were.
REFRESH_MONTHS = 27
# How far back a visit reaches: the 12-month retention of the cohorts a year before it, and
# year-on-year growth a year after (`refresh_months`).
REACH_BACK_MONTHS = 13
REPLACED = (MeasurementSource.COMPUTED, MeasurementSource.ROLLED_UP, MeasurementSource.DERIVED)
# KPIs computed from the network's templates and providers alone, not from appointments.
SUPPLY_KPIS = ("template_standardization",)


def _window(today: date, months: int) -> tuple[date, date, list[date]]:
    """Whole quarters from about `months` back to today's month: (first, last, month starts)."""
    this_month = today.replace(day=1)
    first = compute.quarter_first(compute.month_add(this_month, -(months - 1)))
    starts = []
    at = first
    while at <= this_month:
        starts.append(at)
        at = compute.month_add(at, 1)
    return first, compute.month_end(this_month), starts


def _kpi_map(kpis: Iterable[KPI]) -> dict[str, tuple[str, str]]:
    return {k.code: (k.aggregation, k.frequency) for k in kpis}


def _computed(first: date, last: date, months: list[date], today: date, kpis) -> pd.DataFrame:
    """Every computed KPI for every scope and period of the window (compute.OUT_COLUMNS)."""
    # Growth compares with twelve months before the window's first month.
    base = selectors.rollup_rows(first=compute.month_add(first, -12), last=last)
    base = base[pd.to_datetime(base["month"]) >= pd.Timestamp(first)]
    rows = pd.concat(
        [
            base,
            selectors.tnaa_rows(first=first, last=last),
            selectors.attainment_rows(first=first, last=last, kept=base),
            selectors.lag_rows(first=first, last=last),
            selectors.return_rate_rows(first=first, last=last, today=today),
            selectors.turnover_rows(months=months),
        ],
        ignore_index=True,
    )
    wanted = {k.code for k in kpis}
    rows = rows[rows["kpi"].isin(wanted)]
    rolled = compute.roll_up(rows, selectors.scope_frame(), _kpi_map(kpis))
    frames = [_complete_cohorts(rolled, today)]
    if "template_standardization" in wanted:
        frames.append(_snapshots(selectors.standardization_measurements(months=months)))
    out = pd.concat([f for f in frames if not f.empty], ignore_index=True)
    return out.assign(source=MeasurementSource.COMPUTED)


def _complete_cohorts(rolled: pd.DataFrame, today: date) -> pd.DataFrame:
    # A quarter of one finished month and two open ones would be read as the quarter's rate.
    days = rolled["kpi"].map(compute.COHORT_DAYS)
    ends = pd.to_datetime(rolled["period"].map(lambda p: compute.period_parse(p).last))
    open_window = days.notna() & (
        ends + pd.to_timedelta(days.fillna(0), unit="D") > pd.Timestamp(today)
    )
    return rolled[~open_window]


def _snapshots(months: pd.DataFrame) -> pd.DataFrame:
    """Per-scope month values → month rows plus each quarter's latest month."""
    if months.empty:
        return pd.DataFrame(columns=compute.OUT_COLUMNS)
    monthly = months.assign(
        period=months["month"].map(compute.month_label), period_start=months["month"]
    )
    quarterly = (
        months.assign(period=months["month"].map(compute.quarter_label))
        .sort_values("month")
        .groupby(["kpi", "scope_type", "scope_code", "period"], as_index=False)
        .last()
    )
    quarterly["period_start"] = quarterly["period"].map(lambda p: compute.period_parse(p).first)
    out = pd.concat([monthly, quarterly], ignore_index=True)
    out["numerator"], out["denominator"] = out["value"], float("nan")
    return out[compute.OUT_COLUMNS]


def _entered_rolled_up(kpis: list[KPI]) -> pd.DataFrame:
    """Entered clinic values summed or pooled up to regions, organizations and the network.

    A ratio rolls up only from rows that give their numerator and denominator. A value entered
    directly for a scope and period wins over the roll-up.
    """
    pooled = [k for k in kpis if k.aggregation in (Aggregation.SUM, Aggregation.RATIO)]
    entered = selectors.entered_frame(codes=[k.code for k in kpis])
    if entered.empty or not pooled:
        return pd.DataFrame(columns=[*compute.OUT_COLUMNS, "source"])
    clinics = selectors.scope_frame()
    ids = dict(zip(clinics["clinic"], clinics["clinic_id"], strict=True))
    aggregation = {k.code: k.aggregation for k in pooled}
    at_clinic = entered[
        (entered["scope_type"] == ScopeType.CLINIC) & entered["kpi"].isin(aggregation)
    ].copy()
    at_clinic["clinic_id"] = at_clinic["scope_code"].map(ids)
    at_clinic = at_clinic.dropna(subset=["clinic_id"])
    is_sum = at_clinic["kpi"].map(aggregation) == Aggregation.SUM
    at_clinic.loc[is_sum, "numerator"] = at_clinic.loc[is_sum, "value"]
    at_clinic = at_clinic[is_sum | at_clinic["denominator"].notna()]
    rows = at_clinic.rename(columns={"period_start": "month"})[compute.ROW_COLUMNS]
    rolled = compute.roll_up(rows, clinics, _kpi_map(pooled))
    keys = ["kpi", "scope_type", "scope_code", "period"]
    mine = rolled.merge(entered[keys], on=keys, how="left", indicator=True)
    rolled = mine[mine["_merge"] == "left_only"].drop(columns="_merge")
    return rolled.assign(source=MeasurementSource.ROLLED_UP)


def _derived(values: pd.DataFrame) -> pd.DataFrame:
    """Operating margin (pooled parts) and the VBC index from revenue, expense and quality."""
    keys = ["scope_type", "scope_code", "period", "period_start"]
    wide = values.pivot_table(index=keys, columns="kpi", values="value", aggfunc="first")
    out = []
    for key, row in wide.iterrows():
        revenue, expense = row.get("net_patient_revenue"), row.get("operating_expense")
        revenue = None if pd.isna(revenue) else float(revenue)
        expense = None if pd.isna(expense) else float(expense)
        margin = compute.operating_margin(revenue, expense)
        if margin is not None:
            num, den = margin
            out.append(("operating_margin", *key, num, den,
                        compute.value_of(num, den, Aggregation.RATIO)))  # fmt: skip
        quality = row.get("quality_score")
        if "Q" in key[2] and quality is not None and not pd.isna(quality):
            index = compute.vbc_index(revenue, float(quality), expense)
            if index is not None:
                out.append(("vbc_index", *key, None, None, index))
    frame = pd.DataFrame(
        out, columns=["kpi", "scope_type", "scope_code", "period", "period_start", "numerator",
                      "denominator", "value"],
    )  # fmt: skip
    return frame.assign(source=MeasurementSource.DERIVED)


def _capacity_targets(first: date, last: date) -> list[Target]:
    """New-patient volume's target per scope × month and quarter: Σ capped goal targets."""
    sums = selectors.capacity_targets(first=first, last=last)
    if sums.empty:
        return []
    rows = sums.rename(columns={"target": "numerator"}).assign(
        kpi="new_patient_volume", denominator=float("nan")
    )
    rolled = compute.roll_up(
        rows[compute.ROW_COLUMNS], selectors.scope_frame(),
        {"new_patient_volume": (Aggregation.SUM, "month")},
    )  # fmt: skip
    kpi = KPI.objects.get(code="new_patient_volume")
    targets = []
    for row in rolled.itertuples(index=False):
        period = compute.period_parse(row.period)
        target = float(row.numerator or 0)
        t = compute.thresholds_default("higher", target)
        targets.append(
            Target(
                kpi=kpi, scope_type=row.scope_type, scope_code=row.scope_code,
                period_from=period.first, period_to=period.last, period_kind=period.kind,
                green_min=t.green_min, amber_min=t.amber_min, source=TargetSource.CAPACITY,
                note="Σ capped new-patient targets",
            )
        )  # fmt: skip
    return targets


@transaction.atomic
def measurements_refresh(
    *, today: date, months: int = REFRESH_MONTHS, keep: Iterable[str] = ()
) -> int:
    """Recompute every computed, rolled-up and derived measurement of the window (the last
    `months` months, from the start of a quarter), but those of the KPIs in `keep`, whose
    inputs did not change (`SUPPLY_KPIS` when only data changed).

    Replaces those rows by key (entered values are never touched) and the capacity-derived
    targets of the window, so a rerun changes nothing. Returns the rows written.
    """
    first, last, starts = _window(today, months)
    keep = list(keep)
    kpis = list(KPI.objects.filter(active=True).exclude(code__in=keep))
    computed = _computed(
        first, last, starts, today, [k for k in kpis if k.source == Source.COMPUTED]
    )
    rolled = _entered_rolled_up([k for k in kpis if k.source == Source.ENTERED])
    entered = selectors.entered_frame()
    inputs = pd.concat([rolled, entered], ignore_index=True)
    derived = (
        _derived(inputs[["kpi", "scope_type", "scope_code", "period", "period_start", "value"]])
        if not inputs.empty else pd.DataFrame(columns=[*compute.OUT_COLUMNS, "source"])
    )  # fmt: skip
    fresh = pd.concat([f for f in (computed, rolled, derived) if not f.empty], ignore_index=True)
    fresh = (
        fresh[pd.to_datetime(fresh["period_start"]) >= pd.Timestamp(first)]
        if not fresh.empty
        else fresh
    )
    by_code = {k.code: k for k in kpis}
    Measurement.objects.filter(source__in=REPLACED, period_start__gte=first).exclude(
        kpi__code__in=keep
    ).delete()
    # An entered value wins over anything computed for the same key.
    taken = set(
        Measurement.objects.filter(period_start__gte=first).values_list(
            "kpi__code", "scope_type", "scope_code", "period"
        )
    )
    rows = [
        Measurement(
            kpi=by_code[r.kpi], scope_type=r.scope_type, scope_code=r.scope_code or "",
            period=r.period, period_start=r.period_start, value=_num(r.value),
            numerator=_num(r.numerator), denominator=_num(r.denominator), source=r.source,
        )
        for r in fresh.itertuples(index=False)
        if (r.kpi, r.scope_type, r.scope_code or "", r.period) not in taken
    ]  # fmt: skip
    Measurement.objects.bulk_create(rows, batch_size=2000)
    Target.objects.filter(source=TargetSource.CAPACITY, period_from__gte=first).delete()
    # Goals run a year ahead; their targets are in force before the months are measured. The
    # horizon is the full window's whatever `months`, so a shorter refresh ends where it does.
    full_first = _window(today, REFRESH_MONTHS)[0]
    horizon = compute.month_end(compute.month_add(full_first, REFRESH_MONTHS + 12))
    Target.objects.bulk_create(_capacity_targets(first, horizon), batch_size=2000)
    logger.info("scorecards.refreshed", extra={"rows": len(rows), "first": str(first)})
    return len(rows)


def refresh_months(*, today: date, changed_from: date | None) -> int:
    """The months a refresh must cover when appointments changed from `changed_from` on (None:
    anything, anywhere): back far enough for every cohort KPI a visit then can reach."""
    if changed_from is None:
        return REFRESH_MONTHS
    reach = compute.month_add(changed_from.replace(day=1), -REACH_BACK_MONTHS)
    this_month = today.replace(day=1)
    span = (this_month.year - reach.year) * 12 + this_month.month - reach.month + 1
    return max(1, min(REFRESH_MONTHS, span))


def _num(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


# ---------------------------------------------------------------------------------------------
# Notes on red KPIs and the maturity assessment


def note_add(
    *, kpi: KPI, scope_type: str, scope_code: str, period: str, text: str, action: str, user
) -> KpiNote:
    """An owner's note or action on a KPI for a scope and period (shown on the scorecard)."""
    errors = {}
    if not (text or "").strip():
        errors["text"] = ["Say what is behind the number."]
    try:
        compute.period_parse(period)
    except ValueError as exc:
        errors["period"] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    return KpiNote.objects.create(
        kpi=kpi, scope_type=scope_type, scope_code=scope_code, period=period,
        text=text.strip(), action=(action or "").strip(), author=user,
    )  # fmt: skip


@transaction.atomic
def maturity_save(
    *, assessed_on: date, scores: dict[str, int], notes: str, user, score_notes=None
) -> MaturityAssessment:
    """A dated assessment: every configured domain scored 1–5 against its rubric."""
    dimensions = {d.code: d for d in MaturityDimension.objects.all()}
    errors: dict[str, list[str]] = {}
    for code in dimensions:
        value = scores.get(code)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            errors[code] = [f"score {dimensions[code].name} from 1 to 5 (got {value!r})"]
    for code in set(scores) - set(dimensions):
        errors[code] = [f"unknown maturity domain {code!r}"]
    if errors:
        raise ValidationError(errors)
    assessment = MaturityAssessment.objects.create(
        assessed_on=assessed_on, notes=(notes or "").strip(), assessed_by=user
    )
    MaturityScore.objects.bulk_create(
        MaturityScore(
            assessment=assessment, dimension=dimensions[code], score=scores[code],
            note=((score_notes or {}).get(code) or "").strip(),
        )
        for code in dimensions
    )  # fmt: skip
    return assessment


# ---------------------------------------------------------------------------------------------
# Entered values, the KPI CSV import and targets

# tasks.py imports this module; a module import (not a name) keeps the cycle harmless.


def _scope_keys() -> set[tuple[str, str]]:
    """Every (scope_type, code) a value may be entered for."""
    return {importers.scope_parse(key) for key, _label in selectors.scope_choices()}


def _scope_text(scope_type: str, scope_code: str) -> str:
    return scope_type if not scope_code else f"{scope_type}:{scope_code}"


def _float(value) -> float | None:
    return None if value is None or value == "" else float(value)


def _measurements_write(rows, user) -> tuple[dict[str, int], list[Measurement]]:
    """Upsert checked values by (kpi, scope, period) as entered; identical ones are left alone.

    A value entered where a roll-up or computation stood replaces it (and counts as created):
    the refresh never overwrites an entered value.
    """
    existing = {
        (m.kpi_id, m.scope_type, m.scope_code, m.period): m
        for m in Measurement.objects.select_for_update().filter(
            kpi_id__in={r.kpi.pk for r in rows}, period__in={r.period.label for r in rows}
        )
    }
    now = timezone.now()
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    new, changed, saved = [], [], []
    for row in rows:
        fields = {
            "value": row.value, "numerator": row.numerator, "denominator": row.denominator,
            "note": row.note,
        }  # fmt: skip
        found = existing.get((row.kpi.pk, row.scope_type, row.scope_code, row.period.label))
        if found is None:
            found = Measurement(
                kpi=row.kpi, scope_type=row.scope_type, scope_code=row.scope_code,
                period=row.period.label, period_start=row.period.first,
                source=MeasurementSource.ENTERED, entered_by=user, **fields,
            )  # fmt: skip
            new.append(found)
            counts["created"] += 1
        elif found.source == MeasurementSource.ENTERED and all(
            getattr(found, name) == value for name, value in fields.items()
        ):
            counts["unchanged"] += 1
        else:
            counts["updated" if found.source == MeasurementSource.ENTERED else "created"] += 1
            for name, value in fields.items():
                setattr(found, name, value)
            found.source, found.entered_by, found.updated_at = (
                MeasurementSource.ENTERED, user, now,
            )  # fmt: skip
            changed.append(found)
        saved.append(found)
    Measurement.objects.bulk_create(new, batch_size=2000)
    Measurement.objects.bulk_update(
        changed,
        ["value", "numerator", "denominator", "note", "source", "entered_by", "updated_at"],
        batch_size=2000,
    )
    return counts, saved


@transaction.atomic
def measurement_save(
    *,
    kpi: KPI,
    scope_type: str,
    scope_code: str,
    period: str,
    value: float | None,
    numerator: float | None = None,
    denominator: float | None = None,
    note: str = "",
    user,
) -> Measurement:
    """Enter one KPI value (source "entered"), replacing the scope and period's value.

    Only entered KPIs; the scope must exist, the period be of the KPI's frequency, the value
    fit the KPI's unit; numerator and denominator come together, and where only they are given
    the value is their quotient. Roll-ups and derived KPIs are refreshed after the commit.
    """
    errors: dict[str, list[str]] = {}
    if problem := importers.source_error(kpi):
        errors["kpi"] = [problem]
    if not scope_type:
        errors["scope"] = ["choose a scope: the network, an organization, a region or a clinic"]
    else:
        try:
            scope = selectors.scope_get(_scope_text(scope_type, scope_code or ""))
        except selectors.ScopeError as exc:
            errors["scope"] = [str(exc)]
    parsed, problem = importers.period_check(kpi, period)
    if problem:
        errors["period"] = [problem]
    value, by_field = importers.value_check(
        kpi, _float(value), _float(numerator), _float(denominator)
    )
    errors.update({name: [message] for name, message in by_field.items()})
    note = (note or "").strip()
    if problem := importers.note_error(note):
        errors["note"] = [problem]
    if errors:
        raise ValidationError(errors)
    row = importers.Checked(
        line=None, kpi=kpi, scope_type=scope.type, scope_code=scope.code, period=parsed,
        value=value, numerator=_float(numerator), denominator=_float(denominator), note=note,
    )  # fmt: skip
    counts, (measurement,) = _measurements_write([row], user)
    if counts["unchanged"] == 0:
        _kpis_changed(f"{kpi.code} for {scope.type} {scope.code} {parsed.label} entered")
    logger.info("measurement.entered", extra={"kpi": kpi.code, "period": parsed.label})
    return measurement


def measurements_import(*, content: bytes, user, dry_run: bool = False) -> dict:
    """Import a KPI CSV (importers.COLUMNS): every row or none; re-importing changes nothing.

    Raises importers.ImportFileError naming every bad row and field. Returns counts: created,
    updated, unchanged, rows. One refresh of roll-ups and derived KPIs follows the commit.
    """
    records = importers.read_csv(content)
    kpis = {k.code: k for k in KPI.objects.all()}
    rows, errors = importers.validate(records, kpis=kpis, scopes=_scope_keys())
    if errors:
        raise importers.ImportFileError(errors)
    with transaction.atomic():
        counts, _saved = _measurements_write(rows, user)
        if dry_run:
            transaction.set_rollback(True)
        elif counts["created"] or counts["updated"]:
            _kpis_changed(f"KPI file: {counts['created'] + counts['updated']} values")
    logger.info(
        "measurements.imported",
        extra={f"rows_{name}": count for name, count in counts.items()} | {"dry_run": dry_run},
    )
    return {**counts, "rows": len(rows), "dry_run": dry_run}


@transaction.atomic
def measurements_delete(*, measurements: Iterable[Measurement]) -> int:
    """Remove entered values (computed ones are the refresh's); roll-ups follow."""
    ids = [m.pk for m in measurements if m.source == MeasurementSource.ENTERED]
    deleted, _ = Measurement.objects.filter(pk__in=ids).delete()
    if deleted:
        _kpis_changed(f"{deleted} entered values deleted")
    return deleted


def _kpis_changed(reason: str) -> None:
    """Entered values feed roll-ups and derived KPIs of every scope: one refresh follows."""
    changes.record(reason=reason, reach=Reach.KPIS)


class TargetComputedError(DomainError):
    """A target derived from capacity is replaced on every refresh; people do not edit it."""

    code = "target_computed"


THRESHOLDS = ("green_min", "green_max", "amber_min", "amber_max")
UNIT_WORDS = {"count": "a count", "currency": "an amount of money", "days": "a number of days"}


def _thresholds_resolve(kpi: KPI, given: dict[str, float | None]) -> compute.Thresholds:
    """The thresholds as given, or §3's defaults where only the target itself is: green_min of
    a higher-is-better KPI, green_max of a lower one, both ends of a band."""
    present = {name for name, value in given.items() if value is not None}
    wanted = {
        compute.HIGHER: {"green_min"},
        compute.LOWER: {"green_max"},
        compute.BAND: {"green_min", "green_max"},
    }[kpi.direction]
    if present != wanted:
        return compute.Thresholds(**given)
    if kpi.direction == compute.BAND:
        band = (given["green_min"], given["green_max"])
        return compute.thresholds_default(kpi.direction, None, band)
    target = given["green_min"] if kpi.direction == compute.HIGHER else given["green_max"]
    return compute.thresholds_default(kpi.direction, target)


def _thresholds_errors(kpi: KPI, given: dict[str, float | None]) -> dict[str, str]:
    """Typed thresholds that cannot be the KPI's values; then, with §3's defaults filled in,
    thresholds out of order."""
    errors: dict[str, str] = {}
    for name, value in given.items():
        if value is None:
            continue
        if not math.isfinite(value):
            errors[name] = f"{value} is not a finite number"
        elif kpi.unit == Unit.FRACTION and abs(value) > 2:
            errors[name] = f"{value:g} is not a fraction: {kpi.name} is one (0.85 = 85 %)"
        elif kpi.unit in UNIT_WORDS and value < 0:
            errors[name] = f"{value:g} is below 0: {kpi.name} is {UNIT_WORDS[kpi.unit]}"
    if errors:
        return errors
    t = _thresholds_resolve(kpi, given)
    errors = compute.thresholds_errors(kpi.direction, t)
    # Bounds the direction does not need may still be set; they must not contradict.
    pairs = (
        ("green_max", t.green_min, t.green_max, "green ends at {b:g}, below its start {a:g}"),
        ("amber_max", t.amber_min, t.amber_max, "amber ends at {b:g}, below its start {a:g}"),
        ("amber_min", t.amber_min, t.green_min, "amber starts at {a:g}, above green's {b:g}"),
        ("amber_max", t.green_max, t.amber_max, "amber ends at {b:g}, below green's {a:g}"),
    )
    for name, low, high, message in pairs:
        if name not in errors and low is not None and high is not None and low > high:
            errors[name] = message.format(a=low, b=high)
    return errors


def target_check(
    *,
    kpi: KPI | None,
    scope_type: str,
    scope_code: str,
    period_from: date | None,
    period_to: date | None,
    period_kind: str,
    green_min: float | None,
    green_max: float | None,
    amber_min: float | None,
    amber_max: float | None,
    source: str,
    target: Target | None = None,
) -> tuple[compute.Thresholds | None, dict[str, list[str]]]:
    """target_save's rules without the write (the admin form uses them): the thresholds to
    store and the problems by field."""
    errors: dict[str, str] = {}
    if kpi is None:
        return None, {"kpi": ["choose a KPI"]}
    if target is not None and target.source == TargetSource.CAPACITY:
        errors["source"] = (
            "this target is derived from capacity and replaced on every refresh; "
            "set a board target instead"
        )
    if source == TargetSource.CAPACITY:
        errors["source"] = (
            "targets derived from capacity are computed from the new-patient caps; "
            "choose board or benchmark"
        )
    elif source not in (TargetSource.BOARD, TargetSource.BENCHMARK):
        errors["source"] = f"{source!r} is not a source: choose board or benchmark"
    scope = None
    try:
        scope = selectors.scope_get(_scope_text(scope_type or "", scope_code or ""))
    except selectors.ScopeError as exc:
        errors["scope"] = str(exc)
    if period_kind not in ("", compute.MONTH, compute.QUARTER):
        errors["period_kind"] = f"{period_kind!r}: choose month, quarter or blank for both"
    elif kpi.frequency == compute.QUARTER and period_kind == compute.MONTH:
        errors["period_kind"] = (
            f"{kpi.name} is measured quarterly: a months-only target never applies"
        )
    if period_from is None:
        errors["period_from"] = "required: the first month the target applies to"
    elif period_from.day != 1:
        errors["period_from"] = (
            f"a target starts on the first day of a month ({period_from.replace(day=1)})"
        )
    if period_to is not None and period_from is not None:
        if period_to < period_from:
            errors["period_to"] = f"{period_to} is before the start {period_from}"
        elif period_to != compute.month_end(period_to):
            errors["period_to"] = (
                f"a target ends on the last day of a month ({compute.month_end(period_to)})"
            )
    given = {"green_min": green_min, "green_max": green_max, "amber_min": amber_min,
             "amber_max": amber_max}  # fmt: skip
    given = {name: _float(value) for name, value in given.items()}
    thresholds = _thresholds_resolve(kpi, given)
    errors.update(_thresholds_errors(kpi, given))
    if scope is not None and "period_from" not in errors and "period_kind" not in errors:
        clash = Target.objects.filter(
            kpi=kpi, scope_type=scope.type, scope_code=scope.code, period_from=period_from
        )
        if target is not None and target.pk:
            clash = clash.exclude(pk=target.pk)
        if period_kind:
            clash = clash.filter(Q(period_kind=period_kind) | Q(period_kind=""))
        other = clash.first()
        if other is not None:
            kind = {"": "months and quarters", "month": "months", "quarter": "quarters"}
            errors["period_from"] = (
                f"{kpi.name} already has a target for {scope.label} from "
                f"{compute.month_label(period_from)} ({kind[other.period_kind]}, "
                f"{other.get_source_display().lower()}); edit it, or start this one another month"
            )
    return thresholds, {name: [message] for name, message in errors.items()}


@transaction.atomic
def target_save(
    *,
    kpi: KPI,
    scope_type: str,
    scope_code: str,
    period_from: date,
    period_to: date | None,
    period_kind: str,
    green_min: float | None,
    green_max: float | None,
    amber_min: float | None,
    amber_max: float | None,
    source: str,
    note: str,
    user,
    target: Target | None = None,
) -> Target:
    """Create or change a board or benchmark target. Thresholds must be in order for the KPI's
    direction; where only the target itself is given, amber follows §3 (90 % / 110 %)."""
    thresholds, errors = target_check(
        kpi=kpi, scope_type=scope_type, scope_code=scope_code, period_from=period_from,
        period_to=period_to, period_kind=period_kind, green_min=green_min, green_max=green_max,
        amber_min=amber_min, amber_max=amber_max, source=source, target=target,
    )  # fmt: skip
    note = (note or "").strip()
    if len(note) > 300:
        errors["note"] = [f"at most 300 characters (this note has {len(note)})"]
    if errors:
        raise ValidationError(errors)
    scope = selectors.scope_get(_scope_text(scope_type, scope_code or ""))
    target = target or Target()
    target.kpi, target.scope_type, target.scope_code = kpi, scope.type, scope.code
    target.period_from, target.period_to, target.period_kind = period_from, period_to, period_kind
    target.green_min, target.green_max = thresholds.green_min, thresholds.green_max
    target.amber_min, target.amber_max = thresholds.amber_min, thresholds.amber_max
    target.source, target.note, target.set_by = source, note, user
    target.save()
    logger.info("target.saved", extra={"target_id": target.pk, "kpi": kpi.code})
    return target


@transaction.atomic
def target_delete(*, target: Target, user) -> None:
    """Remove a board or benchmark target; the level above (or none: grey) applies again."""
    if target.source == TargetSource.CAPACITY:
        raise TargetComputedError(
            "a target derived from capacity is recomputed on every refresh; it cannot be deleted"
        )
    logger.info("target.deleted", extra={"target_id": target.pk, "user_id": user.pk})
    target.delete()


# ---------------------------------------------------------------------------------------------
# Demo


@transaction.atomic
def demo_scorecards_seed(*, today: date, seed: int = 7) -> dict[str, int]:
    """Two years of entered KPIs, the board's budgets and targets and four maturity
    assessments (scorecards.demo); the measurements follow through the pipeline.

    Rows are keyed and existing keys are skipped, so a rerun changes nothing; entered values
    someone changed are kept. Run after the demo network, its history and its goals.
    """

    found = Clinic.objects.select_related("region__organization").prefetch_related("service_lines")
    clinics = [
        demo.DemoClinic(
            c.code, c.region.code, c.region.organization.code, c.exam_rooms,
            tuple(sorted(line.code for line in c.service_lines.all())),
        )
        for c in found.order_by("code")
    ]  # fmt: skip
    months = demo.months_covered(today)
    codes = dict(Clinic.objects.values_list("pk", "code"))
    visits: dict[tuple[str, date], tuple[int, int]] = {}
    for clinic_id, month, new, kept in (
        DailyRollup.objects.filter(date__range=(months[0], compute.month_end(months[-1])))
        .annotate(month=TruncMonth("date"))
        .values_list("clinic_id", "month", "is_new_patient")
        .annotate(kept=Sum("kept_count"))
    ):
        key = (codes[clinic_id], selectors._month(month))
        all_kept, new_kept = visits.get(key, (0, 0))
        visits[key] = (all_kept + (kept or 0), new_kept + ((kept or 0) if new else 0))
    rows = demo.entered_rows(clinics, visits, today=today, seed=seed)
    by_role = {
        role: User.objects.filter(username=username).first()
        for username, _password, role, _name in clinics_demo.DEMO_USERS
    }
    admin = by_role.get("administrator")
    kpis = {k.code: k for k in KPI.objects.all()}
    entered = _demo_entered(rows, kpis, admin)
    targets = _demo_targets(
        [
            *demo.budget_targets(rows, clinics, today=today, seed=seed),
            *demo.board_targets(
                clinics, Region.objects.values_list("code", flat=True), today=today
            ),
        ],
        kpis,
        admin,
    )
    assessments = 0
    dimensions = set(MaturityDimension.objects.values_list("code", flat=True))
    for on, (_back, scores, notes, score_notes) in zip(
        demo.maturity_dates(today), demo.MATURITY, strict=True
    ):
        if MaturityAssessment.objects.filter(assessed_on=on).exists():
            continue
        lowest = min(scores.values())
        maturity_save(
            assessed_on=on, notes=notes, user=admin, score_notes=score_notes,
            scores={code: scores.get(code, lowest) for code in dimensions},
        )  # fmt: skip
        assessments += 1
    _kpis_changed("demo KPI values")
    logger.info("scorecards.demo_seeded", extra={"entered": entered, "targets": targets})
    return {
        "entered": entered, "targets": targets, "assessments": assessments,
    }  # fmt: skip


def _demo_entered(rows, kpis: dict[str, KPI], user) -> int:
    taken = set(
        Measurement.objects.filter(kpi__code__in={r.kpi for r in rows}).values_list(
            "kpi__code", "scope_type", "scope_code", "period"
        )
    )
    fresh = [
        Measurement(
            kpi=kpis[r.kpi], scope_type=ScopeType.CLINIC, scope_code=r.clinic, period=r.period,
            period_start=r.period_start, value=r.value, numerator=r.numerator,
            denominator=r.denominator, source=MeasurementSource.ENTERED, entered_by=user,
        )
        for r in rows
        if (r.kpi, ScopeType.CLINIC, r.clinic, r.period) not in taken
    ]  # fmt: skip
    Measurement.objects.bulk_create(fresh, batch_size=2000)
    return len(fresh)


def _demo_targets(rows, kpis: dict[str, KPI], user) -> int:
    keys = ("kpi__code", "scope_type", "scope_code", "period_from", "period_kind")
    taken = set(Target.objects.filter(source=TargetSource.BOARD).values_list(*keys))
    fresh = []
    for r in rows:
        if (r.kpi, r.scope_type, r.scope_code, r.period_from, r.period_kind) in taken:
            continue
        errors = compute.thresholds_errors(kpis[r.kpi].direction, r.thresholds)
        if errors:  # the demo's own numbers: a bug, not a user's input
            raise ValueError(f"demo target {r.kpi} {r.scope_type}:{r.scope_code}: {errors}")
        t = r.thresholds
        fresh.append(
            Target(
                kpi=kpis[r.kpi], scope_type=r.scope_type, scope_code=r.scope_code,
                period_from=r.period_from, period_to=r.period_to, period_kind=r.period_kind,
                green_min=t.green_min, green_max=t.green_max, amber_min=t.amber_min,
                amber_max=t.amber_max, source=TargetSource.BOARD, note=r.note, set_by=user,
            )
        )  # fmt: skip
    Target.objects.bulk_create(fresh)
    return len(fresh)


@transaction.atomic
def demo_notes_seed(*, today: date) -> int:
    """Owners' notes on the network's red KPIs of the last closed quarter: run once the
    measurements are refreshed, since red is read from them."""
    by_role = {
        role: User.objects.filter(username=username).first()
        for username, _password, role, _name in clinics_demo.DEMO_USERS
    }
    return _demo_notes(demo.latest_closed_quarter(today), by_role)


def _demo_notes(period: compute.Period, by_role: dict) -> int:
    """The owners' notes on the red board KPIs of the network and each region in the latest
    closed quarter (a few per scope), each written once."""

    keys = [
        k for k, _label in selectors.scope_choices() if k == "network" or k.startswith("region:")
    ]
    written = 0
    for scope in map(selectors.scope_get, keys):
        red = [
            c for c in selectors.scorecard_get("board", scope, period)
            if c.status == compute.RED and c.kpi.code in demo.NOTES
        ][: demo.NOTES_PER_SCOPE]  # fmt: skip
        for card in red:
            text, action = demo.NOTES[card.kpi.code]
            if KpiNote.objects.filter(
                kpi=card.kpi, scope_type=scope.type, scope_code=scope.code, period=card.period,
                text=text,
            ).exists():  # fmt: skip
                continue
            note_add(
                kpi=card.kpi, scope_type=scope.type, scope_code=scope.code, period=card.period,
                text=text, action=action, user=by_role.get(card.kpi.owner),
            )  # fmt: skip
            written += 1
    return written
