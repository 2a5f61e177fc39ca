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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
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


def csv_text(content: bytes) -> str:
    """An uploaded CSV's text; ImportFileError if it is not UTF-8 or holds nothing."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            [RowError("file", "encoding", f"not UTF-8 (byte {exc.start}); save the file as UTF-8")]
        ) from None
    if not text.strip():
        raise ImportFileError([RowError("file", "", "the file is empty")])
    return text


def read_csv(content: bytes, mapping: ColumnMapping | None = None) -> pd.DataFrame:
    """The file as canonical string columns, before any row is checked.

    Raises ImportFileError for an empty or non-UTF-8 file, a malformed CSV, a mapped column the
    file lacks, or a required column neither present, mapped nor defaulted.
    """
    mapping = mapping or ColumnMapping()
    text = csv_text(content)
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

    The rules run a column at a time, each distinct value once, so that a year of a large
    group's appointments takes seconds. Every row that pass cannot vouch for goes through
    `_row_check`, the same rules row by row, which names each problem.
    """
    if frame.empty:
        return [], []
    checked = _columns_check(frame, lookups, secret)
    doubtful = np.flatnonzero(checked.doubtful).tolist()
    if not doubtful:
        return checked.rows(0, len(frame)), []
    lines = frame.index.tolist()
    first_use: dict[str, Any] = {}
    for external_id, line in zip(frame["appointment_id"].tolist(), lines, strict=True):
        first_use.setdefault(external_id, line)
    context = _RowContext(
        lookups=lookups,
        secret=secret,
        formats=frame.attrs.get("formats", {}),
        columns=set(frame.columns),
        first_use=first_use,
    )
    records = frame.iloc[doubtful].to_dict("records")
    rows: list[dict] = []
    errors: list[RowError] = []
    start = 0
    # The vouched-for rows between doubtful ones keep rows and problems in the file's order.
    for position, record in zip(doubtful, records, strict=True):
        rows.extend(checked.rows(start, position))
        row, problems = _row_check(lines[position], record, context)
        errors.extend(problems)
        if row is not None:
            rows.append(row)
        start = position + 1
    rows.extend(checked.rows(start, len(frame)))
    return rows, errors


@dataclass(frozen=True)
class _RowContext:
    lookups: Lookups
    secret: str
    formats: Mapping[str, str]
    columns: set[str]
    first_use: Mapping[str, Any]  # appointment_id → the first row that uses it


def _row_check(
    line: Any, record: Mapping[str, Any], context: _RowContext
) -> tuple[dict | None, list[RowError]]:
    """One row by the rules of `validate`: the row to store, or None, and its problems."""
    problems: list[RowError] = []
    lookups, formats = context.lookups, context.formats

    def fail(name: str, message: str) -> None:
        problems.append(RowError(line, name, message))

    external_id = record["appointment_id"]
    if not external_id:
        fail("appointment_id", "empty")
    elif context.first_use.get(external_id, line) != line:
        first = context.first_use[external_id]
        fail("appointment_id", f"{external_id!r} is already used on row {first}")
    for name in ("status", "clinic_code", "visit_type_code", "provider_npi", "is_new_patient"):
        if record.get(f"{name}__unmapped"):
            fail(name, f"{record[f'{name}__source']!r} is not in the mapping's values for {name}")
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
    tz = zoneinfo.ZoneInfo(clinic[1]) if clinic is not None else None
    times: dict[str, datetime | None] = {}
    for name in TIME_COLUMNS:
        value = record.get(name, "") if name in context.columns else ""
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
        return None, problems
    start = times["start"]
    row = {
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
        "cancelled_at": times["cancelled_at"].astimezone(UTC) if times["cancelled_at"] else None,
        "is_new_patient": is_new,
        "patient_key": patient_key(record.get("patient_id", ""), context.secret),
        "referral_source": record.get("referral_source", "")[:100],
    }
    return row, []


# What the column pass cannot vouch for; such a row goes through `_row_check`.
_DOUBT = object()
_ROW_KEYS = (
    "external_id", "clinic_id", "provider_id", "visit_type_id", "start", "local_date",
    "duration_minutes", "status", "booked_at", "cancelled_at", "is_new_patient", "patient_key",
    "referral_source",
)  # fmt: skip


@dataclass
class _Checked:
    """The column pass: each row's values in _ROW_KEYS order, and the rows it doubts."""

    lines: list
    values: list[np.ndarray]
    doubtful: np.ndarray

    def rows(self, start: int, stop: int) -> list[dict]:
        """Rows `start` to `stop` (not included) as `_row_check` returns them."""
        if stop <= start:
            return []
        columns = [self.lines[start:stop], *(v[start:stop].tolist() for v in self.values)]
        keys = ("line", *_ROW_KEYS)
        return [dict(zip(keys, values, strict=True)) for values in zip(*columns, strict=True)]


def _text(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A column as an object array of str; "" where the column or a value is missing."""
    if name not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    return frame[name].to_numpy(dtype=object, na_value="")


def _each_distinct(values: np.ndarray, function: Callable[[Any], Any]) -> np.ndarray:
    """`function` of each row's value, called once per distinct value; an object array.

    A value it raises on is `_DOUBT`: `_row_check` then meets it and raises or names it
    just as it does on its own.
    """
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    out = np.empty(len(distinct), dtype=object)
    for i, value in enumerate(distinct):
        try:
            out[i] = function(value)
        except Exception:
            out[i] = _DOUBT
    return out[codes]


def _times(
    texts: np.ndarray, zones: np.ndarray, fmt: str | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A time column as aware, UTC and clinic-local date values (None where empty).

    Each distinct (text, clinic timezone) pair is parsed and localized once. `_DOUBT` where
    the text does not parse, a local time falls in a DST gap or the clinic is unknown.
    """
    text_codes, distinct_texts = pd.factorize(texts, use_na_sentinel=False)
    zone_codes, distinct_zones = pd.factorize(zones, use_na_sentinel=False)
    pair_codes, pairs = pd.factorize(text_codes.astype(np.int64) * len(distinct_zones) + zone_codes)
    tzs = [zoneinfo.ZoneInfo(name) if name else None for name in distinct_zones]
    parsed: dict[str, Any] = {}
    aware = np.empty(len(pairs), dtype=object)
    utc = np.empty(len(pairs), dtype=object)
    local_date = np.empty(len(pairs), dtype=object)
    for i, pair in enumerate(pairs.tolist()):
        text, tz = distinct_texts[pair // len(distinct_zones)], tzs[pair % len(distinct_zones)]
        if not text:
            continue  # empty: None in all three
        if text not in parsed:
            try:
                parsed[text] = _parse_time(text, fmt)
            except Exception:
                parsed[text] = _DOUBT
        moment = parsed[text]
        if moment is not _DOUBT and moment.tzinfo is None:
            moment = _DOUBT if tz is None else _localize(moment, tz) or _DOUBT
        aware[i] = moment
        if moment is not _DOUBT:
            utc[i] = moment.astimezone(UTC)
            local_date[i] = moment.astimezone(tz).date() if tz is not None else _DOUBT
    return aware[pair_codes], utc[pair_codes], local_date[pair_codes]


def _minutes(text: str) -> int | object:
    minutes = int(float(text))
    return minutes if 0 < minutes <= 1440 else _DOUBT


def _new_flag(text: str) -> bool | object | None:
    flag = text.lower()
    if flag and flag not in TRUE and flag not in FALSE:
        return _DOUBT
    return True if flag in TRUE else False if flag in FALSE else None


def _columns_check(frame: pd.DataFrame, lookups: Lookups, secret: str) -> _Checked:
    """The rules of `_row_check` a column at a time: values, and the rows any rule may fail."""
    doubtful = np.zeros(len(frame), dtype=bool)
    for name in frame.columns:
        if name.endswith("__unmapped"):
            doubtful |= frame[name].to_numpy(dtype=bool, na_value=True)
        else:  # a missing value is not a string: only `_row_check` knows what it does with it
            doubtful |= frame[name].isna().to_numpy()

    external_ids = _text(frame, "appointment_id")
    doubtful |= (external_ids == "") | pd.Series(external_ids).duplicated().to_numpy()
    status = _text(frame, "status")
    doubtful |= ~np.isin(status, STATUSES)
    clinic = _each_distinct(_text(frame, "clinic_code"), lambda code: lookups.clinics[code])
    provider_id = _each_distinct(
        _text(frame, "provider_npi"), lambda npi: lookups.providers[npi] if npi else None
    )
    visit_type = _each_distinct(
        _text(frame, "visit_type_code"), lambda code: lookups.visit_types[code]
    )
    doubtful |= (clinic == _DOUBT) | (provider_id == _DOUBT) | (visit_type == _DOUBT)
    clinic_id = _each_distinct(clinic, lambda c: c[0])
    zones = _each_distinct(clinic, lambda c: "" if c is _DOUBT else c[1])
    visit_type_id = _each_distinct(visit_type, lambda v: v[0])
    default_minutes = _each_distinct(visit_type, lambda v: v[1])

    formats = frame.attrs.get("formats", {})
    times = {}
    for name in TIME_COLUMNS:
        texts = _text(frame, name)
        times[name] = _times(texts, zones, formats.get(name))
        doubtful |= times[name][0] == _DOUBT
    start, start_utc, local_date = times["start"]
    doubtful |= (_text(frame, "start") == "") | (local_date == _DOUBT)

    # Duration: from an end time where there is one, else the file's minutes, else the visit
    # type's. Differences of aware times are Python's, as `_row_check` takes them.
    ends = times["end"][0]
    duration = _each_distinct(_text(frame, "duration_minutes"), _minutes)
    raw_given = _text(frame, "duration_minutes") != ""
    duration = np.where(raw_given, duration, default_minutes)
    for i in np.flatnonzero((_text(frame, "end") != "") & ~doubtful).tolist():
        minutes = (ends[i] - start[i]).total_seconds() / 60
        duration[i] = round(minutes) if minutes > 0 else _DOUBT
    doubtful |= duration == _DOUBT

    is_new = _each_distinct(_text(frame, "is_new_patient"), _new_flag)
    doubtful |= is_new == _DOUBT
    keys = _each_distinct(_text(frame, "patient_id"), lambda p: patient_key(p, secret))
    referral = _each_distinct(_text(frame, "referral_source"), lambda r: r[:100])
    values = [
        external_ids, clinic_id, provider_id, visit_type_id, start_utc, local_date, duration,
        status, times["booked_at"][1], times["cancelled_at"][1], is_new, keys, referral,
    ]  # fmt: skip
    return _Checked(frame.index.tolist(), values, doubtful)
