from celery import shared_task
from django.db import OperationalError

from clinics import services
from clinics.models import NetworkImport


@shared_task(
    acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, retry_jitter=True
)
def network_import_run(job_id: int) -> None:
    """Validate or apply one uploaded network file; running it twice changes nothing."""
    job = NetworkImport.objects.filter(pk=job_id).first()
    if job is None:  # deleted after enqueue
        return
    services.network_import_run(job=job)
