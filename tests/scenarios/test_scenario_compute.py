"""The scenario engine's pure parts (scenarios/compute.py), with no database: the
scenario file, its changes as a network file, hours refitted onto templates, ramp-up, the
demand forecast and the before/after table. Numbers are worked out by hand."""

from __future__ import annotations

import copy
from datetime import date, time
from typing import Any

import pandas as pd
import pytest

from scenarios import compute
from tests import factories

TODAY = date(2030, 1, 14)  # a Monday; a scenario may start in 2030-01 at the earliest

ABLE, BAKER, COLE, DUNN, EVE, FORD = (factories.valid_npi(n) for n in range(901, 907))
NEW_NPI = factories.valid_npi(950)
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")


# ---------------------------------------------------------------------------------------------
# The small network every scenario test runs on (the database tests import it too)


def _blocks(days: tuple[str, ...], *spans: tuple[str, str, str | None]) -> list[dict[str, Any]]:
    return [
        {"weekday": d, "start": start, "end": end, "visit_type": vt}
        for d in days
        for start, end, vt in spans
    ]


def _provider(npi: str, name: str, credential: str, clinic: str, template: str, weekdays: list):
    return {
        "npi": npi, "name": name, "credential": credential, "service_line": "ORTHO",
        "fte": 1.0, "hired_on": "2029-01-01", "left_on": None,
        "assignments": [{"clinic": clinic, "template": template, "weekdays": weekdays,
                         "from": "2029-01-01", "to": None}],
        "absences": [],
    }  # fmt: skip


def _clinic(code: str, name: str, rooms: int) -> dict[str, Any]:
    return {
        "code": code, "name": name, "timezone": "America/Chicago", "exam_rooms": rooms,
        "rooms_per_provider": 2, "target_utilization": 0.9, "service_lines": ["ORTHO"],
        "hours": {d: ["08:00", "17:00"] for d in WORKDAYS},
    }  # fmt: skip


def network_file() -> dict[str, Any]:
    """Orthopedics with a configured follow-up profile f = [0.5, 0.5] (F = 1): half a follow-up
    in the new patient's month and half the month after. New-patient visits (NP) last 30
    minutes, follow-ups (FU) 15. Every clinic opens 08:00–17:00 on weekdays.

    STD   (Mon, Wed): 08–12 NP (8 slots, 240 min), 12–13 blocked, 13–17 FU (16 slots, 240 min)
    AM    (Mon, Wed): 08–12 FU (240 min)
    LIGHT (Mon):      08–09 NP (2 slots, 60 min), 09–12 FU (180 min)

    C01 Lakeside, 10 rooms (room for 5 providers at once): Able on STD Mon and Wed (480 min a
    day), Baker on AM Mon (240): 720 min a Monday, 480 a Wednesday.
    C02 Hillside, 4 rooms (room for 2): Cole, Dunn and Eve on STD Mon, three at once.
    C03 Riverside, 10 rooms: Ford on LIGHT Mon.

    2030 has 4 Mondays and 4 Wednesdays in February and March; April has 5 Mondays and 4
    Wednesdays; May 4 Mondays and 5 Wednesdays; January 4 Mondays and 5 Wednesdays.
    """
    return {
        "service_lines": [
            {"code": "ORTHO", "name": "Orthopedics", "followup_profile": [0.5, 0.5]},
        ],
        "visit_types": [
            {"code": "ORTHO-FU", "name": "Follow-up", "minutes": 15, "new_patient": False,
             "service_line": "ORTHO", "credentials": ["MD", "DO", "PA", "NP"]},
            {"code": "ORTHO-NP", "name": "New patient", "minutes": 30, "new_patient": True,
             "service_line": "ORTHO", "credentials": ["MD", "DO", "PA", "NP"]},
        ],
        "organizations": [
            {"code": "ACME", "name": "Acme Orthopedics", "regions": [
                {"code": "NORTH", "name": "North", "clinics": [
                    _clinic("C01", "Lakeside", 10), _clinic("C02", "Hillside", 4),
                    _clinic("C03", "Riverside", 10),
                ]},
            ]},
        ],
        "templates": [
            {"code": "AM", "name": "Follow-up mornings",
             "blocks": _blocks(("mon", "wed"), ("08:00", "12:00", "ORTHO-FU"))},
            {"code": "LIGHT", "name": "Few new patients",
             "blocks": _blocks(("mon",), ("08:00", "09:00", "ORTHO-NP"),
                               ("09:00", "12:00", "ORTHO-FU"))},
            {"code": "STD", "name": "Standard day",
             "blocks": _blocks(("mon", "wed"), ("08:00", "12:00", "ORTHO-NP"),
                               ("12:00", "13:00", None), ("13:00", "17:00", "ORTHO-FU"))},
        ],
        "providers": [
            _provider(ABLE, "Dr. Able", "MD", "C01", "STD", ["mon", "wed"]),
            _provider(BAKER, "B. Baker", "PA", "C01", "AM", ["mon"]),
            _provider(COLE, "Dr. Cole", "MD", "C02", "STD", ["mon"]),
            _provider(DUNN, "Dr. Dunn", "MD", "C02", "STD", ["mon"]),
            _provider(EVE, "Dr. Eve", "DO", "C02", "STD", ["mon"]),
            _provider(FORD, "Dr. Ford", "MD", "C03", "LIGHT", ["mon"]),
        ],
        "closures": [],
    }  # fmt: skip


def scenario_file(*changes: dict, first: str = "2030-02", months: int = 3) -> dict[str, Any]:
    return {"name": "What if", "from": first, "months": months, "changes": list(changes)}


def new_provider(**values: Any) -> dict[str, Any]:
    """Dr. New, 1.0 FTE, on STD at C01 on Mondays from 1 February, full from the start."""
    body = {
        "npi": NEW_NPI, "name": "Dr. New", "credential": "MD", "service_line": "ORTHO",
        "fte": 1.0, "clinic": "C01", "template": "STD", "weekdays": ["mon"],
        "start": "2030-02-01", "ramp_months": 0,
    }  # fmt: skip
    return {"add_provider": {**body, **values}}


def problems(document: Any, *, network: dict | None = None) -> dict[str, str]:
    """{path: message} of a scenario file that `read` (and, given a network, `patch`) refuse."""
    with pytest.raises(compute.ScenarioError) as caught:
        scenario = compute.read(document, today=TODAY)
        compute.patch(network if network is not None else network_file(), scenario)
    return dict(caught.value.problems)


def patched(*changes: dict) -> compute.Patch:
    return compute.patch(network_file(), compute.read(scenario_file(*changes), today=TODAY))


def provider_in(patch: compute.Patch, npi: str) -> dict[str, Any]:
    (provider,) = [p for p in patch.document["providers"] if p["npi"] == npi]
    return provider


# ---------------------------------------------------------------------------------------------
# read / write


def test_a_scenario_file_reads_as_python_values_and_writes_back_as_itself():
    # given: every kind of change, as DESIGN §4 writes them
    document = scenario_file(
        new_provider(ramp_months=4),
        {"remove_provider": {"npi": BAKER, "from": "2030-03-01"}},
        {"reduce_provider": {"npi": ABLE, "from": "2030-03-01", "fte": 0.5, "weekdays": ["mon"]}},
        {"clinic_hours": {"clinic": "C01", "weekdays": ["mon"], "open": "08:00",
                          "close": "19:00", "from": "2030-02-01", "visit_type": "ORTHO-FU"}},
        {"exam_rooms": {"clinic": "C02", "rooms": 6}},
        {"swap_template": {"npi": FORD, "clinic": "C03", "template": "STD",
                           "from": "2030-02-01"}},
        {"template": {"code": "NEW", "name": "New template", "blocks": [
            {"weekday": "tue", "start": "08:00", "end": "12:00", "visit_type": "ORTHO-NP"}]}},
        {"target_utilization": {"clinic": "C03", "value": 0.85}},
        months=12,
    )  # fmt: skip
    # when
    scenario = compute.read(document, today=TODAY)
    # then
    assert (scenario.name, scenario.first, scenario.months) == ("What if", "2030-02", 12)
    assert scenario.periods[0] == "2030-02" and scenario.periods[-1] == "2031-01"
    assert scenario.last_day == date(2031, 1, 31)
    assert [c.kind for c in scenario.changes] == [
        "add_provider", "remove_provider", "reduce_provider", "clinic_hours", "exam_rooms",
        "swap_template", "template", "target_utilization",
    ]  # fmt: skip
    assert [c.path for c in scenario.changes][:2] == [
        "changes[0].add_provider",
        "changes[1].remove_provider",
    ]
    add = scenario.changes[0].values
    assert (add["start"], add["weekdays"], add["fte"]) == (date(2030, 2, 1), [0], 1.0)
    hours = scenario.changes[3].values
    assert (hours["open"], hours["close"]) == (time(8), time(19))
    assert compute.write(scenario) == document


def test_ramp_months_default_to_six():
    body = dict(new_provider()["add_provider"])
    del body["ramp_months"]
    scenario = compute.read(scenario_file({"add_provider": body}), today=TODAY)
    assert scenario.changes[0].values["ramp_months"] == compute.DEFAULT_RAMP_MONTHS == 6
    assert "ramping up over 6 months" in scenario.changes[0].describe()


def test_every_change_describes_itself_in_one_line():
    scenario = compute.read(
        scenario_file(
            new_provider(),
            {"exam_rooms": {"clinic": "C02", "rooms": 6}},
            {"target_utilization": {"clinic": "C03", "value": 0.85}},
        ),
        today=TODAY,
    )
    assert [c.describe() for c in scenario.changes] == [
        "Add Dr. New (MD, 1.0 FTE) at C01 on mon with STD from 2030-02-01",
        "C02 with 6 exam rooms",
        "C03 target utilization 85%",
    ]


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (new_provider(start="2030-01-13"), "changes[0].add_provider.start", "before today"),
        (new_provider(start="2030-05-01"), "changes[0].add_provider.start", "after the scenario"),
        (new_provider(fte=1.5), "changes[0].add_provider.fte", "beyond 1.0"),
        (new_provider(fte=0), "changes[0].add_provider.fte", "above 0"),
        (new_provider(npi="1234567890"), "changes[0].add_provider.npi", "not a valid"),
        (new_provider(weekdays=[]), "changes[0].add_provider.weekdays", "non-empty"),
        (new_provider(ramp_months=-1), "changes[0].add_provider.ramp_months", "expected 0"),
        ({"exam_rooms": {"clinic": "C01", "rooms": -1}}, "changes[0].exam_rooms.rooms",
         "below zero"),
        ({"target_utilization": {"clinic": "C01", "value": 1.2}},
         "changes[0].target_utilization.value", "at most 1"),
        ({"remove_provider": {"npi": ABLE, "from": "2030-01-01"}},
         "changes[0].remove_provider.from", "before today"),
        ({"clinic_hours": {"clinic": "C01", "weekdays": ["mon"], "open": "17:00",
                           "close": "08:00", "from": "2030-02-01"}},
         "changes[0].clinic_hours.close", "close after it opens"),
        ({"template": {"code": "X", "name": "X", "blocks": [
            {"weekday": "mon", "start": "08:00", "end": "12:00", "visit_type": "ORTHO-NP"},
            {"weekday": "mon", "start": "11:00", "end": "13:00", "visit_type": "ORTHO-FU"}]}},
         "changes[0].template.blocks[1].start", "overlaps"),
        ({"exam_rooms": {"clinic": "C01"}}, "changes[0].exam_rooms.rooms", "missing"),
        ({"exam_rooms": {"clinic": "C01", "rooms": 4, "floor": 2}},
         "changes[0].exam_rooms.floor", "unknown key"),
        ({"hire": {"npi": ABLE}}, "changes[0]", "one of add_provider"),
    ],
)  # fmt: skip
def test_bad_changes_are_refused_naming_their_path(change, path, words):
    found = problems(scenario_file(change))
    assert path in found, found
    assert words in found[path]


@pytest.mark.parametrize(
    ("document", "path", "words"),
    [
        (scenario_file(first="2029-12"), "from", "before this month"),
        (scenario_file(first="2030-13"), "from", "YYYY-MM"),
        (scenario_file(months=0), "months", "1 to 24"),
        (scenario_file(months=25), "months", "1 to 24"),
        ({"name": "x", "from": "2030-02", "months": 3}, "changes", "missing"),
    ],
)
def test_a_bad_scenario_header_is_refused_naming_its_key(document, path, words):
    found = problems(document)
    assert path in found, found
    assert words in found[path]


def test_every_problem_is_reported_at_once():
    found = problems(
        scenario_file(
            new_provider(fte=2),
            {"exam_rooms": {"clinic": "C01", "rooms": -3}},
            new_provider(start="2030-01-01"),
        )
    )
    assert list(found) == [
        "changes[0].add_provider.fte", "changes[1].exam_rooms.rooms",
        "changes[2].add_provider.start",
    ]  # fmt: skip


# ---------------------------------------------------------------------------------------------
# patch: the changes as a network file of the records they touch


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (new_provider(clinic="C99"), "changes[0].add_provider.clinic", "unknown clinic"),
        (new_provider(template="NOPE"), "changes[0].add_provider.template", "unknown template"),
        (new_provider(service_line="SPINE"), "changes[0].add_provider.service_line",
         "unknown service line"),
        (new_provider(npi=ABLE), "changes[0].add_provider.npi", "already in the network"),
        ({"remove_provider": {"npi": NEW_NPI, "from": "2030-02-01"}},
         "changes[0].remove_provider.npi", "no provider"),
        ({"reduce_provider": {"npi": ABLE, "from": "2030-02-01", "fte": 1.0}},
         "changes[0].reduce_provider.fte", "must be lower"),
        ({"swap_template": {"npi": FORD, "clinic": "C03", "template": "NOPE",
                            "from": "2030-02-01"}}, "changes[0].swap_template.template",
         "unknown template"),
        ({"swap_template": {"npi": FORD, "clinic": "C01", "template": "STD",
                            "from": "2030-02-01"}}, "changes[0].swap_template.clinic",
         "no assignment at C01"),
        ({"exam_rooms": {"clinic": "C99", "rooms": 4}}, "changes[0].exam_rooms.clinic",
         "unknown clinic"),
        ({"clinic_hours": {"clinic": "C01", "weekdays": ["mon"], "open": "08:00",
                           "close": "18:00", "from": "2030-02-01", "visit_type": "NOPE"}},
         "changes[0].clinic_hours.visit_type", "unknown visit type"),
        ({"template": {"code": "X", "name": "X", "blocks": [
            {"weekday": "mon", "start": "08:00", "end": "12:00", "visit_type": "NOPE"}]}},
         "changes[0].template.blocks[0].visit_type", "unknown visit type"),
    ],
)  # fmt: skip
def test_references_that_do_not_hold_are_refused_naming_their_path(change, path, words):
    found = problems(scenario_file(change))
    assert path in found, found
    assert words in found[path]


def test_patch_never_edits_the_network_file_it_is_given():
    doc = network_file()
    before = copy.deepcopy(doc)
    compute.patch(
        doc,
        compute.read(
            scenario_file(
                new_provider(), {"exam_rooms": {"clinic": "C01", "rooms": 2}},
                {"remove_provider": {"npi": ABLE, "from": "2030-03-01"}},
            ),
            today=TODAY,
        ),
    )  # fmt: skip
    assert doc == before


def test_an_added_provider_is_the_only_record_in_the_patch():
    # when
    patch = patched(new_provider(ramp_months=4))
    # then: one provider, hired on their start, one open assignment; no clinic record, and C01
    # is reached through the assignment
    assert patch.document["providers"] == [
        {"npi": NEW_NPI, "name": "Dr. New", "credential": "MD", "service_line": "ORTHO",
         "fte": 1.0, "hired_on": "2030-02-01", "left_on": None,
         "assignments": [{"clinic": "C01", "template": "STD", "weekdays": ["mon"],
                          "from": "2030-02-01", "to": None}], "absences": []},
    ]  # fmt: skip
    assert patch.document["organizations"] == [] and patch.document["templates"] == []
    assert patch.clinics == ["C01"]
    assert patch.ramps == [compute.Ramp(npi=NEW_NPI, start=date(2030, 2, 1), months=4)]
    # a problem the network file's import finds there is blamed on the change that made it
    assert patch.problem_path("providers[0].assignments[0].weekdays") == (
        "changes[0].add_provider",
        "assignments[0].weekdays",
    )


def test_a_provider_added_at_full_supply_has_no_ramp():
    assert patched(new_provider(ramp_months=0)).ramps == []


def test_removing_a_provider_ends_employment_and_assignments_the_day_before():
    patch = patched({"remove_provider": {"npi": BAKER, "from": "2030-02-18"}})
    baker = provider_in(patch, BAKER)
    assert baker["left_on"] == "2030-02-17"
    assert [(a["from"], a["to"]) for a in baker["assignments"]] == [("2029-01-01", "2030-02-17")]
    assert patch.clinics == ["C01"]


def test_reducing_a_provider_to_fewer_weekdays_splits_the_assignment():
    patch = patched(
        {"reduce_provider": {"npi": ABLE, "from": "2030-03-01", "fte": 0.5, "weekdays": ["mon"]}}
    )
    able = provider_in(patch, ABLE)
    assert able["fte"] == 0.5
    assert [(a["weekdays"], a["from"], a["to"]) for a in able["assignments"]] == [
        (["mon", "wed"], "2029-01-01", "2030-02-28"),
        (["mon"], "2030-03-01", None),
    ]


def test_swapping_a_template_splits_the_assignment_at_the_date():
    patch = patched(
        {"swap_template": {"npi": ABLE, "clinic": "C01", "template": "AM", "from": "2030-03-01"}}
    )
    assert [(a["template"], a["from"], a["to"]) for a in provider_in(patch, ABLE)["assignments"]] == [
        ("STD", "2029-01-01", "2030-02-28"),
        ("AM", "2030-03-01", None),
    ]  # fmt: skip
    assert patch.clinics == ["C01"]


def test_a_clinic_change_lists_that_clinic_alone_under_its_organization_and_region():
    patch = patched(
        {"exam_rooms": {"clinic": "C02", "rooms": 6}},
        {"target_utilization": {"clinic": "C02", "value": 0.8}},
    )
    (org,) = patch.document["organizations"]
    (region,) = org["regions"]
    assert [(c["code"], c["exam_rooms"], c["target_utilization"]) for c in region["clinics"]] == [
        ("C02", 6, 0.8)
    ]
    assert patch.document["providers"] == [] and patch.clinics == ["C02"]
    # the later change on the same record is the one a problem there is blamed on
    assert patch.problem_path("organizations[0].regions[0].clinics[0].exam_rooms") == (
        "changes[1].target_utilization",
        "exam_rooms",
    )


def test_editing_a_template_reaches_every_clinic_that_works_it():
    # STD is worked at C01 (Able) and C02 (Cole, Dunn, Eve)
    patch = patched(
        {"template": {"code": "STD", "name": "Standard day", "blocks": [
            {"weekday": "mon", "start": "08:00", "end": "10:00", "visit_type": "ORTHO-NP"}]}}
    )  # fmt: skip
    assert [t["code"] for t in patch.document["templates"]] == ["STD"]
    assert patch.clinics == ["C01", "C02"]


def test_changes_apply_in_order():
    # given: a template created, then a provider added on it, then removed again
    patch = patched(
        {"template": {"code": "EVE", "name": "Evenings", "blocks": [
            {"weekday": "tue", "start": "13:00", "end": "17:00", "visit_type": "ORTHO-FU"}]}},
        new_provider(template="EVE", weekdays=["tue"]),
        {"remove_provider": {"npi": NEW_NPI, "from": "2030-03-01"}},
    )  # fmt: skip
    new = provider_in(patch, NEW_NPI)
    assert (new["left_on"], new["assignments"][0]["to"]) == ("2030-02-28", "2030-02-28")
    assert patch.problem_path("providers[0].left_on")[0] == "changes[2].remove_provider"
    # a provider removed before the change that adds them is unknown
    found = problems(
        scenario_file({"remove_provider": {"npi": NEW_NPI, "from": "2030-03-01"}}, new_provider())
    )
    assert list(found) == ["changes[0].remove_provider.npi"]


def test_extending_clinic_hours_derives_a_template_for_the_clinic_from_the_date():
    # given: C01 stays open to 19:00 on Mondays from 1 February
    patch = patched(
        {"clinic_hours": {"clinic": "C01", "weekdays": ["mon"], "open": "08:00",
                          "close": "19:00", "from": "2030-02-01"}}
    )  # fmt: skip
    # then: STD gets a C01 version whose Monday runs to 19:00 (Able's day reached 17:00); AM
    # (Baker's mornings) is unchanged, so Baker's assignment is not touched; C02's STD stays
    (derived,) = patch.document["templates"]
    assert derived["code"] == "STD-C01"
    mondays = [(b["start"], b["end"], b["visit_type"]) for b in derived["blocks"]
               if b["weekday"] == "mon"]  # fmt: skip
    assert mondays == [
        ("08:00", "12:00", "ORTHO-NP"), ("12:00", "13:00", None), ("13:00", "17:00", "ORTHO-FU"),
        ("17:00", "19:00", "ORTHO-FU"),
    ]  # fmt: skip
    assert [p["npi"] for p in patch.document["providers"]] == [ABLE]
    assert [(a["template"], a["from"], a["to"]) for a in provider_in(patch, ABLE)["assignments"]] == [
        ("STD", "2029-01-01", "2030-01-31"),
        ("STD-C01", "2030-02-01", None),
    ]  # fmt: skip
    (clinic,) = patch.document["organizations"][0]["regions"][0]["clinics"]
    assert clinic["hours"]["mon"] == ["08:00", "19:00"]
    assert clinic["hours"]["tue"] == ["08:00", "17:00"]
    assert patch.clinics == ["C01"]


# ---------------------------------------------------------------------------------------------
# hours_blocks


STD_MONDAY = _blocks(
    ("mon",), ("08:00", "12:00", "ORTHO-NP"), ("12:00", "13:00", None),
    ("13:00", "17:00", "ORTHO-FU"),
)  # fmt: skip
WEDNESDAY = _blocks(("wed",), ("08:00", "12:00", "ORTHO-NP"))


def spans(blocks: list[dict]) -> list[tuple]:
    return [(b["weekday"], b["start"], b["end"], b["visit_type"]) for b in blocks]


def test_a_later_close_extends_the_block_that_reached_the_old_close():
    out = compute.hours_blocks(
        STD_MONDAY + WEDNESDAY, "mon", ("08:00", "17:00"), ("08:00", "19:00"), None
    )
    # 17:00–19:00 of follow-ups (the 13–17 block's type): 120 more minutes; Wednesday untouched
    assert spans(out) == [
        ("mon", "08:00", "12:00", "ORTHO-NP"), ("mon", "12:00", "13:00", None),
        ("mon", "13:00", "17:00", "ORTHO-FU"), ("mon", "17:00", "19:00", "ORTHO-FU"),
        ("wed", "08:00", "12:00", "ORTHO-NP"),
    ]  # fmt: skip


def test_the_new_time_takes_the_visit_type_asked_for():
    out = compute.hours_blocks(
        STD_MONDAY, "mon", ("08:00", "17:00"), ("07:00", "18:00"), "ORTHO-NP"
    )
    assert spans(out) == [
        ("mon", "07:00", "08:00", "ORTHO-NP"), ("mon", "08:00", "12:00", "ORTHO-NP"),
        ("mon", "12:00", "13:00", None), ("mon", "13:00", "17:00", "ORTHO-FU"),
        ("mon", "17:00", "18:00", "ORTHO-NP"),
    ]  # fmt: skip


def test_an_earlier_opening_extends_the_block_that_started_at_the_old_opening():
    out = compute.hours_blocks(STD_MONDAY, "mon", ("08:00", "17:00"), ("07:00", "17:00"), None)
    assert spans(out)[0] == ("mon", "07:00", "08:00", "ORTHO-NP")
    assert len(out) == 4


def test_a_provider_whose_day_ended_before_closing_keeps_their_day():
    mornings = _blocks(("mon",), ("08:00", "12:00", "ORTHO-FU"))
    assert compute.hours_blocks(mornings, "mon", ("08:00", "17:00"), ("08:00", "19:00"), None) == (
        mornings
    )


def test_a_day_ending_in_blocked_time_at_the_close_works_on_in_its_nearest_visit_type():
    # the provider is at the clinic until 17:00 (admin time from 16:00): 17–19 of follow-ups
    day = _blocks(("mon",), ("08:00", "16:00", "ORTHO-FU"), ("16:00", "17:00", None))
    out = compute.hours_blocks(day, "mon", ("08:00", "17:00"), ("08:00", "19:00"), None)
    assert spans(out) == [*spans(day), ("mon", "17:00", "19:00", "ORTHO-FU")]


def test_a_day_of_blocked_time_only_is_not_extended():
    day = _blocks(("mon",), ("08:00", "17:00", None))
    assert compute.hours_blocks(day, "mon", ("08:00", "17:00"), ("07:00", "19:00"), None) == day


def test_shorter_hours_clip_the_blocks_and_drop_those_outside():
    # 09:00–12:30: NP 09–12 (was 08–12), lunch 12–12:30, the afternoon's follow-ups gone
    out = compute.hours_blocks(STD_MONDAY, "mon", ("08:00", "17:00"), ("09:00", "12:30"), None)
    assert spans(out) == [("mon", "09:00", "12:00", "ORTHO-NP"), ("mon", "12:00", "12:30", None)]


def test_a_day_the_clinic_was_closed_is_only_cut_to_the_new_hours():
    out = compute.hours_blocks(STD_MONDAY, "mon", None, ("08:00", "19:00"), None)
    assert spans(out) == spans(STD_MONDAY)


# ---------------------------------------------------------------------------------------------
# Ramp-up


@pytest.mark.parametrize(
    ("period", "factor"),
    [("2030-01", 0.0), ("2030-02", 0.25), ("2030-03", 0.5), ("2030-04", 0.75),
     ("2030-05", 1.0), ("2031-02", 1.0)],
)  # fmt: skip
def test_a_ramp_scales_supply_k_over_n_in_its_kth_month(period, factor):
    # a start in mid-February still makes February the first month of four
    assert compute.Ramp(NEW_NPI, date(2030, 2, 15), 4).factor(period) == factor


def test_no_ramp_is_full_supply_from_the_start():
    assert compute.Ramp(NEW_NPI, date(2030, 2, 1), 0).factor("2030-02") == 1.0
    assert compute.Ramp(NEW_NPI, date(2030, 2, 1), 1).factor("2030-02") == 1.0


def test_a_ramping_provider_weighs_their_share_in_minutes_and_at_the_rooms():
    # given: a clinic with room for one provider at a time. On 4 February the ramping provider
    # 1 (1/4 in February) and provider 2 both see patients 08:00–08:30; on 4 March and 3 June
    # provider 1 is alone there.
    slots = pd.DataFrame(
        {
            "clinic_id": [1, 1, 1, 1],
            "provider_id": [1, 2, 1, 1],
            "date": pd.to_datetime(["2030-02-04", "2030-02-04", "2030-03-04", "2030-06-03"]),
            "start_minute": [480, 480, 480, 480],
            "end_minute": [510, 510, 510, 510],
            "minutes": [30, 30, 30, 30],
            "available_minutes": [15.0, 15.0, 30.0, 30.0],  # bound without the ramp
            "available_slots": [0.5, 0.5, 1.0, 1.0],
        }
    )
    rooms = pd.DataFrame({"clinic_id": [1], "room_capacity": [1.0]})
    out = compute.ramp_slots(slots, {1: compute.Ramp(NEW_NPI, date(2030, 2, 1), 4)}, rooms)
    # then: in February 1.25 providers share one room, each minute counts 1 ÷ 1.25 = 0.8:
    # provider 2 gets 30 × 0.8 = 24, provider 1 a quarter of that, 6 (together the room's 30).
    # March: 2/4 of 30 alone; June: full.
    assert list(out["available_minutes"]) == pytest.approx([6.0, 24.0, 15.0, 30.0])
    assert list(out["available_slots"]) == pytest.approx([0.2, 0.8, 0.5, 1.0])
    assert list(slots["available_minutes"]) == [15.0, 15.0, 30.0, 30.0]  # not edited in place
    assert "weight" not in out
    assert compute.ramp_slots(slots, {}, rooms) is slots


# ---------------------------------------------------------------------------------------------
# Demand forecast and the before/after table


def test_the_forecast_is_the_booked_minutes_or_the_trailing_three_month_mean_if_more():
    held = pd.DataFrame(
        [("C01", "2029-09", 9000.0), ("C01", "2029-10", 300.0), ("C01", "2029-11", 600.0),
         ("C01", "2029-12", 900.0), ("C01", "2030-01", 5000.0), ("C01", "2030-02", 800.0),
         ("C02", "2029-12", 90.0)],
        columns=["clinic_id", "period", "minutes"],
    )  # fmt: skip
    # when: planning February and March from January
    out = compute.demand_forecast(held, ["2030-02", "2030-03"], "2030-01")
    # then: C01's base is (300 + 600 + 900) / 3 = 600 (September and January are outside the
    # three complete months before January); February has 800 booked, more than 600.
    # C02's base is 90 / 3 = 30.
    assert out.to_dict("records") == [
        {"clinic_id": "C01", "period": "2030-02", "booked": 800.0, "forecast": 800.0},
        {"clinic_id": "C01", "period": "2030-03", "booked": 0.0, "forecast": 600.0},
        {"clinic_id": "C02", "period": "2030-02", "booked": 0.0, "forecast": 30.0},
        {"clinic_id": "C02", "period": "2030-03", "booked": 0.0, "forecast": 30.0},
    ]


def test_without_history_the_forecast_is_empty():
    held = pd.DataFrame(columns=["clinic_id", "period", "minutes"])
    assert compute.demand_forecast(held, ["2030-02"], "2030-01").empty


def figures(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(
        rows,
        columns=["clinic", "period", "available_minutes", "forecast_minutes", "np_cap", "binding"],
    )


def test_result_rows_hold_demand_at_the_forecast_over_each_supply():
    current = figures(
        [("C01", "2030-02", 1000.0, 900.0, 10, "np_slots"),
         ("C01", "2030-03", 0.0, 100.0, 0, "np_slots")]
    )  # fmt: skip
    scenario = figures(
        [("C01", "2030-02", 1500.0, 900.0, 14, "sustainable"),
         ("C01", "2030-03", 400.0, 100.0, 3, "np_slots")]
    )  # fmt: skip
    # when
    rows = compute.result_rows(current, scenario).to_dict("records")
    # then: Feb 900/1000 = 0.9 → 900/1500 = 0.6; unutilized 100 → 600;
    # Mar: no supply is no utilization (n/a, not 0); 100 forecast on 400 leaves 300
    feb, mar = rows
    assert feb["utilization_current"] == pytest.approx(0.9)
    assert feb["utilization_scenario"] == pytest.approx(0.6)
    assert feb["utilization_change"] == pytest.approx(-0.3)
    assert (feb["unutilized_minutes_current"], feb["unutilized_minutes_scenario"]) == (100, 600)
    assert (feb["available_minutes_change"], feb["unutilized_minutes_change"]) == (500, 500)
    assert (feb["np_cap_change"], feb["binding_scenario"]) == (4, "sustainable")
    assert feb["forecast_minutes"] == 900
    assert pd.isna(mar["utilization_current"]) and pd.isna(mar["utilization_change"])
    assert mar["utilization_scenario"] == pytest.approx(0.25)
    assert (mar["unutilized_minutes_current"], mar["unutilized_minutes_scenario"]) == (0, 300)


def test_utilization_above_one_is_shown_not_clipped():
    rows = compute.result_rows(
        figures([("C01", "2030-02", 1000.0, 1200.0, 0, "np_slots")]),
        figures([("C01", "2030-02", 800.0, 1200.0, 0, "np_slots")]),
    ).to_dict("records")
    assert rows[0]["utilization_current"] == pytest.approx(1.2)
    assert rows[0]["utilization_scenario"] == pytest.approx(1.5)
    assert rows[0]["unutilized_minutes_scenario"] == 0


# ---------------------------------------------------------------------------------------------
# network_changes


def test_the_same_network_has_no_changes():
    assert compute.network_changes(network_file(), network_file()) == []


def test_network_changes_name_each_record_and_field():
    after = network_file()
    after["organizations"][0]["regions"][0]["clinics"][0]["exam_rooms"] = 12
    after["templates"][2]["blocks"].pop()
    after["providers"].append(
        _provider(NEW_NPI, "Dr. New", "MD", "C01", "AM", ["wed"])
    )  # fmt: skip
    del after["providers"][1]
    after["closures"].append({"clinic": "C03", "date": "2030-05-27", "reason": "Holiday"})
    assert compute.network_changes(network_file(), after) == [
        "clinic C01 (Lakeside): exam_rooms 10 → 12 changed",
        "closures at C03: added",
        f"provider {BAKER} (B. Baker): removed",
        f"provider {NEW_NPI} (Dr. New): added",
        "template STD (Standard day): blocks changed",
    ]
