"""Words for the marketing pages: binding constraints, goal statuses and campaign signals."""

from __future__ import annotations

from django import template

from marketing import compute
from marketing.models import GoalStatus

register = template.Library()

CONSTRAINTS = {
    "np_slots": "new-patient slots",
    "sustainable": "sustainable follow-up capacity",
    "booked": "already booked",
}


@register.filter
def constraint_words(code: object) -> str:
    """`followup:2027-03` → "follow-up room in 2027-03"; the stored codes of DESIGN §4 in words."""
    if not code:
        return "not computed yet"
    text = str(code)
    if text.startswith("followup:"):
        return f"follow-up room in {text.split(':', 1)[1]}"
    return CONSTRAINTS.get(text, text)


@register.filter
def status_label(code: object) -> str:
    """A goal status (or a history row's old/new status) as its label."""
    try:
        return GoalStatus(str(code)).label
    except ValueError:
        return "" if code is None else str(code)


@register.filter
def signal_words(signal: object) -> str:
    return compute.SIGNALS.get(str(signal), "")


@register.filter
def whole(value: object) -> str:
    """A count, or an em dash where there is none (None or NaN)."""
    if value is None or value != value:
        return "—"
    return str(int(value))
