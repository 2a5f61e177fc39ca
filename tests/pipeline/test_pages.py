"""The Jobs page: every role reads it; operations start a recompute from scratch."""

import pytest

from clinics.models import Change
from growthplan import roles
from pipeline.models import RecomputeJob
from tests import factories

ROLES = [roles.OPERATIONS, roles.MARKETING, roles.BOARD, roles.ADMINISTRATOR]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_jobs(client, user_with_role, role, db):
    RecomputeJob.objects.create(
        reason="nightly", clinic_codes=["C01"], goals=12, clinics_total=1, clinics_done=1
    )
    client.force_login(user_with_role(role))
    page = client.get("/jobs/").content.decode()
    assert "nightly" in page and "C01" in page and "1 / 1 clinics" in page
    button = ">Recompute now</button>" in page
    assert button == (role in (roles.OPERATIONS, roles.ADMINISTRATOR))


@pytest.mark.django_db
def test_operations_queue_a_recompute_that_runs_in_the_background(
    client, ops_user, django_capture_on_commit_callbacks
):
    # given: two clinics
    factories.ClinicFactory(code="C01")
    factories.ClinicFactory(code="C02")
    client.force_login(ops_user)
    # when: the post returns before any work is done (the change is recorded, then a task)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post("/jobs/")
    assert response.status_code == 302
    change = Change.objects.get()
    assert (change.reason, change.clinic_id, change.first, change.job_id) == (
        "requested by olivia", None, None, None,
    )  # fmt: skip
    assert not RecomputeJob.objects.exists()
    # then: the task takes the change into one job over both clinics, which ends done
    for callback in callbacks:
        callback()
    job = RecomputeJob.objects.get()
    assert (job.reason, job.clinic_codes, job.every_clinic, job.status) == (
        "requested by olivia", ["C01", "C02"], True, "done",
    )  # fmt: skip
    assert (job.clinics_total, job.clinics_done, job.changes) == (2, 2, 1)
    assert Change.objects.get().done_at is not None
    page = client.get("/jobs/").content.decode()
    assert "Recompute queued" in page and "all (2)" in page and "2 / 2 clinics" in page


@pytest.mark.parametrize("role", [roles.MARKETING, roles.BOARD])
def test_only_operations_queue_a_recompute(client, user_with_role, role, db):
    client.force_login(user_with_role(role))
    assert client.post("/jobs/").status_code == 403
    assert not Change.objects.exists()


@pytest.mark.django_db
def test_no_jobs_page_without_login(client):
    response = client.get("/jobs/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
