"""Writes for the scorecards: the measurement refresh, entered values, targets, notes, maturity."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import transaction

from scorecards import compute, selectors
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
)

logger = logging.getLogger(__name__)

# Months of history every refresh recomputes; older measurements stay as they were.
REFRESH_MONTHS = 27
REPLACED = (MeasurementSource.COMPUTED, MeasurementSource.ROLLED_UP, MeasurementSource.DERIVED)


def _window(today: date, months: int) -> tuple[date, date, list[date]]:
    """Whole quarters from about `months` back to today's month: (first, last, month starts)."""
    this_month = today.replace(day=1)
    first = compute.quarter_first(compute._month_add(this_month, -(months - 1)))
    starts = []
    at = first
    while at <= this_month:
        starts.append(at)
        at = compute._month_add(at, 1)
    return first, compute.month_end(this_month), starts


def _kpi_map(kpis: Iterable[KPI]) -> dict[str, tuple[str, str]]:
    return {k.code: (k.aggregation, k.frequency) for k in kpis}


def _computed(first: date, last: date, months: list[date], today: date, kpis) -> pd.DataFrame:
    """Every computed KPI for every scope and period of the window (compute.OUT_COLUMNS)."""
    # Growth compares with twelve months before the window's first month.
    base = selectors.rollup_rows(first=compute._month_add(first, -12), last=last)
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
    frames = [rolled]
    if "template_standardization" in wanted:
        frames.append(_snapshots(selectors.standardization_measurements(months=months)))
    out = pd.concat([f for f in frames if not f.empty], ignore_index=True)
    return out.assign(source=MeasurementSource.COMPUTED)


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
def measurements_refresh(*, today: date, months: int = REFRESH_MONTHS) -> int:
    """Recompute every computed, rolled-up and derived measurement of the window.

    Replaces those rows by key (entered values are never touched) and the capacity-derived
    targets of the window, so a rerun changes nothing. Returns the rows written.
    """
    first, last, starts = _window(today, months)
    kpis = list(KPI.objects.filter(active=True))
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
    Measurement.objects.filter(source__in=REPLACED, period_start__gte=first).delete()
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
    Target.objects.bulk_create(_capacity_targets(first, last), batch_size=2000)
    logger.info("scorecards.refreshed", extra={"rows": len(rows), "first": str(first)})
    return len(rows)


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


# ---------------------------------------------------------------------------------------------
# Demo
