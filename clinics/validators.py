"""Single-field validators shared by models, forms, the API and the network file."""

import re
import zoneinfo
from decimal import Decimal

from django.core.exceptions import ValidationError

from clinics import compute

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")


def validate_code(value: str) -> None:
    if not CODE_RE.match(value or ""):
        raise ValidationError(
            "%(value)r is not a code: use 1–32 letters, digits, '-', '_' or '.'",
            code="invalid_code",
            params={"value": value},
        )


def validate_npi(value: str) -> None:
    if not compute.npi_is_valid(value or ""):
        raise ValidationError(
            "%(value)r is not a valid NPI (10 digits, Luhn check on the 80840 prefix)",
            code="invalid_npi",
            params={"value": value},
        )


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "%(value)r is not an IANA time zone such as 'America/Chicago'",
            code="invalid_timezone",
            params={"value": value},
        )


def validate_fte(value: Decimal) -> None:
    if value is not None and not (0 < value <= 1):
        raise ValidationError(
            "FTE %(value)s is outside (0, 1]: above 0 and at most 1.0",
            code="invalid_fte",
            params={"value": value},
        )


def validate_fraction(value: Decimal) -> None:
    if value is not None and not (0 < value <= 1):
        raise ValidationError(
            "%(value)s is not a fraction in (0, 1] (write 0.9 for 90 %%)",
            code="invalid_fraction",
            params={"value": value},
        )


def validate_followup_profile(value: object) -> None:
    if value is None:
        return
    if (
        not isinstance(value, list)
        or not 1 <= len(value) <= 13
        or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 10 for v in value
        )
    ):
        raise ValidationError(
            "a follow-up profile is a list of 1 to 13 numbers from 0 to 10 "
            "(follow-ups per new patient in months 0, 1, 2, …)",
            code="invalid_followup_profile",
        )
