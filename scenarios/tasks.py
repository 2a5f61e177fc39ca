from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from scenarios import services
from scenarios.models import Scenario

RETRY = {"acks_late": True, "autoretry_for": (OperationalError,), "retry_backoff": True,
         "retry_jitter": True}  # fmt: skip


@shared_task(**RETRY)
def scenario_run(scenario_id: int) -> None:
    """Compute one scenario beside the current plan; a rerun recomputes the same numbers."""
    scenario = Scenario.objects.filter(pk=scenario_id).first()
    if scenario is None:  # deleted after enqueue
        return
    services.scenario_run(scenario=scenario, today=timezone.localdate())
