"""The shared marketing & operations dashboard: every role opens it; utilization against the
band, headroom, goals, campaign signals and red KPIs for the clinics the user may see.

The page reads "today" from the clock, so the periods below are worked out from it.
"""

import json
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from capacity.models import DailyRollup
from growthplan import roles
from marketing.models import Campaign, Channel, NewPatientGoal
from scorecards import compute
from scorecards.models import KPI, Measurement
from tests import factories

URL = "/scorecards/dashboard/"
TODAY = timezone.localdate()
THIS_MONTH = compute.period_of(TODAY, compute.MONTH)
LAST_MONTH = compute.periods_back(THIS_MONTH, 2)[0]


def squeeze(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def section(html: str, name: str) -> str:
    match = re.search(rf'<section id="{name}">(.*?)</section>', html, re.S)
    assert match, f"no section {name}"
    return match.group(1)


def figure(html: str, name: str) -> dict:
    match = re.search(rf'plot\("{name}", (\{{.*?\}})\);\n', html, re.S)
    assert match, f"no chart {name}"
    return json.loads(match.group(1))


@pytest.fixture
def lakeside(db):
    """Clinic C1 (band 85–95 %, hot above 95 %, cold below 70 %): last month 960 of 1,000
    minutes held; this month 700 of 1,000 so far."""
    clinic = factories.ClinicFactory(code="C1", name="Lakeside")
    for month, held in ((LAST_MONTH, 960), (THIS_MONTH, 700)):
        DailyRollup.objects.create(
            clinic=clinic, provider=None, is_new_patient=False, date=month.first,
            available_minutes=1000, held_minutes=held, kept_minutes=held,
        )  # fmt: skip
    return clinic


@pytest.mark.parametrize("role", roles.ROLES)
def test_every_role_opens_the_dashboard(client, user_with_role, lakeside, role):
    # given
    client.force_login(user_with_role(role))
    # when
    response = client.get(URL)
    # then
    assert response.status_code == 200
    assert "<h1>Marketing & operations dashboard</h1>" in response.content.decode()


def test_the_dashboard_needs_a_login(client, db):
    # when
    response = client.get(URL)
    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_utilization_is_shown_against_the_clinics_band(client, ops_user, lakeside):
    # given
    client.force_login(ops_user)
    # when
    html = client.get(URL).content.decode()
    # then: 960 ÷ 1000 = 96.0 % is above the hot threshold; 700 ÷ 1000 = 70.0 % is below the
    # band but not cold (cold is below 70 %)
    rows = section(html, "utilization")
    row = re.search(r"<tbody><tr>(.*?)</tr>", rows, re.S).group(1)
    assert squeeze(row) == (
        "C1 Lakeside 85.0 % – 95.0 % 70.0 % 95.0 % 96.0 % hot 70.0 % below band"
    )
    chart = figure(html, "utilization-chart")
    assert [t["y"] for t in chart["data"][:2]] == [[96.0], [70.0]]
    band, hot, cold = chart["layout"]["shapes"]
    assert (band["y0"], band["y1"]) == (85.0, 95.0)
    assert (hot["y0"], cold["y0"]) == (95.0, 70.0)


def test_a_kpi_made_red_is_listed_with_a_link_to_its_page(client, marketing_user, lakeside):
    # given: the network's no-show rate last month, 12 ÷ 60 = 0.2, against the benchmark
    # green to 8 %, amber to 12 %: red
    Measurement.objects.create(
        kpi=KPI.objects.get(code="no_show_rate"), scope_type="network", scope_code="",
        period=LAST_MONTH.label, period_start=LAST_MONTH.first, value=0.2, numerator=12,
        denominator=60, source="computed",
    )  # fmt: skip
    client.force_login(marketing_user)
    # when
    html = client.get(URL).content.decode()
    # then
    reds = section(html, "red-kpis")
    assert f'href="/scorecards/kpi/no_show_rate/?scope=network&amp;period={LAST_MONTH.label}"' in (
        reds
    )
    row = re.search(r"<tbody><tr>(.*?)</tr>", reds, re.S).group(1)
    assert squeeze(row) == (
        f"No-show rate {LAST_MONTH.label} 20.0 % ≤ 8.0 % Operations waiting for the owner's note"
    )


def test_goals_headroom_and_campaign_signals(client, marketing_user, lakeside):
    # given: this month C1 may take 40 new patients (target 30 asked), all 40 already booked;
    # a referral campaign runs at C1 this month
    line = lakeside.service_lines.get()
    NewPatientGoal.objects.create(
        clinic=lakeside, service_line=line, month=THIS_MONTH.first, requested=30, cap=40,
        target=30, np_booked=40, np_headroom=0,
    )  # fmt: skip
    campaign = Campaign.objects.create(
        name="Spring referrals", channel=Channel.objects.create(code="ref", name="Referrals"),
        service_line=line, starts_on=THIS_MONTH.first, ends_on=THIS_MONTH.last, budget=0,
        expected_leads=50, conversion=Decimal("0.2"),
    )  # fmt: skip
    campaign.clinics.set([lakeside])
    client.force_login(marketing_user)
    # when
    html = client.get(URL).content.decode()
    # then: the heatmap's first cell is this month's headroom, 0
    heatmap = figure(html, "headroom-chart")
    assert heatmap["data"][0]["z"][0][0] == 0
    goals = re.search(r'<table class="data compact" id="goals-table">.*?</table>', html, re.S)
    row = re.search(r"<tbody><tr>(.*?)</tr>", goals.group(0), re.S).group(1)
    # nothing kept yet: attainment 0 ÷ 30 = 0.0 %
    assert squeeze(row) == f"{THIS_MONTH.label} this month 30 40 30 0 0.0 %"
    campaigns = squeeze(section(html, "campaigns"))
    # one clinic-month, with no headroom: pause
    assert "Spring referrals Referrals ORTHO" in campaigns
    assert "0 0 1 pause at C1" in campaigns


def test_an_empty_network_explains_every_section(client, board_user):
    # given: no clinics, no measurements
    client.force_login(board_user)
    # when
    html = squeeze(client.get(URL).content.decode())
    # then
    assert "No clinics yet" in html
    assert "Operations set up the network under Clinics first" in html
    assert f"No KPI is red for Network in {LAST_MONTH.label} (monthly KPIs)" in html


def test_a_clinic_without_data_explains_each_empty_section(client, ops_user, db):
    # given: a clinic with nothing imported, computed or planned
    factories.ClinicFactory(code="C9", name="Empty")
    client.force_login(ops_user)
    # when
    html = squeeze(client.get(URL).content.decode())
    # then
    assert f"No appointment data for {LAST_MONTH.label} or {THIS_MONTH.label}" in html
    assert "Caps have not been computed for" in html
    assert "No new-patient goals or caps are stored for" in html
    assert "No campaign is running at your clinics today" in html
    assert "No KPI is red for Network" in html


def test_a_user_of_one_organization_sees_its_clinics_and_its_red_kpis(client, lakeside):
    # given: Lakeside belongs to another organization than Zoe's
    other = factories.OrganizationFactory(code="OTHER", name="Other Health")
    zenith = factories.ClinicFactory(
        code="Z1", name="Zenith", region=factories.RegionFactory(code="RZ", organization=other)
    )
    DailyRollup.objects.create(
        clinic=zenith, provider=None, is_new_patient=False, date=LAST_MONTH.first,
        available_minutes=1000, held_minutes=900, kept_minutes=900,
    )  # fmt: skip
    Measurement.objects.create(
        kpi=KPI.objects.get(code="no_show_rate"), scope_type="organization", scope_code="OTHER",
        period=LAST_MONTH.label, period_start=LAST_MONTH.first, value=0.5, source="computed",
    )  # fmt: skip
    user = factories.UserFactory(username="zoe", role=roles.OPERATIONS, organization=other)
    client.force_login(user)
    # when
    html = client.get(URL).content.decode()
    # then
    utilization = squeeze(section(html, "utilization"))
    assert "Z1 Zenith" in utilization and "Lakeside" not in utilization
    reds = squeeze(section(html, "red-kpis"))
    assert "Other Health (OTHER)" in reds
    assert "No-show rate" in reds and "50.0 %" in reds
