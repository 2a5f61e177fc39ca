"""`scenario run PATH.json --format json|csv`: a what-if on the current network (DESIGN §4),
computed as a run in the browser computes it, printed without touching the network."""

import json
from datetime import date

import pandas as pd
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from scenarios import compute, services


class Command(BaseCommand):
    help = "Run a scenario file against the current network and print its numbers."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="print the scenario beside the current plan")
        run.add_argument("path", help="the scenario file (JSON)")
        run.add_argument("--format", choices=["json", "csv"], default="json")
        run.add_argument("--today", help="plan as of this day, YYYY-MM-DD (default: today)")

    def handle(self, *args, action: str, path: str, format: str, today: str | None, **options):
        try:
            day = date.fromisoformat(today) if today else timezone.localdate()
        except ValueError:
            raise CommandError(f"--today: expected YYYY-MM-DD, got {today!r}") from None
        try:
            with open(path, encoding="utf-8") as fh:
                document = json.load(fh)
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"{path}: not a JSON file ({exc})") from None
        try:
            results = services.scenario_compute(document=document, today=day)
        except compute.ScenarioError as exc:
            lines = [f"{path}: the scenario cannot run", *exc.lines()]
            raise CommandError("\n".join(lines)) from None
        rows = [{k: row[k] for k in compute.RESULT_COLUMNS} for row in results["rows"]]
        if format == "csv":
            table = pd.DataFrame.from_records(rows, columns=compute.RESULT_COLUMNS)
            self.stdout.write(table.to_csv(index=False, lineterminator="\n"), ending="")
        else:
            self.stdout.write(json.dumps(rows, indent=2))
