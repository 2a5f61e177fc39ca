"""`manage.py scenario run PATH.json --format json|csv` (DESIGN §4): exactly the documented
columns, with numbers worked out by hand; a bad file is named and changes nothing."""

import csv
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from clinics import selectors as clinic_selectors
from clinics.models import Provider
from scenarios.models import Scenario
from tests.scenarios import test_scenario_api

lakeside = test_scenario_api.lakeside  # the fixture: C01, one MD on Mondays, 420 min a Monday
add_provider = test_scenario_api.add_provider
scenario_file = test_scenario_api.scenario_file
NEW_NPI = test_scenario_api.NEW_NPI

COLUMNS = [
    "period", "clinic", "available_minutes_current", "available_minutes_scenario",
    "utilization_current", "utilization_scenario", "np_cap_current", "np_cap_scenario",
    "binding_constraint_scenario",
]  # fmt: skip

# A 1.0 FTE PA on ORTHO-STD on Mondays from 1 September, full from the start: the minutes of
# each Monday double (420 → 840). Demand is held at the forecast, 300 minutes a month. Caps
# are the new-patient limits floor(0.9 × NP minutes ÷ 30): September 1200 → 36 and 2400 → 72,
# October and November 960 → 28 and 1920 → 57.
EXPECTED = [
    ("2025-09", 2100.0, 4200.0, 300 / 2100, 300 / 4200, 36, 72),
    ("2025-10", 1680.0, 3360.0, 300 / 1680, 300 / 3360, 28, 57),
    ("2025-11", 1680.0, 3360.0, 300 / 1680, 300 / 3360, 28, 57),
]


def write(tmp_path, document) -> str:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(document) if not isinstance(document, str) else document)
    return str(path)


def scenario_run(path: str, fmt: str) -> str:
    out = StringIO()
    call_command("scenario", "run", path, "--format", fmt, "--today", "2025-08-15", stdout=out)
    return out.getvalue()


def test_json_has_the_documented_columns_and_the_hand_worked_numbers(lakeside, tmp_path):
    path = write(tmp_path, scenario_file(add_provider(ramp_months=0)))
    # when
    rows = json.loads(scenario_run(path, "json"))
    # then
    assert [list(row) for row in rows] == [COLUMNS] * 3
    assert rows == [
        {"period": period, "clinic": "C01", "available_minutes_current": current,
         "available_minutes_scenario": scenario, "utilization_current": pytest.approx(u_now),
         "utilization_scenario": pytest.approx(u_then), "np_cap_current": cap_now,
         "np_cap_scenario": cap_then, "binding_constraint_scenario": "np_slots"}
        for period, current, scenario, u_now, u_then, cap_now, cap_then in EXPECTED
    ]  # fmt: skip
    # and nothing was written
    assert not Provider.objects.filter(npi=NEW_NPI).exists()
    assert not Scenario.objects.exists()


def test_csv_has_the_documented_columns_and_the_hand_worked_numbers(lakeside, tmp_path):
    path = write(tmp_path, scenario_file(add_provider(ramp_months=0)))
    # when
    output = scenario_run(path, "csv")
    # then
    header, *lines = output.splitlines()
    assert header == ",".join(COLUMNS)
    rows = list(csv.DictReader(StringIO(output)))
    assert [
        (r["period"], r["clinic"], float(r["available_minutes_current"]),
         float(r["available_minutes_scenario"]), float(r["utilization_current"]),
         float(r["utilization_scenario"]), int(r["np_cap_current"]), int(r["np_cap_scenario"]),
         r["binding_constraint_scenario"])
        for r in rows
    ] == [
        (period, "C01", current, scenario, pytest.approx(u_now), pytest.approx(u_then), cap_now,
         cap_then, "np_slots")
        for period, current, scenario, u_now, u_then, cap_now, cap_then in EXPECTED
    ]  # fmt: skip
    assert lines[0].startswith("2025-09,C01,2100.0,4200.0,")


def test_a_ramp_up_scales_the_new_supply_by_month(lakeside, tmp_path):
    # given: the same PA ramping up over 3 months: 1/3, 2/3, then full
    path = write(tmp_path, scenario_file(add_provider(ramp_months=3)))
    # when
    rows = json.loads(scenario_run(path, "json"))
    # then: 420 × Mondays × k/3 more in the k-th month
    assert [
        (r["period"], r["available_minutes_scenario"] - r["available_minutes_current"])
        for r in rows
    ] == [
        ("2025-09", pytest.approx(420 * 5 / 3)),
        ("2025-10", pytest.approx(420 * 4 * 2 / 3)),
        ("2025-11", pytest.approx(420 * 4)),
    ]


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (scenario_file(add_provider(fte=1.5)),
         "changes[0].add_provider.fte: 1.5 FTE is beyond 1.0"),
        (scenario_file(add_provider(start="2025-08-01")),
         "changes[0].add_provider.start: 2025-08-01 is before today (2025-08-15)"),
        (scenario_file({"exam_rooms": {"clinic": "C99", "rooms": 8}}),
         "changes[0].exam_rooms.clinic: unknown clinic 'C99'"),
    ],
)  # fmt: skip
def test_a_bad_file_names_its_path_and_problem_and_writes_nothing(
    lakeside, tmp_path, document, problem
):
    path = write(tmp_path, document)
    before = clinic_selectors.network_document()
    # when
    with pytest.raises(CommandError) as error:
        scenario_run(path, "json")
    # then
    message = str(error.value)
    assert message.startswith(f"{path}: the scenario cannot run")
    assert problem in message
    assert clinic_selectors.network_document() == before
    assert not Scenario.objects.exists()


def test_a_file_that_is_not_json_is_refused(lakeside, tmp_path):
    path = write(tmp_path, "name: not json\n")
    with pytest.raises(CommandError, match="not a JSON file"):
        scenario_run(path, "csv")


def test_a_missing_file_is_named(lakeside, tmp_path):
    missing = str(tmp_path / "nowhere.json")
    with pytest.raises(CommandError, match=r"nowhere\.json: No such file"):
        scenario_run(missing, "json")
