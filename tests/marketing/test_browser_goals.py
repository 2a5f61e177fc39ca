"""A marketing lead asks for more new patients than Lakeside can take; operations approve."""

import pytest
from playwright.sync_api import expect

from marketing import services
from tests.conftest import login, screenshot
from tests.marketing.test_np_capacity import TODAY, lakeside  # noqa: F401

pytestmark = pytest.mark.browser

GOALS = "/marketing/goals/?clinic=C01&line=ORTHO"


@pytest.fixture
def planned(lakeside):  # noqa: F811
    services.caps_recompute(today=TODAY)
    return lakeside


def test_an_override_goes_from_marketing_to_operations_and_back(
    browser, page, live_server, planned, marketing_user, ops_user
):
    # given: Lakeside's September cap is 27, bound by sustainable follow-up capacity
    login(page, marketing_user.username)
    page.goto(GOALS)
    september = page.locator("#month-2025-09")
    expect(september.locator("td.cap")).to_have_text("27")
    expect(september.locator("td.constraint")).to_have_text("sustainable follow-up capacity")

    # when: marketing asks for 40 in September, with their case
    september.get_by_label("Requested new patients, 2025-09").fill("40")
    page.get_by_label("Reason").fill("back-to-school campaign")
    page.get_by_role("button", name="Save goals").click()

    # then: the target stays at the cap, with why, and the request waits for operations
    expect(page.locator(".messages")).to_contain_text(
        "40 requested, above the cap of 27 — override requested, waiting for operations"
    )
    expect(september.locator("td.target")).to_contain_text("27")
    expect(september.locator("td.goal-status")).to_contain_text("override requested")
    expect(page.locator("#pending")).to_contain_text("“back-to-school campaign”")
    expect(page.locator("#pending button")).to_have_count(0)
    screenshot(page, "marketing-goals-requested")

    # when: operations open the same grid and approve, with a reason
    ops = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    ops.set_default_timeout(15_000)
    ops_page = ops.new_page()
    login(ops_page, ops_user.username)
    ops_page.goto(GOALS)
    request = ops_page.locator("#pending-2025-09")
    expect(request).to_contain_text("40 new patients requested, cap 27")
    screenshot(ops_page, "marketing-goals-operations-decide")
    request.get_by_label("Your reason").fill("a PA starts in October")
    request.get_by_role("button", name="Approve 40").click()

    # then
    expect(ops_page.locator(".messages")).to_contain_text("Approved: C01 ORTHO 2025-09 — target 40")
    expect(ops_page.locator("#pending")).to_have_count(0)
    ops.close()

    # when: marketing reloads
    page.goto(GOALS)

    # then: September's target is 40; October's cap fell to 6 to follow those patients up
    expect(september.locator("td.target")).to_contain_text("40")
    expect(september.locator("td.goal-status")).to_have_text("override approved")
    october = page.locator("#month-2025-10")
    expect(october.locator("td.cap")).to_have_text("6")
    expect(october.locator("td.constraint")).to_have_text("follow-up room in 2025-10")
    history = page.locator("#history tbody tr")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("status: Override requested → Override approved")
    expect(history.nth(0)).to_contain_text("a PA starts in October")
    expect(history.nth(1)).to_contain_text("requested: — → 40")
    screenshot(page, "marketing-goals-approved")


def test_a_bad_goal_is_marked_and_nothing_is_saved(page, planned, marketing_user):
    login(page, marketing_user.username)
    page.goto(GOALS)
    page.locator("#month-2025-09 input[type=number]").fill("-5")
    page.locator("#month-2025-10 input[type=number]").fill("12")
    page.get_by_role("button", name="Save goals").click()
    expect(page.locator("#goals-form [role=alert]")).to_contain_text("Nothing was saved.")
    expect(page.locator("#month-2025-09 .error")).to_have_text("a goal is 0 or more new patients")
    expect(page.locator("#month-2025-10 input[type=number]")).to_have_value("12")
    screenshot(page, "marketing-goals-error")
    page.goto(GOALS)
    expect(page.locator("#month-2025-10 input[type=number]")).to_have_value("")
