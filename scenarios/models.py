"""What-if scenarios on top of the current network (DESIGN §2, §4).

Scenarios sit above marketing: a run computes the plan's caps, so this app reads clinics,
capacity and marketing, and none of them reads it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Scenario(models.Model):
    """A what-if on top of the current network (DESIGN §2, §4): its file, its last run's
    numbers beside the current plan, and whether it was applied. Never touches the network
    until applied."""

    class Status(models.TextChoices):
        DRAFT = "draft"
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"
        APPLIED = "applied"

    name = models.CharField(max_length=200)
    document = models.JSONField(help_text="The scenario file (DESIGN §4).")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    results = models.JSONField(null=True, blank=True)
    ran_document = models.JSONField(
        null=True, blank=True, help_text="The file the results were computed for."
    )
    network_snapshot = models.JSONField(
        null=True, blank=True, help_text="The network file the results were computed on."
    )
    network_fingerprint = models.CharField(
        max_length=64,
        blank=True,
        help_text="compute.network_fingerprint of the snapshot: tells a stale run without "
        "reading it.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    ran_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    applied_import = models.ForeignKey(
        "clinics.NetworkImport", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        # The table it had inside the capacity app: moving the model kept the rows.
        db_table = "capacity_scenario"
        ordering = ["-updated_at", "-pk"]
        permissions = [("apply_scenario", "Can apply a scenario to the network")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_current(self) -> bool:
        """Whether the results belong to the file as it is now."""
        return self.results is not None and self.ran_document == self.document

    @property
    def progress(self) -> int:
        return round(100 * self.progress_done / self.progress_total) if self.progress_total else 0
