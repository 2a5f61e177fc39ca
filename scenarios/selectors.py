"""Reads for scenarios: the plan's figures for some clinics, as the real code computes them on
the network the database holds (the current one, or one with a scenario applied inside a
transaction that is rolled back), the stored scenarios, and which of them are stale."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from capacity import compute as capacity_compute
from capacity import selectors as capacity_selectors
from capacity.models import HELD, Appointment
from clinics import selectors as clinic_selectors
from clinics.models import Clinic, Provider, User
from marketing import compute as marketing_compute
from marketing import selectors as marketing_selectors
from marketing.models import NewPatientGoal
from scenarios import compute
from scenarios.models import Scenario

FIGURE_COLUMNS = ["clinic", "period", "available_minutes", "np_cap", "binding"]
LINE_COLUMNS = ["clinic", "period", "service_line", "np_cap", "binding"]
TNAA_COLUMNS = ["clinic", "is_new_patient", "days", "providers", "censored"]


@dataclass(frozen=True)
class Figures:
    """One side of a scenario's table: per clinic × month, per service line, and TNAA."""

    months: pd.DataFrame  # FIGURE_COLUMNS
    lines: pd.DataFrame  # LINE_COLUMNS
    tnaa: pd.DataFrame  # TNAA_COLUMNS


def plan_figures(
    *,
    clinics: Iterable[str],
    periods: list[str],
    today: date,
    ramps: Iterable[compute.Ramp] = (),
) -> Figures:
    """Available minutes, new-patient caps with their binding constraints, and third next
    available as of `today`, for these clinics (codes) over `periods`, on the network as the
    database holds it.

    Caps are solved from this month on, as the plan is, with the stored requests and approved
    overrides; so a month's cap is the plan's cap. `ramps` scale new providers' supply."""
    current = today.strftime("%Y-%m")
    solve = marketing_compute.month_index(periods[-1]) - marketing_compute.month_index(current) + 1
    by_npi = {r.npi: r for r in ramps}
    ramp_ids = {
        pk: by_npi[npi]
        for pk, npi in Provider.objects.filter(npi__in=by_npi).values_list("pk", "npi")
    }
    clinics = list(clinics)
    goals: dict[tuple[int, int], list[NewPatientGoal]] = {}
    for goal in NewPatientGoal.objects.filter(
        clinic__code__in=list(clinics), month__gte=today.replace(day=1)
    ):
        goals.setdefault((goal.clinic_id, goal.service_line_id), []).append(goal)
    months, lines, tnaa = [], [], []
    for clinic in Clinic.objects.filter(code__in=clinics).prefetch_related("service_lines"):
        slots = marketing_selectors.clinic_slots(
            clinic=clinic, first=current, months=solve + marketing_compute.FOLLOWUP_MONTHS
        )
        if ramp_ids:
            rooms = capacity_selectors.supply_frames(clinic_ids=[clinic.pk])["clinics"]
            slots = compute.ramp_slots(slots, ramp_ids, rooms)
        month = pd.to_datetime(slots["date"]).dt.strftime("%Y-%m")
        available = slots.groupby(month)["available_minutes"].sum()
        caps = {p: 0 for p in periods}
        binding: dict[str, list[str]] = {p: [] for p in periods}
        for line in sorted(clinic.service_lines.all(), key=lambda s: s.code):
            table = marketing_selectors.caps_table(
                clinic=clinic, service_line=line, first=current, months=solve, today=today,
                goals=goals.get((clinic.pk, line.pk), []), slots=slots,
            )  # fmt: skip
            for row in table[table["period"].isin(periods)].itertuples():
                caps[row.period] += int(row.cap)
                binding[row.period].append(f"{line.code}: {row.binding_constraint}")
                lines.append((clinic.code, row.period, line.code, int(row.cap),
                              row.binding_constraint))  # fmt: skip
        for p in periods:
            named = binding[p]
            # One line: its constraint as the report names it; several: each line's.
            shown = named[0].split(": ", 1)[1] if len(named) == 1 else "; ".join(named)
            months.append((clinic.code, p, float(available.get(p, 0.0)), caps[p], shown))
        tnaa.extend(_tnaa(clinic=clinic, day=tnaa_day(today, periods)))
    return Figures(
        months=pd.DataFrame.from_records(months, columns=FIGURE_COLUMNS),
        lines=pd.DataFrame.from_records(lines, columns=LINE_COLUMNS),
        tnaa=pd.DataFrame.from_records(tnaa, columns=TNAA_COLUMNS),
    )


def tnaa_day(today: date, periods: list[str]) -> date:
    """The day a scenario's TNAA is estimated for: its first day, or today within this month."""
    return max(today, date.fromisoformat(f"{periods[0]}-01"))


def _tnaa(*, clinic: Clinic, day: date) -> list[tuple]:
    """The clinic's third next available on `day`, per class, with the appointments booked
    now: the mean of its providers' values, censored ones counted apart (DESIGN §3). A new
    provider's slots are all free, whatever their ramp-up: a patient can book them."""
    last = day + timedelta(days=capacity_compute.TNAA_HORIZON_DAYS)
    slots = capacity_selectors.tnaa_slots_frame(first=day, last=last, clinic_ids=[clinic.pk])
    holds = capacity_selectors.tnaa_holds_frame(
        first=day, last=last, provider_ids=pd.unique(slots["provider_id"]).tolist()
    )
    records = capacity_compute.third_next_available(slots, holds, [day])
    out = []
    for new in (True, False):
        mine = records[records["is_new_patient"].astype(bool) == new] if len(records) else records
        seen = mine[~mine["censored"].astype(bool)] if len(mine) else mine
        days = float(seen["days"].astype(float).mean()) if len(seen) else None
        out.append((clinic.code, new, days, len(mine), int(len(mine) - len(seen))))
    return out


def held_minutes(*, clinics: Iterable[str], first: str, last: str) -> pd.DataFrame:
    """HELD minutes per clinic × month from `first` to `last` (months): clinic_id (the code),
    period, minutes."""
    start = date.fromisoformat(f"{first}-01")
    end = capacity_compute.month_end(date.fromisoformat(f"{last}-01"))
    rows = (
        Appointment.objects.filter(
            clinic__code__in=list(clinics), local_date__range=(start, end), status__in=HELD
        )
        .annotate(month=TruncMonth("local_date"))
        .values_list("clinic__code", "month")
        .annotate(minutes=Sum("duration_minutes"))
        .order_by()
    )
    frame = pd.DataFrame.from_records(list(rows), columns=["clinic_id", "period", "minutes"])
    frame["period"] = pd.to_datetime(frame["period"]).dt.strftime("%Y-%m")
    frame["minutes"] = frame["minutes"].astype(float)
    return frame


def scenario_list(*, user: User) -> QuerySet[Scenario]:
    """Scenarios with `has_results`; whether a run is still current compares the stored file
    with the one run, so both are read, and whether it is stale compares the network's
    fingerprint: not the results or the network snapshot."""
    return (
        Scenario.objects.select_related("created_by", "applied_by")
        .defer("network_snapshot", "results")
        .annotate(
            has_results=ExpressionWrapper(Q(results__isnull=False), output_field=BooleanField())
        )
    )


@dataclass(frozen=True)
class Staleness:
    """Whether a scenario's results were computed on a network other than the one now, and
    what changed since, one line per record (compute.network_changes: the lines Apply refuses
    with)."""

    stale: bool
    changes: list[str] = field(default_factory=list)


NOT_STALE = Staleness(stale=False)


def _may_be_stale(scenario: Scenario) -> bool:
    """Run on some network, and still to be run or applied: an applied scenario's network is
    the one it made, and its numbers are history."""
    return scenario.ran_at is not None and scenario.status != Scenario.Status.APPLIED


def scenarios_stale_ids(*, scenarios: Iterable[Scenario]) -> set[int]:
    """Ids of the scenarios whose last run was on another network than the current one, told
    by the fingerprint stored at the run: the network is read once, and no snapshot is. For
    lists; a scenario's page names what changed (`scenarios_staleness`)."""
    run = [s for s in scenarios if _may_be_stale(s) and s.network_fingerprint]
    if not run:
        return set()
    now = compute.network_fingerprint(clinic_selectors.network_document())
    return {s.pk for s in run if s.network_fingerprint != now}


def scenarios_staleness(*, scenarios: Sequence[Scenario]) -> dict[int, Staleness]:
    """Each scenario's staleness by id, with what changed in the network since its run.

    The current network is read once for them all; a stored snapshot is read only where its
    fingerprint differs from the current one (in one query, for the scenarios loaded without
    it), and then diffed as Apply diffs it: stale means Apply would refuse."""
    run = [s for s in scenarios if _may_be_stale(s)]
    if not run:
        return {s.pk: NOT_STALE for s in scenarios}
    document = clinic_selectors.network_document()
    now = compute.network_fingerprint(document)
    differ = [s for s in run if s.network_fingerprint != now]
    snapshots = {
        s.pk: s.network_snapshot
        for s in differ
        if "network_snapshot" not in s.get_deferred_fields()
    }
    if missing := [s.pk for s in differ if s.pk not in snapshots]:
        snapshots |= dict(
            Scenario.objects.filter(pk__in=missing).values_list("pk", "network_snapshot")
        )
    out = {s.pk: NOT_STALE for s in scenarios}
    for s in differ:
        snapshot = snapshots[s.pk]
        if snapshot is None:  # a run that stored no network: nothing to compare with
            continue
        changes = compute.network_changes(snapshot, document)
        out[s.pk] = Staleness(stale=bool(changes), changes=changes)
    return out


def scenario_staleness(*, scenario: Scenario) -> Staleness:
    """Whether this scenario's results are stale, and what changed in the network since."""
    return scenarios_staleness(scenarios=[scenario])[scenario.pk]


def scenarios_compared(*, ids: Iterable[int]) -> list[Scenario]:
    """Up to three scenarios with results, in the order asked."""
    wanted = [int(i) for i in ids][:3]
    found = {
        s.pk: s
        for s in Scenario.objects.filter(pk__in=wanted, results__isnull=False).defer(
            "network_snapshot"
        )
    }
    return [found[i] for i in wanted if i in found]
