"""Writes for marketing: requested goals, override decisions, and caps kept up to date."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinics import changes
from clinics.models import Clinic, Reach, ServiceLine, User
from growthplan import roles
from growthplan.errors import DomainError
from marketing import compute, demo, selectors
from marketing.models import Campaign, Channel, GoalChange, GoalStatus, NewPatientGoal

logger = logging.getLogger(__name__)

HORIZON_MONTHS = 12


class GoalConflict(DomainError):
    """Someone else saved the goal after this page was loaded."""

    code = "goal_conflict"


class OverrideRefused(DomainError):
    code = "override_not_allowed"


def _month(value: date) -> str:
    return value.strftime("%Y-%m")


@transaction.atomic
def goal_request(
    *,
    clinic: Clinic,
    service_line: ServiceLine,
    month: date,
    requested: int,
    user: Any,
    today: date,
    version: int | None = None,
    reason: str = "",
) -> NewPatientGoal:
    """Record marketing's requested new patients for a month; the target stays capped.

    A request above the cap becomes an override request for operations to decide, with
    `reason` as marketing's case. `version` is the goal's version the user saw: when another
    save came in between, GoalConflict says so and nothing is written.
    """
    if isinstance(requested, bool) or not isinstance(requested, int) or requested < 0:
        raise ValidationError({"requested": "a whole number of new patients, 0 or more"})
    first = month.replace(day=1)
    if first < today.replace(day=1):
        raise ValidationError({"month": f"{_month(first)} is in the past"})
    if first > date.fromisoformat(compute.month_add(_month(today), HORIZON_MONTHS - 1) + "-01"):
        raise ValidationError({"month": f"goals reach {HORIZON_MONTHS} months ahead"})
    if service_line not in clinic.service_lines.all():
        raise ValidationError({"service_line": f"{clinic.code} does not offer {service_line.code}"})
    goal, _created = NewPatientGoal.objects.select_for_update().get_or_create(
        clinic=clinic, service_line=service_line, month=first
    )
    if version is not None and version != goal.version:
        raise GoalConflict(
            f"{clinic.code} {service_line.code} {_month(first)} was changed at "
            f"{goal.updated_at:%Y-%m-%d %H:%M} (now {goal.requested} requested); reload to see it"
        )
    old = goal.requested
    if old == requested and goal.status != GoalStatus.OVERRIDE_REFUSED:
        return goal  # a grid posts every month; an unchanged one is no change to record
    goal.requested, goal.requested_by = requested, user
    goal.override_reason = reason
    goal.status = GoalStatus.CAPPED  # a changed request needs a fresh decision
    goal.decided_by, goal.decided_at, goal.decision_reason = None, None, ""
    goal.version += 1
    goal.save()
    GoalChange.objects.create(
        goal=goal, user=user, field="requested", old=_text(old), new=str(requested), note=reason
    )
    goals_recompute(clinic=clinic, service_line=service_line, today=today)
    _targets_changed(clinic=clinic, reason=f"goal {_label(goal)} requested")
    goal.refresh_from_db()
    logger.info("goal.requested", extra={"goal_id": goal.pk})
    return goal


@transaction.atomic
def override_decide(
    *, goal: NewPatientGoal, approve: bool, reason: str, user: Any, today: date
) -> NewPatientGoal:
    """Operations approve or refuse an override request, with a reason; approved, the
    requested number becomes the target and its follow-ups are owed by later months."""
    goal = NewPatientGoal.objects.select_for_update().get(pk=goal.pk)
    if goal.status != GoalStatus.OVERRIDE_REQUESTED:
        raise OverrideRefused(f"{goal} has no override request waiting ({goal.status})")
    if goal.requested_by_id == getattr(user, "pk", None):
        raise OverrideRefused("the person who asked for an override cannot decide it")
    if not reason.strip():
        raise ValidationError({"reason": "say why: the decision is kept in the goal's history"})
    old = goal.status
    goal.status = GoalStatus.OVERRIDE_APPROVED if approve else GoalStatus.OVERRIDE_REFUSED
    goal.decided_by, goal.decided_at, goal.decision_reason = user, timezone.now(), reason
    goal.version += 1
    goal.save()
    GoalChange.objects.create(
        goal=goal, user=user, field="status", old=old, new=goal.status, note=reason
    )
    goals_recompute(clinic=goal.clinic, service_line=goal.service_line, today=today)
    _targets_changed(clinic=goal.clinic, reason=f"override for {_label(goal)} decided")
    goal.refresh_from_db()
    return goal


def _label(goal: NewPatientGoal) -> str:
    return f"{goal.clinic.code} {goal.service_line.code} {_month(goal.month)}"


def _targets_changed(*, clinic: Clinic, reason: str) -> None:
    """The caps were solved just now, for the page; the scorecards' targets and attainment
    follow through the pipeline."""
    changes.record(reason=reason, clinic_ids=[clinic.pk], reach=Reach.KPIS)


RECOMPUTED_FIELDS = [
    "cap", "binding_constraint", "target", "np_slots_available", "np_booked", "np_headroom",
    "established_headroom", "computed_at", "status",
]  # fmt: skip


def goals_recompute(
    *,
    clinic: Clinic,
    service_line: ServiceLine,
    today: date,
    slots: pd.DataFrame | None = None,
    visits: pd.DataFrame | None = None,
) -> int:
    """Solve the horizon's caps with the stored requests and approved overrides, and store for
    every month its cap, binding constraint, headroom and target, and (for a request above the
    cap) the override request. A month without a goal gets a row with no request: its target
    is the cap the app recommends. A request waiting for operations that a higher cap now
    meets is settled, and its history says so. Returns the rows written; a rerun changes
    nothing."""
    first = _month(today)
    goals = {
        _month(g.month): g
        for g in NewPatientGoal.objects.select_for_update().filter(
            clinic=clinic, service_line=service_line, month__gte=today.replace(day=1)
        )
    }
    table = selectors.caps_table(
        clinic=clinic, service_line=service_line, first=first, months=HORIZON_MONTHS,
        today=today, goals=goals.values(), slots=slots, visits=visits,
    )  # fmt: skip
    now = timezone.now()
    new, stored, settled = [], [], []
    for row in table.itertuples():
        goal = goals.get(row.period)
        if goal is None:
            goal = NewPatientGoal(
                clinic=clinic, service_line=service_line,
                month=date.fromisoformat(f"{row.period}-01"),
            )  # fmt: skip
            new.append(goal)
        else:
            stored.append(goal)
        goal.cap, goal.binding_constraint, goal.target = row.cap, row.binding_constraint, row.target
        goal.np_slots_available, goal.np_booked = row.np_slots_available, row.np_booked
        goal.np_headroom = row.np_headroom
        goal.established_headroom = compute.round_down(row.established_headroom)
        goal.computed_at = now
        above = goal.requested is not None and goal.requested > row.cap
        if above and goal.status == GoalStatus.CAPPED:
            goal.status = GoalStatus.OVERRIDE_REQUESTED
        elif not above and goal.status == GoalStatus.OVERRIDE_REQUESTED:
            goal.status = GoalStatus.CAPPED  # capacity grew to meet the request
            settled.append(
                GoalChange(
                    goal=goal, field="status", old=GoalStatus.OVERRIDE_REQUESTED,
                    new=GoalStatus.CAPPED,
                    note=f"cap rose to {row.cap}: request within the cap",
                )
            )  # fmt: skip
    NewPatientGoal.objects.bulk_create(new)
    # updated_at is left alone: it dates people's changes, which a stale save is told about.
    NewPatientGoal.objects.bulk_update(stored, RECOMPUTED_FIELDS)
    GoalChange.objects.bulk_create(settled)
    return len(table)


def caps_recompute(*, today: date, clinic_ids: Iterable[int] | None = None) -> int:
    """Caps, headroom and targets for every service line of these clinics (default: all).

    Each clinic × service line is solved in its own transaction, so a long run never holds
    every goal locked and a rerun after a crash redoes only what is stale.
    """
    clinics = Clinic.objects.prefetch_related("service_lines").order_by("code")
    if clinic_ids is not None:
        clinics = clinics.filter(pk__in=list(clinic_ids))
    written = 0
    for clinic in clinics:
        # One expansion of the clinic's supply serves every line's horizon and follow-up reach.
        slots = selectors.clinic_slots(
            clinic=clinic, first=_month(today), months=HORIZON_MONTHS + compute.FOLLOWUP_MONTHS
        )
        visits = selectors.clinic_visits(clinic=clinic, first=_month(today), months=HORIZON_MONTHS)
        for line in clinic.service_lines.all():
            with transaction.atomic():
                written += goals_recompute(
                    clinic=clinic, service_line=line, today=today, slots=slots, visits=visits
                )
    logger.info("plan.recomputed", extra={"goals": written})
    return written


# ---------------------------------------------------------------------------------------------
# Network goals and campaigns


@transaction.atomic
def network_goal_apply(
    *,
    service_line: ServiceLine,
    month: date,
    total: int,
    user: Any,
    today: date,
    clinic_ids: Iterable[int] | None = None,
) -> compute.Allocation:
    """Spread a network-wide goal over the clinics by headroom (`selectors.network_goal_plan`)
    and record each clinic's share as its requested goal; what cannot be placed is returned,
    never forced onto a clinic above its cap."""
    allocation = selectors.network_goal_plan(
        service_line=service_line, month=month, total=total, clinic_ids=clinic_ids
    ).allocation
    clinics = Clinic.objects.in_bulk(field_name="code")
    note = f"network goal {total} for {service_line.code} {_month(month)}"
    for code, requested in allocation.goals.items():
        goal_request(
            clinic=clinics[code], service_line=service_line, month=month, requested=requested,
            user=user, today=today, reason=note,
        )  # fmt: skip
    logger.info("goal.network_applied", extra={"unplaced": allocation.unplaced})
    return allocation


@transaction.atomic
def campaign_save(
    *, campaign: Campaign, data: Mapping[str, Any], clinics: Iterable[Clinic], user: Any
) -> Campaign:
    """Create or change a campaign; its clinics must offer its service line."""
    clinics = list(clinics)
    for name, value in data.items():
        setattr(campaign, name, value)
    if campaign.pk is None:
        campaign.created_by = user
    errors: dict[str, list[str]] = {}
    try:
        campaign.full_clean()
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not clinics:
        errors.setdefault("clinics", []).append("choose at least one clinic")
    line = campaign.service_line if campaign.service_line_id else None
    offered = set(line.clinics.values_list("pk", flat=True)) if line else set()
    wrong = sorted(c.code for c in clinics if line and c.pk not in offered)
    if wrong:
        errors.setdefault("clinics", []).append(
            f"{', '.join(wrong)} {'does' if len(wrong) == 1 else 'do'} not offer {line.code}"
        )
    if errors:
        raise ValidationError(errors)
    campaign.save()
    campaign.clinics.set(clinics)
    logger.info("campaign.saved", extra={"campaign_id": campaign.pk})
    return campaign


@transaction.atomic
def campaign_delete(*, campaign: Campaign) -> None:
    campaign.delete()


def _text(value: object) -> str:
    return "" if value is None else str(value)


# ---------------------------------------------------------------------------------------------
# Demo


@transaction.atomic
def demo_marketing_seed(*, today: date, seed: int = 7) -> dict[str, int]:
    """Channels, campaigns and goals on the demo network, after its caps are computed.

    Goals: 80 % of the cap for the next three months at a few clinics, one request above the
    cap waiting for operations at the first clinic, and one approved; and goals for the last
    twelve closed months where the history kept new patients, so attainment has a past.
    Rerunning replaces the demo campaigns and repeats the same requests (history grows,
    numbers do not change); past goals already there are kept.
    """
    channels = {
        code: Channel.objects.update_or_create(code=code, defaults={"name": name})[0]
        for code, name in demo.CHANNELS
    }
    clinics = Clinic.objects.prefetch_related("service_lines").in_bulk(field_name="code")
    marketer = User.objects.filter(groups__name=roles.MARKETING).order_by("pk").first()
    operator = User.objects.filter(groups__name=roles.OPERATIONS).order_by("pk").first()
    Campaign.objects.filter(name__in=[c[0] for c in demo.CAMPAIGNS]).delete()
    campaigns = 0
    for name, channel, codes, offset, months, budget, leads, conversion in demo.CAMPAIGNS:
        sites = [clinics[c] for c in codes if c in clinics]
        lines = [set(s.service_lines.all()) for s in sites]
        common = sorted(set.intersection(*lines), key=lambda line: line.code) if lines else []
        if not common:
            continue
        starts = date.fromisoformat(compute.month_add(_month(today), offset) + "-01")
        ends = date.fromisoformat(compute.month_add(_month(starts), months) + "-01")
        campaign = Campaign(
            name=name, channel=channels[channel], service_line=common[0], starts_on=starts,
            ends_on=ends - timedelta(days=1), budget=budget, expected_leads=leads,
            conversion=Decimal(conversion), created_by=marketer,
        )  # fmt: skip
        campaign.save()
        campaign.clinics.set(sites)
        campaigns += 1
    goals = 0
    for index, clinic in enumerate(clinics[c] for c in sorted(clinics)[:4]):
        line = min(clinic.service_lines.all(), key=lambda line: line.code)
        for offset in range(1, 4):
            month = date.fromisoformat(compute.month_add(_month(today), offset) + "-01")
            cap = NewPatientGoal.objects.get(clinic=clinic, service_line=line, month=month).cap
            above = index == 0 and offset in (1, 2)
            goal = goal_request(
                clinic=clinic, service_line=line, month=month,
                requested=cap + 12 if above else cap * 4 // 5, user=marketer, today=today,
                reason="spring campaign at our busiest site" if above else "",
            )  # fmt: skip
            goals += 1
            if above and offset == 1 and operator and goal.status == GoalStatus.OVERRIDE_REQUESTED:
                override_decide(
                    goal=goal, approve=True, user=operator, today=today,
                    reason="a locum covers two extra sessions a week",
                )  # fmt: skip
    past = _demo_past_goals(today=today, seed=seed)
    return {
        "campaigns": campaigns, "goals_requested": goals,
        "past_goals": past,
    }  # fmt: skip


def _demo_past_goals(*, today: date, seed: int) -> int:
    """Goal rows for the closed months, from the new patients the history kept (demo.past_goal);
    the recompute solves only the horizon from this month, so these stay as written."""
    this_month = _month(today)
    first = compute.month_add(this_month, -demo.PAST_GOAL_MONTHS)
    last = compute.month_add(this_month, -1)
    clinics = dict(Clinic.objects.values_list("pk", "code"))
    lines = dict(ServiceLine.objects.values_list("pk", "code"))
    kept = selectors.kept_new_patients(clinic_ids=clinics, first=first, last=last)
    taken = set(
        NewPatientGoal.objects.filter(
            month__range=(date.fromisoformat(f"{first}-01"), date.fromisoformat(f"{last}-01"))
        ).values_list("clinic_id", "service_line_id", "month")
    )
    rows = []
    for (clinic_id, line_id, month), count in sorted(kept.items()):
        first_day = date.fromisoformat(f"{month}-01")
        if count <= 0 or (clinic_id, line_id, first_day) in taken:
            continue
        target, cap, binding = demo.past_goal(
            count, clinic=clinics[clinic_id], line=lines[line_id], month=month, seed=seed
        )
        rows.append(
            NewPatientGoal(
                clinic_id=clinic_id, service_line_id=line_id, month=first_day,
                requested=target, cap=cap, binding_constraint=binding, target=target,
                np_slots_available=cap, np_booked=count, np_headroom=max(0, cap - count),
            )
        )  # fmt: skip
    NewPatientGoal.objects.bulk_create(rows)
    return len(rows)


# ---------------------------------------------------------------------------------------------
# For the network-goal page (marketing/views.py)
