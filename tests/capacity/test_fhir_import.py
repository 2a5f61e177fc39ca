"""A FHIR R4 Bundle written from the specification imports as supply and bookings (DESIGN §4)."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from capacity import importers, selectors, services
from capacity.models import Appointment, DailyRollup, ImportedSlot
from tests import factories
from tests.capacity.test_fhir import appointment, bundle, location, practitioner, schedule, slot

NPI = "1234567893"


@pytest.fixture
def lakeside(db):
    """C01 in Chicago; one provider on Mondays 08–12, 16 follow-up slots of 15 min (240 min).

    The assignment covers Monday 1 and Monday 8 July 2024 only.
    """
    clinic = factories.ClinicFactory(code="C01", timezone="America/Chicago")
    fu = factories.VisitTypeFactory(code="ORTHO-FU", minutes=15)
    template = factories.TemplateFactory(code="STD", blocks=[(0, "08:00", "12:00", fu)])
    provider = factories.ProviderFactory(npi=NPI)
    factories.AssignmentFactory(
        provider=provider, clinic=clinic, template=template, weekdays=[0],
        starts_on=date(2024, 7, 1), ends_on=date(2024, 7, 8),
    )  # fmt: skip
    return clinic, provider


def calendar(*extra: dict) -> bytes:
    """Monday 1 July as the site's calendar sends it: four 15-minute slots (one busy), an hour
    blocked at noon, a kept visit and a no-show; Monday 8 July is not sent."""
    return json.dumps(
        bundle(
            location(),
            practitioner(npi=NPI),
            schedule(),
            slot("s1", "free", "2024-07-01T08:00:00-05:00", "2024-07-01T08:15:00-05:00"),
            slot("s2", "busy", "2024-07-01T08:15:00-05:00", "2024-07-01T08:30:00-05:00"),
            slot("s3", "busy", "2024-07-01T08:30:00-05:00", "2024-07-01T08:45:00-05:00"),
            slot("s4", "free", "2024-07-01T08:45:00-05:00", "2024-07-01T09:00:00-05:00"),
            slot(
                "s5", "busy-unavailable", "2024-07-01T12:00:00-05:00", "2024-07-01T13:00:00-05:00"
            ),
            appointment(
                "a1",
                "fulfilled",
                start="2024-07-01T08:15:00-05:00",
                end="2024-07-01T08:30:00-05:00",
                slot=[{"reference": "Slot/s2"}],
            ),
            appointment(
                "a2",
                "noshow",
                start="2024-07-01T08:30:00-05:00",
                end="2024-07-01T08:45:00-05:00",
                slot=[{"reference": "Slot/s3"}],
            ),
            *extra,
            kind="transaction",
        )
    ).encode()


def test_imported_slots_replace_the_template_for_their_provider_day(lakeside):
    # given: the bundle imported
    summary = services.appointments_import(content=calendar(), source="ehr", file_format="fhir")
    services.rollups_recompute(
        first=date(2024, 7, 1), last=date(2024, 7, 31), today=date(2024, 8, 1)
    )
    # when
    table = selectors.utilization_table(
        first=date(2024, 7, 1), last=date(2024, 7, 31), clinic="C01"
    )
    # then: 1 July offers the calendar's 4 × 15 = 60 min (the blocked hour gives none) instead of
    # the template's 240; 8 July keeps its 240 template minutes: 300 in all.
    july = table.iloc[0]
    assert (summary["slots"], summary["slots_created"], summary["created"]) == (5, 5, 2)
    assert july["available_minutes"] == 300
    assert july["available_slots"] == 4 + 16
    # held: the kept visit and the no-show, 30 min; kept 15 min
    assert july["booked_minutes"] == 30
    assert july["utilization"] == pytest.approx(30 / 300)
    assert july["kept_utilization"] == pytest.approx(15 / 300)
    assert july["noshow_rate"] == pytest.approx(1 / 2)
    # unutilized per provider-day: (60 − 30) + (240 − 0)
    assert july["unutilized_minutes"] == 270


def test_reimporting_the_calendar_changes_nothing(lakeside):
    # given
    services.appointments_import(content=calendar(), source="ehr", file_format="fhir")
    stamps = list(ImportedSlot.objects.order_by("external_id").values_list("updated_at", flat=True))
    # when
    again = services.appointments_import(content=calendar(), source="ehr", file_format="fhir")
    # then
    assert (again["slots_created"], again["slots_updated"], again["slots_unchanged"]) == (0, 0, 5)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert stamps == list(
        ImportedSlot.objects.order_by("external_id").values_list("updated_at", flat=True)
    )


def test_a_slot_moved_by_the_site_updates_its_row(lakeside):
    # given
    services.appointments_import(content=calendar(), source="ehr", file_format="fhir")
    moved = json.loads(calendar())
    moved["entry"][3]["resource"]["status"] = "busy-unavailable"  # s1 now blocked
    # when
    summary = services.appointments_import(
        content=json.dumps(moved).encode(), source="ehr", file_format="fhir"
    )
    # then
    assert summary["slots_updated"] == 1
    assert ImportedSlot.objects.get(external_id="s1").available is False


def test_slots_for_an_unknown_practitioner_or_visit_type_write_nothing(lakeside):
    # given: a second schedule whose practitioner the network does not know, and a slot with an
    # appointment type nobody defined
    stranger = practitioner(id_="pr9", npi="1245319599")
    other = schedule(id_="sch9", actors=("Location/loc1", "Practitioner/pr9"))
    odd = slot(
        "s9", "free", "2024-07-08T08:00:00-05:00", "2024-07-08T08:15:00-05:00", "Schedule/sch9"
    )
    typo = slot("s10", "free", "2024-07-08T09:00:00-05:00", "2024-07-08T09:15:00-05:00")
    typo["appointmentType"]["coding"][0]["code"] = "ORTHO-XX"
    # when
    with pytest.raises(importers.ImportFileError) as caught:
        services.appointments_import(
            content=calendar(stranger, other, odd, typo), source="ehr", file_format="fhir"
        )
    # then: each names its entry and element; nothing is stored
    lines = [error.line() for error in caught.value.errors]
    assert "entry[12] Slot/s9, schedule: unknown provider NPI '1245319599'" in lines
    assert "entry[13] Slot/s10, appointmentType: unknown visit type 'ORTHO-XX'" in lines
    assert ImportedSlot.objects.count() == 0
    assert Appointment.objects.count() == 0


def test_a_slot_across_midnight_is_refused(lakeside):
    late = slot("s-late", "free", "2024-07-01T23:30:00-05:00", "2024-07-02T00:30:00-05:00")
    with pytest.raises(importers.ImportFileError) as caught:
        services.appointments_import(content=calendar(late), source="ehr", file_format="fhir")
    assert [e.line() for e in caught.value.errors] == [
        "entry[10] Slot/s-late, end: the slot runs past midnight in America/Chicago"
    ]


def test_an_import_job_rolls_up_the_months_its_slots_touch(
    lakeside, ops_user, django_capture_on_commit_callbacks
):
    # given: a job whose bundle holds only slots (no appointments)
    only_slots = json.loads(calendar())
    only_slots["entry"] = only_slots["entry"][:8]
    # when: the job runs (tasks in-process, each enqueued on commit)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.import_create(
            content=json.dumps(only_slots).encode(), filename="cal.json", source="ehr",
            file_format="fhir", mapping=None, dry_run=False, user=ops_user,
        )  # fmt: skip
    job.refresh_from_db()
    # then: July's rollups exist, with 1 July's calendar minutes
    assert job.state == "succeeded", job.problems
    first = DailyRollup.objects.filter(date=date(2024, 7, 1))
    assert sum(r.available_minutes for r in first) == 60


def test_waitlisted_and_proposed_appointments_are_counted_apart(lakeside):
    # given: two tentative appointments beside the calendar's two real ones
    extra = (appointment("a-wait", "waitlist"), appointment("a-maybe", "proposed"))
    # when
    summary = services.appointments_import(
        content=calendar(*extra), source="ehr", file_format="fhir"
    )
    # then: counted as tentative demand, never stored as bookings
    assert summary["tentative"] == 2
    assert sorted(Appointment.objects.values_list("external_id", flat=True)) == ["a1", "a2"]


def test_the_command_imports_and_the_pipeline_rolls_up(
    lakeside, tmp_path, django_capture_on_commit_callbacks
):
    # given: the calendar as a file
    path = tmp_path / "calendar.json"
    path.write_bytes(calendar())
    out = StringIO()
    # when: imported; the pipeline starts once the import commits
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "import_appointments", str(path), "--format", "fhir", "--source", "ehr", stdout=out
        )
    # then: the command says the numbers follow, and July's slots are rolled up
    assert out.getvalue().splitlines() == [
        f"imported 2 rows from {path}: 2 new, 0 updated, 0 unchanged; dates 2024-07-01 to 2024-07-01",
        "calendar slots: 5 (5 new, 0 updated, 0 unchanged)",
        "rollups, caps, targets and scorecards: recomputing in the background (see Jobs; --wait waits for them)",
    ]
    july = DailyRollup.objects.filter(date__range=(date(2024, 7, 1), date(2024, 7, 31)))
    assert sum(july.values_list("available_minutes", flat=True)) == 300


def test_the_command_names_each_problem_and_fails(lakeside, tmp_path):
    path = tmp_path / "calendar.json"
    path.write_bytes(
        calendar(slot("s1", "free", "2024-07-01T10:00:00-05:00", "2024-07-01T10:15:00-05:00"))
    )
    err = StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_appointments", str(path), "--format", "fhir", stderr=err)
    assert err.getvalue().strip() == "entry[10] Slot/s1, id: Slot/s1 is also entry[3] Slot/s1"
    assert ImportedSlot.objects.count() == 0
