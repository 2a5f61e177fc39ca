"""The shared marketing & operations dashboard and the board pack (page, PDF, CSV, XLSX)."""

from __future__ import annotations

from urllib.parse import urlencode

import pandas as pd
import plotly.graph_objects as go
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from capacity import selectors as capacity_selectors
from capacity.charts import LAYOUT
from clinics import selectors as clinic_selectors
from clinics.models import Clinic
from marketing import charts as marketing_charts
from marketing import compute as marketing_compute
from marketing import selectors as marketing_selectors
from scorecards import compute, formatting, pack, selectors

HEADROOM_MONTHS = 3  # the dashboard's headroom: this month and the two after it
GOALS_PAST_MONTHS = 6  # goals vs. caps vs. actuals: the months before this one
SEE_ALL = "scorecards.view_measurement"  # every role reads the scorecards
HOT, COLD = "#c62828", "#3b6fb6"


def _kpi_link(code: str, scope: selectors.Scope, period: str) -> str:
    query = urlencode({"scope": scope.key, "period": period})
    return f"{reverse('scorecard-kpi', args=[code])}?{query}"


def _band_flag(utilization: float | None, clinic: Clinic) -> str:
    """Where a clinic's utilization sits against its own thresholds (DESIGN §3 hot / cold)."""
    if utilization is None or utilization != utilization:
        return "n/a"
    if utilization > float(clinic.hot_threshold):
        return "hot"
    if utilization < float(clinic.cold_threshold):
        return "cold"
    if utilization < float(clinic.band_low):
        return "below band"
    if utilization > float(clinic.band_high):
        return "above band"
    return "in band"


def utilization_band_chart(rows: list[dict], latest: str, current: str) -> str:
    """Per clinic: last month's and this month's utilization as bars over the clinic's target
    band (shaded), with its hot and cold thresholds as short lines."""

    def percent(values: list[float | None]) -> list[float | None]:
        return [None if v is None or v != v else round(v * 100, 1) for v in values]

    labels = [r["clinic"].code for r in rows]
    hover = [f"{r['clinic'].code} {r['clinic'].name}" for r in rows]
    traces = [
        go.Bar(
            name=f"{latest} (last complete month)", x=labels,
            y=percent([r["latest"] for r in rows]),
            marker_color="#2f6fdb", customdata=hover,
            hovertemplate="%{customdata}<br>" + latest + ": %{y:.1f} %<extra></extra>",
        ),
        go.Bar(
            name=f"{current} (booked so far)", x=labels,
            y=percent([r["current"] for r in rows]),
            marker_color="#9bbcf0", customdata=hover,
            hovertemplate="%{customdata}<br>" + current + ": %{y:.1f} %<extra></extra>",
        ),
        # Legend entries for the shapes below.
        go.Scatter(name="Target band", x=[None], y=[None], mode="markers",
                   marker={"symbol": "square", "size": 12, "color": "rgba(26,127,55,0.18)"}),
        go.Scatter(name="Hot", x=[None], y=[None], mode="lines",
                   line={"color": HOT, "dash": "dash"}),
        go.Scatter(name="Cold", x=[None], y=[None], mode="lines",
                   line={"color": COLD, "dash": "dash"}),
    ]  # fmt: skip
    shapes = []
    for i, r in enumerate(rows):
        clinic, x0, x1 = r["clinic"], i - 0.45, i + 0.45
        shapes.append({
            "type": "rect", "xref": "x", "yref": "y", "x0": x0, "x1": x1, "layer": "below",
            "y0": float(clinic.band_low) * 100, "y1": float(clinic.band_high) * 100,
            "fillcolor": "rgba(26,127,55,0.13)", "line": {"width": 0},
        })  # fmt: skip
        for value, colour in ((clinic.hot_threshold, HOT), (clinic.cold_threshold, COLD)):
            shapes.append({
                "type": "line", "xref": "x", "yref": "y", "x0": x0, "x1": x1,
                "y0": float(value) * 100, "y1": float(value) * 100,
                "line": {"color": colour, "width": 1.5, "dash": "dash"},
            })  # fmt: skip
    figure = go.Figure(traces)
    figure.update_layout(
        barmode="group", shapes=shapes, height=380,
        **{**LAYOUT, "hovermode": "closest",
           "yaxis": {"title": "utilization %", "gridcolor": "#eef1f5", "rangemode": "tozero"}},
    )  # fmt: skip
    return figure.to_json()


def _utilization_context(
    clinics: list[Clinic], latest: compute.Period, current: compute.Period
) -> dict:
    """Utilization of the last complete month and of this month (booked so far) per clinic."""
    if not clinics:
        return {"utilization_rows": []}
    table = capacity_selectors.utilization_per_clinic(
        first=latest.first, last=current.last, clinic_ids=[c.pk for c in clinics]
    )
    found = {(r["clinic_id"], r["period"]): r["utilization"] for r in table.to_dict("records")}
    rows = []
    for clinic in clinics:
        last_value = found.get((clinic.pk, latest.label))
        this_value = found.get((clinic.pk, current.label))
        rows.append({
            "clinic": clinic, "latest": last_value, "current": this_value,
            "latest_flag": _band_flag(last_value, clinic),
            "current_flag": _band_flag(this_value, clinic),
        })  # fmt: skip
    context: dict = {"utilization_rows": rows}
    if not table.empty:
        context["utilization_chart"] = utilization_band_chart(rows, latest.label, current.label)
    return context


def _goals_context(clinics: list[Clinic], today) -> dict:
    """Headroom for the next months per clinic, and caps, targets and kept new patients per
    month summed over the clinics (the marketing dashboard's charts, for these clinics)."""
    months = marketing_selectors.horizon(today, HEADROOM_MONTHS)
    ids = [c.pk for c in clinics]
    names = {c.code: f"{c.code} {c.name}" for c in clinics}
    context: dict = {"headroom_months": months}
    matrix = marketing_selectors.headroom_matrix(clinic_ids=ids, months=months)
    if not matrix.empty:
        context["headroom_chart"] = marketing_charts.headroom_heatmap(matrix, names)
        context["headroom_missing"] = sorted(set(names) - set(matrix.index))
    past = [marketing_compute.month_add(months[0], -k) for k in range(GOALS_PAST_MONTHS, 0, -1)]
    periods = [*past, *months]
    frame = marketing_selectors.goals_frame(clinic_ids=ids, first=periods[0], last=periods[-1])
    kept = marketing_selectors.kept_new_patients(clinic_ids=ids, first=periods[0], last=months[0])
    kept_by_month: dict[str, int] = {}
    for (_clinic, _line, period), n in kept.items():
        kept_by_month[period] = kept_by_month.get(period, 0) + n
    sums = frame.groupby("period")[["cap", "target"]].sum() if not frame.empty else None
    requested = (
        frame.dropna(subset=["requested"]).groupby("period")["requested"].sum()
        if not frame.empty else pd.Series(dtype=float)
    )  # fmt: skip
    rows = []
    for period in periods:
        stored = sums is not None and period in sums.index
        cap = float(sums.loc[period, "cap"]) if stored else float("nan")
        target = float(sums.loc[period, "target"]) if stored else float("nan")
        done = float(kept_by_month.get(period, 0)) if period <= months[0] else float("nan")
        rows.append({
            "period": period, "requested": requested.get(period), "cap": cap, "target": target,
            "kept": done, "attainment": done / target if stored and target and done == done
            else None, "current": period == months[0],
        })  # fmt: skip
    totals = pd.DataFrame(rows, columns=["period", "cap", "target", "kept"])
    context["goal_rows"] = [r for r in rows if r["cap"] == r["cap"]]
    if totals["cap"].notna().any():
        context["goals_chart"] = marketing_charts.goals_vs_cap(totals)
    context["goals_from"], context["goals_to"] = periods[0], periods[-1]
    return context


def _campaign_rows(clinics: list[Clinic], today) -> list[dict]:
    """Campaigns running today at these clinics: push / hold / pause over their months ahead,
    and where to pause this month."""
    ids = [c.pk for c in clinics]
    running = marketing_selectors.campaign_list(clinic_ids=ids).filter(
        starts_on__lte=today, ends_on__gte=today
    )
    this_month = today.strftime("%Y-%m")
    out = []
    for campaign in running.order_by("ends_on", "name"):
        table = marketing_selectors.campaign_signals(
            campaign=campaign, today=today, clinic_ids=ids
        ).rows
        counts = table["signal"].value_counts()
        now = table[table["period"] == this_month]
        out.append({
            "campaign": campaign,
            **{s: int(counts.get(s, 0)) for s in marketing_compute.SIGNALS},
            "pause_now": sorted(now.loc[now["signal"] == "pause", "clinic"]),
            "push_now": sorted(now.loc[now["signal"] == "push", "clinic"]),
            "computed": not table.empty,
        })  # fmt: skip
    return out


def _red_context(user, today) -> dict:
    """Red KPIs for the user's network or organization: monthly KPIs for the last complete
    month, quarterly ones for the last complete quarter."""
    scope = selectors.scope_get(selectors.scope_home(user))
    month = compute.periods_back(compute.period_of(today, compute.MONTH), 2)[0]
    quarter = compute.latest_complete(compute.QUARTER, today)
    monthly = [c for c in selectors.red_cards(scope, month) if c.kpi.frequency == compute.MONTH]
    quarterly = selectors.red_cards(scope, quarter)
    cards = monthly + [c for c in quarterly if c.kpi.frequency == compute.QUARTER]
    reds = [
        {"card": c, "value": formatting.value_text(c.value, c.kpi.unit),
         "target": formatting.target_text(c.kpi.direction, c.kpi.unit, c.thresholds),
         "link": _kpi_link(c.kpi.code, scope, c.period)}
        for c in cards
    ]  # fmt: skip
    return {"red_scope": scope, "red_month": month.label, "red_quarter": quarter.label,
            "reds": reds}  # fmt: skip


class SharedDashboardView(PermissionRequiredMixin, View):
    """One page for marketing and operations: utilization against each clinic's band,
    new-patient headroom, goals vs. caps vs. actuals, campaign signals and red KPIs, for the
    clinics the user may see."""

    permission_required = SEE_ALL

    def get(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        clinics = list(clinic_selectors.clinic_list(user=request.user))
        current = compute.period_of(today, compute.MONTH)
        latest = compute.periods_back(current, 2)[0]
        context: dict = {
            "clinics": clinics, "today": today, "latest": latest.label, "current": current.label,
            "campaigns": _campaign_rows(clinics, today) if clinics else [],
            **_utilization_context(clinics, latest, current),
            **(_goals_context(clinics, today) if clinics else {}),
            **_red_context(request.user, today),
        }  # fmt: skip
        return render(request, "scorecards/dashboard.html", context)


# The board pack: the board scorecard of a scope and quarter, printable and as files.


class PackRefused(Exception):
    """The board pack cannot be made for what was asked; the message says why."""


def _pack_asked(request: HttpRequest) -> tuple[selectors.Scope, compute.Period]:
    """?scope=…&period=YYYY-Qn; by default the user's network or organization and the latest
    complete quarter. PackRefused for a bad scope or period; PermissionDenied for a scope
    outside the user's organization."""
    today = timezone.localdate()
    scope_text = request.GET.get("scope") or selectors.scope_home(request.user)
    try:
        scope = selectors.scope_get(scope_text)
    except selectors.ScopeError as exc:
        raise PackRefused(f"scope: {exc}") from exc
    period_text = request.GET.get("period") or compute.latest_complete(compute.QUARTER, today).label
    try:
        period = compute.period_parse(period_text)
    except ValueError as exc:
        raise PackRefused(f"period: {exc}") from exc
    if period.kind != compute.QUARTER:
        raise PackRefused(
            f"period: the board pack is quarterly — {period.label} is a month; ask for its "
            f"quarter, {compute.quarter_label(period.first)}"
        )
    if not selectors.scope_allowed(scope, request.user):
        raise PermissionDenied(
            f"you read the scorecards of {selectors.scope_home(request.user)} only"
        )
    return scope, period


def _quarter_choices(today) -> list[tuple[str, str]]:
    current = compute.period_of(today, compute.QUARTER)
    periods = compute.periods_back(current, 9)
    return [
        (p.label, f"{p.label} (in progress)" if p == current else p.label)
        for p in reversed(periods)
    ]


class BoardPackView(PermissionRequiredMixin, View):
    """The printable board pack for a scope and quarter, with its downloads."""

    permission_required = SEE_ALL

    def get(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        context: dict = {
            "scope_choices": selectors.scope_choices(request.user),
            "quarter_choices": _quarter_choices(today),
            "asked_scope": request.GET.get("scope") or selectors.scope_home(request.user),
            "asked_period": request.GET.get("period")
            or compute.latest_complete(compute.QUARTER, today).label,
        }  # fmt: skip
        try:
            scope, period = _pack_asked(request)
        except PackRefused as exc:
            context["error"] = str(exc)
            return render(request, "scorecards/pack.html", context, status=400)
        board = pack.pack_build(scope=scope, period=period, today=today)
        query = urlencode({"scope": scope.key, "period": period.label})
        context.update(
            pack=board, query=query,
            links={k.kpi.code: _kpi_link(k.kpi.code, scope, k.card.period) for k in board.kpis},
        )  # fmt: skip
        return render(request, "scorecards/pack.html", context)


class _BoardPackFileView(PermissionRequiredMixin, View):
    permission_required = SEE_ALL
    extension = ""
    content_type = ""

    def render_file(self, board: pack.BoardPack) -> bytes | str:
        raise NotImplementedError

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            scope, period = _pack_asked(request)
        except PackRefused as exc:
            return HttpResponse(f"{exc}\n", status=400, content_type="text/plain; charset=utf-8")
        board = pack.pack_build(scope=scope, period=period, today=timezone.localdate())
        response = HttpResponse(self.render_file(board), content_type=self.content_type)
        response["Content-Disposition"] = f'attachment; filename="{board.filename(self.extension)}"'
        return response


class BoardPackPdfView(_BoardPackFileView):
    extension, content_type = "pdf", "application/pdf"

    def render_file(self, board: pack.BoardPack) -> bytes:
        return pack.pack_pdf(board)


class BoardPackCsvView(_BoardPackFileView):
    extension, content_type = "csv", "text/csv; charset=utf-8"

    def render_file(self, board: pack.BoardPack) -> str:
        return pack.pack_csv(board)


class BoardPackXlsxView(_BoardPackFileView):
    extension = "xlsx"
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def render_file(self, board: pack.BoardPack) -> bytes:
        return pack.pack_xlsx(board)
