"""KPI values in words, by unit: one place for the pages, the board pack and its files."""

from __future__ import annotations

import math

from scorecards import compute
from scorecards.models import Direction, Unit


def missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number_text(value: float, unit: str) -> tuple[str, str]:
    """A value as the pages print it, split into the number and its suffix."""
    if unit == Unit.FRACTION:
        return f"{value * 100:.1f}", " %"
    if unit == Unit.CURRENCY:
        return ("−" if value < 0 else "") + f"${abs(value):,.0f}", ""
    if unit == Unit.COUNT:
        return f"{value:,.0f}", ""
    if unit == Unit.DAYS:
        return f"{value:.1f}", " d"
    return f"{value:.2f}", ""


def plain(value: float | None) -> str:
    """A numerator or denominator: whole with separators, else two decimals; "" for none."""
    if missing(value):
        return ""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def value_text(value: float | None, unit: str) -> str:
    """87.3 %, $1,234,567, 1,234, 8.6 d, 1.02; n/a where there is no value."""
    if missing(value):
        return "n/a"
    number, suffix = number_text(value, unit)
    return number + suffix


def target_text(direction: str, unit: str, t: compute.Thresholds | None) -> str:
    """The headline target: "≥ 85.0 %", "≤ 8.0 %" or a band "85.0–95.0 %"; — without one."""
    if t is None:
        return "—"
    if direction == Direction.BAND:
        if missing(t.green_min) or missing(t.green_max):
            return "—"
        low, suffix = number_text(t.green_min, unit)
        high, _ = number_text(t.green_max, unit)
        return f"{low}–{high}{suffix}"
    edge = t.green_min if direction == Direction.HIGHER else t.green_max
    if missing(edge):
        return "—"
    return ("≥ " if direction == Direction.HIGHER else "≤ ") + value_text(edge, unit)


def span(low: float | None, high: float | None, unit: str) -> str:
    if low is not None and high is not None:
        a, suffix = number_text(low, unit)
        return f"{a}–{number_text(high, unit)[0]}{suffix}"
    if low is not None:
        return f"≥ {value_text(low, unit)}"
    if high is not None:
        return f"≤ {value_text(high, unit)}"
    return "any value"


def thresholds_words(unit: str, t: compute.Thresholds | None) -> str:
    """The four bounds in words: "green 85.0–95.0 %, amber 70.0–100.0 %, red outside"."""
    if t is None:
        return "no target"
    green = span(t.green_min, t.green_max, unit)
    amber = span(t.amber_min, t.amber_max, unit)
    return f"green {green}, amber {amber}, red outside"


def axis_text(value: float, unit: str) -> str:
    """A short tick label: 87.5%, $1.2M, $850k, 1,200, 9.5, 0.93."""
    if unit == Unit.FRACTION:
        return f"{value * 100:.1f}%"
    if unit == Unit.CURRENCY:
        return f"${value / 1e6:.1f}M" if abs(value) >= 1e6 else f"${value / 1e3:,.0f}k"
    if unit == Unit.COUNT:
        return f"{value:,.0f}"
    return f"{value:.1f}" if unit == Unit.DAYS else f"{value:.2f}"
