"""Plotly figures for the capacity pages: plain functions from report tables to figure JSON."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

KEPT = "#2f6fdb"
OTHER_HELD = "#9bbcf0"
UNUTILIZED = "#e7ecf3"
LAYOUT = {
    "margin": {"l": 60, "r": 20, "t": 30, "b": 40},
    "plot_bgcolor": "white",
    "paper_bgcolor": "white",
    "font": {"family": "system-ui, sans-serif", "size": 13},
    "legend": {"orientation": "h", "y": 1.12},
    "hovermode": "x unified",
    # Periods are labels (2024-07, 2024-W27), not dates to interpolate between.
    "xaxis": {"type": "category"},
}


def utilized_vs_unutilized(table: pd.DataFrame) -> str:
    """Stacked minutes per period: kept, other held (no-shows, not yet seen) and unutilized."""
    periods = table["period"].tolist()
    other = table["booked_minutes"] - table["kept_minutes"]
    figure = go.Figure(
        [
            go.Bar(name="Kept", x=periods, y=table["kept_minutes"].tolist(), marker_color=KEPT),
            go.Bar(name="Booked, not kept", x=periods, y=other.tolist(), marker_color=OTHER_HELD),
            go.Bar(
                name="Unutilized",
                x=periods,
                y=table["unutilized_minutes"].tolist(),
                marker_color=UNUTILIZED,
                marker_line={"color": "#b8c4d3", "width": 1},
            ),
            go.Scatter(
                name="Available",
                x=periods,
                y=table["available_minutes"].tolist(),
                mode="lines+markers",
                line={"color": "#14213d", "width": 2, "dash": "dot"},
            ),
        ]
    )
    figure.update_layout(
        barmode="stack", yaxis_title="minutes", yaxis={"gridcolor": "#eef1f5"}, **LAYOUT
    )
    return figure.to_json()


def rates(table: pd.DataFrame) -> str:
    """No-show rate and new-patient share per period, in percent."""
    periods = table["period"].tolist()
    figure = go.Figure(
        [
            go.Scatter(name=name, x=periods, y=(table[column] * 100).tolist(), mode="lines+markers")
            for name, column in (
                ("No-show rate", "noshow_rate"),
                ("New-patient share", "new_patient_share"),
            )
        ]
    )
    figure.update_layout(
        yaxis_title="%", yaxis={"gridcolor": "#eef1f5", "rangemode": "tozero"}, **LAYOUT
    )
    return figure.to_json()


def heatmap(table: pd.DataFrame, clinics: dict[int, str], hot: float, cold: float) -> str:
    """Clinics × periods utilization, coloured from cold (blue) through the band to hot (red)."""
    grid = table.pivot(index="clinic_id", columns="period", values="utilization")
    grid = grid.reindex(sorted(grid.index, key=lambda c: clinics.get(c, "")))
    labels = [clinics.get(c, str(c)) for c in grid.index]
    text = (grid * 100).round(1).astype(str).replace("nan", "n/a") + " %"
    figure = go.Figure(
        go.Heatmap(
            z=(grid * 100).values.tolist(), x=list(grid.columns), y=labels,
            text=text.values.tolist(),
            texttemplate="%{text}", zmin=50, zmax=110, hoverongaps=False,
            colorscale=[[0, "#3b6fb6"], [(cold * 100 - 50) / 60, "#cfe0f5"],
                        [(0.90 * 100 - 50) / 60, "#e8f5e1"], [(hot * 100 - 50) / 60, "#fbe3c2"],
                        [1, "#c62828"]],
            colorbar={"title": "utilization %"},
        )
    )  # fmt: skip
    figure.update_layout(
        height=max(260, 34 * len(labels) + 90), yaxis={"autorange": "reversed"}, **LAYOUT
    )
    return figure.to_json()


def tnaa(table: pd.DataFrame) -> str:
    """Mean days to the third free slot per period, new and established (`compute.tnaa_wide`)."""
    periods = table["period"].tolist()
    figure = go.Figure(
        [
            go.Scatter(
                name=name, x=periods, y=table[column].tolist(), mode="lines+markers",
                line={"color": color, "width": 2}, connectgaps=False,
            )
            for name, column, color in (
                ("New patients", "new_days", "#c2571a"),
                ("Established", "established_days", KEPT),
            )
        ]
    )  # fmt: skip
    figure.update_layout(
        yaxis_title="days to 3rd free slot",
        yaxis={"gridcolor": "#eef1f5", "rangemode": "tozero"},
        **LAYOUT,
    )
    return figure.to_json()
