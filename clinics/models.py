"""The clinic network and its supply: who works where, when, on which standard template."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from clinics import compute
from clinics.validators import (
    validate_code,
    validate_followup_profile,
    validate_fraction,
    validate_fte,
    validate_npi,
    validate_timezone,
)


class Weekday(models.IntegerChoices):
    MON = 0, "Monday"
    TUE = 1, "Tuesday"
    WED = 2, "Wednesday"
    THU = 3, "Thursday"
    FRI = 4, "Friday"
    SAT = 5, "Saturday"
    SUN = 6, "Sunday"


class Credential(models.TextChoices):
    MD = "MD", "Physician (MD)"
    DO = "DO", "Physician (DO)"
    NP = "NP", "Nurse practitioner"
    PA = "PA", "Physician assistant"
    CNM = "CNM", "Certified nurse midwife"
    PT = "PT", "Physical therapist"
    PTA = "PTA", "Physical therapist assistant"
    OT = "OT", "Occupational therapist"
    ATC = "ATC", "Athletic trainer"
    PSYD = "PsyD", "Psychologist (PsyD)"
    PHD = "PhD", "Psychologist (PhD)"
    LCSW = "LCSW", "Licensed clinical social worker"
    LPC = "LPC", "Licensed professional counselor"
    LMFT = "LMFT", "Marriage and family therapist"


def validate_credentials(value: object) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError("list at least one credential", code="invalid_credentials")
    unknown = [v for v in value if v not in Credential.values]
    if unknown:
        raise ValidationError(
            "unknown credential %(unknown)s; use %(known)s",
            code="invalid_credentials",
            params={"unknown": ", ".join(map(str, unknown)), "known": ", ".join(Credential.values)},
        )


def validate_weekdays(value: object) -> None:
    if (
        not isinstance(value, list)
        or not value
        or len(set(value)) != len(value)
        or not all(isinstance(v, int) and 0 <= v <= 6 for v in value)
    ):
        raise ValidationError(
            "weekdays are distinct days from mon to sun, at least one", code="invalid_weekdays"
        )


class Organization(models.Model):
    """A group in the alliance; a single group has one."""

    code = models.CharField(max_length=32, unique=True, validators=[validate_code])
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="regions")
    code = models.CharField(max_length=32, unique=True, validators=[validate_code])
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ServiceLine(models.Model):
    code = models.CharField(max_length=32, unique=True, validators=[validate_code])
    name = models.CharField(max_length=200)
    followup_profile = models.JSONField(
        null=True,
        blank=True,
        validators=[validate_followup_profile],
        help_text="f(k): kept follow-ups per new patient in month k after the visit. "
        "Empty: learned from cohorts (DESIGN §3).",
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Clinic(models.Model):
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="clinics")
    code = models.CharField(max_length=32, unique=True, validators=[validate_code])
    name = models.CharField(max_length=200)
    timezone = models.CharField("time zone", max_length=64, validators=[validate_timezone])
    exam_rooms = models.PositiveSmallIntegerField(validators=[MaxValueValidator(500)])
    rooms_per_provider = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=Decimal("2.00"),
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("10"))],
        help_text="Exam rooms one provider needs; bounds supply when rooms are short.",
    )
    target_utilization = models.DecimalField(
        max_digits=4, decimal_places=3, default=Decimal("0.900"), validators=[validate_fraction]
    )
    hot_threshold = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.950"),
        validators=[validate_fraction],
        help_text="Utilization above this is hot.",
    )
    cold_threshold = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.700"),
        validators=[validate_fraction],
        help_text="Utilization below this is cold.",
    )
    band_low = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.850"),
        validators=[validate_fraction],
        help_text="Lower edge of the target band.",
    )
    band_high = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.950"),
        validators=[validate_fraction],
        help_text="Upper edge of the target band.",
    )
    service_lines = models.ManyToManyField(ServiceLine, related_name="clinics", blank=True)
    opened_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="clinic_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=Q(cold_threshold__lte=F("band_low"))
                & Q(band_low__lte=F("band_high"))
                & Q(band_high__lte=F("hot_threshold")),
                name="clinic_thresholds_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        if self.opened_on and self.closed_on and self.closed_on < self.opened_on:
            raise ValidationError({"closed_on": "a clinic cannot close before it opens"})
        values = [self.cold_threshold, self.band_low, self.band_high, self.hot_threshold]
        if None not in values and values != sorted(values):
            raise ValidationError(
                {"hot_threshold": "thresholds must rise: cold ≤ band low ≤ band high ≤ hot"}
            )


class ClinicHours(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["clinic", "weekday"]
        verbose_name_plural = "clinic hours"
        constraints = [
            models.UniqueConstraint(fields=["clinic", "weekday"], name="clinic_hours_one_per_day"),
            models.CheckConstraint(condition=Q(opens__lt=F("closes")), name="clinic_hours_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self) -> None:
        if self.opens and self.closes and self.closes <= self.opens:
            raise ValidationError({"closes": "a clinic must close after it opens"})


class Provider(models.Model):
    npi = models.CharField("NPI", max_length=10, unique=True, validators=[validate_npi])
    name = models.CharField(max_length=200)
    credential = models.CharField(max_length=8, choices=Credential.choices)
    service_line = models.ForeignKey(
        ServiceLine, on_delete=models.PROTECT, related_name="providers"
    )
    fte = models.DecimalField("FTE", max_digits=3, decimal_places=2, validators=[validate_fte])
    home_clinic = models.ForeignKey(
        Clinic, on_delete=models.SET_NULL, null=True, blank=True, related_name="home_providers"
    )
    hired_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["name", "npi"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fte__gt=0) & Q(fte__lte=1), name="provider_fte_range"
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("hired_on")),
                name="provider_leaves_after_hire",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.credential}"

    def clean(self) -> None:
        if self.hired_on and self.left_on and self.left_on < self.hired_on:
            raise ValidationError({"left_on": "a provider cannot leave before being hired"})


class VisitType(models.Model):
    code = models.CharField(max_length=32, unique=True, validators=[validate_code])
    name = models.CharField(max_length=200)
    minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    is_new_patient = models.BooleanField(default=False)
    service_line = models.ForeignKey(
        ServiceLine, on_delete=models.PROTECT, related_name="visit_types"
    )
    credentials = models.JSONField(
        validators=[validate_credentials], help_text="Credentials allowed to see this visit type."
    )
    late_cancel_hours = models.PositiveSmallIntegerField(
        default=24, help_text="A cancellation less than this many hours before start is late."
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=5) & Q(minutes__lte=480), name="visit_type_minutes_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.minutes} min)"


class ScheduleTemplate(models.Model):
    """A standard weekly template shared by providers and sites; blocks cut into slots."""

    code = models.CharField(max_length=32, unique=True, validators=[validate_code])
    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Raised each time the blocks change."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class TemplateBlock(models.Model):
    """A stretch of one weekday; no visit type means blocked time (admin, lunch, surgery)."""

    template = models.ForeignKey(ScheduleTemplate, on_delete=models.CASCADE, related_name="blocks")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField()
    visit_type = models.ForeignKey(
        VisitType, on_delete=models.PROTECT, null=True, blank=True, related_name="blocks"
    )

    class Meta:
        ordering = ["template", "weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="block_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.as_block().describe()

    def as_block(self) -> compute.Block:
        vt = self.visit_type
        return compute.Block(
            self.weekday, self.start, self.end, vt.minutes if vt else None, vt.code if vt else None
        )

    def clean(self) -> None:
        """One block's own rules; overlaps are judged on the whole set by whoever writes it
        (template_save, the admin formset, the network file), since rows change together."""
        if self.start is None or self.end is None or self.weekday is None:
            return
        problems = compute.block_problems([self.as_block()])
        if problems:
            raise ValidationError({p.field: p.message for p in problems})


class TemplateAssignment(models.Model):
    """A provider works a template at a clinic on some weekdays between two dates."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="assignments")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="assignments")
    template = models.ForeignKey(
        ScheduleTemplate, on_delete=models.PROTECT, related_name="assignments"
    )
    weekdays = models.JSONField(
        validators=[validate_weekdays], help_text="Days of the week, 0 = Monday … 6 = Sunday."
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["provider", "starts_on", "clinic"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="assignment_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        days = ",".join(compute.WEEKDAYS[d] for d in self.weekdays or [])
        return f"{self.provider} at {self.clinic.code} on {days} ({self.template.code})"

    def placement(self) -> compute.Placement:
        return compute.Placement(
            clinic=self.clinic.code,
            template=self.template.code,
            weekdays=frozenset(self.weekdays),
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            blocks=tuple(b.as_block() for b in self.template.blocks.select_related("visit_type")),
        )

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "an assignment cannot end before it starts"})
        if not (self.provider_id and self.clinic_id and self.template_id):
            return
        try:
            validate_weekdays(self.weekdays)
        except ValidationError:
            return  # reported by the field validator
        errors: dict[str, str] = {}
        blocks = list(self.template.blocks.select_related("visit_type"))
        if not any(b.weekday in self.weekdays for b in blocks):
            errors["weekdays"] = f"template {self.template.code} has no blocks on " + ", ".join(
                compute.WEEKDAYS[d] for d in sorted(self.weekdays)
            )
        credential = self.provider.credential
        refused = sorted(
            {
                b.visit_type.code
                for b in blocks
                if b.visit_type
                and b.weekday in self.weekdays
                and credential not in b.visit_type.credentials
            }
        )
        if refused:
            errors["template"] = (
                f"template {self.template.code} has visit types a {credential} may not see: "
                + ", ".join(refused)
            )
        offered = set(self.clinic.service_lines.values_list("pk", flat=True))
        missing = sorted(
            {
                b.visit_type.service_line.code
                for b in blocks
                if b.visit_type
                and b.weekday in self.weekdays
                and b.visit_type.service_line_id not in offered
            }
        )
        if missing:
            errors.setdefault(
                "clinic",
                f"clinic {self.clinic.code} does not offer service line " + ", ".join(missing),
            )
        hours = {h.weekday: (h.opens, h.closes) for h in self.clinic.hours.all()}
        closed = compute.outside_hours([b.as_block() for b in blocks], self.weekdays, hours)
        if closed:
            errors.setdefault("clinic", f"at {self.clinic.code}, {closed}")
        if self.starts_on:
            others = (
                TemplateAssignment.objects.filter(provider_id=self.provider_id)
                .exclude(pk=self.pk)
                .select_related("clinic", "template")
            )
            clash = compute.placement_conflict(self.placement(), [o.placement() for o in others])
            if clash:
                errors["weekdays"] = f"the provider would be in two places at once: {clash}"
        if errors:
            raise ValidationError(errors)


class Closure(models.Model):
    """A clinic holiday; with start and end it closes only part of the day."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField()
    start = models.TimeField(null=True, blank=True)
    end = models.TimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["date", "clinic"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(start__isnull=True) & Q(end__isnull=True))
                | (Q(start__isnull=False) & Q(end__isnull=False) & Q(start__lt=F("end"))),
                name="closure_part_day_ordered",
            ),
            models.UniqueConstraint(fields=["clinic", "date", "start"], name="closure_unique"),
            # NULL starts never collide in a plain unique constraint: whole days need their own.
            models.UniqueConstraint(
                fields=["clinic", "date"],
                condition=Q(start__isnull=True),
                name="closure_whole_day_unique",
                violation_error_message="the clinic is already closed all day on this date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clinic.code} closed {self.date} ({self.reason})"

    def clean(self) -> None:
        if (self.start is None) != (self.end is None):
            raise ValidationError({"end": "a part-day closure needs both a start and an end"})
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": "a closure must end after it starts"})


class ProviderAbsence(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="absences")
    starts_on = models.DateField()
    ends_on = models.DateField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["provider", "starts_on"]
        verbose_name_plural = "provider absences"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="absence_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} away {self.starts_on}–{self.ends_on}"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "an absence cannot end before it starts"})


class User(AbstractUser):
    """A person with roles (groups); `organization` limits what they see, empty = every group."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )


class NetworkImport(models.Model):
    """A network file uploaded in the browser, validated and applied by a Celery job."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    document = models.JSONField()
    filename = models.CharField(max_length=255, blank=True)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    problems = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename or 'network file'} ({self.status})"


class Reach(models.TextChoices):
    """How far a change reaches down the pipeline; each level includes those after it."""

    ROLLUPS = "rollups", "Rollups, caps and KPIs"
    CAPS = "caps", "Caps and KPIs"
    KPIS = "kpis", "KPIs"


class Change(models.Model):
    """What a write reached: an outbox row written in the write's own transaction.

    Lower apps record here what they changed (a clinic, or every clinic, and the months);
    the pipeline above the apps takes the rows, coalesces them and recomputes only that.
    `job_id` is the pipeline job that took the row (a plain id: this app sits below it).
    """

    reason = models.CharField(max_length=200)
    clinic_id = models.PositiveBigIntegerField(null=True, blank=True, help_text="Empty: all.")
    first = models.DateField(null=True, blank=True, help_text="Empty: from the first month.")
    last = models.DateField(null=True, blank=True, help_text="Empty: to the end of the window.")
    reach = models.CharField(max_length=8, choices=Reach.choices, default=Reach.ROLLUPS)
    supply = models.BooleanField(
        default=False, help_text="It changed the network itself: KPIs read from templates follow."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    job_id = models.PositiveBigIntegerField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(
                fields=["created_at"], name="change_untaken", condition=Q(job_id__isnull=True)
            ),
            models.Index(fields=["job_id"], name="change_job"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(first__isnull=True) | Q(last__isnull=True) | Q(first__lte=F("last")),
                name="change_months_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reason} ({self.reach})"
