"""Access (third next available) on the clinic and provider pages; the standardization page."""

import re
from datetime import date

import pytest

from capacity import services
from tests import factories
from tests.capacity.test_pages import figure
from tests.capacity.test_standardization import TODAY  # noqa: F401 - same plan date
from tests.capacity.test_tnaa import mondays  # noqa: F401 - the Monday-morning fixture


def rolled_up(first=date(2024, 7, 1), last=date(2024, 7, 31)):
    services.rollups_recompute(first=first, last=last, today=date(2024, 8, 1))


def test_the_clinic_page_charts_third_next_available(client, board_user, mondays):  # noqa: F811
    # given: the first week of July recorded (0, 6, 5, 4, 3, 2, 1 days: mean 3)
    rolled_up()
    services.tnaa_record(first=date(2024, 7, 1), last=date(2024, 7, 7))
    client.force_login(board_user)
    # when
    page = client.get("/capacity/clinics/C01/?from=2024-07&to=2024-07").content.decode()
    # then
    chart = figure(page, "tnaa")
    lines = {trace["name"]: trace["y"] for trace in chart["data"]}
    assert lines == {"New patients": [None], "Established": [3.0]}
    assert re.search(
        r'id="tnaa-table".*?2024-07</td><td class="num">n/a</td><td class="num">3\.0<', page, re.S
    )
    csv = client.get("/capacity/clinics/C01/?from=2024-07&to=2024-07&format=tnaa.csv")
    assert csv.content.decode().splitlines() == [
        "period,new_days,established_days,records,censored",
        "2024-07,,3.0,7,0",
    ]


def test_the_provider_page_shows_its_own_records_by_week(client, ops_user, mondays):  # noqa: F811
    _, provider, _ = mondays
    rolled_up()
    services.tnaa_record(first=date(2024, 7, 1), last=date(2024, 7, 7))
    client.force_login(ops_user)
    page = client.get(
        f"/capacity/providers/{provider.npi}/?from=2024-07&to=2024-07&by=week"
    ).content.decode()
    # ISO week 27 is 1–7 July: mean 3.0 over 7 records
    assert re.search(r"2024-W27</td><td class=\"num\">n/a</td><td class=\"num\">3\.0<", page)


def test_without_records_the_page_says_how_they_come(client, board_user, mondays):  # noqa: F811
    rolled_up()
    client.force_login(board_user)
    page = client.get("/capacity/clinics/C01/?from=2024-07&to=2024-07").content.decode()
    assert 'id="tnaa-empty"' in page and "tnaa_backfill" in page


@pytest.mark.django_db
def test_the_standardization_page_lists_each_service_line(client, board_user):
    # given: the selector test's network (fully standard) — built again here
    fu = factories.VisitTypeFactory(code="ORTHO-FU", minutes=15)
    template = factories.TemplateFactory(code="STD", blocks=[(0, "08:00", "12:00", fu)])
    factories.AssignmentFactory(
        clinic=factories.ClinicFactory(code="C01"), template=template, weekdays=[0]
    )
    client.force_login(board_user)
    # when
    page = client.get("/capacity/standardization/").content.decode()
    csv = client.get("/capacity/standardization/?format=csv").content.decode()
    # then: one provider, 240 min, no new patients: index 1.000
    assert re.search(
        r"Orthopedics</td><td class=\"num\">1</td>.*?<strong>1\.000</strong>", page, re.S
    )
    assert csv.splitlines()[0] == (
        "service_line,providers,mean_new_share,cv_new_share,mean_minutes_per_fte,"
        "cv_minutes_per_fte,index"
    )
    api = client.get("/api/standardization/").json()
    assert api[0]["service_line"] == "Orthopedics" and api[0]["index"] == 1.0


@pytest.mark.django_db
def test_an_empty_network_explains_the_standardization_index(client, board_user):
    client.force_login(board_user)
    assert (
        "No provider has a template today"
        in client.get("/capacity/standardization/").content.decode()
    )
