import csv
import io
import json
import math

import pandas as pd
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from capacity import compute, selectors
from marketing import selectors as marketing_selectors
from scorecards import compute as scorecard_compute
from scorecards import selectors as scorecard_selectors
from scorecards.models import Audience

SCORECARD_HELP = """\
a scorecard's KPIs for a scope and period (DESIGN §4): kpi, perspective, value, target,
status. Values are unrounded, rates as fractions (0.873, not 87.3); a quarterly KPI asked for
a month shows its quarter. target is the green edge (at least it for a higher-is-better KPI,
at most for a lower one); a band KPI's target is [low, high] in JSON and "low-high" in CSV
(e.g. 0.85-0.95); empty (null) without a target, like value without data. status is green,
amber, red or grey (no value or no target)."""


class Command(BaseCommand):
    help = (
        "The numbers the pages show, for cron and for checking: "
        "report utilization|np-capacity|scorecard"
    )

    def add_arguments(self, parser):
        reports = parser.add_subparsers(dest="report", required=True)
        utilization = reports.add_parser("utilization", help="utilization per period (DESIGN §4)")
        scope = utilization.add_mutually_exclusive_group(required=True)
        scope.add_argument("--clinic")
        scope.add_argument("--region")
        scope.add_argument("--network", action="store_true")
        utilization.add_argument("--provider", help="NPI: one provider within the scope")
        utilization.add_argument("--from", dest="first", required=True, help="YYYY-MM")
        utilization.add_argument("--to", dest="last", required=True, help="YYYY-MM")
        utilization.add_argument("--by", choices=["month", "week", "day"], default="month")
        utilization.add_argument("--format", choices=["json", "csv"], default="json")
        capacity = reports.add_parser(
            "np-capacity", help="new-patient caps and their binding constraints (DESIGN §4)"
        )
        capacity.add_argument("--clinic", required=True)
        capacity.add_argument("--service-line", dest="service_line", required=True)
        capacity.add_argument("--from", dest="first", required=True, help="YYYY-MM")
        capacity.add_argument("--months", type=int, default=12, help="horizon (12)")
        capacity.add_argument("--format", choices=["json", "csv"], default="json")
        scorecard = reports.add_parser(
            "scorecard", help="a scorecard's KPIs, targets and status (DESIGN §4)",
            description=SCORECARD_HELP,
        )  # fmt: skip
        scorecard.add_argument(
            "--scope", required=True,
            help="network, organization:CODE, region:CODE or clinic:CODE",
        )  # fmt: skip
        scorecard.add_argument("--period", required=True, help="YYYY-MM or YYYY-Qn")
        scorecard.add_argument(
            "--audience", choices=Audience.values, default=Audience.BOARD,
            help="whose scorecard (board)",
        )  # fmt: skip
        scorecard.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args, report: str, **options):
        if report == "scorecard":
            self.scorecard(**options)
            return
        table = (
            self.utilization(**options) if report == "utilization" else self.np_capacity(**options)
        )
        if options["format"] == "csv":
            self.stdout.write(table.to_csv(index=False, lineterminator="\n"), ending="")
        else:
            records = [{k: _plain(v) for k, v in row.items()} for row in table.to_dict("records")]
            self.stdout.write(json.dumps(records, indent=2))

    def utilization(self, *, clinic, region, network, provider, first, last, by, **_):
        try:
            start, end = compute.month_span(first, last)
            return selectors.utilization_table(
                clinic=clinic, region=region, provider=provider, first=start, last=end, by=by
            )
        except ValueError as exc:  # a bad month, or selectors.ScopeError
            raise CommandError(str(exc)) from None

    def np_capacity(self, *, clinic, service_line, first, months, **_):
        try:
            return marketing_selectors.np_capacity_table(
                clinic=clinic, service_line=service_line, first=first, months=months,
                today=timezone.localdate(),
            )  # fmt: skip
        except ValueError as exc:  # marketing_selectors.CapScopeError
            raise CommandError(str(exc)) from None

    # -----------------------------------------------------------------------------------------
    # scorecard

    def scorecard(self, *, scope, period, audience, format, **_):
        try:
            found = scorecard_selectors.scope_get(scope)
            asked = scorecard_compute.period_parse(period)
        except ValueError as exc:  # scorecard_selectors.ScopeError or a bad period
            raise CommandError(str(exc)) from None
        table = scorecard_selectors.scorecard_table(audience, found, asked)
        rows = [
            {k: _plain(v) if k != "target" else _target(v) for k, v in row.items()}
            for row in table.to_dict("records")
        ]
        if format == "json":
            self.stdout.write(json.dumps(rows, indent=2))
            return
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["kpi", "perspective", "value", "target", "status"])
        for row in rows:
            target = row["target"]
            if isinstance(target, list):
                target = "-".join(_csv_number(v) for v in target)
            writer.writerow([
                row["kpi"], row["perspective"], _csv_number(row["value"]), _csv_number(target),
                row["status"],
            ])  # fmt: skip
        self.stdout.write(out.getvalue(), ending="")


def _plain(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    if pd.isna(value):
        return None
    if hasattr(value, "item"):
        value = value.item()
    return value


def _target(value):
    """A target as JSON gives it: a number, [low, high] for a band, or null."""
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return _plain(value)


def _csv_number(value) -> str:
    """A number as CSV gives it: unrounded, whole numbers without ".0", empty for none."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
