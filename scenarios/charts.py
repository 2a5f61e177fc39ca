"""Tables and plotly figures of the scenario pages: plain functions from a run's stored
results (services.scenario_compute) to month totals and figure JSON.

Totals sum minutes and caps over clinics, then divide: a total's utilization is the summed
forecast over the summed available minutes (DESIGN §3), never a mean of clinics' ratios.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from capacity.charts import LAYOUT

CURRENT = "#8b96a3"
SCENARIO = "#1f6feb"
BAND = "rgba(26, 127, 55, 0.12)"
HOT = "#c62828"
# One colour per compared scenario, the current plan grey.
SERIES = ("#1f6feb", "#c2571a", "#6b3fa0")
SUMMED = (
    "available_minutes_current", "available_minutes_scenario", "forecast_minutes",
    "unutilized_minutes_current", "unutilized_minutes_scenario", "np_cap_current",
    "np_cap_scenario",
)  # fmt: skip
TOTAL_COLUMNS = [
    "period", "available_minutes_current", "available_minutes_scenario",
    "available_minutes_change", "forecast_minutes", "utilization_current",
    "utilization_scenario", "utilization_change", "unutilized_minutes_current",
    "unutilized_minutes_scenario", "unutilized_minutes_change", "np_cap_current",
    "np_cap_scenario", "np_cap_change",
]  # fmt: skip


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _with_ratios(frame: pd.DataFrame) -> pd.DataFrame:
    for side in ("current", "scenario"):
        frame[f"utilization_{side}"] = [
            _ratio(f, a)
            for f, a in zip(frame["forecast_minutes"], frame[f"available_minutes_{side}"],
                            strict=True)
        ]  # fmt: skip
    frame["utilization_change"] = [
        None if a is None or b is None else b - a
        for a, b in zip(frame["utilization_current"], frame["utilization_scenario"], strict=True)
    ]
    for name in ("available_minutes", "unutilized_minutes", "np_cap"):
        frame[f"{name}_change"] = frame[f"{name}_scenario"] - frame[f"{name}_current"]
    return frame


def month_totals(
    rows: Iterable[Mapping[str, Any]], clinics: Iterable[str] | None = None
) -> pd.DataFrame:
    """Per month, summed over the clinics (all of the rows', or `clinics`): TOTAL_COLUMNS."""
    frame = pd.DataFrame.from_records(list(rows))
    if frame.empty:
        return pd.DataFrame(columns=TOTAL_COLUMNS)
    if clinics is not None:
        frame = frame[frame["clinic"].isin(list(clinics))]
    summed = frame.groupby("period", as_index=False)[list(SUMMED)].sum().sort_values("period")
    return _with_ratios(summed.reset_index(drop=True))[TOTAL_COLUMNS]


def horizon_total(totals: pd.DataFrame) -> dict[str, Any]:
    """The whole horizon: minutes and caps summed over months, utilization divided after."""
    summed = pd.DataFrame([{c: float(totals[c].sum()) for c in SUMMED}])
    summed["period"] = "total"
    return _with_ratios(summed)[TOTAL_COLUMNS].to_dict("records")[0]


# ---------------------------------------------------------------------------------------------
# One scenario


@dataclass(frozen=True)
class View:
    """What one chart shows at a time: all reached clinics, or one of them."""

    label: str
    totals: pd.DataFrame  # month_totals
    band: tuple[float, float] | None  # the target band, fractions
    hot: float | None


def _figure(views: Sequence[View], traces: Any, yaxis: dict[str, Any], shapes: Any = None) -> str:
    """Traces for each view, one view shown at a time; a menu picks the view when there are
    several (a scenario reaching several clinics)."""
    data, owner = [], []
    for n, view in enumerate(views):
        for trace in traces(view):
            trace.visible = n == 0
            data.append(trace)
            owner.append(n)
    figure = go.Figure(data)
    layout = {
        **LAYOUT, "yaxis": {"gridcolor": "#eef1f5", **yaxis}, "barmode": "group",
        "xaxis": {**LAYOUT["xaxis"], "showgrid": False},
    }  # fmt: skip
    view_shapes = [shapes(v) if shapes else [] for v in views]
    layout["shapes"] = view_shapes[0] if views else []
    if len(views) > 1:
        layout["updatemenus"] = [
            {
                "buttons": [
                    {"label": v.label, "method": "update",
                     "args": [{"visible": [o == n for o in owner]}, {"shapes": view_shapes[n]}]}
                    for n, v in enumerate(views)
                ],
                "direction": "down", "x": 1, "xanchor": "right", "y": 1.25, "yanchor": "top",
                "showactive": True, "bgcolor": "white", "bordercolor": "#c5ced8",
            }
        ]  # fmt: skip
        layout["margin"] = {**LAYOUT["margin"], "t": 60}
        layout["legend"] = {"orientation": "h", "y": 1.12, "x": 0}
    figure.update_layout(**layout)
    return figure.to_json()


def _values(frame: pd.DataFrame, column: str, scale: float = 1.0) -> list[float | None]:
    return [None if v is None or v != v else float(v) * scale for v in frame[column]]


def _bars(figure: str, unit: str = "") -> Any:
    """Traces of one figure by month: the current plan's bars beside the scenario's."""

    def traces(view: View) -> list[Any]:
        periods = view.totals["period"].tolist()
        return [
            go.Bar(name="Current plan", x=periods, marker_color=CURRENT,
                   y=_values(view.totals, f"{figure}_current")),
            go.Bar(name="Scenario", x=periods, marker_color=SCENARIO,
                   y=_values(view.totals, f"{figure}_scenario"),
                   customdata=_values(view.totals, f"{figure}_change"),
                   hovertemplate=f"%{{y:,.0f}}{unit} (%{{customdata:+,.0f}})"
                   "<extra>Scenario</extra>"),
        ]  # fmt: skip

    return traces


def available_minutes(views: Sequence[View]) -> str:
    """Available minutes by month, current plan beside the scenario."""
    return _figure(
        views, _bars("available_minutes", " min"), {"title": "minutes", "tickformat": ",.0f"}
    )


def utilization(views: Sequence[View]) -> str:
    """Expected utilization by month (the forecast over available minutes), current plan and
    scenario, over the clinic's target band and its hot threshold."""

    def traces(view: View) -> list[Any]:
        periods = view.totals["period"].tolist()
        return [
            go.Scatter(name="Current plan", x=periods, mode="lines+markers",
                       y=_values(view.totals, "utilization_current", 100),
                       line={"color": CURRENT, "width": 2, "dash": "dash"},
                       hovertemplate="%{y:.1f} %<extra>Current plan</extra>"),
            go.Scatter(name="Scenario", x=periods, mode="lines+markers",
                       y=_values(view.totals, "utilization_scenario", 100),
                       line={"color": SCENARIO, "width": 3},
                       hovertemplate="%{y:.1f} %<extra>Scenario</extra>"),
        ]  # fmt: skip

    def shapes(view: View) -> list[dict[str, Any]]:
        out = []
        if view.band is not None:
            low, high = view.band
            out.append(
                {"type": "rect", "xref": "paper", "x0": 0, "x1": 1, "y0": low * 100,
                 "y1": high * 100, "fillcolor": BAND, "line": {"width": 0}, "layer": "below",
                 "label": {"text": "target band", "textposition": "top left",
                           "font": {"size": 11, "color": "#1a7f37"}}}
            )  # fmt: skip
        if view.hot is not None:
            out.append(
                {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": view.hot * 100,
                 "y1": view.hot * 100, "line": {"color": HOT, "width": 1, "dash": "dot"},
                 "label": {"text": f"hot > {view.hot:.0%}", "textposition": "end",
                           "font": {"size": 11, "color": HOT}}}
            )  # fmt: skip
        return out

    # The axis spans the lines and the band with some air, not 0–100: a few points of
    # utilization are the story.
    seen = [
        v
        for view in views
        for c in ("utilization_current", "utilization_scenario")
        for v in _values(view.totals, c, 100)
        if v is not None
    ]
    edges = [e * 100 for view in views for e in (*(view.band or ()), view.hot or 0) if e]
    low = max(0.0, min([*seen, *edges, 100.0]) - 10)
    high = max([*seen, *edges, 50.0]) + 8
    return _figure(views, traces, {"title": "%", "ticksuffix": " %", "range": [low, high]}, shapes)


def np_caps(views: Sequence[View]) -> str:
    """New-patient caps by month (summed over service lines), current plan and scenario."""
    return _figure(views, _bars("np_cap"), {"title": "new patients a month", "tickformat": ",.0f"})


# ---------------------------------------------------------------------------------------------
# Compare


@dataclass(frozen=True)
class Compared:
    """One compared scenario: its label and its month totals over its own clinics."""

    label: str
    totals: pd.DataFrame


def compare(items: Sequence[Compared], metric: str, *, shared_current: bool) -> str:
    """One metric by month for every compared scenario beside the current plan: a single
    current-plan series when the scenarios reach the same clinics and months, else each
    scenario's own current plan, dashed in its colour.

    `metric` is available_minutes, utilization or np_cap."""
    scale = 100 if metric == "utilization" else 1
    bars = metric == "np_cap"
    periods = sorted({p for item in items for p in item.totals["period"]})
    data = []

    def series(frame: pd.DataFrame, column: str) -> list[float | None]:
        by = dict(zip(frame["period"], _values(frame, column, scale), strict=True))
        return [by.get(p) for p in periods]

    hover = "%{y:.1f} %" if metric == "utilization" else "%{y:,.0f}"
    if shared_current and items:
        current = series(items[0].totals, f"{metric}_current")
        data.append(
            go.Bar(name="Current plan", x=periods, y=current, marker_color=CURRENT,
                   hovertemplate=hover)
            if bars
            else go.Scatter(name="Current plan", x=periods, y=current, mode="lines+markers",
                            line={"color": CURRENT, "width": 2, "dash": "dash"},
                            hovertemplate=hover)
        )  # fmt: skip
    for n, item in enumerate(items):
        color = SERIES[n % len(SERIES)]
        if not shared_current:
            current = series(item.totals, f"{metric}_current")
            name = f"{item.label} — current plan"
            data.append(
                go.Bar(name=name, x=periods, y=current, marker_color=color, opacity=0.35,
                       hovertemplate=hover)
                if bars
                else go.Scatter(name=name, x=periods, y=current, mode="lines",
                                line={"color": color, "width": 1.5, "dash": "dash"},
                                hovertemplate=hover)
            )  # fmt: skip
        values = series(item.totals, f"{metric}_scenario")
        data.append(
            go.Bar(name=item.label, x=periods, y=values, marker_color=color,
                   hovertemplate=hover)
            if bars
            else go.Scatter(name=item.label, x=periods, y=values, mode="lines+markers",
                            line={"color": color, "width": 3}, hovertemplate=hover)
        )  # fmt: skip
    yaxis: dict[str, Any] = {"gridcolor": "#eef1f5", "rangemode": "tozero"}
    if metric == "utilization":
        seen = [v for trace in data for v in trace.y if v is not None] or [100.0]
        yaxis.update(
            title="%", ticksuffix=" %", range=[max(0.0, min(seen) - 10), max(seen) + 8],
            rangemode="normal",
        )  # fmt: skip
    elif metric == "np_cap":
        yaxis.update(title="new patients a month", tickformat=",.0f")
    else:
        yaxis.update(title="minutes", tickformat=",.0f")
    figure = go.Figure(data)
    figure.update_layout(
        **{**LAYOUT, "legend": {"orientation": "h", "y": -0.15, "x": 0}},
        yaxis=yaxis, barmode="group", height=380,
    )  # fmt: skip
    figure.update_layout(margin={**LAYOUT["margin"], "b": 80})
    return figure.to_json()
