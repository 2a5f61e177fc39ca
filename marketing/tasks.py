from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from marketing import services
from marketing.models import RecomputeJob

RETRY = {"acks_late": True, "autoretry_for": (OperationalError,), "retry_backoff": True,
         "retry_jitter": True}  # fmt: skip


@shared_task(**RETRY)
def plan_recompute(job_id: int) -> None:
    """Rollups, caps and targets for a job's clinics; a rerun changes nothing."""
    job = RecomputeJob.objects.filter(pk=job_id).first()
    if job is None:  # deleted after enqueue
        return
    services.recompute_run(job=job, today=timezone.localdate())


@shared_task(**RETRY)
def plan_nightly() -> None:
    """Beat, every night: every clinic's rollups, caps and targets, as a visible job."""
    services.recompute_enqueue(reason="nightly")
