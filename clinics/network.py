"""The network file (DESIGN §4): the whole supply side as one JSON document.

`read` checks the document's shape and turns it into Python values, naming the JSON path of
each problem; `services.network_import` applies it. `export` writes the database back in the
same shape, in a stable order, so that export → import → export is byte-identical.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from clinics import compute

DOCUMENT_KEYS = (
    "service_lines",
    "visit_types",
    "organizations",
    "templates",
    "providers",
    "closures",
)
SERVICE_LINE_KEYS = ("code", "name", "followup_profile")
VISIT_TYPE_KEYS = ("code", "name", "minutes", "new_patient", "service_line", "credentials")
ORGANIZATION_KEYS = ("code", "name", "regions")
REGION_KEYS = ("code", "name", "clinics")
CLINIC_KEYS = (
    "code",
    "name",
    "timezone",
    "exam_rooms",
    "rooms_per_provider",
    "target_utilization",
    "service_lines",
    "hours",
)
TEMPLATE_KEYS = ("code", "name", "blocks")
BLOCK_KEYS = ("weekday", "start", "end", "visit_type")
PROVIDER_KEYS = (
    "npi",
    "name",
    "credential",
    "service_line",
    "fte",
    "hired_on",
    "left_on",
    "assignments",
    "absences",
)
ASSIGNMENT_KEYS = ("clinic", "template", "weekdays", "from", "to")
ABSENCE_KEYS = ("from", "to", "reason")
CLOSURE_KEYS = ("clinic", "date", "reason")
CLOSURE_PART_DAY_KEYS = ("start", "end")  # optional: a part-day closure


class NetworkFileError(Exception):
    """The file cannot be imported; `problems` are (JSON path, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the network file")
        self.problems = problems

    def lines(self) -> list[str]:
        return [f"{path}: {message}" for path, message in self.problems]


class _Missing:
    pass


MISSING = _Missing()


@dataclass
class Reader:
    """Reads JSON values at paths, collecting problems instead of stopping at the first."""

    problems: list[tuple[str, str]] = field(default_factory=list)

    def fail(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    def obj(
        self, value: Any, path: str, keys: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.fail(path, f"expected an object, got {_kind(value)}")
            return None
        for key in keys:
            if key not in value:
                self.fail(_join(path, key), "missing (write null where there is no value)")
        for key in value:
            if key not in keys and key not in optional:
                self.fail(_join(path, key), f"unknown key; expected one of {', '.join(keys)}")
        return value

    def items(self, value: Any, path: str) -> list[tuple[str, Any]]:
        if not isinstance(value, list):
            self.fail(path, f"expected a list, got {_kind(value)}")
            return []
        return [(f"{path}[{i}]", item) for i, item in enumerate(value)]

    def get(self, obj: Mapping[str, Any], key: str, path: str, parse: Callable, **kw: Any) -> Any:
        value = obj.get(key, MISSING)
        if value is MISSING:
            return None  # reported by obj()
        where = _join(path, key)
        try:
            return parse(value, **kw)
        except ValueError as exc:
            self.fail(where, str(exc))
            return None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false"}.get(
        type(value), "null" if value is None else "a number"
    )


def text(value: Any, *, max_length: int = 200, null: bool = False) -> str | None:
    if value is None and null:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a non-empty string, got {_kind(value)}")
    if len(value) > max_length:
        raise ValueError(f"longer than {max_length} characters")
    return value


def integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a whole number, got {value!r}")
    return value


def number(value: Any, *, null: bool = False) -> Decimal | None:
    if value is None and null:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {value!r}")
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:  # pragma: no cover - json numbers are finite
        raise ValueError(f"expected a number, got {value!r}") from exc


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def day(value: Any, *, null: bool = False) -> date | None:
    if value is None and null:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except (TypeError, ValueError):
        raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}") from None


def clock(value: Any) -> time:
    try:
        return datetime.strptime(value, "%H:%M").time()
    except (TypeError, ValueError):
        raise ValueError(f"expected a time HH:MM, got {value!r}") from None


def weekday(value: Any) -> int:
    if value not in compute.WEEKDAYS:
        raise ValueError(f"expected one of {', '.join(compute.WEEKDAYS)}, got {value!r}")
    return compute.WEEKDAYS.index(value)


def codes(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"expected a list of codes, got {_kind(value)}")
    return value


def followup(value: Any) -> list[float] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in value
    ):
        raise ValueError("expected null or a list of numbers")
    return value


def weekdays(value: Any) -> list[int]:
    if not isinstance(value, list) or not value:
        raise ValueError('expected a non-empty list of weekdays such as ["mon", "wed"]')
    days = [weekday(v) for v in value]
    if len(set(days)) != len(days):
        raise ValueError("a weekday is listed twice")
    return sorted(days)


def read(document: Any) -> dict[str, Any]:
    """The document as Python values, or NetworkFileError naming each problem's JSON path.

    Only the shape is checked here; rules that need the database (references, overlaps,
    credentials) are checked by the importer, with the same paths.
    """
    r = Reader()
    doc = r.obj(document, "", DOCUMENT_KEYS)
    if doc is None:
        raise NetworkFileError(r.problems)
    out: dict[str, Any] = {key: [] for key in DOCUMENT_KEYS}

    for path, item in r.items(doc.get("service_lines", []), "service_lines"):
        if (o := r.obj(item, path, SERVICE_LINE_KEYS)) is not None:
            out["service_lines"].append(
                {
                    "path": path,
                    "code": r.get(o, "code", path, text, max_length=32),
                    "name": r.get(o, "name", path, text),
                    "followup_profile": r.get(o, "followup_profile", path, followup),
                }
            )

    for path, item in r.items(doc.get("visit_types", []), "visit_types"):
        if (o := r.obj(item, path, VISIT_TYPE_KEYS)) is not None:
            out["visit_types"].append(
                {
                    "path": path,
                    "code": r.get(o, "code", path, text, max_length=32),
                    "name": r.get(o, "name", path, text),
                    "minutes": r.get(o, "minutes", path, integer),
                    "new_patient": r.get(o, "new_patient", path, boolean),
                    "service_line": r.get(o, "service_line", path, text, max_length=32),
                    "credentials": r.get(o, "credentials", path, codes),
                }
            )

    for opath, item in r.items(doc.get("organizations", []), "organizations"):
        if (o := r.obj(item, opath, ORGANIZATION_KEYS)) is None:
            continue
        org = {
            "path": opath,
            "code": r.get(o, "code", opath, text, max_length=32),
            "name": r.get(o, "name", opath, text),
            "regions": [],
        }
        out["organizations"].append(org)
        for rpath, ritem in r.items(o.get("regions", []), f"{opath}.regions"):
            if (ro := r.obj(ritem, rpath, REGION_KEYS)) is None:
                continue
            region = {
                "path": rpath,
                "code": r.get(ro, "code", rpath, text, max_length=32),
                "name": r.get(ro, "name", rpath, text),
                "clinics": [],
            }
            org["regions"].append(region)
            for cpath, citem in r.items(ro.get("clinics", []), f"{rpath}.clinics"):
                if (co := r.obj(citem, cpath, CLINIC_KEYS)) is not None:
                    region["clinics"].append(_clinic(r, co, cpath))

    for tpath, item in r.items(doc.get("templates", []), "templates"):
        if (o := r.obj(item, tpath, TEMPLATE_KEYS)) is None:
            continue
        blocks = []
        for bpath, bitem in r.items(o.get("blocks", []), f"{tpath}.blocks"):
            if (bo := r.obj(bitem, bpath, BLOCK_KEYS)) is not None:
                blocks.append(
                    {
                        "path": bpath,
                        "weekday": r.get(bo, "weekday", bpath, weekday),
                        "start": r.get(bo, "start", bpath, clock),
                        "end": r.get(bo, "end", bpath, clock),
                        "visit_type": r.get(
                            bo, "visit_type", bpath, text, max_length=32, null=True
                        ),
                    }
                )
        out["templates"].append(
            {
                "path": tpath,
                "code": r.get(o, "code", tpath, text, max_length=32),
                "name": r.get(o, "name", tpath, text),
                "blocks": blocks,
            }
        )

    for ppath, item in r.items(doc.get("providers", []), "providers"):
        if (o := r.obj(item, ppath, PROVIDER_KEYS)) is None:
            continue
        assignments = []
        for apath, aitem in r.items(o.get("assignments", []), f"{ppath}.assignments"):
            if (ao := r.obj(aitem, apath, ASSIGNMENT_KEYS)) is not None:
                assignments.append(
                    {
                        "path": apath,
                        "clinic": r.get(ao, "clinic", apath, text, max_length=32),
                        "template": r.get(ao, "template", apath, text, max_length=32),
                        "weekdays": r.get(ao, "weekdays", apath, weekdays),
                        "from": r.get(ao, "from", apath, day),
                        "to": r.get(ao, "to", apath, day, null=True),
                    }
                )
        absences = []
        for apath, aitem in r.items(o.get("absences", []), f"{ppath}.absences"):
            if (ao := r.obj(aitem, apath, ABSENCE_KEYS)) is not None:
                absences.append(
                    {
                        "path": apath,
                        "from": r.get(ao, "from", apath, day),
                        "to": r.get(ao, "to", apath, day),
                        "reason": r.get(ao, "reason", apath, text, null=True) or "",
                    }
                )
        out["providers"].append(
            {
                "path": ppath,
                # A number would lose leading zeros, so an NPI is a string of digits.
                "npi": r.get(o, "npi", ppath, text, max_length=10),
                "name": r.get(o, "name", ppath, text),
                "credential": r.get(o, "credential", ppath, text, max_length=8),
                "service_line": r.get(o, "service_line", ppath, text, max_length=32),
                "fte": r.get(o, "fte", ppath, number),
                "hired_on": r.get(o, "hired_on", ppath, day),
                "left_on": r.get(o, "left_on", ppath, day, null=True),
                "assignments": assignments,
                "absences": absences,
            }
        )

    for cpath, item in r.items(doc.get("closures", []), "closures"):
        if (o := r.obj(item, cpath, CLOSURE_KEYS, optional=CLOSURE_PART_DAY_KEYS)) is not None:
            out["closures"].append(
                {
                    "path": cpath,
                    "clinic": r.get(o, "clinic", cpath, text, max_length=32),
                    "date": r.get(o, "date", cpath, day),
                    "start": r.get(o, "start", cpath, clock) if "start" in o else None,
                    "end": r.get(o, "end", cpath, clock) if "end" in o else None,
                    "reason": r.get(o, "reason", cpath, text, null=True) or "",
                }
            )

    _duplicates(r, out)
    if r.problems:
        raise NetworkFileError(r.problems)
    return out


def _clinic(r: Reader, o: dict[str, Any], path: str) -> dict[str, Any]:
    hours: dict[int, tuple[time, time]] = {}
    raw_hours = o.get("hours", {})
    if not isinstance(raw_hours, dict):
        r.fail(f"{path}.hours", 'expected an object such as {"mon": ["08:00", "17:00"]}')
        raw_hours = {}
    for key, value in raw_hours.items():
        where = f"{path}.hours.{key}"
        if key not in compute.WEEKDAYS:
            r.fail(where, f"expected one of {', '.join(compute.WEEKDAYS)}")
            continue
        if not isinstance(value, list) or len(value) != 2:
            r.fail(where, 'expected [opens, closes] such as ["08:00", "17:00"]')
            continue
        try:
            hours[compute.WEEKDAYS.index(key)] = (clock(value[0]), clock(value[1]))
        except ValueError as exc:
            r.fail(where, str(exc))
    return {
        "path": path,
        "code": r.get(o, "code", path, text, max_length=32),
        "name": r.get(o, "name", path, text),
        "timezone": r.get(o, "timezone", path, text, max_length=64),
        "exam_rooms": r.get(o, "exam_rooms", path, integer),
        "rooms_per_provider": r.get(o, "rooms_per_provider", path, number, null=True),
        "target_utilization": r.get(o, "target_utilization", path, number, null=True),
        "service_lines": r.get(o, "service_lines", path, codes),
        "hours": hours,
    }


def _duplicates(r: Reader, out: dict[str, Any]) -> None:
    clinics = [c for o in out["organizations"] for g in o["regions"] for c in g["clinics"]]
    regions = [g for o in out["organizations"] for g in o["regions"]]
    for items, key in (
        (out["service_lines"], "code"),
        (out["visit_types"], "code"),
        (out["organizations"], "code"),
        (regions, "code"),
        (clinics, "code"),
        (out["templates"], "code"),
        (out["providers"], "npi"),
    ):
        seen: dict[Any, str] = {}
        for item in items:
            value = item[key]
            if value is None:
                continue
            if value in seen:
                r.fail(f"{item['path']}.{key}", f"{value!r} is already used by {seen[value]}")
            else:
                seen[value] = item["path"]


def export(data: dict[str, Any]) -> str:
    """The document as text: two-space indent, keys in the documented order, newline-terminated."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def as_number(value: Decimal | float | int) -> int | float:
    """A whole number as an int (2, not 2.0), else a float; exports read like the design's."""
    value = Decimal(str(value))
    return int(value) if value == value.to_integral_value() else float(value)
