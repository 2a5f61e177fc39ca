"""The pipeline's own records: each recompute job, and the clinics it fans out over."""

from __future__ import annotations

from django.db import models


class JobStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class RecomputeJob(models.Model):
    """One pass of the pipeline over the changes recorded since the last one.

    Kept so that operations see what ran, why, over which clinics and months, how far it has
    gone, how long it took and whether it failed.
    """

    reason = models.TextField(help_text="The reasons of the changes it took, coalesced.")
    changes = models.PositiveIntegerField(default=0, help_text="Changes taken.")
    clinic_codes = models.JSONField(default=list, blank=True, help_text="Clinics recomputed.")
    every_clinic = models.BooleanField(default=False)
    supply = models.BooleanField(default=False, help_text="The network itself changed.")
    measure_from = models.DateField(
        null=True, blank=True, help_text="The first month whose visits changed; empty: any."
    )
    months_from = models.DateField(null=True, blank=True)
    months_to = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=JobStatus.choices, default=JobStatus.QUEUED)
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    clinics_total = models.PositiveIntegerField(default=0)
    clinics_done = models.PositiveIntegerField(default=0)
    rollup_rows = models.PositiveIntegerField(default=0)
    goals = models.PositiveIntegerField(default=0, help_text="Goal rows written.")
    measurements = models.PositiveIntegerField(
        default=0, help_text="Scorecard measurements written."
    )
    kpis_queued = models.BooleanField(default=False)
    moved_at = models.DateTimeField(
        null=True, blank=True, help_text="When a step of it last began or ended."
    )
    messages = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-queued_at", "-pk"]
        indexes = [models.Index(fields=["-queued_at"])]

    def __str__(self) -> str:
        return f"{self.reason[:60]} ({self.status})"

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def percent(self) -> int:
        steps = self.clinics_total + 1  # the KPI refresh is the last step
        done = self.clinics_done + (1 if self.status == JobStatus.DONE else 0)
        return round(100 * done / steps)


class JobClinic(models.Model):
    """One clinic's share of a job: its months, how far it reaches, and whether it is done.

    A plain clinic id, not a key: a clinic deleted after the change ends its share with a
    message instead of failing the job.
    """

    job = models.ForeignKey(RecomputeJob, on_delete=models.CASCADE, related_name="clinics")
    clinic_id = models.PositiveBigIntegerField()
    first = models.DateField(null=True, blank=True)
    last = models.DateField(null=True, blank=True)
    reach = models.CharField(max_length=8)
    done = models.BooleanField(default=False)
    seconds = models.FloatField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True, help_text="Who recomputed it.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "clinic_id"], name="job_clinic_unique")
        ]

    def __str__(self) -> str:
        return f"job {self.job_id} clinic #{self.clinic_id} ({'done' if self.done else 'to do'})"
