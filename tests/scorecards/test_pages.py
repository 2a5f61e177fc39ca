"""Scorecard pages: the scorecards per audience, a KPI's detail and drivers, owners' notes on
red KPIs, and the alignment maturity assessment.

A tiny network built by hand: organization ACME; region NORTH with C01, C02, C03 and region
SOUTH with C04. Utilization in 2026-Q3 as held ÷ available minutes: C01 50/100, C02 90/100,
C03 80/100, C04 40/100, so NORTH pools to 220/300 = 73.3 %, SOUTH 40/100 and the network
260/400 = 65.0 %. Against the shipped benchmark band (green 85–95 %, amber 70–100 %): C01,
C04, SOUTH and the network are red, C03 and NORTH amber, C02 green. "Today" is 24 November
2026, so the board reads 2026-Q3 and the other audiences 2026-10.
"""

import re
from datetime import date

import pytest
from django.utils import timezone

from growthplan import roles
from scorecards import compute
from scorecards.models import KPI, KpiNote, MaturityAssessment, Measurement
from tests import factories
from tests.capacity.test_rollups import month  # noqa: F401

TODAY = date(2026, 11, 24)
BOARD = "/scorecards/"
MATURITY = "/scorecards/maturity/"
NOTE = "/scorecards/kpi/utilization/note/"
ROLES = [roles.OPERATIONS, roles.MARKETING, roles.BOARD, roles.ADMINISTRATOR]


def measure(code: str, scope: str, period: str, value: float | None, *, num=None, den=None,
            source: str = "computed") -> Measurement:  # fmt: skip
    scope_type, _, scope_code = scope.partition(":")
    return Measurement.objects.create(
        kpi=KPI.objects.get(code=code), scope_type=scope_type, scope_code=scope_code,
        period=period, period_start=compute.period_parse(period).first, value=value,
        numerator=num, denominator=den, source=source,
    )  # fmt: skip


@pytest.fixture
def network(db, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda: TODAY)
    acme = factories.OrganizationFactory(code="ACME", name="Acme Orthopedics")
    north = factories.RegionFactory(code="NORTH", name="North", organization=acme)
    south = factories.RegionFactory(code="SOUTH", name="South", organization=acme)
    for code, name, region in (
        ("C01", "Lakeside", north), ("C02", "Hillcrest", north), ("C03", "Riverside", north),
        ("C04", "Bayview", south),
    ):  # fmt: skip
        factories.ClinicFactory(code=code, name=name, region=region)
    held = {
        "clinic:C01": 50,
        "clinic:C02": 90,
        "clinic:C03": 80,
        "clinic:C04": 40,
        "region:NORTH": 220,
        "region:SOUTH": 40,
        "organization:ACME": 260,
        "network": 260,
    }
    available = {"region:NORTH": 300, "organization:ACME": 400, "network": 400}
    for scope, num in held.items():
        den = available.get(scope, 100)
        measure("utilization", scope, "2026-Q3", num / den, num=num, den=den)
    # 17 no-shows of 200 kept + no-show visits: 8.5 %, amber (green ≤ 8 %, amber ≤ 12 %)
    measure("no_show_rate", "network", "2026-Q3", 17 / 200, num=17, den=200)
    # 86 days over 10 provider-days: 8.6 d, green (≤ 10 d)
    measure("tnaa_new", "network", "2026-Q3", 8.6, num=86, den=10)
    # one leaver over an average headcount of 50: 2.0 %, green (≤ 3 %)
    measure("provider_turnover", "network", "2026-Q4", 0.02, num=1, den=50)
    return acme


def kpi_row(page: str, code: str) -> str:
    """A KPI's row on a scorecard and the row of notes under it, as text."""
    match = re.search(rf'<tr id="kpi-{code}".*?</tr>(\s*<tr class="kpi-more">.*?</tr>)?', page,
                      re.S)  # fmt: skip
    assert match, f"no row for {code}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(0)).split())


def table_rows(page: str, table_id: str) -> list[list[str]]:
    """The body rows of a table, each cell's text with tags stripped."""
    body = re.search(rf'<table[^>]*id="{table_id}".*?<tbody>(.*?)</tbody>', page, re.S)
    assert body, f"no table {table_id}"
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)
    return [
        [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
        for r in rows
    ]  # fmt: skip


def login_as(client, role: str, username: str):
    user = factories.UserFactory(role=role, username=username)
    client.force_login(user)
    return user


# ---------------------------------------------------------------------------------------------
# The scorecard


def test_the_board_scorecard_shows_four_perspectives_for_the_last_quarter(client, network):
    # given
    login_as(client, roles.BOARD, "bea")
    # when
    response = client.get(BOARD)
    # then: 24 November 2026 → the last complete quarter, 2026-Q3
    page = response.content.decode()
    assert response.status_code == 200
    assert "Network · 2026-Q3" in page
    for perspective in ("Financial", "Patient", "Internal process / operations",
                        "Learning &amp; growth"):  # fmt: skip
        assert f"<h2>{perspective}</h2>" in page
    # 260 ÷ 400 = 65.0 %, below the amber floor of 70 %: red, with the band as its target
    assert kpi_row(page, "utilization").startswith("Utilization 65.0 % 85.0–95.0 % benchmark Red")
    assert "8.5 % ≤ 8.0 % benchmark Amber" in kpi_row(page, "no_show_rate")
    assert "8.6 d ≤ 10.0 d benchmark Green" in kpi_row(page, "tnaa_new")


def test_a_red_kpi_waits_for_its_owner_and_only_the_owner_gets_a_form(client, network):
    # given: utilization belongs to operations
    login_as(client, roles.BOARD, "bea")
    # when
    board_page = client.get(BOARD).content.decode()
    # then
    assert "Waiting for a note from operations" in kpi_row(board_page, "utilization")
    assert f'action="{NOTE}"' not in board_page
    client.force_login(factories.UserFactory(role=roles.MARKETING, username="marco"))
    assert f'action="{NOTE}"' not in client.get(BOARD).content.decode()
    client.force_login(factories.UserFactory(role=roles.OPERATIONS, username="olivia"))
    assert f'action="{NOTE}"' in client.get(BOARD).content.decode()


def test_a_note_posted_by_the_owner_shows_on_the_scorecard(client, network):
    # given
    login_as(client, roles.OPERATIONS, "olivia")
    # when
    response = client.post(NOTE, {
        "audience": "board", "scope": "network", "period": "2026-Q3", "page_period": "",
        "text": "Two providers on leave at Bayview", "action": "Locums from December (Olivia)",
    })  # fmt: skip
    # then
    assert response.status_code == 302
    assert response.url == "/scorecards/?audience=board&scope=network#kpi-utilization"
    row = kpi_row(client.get(BOARD).content.decode(), "utilization")
    assert "Two providers on leave at Bayview" in row
    assert "Action: Locums from December (Olivia)" in row
    assert "olivia" in row
    assert "Waiting for a note" not in row
    note = KpiNote.objects.get()
    assert (note.scope_type, note.scope_code, note.period) == ("network", "", "2026-Q3")


def test_a_note_without_text_is_refused_and_nothing_is_written(client, network):
    login_as(client, roles.OPERATIONS, "olivia")
    response = client.post(NOTE, {
        "audience": "board", "scope": "network", "period": "2026-Q3", "text": " ",
        "action": "",
    })  # fmt: skip
    assert response.status_code == 400
    assert "Note: This field is required." in kpi_row(response.content.decode(), "utilization")
    assert KpiNote.objects.count() == 0


@pytest.mark.parametrize("role", [roles.BOARD, roles.MARKETING])
def test_a_note_by_anyone_but_the_owner_is_refused(client, network, role):
    # given: a board member (reads only) and marketing (not utilization's owner)
    login_as(client, role, "someone")
    # when
    response = client.post(NOTE, {
        "audience": "board", "scope": "network", "period": "2026-Q3", "text": "Looks fine",
    })  # fmt: skip
    # then
    assert response.status_code == 403
    assert KpiNote.objects.count() == 0


def test_an_administrator_may_note_any_kpi(client, network):
    login_as(client, roles.ADMINISTRATOR, "ada")
    response = client.post(NOTE, {
        "audience": "board", "scope": "network", "period": "2026-Q3", "text": "Board asked",
    })  # fmt: skip
    assert response.status_code == 302
    assert KpiNote.objects.get().author.username == "ada"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "?period=2026-13",
            "Period: &#x27;2026-13&#x27; is not a period: use YYYY-MM for a month or YYYY-Qn for a quarter.",
        ),
        ("?scope=clinic:NOPE", "Scope: unknown clinic &#x27;NOPE&#x27;."),
        (
            "?scope=ward:7",
            "Scope: &#x27;ward:7&#x27; is not a scope: use network, organization:CODE, region:CODE or clinic:CODE.",
        ),
        (
            "?audience=press",
            "Audience: &#x27;press&#x27; is not one of board, operations, marketing.",
        ),
    ],
)
def test_a_bad_scope_or_period_is_explained_not_a_crash(client, network, query, message):
    login_as(client, roles.BOARD, "bea")
    response = client.get(BOARD + query)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'id="perspective-' not in page


def test_a_quarterly_kpi_read_on_a_month_shows_its_quarter(client, network):
    # given: the operations scorecard defaults to the last complete month, 2026-10
    login_as(client, roles.OPERATIONS, "olivia")
    # when
    page = client.get(BOARD + "?audience=operations").content.decode()
    # then: provider turnover is quarterly, so October shows 2026-Q4's 1 ÷ 50
    assert "Network · 2026-10" in page
    assert kpi_row(page, "provider_turnover").startswith(
        "Provider turnover 2026-Q4 2.0 % ≤ 3.0 % benchmark Green"
    )


def test_the_vbc_index_is_a_house_metric_with_its_parts_beside_it(client, network):
    # given: 1,234,567 × 0.9 ÷ 1,058,200 = 1.05
    measure("vbc_index", "network", "2026-Q3", 1234567 * 0.9 / 1058200, source="derived")
    measure("net_patient_revenue", "network", "2026-Q3", 1234567, source="rolled_up")
    measure("quality_score", "network", "2026-Q3", 0.9, num=9, den=10, source="rolled_up")
    measure("operating_expense", "network", "2026-Q3", 1058200, source="rolled_up")
    login_as(client, roles.BOARD, "bea")
    # when
    row = kpi_row(client.get(BOARD).content.decode(), "vbc_index")
    # then
    assert "house metric" in row
    assert ("Net patient revenue $1,234,567 · Quality score 90.0 % · Operating expense "
            "$1,058,200") in row  # fmt: skip
    assert "1.05 ≥ 1.00 benchmark Green" in row


def test_a_kpi_without_a_value_is_grey_and_says_why(client, network):
    login_as(client, roles.BOARD, "bea")
    page = client.get(BOARD).content.decode()
    row = kpi_row(page, "net_patient_revenue")
    assert row.startswith("Net patient revenue n/a — Grey")
    assert "No value entered for 2026-Q3 yet." in row


def test_the_board_scorecard_summarises_the_latest_maturity(client, network):
    login_as(client, roles.ADMINISTRATOR, "ada")
    client.post(MATURITY, {"assessed_on": "2026-11-20", "score_governance": "3",
                           "score_data_integration": "2", "score_culture": "4"})  # fmt: skip
    page = client.get(BOARD).content.decode()
    summary = re.search(r'id="maturity-summary".*?</section>', page, re.S).group(0)
    text = " ".join(re.sub(r"<[^>]+>", " ", summary).split())
    assert "2 of 5 overall — the lowest domain · mean 3.0 · assessed 2026-11-20" in text


# ---------------------------------------------------------------------------------------------
# A KPI's detail and drivers


def test_the_kpi_detail_lists_child_scopes_worst_first(client, network):
    # given
    login_as(client, roles.BOARD, "bea")
    # when
    response = client.get("/scorecards/kpi/utilization/?scope=region:NORTH&period=2026-Q3")
    # then: C01 50 % red, C03 80 % amber, C02 90 % green
    page = response.content.decode()
    assert response.status_code == 200
    rows = table_rows(page, "children")
    assert [r[:4] for r in rows] == [
        ["Lakeside (C01) clinic", "50.0 %", "85.0–95.0 %", "Red"],
        ["Riverside (C03) clinic", "80.0 %", "85.0–95.0 %", "Amber"],
        ["Hillcrest (C02) clinic", "90.0 %", "85.0–95.0 %", "Green"],
    ]
    assert "/scorecards/kpi/utilization/?scope=clinic%3AC01&amp;period=2026-Q3" in page
    # the region's own value, pooled, and what it is made of
    assert '<span class="value">73.3 %</span>' in page
    assert "220 held minutes" in page and "300 available minutes" in page


def test_the_network_drills_into_regions_worst_first(client, network):
    login_as(client, roles.BOARD, "bea")
    page = client.get("/scorecards/kpi/utilization/?period=2026-Q3").content.decode()
    assert [r[:4] for r in table_rows(page, "children")] == [
        ["South (SOUTH) region", "40.0 %", "85.0–95.0 %", "Red"],
        ["North (NORTH) region", "73.3 %", "85.0–95.0 %", "Amber"],
    ]
    # the clinics behind it: C04 (40 %) then C01 (50 %) red, C03 (80 %) amber
    assert re.findall(r'<div class="behind" id="behind-(\w+)">', page) == ["C04", "C01", "C03"]


def test_the_kpi_detail_shows_its_definition_targets_and_chart(client, network):
    login_as(client, roles.MARKETING, "marco")
    page = client.get("/scorecards/kpi/utilization/?period=2026-Q3").content.decode()
    assert "HELD minutes ÷ available minutes" in page
    assert "Sum numerators and denominators" not in page  # explained in words instead
    assert "never an average of rates" in page
    assert table_rows(page, "target-list")[0][:5] == [
        "Network in force here",
        "2000-01",
        "until replaced",
        "months and quarters",
        "85.0–95.0 %",
    ]
    assert 'Plotly.newPlot("trend-chart"' in page
    assert "/static/vendor/plotly/plotly.min.js" in page
    assert 'href="/capacity/definitions/#utilization"' in page


def test_the_providers_behind_a_clinics_utilization(client, month):  # noqa: F811
    # given: tests/capacity/test_rollups.py's July 2024 at C01, 495 of 720 minutes held
    login_as(client, roles.BOARD, "bea")
    # when
    page = client.get("/scorecards/kpi/utilization/?scope=clinic:C01&period=2024-07").content
    # then
    rows = table_rows(page.decode(), "providers-C01")
    _clinic, provider = month
    assert rows[0][:5] == [provider.name, "MD", "720", "495", "68.8 %"]


def test_an_unknown_kpi_is_not_found(client, network):
    login_as(client, roles.BOARD, "bea")
    assert client.get("/scorecards/kpi/happiness/").status_code == 404


def test_a_kpi_detail_with_a_bad_period_is_explained(client, network):
    login_as(client, roles.BOARD, "bea")
    response = client.get("/scorecards/kpi/utilization/?period=Q3-2026")
    assert response.status_code == 400
    assert "is not a period" in response.content.decode()


# ---------------------------------------------------------------------------------------------
# Alignment maturity


def test_an_administrator_records_an_assessment_and_overall_is_the_lowest(client, network):
    # given
    login_as(client, roles.ADMINISTRATOR, "ada")
    # when: governance 3, data integration 2, culture 4
    response = client.post(MATURITY, {
        "assessed_on": "2026-11-20", "score_governance": "3", "score_data_integration": "2",
        "score_culture": "4", "notes": "Imports run nightly; no joint forum yet",
    })  # fmt: skip
    # then: overall = min(3, 2, 4) = 2, mean (3 + 2 + 4) / 3 = 3.0
    assert response.status_code == 302
    page = client.get(MATURITY).content.decode()
    assert '<span class="level" id="overall">2</span>' in page
    assert '<strong id="mean">3.0</strong>' in page
    assert table_rows(page, "history-table") == [
        ["2026-11-20", "3", "2", "4", "2", "3.0", "Imports run nightly; no joint forum yet", "ada"]
    ]
    assert 'Plotly.newPlot("maturity-chart"' in page


def test_a_score_left_out_is_refused_by_name_and_nothing_is_written(client, network):
    login_as(client, roles.ADMINISTRATOR, "ada")
    response = client.post(MATURITY, {
        "assessed_on": "2026-11-20", "score_governance": "3", "score_data_integration": "9",
    })  # fmt: skip
    assert response.status_code == 400
    page = response.content.decode()
    assert "score Culture from 1 to 5" in page
    assert "Select a valid choice. 9 is not one of the available choices." in page
    assert MaturityAssessment.objects.count() == 0


def test_an_assessment_in_the_future_is_refused(client, network):
    login_as(client, roles.ADMINISTRATOR, "ada")
    response = client.post(MATURITY, {
        "assessed_on": "2026-12-01", "score_governance": "3", "score_data_integration": "2",
        "score_culture": "4",
    })  # fmt: skip
    assert response.status_code == 400
    assert "2026-12-01 is in the future; date what was seen" in response.content.decode()
    assert MaturityAssessment.objects.count() == 0


@pytest.mark.parametrize("role", [roles.BOARD, roles.OPERATIONS, roles.MARKETING])
def test_only_administrators_assess_maturity(client, network, role):
    # given
    login_as(client, role, "someone")
    # when
    page = client.get(MATURITY).content.decode()
    response = client.post(MATURITY, {
        "assessed_on": "2026-11-20", "score_governance": "5", "score_data_integration": "5",
        "score_culture": "5",
    })  # fmt: skip
    # then
    assert 'id="assess"' not in page
    assert response.status_code == 403
    assert MaturityAssessment.objects.count() == 0


def test_the_rubric_is_shown_to_everyone(client, network):
    login_as(client, roles.BOARD, "bea")
    page = client.get(MATURITY).content.decode()
    assert "No assessment has been recorded yet." in page
    assert (
        "One accountable growth committee; the board reviews the scorecard every quarter." in page
    )


# ---------------------------------------------------------------------------------------------
# Who may open the pages

PAGES = [BOARD, BOARD + "?audience=operations", BOARD + "?audience=marketing",
         "/scorecards/kpi/utilization/", "/scorecards/kpi/tnaa_new/?scope=clinic:C01", MATURITY]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_pages(client, network, role):
    login_as(client, role, f"user-{role}")
    for url in PAGES:
        assert client.get(url).status_code == 200, url


def test_anonymous_is_sent_to_login(client, network):
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")
    assert client.post(NOTE, {"text": "x"}).status_code == 302
    assert KpiNote.objects.count() == 0
