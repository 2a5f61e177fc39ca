"""Plotly figures for the marketing pages: plain functions from selector tables to figure JSON."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from capacity.charts import LAYOUT

CAP = "#c9d6e8"
TARGET = "#1f6feb"
KEPT = "#1a7f37"


def headroom_heatmap(matrix: pd.DataFrame, labels: dict[str, str]) -> str:
    """New-patient headroom (cap − booked) per clinic × month; red where none is left, green
    where plenty is. A blank cell is a month whose cap has not been computed."""
    rows = list(matrix.index)
    values = matrix.astype(float)
    text = values.map(lambda v: "not computed" if v != v else f"{int(v)}")
    high = max(float(values.max().max()) if values.notna().any().any() else 0.0, 10.0)
    figure = go.Figure(
        go.Heatmap(
            z=values.values.tolist(), x=[str(c) for c in matrix.columns],
            y=[labels.get(r, r) for r in rows], text=text.values.tolist(),
            texttemplate="%{text}", hoverongaps=False, zmin=0, zmax=high, xgap=2, ygap=2,
            hovertemplate="%{y}<br>%{x}: %{text} new patients of headroom<extra></extra>",
            colorscale=[[0, "#f4c7c3"], [min(0.999, 5 / high), "#fbe3c2"], [1, "#8fd19e"]],
            colorbar={"title": "headroom"},
        )
    )  # fmt: skip
    figure.update_layout(
        height=max(260, 34 * len(rows) + 90),
        **{**LAYOUT, "hovermode": "closest", "yaxis": {"autorange": "reversed"}},
    )
    return figure.to_json()


def goals_vs_cap(table: pd.DataFrame) -> str:
    """Per month, summed over the clinics shown: the cap, the target, and new patients kept.

    `table` has `period`, `cap`, `target` and `kept`; a month with no stored goals has no cap
    or target (NaN), a month still to come has no kept patients yet (NaN).
    """
    periods = table["period"].tolist()

    def values(column: str) -> list[float | None]:
        return [None if v != v else float(v) for v in table[column]]

    figure = go.Figure(
        [
            go.Bar(name="Cap", x=periods, y=values("cap"), marker_color=CAP),
            go.Bar(name="Kept (actual)", x=periods, y=values("kept"), marker_color=KEPT),
            go.Scatter(
                name="Target", x=periods, y=values("target"), mode="lines+markers",
                line={"color": TARGET, "width": 2},
            ),
        ]
    )  # fmt: skip
    figure.update_layout(
        barmode="group", yaxis_title="new patients",
        **{**LAYOUT, "yaxis": {"gridcolor": "#eef1f5", "rangemode": "tozero"}},
    )  # fmt: skip
    return figure.to_json()
