"""`report np-capacity` (DESIGN §4) on a network built by hand: the engine fed from the data."""

import json
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from capacity.models import Appointment
from tests import factories

TODAY = date(2025, 8, 15)


@pytest.fixture
def lakeside(db, monkeypatch):
    """C01, orthopedics with f = [0.5, 1.0, 0.5] (F = 2), u = 0.9, one MD on Mondays from
    1 September 2025: 08–11 follow-ups of 15 min (180 min) and 13–17 new patients of 30 min
    (240 min). Mondays: 5 in September, 4 in October and November, 5 in December, 4 in January.
    """
    monkeypatch.setattr(timezone, "localdate", lambda: TODAY)
    line = factories.ServiceLineFactory(code="ORTHO")
    line.followup_profile = [0.5, 1.0, 0.5]
    line.save()
    fu = factories.VisitTypeFactory(code="ORTHO-FU", minutes=15, service_line=line)
    np_ = factories.VisitTypeFactory(
        code="ORTHO-NP", minutes=30, is_new_patient=True, service_line=line
    )
    template = factories.TemplateFactory(
        code="STD", blocks=[(0, "08:00", "11:00", fu), (0, "13:00", "17:00", np_)]
    )
    clinic = factories.ClinicFactory(code="C01", timezone="America/Chicago")
    assignment = factories.AssignmentFactory(
        clinic=clinic, template=template, weekdays=[0], starts_on=date(2025, 9, 1)
    )
    return clinic, assignment.provider, np_


def report(*args: str) -> list[dict]:
    out = StringIO()
    call_command("report", "np-capacity", *args, stdout=out)
    return json.loads(out.getvalue())


def test_caps_follow_the_templates_month_by_month(lakeside):
    # when
    rows = report(
        "--clinic", "C01", "--service-line", "ORTHO", "--from", "2025-09", "--months", "3"
    )
    # then, by hand (room = 0.9 × established minutes, B = 0, p = 0, d_fu = 15):
    # Sep: NP limit floor(0.9 × 1200 / 30) = 36; room 810; sustainable floor(810 / 30) = 27;
    #      follow-up: Oct 648 / 15 → 43 → cap 27 (sustainable). Owed: Sep 202.5, Oct 405,
    #      Nov 202.5; Sep headroom 810 − 202.5 → 607.
    # Oct: NP 28; sustainable floor(648 / 30) = 21; follow-up: Oct (648 − 405) / 7.5 → 32,
    #      Nov (648 − 202.5) / 15 → 29 → cap 21 (sustainable); Oct owes 405 + 157.5 → 85 left.
    # Nov: owed 202.5 + 315 = 517.5; follow-up: Nov (648 − 517.5) / 7.5 = 17.4 → 17, binding
    #      Nov itself; Nov then owes 517.5 + 127.5 = 645 → 3 left.
    assert rows == [
        {"period": "2025-09", "np_slots_available": 40, "np_booked": 0, "np_headroom": 27,
         "established_headroom": 607, "cap": 27, "binding_constraint": "sustainable",
         "requested": None, "target": None},
        {"period": "2025-10", "np_slots_available": 32, "np_booked": 0, "np_headroom": 21,
         "established_headroom": 85, "cap": 21, "binding_constraint": "sustainable",
         "requested": None, "target": None},
        {"period": "2025-11", "np_slots_available": 32, "np_booked": 0, "np_headroom": 17,
         "established_headroom": 3, "cap": 17, "binding_constraint": "followup:2025-11",
         "requested": None, "target": None},
    ]  # fmt: skip


def test_new_patients_already_booked_above_the_limits_set_the_cap(lakeside):
    # given: 30 new patients booked on the September Mondays (6 on each)
    clinic, provider, np_ = lakeside
    mondays = [datetime(2025, 9, d, 18, 0, tzinfo=UTC) for d in (1, 8, 15, 22, 29)]
    for n in range(30):
        start = mondays[n % 5] + timedelta(minutes=30 * (n // 5))
        Appointment.objects.create(
            source="t", external_id=f"n{n}", clinic=clinic, provider=provider, visit_type=np_,
            start=start, local_date=start.date(), duration_minutes=30, status="booked",
            is_new_patient=True, patient_key=f"p{n}",
        )  # fmt: skip
    # when
    rows = report(
        "--clinic", "C01", "--service-line", "ORTHO", "--from", "2025-09", "--months", "2"
    )
    # then: September's cap is the 30 booked (above the sustainable 27), no headroom left;
    # October owes 30 × 15 = 450: follow-up Oct (648 − 450) / 7.5 → 26, sustainable 21 binds
    assert [
        (r["cap"], r["binding_constraint"], r["np_booked"], r["np_headroom"]) for r in rows
    ] == [
        (30, "booked", 30, 0),
        (21, "sustainable", 0, 21),
    ]


def test_csv_has_the_documented_columns(lakeside):
    out = StringIO()
    call_command(
        "report", "np-capacity", "--clinic", "C01", "--service-line", "ORTHO", "--from",
        "2025-09", "--months", "1", "--format", "csv", stdout=out,
    )  # fmt: skip
    assert out.getvalue().splitlines() == [
        "period,np_slots_available,np_booked,np_headroom,established_headroom,cap,"
        "binding_constraint,requested,target",
        "2025-09,40,0,27,607,27,sustainable,,",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--clinic", "C99", "--service-line", "ORTHO", "--from", "2025-09"),
            "unknown clinic 'C99'",
        ),
        (
            ("--clinic", "C01", "--service-line", "XX", "--from", "2025-09"),
            "unknown service line 'XX'",
        ),
        (
            ("--clinic", "C01", "--service-line", "ORTHO", "--from", "2025-13"),
            "'2025-13' is not a month YYYY-MM",
        ),
        (
            ("--clinic", "C01", "--service-line", "ORTHO", "--from", "2025-09", "--months", "0"),
            "--months must be between 1 and 24",
        ),
    ],
)
def test_bad_arguments_are_named(lakeside, args, message):
    with pytest.raises(CommandError, match=message):
        report(*args)
