"""Thin Celery shells over the pipeline's services; every task is safe to run twice."""

from celery import group, shared_task
from django.db import OperationalError
from django.utils import timezone

from pipeline import services
from pipeline.models import RecomputeJob

RETRY = {"acks_late": True, "autoretry_for": (OperationalError,), "retry_backoff": True,
         "retry_jitter": True, "max_retries": 5}  # fmt: skip


@shared_task(**RETRY)
def pipeline_run() -> None:
    """Take the recorded changes into one job and fan its clinics out over the workers; a
    burst of changes finds the first run's job already holding them and queues nothing."""
    job = services.dirty_take()
    if job is None:
        return
    clinic_ids = services.job_clinic_ids(job=job)
    if not clinic_ids:
        if services.kpis_due(job=job):
            kpis_refresh.delay(job.pk)
        return
    group(clinic_refresh.si(job.pk, clinic_id) for clinic_id in clinic_ids).delay()


@shared_task(bind=True, **RETRY)
def clinic_refresh(self, job_id: int, clinic_id: int) -> None:
    """One clinic's rollups, caps and targets; the last clinic of a job queues its KPIs."""
    job = RecomputeJob.objects.filter(pk=job_id).first()
    if job is None:  # deleted after enqueue
        return
    try:
        last = services.clinic_refresh(
            job=job, clinic_id=clinic_id, today=timezone.localdate(),
            worker=self.request.hostname or "",
        )  # fmt: skip
    except OperationalError:
        raise  # retried
    except Exception as exc:
        services.job_fail(job_id=job_id, error=exc)
        raise
    if last:
        kpis_refresh.delay(job_id)


@shared_task(**RETRY)
def kpis_refresh(job_id: int) -> None:
    """The scorecards' measurements once a job's clinics are done; then the job is done."""
    job = RecomputeJob.objects.filter(pk=job_id).first()
    if job is None:
        return
    try:
        services.kpis_refresh(job=job, today=timezone.localdate())
    except OperationalError:
        raise
    except Exception as exc:
        services.job_fail(job_id=job_id, error=exc)
        raise


@shared_task(**RETRY)
def pipeline_nightly() -> None:
    """Beat, every night: what the passing of a day changed, for every clinic."""
    services.nightly_request(today=timezone.localdate())


@shared_task(**RETRY)
def pipeline_sweep() -> None:
    """Beat, every minute: run changes whose kick never reached a worker, and send again the
    steps of jobs that stopped moving (their worker died with its tasks)."""
    if services.changes_untaken():
        pipeline_run.delay()
    for job in services.jobs_stalled(now=timezone.now()):
        clinic_ids, kpis = services.job_resumed(job=job)
        for clinic_id in clinic_ids:
            clinic_refresh.delay(job.pk, clinic_id)
        if kpis:
            kpis_refresh.delay(job.pk)
