from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from capacity import services
from capacity.models import AppointmentImport

RETRY = {"acks_late": True, "autoretry_for": (OperationalError,), "retry_backoff": True,
         "retry_jitter": True}  # fmt: skip


@shared_task(**RETRY)
def appointment_import_run(job_id: int) -> None:
    """Import one uploaded file; a rerun of a finished job changes nothing."""
    job = AppointmentImport.objects.filter(pk=job_id).first()
    if job is None:  # deleted after enqueue
        return
    services.import_run(job=job, today=timezone.localdate())


@shared_task(**RETRY)
def tnaa_daily() -> None:
    """Beat, every morning: today's third next available for every provider and clinic."""
    today = timezone.localdate()
    services.tnaa_record(first=today, last=today)
