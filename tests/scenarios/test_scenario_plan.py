"""What-if scenarios on a small exact network (DESIGN §3–§4): the engine's numbers, worked out
by hand, and what running and applying a scenario write (the network of
test_scenario_compute.network_file, imported; `today` is Monday 14 January 2030)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from capacity.models import Appointment
from clinics import selectors as clinic_selectors
from clinics import services as clinic_services
from clinics.models import Change, Clinic, NetworkImport, Provider, ScheduleTemplate, VisitType
from marketing import services as marketing_services
from marketing.models import NewPatientGoal
from scenarios import compute, selectors, services
from scenarios.models import Scenario
from tests.scenarios.test_scenario_compute import (
    ABLE,
    BAKER,
    FORD,
    NEW_NPI,
    TODAY,
    network_file,
    new_provider,
    scenario_file,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def network() -> dict[str, Any]:
    clinic_services.network_import(document=network_file(), replan=False)
    return clinic_selectors.network_document()


def run(*changes: dict, first: str = "2030-02", months: int = 3) -> dict[str, Any]:
    return services.scenario_compute(
        document=scenario_file(*changes, first=first, months=months), today=TODAY
    )


def column(results: dict, clinic: str, name: str) -> dict[str, Any]:
    """{period: value} of one column of the results' rows for one clinic."""
    return {r["period"]: r[name] for r in results["rows"] if r["clinic"] == clinic}


def change(results: dict, clinic: str = "C01") -> dict[str, float]:
    return column(results, clinic, "available_minutes_change")


def written() -> dict[str, Any]:
    """What a scenario may not write unless applied: the network, imports, jobs, goals."""
    return {
        "network": clinic_selectors.network_document(),
        "imports": NetworkImport.objects.count(),
        "changes": Change.objects.count(),
        "goals": list(
            NewPatientGoal.objects.order_by("pk").values_list(
                "pk", "clinic__code", "month", "cap", "target", "binding_constraint"
            )
        ),
        "templates": ScheduleTemplate.objects.count(),
    }


def december_follow_ups(count: int) -> None:
    """`count` kept 15-minute follow-ups with Dr. Able at C01 on the Mondays of December 2029
    (16 a Monday, 13:00–17:00 Chicago time), each by a different established patient."""
    provider = Provider.objects.get(npi=ABLE)
    fu = VisitType.objects.get(code="ORTHO-FU")
    for n in range(count):
        day = datetime(2029, 12, 3, 19, 0, tzinfo=UTC) + timedelta(weeks=n // 16)
        start = day + timedelta(minutes=15 * (n % 16))
        Appointment.objects.create(
            source="t", external_id=f"fu{n}", clinic=provider.home_clinic, provider=provider,
            visit_type=fu, start=start, local_date=start.date(), duration_minutes=15,
            status="fulfilled", is_new_patient=False, patient_key=f"p{n}",
        )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# 1. Adding a provider


def test_a_full_time_provider_adds_the_templates_minutes_on_their_working_days(network):
    # given: 48 follow-ups held in December (3 Mondays × 16): the forecast is their trailing
    # three-month mean, 720 ÷ 3 = 240 minutes a month
    december_follow_ups(48)
    # when: Dr. New, 1.0 FTE on STD at C01 on Mondays from 1 February, with no ramp-up
    results = run(new_provider())
    # then: STD's Monday is 240 NP + 240 FU = 480 minutes; February and March have 4 Mondays
    # (+1,920), April 5 (+2,400). Currently C01 has Able's 480 on Mondays and Wednesdays and
    # Baker's 240 on Mondays: Feb 8 × 480 + 4 × 240 = 4,800; Apr 9 × 480 + 5 × 240 = 5,520.
    assert results["clinics"] == ["C01"]
    assert results["periods"] == ["2030-02", "2030-03", "2030-04"]
    assert column(results, "C01", "available_minutes_current") == {
        "2030-02": 4800, "2030-03": 4800, "2030-04": 5520,
    }  # fmt: skip
    assert change(results) == {"2030-02": 1920, "2030-03": 1920, "2030-04": 2400}
    # utilization holds demand at the forecast: 240 ÷ 4,800 = 5 % → 240 ÷ 6,720 = 1/28
    feb = next(r for r in results["rows"] if r["period"] == "2030-02")
    assert feb["forecast_minutes"] == 240
    assert feb["utilization_current"] == pytest.approx(0.05)
    assert feb["utilization_scenario"] == pytest.approx(1 / 28)
    assert (feb["unutilized_minutes_current"], feb["unutilized_minutes_scenario"]) == (4560, 6480)
    # caps: NP minutes are Able's 240 a day (+ Dr. New's 240 a Monday); d_new = 30, u = 0.9.
    # Feb: floor(0.9 × 8 × 240 ÷ 30) = floor(57.6) = 57 → floor(0.9 × 12 × 240 ÷ 30) = 86;
    # Apr: floor(0.9 × 9 × 8) = 64 → floor(0.9 × 14 × 8) = 100. Follow-up room is ample
    # (0.9 × 2,880 − 240 = 2,352 minutes in Feb for 57 × 7.5), so the slots bind.
    assert column(results, "C01", "np_cap_current") == {
        "2030-02": 57, "2030-03": 57, "2030-04": 64,
    }  # fmt: skip
    assert column(results, "C01", "np_cap_scenario") == {
        "2030-02": 86, "2030-03": 86, "2030-04": 100,
    }  # fmt: skip
    assert set(column(results, "C01", "binding_constraint_scenario").values()) == {"np_slots"}
    # TNAA is estimated on the scenario's first day, Friday 1 February: every provider's third
    # free slot of each class is on Monday 4 February, 3 days on
    assert results["tnaa_as_of"] == "2030-02-01"
    assert [
        (t["is_new_patient"], t["days_current"], t["providers_current"], t["days_scenario"],
         t["providers_scenario"])
        for t in results["tnaa"]
    ] == [(True, 3.0, 1, 3.0, 2), (False, 3.0, 2, 3.0, 3)]  # fmt: skip
    assert results["changes"] == [
        "Add Dr. New (MD, 1.0 FTE) at C01 on mon with STD from 2030-02-01"
    ]


def test_a_provider_starting_mid_month_adds_only_the_days_from_their_start(network):
    # Dr. New starts on Monday 18 February: the 18th and the 25th, 2 × 480 = 960
    results = run(new_provider(start="2030-02-18"), months=2)
    assert change(results) == {"2030-02": 960, "2030-03": 1920}
    # TNAA on 1 February: Able and Baker 3 days (Monday the 4th), Dr. New 17 (the 18th).
    # New patients (3 + 17) ÷ 2 = 10; established (3 + 3 + 17) ÷ 3 = 23/3.
    assert [(t["days_current"], t["days_scenario"]) for t in results["tnaa"]] == [
        (3.0, 10.0),
        (3.0, pytest.approx(23 / 3)),
    ]


# ---------------------------------------------------------------------------------------------
# 2. Ramp-up


def test_a_ramp_up_scales_the_new_providers_supply_month_by_month(network):
    # given: Dr. New ramping up over 4 months from 1 February: 1/4, 2/4, 3/4, then full
    ramped = run(new_provider(ramp_months=4), months=5)
    full = run(new_provider(ramp_months=0), months=5)
    # then: Mondays Feb 4, Mar 4, Apr 5, May 4, Jun 4, × 480:
    # Feb 1,920 × 1/4 = 480; Mar 1,920 × 2/4 = 960; Apr 2,400 × 3/4 = 1,800; May and June full
    assert change(ramped) == {
        "2030-02": 480, "2030-03": 960, "2030-04": 1800, "2030-05": 1920, "2030-06": 1920,
    }  # fmt: skip
    assert change(full) == {
        "2030-02": 1920, "2030-03": 1920, "2030-04": 2400, "2030-05": 1920, "2030-06": 1920,
    }  # fmt: skip
    # the ramped NP minutes raise February's cap less: 8 × 240 + 4 × 240 / 4 = 2,160 minutes,
    # floor(0.9 × 2,160 ÷ 30) = floor(64.8) = 64 (57 now, 86 at full supply)
    assert column(ramped, "C01", "np_cap_scenario")["2030-02"] == 64
    assert column(full, "C01", "np_cap_scenario")["2030-02"] == 86
    # a patient may book every slot of a ramping provider: TNAA is as at full supply
    assert ramped["tnaa"] == full["tnaa"]


# ---------------------------------------------------------------------------------------------
# 3. Exam rooms


@pytest.mark.parametrize(
    ("rooms", "monday"),
    [
        # room for 2 of the 3 (4 rooms, 2 each): each slot counts 2/3: 3 × 480 × 2/3 = 960
        (4, 960),
        # room for 2.5: each counts 2.5 / 3 = 5/6: 3 × 480 × 5/6 = 1,200
        (5, 1200),
        # room for 3: everything counts, 1,440 (3/2 of 960)
        (6, 1440),
        (8, 1440),
        # no rooms: no supply
        (0, 0),
    ],
)
def test_exam_rooms_bound_the_minutes_of_providers_working_at_once(network, rooms, monday):
    # given: Cole, Dunn and Eve work STD at C02 on Mondays, three at once, in 4 rooms
    # when
    results = run({"exam_rooms": {"clinic": "C02", "rooms": rooms}})
    # then: February and March have 4 Mondays, April 5
    assert results["clinics"] == ["C02"]
    assert column(results, "C02", "available_minutes_current") == {
        "2030-02": 4 * 960, "2030-03": 4 * 960, "2030-04": 5 * 960,
    }  # fmt: skip
    assert column(results, "C02", "available_minutes_scenario") == {
        "2030-02": 4 * monday, "2030-03": 4 * monday, "2030-04": 5 * monday,
    }  # fmt: skip


def test_more_exam_rooms_raise_the_new_patient_cap_by_the_rooms_fraction(network):
    results = run({"exam_rooms": {"clinic": "C02", "rooms": 6}}, months=1)
    # Feb NP minutes: 3 × 4 × 240 × 2/3 = 1,920 → floor(0.9 × 1,920 ÷ 30) = 57;
    # with 6 rooms 2,880 → floor(86.4) = 86
    assert column(results, "C02", "np_cap_current") == {"2030-02": 57}
    assert column(results, "C02", "np_cap_scenario") == {"2030-02": 86}


# ---------------------------------------------------------------------------------------------
# 4. A template with more new-patient slots: the follow-up limit bites later


NP_HEAVY = {
    "template": {
        "code": "NP-HEAVY", "name": "New patients first", "blocks": [
            {"weekday": "mon", "start": "08:00", "end": "11:00", "visit_type": "ORTHO-NP"},
            {"weekday": "mon", "start": "11:00", "end": "12:00", "visit_type": "ORTHO-FU"},
        ],
    }
}  # fmt: skip


def test_more_new_patient_slots_raise_the_np_limit_until_follow_ups_bind(network):
    # given: Ford at C03 on LIGHT Mondays: 60 NP minutes (2 slots) and 180 FU minutes. A new
    # template NP-HEAVY has 180 NP minutes (6 slots) and 60 FU minutes, from 1 February.
    # when
    results = run(
        NP_HEAVY,
        {"swap_template": {"npi": FORD, "clinic": "C03", "template": "NP-HEAVY",
                           "from": "2030-02-01"}},
        months=4,
    )  # fmt: skip
    # then, DESIGN §3 with u = 0.9, d_new = 30, d_fu = 15, f = [0.5, 0.5] (F = 1), p = 0, B = 0,
    # no bookings; caps are solved from January (today's month), each target = its cap, and
    # a patient owes 0.5 × 15 = 7.5 minutes in their month and 7.5 the month after.
    # Mondays: Jan–Mar 4, Apr 5, May 4, Jun 4.
    #
    # Current (LIGHT every month): NP limit = floor(0.9 × 60 × M ÷ 30) = 7 (4 Mondays), 9 (5);
    # room = 0.9 × 180 × M = 648 (4 Mondays); sustainable floor(648 ÷ 15) = 43; follow-up
    # limits ≥ (648 − 52.5) ÷ 7.5 = 79: the slots bind every month.
    assert column(results, "C03", "np_cap_current") == {
        "2030-02": 7, "2030-03": 7, "2030-04": 9, "2030-05": 7,
    }  # fmt: skip
    assert set(column(results, "C03", "binding_constraint_current").values()) == {"np_slots"}
    # Scenario: January keeps LIGHT (cap 7, np_slots; its follow-up limit reads February's
    # room 0.9 × 60 × 4 = 216: floor(216 ÷ 7.5) = 28 > 7) and owes February 7 × 7.5 = 52.5.
    # NP-HEAVY: NP limit floor(0.9 × 180 × M ÷ 30) = 21 (4 Mondays), 27 (5);
    # room 216 (4 Mondays), 270 (5); sustainable floor(216 ÷ 15) = 14, floor(270 ÷ 15) = 18.
    # Feb: follow-up k=0 floor((216 − 52.5) ÷ 7.5) = 21, k=1 floor(216 ÷ 7.5) = 28 →
    #      min(21, 14, 21) = 14, sustainable. Owes Feb and Mar 14 × 7.5 = 105 each.
    # Mar: k=0 floor((216 − 105) ÷ 7.5) = 14, k=1 floor(270 ÷ 7.5) = 36 → 14; sustainable ties
    #      the follow-up limit and is named first. Owes Apr 105.
    # Apr: k=0 floor((270 − 105) ÷ 7.5) = 22, k=1 floor(216 ÷ 7.5) = 28 → sustainable 18.
    #      Owes Apr and May 18 × 7.5 = 135.
    # May: k=0 floor((216 − 135) ÷ 7.5) = floor(10.8) = 10 < sustainable 14: April's larger
    #      intake leaves May short, and May's own follow-up room binds.
    assert column(results, "C03", "np_cap_scenario") == {
        "2030-02": 14, "2030-03": 14, "2030-04": 18, "2030-05": 10,
    }  # fmt: skip
    assert column(results, "C03", "binding_constraint_scenario") == {
        "2030-02": "sustainable", "2030-03": "sustainable", "2030-04": "sustainable",
        "2030-05": "followup:2030-05",
    }  # fmt: skip
    # the same 240 minutes a Monday, in another mix
    assert set(change(results, "C03").values()) == {0}
    assert [(r["np_cap_current"], r["binding_current"], r["binding_scenario"])
            for r in results["lines"]][-1] == (7, "np_slots", "followup:2030-05")  # fmt: skip


# ---------------------------------------------------------------------------------------------
# 5. Clinic hours


def hours(open_: str, close: str, **more: Any) -> dict[str, Any]:
    body = {"clinic": "C01", "weekdays": ["mon"], "open": open_, "close": close,
            "from": "2030-02-01", **more}  # fmt: skip
    return {"clinic_hours": body}


def test_later_closing_adds_the_new_time_to_providers_who_worked_to_the_old_close(network):
    # given: C01 open to 19:00 on Mondays from 1 February (January shown for comparison)
    results = run(hours("08:00", "19:00"), first="2030-01", months=4)
    # then: Able's Monday ran to 17:00 (follow-ups 13–17): 17–19 of follow-ups, +120 a
    # Monday; Baker's ended at 12:00 and stays; Wednesdays are not changed.
    # Jan 0; Feb 4 × 120; Mar 4 × 120; Apr 5 × 120.
    assert change(results) == {"2030-01": 0, "2030-02": 480, "2030-03": 480, "2030-04": 600}
    # follow-ups only: the NP caps stay
    assert column(results, "C01", "np_cap_change") == dict.fromkeys(results["periods"], 0)


def test_new_hours_may_be_given_to_new_patients(network):
    results = run(hours("08:00", "19:00", visit_type="ORTHO-NP"), months=1)
    # 17–19 of new patients: 4 slots a Monday. Feb NP minutes 8 × 240 + 4 × 120 = 2,400:
    # floor(0.9 × 2,400 ÷ 30) = 72, from 57
    assert change(results) == {"2030-02": 480}
    assert column(results, "C01", "np_cap_scenario") == {"2030-02": 72}


def test_earlier_opening_adds_the_new_time_to_everyone_who_started_at_the_old_opening(network):
    # Able (NP from 08:00) and Baker (FU from 08:00) both start an hour earlier: 2 × 60 a
    # Monday; Feb 4 × 120 = 480
    assert change(run(hours("07:00", "17:00"), months=1)) == {"2030-02": 480}


def test_shorter_hours_clip_the_providers_days(network):
    # 08:00–16:00: Able's follow-ups end at 16:00 instead of 17:00, −60 a Monday; Baker's
    # mornings stay. Feb and Mar −240, Apr −300.
    assert change(run(hours("08:00", "16:00"))) == {
        "2030-02": -240, "2030-03": -240, "2030-04": -300,
    }  # fmt: skip
    # 09:00–12:00: Able keeps NP 09–12 (180) and Baker FU 09–12 (180) of 720: −360 a Monday
    assert change(run(hours("09:00", "12:00"), months=1)) == {"2030-02": -4 * 360}


# ---------------------------------------------------------------------------------------------
# 6. Removing, reducing and re-templating a provider


def test_removing_a_provider_takes_their_days_from_the_date(network):
    # Baker (AM, 240 a Monday) leaves from Monday 18 February: February keeps the 4th and the
    # 11th (−2 × 240); March −4 × 240; April −5 × 240
    results = run({"remove_provider": {"npi": BAKER, "from": "2030-02-18"}})
    assert change(results) == {"2030-02": -480, "2030-03": -960, "2030-04": -1200}
    assert column(results, "C01", "available_minutes_scenario") == {
        "2030-02": 4320, "2030-03": 3840, "2030-04": 4320,
    }  # fmt: skip


def test_reducing_a_provider_to_fewer_weekdays_drops_the_others_from_the_date(network):
    # Able goes to 0.5 FTE on Mondays only from 1 March: February unchanged; March loses its 4
    # Wednesdays (−4 × 480), April its 4 Wednesdays
    results = run({"reduce_provider": {"npi": ABLE, "from": "2030-03-01", "fte": 0.5,
                                       "weekdays": ["mon"]}})  # fmt: skip
    assert change(results) == {"2030-02": 0, "2030-03": -1920, "2030-04": -1920}
    # NP minutes in March: 4 Mondays × 240 = 960 → floor(0.9 × 960 ÷ 30) = 28 (57 before)
    assert column(results, "C01", "np_cap_scenario")["2030-03"] == 28


def test_an_fte_reduction_alone_changes_no_minutes(network):
    results = run({"reduce_provider": {"npi": ABLE, "from": "2030-03-01", "fte": 0.8}})
    assert set(change(results).values()) == {0}


def test_swapping_a_template_changes_the_minutes_from_the_date(network):
    # Able moves from STD (480 a day, half new patients) to AM (240 of follow-ups) from
    # 1 March: March −8 × 240 (4 Mondays + 4 Wednesdays), April −9 × 240
    results = run(
        {"swap_template": {"npi": ABLE, "clinic": "C01", "template": "AM", "from": "2030-03-01"}}
    )
    assert change(results) == {"2030-02": 0, "2030-03": -1920, "2030-04": -2160}
    # no new-patient slots are left at C01 from March: the cap is 0 and the slots bind
    assert column(results, "C01", "np_cap_scenario") == {"2030-02": 57, "2030-03": 0, "2030-04": 0}
    assert column(results, "C01", "binding_constraint_scenario")["2030-03"] == "np_slots"


# ---------------------------------------------------------------------------------------------
# 7. Bad input: named by path, nothing written


def refusals(document: dict) -> list[tuple[str, str]]:
    with pytest.raises(compute.ScenarioError) as caught:
        services.scenario_save(document=document, user=None, today=TODAY)
    return caught.value.problems


def refused(document: dict) -> dict[str, str]:
    return dict(refusals(document))


@pytest.mark.parametrize(
    ("change_", "path", "words"),
    [
        (new_provider(start="2030-01-10"), "changes[0].add_provider.start", "before today"),
        (new_provider(fte=1.2), "changes[0].add_provider.fte", "beyond 1.0"),
        ({"exam_rooms": {"clinic": "C02", "rooms": -2}}, "changes[0].exam_rooms.rooms",
         "below zero"),
        (NP_HEAVY | {"template": {**NP_HEAVY["template"], "blocks": [
            {"weekday": "mon", "start": "08:00", "end": "11:00", "visit_type": "ORTHO-NP"},
            {"weekday": "mon", "start": "10:45", "end": "12:00", "visit_type": "ORTHO-FU"}]}},
         "changes[0].template.blocks[1].start", "overlaps"),
        (new_provider(clinic="C09"), "changes[0].add_provider.clinic", "unknown clinic"),
        ({"remove_provider": {"npi": NEW_NPI, "from": "2030-02-01"}},
         "changes[0].remove_provider.npi", "no provider"),
        ({"swap_template": {"npi": FORD, "clinic": "C03", "template": "EVENING",
                            "from": "2030-02-01"}}, "changes[0].swap_template.template",
         "unknown template"),
    ],
)  # fmt: skip
def test_bad_input_is_named_by_path_and_nothing_is_written(network, change_, path, words):
    before = written()
    found = refused(scenario_file(change_))
    assert path in found, found
    assert words in found[path]
    assert written() == before
    assert not Scenario.objects.exists()


def test_a_scenario_starting_before_this_month_is_refused(network):
    assert "from" in refused(scenario_file(first="2029-12"))
    assert not Scenario.objects.exists()


def test_what_the_network_import_refuses_is_named_by_the_change_that_caused_it(network):
    # given: a registered nurse, whom no visit type allows, added as a provider
    before = written()
    found = refused(scenario_file(new_provider(credential="RN")))
    # then: the import's dry run refuses the assignment; the problem is the add_provider's
    (path,) = found
    assert path == "changes[0].add_provider", found
    assert written() == before


def test_a_shortening_that_would_cut_a_slot_keeps_whole_slots(network):
    # closing at 16:50 would cut Able's last 15-minute follow-up in two: his 13–17 block ends
    # at 16:45 instead, 15 whole slots; the 08–12 new-patient block is untouched
    scenario = compute.read(scenario_file(hours("08:00", "16:50")), today=TODAY)
    patch = compute.patch(clinic_selectors.network_document(), scenario)
    (derived,) = [t for t in patch.document["templates"] if t["code"] != "STD"]
    monday = [(b["start"], b["end"], b["visit_type"]) for b in derived["blocks"]
              if b["weekday"] == "mon"]  # fmt: skip
    assert monday == [
        ("08:00", "12:00", "ORTHO-NP"),
        ("12:00", "13:00", None),
        ("13:00", "16:45", "ORTHO-FU"),
    ]


@pytest.fixture
def ran(network, ops_user) -> Scenario:
    """A saved and run scenario: Dr. New at C01 and 6 rooms at C02."""
    scenario = services.scenario_save(
        document=scenario_file(new_provider(), {"exam_rooms": {"clinic": "C02", "rooms": 6}}),
        user=ops_user,
        today=TODAY,
    )
    return services.scenario_run(scenario=scenario, today=TODAY)


def test_applying_after_the_network_changed_is_refused_naming_the_change(ran, ops_user):
    # given: C01's exam rooms changed since the run
    edited = clinic_selectors.network_document()
    edited["organizations"][0]["regions"][0]["clinics"][0]["exam_rooms"] = 12
    clinic_services.network_import(document=edited, replan=False)
    before = written()
    # when
    with pytest.raises(services.ScenarioStale) as caught:
        services.scenario_apply(scenario=ran, user=ops_user, today=TODAY)
    # then
    assert "clinic C01 (Lakeside): exam_rooms 10 → 12 changed" in str(caught.value)
    assert written() == before
    ran.refresh_from_db()
    assert (ran.status, ran.applied_at, ran.applied_import) == (Scenario.Status.DONE, None, None)


def test_applying_a_scenario_edited_since_its_run_is_refused(ran, ops_user):
    # saved again with another file: back to a draft, to be run again
    services.scenario_save(
        document=scenario_file(new_provider(fte=0.8)), user=ops_user, today=TODAY, scenario=ran
    )
    before = written()
    with pytest.raises(services.ScenarioNotRun):
        services.scenario_apply(scenario=ran, user=ops_user, today=TODAY)
    # a file changed under a finished run (not through scenario_save) is refused the same way
    Scenario.objects.filter(pk=ran.pk).update(status=Scenario.Status.DONE)
    with pytest.raises(services.ScenarioNotRun):
        services.scenario_apply(scenario=ran, user=ops_user, today=TODAY)
    assert written() == before


def test_applying_a_scenario_never_run_is_refused(network, ops_user):
    scenario = services.scenario_save(
        document=scenario_file(new_provider()), user=ops_user, today=TODAY
    )
    with pytest.raises(services.ScenarioNotRun):
        services.scenario_apply(scenario=scenario, user=ops_user, today=TODAY)
    assert not NetworkImport.objects.exists()


def test_applying_once_a_changes_date_has_passed_is_refused_naming_it(ran, ops_user):
    before = written()
    with pytest.raises(compute.ScenarioError) as caught:
        services.scenario_apply(scenario=ran, user=ops_user, today=TODAY + timedelta(days=30))
    assert "changes[0].add_provider.start" in dict(caught.value.problems)
    assert written() == before


# ---------------------------------------------------------------------------------------------
# 8. Running never touches the network; applying writes it once


def test_running_a_scenario_never_touches_the_network(network, ops_user):
    # given: a stored plan, and a scenario with a change of every kind
    marketing_services.caps_recompute(today=TODAY)
    assert NewPatientGoal.objects.exists()
    before = written()
    scenario = services.scenario_save(
        document=scenario_file(
            NP_HEAVY,
            new_provider(ramp_months=2),
            {"remove_provider": {"npi": BAKER, "from": "2030-03-01"}},
            {"reduce_provider": {"npi": ABLE, "from": "2030-03-01", "fte": 0.5}},
            hours("07:00", "18:00"),
            {"exam_rooms": {"clinic": "C02", "rooms": 6}},
            {"swap_template": {"npi": FORD, "clinic": "C03", "template": "NP-HEAVY",
                               "from": "2030-02-01"}},
            {"target_utilization": {"clinic": "C03", "value": 0.8}},
        ),
        user=ops_user,
        today=TODAY,
    )  # fmt: skip
    # when
    scenario = services.scenario_run(scenario=scenario, today=TODAY)
    # then: results for the three clinics; the network, goals and jobs as they were
    assert (scenario.status, scenario.problems) == (Scenario.Status.DONE, [])
    assert scenario.results["clinics"] == ["C01", "C02", "C03"]
    assert (scenario.progress_done, scenario.progress_total) == (3, 3)
    assert scenario.network_snapshot == before["network"]
    assert written() == before


def test_applying_imports_the_changes_once_and_the_plan_then_shows_the_scenarios_numbers(
    ran, ops_user
):
    # when
    applied = services.scenario_apply(scenario=ran, user=ops_user, today=TODAY)
    # then: one import in the history, named after the scenario; the clinics it changed are
    # recorded for the pipeline
    assert applied.status == Scenario.Status.APPLIED
    (record,) = NetworkImport.objects.all()
    assert applied.applied_import == record
    assert record.filename == "scenario: What if"
    codes = dict(Clinic.objects.values_list("pk", "code"))
    recorded = Change.objects.values_list("reason", "clinic_id")
    assert sorted((reason, codes[c]) for reason, c in recorded) == [
        ("scenario: What if", "C01"), ("scenario: What if", "C02"),
    ]  # fmt: skip
    network = clinic_selectors.network_document()
    assert NEW_NPI in [p["npi"] for p in network["providers"]]
    assert network["organizations"][0]["regions"][0]["clinics"][1]["exam_rooms"] == 6
    # the plan on the applied network is the scenario's: C01 Feb 6,720 min, cap 86;
    # C02 Feb 4 × 1,440 = 5,760, cap 86
    now = selectors.plan_figures(clinics=["C01", "C02"], periods=["2030-02"], today=TODAY)
    assert now.months[["clinic", "available_minutes", "np_cap"]].values.tolist() == [
        ["C01", 6720.0, 86], ["C02", 5760.0, 86],
    ]  # fmt: skip
    # and it cannot be applied twice
    with pytest.raises(services.ScenarioApplied):
        services.scenario_apply(scenario=applied, user=ops_user, today=TODAY)
    assert NetworkImport.objects.count() == 1


def test_a_failing_run_stores_its_problems(network):
    # given: a scenario valid when saved whose provider is then taken by the network
    scenario = services.scenario_save(
        document=scenario_file(new_provider()), user=None, today=TODAY
    )
    taken = copy.deepcopy(network_file())
    taken["providers"].append(
        {**taken["providers"][0], "npi": NEW_NPI, "name": "Dr. Taken", "assignments": []}
    )
    clinic_services.network_import(document=taken, replan=False)
    # when
    scenario = services.scenario_run(scenario=scenario, today=TODAY)
    # then
    assert scenario.status == Scenario.Status.FAILED
    assert scenario.problems == [
        "changes[0].add_provider.npi: NPI " + NEW_NPI + " is already in the network (Dr. Taken)"
    ]
    assert scenario.results is None
