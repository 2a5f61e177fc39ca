"""The demo's scorecards: two years of entered KPIs, the board's targets, maturity and notes.

Pure Python: no Django, no clock and no global random state; the same clinics, volumes, seed
and date give the same numbers. Each clinic follows a profile (steady, struggling, improving,
strong, slipping, uneven) that moves its entered KPIs together — a grade from −1 (poor) to +1
(excellent) over the two years — so a good clinic is good on most counts, a poor one misses
its budget, its margin and its survey scores, and the network reads as a mix of green, amber
and red. Volumes come from the clinic's real kept visits where the history has them.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from scorecards import compute

HISTORY_MONTHS = 24
PROFILES = ("steady", "struggling", "improving", "strong", "slipping", "uneven")
# Net patient revenue per kept visit by service line (USD, before the clinic's payer mix).
REVENUE_PER_VISIT = {"ORTHO": 240.0, "WH": 215.0, "BH": 185.0, "PT": 195.0}
DEFAULT_REVENUE_PER_VISIT = 210.0
PRICE_GROWTH = 0.03  # fee schedules rise about 3 % a year
VOLUME_GROWTH = 0.03  # a missing month reads as the same month a year later, 3 % fewer visits
VISITS_PER_ROOM = 200  # kept visits a month per exam room where there is no history at all
NEW_SHARE = 0.12  # new patients among kept visits where there is no history
FIXED_COST = 0.35  # share of a clinic's expense that does not move with the month's visits


@dataclass(frozen=True)
class DemoClinic:
    code: str
    region: str
    organization: str
    exam_rooms: int
    service_lines: tuple[str, ...]


@dataclass(frozen=True)
class EnteredRow:
    """One clinic's entered value; sums carry only `value`, ratios their parts too."""

    kpi: str
    clinic: str
    period: str
    period_start: date
    value: float
    numerator: float | None = None
    denominator: float | None = None


@dataclass(frozen=True)
class TargetRow:
    kpi: str
    scope_type: str
    scope_code: str
    period_from: date
    period_to: date | None
    period_kind: str  # "month", "quarter" or "" for both
    thresholds: compute.Thresholds
    note: str


# ---------------------------------------------------------------------------------------------
# Periods


def months_covered(today: date) -> list[date]:
    """Whole quarters from 24 months before today's month up to the last closed month."""
    this_month = today.replace(day=1)
    first = compute.quarter_first(compute.month_add(this_month, -HISTORY_MONTHS))
    out, at = [], first
    while at < this_month:
        out.append(at)
        at = compute.month_add(at, 1)
    return out


def quarters_covered(today: date) -> list[compute.Period]:
    """The closed quarters among the covered months (quarterly KPIs are entered once closed)."""
    this_month = today.replace(day=1)
    labels = dict.fromkeys(compute.quarter_label(m) for m in months_covered(today))
    periods = [compute.period_parse(label) for label in labels]
    return [p for p in periods if p.last < this_month]


def quarter_to_date(today: date) -> compute.Period | None:
    """This quarter, once at least one of its months has closed."""
    quarter = compute.period_of(today, compute.QUARTER)
    return quarter if quarter.first < today.replace(day=1) else None


def latest_closed_quarter(today: date) -> compute.Period:
    return compute.period_of(compute.month_add(compute.quarter_first(today), -3), compute.QUARTER)


# ---------------------------------------------------------------------------------------------
# Clinic profiles


def profile(index: int) -> str:
    """The clinic's story, by its position in code order."""
    return PROFILES[index % len(PROFILES)]


def grade(name: str, t: float) -> float:
    """How well a clinic of this profile runs at t (0: two years ago, 1: last month)."""
    if name == "strong":
        return 0.8
    if name == "steady":
        return 0.3
    if name == "struggling":
        return -0.8
    if name == "improving":
        return -0.8 + 1.5 * t
    if name == "slipping":
        return 0.6 - 1.3 * t
    return 0.1 + 0.6 * math.sin(4 * math.pi * t)  # uneven: two good and two bad spells


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(":".join(str(p) for p in (seed, *parts)))


# ---------------------------------------------------------------------------------------------
# Volumes


def volumes(
    clinic: DemoClinic, months: Sequence[date], visits: Mapping[tuple[str, date], tuple[int, int]]
) -> dict[date, tuple[float, float]]:
    """Kept visits and new patients per month: the history's where it has them, else the same
    month of a later year less 3 % a year, else the history's mean month less 3 % a year, else
    a size-based guess from the exam rooms."""
    known = {m: visits[(clinic.code, m)] for m in months if visits.get((clinic.code, m), (0,))[0]}
    kept_total = sum(k for k, _n in known.values())
    new_share = sum(n for _k, n in known.values()) / kept_total if kept_total else NEW_SHARE
    out = {}
    for month in months:
        if month in known:
            kept, new = known[month]
            out[month] = (float(kept), float(new))
            continue
        later = [
            (years, known[compute.month_add(month, 12 * years)])
            for years in (1, 2, 3)
            if compute.month_add(month, 12 * years) in known
        ]
        if later:
            years, (kept, _new) = later[0]
            estimate = kept * (1 - VOLUME_GROWTH) ** years
        elif known:
            nearest = min(known, key=lambda m: abs((m - month).days))
            years = abs((nearest - month).days) / 365
            estimate = kept_total / len(known) * (1 - VOLUME_GROWTH) ** years
        else:
            estimate = clinic.exam_rooms * VISITS_PER_ROOM
        out[month] = (round(estimate), round(estimate * new_share))
    return out


# ---------------------------------------------------------------------------------------------
# Entered KPIs


def entered_rows(
    clinics: Sequence[DemoClinic],
    visits: Mapping[tuple[str, date], tuple[int, int]],
    *,
    today: date,
    seed: int = 7,
) -> list[EnteredRow]:
    """Two years of finance, survey, referral, quality and HR figures for every clinic.

    Monthly: net patient revenue (kept visits × revenue per visit), operating expense (a share
    of revenue, mostly fixed), patient satisfaction (top-box over responses, 5–10 % of kept
    visits answer) and referrals (a share of new patients). Quarterly, for closed quarters:
    quality score (measures met over eligible) and clinical staff turnover (leavers over the
    average headcount).
    """
    months = months_covered(today)
    span = max(len(months) - 1, 1)
    rows: list[EnteredRow] = []
    for index, clinic in enumerate(clinics):
        story = profile(index)
        mine = volumes(clinic, months, visits)
        lines = [REVENUE_PER_VISIT.get(s, DEFAULT_REVENUE_PER_VISIT) for s in clinic.service_lines]
        payer = _rng(seed, clinic.code, "payer")
        per_visit = (sum(lines) / len(lines) if lines else DEFAULT_REVENUE_PER_VISIT) * (
            payer.uniform(0.94, 1.06)
        )
        response_rate = payer.uniform(0.05, 0.10)
        noise = _rng(seed, clinic.code, "months")
        grades = {m: grade(story, i / span) + noise.gauss(0, 0.08) for i, m in enumerate(months)}
        revenue = {}
        for i, month in enumerate(months):
            kept = mine[month][0]
            price = per_visit * (1 + PRICE_GROWTH) ** (i / 12)
            revenue[month] = round(kept * price * (1 + noise.gauss(0, 0.015)))
        typical = sum(revenue.values()) / len(revenue)
        for i, month in enumerate(months):
            g, (kept, new) = grades[month], mine[month]
            label = compute.month_label(month)
            # Most cost is fixed: a busy month earns a better margin than a quiet one.
            ratio = 0.925 - 0.075 * g + noise.gauss(0, 0.01)
            fixed = typical * (1 + PRICE_GROWTH) ** ((i - span / 2) / 12)
            expense = round(ratio * (FIXED_COST * fixed + (1 - FIXED_COST) * revenue[month]))
            responses = max(5, round(kept * response_rate))
            satisfied = round(_clamp(0.845 + 0.055 * g + noise.gauss(0, 0.012), 0.5, 0.99)
                              * responses)  # fmt: skip
            referred = round(new * _clamp(0.45 + 0.08 * g + noise.gauss(0, 0.03), 0.1, 0.9))
            rows += [
                EnteredRow("net_patient_revenue", clinic.code, label, month, revenue[month]),
                EnteredRow("operating_expense", clinic.code, label, month, expense),
                EnteredRow("patient_satisfaction", clinic.code, label, month,
                           satisfied / responses, satisfied, responses),
                EnteredRow("referrals", clinic.code, label, month, referred),
            ]  # fmt: skip
        rows += _quarterly(clinic, story, mine, months, today=today, seed=seed)
    return rows


def _quarterly(
    clinic: DemoClinic,
    story: str,
    mine: Mapping[date, tuple[float, float]],
    months: Sequence[date],
    *,
    today: date,
    seed: int,
) -> list[EnteredRow]:
    span = max(len(months) - 1, 1)
    rng = _rng(seed, clinic.code, "quarters")
    staff = round(clinic.exam_rooms * 1.5) + rng.randint(0, 3)
    rows = []
    # This quarter's quality to date is a fair ratio; its turnover to date would read low.
    open_quarter = quarter_to_date(today)
    for quarter in [*quarters_covered(today), *([open_quarter] if open_quarter else [])]:
        inside = [m for m in quarter.months() if m in mine]
        g = grade(story, months.index(inside[len(inside) // 2]) / span) + rng.gauss(0, 0.08)
        kept = sum(mine[m][0] for m in inside)
        eligible = max(20, round(kept * 0.04))
        met = round(_clamp(0.80 + 0.08 * g + rng.gauss(0, 0.015), 0.3, 1.0) * eligible)
        rows.append(
            EnteredRow("quality_score", clinic.code, quarter.label, quarter.first,
                       met / eligible, met, eligible)
        )  # fmt: skip
        if quarter is open_quarter:
            continue
        headcount = staff + rng.choice((-0.5, 0.0, 0.0, 0.5, 1.0))
        leave_rate = _clamp(0.05 - 0.03 * g, 0.005, 0.2)
        leavers = sum(rng.random() < leave_rate for _ in range(staff))
        rows.append(
            EnteredRow("clinical_staff_turnover", clinic.code, quarter.label, quarter.first,
                       leavers / headcount, leavers, headcount)
        )  # fmt: skip
    return rows


# ---------------------------------------------------------------------------------------------
# The board's targets

# Budgets are set per scope: a sum's target for the network means nothing for a clinic.
# kpi: (direction, how far the budget sits from the year's actual at grade 0, and per grade)
BUDGETS = {
    "net_patient_revenue": ("higher", 1.03, -0.05, "budget"),
    "operating_expense": ("lower", 1.00, 0.04, "budget"),
    "referrals": ("higher", 1.06, -0.06, "referral target"),
}
# Network policy targets replacing the shipped benchmarks from the first budget year:
# kpi: (green_min, green_max, amber_min, amber_max, note)
NETWORK_TARGETS = {
    "operating_margin": (0.08, None, 0.04, None, "Board policy: an 8 % operating margin"),
    "vbc_index": (0.88, None, 0.80, None, "Board target for the value-based care index"),
}
# A few scope-specific board targets: (kpi, scope type, code, thresholds, note)
SCOPE_TARGETS = (
    ("utilization", "region", "NORTH", (0.88, 0.95, 0.80, 1.0),
     "Stretch band while the North's new orthopedic surgeon ramps up"),
    ("no_show_rate", "clinic", "C01", (None, 0.06, None, 0.075),
     "Lower no-show target after the text-reminder pilot"),
    ("patient_satisfaction", "clinic", "C04", (0.88, None, 0.84, None),
     "Behavioral health survey target agreed with the payer"),
)  # fmt: skip


def budget_targets(
    rows: Iterable[EnteredRow], clinics: Sequence[DemoClinic], *, today: date, seed: int = 7
) -> list[TargetRow]:
    """Yearly budgets for revenue, expense and referrals: each clinic's month and quarter
    budget, and for its region, organization and the network the sum of their clinics'.

    A clinic's budget is its year's mean month times a factor that is tougher on clinics
    that run poorly, so a struggling clinic misses budget and a strong one beats it.
    """
    index = {c.code: i for i, c in enumerate(clinics)}
    means: dict[tuple[str, str, int], list[float]] = {}
    for row in rows:
        if row.kpi in BUDGETS:
            means.setdefault((row.kpi, row.clinic, row.period_start.year), []).append(row.value)
    budgets: dict[tuple[str, str, str, int], float] = {}
    for (kpi, code, year), values in sorted(means.items()):
        _direction, base, per_grade, _word = BUDGETS[kpi]
        clinic = clinics[index[code]]
        g = grade(profile(index[code]), _year_t(year, today))
        factor = base + per_grade * g + _rng(seed, code, kpi, year).uniform(-0.01, 0.01)
        monthly = sum(values) / len(values) * factor
        monthly = round(monthly) if kpi == "referrals" else round(monthly, -2)
        for scope_type, scope_code in (
            ("clinic", clinic.code), ("region", clinic.region),
            ("organization", clinic.organization), ("network", ""),
        ):  # fmt: skip
            key = (kpi, scope_type, scope_code, year)
            budgets[key] = budgets.get(key, 0.0) + monthly
    # The latest budget runs on until the next one is set.
    last_year = max((year for *_key, year in budgets), default=None)
    out = []
    for (kpi, scope_type, scope_code, year), monthly in budgets.items():
        direction, _base, _per, word = BUDGETS[kpi]
        for kind, amount in (("month", monthly), ("quarter", 3 * monthly)):
            out.append(
                TargetRow(
                    kpi=kpi, scope_type=scope_type, scope_code=scope_code,
                    period_from=date(year, 1, 1),
                    period_to=None if year == last_year else date(year, 12, 31),
                    period_kind=kind, thresholds=compute.thresholds_default(direction, amount),
                    note=f"FY{year} {word}",
                )
            )  # fmt: skip
    return out


def _year_t(year: int, today: date) -> float:
    """Where the middle of a year falls on the two-year story (0 to 1)."""
    months = months_covered(today)
    inside = [i for i, m in enumerate(months) if m.year == year]
    return (sum(inside) / len(inside)) / max(len(months) - 1, 1) if inside else 0.0


def board_targets(
    clinics: Sequence[DemoClinic], regions: Iterable[str], *, today: date
) -> list[TargetRow]:
    """The board's network policy targets from the first whole budget year, and a few scope
    ones from this year, for the scopes the network has."""
    months = months_covered(today)
    first_year = next((m.year for m in months if m.month == 1), months[0].year)
    out = [
        TargetRow(kpi, "network", "", date(first_year, 1, 1), None, "",
                  compute.Thresholds(gmin, gmax, amin, amax), note)
        for kpi, (gmin, gmax, amin, amax, note) in NETWORK_TARGETS.items()
    ]  # fmt: skip
    present = {("clinic", c.code) for c in clinics} | {("region", r) for r in regions}
    for kpi, scope_type, code, (gmin, gmax, amin, amax), note in SCOPE_TARGETS:
        if (scope_type, code) in present:
            out.append(
                TargetRow(kpi, scope_type, code, date(today.year, 1, 1), None, "",
                          compute.Thresholds(gmin, gmax, amin, amax), note)
            )  # fmt: skip
    return out


# ---------------------------------------------------------------------------------------------
# Alignment maturity and notes

# (months before today's month, scores, notes, a note per domain)
MATURITY = (
    (21, {"governance": 2, "data_integration": 1, "culture": 2},
     "Baseline before Growthplan: marketing and operations plan apart and schedules live in "
     "spreadsheets.",
     {"data_integration": "Appointment data reaches the plan only as ad hoc exports."}),
    (15, {"governance": 3, "data_integration": 2, "culture": 2},
     "A monthly growth review now meets with shared numbers; appointment exports are weekly.",
     {"governance": "The joint review records its decisions."}),
    (9, {"governance": 3, "data_integration": 2, "culture": 3},
     "Both teams read the shared dashboard; imports are still run by hand at four sites.",
     {"culture": "Campaign pauses at hot clinics were agreed without escalation twice."}),
    (3, {"governance": 4, "data_integration": 3, "culture": 3},
     "Goals are capped by capacity by policy; appointments import nightly everywhere.",
     {"governance": "Overrides above the cap now need operations' approval.",
      "data_integration": "Nightly imports from every site; FHIR slots at two."}),
)  # fmt: skip


def maturity_dates(today: date) -> list[date]:
    this_month = today.replace(day=1)
    return [compute.month_add(this_month, -back).replace(day=15) for back, *_ in MATURITY]


# kpi: (what is behind the red number, the action and its owner)
NOTES = {
    "template_standardization": (
        "Several clinics still run site-specific schedule templates, so new-patient share and "
        "clinical minutes per FTE vary widely between providers.",
        "Move the remaining providers onto the standard weeks this quarter — operations.",
    ),
    "np_growth_yoy": (
        "New patients are below last year: the spring search campaign ended and two referring "
        "practices joined a competing group.",
        "Restart physician referral outreach and review search spend at the next growth "
        "review — marketing.",
    ),
    "operating_margin": (
        "Margin is below the board's policy: staffing costs rose faster than visits at the "
        "clinics that missed budget.",
        "Finance to bring a staffing plan for the lowest-margin clinics to the next board.",
    ),
    "vbc_index": (
        "Quality-weighted revenue does not cover cost at the clinics with the lowest quality "
        "scores.",
        "Quality leads to review the missed measures with each clinic's medical director.",
    ),
    "net_patient_revenue": (
        "Revenue is behind budget where visits fell short of plan.",
        "Revisit the budget phasing with finance; marketing to push clinics with headroom.",
    ),
    "patient_satisfaction": (
        "Top-box scores dropped on wait times at the busiest clinics.",
        "Add a check-in kiosk and a text when the provider runs late — operations.",
    ),
    "quality_score": (
        "Missed measures are mostly follow-up documentation after new-patient visits.",
        "Add the follow-up checklist to the standard templates — operations.",
    ),
    "no_show_rate": (
        "No-shows stay high for new patients booked more than three weeks out.",
        "Extend text reminders to every clinic and overbook the first slot of long days.",
    ),
    "utilization": (
        "Utilization is outside the target band at several clinics.",
        "Shift marketing to the cold clinics and pause campaigns at the hot ones.",
    ),
    "goal_attainment": (
        "New-patient goals were set above what the campaigns delivered.",
        "Set next quarter's goals from the capped targets and the campaign conversion seen.",
    ),
    "clinical_staff_turnover": (
        "Medical assistants left for hospital roles paying more.",
        "HR to benchmark MA pay and start a retention bonus at the hardest-hit clinics.",
    ),
    "provider_turnover": (
        "Providers left this quarter; exit interviews cite schedule load.",
        "Review template load with the medical directors before recruiting replacements.",
    ),
    "tnaa_new": (
        "New patients wait too long for a third available slot at the hot clinics.",
        "Open new-patient blocks on the late Thursday sessions — operations.",
    ),
    "late_cancel_rate": (
        "Late cancellations rose at the clinics that do not send reminder texts yet.",
        "Offer same-day telehealth conversion before a visit is cancelled.",
    ),
}
NOTES_PER_SCOPE = 3
