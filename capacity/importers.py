"""Appointment files → validated canonical rows (DESIGN §4 "Appointment CSV", "Mapping file").

Reading never writes: `read_csv` and `validate` return rows and every row's problems, and the
service writes all of them or none. Row numbers are the file's line numbers (the header is
line 1), the numbers a spreadsheet shows.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

CANONICAL = (
    "appointment_id", "clinic_code", "provider_npi", "visit_type_code", "start",
    "duration_minutes", "status", "is_new_patient", "patient_id", "booked_at", "cancelled_at",
    "referral_source",
)  # fmt: skip
# An export may give an end time instead of a duration.
EXTRA = ("end",)
REQUIRED = ("appointment_id", "clinic_code", "visit_type_code", "start", "status")
STATUSES = ("booked", "arrived", "fulfilled", "noshow", "cancelled")
TRUE = {"true", "t", "yes", "y", "1"}
FALSE = {"false", "f", "no", "n", "0"}
TIME_COLUMNS = ("start", "end", "booked_at", "cancelled_at")


@dataclass(frozen=True)
class RowError:
    row: int | str
    field: str
    message: str

    def line(self) -> str:
        where = f"row {self.row}" if isinstance(self.row, int) else str(self.row)
        return f"{where}, {self.field}: {self.message}"


class ImportFileError(Exception):
    """The file cannot be imported; `errors` name each row and field."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = errors


@dataclass(frozen=True)
class ColumnMapping:
    """A mapping file: source columns, value translations, strptime formats, defaults."""

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)


def mapping_read(document: Any) -> ColumnMapping:
    """Check a mapping file's shape; raises ImportFileError naming each bad key."""
    errors: list[RowError] = []
    if not isinstance(document, dict):
        raise ImportFileError([RowError("mapping", "", "expected a JSON object")])
    known = set(CANONICAL) | set(EXTRA)
    for key in document:
        if key not in ("columns", "values", "formats", "defaults"):
            errors.append(
                RowError("mapping", key, "unknown key; use columns, values, formats, defaults")
            )
    parts: dict[str, dict] = {}
    for part in ("columns", "values", "formats", "defaults"):
        value = document.get(part, {})
        if not isinstance(value, dict):
            errors.append(RowError("mapping", part, "expected an object"))
            value = {}
        for name in value:
            if name not in known:
                errors.append(
                    RowError(
                        "mapping",
                        f"{part}.{name}",
                        "not a canonical column: " + ", ".join(CANONICAL),
                    )
                )
        parts[part] = value
    for name, source in parts["columns"].items():
        if not isinstance(source, str) or not source:
            errors.append(RowError("mapping", f"columns.{name}", "expected a source column name"))
    for name, table in parts["values"].items():
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            errors.append(
                RowError(
                    "mapping", f"values.{name}", "expected an object of source → canonical values"
                )
            )
    for name, fmt in parts["formats"].items():
        if name not in TIME_COLUMNS or not isinstance(fmt, str):
            errors.append(
                RowError(
                    "mapping",
                    f"formats.{name}",
                    "formats apply to start, end, booked_at, cancelled_at",
                )
            )
    if errors:
        raise ImportFileError(errors)
    return ColumnMapping(
        columns=parts["columns"],
        values={k: {str(s).strip(): v for s, v in t.items()} for k, t in parts["values"].items()},
        formats=parts["formats"],
        defaults={k: "" if v is None else str(v) for k, v in parts["defaults"].items()},
    )


def read_csv(content: bytes, mapping: ColumnMapping | None = None) -> pd.DataFrame:
    """The file as canonical string columns, before any row is checked.

    Raises ImportFileError for an empty or non-UTF-8 file, a malformed CSV, a mapped column the
    file lacks, or a required column neither present, mapped nor defaulted.
    """
    mapping = mapping or ColumnMapping()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            [RowError("file", "encoding", f"not UTF-8 (byte {exc.start}); save the file as UTF-8")]
        ) from None
    if not text.strip():
        raise ImportFileError([RowError("file", "", "the file is empty")])
    try:
        raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ImportFileError([RowError("file", "", f"not a readable CSV: {exc}")]) from None
    raw.columns = [str(c).strip() for c in raw.columns]
    errors = []
    out = pd.DataFrame(index=raw.index)
    for name in (*CANONICAL, *EXTRA):
        source = mapping.columns.get(name)
        if source is not None:
            if source not in raw.columns:
                errors.append(
                    RowError(
                        "file", name, f"the mapping names column {source!r}, which the file lacks"
                    )
                )
                continue
            out[name] = raw[source]
        elif name in raw.columns:
            out[name] = raw[name]
        elif name in mapping.defaults:
            out[name] = mapping.defaults[name]
        elif name in REQUIRED:
            errors.append(
                RowError("file", name, "required column: neither in the file, mapped nor defaulted")
            )
    if errors:
        raise ImportFileError(errors)
    for name in out.columns:
        out[name] = out[name].astype(str).str.strip()
        table = mapping.values.get(name)
        if table:
            mapped = out[name].map(table)
            out[f"{name}__source"] = out[name]
            out[name] = mapped.where(mapped.notna(), out[name])
            out[f"{name}__unmapped"] = mapped.isna() & (out[name] != "")
    out.index = out.index + 2  # line numbers: the header is line 1
    out.attrs["formats"] = dict(mapping.formats)
    out.attrs["value_maps"] = sorted(mapping.values)
    return out


@dataclass(frozen=True)
class Lookups:
    """What the rows may refer to: code → (id, timezone); NPI → id; code → (id, minutes)."""

    clinics: Mapping[str, tuple[int, str]]
    providers: Mapping[str, int]
    visit_types: Mapping[str, tuple[int, int]]


def patient_key(patient_id: str, secret: str) -> str:
    """A keyed hash: the same patient matches across files, the identifier is not kept."""
    if not patient_id:
        return ""
    return hmac.new(secret.encode(), patient_id.encode(), hashlib.sha256).hexdigest()


def _parse_time(value: str, fmt: str | None) -> datetime:
    if fmt:
        return datetime.strptime(value, fmt)
    return datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)


def _localize(naive: datetime, tz: zoneinfo.ZoneInfo) -> datetime | None:
    """A naive local time in `tz`, or None where the clock skipped it (a DST gap)."""
    aware = naive.replace(tzinfo=tz)
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        return None
    return aware


def validate(
    frame: pd.DataFrame, lookups: Lookups, *, secret: str
) -> tuple[list[dict], list[RowError]]:
    """Check every row; returns the rows ready to store and every problem, by row and field.

    Times without an offset are local to the row's clinic; a local time that does not exist
    (spring-forward gap) is an error; an ambiguous one (fall-back hour) takes its first
    occurrence. A missing duration comes from the visit type; a missing new-patient flag is
    left for the 3-year rule (`is_new_patient` None).
    """
    errors: list[RowError] = []
    rows: list[dict] = []
    formats = frame.attrs.get("formats", {})
    zones: dict[str, zoneinfo.ZoneInfo] = {}
    seen: dict[str, int] = {}
    columns = set(frame.columns)
    for line, record in zip(frame.index, frame.to_dict("records"), strict=True):
        problems: list[RowError] = []

        def fail(name: str, message: str, line: int = line, problems: list = problems) -> None:
            problems.append(RowError(line, name, message))

        external_id = record["appointment_id"]
        if not external_id:
            fail("appointment_id", "empty")
        elif external_id in seen:
            fail("appointment_id", f"{external_id!r} is already used on row {seen[external_id]}")
        else:
            seen[external_id] = line
        for name in ("status", "clinic_code", "visit_type_code", "provider_npi", "is_new_patient"):
            if record.get(f"{name}__unmapped"):
                fail(
                    name, f"{record[f'{name}__source']!r} is not in the mapping's values for {name}"
                )
        clinic = lookups.clinics.get(record["clinic_code"])
        if clinic is None and not record.get("clinic_code__unmapped"):
            fail(
                "clinic_code",
                f"unknown clinic {record['clinic_code']!r}" if record["clinic_code"] else "empty",
            )
        npi = record.get("provider_npi", "")
        provider_id = lookups.providers.get(npi) if npi else None
        if npi and provider_id is None and not record.get("provider_npi__unmapped"):
            fail("provider_npi", f"unknown provider NPI {npi!r}")
        visit_type = lookups.visit_types.get(record["visit_type_code"])
        if visit_type is None and not record.get("visit_type_code__unmapped"):
            fail(
                "visit_type_code",
                f"unknown visit type {record['visit_type_code']!r}"
                if record["visit_type_code"]
                else "empty",
            )
        status = record["status"]
        if status not in STATUSES and not record.get("status__unmapped"):
            fail("status", f"{status!r} is not one of {', '.join(STATUSES)}")
        tz = None
        if clinic is not None:
            tz = zones.setdefault(clinic[1], zoneinfo.ZoneInfo(clinic[1]))
        times: dict[str, datetime | None] = {}
        for name in TIME_COLUMNS:
            value = record.get(name, "") if name in columns else ""
            if not value:
                times[name] = None
                if name == "start":
                    fail("start", "empty")
                continue
            try:
                parsed = _parse_time(value, formats.get(name))
            except ValueError:
                expected = formats.get(name) or "ISO 8601 such as 2025-03-04T09:30"
                fail(name, f"{value!r} is not a time in the format {expected}")
                times[name] = None
                continue
            if parsed.tzinfo is None:
                if tz is None:
                    times[name] = None
                    continue
                localized = _localize(parsed, tz)
                if localized is None:
                    fail(name, f"{value} does not exist in {tz.key} (the clocks skip it)")
                parsed = localized
            times[name] = parsed
        duration = None
        raw_duration = record.get("duration_minutes", "")
        if times.get("end") and times.get("start"):
            minutes = (times["end"] - times["start"]).total_seconds() / 60
            if minutes <= 0:
                fail("end", "the appointment ends before it starts")
            else:
                duration = round(minutes)
        elif raw_duration:
            try:
                duration = int(float(raw_duration))
                if not 0 < duration <= 1440:
                    fail("duration_minutes", f"{raw_duration} is not between 1 and 1440 minutes")
            except ValueError:
                fail("duration_minutes", f"{raw_duration!r} is not a number of minutes")
        elif visit_type is not None:
            duration = visit_type[1]
        flag = record.get("is_new_patient", "").lower()
        is_new = True if flag in TRUE else False if flag in FALSE else None
        if flag and is_new is None and not record.get("is_new_patient__unmapped"):
            fail("is_new_patient", f"{record['is_new_patient']!r} is not yes/no, true/false or 1/0")
        if problems:
            errors.extend(problems)
            continue
        start = times["start"]
        rows.append(
            {
                "line": line,
                "external_id": external_id,
                "clinic_id": clinic[0],
                "provider_id": provider_id,
                "visit_type_id": visit_type[0],
                "start": start.astimezone(UTC),
                "local_date": start.astimezone(tz).date(),
                "duration_minutes": duration,
                "status": status,
                "booked_at": times["booked_at"].astimezone(UTC) if times["booked_at"] else None,
                "cancelled_at": times["cancelled_at"].astimezone(UTC)
                if times["cancelled_at"]
                else None,
                "is_new_patient": is_new,
                "patient_key": patient_key(record.get("patient_id", ""), secret),
                "referral_source": record.get("referral_source", "")[:100],
            }
        )
    return rows, errors
