"""Requested goals, capped targets, override requests and decisions, history (DESIGN §2–§3)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from marketing import services
from marketing.models import GoalChange, GoalStatus, NewPatientGoal
from tests.marketing.test_np_capacity import TODAY, lakeside, report  # noqa: F401

SEPTEMBER = date(2025, 9, 1)


@pytest.fixture
def ortho(lakeside):  # noqa: F811
    clinic, _provider, np_ = lakeside
    return clinic, np_.service_line


def goal_of(clinic, line, month):
    return NewPatientGoal.objects.get(clinic=clinic, service_line=line, month=month)


def test_a_request_under_the_cap_is_the_target(ortho, marketing_user):
    clinic, line = ortho
    # when: 20 asked for September, whose cap is 27 (sustainable; see test_np_capacity)
    goal = services.goal_request(
        clinic=clinic, service_line=line, month=SEPTEMBER, requested=20, user=marketing_user,
        today=TODAY,
    )  # fmt: skip
    # then
    assert (goal.cap, goal.target, goal.status) == (27, 20, GoalStatus.CAPPED)
    assert goal.binding_constraint == "sustainable"
    change = GoalChange.objects.get(goal=goal)
    assert (change.user, change.field, change.old, change.new) == (
        marketing_user,
        "requested",
        "",
        "20",
    )


def test_a_request_over_the_cap_waits_for_operations(ortho, marketing_user, ops_user):
    clinic, line = ortho
    # given: 40 asked for September (cap 27)
    goal = services.goal_request(
        clinic=clinic, service_line=line, month=SEPTEMBER, requested=40, user=marketing_user,
        today=TODAY, reason="back-to-school campaign",
    )  # fmt: skip
    assert (goal.cap, goal.target, goal.status) == (27, 27, GoalStatus.OVERRIDE_REQUESTED)
    # the requester cannot decide it
    with pytest.raises(services.OverrideRefused):
        services.override_decide(
            goal=goal, approve=True, reason="ok", user=marketing_user, today=TODAY
        )
    # when: operations approve
    goal = services.override_decide(
        goal=goal, approve=True, reason="PA starts in October", user=ops_user, today=TODAY
    )
    # then: September's target is 40; October owes 40 × 15 = 600 of its 648 room minutes, so
    # its cap falls to floor((648 − 600) / 7.5) = 6, bound by its own follow-up room
    assert (goal.target, goal.status, goal.decided_by) == (
        40,
        GoalStatus.OVERRIDE_APPROVED,
        ops_user,
    )
    rows = {
        r["period"]: r
        for r in report(
            "--clinic", "C01", "--service-line", "ORTHO", "--from", "2025-09", "--months", "2"
        )
    }
    assert (rows["2025-09"]["requested"], rows["2025-09"]["target"]) == (40, 40)
    assert (rows["2025-10"]["cap"], rows["2025-10"]["binding_constraint"]) == (
        6,
        "followup:2025-10",
    )
    assert (rows["2025-10"]["requested"], rows["2025-10"]["target"]) == (None, None)
    assert [(c.field, c.old, c.new) for c in goal.history.all()] == [
        ("status", "override_requested", "override_approved"),
        ("requested", "", "40"),
    ]


def test_a_refusal_keeps_the_cap_and_needs_a_reason(ortho, marketing_user, ops_user):
    clinic, line = ortho
    goal = services.goal_request(
        clinic=clinic,
        service_line=line,
        month=SEPTEMBER,
        requested=40,
        user=marketing_user,
        today=TODAY,
    )
    with pytest.raises(ValidationError, match="say why"):
        services.override_decide(goal=goal, approve=False, reason=" ", user=ops_user, today=TODAY)
    goal = services.override_decide(
        goal=goal, approve=False, reason="no rooms", user=ops_user, today=TODAY
    )
    assert (goal.target, goal.status) == (27, GoalStatus.OVERRIDE_REFUSED)


def test_a_second_save_from_a_stale_page_is_told_not_lost(ortho, marketing_user, user_with_role):
    clinic, line = ortho
    first = services.goal_request(
        clinic=clinic,
        service_line=line,
        month=SEPTEMBER,
        requested=10,
        user=marketing_user,
        today=TODAY,
    )
    seen = first.version
    services.goal_request(
        clinic=clinic, service_line=line, month=SEPTEMBER, requested=12, user=marketing_user,
        today=TODAY, version=seen,
    )  # fmt: skip
    # when: a colleague saves from the page loaded before that
    other = user_with_role("marketing", username="mia")
    with pytest.raises(services.GoalConflict, match="was changed"):
        services.goal_request(
            clinic=clinic, service_line=line, month=SEPTEMBER, requested=15, user=other,
            today=TODAY, version=seen,
        )  # fmt: skip
    # then
    assert goal_of(clinic, line, SEPTEMBER).requested == 12


@pytest.mark.parametrize(
    ("month", "requested", "field"),
    [
        (date(2025, 7, 1), 10, "month"),  # before August 2025
        (SEPTEMBER, -1, "requested"),
        (date(2026, 8, 1), 10, "month"),  # beyond the 12-month horizon
    ],
)
def test_bad_goals_write_nothing(ortho, marketing_user, month, requested, field):
    clinic, line = ortho
    with pytest.raises(ValidationError) as caught:
        services.goal_request(
            clinic=clinic, service_line=line, month=month, requested=requested,
            user=marketing_user, today=TODAY,
        )  # fmt: skip
    assert field in caught.value.message_dict
    assert not NewPatientGoal.objects.exists()
