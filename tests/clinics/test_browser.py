"""The clinic pages in a real browser: Debian's Chromium through Playwright on a live server."""

from __future__ import annotations

from datetime import date, time
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from clinics import demo, services
from clinics.models import Clinic, ScheduleTemplate
from tests import factories
from tests.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

DEMO_PASSWORDS = {username: password for username, password, _role, _name in demo.DEMO_USERS}


def path_of(page) -> str:
    page.wait_for_load_state()
    return urlparse(page.url).path


@pytest.fixture
def demo_network():
    """The demo group with three clinics, one per region, and the four demo users."""
    services.demo_seed(clinics=3, seed=7, today=date(2026, 11, 23))


def test_operations_manager_reads_a_clinic_and_its_template_week(page, demo_network):
    # given: in the demo network C01 Lakeside offers orthopedics and physical therapy, opens
    # 07:30–17:00 on weekdays and 08:00–12:00 on Saturday, and its orthopedic physicians work
    # the standard template ORTHO-MD-STD
    lakeside = Clinic.objects.get(code="C01")
    assigned = list(lakeside.assignments.select_related("provider", "template"))

    # when: the operations manager logs in through the login form
    login(page, "ops", DEMO_PASSWORDS["ops"])

    # then: the network page counts the clinics
    expect(page.locator("h1")).to_have_text("The network")
    expect(page.locator(".tiles")).to_contain_text("3 clinics")

    # when: they open the clinic list
    page.goto("/clinics/")

    # then: it lists the three clinics by region: METRO, NORTH, SOUTH
    expect(page.locator("table.data tbody tr td:nth-child(2)")).to_have_text(
        ["Riverside", "Lakeside", "Maple Grove"]
    )

    # when: they open Lakeside
    page.goto("/clinics/C01/")

    # then: the clinic page shows its hours, its providers and their templates
    expect(page.locator("h1")).to_contain_text("Lakeside")
    expect(page.locator("#hours tr")).to_have_text(
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
    screenshot(page, "ops-clinic-detail")

    # when: they click the physicians' template
    page.locator("#assignments").get_by_role("link", name="ORTHO-MD-STD").first.click()

    # then: the week grid has one block per template block, labelled with its slot count.
    # Mon, Tue, Thu and Fri have 6 blocks, Wednesday (surgery afternoon) 1: 4 × 6 + 1 = 25
    expect(page.locator("h1")).to_contain_text("Orthopedics physician standard week")
    blocks = page.locator("#template-grid .block")
    expect(blocks).to_have_count(25)
    assert ScheduleTemplate.objects.get(code="ORTHO-MD-STD").blocks.count() == 25
    # Monday: 120 min / 30 = 4 new-patient slots, 120 / 15 = 8, lunch, 120 / 15 = 8,
    # 90 / 15 = 6 post-op slots, then 30 minutes of blocked time
    expect(blocks.filter(has_text="08:00–10:00").first).to_have_text(
        "ORTHO-NP 08:00–10:00 · 4 slots"
    )
    expect(blocks.filter(has_text="10:00–12:00").first).to_have_text(
        "ORTHO-FU 10:00–12:00 · 8 slots"
    )
    expect(blocks.filter(has_text="12:00–13:00").first).to_have_text("BLOCKED 12:00–13:00")
    expect(blocks.filter(has_text="13:00–15:00").first).to_have_text(
        "ORTHO-FU 13:00–15:00 · 8 slots"
    )
    expect(blocks.filter(has_text="15:00–16:30").first).to_have_text(
        "ORTHO-POST 15:00–16:30 · 6 slots"
    )
    expect(blocks.filter(has_text="16:30–17:00").first).to_have_text("BLOCKED 16:30–17:00")
    # Wednesday: one morning of follow-ups, 240 / 15 = 16 slots
    expect(blocks.filter(has_text="08:00–12:00")).to_have_text(["ORTHO-FU 08:00–12:00 · 16 slots"])
    # per day Mon–Fri: Monday 120 + 120 + 120 + 90 = 450 clinical minutes, 4 + 8 + 8 + 6 = 26
    # slots, 4 of them for new patients; Wednesday 240 minutes, 16 slots, none new
    totals = page.locator("table.totals tbody tr")
    expect(totals).to_have_text(
        [
            "Clinical minutes450450240450450",
            "Slots2626162626",
            "New-patient slots44044",
        ]
    )
    screenshot(page, "ops-template-grid")


def test_operations_manager_clicks_from_the_network_to_a_clinic(page, ops_user):
    # given: the operations manager on the network page, with one clinic in the network
    factories.ClinicFactory(code="C01", name="Lakeside")
    login(page, ops_user.username)

    # when: they click "Clinics" in the navigation
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clinics").click()

    # then: the clinic list opens
    assert path_of(page) == "/clinics/"

    # when: they click the clinic
    page.get_by_role("link", name="Lakeside").click()

    # then: its page opens
    assert path_of(page) == "/clinics/C01/"
    expect(page.locator("h1")).to_contain_text("Lakeside")


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

    # then: they are refused, and no form is shown
    assert response is not None
    assert response.status == 403
    expect(page.locator("body")).to_contain_text("You don't have access to this page")
    expect(page.locator("form.form")).to_have_count(0)
    screenshot(page, "board-clinic-edit-403")


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

    # then: the form comes back with the error on Monday's row, keeps the input, saves nothing
    assert rejected.value.status == 400
    monday = page.locator("table.hours-form tbody tr", has_text="Mon")
    expect(monday.locator(".error")).to_have_text("a clinic must close after it opens")
    expect(page.locator("#id_exam_rooms")).to_have_value("9")
    expect(page.locator("#id_mon_closes")).to_have_value("07:00")
    screenshot(page, "ops-clinic-edit-error")
    clinic.refresh_from_db()
    assert clinic.exam_rooms == 6
    assert clinic.hours.get(weekday=0).closes == time(17, 0)

    # when: they close Monday at 18:00 instead
    page.fill("#id_mon_closes", "18:00")
    with page.expect_response(lambda r: r.request.method == "POST") as accepted:
        page.get_by_role("button", name="Save").click()

    # then: it is saved, and the clinic page shows the new rooms and hours
    assert accepted.value.status == 302
    page.goto(f"/clinics/{clinic.code}/")
    expect(page.locator("dl.facts dd").first).to_have_text("9")
    expect(page.locator("#hours tr").nth(0)).to_have_text("Mon08:00–18:00")
    expect(page.locator("#hours tr").nth(1)).to_have_text("Tue08:00–17:00")
    clinic.refresh_from_db()
    assert clinic.exam_rooms == 9


def test_saving_a_clinic_returns_to_its_page(page, ops_user):
    # given: the operations manager on a clinic's edit page
    clinic = factories.ClinicFactory(code="C08", name="Stone Ridge", exam_rooms=6)
    login(page, ops_user.username)
    page.goto(f"/clinics/{clinic.code}/edit/")

    # when: they save a valid change
    page.fill("#id_exam_rooms", "8")
    page.get_by_role("button", name="Save").click()

    # then: they are back on the clinic page, which confirms the save
    assert path_of(page) == f"/clinics/{clinic.code}/"
    expect(page.locator(".messages")).to_have_text(f"Saved {clinic.code}.")
    expect(page.locator("dl.facts dd").first).to_have_text("8")


def test_operations_manager_cannot_close_a_clinic_before_its_assigned_blocks_end(page, ops_user):
    # given: a physician works 08:00–12:00 on weekdays at a clinic open 08:00–17:00
    assignment = factories.AssignmentFactory(clinic__code="C09", clinic__name="Pine Hill")
    clinic = assignment.clinic
    login(page, ops_user.username)
    page.goto(f"/clinics/{clinic.code}/edit/")

    # when: the operations manager closes Monday at 10:00
    page.fill("#id_mon_closes", "10:00")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Save").click()

    # then: the change is refused, naming the block that would fall outside the hours
    assert answer.value.status == 400
    expect(page.locator("form.form")).to_contain_text(
        "block mon 08:00–12:00 is outside the clinic's hours 08:00–10:00"
    )
    clinic.refresh_from_db()
    assert clinic.hours.get(weekday=0).closes == time(17, 0)
