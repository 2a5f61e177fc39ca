from django import template

from clinics import compute

register = template.Library()


@register.filter
def weekday_names(days: list[int]) -> str:
    """[0, 2, 4] → "Mon, Wed, Fri"."""
    return ", ".join(compute.WEEKDAYS[d].capitalize() for d in sorted(days or []))


@register.filter
def percent(value: object) -> str:
    """A stored fraction shown as a percent with one decimal (DESIGN §3)."""
    if value is None or value != value:  # None or NaN: no denominator
        return "n/a"
    return f"{float(value) * 100:.1f} %"


@register.filter
def days(value: object) -> str:
    """A mean number of days to one decimal; n/a where there is none."""
    if value is None or value != value:
        return "n/a"
    return f"{float(value):.1f}"


@register.filter
def get_item(mapping: dict, key: object) -> object:
    return mapping.get(key) if mapping else None
