"""An operations manager drills down from the network to one provider's weeks."""

import pytest
from playwright.sync_api import expect

from growthplan import roles
from tests.capacity.test_drilldown import drill  # noqa: F401 - two regions, three clinics
from tests.capacity.test_rollups import month  # noqa: F401 - the hand-worked July fixture
from tests.conftest import login, screenshot

pytestmark = pytest.mark.browser


def test_ops_drills_down_from_the_network_to_a_providers_week(page, user_with_role, drill):  # noqa: F811
    # given: July 2024 at Lakeside (C01) and Hillside (C02) in North, and an operations manager
    # of North's organization (Elsewhere, C09, belongs to another one)
    ops = user_with_role(
        roles.OPERATIONS, username="otto", is_staff=True,
        organization=drill["c01"].region.organization,
    )  # fmt: skip
    login(page, ops.username)

    # when: they open the network's utilization for July
    page.goto("/capacity/?from=2024-07&to=2024-07")
    # then: the regions are listed with their summed utilization: North 870 / 1800
    expect(page.locator("#heatmap .main-svg").first).to_be_visible()
    north = page.locator("#regions tbody tr", has_text="North")
    expect(north.locator("td").nth(5)).to_have_text("48.3 %")
    screenshot(page, "ops-drilldown-network")

    # when: they open North
    north.get_by_role("link", name="North").click()
    # then: its two clinics, and its totals
    expect(page.locator("h1")).to_contain_text("North")
    expect(page.locator("#flags tbody tr")).to_have_count(2)
    expect(page.locator("#totals tbody tr td").nth(1)).to_have_text("1800")
    expect(page.locator("#bars .main-svg").first).to_be_visible()
    screenshot(page, "ops-drilldown-region")

    # when: they open Lakeside from the latest month's flags
    page.locator("#flags").get_by_role("link", name="C01 Lakeside").click()
    # then: the month, the providers and the visit types
    expect(page.locator("h1")).to_contain_text("Lakeside")
    expect(page.locator("#months tbody tr td").nth(6)).to_have_text("68.8 %")
    expect(page.locator("#visit-types tbody tr")).to_have_count(2)
    expect(page.locator("#bars .main-svg").first).to_be_visible()
    screenshot(page, "ops-drilldown-clinic")

    # when: they open the provider from the provider table
    page.locator("#providers").get_by_role("link", name="Dr. Ana Rivera").click()
    # then: her July at both clinics, 795 / 1320, split by clinic
    expect(page.locator("h1")).to_contain_text("Dr. Ana Rivera")
    expect(page.locator("#months tbody tr td").nth(6)).to_have_text("60.2 %")
    expect(page.locator("#clinics tbody tr")).to_have_count(2)
    expect(page.locator("#bars .main-svg").first).to_be_visible()
    screenshot(page, "ops-drilldown-provider")

    # when: they switch to weeks
    page.locator("#by").get_by_role("link", name="By week").click()
    # then: five ISO weeks; W28 is overbooked, 540 / 480, and flagged hot
    expect(page.locator("#weeks tbody tr")).to_have_count(5)
    w28 = page.locator("#weeks tbody tr", has_text="2024-W28")
    expect(w28.locator("td").nth(6)).to_have_text("112.5 %")
    expect(w28.locator(".flag")).to_have_text("hot")
    expect(page.locator("#bars .main-svg").first).to_be_visible()
    screenshot(page, "ops-drilldown-provider-week")
