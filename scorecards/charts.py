"""Plotly figures for the scorecard pages: plain functions from selector values to figure JSON."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from capacity.charts import LAYOUT
from scorecards import compute

STATUS_COLOURS = {
    compute.GREEN: "#1a7f37",
    compute.AMBER: "#b35900",
    compute.RED: "#c62828",
    compute.GREY: "#8b96a3",
}
GREEN_FILL = "rgba(26, 127, 55, 0.13)"
AMBER_LINE = "#d08a2f"
VALUE_LINE = "#14213d"
# Fractions are drawn in percent, as the pages print them.
SCALE = {"fraction": 100.0}
AXIS_TITLE = {"fraction": "%", "currency": "USD", "count": "count", "days": "days", "index": ""}
# Amounts read against zero; rates, days and indexes are drawn where their values lie.
FROM_ZERO = {"count", "currency"}
DIMENSION_COLOURS = ["#2f6fdb", "#8e44ad", "#16a085", "#d35400", "#7f8c8d"]


def _scaled(values: Sequence[float | None], unit: str) -> list[float | None]:
    factor = SCALE.get(unit, 1.0)
    return [None if v is None or v != v else v * factor for v in values]


def kpi_trend(
    periods: Sequence[str],
    values: Sequence[float | None],
    thresholds: Sequence[compute.Thresholds | None],
    *,
    unit: str,
    direction: str,
    labels: Sequence[str],
) -> str:
    """A KPI's value per period over its green zone, each point coloured by its status.

    `thresholds[i]` is the target in force for `periods[i]` (None: no target, no zone drawn
    there). The green zone is the band for a band KPI, everything from the green edge up for
    higher-is-better and down to zero for lower-is-better; amber edges are dotted lines.
    `labels` are the values as the page prints them, for hovering.
    """
    ys = _scaled(values, unit)

    def edge(name: str) -> list[float | None]:
        return _scaled([getattr(t, name) if t else None for t in thresholds], unit)

    green_min, green_max = edge("green_min"), edge("green_max")
    amber_min, amber_max = edge("amber_min"), edge("amber_max")
    present = [v for v in [*ys, *green_min, *green_max, *amber_min, *amber_max] if v is not None]
    top = max(present) * 1.15 if present and max(present) > 0 else 1.0
    if direction == compute.HIGHER:
        low, high = green_min, [top if g is not None else None for g in green_min]
    elif direction == compute.LOWER:
        low, high = [0.0 if g is not None else None for g in green_max], green_max
    else:
        low, high = green_min, green_max
    traces = [
        go.Scatter(
            x=list(periods), y=low, mode="lines", line={"width": 0, "shape": "hvh"},
            hoverinfo="skip", showlegend=False,
        ),
        go.Scatter(
            name="Green zone", x=list(periods), y=high, mode="lines", fill="tonexty",
            fillcolor=GREEN_FILL, line={"width": 0, "shape": "hvh"}, hoverinfo="skip",
        ),
    ]  # fmt: skip
    drawn = False
    for edge_values in (amber_min, amber_max):
        if any(v is not None for v in edge_values):
            traces.append(
                go.Scatter(
                    name="Amber edge", legendgroup="amber", showlegend=not drawn,
                    x=list(periods), y=edge_values, mode="lines", hoverinfo="skip",
                    line={"color": AMBER_LINE, "dash": "dot", "width": 1.5, "shape": "hvh"},
                )
            )  # fmt: skip
            drawn = True
    statuses = [compute.status(v, t) for v, t in zip(values, thresholds, strict=True)]
    traces.append(
        go.Scatter(
            name="Value", x=list(periods), y=ys, mode="lines+markers", text=list(labels),
            customdata=statuses, connectgaps=False, line={"color": VALUE_LINE, "width": 2},
            marker={"size": 9, "color": [STATUS_COLOURS[s] for s in statuses],
                    "line": {"color": "white", "width": 1}},
            hovertemplate="%{x}: %{text} (%{customdata})<extra></extra>",
        )
    )  # fmt: skip
    figure = go.Figure(traces)
    figure.update_layout(
        **{**LAYOUT, "hovermode": "closest"},
        yaxis={"title": AXIS_TITLE.get(unit, ""), "gridcolor": "#eef1f5",
               "rangemode": "tozero" if unit in FROM_ZERO else "normal"},
    )  # fmt: skip
    return figure.to_json()


def maturity_history(
    dates: Sequence[str], scores: Mapping[str, Sequence[int | None]], overall: Sequence[int | None]
) -> str:
    """Each domain's score per assessment, and the overall (the lowest) drawn over them."""
    traces = [
        go.Scatter(
            name=name, x=list(dates), y=list(values), mode="lines+markers",
            line={"color": DIMENSION_COLOURS[i % len(DIMENSION_COLOURS)], "width": 1.5},
        )
        for i, (name, values) in enumerate(scores.items())
    ]  # fmt: skip
    traces.append(
        go.Scatter(
            name="Overall (lowest)", x=list(dates), y=list(overall), mode="lines+markers",
            line={"color": VALUE_LINE, "width": 3, "dash": "dash"}, marker={"size": 9},
        )
    )  # fmt: skip
    figure = go.Figure(traces)
    figure.update_layout(
        **LAYOUT,
        yaxis={"title": "level", "range": [0.5, 5.5], "dtick": 1, "gridcolor": "#eef1f5"},
    )  # fmt: skip
    return figure.to_json()
