"""Writes for capacity: appointment imports, all rows or none, idempotent by (source, id)."""

from __future__ import annotations

import csv
import io
import json
import logging
import operator
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any, NamedTuple

import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from capacity import compute, demo, fhir, importers, selectors, tasks
from capacity.models import (
    KEPT,
    Appointment,
    AppointmentImport,
    DailyRollup,
    ImportedSlot,
    ThirdNextAvailable,
)
from clinics import changes

logger = logging.getLogger(__name__)

BATCH_SIZE = 5000
DEMO_SOURCE = "demo"
STORED = (
    "clinic_id", "provider_id", "visit_type_id", "start", "local_date", "duration_minutes",
    "status", "booked_at", "cancelled_at", "patient_key", "referral_source",
)  # fmt: skip


class FileRows(NamedTuple):
    """A checked file: appointment rows, calendar slot rows, and tentative appointments seen."""

    appointments: list[dict[str, Any]]
    slots: list[dict[str, Any]]
    tentative: int


def appointments_read(*, content: bytes, file_format: str = "csv", mapping: Any = None) -> FileRows:
    """Parse and check a file against the network: appointment rows and (FHIR) slot rows.

    Raises ImportFileError naming every bad row and field; writes nothing. Proposed, pending
    and waitlisted FHIR appointments are only counted, as tentative demand.
    """
    lookups = selectors.import_lookups()
    slots: list[dict[str, Any]] = []
    errors: list[importers.RowError] = []
    tentative = 0
    if file_format == "csv":
        column_mapping = importers.mapping_read(mapping) if mapping is not None else None
        frame = importers.read_csv(content, column_mapping)
    elif file_format == "fhir":
        bundle = _fhir_bundle(content)
        frame = pd.DataFrame(bundle.appointments, columns=list(importers.CANONICAL), dtype=str)
        frame.index = bundle.labels
        frame.attrs["formats"] = {}
        slots, errors = fhir.slot_rows_validate(bundle, lookups)
        tentative = bundle.tentative
    else:
        problem = f"unknown format {file_format!r}; use csv or fhir"
        raise importers.ImportFileError([importers.RowError("file", "format", problem)])
    rows, row_errors = importers.validate(frame, lookups, secret=settings.PATIENT_KEY_SECRET)
    if errors or row_errors:
        raise importers.ImportFileError(errors + row_errors)
    return FileRows(rows, slots, tentative)


def _fhir_bundle(content: bytes) -> fhir.BundleRows:
    """A FHIR R4 Bundle's appointments and slots as canonical rows, labelled by bundle entry."""
    try:
        document = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise importers.ImportFileError(
            [importers.RowError("file", "encoding", "not UTF-8")]
        ) from None
    except json.JSONDecodeError as exc:
        raise importers.ImportFileError(
            [importers.RowError("file", "", f"not JSON: {exc}")]
        ) from None
    bundle = fhir.bundle_rows(document)
    if bundle.errors:
        raise importers.ImportFileError(bundle.errors)
    return bundle


def appointments_import(
    *,
    content: bytes,
    source: str,
    file_format: str = "csv",
    mapping: Any = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    reason: str = "",
) -> dict[str, Any]:
    """Import an appointment file: every row or none; re-importing it changes nothing.

    Rows are matched by (source, appointment_id): a new id is created, a changed row updated,
    an identical row left untouched; a FHIR Bundle's slots likewise by (source, slot id).
    Records, in the same transaction, the clinic-months that changed (new and updated rows,
    where an updated row was before, flags re-derived for its patients) for the pipeline.
    Returns counts and the clinic-dates touched.
    """
    rows, slots, tentative = appointments_read(
        content=content, file_format=file_format, mapping=mapping
    )
    with transaction.atomic():
        earliest = selectors.earliest_dates(
            clinic_ids={r["clinic_id"] for r in rows} | {s["clinic_id"] for s in slots}
        )
        summary, touched = _appointments_write(source=source, rows=rows, progress=progress)
        if slots:
            summary = _slots_write(source=source, slots=slots, summary=summary, touched=touched)
        if tentative:
            summary["tentative"] = tentative
        # Only derived flags can change when a patient's history grows; where the source
        # states every flag and none was ever derived, there is nothing to re-derive.
        if Appointment.objects.filter(new_patient_derived=True).exists():
            touched |= _new_patients_derive({r["patient_key"] for r in rows if r["patient_key"]})
        if dry_run:
            transaction.set_rollback(True)
        else:
            _changes_record(
                touched=touched, earliest=earliest, reason=reason or f"appointments from {source}"
            )
    logger.info("appointments.imported", extra={"source": source, "dry_run": dry_run})
    return summary


SLOT_STORED = (
    "clinic_id", "provider_id", "visit_type_id", "start", "end", "local_date", "start_minute",
    "end_minute", "available", "busy",
)  # fmt: skip


def _changes_record(
    *, touched: set[tuple[int, date]], earliest: dict[int, date], reason: str
) -> None:
    """Record each clinic's changed months. A clinic whose history now starts earlier is
    recorded to the end of its window: the months between gain supply-only rollups."""
    spans: dict[int, tuple[date, date]] = {}
    for clinic_id, day in touched:
        first, last = spans.get(clinic_id, (day, day))
        spans[clinic_id] = (min(first, day), max(last, day))
    for clinic_id, (first, last) in sorted(spans.items()):
        before = earliest.get(clinic_id)
        extends = before is None or first < before
        changes.record(
            reason=reason, clinic_ids=[clinic_id], first=first, last=None if extends else last
        )


def _slots_write(
    *,
    source: str,
    slots: list[dict[str, Any]],
    summary: dict[str, Any],
    touched: set[tuple[int, date]],
) -> dict[str, Any]:
    """Upsert a calendar's slots by (source, id); the summary gains their counts and dates,
    `touched` the clinic-days they were on and are on now."""
    existing = {
        values["external_id"]: tuple(values[name] for name in SLOT_STORED)
        for values in ImportedSlot.objects.filter(
            source=source, external_id__in=[s["external_id"] for s in slots]
        ).values("external_id", *SLOT_STORED)
    }
    changed = [
        s for s in slots if existing.get(s["external_id"]) != tuple(s[n] for n in SLOT_STORED)
    ]
    where = SLOT_STORED.index("clinic_id"), SLOT_STORED.index("local_date")
    for s in changed:
        touched.add((s["clinic_id"], s["local_date"]))
        if (old := existing.get(s["external_id"])) is not None:
            touched.add((old[where[0]], old[where[1]]))
    ImportedSlot.objects.bulk_create(
        [ImportedSlot(source=source, **s) for s in changed],
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["source", "external_id"],
        update_fields=[*SLOT_STORED, "updated_at"],
    )
    dates = [d for d in (summary["first_date"], summary["last_date"]) if d]
    dates += [s["local_date"].isoformat() for s in slots]
    return {
        **summary,
        "clinic_ids": sorted({*summary["clinic_ids"], *(s["clinic_id"] for s in slots)}),
        "slots": len(slots),
        "slots_created": sum(s["external_id"] not in existing for s in slots),
        "slots_updated": sum(s["external_id"] in existing for s in changed),
        "slots_unchanged": len(slots) - len(changed),
        "first_date": min(dates),
        "last_date": max(dates),
    }


def _comparable(values: dict[str, Any], derived: bool | None) -> tuple:
    return (*(values[name] for name in STORED), None if derived else values["is_new_patient"])


def _appointments_write(
    *, source: str, rows: list[dict[str, Any]], progress: Callable[[int, int], None] | None
) -> tuple[dict[str, Any], set[tuple[int, date]]]:
    """Upsert the rows by (source, id), leaving identical ones untouched; counts and dates,
    and the clinic-days that changed: where written rows are, and where updated ones were."""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        counts = _appointments_copy(
            source=source, rows=rows, progress=progress, connection=connection
        )
    else:
        counts = _appointments_upsert(source=source, rows=rows, progress=progress)
    created, updated, unchanged, changed_days = counts
    # Distinct clinic-days first: a million rows share a few tens of thousands of them.
    touched = sorted(
        (c, d.isoformat()) for c, d in {(r["clinic_id"], r["local_date"]) for r in rows}
    )
    return {
        "clinic_ids": sorted({c for c, _ in touched}),
        "rows": len(rows),
        "created": created,
        "updated": updated,
        "unchanged": unchanged,
        "clinic_dates": len(touched),
        "first_date": min((d for _, d in touched), default=None),
        "last_date": max((d for _, d in touched), default=None),
    }, changed_days


Counts = tuple[int, int, int, set[tuple[int, date]]]


def _appointments_copy(
    *, source: str, rows: list[dict[str, Any]], progress: Callable[[int, int], None] | None,
    connection: Any,
) -> Counts:  # fmt: skip
    """PostgreSQL: created, updated and unchanged counts of a COPY-based upsert."""
    # A year of a large group is a million rows. Model instances cost ~70 µs a row in
    # Python; COPY into a temporary table shaped like the real one, then one comparison and
    # upserts in SQL, cost a few. The comparison is `_comparable`'s, row for row.
    table, q = Appointment._meta.db_table, connection.ops.quote_name
    stored = ", ".join(q(name) for name in STORED)
    copied = ", ".join(q(name) for name in ("external_id", *STORED, "is_new_patient"))
    texts = ("external_id", "status", "patient_key", "referral_source")  # "" is not NULL
    buffer = io.StringIO()
    csv.writer(buffer).writerows(
        map(operator.itemgetter("external_id", *STORED, "is_new_patient"), rows)
    )
    buffer.seek(0)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE appointment_rows ON COMMIT DROP AS "
            f"SELECT {copied} FROM {q(table)} WITH NO DATA"
        )
        # Numbered as COPY reads them: the file's order, kept through the upserts.
        cursor.execute(
            "ALTER TABLE appointment_rows ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY"
        )
        cursor.copy_expert(
            f"COPY appointment_rows ({copied}) FROM STDIN WITH (FORMAT csv, "
            f"FORCE_NOT_NULL ({', '.join(q(name) for name in texts)}))",
            buffer,
            2**20,  # read size: psycopg2's 8 kB default makes COPY wait on Python
        )
        before = ", ".join(f"a.{q(name)}" for name in STORED)
        after = ", ".join(f"r.{q(name)}" for name in STORED)
        cursor.execute(
            f"CREATE TEMPORARY TABLE appointment_changes ON COMMIT DROP AS "
            f"SELECT row_number() OVER (ORDER BY r.n) AS k, r.*, a.id IS NULL AS created, "
            f"a.clinic_id AS was_clinic_id, a.local_date AS was_local_date "
            f"FROM appointment_rows r LEFT JOIN {q(table)} a "
            f"ON a.source = %s AND a.external_id = r.external_id "
            f"WHERE a.id IS NULL OR ({before}, CASE WHEN a.new_patient_derived THEN NULL "
            f"ELSE a.is_new_patient END) IS DISTINCT FROM ({after}, r.is_new_patient)",
            [source],
        )
        cursor.execute("CREATE INDEX ON appointment_changes (k)")
        cursor.execute("SELECT count(*) FILTER (WHERE created), count(*) FROM appointment_changes")
        created, total = cursor.fetchone()
        updated, unchanged = total - created, len(rows) - total
        cursor.execute(
            "SELECT clinic_id, local_date FROM appointment_changes UNION "
            "SELECT was_clinic_id, was_local_date FROM appointment_changes "
            "WHERE was_clinic_id IS NOT NULL"
        )
        changed_days = set(cursor.fetchall())
        update = ", ".join(
            f"{q(name)} = EXCLUDED.{q(name)}"
            for name in (*STORED, "is_new_patient", "new_patient_derived", "updated_at")
        )
        now = timezone.now()
        for i in range(0, total, BATCH_SIZE):
            cursor.execute(
                f"INSERT INTO {q(table)} (source, external_id, {stored}, is_new_patient, "
                f"new_patient_derived, history_limited, updated_at) "
                f"SELECT %s, external_id, {stored}, COALESCE(is_new_patient, false), "
                f"is_new_patient IS NULL, false, %s FROM appointment_changes "
                f"WHERE k > %s AND k <= %s ORDER BY k "
                f"ON CONFLICT (source, external_id) DO UPDATE SET {update}",
                [source, now, i, i + BATCH_SIZE],
            )
            if progress:
                progress(min(i + BATCH_SIZE, total), total)
        cursor.execute("DROP TABLE appointment_rows, appointment_changes")
    return created, updated, unchanged, changed_days


def _appointments_upsert(
    *, source: str, rows: list[dict[str, Any]], progress: Callable[[int, int], None] | None
) -> Counts:  # fmt: skip
    """Other databases (SQLite for `make run`): the same upsert through the ORM."""
    existing: dict[str, tuple] = {}
    ids = [r["external_id"] for r in rows]
    for i in range(0, len(ids), BATCH_SIZE):
        for values in Appointment.objects.filter(
            source=source, external_id__in=ids[i : i + BATCH_SIZE]
        ).values("external_id", "is_new_patient", "new_patient_derived", *STORED):
            existing[values["external_id"]] = _comparable(values, values["new_patient_derived"])
    created = updated = unchanged = 0
    changed: list[Appointment] = []
    changed_days: set[tuple[int, date]] = set()
    where = STORED.index("clinic_id"), STORED.index("local_date")
    for row in rows:
        before = existing.get(row["external_id"])
        if before == _comparable(row, row["is_new_patient"] is None):
            unchanged += 1
            continue
        created += before is None
        updated += before is not None
        changed_days.add((row["clinic_id"], row["local_date"]))
        if before is not None:
            changed_days.add((before[where[0]], before[where[1]]))
        changed.append(
            Appointment(
                source=source,
                external_id=row["external_id"],
                is_new_patient=bool(row["is_new_patient"]),
                new_patient_derived=row["is_new_patient"] is None,
                **{name: row[name] for name in STORED},
            )
        )
    for i in range(0, len(changed), BATCH_SIZE):
        Appointment.objects.bulk_create(
            changed[i : i + BATCH_SIZE],
            update_conflicts=True,
            unique_fields=["source", "external_id"],
            update_fields=[*STORED, "is_new_patient", "new_patient_derived", "updated_at"],
        )
        if progress:
            progress(min(i + BATCH_SIZE, len(changed)), len(changed))
    return created, updated, unchanged, changed_days


def _new_patients_derive(patient_keys: Iterable[str]) -> set[tuple[int, date]]:
    """Re-derive the new-patient flag of every derived visit of these patients (3-year rule);
    returns the clinic-days of the visits whose flag changed."""
    keys = list(patient_keys)
    if not keys:
        return set()
    frame = selectors.patient_visits_frame(patient_keys=keys)
    frame["kept"] = frame["status"].isin([s.value for s in KEPT])
    derived = compute.derive_new_patients(frame)
    current = frame.set_index("id")[
        ["is_new_patient", "history_limited", "clinic_id", "local_date"]
    ]
    merged = derived.merge(current, left_on="id", right_index=True, suffixes=("", "_now"))
    stale = merged[
        (merged["is_new_patient"] != merged["is_new_patient_now"])
        | (merged["history_limited"] != merged["history_limited_now"])
    ]
    Appointment.objects.bulk_update(
        [
            Appointment(
                id=r.id,
                is_new_patient=bool(r.is_new_patient),
                history_limited=bool(r.history_limited),
            )
            for r in stale.itertuples()
        ],
        ["is_new_patient", "history_limited"],
        batch_size=BATCH_SIZE,
    )
    return set(zip(stale["clinic_id"].astype(int), stale["local_date"], strict=True))


def mapping_load(text: str) -> Any:
    """A mapping file's JSON, or ImportFileError naming the problem."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise importers.ImportFileError(
            [importers.RowError("mapping", "", f"not JSON: {exc}")]
        ) from None


def _rows_replace(
    model: type[DailyRollup | ThirdNextAvailable],
    *,
    first: date,
    last: date,
    clinic_ids: list[int] | None,
    rows: Iterable[DailyRollup | ThirdNextAvailable],
) -> None:
    """Replace a derived table's rows for these clinics and days at once: reruns are harmless."""
    with transaction.atomic():
        stale = model.objects.filter(date__range=(first, last))
        if clinic_ids is not None:
            stale = stale.filter(clinic_id__in=clinic_ids)
        stale.delete()
        model.objects.bulk_create(rows, batch_size=BATCH_SIZE)


def rollups_recompute(
    *, first: date, last: date, today: date, clinic_ids: Iterable[int] | None = None
) -> int:
    """Replace the rollup rows of these clinics and dates; running it twice changes nothing.

    Works a month at a time so that memory stays flat over years of history.
    """
    clinic_ids = list(clinic_ids) if clinic_ids is not None else None
    written = 0
    for start, end in compute.months(first, last):
        slots = selectors.supply_slots(first=start, last=end, clinic_ids=clinic_ids)
        demand = compute.demand_daily(
            selectors.appointments_frame(clinic_ids=clinic_ids, first=start, last=end), today
        )
        rows = compute.rollup(compute.supply_daily(slots), demand)
        _rows_replace(
            DailyRollup,
            first=start,
            last=end,
            clinic_ids=clinic_ids,
            rows=(
                DailyRollup(
                    clinic_id=r.clinic_id,
                    provider_id=None if pd.isna(r.provider_id) else int(r.provider_id),
                    is_new_patient=bool(r.is_new_patient),
                    date=r.date.date(),
                    **{name: getattr(r, name) for name in compute.ROLLUP_FIGURES},
                )
                for r in rows.itertuples()
            ),
        )
        written += len(rows)
    logger.info("rollups.recomputed", extra={"rows": written})
    return written


def tnaa_record(
    *, first: date, last: date, clinic_ids: Iterable[int] | None = None
) -> dict[str, int]:
    """Record third next available for each day from `first` to `last`, as it stood that
    morning; replaces the rows of these clinics and days, so a rerun changes nothing.

    Past days are replayed from booking and cancellation times (a backfill); appointments
    without a booking time count as booked long before.
    """
    clinic_ids = list(clinic_ids) if clinic_ids is not None else None
    horizon = last + timedelta(days=compute.TNAA_HORIZON_DAYS)
    slots = selectors.tnaa_slots_frame(first=first, last=horizon, clinic_ids=clinic_ids)
    holds = selectors.tnaa_holds_frame(
        first=first, last=horizon, provider_ids=pd.unique(slots["provider_id"]).tolist()
    )
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    records = compute.third_next_available(slots, holds, days)
    _rows_replace(
        ThirdNextAvailable,
        first=first,
        last=last,
        clinic_ids=clinic_ids,
        rows=(
            ThirdNextAvailable(
                provider_id=int(r.provider_id),
                clinic_id=int(r.clinic_id),
                is_new_patient=bool(r.is_new_patient),
                date=r.date,
                days=None if r.censored else int(r.days),
                censored=bool(r.censored),
            )
            for r in records.itertuples()
        ),
    )
    censored = int(records["censored"].sum()) if not records.empty else 0
    logger.info("tnaa.recorded", extra={"rows": len(records), "censored": censored})
    return {"records": len(records), "censored": censored, "days": len(days)}


# ---------------------------------------------------------------------------------------------
# Import jobs, run by Celery


def _progress_key(job_id: int) -> str:
    return f"capacity:import:{job_id}:progress"


def import_progress(*, job: AppointmentImport) -> dict[str, Any]:
    """Where a job stands: state, rows written so far and in all, problems, summary.

    Rows written are kept in the cache: the import's own transaction hides them from the page
    until it commits, and a job is all rows or none.
    """
    done, total = cache.get(_progress_key(job.pk), (job.rows_done, job.rows_total))
    return {
        "id": job.pk,
        "state": job.state,
        "rows_done": done,
        "rows_total": total,
        "percent": round(100 * done / total) if total else (100 if job.state == "succeeded" else 0),
        "problems": job.problems,
        "summary": job.summary,
    }


@transaction.atomic
def import_create(
    *,
    content: bytes,
    filename: str,
    source: str,
    file_format: str,
    mapping: Any,
    dry_run: bool,
    user: Any,
) -> AppointmentImport:
    """Keep an uploaded file and queue its import."""
    job = AppointmentImport.objects.create(
        content=content, filename=filename, source=source or filename.rsplit(".", 1)[0],
        file_format=file_format, mapping=mapping, dry_run=dry_run, created_by=user,
    )  # fmt: skip
    tasks.appointment_import_run.delay_on_commit(job.pk)
    return job


def import_run(*, job: AppointmentImport, today: date) -> AppointmentImport:
    """Run one queued import; a finished job is left as it is, so a redelivery is harmless."""
    if job.state in (AppointmentImport.State.SUCCEEDED, AppointmentImport.State.FAILED):
        return job
    AppointmentImport.objects.filter(pk=job.pk).update(state=AppointmentImport.State.RUNNING)

    def progress(done: int, total: int) -> None:
        cache.set(_progress_key(job.pk), (done, total), timeout=3600)

    try:
        summary = appointments_import(
            content=bytes(job.content), source=job.source, file_format=job.file_format,
            mapping=job.mapping, dry_run=job.dry_run, progress=progress,
            reason=f"appointment import #{job.pk}",
        )  # fmt: skip
    except importers.ImportFileError as exc:
        job.state = AppointmentImport.State.FAILED
        job.problems = [{"row": e.row, "field": e.field, "message": e.message} for e in exc.errors]
    else:
        job.state, job.summary = AppointmentImport.State.SUCCEEDED, summary
        job.rows_total = job.rows_done = summary["rows"]
    job.finished_at = timezone.now()
    job.content = b""  # the rows are stored now; the raw file with patient ids is not kept
    job.save()
    cache.delete(_progress_key(job.pk))
    return job


# ---------------------------------------------------------------------------------------------
# Demo


def demo_history_seed(*, today: date, months: int = 18, seed: int = 7) -> dict[str, int]:
    """Replace the demo source's appointments with a generated history; the pipeline rolls it
    up.

    The history fills the current templates' slots (capacity.demo) from `months` back to
    three months ahead; running it again gives the same rows.
    """
    first = (today.replace(day=1) - timedelta(days=30 * months)).replace(day=1)
    last = today + timedelta(days=92)
    slots = selectors.supply_slots(first=first, last=last)
    frames = selectors.demo_frames()
    history = demo.demo_history(
        slots, frames["visit_types"], frames["clinics"], today=today, seed=seed
    )
    zones = frames["clinics"].set_index("clinic_id")["timezone"]
    starts = pd.Series(pd.NaT, index=history.index, dtype="datetime64[ns, UTC]")
    booked = starts.copy()
    cancelled = starts.copy()
    for clinic_id, part in history.groupby("clinic_id"):
        tz = zones[clinic_id]

        def utc(column: str, part=part, tz=tz) -> pd.Series:
            local = pd.to_datetime(part[column]).dt.tz_localize(
                tz, ambiguous=True, nonexistent="shift_forward"
            )
            return local.dt.tz_convert("UTC")

        starts.loc[part.index] = utc("start_local")
        booked.loc[part.index] = utc("booked_at_local")
        cancelled.loc[part.index] = utc("cancelled_at_local")
    secret = settings.PATIENT_KEY_SECRET
    keys = {p: importers.patient_key(p, secret) for p in history["patient_id"].unique()}
    with transaction.atomic():
        Appointment.objects.filter(source=DEMO_SOURCE).delete()
        Appointment.objects.bulk_create(
            (
                Appointment(
                    source=DEMO_SOURCE,
                    external_id=r.external_id,
                    clinic_id=r.clinic_id,
                    provider_id=r.provider_id,
                    visit_type_id=r.visit_type_id,
                    start=starts[i].to_pydatetime(),
                    local_date=r.local_date,
                    duration_minutes=r.duration_minutes,
                    status=r.status,
                    booked_at=booked[i].to_pydatetime(),
                    cancelled_at=None if pd.isna(cancelled[i]) else cancelled[i].to_pydatetime(),
                    is_new_patient=bool(r.is_new_patient),
                    patient_key=keys[r.patient_id],
                    referral_source=r.referral_source,
                )
                for i, r in zip(history.index, history.itertuples(), strict=True)
            ),
            batch_size=BATCH_SIZE,
        )
    changes.record(reason="demo appointment history", first=first)
    # Six months of access trend, replayed from the generated booking times.
    since = max(first, (today.replace(day=1) - timedelta(days=150)).replace(day=1))
    tnaa = tnaa_record(first=since, last=today)
    return {"appointments": len(history), "tnaa_rows": tnaa["records"]}
