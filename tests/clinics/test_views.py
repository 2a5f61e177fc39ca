"""The network's pages: what they show for a small network, empty states, the clinic edit form
and the network file download."""

from __future__ import annotations

import json
import re
from datetime import date, time
from decimal import Decimal
from html.parser import HTMLParser

import pytest

from clinics import network
from clinics.models import Clinic, ClinicHours
from tests import factories


@pytest.fixture
def ops(client, ops_user):
    client.force_login(ops_user)
    return client


@pytest.fixture
def small_network(db):
    """Region NORTH: C01 Lakeside (Mon–Fri 08–17, Sat 08–12) and C02 Hillside (Mon–Fri 08–17).
    Template ORTHO-STD: Mon 08–12 ORTHO-FU (15 min), Mon 12–13 blocked, Tue 13–17 ORTHO-NP
    (30 min, new patients). At C01 on ORTHO-STD: Dr. Ana Rivera (MD, 0.5 FTE) Mon+Tue from
    2024-01-01, and Pat Parker (PA) Mon from 2024-03-01 to 2024-12-31."""
    summit = factories.OrganizationFactory(code="SHP", name="Summit Health Partners")
    region = factories.RegionFactory(code="NORTH", name="North", organization=summit)
    lakeside = factories.ClinicFactory(
        code="C01",
        name="Lakeside",
        region=region,
        hours={**dict.fromkeys(range(5), ("08:00", "17:00")), 5: ("08:00", "12:00")},
    )
    factories.ClinicFactory(code="C02", name="Hillside", region=region)
    follow_up = factories.VisitTypeFactory()
    new_patient = factories.VisitTypeFactory(
        code="ORTHO-NP", name="New patient", minutes=30, is_new_patient=True
    )
    template = factories.TemplateFactory(
        code="ORTHO-STD",
        name="Orthopedics standard",
        blocks=[
            (0, "08:00", "12:00", follow_up),
            (0, "12:00", "13:00", None),
            (1, "13:00", "17:00", new_patient),
        ],
    )
    rivera = factories.ProviderFactory(npi="1234567893", name="Dr. Ana Rivera", fte=Decimal("0.50"))
    parker = factories.ProviderFactory(name="Pat Parker", credential="PA")
    factories.AssignmentFactory(
        provider=rivera, clinic=lakeside, template=template, weekdays=[0, 1]
    )
    factories.AssignmentFactory(
        provider=parker,
        clinic=lakeside,
        template=template,
        weekdays=[0],
        starts_on=date(2024, 3, 1),
        ends_on=date(2024, 12, 31),
    )


# ---------------------------------------------------------------------------------------------
# Reading the HTML


class _Page(HTMLParser):
    """Tables as rows of cell texts, grid blocks, and each form error with the label before it."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self.blocks: list[dict] = []
        self.errors: list[tuple[str, str]] = []
        self.text: list[str] = []
        self._open: list[str] = []  # what collects text: "cell", "block", "label", "row", "error"
        self._label = ""
        self._buffer = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "table":
            self.tables.append({"id": a.get("id"), "class": classes, "rows": []})
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th") and self.tables:
            self._start("cell")
            self._row_header = tag == "th" and a.get("scope") == "row"
        elif tag == "div" and "block" in classes:
            self.blocks.append({"class": classes[1], "style": a["style"], "text": ""})
            self._start("block")
        elif tag == "label":
            self._start("label")
        elif tag == "small" and "error" in classes:
            self._start("error")

    def _start(self, what: str) -> None:
        self._open.append(what)
        self._buffer = ""

    def handle_data(self, data):
        self.text.append(data)
        if self._open:
            self._buffer += f" {data}"

    def handle_endtag(self, tag):
        if not self._open:
            return
        what = self._open[-1]
        ends = {"cell": ("td", "th"), "block": ("div",), "label": ("label",), "error": ("small",)}
        if tag not in ends[what]:
            return
        self._open.pop()
        value = " ".join(self._buffer.split())
        if what == "cell":
            self.tables[-1]["rows"][-1].append(value)
            if self._row_header:
                self._label = value
        elif what == "block":
            self.blocks[-1]["text"] = value
        elif what == "label":
            self._label = value
        else:
            self.errors.append((self._label, value))
            self._buffer = ""


def page(response) -> _Page:
    parsed = _Page()
    parsed.feed(response.content.decode())
    return parsed


def table(parsed: _Page, *, id: str | None = None, cls: str | None = None) -> list[list[str]]:
    """The rows of the first table with that id or exactly that class, header row included."""
    return next(
        t["rows"]
        for t in parsed.tables
        if (id and t["id"] == id) or (cls and t["class"] == cls.split())
    )


def text(parsed: _Page) -> str:
    return " ".join(" ".join(parsed.text).split())


# ---------------------------------------------------------------------------------------------
# Home and the clinic list


def test_home_counts_the_network(ops, small_network):
    # given: 2 clinics, 2 providers who have not left, 1 template
    # when
    parsed = page(ops.get("/"))
    # then
    body = text(parsed)
    assert "2 clinics" in body
    assert "2 active providers" in body
    assert "1 standard templates" in body
    assert table(parsed, cls="data")[1:] == [["North NORTH", "Summit Health Partners", "2"]]


def test_home_without_clinics_says_so(ops):
    # when
    response = ops.get("/")
    # then
    assert response.status_code == 200
    assert "No clinics yet" in text(page(response))


def test_clinic_list_shows_each_clinic(ops, small_network):
    # when
    parsed = page(ops.get("/clinics/"))
    # then: C01 has one provider still assigned (Parker's assignment ended), C02 none
    assert table(parsed, cls="data")[1:] == [
        ["C01", "Lakeside", "North", "ORTHO", "6", "1", "Mon Tue Wed Thu Fri Sat", "90.0 %"],
        ["C02", "Hillside", "North", "ORTHO", "6", "0", "Mon Tue Wed Thu Fri", "90.0 %"],
    ]


def test_clinic_list_without_clinics_says_so(ops):
    # when
    response = ops.get("/clinics/")
    # then
    assert response.status_code == 200
    assert "No clinics yet" in text(page(response))


def test_clinic_list_links_to_the_clinic_pages(ops, small_network):
    # when
    html = ops.get("/clinics/").content.decode()
    # then
    assert 'href="/clinics/C01/"' in html
    assert 'href="/api/clinics/C01/"' not in html


def test_clinic_list_filters_by_the_region_of_the_home_page_link(ops, small_network):
    # given: C03 in SOUTH
    factories.ClinicFactory(code="C03", region=factories.RegionFactory(code="SOUTH"))
    # when
    parsed = page(ops.get("/clinics/?region=NORTH"))
    # then
    assert [row[0] for row in table(parsed, cls="data")[1:]] == ["C01", "C02"]


# ---------------------------------------------------------------------------------------------
# The clinic page


def test_clinic_page_shows_hours_rooms_providers_and_templates(ops, small_network):
    # when
    parsed = page(ops.get("/clinics/C01/"))
    # then: hours for every day, Sunday closed
    assert table(parsed, id="hours") == [
        ["Mon", "08:00–17:00"],
        ["Tue", "08:00–17:00"],
        ["Wed", "08:00–17:00"],
        ["Thu", "08:00–17:00"],
        ["Fri", "08:00–17:00"],
        ["Sat", "08:00–12:00"],
        ["Sun", "closed"],
    ]
    # and: 6 exam rooms at 2 per provider = at most 3 providers at once
    body = text(parsed)
    assert "Exam rooms 6" in body
    assert "at most 3 providers seeing patients at once" in body
    # and: both assignments by provider name, with their template
    assert [row[:5] for row in table(parsed, id="assignments")[1:]] == [
        ["Dr. Ana Rivera", "MD", "0.50", "ORTHO-STD", "Mon, Tue"],
        ["Pat Parker", "PA", "1.00", "ORTHO-STD", "Mon"],
    ]


def test_clinic_page_offers_the_edit_form_to_operations_only(client, ops_user, board_user, db):
    # given
    factories.ClinicFactory(code="C01")
    # when
    client.force_login(ops_user)
    for_ops = client.get("/clinics/C01/").content.decode()
    client.force_login(board_user)
    for_board = client.get("/clinics/C01/").content.decode()
    # then
    assert 'href="/clinics/C01/edit/"' in for_ops
    assert 'href="/clinics/C01/edit/"' not in for_board


def test_clinic_page_without_assignments_says_so(ops, db):
    # given
    factories.ClinicFactory(code="C01")
    # when
    parsed = page(ops.get("/clinics/C01/"))
    # then
    assert "No provider is assigned to this clinic yet" in text(parsed)
    assert [t for t in parsed.tables if t["id"] == "assignments"] == []


def test_unknown_clinic_is_404(ops, db):
    # when / then
    assert ops.get("/clinics/NOPE/").status_code == 404


# ---------------------------------------------------------------------------------------------
# Templates


def test_template_list_shows_blocks_and_assignments(ops, small_network):
    # when
    parsed = page(ops.get("/clinics/templates/"))
    # then: 3 blocks, 2 assignments, version 1
    assert [row[:5] for row in table(parsed, cls="data")[1:]] == [
        ["ORTHO-STD", "Orthopedics standard", "1", "3", "2"]
    ]


def test_template_list_without_templates_says_so(ops, db):
    # when
    response = ops.get("/clinics/templates/")
    # then
    assert response.status_code == 200
    assert "No templates yet" in text(page(response))


def test_template_page_draws_a_block_per_template_block_with_its_slots(ops, small_network):
    # when
    parsed = page(ops.get("/clinics/templates/ORTHO-STD/"))
    # then: the grid starts at 08:00 in 15-minute rows after a header row, so hh:mm sits on
    # row (minutes since 08:00) / 15 + 2; Monday is column 2, Tuesday column 3.
    # 08:00–12:00 of a 15-minute visit: 240 / 15 = 16 slots; 13:00–17:00 of 30: 240 / 30 = 8.
    # Colours follow the network's visit types by code (ORTHO-FU 0, ORTHO-NP 1), on every page.
    assert parsed.blocks == [
        {
            "class": "vt-0",
            "style": "grid-column: 2; grid-row: 2 / 18;",
            "text": "ORTHO-FU 08:00–12:00 · 16 slots",
        },
        {
            "class": "blocked",
            "style": "grid-column: 2; grid-row: 18 / 22;",
            "text": "BLOCKED 12:00–13:00",
        },
        {
            "class": "vt-1",
            "style": "grid-column: 3; grid-row: 22 / 38;",
            "text": "ORTHO-NP 13:00–17:00 · 8 slots",
        },
    ]
    # and: per day, clinical minutes (blocked time excluded), slots and new-patient slots
    assert table(parsed, cls="data compact totals") == [
        ["", "Mon", "Tue", "Wed", "Thu", "Fri"],
        ["Clinical minutes", "240", "240", "0", "0", "0"],
        ["Slots", "16", "8", "0", "0", "0"],
        ["New-patient slots", "0", "8", "0", "0", "0"],
    ]


def test_template_page_lists_who_works_it(ops, small_network):
    # when
    parsed = page(ops.get("/clinics/templates/ORTHO-STD/"))
    # then
    assert table(parsed, cls="data")[1:] == [
        ["C01", "Dr. Ana Rivera", "MD", "Mon, Tue", "2024-01-01", "—"],
        ["C01", "Pat Parker", "PA", "Mon", "2024-03-01", "2024-12-31"],
    ]


def test_template_page_without_blocks_or_assignments_says_so(ops, db):
    # given
    factories.TemplateFactory(code="EMPTY", blocks=[])
    # when
    response = ops.get("/clinics/templates/EMPTY/")
    # then
    parsed = page(response)
    assert response.status_code == 200
    assert parsed.blocks == []
    assert "This template has no blocks yet" in text(parsed)
    assert "No provider is assigned to this template." in text(parsed)


# ---------------------------------------------------------------------------------------------
# The clinic edit form


def edit_form(**changes: str) -> dict[str, str]:
    """C01 as the fixture made it (Mon–Fri 08–17, Sat 08–12), with `changes`."""
    form = {
        "name": "Lakeside",
        "timezone": "America/Chicago",
        "exam_rooms": "6",
        "rooms_per_provider": "2",
        "target_utilization": "0.9",
        "cold_threshold": "0.7",
        "band_low": "0.85",
        "band_high": "0.95",
        "hot_threshold": "0.95",
        "service_lines": str(Clinic.objects.get(code="C01").service_lines.get().pk),
        **{f"{d}_opens": "08:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat")},
        **{f"{d}_closes": "17:00" for d in ("mon", "tue", "wed", "thu", "fri")},
        "sat_closes": "12:00",
    }
    return {**form, **changes}


def clinic_state(code: str = "C01") -> dict:
    clinic = Clinic.objects.get(code=code)
    return {
        "name": clinic.name,
        "exam_rooms": clinic.exam_rooms,
        "target_utilization": clinic.target_utilization,
        "hours": list(
            ClinicHours.objects.filter(clinic=clinic)
            .order_by("weekday")
            .values_list("weekday", "opens", "closes")
        ),
    }


def test_edit_form_shows_the_current_values(ops, small_network):
    # when
    html = ops.get("/clinics/C01/edit/").content.decode()
    # then
    assert re.search(r'<input type="number" name="exam_rooms" value="6"', html)
    assert re.search(r'name="sat_closes" value="12:00"', html)
    assert re.search(r'name="sun_opens"(?![^>]*value=)', html)


def test_edit_form_saves_rooms_and_hours(ops, small_network):
    # given: 8 rooms; Monday 07:00–18:00; Saturday closed, Sunday 09:00–13:00
    form = edit_form(
        exam_rooms="8",
        mon_opens="07:00",
        mon_closes="18:00",
        sat_opens="",
        sat_closes="",
        sun_opens="09:00",
        sun_closes="13:00",
    )
    # when
    response = ops.post("/clinics/C01/edit/", form)
    # then
    assert response.status_code == 302
    assert clinic_state() == {
        "name": "Lakeside",
        "exam_rooms": 8,
        "target_utilization": Decimal("0.900"),
        "hours": [
            (0, time(7), time(18)),
            *[(d, time(8), time(17)) for d in (1, 2, 3, 4)],
            (6, time(9), time(13)),
        ],
    }


def test_edit_form_returns_to_the_clinic_page(ops, small_network):
    # when
    response = ops.post("/clinics/C01/edit/", edit_form(exam_rooms="8"))
    # then
    assert response["Location"] == "/clinics/C01/"


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        pytest.param(
            {"mon_opens": "17:00", "mon_closes": "08:00"},
            ("Mon", "a clinic must close after it opens"),
            id="closing-before-opening",
        ),
        pytest.param(
            {"tue_closes": ""},
            ("Tue", "give both opening and closing time, or neither"),
            id="only-an-opening-time",
        ),
        pytest.param(
            {"target_utilization": "1.5"},
            ("Target utilization", "1.5 is not a fraction in (0, 1] (write 0.9 for 90 %)"),
            id="target-utilization-above-one",
        ),
        pytest.param(
            {"exam_rooms": "-1"},
            ("Exam rooms", "Ensure this value is greater than or equal to 0."),
            id="negative-exam-rooms",
        ),
    ],
)
def test_edit_form_refuses_bad_input_and_changes_nothing(ops, small_network, changes, error):
    # given: a valid rename sent along with the bad value
    before = clinic_state()
    # when
    response = ops.post("/clinics/C01/edit/", edit_form(name="Lakeside North", **changes))
    # then: the one error is shown next to its field (or day), and nothing is saved
    assert response.status_code == 400
    assert page(response).errors == [error]
    assert clinic_state() == before


# ---------------------------------------------------------------------------------------------
# The network file


def test_network_export_downloads_a_file_the_importer_reads(ops, small_network):
    # when
    response = ops.get("/clinics/network/export/")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="network.json"'
    document = network.read(json.loads(response.content))
    clinics = [c for o in document["organizations"] for r in o["regions"] for c in r["clinics"]]
    assert [(c["code"], c["name"]) for c in clinics] == [("C01", "Lakeside"), ("C02", "Hillside")]
    assert clinics[0]["hours"][5] == (time(8), time(12))
    assert [(t["code"], len(t["blocks"])) for t in document["templates"]] == [("ORTHO-STD", 3)]
    rivera = next(p for p in document["providers"] if p["npi"] == "1234567893")
    assert [(a["clinic"], a["template"], a["weekdays"]) for a in rivera["assignments"]] == [
        ("C01", "ORTHO-STD", [0, 1])
    ]
