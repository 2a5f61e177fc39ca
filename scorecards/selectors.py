"""Reads for the scorecards: the data behind computed KPIs, and scorecards for a scope × period."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from capacity import compute as capacity_compute
from capacity.models import Appointment, DailyRollup, ThirdNextAvailable
from capacity.selectors import supply_frames
from clinics import selectors as clinic_selectors
from clinics.models import Clinic, Organization, Provider, Region
from marketing.models import NewPatientGoal
from scorecards import compute
from scorecards.models import (
    KPI,
    KpiNote,
    MaturityAssessment,
    Measurement,
    Perspective,
    ScopeType,
    Scorecard,
    Target,
)

HELD = list(capacity_compute.HELD_STATUSES)
KEPT = list(capacity_compute.KEPT_STATUSES)


# ---------------------------------------------------------------------------------------------
# Scopes


class ScopeError(ValueError):
    """An unknown scope, or one written in the wrong shape."""


@dataclass(frozen=True)
class Scope:
    type: str
    code: str
    name: str
    clinic_ids: tuple[int, ...]
    # (type, code) of this scope and every level above it, the network last: where targets
    # are looked for, most specific first.
    chain: tuple[tuple[str, str], ...] = (("network", ""),)

    @property
    def key(self) -> str:
        return "network" if self.type == ScopeType.NETWORK else f"{self.type}:{self.code}"

    @property
    def label(self) -> str:
        return self.name if self.type == ScopeType.NETWORK else f"{self.name} ({self.code})"


def scope_home(user=None) -> str:
    """The scope a user reads by default: their organization, or the network."""
    organization = getattr(user, "organization", None)
    return f"organization:{organization.code}" if organization else "network"


def scope_allowed(scope: Scope, user) -> bool:
    """A user tied to an organization reads only scopes made of its clinics."""
    if not getattr(user, "organization_id", None):
        return True
    visible = set(clinic_selectors.clinic_list(user=user).values_list("pk", flat=True))
    return bool(scope.clinic_ids) and set(scope.clinic_ids) <= visible


def scope_get(text: str | None, *, user=None) -> Scope:
    """`network`, `organization:CODE`, `region:CODE` or `clinic:CODE` → Scope; ScopeError.

    With a user, a scope outside their organization is refused like an unknown one.
    """
    raw = (text or scope_home(user)).strip()
    kind, _, code = raw.partition(":")
    kind = kind.lower()
    if kind == ScopeType.NETWORK and not code:
        scope = Scope(kind, "", "Network", tuple(Clinic.objects.values_list("pk", flat=True)))
    else:
        scope = _scope_of(raw, kind, code)
    if user is not None and not scope_allowed(scope, user):
        raise ScopeError(f"{raw!r} is outside {scope_home(user)}, the scorecards you read")
    return scope


def _scope_of(raw: str, kind: str, code: str) -> Scope:
    models = {"organization": Organization, "region": Region, "clinic": Clinic}
    if kind not in models or not code:
        raise ScopeError(
            f"{raw!r} is not a scope: use network, organization:CODE, region:CODE or clinic:CODE"
        )
    related = {"clinic": ["region__organization"], "region": ["organization"]}.get(kind, [])
    found = models[kind].objects.select_related(*related).filter(code=code).first()
    if found is None:
        raise ScopeError(f"unknown {kind} {code!r}")
    clinics, above = {
        "organization": lambda: (Clinic.objects.filter(region__organization=found), []),
        "region": lambda: (
            Clinic.objects.filter(region=found),
            [("organization", found.organization.code)],
        ),
        "clinic": lambda: (
            Clinic.objects.filter(pk=found.pk),
            [("region", found.region.code), ("organization", found.region.organization.code)],
        ),
    }[kind]()
    chain = ((kind, code), *above, ("network", ""))
    return Scope(kind, code, found.name, tuple(clinics.values_list("pk", flat=True)), chain)


def scope_choices(user=None) -> list[tuple[str, str]]:
    """Every scope a scorecard can be read for, network first (selector menus); for a user
    tied to an organization, the scopes inside it."""
    out = [("network", "Network")]
    for kind, model in (("organization", Organization), ("region", Region), ("clinic", Clinic)):
        rows = model.objects.values_list("code", "name")
        out += [(f"{kind}:{c}", f"{kind.title()}: {n} ({c})") for c, n in rows]
    if not getattr(user, "organization_id", None):
        return out
    clinics = clinic_selectors.clinic_list(user=user).select_related("region__organization")
    codes = {
        "organization": {c.region.organization.code for c in clinics},
        "region": {c.region.code for c in clinics},
        "clinic": {c.code for c in clinics},
    }
    return [
        (k, label) for k, label in out if k.partition(":")[2] in codes.get(k.partition(":")[0], ())
    ]


def scope_frame() -> pd.DataFrame:
    """clinic_id → clinic, region and organization codes (compute.roll_up's `scopes`)."""
    rows = Clinic.objects.values_list("pk", "code", "region__code", "region__organization__code")
    return pd.DataFrame.from_records(
        list(rows), columns=["clinic_id", "clinic", "region", "organization"]
    )


def child_scopes(scope: Scope) -> list[Scope]:
    """The next level down: network → organizations (or regions if only one), → clinics."""
    if scope.type == ScopeType.NETWORK:
        orgs = list(Organization.objects.values_list("code", flat=True))
        if len(orgs) > 1:
            return [scope_get(f"organization:{c}") for c in orgs]
        return [scope_get(f"region:{c}") for c in Region.objects.values_list("code", flat=True)]
    if scope.type == ScopeType.ORGANIZATION:
        codes = Region.objects.filter(organization__code=scope.code).values_list("code", flat=True)
        return [scope_get(f"region:{c}") for c in codes]
    if scope.type == ScopeType.REGION:
        codes = Clinic.objects.filter(region__code=scope.code).values_list("code", flat=True)
        return [scope_get(f"clinic:{c}") for c in codes]
    return []


# ---------------------------------------------------------------------------------------------
# What computed KPIs are made of: clinic × month rows (compute.ROW_COLUMNS)


def _frame(rows: Iterable, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(list(rows), columns=columns)


def _month(value) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def rollup_rows(*, first: date, last: date) -> pd.DataFrame:
    """Utilization, kept utilization, no-show and late-cancel parts, NP volume and growth."""
    grouped = (
        DailyRollup.objects.filter(date__range=(first, last))
        .annotate(month=TruncMonth("date"))
        .values("clinic_id", "month")
        .annotate(
            available=Sum("available_minutes"),
            held=Sum("held_minutes"),
            kept=Sum("kept_minutes"),
            kept_visits=Sum("kept_count"),
            noshow=Sum("noshow_count"),
            cancelled=Sum("cancelled_count"),
            late=Sum("late_cancel_count"),
            new_kept=Sum("kept_count", filter=Q(is_new_patient=True)),
        )
    )
    columns = ["clinic_id", "month", "available", "held", "kept", "kept_visits", "noshow",
               "cancelled", "late", "new_kept"]  # fmt: skip
    base = _frame(([r[c] for c in columns] for r in grouped), columns)
    if base.empty:
        return pd.DataFrame(columns=compute.ROW_COLUMNS)
    base["month"] = base["month"].map(_month)
    base = base.fillna(0)
    parts = {
        "utilization": ("held", "available"),
        "kept_utilization": ("kept", "available"),
        "no_show_rate": ("noshow", None),
        "late_cancel_rate": ("late", None),
        "new_patient_volume": ("new_kept", None),
    }
    outcomes = base["kept_visits"] + base["noshow"]
    denominators = {"no_show_rate": outcomes, "late_cancel_rate": outcomes + base["cancelled"]}
    frames = []
    for code, (num, den) in parts.items():
        out = base[["clinic_id", "month"]].copy()
        out["kpi"] = code
        out["numerator"] = base[num].astype(float)
        out["denominator"] = (
            base[den].astype(float) if den else denominators.get(code, float("nan"))
        )
        frames.append(out)
    counts = base[["clinic_id", "month"]].assign(count=base["new_kept"])
    growth = compute.growth_rows(counts).assign(kpi="np_growth_yoy")
    return pd.concat([*frames, growth], ignore_index=True)[compute.ROW_COLUMNS]


def tnaa_rows(*, first: date, last: date) -> pd.DataFrame:
    """Pooled mean TNAA: Σ days ÷ uncensored provider-day records, per class."""
    grouped = (
        ThirdNextAvailable.objects.filter(date__range=(first, last), censored=False)
        .exclude(days__isnull=True)
        .annotate(month=TruncMonth("date"))
        .values_list("clinic_id", "month", "is_new_patient")
        .annotate(total=Sum("days"), n=Count("pk"))
    )
    frame = _frame(grouped, ["clinic_id", "month", "new", "numerator", "denominator"])
    frame["month"] = frame["month"].map(_month)
    frame["kpi"] = frame["new"].map({True: "tnaa_new", False: "tnaa_established"})
    return frame.astype({"numerator": float, "denominator": float})[compute.ROW_COLUMNS]


def attainment_rows(*, first: date, last: date, kept: pd.DataFrame) -> pd.DataFrame:
    """KEPT new patients ÷ Σ targets, over the clinic-months that have goal rows."""
    targets = _frame(
        NewPatientGoal.objects.filter(month__range=(first, last))
        .values_list("clinic_id", "month")
        .annotate(target=Sum("target")),
        ["clinic_id", "month", "denominator"],
    )
    if targets.empty:
        return pd.DataFrame(columns=compute.ROW_COLUMNS)
    volume = kept[kept["kpi"] == "new_patient_volume"][["clinic_id", "month", "numerator"]]
    out = targets.merge(volume, on=["clinic_id", "month"], how="left").fillna({"numerator": 0})
    out["kpi"] = "goal_attainment"
    return out.astype({"numerator": float, "denominator": float})[compute.ROW_COLUMNS]


def capacity_targets(*, first: date, last: date) -> pd.DataFrame:
    """Σ capped new-patient targets per clinic × month: new-patient volume's derived target."""
    return _frame(
        NewPatientGoal.objects.filter(month__range=(first, last))
        .values_list("clinic_id", "month")
        .annotate(target=Sum("target")),
        ["clinic_id", "month", "target"],
    )


def lag_rows(*, first: date, last: date) -> pd.DataFrame:
    """One row per held new-patient visit with a booking time: its lag in days (median KPI)."""
    rows = Appointment.objects.filter(
        local_date__range=(first, last), is_new_patient=True, status__in=HELD,
        booked_at__isnull=False,
    ).values_list("clinic_id", "local_date", "booked_at")  # fmt: skip
    frame = _frame(rows, ["clinic_id", "local_date", "booked_at"])
    if frame.empty:
        return pd.DataFrame(columns=compute.ROW_COLUMNS)
    booked = pd.to_datetime(frame["booked_at"], utc=True).dt.tz_localize(None).dt.normalize()
    visit = pd.to_datetime(frame["local_date"])
    frame["numerator"] = (visit - booked).dt.days.clip(lower=0).astype(float)
    frame["month"] = visit.dt.to_period("M").dt.start_time.dt.date
    frame["kpi"], frame["denominator"] = "lag_days", float("nan")
    return frame[compute.ROW_COLUMNS]


def return_rate_rows(*, first: date, last: date, today: date) -> pd.DataFrame:
    """90-day return and 12-month retention parts for the cohorts whose window has passed."""
    visits = _frame(
        Appointment.objects.filter(
            local_date__range=(first, last + timedelta(days=366)), status__in=KEPT
        )
        .exclude(patient_key="")
        .values_list("patient_key", "clinic_id", "local_date", "is_new_patient"),
        ["patient_key", "clinic_id", "date", "is_new_patient"],
    )
    if visits.empty:
        return pd.DataFrame(columns=compute.ROW_COLUMNS)
    new = visits[visits["is_new_patient"] & (visits["date"] <= last)]
    frames = []
    for code, days in (("return_rate_90", 90), ("retention_12m", 365)):
        rows = compute.return_rows(new, visits[["patient_key", "date"]], days, today)
        frames.append(rows.assign(kpi=code))
    return pd.concat(frames, ignore_index=True)[compute.ROW_COLUMNS]


def turnover_rows(*, months: list[date]) -> pd.DataFrame:
    providers = _frame(
        Provider.objects.exclude(home_clinic__isnull=True).values_list(
            "home_clinic_id", "hired_on", "left_on"
        ),
        ["clinic_id", "hired_on", "left_on"],
    )
    if providers.empty:
        return pd.DataFrame(columns=compute.ROW_COLUMNS)
    return compute.turnover_rows(providers, months).assign(kpi="provider_turnover")[
        compute.ROW_COLUMNS
    ]


def standardization_measurements(*, months: list[date]) -> pd.DataFrame:
    """The index per scope on the 1st of each month, weighted by providers over service lines.

    An index does not pool, so each scope is computed from its own providers (those with an
    assignment at one of its clinics that day); quarters take their latest month.
    """
    frames = supply_frames()
    providers = _frame(
        Provider.objects.values_list("pk", "service_line_id", "fte"),
        capacity_compute.PROVIDER_COLUMNS,
    )
    scopes = scope_frame()
    assignments = frames["assignments"].merge(scopes, on="clinic_id", how="left")
    out = []
    for first in months:
        week = capacity_compute.template_week(frames["assignments"], frames["blocks"], first)
        for level in compute.LEVELS:
            codes = [""] if level == "network" else scopes[level].dropna().unique()
            for code in codes:
                if level == "network":
                    chosen = week
                else:
                    ids = assignments.loc[assignments[level] == code, "provider_id"].unique()
                    chosen = week[week["provider_id"].isin(ids)]
                value = _standardization_value(chosen, providers)
                out.append(("template_standardization", level, code, first, value))
    frame = pd.DataFrame(out, columns=["kpi", "scope_type", "scope_code", "month", "value"])
    return frame


def _standardization_value(week: pd.DataFrame, providers: pd.DataFrame) -> float | None:
    if week.empty:
        return None
    table = capacity_compute.standardization(week, providers)
    table = table.dropna(subset=["index"]) if "index" in table else table.iloc[0:0]
    if table.empty:
        return None
    weights = table["providers"].astype(float) if "providers" in table else None
    if weights is None or weights.sum() == 0:
        return float(table["index"].mean())
    return float((table["index"] * weights).sum() / weights.sum())


# ---------------------------------------------------------------------------------------------
# Entered measurements, for roll-ups and derived KPIs


def entered_frame(*, codes: Iterable[str] | None = None) -> pd.DataFrame:
    qs = Measurement.objects.filter(source="entered")
    if codes is not None:
        qs = qs.filter(kpi__code__in=list(codes))
    return _frame(
        qs.values_list("kpi__code", "scope_type", "scope_code", "period", "period_start",
                       "value", "numerator", "denominator"),
        ["kpi", "scope_type", "scope_code", "period", "period_start", "value", "numerator",
         "denominator"],
    )  # fmt: skip


def measurement_frame(*, codes: Iterable[str]) -> pd.DataFrame:
    """Every stored value of the KPIs (derived KPIs read their inputs from here)."""
    return _frame(
        Measurement.objects.filter(kpi__code__in=list(codes)).values_list(
            "kpi__code", "scope_type", "scope_code", "period", "period_start", "value",
            "numerator", "denominator",
        ),
        ["kpi", "scope_type", "scope_code", "period", "period_start", "value", "numerator",
         "denominator"],
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Scorecards


@dataclass
class KpiCard:
    """One KPI on a scorecard: value, target, status, trend and the owner's notes."""

    kpi: KPI
    period: str
    value: float | None
    numerator: float | None
    denominator: float | None
    source: str
    target: Target | None
    thresholds: compute.Thresholds | None
    status: str
    trend: list[tuple[str, float | None]] = field(default_factory=list)
    notes: list[KpiNote] = field(default_factory=list)

    @property
    def target_value(self):
        if self.thresholds is None:
            return None
        return compute.target_value(self.kpi.direction, self.thresholds)

    @property
    def sparkline(self) -> str:
        return compute.trend_points([v for _p, v in self.trend])


def target_for(kpi: KPI, scope: Scope, period: compute.Period, targets=None) -> Target | None:
    """The most specific target in force: the scope's own, then each level above it. Within a
    level, among the targets whose span holds the whole period (and whose kind, if set, is the
    period's), the latest start wins, then the shortest span."""
    pool = targets if targets is not None else list(Target.objects.filter(kpi=kpi))
    for scope_type, scope_code in scope.chain:
        found = [
            t for t in pool
            if t.kpi_id == kpi.pk and t.scope_type == scope_type and t.scope_code == scope_code
            and t.period_kind in ("", period.kind) and t.period_from <= period.first
            and (t.period_to is None or t.period_to >= period.last)
        ]  # fmt: skip
        if found:
            return max(found, key=lambda t: (t.period_from, -(t.period_to or date.max).toordinal()))
    return None


def thresholds_of(target: Target | None) -> compute.Thresholds | None:
    if target is None:
        return None
    return compute.Thresholds(
        target.green_min, target.green_max, target.amber_min, target.amber_max
    )


def kpi_period(kpi: KPI, period: compute.Period) -> compute.Period:
    """A quarterly KPI read for a month shows its quarter's value."""
    if kpi.frequency == "quarter" and period.kind == compute.MONTH:
        return compute.period_of(period.first, compute.QUARTER)
    return period


def kpi_cards(
    kpis: list[KPI], scope: Scope, period: compute.Period, *, trend_length: int = 12
) -> list[KpiCard]:
    """Value, target, RAG, trend and notes of each KPI for a scope and period."""
    periods = {k.pk: compute.periods_back(kpi_period(k, period), trend_length) for k in kpis}
    labels = {p.label for ps in periods.values() for p in ps}
    stored = {
        (m.kpi_id, m.period): m
        for m in Measurement.objects.filter(
            kpi__in=kpis, scope_type=scope.type, scope_code=scope.code, period__in=labels
        )
    }
    targets = list(Target.objects.filter(kpi__in=kpis))
    notes: dict[int, list[KpiNote]] = {}
    for note in KpiNote.objects.filter(
        kpi__in=kpis, scope_type=scope.type, scope_code=scope.code,
        period__in=[kpi_period(k, period).label for k in kpis],
    ).select_related("author"):  # fmt: skip
        notes.setdefault(note.kpi_id, []).append(note)
    cards = []
    for kpi in kpis:
        own = kpi_period(kpi, period)
        row = stored.get((kpi.pk, own.label))
        target = target_for(kpi, scope, own, targets)
        thresholds = thresholds_of(target)
        value = row.value if row else None
        cards.append(
            KpiCard(
                kpi=kpi, period=own.label, value=value,
                numerator=row.numerator if row else None,
                denominator=row.denominator if row else None,
                source=row.source if row else "", target=target, thresholds=thresholds,
                status=compute.status(value, thresholds),
                trend=[
                    (p.label, getattr(stored.get((kpi.pk, p.label)), "value", None))
                    for p in periods[kpi.pk]
                ],
                notes=notes.get(kpi.pk, []),
            )
        )  # fmt: skip
    return cards


def scorecard_kpis(audience: str) -> list[KPI]:
    card = Scorecard.objects.filter(audience=audience).first()
    if card is None:
        return []
    return [item.kpi for item in card.items.select_related("kpi") if item.kpi.active]


def scorecard_get(audience: str, scope: Scope, period: compute.Period) -> list[KpiCard]:
    """A scorecard for an audience, in its configured order."""
    return kpi_cards(scorecard_kpis(audience), scope, period)


def scorecard_by_perspective(cards: list[KpiCard]) -> list[tuple[str, str, list[KpiCard]]]:
    """(perspective code, label, cards) in the balanced scorecard's order, empty ones kept."""
    return [
        (p.value, p.label, [c for c in cards if c.kpi.perspective == p.value])
        for p in (Perspective.FINANCIAL, Perspective.PATIENT, Perspective.PROCESS,
                  Perspective.LEARNING)
    ]  # fmt: skip


def scorecard_table(audience: str, scope: Scope, period: compute.Period) -> pd.DataFrame:
    """`report scorecard` (DESIGN §4): kpi, perspective, value, target, status."""
    cards = scorecard_get(audience, scope, period)
    return pd.DataFrame(
        [
            {"kpi": c.kpi.code, "perspective": c.kpi.perspective, "value": c.value,
             "target": c.target_value, "status": c.status}
            for c in cards
        ],
        columns=["kpi", "perspective", "value", "target", "status"],
    )  # fmt: skip


def red_cards(scope: Scope, period: compute.Period) -> list[KpiCard]:
    """Every active KPI that is red for the scope and period (the shared dashboard's list)."""
    kpis = list(KPI.objects.filter(active=True))
    return [c for c in kpi_cards(kpis, scope, period, trend_length=1) if c.status == compute.RED]


def kpi_children(kpi: KPI, scope: Scope, period: compute.Period) -> list[KpiCard]:
    """The KPI for each scope one level down: where a red number comes from."""
    own = kpi_period(kpi, period)
    out = []
    for child in child_scopes(scope):
        out.extend(kpi_cards([kpi], child, own, trend_length=1))
    return out


def kpi_list(*, codes: Sequence[str] | None = None) -> list[KPI]:
    """Active KPIs in dictionary order (the Definitions page), or the given ones in order."""
    if codes is not None:
        found = {k.code: k for k in KPI.objects.filter(code__in=codes)}
        return [found[c] for c in codes if c in found]
    return list(KPI.objects.filter(active=True).order_by("perspective", "name"))


def clinic_values(*, kpi: KPI, scope: Scope, period: str) -> list[tuple[str, float | None]]:
    """(clinic code, value) of the scope's clinics for one KPI and period."""
    codes = Clinic.objects.filter(pk__in=scope.clinic_ids).values_list("code", flat=True)
    return list(
        Measurement.objects.filter(
            kpi=kpi, scope_type=ScopeType.CLINIC, scope_code__in=list(codes), period=period
        ).values_list("scope_code", "value")
    )


def maturity_list() -> list[dict]:
    """Every assessment, newest first, with its scores by dimension code, overall and mean."""
    out = []
    assessments = MaturityAssessment.objects.select_related("assessed_by").prefetch_related(
        "scores__dimension"
    )
    for a in assessments:
        listed = list(a.scores.all())
        scores = {s.dimension.code: s.score for s in listed}
        overall, mean = compute.maturity_overall(scores)
        out.append({
            "assessment": a, "scores": scores, "listed": listed, "overall": overall,
            "mean": mean,
        })  # fmt: skip
    return out
