"""The balanced scorecards, a KPI's definition and drivers, owners' notes, maturity."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from urllib.parse import urlencode

import pandas as pd
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from capacity import selectors as capacity_selectors
from clinics.models import Provider
from growthplan import roles
from scorecards import charts, compute, formatting, selectors, services
from scorecards.forms import (
    KpiNoteForm,
    MaturityForm,
)
from scorecards.models import (
    KPI,
    Aggregation,
    Audience,
    Direction,
    MaturityDimension,
    ScopeType,
    Source,
    Target,
)

READ = "scorecards.view_kpi"
ADD_NOTE = "scorecards.add_kpinote"
ADD_MATURITY = "scorecards.add_maturityassessment"
TREND_LENGTH = 24  # periods on a KPI's chart; the scorecard's sparklines show 12
WORST_CLINICS = 3  # clinics whose providers are listed under a region's or the network's KPI
STATUS_ORDER = {compute.RED: 0, compute.AMBER: 1, compute.GREEN: 2, compute.GREY: 3}
VBC_PARTS = ("net_patient_revenue", "quality_score", "operating_expense")
# Where scorecards/definitions.html explains the KPI.
DEFINITION_ANCHORS = {
    "utilization": "utilization", "kept_utilization": "utilization", "no_show_rate": "noshow",
    "late_cancel_rate": "late-cancel", "tnaa_new": "tnaa", "tnaa_established": "tnaa",
    "template_standardization": "standardization", "goal_attainment": "attainment",
    "new_patient_volume": "new-patient",
}  # fmt: skip
# What a ratio's numerator and denominator count, in words.
PARTS = {
    "utilization": ("held minutes", "available minutes"),
    "kept_utilization": ("kept minutes", "available minutes"),
    "no_show_rate": ("no-shows", "kept visits + no-shows"),
    "late_cancel_rate": ("late cancellations", "kept + no-shows + cancellations"),
    "tnaa_new": ("days to the third free slot, summed", "provider-day records"),
    "tnaa_established": ("days to the third free slot, summed", "provider-day records"),
    "np_growth_yoy": ("new patients this month − last year's", "new patients last year"),
    "goal_attainment": ("new patients kept", "capped new-patient target"),
    "return_rate_90": ("new patients back within 90 days", "new patients"),
    "retention_12m": ("new patients back within 365 days", "new patients"),
    "provider_turnover": ("providers who left", "average headcount"),
    "operating_margin": ("revenue − expense", "net patient revenue"),
}
# How values of clinics and months combine, in words (KPI.aggregation).
AGGREGATION_WORDS = {
    Aggregation.RATIO: "Regions, the network and quarters add up the numerators and the "
    "denominators of their clinics and months, then divide: never an average of rates.",
    Aggregation.SUM: "Regions, the network and quarters add up their clinics' and months' values.",
    Aggregation.HEADCOUNT: "Leavers in the period ÷ average headcount (provider-days ÷ days in "
    "the period), both summed over the clinics before dividing.",
    Aggregation.MEDIAN: "Each scope takes the median of its own observations; medians do not add "
    "up, so a region's is not worked out from its clinics'.",
    Aggregation.LATEST: "Each scope is computed from its own providers; a quarter reads its "
    "latest month.",
    Aggregation.NONE: "Measured only where it is entered or derived; it does not roll up.",
}
# Provider figure that explains each utilization KPI (capacity.selectors.REPORT_FIGURES).
PROVIDER_FIGURE = {
    "utilization": "utilization", "kept_utilization": "kept_utilization",
    "no_show_rate": "noshow_rate", "late_cancel_rate": "late_cancellations",
}  # fmt: skip


def _severity(value: float | None, direction: str, t: compute.Thresholds | None):
    """Sort key, worst first: red before amber before green before no data; within a status,
    the furthest on the wrong side first."""
    status = compute.status(value, t)
    if formatting.missing(value):
        return (STATUS_ORDER[status], 0.0)
    if direction == Direction.HIGHER:
        gap = -value
    elif direction == Direction.LOWER:
        gap = value
    elif t is not None and t.green_min is not None and t.green_max is not None:
        gap = max(t.green_min - value, value - t.green_max)
    else:
        gap = 0.0
    return (STATUS_ORDER[status], -gap)


def _period_options(today: date) -> list[str]:
    """Recent periods offered by the picker: 8 quarters and 12 months, newest first."""
    quarters = compute.periods_back(compute.latest_complete(compute.QUARTER, today), 8)
    months = compute.periods_back(compute.latest_complete(compute.MONTH, today), 12)
    return [p.label for p in reversed(quarters)] + [p.label for p in reversed(months)]


def _scope_and_period(
    scope_text: str | None, period_text: str | None, *, kind: str, today: date, user
) -> tuple[selectors.Scope | None, compute.Period | None, list[str]]:
    """The asked scope and period, or the reasons they cannot be read."""
    errors = []
    scope = period = None
    try:
        scope = selectors.scope_get(scope_text, user=user)
    except selectors.ScopeError as exc:
        errors.append(f"Scope: {exc}.")
    if period_text:
        try:
            period = compute.period_parse(period_text)
        except ValueError as exc:
            errors.append(f"Period: {exc}.")
    else:
        period = compute.latest_complete(kind, today)
    return scope, period, errors


def _picker(scope_text: str, period_text: str, hidden: dict[str, str], user) -> dict:
    return {
        "choices": selectors.scope_choices(user), "scope": scope_text, "period": period_text,
        "periods": _period_options(timezone.localdate()), "hidden": hidden,
    }  # fmt: skip


def may_note(user, kpi: KPI) -> bool:
    """The KPI's owner role, or an administrator, may write its notes."""
    held = roles.roles_of(user)
    return user.has_perm(ADD_NOTE) and (kpi.owner in held or roles.ADMINISTRATOR in held)


def _grey_reason(card: selectors.KpiCard) -> str:
    """Why a KPI has no colour, in words."""
    kpi = card.kpi
    if not card.source:
        closes = compute.cohort_closes(kpi.code, compute.period_parse(card.period))
        if closes is not None and closes > timezone.localdate():
            return (
                f"Counted once the last return window of {card.period}'s new patients closes, "
                f"on {closes:%Y-%m-%d}."
            )
        if kpi.source == Source.COMPUTED:
            return (
                f"Not computed for {card.period}: no data for this scope yet, or the refresh "
                "after the nightly recompute has not run."
            )
        if kpi.source == Source.DERIVED:
            return f"Not derived for {card.period}: the KPIs it is made of are not entered yet."
        return f"No value entered for {card.period} yet."
    if formatting.missing(card.value):
        return f"n/a for {card.period}: nothing to divide by (the denominator is zero)."
    return "No target set for this scope and period, so no colour."


def _card_row(card: selectors.KpiCard, page_period: compute.Period, user) -> dict:
    kpi = card.kpi
    return {
        "card": card, "kpi": kpi,
        "value": formatting.value_text(card.value, kpi.unit),
        "target": formatting.target_text(kpi.direction, kpi.unit, card.thresholds),
        "target_source": card.target.source if card.target else "",
        "status": card.status,
        "grey_reason": _grey_reason(card) if card.status == compute.GREY else "",
        "other_period": card.period != page_period.label,
        "waiting": card.status == compute.RED and not card.notes,
        "can_note": card.status == compute.RED and may_note(user, kpi),
    }  # fmt: skip


def _vbc_parts(scope: selectors.Scope, period_label: str) -> list[dict]:
    """Revenue, quality and expense for the VBC index's quarter, shown beside it."""
    kpis = selectors.kpi_list(codes=VBC_PARTS)
    cards = selectors.kpi_cards(kpis, scope, compute.period_parse(period_label), trend_length=1)
    return [{"kpi": c.kpi, "value": formatting.value_text(c.value, c.kpi.unit)} for c in cards]


def _query_url(name: str, *args: str, **params: str) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return reverse(name, args=args) + (f"?{query}" if query else "")


def _audience_default(audience: str) -> str:
    return compute.QUARTER if audience == Audience.BOARD else compute.MONTH


def scorecard_page(
    request: HttpRequest,
    *,
    audience: str,
    scope_text: str,
    period_text: str,
    note_errors: dict[str, list[str]] | None = None,
    note_posted: dict[str, str] | None = None,
    extra_errors: Iterable[str] = (),
    status: int = 200,
) -> HttpResponse:
    """A scorecard for an audience, scope and period, or the reasons it cannot be shown."""
    today = timezone.localdate()
    errors = list(extra_errors)
    if audience not in Audience.values:
        errors.append(f"Audience: {audience[:20]!r} is not one of board, operations, marketing.")
        audience = Audience.BOARD
    scope, period, problems = _scope_and_period(
        scope_text,
        period_text,
        kind=_audience_default(audience),
        today=today,
        user=request.user,
    )
    errors += problems
    scope_key = scope.key if scope else scope_text
    context: dict = {
        "audience": audience, "audience_label": Audience(audience).label,
        "tabs": [
            (a.value, a.label, _query_url("scorecard", audience=a.value, scope=scope_key,
                                          period=period_text))
            for a in Audience
        ],
        "picker": _picker(scope_key, period.label if period else period_text,
                          {"audience": audience}, request.user),
        "errors": errors, "scope": scope, "period": period,
    }  # fmt: skip
    if errors:
        return render(request, "scorecards/scorecard.html", context, status=400)
    cards = selectors.scorecard_get(audience, scope, period)
    rows = {c.kpi.code: _card_row(c, period, request.user) for c in cards}
    for code, row in rows.items():
        row["url"] = _query_url("scorecard-kpi", code, scope=scope.key, period=period.label)
        mine = bool((note_errors or {}).get(code))
        row["note_form"] = KpiNoteForm(note_posted if mine else None, auto_id=f"note-{code}-%s")
        row["note_errors"] = (note_errors or {}).get(code, [])
        if code == "vbc_index":
            row["parts"] = _vbc_parts(scope, row["card"].period)
    context.update(
        perspectives=[
            (code, label, [rows[c.kpi.code] for c in group])
            for code, label, group in selectors.scorecard_by_perspective(cards)
        ],
        measured=any(c.source for c in cards),
        red=sum(c.status == compute.RED for c in cards),
        counts={s: sum(c.status == s for c in cards) for s in STATUS_ORDER},
        children=[
            (child, _query_url("scorecard", audience=audience, scope=child.key,
                               period=period_text))
            for child in selectors.child_scopes(scope)
        ],
        network_url=_query_url("scorecard", audience=audience, period=period_text),
        period_text=period_text,
    )  # fmt: skip
    if audience == Audience.BOARD:
        history = selectors.maturity_list()
        context["maturity"] = history[0] if history else None
        context["dimensions"] = list(MaturityDimension.objects.all())
    return render(request, "scorecards/scorecard.html", context, status=status)


class ScorecardView(PermissionRequiredMixin, View):
    """The balanced scorecard of an audience for a scope and period: four perspectives, each
    KPI with value, target, red / amber / green, trend and the owner's notes."""

    permission_required = READ

    def get(self, request: HttpRequest) -> HttpResponse:
        return scorecard_page(
            request,
            audience=request.GET.get("audience") or Audience.BOARD,
            scope_text=request.GET.get("scope") or selectors.scope_home(request.user),
            period_text=(request.GET.get("period") or "").strip(),
        )


class KpiNoteView(PermissionRequiredMixin, View):
    """The owner's note or action on a red KPI; board members read notes, never write them."""

    permission_required = (READ, ADD_NOTE)

    def post(self, request: HttpRequest, code: str) -> HttpResponse:
        kpi = get_object_or_404(KPI, code=code)
        if not may_note(request.user, kpi):
            raise PermissionDenied(
                f"notes on {kpi.name} come from {kpi.get_owner_display().lower()} or an "
                "administrator"
            )
        audience = request.POST.get("audience") or Audience.BOARD
        scope_text = request.POST.get("scope") or selectors.scope_home(request.user)
        page_period = (request.POST.get("page_period") or "").strip()
        page = {"audience": audience, "scope_text": scope_text, "period_text": page_period}
        form = KpiNoteForm(request.POST)
        try:
            scope = selectors.scope_get(scope_text, user=request.user)
        except selectors.ScopeError as exc:
            return scorecard_page(request, **page, extra_errors=[f"Scope: {exc}."], status=400)
        if not form.is_valid():
            errors = [f"{form.fields[f].label}: {e}" for f, es in form.errors.items() for e in es]
            return scorecard_page(
                request, **page, note_errors={code: errors}, note_posted=request.POST,
                status=400,
            )  # fmt: skip
        try:
            services.note_add(
                kpi=kpi, scope_type=scope.type, scope_code=scope.code,
                period=request.POST.get("period", ""), text=form.cleaned_data["text"],
                action=form.cleaned_data["action"], user=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            errors = [f"{field}: {m}" for field, ms in exc.message_dict.items() for m in ms]
            return scorecard_page(
                request, **page, note_errors={code: errors}, note_posted=request.POST,
                status=400,
            )  # fmt: skip
        messages.success(request, f"Note added to {kpi.name} for {scope.label}.")
        url = _query_url("scorecard", audience=audience, scope=scope.key, period=page_period)
        return redirect(f"{url}#kpi-{kpi.code}")


# KPI detail: definition, targets, trend and drivers


def _chart(kpi: KPI, scope: selectors.Scope, card: selectors.KpiCard) -> str:
    pool = list(Target.objects.filter(kpi=kpi))
    # Periods before the first value are left off: the chart starts where the data does.
    first = next(i for i, (_p, v) in enumerate(card.trend) if v is not None)
    trend = card.trend[first:]
    periods = [label for label, _v in trend]
    thresholds = [
        selectors.thresholds_of(selectors.target_for(kpi, scope, compute.period_parse(label), pool))
        for label in periods
    ]
    values = [v for _p, v in trend]
    return charts.kpi_trend(
        periods, values, thresholds, unit=kpi.unit, direction=kpi.direction,
        labels=[formatting.value_text(v, kpi.unit) for v in values],
    )  # fmt: skip


def _child_rows(
    kpi: KPI, scope: selectors.Scope, own: compute.Period
) -> list[tuple[selectors.Scope, selectors.KpiCard]]:
    """The KPI one level down, worst first."""
    pairs = list(zip(selectors.child_scopes(scope), selectors.kpi_children(kpi, scope, own),
                     strict=True))  # fmt: skip
    return sorted(pairs, key=lambda p: _severity(p[1].value, kpi.direction, p[1].thresholds))


def _worst_clinics(
    kpi: KPI, scope: selectors.Scope, own: compute.Period, card: selectors.KpiCard
) -> list[tuple[selectors.Scope, selectors.KpiCard]]:
    """The clinics behind a region's or the network's number: up to WORST_CLINICS that are not
    green, worst first. Clinics are ranked against the scope's own target, then read with
    their own, so a large network costs one query plus a few cards."""
    measured = selectors.clinic_values(kpi=kpi, scope=scope, period=own.label)
    ranked = sorted(measured, key=lambda m: _severity(m[1], kpi.direction, card.thresholds))
    out = []
    for clinic_code, _value in ranked[: WORST_CLINICS * 2]:
        clinic = selectors.scope_get(f"clinic:{clinic_code}")
        [clinic_card] = selectors.kpi_cards([kpi], clinic, own, trend_length=1)
        if clinic_card.status in (compute.RED, compute.AMBER):
            out.append((clinic, clinic_card))
    out.sort(key=lambda p: _severity(p[1].value, kpi.direction, p[1].thresholds))
    return out[:WORST_CLINICS]


def _utilization_providers(
    kpi: KPI, clinic: selectors.Scope, card: selectors.KpiCard, own: compute.Period
) -> list[dict]:
    table = capacity_selectors.utilization_per_provider_at(
        first=own.first, last=own.last, clinic_id=clinic.clinic_ids[0]
    )
    figure = PROVIDER_FIGURE.get(kpi.code, "utilization")
    rows = []
    for r in table.to_dict("records"):
        value = None if formatting.missing(r[figure]) else float(r[figure])
        rate = figure != "late_cancellations"
        rows.append({
            **r, "figure": value, "available": formatting.plain(r["available_minutes"]),
            "booked": formatting.plain(r["booked_minutes"]),
            "status": compute.status(value, card.thresholds) if rate else "",
            "key": _severity(value, kpi.direction, card.thresholds) if rate
            else (0, -(value or 0)),
        })  # fmt: skip
    return sorted(rows, key=lambda r: r["key"])


def _access_providers(
    kpi: KPI, clinic: selectors.Scope, card: selectors.KpiCard, own: compute.Period
) -> list[dict]:
    """Mean TNAA per provider over the period's uncensored provider-day records."""
    records = capacity_selectors.tnaa_frame(
        first=own.first, last=own.last, clinic_ids=list(clinic.clinic_ids)
    )
    new = kpi.code != "tnaa_established"
    records = records[records["is_new_patient"] == new] if not records.empty else records
    if records.empty:
        return []
    counted = records[~records["censored"].astype(bool) & records["days"].notna()]
    per = pd.DataFrame({
        "days": counted.groupby("provider_id")["days"].mean(),
        "records": counted.groupby("provider_id")["days"].size(),
        "censored": records.groupby("provider_id")["censored"].sum(),
    }).fillna({"records": 0, "censored": 0})  # fmt: skip
    names = {
        p.pk: p for p in Provider.objects.filter(pk__in=[int(i) for i in per.index])
    }  # fmt: skip
    is_tnaa = kpi.code.startswith("tnaa")
    rows = []
    for provider_id, r in per.iterrows():
        days = None if formatting.missing(r["days"]) else float(r["days"])
        provider = names.get(int(provider_id))
        rows.append({
            "provider": provider.name if provider else "—", "credential":
            provider.credential if provider else "", "npi": provider.npi if provider else "",
            "days": days, "records": int(r["records"]), "censored": int(r["censored"]),
            "status": compute.status(days, card.thresholds) if is_tnaa else "",
        })  # fmt: skip
    return sorted(rows, key=lambda r: -(r["days"] if r["days"] is not None else -1))


def _providers_behind(
    kpi: KPI, scope: selectors.Scope, own: compute.Period, card: selectors.KpiCard
) -> list[dict]:
    """For utilization and access KPIs: the providers at the clinic, or at the worst clinics
    of a region, organization or the network."""
    if kpi.drivers not in ("utilization", "access"):
        return []
    if scope.type == ScopeType.CLINIC:
        clinics = [(scope, card)]
    else:
        clinics = _worst_clinics(kpi, scope, own, card)
    read = _utilization_providers if kpi.drivers == "utilization" else _access_providers
    return [
        {"scope": clinic, "card": clinic_card, "providers": read(kpi, clinic, clinic_card, own),
         "value": formatting.value_text(clinic_card.value, kpi.unit),
         "url": _query_url("scorecard-kpi", kpi.code, scope=clinic.key, period=own.label)}
        for clinic, clinic_card in clinics
    ]  # fmt: skip


def _targets(kpi: KPI, in_force: Target | None) -> list[dict]:
    return [
        {"target": t, "in_force": in_force is not None and t.pk == in_force.pk,
         "scope": "Network" if t.scope_type == ScopeType.NETWORK
         else f"{t.get_scope_type_display()} {t.scope_code}",
         "headline": formatting.target_text(kpi.direction, kpi.unit, selectors.thresholds_of(t)),
         "words": formatting.thresholds_words(kpi.unit, selectors.thresholds_of(t))}
        for t in Target.objects.filter(kpi=kpi).select_related("set_by").order_by(
            "scope_type", "scope_code", "-period_from"
        )
    ]  # fmt: skip


class KpiDetailView(PermissionRequiredMixin, View):
    """One KPI for a scope and period: what it means, its targets, 24 periods of trend, and
    what drives it — the scopes one level down, worst first, and the providers behind it."""

    permission_required = READ

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        kpi = get_object_or_404(KPI, code=code)
        scope_text = request.GET.get("scope") or selectors.scope_home(request.user)
        period_text = (request.GET.get("period") or "").strip()
        scope, period, errors = _scope_and_period(
            scope_text,
            period_text,
            kind=kpi.frequency,
            today=timezone.localdate(),
            user=request.user,
        )
        scope_key = scope.key if scope else scope_text
        context: dict = {
            "kpi": kpi, "errors": errors, "scope": scope,
            "picker": _picker(
                scope_key, period.label if period else period_text, {}, request.user
            ),
            "definition_anchor": DEFINITION_ANCHORS.get(kpi.code, ""),
            "aggregation_words": AGGREGATION_WORDS.get(kpi.aggregation, ""),
            "scorecard_url": _query_url("scorecard", scope=scope_key, period=period_text),
        }  # fmt: skip
        if errors:
            return render(request, "scorecards/kpi_detail.html", context, status=400)
        own = selectors.kpi_period(kpi, period)
        [card] = selectors.kpi_cards([kpi], scope, own, trend_length=TREND_LENGTH)
        children = [
            {"scope": child, "card": c, "value": formatting.value_text(c.value, kpi.unit),
             "target": formatting.target_text(kpi.direction, kpi.unit, c.thresholds),
             "url": _query_url("scorecard-kpi", kpi.code, scope=child.key, period=own.label)}
            for child, c in _child_rows(kpi, scope, own)
        ]  # fmt: skip
        ratio = kpi.aggregation in (Aggregation.RATIO, Aggregation.HEADCOUNT)
        context.update(
            period=period, own=own, card=card,
            value=formatting.value_text(card.value, kpi.unit),
            target=formatting.target_text(kpi.direction, kpi.unit, card.thresholds),
            words=formatting.thresholds_words(kpi.unit, card.thresholds),
            grey_reason=_grey_reason(card) if card.status == compute.GREY else "",
            parts=PARTS.get(kpi.code, ("numerator", "denominator")) if ratio else None,
            numerator=formatting.plain(card.numerator),
            denominator=formatting.plain(card.denominator),
            targets=_targets(kpi, card.target),
            chart=_chart(kpi, scope, card) if any(v is not None for _p, v in card.trend)
            else "",
            children=children,
            behind=_providers_behind(kpi, scope, own, card),
            vbc_parts=_vbc_parts(scope, own.label) if kpi.code == "vbc_index" else [],
            can_note=may_note(request.user, kpi),
            from_month=compute.month_label(own.first),
            to_month=compute.month_label(own.last),
        )  # fmt: skip
        return render(request, "scorecards/kpi_detail.html", context)


# The alignment maturity assessment


class MaturityView(PermissionRequiredMixin, View):
    """The rubric, the latest assessment and its history; administrators record new ones."""

    permission_required = READ

    def has_permission(self) -> bool:
        wanted = [READ, ADD_MATURITY] if self.request.method == "POST" else [READ]
        return self.request.user.has_perms(wanted)

    def form(self, data=None) -> MaturityForm:
        return MaturityForm(
            data, dimensions=MaturityDimension.objects.all(), today=timezone.localdate()
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        form = self.form() if request.user.has_perm(ADD_MATURITY) else None
        return self.page(request, form)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self.form(request.POST)
        if not form.is_valid():
            return self.page(request, form, status=400)
        try:
            assessment = services.maturity_save(
                assessed_on=form.cleaned_data["assessed_on"], scores=form.scores(),
                notes=form.cleaned_data["notes"], user=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            form.add_service_errors(exc.message_dict)
            return self.page(request, form, status=400)
        overall, mean = compute.maturity_overall(form.scores())
        messages.success(
            request,
            f"Assessment of {assessment.assessed_on:%Y-%m-%d} saved: overall {overall} "
            f"(the lowest domain), mean {mean:.1f}.",
        )
        return redirect("scorecard-maturity")

    def page(self, request: HttpRequest, form: MaturityForm | None, status: int = 200):
        dimensions = list(MaturityDimension.objects.all())
        history = selectors.maturity_list()
        chart = ""
        if history:
            ordered = list(reversed(history))
            chart = charts.maturity_history(
                [f"{h['assessment'].assessed_on:%Y-%m-%d}" for h in ordered],
                {d.name: [h["scores"].get(d.code) for h in ordered] for d in dimensions},
                [h["overall"] for h in ordered],
            )
        rubric = [(d, sorted(d.rubric.items(), key=lambda item: int(item[0]))) for d in dimensions]
        for h in history:
            h["cells"] = [h["scores"].get(d.code) for d in dimensions]
        context = {
            "dimensions": dimensions, "rubric": rubric, "history": history,
            "latest": history[0] if history else None, "chart": chart, "form": form,
        }  # fmt: skip
        return render(request, "scorecards/maturity.html", context, status=status)
