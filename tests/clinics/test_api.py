"""The REST API of the clinic network: lists, lookups, every model rule on writes, auth, docs."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token

from clinics.models import (
    Clinic,
    ClinicHours,
    Closure,
    Provider,
    ScheduleTemplate,
    TemplateAssignment,
    TemplateBlock,
    VisitType,
)
from tests import factories

MON_TO_FRI_8_TO_5 = {
    "mon": ["08:00", "17:00"],
    "tue": ["08:00", "17:00"],
    "wed": ["08:00", "17:00"],
    "thu": ["08:00", "17:00"],
    "fri": ["08:00", "17:00"],
}


@pytest.fixture
def api(client, ops_user):
    """A client logged in as an operations manager, who may write the supply side."""
    client.force_login(ops_user)
    return client


def send(client, method: str, url: str, data: dict):
    return getattr(client, method)(url, data, content_type="application/json")


def hours_of(code: str) -> list[tuple[int, time, time]]:
    return list(
        ClinicHours.objects.filter(clinic__code=code)
        .order_by("weekday")
        .values_list("weekday", "opens", "closes")
    )


def blocks_of(code: str) -> list[tuple[int, time, time, str | None]]:
    return list(
        TemplateBlock.objects.filter(template__code=code)
        .order_by("weekday", "start")
        .values_list("weekday", "start", "end", "visit_type__code")
    )


@pytest.fixture
def network(db):
    """Clinic C01 (Mon–Fri 08–17, ORTHO), template MORNING (Mon–Fri 08–12 ORTHO-FU, 15 min),
    template AFTERNOON (Mon–Fri 13–17 ORTHO-FU), Dr. Rivera (MD) on MORNING at C01 Mon–Fri
    from 2024-01-01, and a PA, Parker, with no assignment."""
    clinic = factories.ClinicFactory(
        code="C01", name="Lakeside", region=factories.RegionFactory(code="NORTH")
    )
    follow_up = factories.VisitTypeFactory()
    morning = factories.TemplateFactory(
        code="MORNING", blocks=[(d, "08:00", "12:00", follow_up) for d in range(5)]
    )
    afternoon = factories.TemplateFactory(
        code="AFTERNOON", blocks=[(d, "13:00", "17:00", follow_up) for d in range(5)]
    )
    rivera = factories.ProviderFactory(npi="1234567893", name="Dr. Ana Rivera", credential="MD")
    parker = factories.ProviderFactory(name="Pat Parker", credential="PA", fte=Decimal("0.80"))
    assignment = factories.AssignmentFactory(provider=rivera, clinic=clinic, template=morning)
    return {
        "clinic": clinic,
        "follow_up": follow_up,
        "morning": morning,
        "afternoon": afternoon,
        "rivera": rivera,
        "parker": parker,
        "assignment": assignment,
    }


# ---------------------------------------------------------------------------------------------
# Lists: pagination and filters


def test_provider_list_pages_by_fifty(api):
    # given: 51 providers
    factories.ProviderFactory.create_batch(51)
    # when
    first = api.get("/api/providers/").json()
    second = api.get("/api/providers/?page=2").json()
    # then: 50 on page 1, the 51st on page 2, which is the last
    assert (first["count"], len(first["results"])) == (51, 50)
    assert first["next"] == "http://testserver/api/providers/?page=2"
    assert first["previous"] is None
    assert (second["count"], len(second["results"]), second["next"]) == (51, 1, None)


def test_clinic_list_filters_by_region_code(api):
    # given: two clinics in NORTH, one in SOUTH
    north = factories.RegionFactory(code="NORTH")
    south = factories.RegionFactory(code="SOUTH")
    factories.ClinicFactory(code="C01", region=north)
    factories.ClinicFactory(code="C02", region=south)
    factories.ClinicFactory(code="C03", region=north)
    # when
    body = api.get("/api/clinics/?region__code=NORTH").json()
    # then
    assert body["count"] == 2
    assert [c["code"] for c in body["results"]] == ["C01", "C03"]
    assert {c["region"] for c in body["results"]} == {"NORTH"}


def test_provider_list_filters_by_credential(api, network):
    # given: Dr. Rivera (MD) and Pat Parker (PA)
    # when
    body = api.get("/api/providers/?credential=PA").json()
    # then
    assert body["count"] == 1
    assert [(p["name"], p["credential"]) for p in body["results"]] == [("Pat Parker", "PA")]


def test_assignment_list_filters_by_clinic_code(api, network):
    # given: Rivera at C01; Parker on the afternoon template at C02
    other = factories.ClinicFactory(code="C02")
    factories.AssignmentFactory(
        provider=network["parker"], clinic=other, template=network["afternoon"]
    )
    # when
    body = api.get("/api/assignments/?clinic__code=C01").json()
    # then: Rivera's assignment only, in the API's shape (NPI, codes, weekday names)
    assert body["count"] == 1
    row = body["results"][0]
    assert {k: row[k] for k in ("provider", "clinic", "template", "weekdays", "starts_on")} == {
        "provider": "1234567893",
        "clinic": "C01",
        "template": "MORNING",
        "weekdays": ["mon", "tue", "wed", "thu", "fri"],
        "starts_on": "2024-01-01",
    }


@pytest.mark.filterwarnings("error::django.core.paginator.UnorderedObjectListWarning")
def test_template_list_pages_in_a_stable_order(api, network):
    # when
    response = api.get("/api/templates/")
    # then: by code
    assert [t["code"] for t in response.json()["results"]] == ["AFTERNOON", "MORNING"]


# ---------------------------------------------------------------------------------------------
# Lookups by code and NPI


def test_clinic_is_looked_up_by_code(api, network):
    # when
    response = api.get("/api/clinics/C01/")
    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["name"], body["region"]) == ("C01", "Lakeside", "NORTH")
    assert body["hours"] == MON_TO_FRI_8_TO_5
    assert body["service_lines"] == ["ORTHO"]


def test_provider_is_looked_up_by_npi(api, network):
    # when
    response = api.get("/api/providers/1234567893/")
    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["npi"], body["name"], body["credential"]) == ("1234567893", "Dr. Ana Rivera", "MD")
    assert (body["fte"], body["service_line"], body["hired_on"]) == ("1.00", "ORTHO", "2020-01-01")


def test_template_is_looked_up_by_code_with_its_blocks(api, network):
    # when
    response = api.get("/api/templates/MORNING/")
    # then: one 08:00–12:00 block of ORTHO-FU per weekday Monday to Friday
    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["version"]) == ("MORNING", 1)
    assert body["blocks"] == [
        {"weekday": day, "start": "08:00", "end": "12:00", "visit_type": "ORTHO-FU"}
        for day in ("mon", "tue", "wed", "thu", "fri")
    ]


def test_unknown_code_is_404(api, network):
    # when / then
    assert api.get("/api/clinics/NOPE/").status_code == 404
    assert api.get("/api/providers/1234567877/").status_code == 404


def test_clinic_with_a_dot_in_its_code_is_looked_up_by_code(api):
    # given: "C.01" is a valid code (letters, digits, '-', '_' or '.')
    factories.ClinicFactory(code="C.01")
    # when
    response = api.get("/api/clinics/C.01/")
    # then
    assert response.status_code == 200
    assert response.json()["code"] == "C.01"


# ---------------------------------------------------------------------------------------------
# Writes run every model rule and write nothing on failure

NEW_PROVIDER = {
    "name": "New PA",
    "credential": "PA",
    "service_line": "ORTHO",
    "fte": "0.50",
    "hired_on": "2024-01-01",
}


def test_provider_with_a_valid_npi_is_created(api, network):
    # given: 1234567893 is valid, so Rivera takes it; 1234567877 is valid too
    # (Luhn over 80840123456787: check digit 7)
    # when
    response = send(api, "post", "/api/providers/", {**NEW_PROVIDER, "npi": "1234567877"})
    # then
    assert response.status_code == 201
    assert Provider.objects.count() == 3
    assert Provider.objects.get(npi="1234567877").fte == Decimal("0.50")


def test_provider_with_an_invalid_npi_is_refused(api, network):
    # given: 1234567890 fails the Luhn check (the check digit for 123456789 is 3)
    # when
    response = send(api, "post", "/api/providers/", {**NEW_PROVIDER, "npi": "1234567890"})
    # then
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["npi"]
    assert "not a valid NPI" in response.json()["errors"]["npi"][0]
    assert Provider.objects.count() == 2


@pytest.mark.parametrize("fte", ["0", "1.5"])
def test_provider_fte_outside_zero_to_one_is_refused_on_create(api, network, fte):
    # when
    response = send(
        api, "post", "/api/providers/", {**NEW_PROVIDER, "npi": "1234567877", "fte": fte}
    )
    # then
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["fte"]
    assert Provider.objects.count() == 2


@pytest.mark.parametrize("fte", ["0", "1.5"])
def test_provider_fte_outside_zero_to_one_is_refused_on_update(api, network, fte):
    # given: Parker works 0.80 FTE
    # when
    response = send(api, "patch", f"/api/providers/{network['parker'].npi}/", {"fte": fte})
    # then
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["fte"]
    assert Provider.objects.get(pk=network["parker"].pk).fte == Decimal("0.80")


def test_provider_leaving_before_being_hired_is_refused(api, network):
    # given: Rivera was hired on 2020-01-01
    # when
    response = send(api, "patch", "/api/providers/1234567893/", {"left_on": "2019-12-31"})
    # then
    assert response.status_code == 400
    assert "left_on" in response.json()["errors"]
    assert Provider.objects.get(npi="1234567893").left_on is None


def test_clinic_closing_before_it_opens_is_refused(api, network):
    # when
    response = send(api, "patch", "/api/clinics/C01/", {"hours": {"mon": ["17:00", "08:00"]}})
    # then: the error names the hours and the day; the old hours are all still there
    assert response.status_code == 400
    assert response.json()["errors"] == {"hours": ["mon: a clinic must close after it opens"]}
    assert hours_of("C01") == [(d, time(8), time(17)) for d in range(5)]


def test_clinic_hours_are_replaced(api, network):
    # given: C01 is open Mon–Fri 08–17; Rivera works there 08–12 Mon–Fri
    hours = {**MON_TO_FRI_8_TO_5, "sat": ["09:00", "13:00"]}
    # when
    response = send(api, "patch", "/api/clinics/C01/", {"hours": hours})
    # then
    assert response.status_code == 200
    assert response.json()["hours"] == hours
    assert hours_of("C01")[-1] == (5, time(9), time(13))


def test_clinic_with_an_unknown_timezone_is_refused(api, network):
    # when
    response = send(api, "patch", "/api/clinics/C01/", {"timezone": "Mars/Olympus_Mons"})
    # then
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["timezone"]
    assert Clinic.objects.get(code="C01").timezone == "America/Chicago"


def test_clinic_with_an_unknown_timezone_is_not_created(api, network):
    # when
    response = send(
        api,
        "post",
        "/api/clinics/",
        {
            "code": "C02",
            "name": "Hillside",
            "region": "NORTH",
            "timezone": "America/Springfield",
            "exam_rooms": 4,
            "service_lines": ["ORTHO"],
            "hours": MON_TO_FRI_8_TO_5,
        },
    )
    # then
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["timezone"]
    assert list(Clinic.objects.values_list("code", flat=True)) == ["C01"]


BAD_BLOCKS = [
    pytest.param(
        [
            {"weekday": "mon", "start": "08:00", "end": "10:00", "visit_type": "ORTHO-FU"},
            {"weekday": "mon", "start": "09:30", "end": "11:00", "visit_type": "ORTHO-FU"},
        ],
        "block 2 (start): overlaps the block mon 08:00–10:00",
        id="overlapping",
    ),
    pytest.param(
        [{"weekday": "tue", "start": "12:00", "end": "11:00", "visit_type": "ORTHO-FU"}],
        "block 1 (end): ends at 11:00, not after its start 12:00",
        id="ending-before-start",
    ),
    pytest.param(
        # 08:00–08:20 is 20 minutes: one 15-minute slot and 5 minutes left over
        [{"weekday": "wed", "start": "08:00", "end": "08:20", "visit_type": "ORTHO-FU"}],
        "block 1 (end): lasts 20 minutes, not a whole number of 15-minute ORTHO-FU slots",
        id="not-whole-slots",
    ),
]


@pytest.mark.parametrize(("blocks", "message"), BAD_BLOCKS)
def test_template_with_bad_blocks_is_not_created(api, network, blocks, message):
    # when
    response = send(
        api, "post", "/api/templates/", {"code": "NEW", "name": "New", "blocks": blocks}
    )
    # then: neither the template nor any block is written
    assert response.status_code == 400
    assert response.json()["errors"] == {"blocks": [message]}
    assert list(ScheduleTemplate.objects.order_by("code").values_list("code", flat=True)) == [
        "AFTERNOON",
        "MORNING",
    ]
    assert TemplateBlock.objects.count() == 10


@pytest.mark.parametrize(("blocks", "message"), BAD_BLOCKS)
def test_template_with_bad_blocks_is_not_updated(api, network, blocks, message):
    # given: AFTERNOON, version 1, Mon–Fri 13–17
    before = blocks_of("AFTERNOON")
    # when
    response = send(
        api,
        "put",
        "/api/templates/AFTERNOON/",
        {"code": "AFTERNOON", "name": "PM", "blocks": blocks},
    )
    # then: name, blocks and version unchanged
    assert response.status_code == 400
    assert response.json()["errors"] == {"blocks": [message]}
    template = ScheduleTemplate.objects.get(code="AFTERNOON")
    assert (template.name, template.version) == (network["afternoon"].name, 1)
    assert blocks_of("AFTERNOON") == before


def test_template_blocks_change_raises_the_version(api, network):
    # given: AFTERNOON, version 1, unassigned
    blocks = [{"weekday": "mon", "start": "13:00", "end": "14:30", "visit_type": "ORTHO-FU"}]
    # when
    response = send(api, "patch", "/api/templates/AFTERNOON/", {"blocks": blocks})
    # then: 90 minutes = 6 slots of 15; the version goes to 2
    assert response.status_code == 200
    assert response.json()["version"] == 2
    assert blocks_of("AFTERNOON") == [(0, time(13), time(14, 30), "ORTHO-FU")]


def test_template_blocks_change_that_breaks_an_assignment_is_refused(api, network):
    # given: Rivera works MORNING at C01 Mon–Fri; C01 is closed on Saturday
    before = blocks_of("MORNING")
    blocks = [{"weekday": "sat", "start": "08:00", "end": "12:00", "visit_type": "ORTHO-FU"}]
    # when
    response = send(api, "patch", "/api/templates/MORNING/", {"blocks": blocks})
    # then
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["blocks"]
    assert blocks_of("MORNING") == before
    assert ScheduleTemplate.objects.get(code="MORNING").version == 1


def test_assignment_in_two_clinics_at_once_is_refused(api, network):
    # given: Rivera works MORNING (08–12) at C01 Mon–Fri from 2024-01-01, open-ended
    factories.ClinicFactory(code="C02")
    # when: MORNING at C02 on Monday from 2024-06-01 overlaps Monday 08–12 at C01
    response = send(
        api,
        "post",
        "/api/assignments/",
        {
            "provider": "1234567893",
            "clinic": "C02",
            "template": "MORNING",
            "weekdays": ["mon"],
            "starts_on": "2024-06-01",
        },
    )
    # then
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "weekdays": [
            "the provider would be in two places at once: overlaps the assignment at C01 "
            "(MORNING) on mon 08:00–12:00 from 2024-01-01"
        ]
    }
    assert TemplateAssignment.objects.count() == 1


def test_assignment_in_the_afternoon_at_another_clinic_is_accepted(api, network):
    # given: Rivera works mornings at C01
    factories.ClinicFactory(code="C02")
    # when: afternoons (13–17) at C02 do not overlap 08–12
    response = send(
        api,
        "post",
        "/api/assignments/",
        {
            "provider": "1234567893",
            "clinic": "C02",
            "template": "AFTERNOON",
            "weekdays": ["mon"],
            "starts_on": "2024-06-01",
        },
    )
    # then
    assert response.status_code == 201
    assert TemplateAssignment.objects.filter(provider__npi="1234567893").count() == 2


def test_assignment_moved_onto_another_assignment_is_refused(api, network):
    # given: Parker works AFTERNOON at C01 on Monday; Rivera MORNING Mon–Fri
    parker = factories.AssignmentFactory(
        provider=network["parker"],
        clinic=network["clinic"],
        template=network["afternoon"],
        weekdays=[0],
    )
    other = factories.ClinicFactory(code="C02")
    factories.AssignmentFactory(
        provider=network["parker"], clinic=other, template=network["morning"], weekdays=[0]
    )
    # when: Parker's C01 assignment switches to MORNING, which he already works at C02
    response = send(api, "patch", f"/api/assignments/{parker.pk}/", {"template": "MORNING"})
    # then
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["weekdays"]
    assert TemplateAssignment.objects.get(pk=parker.pk).template.code == "AFTERNOON"


def test_assignment_with_a_visit_type_the_credential_may_not_see_is_refused(api, network):
    # given: a spine consult only an MD or DO may see, on a Monday template
    consult = factories.VisitTypeFactory(code="SPINE-NP", minutes=60, credentials=["MD", "DO"])
    factories.TemplateFactory(code="SPINE", blocks=[(0, "08:00", "12:00", consult)])
    # when: Parker is a PA
    response = send(
        api,
        "post",
        "/api/assignments/",
        {
            "provider": network["parker"].npi,
            "clinic": "C01",
            "template": "SPINE",
            "weekdays": ["mon"],
            "starts_on": "2024-01-01",
        },
    )
    # then
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "template": ["template SPINE has visit types a PA may not see: SPINE-NP"]
    }
    assert TemplateAssignment.objects.count() == 1


def test_visit_type_with_an_unknown_credential_is_refused(api, network):
    # when
    response = send(
        api,
        "post",
        "/api/visit-types/",
        {
            "code": "ORTHO-NP",
            "name": "New patient",
            "minutes": 30,
            "is_new_patient": True,
            "service_line": "ORTHO",
            "credentials": ["MD", "WIZARD"],
        },
    )
    # then
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["credentials"]
    assert "unknown credential WIZARD" in response.json()["errors"]["credentials"][0]
    assert list(VisitType.objects.values_list("code", flat=True)) == ["ORTHO-FU"]


def test_visit_type_credentials_must_not_be_empty(api, network):
    # when
    response = send(
        api, "patch", f"/api/visit-types/{network['follow_up'].pk}/", {"credentials": []}
    )
    # then
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["credentials"]
    assert VisitType.objects.get(code="ORTHO-FU").credentials == ["MD", "DO", "PA", "NP"]


BREAKING_UPDATES = [
    pytest.param(
        # Rivera's MORNING blocks start at 08:00, so Monday 10:00–17:00 leaves 08–10 outside
        "/api/clinics/C01/",
        {"hours": {**MON_TO_FRI_8_TO_5, "mon": ["10:00", "17:00"]}},
        lambda: hours_of("C01")[0],
        (0, time(8), time(17)),
        id="clinic-hours-shrink-under-an-assignment",
    ),
    pytest.param(
        # MORNING's visit type is ORTHO; C01 would no longer offer it
        "/api/clinics/C01/",
        {"service_lines": ["PT"]},
        lambda: sorted(Clinic.objects.get(code="C01").service_lines.values_list("code", flat=True)),
        ["ORTHO"],
        id="clinic-drops-an-assigned-service-line",
    ),
    pytest.param(
        # ORTHO-FU allows MD, DO, PA, NP; a PT may not see it
        "/api/providers/1234567893/",
        {"credential": "PT"},
        lambda: Provider.objects.get(npi="1234567893").credential,
        "MD",
        id="provider-credential-no-longer-fits-the-template",
    ),
    pytest.param(
        # 240-minute blocks cut into 25-minute slots leave 15 minutes over (240 = 9 × 25 + 15)
        "/api/visit-types/{follow_up}/",
        {"minutes": 25},
        lambda: VisitType.objects.get(code="ORTHO-FU").minutes,
        15,
        id="visit-type-length-no-longer-divides-its-blocks",
    ),
    pytest.param(
        # Parker (PA) is not assigned, but Rivera (MD) is; drop MD from ORTHO-FU
        "/api/visit-types/{follow_up}/",
        {"credentials": ["PA", "NP"]},
        lambda: VisitType.objects.get(code="ORTHO-FU").credentials,
        ["MD", "DO", "PA", "NP"],
        id="visit-type-no-longer-allows-the-assigned-credential",
    ),
]


@pytest.mark.parametrize(("url", "change", "read", "stored"), BREAKING_UPDATES)
def test_update_that_breaks_an_assignment_is_refused(api, network, url, change, read, stored):
    # given: Rivera (MD) works MORNING (Mon–Fri 08–12 ORTHO-FU, 15 min) at C01 (Mon–Fri 08–17)
    factories.ServiceLineFactory(code="PT", name="Physical therapy")
    # when
    response = send(api, "patch", url.format(follow_up=network["follow_up"].pk), change)
    # then
    assert response.status_code == 400
    assert read() == stored


def test_closure_with_only_a_start_is_refused(api, network):
    # when
    response = send(
        api, "post", "/api/closures/", {"clinic": "C01", "date": "2024-12-24", "start": "12:00"}
    )
    # then
    assert response.status_code == 400
    assert "end" in response.json()["errors"]
    assert Closure.objects.count() == 0


def test_second_whole_day_closure_on_the_same_date_is_refused(api, network):
    # given
    factories.ClosureFactory(clinic=network["clinic"], date=date(2024, 12, 25), reason="Holiday")
    # when
    response = send(
        api, "post", "/api/closures/", {"clinic": "C01", "date": "2024-12-25", "reason": "Again"}
    )
    # then
    assert response.status_code == 400
    assert Closure.objects.count() == 1


# ---------------------------------------------------------------------------------------------
# Deleting what is still in use


def test_deleting_a_clinic_in_use_answers_409_and_deletes_nothing(api, network):
    # given: Rivera is assigned to C01; C01 has 5 opening-hour rows and a closure
    factories.ClosureFactory(clinic=network["clinic"])
    # when
    response = api.delete("/api/clinics/C01/")
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "in_use"
    assert Clinic.objects.filter(code="C01").exists()
    assert len(hours_of("C01")) == 5
    assert (Closure.objects.count(), TemplateAssignment.objects.count()) == (1, 1)


def test_deleting_a_template_in_use_answers_409(api, network):
    # when
    response = api.delete("/api/templates/MORNING/")
    # then
    assert (response.status_code, response.json()["code"]) == (409, "in_use")
    assert len(blocks_of("MORNING")) == 5


def test_deleting_a_clinic_not_in_use_deletes_it_and_its_hours(api, network):
    # given: C02 has no assignment
    factories.ClinicFactory(code="C02")
    # when
    response = api.delete("/api/clinics/C02/")
    # then
    assert response.status_code == 204
    assert list(Clinic.objects.values_list("code", flat=True)) == ["C01"]
    assert hours_of("C02") == []


# ---------------------------------------------------------------------------------------------
# Authentication, schema and docs


def test_token_authenticates_without_a_session(client, ops_user, network):
    # given
    token = Token.objects.create(user=ops_user)
    # when
    response = client.get("/api/clinics/", headers={"Authorization": f"Token {token.key}"})
    # then
    assert response.status_code == 200
    assert [c["code"] for c in response.json()["results"]] == ["C01"]


def test_token_writes_with_the_role_of_its_user(client, ops_user, board_user, network):
    # given
    ops_token = Token.objects.create(user=ops_user)
    board_token = Token.objects.create(user=board_user)
    # when
    refused = client.patch(
        "/api/clinics/C01/",
        {"exam_rooms": 9},
        content_type="application/json",
        headers={"Authorization": f"Token {board_token.key}"},
    )
    rooms_after_board = Clinic.objects.get(code="C01").exam_rooms
    accepted = client.patch(
        "/api/clinics/C01/",
        {"exam_rooms": 9},
        content_type="application/json",
        headers={"Authorization": f"Token {ops_token.key}"},
    )
    # then
    assert (refused.status_code, rooms_after_board) == (403, 6)
    assert (accepted.status_code, Clinic.objects.get(code="C01").exam_rooms) == (200, 9)


@pytest.mark.parametrize("url", ["/api/clinics/", "/api/schema/", "/api/docs/"])
def test_anonymous_api_request_is_refused_without_a_redirect(client, db, url):
    # when
    response = client.get(url)
    # then: refused here, not sent to the login page, and no data
    assert response.status_code in (401, 403)
    assert "Location" not in response
    assert b"openapi" not in response.content


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("/api/clinics/", {}),
        ("/api/schema/", {}),
        ("/api/docs/", {}),
        ("/api/clinics/", {"Authorization": "Token 0000000000000000000000000000000000000000"}),
    ],
)
def test_anonymous_api_request_gets_401(client, db, url, headers):
    # when
    response = client.get(url, headers=headers)
    # then
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_schema_is_an_openapi_document_for_a_logged_in_user(client, board_user):
    # given: a board member, who only reads
    client.force_login(board_user)
    # when
    response = client.get("/api/schema/?format=json")
    # then
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Growthplan API"
    assert {"/api/clinics/", "/api/clinics/{code}/", "/api/providers/{npi}/"} <= set(
        schema["paths"]
    )


def test_docs_render_from_static_files_without_a_cdn(client, board_user):
    # given
    client.force_login(board_user)
    # when
    response = client.get("/api/docs/")
    # then
    assert response.status_code == 200
    html = response.content.decode().lower()
    assert "swagger-ui" in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html
    assert "jsdelivr" not in html
    assert "unpkg" not in html
