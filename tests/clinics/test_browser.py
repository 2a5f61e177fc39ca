"""The clinic pages in a real browser: Debian's Chromium through Playwright on a live server."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from clinics import demo, services
from clinics.models import Clinic, ScheduleTemplate
from tests import factories
from tests.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

DEMO_PASSWORDS = {username: password for username, password, _role, _name in demo.DEMO_USERS}


def test_operations_manager_walks_from_the_network_to_a_template_week(page):
    # given: the demo network with three clinics; C01 Lakeside offers orthopedics and physical
    # therapy, opens 07:30–17:00 on weekdays and 08:00–12:00 on Saturday, and its orthopedic
    # physicians work the standard template ORTHO-MD-STD
    services.demo_seed(clinics=3, seed=7, today=date(2026, 11, 23))
    lakeside = Clinic.objects.get(code="C01")
    assigned = list(lakeside.assignments.select_related("provider", "template"))

    # when: the operations manager logs in through the login form
    login(page, "ops", DEMO_PASSWORDS["ops"])

    # then: the network page counts the clinics
    expect(page.locator("h1")).to_have_text("The network")
    expect(page.locator(".tiles")).to_contain_text("3 clinics")

    # when: they open the clinic list and click a clinic
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clinics").click()
    expect(page.locator("table.data tbody tr")).to_have_count(3)
    page.get_by_role("link", name="Lakeside").click()

    # then: the clinic page shows its hours, its providers and their templates
    expect(page.locator("h1")).to_contain_text("Lakeside")
    hours = page.locator("#hours tr")
    expect(hours).to_have_text(
        [
            "Mon07:30–17:00",
            "Tue07:30–17:00",
            "Wed07:30–17:00",
            "Thu07:30–17:00",
            "Fri07:30–17:00",
            "Sat08:00–12:00",
            "Sunclosed",
        ]
    )
    rows = page.locator("#assignments tbody tr")
    expect(rows).to_have_count(len(assigned))
    for a in assigned:
        expect(rows.filter(has_text=a.provider.name)).to_contain_text(a.template.code)
    expect(rows.filter(has_text="ORTHO-MD-STD").first).to_be_visible()
    screenshot(page, "ops-clinic-detail")

    # when: they click the physicians' template
    page.locator("#assignments").get_by_role("link", name="ORTHO-MD-STD").first.click()

    # then: the week grid has one block per template block, labelled with slot counts.
    # Mon, Tue, Thu, Fri have 6 blocks and Wednesday (surgery afternoon) 1: 4 × 6 + 1 = 25.
    template = ScheduleTemplate.objects.get(code="ORTHO-MD-STD")
    expect(page.locator("h1")).to_contain_text("Orthopedics physician standard week")
    grid = page.locator("#template-grid")
    blocks = grid.locator(".block")
    expect(blocks).to_have_count(template.blocks.count())
    assert template.blocks.count() == 25
    # Monday, in order: 120 min / 30 = 4 new-patient slots, 120 / 15 = 8, lunch,
    # 120 / 15 = 8, 90 / 15 = 6 post-op slots, and 30 minutes of blocked time
    expect(blocks.filter(has_text="08:00–10:00").first).to_have_text("ORTHO-NP08:00–10:004 slots")
    expect(blocks.filter(has_text="10:00–12:00").first).to_have_text("ORTHO-FU10:00–12:008 slots")
    expect(blocks.filter(has_text="12:00–13:00").first).to_have_text("BLOCKED12:00–13:00")
    expect(blocks.filter(has_text="13:00–15:00").first).to_have_text("ORTHO-FU13:00–15:008 slots")
    expect(blocks.filter(has_text="15:00–16:30").first).to_have_text("ORTHO-POST15:00–16:306 slots")
    expect(blocks.filter(has_text="16:30–17:00").first).to_have_text("BLOCKED16:30–17:00")
    # Wednesday: one morning of follow-ups, 240 / 15 = 16 slots
    expect(blocks.filter(has_text="08:00–12:00")).to_have_text(["ORTHO-FU08:00–12:0016 slots"])
    # per day: Monday 120 + 120 + 120 + 90 = 450 clinical minutes, 4 + 8 + 8 + 6 = 26 slots,
    # 4 of them for new patients; Wednesday 240 minutes, 16 slots, none new
    totals = page.locator("table.totals tbody tr")
    expect(totals.nth(0)).to_have_text("Clinical minutes450450240450450")
    expect(totals.nth(1)).to_have_text("Slots2626162626")
    expect(totals.nth(2)).to_have_text("New-patient slots44044")
    screenshot(page, "ops-template-grid")


def test_board_member_cannot_edit_a_clinic(page, board_user):
    # given: a clinic and a board member, who may only read
    clinic = factories.ClinicFactory(code="C42", name="Harbor Point")

    # when: the board member opens the clinic
    login(page, board_user.username)
    page.goto(f"/clinics/{clinic.code}/")

    # then: the page shows the clinic without an edit button
    expect(page.locator("h1")).to_contain_text("Harbor Point")
    expect(page.get_by_role("link", name="Edit clinic")).to_have_count(0)

    # when: they type the edit address anyway
    response = page.goto(f"/clinics/{clinic.code}/edit/")

    # then: they are refused
    assert response is not None
    assert response.status == 403
    expect(page.locator("body")).to_contain_text("403 Forbidden")
    expect(page.locator("form")).to_have_count(0)


def test_operations_manager_edits_a_clinic(page, ops_user):
    # given: a clinic with 6 exam rooms, open Monday to Friday 08:00–17:00
    clinic = factories.ClinicFactory(code="C07", name="Willow Creek", exam_rooms=6)
    login(page, ops_user.username)
    page.goto(f"/clinics/{clinic.code}/")

    # when: the operations manager raises the rooms to 9 but closes Monday at 07:00
    page.get_by_role("link", name="Edit clinic").click()
    expect(page.locator("h1")).to_contain_text("Edit Willow Creek")
    page.fill("#id_exam_rooms", "9")
    page.fill("#id_mon_closes", "07:00")
    with page.expect_response(lambda r: r.request.method == "POST") as rejected:
        page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()

    # then: the form comes back with the error on Monday's row, and nothing is saved
    assert rejected.value.status == 400
    monday = page.locator("table.hours-form tbody tr", has_text="Mon")
    expect(monday.locator(".error")).to_have_text("a clinic must close after it opens")
    expect(page.locator("#id_exam_rooms")).to_have_value("9")
    expect(page.locator("#id_mon_closes")).to_have_value("07:00")
    screenshot(page, "ops-clinic-edit-error")
    clinic.refresh_from_db()
    assert clinic.exam_rooms == 6
    assert clinic.hours.get(weekday=0).closes.isoformat() == "17:00:00"

    # when: they close Monday at 18:00 instead
    page.fill("#id_mon_closes", "18:00")
    page.get_by_role("button", name="Save").click()

    # then: the clinic page shows the new rooms and hours
    page.wait_for_url(f"**/clinics/{clinic.code}/")
    expect(page.locator(".messages")).to_have_text(f"Saved {clinic.code}.")
    expect(page.locator("dl.facts dd").first).to_have_text("9")
    expect(page.locator("#hours tr").first).to_have_text("Mon08:00–18:00")
    expect(page.locator("#hours tr").nth(1)).to_have_text("Tue08:00–17:00")
    clinic.refresh_from_db()
    assert clinic.exam_rooms == 9
