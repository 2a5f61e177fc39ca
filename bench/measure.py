"""Each benchmark figure and its floor, timed on the same rows in the same database.

Floors are what PostgreSQL and Django do with no application logic: a `COPY` of the import file
into a plain table, one `GROUP BY` over the imported rows, a page that returns "ok". A figure
divided by its floor says how much the application adds, on this machine, in this run.
"""

from __future__ import annotations

import io
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import django
import pandas as pd
from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.test import Client

from bench import data
from capacity import compute, importers, selectors, services
from capacity.models import Appointment, DailyRollup
from clinics import changes
from clinics import services as clinic_services
from clinics.models import Change, Clinic, Provider, User, VisitType
from marketing import selectors as marketing_selectors
from marketing import services as marketing_services
from pipeline import services as pipeline_services
from pipeline.models import JobClinic, JobStatus
from scenarios import services as scenario_services
from scorecards import services as scorecard_services

SOURCE = "bench"
MONTHS_BACK = 15
DAYS_AHEAD = 92
SLOT_COLUMNS = ["clinic_id", "provider_id", "visit_type_id", "date", "start_minute"]
# A day's file from the scheduling system: yesterday's bookings, on free slots of every clinic
# over the two weeks from today, with ids of their own ("D…") so that they add rows.
DAY_PREFIX = "D"
DAY_SPAN_DAYS = 14
# The same columns as the import file, typed as the import stores them, without keys or indexes.
FLOOR_TABLE = "bench_copy_floor"
FLOOR_TABLE_SQL = f"""
CREATE TABLE {FLOOR_TABLE} (
    appointment_id text, clinic_code text, provider_npi text, visit_type_code text,
    start timestamp, duration_minutes smallint, status text, is_new_patient boolean,
    patient_id text, booked_at timestamp, cancelled_at timestamp, referral_source text
)"""
# The demand side of DESIGN §3 per clinic × provider × new/established × local day, with the
# same figures compute.demand_daily sums (HELD, KEPT, no-shows, cancellations, late ones and
# unresolved bookings).
DEMAND_FIGURES_SQL = """
SELECT a.clinic_id, a.provider_id, a.is_new_patient, a.local_date,
       COALESCE(SUM(a.duration_minutes) FILTER (WHERE a.status IN %(held)s), 0),
       COUNT(*) FILTER (WHERE a.status IN %(held)s),
       COALESCE(SUM(a.duration_minutes) FILTER (WHERE a.status IN %(kept)s), 0),
       COUNT(*) FILTER (WHERE a.status IN %(kept)s),
       COUNT(*) FILTER (WHERE a.status = 'noshow'),
       COUNT(*) FILTER (WHERE a.status = 'cancelled'),
       COUNT(*) FILTER (WHERE a.status = 'cancelled'
                        AND a.start - a.cancelled_at < make_interval(hours => v.late_cancel_hours)),
       COUNT(*) FILTER (WHERE a.status = 'booked' AND a.local_date < %(today)s)
FROM capacity_appointment a JOIN clinics_visittype v ON v.id = a.visit_type_id
"""
DEMAND_GROUPS_SQL = "GROUP BY a.clinic_id, a.provider_id, a.is_new_patient, a.local_date\n"
GROUP_BY_SQL = (
    DEMAND_FIGURES_SQL + "WHERE a.local_date BETWEEN %(first)s AND %(last)s\n" + DEMAND_GROUPS_SQL
)
# What the cap engine reads from the appointments: per clinic × service line × patient ×
# month × new/established, held and kept visits and minutes (cohorts, B, bookings).
CAPS_GROUP_BY_SQL = """
SELECT a.clinic_id, v.service_line_id, a.patient_key, date_trunc('month', a.local_date),
       a.is_new_patient,
       COUNT(*) FILTER (WHERE a.status IN %(held)s),
       COALESCE(SUM(a.duration_minutes) FILTER (WHERE a.status IN %(held)s), 0),
       COUNT(*) FILTER (WHERE a.status IN %(kept)s)
FROM capacity_appointment a JOIN clinics_visittype v ON v.id = a.visit_type_id
GROUP BY 1, 2, 3, 4, 5
"""

# The demand figures of GROUP_BY_SQL over just the clinic-months a day's file touched.
DAY_GROUP_BY_SQL = (
    DEMAND_FIGURES_SQL
    + """JOIN unnest(%(clinic_ids)s::bigint[], %(months)s::date[]) AS t(clinic_id, month)
  ON t.clinic_id = a.clinic_id
 AND a.local_date >= t.month AND a.local_date < t.month + interval '1 month'
"""
    + DEMAND_GROUPS_SQL
)
# Appointments' slots as the template expansion keys them: provider, local day, local minute.
BOOKED_SLOTS_SQL = """
SELECT a.provider_id, a.local_date,
       (EXTRACT(HOUR FROM a.start AT TIME ZONE c.timezone) * 60
        + EXTRACT(MINUTE FROM a.start AT TIME ZONE c.timezone))::int
FROM capacity_appointment a JOIN clinics_clinic c ON c.id = a.clinic_id
WHERE a.local_date BETWEEN %(first)s AND %(last)s AND a.status <> 'cancelled'
  AND a.provider_id IS NOT NULL
"""

# What the scorecards read: per clinic × month × new/established, appointment outcomes.
SCORECARD_GROUP_BY_SQL = """
SELECT a.clinic_id, date_trunc('month', a.local_date), a.is_new_patient,
       COUNT(*) FILTER (WHERE a.status IN %(held)s),
       COUNT(*) FILTER (WHERE a.status IN %(kept)s),
       COUNT(*) FILTER (WHERE a.status = 'noshow')
FROM capacity_appointment a
GROUP BY 1, 2, 3
"""


@dataclass
class Timing:
    seconds: float
    detail: dict[str, Any] = field(default_factory=dict)


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


@contextmanager
def stages(targets: dict[str, tuple[Any, str]]) -> Iterator[dict[str, float]]:
    """Seconds spent in each named module function while the block runs.

    The import's stages (parse, check, write, 3-year rule) are reached through module
    attributes, so wrapping those attributes times them without touching the application.
    """
    spent = dict.fromkeys(targets, 0.0)
    originals = {name: getattr(module, attr) for name, (module, attr) in targets.items()}

    def wrap(name: str, function: Callable) -> Callable:
        def timed_call(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - started

        return timed_call

    for name, (module, attr) in targets.items():
        setattr(module, attr, wrap(name, originals[name]))
    try:
        yield spent
    finally:
        for name, (module, attr) in targets.items():
            setattr(module, attr, originals[name])


def network_seed(*, clinics: int, seed: int, today: date) -> dict[str, int]:
    """The demo network's supply side and users, without its appointment history."""
    clinic_services.demo_seed(clinics=clinics, seed=seed, today=today)
    return {
        "clinics": Clinic.objects.count(),
        "providers": Provider.objects.count(),
        "visit_types": VisitType.objects.count(),
    }


def window(today: date) -> tuple[date, date]:
    """Whole months from MONTHS_BACK months before this one to the month DAYS_AHEAD ahead."""
    months = today.year * 12 + today.month - 1 - MONTHS_BACK
    first = date(months // 12, months % 12 + 1, 1)
    return first, compute.month_end(today + timedelta(days=DAYS_AHEAD))


def appointments_file(*, count: int, today: date, seed: int) -> bytes:
    """The benchmark CSV on the network's template slots over the window."""
    first, last = window(today)
    # A month at a time, as the rollups work, so that the room bound's minute grid stays small.
    slots = pd.concat(
        [
            selectors.supply_slots(first=start, last=end)[SLOT_COLUMNS]
            for start, end in compute.months(first, last)
        ],
        ignore_index=True,
    )
    return data.appointments_csv(slots, *_codes(), count=count, today=today, seed=seed)


def _codes() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The network's clinic codes, provider NPIs and visit types, as the file names them."""
    return (
        pd.DataFrame.from_records(
            list(Clinic.objects.values_list("pk", "code")), columns=["clinic_id", "code"]
        ),
        pd.DataFrame.from_records(
            list(Provider.objects.values_list("pk", "npi")), columns=["provider_id", "npi"]
        ),
        pd.DataFrame.from_records(
            list(VisitType.objects.values_list("pk", "code", "minutes", "is_new_patient")),
            columns=["visit_type_id", "code", "minutes", "is_new_patient"],
        ),
    )


def copy_floor(content: bytes) -> Timing:
    """A raw COPY of the file's rows into a plain table, committed; the table is dropped after."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {FLOOR_TABLE}")
        cursor.execute(FLOOR_TABLE_SQL)

    def copy() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.copy_expert(
                f"COPY {FLOOR_TABLE} FROM STDIN WITH (FORMAT csv, HEADER true)",
                io.BytesIO(content),
            )

    seconds, _ = timed(copy)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {FLOOR_TABLE}")
        (rows,) = cursor.fetchone()
        cursor.execute(f"DROP TABLE {FLOOR_TABLE}")
    return Timing(seconds, {"rows": rows})


def import_figure(content: bytes) -> Timing:
    """The real import path: parse, check, write every row, the 3-year rule; one transaction."""
    with (
        stages(
            {
                "read": (importers, "read_csv"),
                "check": (importers, "validate"),
                "write": (services, "_appointments_write"),
                "3-year rule": (services, "_new_patients_derive"),
            }
        ) as spent,
        changes.held(),
    ):  # the bench works the pipeline itself; no worker is kicked
        seconds, summary = timed(
            lambda: services.appointments_import(content=content, source=SOURCE)
        )
    # Settle the new table as autovacuum would, so that it does not run during later timings.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE capacity_appointment")
    # What the stages leave is mostly the commit, where PostgreSQL checks the rows' deferred
    # foreign keys.
    stages_spent = {**spent, "commit and the rest": seconds - sum(spent.values())}
    return Timing(seconds, {"summary": summary, "stages": stages_spent})


def date_range() -> tuple[date, date]:
    """Whole months around the imported appointments' local days."""
    dates = Appointment.objects.filter(source=SOURCE).values_list("local_date", flat=True)
    first, last = dates.order_by("local_date").first(), dates.order_by("-local_date").first()
    return first.replace(day=1), compute.month_end(last)


def group_by_floor(*, first: date, last: date, today: date) -> Timing:
    """One SQL GROUP BY of the demand figures over the same rows, fetched to Python."""
    params = {
        "held": tuple(compute.HELD_STATUSES),
        "kept": tuple(compute.KEPT_STATUSES),
        "today": today,
        "first": first,
        "last": last,
    }

    def query() -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(GROUP_BY_SQL, params)
            return cursor.fetchall()

    seconds, rows = timed(query)
    return Timing(seconds, {"rows": len(rows)})


def rollup_figure(*, first: date, last: date, today: date) -> Timing:
    """`rollups_recompute` over every clinic and the whole range: supply, demand, stored rows."""
    seconds, written = timed(
        lambda: services.rollups_recompute(first=first, last=last, today=today)
    )
    return Timing(seconds, {"rows": written, "stored": DailyRollup.objects.count()})


def _statuses_group_by(sql: str) -> Timing:
    """One SQL GROUP BY over every appointment, by HELD and KEPT statuses, fetched."""
    params = {"held": tuple(compute.HELD_STATUSES), "kept": tuple(compute.KEPT_STATUSES)}

    def query() -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    seconds, rows = timed(query)
    return Timing(seconds, {"rows": len(rows)})


def caps_floor() -> Timing:
    """What the cap engine reads from every appointment."""
    return _statuses_group_by(CAPS_GROUP_BY_SQL)


def caps_figure(*, today: date) -> Timing:
    """`caps_recompute` over every clinic: caps, headroom and targets for 12 months."""
    seconds, written = timed(lambda: marketing_services.caps_recompute(today=today))
    return Timing(seconds, {"rows": written})


SCENARIO_TARGET = 0.8  # the what-if: every clinic planned at 80 % instead of its own target


def scenario_figure(*, today: date) -> Timing:
    """`scenario_compute` over every clinic for 12 months from this one: the current plan and
    the plan with every clinic's target utilization at SCENARIO_TARGET (a change that reaches
    every clinic), side by side, as a run computes them; nothing is written."""
    codes = list(Clinic.objects.order_by("code").values_list("code", flat=True))
    document = {
        "name": "every clinic at 80 %", "from": today.strftime("%Y-%m"), "months": 12,
        "changes": [{"target_utilization": {"clinic": c, "value": SCENARIO_TARGET}}
                    for c in codes],
    }  # fmt: skip
    seconds, results = timed(
        lambda: scenario_services.scenario_compute(document=document, today=today)
    )
    changed = sum(1 for r in results["rows"] if r["np_cap_change"])
    return Timing(
        seconds,
        {"rows": len(results["rows"]), "clinics": len(results["clinics"]), "changed": changed},
    )


def scorecard_floor() -> Timing:
    """Appointment outcomes per clinic × month."""
    return _statuses_group_by(SCORECARD_GROUP_BY_SQL)


def scorecard_figure(*, today: date) -> Timing:
    """`measurements_refresh`: every KPI for every scope, months and quarters of the window."""
    seconds, written = timed(lambda: scorecard_services.measurements_refresh(today=today))
    return Timing(seconds, {"rows": written})


def pipeline_settle() -> dict[str, Any]:
    """Drop the changes the full import recorded: the full figures above have just recomputed
    every number they reach, so the day's run starts with no other work pending."""
    reasons = sorted(
        set(Change.objects.filter(job_id__isnull=True).values_list("reason", flat=True))
    )
    deleted, _ = Change.objects.filter(job_id__isnull=True).delete()
    return {"changes": deleted, "reasons": reasons}


def day_file(*, count: int, today: date, seed: int) -> bytes:
    """A day's file from the scheduling system: `count` new appointments of every clinic,
    booked by yesterday, on template slots still free over the DAY_SPAN_DAYS days from today
    (double-booked only if too few are free)."""
    last = today + timedelta(days=DAY_SPAN_DAYS - 1)
    slots = selectors.supply_slots(first=today, last=last)[SLOT_COLUMNS]
    with connection.cursor() as cursor:
        cursor.execute(BOOKED_SLOTS_SQL, {"first": today, "last": last})
        booked = pd.DataFrame.from_records(
            cursor.fetchall(), columns=["provider_id", "date", "start_minute"]
        )
    booked = booked.astype({"date": "datetime64[s]", "start_minute": "float64"})
    keys = ["provider_id", "date", "start_minute"]
    free = slots.merge(booked.drop_duplicates(), on=keys, how="left", indicator=True)
    free = free[free["_merge"] == "left_only"].drop(columns="_merge")
    return data.appointments_csv(
        free.reset_index(drop=True), *_codes(), count=count, today=today, seed=seed,
        id_prefix=DAY_PREFIX,
    )  # fmt: skip


def day_figure(*, content: bytes, today: date) -> Timing:
    """A day's file end to end: `appointments_import` of the CSV, as the cron command runs it,
    then `pipeline.services.run_now` until every number the file reaches is fresh.

    The phases are timed by wrapping the module functions the import and the pipeline call:
    the import, taking the changes into a job, each clinic's rollups and its caps and targets,
    the scorecards' measurements; what is left is the pipeline's own bookkeeping.
    """
    targets = {
        "import": (services, "appointments_import"),
        "take": (pipeline_services, "dirty_take"),
        "rollups": (services, "rollups_recompute"),
        "caps": (marketing_services, "caps_recompute"),
        "measurements": (scorecard_services, "measurements_refresh"),
    }

    def day() -> tuple[dict[str, Any], list]:
        with changes.held():  # run in this process, in the pipeline's order, as run_now does
            summary = services.appointments_import(content=content, source=SOURCE)
        return summary, pipeline_services.run_now(today=today)

    with (
        stages(targets) as spent,
        stages({"caps: supply expansion": (marketing_selectors, "clinic_slots")}) as inner,
    ):
        seconds, (summary, jobs) = timed(day)
    if len(jobs) != 1 or jobs[0].status != JobStatus.DONE or pipeline_services.changes_untaken():
        raise RuntimeError(f"expected one finished job and nothing left: {jobs}")
    job = jobs[0]
    shares = list(JobClinic.objects.filter(job=job).values_list("seconds", flat=True))
    phases = {**spent, "pipeline bookkeeping": seconds - sum(spent.values())}
    return Timing(
        seconds,
        {
            "summary": summary,
            "phases": phases,
            "caps_supply_expansion": inner["caps: supply expansion"],
            "job": {
                "changes": job.changes,
                "clinics": job.clinics_total,
                "months": [job.months_from, job.months_to],
                "rollup_rows": job.rollup_rows,
                "goal_rows": job.goals,
                "measurements": job.measurements,
                "clinic_seconds": {
                    "min": min(shares),
                    "median": statistics.median(shares),
                    "max": max(shares),
                },
            },
        },
    )


def day_floor(*, content: bytes, today: date) -> Timing:
    """The least a day's file asks of the database: a raw COPY of its rows into a plain table,
    plus one SQL GROUP BY of the demand figures over the clinic-months its rows fall in."""
    copy = copy_floor(content)
    touched = list(
        Appointment.objects.filter(source=SOURCE, external_id__startswith=DAY_PREFIX)
        .annotate(month=TruncMonth("local_date"))
        .values_list("clinic_id", "month")
        .distinct()
    )
    params = {
        "held": tuple(compute.HELD_STATUSES),
        "kept": tuple(compute.KEPT_STATUSES),
        "today": today,
        "clinic_ids": [c for c, _ in touched],
        "months": [m for _, m in touched],
    }

    def query() -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(DAY_GROUP_BY_SQL, params)
            return cursor.fetchall()

    group_by, rows = timed(query)
    return Timing(
        copy.seconds + group_by,
        {
            "copy": copy.seconds,
            "rows": copy.detail["rows"],
            "group_by": group_by,
            "groups": len(rows),
            "clinic_months": len(touched),
            "clinics": len({c for c, _ in touched}),
        },
    )


def busiest_clinic() -> str:
    return (
        Appointment.objects.values("clinic__code")
        .annotate(n=Count("id"))
        .order_by("-n", "clinic__code")[0]["clinic__code"]
    )


def page_medians(*, code: str, username: str, requests: int, warmup: int = 3) -> Timing:
    """Median seconds of the clinic utilization page (`detail["floor"]`: of /healthz).

    Django's test client calls the WSGI handler in this process: middleware, session and
    login, view, queries and template are all timed, but no HTTP server or socket is. Both
    pages pay that the same way, and on two shared cores a separate server process would mostly
    add scheduling noise. Requesting the two in turn spreads any noise evenly over both.
    """
    client = Client(SERVER_NAME="localhost")
    client.force_login(User.objects.get(username=username))
    page, health = f"/capacity/clinics/{code}/", "/healthz"
    times: dict[str, list[float]] = {page: [], health: []}
    for n in range(warmup + requests):
        for path in (page, health):
            started = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")
            if n >= warmup:
                times[path].append(elapsed)
    return Timing(
        statistics.median(times[page]),
        {"floor": statistics.median(times[health]), "requests": requests},
    )


def machine() -> dict[str, str]:
    """What the figures depend on: cores, memory, CPU and the versions in play."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (pg_version,) = cursor.fetchone()
        cursor.execute("SHOW shared_buffers")
        (shared_buffers,) = cursor.fetchone()
    return {
        "cores": f"{os.cpu_count()} ({len(os.sched_getaffinity(0))} usable)",
        "cpu": cpu,
        "memory": f"{memory:.1f} GiB",
        "postgresql": f"{pg_version} (shared_buffers {shared_buffers})",
        "python": platform.python_version(),
        "django": django.get_version(),
        "pandas": pd.__version__,
    }
