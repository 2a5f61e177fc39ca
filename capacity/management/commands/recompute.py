from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from capacity import selectors, services
from capacity.models import Appointment
from clinics.models import Clinic
from marketing import services as marketing_services


class Command(BaseCommand):
    help = (
        "Recompute rollups, caps and targets now (DESIGN §4), for every clinic or one: rollups "
        "over the appointment history, then each service line's goals over the 12-month horizon."
    )

    def add_arguments(self, parser):
        parser.add_argument("--clinic", help="clinic code (default: every clinic)")
        parser.add_argument("--from", dest="first", type=date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="last", type=date.fromisoformat, help="YYYY-MM-DD")

    def handle(self, *args, clinic, first, last, **options):
        today = timezone.localdate()
        try:
            clinic_ids = selectors.scope_clinic_ids(clinic=clinic)
        except Clinic.DoesNotExist:
            raise CommandError(f"unknown clinic {clinic!r}") from None
        dates = Appointment.objects.order_by("local_date").values_list("local_date", flat=True)
        first = first or dates.first() or today.replace(day=1)
        last = last or max(dates.last() or today, today + timedelta(days=92))
        rows = services.rollups_recompute(
            first=first, last=last, today=today, clinic_ids=clinic_ids
        )
        self.stdout.write(f"{rows} rollup rows for {first} to {last}")
        goals = marketing_services.plan_recompute(today=today, clinic_ids=clinic_ids)
        months = marketing_services.HORIZON_MONTHS
        self.stdout.write(
            f"{goals} goal rows (caps, headroom, targets) for {months} months from {today:%Y-%m}"
        )
