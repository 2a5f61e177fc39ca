"""Demand side: monthly new-patient goals, capped by capacity, and every change to them."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from clinics.models import Clinic, ServiceLine


class GoalStatus(models.TextChoices):
    CAPPED = "capped", "Capped by capacity"
    OVERRIDE_REQUESTED = "override_requested", "Override requested"
    OVERRIDE_APPROVED = "override_approved", "Override approved"
    OVERRIDE_REFUSED = "override_refused", "Override refused"


class NewPatientGoal(models.Model):
    """Marketing's requested new patients for one clinic × service line × month (DESIGN §2).

    The recompute job keeps a row for every clinic × service line × month of the horizon, so
    that headroom reads from one table; a row whose `requested` is null is no goal yet, and its
    target is the cap the app recommends. `cap` and `binding_constraint` come from the cap
    engine; `target` = min(requested, cap), or the requested number once operations approve an
    override. `version` rises on every
    save, so that a second person saving from a stale page is told rather than overwriting.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="goals")
    service_line = models.ForeignKey(ServiceLine, on_delete=models.PROTECT, related_name="goals")
    month = models.DateField(help_text="The first day of the month.")
    requested = models.PositiveIntegerField(null=True, blank=True)
    cap = models.PositiveIntegerField(default=0)
    binding_constraint = models.CharField(max_length=32, blank=True)
    target = models.PositiveIntegerField(default=0)
    np_slots_available = models.PositiveIntegerField(default=0)
    np_booked = models.PositiveIntegerField(default=0, help_text="New patients already booked.")
    np_headroom = models.PositiveIntegerField(default=0, help_text="cap − already booked")
    established_headroom = models.PositiveIntegerField(
        default=0, help_text="Established minutes left once follow-ups are owed."
    )
    computed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=24, choices=GoalStatus.choices, default=GoalStatus.CAPPED)
    override_reason = models.TextField(blank=True, help_text="Why marketing asks for more.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="goals_requested",
    )  # fmt: skip
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="goals_decided",
    )  # fmt: skip
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["clinic__code", "service_line__code", "month"]
        permissions = [("decide_override", "Can approve or refuse an override request")]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "service_line", "month"], name="goal_clinic_line_month"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="goal_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.clinic_id}/{self.service_line_id} {self.month:%Y-%m}"


class GoalChange(models.Model):
    """One change to a goal: who, when, which field, old → new (DESIGN §2)."""

    goal = models.ForeignKey(NewPatientGoal, on_delete=models.CASCADE, related_name="history")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    at = models.DateTimeField(auto_now_add=True)
    field = models.CharField(max_length=32)
    old = models.CharField(max_length=64, blank=True)
    new = models.CharField(max_length=64, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.goal} {self.field}: {self.old} → {self.new}"


class Channel(models.Model):
    """Where leads come from: search ads, social, physician outreach, community events, …"""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    """A marketing push for one service line at some clinics over some dates (DESIGN §2)."""

    name = models.CharField(max_length=120)
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="campaigns")
    service_line = models.ForeignKey(
        ServiceLine, on_delete=models.PROTECT, related_name="campaigns"
    )
    clinics = models.ManyToManyField(Clinic, related_name="campaigns")
    starts_on = models.DateField()
    ends_on = models.DateField()
    budget = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(0)],
        help_text="In the group's currency; 0 or more.",
    )  # fmt: skip
    expected_leads = models.PositiveIntegerField()
    conversion = models.DecimalField(
        max_digits=4, decimal_places=3,
        validators=[MinValueValidator(0.001), MaxValueValidator(1)],
        help_text="Expected share of leads who become new patients, in (0, 1].",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(budget__gte=0), name="campaign_budget_not_negative"),
            models.CheckConstraint(
                condition=Q(conversion__gt=0, conversion__lte=1), name="campaign_conversion_rate"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="campaign_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "a campaign ends on or after its first day"})
