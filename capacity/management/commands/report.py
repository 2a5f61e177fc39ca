import json
import math
from datetime import date

import pandas as pd
from django.core.management.base import BaseCommand, CommandError

from capacity import compute, selectors
from clinics.models import Clinic, Provider, Region

# Minutes and counts print as whole numbers; available minutes under an exam-room bound can be
# fractional, so they round down like every capacity count (DESIGN §3).
COUNTS = (
    "available_minutes", "booked_minutes", "kept_minutes", "unutilized_minutes",
    "available_slots", "booked_slots", "late_cancellations",
)  # fmt: skip


def month_start(text: str) -> date:
    try:
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        raise CommandError(f"{text!r} is not a month YYYY-MM") from None


def month_end(text: str) -> date:
    start = month_start(text)
    following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


class Command(BaseCommand):
    help = "The numbers the pages show, for cron and for checking: report utilization …"

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

    def handle(self, *args, report: str, **options):
        table = self.utilization(**options)
        if options["format"] == "csv":
            self.stdout.write(table.to_csv(index=False, lineterminator="\n"), ending="")
        else:
            records = [{k: _plain(v) for k, v in row.items()} for row in table.to_dict("records")]
            self.stdout.write(json.dumps(records, indent=2))

    def utilization(self, *, clinic, region, network, provider, first, last, by, **_):
        start, end = month_start(first), month_end(last)
        if end < start:
            raise CommandError("--to is before --from")
        try:
            clinic_ids = selectors.scope_clinic_ids(clinic=clinic, region=region)
            provider_id = Provider.objects.get(npi=provider).pk if provider else None
        except Clinic.DoesNotExist:
            raise CommandError(f"unknown clinic {clinic!r}") from None
        except Region.DoesNotExist:
            raise CommandError(f"unknown region {region!r}") from None
        except Provider.DoesNotExist:
            raise CommandError(f"unknown provider NPI {provider!r}") from None
        rows = selectors.rollup_frame(
            first=start, last=end, clinic_ids=clinic_ids, provider_id=provider_id
        )
        table = compute.utilization_report(rows, by)
        for name in COUNTS:
            table[name] = table[name].astype("int64")
        scope = clinic or region or "network"
        if provider:
            scope = f"{scope}/{provider}"
        table.insert(1, "scope", scope)
        return table


def _plain(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    if pd.isna(value):
        return None
    if hasattr(value, "item"):
        value = value.item()
    return value
