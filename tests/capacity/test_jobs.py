"""Appointment imports as jobs: the upload page, the API, progress, and a real worker."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from capacity import services
from capacity.models import Appointment, AppointmentImport, DailyRollup
from pipeline.models import JobStatus, RecomputeJob
from tests import factories
from tests.capacity.test_import import GOOD, network
from tests.conftest import wait_for


def upload(name="july.csv", content=GOOD):
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.mark.django_db
def test_an_upload_imports_recomputes_rollups_and_reports(
    client, ops_user, django_capture_on_commit_callbacks
):
    network()
    factories.AssignmentFactory(clinic=factories.ClinicFactory(code="C01"), weekdays=[0])
    client.force_login(ops_user)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/capacity/import/", {"file": upload(), "file_format": "csv"})
    # then: the job ran, the rows are in, the clinic's July rollups exist
    job = AppointmentImport.objects.get()
    assert response.url == f"/capacity/import/{job.pk}/"
    assert (job.state, job.source, job.summary["created"]) == ("succeeded", "july", 3)
    assert job.content == b""  # the raw file, with patient ids, is not kept
    assert Appointment.objects.count() == 3
    assert DailyRollup.objects.filter(date=date(2024, 7, 1), held_count__gt=0).exists()
    page = client.get(f"/capacity/import/{job.pk}/").content.decode()
    assert "Imported: 3 rows" in page and "3 new, 0 updated, 0 unchanged" in page
    progress = client.get(f"/capacity/import/{job.pk}/", HTTP_ACCEPT="application/json").json()
    assert (progress["state"], progress["percent"], progress["rows_total"]) == ("succeeded", 100, 3)


@pytest.mark.django_db
def test_a_bad_upload_lists_every_problem_and_imports_nothing(
    client, ops_user, django_capture_on_commit_callbacks
):
    network()
    client.force_login(ops_user)
    bad = GOOD.replace(b"A2,C01", b"A2,C77")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/capacity/import/", {"file": upload(content=bad), "file_format": "csv"}
        )
    page = client.get(response.url).content.decode()
    assert "1 problem — nothing was imported" in page
    assert "unknown clinic &#x27;C77&#x27;" in page
    assert not Appointment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "expected"),
    [("operations", 202), ("administrator", 202), ("marketing", 403), ("board", 403)],
)
def test_only_operations_import_through_the_api(
    client, user_with_role, role, expected, django_capture_on_commit_callbacks
):
    network()
    client.force_login(user_with_role(role))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/appointments/import/", {"file": upload(), "format": "csv"})
    assert response.status_code == expected
    assert Appointment.objects.count() == (3 if expected == 202 else 0)
    if expected == 202:
        job = client.get(f"/api/appointments/import/{response.json()['id']}/").json()
        assert job["state"] == "succeeded"


@pytest.mark.django_db
def test_the_utilization_api_gives_the_reports_numbers(client, board_user):
    # given: one Monday of 16 follow-up slots, 3 of them kept
    network()
    clinic = factories.ClinicFactory(code="C01")
    factories.AssignmentFactory(clinic=clinic, weekdays=[0], ends_on=date(2024, 7, 1))
    services.appointments_import(
        content=GOOD.replace(b"ORTHO-NP", b"ORTHO-FU").replace(b"noshow", b"fulfilled"),
        source="pm",
    )
    services.rollups_recompute(
        first=date(2024, 7, 1), last=date(2024, 7, 31), today=date(2024, 8, 1)
    )
    client.force_login(board_user)
    # when
    rows = client.get(
        "/api/utilization/", {"clinic": "C01", "start": "2024-07", "end": "2024-07"}
    ).json()
    # then: 240 available; held 15 + 15 on 1 July (A1 is 15 min now, A2 15); A3 is cancelled
    assert rows[0]["available_minutes"] == 240
    assert rows[0]["booked_minutes"] == 30
    assert rows[0]["utilization"] == pytest.approx(30 / 240)
    bad = client.get("/api/utilization/", {"clinic": "C99", "start": "2024-07", "end": "2024-07"})
    assert bad.status_code == 400
    assert bad.json() == {"errors": {"scope": ["unknown clinic 'C99'"]}}


@pytest.mark.worker
def test_a_real_worker_imports_and_recomputes(transactional_db, celery_worker, client, ops_user):
    network()
    factories.AssignmentFactory(clinic=factories.ClinicFactory(code="C01"), weekdays=[0])
    client.force_login(ops_user)
    # when: the upload goes to Redis and a worker process picks it up
    response = client.post("/capacity/import/", {"file": upload(), "file_format": "csv"})
    job_id = int(response.url.rstrip("/").rsplit("/", 1)[1])
    # then: the page's progress endpoint reports it finished, and the worker ran the recompute
    # job the import queued for its clinic, rollups included
    wait_for(
        lambda: (
            client.get(f"/capacity/import/{job_id}/", HTTP_ACCEPT="application/json").json()[
                "state"
            ]
            == "succeeded"
        )
    )
    recompute = wait_for(lambda: RecomputeJob.objects.filter(status=JobStatus.DONE).first())
    assert (recompute.reason, recompute.clinic_codes) == (f"appointment import #{job_id}", ["C01"])
    # C01's history starts with this file: rolled up from July to the end of its window
    assert (recompute.months_from, recompute.months_to) == (date(2024, 7, 1), None)
    assert DailyRollup.objects.filter(date=date(2024, 7, 1), held_count__gt=0).exists()
    assert Appointment.objects.count() == 3
