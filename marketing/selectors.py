"""Reads for marketing: a clinic × service line's supply and history as the cap engine's inputs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth

from capacity import compute as capacity_compute
from capacity import selectors as capacity_selectors
from capacity.models import HELD, KEPT, Appointment, Status
from clinics.models import Clinic, ServiceLine, VisitType
from marketing import compute
from marketing.models import Campaign, GoalChange, GoalStatus, NewPatientGoal

NOSHOW_DAYS = 90


class CapScopeError(ValueError):
    """An unknown clinic or service line, a bad month, or a horizon out of range."""


@dataclass(frozen=True)
class CapInputs:
    """Everything `compute.caps` needs for one clinic × service line and horizon."""

    months: pd.DataFrame
    beyond: pd.DataFrame
    profile: compute.Profile
    new_visit_minutes: float
    followup_visit_minutes: float
    target_utilization: float
    noshow_rate: float
    past_arrivals: dict[str, int]


def cap_inputs(
    *,
    clinic: Clinic,
    service_line: ServiceLine,
    first: str,
    months: int,
    today: date,
    slots: pd.DataFrame | None = None,
    visits: pd.DataFrame | None = None,
) -> CapInputs:
    """The engine's inputs: supply from the templates (and imported calendars) month by month,
    the bookings already made, the trailing no-show rate, B's base, past cohorts' arrivals and
    the follow-up profile (configured on the service line, else learned at this clinic).

    `slots` (from `clinic_slots`) saves expanding the clinic's supply once per service line;
    when it does not cover the months needed, they are expanded here. `visits` (from
    `clinic_visits`, over the same `first` and `months`) likewise saves a read per line."""
    periods = [compute.month_add(first, n) for n in range(months)]
    current = today.strftime("%Y-%m")
    if visits is None:
        visits = _visits(clinic=clinic, service_line=service_line, first=first, months=months)
    else:
        visits = visits[visits["service_line_id"] == service_line.pk][compute.VISIT_COLUMNS]
    new_patients, followups = compute.cohorts(visits)
    profile = compute.followup_profile(
        new_patients, followups, current_month=current, configured=service_line.followup_profile
    )
    reach = len(profile.values) - 1
    supply = _supply(
        clinic=clinic, service_line=service_line, first=first, months=months + reach, slots=slots
    )
    held = visits[visits["held"]].groupby(["month", "is_new_patient"])
    counts = held.size().unstack(fill_value=0).reindex(columns=[True, False], fill_value=0)
    minutes = (
        held["minutes"].sum().unstack(fill_value=0).reindex(columns=[True, False], fill_value=0)
    )
    base = compute.base_minutes(visits, current_month=current)
    frame = pd.DataFrame({"period": [compute.month_add(first, n) for n in range(months + reach)]})
    frame["np_minutes"] = frame["period"].map(supply["np_minutes"]).fillna(0.0)
    frame["established_minutes"] = frame["period"].map(supply["established_minutes"]).fillna(0.0)
    frame["base_minutes"] = base
    frame["established_booked_minutes"] = (
        frame["period"].map(minutes[False]).fillna(0).astype(float)
    )
    frame["np_booked"] = frame["period"].map(counts[True]).fillna(0).astype(int)
    kept_new = visits[visits["is_new_patient"] & visits["kept"]].groupby("month").size()
    past = {compute.month_add(first, -k): int(kept_new.get(compute.month_add(first, -k), 0))
            for k in range(1, reach + 1)}  # fmt: skip
    return CapInputs(
        months=frame.iloc[: len(periods)].reset_index(drop=True),
        beyond=frame.iloc[len(periods) :].reset_index(drop=True),
        profile=profile,
        new_visit_minutes=supply.attrs["new_visit_minutes"],
        followup_visit_minutes=supply.attrs["followup_visit_minutes"],
        target_utilization=float(clinic.target_utilization),
        noshow_rate=_noshow_rate(clinic=clinic, service_line=service_line, today=today),
        past_arrivals={p: n for p, n in past.items() if n},
    )


def clinic_slots(*, clinic: Clinic, first: str, months: int) -> pd.DataFrame:
    """A clinic's supply slots over `months` months from `first`; `attrs` holds the span."""
    start = date.fromisoformat(f"{first}-01")
    end = capacity_compute.month_end(
        date.fromisoformat(f"{compute.month_add(first, months - 1)}-01")
    )
    slots = capacity_selectors.supply_slots(first=start, last=end, clinic_ids=[clinic.pk])
    slots.attrs.update(first=start, last=end)
    return slots


def _supply(
    *,
    clinic: Clinic,
    service_line: ServiceLine,
    first: str,
    months: int,
    slots: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Available new-patient and established minutes per month, with the average visit lengths
    (minutes per slot) in `attrs`."""
    start = date.fromisoformat(f"{first}-01")
    end = capacity_compute.month_end(
        date.fromisoformat(f"{compute.month_add(first, months - 1)}-01")
    )
    covered = slots is not None and slots.attrs.get("first", end) <= start
    if covered and slots.attrs.get("last", start) >= end:
        dates = pd.to_datetime(slots["date"])
        slots = slots[(dates >= pd.Timestamp(start)) & (dates <= pd.Timestamp(end))]
    else:
        slots = clinic_slots(clinic=clinic, first=first, months=months)
    ours = set(service_line.visit_types.values_list("pk", flat=True))
    slots = slots[slots["visit_type_id"].isin(ours)].copy()
    slots["month"] = _months_of(slots["date"])
    slots["is_new_patient"] = slots["is_new_patient"].astype(bool)
    by_class = (
        slots.groupby(["month", "is_new_patient"])["available_minutes"]
        .sum()
        .unstack()
        .reindex(columns=[True, False], fill_value=0.0)
        .fillna(0.0)
    )
    out = pd.DataFrame(
        {"np_minutes": by_class[True], "established_minutes": by_class[False]},
        index=by_class.index,
    )
    out.attrs["new_visit_minutes"] = _visit_length(slots, service_line, new=True)
    out.attrs["followup_visit_minutes"] = _visit_length(slots, service_line, new=False)
    return out


def _visit_length(slots: pd.DataFrame, service_line: ServiceLine, *, new: bool) -> float:
    """The mean slot length of a class; without slots, the mean of its visit types' lengths."""
    mine = slots[slots["is_new_patient"] == new]
    if not mine.empty:
        return float(mine["minutes"].mean())
    lengths = list(
        VisitType.objects.filter(service_line=service_line, is_new_patient=new).values_list(
            "minutes", flat=True
        )
    )
    return float(sum(lengths) / len(lengths)) if lengths else 0.0


def _visits(*, clinic: Clinic, service_line: ServiceLine, first: str, months: int) -> pd.DataFrame:
    """This clinic × service line's appointments, from the months that cohorts and B read (two
    follow-up windows back) to the end of the horizon, in compute.VISIT_COLUMNS."""
    return clinic_visits(clinic=clinic, first=first, months=months, service_line=service_line)[
        compute.VISIT_COLUMNS
    ]


def clinic_visits(
    *, clinic: Clinic, first: str, months: int, service_line: ServiceLine | None = None
) -> pd.DataFrame:
    """`_visits` of one service line, or of all a clinic's lines at once with their
    `service_line_id` (one read serves every line's caps)."""
    back = compute.month_add(first, -2 * (compute.FOLLOWUP_MONTHS + 1))
    until = capacity_compute.month_end(date.fromisoformat(f"{compute.month_add(first, months)}-01"))
    rows = Appointment.objects.filter(
        clinic=clinic, local_date__range=(date.fromisoformat(f"{back}-01"), until)
    )
    if service_line is not None:
        rows = rows.filter(visit_type__service_line=service_line)
    columns = ["patient_key", "date", "is_new_patient", "status", "minutes", "service_line_id"]
    frame = pd.DataFrame.from_records(
        list(
            rows.values_list(
                "patient_key", "local_date", "is_new_patient", "status", "duration_minutes",
                "visit_type__service_line_id",
            )
        ),
        columns=columns,
    )  # fmt: skip
    frame["month"] = _months_of(frame["date"])
    frame["kept"] = frame["status"].isin([s.value for s in KEPT])
    frame["held"] = frame["status"].isin([s.value for s in HELD])
    frame["is_new_patient"] = frame["is_new_patient"].astype(bool)
    return frame[[*compute.VISIT_COLUMNS, "service_line_id"]]


def _months_of(dates: pd.Series) -> pd.Series:
    """ "YYYY-MM" of each date, formatted once per distinct day rather than once per row."""
    days = pd.to_datetime(dates)
    labels = {d: d.strftime("%Y-%m") for d in days.unique()}
    return days.map(labels).astype(object)


def _noshow_rate(*, clinic: Clinic, service_line: ServiceLine, today: date) -> float:
    """p: new-patient no-shows ÷ (kept + no-shows) over the trailing 90 days; 0 without any."""
    counts = Appointment.objects.filter(
        clinic=clinic,
        visit_type__service_line=service_line,
        is_new_patient=True,
        local_date__range=(today - timedelta(days=NOSHOW_DAYS), today - timedelta(days=1)),
    ).aggregate(
        noshow=Count("pk", filter=Q(status=Status.NOSHOW)),
        seen=Count("pk", filter=Q(status__in=[*KEPT, Status.NOSHOW])),
    )
    return counts["noshow"] / counts["seen"] if counts["seen"] else 0.0


REPORT_COLUMNS = [
    "period", "np_slots_available", "np_booked", "np_headroom", "established_headroom", "cap",
    "binding_constraint", "requested", "target",
]  # fmt: skip


def caps_table(
    *,
    clinic: Clinic,
    service_line: ServiceLine,
    first: str,
    months: int,
    today: date,
    goals: Iterable[NewPatientGoal] = (),
    slots: pd.DataFrame | None = None,
    visits: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """`compute.caps` over the horizon with the goals' requests and approved overrides."""
    inputs = cap_inputs(
        clinic=clinic, service_line=service_line, first=first, months=months, today=today,
        slots=slots, visits=visits,
    )  # fmt: skip
    frame = inputs.months.copy()
    frame["requested"] = None
    frame["override"] = None
    for goal in goals:
        at = frame.index[frame["period"] == goal.month.strftime("%Y-%m")]
        if goal.requested is not None:
            frame.loc[at, "requested"] = goal.requested
        if goal.status == GoalStatus.OVERRIDE_APPROVED:
            frame.loc[at, "override"] = goal.requested
    return compute.caps(
        frame, inputs.profile,
        new_visit_minutes=inputs.new_visit_minutes,
        followup_visit_minutes=inputs.followup_visit_minutes,
        target_utilization=inputs.target_utilization, noshow_rate=inputs.noshow_rate,
        past_arrivals=inputs.past_arrivals, beyond=inputs.beyond,
    )  # fmt: skip


def np_capacity_table(
    *, clinic: str, service_line: str, first: str, months: int, today: date
) -> pd.DataFrame:
    """`report np-capacity` (DESIGN §4) for one clinic × service line over `months` months.

    `requested` and `target` are null where no goal exists (the app then recommends the cap).
    Headroom minutes round down like every capacity count.
    """
    found = Clinic.objects.filter(code=clinic).first()
    if found is None:
        raise CapScopeError(f"unknown clinic {clinic!r}")
    line = ServiceLine.objects.filter(code=service_line).first()
    if line is None:
        raise CapScopeError(f"unknown service line {service_line!r}")
    if not 1 <= months <= 24:
        raise CapScopeError("--months must be between 1 and 24")
    try:
        compute.month_add(first, 0)
    except ValueError as exc:
        raise CapScopeError(str(exc)) from None
    goals = list(NewPatientGoal.objects.filter(clinic=found, service_line=line))
    table = caps_table(
        clinic=found, service_line=line, first=first, months=months, today=today, goals=goals
    )
    table["established_headroom"] = table["established_headroom"].map(compute.round_down)
    # A month without a request is no goal (the recompute stores a row for every month): it
    # has no request and no target, and the app recommends the cap.
    with_goal = {g.month.strftime("%Y-%m") for g in goals if g.requested is not None}
    table["target"] = table["target"].astype(object).where(table["period"].isin(with_goal), None)
    table["requested"] = table["requested"].astype(object).where(table["requested"].notna(), None)
    return table[REPORT_COLUMNS]


# ---------------------------------------------------------------------------------------------
# Goals, headroom and actuals, as stored by the recompute


GOAL_COLUMNS = [
    "goal_id", "clinic", "clinic_name", "service_line", "period", "requested", "cap",
    "binding_constraint", "target", "status", "np_slots_available", "np_booked", "np_headroom",
    "established_headroom", "version", "kept", "attainment",
]  # fmt: skip


def horizon(today: date, months: int = 12) -> list[str]:
    """The months of the planning horizon: this month and the `months − 1` after it."""
    return [compute.month_add(today.strftime("%Y-%m"), n) for n in range(months)]


def _month_range(first: str, last: str) -> tuple[date, date]:
    return date.fromisoformat(f"{first}-01"), capacity_compute.month_end(
        date.fromisoformat(f"{last}-01")
    )


def kept_new_patients(
    *, clinic_ids: Iterable[int], first: str, last: str, service_line_id: int | None = None
) -> dict[tuple[int, int, str], int]:
    """New patients KEPT per (clinic id, service line id, month): goal attainment's numerator."""
    rows = Appointment.objects.filter(
        clinic_id__in=list(clinic_ids),
        is_new_patient=True,
        status__in=list(KEPT),
        local_date__range=_month_range(first, last),
    )
    if service_line_id is not None:
        rows = rows.filter(visit_type__service_line_id=service_line_id)
    counted = (
        rows.annotate(month=TruncMonth("local_date"))
        .values_list("clinic_id", "visit_type__service_line_id", "month")
        .annotate(n=Count("pk"))
    )
    return {(c, s, m.strftime("%Y-%m")): n for c, s, m, n in counted}


def goals_frame(
    *,
    clinic_ids: Iterable[int],
    first: str,
    last: str,
    service_line_id: int | None = None,
) -> pd.DataFrame:
    """Stored goals (with caps, headroom and targets) and the new patients kept, per clinic ×
    service line × month, in GOAL_COLUMNS. `requested` is None where marketing set no goal;
    `attainment` = kept ÷ target, None where the target is 0."""
    clinic_ids = list(clinic_ids)
    goals = NewPatientGoal.objects.filter(
        clinic_id__in=clinic_ids, month__range=_month_range(first, last)
    )
    if service_line_id is not None:
        goals = goals.filter(service_line_id=service_line_id)
    rows = list(
        goals.order_by("clinic__code", "service_line__code", "month").values_list(
            "pk", "clinic_id", "clinic__code", "clinic__name", "service_line_id",
            "service_line__code", "month", "requested", "cap", "binding_constraint", "target",
            "status", "np_slots_available", "np_booked", "np_headroom", "established_headroom",
            "version",
        )
    )  # fmt: skip
    kept = kept_new_patients(
        clinic_ids=clinic_ids, first=first, last=last, service_line_id=service_line_id
    )
    records = []
    for pk, clinic_id, code, name, line_id, line, month, *figures, version in rows:
        period = month.strftime("%Y-%m")
        n = kept.get((clinic_id, line_id, period), 0)
        target = figures[3]
        records.append(
            [pk, code, name, line, period, *figures, version, n, compute.attainment(n, target)]
        )
    return pd.DataFrame.from_records(records, columns=GOAL_COLUMNS)


def headroom_matrix(
    *, clinic_ids: Iterable[int], months: list[str], service_line_id: int | None = None
) -> pd.DataFrame:
    """New-patient headroom (cap − booked) per clinic (rows) × month (columns), summed over
    service lines unless one is chosen; NaN where no cap is stored yet."""
    frame = goals_frame(
        clinic_ids=clinic_ids, first=months[0], last=months[-1], service_line_id=service_line_id
    )
    if frame.empty:
        return pd.DataFrame(columns=months)
    return frame.pivot_table(
        index="clinic", columns="period", values="np_headroom", aggfunc="sum"
    ).reindex(columns=months)


@dataclass(frozen=True)
class NetworkPlan:
    """A network goal spread over clinics: one row per clinic and the allocation."""

    rows: pd.DataFrame
    allocation: compute.Allocation
    missing: list[str]  # clinics offering the line with no cap computed for the month


def network_goal_plan(
    *,
    service_line: ServiceLine,
    month: date,
    total: int,
    clinic_ids: Iterable[int] | None = None,
) -> NetworkPlan:
    """How `total` new patients of a service line in `month` would spread over the clinics
    offering it (compute.network_goal), from their stored caps and bookings."""
    first = month.replace(day=1)
    offering = service_line.clinics.all()
    if clinic_ids is not None:
        offering = offering.filter(pk__in=list(clinic_ids))
    codes = list(offering.order_by("code").values_list("code", flat=True))
    stored = {
        code: (cap, booked, requested)
        for code, cap, booked, requested in NewPatientGoal.objects.filter(
            service_line=service_line, month=first, clinic__code__in=codes
        ).values_list("clinic__code", "cap", "np_booked", "requested")
    }
    known = [c for c in codes if c in stored]
    allocation = compute.network_goal(
        total,
        booked={c: stored[c][1] for c in known},
        caps={c: stored[c][0] for c in known},
    )
    rows = pd.DataFrame.from_records(
        [
            (c, stored[c][0], stored[c][1], stored[c][0] - stored[c][1], stored[c][2],
             allocation.goals[c])
            for c in known
        ],
        columns=["clinic", "cap", "np_booked", "np_headroom", "requested_now", "goal"],
    )  # fmt: skip
    return NetworkPlan(rows, allocation, [c for c in codes if c not in stored])


# ---------------------------------------------------------------------------------------------
# Campaigns

SIGNAL_COLUMNS = [
    "clinic", "period", "cap", "np_booked", "np_headroom", "target", "expected", "signal",
    "leads_needed",
]  # fmt: skip


def campaign_list(*, clinic_ids: Iterable[int] | None = None) -> QuerySet[Campaign]:
    """Campaigns with a clinic among `clinic_ids` (None: all), newest first."""
    campaigns = Campaign.objects.select_related("channel", "service_line", "created_by")
    if clinic_ids is not None:
        campaigns = campaigns.filter(clinics__in=list(clinic_ids)).distinct()
    return campaigns.prefetch_related("clinics")


def campaign_months(campaign: Campaign) -> list[str]:
    """The calendar months a campaign's dates touch."""
    first, last = campaign.starts_on.strftime("%Y-%m"), campaign.ends_on.strftime("%Y-%m")
    count = compute.month_index(last) - compute.month_index(first) + 1
    return [compute.month_add(first, n) for n in range(count)]


@dataclass(frozen=True)
class CampaignSignals:
    """Per target clinic and month: headroom, the signal, the leads a target needs; and other
    clinics with headroom for the same service line."""

    rows: pd.DataFrame
    suggestions: pd.DataFrame
    leads_needed: int
    expected_per_clinic_month: float


def campaign_signals(
    *, campaign: Campaign, today: date, clinic_ids: Iterable[int] | None = None
) -> CampaignSignals:
    """Push / hold / pause for each of a campaign's clinics and months that lie in the planning
    horizon (past months have no headroom to sell), from the stored caps. Suggested clinics
    come from `clinic_ids` (the clinics the user may see; None: all)."""
    months = [p for p in campaign_months(campaign) if p in set(horizon(today))]
    clinics = list(campaign.clinics.order_by("code"))
    expected = compute.campaign_expected(
        expected_leads=campaign.expected_leads, conversion=float(campaign.conversion),
        clinics=len(clinics), months=len(campaign_months(campaign)),
    )  # fmt: skip
    empty = CampaignSignals(
        pd.DataFrame(columns=SIGNAL_COLUMNS),
        pd.DataFrame(columns=["clinic", "clinic_name", "np_headroom"]),
        0,
        expected,
    )
    if not months:
        return empty
    goals = goals_frame(
        clinic_ids=[c.pk for c in clinics], first=months[0], last=months[-1],
        service_line_id=campaign.service_line_id,
    )  # fmt: skip
    goals = goals[goals["period"].isin(months)]
    rows = goals.assign(
        expected=expected,
        signal=[
            compute.campaign_signal(headroom=h, expected=expected) for h in goals["np_headroom"]
        ],
        leads_needed=[compute.leads_needed(t, campaign.conversion) for t in goals["target"]],
    )[SIGNAL_COLUMNS]
    around = campaign.service_line.clinics.exclude(pk__in=[c.pk for c in clinics])
    if clinic_ids is not None:
        around = around.filter(pk__in=list(clinic_ids))
    others = list(around.values_list("pk", flat=True))
    around = goals_frame(
        clinic_ids=others, first=months[0], last=months[-1],
        service_line_id=campaign.service_line_id,
    )  # fmt: skip
    around = around[around["period"].isin(months)]
    suggestions = (
        around.groupby(["clinic", "clinic_name"], as_index=False)["np_headroom"]
        .sum()
        .query("np_headroom > 0")
        .sort_values(["np_headroom", "clinic"], ascending=[False, True])
        .head(3)
        .reset_index(drop=True)
    )
    return CampaignSignals(
        rows.reset_index(drop=True), suggestions, int(rows["leads_needed"].sum()), expected
    )


# ---------------------------------------------------------------------------------------------
# Reads for the marketing pages (marketing/views.py)


def followup_profile_get(
    *, clinic: Clinic, service_line: ServiceLine, today: date
) -> tuple[compute.Profile, pd.DataFrame]:
    """The follow-up profile f(k) that `cap_inputs` gives the cap engine for this clinic ×
    service line, without working out the supply: configured, learned or the default; and the
    cohorts it is (or would be) learned from (`compute.learning_cohorts`)."""
    current = today.strftime("%Y-%m")
    visits = _visits(clinic=clinic, service_line=service_line, first=current, months=1)
    new_patients, followups = compute.cohorts(visits)
    profile = compute.followup_profile(
        new_patients, followups, current_month=current, configured=service_line.followup_profile
    )
    return profile, compute.learning_cohorts(new_patients, followups, current_month=current)


def goal_history(*, clinic_id: int, service_line_id: int, limit: int = 50) -> QuerySet[GoalChange]:
    """The latest changes to one clinic × service line's goals, newest first."""
    return GoalChange.objects.filter(
        goal__clinic_id=clinic_id, goal__service_line_id=service_line_id
    ).select_related("goal", "user")[:limit]


def overrides_pending(
    *, clinic_ids: Iterable[int], service_line_id: int | None = None
) -> QuerySet[NewPatientGoal]:
    """Goals whose request above the cap waits for operations, by clinic, line and month."""
    goals = NewPatientGoal.objects.filter(
        clinic_id__in=list(clinic_ids), status=GoalStatus.OVERRIDE_REQUESTED
    )
    if service_line_id is not None:
        goals = goals.filter(service_line_id=service_line_id)
    return goals.select_related("clinic", "service_line", "requested_by")
