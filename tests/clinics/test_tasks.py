"""Network files uploaded in the browser, checked or applied by Celery (`network_import_run`).

The `worker` tests send the task through Redis to a real `celery worker` process that shares the
test database; they need `transactional_db` so that the worker sees committed rows. The last
tests run the task in-process, as unit tests do by default.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinics import selectors, services, tasks
from clinics.models import Clinic, NetworkImport, Organization, Provider, ServiceLine
from tests import factories
from tests.conftest import wait_for

VALID_NPI = factories.valid_npi(1)
# What the small network below creates on an empty database, worked out from the file:
# 2 clinics with 2 + 1 = 3 opening-hour rows, one template, one provider with one assignment,
# one closure at E01. The provider has no absences, so the summary has no absences row.
CREATED = {
    "assignments": {"created": 1},
    "clinic_hours": {"created": 3},
    "clinics": {"created": 2},
    "closures": {"created": 1},
    "organizations": {"created": 1},
    "providers": {"created": 1},
    "regions": {"created": 1},
    "service_lines": {"created": 1},
    "templates": {"created": 1},
    "visit_types": {"created": 1},
}


def network_file(*, npi: str = VALID_NPI) -> dict[str, Any]:
    """One orthopedic group: two clinics, a mornings template, one physician at E01."""
    return {
        "service_lines": [{"code": "ORTHO", "name": "Orthopedics", "followup_profile": None}],
        "visit_types": [
            {
                "code": "ORTHO-FU",
                "name": "Follow-up",
                "minutes": 15,
                "new_patient": False,
                "service_line": "ORTHO",
                "credentials": ["MD", "DO"],
            }
        ],
        "organizations": [
            {
                "code": "ACME",
                "name": "Acme Health",
                "regions": [
                    {
                        "code": "EAST",
                        "name": "East",
                        "clinics": [
                            {
                                "code": "E01",
                                "name": "Eastgate",
                                "timezone": "America/New_York",
                                "exam_rooms": 6,
                                "rooms_per_provider": 2,
                                "target_utilization": 0.9,
                                "service_lines": ["ORTHO"],
                                "hours": {"mon": ["08:00", "17:00"], "tue": ["08:00", "17:00"]},
                            },
                            {
                                "code": "E02",
                                "name": "Elm Street",
                                "timezone": "America/New_York",
                                "exam_rooms": 4,
                                "rooms_per_provider": None,
                                "target_utilization": None,
                                "service_lines": ["ORTHO"],
                                "hours": {"wed": ["09:00", "13:00"]},
                            },
                        ],
                    }
                ],
            }
        ],
        "templates": [
            {
                "code": "FU-AM",
                "name": "Follow-up mornings",
                "blocks": [
                    {"weekday": "mon", "start": "08:00", "end": "12:00", "visit_type": "ORTHO-FU"},
                    {"weekday": "tue", "start": "08:00", "end": "12:00", "visit_type": "ORTHO-FU"},
                ],
            }
        ],
        "providers": [
            {
                "npi": npi,
                "name": "Dr. Ada Chen",
                "credential": "MD",
                "service_line": "ORTHO",
                "fte": 1.0,
                "hired_on": "2020-01-01",
                "left_on": None,
                "assignments": [
                    {
                        "clinic": "E01",
                        "template": "FU-AM",
                        "weekdays": ["mon", "tue"],
                        "from": "2024-01-01",
                        "to": None,
                    }
                ],
                "absences": [],
            }
        ],
        "closures": [{"clinic": "E01", "date": "2026-12-25", "reason": "Holiday"}],
    }


def upload(client, document: dict[str, Any], *, dry_run: bool) -> NetworkImport:
    """Post a network file to the upload page as the browser does; returns the queued job."""
    data: dict[str, Any] = {
        "file": SimpleUploadedFile(
            "network.json", json.dumps(document).encode(), content_type="application/json"
        )
    }
    if dry_run:
        data["dry_run"] = "on"
    response = client.post("/clinics/network/import/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    job = NetworkImport.objects.get()
    assert response.url == f"/clinics/network/import/{job.pk}/"
    return job


def finished(job: NetworkImport) -> NetworkImport:
    """Wait until the worker has run the job to an end."""
    done = (NetworkImport.Status.SUCCEEDED, NetworkImport.Status.FAILED)
    return wait_for(lambda: NetworkImport.objects.filter(pk=job.pk, status__in=done).first())


def nothing_written() -> bool:
    return not (
        ServiceLine.objects.exists()
        or Organization.objects.exists()
        or Clinic.objects.exists()
        or Provider.objects.exists()
    )


@pytest.fixture
def ops_client(client, ops_user):
    client.force_login(ops_user)
    return client


# ---------------------------------------------------------------------------------------------
# Through Redis and a real worker


@pytest.mark.worker
@pytest.mark.usefixtures("transactional_db", "celery_worker")
def test_worker_imports_an_uploaded_network_file(ops_client):
    # given: an operations manager uploads a valid network file, not as a dry run
    job = upload(ops_client, network_file(), dry_run=False)

    # when: the worker runs the job
    job = finished(job)

    # then: the network is in the database, and the summary counts what was created
    assert job.status == NetworkImport.Status.SUCCEEDED
    assert job.problems == []
    assert job.summary == CREATED
    assert list(Clinic.objects.values_list("code", flat=True)) == ["E01", "E02"]
    assert Provider.objects.get(npi=VALID_NPI).home_clinic.code == "E01"
    # and the job page reports it
    page = ops_client.get(f"/clinics/network/import/{job.pk}/").content.decode()
    assert '<span class="status status-succeeded" id="job-status">succeeded</span>' in page
    assert "<h2>Imported</h2>" in page
    assert "<tr><td>clinics</td><td>2 created</td></tr>" in page


@pytest.mark.worker
@pytest.mark.usefixtures("transactional_db", "celery_worker")
def test_worker_dry_run_checks_the_file_and_writes_nothing(ops_client):
    # given: the same valid file, uploaded as a dry run
    job = upload(ops_client, network_file(), dry_run=True)

    # when: the worker runs the job
    job = finished(job)

    # then: it succeeds and reports what an import would create, but nothing is written
    assert job.status == NetworkImport.Status.SUCCEEDED
    assert job.dry_run is True
    assert job.summary == CREATED
    assert nothing_written()
    page = ops_client.get(f"/clinics/network/import/{job.pk}/").content.decode()
    assert "succeeded</span>" in page
    assert "<h2>The file is valid</h2>" in page


@pytest.mark.worker
@pytest.mark.usefixtures("transactional_db", "celery_worker")
def test_worker_rejects_a_file_with_an_invalid_npi(ops_client, ops_user):
    # given: a file whose only provider has NPI 1234567890, which fails the Luhn check
    # (the valid NPI with these first nine digits is 1234567893)
    job = services.network_import_create(
        document=network_file(npi="1234567890"), filename="bad.json", dry_run=False, user=ops_user
    )

    # when: the worker runs the job
    job = finished(job)

    # then: it fails naming the JSON path of the problem, and nothing is written
    assert job.status == NetworkImport.Status.FAILED
    assert job.problems == [
        {
            "path": "providers[0].npi",
            "message": "'1234567890' is not a valid NPI (10 digits, Luhn check on the 80840 "
            "prefix)",
        }
    ]
    assert job.summary == {}
    assert nothing_written()
    # and the job page shows the status and the problem
    page = ops_client.get(f"/clinics/network/import/{job.pk}/").content.decode()
    assert '<span class="status status-failed" id="job-status">failed</span>' in page
    assert "1 problem — nothing was imported" in page
    assert "<td><code>providers[0].npi</code></td>" in page
    assert "is not a valid NPI" in page


# ---------------------------------------------------------------------------------------------
# In process (eager), as in every other unit test


def test_running_the_task_twice_changes_nothing(ops_user, django_capture_on_commit_callbacks):
    # given: an uploaded file, imported once when the upload commits
    with django_capture_on_commit_callbacks(execute=True):
        job = services.network_import_create(
            document=network_file(), filename="network.json", dry_run=False, user=ops_user
        )
    job.refresh_from_db()
    assert job.status == NetworkImport.Status.SUCCEEDED
    before = selectors.network_document()
    first = NetworkImport.objects.values().get(pk=job.pk)

    # when: the same task runs again, as after a redelivered message
    with CaptureQueriesContext(connection) as queries:
        tasks.network_import_run.delay(job.pk)

    # then: it only reads: the network and the job are as they were
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["SELECT"]
    assert selectors.network_document() == before
    assert NetworkImport.objects.values().get(pk=job.pk) == first
    assert Clinic.objects.count() == 2


def test_a_job_interrupted_mid_run_is_rerun_without_changes(ops_user):
    # given: a file imported once, then its job left "running" as if the worker had died
    # after the import committed (acks_late redelivers the message)
    job = services.network_import_create(
        document=network_file(), filename="network.json", dry_run=False, user=ops_user
    )
    tasks.network_import_run(job.pk)
    before = selectors.network_document()
    NetworkImport.objects.filter(pk=job.pk).update(status=NetworkImport.Status.RUNNING)

    # when: the redelivered task runs
    tasks.network_import_run(job.pk)

    # then: the import is applied again and finds every record unchanged
    job.refresh_from_db()
    assert job.status == NetworkImport.Status.SUCCEEDED
    assert job.summary == {
        kind: ({"unchanged": counts["created"]} if counts else {})
        for kind, counts in CREATED.items()
    }
    assert selectors.network_document() == before
