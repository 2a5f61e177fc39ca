"""`python -m bench.run [--appointments N]`: the scale figures of DESIGN §6 beside their floors.

Drops and recreates the PostgreSQL database that DATABASE_URL names (its name must contain
"bench"), migrates it, loads the demo network's supply side, generates an appointment file on
its template slots and times:

1. the import of that file through `capacity.services.appointments_import`, beside a raw
   `COPY` of the same rows into a plain table;
2. `capacity.services.rollups_recompute` over all clinics and the whole range, beside one SQL
   `GROUP BY` of the same figures over the same rows;
3. the clinic utilization page's median response time, beside /healthz's;
4. `marketing.services.caps_recompute` (caps and targets, all clinics, 12 months) and a
   what-if scenario over every clinic for 12 months (`scenario_compute`), both beside one SQL
   `GROUP BY` of what the caps read, so that the two ratios compare;
5. the incremental day: a day's file of new appointments over every clinic (`--day` rows)
   through `appointments_import`, then `pipeline.services.run_now` until every number is fresh,
   beside a raw `COPY` of those rows plus one SQL `GROUP BY` over the clinic-months they touch.

Progress goes to stderr; the report to stdout, and with `--json PATH` the figures to PATH.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

import django
import psycopg2
from django.conf import settings
from django.core.management import call_command
from django.test.utils import override_settings
from django.utils import timezone
from psycopg2 import sql

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "growthplan.settings")

BENCH_USER = "board"  # a read-only demo role that may see every clinic's utilization


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description="The scale figures of DESIGN §6, each beside a floor timed in the same run.",
    )
    parser.add_argument(
        "--appointments", type=int, default=1_000_000, metavar="N",
        help="rows in the import (1,000,000)",
    )  # fmt: skip
    parser.add_argument(
        "--clinics", type=int, default=40, metavar="N", help="clinics in the network (40)"
    )
    parser.add_argument(
        "--requests", type=int, default=20, help="timed requests per page (20), after 3 warm-ups"
    )
    parser.add_argument(
        "--day", type=int, default=5_000, metavar="N",
        help="new appointments in the incremental day's file (5,000)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=7, help="random seed (7)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    args = parser.parse_args(argv)
    if min(args.appointments, args.clinics, args.requests, args.day) < 1:
        parser.error("--appointments, --clinics, --requests and --day must be positive")
    return args


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def database_reset() -> str:
    """Drop and recreate the benchmark database, so that every run starts from the same state.

    Dropping is destructive, so a database whose name lacks "bench" is refused.
    """
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("The benchmark runs on PostgreSQL: set DATABASE_URL=postgres://…")
    name = db["NAME"]
    if "bench" not in name:
        raise SystemExit(
            f"Refusing to drop database {name!r}: the benchmark recreates its database, "
            "so its name must contain 'bench' (e.g. growthplan_bench)."
        )
    admin = psycopg2.connect(
        dbname="postgres",
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
    )
    admin.autocommit = True  # DROP and CREATE DATABASE cannot run inside a transaction
    try:
        with admin.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        admin.close()
    return name


def main(argv: list[str] | None = None) -> None:
    args = arguments(argv)
    began = time.perf_counter()
    # collectstatic has not run: whitenoise warns once, which says nothing about the figures.
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    django.setup()
    # Models can be imported only once Django is set up.
    from bench import measure

    progress(f"recreating database {database_reset()} and migrating")
    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    # Production runs without DEBUG's log of every query. The static storage and security
    # settings that DEBUG chose at start-up stay, so the pages still render from plain static.
    with override_settings(DEBUG=False):
        progress(f"loading the demo network with {args.clinics} clinics")
        network = measure.network_seed(clinics=args.clinics, seed=args.seed, today=today)
        progress(f"generating {args.appointments:,} appointments on the template slots")
        generated, content = measure.timed(
            lambda: measure.appointments_file(count=args.appointments, today=today, seed=args.seed)
        )
        progress(f"file: {len(content) / 2**20:.0f} MiB in {generated:.1f} s; COPY floor")
        copy = measure.copy_floor(content)
        progress(f"COPY: {copy.seconds:.1f} s; importing through appointments_import")
        imported = measure.import_figure(content)
        del content
        first, last = measure.date_range()
        progress(f"import: {imported.seconds:.1f} s; GROUP BY floor over {first} – {last}")
        group_by = measure.group_by_floor(first=first, last=last, today=today)
        progress(f"GROUP BY: {group_by.seconds:.1f} s; rollups_recompute")
        rollups = measure.rollup_figure(first=first, last=last, today=today)
        progress(f"rollups: {rollups.seconds:.1f} s; caps GROUP BY floor")
        caps_floor = measure.caps_floor()
        progress(f"caps GROUP BY: {caps_floor.seconds:.1f} s; caps_recompute")
        caps = measure.caps_figure(today=today)
        progress(f"caps: {caps.seconds:.1f} s; a scenario over every clinic, 12 months")
        scenario = measure.scenario_figure(today=today)
        progress(f"scenario: {scenario.seconds:.1f} s; scorecard GROUP BY floor")
        scorecard_floor = measure.scorecard_floor()
        progress(f"scorecard GROUP BY: {scorecard_floor.seconds:.1f} s; measurements_refresh")
        scorecards = measure.scorecard_figure(today=today)
        code = measure.busiest_clinic()
        progress(f"scorecards: {scorecards.seconds:.1f} s; pages ({args.requests} requests each)")
        pages = measure.page_medians(code=code, username=BENCH_USER, requests=args.requests)
        settled = measure.pipeline_settle()
        progress(
            f"pages: {pages.seconds * 1000:.0f} ms; settled the full import's "
            f"{settled['changes']} changes; a day's file of {args.day:,} appointments"
        )
        day_content = measure.day_file(count=args.day, today=today, seed=args.seed + 1)
        day = measure.day_figure(content=day_content, today=today)
        progress(f"day: {day.seconds:.1f} s; its floor (COPY and GROUP BY)")
        day_floor = measure.day_floor(content=day_content, today=today)
        facts = measure.machine()
    rows = args.appointments
    if imported.detail["summary"]["created"] != rows or copy.detail["rows"] != rows:
        raise SystemExit(f"expected {rows:,} rows: {imported.detail['summary']}, {copy.detail}")
    if day.detail["summary"]["created"] != args.day or day_floor.detail["rows"] != args.day:
        raise SystemExit(f"expected {args.day:,} new rows: {day.detail['summary']}")
    n = pages.detail["requests"]
    job = day.detail["job"]
    figures = [
        (f"import {rows:,} appointments (CSV)", imported,
         "raw COPY of the same rows, plain table", copy.seconds, "s"),
        ("rollups_recompute, all clinics", rollups,
         "SQL GROUP BY of the same figures", group_by.seconds, "s"),
        ("caps and targets, all clinics, 12 months", caps,
         "SQL GROUP BY of what the caps read", caps_floor.seconds, "s"),
        ("scenario, all clinics, 12 months", scenario,
         "SQL GROUP BY of what the caps read", caps_floor.seconds, "s"),
        ("scorecard measurements, all scopes", scorecards,
         "SQL GROUP BY of appointment outcomes", scorecard_floor.seconds, "s"),
        (f"/capacity/clinics/{code}/ median of {n}", pages,
         f"/healthz median of {n}", pages.detail["floor"], "ms"),
        (f"incremental day: {args.day:,} rows, fresh", day,
         "COPY + GROUP BY of touched clinic-months", day_floor.seconds, "s"),
    ]  # fmt: skip
    lines = [
        f"Growthplan benchmark: {rows:,} appointments, {network['clinics']} clinics, "
        f"{network['providers']} providers, local days {first} – {last}",
        "machine: " + "; ".join(f"{k} {v}" for k, v in facts.items()),
        "",
        f"{'figure':<44}{'time':>10}   {'floor':<40}{'time':>10}{'ratio':>9}",
        *(_row(name, figure.seconds, floor, floor_seconds, unit)
          for name, figure, floor, floor_seconds, unit in figures),
        "",
        f"import rate: {rows / imported.seconds:,.0f} rows/s (COPY {rows / copy.seconds:,.0f})",
        "import stages: "
        + ", ".join(f"{name} {s:.1f} s" for name, s in imported.detail["stages"].items()),
        f"rollups: {rollups.detail['rows']:,} rows written; "
        f"GROUP BY: {group_by.detail['rows']:,} demand groups",
        f"caps: {caps.detail['rows']:,} clinic × service line × month rows; "
        f"GROUP BY: {caps_floor.detail['rows']:,} patient-month groups",
        f"scenario: {scenario.detail['rows']:,} clinic × month rows over "
        f"{scenario.detail['clinics']} clinics ({scenario.detail['changed']:,} caps changed), "
        f"{scenario.seconds / caps.seconds:.1f}× the plan's recompute",
        f"scorecards: {scorecards.detail['rows']:,} measurements written; "
        f"GROUP BY: {scorecard_floor.detail['rows']:,} clinic-month groups",
        f"day: {day.detail['summary']['created']:,} new appointments over "
        f"{day_floor.detail['clinics']} clinics, {day_floor.detail['clinic_months']} "
        f"clinic-months; job: {job['clinics']} clinics, months {job['months'][0]} – "
        f"{job['months'][1]}, {job['rollup_rows']:,} rollup rows, {job['goal_rows']:,} goal rows, "
        f"{job['measurements']:,} measurements",
        "day phases: "
        + ", ".join(f"{name} {s:.2f} s" for name, s in day.detail["phases"].items())
        + f" (caps' supply expansion {day.detail['caps_supply_expansion']:.2f} s)",
        "day per clinic (rollups and caps): "
        + ", ".join(f"{k} {v:.2f} s" for k, v in job["clinic_seconds"].items()),
        f"day floor: COPY {day_floor.detail['copy'] * 1000:.0f} ms, GROUP BY "
        f"{day_floor.detail['group_by'] * 1000:.0f} ms ({day_floor.detail['groups']:,} groups)",
        f"run: {time.perf_counter() - began:.0f} s in all",
    ]  # fmt: skip
    print("\n".join(lines))
    if args.json:
        report = {
            "appointments": rows,
            "clinics": network["clinics"],
            "providers": network["providers"],
            "days": [first, last],
            "machine": facts,
            "seconds": time.perf_counter() - began,
            "figures": [
                {
                    "figure": name,
                    "seconds": figure.seconds,
                    "floor": floor,
                    "floor_seconds": floor_seconds,
                    "ratio": figure.seconds / floor_seconds,
                    "detail": figure.detail,
                }
                for name, figure, floor, floor_seconds, _ in figures
            ],
        }
        report["figures"][-1]["floor_detail"] = day_floor.detail
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")


def _row(figure: str, seconds: float, floor: str, floor_seconds: float, unit: str = "s") -> str:
    scale = 1000 if unit == "ms" else 1
    amount, floor_amount = f"{seconds * scale:.1f} {unit}", f"{floor_seconds * scale:.1f} {unit}"
    ratio = f"{seconds / floor_seconds:.1f}×"
    return f"{figure:<44}{amount:>10}   {floor:<40}{floor_amount:>10}{ratio:>9}"


if __name__ == "__main__":
    main()
