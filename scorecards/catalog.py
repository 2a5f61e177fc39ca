"""The built-in KPI dictionary, scorecards, maturity rubric and benchmark targets.

`catalog_sync` runs after every migrate (and after a test database flush): it creates what is
missing and leaves what an administrator changed alone, so a rerun changes nothing.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from scorecards.models import (
    KPI,
    Aggregation,
    Audience,
    Direction,
    Frequency,
    MaturityDimension,
    Owner,
    Perspective,
    ScopeType,
    Scorecard,
    ScorecardItem,
    Source,
    Target,
    TargetSource,
    Unit,
)

FIN, PAT, OPS, LRN = (
    Perspective.FINANCIAL,
    Perspective.PATIENT,
    Perspective.PROCESS,
    Perspective.LEARNING,
)
MONTH, QUARTER = Frequency.MONTH, Frequency.QUARTER

# code: (name, perspective, unit, direction, frequency, source, aggregation, owner, drivers,
#        definition)
KPIS: dict[str, tuple] = {
    "net_patient_revenue": (
        "Net patient revenue",
        FIN,
        Unit.CURRENCY,
        Direction.HIGHER,
        MONTH,
        Source.ENTERED,
        Aggregation.SUM,
        Owner.ADMINISTRATOR,
        "",
        "Patient service revenue after contractual allowances and bad debt, entered monthly "
        "per clinic by finance. Regions and the network sum their clinics.",
    ),
    "operating_expense": (
        "Operating expense",
        FIN,
        Unit.CURRENCY,
        Direction.LOWER,
        MONTH,
        Source.ENTERED,
        Aggregation.SUM,
        Owner.ADMINISTRATOR,
        "",
        "Total operating expense, entered monthly per clinic by finance; sums upward.",
    ),
    "operating_margin": (
        "Operating margin",
        FIN,
        Unit.FRACTION,
        Direction.HIGHER,
        MONTH,
        Source.DERIVED,
        Aggregation.RATIO,
        Owner.ADMINISTRATOR,
        "",
        "(Net patient revenue − operating expense) ÷ net patient revenue, pooled: a region's "
        "margin is its summed surplus over its summed revenue.",
    ),
    "vbc_index": (
        "Value-based care index (house metric)",
        FIN,
        Unit.INDEX,
        Direction.HIGHER,
        QUARTER,
        Source.DERIVED,
        Aggregation.NONE,
        Owner.ADMINISTRATOR,
        "",
        "A Growthplan house metric, not an industry standard: net patient revenue × quality "
        "score (0–1) ÷ operating expense, for a quarter. Above 1.0, quality-weighted revenue "
        "covers cost. Revenue, quality and expense are shown beside it.",
    ),
    "new_patient_volume": (
        "New patients seen",
        FIN,
        Unit.COUNT,
        Direction.HIGHER,
        MONTH,
        Source.COMPUTED,
        Aggregation.SUM,
        Owner.MARKETING,
        "",
        "New-patient visits KEPT (arrived or fulfilled) in the period. Its target is derived "
        "from capacity: the sum of the capped new-patient targets.",
    ),
    "np_growth_yoy": (
        "New-patient growth vs. last year",
        FIN,
        Unit.FRACTION,
        Direction.HIGHER,
        MONTH,
        Source.COMPUTED,
        Aggregation.RATIO,
        Owner.MARKETING,
        "",
        "Same-clinic growth: (new patients this month − the same month last year) ÷ the same "
        "month last year, pooled over clinics that have data in both months. A clinic without "
        "last year's month (opened since, or before the data starts) is left out; with none, "
        "n/a.",
    ),
    "patient_satisfaction": (
        "Patient satisfaction (top box)",
        PAT,
        Unit.FRACTION,
        Direction.HIGHER,
        MONTH,
        Source.ENTERED,
        Aggregation.RATIO,
        Owner.OPERATIONS,
        "",
        "Share of survey responses in the top box, entered per clinic as top-box responses "
        "(numerator) over responses (denominator), or as a fraction where counts are unknown.",
    ),
    "quality_score": (
        "Quality score",
        PAT,
        Unit.FRACTION,
        Direction.HIGHER,
        QUARTER,
        Source.ENTERED,
        Aggregation.RATIO,
        Owner.OPERATIONS,
        "",
        "Share of quality measures met (0–1), entered quarterly as measures met over measures "
        "eligible. Feeds the value-based care index.",
    ),
    "no_show_rate": (
        "No-show rate",
        PAT,
        Unit.FRACTION,
        Direction.LOWER,
        MONTH,
        Source.COMPUTED,
        Aggregation.RATIO,
        Owner.OPERATIONS,
        "utilization",
        "noshow ÷ (KEPT + noshow), counted in appointments (DESIGN §3).",
    ),
    "tnaa_new": (
        "Third next available, new patients",
        PAT,
        Unit.DAYS,
        Direction.LOWER,
        MONTH,
        Source.COMPUTED,
        Aggregation.RATIO,
        Owner.OPERATIONS,
        "access",
        "Mean over provider-days of the calendar days to the third free new-patient slot; "
        "censored records (fewer than three slots in 180 days) are left out.",
    ),
    "tnaa_established": (
        "Third next available, established",
        PAT,
        Unit.DAYS,
        Direction.LOWER,
        MONTH,
        Source.COMPUTED,
        Aggregation.RATIO,
        Owner.OPERATIONS,
        "access",
        "Mean over provider-days of the calendar days to the third free established slot.",
    ),
    "lag_days": (
        "Lag days to a new-patient visit",
        PAT,
        Unit.DAYS,
        Direction.LOWER,
        MONTH,
        Source.COMPUTED,
        Aggregation.MEDIAN,
        Owner.MARKETING,
        "access",
        "Median days from booking to a new patient's visit, over the visits held in the "
        "period. A median does not pool: every scope's median is taken over its own visits.",
    ),
    "return_rate_90": (
        "90-day return rate",
        PAT,
        Unit.FRACTION,
        Direction.HIGHER,
        MONTH,
        Source.COMPUTED,
        Aggregation.RATIO,
        Owner.OPERATIONS,
        "",
        "Share of a month's new patients with a KEPT visit within 90 days after it. A month "
        "counts once all its 90-day windows have passed.",
    ),
    "retention_12m": (
        "12-month retention",
        PAT,
        Unit.FRACTION,
        Direction.HIGHER,
        MONTH,
        Source.COMPUTED,
        Aggregation.RATIO,
        Owner.OPERATIONS,
        "",
        "Share of a month's new patients with a KEPT visit within 365 days after it.",
    ),
    "utilization": (
        "Utilization",
        OPS,
        Unit.FRACTION,
        Direction.BAND,
        MONTH,
        Source.COMPUTED,
        Aggregation.RATIO,
        Owner.OPERATIONS,
        "utilization",
        "HELD minutes ÷ available minutes (DESIGN §3); inside the target band is best, above "
        "it staff strain and access suffers, below it provider time is wasted.",
    ),
    "kept_utilization": (
        "Kept utilization",
        OPS,
        Unit.FRACTION,
        Direction.HIGHER,
        MONTH,
        Source.COMPUTED,
        Aggregation.RATIO,
        Owner.OPERATIONS,
        "utilization",
        "KEPT minutes ÷ available minutes: the time actually used for patients.",
    ),
    "late_cancel_rate": (
        "Late-cancel rate",
        OPS,
        Unit.FRACTION,
        Direction.LOWER,
        MONTH,
        Source.COMPUTED,
        Aggregation.RATIO,
        Owner.OPERATIONS,
        "utilization",
        "Late cancellations ÷ (KEPT + noshow + CANCELLED) (DESIGN §3).",
    ),
    "goal_attainment": (
        "New-patient goal attainment",
        OPS,
        Unit.FRACTION,
        Direction.HIGHER,
        MONTH,
        Source.COMPUTED,
        Aggregation.RATIO,
        Owner.MARKETING,
        "",
        "New patients KEPT ÷ the capped new-patient target, over the clinic-months that have "
        "a target.",
    ),
    "referrals": (
        "Referrals received",
        OPS,
        Unit.COUNT,
        Direction.HIGHER,
        MONTH,
        Source.ENTERED,
        Aggregation.SUM,
        Owner.MARKETING,
        "",
        "Referrals received from outside providers, entered monthly per clinic.",
    ),
    "provider_turnover": (
        "Provider turnover",
        LRN,
        Unit.FRACTION,
        Direction.LOWER,
        QUARTER,
        Source.COMPUTED,
        Aggregation.HEADCOUNT,
        Owner.ADMINISTRATOR,
        "",
        "Providers who left in the quarter ÷ average headcount (provider-days ÷ days), by "
        "home clinic, from hired_on / left_on.",
    ),
    "clinical_staff_turnover": (
        "Clinical staff turnover",
        LRN,
        Unit.FRACTION,
        Direction.LOWER,
        QUARTER,
        Source.ENTERED,
        Aggregation.RATIO,
        Owner.ADMINISTRATOR,
        "",
        "Clinical staff (nurses, MAs, technicians) who left ÷ average headcount, entered "
        "quarterly by HR as leavers over average headcount.",
    ),
    "template_standardization": (
        "Template standardization index",
        LRN,
        Unit.INDEX,
        Direction.HIGHER,
        MONTH,
        Source.COMPUTED,
        Aggregation.LATEST,
        Owner.OPERATIONS,
        "",
        "1 − mean coefficient of variation across providers of new-patient share and clinical "
        "minutes per FTE (DESIGN §3), on the templates in force on the 1st of the month, "
        "weighted by providers across service lines. 1.0 is fully standard.",
    ),
}

SCORECARDS = {
    Audience.BOARD: (
        "Board balanced scorecard",
        ["net_patient_revenue", "operating_margin", "vbc_index", "new_patient_volume",
         "np_growth_yoy", "patient_satisfaction", "quality_score", "tnaa_new", "no_show_rate",
         "utilization", "goal_attainment", "late_cancel_rate", "provider_turnover",
         "clinical_staff_turnover", "template_standardization"],
    ),
    Audience.OPERATIONS: (
        "Operations scorecard",
        ["utilization", "kept_utilization", "no_show_rate", "late_cancel_rate", "tnaa_new",
         "tnaa_established", "template_standardization", "return_rate_90", "retention_12m",
         "patient_satisfaction", "provider_turnover", "operating_expense"],
    ),
    Audience.MARKETING: (
        "Marketing scorecard",
        ["new_patient_volume", "np_growth_yoy", "goal_attainment", "referrals", "lag_days",
         "tnaa_new", "return_rate_90", "no_show_rate", "utilization", "patient_satisfaction"],
    ),
}  # fmt: skip

MATURITY = {
    "governance": ("Governance", {
        "1": "Marketing and operations plan apart; no shared forum or owner for growth.",
        "2": "Occasional joint meetings; goals are set without capacity data.",
        "3": "A monthly joint review uses shared numbers; decisions are recorded.",
        "4": "Goals are capped by capacity by policy; overrides need operations' approval.",
        "5": "One accountable growth committee; the board reviews the scorecard every quarter.",
    }),
    "data_integration": ("Data integration", {
        "1": "Schedules and marketing results live in separate spreadsheets.",
        "2": "Appointment data is exported by hand now and then.",
        "3": "Appointments import on a schedule; templates are kept in one place.",
        "4": "Capacity, demand and goals are recomputed automatically from one data set.",
        "5": "Every site's real calendar and every channel's leads feed the plan daily.",
    }),
    "culture": ("Culture", {
        "1": "Teams blame each other for empty or overflowing clinics.",
        "2": "Each team understands the other's numbers only when asked.",
        "3": "Both teams read the shared dashboard and speak one metric dictionary.",
        "4": "Campaigns are paused or pushed on capacity signals without escalation.",
        "5": "Growth is planned together; care quality and access lead the conversation.",
    }),
}  # fmt: skip

SINCE = date(2000, 1, 1)
# Network benchmark targets shipped with the product: (green_min, green_max, amber_min,
# amber_max). Industry rules of thumb for outpatient specialty care; the board replaces them.
BENCHMARKS: dict[str, tuple[float | None, float | None, float | None, float | None]] = {
    "utilization": (0.85, 0.95, 0.70, 1.00),
    "kept_utilization": (0.80, None, 0.72, None),
    "no_show_rate": (None, 0.08, None, 0.12),
    "late_cancel_rate": (None, 0.05, None, 0.08),
    "tnaa_new": (None, 10.0, None, 14.0),
    "tnaa_established": (None, 7.0, None, 10.0),
    "lag_days": (None, 14.0, None, 21.0),
    "return_rate_90": (0.60, None, 0.50, None),
    "retention_12m": (0.70, None, 0.60, None),
    "goal_attainment": (0.95, None, 0.85, None),
    "template_standardization": (0.85, None, 0.75, None),
    "provider_turnover": (None, 0.03, None, 0.05),
    "patient_satisfaction": (0.85, None, 0.80, None),
    "quality_score": (0.80, None, 0.72, None),
    "clinical_staff_turnover": (None, 0.05, None, 0.07),
    "np_growth_yoy": (0.05, None, 0.0, None),
    "operating_margin": (0.10, None, 0.05, None),
    "vbc_index": (1.0, None, 0.9, None),
}


@transaction.atomic
def catalog_sync(**_: object) -> None:
    """Create the built-in KPIs, scorecards, rubric and benchmarks that are missing."""
    for code, row in KPIS.items():
        name, perspective, unit, direction, frequency, source, aggregation, owner, drivers, text = (
            row
        )
        KPI.objects.get_or_create(
            code=code,
            defaults={
                "name": name, "perspective": perspective, "unit": unit, "direction": direction,
                "frequency": frequency, "source": source, "aggregation": aggregation,
                "owner": owner, "drivers": drivers, "definition": text, "built_in": True,
                "house_metric": code == "vbc_index",
            },
        )  # fmt: skip
    kpis = {k.code: k for k in KPI.objects.filter(code__in=KPIS)}
    for audience, (name, codes) in SCORECARDS.items():
        card, created = Scorecard.objects.get_or_create(audience=audience, defaults={"name": name})
        if created:
            ScorecardItem.objects.bulk_create(
                ScorecardItem(scorecard=card, kpi=kpis[code], order=i)
                for i, code in enumerate(codes)
            )
    for order, (code, (name, rubric)) in enumerate(MATURITY.items()):
        MaturityDimension.objects.get_or_create(
            code=code, defaults={"name": name, "order": order, "rubric": rubric}
        )
    for code, (gmin, gmax, amin, amax) in BENCHMARKS.items():
        Target.objects.get_or_create(
            kpi=kpis[code], scope_type=ScopeType.NETWORK, scope_code="", period_from=SINCE,
            defaults={
                "green_min": gmin, "green_max": gmax, "amber_min": amin, "amber_max": amax,
                "source": TargetSource.BENCHMARK, "note": "Shipped benchmark",
            },
        )  # fmt: skip
