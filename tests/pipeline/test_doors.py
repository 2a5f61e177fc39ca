"""One number, every door: a change made through any entry point reaches the rollups, the caps
and targets and the scorecards with no manual step, through the one pipeline.

The tasks run in-process here (the pipeline's task starts once the change commits); the
real-worker tests beside these run the same doors through Redis.

Worked by hand for every test: C01 offers orthopedics (follow-up profile f = [0.1]) and one MD
works Mondays, 08–12 follow-ups of 15 min (240 min) and 13–17 new patients of 30 min (8 slots,
240 min). Target utilization 0.9, 6 exam rooms, 2 rooms a provider. Few follow-ups owed, so
the new-patient slots bind: cap = floor(0.9 × 240 × Mondays ÷ 30) = floor(7.2 × Mondays).
"""

import calendar
import json
from datetime import date, time, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from clinics import changes
from clinics import services as clinic_services
from clinics.models import Change, Clinic, ScheduleTemplate, VisitType
from marketing import compute
from marketing.models import GoalChange, NewPatientGoal
from pipeline import services
from pipeline.models import RecomputeJob
from pipeline.tasks import pipeline_nightly
from tests import factories
from tests.capacity.test_import import HEADER

pytestmark = pytest.mark.django_db


def mondays(period: str) -> int:
    year, month = map(int, period.split("-"))
    return sum(1 for week in calendar.monthcalendar(year, month) if week[calendar.MONDAY])


def first_monday(period: str) -> date:
    year, month = map(int, period.split("-"))
    day = date(year, month, 1)
    return day + timedelta(days=(7 - day.weekday()) % 7)


@pytest.fixture
def lakeside(db):
    line = factories.ServiceLineFactory(code="ORTHO")
    line.followup_profile = [0.1]
    line.save()
    fu = factories.VisitTypeFactory(code="ORTHO-FU", minutes=15, service_line=line)
    np_ = factories.VisitTypeFactory(
        code="ORTHO-NP", minutes=30, is_new_patient=True, service_line=line
    )
    template = factories.TemplateFactory(
        code="STD", blocks=[(0, "08:00", "12:00", fu), (0, "13:00", "17:00", np_)]
    )
    clinic = factories.ClinicFactory(code="C01", service_lines=[line])
    factories.AssignmentFactory(
        clinic=clinic,
        provider=factories.ProviderFactory(npi="1234567893", service_line=line),
        template=template,
        weekdays=[0],
        starts_on=date(2024, 1, 1),
    )
    return clinic


@pytest.fixture
def planned(lakeside, django_capture_on_commit_callbacks):
    """The plan computed once, as the nightly run leaves it; returns the horizon's months."""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("recompute", stdout=StringIO())
    this = timezone.localdate().strftime("%Y-%m")
    return [compute.month_add(this, n) for n in range(12)]


def caps_by_api(client) -> dict[str, int]:
    rows = client.get("/api/goals/", {"clinic": "C01", "service_line": "ORTHO"}).json()
    return {r["period"]: r["cap"] for r in rows}


def caps_by_report(period: str) -> dict:
    out = StringIO()
    call_command(
        "report", "np-capacity", "--clinic", "C01", "--service-line", "ORTHO", "--from", period,
        "--months", "1", "--format", "json", stdout=out,
    )  # fmt: skip
    return json.loads(out.getvalue())[0]


def test_the_plan_by_hand(planned, client, ops_user):
    client.force_login(ops_user)
    assert caps_by_api(client) == {p: 72 * mondays(p) // 10 for p in planned}


def test_the_clinic_edit_page_halves_the_rooms_and_every_number_follows(
    planned, client, ops_user, django_capture_on_commit_callbacks
):
    # given: the edit page as a person sends it back, with one exam room instead of six
    client.force_login(ops_user)
    form = {
        "name": "Lakeside", "timezone": "America/Chicago", "exam_rooms": "1",
        "rooms_per_provider": "2", "target_utilization": "0.9", "cold_threshold": "0.7",
        "band_low": "0.85", "band_high": "0.95", "hot_threshold": "0.95",
        "service_lines": [str(Clinic.objects.get().service_lines.get().pk)],
        **{f"{d}_opens": "08:00" for d in ("mon", "tue", "wed", "thu", "fri")},
        **{f"{d}_closes": "17:00" for d in ("mon", "tue", "wed", "thu", "fri")},
    }  # fmt: skip
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/clinics/C01/edit/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    # then: one provider, one room, two rooms a provider: each slot counts half, 120 new-patient
    # minutes a Monday; cap = floor(0.9 × 120 × Mondays ÷ 30) = floor(3.6 × Mondays)
    expected = {p: 36 * mondays(p) // 10 for p in planned}
    assert caps_by_api(client) == expected
    caps = client.get("/api/caps/", {"clinic": "C01", "service_line": "ORTHO"}).json()
    assert {r["period"]: r["cap"] for r in caps} == expected
    following = planned[1]
    assert caps_by_report(following)["cap"] == expected[following]
    job = RecomputeJob.objects.latest("pk")
    assert (job.reason, job.clinic_codes, job.status) == ("clinic C01 changed", ["C01"], "done")


def test_the_api_raises_target_utilization_and_caps_follow_without_rollups(
    planned, client, ops_user, django_capture_on_commit_callbacks
):
    client.force_login(ops_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch(
            "/api/clinics/C01/", {"target_utilization": "0.75"}, content_type="application/json"
        )
    assert response.status_code == 200, response.json()
    # cap = floor(0.75 × 240 × Mondays ÷ 30) = 6 × Mondays
    assert caps_by_api(client) == {p: 6 * mondays(p) for p in planned}
    job = RecomputeJob.objects.latest("pk")
    assert (job.clinic_codes, job.rollup_rows, job.status) == (["C01"], 0, "done")


def test_a_closure_in_the_admin_takes_one_monday_from_its_month_only(
    planned, client, admin_user_role, django_capture_on_commit_callbacks
):
    # given: next month's first Monday, closed in the admin
    following = planned[1]
    monday = first_monday(following)
    client.force_login(admin_user_role)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/clinics/closure/add/",
            {"clinic": str(Clinic.objects.get().pk), "date": monday.isoformat(),
             "reason": "Flood"},
        )  # fmt: skip
    assert response.status_code == 302
    # then: that month loses 8 slots; its rollups alone are recomputed
    caps = caps_by_api(client)
    assert caps[following] == 72 * (mondays(following) - 1) // 10
    assert caps[planned[2]] == 72 * mondays(planned[2]) // 10
    job = RecomputeJob.objects.latest("pk")
    assert (job.months_from, job.months_to) == (monday.replace(day=1), _month_end(monday))


def _month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def test_a_network_file_adds_a_monday_afternoon_and_caps_follow(
    planned, client, ops_user, tmp_path, django_capture_on_commit_callbacks
):
    # given: the exported network, with the new-patient block ending at 18:00 (10 slots)
    out = tmp_path / "network.json"
    call_command("export_network", "-o", str(out))
    doc = json.loads(out.read_text())
    (block,) = [b for b in doc["templates"][0]["blocks"] if b["visit_type"] == "ORTHO-NP"]
    block["end"] = "18:00"
    doc["organizations"][0]["regions"][0]["clinics"][0]["hours"]["mon"] = ["08:00", "18:00"]
    out.write_text(json.dumps(doc))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_network", str(out), stdout=StringIO())
    # then: cap = floor(0.9 × 300 × Mondays ÷ 30) = 9 × Mondays
    client.force_login(ops_user)
    assert caps_by_api(client) == {p: 9 * mondays(p) for p in planned}


def test_an_import_by_the_cli_reaches_the_scorecard(
    planned, tmp_path, django_capture_on_commit_callbacks
):
    # given: last month, C01's first Monday: one new patient kept (30 min) and a follow-up
    # no-show (15 min)
    last = compute.month_add(planned[0], -1)
    monday = first_monday(last).isoformat()
    content = "\n".join([
        HEADER,
        f"A1,C01,1234567893,ORTHO-NP,{monday}T13:00,,fulfilled,yes,MRN-1,,,",
        f"A2,C01,1234567893,ORTHO-FU,{monday}T08:00,,noshow,no,MRN-2,,,",
    ]) + "\n"  # fmt: skip
    path = _write(tmp_path, content)
    # when: the cron's command, then the board's report
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_appointments", str(path), "--source", "pm", stdout=StringIO())
    out = StringIO()
    call_command(
        "report", "scorecard", "--scope", "clinic:C01", "--period", last, "--format", "json",
        stdout=out,
    )  # fmt: skip
    values = {row["kpi"]: row["value"] for row in json.loads(out.getvalue())}
    # then: held 45 of 480 × Mondays minutes; no-shows 1 of 2
    assert values["utilization"] == pytest.approx(45 / (480 * mondays(last)))
    assert values["no_show_rate"] == pytest.approx(0.5)


def _write(folder, content: str) -> str:
    path = folder / "appointments.csv"
    path.write_text(content)
    return str(path)


def test_a_late_cancel_window_change_reaches_old_months(
    planned, client, ops_user, tmp_path, django_capture_on_commit_callbacks
):
    # given: a follow-up 14 months ago, cancelled 30 hours before it: not late at 24 hours
    old = compute.month_add(planned[0], -14)
    monday = first_monday(old)
    eve = (monday - timedelta(days=1)).isoformat()  # Sunday 03:00, 30 hours before 09:00
    content = "\n".join([
        HEADER,
        f"A1,C01,1234567893,ORTHO-FU,{monday.isoformat()}T09:00,,cancelled,no,MRN-1,,"
        f"{eve}T03:00,",
    ]) + "\n"  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "import_appointments", _write(tmp_path, content), "--source", "pm", stdout=StringIO()
        )
    client.force_login(ops_user)

    def late() -> int:
        rows = client.get("/api/utilization/", {"clinic": "C01", "start": old, "end": old}).json()
        return rows[0]["late_cancellations"]

    assert late() == 0
    # when: follow-ups are late within 48 hours, through the API
    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch(
            f"/api/visit-types/{VisitType.objects.get(code='ORTHO-FU').pk}/",
            {"late_cancel_hours": 48},
            content_type="application/json",
        )
    assert response.status_code == 200, response.json()
    assert VisitType.objects.get(code="ORTHO-FU").late_cancel_hours == 48
    # then: 30 hours' notice is late now, 14 months back too
    assert late() == 1


def test_a_cap_that_rises_above_a_pending_request_settles_it_in_the_history(
    planned, client, marketing_user, django_capture_on_commit_callbacks
):
    # given: marketing asks for 40 new patients next month, above the cap
    following = planned[1]
    cap = 72 * mondays(following) // 10
    client.force_login(marketing_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/goals/",
            {"clinic": "C01", "service_line": "ORTHO", "month": following, "requested": 40,
             "reason": "campaign"},
            content_type="application/json",
        )  # fmt: skip
    assert response.status_code in (200, 201), response.json()
    goal = NewPatientGoal.objects.get(month=date.fromisoformat(f"{following}-01"))
    assert (goal.cap, goal.status) == (cap, "override_requested")
    # when: operations open Mondays to 20:00 with new patients (13–20: 14 slots)
    fu, np_ = VisitType.objects.get(code="ORTHO-FU"), VisitType.objects.get(code="ORTHO-NP")
    with django_capture_on_commit_callbacks(execute=True):
        clinic_services.clinic_save(
            clinic=Clinic.objects.get(), data={}, hours={d: (time(8), time(20)) for d in range(5)}
        )
        clinic_services.template_save(
            template=ScheduleTemplate.objects.get(code="STD"),
            data={},
            blocks=[
                {"weekday": 0, "start": time(8), "end": time(12), "visit_type": fu},
                {"weekday": 0, "start": time(13), "end": time(20), "visit_type": np_},
            ],
        )
    # then: cap = floor(0.9 × 420 × Mondays ÷ 30) = floor(12.6 × Mondays) ≥ 50 > 40
    goal.refresh_from_db()
    new_cap = 126 * mondays(following) // 10
    assert (goal.cap, goal.status, goal.target) == (new_cap, "capped", 40)
    note = GoalChange.objects.filter(goal=goal).order_by("-pk").first()
    assert (note.field, note.old, note.new, note.user) == (
        "status", "override_requested", "capped", None,
    )  # fmt: skip
    assert note.note == f"cap rose to {new_cap}: request within the cap"


def test_the_nightly_run_takes_every_clinic(planned, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pipeline_nightly.delay()
    job = RecomputeJob.objects.latest("pk")
    today = timezone.localdate()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    assert (job.reason, job.clinic_codes, job.every_clinic, job.status) == (
        "nightly", ["C01"], True, "done",
    )  # fmt: skip
    assert job.months_from == last_month


def test_a_burst_of_changes_coalesces_into_one_job(
    planned, client, ops_user, django_capture_on_commit_callbacks
):
    # given: three edits in one transaction's time (e.g. an admin bulk action)
    before = RecomputeJob.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        for reason in ("a", "b", "c"):
            changes.record(reason=reason, clinic_ids=[Clinic.objects.get().pk])
    # then: one job took all three; the later kicks found nothing left
    assert RecomputeJob.objects.count() == before + 1
    job = RecomputeJob.objects.latest("pk")
    assert (job.changes, job.reason) == (3, "a; b; c")


def test_a_change_that_fails_validation_records_nothing(planned, client, ops_user):
    client.force_login(ops_user)
    before = Change.objects.count()
    response = client.patch(
        "/api/clinics/C01/", {"exam_rooms": -3}, content_type="application/json"
    )
    assert response.status_code == 400
    assert Change.objects.count() == before


def test_a_job_whose_clinic_was_deleted_ends_cleanly_with_a_message(
    planned, django_capture_on_commit_callbacks
):
    other = factories.ClinicFactory(code="C09")
    changes.record(reason="gone", clinic_ids=[other.pk], kick=False)
    other_pk = other.pk
    other.delete()
    (job,) = services.run_now(today=timezone.localdate())
    assert job.status == "done"
    assert job.messages == [f"clinic #{other_pk} no longer exists; nothing to recompute there"]
