"""The scenario API (DESIGN §4, issue 6): create from the scenario file, run as a job, read the
results, export, compare, apply; bad files named by path; each role's refusals."""

import copy
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from capacity.models import Appointment
from clinics import selectors as clinic_selectors
from clinics import services as clinic_services
from clinics.models import Clinic, NetworkImport, Provider, TemplateAssignment
from scenarios.models import Scenario

TODAY = date(2025, 8, 15)
NEW_NPI = "1234567901"  # a valid NPI nobody has
SCENARIOS = "/api/scenarios/"

# C01 Lakeside, open Monday to Friday; Dr. Rivera works ORTHO-STD on Mondays: 08–11 follow-ups
# of 15 min (180 min) and 13–17 new patients of 30 min (240 min), 420 minutes a Monday. The
# follow-up profile is f = [0.1] (a tenth of a visit, same month), so follow-up room never
# binds and a month's cap is its new-patient limit floor(0.9 × NP minutes ÷ 30). Six rooms for
# two providers: no room bound.
NETWORK = {
    "service_lines": [{"code": "ORTHO", "name": "Orthopedics", "followup_profile": [0.1]}],
    "visit_types": [
        {"code": "ORTHO-FU", "name": "Follow-up", "minutes": 15, "new_patient": False,
         "service_line": "ORTHO", "credentials": ["MD", "PA"]},
        {"code": "ORTHO-NP", "name": "New patient", "minutes": 30, "new_patient": True,
         "service_line": "ORTHO", "credentials": ["MD", "PA"]},
    ],
    "organizations": [{"code": "ACME", "name": "Acme Orthopedics", "regions": [
        {"code": "NORTH", "name": "North", "clinics": [
            {"code": "C01", "name": "Lakeside", "timezone": "America/Chicago",
             "exam_rooms": 6, "rooms_per_provider": 2, "target_utilization": 0.9,
             "service_lines": ["ORTHO"],
             "hours": {d: ["08:00", "17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}}]}]}],
    "templates": [{"code": "ORTHO-STD", "name": "Orthopedics standard day", "blocks": [
        {"weekday": "mon", "start": "08:00", "end": "11:00", "visit_type": "ORTHO-FU"},
        {"weekday": "mon", "start": "13:00", "end": "17:00", "visit_type": "ORTHO-NP"}]}],
    "providers": [{"npi": "1234567893", "name": "Dr. A. Rivera", "credential": "MD",
                   "service_line": "ORTHO", "fte": 1.0, "hired_on": "2024-01-01",
                   "left_on": None,
                   "assignments": [{"clinic": "C01", "template": "ORTHO-STD",
                                    "weekdays": ["mon"], "from": "2024-01-01", "to": None}],
                   "absences": []}],
    "closures": [],
}  # fmt: skip

# Mondays: September 2025 has 5 (1, 8, 15, 22, 29), October 4, November 4.
MONDAYS = {"2025-09": 5, "2025-10": 4, "2025-11": 4}
# Demand: 20 follow-ups of 15 min fulfilled in each of May, June and July (the three complete
# months before August): 300 HELD minutes a month, so the forecast is 300 minutes a month.
FORECAST = 300.0


def add_provider(**overrides):
    body = {
        "npi": NEW_NPI, "name": "Pat Lee, PA", "credential": "PA", "service_line": "ORTHO",
        "fte": 1.0, "clinic": "C01", "template": "ORTHO-STD", "weekdays": ["mon"],
        "start": "2025-09-01", "ramp_months": 3,
    }  # fmt: skip
    return {"add_provider": {**body, **overrides}}


def scenario_file(*changes, name="A PA on Mondays at Lakeside", months=3):
    return {"name": name, "from": "2025-09", "months": months, "changes": list(changes)}


@pytest.fixture
def lakeside(db, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda: TODAY)
    clinic_services.network_import(document=copy.deepcopy(NETWORK), replan=False)
    clinic = Clinic.objects.get(code="C01")
    provider = Provider.objects.get(npi="1234567893")
    visit_type = clinic.assignments.get().template.blocks.get(start="08:00").visit_type
    for month in (5, 6, 7):
        first_monday = next(
            date(2025, month, d) for d in range(1, 8) if date(2025, month, d).weekday() == 0
        )
        for n in range(20):
            day = first_monday + timedelta(weeks=n % 4)
            start = datetime.combine(day, datetime.min.time(), UTC) + timedelta(
                hours=13, minutes=15 * (n // 4)
            )  # 08:00 in Chicago (CDT) and on
            Appointment.objects.create(
                source="t", external_id=f"{month}-{n}", clinic=clinic, provider=provider,
                visit_type=visit_type, start=start, local_date=day, duration_minutes=15,
                status="fulfilled", is_new_patient=False, patient_key=f"p{month}-{n}",
            )  # fmt: skip
    return clinic


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def create(client, document):
    return client.post(SCENARIOS, document, content_type="application/json")


def run(client, scenario_id, capture):
    with capture(execute=True):
        response = client.post(f"{SCENARIOS}{scenario_id}/run/")
    assert response.status_code == 202, response.content
    return response


def created_and_run(client, capture, document):
    response = create(client, document)
    assert response.status_code == 201, response.json()
    scenario_id = response.json()["id"]
    run(client, scenario_id, capture)
    return scenario_id


def by_period(rows):
    return {r["period"]: r for r in rows}


def test_a_scenario_is_created_run_and_read_with_hand_worked_numbers(
    lakeside, as_user, ops_user, django_capture_on_commit_callbacks
):
    client = as_user(ops_user)
    # when: a 1.0 FTE PA on ORTHO-STD on Mondays from 1 September, ramping up over 3 months
    created = create(client, scenario_file(add_provider()))
    # then: stored as a draft, in the shape of the file
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["name"], body["from"], body["months"], body["status"]) == (
        "A PA on Mondays at Lakeside", "2025-09", 3, "draft",
    )  # fmt: skip
    assert (body["created_by"], body["results"], body["is_current"]) == ("olivia", None, False)

    # when: run (the job runs in-process once the request commits)
    queued = run(client, body["id"], django_capture_on_commit_callbacks)
    assert (queued.json()["status"], queued.json()["progress"]) == ("queued", 0)
    detail = client.get(f"{SCENARIOS}{body['id']}/").json()

    # then: done, 100 %, and the numbers by hand. Current: 420 min a Monday. Scenario: the PA
    # adds 420 × Mondays × k/3 in the k-th month (1/3, 2/3, full).
    assert (detail["status"], detail["progress"], detail["is_current"]) == ("done", 100, True)
    assert detail["problems"] == []
    results = detail["results"]
    assert (results["periods"], results["clinics"], results["today"]) == (
        ["2025-09", "2025-10", "2025-11"], ["C01"], "2025-08-15",
    )  # fmt: skip
    rows = by_period(results["rows"])
    expected_available = {
        "2025-09": (420 * 5, 420 * 5 + 420 * 5 / 3),  # 2100, 2800
        "2025-10": (420 * 4, 420 * 4 + 420 * 4 * 2 / 3),  # 1680, 2800
        "2025-11": (420 * 4, 420 * 4 * 2),  # 1680, 3360
    }
    for period, (current, scenario) in expected_available.items():
        row = rows[period]
        assert row["clinic"] == "C01"
        assert row["available_minutes_current"] == pytest.approx(current)
        assert row["available_minutes_scenario"] == pytest.approx(scenario)
        assert row["available_minutes_change"] == pytest.approx(scenario - current)
        assert row["forecast_minutes"] == FORECAST
        assert row["utilization_current"] == pytest.approx(FORECAST / current)
        assert row["utilization_scenario"] == pytest.approx(FORECAST / scenario)
        assert row["unutilized_minutes_scenario"] == pytest.approx(scenario - FORECAST)
    # NP limit floor(0.9 × NP minutes ÷ 30): September 240 × 5 = 1200 → 36, with the PA's
    # third 1600 → 48; October 960 → 28, with two thirds 1600 → 48; November 960 → 28 and
    # 1920 → 57. The new-patient slots bind every month.
    caps = {
        p: (r["np_cap_current"], r["np_cap_scenario"], r["np_cap_change"]) for p, r in rows.items()
    }
    assert caps == {"2025-09": (36, 48, 12), "2025-10": (28, 48, 20), "2025-11": (28, 57, 29)}
    assert {r["binding_constraint_scenario"] for r in rows.values()} == {"np_slots"}
    assert results["changes"] == [
        "Add Pat Lee, PA (PA, 1.0 FTE) at C01 on mon with ORTHO-STD from 2025-09-01, "
        "ramping up over 3 months"
    ]
    # and the network is untouched
    assert not Provider.objects.filter(npi=NEW_NPI).exists()

    # the list shows it
    listed = client.get(SCENARIOS).json()
    assert [(s["id"], s["status"], s["progress"], s["is_current"]) for s in listed["results"]] == [
        (body["id"], "done", 100, True)
    ]
    assert listed["results"][0]["ran_at"] is not None


def test_a_full_provider_adds_the_template_minutes_on_each_monday(
    lakeside, as_user, ops_user, django_capture_on_commit_callbacks
):
    client = as_user(ops_user)
    scenario_id = created_and_run(
        client, django_capture_on_commit_callbacks, scenario_file(add_provider(ramp_months=0))
    )
    rows = by_period(client.get(f"{SCENARIOS}{scenario_id}/").json()["results"]["rows"])
    assert {p: r["available_minutes_change"] for p, r in rows.items()} == {
        p: 420.0 * n for p, n in MONDAYS.items()
    }


def network_and_count():
    return clinic_selectors.network_document(), Scenario.objects.count()


OVERLAPPING = {"template": {"code": "ORTHO-STD", "name": "Orthopedics standard day", "blocks": [
    {"weekday": "mon", "start": "08:00", "end": "12:00", "visit_type": "ORTHO-FU"},
    {"weekday": "mon", "start": "11:00", "end": "13:00", "visit_type": "ORTHO-NP"}]}}  # fmt: skip


@pytest.mark.parametrize(
    ("document", "path", "words"),
    [
        (scenario_file(add_provider(start="2025-08-14")), "changes[0].add_provider.start",
         "before today"),
        (scenario_file(add_provider(fte=1.5)), "changes[0].add_provider.fte", "beyond 1.0"),
        (scenario_file({"exam_rooms": {"clinic": "C01", "rooms": -1}}),
         "changes[0].exam_rooms.rooms", "below zero"),
        (scenario_file(OVERLAPPING), "changes[0].template.blocks[1].start", "overlaps"),
        (scenario_file({"exam_rooms": {"clinic": "C99", "rooms": 8}}),
         "changes[0].exam_rooms.clinic", "unknown clinic 'C99'"),
        (scenario_file({"remove_provider": {"npi": "1234567901", "from": "2025-10-01"}}),
         "changes[0].remove_provider.npi", "no provider with NPI 1234567901"),
        ({"name": "No horizon", "from": "2025-09", "changes": []}, "months", "missing"),
    ],
)  # fmt: skip
def test_a_bad_file_is_named_by_path_and_writes_nothing(
    lakeside, as_user, ops_user, document, path, words
):
    client = as_user(ops_user)
    before = network_and_count()
    # when
    response = create(client, document)
    # then
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert path in errors, errors
    assert words in " ".join(errors[path]), errors
    assert network_and_count() == before


def test_a_body_that_is_not_a_scenario_file_is_refused(lakeside, as_user, ops_user):
    client = as_user(ops_user)
    assert create(client, ["not", "an", "object"]).status_code == 400
    bad_json = client.post(SCENARIOS, "{not json", content_type="application/json")
    assert bad_json.status_code == 400
    assert Scenario.objects.count() == 0


def test_operations_apply_a_scenario_through_the_network_import(
    lakeside, as_user, ops_user, django_capture_on_commit_callbacks
):
    client = as_user(ops_user)
    scenario_id = created_and_run(
        client, django_capture_on_commit_callbacks, scenario_file(add_provider())
    )
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{SCENARIOS}{scenario_id}/apply/")
    # then: the PA is in the network, assigned as the scenario said, and the history has it
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "applied" and body["applied_at"] is not None
    provider = Provider.objects.get(npi=NEW_NPI)
    assert (provider.name, provider.credential, provider.hired_on) == (
        "Pat Lee, PA", "PA", date(2025, 9, 1),
    )  # fmt: skip
    assert list(
        TemplateAssignment.objects.filter(provider=provider).values_list(
            "clinic__code", "template__code", "weekdays", "starts_on", "ends_on"
        )
    ) == [("C01", "ORTHO-STD", [0], date(2025, 9, 1), None)]
    history = NetworkImport.objects.get()
    assert (history.filename, history.status, history.created_by) == (
        "scenario: A PA on Mondays at Lakeside", "succeeded", ops_user,
    )  # fmt: skip
    assert body["applied_import"] == history.pk

    # when: applied again
    again = client.post(f"{SCENARIOS}{scenario_id}/apply/")
    # then: refused, nothing more written
    assert again.status_code == 409
    assert again.json()["code"] == "scenario_applied"
    assert NetworkImport.objects.count() == 1
    # and an applied scenario is not edited or run again
    assert client.put(
        f"{SCENARIOS}{scenario_id}/", scenario_file(add_provider(), months=2),
        content_type="application/json",
    ).status_code == 409  # fmt: skip
    assert client.post(f"{SCENARIOS}{scenario_id}/run/").json()["code"] == "scenario_applied"


def test_applying_after_the_network_changed_is_refused_naming_the_change(
    lakeside, as_user, ops_user, django_capture_on_commit_callbacks
):
    client = as_user(ops_user)
    scenario_id = created_and_run(
        client, django_capture_on_commit_callbacks, scenario_file(add_provider())
    )
    # given: C01 gets two more exam rooms after the run
    clinic_services.clinic_save(clinic=lakeside, data={"exam_rooms": 8})
    before = clinic_selectors.network_document()
    # when
    response = client.post(f"{SCENARIOS}{scenario_id}/apply/")
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "scenario_stale"
    assert "clinic C01 (Lakeside): exam_rooms 6 → 8 changed" in response.json()["detail"]
    assert clinic_selectors.network_document() == before
    assert not Provider.objects.filter(npi=NEW_NPI).exists()
    assert not NetworkImport.objects.exists()
    assert Scenario.objects.get(pk=scenario_id).status == Scenario.Status.DONE


def test_a_scenario_not_run_or_edited_since_its_run_is_not_applied(
    lakeside, as_user, ops_user, django_capture_on_commit_callbacks
):
    client = as_user(ops_user)
    draft = create(client, scenario_file(add_provider())).json()["id"]
    refused = client.post(f"{SCENARIOS}{draft}/apply/")
    assert (refused.status_code, refused.json()["code"]) == (409, "scenario_not_run")
    # when: the file is replaced after a run
    scenario_id = created_and_run(
        client, django_capture_on_commit_callbacks, scenario_file(add_provider())
    )
    edited = client.put(
        f"{SCENARIOS}{scenario_id}/", scenario_file(add_provider(), months=2),
        content_type="application/json",
    )  # fmt: skip
    # then: the results stay, no longer current, and the scenario is a draft again: applying
    # asks for a new run
    assert edited.status_code == 200, edited.json()
    assert (edited.json()["months"], edited.json()["status"], edited.json()["is_current"]) == (
        2, "draft", False,
    )  # fmt: skip
    assert edited.json()["results"]["periods"] == ["2025-09", "2025-10", "2025-11"]
    stale = client.post(f"{SCENARIOS}{scenario_id}/apply/")
    assert (stale.status_code, stale.json()["code"]) == (409, "scenario_not_run")
    assert not Provider.objects.filter(npi=NEW_NPI).exists()


def test_a_bad_replacement_file_leaves_the_scenario_as_it_was(lakeside, as_user, ops_user):
    client = as_user(ops_user)
    scenario_id = create(client, scenario_file(add_provider())).json()["id"]
    before = Scenario.objects.get(pk=scenario_id).document
    response = client.put(
        f"{SCENARIOS}{scenario_id}/", scenario_file(add_provider(fte=1.5)),
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "changes[0].add_provider.fte" in response.json()["errors"]
    assert Scenario.objects.get(pk=scenario_id).document == before


def test_marketing_creates_and_runs_scenarios_but_does_not_apply_them(
    lakeside, as_user, marketing_user, django_capture_on_commit_callbacks
):
    client = as_user(marketing_user)
    scenario_id = created_and_run(
        client, django_capture_on_commit_callbacks, scenario_file(add_provider())
    )
    assert client.get(f"{SCENARIOS}{scenario_id}/").json()["status"] == "done"
    # when
    response = client.post(f"{SCENARIOS}{scenario_id}/apply/")
    # then
    assert response.status_code == 403
    assert not Provider.objects.filter(npi=NEW_NPI).exists()
    assert not NetworkImport.objects.exists()
    assert Scenario.objects.get(pk=scenario_id).status == Scenario.Status.DONE


def test_the_board_reads_scenarios_and_changes_nothing(
    lakeside, client, ops_user, board_user, django_capture_on_commit_callbacks
):
    client.force_login(ops_user)
    scenario_id = created_and_run(
        client, django_capture_on_commit_callbacks, scenario_file(add_provider())
    )
    client.force_login(board_user)
    detail = f"{SCENARIOS}{scenario_id}/"
    # reads
    assert client.get(SCENARIOS).status_code == 200
    assert client.get(detail).json()["status"] == "done"
    assert client.get(f"{detail}file/").status_code == 200
    assert client.get(f"{SCENARIOS}compare/", {"ids": str(scenario_id)}).status_code == 200
    # writes
    document = scenario_file(add_provider())
    assert create(client, document).status_code == 403
    assert client.put(detail, document, content_type="application/json").status_code == 403
    assert client.delete(detail).status_code == 403
    assert client.post(f"{detail}run/").status_code == 403
    assert client.post(f"{detail}apply/").status_code == 403
    assert Scenario.objects.count() == 1
    assert not Provider.objects.filter(npi=NEW_NPI).exists()


def test_without_login_nothing_is_served(lakeside, client):
    assert client.get(SCENARIOS).status_code == 401
    assert create(client, scenario_file(add_provider())).status_code == 401


def test_a_scenario_is_deleted(lakeside, as_user, marketing_user):
    client = as_user(marketing_user)
    scenario_id = create(client, scenario_file(add_provider())).json()["id"]
    assert client.delete(f"{SCENARIOS}{scenario_id}/").status_code == 204
    assert client.get(f"{SCENARIOS}{scenario_id}/").status_code == 404
    assert Scenario.objects.count() == 0


def test_two_scenarios_compared_side_by_side(
    lakeside, as_user, ops_user, django_capture_on_commit_callbacks
):
    client = as_user(ops_user)
    capture = django_capture_on_commit_callbacks
    pa = created_and_run(client, capture, scenario_file(add_provider()))
    lower = created_and_run(
        client, capture,
        scenario_file({"target_utilization": {"clinic": "C01", "value": 0.8}}, name="Aim at 80 %"),
    )  # fmt: skip
    # when
    response = client.get(f"{SCENARIOS}compare/", {"ids": f"{lower},{pa}"})
    # then: in the order asked, each with its months and clinic rows
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["periods"] == ["2025-09", "2025-10", "2025-11"]
    first, second = body["scenarios"]
    assert (first["id"], first["name"], second["id"], second["name"]) == (
        lower, "Aim at 80 %", pa, "A PA on Mondays at Lakeside",
    )  # fmt: skip
    # At 80 % the supply stays and the caps fall: floor(0.8 × 1200 ÷ 30) = 32 in September,
    # floor(0.8 × 960 ÷ 30) = 25 in October and November.
    shown = ("period", "available_minutes_current", "available_minutes_scenario",
             "forecast_minutes", "utilization_current", "utilization_scenario", "np_cap_current",
             "np_cap_scenario", "np_cap_change")  # fmt: skip
    assert [tuple(m[k] for k in shown) for m in first["months"]] == [
        ("2025-09", 2100.0, 2100.0, 300.0, pytest.approx(300 / 2100), pytest.approx(300 / 2100),
         36, 32, -4),
        ("2025-10", 1680.0, 1680.0, 300.0, pytest.approx(300 / 1680), pytest.approx(300 / 1680),
         28, 25, -3),
        ("2025-11", 1680.0, 1680.0, 300.0, pytest.approx(300 / 1680), pytest.approx(300 / 1680),
         28, 25, -3),
    ]  # fmt: skip
    assert [
        (m["available_minutes_scenario"], m["np_cap_scenario"], m["utilization_scenario"])
        for m in second["months"]
    ] == [
        (pytest.approx(2800), 48, pytest.approx(300 / 2800)),
        (pytest.approx(2800), 48, pytest.approx(300 / 2800)),
        (pytest.approx(3360), 57, pytest.approx(300 / 3360)),
    ]
    assert [(r["clinic"], r["period"]) for r in second["rows"]] == [
        ("C01", "2025-09"), ("C01", "2025-10"), ("C01", "2025-11"),
    ]  # fmt: skip
    assert first["changes"] == ["C01 target utilization 80%"]


@pytest.mark.parametrize(
    ("ids", "words"),
    [("1,2,3,4", "at most 3"), ("1,x", "separated by commas"), ("", "")],
)
def test_compare_takes_at_most_three_ids(lakeside, as_user, board_user, ids, words):
    client = as_user(board_user)
    response = client.get(f"{SCENARIOS}compare/", {"ids": ids})
    assert response.status_code == 400
    assert words in " ".join(response.json()["errors"]["ids"])


def test_compare_names_a_scenario_that_was_not_run(lakeside, as_user, ops_user):
    client = as_user(ops_user)
    draft = create(client, scenario_file(add_provider())).json()["id"]
    response = client.get(f"{SCENARIOS}compare/", {"ids": f"{draft},999"})
    assert response.status_code == 400
    assert response.json()["errors"]["ids"] == [
        f"scenario {draft} does not exist or has not been run",
        "scenario 999 does not exist or has not been run",
    ]


def test_an_exported_file_imports_as_the_same_scenario(lakeside, as_user, marketing_user):
    client = as_user(marketing_user)
    # given: a file leaving the ramp-up to its default (6 months)
    change = add_provider()
    del change["add_provider"]["ramp_months"]
    document = scenario_file(change, {"exam_rooms": {"clinic": "C01", "rooms": 8}})
    original = create(client, document).json()
    # when
    exported = client.get(f"{SCENARIOS}{original['id']}/file/")
    # then: the file as stored, in the shape of DESIGN §4, the default written out
    assert exported.status_code == 200
    file = exported.json()
    assert file == Scenario.objects.get(pk=original["id"]).document
    assert file == {
        "name": "A PA on Mondays at Lakeside", "from": "2025-09", "months": 3,
        "changes": [add_provider(ramp_months=6), {"exam_rooms": {"clinic": "C01", "rooms": 8}}],
    }  # fmt: skip
    # and POSTed back it makes an identical scenario
    copied = create(client, file)
    assert copied.status_code == 201
    assert copied.json()["id"] != original["id"]
    assert copied.json()["document"] == original["document"] == file
