from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from capacity import selectors as capacity_selectors
from clinics.models import Clinic
from pipeline import services


class Command(BaseCommand):
    help = (
        "Recompute from scratch, now and in this process, every clinic's or one clinic's "
        "rollups (their whole history and the quarter ahead), caps and targets over the "
        "12-month horizon, and the scorecards' measurements. Changes recorded by imports and "
        "edits are taken along."
    )

    def add_arguments(self, parser):
        parser.add_argument("--clinic", help="clinic code (default: every clinic)")
        parser.add_argument(
            "--background",
            action="store_true",
            help="queue the recompute for the Celery workers instead of running it here",
        )

    def handle(self, *args, clinic, background, **options):
        try:
            clinic_ids = capacity_selectors.scope_clinic_ids(clinic=clinic)
        except Clinic.DoesNotExist:
            raise CommandError(f"unknown clinic {clinic!r}") from None
        reason = f"recompute command ({clinic or 'every clinic'})"
        services.recompute_request(reason=reason, clinic_ids=clinic_ids, kick=background)
        if background:
            self.stdout.write("recompute queued; follow it on the Jobs page")
            return
        for job in services.run_now(today=timezone.localdate()):
            clinics = f"{job.clinics_total} clinic{'' if job.clinics_total == 1 else 's'}"
            span = (
                f"{job.months_from:%Y-%m} to {job.months_to:%Y-%m}"
                if job.months_from and job.months_to
                else "every month"
            )
            self.stdout.write(
                f"job {job.pk}: {clinics}, {job.rollup_rows} rollup rows ({span}), "
                f"{job.goals} goal rows (caps, headroom, targets), "
                f"{job.measurements} measurements in {job.duration_seconds or 0:.1f} s"
            )
