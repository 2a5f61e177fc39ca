"""Scenario pages (issue 6): the list, one scenario with its changes and results, a change per
kind through its form, bad input named by field with nothing saved, export → import, apply,
compare, and each role's refusals.

Numbers come from a small exact network: C01 Lakeside, open Monday to Friday, six rooms for
two providers (no room bound); Dr. Rivera works STD there every weekday: 08–12 follow-ups of
15 min and 13–17 new patients of 30 min, 480 minutes a day. February 2026 has 20 weekdays,
March 22, April 22: 9,600, 10,560 and 10,560 minutes.
"""

import copy
import html
import json
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from clinics import services as clinic_services
from clinics.models import Clinic, NetworkImport, Provider, TemplateAssignment
from growthplan import roles
from scenarios import services
from scenarios.models import Scenario
from tests import factories

TODAY = date(2026, 1, 12)
NEW_NPI = factories.valid_npi(777)
LIST = "/capacity/scenarios/"
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def network_file(*, hired: str = "2024-01-01") -> dict:
    """C01 Lakeside (and C02 Riverside, with nobody), one service line, the STD template."""
    hours = {d: ["08:00", "17:00"] for d in WEEKDAYS}
    clinic = {
        "timezone": "America/Chicago", "exam_rooms": 6, "rooms_per_provider": 2,
        "target_utilization": 0.9, "service_lines": ["ORTHO"], "hours": hours,
    }  # fmt: skip
    return {
        "service_lines": [
            {"code": "ORTHO", "name": "Orthopedics", "followup_profile": [0.5, 1.0, 0.5]}
        ],
        "visit_types": [
            {"code": "ORTHO-FU", "name": "Follow-up", "minutes": 15, "new_patient": False,
             "service_line": "ORTHO", "credentials": ["MD", "PA"]},
            {"code": "ORTHO-NP", "name": "New patient", "minutes": 30, "new_patient": True,
             "service_line": "ORTHO", "credentials": ["MD", "PA"]},
        ],
        "organizations": [{"code": "ACME", "name": "Acme Orthopedics", "regions": [
            {"code": "NORTH", "name": "North", "clinics": [
                {"code": "C01", "name": "Lakeside", **copy.deepcopy(clinic)},
                {"code": "C02", "name": "Riverside", **copy.deepcopy(clinic)},
            ]}]}],
        "templates": [{"code": "STD", "name": "Standard day", "blocks": [
            b for d in WEEKDAYS for b in (
                {"weekday": d, "start": "08:00", "end": "12:00", "visit_type": "ORTHO-FU"},
                {"weekday": d, "start": "13:00", "end": "17:00", "visit_type": "ORTHO-NP"},
            )]}],
        "providers": [{"npi": "1234567893", "name": "Dr. A. Rivera", "credential": "MD",
                       "service_line": "ORTHO", "fte": 1.0, "hired_on": hired, "left_on": None,
                       "assignments": [{"clinic": "C01", "template": "STD", "weekdays": WEEKDAYS,
                                        "from": hired, "to": None}],
                       "absences": []}],
        "closures": [],
    }  # fmt: skip


@pytest.fixture
def lakeside(db, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda: TODAY)
    clinic_services.network_import(document=network_file(), replan=False)


def add_provider(**overrides) -> dict:
    body = {
        "npi": NEW_NPI, "name": "Pat Lee, PA", "credential": "PA", "service_line": "ORTHO",
        "fte": 1.0, "clinic": "C01", "template": "STD", "weekdays": WEEKDAYS,
        "start": "2026-02-01", "ramp_months": 0,
    }  # fmt: skip
    return {"add_provider": {**body, **overrides}}


def scenario_file(*changes, name: str = "A PA at Lakeside") -> dict:
    return {"name": name, "from": "2026-02", "months": 3, "changes": list(changes)}


def saved(*changes, name: str = "A PA at Lakeside", run: bool = False) -> Scenario:
    scenario = services.scenario_save(
        document=scenario_file(*changes, name=name), user=None, today=TODAY
    )
    if run:
        scenario = services.scenario_run(scenario=scenario, today=TODAY)
        assert scenario.status == Scenario.Status.DONE, scenario.problems
    return scenario


def url(scenario: Scenario, action: str = "") -> str:
    return f"{LIST}{scenario.pk}/{action + '/' if action else ''}"


def form_data(kind: str, **values) -> dict:
    """A change form as the browser posts it: the kind, and each key under its prefix."""
    return {"kind": kind, **{f"{kind}-{key}": value for key, value in values.items()}}


PROVIDER_FORM = {
    "npi": NEW_NPI, "name": "Pat Lee, PA", "credential": "PA", "service_line": "ORTHO",
    "fte": "1.0", "clinic": "C01", "template": "STD", "weekdays": ["mon", "wed"],
    "start": "2026-02-02", "ramp_months": "3",
}  # fmt: skip


def blocks_form(*blocks: tuple[str, str, str, str]) -> dict:
    """The template form's block rows (weekday, start, end, visit type)."""
    data = {
        "template-blocks-TOTAL_FORMS": str(len(blocks) + 1),
        "template-blocks-INITIAL_FORMS": "0",
        "template-blocks-MIN_NUM_FORMS": "0",
        "template-blocks-MAX_NUM_FORMS": "1000",
    }
    for i, (weekday, start, end, visit_type) in enumerate(blocks):
        data.update({
            f"template-blocks-{i}-weekday": weekday, f"template-blocks-{i}-start": start,
            f"template-blocks-{i}-end": end, f"template-blocks-{i}-visit_type": visit_type,
        })  # fmt: skip
    return data


def field(page: str, name: str) -> str:
    """The HTML of one form field's block (label, input, help, errors)."""
    match = re.search(
        rf'<div class="field[^"]*" id="field-{re.escape(name)}">.*?</div>\s*\n', page, re.S
    )
    assert match, f"no field {name}"
    return html.unescape(match.group(0))


def cells(html: str) -> list[str]:
    found = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in found]


def row(page: str, row_id: str) -> list[str]:
    match = re.search(rf'<tr id="{re.escape(row_id)}"[^>]*>.*?</tr>', page, re.S)
    assert match, f"no row {row_id}"
    return cells(match.group(0))


# ---------------------------------------------------------------------------------------------
# The list


@pytest.mark.parametrize("role", [roles.OPERATIONS, roles.MARKETING, roles.BOARD])
def test_an_empty_list_explains_what_a_scenario_is(client, user_with_role, lakeside, role):
    client.force_login(user_with_role(role))
    page = client.get(LIST).content.decode()
    assert "No scenarios yet" in page
    assert 'href="/capacity/scenarios/"' in page  # the nav link
    # only those who build scenarios get the forms
    builds = role != roles.BOARD
    assert ('id="new-scenario"' in page) is builds
    assert ('id="import-scenario"' in page) is builds


def test_a_new_scenario_has_no_changes_and_has_not_run(client, ops_user, lakeside):
    client.force_login(ops_user)
    # when
    response = client.post(LIST, {"name": "Evenings", "from": "2026-02", "months": "3"})
    # then
    scenario = Scenario.objects.get()
    assert response.status_code == 302 and response.url == url(scenario)
    assert scenario.document == {"name": "Evenings", "from": "2026-02", "months": 3, "changes": []}
    assert scenario.created_by == ops_user
    page = client.get(url(scenario)).content.decode()
    assert "No changes yet" in page and "Not run yet" in page
    # every kind of change has its form, with the network's choices
    for kind in ("add_provider", "remove_provider", "reduce_provider", "clinic_hours",
                 "exam_rooms", "swap_template", "template", "target_utilization"):  # fmt: skip
        assert f'id="add-{kind}"' in page
    assert '<option value="C01">C01 Lakeside</option>' in page
    assert '<option value="1234567893">Dr. A. Rivera (MD, 1234567893)</option>' in page
    # the list shows it
    listed = row(client.get(LIST).content.decode(), f"scenario-{scenario.pk}")
    assert listed[1:5] == ["Evenings", "2026-02 – 2026-04 (3 months)", "0", "Draft"]


def test_a_scenario_starting_before_this_month_is_refused_by_field(client, ops_user, lakeside):
    client.force_login(ops_user)
    response = client.post(LIST, {"name": "Late", "from": "2025-12", "months": "3"})
    assert response.status_code == 400
    assert "2025-12 is before this month (2026-01)" in field(response.content.decode(), "from")
    assert not Scenario.objects.exists()


# ---------------------------------------------------------------------------------------------
# Changes


def test_adding_a_change_saves_the_whole_file(client, marketing_user, lakeside):
    # given
    scenario = saved(name="A PA at Lakeside")
    client.force_login(marketing_user)
    # when
    response = client.post(url(scenario, "changes"), form_data("add_provider", **PROVIDER_FORM))
    # then: the file holds the change as the scenario file writes it
    assert response.status_code == 302
    scenario.refresh_from_db()
    assert scenario.document["changes"] == [
        {"add_provider": {
            "npi": NEW_NPI, "name": "Pat Lee, PA", "credential": "PA", "service_line": "ORTHO",
            "fte": 1.0, "clinic": "C01", "template": "STD", "weekdays": ["mon", "wed"],
            "start": "2026-02-02", "ramp_months": 3}}
    ]  # fmt: skip
    page = client.get(url(scenario)).content.decode()
    assert (
        "Add Pat Lee, PA (PA, 1.0 FTE) at C01 on mon, wed with STD from 2026-02-02, ramping up "
        "over 3 months" in page
    )
    # and a second change goes after it
    client.post(url(scenario, "changes"), form_data("exam_rooms", clinic="C01", rooms="8"))
    scenario.refresh_from_db()
    assert [next(iter(c)) for c in scenario.document["changes"]] == ["add_provider", "exam_rooms"]


@pytest.mark.parametrize(
    ("kind", "values", "name", "message"),
    [
        ("add_provider", {**PROVIDER_FORM, "fte": "1.5"}, "fte",
         "1.5 FTE is beyond 1.0: one provider works at most 1.0 FTE"),
        ("add_provider", {**PROVIDER_FORM, "start": "2026-01-09"}, "start",
         "2026-01-09 is before today (2026-01-12): plan from today on"),
        ("add_provider", {**PROVIDER_FORM, "start": "2026-05-01"}, "start",
         "2026-05-01 is after the scenario's last day (2026-04-30)"),
        ("add_provider", {**PROVIDER_FORM, "npi": "1234567893"}, "npi",
         "NPI 1234567893 is already in the network (Dr. A. Rivera)"),
        ("exam_rooms", {"clinic": "C01", "rooms": "-1"}, "rooms",
         "rooms cannot be below zero, got -1"),
        ("clinic_hours", {"clinic": "C01", "weekdays": ["mon"], "open": "18:00",
                          "close": "08:00", "from": "2026-02-02"}, "close",
         "a clinic must close after it opens"),
        ("reduce_provider", {"npi": "1234567893", "from": "2026-02-02", "fte": "1.0"}, "fte",
         "Dr. A. Rivera works 1 FTE: a reduction must be lower, not 1"),
        ("target_utilization", {"clinic": "C01", "value": "85"}, "value",
         "expected a fraction above 0 and at most 1 (0.85 = 85 %), got 85"),
    ],
)  # fmt: skip
def test_a_bad_change_is_named_beside_its_field_and_nothing_is_saved(
    client, ops_user, lakeside, kind, values, name, message
):
    # given
    scenario = saved()
    before = (scenario.document, scenario.updated_at)
    client.force_login(ops_user)
    # when
    response = client.post(url(scenario, "changes"), form_data(kind, **values))
    # then: the message beside the field, its form open, nothing saved
    assert response.status_code == 400
    page = response.content.decode()
    assert message in field(page, f"{kind}-{name}")
    assert "Not added — nothing was saved." in page
    assert re.search(rf'<details class="kind kind-error" id="add-{kind}" open>', page)
    scenario.refresh_from_db()
    assert (scenario.document, scenario.updated_at) == before


def test_overlapping_template_blocks_are_named_by_row_and_nothing_is_saved(
    client, ops_user, lakeside
):
    scenario = saved()
    client.force_login(ops_user)
    data = {
        **form_data("template", code="STD", name="Standard day"),
        **blocks_form(("mon", "08:00", "12:00", "ORTHO-FU"), ("mon", "11:00", "13:00", "ORTHO-NP")),
    }
    response = client.post(url(scenario, "changes"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "<strong>Block 2 start</strong>: overlaps the block mon 08:00–12:00" in page
    assert 'class="row-error"' in page
    scenario.refresh_from_db()
    assert scenario.document["changes"] == []


def test_a_template_change_starts_from_an_existing_templates_blocks(client, ops_user, lakeside):
    scenario = saved()
    client.force_login(ops_user)
    page = client.get(url(scenario) + "?blocks_of=STD").content.decode()
    assert '<details class="kind" id="add-template" open>' in page
    assert 'name="template-blocks-TOTAL_FORMS" value="18"' in page  # 10 blocks + 8 empty rows
    assert 'name="template-blocks-9-end" value="17:00"' in page
    # a new template with blocks of its own is added
    data = {
        **form_data("template", code="STD-NP", name="More new patients"),
        **blocks_form(("mon", "08:00", "12:00", "ORTHO-NP"), ("mon", "12:00", "13:00", "")),
    }
    assert client.post(url(scenario, "changes"), data).status_code == 302
    scenario.refresh_from_db()
    assert scenario.document["changes"] == [
        {"template": {"code": "STD-NP", "name": "More new patients", "blocks": [
            {"weekday": "mon", "start": "08:00", "end": "12:00", "visit_type": "ORTHO-NP"},
            {"weekday": "mon", "start": "12:00", "end": "13:00", "visit_type": None}]}}
    ]  # fmt: skip


def test_a_change_is_removed(client, ops_user, lakeside):
    scenario = saved(add_provider(), {"exam_rooms": {"clinic": "C01", "rooms": 8}})
    client.force_login(ops_user)
    response = client.post(url(scenario, "changes/0/remove"))
    assert response.status_code == 302
    scenario.refresh_from_db()
    assert scenario.document["changes"] == [{"exam_rooms": {"clinic": "C01", "rooms": 8}}]
    assert client.post(url(scenario, "changes/5/remove")).status_code == 404


def test_the_name_and_horizon_are_edited_and_bad_ones_are_named(client, ops_user, lakeside):
    scenario = saved(add_provider())
    client.force_login(ops_user)
    # when: a month already gone, and too long a horizon
    response = client.post(url(scenario), {"name": "Later", "from": "2025-12", "months": "30"})
    # then
    assert response.status_code == 400
    page = response.content.decode()
    assert "2025-12 is before this month (2026-01)" in field(page, "from")
    assert "expected 1 to 24 months, got 30" in field(page, "months")
    scenario.refresh_from_db()
    assert scenario.document == scenario_file(add_provider())
    # a good one
    response = client.post(url(scenario), {"name": "Later", "from": "2026-02", "months": "6"})
    assert response.status_code == 302
    scenario.refresh_from_db()
    assert (scenario.name, scenario.document["months"]) == ("Later", 6)


# ---------------------------------------------------------------------------------------------
# Results


def test_results_show_current_beside_scenario_per_month_clinic_and_tnaa(
    client, board_user, lakeside
):
    # given: a full-time PA on the standard template every weekday from February
    scenario = saved(add_provider(), run=True)
    client.force_login(board_user)
    # when
    page = client.get(url(scenario)).content.decode()
    # then: 480 minutes a weekday more, by hand: 20 × 480, 22 × 480, 22 × 480
    assert row(page, "total-2026-02")[:4] == ["2026-02", "9,600", "19,200", "+9,600"]
    assert row(page, "total-2026-03")[:4] == ["2026-03", "10,560", "21,120", "+10,560"]
    assert row(page, "total-horizon")[:4] == ["All 3 months", "30,720", "61,440", "+30,720"]
    clinic = row(page, "row-C01-2026-04")
    assert clinic[:4] == ["2026-04", "10,560", "21,120", "+10,560"]
    # no demand: utilization 0 % both sides; all available minutes unutilized
    assert clinic[5] == "0.0 % → 0.0 %"
    assert clinic[6] == "10,560 → 21,120"
    assert "C01 Lakeside" in page and "target band 85.0 % – 95.0 %" in page
    # caps and TNAA are there, and the three charts
    assert re.search(r'<table class="data compact results" id="tnaa">', page)
    for chart in ("available-chart", "utilization-chart", "caps-chart"):
        assert f'plot("{chart}", ' in page
    # the board reads it, with no control to change it
    for control in ('id="run"', 'id="add-change"', 'id="apply"', 'id="delete"', "Remove"):
        assert control not in page
    assert "Out of date" not in page


def test_results_of_an_edited_scenario_are_marked_out_of_date(client, ops_user, lakeside):
    scenario = saved(add_provider(), run=True)
    client.force_login(ops_user)
    client.post(url(scenario, "changes"), form_data("exam_rooms", clinic="C01", rooms="8"))
    page = client.get(url(scenario)).content.decode()
    assert "Out of date — run again." in page
    assert 'id="apply"' not in page
    assert row(page, "total-2026-02")[:4] == ["2026-02", "9,600", "19,200", "+9,600"]
    # the list says so too, and the scenario can still be compared
    listed = client.get(LIST).content.decode()
    assert row(listed, f"scenario-{scenario.pk}")[4] == "Draft out of date"
    assert f'name="ids" value="{scenario.pk}"' in listed


def test_run_queues_the_job_and_the_status_follows_it(
    client, ops_user, lakeside, django_capture_on_commit_callbacks
):
    scenario = saved(add_provider())
    client.force_login(ops_user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url(scenario, "run"))
    assert response.status_code == 302 and len(callbacks) == 1
    scenario.refresh_from_db()
    assert scenario.status == Scenario.Status.QUEUED
    page = client.get(url(scenario)).content.decode()
    assert 'id="running"' in page and "scenario-status" in page
    status = client.get(url(scenario, "status")).json()
    assert status == {"status": "queued", "progress": 0, "done": 0, "total": 0, "problems": []}


def test_a_scenario_with_no_changes_is_not_run(client, ops_user, lakeside):
    scenario = saved()
    client.force_login(ops_user)
    response = client.post(url(scenario, "run"), follow=True)
    assert "Add a change first" in response.content.decode()
    scenario.refresh_from_db()
    assert scenario.status == Scenario.Status.DRAFT


# ---------------------------------------------------------------------------------------------
# Export, import


def test_an_exported_file_imports_as_the_same_scenario(client, marketing_user, lakeside):
    # given
    scenario = saved(
        add_provider(ramp_months=2),
        {"clinic_hours": {"clinic": "C01", "weekdays": ["tue"], "open": "08:00",
                          "close": "19:00", "from": "2026-03-03"}},
        name="Tuesday evenings, and a PA",
    )  # fmt: skip
    client.force_login(marketing_user)
    # when
    exported = client.get(url(scenario, "export"))
    upload = SimpleUploadedFile("x.json", exported.content, content_type="application/json")
    response = client.post(f"{LIST}import/", {"file": upload})
    # then
    assert (
        exported["Content-Disposition"] == 'attachment; filename="tuesday-evenings-and-a-pa.json"'
    )
    assert json.loads(exported.content) == scenario.document
    copy_ = Scenario.objects.exclude(pk=scenario.pk).get()
    assert response.status_code == 302 and response.url == url(copy_)
    assert copy_.document == scenario.document
    assert copy_.created_by == marketing_user


def test_a_bad_file_imports_nothing_and_names_each_problem(client, ops_user, lakeside):
    client.force_login(ops_user)
    document = scenario_file(add_provider(fte=2, clinic="C99"))
    upload = SimpleUploadedFile("bad.json", json.dumps(document).encode())
    response = client.post(f"{LIST}import/", {"file": upload})
    assert response.status_code == 400
    page = response.content.decode()
    assert "changes[0].add_provider.fte: 2 FTE is beyond 1.0" in page
    assert not Scenario.objects.exists()
    not_json = SimpleUploadedFile("bad.json", b"{nope")
    response = client.post(f"{LIST}import/", {"file": not_json})
    assert "not a JSON file" in response.content.decode()


# ---------------------------------------------------------------------------------------------
# Apply


def test_operations_apply_a_scenario_to_the_network(client, ops_user, lakeside):
    # given
    scenario = saved(add_provider(), name="A PA at Lakeside", run=True)
    client.force_login(ops_user)
    page = client.get(url(scenario)).content.decode()
    assert 'id="apply"' in page
    confirm = client.get(url(scenario, "apply")).content.decode()
    assert "scenario: A PA at Lakeside" in confirm
    # when
    response = client.post(url(scenario, "apply"), follow=True)
    # then
    page = response.content.decode()
    assert "Applied “A PA at Lakeside” to the network" in page
    assert 'id="applied"' in page and 'id="add-change"' not in page
    provider = Provider.objects.get(npi=NEW_NPI)
    assert TemplateAssignment.objects.filter(
        provider=provider, clinic__code="C01", template__code="STD"
    ).exists()
    assert NetworkImport.objects.filter(filename="scenario: A PA at Lakeside").exists()


def test_applying_after_the_network_changed_is_refused_naming_the_change(
    client, ops_user, lakeside
):
    # given: the scenario ran, then C01 got two more rooms
    scenario = saved(add_provider(), run=True)
    changed = network_file()
    changed["organizations"][0]["regions"][0]["clinics"][0]["exam_rooms"] = 8
    clinic_services.network_import(document=changed, replan=False)
    client.force_login(ops_user)
    # when
    response = client.post(url(scenario, "apply"), follow=True)
    # then
    page = response.content.decode()
    assert "Not applied: the network changed since this scenario was run" in page
    assert "clinic C01 (Lakeside): exam_rooms 6 → 8 changed" in page
    assert not Provider.objects.filter(npi=NEW_NPI).exists()
    scenario.refresh_from_db()
    assert scenario.status == Scenario.Status.DONE


# ---------------------------------------------------------------------------------------------
# Compare


def test_two_scenarios_are_compared_beside_the_current_plan(client, board_user, lakeside):
    one = saved(add_provider(), name="A PA", run=True)
    two = saved({"exam_rooms": {"clinic": "C02", "rooms": 8}}, name="Rooms at Riverside", run=True)
    client.force_login(board_user)
    page = client.get(f"{LIST}compare/?ids={one.pk}&ids={two.pk}").content.decode()
    first = row(page, f"compared-{one.pk}")
    assert first[0].startswith("A PA C01 2026-02 – 2026-04 Add Pat Lee, PA")
    assert first[1:4] == ["30,720", "61,440", "+30,720 100.0 %"]
    assert row(page, f"compared-{two.pk}")[0].startswith("Rooms at Riverside C02")
    assert "They reach different clinics" in page
    for chart in ("compare-available", "compare-utilization", "compare-caps"):
        assert f'plot("{chart}", ' in page


def test_compare_names_a_scenario_that_was_not_run(client, ops_user, lakeside):
    ran, draft = saved(add_provider(), name="Ran", run=True), saved(name="Not yet")
    client.force_login(ops_user)
    page = client.get(f"{LIST}compare/?ids={ran.pk}&ids={draft.pk}").content.decode()
    assert "“Not yet” has no results yet: run it to compare it." in page
    assert f'id="compared-{ran.pk}"' in page and f'id="compared-{draft.pk}"' not in page


def test_nothing_to_compare_is_explained(client, board_user, lakeside):
    client.force_login(board_user)
    assert "Nothing to compare" in client.get(f"{LIST}compare/").content.decode()


def test_compare_takes_the_first_three(client, ops_user, lakeside):
    ran = [saved(add_provider(), name=f"S{n}", run=True) for n in range(4)]
    client.force_login(ops_user)
    query = "&".join(f"ids={s.pk}" for s in ran)
    page = client.get(f"{LIST}compare/?{query}").content.decode()
    assert "4 scenarios were ticked; up to 3 are compared at once" in page
    assert f'id="compared-{ran[2].pk}"' in page and f'id="compared-{ran[3].pk}"' not in page
    # with the same clinics and months, one current plan
    assert "one current plan is drawn" in page


# ---------------------------------------------------------------------------------------------
# Who may do what


def test_the_board_reads_but_every_write_is_refused(client, board_user, lakeside):
    scenario = saved(add_provider(), run=True)
    before = (
        Scenario.objects.values_list("pk", "document", "status").get(),
        Provider.objects.count(),
    )
    client.force_login(board_user)
    assert client.get(LIST).status_code == 200
    assert client.get(url(scenario)).status_code == 200
    assert client.get(url(scenario, "export")).status_code == 200
    writes = [
        (LIST, {"name": "x", "from": "2026-02", "months": "3"}),
        (f"{LIST}import/", {}),
        (url(scenario), {"name": "x", "from": "2026-02", "months": "3"}),
        (url(scenario, "changes"), form_data("exam_rooms", clinic="C01", rooms="8")),
        (url(scenario, "changes/0/remove"), {}),
        (url(scenario, "run"), {}),
        (url(scenario, "copy"), {}),
        (url(scenario, "delete"), {}),
        (url(scenario, "apply"), {}),
    ]
    for path, data in writes:
        assert client.post(path, data).status_code == 403, path
    assert client.get(url(scenario, "apply")).status_code == 403
    assert client.get(url(scenario, "delete")).status_code == 403
    after = (
        Scenario.objects.values_list("pk", "document", "status").get(),
        Provider.objects.count(),
    )
    assert after == before


def test_marketing_builds_and_runs_but_does_not_apply(client, marketing_user, lakeside):
    scenario = saved(add_provider(), run=True)
    client.force_login(marketing_user)
    page = client.get(url(scenario)).content.decode()
    assert 'id="run"' in page and 'id="add-change"' in page and 'id="apply"' not in page
    assert client.get(url(scenario, "apply")).status_code == 403
    assert client.post(url(scenario, "apply")).status_code == 403
    assert not Provider.objects.filter(npi=NEW_NPI).exists()
    assert client.post(url(scenario, "copy")).status_code == 302
    assert Scenario.objects.count() == 2


def test_without_login_the_pages_send_to_the_login(client, lakeside):
    scenario = saved()
    for path in (LIST, url(scenario), url(scenario, "export"), f"{LIST}compare/"):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_a_scenario_is_deleted_after_confirmation(client, marketing_user, lakeside):
    scenario = saved()
    client.force_login(marketing_user)
    assert "Delete “A PA at Lakeside”?" in client.get(url(scenario, "delete")).content.decode()
    response = client.post(url(scenario, "delete"))
    assert response.status_code == 302 and response.url == LIST
    assert not Scenario.objects.exists()
    assert Clinic.objects.count() == 2
