"""The marketing API for a CRM: targets and headroom, goals written by marketing only,
override decisions by operations, campaigns and their signals (DESIGN §4, §7)."""

from datetime import date

import pytest

from marketing import services
from marketing.models import Campaign, Channel, GoalChange, GoalStatus, NewPatientGoal
from tests import factories
from tests.marketing import test_np_capacity

TODAY = test_np_capacity.TODAY
lakeside = test_np_capacity.lakeside  # the fixture: C01 with one MD on Mondays

GOALS = "/api/goals/"


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def post_goal(client, **body):
    payload = {"clinic": "C01", "service_line": "ORTHO", "month": "2025-09", **body}
    return client.post(GOALS, payload, content_type="application/json")


def test_marketing_sets_a_goal_and_reads_targets_and_headroom(lakeside, as_user, marketing_user):
    client = as_user(marketing_user)
    # when: 20 asked for September (cap 27, sustainable; see test_np_capacity)
    response = post_goal(client, requested=20)
    # then
    assert response.status_code == 200, response.json()
    row = response.json()
    assert (row["requested"], row["cap"], row["target"], row["binding_constraint"]) == (
        20, 27, 20, "sustainable",
    )  # fmt: skip
    assert (row["np_booked"], row["np_headroom"], row["status"]) == (0, 27, "capped")
    # and the horizon reads back: August has no provider yet (cap 0); October's cap is 21
    # (sustainable: floor(0.9 × 720 ÷ 30)); no goal there, so the target is the cap
    rows = client.get(GOALS, {"clinic": "C01", "service_line": "ORTHO"}).json()
    assert [r["period"] for r in rows] == [f"2025-{m:02d}" for m in range(8, 13)] + [
        f"2026-{m:02d}" for m in range(1, 8)
    ]
    by = {r["period"]: r for r in rows}
    assert (by["2025-08"]["cap"], by["2025-08"]["binding_constraint"]) == (0, "np_slots")
    assert (by["2025-10"]["requested"], by["2025-10"]["cap"], by["2025-10"]["target"]) == (
        None, 21, 21,
    )  # fmt: skip


def test_an_override_request_is_decided_by_operations_with_a_reason(
    lakeside,
    client,
    marketing_user,
    ops_user,
):
    client.force_login(marketing_user)
    row = post_goal(client, requested=40, reason="back-to-school").json()
    assert (row["target"], row["status"]) == (27, "override_requested")
    decision = f"/api/goals/{row['goal_id']}/decision/"
    # marketing cannot approve its own override
    assert client.post(decision, {"approve": True, "reason": "ok"}).status_code == 403
    client.force_login(ops_user)
    # a decision without a reason is refused and changes nothing
    refused = client.post(decision, {"approve": True, "reason": " "})
    assert refused.status_code == 400 and "reason" in refused.json()["errors"]
    # when
    approved = client.post(decision, {"approve": True, "reason": "PA starts in October"})
    # then
    assert approved.status_code == 200
    body = approved.json()
    assert (body["status"], body["target"], body["decided_by"]) == (
        "override_approved", 40, "olivia",
    )  # fmt: skip
    assert [(h["user"], h["field"], h["old"], h["new"]) for h in body["history"]] == [
        ("olivia", "status", "override_requested", "override_approved"),
        ("marco", "requested", "", "40"),
    ]
    # the approved 40 owe October 40 × 1.0 × 15 = 600 of its 648 room: cap floor(48 ÷ 7.5) = 6
    october = client.get(GOALS, {"clinic": "C01", "start": "2025-10", "months": 1}).json()
    assert (october[0]["cap"], october[0]["binding_constraint"]) == (6, "followup:2025-10")


@pytest.mark.parametrize("role_user", ["board_user", "ops_user"])
def test_only_marketing_writes_goals(lakeside, client, request, role_user):
    client.force_login(request.getfixturevalue(role_user))
    assert post_goal(client, requested=5).status_code == 403
    assert client.get(GOALS).status_code == 200
    assert not GoalChange.objects.exists()


def test_a_board_member_cannot_decide_an_override(lakeside, client, marketing_user, board_user):
    client.force_login(marketing_user)
    goal_id = post_goal(client, requested=40).json()["goal_id"]
    client.force_login(board_user)
    response = client.post(f"/api/goals/{goal_id}/decision/", {"approve": True, "reason": "x"})
    assert response.status_code == 403
    assert NewPatientGoal.objects.get(pk=goal_id).status == GoalStatus.OVERRIDE_REQUESTED


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"requested": "abc"}, "requested"),
        ({"requested": 2.5}, "requested"),
        ({"requested": -3}, "requested"),
        ({"requested": 5, "month": "2025-07"}, "month"),  # before August 2025
        ({"requested": 5, "month": "2025-13"}, "month"),
        ({"requested": 5, "clinic": "C99"}, "clinic"),
        ({"requested": 5, "service_line": "DERM"}, "service_line"),
    ],
)
def test_bad_goals_are_named_and_write_nothing(lakeside, client, marketing_user, body, field):
    client.force_login(marketing_user)
    response = post_goal(client, **body)
    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert not NewPatientGoal.objects.exists()


def test_a_second_save_from_a_stale_read_is_told_not_lost(lakeside, client, marketing_user):
    client.force_login(marketing_user)
    seen = post_goal(client, requested=10).json()["version"]
    assert post_goal(client, requested=12, version=seen).status_code == 200
    # when: a second client saves with the version read before that save
    response = post_goal(client, requested=15, version=seen)
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "goal_conflict"
    assert NewPatientGoal.objects.get(month=date(2025, 9, 1)).requested == 12


def test_np_capacity_numbers_are_served_as_the_report_gives_them(lakeside, client, board_user):
    client.force_login(board_user)
    rows = client.get(
        "/api/caps/", {"clinic": "C01", "service_line": "ORTHO", "start": "2025-09", "months": 3}
    ).json()
    assert [(r["cap"], r["binding_constraint"]) for r in rows] == [
        (27, "sustainable"), (21, "sustainable"), (17, "followup:2025-11"),
    ]  # fmt: skip
    bad = client.get("/api/caps/", {"clinic": "C01", "service_line": "NOPE"})
    assert bad.status_code == 400


# ---------------------------------------------------------------------------------------------
# Network goals


@pytest.fixture
def two_clinics(lakeside):
    """C01 as in lakeside, and C02 with the same template for another MD from September."""
    clinic, provider, np_ = lakeside
    c02 = factories.ClinicFactory(
        code="C02",
        name="Riverside",
        timezone="America/Chicago",
        service_lines=[np_.service_line],
    )
    factories.AssignmentFactory(
        clinic=c02, template=provider.assignments.get().template, weekdays=[0],
        starts_on=date(2025, 9, 1),
    )  # fmt: skip
    services.caps_recompute(today=TODAY)
    return clinic, c02, np_.service_line


def test_a_network_goal_is_previewed_then_applied_within_every_cap(
    two_clinics, client, marketing_user, board_user
):
    client.force_login(board_user)
    body = {"service_line": "ORTHO", "month": "2025-09", "total": 60}
    preview = client.post("/api/goals/network/", body, content_type="application/json").json()
    # both clinics have cap 27 and nothing booked: 54 placed as 27 + 27, 6 unplaced
    assert [(c["clinic"], c["goal"]) for c in preview["clinics"]] == [("C01", 27), ("C02", 27)]
    assert (preview["unplaced"], preview["applied"]) == (6, False)
    assert not GoalChange.objects.exists()
    # a board member cannot apply it
    refused = client.post(
        "/api/goals/network/", {**body, "apply": True}, content_type="application/json"
    )
    assert refused.status_code == 403
    # when: marketing applies 31 → 15.5 each → 16 to C01 (first of a tie), 15 to C02
    client.force_login(marketing_user)
    applied = client.post(
        "/api/goals/network/", {**body, "total": 31, "apply": True},
        content_type="application/json",
    )  # fmt: skip
    # then
    assert applied.status_code == 200
    goals = NewPatientGoal.objects.filter(month=date(2025, 9, 1)).order_by("clinic__code")
    assert [(g.clinic.code, g.requested, g.target) for g in goals] == [
        ("C01", 16, 16), ("C02", 15, 15),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"total": -5}, "total"),
        ({"total": "many"}, "total"),
        ({"total": 10, "month": "2024-01"}, "month"),
        ({"total": 10, "service_line": "DERM"}, "service_line"),
    ],
)
def test_bad_network_goals_are_named(two_clinics, client, marketing_user, body, field):
    client.force_login(marketing_user)
    payload = {"service_line": "ORTHO", "month": "2025-09", "apply": True, **body}
    response = client.post("/api/goals/network/", payload, content_type="application/json")
    assert response.status_code == 400 and field in response.json()["errors"]
    assert not GoalChange.objects.exists()


# ---------------------------------------------------------------------------------------------
# Campaigns


@pytest.fixture
def channel(db):
    return Channel.objects.create(code="search", name="Search ads")


def campaign_body(**changes):
    return {
        "name": "Back to school", "channel": "search", "service_line": "ORTHO",
        "clinics": ["C01"], "starts_on": "2025-08-01", "ends_on": "2025-10-31",
        "budget": "5000.00", "expected_leads": 690, "conversion": "0.1", **changes,
    }  # fmt: skip


def test_campaign_signals_push_hold_pause_and_suggest_clinics_with_headroom(
    two_clinics, channel, client, marketing_user
):
    client.force_login(marketing_user)
    created = client.post("/api/campaigns/", campaign_body(), content_type="application/json")
    assert created.status_code == 201, created.json()
    # when
    signals = client.get(f"/api/campaigns/{created.json()['id']}/signals/").json()
    # then: 690 leads × 0.1 = 69 new patients over 1 clinic × 3 months = 23 a month.
    # August has no provider (headroom 0: pause), September 27 ≥ 23 (push), October 21 < 23
    # (hold); leads for the recommended targets: 0, ceil(27 ÷ 0.1) = 270, 210
    assert signals["expected_per_clinic_month"] == pytest.approx(23.0)
    assert [(r["period"], r["np_headroom"], r["signal"], r["leads_needed"]) for r in signals["rows"]] == [
        ("2025-08", 0, "pause", 0), ("2025-09", 27, "push", 270), ("2025-10", 21, "hold", 210),
    ]  # fmt: skip
    assert signals["leads_needed"] == 480
    # C02 offers orthopedics with 0 + 27 + 21 new patients of headroom over those months
    assert signals["suggested_clinics"] == [
        {"clinic": "C02", "clinic_name": "Riverside", "np_headroom": 48}
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"conversion": "0"}, "conversion"),
        ({"conversion": "1.5"}, "conversion"),
        ({"budget": "-1"}, "budget"),
        ({"ends_on": "2025-07-01"}, "ends_on"),
        ({"clinics": ["C99"]}, "clinics"),
        ({"clinics": []}, "clinics"),
        ({"expected_leads": -4}, "expected_leads"),
    ],
)
def test_bad_campaigns_are_named_and_write_nothing(
    lakeside,
    channel,
    client,
    marketing_user,
    changes,
    field,
):
    client.force_login(marketing_user)
    response = client.post(
        "/api/campaigns/", campaign_body(**changes), content_type="application/json"
    )
    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert not Campaign.objects.exists()


def test_a_campaign_at_a_clinic_without_its_service_line_is_refused(
    lakeside,
    channel,
    client,
    marketing_user,
):
    factories.ClinicFactory(code="C03", service_lines=[factories.ServiceLineFactory(code="BH")])
    client.force_login(marketing_user)
    response = client.post(
        "/api/campaigns/", campaign_body(clinics=["C01", "C03"]), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["clinics"] == ["C03 does not offer ORTHO"]
    assert not Campaign.objects.exists()


def test_operations_and_the_board_cannot_edit_campaigns(
    lakeside,
    channel,
    client,
    marketing_user,
    ops_user,
    board_user,
):
    client.force_login(marketing_user)
    campaign_id = client.post(
        "/api/campaigns/", campaign_body(), content_type="application/json"
    ).json()["id"]
    for user in (ops_user, board_user):
        client.force_login(user)
        url = f"/api/campaigns/{campaign_id}/"
        assert client.get(url).status_code == 200
        assert (
            client.post(
                "/api/campaigns/", campaign_body(), content_type="application/json"
            ).status_code
            == 403
        )
        assert (
            client.patch(url, {"budget": "1"}, content_type="application/json").status_code == 403
        )
        assert client.delete(url).status_code == 403
    assert Campaign.objects.get().budget == 5000
