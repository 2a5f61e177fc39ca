"""Reads for marketing: a clinic × service line's supply and history as the cap engine's inputs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from django.db.models import Count, Q

from capacity import compute as capacity_compute
from capacity import selectors as capacity_selectors
from capacity.models import HELD, KEPT, Appointment, Status
from clinics.models import Clinic, ServiceLine, VisitType
from marketing import compute
from marketing.models import GoalStatus, NewPatientGoal

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
    *, clinic: Clinic, service_line: ServiceLine, first: str, months: int, today: date
) -> CapInputs:
    """The engine's inputs: supply from the templates (and imported calendars) month by month,
    the bookings already made, the trailing no-show rate, B's base, past cohorts' arrivals and
    the follow-up profile (configured on the service line, else learned at this clinic)."""
    periods = [compute.month_add(first, n) for n in range(months)]
    current = today.strftime("%Y-%m")
    visits = _visits(clinic=clinic, service_line=service_line, first=first, months=months)
    new_patients, followups = compute.cohorts(visits)
    profile = compute.followup_profile(
        new_patients, followups, current_month=current, configured=service_line.followup_profile
    )
    reach = len(profile.values) - 1
    supply = _supply(clinic=clinic, service_line=service_line, first=first, months=months + reach)
    booked = visits[visits["held"]].groupby(["month", "is_new_patient"])
    counts = booked.size()
    minutes = booked["minutes"].sum()
    base = compute.base_minutes(visits, current_month=current)
    frame = pd.DataFrame({"period": [compute.month_add(first, n) for n in range(months + reach)]})
    frame["np_minutes"] = frame["period"].map(supply["np_minutes"]).fillna(0.0)
    frame["established_minutes"] = frame["period"].map(supply["established_minutes"]).fillna(0.0)
    frame["base_minutes"] = base
    frame["established_booked_minutes"] = [
        float(minutes.get((p, False), 0)) for p in frame["period"]
    ]
    frame["np_booked"] = [int(counts.get((p, True), 0)) for p in frame["period"]]
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


def _supply(*, clinic: Clinic, service_line: ServiceLine, first: str, months: int) -> pd.DataFrame:
    """Available new-patient and established minutes per month, with the average visit lengths
    (minutes per slot) in `attrs`."""
    start = date.fromisoformat(f"{first}-01")
    end = capacity_compute.month_end(
        date.fromisoformat(f"{compute.month_add(first, months - 1)}-01")
    )
    slots = capacity_selectors.supply_slots(first=start, last=end, clinic_ids=[clinic.pk])
    ours = set(service_line.visit_types.values_list("pk", flat=True))
    slots = slots[slots["visit_type_id"].isin(ours)].copy()
    slots["month"] = pd.to_datetime(slots["date"]).dt.strftime("%Y-%m")
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
    back = compute.month_add(first, -2 * (compute.FOLLOWUP_MONTHS + 1))
    until = capacity_compute.month_end(date.fromisoformat(f"{compute.month_add(first, months)}-01"))
    rows = Appointment.objects.filter(
        clinic=clinic,
        visit_type__service_line=service_line,
        local_date__range=(date.fromisoformat(f"{back}-01"), until),
    ).values_list("patient_key", "local_date", "is_new_patient", "status", "duration_minutes")
    frame = pd.DataFrame.from_records(
        list(rows), columns=["patient_key", "date", "is_new_patient", "status", "minutes"]
    )
    frame["month"] = pd.to_datetime(frame["date"]).dt.strftime("%Y-%m")
    frame["kept"] = frame["status"].isin([s.value for s in KEPT])
    frame["held"] = frame["status"].isin([s.value for s in HELD])
    frame["is_new_patient"] = frame["is_new_patient"].astype(bool)
    return frame[compute.VISIT_COLUMNS]


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
) -> pd.DataFrame:
    """`compute.caps` over the horizon with the goals' requests and approved overrides."""
    inputs = cap_inputs(
        clinic=clinic, service_line=service_line, first=first, months=months, today=today
    )
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
    # A month without a goal has no request and no target: the app recommends the cap.
    with_goal = {g.month.strftime("%Y-%m") for g in goals}
    table["target"] = table["target"].astype(object).where(table["period"].isin(with_goal), None)
    table["requested"] = table["requested"].astype(object).where(table["requested"].notna(), None)
    return table[REPORT_COLUMNS]
