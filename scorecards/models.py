"""Is growth improving care? KPIs, their targets and measurements, scorecards, maturity (§2).

A scope is a (scope_type, scope_code) pair: ("network", ""), ("organization", "ACME"),
("region", "NORTH") or ("clinic", "C01"); codes are the network file's keys, so a scope reads
the same in the CLI (`region:NORTH`), the API and the URL. A period is a month "2026-11" or a
quarter "2026-Q4"; `period_start` is its first day, for ordering and trends.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


class Perspective(models.TextChoices):
    FINANCIAL = "financial", "Financial"
    PATIENT = "patient", "Patient"
    PROCESS = "process", "Internal process / operations"
    LEARNING = "learning", "Learning & growth"


class Unit(models.TextChoices):
    FRACTION = "fraction", "Fraction (0.873 = 87.3 %)"
    COUNT = "count", "Count"
    CURRENCY = "currency", "Currency (USD)"
    DAYS = "days", "Days"
    INDEX = "index", "Index"


class Direction(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"
    BAND = "band", "Inside a band is best"


class Frequency(models.TextChoices):
    MONTH = "month", "Monthly"
    QUARTER = "quarter", "Quarterly"


class Source(models.TextChoices):
    COMPUTED = "computed", "Computed from the data"
    ENTERED = "entered", "Entered or imported"
    DERIVED = "derived", "Derived from other KPIs"


class Aggregation(models.TextChoices):
    """How values of clinics and months combine into regions, the network and quarters."""

    RATIO = "ratio", "Sum numerators and denominators, then divide"
    SUM = "sum", "Sum"
    HEADCOUNT = "headcount", "Leavers ÷ average headcount over the period"
    MEDIAN = "median", "Median of the scope's own observations"
    LATEST = "latest", "The latest month's value"
    NONE = "none", "Only where measured (no roll-up)"


class Owner(models.TextChoices):
    OPERATIONS = "operations", "Operations"
    MARKETING = "marketing", "Marketing"
    ADMINISTRATOR = "administrator", "Administrator"


class ScopeType(models.TextChoices):
    NETWORK = "network", "Network"
    ORGANIZATION = "organization", "Organization"
    REGION = "region", "Region"
    CLINIC = "clinic", "Clinic"


class KPI(models.Model):
    """One key performance indicator of the metric dictionary (DESIGN §3)."""

    code = models.SlugField(max_length=48, unique=True)
    name = models.CharField(max_length=120)
    perspective = models.CharField(max_length=16, choices=Perspective.choices)
    unit = models.CharField(max_length=16, choices=Unit.choices)
    direction = models.CharField(max_length=8, choices=Direction.choices)
    frequency = models.CharField(max_length=8, choices=Frequency.choices, default=Frequency.MONTH)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.ENTERED)
    aggregation = models.CharField(
        max_length=16, choices=Aggregation.choices, default=Aggregation.NONE
    )
    owner = models.CharField(
        max_length=16, choices=Owner.choices, default=Owner.OPERATIONS,
        help_text="Who is asked for a note or action when the KPI is red.",
    )  # fmt: skip
    definition = models.TextField(help_text="What the number means and how it is computed.")
    house_metric = models.BooleanField(
        default=False, help_text="A Growthplan house metric, not an industry standard."
    )
    drivers = models.CharField(
        max_length=16, blank=True,
        help_text="Which breakdown explains it: 'utilization', 'access' (TNAA) or blank.",
    )  # fmt: skip
    built_in = models.BooleanField(default=False, editable=False)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["perspective", "code"]
        verbose_name = "KPI"

    def __str__(self) -> str:
        return self.name


class TargetSource(models.TextChoices):
    BOARD = "board", "Set by the board"
    BENCHMARK = "benchmark", "Benchmark"
    CAPACITY = "capacity", "Derived from capacity"


class Target(models.Model):
    """What good looks like for a KPI in a scope over a span of months (DESIGN §3 RAG).

    Green is [green_min, green_max], amber [amber_min, amber_max], red outside; an empty bound
    is open. Higher-is-better targets use the mins, lower-is-better the maxes, bands all four.
    A target applies to every period of its kind (blank: months and quarters) lying wholly
    inside [period_from, period_to]; where several do, the latest start wins.
    """

    kpi = models.ForeignKey(KPI, on_delete=models.CASCADE, related_name="targets")
    scope_type = models.CharField(max_length=16, choices=ScopeType.choices)
    scope_code = models.CharField(max_length=32, blank=True)
    period_from = models.DateField(help_text="First day of the first month it applies to.")
    period_to = models.DateField(null=True, blank=True, help_text="Empty: until replaced.")
    period_kind = models.CharField(
        max_length=8, choices=Frequency.choices, blank=True,
        help_text="Months only, quarters only, or blank for both (a sum's target needs one).",
    )  # fmt: skip
    green_min = models.FloatField(null=True, blank=True)
    green_max = models.FloatField(null=True, blank=True)
    amber_min = models.FloatField(null=True, blank=True)
    amber_max = models.FloatField(null=True, blank=True)
    source = models.CharField(max_length=16, choices=TargetSource.choices)
    note = models.CharField(max_length=300, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kpi", "scope_type", "scope_code", "-period_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_to__isnull=True) | Q(period_to__gte=models.F("period_from")),
                name="target_period_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi.code} {self.scope_type}:{self.scope_code} from {self.period_from}"


class MeasurementSource(models.TextChoices):
    COMPUTED = "computed", "Computed"
    ENTERED = "entered", "Entered"
    ROLLED_UP = "rolled_up", "Rolled up from entered values"
    DERIVED = "derived", "Derived"


class Measurement(models.Model):
    """A KPI's value for one scope and period; ratios keep their numerator and denominator.

    Computed, rolled-up and derived rows are replaced by key on every refresh; entered rows
    belong to people and are only changed by an entry or import.
    """

    kpi = models.ForeignKey(KPI, on_delete=models.CASCADE, related_name="measurements")
    scope_type = models.CharField(max_length=16, choices=ScopeType.choices)
    scope_code = models.CharField(max_length=32, blank=True)
    period = models.CharField(max_length=7)
    period_start = models.DateField()
    value = models.FloatField(null=True, blank=True)
    numerator = models.FloatField(null=True, blank=True)
    denominator = models.FloatField(null=True, blank=True)
    source = models.CharField(max_length=16, choices=MeasurementSource.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    note = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kpi", "scope_type", "scope_code", "period_start", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "scope_type", "scope_code", "period"], name="measurement_unique"
            )
        ]
        indexes = [models.Index(fields=["scope_type", "scope_code", "period_start"])]

    def __str__(self) -> str:
        return f"{self.kpi.code} {self.scope_type}:{self.scope_code} {self.period}"


class KpiNote(models.Model):
    """An owner's note or action on a KPI that is red for a scope and period."""

    kpi = models.ForeignKey(KPI, on_delete=models.CASCADE, related_name="notes")
    scope_type = models.CharField(max_length=16, choices=ScopeType.choices)
    scope_code = models.CharField(max_length=32, blank=True)
    period = models.CharField(max_length=7)
    text = models.TextField()
    action = models.CharField(max_length=300, blank=True, help_text="What will be done, by whom.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kpi.code} {self.period}: {self.text[:40]}"


class Audience(models.TextChoices):
    BOARD = "board", "Board"
    OPERATIONS = "operations", "Operations"
    MARKETING = "marketing", "Marketing"


class Scorecard(models.Model):
    """An ordered set of KPIs for one audience."""

    audience = models.CharField(max_length=16, choices=Audience.choices, unique=True)
    name = models.CharField(max_length=120)
    kpis = models.ManyToManyField(KPI, through="ScorecardItem", related_name="scorecards")

    class Meta:
        ordering = ["audience"]

    def __str__(self) -> str:
        return self.name


class ScorecardItem(models.Model):
    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="items")
    kpi = models.ForeignKey(KPI, on_delete=models.CASCADE)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["scorecard", "order"]
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "kpi"], name="scorecard_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scorecard_id}#{self.order} {self.kpi_id}"


class MaturityDimension(models.Model):
    """A domain of the alignment maturity model with its written 1–5 rubric (house model)."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=80)
    order = models.PositiveSmallIntegerField(default=0)
    rubric = models.JSONField(help_text='Level → description: {"1": "…", …, "5": "…"}.')

    class Meta:
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class MaturityAssessment(models.Model):
    """One dated assessment; overall = the lowest domain (DESIGN §3), mean shown beside it."""

    assessed_on = models.DateField()
    notes = models.TextField(blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-assessed_on", "-created_at"]

    def __str__(self) -> str:
        return f"Maturity {self.assessed_on}"


class MaturityScore(models.Model):
    assessment = models.ForeignKey(
        MaturityAssessment, on_delete=models.CASCADE, related_name="scores"
    )
    dimension = models.ForeignKey(MaturityDimension, on_delete=models.PROTECT)
    score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["assessment", "dimension__order"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "dimension"], name="maturity_score_once"),
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=5), name="maturity_score_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dimension_id}={self.score}"
