"""Demand against supply: imported appointments and the import jobs that bring them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from clinics.models import Clinic, Provider, VisitType


class Status(models.TextChoices):
    BOOKED = "booked"
    ARRIVED = "arrived"
    FULFILLED = "fulfilled"
    NOSHOW = "noshow"
    CANCELLED = "cancelled"


HELD = (Status.BOOKED, Status.ARRIVED, Status.FULFILLED, Status.NOSHOW)
KEPT = (Status.ARRIVED, Status.FULFILLED)


class Appointment(models.Model):
    """One imported appointment; (source, external_id) identifies it across re-imports.

    `patient_key` is a keyed hash of the source's patient identifier (DESIGN §7): no names,
    birth dates or contact details are stored. `local_date` is the start's date in the
    clinic's timezone, the day every rollup buckets it by.
    """

    source = models.CharField(max_length=64)
    external_id = models.CharField(max_length=128)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="appointments")
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    visit_type = models.ForeignKey(VisitType, on_delete=models.PROTECT, related_name="appointments")
    start = models.DateTimeField()
    local_date = models.DateField()
    duration_minutes = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices)
    booked_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    is_new_patient = models.BooleanField()
    new_patient_derived = models.BooleanField(
        default=False, help_text="The source did not say; derived by the 3-year rule."
    )
    history_limited = models.BooleanField(
        default=False, help_text="Derived from less than 3 years of history."
    )
    patient_key = models.CharField(max_length=64, blank=True)
    referral_source = models.CharField(max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="appointment_source_id"),
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0) & Q(duration_minutes__lte=1440),
                name="appointment_duration_range",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in Status]),
                name="appointment_status_known",
            ),
        ]
        indexes = [
            models.Index(fields=["clinic", "local_date"]),
            models.Index(fields=["provider", "local_date"]),
            models.Index(fields=["patient_key", "local_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id} {self.status}"


class AppointmentImport(models.Model):
    """An appointment file imported by a Celery job (upload page, API) or the CLI."""

    class State(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    source = models.CharField(max_length=64)
    filename = models.CharField(max_length=255, blank=True)
    file_format = models.CharField(max_length=8, default="csv")
    content = models.BinaryField(help_text="The uploaded file, kept until the job has run.")
    mapping = models.JSONField(null=True, blank=True)
    dry_run = models.BooleanField(default=False)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename or self.source} ({self.state})"


class DailyRollup(models.Model):
    """Supply and demand of one clinic × provider × new/established × local day (DESIGN §3).

    Every figure for any scope and period is summed from these rows; ratios are divided only
    after summing. Rows are replaced by (clinic, dates) on recompute, never edited. A null
    provider holds the clinic-level appointments that name no provider.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="rollups")
    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, null=True, blank=True, related_name="rollups"
    )
    is_new_patient = models.BooleanField()
    date = models.DateField()
    available_minutes = models.FloatField(default=0)
    available_slots = models.FloatField(default=0)
    held_minutes = models.PositiveIntegerField(default=0)
    held_count = models.PositiveIntegerField(default=0)
    kept_minutes = models.PositiveIntegerField(default=0)
    kept_count = models.PositiveIntegerField(default=0)
    noshow_count = models.PositiveIntegerField(default=0)
    cancelled_count = models.PositiveIntegerField(default=0)
    late_cancel_count = models.PositiveIntegerField(default=0)
    unresolved_count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["clinic", "date"]),
            models.Index(fields=["date"]),
        ]
        # One row per key, so that two recomputes of the same days can never both write:
        # the second fails and is retried instead of doubling every figure.
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "provider", "is_new_patient", "date"],
                condition=models.Q(provider__isnull=False),
                name="rollup_provider_day_unique",
            ),
            models.UniqueConstraint(
                fields=["clinic", "is_new_patient", "date"],
                condition=models.Q(provider__isnull=True),
                name="rollup_clinic_day_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clinic_id}/{self.provider_id}/{self.date}"


class ImportedSlot(models.Model):
    """A slot from a site's real calendar (FHIR `Slot`); (source, external_id) identifies it.

    Where a provider has imported slots at a clinic on a day, they replace that provider-day's
    template slots (DESIGN §2). `available` is False for `busy-unavailable` (blocked time,
    no supply, but the day is still replaced); `busy` records that the site's calendar already
    shows it taken, which third-next-available reads.
    """

    source = models.CharField(max_length=64)
    external_id = models.CharField(max_length=128)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="imported_slots")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="imported_slots")
    visit_type = models.ForeignKey(
        VisitType, on_delete=models.PROTECT, null=True, blank=True, related_name="imported_slots"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    local_date = models.DateField()
    start_minute = models.PositiveSmallIntegerField()
    end_minute = models.PositiveSmallIntegerField()
    available = models.BooleanField()
    busy = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="slot_source_id"),
            models.CheckConstraint(
                condition=Q(end_minute__gt=F("start_minute")) & Q(end_minute__lte=1440),
                name="slot_minutes_in_day",
            ),
        ]
        indexes = [models.Index(fields=["clinic", "local_date"])]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id} {self.local_date}"


class ThirdNextAvailable(models.Model):
    """Third next available appointment (DESIGN §3) as recorded at the start of one day.

    One row per provider × clinic × new/established class × day. `days` is null and
    `censored` set when fewer than three free slots fall within the horizon: such a record
    stays out of means. Rows are replaced by (clinic, date) on each run.
    """

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="tnaa")
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="tnaa")
    is_new_patient = models.BooleanField()
    date = models.DateField()
    days = models.PositiveSmallIntegerField(null=True, blank=True)
    censored = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "clinic", "is_new_patient", "date"], name="tnaa_key"
            ),
            models.CheckConstraint(
                condition=(
                    Q(censored=True, days__isnull=True) | Q(censored=False, days__isnull=False)
                ),
                name="tnaa_days_unless_censored",
            ),
        ]
        indexes = [models.Index(fields=["clinic", "date"])]

    def __str__(self) -> str:
        return f"{self.provider_id}@{self.clinic_id} {self.date}: {self.days}"
