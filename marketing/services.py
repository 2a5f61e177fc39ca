"""Writes for marketing: requested goals, override decisions, and caps kept up to date."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinics.models import Clinic, ServiceLine
from growthplan.errors import DomainError
from marketing import compute, selectors
from marketing.models import GoalChange, GoalStatus, NewPatientGoal

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
    goal.refresh_from_db()
    return goal


def goals_recompute(*, clinic: Clinic, service_line: ServiceLine, today: date) -> None:
    """Solve the horizon's caps with the stored requests and approved overrides, and store
    each goal's cap, binding constraint, target and (for a request above the cap) status."""
    first = _month(today)
    goals = {
        _month(g.month): g
        for g in NewPatientGoal.objects.filter(
            clinic=clinic, service_line=service_line, month__gte=today.replace(day=1)
        )
    }
    table = selectors.caps_table(
        clinic=clinic, service_line=service_line, first=first, months=HORIZON_MONTHS,
        today=today, goals=goals.values(),
    )  # fmt: skip
    for row in table.itertuples():
        goal = goals.get(row.period)
        if goal is None:
            continue
        goal.cap, goal.binding_constraint, goal.target = row.cap, row.binding_constraint, row.target
        above = goal.requested is not None and goal.requested > row.cap
        if above and goal.status == GoalStatus.CAPPED:
            goal.status = GoalStatus.OVERRIDE_REQUESTED
        elif not above and goal.status == GoalStatus.OVERRIDE_REQUESTED:
            goal.status = GoalStatus.CAPPED  # capacity grew to meet the request
        goal.save(update_fields=["cap", "binding_constraint", "target", "status", "updated_at"])


def _text(value: object) -> str:
    return "" if value is None else str(value)
