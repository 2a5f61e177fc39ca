"""Operations plan a hot clinic in the browser (issue 6): a scenario adding a provider, one
extending the clinic's hours, the two compared, one applied to the network; the other, run
before that, is then stale and runs again.

C01 Lakeside has Dr. Rivera on the standard day (08–12 follow-ups, 13–17 new patients, 480
minutes) every weekday, and 540 minutes a weekday held over the last three complete months: its
forecast demand is above 95 % of its minutes every month, so it runs hot. Scenario dates are
counted from the day the app takes as today.
"""

import calendar
from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from capacity.models import Appointment
from clinics import services as clinic_services
from clinics.models import Clinic, NetworkImport, Provider, TemplateAssignment, VisitType
from tests import factories
from tests.conftest import login, screenshot
from tests.scenarios.test_scenario_pages import network_file

pytestmark = pytest.mark.browser

NEW_NPI = factories.valid_npi(778)


def weekdays_in(year: int, month: int) -> int:
    days = calendar.monthrange(year, month)[1]
    return sum(1 for d in range(1, days + 1) if calendar.weekday(year, month, d) < 5)


def hot_lakeside(today) -> None:
    """The network, and 540 minutes held on every weekday of the three months before this one:
    16 follow-ups of 15 minutes and 10 new patients of 30."""
    clinic_services.network_import(document=network_file(), replan=False)
    clinic = Clinic.objects.get(code="C01")
    rivera = Provider.objects.get(npi="1234567893")
    follow_up, new = VisitType.objects.get(code="ORTHO-FU"), VisitType.objects.get(code="ORTHO-NP")
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    for _ in range(2):
        first = (first - timedelta(days=1)).replace(day=1)
    rows, day = [], first
    while day < today.replace(day=1):
        if day.weekday() < 5:
            visits = [(follow_up, 15)] * 16 + [(new, 30)] * 10
            start = datetime.combine(day, time(14), tzinfo=UTC)
            for n, (visit_type, minutes) in enumerate(visits):
                rows.append(
                    Appointment(
                        source="pm", external_id=f"{day}-{n}", clinic=clinic, provider=rivera,
                        visit_type=visit_type, start=start, local_date=day,
                        duration_minutes=minutes, status="fulfilled",
                        is_new_patient=visit_type == new, patient_key=f"p{day}-{n}",
                    )
                )  # fmt: skip
        day += timedelta(days=1)
    Appointment.objects.bulk_create(rows)


def new_scenario(page, name: str, first: str) -> None:
    page.goto("/capacity/scenarios/")
    page.fill("#id_name", name)
    page.fill("#id_from", first)
    page.fill("#id_months", "3")
    page.locator("#new-scenario").get_by_role("button", name="Create").click()
    expect(page.locator("h1")).to_contain_text(name)


def run(page) -> None:
    page.locator("#run").click()
    expect(page.locator("#totals")).to_be_visible(timeout=60_000)
    expect(page.locator("#available-chart .main-svg").first).to_be_visible()


def test_operations_plan_a_hot_clinic_compare_and_apply(page, ops_user):
    # given: a hot Lakeside; the first month to plan is next month
    today = timezone.localdate()
    hot_lakeside(today)
    start = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    first = start.strftime("%Y-%m")
    weekdays = weekdays_in(start.year, start.month)
    login(page, ops_user.username)

    # when: they start a scenario and add a full-time PA on the standard day, every weekday
    new_scenario(page, "A PA at Lakeside", first)
    expect(page.locator("#no-changes")).to_be_visible()
    page.locator("#add-add_provider summary").click()
    page.fill("#id_add_provider-npi", NEW_NPI)
    page.fill("#id_add_provider-name", "Pat Lee, PA")
    page.select_option("#id_add_provider-credential", "PA")
    page.select_option("#id_add_provider-service_line", "ORTHO")
    page.fill("#id_add_provider-fte", "1.0")
    page.select_option("#id_add_provider-clinic", "C01")
    page.select_option("#id_add_provider-template", "STD")
    for day in range(5):
        page.check(f"#id_add_provider-weekdays_{day}")
    page.fill("#id_add_provider-start", start.isoformat())
    page.fill("#id_add_provider-ramp_months", "0")
    screenshot(page, "scenario-build")
    # A full-page screenshot leaves this long page scrolled where a click below the fold does
    # not reach its button: back to the top first.
    page.evaluate("window.scrollTo(0, 0)")
    button = page.locator("#add-add_provider").get_by_role("button", name="Add this change")
    button.click()
    # then: the change is listed
    expect(page.locator("#changes li")).to_have_count(1)
    expect(page.locator("#changes li")).to_contain_text(
        f"Add Pat Lee, PA (PA, 1.0 FTE) at C01 on mon, tue, wed, thu, fri with STD from {start}"
    )

    # when: they run it
    run(page)
    # then: the month's minutes double, 480 a weekday more; Lakeside runs hot today
    minutes = weekdays * 480
    expect(page.locator(f"#total-{first} td").nth(1)).to_have_text(f"{minutes:,}")
    expect(page.locator(f"#total-{first} td").nth(2)).to_have_text(f"{2 * minutes:,}")
    expect(page.locator(f"#total-{first} td").nth(3)).to_have_text(f"+{minutes:,}")
    utilization = page.locator(f"#row-C01-{first} td.util").inner_text()
    assert float(utilization.split("%")[0]) > 95.0, utilization
    expect(page.locator("#tnaa tbody tr")).to_have_count(2)
    screenshot(page, "scenario-results")

    # when: a second scenario keeps Lakeside open until 19:00 on weekdays instead
    new_scenario(page, "Evenings at Lakeside", first)
    page.locator("#add-clinic_hours summary").click()
    page.select_option("#id_clinic_hours-clinic", "C01")
    for day in range(5):
        page.check(f"#id_clinic_hours-weekdays_{day}")
    page.fill("#id_clinic_hours-open", "08:00")
    page.fill("#id_clinic_hours-close", "19:00")
    page.fill("#id_clinic_hours-from", start.isoformat())
    page.locator("#add-clinic_hours").get_by_role("button", name="Add this change").click()
    expect(page.locator("#changes li")).to_contain_text("C01 open 08:00–19:00 on mon, tue, wed")
    run(page)
    # then: Dr. Rivera's new-patient afternoon runs on to 19:00, 120 minutes a weekday more
    expect(page.locator(f"#total-{first} td").nth(3)).to_have_text(f"+{weekdays * 120:,}")

    # when: they compare the two from the list
    page.goto("/capacity/scenarios/")
    for row in page.locator("#scenarios tbody tr").all():
        row.locator("input[name=ids]").check()
    page.get_by_role("button", name="Compare ticked scenarios").click()
    # then: both beside one current plan, with the three charts
    expect(page.locator("#summary tbody tr")).to_have_count(2)
    expect(page.locator("main")).to_contain_text("one current plan is drawn")
    for chart in ("compare-available", "compare-utilization", "compare-caps"):
        expect(page.locator(f"#{chart} .main-svg").first).to_be_visible()
    screenshot(page, "scenario-compare")

    # when: they apply the PA
    page.locator("#summary").get_by_role("link", name="A PA at Lakeside").click()
    page.locator("#apply").click()
    expect(page.locator("h1")).to_contain_text("Apply “A PA at Lakeside” to the network?")
    page.get_by_role("button", name="Apply to the network").click()
    # then: the page says so, and the network has the PA at Lakeside with a history entry
    expect(page.locator(".messages")).to_contain_text("Applied “A PA at Lakeside” to the network")
    expect(page.locator("#applied")).to_contain_text("scenario: A PA at Lakeside")
    expect(page.locator("#add-change")).to_have_count(0)
    screenshot(page, "scenario-applied")
    provider = Provider.objects.get(npi=NEW_NPI)
    assert (provider.name, provider.credential, float(provider.fte)) == ("Pat Lee, PA", "PA", 1.0)
    assignment = TemplateAssignment.objects.get(provider=provider)
    assert (assignment.clinic.code, assignment.template.code) == ("C01", "STD")
    assert assignment.starts_on == start
    assert NetworkImport.objects.filter(filename="scenario: A PA at Lakeside").count() == 1

    # when: they go back to the evenings, run before the PA joined the network
    page.goto("/capacity/scenarios/")
    evenings = page.locator("#scenarios tbody tr", has_text="Evenings at Lakeside")
    # then: the list marks it stale, and its page names the change, with Run again
    expect(evenings.locator(".badge", has_text="stale")).to_be_visible()
    expect(evenings.get_by_role("button", name="Run again")).to_be_visible()
    screenshot(page, "scenario-list-stale")
    evenings.get_by_role("link", name="Evenings at Lakeside").click()
    banner = page.locator("#network-changed")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(f"provider {NEW_NPI} (Pat Lee, PA): added")
    expect(page.locator("#run-again")).to_be_visible()
    expect(page.locator("#apply")).to_have_count(0)
    screenshot(page, "scenario-stale")
    # when: they run it again
    page.locator("#run-again").click()
    # then: its numbers are of the network as it is now, and it may be applied
    expect(page.locator("#network-changed")).to_have_count(0, timeout=60_000)
    expect(page.locator("#apply")).to_be_visible()
