"""Properties of what-if scenarios on the small network of test_scenario_compute, with a
closure, a part-day closure, an absence, a provider working at two clinics and some history
(follow-ups at C01, new patients and a no-show at C03): a scenario that changes nothing is the
current plan, and applying a scenario gives the scenario's numbers.

The network is built once per test; each Hypothesis example runs in a transaction that is
rolled back, so every example starts from that network.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capacity.models import Appointment
from clinics import demo
from clinics import selectors as clinic_selectors
from clinics import services as clinic_services
from clinics.models import Provider, VisitType
from marketing import services as marketing_services
from marketing.models import NewPatientGoal
from scenarios import compute, services
from tests import factories
from tests.scenarios.test_scenario_compute import (
    ABLE,
    BAKER,
    COLE,
    DUNN,
    EVE,
    FORD,
    TODAY,
    network_file,
    scenario_file,
)
from tests.scenarios.test_scenario_plan import december_follow_ups

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    database=None,  # examples depend on this network: none to replay from other runs
)
CLINICS = ("C01", "C02", "C03")
ROOMS = {"C01": 10, "C02": 4, "C03": 10}
GRAY = factories.valid_npi(907)
# Who works where, on which weekdays; a template may be swapped in only where it has blocks
# on each of them (LIGHT has Mondays only).
WORKS = {ABLE: ("C01", ["mon", "wed"]), BAKER: ("C01", ["mon"]), COLE: ("C02", ["mon"]),
         DUNN: ("C02", ["mon"]), EVE: ("C02", ["mon"]), FORD: ("C03", ["mon"]),
         GRAY: ("C03", ["mon"])}  # fmt: skip
HOMES = {**{npi: "STD" for npi in WORKS}, BAKER: "AM", FORD: "LIGHT", GRAY: "LIGHT"}
TEMPLATE_DAYS = {"STD": {"mon", "wed"}, "AM": {"mon", "wed"}, "LIGHT": {"mon"}}
DATES = ["2030-01-14", "2030-01-21", "2030-02-01", "2030-02-18", "2030-03-01", "2030-03-20"]
NO_RAMP = st.just(0)
ROW_FIGURES = [
    "available_minutes", "utilization", "unutilized_minutes", "np_cap", "binding_constraint",
]  # fmt: skip


def property_network() -> dict[str, Any]:
    """The network of test_scenario_compute with C01 closed on Presidents' Day (Monday 18
    February), C02 closed 10:00–12:00 on Monday 4 March, Dr. Able away 11–15 March, and
    N. Gray working at C01 on Wednesday mornings (AM) and at C03 on Monday mornings (LIGHT)."""
    doc = network_file()
    doc["closures"] = [
        {"clinic": "C01", "date": "2030-02-18", "reason": "Presidents' Day"},
        {"clinic": "C02", "date": "2030-03-04", "start": "10:00", "end": "12:00",
         "reason": "Drill"},
    ]  # fmt: skip
    doc["providers"][0]["absences"] = [{"from": "2030-03-11", "to": "2030-03-15", "reason": "PTO"}]
    doc["providers"].append({
        "npi": GRAY, "name": "N. Gray", "credential": "NP", "service_line": "ORTHO", "fte": 0.8,
        "hired_on": "2029-06-01", "left_on": None, "absences": [],
        "assignments": [
            {"clinic": "C01", "template": "AM", "weekdays": ["wed"], "from": "2029-06-01",
             "to": None},
            {"clinic": "C03", "template": "LIGHT", "weekdays": ["mon"], "from": "2029-06-01",
             "to": None},
        ],
    })  # fmt: skip
    return doc


@pytest.fixture
def network() -> None:
    clinic_services.network_import(document=property_network(), replan=False)
    december_follow_ups(40)
    _december_new_patients(kept=4, noshows=1)


def _december_new_patients(*, kept: int, noshows: int) -> None:
    """New patients with Dr. Ford at C03 on Mondays of December 2029, 08:00 Chicago time: a
    no-show rate of noshows ÷ (kept + noshows) and a cohort still owed follow-ups."""
    provider = Provider.objects.get(npi=FORD)
    np_ = VisitType.objects.get(code="ORTHO-NP")
    for n in range(kept + noshows):
        start = datetime(2029, 12, 3, 14, 0, tzinfo=UTC) + timedelta(weeks=n)
        Appointment.objects.create(
            source="t", external_id=f"np{n}", clinic=provider.home_clinic, provider=provider,
            visit_type=np_, start=start, local_date=start.date(), duration_minutes=30,
            status="fulfilled" if n < kept else "noshow", is_new_patient=True,
            patient_key=f"new{n}",
        )  # fmt: skip


@contextmanager
def rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def by_row(results: dict, side: str) -> dict[tuple[str, str], tuple]:
    """{(clinic, period): the figures of one side} of the results' rows."""
    return {
        (r["clinic"], r["period"]): tuple(r[f"{name}_{side}"] for name in ROW_FIGURES)
        for r in results["rows"]
    }


def by_line(results: dict, side: str) -> dict[tuple[str, str, str], tuple]:
    return {
        (r["clinic"], r["period"], r["service_line"]): (r[f"np_cap_{side}"], r[f"binding_{side}"])
        for r in results["lines"]
    }


def by_tnaa(results: dict, side: str) -> dict[tuple[str, bool], tuple]:
    return {
        (t["clinic"], t["is_new_patient"]): tuple(
            t[f"{name}_{side}"] for name in ("days", "providers", "censored")
        )
        for t in results["tnaa"]
    }


def stored_caps() -> dict[tuple[str, str], int]:
    """The stored plan's cap per clinic × month, summed over service lines."""
    caps: dict[tuple[str, str], int] = {}
    for code, month, cap in NewPatientGoal.objects.values_list("clinic__code", "month", "cap"):
        key = (code, month.strftime("%Y-%m"))
        caps[key] = caps.get(key, 0) + cap
    return caps


# ---------------------------------------------------------------------------------------------
# A scenario that changes nothing is the current plan


@st.composite
def no_op_changes(draw) -> list[dict[str, Any]]:
    """Changes that leave every figure as it is: a clinic's own target utilization or room
    count, a template rewritten with its own blocks, a provider swapped onto the template they
    work, an FTE reduction (FTE does not feed supply)."""
    clinic = draw(st.sampled_from(CLINICS))
    npi = draw(st.sampled_from(sorted(WORKS)))
    kinds = {
        "target_utilization": {"target_utilization": {"clinic": clinic, "value": 0.9}},
        "exam_rooms": {"exam_rooms": {"clinic": clinic, "rooms": ROOMS[clinic]}},
        "template": {"template": draw(st.sampled_from(network_file()["templates"]))},
        "swap_template": {"swap_template": {
            "npi": npi, "clinic": WORKS[npi][0], "from": draw(st.sampled_from(DATES)),
            "template": HOMES[npi]}},
        "reduce_provider": {"reduce_provider": {
            "npi": npi, "from": draw(st.sampled_from(DATES)), "fte": 0.5}},
    }  # fmt: skip
    chosen = draw(st.lists(st.sampled_from(sorted(kinds)), min_size=1, max_size=3, unique=True))
    return [kinds[k] for k in chosen]


def test_a_scenario_that_changes_nothing_reproduces_the_current_plan(network):
    # given: the plan as the recompute stores it, 12 months from January 2030
    marketing_services.caps_recompute(today=TODAY)
    stored = stored_caps()
    assert len(stored) == 3 * 12

    @EXAMPLES
    @given(
        changes=no_op_changes(),
        first=st.sampled_from(["2030-01", "2030-02", "2030-04"]),
        months=st.integers(3, 9),  # the horizon holds every date of DATES
    )
    def check(changes, first, months):
        with rolled_back():
            # when
            results = services.scenario_compute(
                document=scenario_file(*changes, first=first, months=months), today=TODAY
            )
            # then: every figure of every clinic reached, month and line equals the current
            # plan's, and the current caps are the stored plan's
            assert results["clinics"], results
            assert by_row(results, "scenario") == by_row(results, "current")
            assert by_line(results, "scenario") == by_line(results, "current")
            assert by_tnaa(results, "scenario") == by_tnaa(results, "current")
            assert all(r["available_minutes_change"] == 0 for r in results["rows"])
            assert all(r["np_cap_change"] == 0 for r in results["rows"])
            assert {(r["clinic"], r["period"]): r["np_cap_current"] for r in results["rows"]} == {
                key: stored[key] for key in by_row(results, "current")
            }

    check()


# ---------------------------------------------------------------------------------------------
# Applying a scenario, then computing the plan, gives the scenario's numbers


@st.composite
def real_changes(draw, ramp: st.SearchStrategy[int] = NO_RAMP) -> list[dict[str, Any]]:
    """One to four changes of different kinds, each provider changed at most once."""
    day = st.sampled_from(DATES)
    clinic = st.sampled_from(CLINICS)
    kinds = draw(
        st.lists(
            st.sampled_from(["add_provider", "exam_rooms", "target_utilization",
                             "swap_template", "remove_provider", "clinic_hours"]),
            min_size=1, max_size=4, unique=True,
        )
    )  # fmt: skip
    npis = draw(st.permutations(sorted(WORKS)))
    changes = []
    for kind in kinds:
        if kind == "add_provider":
            template = draw(st.sampled_from(sorted(TEMPLATE_DAYS)))
            days = draw(st.sampled_from([["mon"], ["wed"], ["mon", "wed"]]).filter(
                lambda d, t=template: set(d) <= TEMPLATE_DAYS[t]))  # fmt: skip
            changes.append({"add_provider": {
                "npi": factories.valid_npi(960), "name": "Dr. New", "credential": "MD",
                "service_line": "ORTHO", "fte": 1.0, "clinic": draw(clinic),
                "template": template, "weekdays": days, "start": draw(day),
                "ramp_months": draw(ramp)}})  # fmt: skip
        elif kind == "exam_rooms":
            changes.append(
                {"exam_rooms": {"clinic": draw(clinic), "rooms": draw(st.integers(0, 8))}}
            )
        elif kind == "target_utilization":
            value = draw(st.sampled_from([0.7, 0.8, 0.85, 0.95, 1.0]))
            changes.append({"target_utilization": {"clinic": draw(clinic), "value": value}})
        elif kind == "swap_template":
            npi = npis[0]
            home, works = WORKS[npi]
            template = draw(st.sampled_from(
                [t for t, days in sorted(TEMPLATE_DAYS.items()) if set(works) <= days]))  # fmt: skip
            changes.append({"swap_template": {"npi": npi, "clinic": home, "template": template,
                                              "from": draw(day)}})  # fmt: skip
        elif kind == "remove_provider":
            changes.append({"remove_provider": {"npi": npis[1], "from": draw(day)}})
        else:
            opens, closes = draw(st.sampled_from(
                [("08:00", "19:00"), ("07:00", "17:00"), ("07:00", "18:00"), ("08:00", "16:00")]
            ))  # fmt: skip
            changes.append({"clinic_hours": {
                "clinic": draw(clinic), "weekdays": draw(st.sampled_from([["mon"], ["mon", "wed"]])),
                "open": opens, "close": closes, "from": draw(day)}})  # fmt: skip
    return changes


def unchanged(clinics: list[str]) -> list[dict[str, Any]]:
    """A scenario reaching these clinics that changes nothing: each clinic's own room count."""
    network = clinic_selectors.network_document()
    rooms = {c["code"]: c["exam_rooms"] for o in network["organizations"] for r in o["regions"]
             for c in r["clinics"]}  # fmt: skip
    return [{"exam_rooms": {"clinic": code, "rooms": rooms[code]}} for code in clinics]


def applied_plan(changes: list[dict], *, first: str, months: int) -> tuple[dict, dict]:
    """The scenario's results, and the current plan's once it is applied (same clinics)."""
    user = factories.UserFactory(role="operations", username="applier")
    scenario = services.scenario_save(
        document=scenario_file(*changes, first=first, months=months), user=user, today=TODAY
    )
    scenario = services.scenario_run(scenario=scenario, today=TODAY)
    assert scenario.status == scenario.Status.DONE, scenario.problems
    services.scenario_apply(scenario=scenario, user=user, today=TODAY)
    after = services.scenario_compute(
        document=scenario_file(*unchanged(scenario.results["clinics"]), first=first,
                               months=months),
        today=TODAY,
    )  # fmt: skip
    return scenario.results, after


def test_applying_a_scenario_then_computing_the_plan_gives_the_scenarios_numbers(network):
    @EXAMPLES
    @given(changes=real_changes(), first=st.sampled_from(["2030-01", "2030-02"]),
           months=st.integers(3, 6))  # fmt: skip
    def check(changes, first, months):
        with rolled_back():
            # when
            results, after = applied_plan(changes, first=first, months=months)
            # then: every figure per clinic × month, per line and TNAA, as the scenario said
            assert after["clinics"] == results["clinics"]
            assert by_row(after, "current") == by_row(results, "scenario")
            assert by_line(after, "current") == by_line(results, "scenario")
            assert by_tnaa(after, "current") == by_tnaa(results, "scenario")

    check()


def test_after_a_ramp_up_the_applied_plan_has_the_scenarios_minutes(network):
    @EXAMPLES
    @given(changes=real_changes(ramp=st.integers(1, 3)), months=st.integers(4, 8))
    def check(changes, months):
        with rolled_back():
            results, after = applied_plan(changes, first="2030-01", months=months)
            ramps = [
                compute.Ramp(c["add_provider"]["npi"], date.fromisoformat(
                    c["add_provider"]["start"]), c["add_provider"]["ramp_months"])
                for c in changes if "add_provider" in c
            ]  # fmt: skip
            full = {p for p in results["periods"] if all(r.factor(p) == 1 for r in ramps)}
            # then: once every ramp is over, the same supply, utilization and unutilized
            # minutes; while one runs, the scenario has no more than the applied network
            now, then = by_row(after, "current"), by_row(results, "scenario")
            for key in now:
                if key[1] in full:
                    assert now[key][:3] == then[key][:3], key
                else:
                    assert then[key][0] <= now[key][0], key

    check()


def test_a_scenario_over_many_clinics_computed_in_batches_is_what_applying_gives():
    # given: the 12-clinic demo network, computed two clinics at a time (BATCHES = 10), and a
    # scenario reaching every clinic: a lower target everywhere, 2 rooms at every other clinic,
    # a template one block shorter, a provider who works at two clinics leaving, and longer
    # Monday and Tuesday hours at one clinic
    clinic_services.network_import(
        document=demo.demo_network(clinics=12, seed=3, today=TODAY), replan=False
    )
    network = clinic_selectors.network_document()
    clinics = sorted(
        (c for o in network["organizations"] for r in o["regions"] for c in r["clinics"]),
        key=lambda c: c["code"],
    )
    template = network["templates"][0]
    leaving = next(
        p for p in network["providers"] if len({a["clinic"] for a in p["assignments"]}) > 1
    )
    first = clinics[0]
    changes = [
        *({"target_utilization": {"clinic": c["code"], "value": 0.8}} for c in clinics),
        *({"exam_rooms": {"clinic": c["code"], "rooms": 2}} for c in clinics[::2]),
        {"template": {**template, "blocks": template["blocks"][:-1]}},
        {"remove_provider": {"npi": leaving["npi"], "from": "2030-03-01"}},
        {"clinic_hours": {"clinic": first["code"], "weekdays": ["mon", "tue"],
                          "open": first["hours"]["mon"][0], "close": "19:00",
                          "from": "2030-02-01"}},
    ]  # fmt: skip
    # when
    results, after = applied_plan(changes, first="2030-02", months=4)
    # then
    assert results["clinics"] == [c["code"] for c in clinics]
    assert any(r["available_minutes_change"] for r in results["rows"])
    assert by_row(after, "current") == by_row(results, "scenario")
    assert by_line(after, "current") == by_line(results, "scenario")
    assert by_tnaa(after, "current") == by_tnaa(results, "scenario")
