from celery import shared_task
from django.utils import timezone

from marketing.tasks import RETRY
from scorecards import services


@shared_task(**RETRY)
def measurements_refresh() -> None:
    """Every computed, rolled-up and derived measurement of the window; a rerun changes nothing."""
    services.measurements_refresh(today=timezone.localdate())
