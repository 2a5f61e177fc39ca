import json
import math

import pandas as pd
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from capacity import compute, selectors
from marketing import selectors as marketing_selectors


class Command(BaseCommand):
    help = "The numbers the pages show, for cron and for checking: report utilization|np-capacity"

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

    def handle(self, *args, report: str, **options):
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


def _plain(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    if pd.isna(value):
        return None
    if hasattr(value, "item"):
        value = value.item()
    return value
