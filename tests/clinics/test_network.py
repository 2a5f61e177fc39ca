"""The network file: round trips, updates in place, JSON-path errors, all or nothing."""

import copy
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from clinics import demo, network, selectors, services
from clinics.models import (
    Clinic,
    ClinicHours,
    Closure,
    Organization,
    Provider,
    ProviderAbsence,
    Region,
    ScheduleTemplate,
    ServiceLine,
    TemplateAssignment,
    TemplateBlock,
    VisitType,
)

MODELS = (
    ServiceLine, VisitType, Organization, Region, Clinic, ClinicHours, ScheduleTemplate,
    TemplateBlock, Provider, TemplateAssignment, ProviderAbsence, Closure,
)  # fmt: skip

# The example of DESIGN §4, verbatim.
DESIGN_EXAMPLE = {
    "service_lines": [{"code": "ORTHO", "name": "Orthopedics", "followup_profile": [0.6, 0.9, 0.4]}],
    "visit_types": [{"code": "ORTHO-NP", "name": "New patient", "minutes": 30,
                     "new_patient": True, "service_line": "ORTHO",
                     "credentials": ["MD", "DO", "PA"]}],
    "organizations": [{"code": "ACME", "name": "Acme Orthopedics", "regions": [
        {"code": "NORTH", "name": "North", "clinics": [
            {"code": "C01", "name": "Lakeside", "timezone": "America/Chicago",
             "exam_rooms": 6, "rooms_per_provider": 2, "target_utilization": 0.9,
             "service_lines": ["ORTHO"],
             "hours": {"mon": ["08:00", "17:00"], "tue": ["08:00", "17:00"]}}]}]}],
    "templates": [{"code": "ORTHO-STD", "name": "Orthopedics standard day",
                   "blocks": [{"weekday": "mon", "start": "08:00", "end": "12:00",
                               "visit_type": "ORTHO-NP"},
                              {"weekday": "mon", "start": "12:00", "end": "13:00",
                               "visit_type": None}]}],
    "providers": [{"npi": "1234567893", "name": "Dr. A. Rivera",
                   "credential": "MD", "service_line": "ORTHO", "fte": 1.0,
                   "hired_on": "2023-01-01", "left_on": None,
                   "assignments": [{"clinic": "C01", "template": "ORTHO-STD",
                                    "weekdays": ["mon"], "from": "2024-01-01",
                                    "to": None}],
                   "absences": [{"from": "2024-07-01", "to": "2024-07-05",
                                 "reason": "PTO"}]}],
    "closures": [{"clinic": "C01", "date": "2024-07-04", "reason": "Holiday"}],
}  # fmt: skip


def example():
    return copy.deepcopy(DESIGN_EXAMPLE)


def row_counts():
    return {m.__name__: m.objects.count() for m in MODELS}


def snapshot():
    return network.export(selectors.network_document())


def problems_of(document):
    with pytest.raises(network.NetworkFileError) as caught:
        services.network_import(document=document)
    return caught.value.problems


@pytest.mark.django_db
def test_the_design_example_imports_and_exports_as_itself():
    # when
    summary = services.network_import(document=example())
    # then: one of each, and the export is the document we gave, key for key
    assert summary["providers"] == {"created": 1}
    assert summary["clinic_hours"] == {"created": 2}
    assert json.loads(snapshot()) == DESIGN_EXAMPLE
    provider = Provider.objects.get()
    assert provider.home_clinic.code == "C01"
    assert TemplateBlock.objects.filter(visit_type__isnull=True).count() == 1


@pytest.mark.django_db
def test_export_import_export_is_byte_identical_for_the_demo_network():
    services.network_import(document=demo.demo_network(clinics=5, seed=3, today=date(2026, 11, 23)))
    first = snapshot()
    # when
    summary = services.network_import(document=json.loads(first))
    # then
    assert snapshot() == first
    assert all(set(counts) == {"unchanged"} for counts in summary.values()), summary


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing():
    services.network_import(document=example())
    ids = {m.__name__: sorted(m.objects.values_list("pk", flat=True)) for m in MODELS}
    versions = list(ScheduleTemplate.objects.values_list("version", flat=True))
    # when
    summary = services.network_import(document=example())
    # then: no row was rewritten, replaced or re-versioned
    assert {m.__name__: sorted(m.objects.values_list("pk", flat=True)) for m in MODELS} == ids
    assert list(ScheduleTemplate.objects.values_list("version", flat=True)) == versions
    assert summary["assignments"] == {"unchanged": 1}


@pytest.mark.django_db
def test_reimport_updates_in_place_by_code_and_npi():
    services.network_import(document=example())
    clinic_pk = Clinic.objects.get().pk
    doc = example()
    clinic = doc["organizations"][0]["regions"][0]["clinics"][0]
    clinic["exam_rooms"] = 8
    clinic["hours"]["wed"] = ["07:30", "16:00"]
    doc["providers"][0]["fte"] = 0.8
    doc["providers"][0]["absences"] = []
    # when
    summary = services.network_import(document=doc)
    # then
    clinic = Clinic.objects.get()
    assert (clinic.pk, clinic.exam_rooms) == (clinic_pk, 8)
    assert clinic.hours.count() == 3
    assert str(Provider.objects.get(npi="1234567893").fte) == "0.80"
    assert ProviderAbsence.objects.count() == 0
    assert summary["clinics"] == {"updated": 1}
    assert summary["absences"] == {"deleted": 1}


@pytest.mark.django_db
def test_changing_a_templates_blocks_raises_its_version():
    services.network_import(document=example())
    doc = example()
    doc["templates"][0]["blocks"][0]["end"] = "11:30"
    # when
    services.network_import(document=doc)
    # then
    template = ScheduleTemplate.objects.get()
    assert template.version == 2
    assert [b.end.strftime("%H:%M") for b in template.blocks.order_by("start")] == [
        "11:30",
        "13:00",
    ]


@pytest.mark.django_db
def test_a_dry_run_validates_and_writes_nothing():
    summary = services.network_import(document=example(), dry_run=True)
    assert summary["clinics"] == {"created": 1}
    assert set(row_counts().values()) == {0}


@pytest.mark.django_db
def test_shape_errors_name_the_json_path_and_change_nothing():
    # given: a valid network, then a file with one mistake of each kind
    services.network_import(document=example())
    before = snapshot()
    doc = example()
    doc["visit_types"][0]["minutes"] = "30"
    doc["visit_types"][0]["colour"] = "red"
    del doc["organizations"][0]["regions"][0]["clinics"][0]["timezone"]
    doc["organizations"][0]["regions"][0]["clinics"][0]["hours"]["monday"] = ["08:00", "17:00"]
    doc["templates"][0]["blocks"][1]["weekday"] = "Mon"
    doc["providers"][0]["hired_on"] = "01/01/2023"
    doc["providers"][0]["assignments"][0]["weekdays"] = []
    doc["closures"][0]["date"] = "2024-02-30"
    # when
    problems = problems_of(doc)
    # then
    assert problems == [
        ("visit_types[0].colour", "unknown key; expected one of code, name, minutes, new_patient, "
         "service_line, credentials"),
        ("visit_types[0].minutes", "expected a whole number, got '30'"),
        ("organizations[0].regions[0].clinics[0].timezone",
         "missing (write null where there is no value)"),
        ("organizations[0].regions[0].clinics[0].hours.monday",
         "expected one of mon, tue, wed, thu, fri, sat, sun"),
        ("templates[0].blocks[1].weekday",
         "expected one of mon, tue, wed, thu, fri, sat, sun, got 'Mon'"),
        ("providers[0].assignments[0].weekdays",
         'expected a non-empty list of weekdays such as ["mon", "wed"]'),
        ("providers[0].hired_on", "expected a date YYYY-MM-DD, got '01/01/2023'"),
        ("closures[0].date", "expected a date YYYY-MM-DD, got '2024-02-30'"),
    ]  # fmt: skip
    assert snapshot() == before


def _second_provider(npi="1245319599", credential="PA", clinic="C01", days=("mon",)):
    return {
        "npi": npi, "name": "Pat Lee", "credential": credential, "service_line": "ORTHO",
        "fte": 0.5, "hired_on": "2024-01-01", "left_on": None,
        "assignments": [{"clinic": clinic, "template": "ORTHO-STD", "weekdays": list(days),
                         "from": "2024-01-01", "to": None}],
        "absences": [],
    }  # fmt: skip


@pytest.mark.django_db
def test_rule_errors_name_the_json_path_and_change_nothing():
    services.network_import(document=example())
    before, counts = snapshot(), row_counts()
    doc = example()
    doc["organizations"][0]["regions"][0]["clinics"].append(
        {**doc["organizations"][0]["regions"][0]["clinics"][0], "code": "C02", "name": "Hillside"}
    )
    # a second visit type only physicians may see, on Tuesday
    doc["visit_types"].append(
        {"code": "ORTHO-FU", "name": "Follow-up", "minutes": 15, "new_patient": False,
         "service_line": "ORTHO", "credentials": ["MD", "DO", "PA"]}
    )  # fmt: skip
    blocks = doc["templates"][0]["blocks"]
    blocks.append({"weekday": "tue", "start": "08:00", "end": "09:10", "visit_type": "ORTHO-FU"})
    blocks.append({"weekday": "mon", "start": "12:30", "end": "14:00", "visit_type": None})
    rivera = doc["providers"][0]
    rivera["fte"] = 1.5
    rivera["assignments"].append(
        {"clinic": "C02", "template": "ORTHO-STD", "weekdays": ["mon"], "from": "2024-06-01",
         "to": None}
    )  # fmt: skip
    doc["providers"].append(_second_provider(npi="1234567890"))
    doc["providers"].append(_second_provider(npi="1003000126", clinic="C09"))
    doc["closures"].append({"clinic": "C01", "date": "2024-07-04", "reason": "again"})
    # when
    problems = problems_of(doc)
    # then
    assert problems == [
        ("templates[0].blocks[2].end",
         "lasts 70 minutes, not a whole number of 15-minute ORTHO-FU slots"),
        ("templates[0].blocks[3].start", "overlaps the block mon 12:00–13:00"),
        ("providers[0].fte", "FTE 1.5 is outside (0, 1]: above 0 and at most 1.0"),
        ("providers[1].npi",
         "'1234567890' is not a valid NPI (10 digits, Luhn check on the 80840 prefix)"),
        ("providers[2].assignments[0].clinic", "unknown clinic 'C09'"),
        ("closures[1].date", "C01 is already closed on 2024-07-04 by closures[0]"),
    ]  # fmt: skip
    assert snapshot() == before
    assert row_counts() == counts


@pytest.mark.django_db
def test_assignment_rules_name_the_json_path():
    services.network_import(document=example())
    doc = example()
    clinic = doc["organizations"][0]["regions"][0]["clinics"][0]
    doc["organizations"][0]["regions"][0]["clinics"].append({**clinic, "code": "C02"})
    doc["providers"][0]["assignments"].append(
        {"clinic": "C02", "template": "ORTHO-STD", "weekdays": ["mon"], "from": "2024-06-01",
         "to": None}
    )  # fmt: skip
    doc["providers"].append(_second_provider(npi="1245319599", credential="NP"))
    doc["providers"].append(_second_provider(npi="1003000126", credential="PA", days=("tue",)))
    # when
    problems = problems_of(doc)
    # then: Rivera at C01 and C02 on Monday mornings; an NP on new-patient slots; no Tuesday
    assert problems == [
        ("providers[0].assignments[1].weekdays",
         "the provider would be in two places at once: overlaps the assignment at C01 "
         "(ORTHO-STD) on mon 08:00–12:00 from 2024-01-01"),
        ("providers[1].assignments[0].template",
         "template ORTHO-STD has visit types a NP may not see: ORTHO-NP"),
        ("providers[2].assignments[0].weekdays", "template ORTHO-STD has no blocks on tue"),
    ]  # fmt: skip


@pytest.mark.django_db
def test_a_file_that_is_not_an_object_is_refused():
    assert problems_of([]) == [("", "expected an object, got a list")]


@pytest.mark.django_db
def test_import_network_command_prints_each_problem_and_exits_nonzero(tmp_path, capsys):
    doc = example()
    doc["providers"][0]["npi"] = "1234567890"
    path = tmp_path / "network.json"
    path.write_text(json.dumps(doc))
    # when
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_network", str(path))
    # then
    assert "providers[0].npi: '1234567890' is not a valid NPI" in capsys.readouterr().err
    assert Clinic.objects.count() == 0


@pytest.mark.django_db
def test_import_and_export_commands_round_trip(tmp_path):
    source = tmp_path / "in.json"
    source.write_text(json.dumps(DESIGN_EXAMPLE))
    call_command("import_network", str(source))
    out = tmp_path / "out.json"
    call_command("export_network", "--output", str(out))
    call_command("import_network", str(out))
    again = tmp_path / "again.json"
    call_command("export_network", "--output", str(again))
    assert out.read_bytes() == again.read_bytes()
    assert json.loads(out.read_text()) == DESIGN_EXAMPLE


@pytest.mark.django_db
def test_import_command_reports_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    with pytest.raises(CommandError, match="not JSON"):
        call_command("import_network", str(path))


class NetworkRoundTripProperties(HypothesisTestCase):
    @settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(clinics=st.integers(1, 4), seed=st.integers(0, 10_000))
    def test_any_demo_network_round_trips(self, clinics, seed):
        services.network_import(
            document=demo.demo_network(clinics=clinics, seed=seed, today=date(2026, 11, 23))
        )
        first = snapshot()
        services.network_import(document=json.loads(first))
        assert snapshot() == first


@pytest.mark.django_db
def test_a_partial_file_cannot_break_assignments_it_does_not_list():
    # given: Dr. Rivera works Monday 08:00–13:00 at C01
    services.network_import(document=example())
    # when: a file listing only the clinic moves Monday's opening to 09:00
    doc = example()
    doc["organizations"][0]["regions"][0]["clinics"][0]["hours"]["mon"] = ["09:00", "17:00"]
    doc["providers"] = []
    doc["closures"] = []
    problems = problems_of(doc)
    # then: the problem is named at the clinic, with the provider it would break
    assert problems == [
        (
            "organizations[0].regions[0].clinics[0]",
            "breaks the assignment of 1234567893 (Dr. A. Rivera, not in this file) at C01: "
            "at C01, block mon 08:00–12:00 is outside the clinic's hours 09:00–17:00",
        )
    ]
    assert Clinic.objects.get().hours.get(weekday=0).opens.hour == 8
