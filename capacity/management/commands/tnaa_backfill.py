from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from capacity import selectors, services
from clinics.models import Clinic


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date YYYY-MM-DD") from None


class Command(BaseCommand):
    help = (
        "Record third next available for past days, replayed from booking and cancellation "
        "times (appointments without a booking time count as booked long before)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="last", help="last day, YYYY-MM-DD (default: today)")
        parser.add_argument("--clinic", help="clinic code (default: every clinic)")

    def handle(self, *args, first, last, clinic, **options):
        first = _day(first)
        last = _day(last) if last else timezone.localdate()
        if last < first:
            raise CommandError(f"--to {last} is before --from {first}")
        try:
            clinic_ids = selectors.scope_clinic_ids(clinic=clinic)
        except Clinic.DoesNotExist:
            raise CommandError(f"unknown clinic {clinic!r}") from None
        # A month at a time keeps the slot frames small over long backfills.
        total = {"records": 0, "censored": 0}
        start = first
        while start <= last:
            end = min(last, start + timedelta(days=30))
            done = services.tnaa_record(first=start, last=end, clinic_ids=clinic_ids)
            total = {k: total[k] + done[k] for k in total}
            start = end + timedelta(days=1)
        self.stdout.write(
            f"{total['records']} third-next-available records for {first} to {last} "
            f"({total['censored']} censored)"
        )
