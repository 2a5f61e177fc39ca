"""Stale scenarios: results computed on a network that has changed since are marked stale on
the scenario's page, in the list, on the Compare page and in the API, with what changed (the
lines Apply refuses with), and a Run again button.

The network is the pages' small one (tests/scenarios/test_scenario_pages.py): C01 Lakeside
with six exam rooms and Dr. Rivera, C02 Riverside with nobody. The supply change after the run
gives C01 two more exam rooms: one changed record, named "clinic C01 (Lakeside): exam_rooms
6 → 8 changed".
"""

import pytest

from clinics import selectors as clinic_selectors
from clinics import services as clinic_services
from clinics.models import Clinic
from scenarios import compute, selectors, services
from scenarios.models import Scenario
from tests.scenarios.test_scenario_pages import (
    LIST,
    TODAY,
    add_provider,
    lakeside,  # noqa: F401 - the fixture
    row,
    saved,
    url,
)

ROOMS_CHANGED = "clinic C01 (Lakeside): exam_rooms 6 → 8 changed"


def rooms_to_eight() -> None:
    """The supply change after the run: C01 gets two more exam rooms."""
    clinic_services.clinic_save(clinic=Clinic.objects.get(code="C01"), data={"exam_rooms": 8})


@pytest.fixture
def stale(lakeside):  # noqa: F811
    """A PA at Lakeside, run; then C01's rooms go from 6 to 8."""
    scenario = saved(add_provider(), run=True)
    rooms_to_eight()
    return scenario


def compare(client, *scenarios: Scenario) -> str:
    query = "&".join(f"ids={s.pk}" for s in scenarios)
    return client.get(f"{LIST}compare/?{query}").content.decode()


# ---------------------------------------------------------------------------------------------
# Pages


def test_a_scenario_run_before_the_rooms_changed_is_stale_on_its_page(client, ops_user, stale):
    client.force_login(ops_user)
    # when
    page = client.get(url(stale)).content.decode()
    # then: the banner names the changed record, offers Run again, and Apply is not offered
    assert 'id="network-changed"' in page
    assert "Stale — the network changed since this run." in page
    assert f"<li>{ROOMS_CHANGED}</li>" in page
    assert f'action="{url(stale, "run")}"' in page and 'id="run-again"' in page
    assert 'id="apply"' not in page
    # the old numbers are still shown beneath it: 20 weekdays × 480 more minutes in February
    assert row(page, "total-2026-02")[:4] == ["2026-02", "9,600", "19,200", "+9,600"]


def test_the_list_marks_a_stale_scenario_and_offers_run_again(client, ops_user, stale):
    # given: a second scenario, never run, is not stale
    draft = saved(add_provider(), name="Not run")
    client.force_login(ops_user)
    # when
    page = client.get(LIST).content.decode()
    # then: status, the stale badge and the button (its form outside the compare form)
    assert row(page, f"scenario-{stale.pk}")[4] == "Done stale Run again"
    assert row(page, f"scenario-{draft.pk}")[4] == "Draft"
    assert f'<form method="post" action="{url(stale, "run")}" id="run-{stale.pk}" hidden>' in page
    assert f'id="run-{draft.pk}"' not in page


def test_compare_marks_the_stale_scenario_and_names_the_change(client, ops_user, stale):
    # given: a scenario run after the change, beside the stale one
    fresh = saved(add_provider(), name="Run after the change", run=True)
    client.force_login(ops_user)
    # when
    page = compare(client, stale, fresh)
    # then: only the stale one is marked, with what changed and its Run again button
    stale_cell = row(page, f"compared-{stale.pk}")[0]
    assert "stale" in stale_cell and ROOMS_CHANGED in stale_cell and "Run again" in stale_cell
    fresh_cell = row(page, f"compared-{fresh.pk}")[0]
    assert "stale" not in fresh_cell and "Run again" not in fresh_cell


def test_the_board_sees_a_scenario_is_stale_but_cannot_run_it(client, board_user, stale):
    client.force_login(board_user)
    page = client.get(url(stale)).content.decode()
    assert f"<li>{ROOMS_CHANGED}</li>" in page
    assert 'id="run-again"' not in page
    assert row(client.get(LIST).content.decode(), f"scenario-{stale.pk}")[4] == "Done stale"


def test_run_again_queues_a_run_and_a_run_on_the_new_network_is_not_stale(
    client, ops_user, stale, django_capture_on_commit_callbacks
):
    client.force_login(ops_user)
    # when: Run again, as the banner posts it
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url(stale, "run"))
    # then: one run queued and done (tasks run in-process), on the network with 8 rooms
    assert response.status_code == 302 and len(callbacks) == 1
    stale.refresh_from_db()
    assert stale.status == Scenario.Status.DONE
    rooms = stale.network_snapshot["organizations"][0]["regions"][0]["clinics"][0]["exam_rooms"]
    assert rooms == 8
    page = client.get(url(stale)).content.decode()
    assert 'id="network-changed"' not in page and 'id="apply"' in page
    assert row(client.get(LIST).content.decode(), f"scenario-{stale.pk}")[4] == "Done"


def test_a_scenario_whose_network_did_not_change_is_not_stale(client, ops_user, lakeside):  # noqa: F811
    # given: a run, and no change since
    scenario = saved(add_provider(), run=True)
    client.force_login(ops_user)
    # then: nowhere stale
    page = client.get(url(scenario)).content.decode()
    assert 'id="network-changed"' not in page and 'id="apply"' in page
    assert row(client.get(LIST).content.decode(), f"scenario-{scenario.pk}")[4] == "Done"
    assert "stale" not in row(compare(client, scenario), f"compared-{scenario.pk}")[0]
    body = client.get(f"/api/scenarios/{scenario.pk}/").json()
    assert (body["stale"], body["network_changes"]) == (False, [])


def test_an_applied_scenario_is_not_stale_though_it_changed_the_network(
    client,
    ops_user,
    lakeside,  # noqa: F811
):
    # given: applied, so the network now holds its PA
    scenario = saved(add_provider(), run=True)
    services.scenario_apply(scenario=scenario, user=ops_user, today=TODAY)
    client.force_login(ops_user)
    # then: its numbers are history, not stale
    page = client.get(url(scenario)).content.decode()
    assert 'id="applied"' in page and 'id="network-changed"' not in page
    assert row(client.get(LIST).content.decode(), f"scenario-{scenario.pk}")[4] == "Applied"


# ---------------------------------------------------------------------------------------------
# API


def test_the_api_detail_carries_stale_and_what_changed(client, ops_user, stale):
    client.force_login(ops_user)
    # when
    body = client.get(f"/api/scenarios/{stale.pk}/").json()
    # then
    assert body["stale"] is True
    assert body["network_changes"] == [ROOMS_CHANGED]
    # and apply is refused naming the same change
    refused = client.post(f"/api/scenarios/{stale.pk}/apply/")
    assert (refused.status_code, refused.json()["code"]) == (409, "scenario_stale")
    assert refused.json()["detail"].endswith(f"Changed: {ROOMS_CHANGED}")


def test_the_api_compare_carries_stale_and_what_changed(client, ops_user, stale):
    client.force_login(ops_user)
    body = client.get(f"/api/scenarios/compare/?ids={stale.pk}").json()
    (compared,) = body["scenarios"]
    assert (compared["stale"], compared["network_changes"]) == (True, [ROOMS_CHANGED])


# ---------------------------------------------------------------------------------------------
# Cost and the fingerprint


def test_the_list_compare_and_a_page_read_the_network_once_however_many_scenarios(
    client, ops_user, stale, monkeypatch
):
    # given: two more scenarios run on 8 rooms, then C01 goes to 9: all three are stale
    others = [saved(add_provider(), name=f"PA {n}", run=True) for n in (2, 3)]
    clinic_services.clinic_save(clinic=Clinic.objects.get(code="C01"), data={"exam_rooms": 9})
    calls = []
    document = clinic_selectors.network_document
    monkeypatch.setattr(clinic_selectors, "network_document", lambda: calls.append(1) or document())
    client.force_login(ops_user)
    # when: the list, Compare of all three, and one scenario's page
    listed = client.get(LIST).content.decode()
    counts = [len(calls)]
    compared = compare(client, stale, *others)
    counts.append(len(calls))
    client.get(url(stale))
    counts.append(len(calls))
    # then: once per request
    assert counts == [1, 2, 3]
    for scenario in (stale, *others):
        assert row(listed, f"scenario-{scenario.pk}")[4] == "Done stale Run again"
    assert "exam_rooms 8 → 9 changed" in row(compared, f"compared-{others[0].pk}")[0]
    assert "exam_rooms 6 → 9 changed" in row(compared, f"compared-{stale.pk}")[0]


def test_a_run_stores_the_fingerprint_of_its_snapshot(lakeside):  # noqa: F811
    scenario = saved(add_provider(), run=True)
    scenario.refresh_from_db()  # as the database gives it back
    assert len(scenario.network_fingerprint) == 64
    assert scenario.network_fingerprint == compute.network_fingerprint(scenario.network_snapshot)
    assert scenario.network_fingerprint == compute.network_fingerprint(
        clinic_selectors.network_document()
    )
    assert selectors.scenarios_stale_ids(scenarios=[scenario]) == set()


def test_the_diff_reads_every_part_of_the_network_file(db):
    # The list tells stale runs by fingerprint, a page by compute.network_changes: they agree
    # only while the diff reads every top-level part of the network file. A new part needs its
    # records in network_changes.
    assert set(clinic_selectors.network_document()) == {
        "service_lines", "visit_types", "organizations", "templates", "providers", "closures",
    }  # fmt: skip
