"""Who may do what: roles × endpoints, one row per (role, endpoint, method, expected status).

Operations managers and administrators read and write the supply side; marketing leads and
board members only read it. Anonymous users get 401 from the API and the login page elsewhere.
A refused write changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from clinics.models import (
    Clinic,
    ClinicHours,
    Closure,
    NetworkImport,
    Provider,
    ScheduleTemplate,
    TemplateAssignment,
    TemplateBlock,
)
from growthplan import roles
from tests import factories

ANONYMOUS = "anonymous"
OPERATIONS, MARKETING, BOARD, ADMINISTRATOR = (
    roles.OPERATIONS,
    roles.MARKETING,
    roles.BOARD,
    roles.ADMINISTRATOR,
)


@pytest.fixture
def network(db):
    """C01 (in use by an assignment) and C02 (spare); MORNING (in use) and SPARE templates;
    Dr. Rivera (assigned) and Pat Parker (not); one closure at C01."""
    region = factories.RegionFactory(code="NORTH")
    c01 = factories.ClinicFactory(code="C01", region=region)
    factories.ClinicFactory(code="C02", region=region, exam_rooms=4)
    follow_up = factories.VisitTypeFactory()
    morning = factories.TemplateFactory(
        code="MORNING", name="Morning", blocks=[(d, "08:00", "12:00", follow_up) for d in range(5)]
    )
    factories.TemplateFactory(code="SPARE", name="Spare", blocks=[(0, "13:00", "17:00", follow_up)])
    rivera = factories.ProviderFactory(npi="1234567893", name="Dr. Ana Rivera")
    factories.ProviderFactory(npi="1000000004", name="Pat Parker", credential="PA")
    factories.AssignmentFactory(provider=rivera, clinic=c01, template=morning, weekdays=[0, 1])
    factories.ClosureFactory(clinic=c01, date=date(2024, 7, 4), reason="Holiday")


def login(client, user_with_role, role: str):
    """Log in a user holding `role`; operations and administrators are staff, as in the demo."""
    if role != ANONYMOUS:
        user = user_with_role(role, is_staff=role in (OPERATIONS, ADMINISTRATOR))
        client.force_login(user)


def state() -> dict[str, Any]:
    """Everything a write through any endpoint below could change."""
    return {
        "clinics": sorted(Clinic.objects.values_list("code", "exam_rooms")),
        "hours": ClinicHours.objects.count(),
        "providers": sorted(Provider.objects.values_list("npi", "fte")),
        "templates": sorted(ScheduleTemplate.objects.values_list("code", "name")),
        "blocks": TemplateBlock.objects.count(),
        "assignments": TemplateAssignment.objects.count(),
        "assignment_ends_on": TemplateAssignment.objects.filter(provider__npi="1234567893")
        .values_list("ends_on", flat=True)
        .first(),
        "closures": sorted(Closure.objects.values_list("date", "reason")),
        "imports": NetworkImport.objects.count(),
    }


# ---------------------------------------------------------------------------------------------
# The API


@dataclass(frozen=True)
class Endpoint:
    """A collection, one spare member of it, a valid new record and a valid change."""

    collection: str
    member: str  # nothing depends on it, so that deleting it is allowed
    create: dict[str, Any]
    change: dict[str, Any]

    def member_url(self) -> str:
        return self.member.format(
            closure=Closure.objects.get().pk, assignment=TemplateAssignment.objects.get().pk
        )


ENDPOINTS = {
    "clinics": Endpoint(
        "/api/clinics/",
        "/api/clinics/C02/",
        {
            "code": "C03",
            "name": "Hillside",
            "region": "NORTH",
            "timezone": "America/Chicago",
            "exam_rooms": 5,
            "service_lines": ["ORTHO"],
            "hours": {"mon": ["08:00", "17:00"]},
        },
        {"exam_rooms": 9},
    ),
    "providers": Endpoint(
        "/api/providers/",
        "/api/providers/1000000004/",
        {
            "npi": "1234567877",
            "name": "New PA",
            "credential": "PA",
            "service_line": "ORTHO",
            "fte": "0.50",
            "hired_on": "2024-01-01",
        },
        {"fte": "0.60"},
    ),
    "templates": Endpoint(
        "/api/templates/",
        "/api/templates/SPARE/",
        {
            "code": "EVENING",
            "name": "Evening",
            "blocks": [{"weekday": "tue", "start": "17:00", "end": "18:00", "visit_type": None}],
        },
        {"name": "Renamed"},
    ),
    "assignments": Endpoint(
        "/api/assignments/",
        "/api/assignments/{assignment}/",  # Rivera's
        {
            "provider": "1000000004",
            "clinic": "C02",
            "template": "MORNING",
            "weekdays": ["wed"],
            "starts_on": "2024-01-01",
        },
        {"ends_on": "2025-12-31"},
    ),
    "closures": Endpoint(
        "/api/closures/",
        "/api/closures/{closure}/",
        {"clinic": "C01", "date": "2024-12-25", "reason": "Christmas"},
        {"reason": "Independence Day"},
    ),
}


def expected_state(before: dict[str, Any], endpoint: str, method: str) -> dict[str, Any]:
    """The state after a successful write, worked out from the network fixture: clinics C01
    (6 rooms) and C02 (4 rooms) with 5 opening-hour rows each, 5 MORNING blocks + 1 SPARE."""
    after = dict(before)
    effects = {
        ("clinics", "POST"): {
            "clinics": [("C01", 6), ("C02", 4), ("C03", 5)],
            "hours": 11,
        },
        ("clinics", "PATCH"): {"clinics": [("C01", 6), ("C02", 9)]},
        # C02's five rows of opening hours go with it
        ("clinics", "DELETE"): {"clinics": [("C01", 6)], "hours": 5},
        ("providers", "POST"): {
            "providers": [
                ("1000000004", Decimal("1.00")),
                ("1234567877", Decimal("0.50")),
                ("1234567893", Decimal("1.00")),
            ]
        },
        ("providers", "PATCH"): {
            "providers": [("1000000004", Decimal("0.60")), ("1234567893", Decimal("1.00"))]
        },
        ("providers", "DELETE"): {"providers": [("1234567893", Decimal("1.00"))]},
        ("templates", "POST"): {
            "templates": [("EVENING", "Evening"), ("MORNING", "Morning"), ("SPARE", "Spare")],
            "blocks": 7,
        },
        ("templates", "PATCH"): {"templates": [("MORNING", "Morning"), ("SPARE", "Renamed")]},
        ("templates", "DELETE"): {
            "templates": [("MORNING", "Morning")],
            "blocks": 5,
        },
        ("assignments", "POST"): {"assignments": 2},
        ("assignments", "PATCH"): {"assignment_ends_on": date(2025, 12, 31)},
        ("assignments", "DELETE"): {"assignments": 0, "assignment_ends_on": None},
        ("closures", "POST"): {
            "closures": [(date(2024, 7, 4), "Holiday"), (date(2024, 12, 25), "Christmas")]
        },
        ("closures", "PATCH"): {"closures": [(date(2024, 7, 4), "Independence Day")]},
        ("closures", "DELETE"): {"closures": []},
    }
    after.update(effects[(endpoint, method)])
    return after


READ_ONLY = {"GET": 200, "POST": 403, "PATCH": 403, "DELETE": 403}
READ_WRITE = {"GET": 200, "POST": 201, "PATCH": 200, "DELETE": 204}
NOBODY = {"GET": 401, "POST": 401, "PATCH": 401, "DELETE": 401}
API_EXPECTED = {
    OPERATIONS: READ_WRITE,
    ADMINISTRATOR: READ_WRITE,
    MARKETING: READ_ONLY,
    BOARD: READ_ONLY,
    ANONYMOUS: NOBODY,
}
API_MATRIX = [
    pytest.param(
        role,
        endpoint,
        method,
        status,
        id=f"{role}-{endpoint}-{method}-{status}",
    )
    for role, by_method in API_EXPECTED.items()
    for endpoint in ENDPOINTS
    for method, status in by_method.items()
]


@pytest.mark.parametrize(("role", "endpoint", "method", "status"), API_MATRIX)
def test_api(client, user_with_role, network, role, endpoint, method, status):
    # given
    login(client, user_with_role, role)
    spec = ENDPOINTS[endpoint]
    before = state()
    requests = {
        "GET": lambda: client.get(spec.collection),
        "POST": lambda: client.post(spec.collection, spec.create, content_type="application/json"),
        "PATCH": lambda: client.patch(
            spec.member_url(), spec.change, content_type="application/json"
        ),
        "DELETE": lambda: client.delete(spec.member_url()),
    }
    # when
    response = requests[method]()
    # then: a write that is refused, or a read, changes nothing; an allowed write does its part
    changes = status in (201, 200, 204) and method != "GET"
    expected = expected_state(before, endpoint, method) if changes else before
    assert (response.status_code, state()) == (status, expected)


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE"])
def test_anonymous_api_write_is_refused_and_changes_nothing(client, network, endpoint, method):
    # given: nobody logged in (the 401 itself is the matrix's business)
    spec = ENDPOINTS[endpoint]
    before = state()
    url = spec.collection if method == "POST" else spec.member_url()
    # when
    response = client.generic(method, url, json.dumps(spec.create), "application/json")
    # then
    assert response.status_code in (401, 403)
    assert "Location" not in response
    assert state() == before


@pytest.mark.parametrize(
    "role", [OPERATIONS, ADMINISTRATOR, MARKETING, BOARD]
)  # every role reads every list
@pytest.mark.parametrize(
    "url",
    [
        "/api/organizations/",
        "/api/regions/",
        "/api/service-lines/",
        "/api/visit-types/",
        "/api/absences/",
    ],
)
def test_every_role_reads_the_other_lists(client, user_with_role, network, role, url):
    # given
    login(client, user_with_role, role)
    # when
    response = client.get(url)
    # then
    assert response.status_code == 200
    assert "results" in response.json()


# ---------------------------------------------------------------------------------------------
# Pages

PAGES = [
    "/",
    "/clinics/",
    "/clinics/C01/",
    "/clinics/templates/",
    "/clinics/templates/MORNING/",
    "/clinics/network/export/",
]
PAGE_MATRIX = [
    pytest.param(role, url, status, id=f"{role}-{url}-{status}")
    for url in PAGES
    for role, status in {
        OPERATIONS: 200,
        ADMINISTRATOR: 200,
        MARKETING: 200,
        BOARD: 200,
        ANONYMOUS: 302,
    }.items()
]


@pytest.mark.parametrize(("role", "url", "status"), PAGE_MATRIX)
def test_page(client, user_with_role, network, role, url, status):
    # given
    login(client, user_with_role, role)
    # when
    response = client.get(url)
    # then: anonymous users go to the login page and come back here afterwards
    assert response.status_code == status
    assert response.get("Location") == (
        f"/accounts/login/?next={url}" if role == ANONYMOUS else None
    )


EDIT_FORM = {
    "name": "Lakeside",
    "timezone": "America/Chicago",
    "exam_rooms": "12",
    "rooms_per_provider": "2",
    "target_utilization": "0.9",
    "cold_threshold": "0.7",
    "band_low": "0.85",
    "band_high": "0.95",
    "hot_threshold": "0.95",
    **{f"{d}_opens": "08:00" for d in ("mon", "tue", "wed", "thu", "fri")},
    **{f"{d}_closes": "17:00" for d in ("mon", "tue", "wed", "thu", "fri")},
}
EDITORS = {OPERATIONS: (200, 302), ADMINISTRATOR: (200, 302)}
READERS = {MARKETING: (403, 403), BOARD: (403, 403)}
EDIT_MATRIX = [
    pytest.param(role, method, statuses[i], id=f"{role}-{method}-{statuses[i]}")
    for role, statuses in {**EDITORS, **READERS, ANONYMOUS: (302, 302)}.items()
    for i, method in enumerate(["GET", "POST"])
]


@pytest.mark.parametrize(("role", "method", "status"), EDIT_MATRIX)
def test_clinic_edit_page(client, user_with_role, network, role, method, status):
    # given: C01 has 6 exam rooms; the form asks for 12
    login(client, user_with_role, role)
    before = state()
    form = {
        **EDIT_FORM,
        "service_lines": [c.pk for c in Clinic.objects.get(code="C01").service_lines.all()],
    }
    requests = {
        "GET": lambda: client.get("/clinics/C01/edit/"),
        "POST": lambda: client.post("/clinics/C01/edit/", form),
    }
    # when
    response = requests[method]()
    # then: only a saved POST by an editor changes C01
    saved = method == "POST" and role in EDITORS
    expected = {**before, "clinics": [("C01", 12), ("C02", 4)]} if saved else before
    assert (response.status_code, state()) == (status, expected)


IMPORT_MATRIX = [
    pytest.param(role, method, statuses[i], id=f"{role}-{method}-{statuses[i]}")
    for role, statuses in {**EDITORS, **READERS, ANONYMOUS: (302, 302)}.items()
    for i, method in enumerate(["GET", "POST"])
]


@pytest.mark.parametrize(("role", "method", "status"), IMPORT_MATRIX)
def test_network_import_page(client, user_with_role, network, role, method, status):
    # given: a dry run of an empty network file
    login(client, user_with_role, role)
    before = state()
    upload = SimpleUploadedFile("network.json", b"{}", content_type="application/json")
    requests = {
        "GET": lambda: client.get("/clinics/network/import/"),
        "POST": lambda: client.post("/clinics/network/import/", {"file": upload, "dry_run": "on"}),
    }
    # when
    response = requests[method]()
    # then: only an editor's upload queues a job
    queued = method == "POST" and role in EDITORS
    expected = {**before, "imports": 1} if queued else before
    assert (response.status_code, state()) == (status, expected)


@pytest.mark.parametrize(
    ("role", "url", "status", "location"),
    [
        pytest.param(OPERATIONS, "/admin/", 200, None, id="operations-index"),
        pytest.param(ADMINISTRATOR, "/admin/", 200, None, id="administrator-index"),
        pytest.param(MARKETING, "/admin/", 302, "/admin/login/?next=/admin/", id="marketing-index"),
        pytest.param(BOARD, "/admin/", 302, "/admin/login/?next=/admin/", id="board-index"),
        pytest.param(ANONYMOUS, "/admin/", 302, "/admin/login/?next=/admin/", id="anonymous-index"),
        pytest.param(
            OPERATIONS, "/admin/clinics/clinic/add/", 200, None, id="operations-add-clinic"
        ),
        pytest.param(
            ADMINISTRATOR,
            "/admin/clinics/clinic/add/",
            200,
            None,
            id="administrator-add-clinic",
        ),
        # users and roles are the administrator's
        pytest.param(OPERATIONS, "/admin/clinics/user/add/", 403, None, id="operations-add-user"),
        pytest.param(OPERATIONS, "/admin/auth/group/", 403, None, id="operations-groups"),
        pytest.param(
            ADMINISTRATOR, "/admin/clinics/user/add/", 200, None, id="administrator-add-user"
        ),
        pytest.param(ADMINISTRATOR, "/admin/auth/group/", 200, None, id="administrator-groups"),
    ],
)
def test_admin(client, user_with_role, network, role, url, status, location):
    # given
    login(client, user_with_role, role)
    # when
    response = client.get(url)
    # then
    assert (response.status_code, response.get("Location")) == (status, location)
