"""A board member reads the board scorecard, follows a red KPI to its drivers, downloads the
board pack, opens the shared dashboard — and is refused every edit."""

from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from capacity.models import DailyRollup
from clinics.models import Clinic
from marketing import selectors as marketing_selectors
from marketing.models import Campaign, Channel, NewPatientGoal
from scorecards import compute, selectors, services
from scorecards.models import KPI, KpiNote, MaturityAssessment, Measurement, Target
from tests import factories
from tests.conftest import login, screenshot

pytestmark = pytest.mark.browser

QUARTER = "2026-Q3"
SCORECARD = f"/scorecards/?audience=board&scope=network&period={QUARTER}"
PACK = f"/scorecards/pack/?scope=network&period={QUARTER}"


@pytest.fixture
def network(db):
    """Lakeside (region North) held 400 of 1,000 minutes in August 2026: red against the
    85–95 % band (amber from 70 %); Riverside (South) 900 of 1,000: green. The network pools
    1,300 ÷ 2,000 = 65.0 %: red. Last and this month have rollups too, for the dashboard."""
    org = factories.OrganizationFactory(code="ACME", name="Acme Orthopedics")
    north = factories.RegionFactory(code="NORTH", name="North", organization=org)
    south = factories.RegionFactory(code="SOUTH", name="South", organization=org)
    lakeside = factories.ClinicFactory(code="LAKE", name="Lakeside", region=north)
    riverside = factories.ClinicFactory(code="RIVER", name="Riverside", region=south)
    rivera = factories.ProviderFactory(name="Dr. A. Rivera")
    for clinic, provider, held in ((lakeside, rivera, 400), (riverside, None, 900)):
        DailyRollup.objects.create(
            clinic=clinic, provider=provider, is_new_patient=False, date=date(2026, 8, 14),
            available_minutes=1000, held_minutes=held, kept_minutes=held,
        )  # fmt: skip
    services.measurements_refresh(today=date(2026, 11, 24))
    today = compute.period_of(date.today(), compute.MONTH)
    for month in compute.periods_back(today, 2):
        for clinic, held in ((lakeside, 980), (riverside, 820)):
            DailyRollup.objects.create(
                clinic=clinic, provider=None, is_new_patient=False, date=month.first,
                available_minutes=1000, held_minutes=held, kept_minutes=held,
            )  # fmt: skip
    return lakeside


def test_a_board_member_follows_a_red_kpi_and_downloads_the_board_pack(page, network, board_user):
    # given: the network's utilization for the quarter is red
    [card] = selectors.kpi_cards(
        list(KPI.objects.filter(code="utilization")),
        selectors.scope_get("network"),
        compute.period_parse(QUARTER),
    )
    assert (card.value, card.status) == (0.65, "red")
    login(page, board_user.username)

    # when: the board member opens the board scorecard
    page.goto(SCORECARD)
    row = page.locator("#kpi-utilization")
    expect(row).to_contain_text("65.0 %")
    expect(row).to_contain_text("Red")
    # then: no note form anywhere for a board member
    expect(page.locator('form[action*="/note/"]')).to_have_count(0)
    screenshot(page, "scorecard-board")

    # when: they click the red KPI
    row.get_by_role("link", name="Utilization").click()
    page.wait_for_url("**/scorecards/kpi/utilization/**")

    # then: its drivers, the red region and its red clinic first
    children = page.locator("#children tbody tr")
    expect(children).to_have_count(2)
    expect(children.nth(0)).to_contain_text("North (NORTH)")
    expect(children.nth(0)).to_contain_text("40.0 %")
    expect(children.nth(0)).to_contain_text("Red")
    expect(children.nth(1)).to_contain_text("South (SOUTH)")
    expect(children.nth(1)).to_contain_text("Green")
    expect(page.locator("#behind-LAKE")).to_contain_text("Dr. A. Rivera")
    expect(page.locator("#behind-RIVER")).to_have_count(0)
    expect(page.locator('form[action*="/note/"]')).to_have_count(0)
    screenshot(page, "scorecard-kpi-drivers")

    # when: they open the board pack for the quarter and download its PDF
    page.goto(PACK)
    expect(page.locator("#pack #kpi-utilization")).to_contain_text("65.0 %")
    expect(page.locator("#pack-counts")).to_contain_text("1 red")
    screenshot(page, "board-pack")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download PDF").click()
    download = info.value

    # then: a PDF with the cover and the scorecard's pages
    assert download.suggested_filename == "board-pack-network-2026-Q3.pdf"
    reader = PdfReader(download.path())
    assert len(reader.pages) >= 2
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    for kpi in selectors.scorecard_kpis("board"):
        assert kpi.name in text, kpi.name
    assert "Utilization 65.0 % 85.0–95.0 % • Red 2026-Q3" in text

    # when: they open the shared dashboard, with caps stored for the next three months and a
    # campaign running at both clinics
    line = network.service_lines.get()
    months = [compute.period_parse(m) for m in marketing_selectors.horizon(timezone.localdate(), 3)]
    for clinic, headroom in ((network, 0), (Clinic.objects.get(code="RIVER"), 25)):
        for month in months:
            NewPatientGoal.objects.create(
                clinic=clinic, service_line=line, month=month.first, cap=40, target=40,
                np_booked=40 - headroom, np_headroom=headroom,
            )  # fmt: skip
    campaign = Campaign.objects.create(
        name="Knee pain search ads", service_line=line,
        channel=Channel.objects.create(code="search", name="Search ads"),
        starts_on=months[0].first, ends_on=months[-1].last, budget=5000, expected_leads=60,
        conversion="0.25",
    )  # fmt: skip
    campaign.clinics.set(Clinic.objects.all())
    page.goto("/scorecards/dashboard/")
    expect(page.locator("#utilization-table")).to_contain_text("98.0 %")
    # no headroom left at Lakeside: pause there; 25 left at Riverside, more than the
    # 60 × 0.25 ÷ (2 clinics × 3 months) = 2.5 the campaign should bring: push
    expect(page.locator("#campaign-table")).to_contain_text("pause at LAKE; push at RIVER")
    screenshot(page, "shared-dashboard")


def test_a_board_member_is_refused_every_edit(page, network, board_user):
    # given: a goal and a campaign marketing made; the board member logged in
    line = network.service_lines.get()
    goal = NewPatientGoal.objects.create(
        clinic=network, service_line=line, month=date(2026, 12, 1), cap=40, target=30,
        requested=30,
    )  # fmt: skip
    campaign = Campaign.objects.create(
        name="Referrals", service_line=line,
        channel=Channel.objects.create(code="referral", name="Physician referral"),
        starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 31), budget=0, expected_leads=10,
        conversion="0.2",
    )  # fmt: skip
    targets_before = Target.objects.count()
    login(page, board_user.username)
    page.goto(f"/scorecards/kpi/utilization/?scope=network&period={QUARTER}")
    expect(page.locator('form[action*="/note/"]')).to_have_count(0)
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")

    def post(url: str, form: dict) -> int:
        response = page.request.post(url, form=form, headers={"X-CSRFToken": token})
        # refused by role, not by a missing CSRF token
        assert "CSRF" not in response.text(), url
        return response.status

    # when / then: every edit is refused, whether posted directly or opened
    assert post("/scorecards/kpi/utilization/note/", {
        "audience": "board", "scope": "network", "period": QUARTER, "page_period": QUARTER,
        "text": "Looks fine to me", "action": "",
    }) == 403  # fmt: skip
    assert post("/scorecards/maturity/", {
        "assessed_on": "2026-11-01", "governance": "5", "data_integration": "5", "culture": "5",
    }) == 403  # fmt: skip
    assert post("/scorecards/targets/new/", {"kpi": "utilization", "scope": "network"}) == 403
    assert post("/scorecards/measurements/", {"kpi": "referrals", "value": "10"}) == 403
    assert post(
        "/marketing/goals/?clinic=LAKE&line=ORTHO",
        {"requested-2026-12": "99", "shown-2026-12": "30", "version-2026-12": goal.version},
    ) == 403  # fmt: skip
    assert post(f"/marketing/campaigns/{campaign.pk}/edit/", {"name": "Mine now"}) == 403
    assert post(f"/marketing/campaigns/{campaign.pk}/delete/", {}) == 403
    for url in ("/scorecards/targets/new/", "/marketing/campaigns/new/",
                f"/marketing/campaigns/{campaign.pk}/edit/"):  # fmt: skip
        assert page.goto(url).status == 403, url
    # and nothing was written
    assert KpiNote.objects.count() == 0
    assert MaturityAssessment.objects.count() == 0
    assert Target.objects.count() == targets_before
    goal.refresh_from_db()
    campaign.refresh_from_db()
    assert (goal.requested, campaign.name) == (30, "Referrals")
    assert Measurement.objects.filter(source="entered").count() == 0
