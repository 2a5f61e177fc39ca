"""Marketing pages: goals, override decisions, the dashboard, network goals, campaigns.

Numbers come from the hand-worked Lakeside fixture (test_np_capacity): on 15 August 2025 the
horizon runs 2025-08 … 2026-07; September's cap is 27 (sustainable follow-up capacity),
October's 21 (sustainable), November's 17 (follow-up room in 2025-11); August has no supply.
"""

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from capacity.models import Appointment
from growthplan import roles
from marketing import services
from marketing.models import (
    Campaign,
    Channel,
    GoalChange,
    GoalStatus,
    NewPatientGoal,
)
from tests import factories
from tests.marketing.test_np_capacity import TODAY, lakeside  # noqa: F401

SEPTEMBER = date(2025, 9, 1)
GOALS = "/marketing/goals/?clinic=C01&line=ORTHO"
ROLES = [roles.MARKETING, roles.OPERATIONS, roles.BOARD, roles.ADMINISTRATOR]


@pytest.fixture
def planned(lakeside):  # noqa: F811
    """Lakeside with its caps computed for the horizon, as the nightly recompute leaves it."""
    clinic, _provider, np_ = lakeside
    services.caps_recompute(today=TODAY)
    return clinic, np_.service_line


def goal(month: date = SEPTEMBER) -> NewPatientGoal:
    return NewPatientGoal.objects.get(clinic__code="C01", service_line__code="ORTHO", month=month)


def row(page: str, period: str) -> str:
    """One month's row of the goal grid, as HTML."""
    match = re.search(rf'<tr id="month-{period}".*?</tr>', page, re.S)
    assert match, f"no row for {period}"
    return match.group(0)


def cells(html: str) -> list[str]:
    """The text of a row's cells, tags stripped and spaces squeezed."""
    found = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in found]


def figure(page: str, name: str) -> dict:
    match = re.search(rf'plot\("{name}", (\{{.*?\}})\);\n', page, re.S)
    return json.loads(match.group(1))


def grid_form(page: str, **requested: str) -> dict:
    """The grid as the browser would post it: every month's shown value and version, with
    `requested` (by period) typed over it."""
    form = {}
    for period, shown in re.findall(r'name="shown-(\d{4}-\d{2})" value="([^"]*)"', page):
        form[f"requested-{period}"] = requested.get(period.replace("-", "_"), shown)
        form[f"shown-{period}"] = shown
    for period, version in re.findall(r'name="version-(\d{4}-\d{2})" value="(\d+)"', page):
        form[f"version-{period}"] = version
    return form


def state() -> list:
    goals = NewPatientGoal.objects.values_list("month", "requested", "target", "status", "version")
    return [*sorted(goals), GoalChange.objects.count()]


# ---------------------------------------------------------------------------------------------
# Goals


@pytest.mark.parametrize("role", ROLES)
def test_the_goal_grid_explains_each_cap(client, user_with_role, planned, role):
    # given
    client.force_login(user_with_role(role))
    # when
    response = client.get(GOALS)
    page = response.content.decode()
    # then: caps, binding constraints in words, targets (the cap, recommended: no goals yet)
    assert response.status_code == 200
    september = cells(row(page, "2025-09"))
    assert september[0] == "2025-09"
    assert september[2:5] == ["27", "sustainable follow-up capacity", "27 recommended"]
    assert september[5] == "no goal yet"
    assert september[6:8] == ["0", "27"]  # booked, headroom
    assert cells(row(page, "2025-10"))[2:4] == ["21", "sustainable follow-up capacity"]
    assert cells(row(page, "2025-11"))[2:4] == ["17", "follow-up room in 2025-11"]
    assert len(re.findall(r'<tr id="month-', page)) == 12
    # the follow-up profile configured on the service line, and its source
    profile = re.search(r'<section id="profile">.*?</section>', page, re.S).group(0)
    assert "configured" in profile
    assert cells(profile)[-4:] == ["0.50", "1.00", "0.50", "2.00"]
    assert 'href="/capacity/definitions/"' in page
    # only marketing types goals
    editable = 'name="requested-2025-09"' in page
    assert editable == (role in (roles.MARKETING, roles.ADMINISTRATOR))


@pytest.mark.django_db
def test_the_goal_grid_says_when_caps_are_not_computed(client, marketing_user, lakeside):  # noqa: F811
    client.force_login(marketing_user)
    page = client.get(GOALS).content.decode()
    assert "Caps have not been computed yet" in page
    assert "not computed yet" in row(page, "2025-09")


def test_a_goal_under_the_cap_becomes_the_target(client, marketing_user, planned):
    # given
    client.force_login(marketing_user)
    page = client.get(GOALS).content.decode()
    # when: 20 for September
    response = client.post(GOALS, grid_form(page, **{"2025_09": "20"}))
    # then: saved, only September changed, and the page says so
    assert response.status_code == 302
    assert (goal().requested, goal().target, goal().status) == (20, 20, GoalStatus.CAPPED)
    assert GoalChange.objects.count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "2025-09: goal 20, target 20." in page
    assert cells(row(page, "2025-09"))[4:6] == ["20 your request", "within the cap"]
    history = re.search(r'<table class="data compact" id="history">.*?</table>', page, re.S)
    assert cells(history.group(0))[-5:][1:4] == ["marco", "2025-09", "requested: — → 20"]


def test_a_goal_above_the_cap_waits_for_operations(client, marketing_user, planned):
    client.force_login(marketing_user)
    page = client.get(GOALS).content.decode()
    form = {**grid_form(page, **{"2025_09": "40"}), "reason": "back-to-school campaign"}
    response = client.post(GOALS, form)
    assert response.status_code == 302
    assert (goal().requested, goal().target, goal().status) == (
        40,
        27,
        GoalStatus.OVERRIDE_REQUESTED,
    )
    page = client.get(response["Location"]).content.decode()
    assert "override requested, waiting for operations" in page
    assert cells(row(page, "2025-09"))[4:6] == [
        "27 the cap",
        "override requested waiting for operations",
    ]
    pending = re.search(r'<section class="card warn-card" id="pending">.*?</section>', page, re.S)
    assert "40 new patients requested, cap 27" in pending.group(0)
    assert "back-to-school campaign" in pending.group(0)
    assert 'name="decision"' not in pending.group(0)  # marketing does not decide


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "“abc” is not a whole number of new patients"),
        ("-3", "a goal is 0 or more new patients"),
        ("2.5", "“2.5” is not a whole number of new patients"),
        ("1_0", "“1_0” is not a whole number of new patients"),
        ("5000000", "at most 1,000,000 new patients a month"),
    ],
)
def test_a_bad_month_saves_nothing(client, marketing_user, planned, typed, message):
    # given: a good October and a bad September in one save
    client.force_login(marketing_user)
    page = client.get(GOALS).content.decode()
    before = state()
    # when
    response = client.post(GOALS, grid_form(page, **{"2025_09": typed, "2025_10": "10"}))
    # then: the error beside September, October not saved either
    page = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was saved." in page
    assert message in row(page, "2025-09")
    assert f'value="{typed}"' in row(page, "2025-09")  # what was typed stays
    assert 'value="10"' in row(page, "2025-10")
    assert state() == before


def test_a_past_month_is_refused(client, marketing_user, planned):
    client.force_login(marketing_user)
    page = client.get(GOALS).content.decode()
    before = state()
    response = client.post(
        GOALS, {**grid_form(page), "requested-2025-07": "10", "shown-2025-07": ""}
    )
    assert response.status_code == 400
    assert "2025-07: 2025-07 is in the past" in response.content.decode()
    assert state() == before


def test_a_save_from_a_stale_page_is_told_and_writes_nothing(
    client, marketing_user, user_with_role, planned
):
    # given: the page is loaded, then a colleague sets September to 12
    clinic, line = planned
    client.force_login(marketing_user)
    page = client.get(GOALS).content.decode()
    services.goal_request(
        clinic=clinic, service_line=line, month=SEPTEMBER, requested=12,
        user=user_with_role(roles.MARKETING, username="mia"), today=TODAY,
    )  # fmt: skip
    before = state()
    # when: the stale page saves 20 for September and 5 for October
    response = client.post(GOALS, grid_form(page, **{"2025_09": "20", "2025_10": "5"}))
    # then
    assert response.status_code == 400
    assert "changed by someone else since you loaded the page — reload" in row(
        response.content.decode(), "2025-09"
    )
    assert state() == before
    assert goal().requested == 12


def test_an_untouched_month_changed_by_a_colleague_is_kept(
    client, marketing_user, user_with_role, planned
):
    # given: loaded, then a colleague sets September
    clinic, line = planned
    client.force_login(marketing_user)
    page = client.get(GOALS).content.decode()
    services.goal_request(
        clinic=clinic, service_line=line, month=SEPTEMBER, requested=12,
        user=user_with_role(roles.MARKETING, username="mia"), today=TODAY,
    )  # fmt: skip
    # when: only October is typed
    response = client.post(GOALS, grid_form(page, **{"2025_10": "5"}))
    # then: October saved, the colleague's September kept
    assert response.status_code == 302
    assert (goal().requested, goal(date(2025, 10, 1)).requested) == (12, 5)


@pytest.mark.parametrize("role", [roles.BOARD, roles.OPERATIONS])
def test_only_marketing_posts_goals(client, user_with_role, planned, role):
    client.force_login(user_with_role(role))
    before = state()
    response = client.post(
        GOALS, {"requested-2025-09": "20", "shown-2025-09": "", "version-2025-09": "1"}
    )
    assert response.status_code == 403
    assert state() == before


def test_the_grid_downloads_as_csv(client, board_user, planned):
    client.force_login(board_user)
    response = client.get(GOALS + "&format=csv")
    assert response["Content-Type"] == "text/csv"
    lines = response.content.decode().splitlines()
    assert lines[0] == (
        "period,requested,cap,binding_constraint,target,status,np_slots_available,np_booked,"
        "np_headroom,established_headroom,kept,attainment"
    )
    assert lines[1] == "2025-08,,0,np_slots,0,capped,0,0,0,0,0,"
    assert lines[2] == "2025-09,,27,sustainable,27,capped,40,0,27,607,,"


def test_past_months_show_attainment(client, board_user, planned):
    # given: July 2025 had a target of 4 (stored back then) and 3 new patients kept
    clinic, line = planned
    provider = clinic.assignments.get().provider
    np_ = line.visit_types.get(is_new_patient=True)
    NewPatientGoal.objects.create(
        clinic=clinic, service_line=line, month=date(2025, 7, 1), requested=4, cap=10, target=4
    )
    for n in range(3):
        start = datetime(2025, 7, 7 + n, 15, tzinfo=UTC)
        Appointment.objects.create(
            source="t", external_id=f"k{n}", clinic=clinic, provider=provider, visit_type=np_,
            start=start, local_date=start.date(), duration_minutes=30, status="fulfilled",
            is_new_patient=True, patient_key=f"p{n}",
        )  # fmt: skip
    client.force_login(board_user)
    # when
    page = client.get(GOALS).content.decode()
    # then: 3 ÷ 4
    past = re.search(r'<table class="data compact" id="past">.*?</table>', page, re.S).group(0)
    assert "2025-07 4 3 75.0 %" in " ".join(cells(past))
    assert "2025-06 — 0 n/a" in " ".join(cells(past))


@pytest.mark.django_db
def test_another_organizations_clinic_is_not_found(client, user_with_role, lakeside):  # noqa: F811
    other = factories.OrganizationFactory(code="OTHER")
    client.force_login(user_with_role(roles.MARKETING, organization=other))
    assert client.get(GOALS).status_code == 404
    assert "No clinics to plan for" in client.get("/marketing/goals/").content.decode()


# ---------------------------------------------------------------------------------------------
# Override decisions


@pytest.fixture
def requested(planned, marketing_user):
    clinic, line = planned
    return services.goal_request(
        clinic=clinic, service_line=line, month=SEPTEMBER, requested=40, user=marketing_user,
        today=TODAY, reason="back-to-school campaign",
    )  # fmt: skip


def test_operations_approve_an_override_with_a_reason(client, ops_user, requested):
    # given: operations see the request with the buttons
    client.force_login(ops_user)
    page = client.get(GOALS).content.decode()
    assert f'action="/marketing/goals/{requested.pk}/decide/"' in page
    # when
    response = client.post(
        f"/marketing/goals/{requested.pk}/decide/",
        {"decision": "approve", "reason": "PA starts in October"},
    )
    # then: the target is the request; October's cap falls to 6 (test_goals)
    assert response.status_code == 302
    assert (goal().target, goal().status) == (40, GoalStatus.OVERRIDE_APPROVED)
    page = client.get(response["Location"]).content.decode()
    assert "Approved: C01 ORTHO 2025-09 — target 40" in page
    assert cells(row(page, "2025-09"))[4:6] == ["40 approved override", "override approved"]
    assert cells(row(page, "2025-10"))[2:4] == ["6", "follow-up room in 2025-10"]
    history = re.search(r'<table class="data compact" id="history">.*?</table>', page, re.S)
    assert cells(history.group(0))[5:10][1:] == [
        "olivia",
        "2025-09",
        "status: Override requested → Override approved",
        "PA starts in October",
    ]


def test_a_refusal_needs_a_reason(client, ops_user, requested):
    client.force_login(ops_user)
    url = f"/marketing/goals/{requested.pk}/decide/"
    response = client.post(url, {"decision": "refuse", "reason": "  "})
    assert response.status_code == 400
    assert "say why" in response.content.decode()
    assert goal().status == GoalStatus.OVERRIDE_REQUESTED
    response = client.post(url, {"decision": "refuse", "reason": "no rooms free"})
    assert response.status_code == 302
    assert (goal().target, goal().status) == (27, GoalStatus.OVERRIDE_REFUSED)
    page = client.get(GOALS).content.decode()
    assert cells(row(page, "2025-09"))[5] == "override refused target stays at the cap"


@pytest.mark.parametrize("role", [roles.MARKETING, roles.BOARD])
def test_only_operations_decide_overrides(client, user_with_role, requested, role):
    client.force_login(user_with_role(role))
    before = state()
    response = client.post(
        f"/marketing/goals/{requested.pk}/decide/", {"decision": "approve", "reason": "ok"}
    )
    assert response.status_code == 403
    assert state() == before


@pytest.mark.django_db
def test_operations_of_another_organization_cannot_decide(client, user_with_role, requested):
    other = factories.OrganizationFactory(code="OTHER")
    client.force_login(user_with_role(roles.OPERATIONS, organization=other))
    response = client.post(
        f"/marketing/goals/{requested.pk}/decide/", {"decision": "approve", "reason": "ok"}
    )
    assert response.status_code == 404
    assert goal().status == GoalStatus.OVERRIDE_REQUESTED


# ---------------------------------------------------------------------------------------------
# The dashboard


@pytest.mark.parametrize("role", ROLES)
def test_the_dashboard_maps_headroom(client, user_with_role, planned, role):
    client.force_login(user_with_role(role))
    response = client.get("/marketing/?line=ORTHO&months=4")
    page = response.content.decode()
    assert response.status_code == 200
    heatmap = figure(page, "heatmap")["data"][0]
    assert heatmap["x"] == ["2025-08", "2025-09", "2025-10", "2025-11"]
    clinic, _line = planned
    assert heatmap["y"] == [f"C01 {clinic.name}"]
    assert heatmap["z"] == [[0, 27, 21, 17]]
    # the next three months per clinic: cap, target, booked, headroom
    table = re.search(r'<table class="data compact" id="per-clinic">.*?</table>', page, re.S)
    assert cells(table.group(0))[-13:] == [
        f"C01 {clinic.name}", "0", "0", "0", "0", "27", "27", "0", "27", "21", "21", "0", "21",
    ]  # fmt: skip
    assert "/static/vendor/plotly/plotly.min.js" in page


def test_the_dashboard_sums_goals_caps_and_kept(client, board_user, planned):
    client.force_login(board_user)
    page = client.get("/marketing/?months=3").content.decode()
    chart = {t["name"]: t["y"] for t in figure(page, "goals-chart")["data"]}
    # six months back (nothing stored there), then August … October
    assert chart["Cap"] == [None] * 6 + [0, 27, 21]
    assert chart["Target"] == [None] * 6 + [0, 27, 21]
    assert chart["Kept (actual)"] == [0, 0, 0, 0, 0, 0, 0, None, None]


@pytest.mark.django_db
def test_the_dashboard_explains_what_is_missing(client, ops_user, lakeside):  # noqa: F811
    client.force_login(ops_user)
    page = client.get("/marketing/").content.decode()
    assert "Caps have not been computed yet" in page
    assert "Run a recompute now" in page
    assert "No active or upcoming campaigns" in page
    assert 'id="heatmap"' not in page


def test_the_months_asked_are_kept_between_1_and_12(client, board_user, planned):
    client.force_login(board_user)
    for asked, count in (("1", 1), ("12", 12), ("0", 12), ("13", 12), ("x", 12)):
        page = client.get(f"/marketing/?months={asked}").content.decode()
        assert len(figure(page, "heatmap")["data"][0]["x"]) == count


# ---------------------------------------------------------------------------------------------
# The network goal


def test_a_network_goal_is_previewed_with_what_cannot_be_placed(client, board_user, planned):
    client.force_login(board_user)
    response = client.get("/marketing/network-goal/?line=ORTHO&month=2025-09&total=30")
    page = response.content.decode()
    assert response.status_code == 200
    table = re.search(r'<table class="data compact" id="allocation">.*?</tbody>', page, re.S)
    clinic, _line = planned
    assert cells(table.group(0))[6:] == [f"C01 {clinic.name}", "27", "0", "27", "—", "27"]
    assert "3 new patients cannot be placed" in page
    assert 'id="apply-form"' not in page  # the board reads
    assert not NewPatientGoal.objects.filter(requested__isnull=False).exists()


def test_marketing_applies_a_network_goal(client, marketing_user, planned):
    client.force_login(marketing_user)
    form = {"line": "ORTHO", "month": "2025-09", "total": "20"}
    response = client.post("/marketing/network-goal/", form)
    assert response.status_code == 302
    assert (goal().requested, goal().target) == (20, 20)
    assert goal().history.get().note == "network goal 20 for ORTHO 2025-09"


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"total": "-5"}, "total", "a network goal is 0 or more new patients"),
        ({"total": "abc"}, "total", "a whole number of new patients, 0 or more"),
        ({"total": "2.5"}, "total", "a whole number of new patients, 0 or more"),
        ({"month": "2024-01"}, "month", "Select a valid choice"),
        ({"month": "2026-08"}, "month", "Select a valid choice"),  # beyond the horizon
        ({"line": "XX"}, "line", "Select a valid choice"),
    ],
)
def test_a_bad_network_goal_is_refused(client, marketing_user, planned, form, field, message):
    client.force_login(marketing_user)
    before = state()
    data = {"line": "ORTHO", "month": "2025-09", "total": "20", **form}
    response = client.post("/marketing/network-goal/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert state() == before
    preview = client.get("/marketing/network-goal/", data)
    assert preview.status_code == 400


def test_the_board_cannot_apply_a_network_goal(client, board_user, planned):
    client.force_login(board_user)
    before = state()
    response = client.post(
        "/marketing/network-goal/", {"line": "ORTHO", "month": "2025-09", "total": "20"}
    )
    assert response.status_code == 403
    assert state() == before


# ---------------------------------------------------------------------------------------------
# Campaigns


@pytest.fixture
def channel(db):
    return Channel.objects.create(code="search", name="Search ads")


@pytest.fixture
def women(planned):
    """C02 offers women's health only."""
    line = factories.ServiceLineFactory(code="WH", name="Women's health")
    return factories.ClinicFactory(code="C02", name="Riverside", service_lines=[line])


def campaign_form(clinic, line, channel, **changes) -> dict:
    return {
        "name": "Knee pain search", "channel": channel.pk, "service_line": line.pk,
        "clinics": [clinic.pk], "starts_on": "2025-09-01", "ends_on": "2025-10-31",
        "budget": "5000", "expected_leads": "100", "conversion": "0.5", **changes,
    }  # fmt: skip


def test_marketing_plans_a_campaign_and_sees_its_signals(client, marketing_user, planned, channel):
    clinic, line = planned
    client.force_login(marketing_user)
    assert client.get("/marketing/campaigns/new/").status_code == 200
    response = client.post("/marketing/campaigns/new/", campaign_form(clinic, line, channel))
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert (campaign.created_by, list(campaign.clinics.all())) == (marketing_user, [clinic])
    # then: 100 leads × 0.5 over 1 clinic × 2 months = 25 a month; September's headroom 27
    # covers it (push), October's 21 does not (hold); leads for the targets: 27/0.5 + 21/0.5
    page = client.get(response["Location"]).content.decode()
    table = re.search(r'<table class="data compact" id="signals">.*?</table>', page, re.S)
    rows = [cells(r) for r in re.findall(r"<tr class=.*?</tr>", table.group(0), re.S)]
    assert rows == [
        ["C01", "2025-09", "27", "0", "27", "27", "25.0", "push", "54"],
        ["C01", "2025-10", "21", "0", "21", "21", "25.0", "hold", "42"],
    ]
    assert "<strong>96</strong>" in page
    assert "some headroom, but less than the campaign should bring here" in page
    listing = client.get("/marketing/campaigns/").content.decode()
    assert "Knee pain search" in listing


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"conversion": "0"}, "conversion", "a share of leads above 0 and at most 1"),
        ({"conversion": "1.5"}, "conversion", "a share of leads above 0 and at most 1"),
        ({"budget": "-1"}, "budget", "a budget is 0 or more"),
        ({"ends_on": "2025-08-31"}, "ends_on", "a campaign ends on or after its first day"),
        ({"clinics": []}, "clinics", "This field is required"),
        ({"expected_leads": "many"}, "expected_leads", "Enter a whole number"),
    ],
)
def test_a_bad_campaign_is_refused(
    client, marketing_user, planned, channel, changes, field, message
):
    clinic, line = planned
    client.force_login(marketing_user)
    response = client.post(
        "/marketing/campaigns/new/", campaign_form(clinic, line, channel, **changes)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["form"].errors[field]
    assert not Campaign.objects.exists()


def test_a_campaign_at_a_clinic_without_its_line_is_refused(
    client, marketing_user, planned, channel, women
):
    clinic, line = planned
    client.force_login(marketing_user)
    form = campaign_form(clinic, line, channel, clinics=[clinic.pk, women.pk])
    response = client.post("/marketing/campaigns/new/", form)
    assert response.status_code == 400
    assert response.context["form"].errors["clinics"] == ["C02 does not offer ORTHO"]
    assert not Campaign.objects.exists()


@pytest.fixture
def campaign(planned, channel, marketing_user):
    clinic, line = planned
    return services.campaign_save(
        campaign=Campaign(), clinics=[clinic], user=marketing_user,
        data={"name": "Knee pain search", "channel": channel, "service_line": line,
              "starts_on": date(2025, 9, 1), "ends_on": date(2025, 10, 31),
              "budget": Decimal("5000"), "expected_leads": 100, "conversion": Decimal("0.5")},
    )  # fmt: skip


def test_marketing_edits_and_deletes_a_campaign(client, marketing_user, campaign):
    client.force_login(marketing_user)
    url = f"/marketing/campaigns/{campaign.pk}/"
    assert 'value="Knee pain search"' in client.get(url + "edit/").content.decode()
    form = campaign_form(campaign.clinics.get(), campaign.service_line, campaign.channel)
    response = client.post(url + "edit/", {**form, "expected_leads": "200"})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.expected_leads == 200
    assert client.post(url + "delete/").status_code == 400  # no confirmation
    assert Campaign.objects.exists()
    response = client.post(url + "delete/", {"confirm": "yes"})
    assert response.status_code == 302
    assert not Campaign.objects.exists()


def test_the_dashboard_counts_each_campaigns_signals(client, board_user, campaign, women):
    # given: the campaign's September is push and its October hold (see above)
    client.force_login(board_user)
    # when
    page = client.get("/marketing/?line=ORTHO").content.decode()
    # then: clinic-months, push, hold, pause
    table = re.search(r'<table class="data compact" id="campaigns">.*?</table>', page, re.S)
    assert cells(table.group(0))[-4:] == ["2", "1", "1", "0"]
    assert "Knee pain search" in table.group(0)
    assert (
        "No active or upcoming WH campaigns" in client.get("/marketing/?line=WH").content.decode()
    )


@pytest.mark.parametrize("role", [roles.OPERATIONS, roles.BOARD])
def test_only_marketing_changes_campaigns(client, user_with_role, campaign, role):
    client.force_login(user_with_role(role))
    url = f"/marketing/campaigns/{campaign.pk}/"
    form = campaign_form(campaign.clinics.get(), campaign.service_line, campaign.channel)
    before = list(Campaign.objects.values_list("name", "expected_leads"))
    assert client.get(url).status_code == 200  # everyone reads
    assert client.get("/marketing/campaigns/").status_code == 200
    assert client.get("/marketing/campaigns/new/").status_code == 403
    assert client.post("/marketing/campaigns/new/", form).status_code == 403
    assert client.get(url + "edit/").status_code == 403
    assert client.post(url + "edit/", {**form, "expected_leads": "1"}).status_code == 403
    assert client.get(url + "delete/").status_code == 403
    assert client.post(url + "delete/", {"confirm": "yes"}).status_code == 403
    assert list(Campaign.objects.values_list("name", "expected_leads")) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/marketing/", GOALS, "/marketing/network-goal/", "/marketing/campaigns/", "/jobs/"],
)
def test_no_page_without_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
