"""KPI value files → checked rows, and the rules every entered value obeys (form, API, CSV).

Reading never writes: `read_csv` and `validate` return rows and every row's problems, and the
service writes all of them or none. Row numbers are the file's line numbers (the header is
line 1), the numbers a spreadsheet shows, as in the appointment import, whose `RowError` and
`ImportFileError` are used here too. No Django: a KPI is anything with the model's attributes.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Protocol

from capacity import importers as capacity_importers
from capacity.importers import ImportFileError, RowError
from scorecards import compute

__all__ = ["COLUMNS", "ImportFileError", "RowError", "read_csv", "validate"]

COLUMNS = ("kpi", "scope", "period", "value", "numerator", "denominator", "note")
REQUIRED = ("kpi", "scope", "period", "value")
SCOPE_TYPES = ("network", "organization", "region", "clinic")
# value = numerator ÷ denominator, to within float noise of a spreadsheet's division.
TOLERANCE = 1e-6
NOTE_MAX = 300
KEY_FIELD = "kpi/scope/period"

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


class KpiLike(Protocol):
    code: str
    name: str
    unit: str
    frequency: str
    source: str
    aggregation: str
    active: bool


@dataclass(frozen=True)
class Checked:
    """One value that passed every rule: what the service stores."""

    line: int | None
    kpi: KpiLike
    scope_type: str
    scope_code: str
    period: compute.Period
    value: float
    numerator: float | None
    denominator: float | None
    note: str

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.kpi.code, self.scope_type, self.scope_code, self.period.label)


# ---------------------------------------------------------------------------------------------
# The rules, one field at a time


def number_parse(text: str) -> float | None:
    """A typed number, None when blank; ValueError saying what is wrong with it."""
    raw = (text or "").strip()
    if not raw:
        return None
    if raw.endswith("%"):
        raise ValueError(f"{raw!r} is a percentage: enter a fraction (87 % is 0.87)")
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?", raw):
        plain = raw.replace(",", "")
        raise ValueError(f"{raw!r}: write numbers without thousands separators ({plain})")
    if not _NUMBER.match(raw):
        raise ValueError(f"{raw!r} is not a number")
    return float(raw)


def scope_parse(text: str) -> tuple[str, str]:
    """`network`, `organization:CODE`, `region:CODE`, `clinic:CODE` → (scope_type, code)."""
    raw = (text or "").strip()
    kind, _, code = raw.partition(":")
    kind, code = kind.strip().lower(), code.strip()
    if kind == "network" and not code:
        return "network", ""
    if kind not in SCOPE_TYPES[1:] or not code:
        raise ValueError(
            f"{raw!r} is not a scope: use network, organization:CODE, region:CODE or clinic:CODE"
        )
    return kind, code


def source_error(kpi: KpiLike) -> str | None:
    """Why values of this KPI cannot be entered, or None."""
    if kpi.source == "computed":
        return f"{kpi.name} is computed from the data; its values cannot be entered"
    if kpi.source == "derived":
        return f"{kpi.name} is derived from other KPIs; enter those instead"
    if not kpi.active:
        return f"{kpi.name} is no longer active"
    return None


def period_check(kpi: KpiLike, text: str) -> tuple[compute.Period | None, str | None]:
    """The period, if it parses and is of the KPI's frequency; else the reason."""
    try:
        period = compute.period_parse(text)
    except ValueError as exc:
        return None, str(exc)
    if kpi.frequency == compute.MONTH and period.kind == compute.QUARTER:
        return None, (
            f"{period.label} is a quarter, but {kpi.name} is entered monthly: use a month "
            f"(YYYY-MM, e.g. {compute.month_label(period.first)}); quarters are rolled up"
        )
    if kpi.frequency == compute.QUARTER and period.kind == compute.MONTH:
        return None, (
            f"{period.label} is a month, but {kpi.name} is entered quarterly: use a quarter "
            f"(YYYY-Qn, e.g. {compute.quarter_label(period.first)})"
        )
    return period, None


def value_check(
    kpi: KpiLike,
    value: float | None,
    numerator: float | None = None,
    denominator: float | None = None,
) -> tuple[float | None, dict[str, str]]:
    """The value to store (numerator ÷ denominator where only those are given) and the
    problems by field: finite numbers, the KPI's unit, both parts or neither, parts that agree
    with the value."""
    errors: dict[str, str] = {}
    for name, number in (("value", value), ("numerator", numerator), ("denominator", denominator)):
        if number is not None and not math.isfinite(number):
            errors[name] = f"{number} is not a finite number"
    if errors:
        return None, errors
    if (numerator is None) != (denominator is None):
        missing = "denominator" if denominator is None else "numerator"
        errors[missing] = "give both a numerator and a denominator, or neither"
    elif numerator is not None and denominator is not None:
        if kpi.aggregation == "sum":
            errors["numerator"] = (
                f"{kpi.name} is a sum: enter its value without a numerator or denominator"
            )
        elif denominator <= 0:
            errors["denominator"] = f"{denominator:g} is not above 0"
        elif numerator < 0:
            errors["numerator"] = f"{numerator:g} is below 0"
        elif kpi.unit == "fraction" and numerator > denominator:
            errors["numerator"] = (
                f"{numerator:g} is more than the denominator {denominator:g}: "
                f"{kpi.name} is a fraction, a part of the whole"
            )
        else:
            ratio = numerator / denominator
            if value is None:
                value = ratio
            elif abs(value - ratio) > TOLERANCE:
                errors["value"] = (
                    f"{value:g} does not match numerator ÷ denominator = {numerator:g} ÷ "
                    f"{denominator:g} = {ratio:.6g}; leave the value empty to use it"
                )
    elif value is None:
        errors["value"] = "enter a value, or a numerator and a denominator"
    if value is not None and "value" not in errors:
        problem = unit_error(kpi, value)
        if problem:
            errors["value"] = problem
    return (None if errors else value), errors


def unit_error(kpi: KpiLike, value: float) -> str | None:
    """Whether a value can be one of the KPI's unit: fractions 0–1, counts whole, no
    negative money or days."""
    if kpi.unit == "fraction" and not 0 <= value <= 1:
        return f"{value:g} is outside 0–1: {kpi.name} is a fraction (0.87 = 87 %)"
    if kpi.unit == "count" and value < 0:
        return f"{value:g} is below 0: {kpi.name} is a count"
    if kpi.unit == "count" and not float(value).is_integer():
        return f"{value:g} is not a whole number: {kpi.name} is a count"
    if kpi.unit == "currency" and value < 0:
        return f"{value:g} is below 0: {kpi.name} is an amount of money"
    if kpi.unit == "days" and value < 0:
        return f"{value:g} is below 0: {kpi.name} is a number of days"
    return None


def note_error(note: str) -> str | None:
    if len(note or "") > NOTE_MAX:
        return f"at most {NOTE_MAX} characters (this note has {len(note)})"
    return None


# ---------------------------------------------------------------------------------------------
# The file


def read_csv(content: bytes) -> list[tuple[int, dict[str, str]]]:
    """(line number, {column: text}) for every row that is not blank.

    Raises ImportFileError, before any row is checked, for a file that is empty, not UTF-8 or
    not CSV, a column named twice or not known, a required column missing, or no rows.
    """
    text = capacity_importers.csv_text(content)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
        records = [(reader.line_num, cells) for cells in reader]
    except csv.Error as exc:
        raise ImportFileError(
            [RowError(reader.line_num, "", f"not a readable CSV: {exc}")]
        ) from None
    _header_check(header)
    out: list[tuple[int, dict[str, str]]] = []
    errors: list[RowError] = []
    for line, cells in records:
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if len(cells) > len(header) and any(cells[len(header) :]):
            errors.append(
                RowError(line, "", f"{len(cells)} cells, but the header names {len(header)}")
            )
            continue
        cells += [""] * (len(header) - len(cells))
        out.append((line, dict(zip(header, cells, strict=False))))
    if errors:
        raise ImportFileError(errors)
    if not out:
        raise ImportFileError([RowError("file", "", "no rows below the header")])
    return out


def _header_check(header: list[str]) -> None:
    errors = []
    if len(header) == 1 and ";" in header[0]:
        raise ImportFileError(
            [RowError(1, "", "the columns are separated by ';': save the file as comma-separated")]
        )
    seen: set[str] = set()
    for name in header:
        if name in seen:
            errors.append(RowError(1, name, "this column is named twice"))
        elif name and name not in COLUMNS:
            errors.append(
                RowError(1, name, "not a column of the KPI import: use " + ", ".join(COLUMNS))
            )
        seen.add(name)
    for name in REQUIRED:
        if name not in header:
            errors.append(RowError("file", name, "required column missing"))
    if errors:
        raise ImportFileError(errors)


def validate(
    records: list[tuple[int, Mapping[str, str]]],
    *,
    kpis: Mapping[str, KpiLike],
    scopes: Collection[tuple[str, str]],
) -> tuple[list[Checked], list[RowError]]:
    """Every row by the rules of an entered value; rows to store and every problem, in order.

    `kpis` maps code → KPI; `scopes` holds the (scope_type, code) pairs that exist. A second
    row for the same KPI, scope and period is an error naming the first.
    """
    rows: list[Checked] = []
    errors: list[RowError] = []
    first_use: dict[tuple[str, str, str, str], int] = {}
    for line, record in records:
        row, problems = row_check(line, record, kpis=kpis, scopes=scopes)
        key = _key(record, kpis)
        if key is not None:
            if key in first_use:
                where = "network" if key[1] == "network" else f"{key[1]}:{key[2]}"
                problems.append(
                    RowError(
                        line, KEY_FIELD,
                        f"{key[0]} for {where} in {key[3]} is already on row {first_use[key]}",
                    )
                )  # fmt: skip
                row = None
            else:
                first_use[key] = line
        errors.extend(problems)
        if row is not None:
            rows.append(row)
    return rows, errors


def _key(record: Mapping[str, str], kpis: Mapping[str, KpiLike]):
    try:
        scope_type, scope_code = scope_parse(record.get("scope", ""))
        period = compute.period_parse(record.get("period", ""))
    except ValueError:
        return None
    code = record.get("kpi", "")
    return (code, scope_type, scope_code, period.label) if code in kpis else None


def row_check(
    line: int | None,
    record: Mapping[str, str],
    *,
    kpis: Mapping[str, KpiLike],
    scopes: Collection[tuple[str, str]],
) -> tuple[Checked | None, list[RowError]]:
    """One row: the value to store, or None, and its problems by field."""
    problems: list[RowError] = []

    def fail(name: str, message: str) -> None:
        problems.append(RowError(line, name, message))

    code = record.get("kpi", "")
    kpi = kpis.get(code)
    if kpi is None:
        fail("kpi", f"unknown KPI {code!r}" if code else "empty: give a KPI code")
    elif problem := source_error(kpi):
        fail("kpi", problem)
    scope = None
    try:
        scope = scope_parse(record.get("scope", ""))
        if scope not in scopes:
            fail("scope", f"unknown {scope[0]} {scope[1]!r}")
    except ValueError as exc:
        fail("scope", str(exc))
    period = None
    if kpi is not None:
        period, problem = period_check(kpi, record.get("period", ""))
        if problem:
            fail("period", problem)
    numbers: dict[str, float | None] = {}
    for name in ("value", "numerator", "denominator"):
        try:
            numbers[name] = number_parse(record.get(name, ""))
        except ValueError as exc:
            fail(name, str(exc))
    value = None
    if kpi is not None and len(numbers) == 3:
        value, by_field = value_check(kpi, **numbers)
        for name, message in by_field.items():
            fail(name, message)
    note = record.get("note", "")
    if problem := note_error(note):
        fail("note", problem)
    if problems or kpi is None or scope is None or period is None or value is None:
        return None, problems
    return (
        Checked(
            line=line, kpi=kpi, scope_type=scope[0], scope_code=scope[1], period=period,
            value=value, numerator=numbers["numerator"], denominator=numbers["denominator"],
            note=note,
        ),
        [],
    )  # fmt: skip
