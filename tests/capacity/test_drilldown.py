"""Drill-down pages: network → region → clinic → provider → week, and visit types.

The `drill` fixture adds to the hand-worked July of `month` (C01, provider P1 on Mondays):

- C02, in C01's region NORTH, 08–10 follow-ups (120 min, 8 slots a day):
  P1 on Wednesdays (3, 10, 17, 24, 31 July: 600 min), with 8 + 8 + 4 kept follow-ups on the
  10th, 17th and 24th (300 min); P2 on Thursdays (4, 11, 18, 25 July: 480 min), with 4 kept and
  1 no-show on the 11th (75 min held, 60 kept).
- C09 in region SOUTH of another organization: P1 on Fridays (5, 12, 19, 26 July: 480 min) with
  8 kept on the 12th (120 min), and P3, who works only there.
"""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from capacity import compute, selectors, services
from clinics.models import VisitType
from growthplan import roles
from tests import factories
from tests.capacity.test_pages import figure
from tests.capacity.test_rollups import (
    TODAY,
    appointment,
    month,  # noqa: F401 - the hand-worked July fixture
)

JULY = "from=2024-07&to=2024-07"


@pytest.fixture
def drill(month):  # noqa: F811
    c01, p1 = month
    c01.name, p1.name = "Lakeside", "Dr. Ana Rivera"
    c01.save()
    p1.save()
    north = c01.region
    north.code, north.name = "NORTH", "North"
    north.save()
    fu = factories.VisitTypeFactory(code="ORTHO-FU")
    VisitType.objects.filter(code="ORTHO-NP").update(name="New patient")
    c02 = factories.ClinicFactory(code="C02", name="Hillside", region=north)
    wednesday = factories.TemplateFactory(code="WED", blocks=[(2, "08:00", "10:00", fu)])
    thursday = factories.TemplateFactory(code="THU", blocks=[(3, "08:00", "10:00", fu)])
    factories.AssignmentFactory(provider=p1, clinic=c02, template=wednesday, weekdays=[2])
    p2 = factories.AssignmentFactory(
        clinic=c02, template=thursday, weekdays=[3],
        provider=factories.ProviderFactory(name="Pat Parker", credential="PA"),
    ).provider  # fmt: skip
    for day, kept in ((10, 8), (17, 8), (24, 4)):
        start = datetime(2024, 7, day, 13, 0, tzinfo=UTC)  # 08:00 in Chicago
        for i in range(kept):
            appointment(c02, p1, fu, start + timedelta(minutes=15 * i), "fulfilled")
    start = datetime(2024, 7, 11, 13, 0, tzinfo=UTC)
    for i in range(4):
        appointment(c02, p2, fu, start + timedelta(minutes=15 * i), "fulfilled")
    appointment(c02, p2, fu, start + timedelta(hours=1), "noshow")

    other = factories.OrganizationFactory(code="OTHER", name="Other Health")
    south = factories.RegionFactory(code="SOUTH", name="South", organization=other)
    c09 = factories.ClinicFactory(code="C09", name="Elsewhere", region=south)
    friday = factories.TemplateFactory(code="FRI", blocks=[(4, "08:00", "10:00", fu)])
    factories.AssignmentFactory(provider=p1, clinic=c09, template=friday, weekdays=[4])
    p3 = factories.AssignmentFactory(clinic=c09, template=friday, weekdays=[4]).provider
    start = datetime(2024, 7, 12, 13, 0, tzinfo=UTC)
    for i in range(8):
        appointment(c09, p1, fu, start + timedelta(minutes=15 * i), "fulfilled")
    services.rollups_recompute(first=date(2024, 7, 1), last=date(2024, 7, 31), today=TODAY)
    return {"c01": c01, "c02": c02, "c09": c09, "p1": p1, "p2": p2, "p3": p3}


@pytest.fixture
def north_board_user(user_with_role, drill):
    """A board member of C01's organization: sees NORTH, not SOUTH."""
    return user_with_role(
        roles.BOARD, username="nora", organization=drill["c01"].region.organization
    )


def rows(response) -> list[dict]:
    assert response["Content-Type"] == "text/csv"
    return list(csv.DictReader(io.StringIO(response.content.decode())))


# ---------------------------------------------------------------------------------------------
# Region


def test_the_region_page_sums_its_clinics_before_dividing(client, ops_user, drill):
    # given
    client.force_login(ops_user)
    # when
    response = client.get(f"/capacity/regions/NORTH/?{JULY}")
    page = response.content.decode()
    # then: C01 720 available, 495 held; C02 600 + 480 = 1080 available, 300 + 75 = 375 held.
    # NORTH: 495 + 375 = 870 held of 720 + 1080 = 1800 → 48.3 %, not the mean of the
    # clinics' ratios (68.75 % + 34.72 %) / 2 = 51.7 %
    [july] = response.context["totals"]
    assert (july["available_minutes"], july["booked_minutes"]) == (1800, 870)
    assert "48.3 %" in page and "51.7 %" not in page
    # unutilized per provider-day: C01 285; C02 P1 120 + 0 + 0 + 60 + 120, P2 120 + 45 + 120 + 120
    assert july["unutilized_minutes"] == 285 + 300 + 405
    # the latest month's flags link to the clinic pages, keeping the window
    assert f'href="/capacity/clinics/C01/?{JULY}"' in page
    assert "C02 Hillside" in page and "C09" not in page
    assert '<a href="/capacity/?' in page  # crumbs back to the network
    assert 'id="heatmap"' in page and 'plot("bars"' in page


def test_the_region_csvs(client, board_user, drill):
    client.force_login(board_user)
    # when: per clinic × month, and the region's totals
    per_clinic = rows(client.get(f"/capacity/regions/NORTH/?{JULY}&format=csv"))
    totals = rows(client.get(f"/capacity/regions/NORTH/?{JULY}&format=totals.csv"))
    # then: C02 holds 375 of 1080 minutes; its no-show rate is 1 ÷ (20 + 4 kept + 1) = 0.04
    assert [(r["clinic"], r["available_minutes"], r["booked_minutes"]) for r in per_clinic] == [
        ("C01", "720", "495"),
        ("C02", "1080", "375"),
    ]
    assert float(per_clinic[1]["noshow_rate"]) == pytest.approx(1 / 25)
    # NORTH: slots 40 + 5 × 8 + 4 × 8 = 112; booked appointments 32 + 20 + 5 = 57;
    # kept 465 + 300 + 60 = 825; no-shows 2 ÷ (30 + 24 kept + 2) = 2 / 56
    [july] = totals
    assert (july["period"], july["scope"]) == ("2024-07", "NORTH")
    assert (july["available_minutes"], july["kept_minutes"], july["unutilized_minutes"]) == (
        "1800",
        "825",
        "990",
    )
    assert (july["available_slots"], july["booked_slots"]) == ("112", "57")
    assert float(july["utilization"]) == pytest.approx(870 / 1800)
    assert float(july["noshow_rate"]) == pytest.approx(2 / 56)


def test_the_network_page_lists_regions_by_summed_minutes(client, ops_user, drill):
    # given: a user of no single organization sees both regions
    client.force_login(ops_user)
    # when
    response = client.get(f"/capacity/?{JULY}")
    # then: NORTH 870 / 1800 = 48.3 %; SOUTH (C09): P1 4 Fridays × 120 = 480 available,
    # P3 the same 480, 120 held → 120 / 960 = 12.5 %
    regions = {r["region"]: r for r in response.context["regions"]}
    assert (regions["NORTH"]["clinics"], regions["NORTH"]["available_minutes"]) == (2, 1800)
    assert regions["NORTH"]["utilization"] == pytest.approx(870 / 1800)
    assert (regions["SOUTH"]["available_minutes"], regions["SOUTH"]["booked_minutes"]) == (960, 120)
    page = response.content.decode()
    assert f'href="/capacity/regions/NORTH/?{JULY}"' in page
    assert "48.3 %" in page and "12.5 %" in page


def test_the_network_and_region_pages_read_the_rollups_once(client, ops_user, drill):
    # given
    client.force_login(ops_user)
    for url in (f"/capacity/?{JULY}", f"/capacity/regions/NORTH/?{JULY}"):
        # when
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        # then: the heatmap, the totals and the regions come from one read
        assert response.status_code == 200
        reads = [q for q in queries.captured_queries if "capacity_dailyrollup" in q["sql"]]
        assert len(reads) == 1, url


def test_a_region_without_rollups_says_what_to_import(client, ops_user, drill):
    # given: a region whose clinic has no schedule and no appointments
    empty = factories.RegionFactory(code="EAST", name="East")
    factories.ClinicFactory(code="C20", name="Harbor", region=empty)
    client.force_login(ops_user)
    # when
    page = client.get(f"/capacity/regions/EAST/?{JULY}").content.decode()
    # then
    assert "No utilization for East in these months" in page
    assert "C20 Harbor" in page and "Import appointments" in page and "schedule templates" in page
    assert "Download CSV" not in page


# ---------------------------------------------------------------------------------------------
# Provider


def test_the_provider_page_by_month_across_clinics(client, north_board_user, drill):
    # given: a board member of NORTH's organization
    client.force_login(north_board_user)
    # when
    response = client.get(f"/capacity/providers/{drill['p1'].npi}/?{JULY}")
    page = response.content.decode()
    # then: P1 at C01 (720 available, 495 held) and C02 (600, 300), not at C09 (another
    # organization): 795 / 1320 = 60.2 %; unutilized 285 + 300 = 585
    [july] = response.context["table"]
    assert (july["available_minutes"], july["booked_minutes"], july["kept_minutes"]) == (
        1320,
        795,
        765,
    )
    assert july["unutilized_minutes"] == 585
    assert "60.2 %" in page
    # no-shows 1 ÷ (30 + 20 kept + 1)
    assert july["noshow_rate"] == pytest.approx(1 / 51)
    # the per-clinic split, most minutes first: C01 495 / 720 = 68.8 %, C02 300 / 600 = 50.0 %
    split = [(c["clinic"], c["available_minutes"], c["booked_minutes"], c["flag"])
             for c in response.context["clinics"]]  # fmt: skip
    assert split == [("C01", 720, 495, "cold"), ("C02", 600, 300, "cold")]
    assert "68.8 %" in page and "50.0 %" in page
    # the stacked chart: kept 765, booked not kept 795 − 765 = 30, unutilized 585
    bars = {trace["name"]: trace["y"] for trace in figure(page, "bars")["data"]}
    assert (bars["Kept"], bars["Booked, not kept"], bars["Unutilized"], bars["Available"]) == (
        [765], [30], [585], [1320]
    )  # fmt: skip
    # crumbs: Utilization › North › C01 (where P1 had the most minutes) › P1
    assert 'href="/capacity/regions/NORTH/' in page and 'href="/capacity/clinics/C01/' in page


def test_the_provider_page_by_iso_week(client, north_board_user, drill):
    client.force_login(north_board_user)
    # when
    response = client.get(f"/capacity/providers/{drill['p1'].npi}/?{JULY}&by=week")
    # then:
    # W27 (1–7 Jul): Mon 1 at C01 360 available, 75 held (45 kept); Wed 3 at C02 120, none
    #   → 75 / 480 = 15.6 %, unutilized 285 + 120 = 405
    # W28 (8–14): Mon 8 at C01 420 held of 360; Wed 10 at C02 120 of 120 → 540 / 480 = 112.5 %
    #   (hot by C01's thresholds), unutilized 0 + 0: the overbook hides nothing
    # W29: Wed 17 120 of 120; W30: Wed 24 60 of 120; W31 (29–31): Wed 31 nothing booked
    table = [(r["period"], r["available_minutes"], r["booked_minutes"], r["unutilized_minutes"])
             for r in response.context["table"]]  # fmt: skip
    assert table == [
        ("2024-W27", 480, 75, 405),
        ("2024-W28", 480, 540, 0),
        ("2024-W29", 120, 120, 0),
        ("2024-W30", 120, 60, 60),
        ("2024-W31", 120, 0, 120),
    ]
    assert response.context["flags"]["2024-W28"] == "hot"
    page = response.content.decode()
    assert "15.6 %" in page and "112.5 %" in page
    # W31 starts on Monday 29 July, inside the window
    assert "Mon 29 Jul" in page
    # the toggle marks weeks, and the CSV keeps them
    assert 'aria-current="true">By week' in page
    csv_rows = rows(client.get(f"/capacity/providers/{drill['p1'].npi}/?{JULY}&by=week&format=csv"))
    assert [r["period"] for r in csv_rows] == [
        "2024-W27",
        "2024-W28",
        "2024-W29",
        "2024-W30",
        "2024-W31",
    ]
    assert {r["scope"] for r in csv_rows} == {drill["p1"].npi}


def test_the_provider_page_agrees_with_the_report(client, ops_user, drill):
    # given: a user of no single organization, so every clinic of P1 counts (C09's 480 too)
    client.force_login(ops_user)
    # when
    response = client.get(f"/capacity/providers/{drill['p1'].npi}/?{JULY}&by=week&format=csv")
    # then: the same rows as `report utilization --provider NPI --by week`
    page = pd.read_csv(io.StringIO(response.content.decode()), dtype={"scope": str})
    report = selectors.utilization_table(
        first=date(2024, 7, 1), last=date(2024, 7, 31), provider=drill["p1"].npi, by="week"
    )
    pd.testing.assert_frame_equal(
        page.drop(columns="scope"), report.drop(columns="scope"), check_dtype=False
    )
    # W28: + Fri 12 at C09, 120 of 120 → 660 / 600
    w28 = page[page["period"] == "2024-W28"].iloc[0]
    assert (w28["available_minutes"], w28["booked_minutes"]) == (600, 660)


def test_the_clinics_csv_of_a_provider(client, north_board_user, drill):
    client.force_login(north_board_user)
    split = rows(client.get(f"/capacity/providers/{drill['p1'].npi}/?{JULY}&format=clinics.csv"))
    assert [(r["clinic"], r["available_minutes"], r["booked_minutes"]) for r in split] == [
        ("C01", "720", "495"),
        ("C02", "600", "300"),
    ]


@pytest.mark.parametrize("npi", ["1234567893", "not-an-npi"])
def test_an_unknown_provider_is_not_found(client, ops_user, drill, npi):
    client.force_login(ops_user)
    assert client.get(f"/capacity/providers/{npi}/").status_code == 404


def test_other_organizations_are_not_found(client, north_board_user, drill):
    # given: a board member of NORTH's organization
    client.force_login(north_board_user)
    # then: SOUTH, its clinic and P3, who works only there, do not exist for them
    assert client.get(f"/capacity/regions/SOUTH/?{JULY}").status_code == 404
    assert client.get(f"/capacity/clinics/C09/?{JULY}").status_code == 404
    assert client.get(f"/capacity/providers/{drill['p3'].npi}/?{JULY}").status_code == 404
    assert client.get("/capacity/regions/NOPE/").status_code == 404
    # and the network page shows their organization only: NORTH, 1800 available
    response = client.get(f"/capacity/?{JULY}")
    assert [r["region"] for r in response.context["regions"]] == ["NORTH"]
    assert response.context["totals"][0]["available_minutes"] == 1800


def test_a_provider_without_data_in_the_window_is_explained(client, ops_user, drill):
    client.force_login(ops_user)
    page = client.get(f"/capacity/providers/{drill['p2'].npi}/?from=2024-09&to=2024-09").content
    assert b"No utilization for" in page and b"template assignment" in page
    assert b"Import appointments" in page


# ---------------------------------------------------------------------------------------------
# Clinic: providers linked, weeks, visit types


def test_the_clinic_page_links_providers_and_shows_weeks(client, board_user, drill):
    client.force_login(board_user)
    # when
    page = client.get(f"/capacity/clinics/C02/?{JULY}").content.decode()
    # then: each provider's name opens their page for the same months
    for p in (drill["p1"], drill["p2"]):
        assert f'href="/capacity/providers/{p.npi}/?{JULY}&by=month"' in page
    # when: C01 by ISO week
    weeks = rows(client.get(f"/capacity/clinics/C01/?{JULY}&by=week&format=csv"))
    # then: W27 75 held of 360 (45 kept, 285 unutilized); W28 420 of 360 (0 unutilized)
    assert [(r["period"], r["available_minutes"], r["booked_minutes"], r["kept_minutes"],
             r["unutilized_minutes"]) for r in weeks] == [
        ("2024-W27", "360", "75", "45", "285"),
        ("2024-W28", "360", "420", "420", "0"),
    ]  # fmt: skip
    page = client.get(f"/capacity/clinics/C01/?{JULY}&by=week").content.decode()
    assert "20.8 %" in page and "116.7 %" in page  # 75 / 360 and 420 / 360, never clipped
    assert 'id="weeks"' in page


def test_visits_naming_no_provider_have_a_row_without_a_link(client, board_user, drill):
    # given: a kept 15-minute follow-up at C02 on Monday 15 July that names no provider
    fu = VisitType.objects.get(code="ORTHO-FU")
    appointment(drill["c02"], None, fu, datetime(2024, 7, 15, 13, tzinfo=UTC), "fulfilled")
    services.rollups_recompute(first=date(2024, 7, 1), last=date(2024, 7, 31), today=TODAY)
    client.force_login(board_user)
    # when
    providers = rows(client.get(f"/capacity/clinics/C02/?{JULY}&format=providers.csv"))
    # then: P1 600 available, 300 held; P2 480, 75; the unnamed visit 0 available, 15 held
    assert [
        (r["provider"], r["npi"], r["available_minutes"], r["booked_minutes"], r["utilization"])
        for r in providers
    ] == [
        ("Dr. Ana Rivera", drill["p1"].npi, "600", "300", "0.5"),
        ("Pat Parker", drill["p2"].npi, "480", "75", "0.15625"),
        ("—", "", "0", "15", ""),
    ]
    page = client.get(f"/capacity/clinics/C02/?{JULY}").content.decode()
    assert '— <span class="muted">no provider named</span>' in page


def test_the_clinic_page_by_visit_type(client, board_user, drill):
    # given: C01's July (two Mondays of 16 follow-up and 4 new-patient slots), plus a 20-minute
    # post-op check on 8 July, a visit type that no template offers
    client.force_login(board_user)
    postop = factories.VisitTypeFactory(code="ORTHO-PO", name="Post-op check", minutes=20)
    appointment(
        drill["c01"], drill["p1"], postop, datetime(2024, 7, 8, 20, tzinfo=UTC), "fulfilled"
    )
    # when
    response = client.get(f"/capacity/clinics/C01/?{JULY}&format=visit-types.csv")
    # then:
    # ORTHO-FU: 2 × 240 = 480 available, 32 slots; held 15 + 15 + 15 + 28 × 15 = 465 (31
    #   appointments), kept 15 + 420 = 435 → 96.9 %; no-show 1 ÷ (29 kept + 1)
    # ORTHO-NP: 2 × 120 = 240, 8 slots; 30 held and kept → 12.5 %; no-show 0 ÷ 1
    # ORTHO-PO: no slots, 20 held → utilization n/a (empty in the CSV)
    fu, np_, po = rows(response)
    assert list(fu) == [
        "visit_type", "name", "visit_minutes", "new_patient", "available_minutes",
        "available_slots", "booked_minutes", "booked_slots", "kept_minutes", "utilization",
        "kept_utilization", "noshow_rate",
    ]  # fmt: skip
    assert [fu[k] for k in ("visit_type", "available_minutes", "available_slots",
                            "booked_minutes", "booked_slots", "kept_minutes")] == [
        "ORTHO-FU", "480", "32", "465", "31", "435"]  # fmt: skip
    assert float(fu["utilization"]) == pytest.approx(465 / 480)
    assert float(fu["noshow_rate"]) == pytest.approx(1 / 30)
    assert (np_["available_minutes"], np_["booked_minutes"], np_["noshow_rate"]) == (
        "240",
        "30",
        "0.0",
    )
    assert float(np_["utilization"]) == pytest.approx(0.125)
    assert (po["visit_type"], po["available_minutes"], po["booked_minutes"], po["utilization"]) == (
        "ORTHO-PO", "0", "20", "")  # fmt: skip
    # the page shows the same table: 96.9 %, 12.5 % and n/a
    page = client.get(f"/capacity/clinics/C01/?{JULY}").content.decode()
    table = page[page.index('id="visit-types"') :]
    assert "96.9 %" in table and "12.5 %" in table and "n/a" in table
    assert "Post-op check" in table


def test_visit_type_supply_adds_up_to_the_clinic(drill):
    # given: the rollups say C02 had 1080 available minutes in July
    first, last = date(2024, 7, 1), date(2024, 7, 31)
    # when
    table = selectors.utilization_per_visit_type(
        first=first, last=last, clinic_ids=[drill["c02"].pk]
    )
    # then: all of it is ORTHO-FU, with the 375 held minutes
    assert table[["visit_type", "available_minutes", "booked_minutes"]].values.tolist() == [
        ["ORTHO-FU", 1080, 375]
    ]


def test_visit_type_utilization_sums_before_dividing():
    # given: type 1 has a whole slot (15 min) and one halved by the room bound (7.5 min) on two
    # rows, and 30 minutes held (one kept, one no-show); type 2 slots but no bookings;
    # type 3 a booking but no slots
    slots = pd.DataFrame(
        {"visit_type_id": [1, 1, 2], "available_minutes": [15.0, 7.5, 30.0],
         "available_slots": [1.0, 0.5, 1.0]}
    )  # fmt: skip
    demand = pd.DataFrame(
        {"visit_type_id": [1, 1, 3], "held_minutes": [15, 15, 20], "held_count": [1, 1, 1],
         "kept_minutes": [15, 0, 20], "kept_count": [1, 0, 1], "noshow_count": [0, 1, 0]}
    )  # fmt: skip
    # when
    out = compute.visit_type_utilization(slots, demand).set_index("visit_type_id")
    # then: type 1: 30 / 22.5 = 133.3 % (not clipped), slots floor(1.5) = 1, no-show 1 / 2
    assert out.loc[1, "utilization"] == pytest.approx(30 / 22.5)
    assert out.loc[1, "available_slots"] == 1
    assert out.loc[1, "noshow_rate"] == pytest.approx(0.5)
    # type 2: 0 / 30 = 0 %, and no attended visits → no no-show rate
    assert out.loc[2, "utilization"] == 0
    assert pd.isna(out.loc[2, "noshow_rate"])
    # type 3: 0 available → no utilization, never 0
    assert out.loc[3, "available_minutes"] == 0
    assert pd.isna(out.loc[3, "utilization"]) and pd.isna(out.loc[3, "kept_utilization"])


def test_period_first_day():
    assert compute.period_first_day("2024-W27") == date(2024, 7, 1)
    assert compute.period_first_day("2025-W01") == date(2024, 12, 30)
    assert compute.period_first_day("2024-07") == date(2024, 7, 1)


# ---------------------------------------------------------------------------------------------
# Who may look


@pytest.mark.parametrize(
    "role", [roles.OPERATIONS, roles.MARKETING, roles.BOARD, roles.ADMINISTRATOR, "anonymous"]
)
def test_every_role_reads_the_drill_down_and_anonymous_logs_in(client, user_with_role, drill, role):
    # given
    if role != "anonymous":
        client.force_login(user_with_role(role))
    urls = [
        "/capacity/regions/NORTH/",
        f"/capacity/providers/{drill['p1'].npi}/",
        f"/capacity/providers/{drill['p1'].npi}/?by=week",
        "/capacity/clinics/C01/?by=week",
    ]
    for url in urls:
        # when
        response = client.get(url)
        # then
        if role == "anonymous":
            assert (response.status_code, response["Location"]) == (
                302,
                f"/accounts/login/?next={url.replace('?', '%3F').replace('=', '%3D')}",
            )
        else:
            assert response.status_code == 200, url


def test_empty_scopes_give_empty_tables(client, ops_user, drill):
    # given: a clinic with no schedule and no appointments
    factories.ClinicFactory(code="C30", region=drill["c01"].region)
    client.force_login(ops_user)
    # when / then: its CSVs have their headers and no rows
    for what in ("csv", "providers.csv", "visit-types.csv"):
        response = client.get(f"/capacity/clinics/C30/?{JULY}&format={what}")
        assert response.status_code == 200 and rows(response) == [], what
    # and the provider CSVs for a month without data
    for what in ("csv", "clinics.csv"):
        url = f"/capacity/providers/{drill['p2'].npi}/?from=2024-09&to=2024-09&format={what}"
        assert rows(client.get(url)) == [], what
