"""The beat sweep sends again what a job lost: a worker killed whole takes its unacknowledged
task with it until the broker gives it back (an hour on Redis); the sweep does not wait."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clinics import changes
from pipeline import services
from pipeline.models import JobStatus, RecomputeJob
from pipeline.tasks import pipeline_sweep
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_clinics():
    return [factories.ClinicFactory(code=code) for code in ("C01", "C02")]


def taken_and_dropped() -> RecomputeJob:
    """A job taken from the changes whose tasks never ran (the worker died with them)."""
    changes.record(reason="lost", kick=False)
    return services.dirty_take()


def test_a_job_quiet_for_ten_minutes_is_sent_again_and_ends_done(two_clinics):
    # given: a job whose tasks were lost eleven minutes ago
    job = taken_and_dropped()
    RecomputeJob.objects.filter(pk=job.pk).update(queued_at=timezone.now() - timedelta(minutes=11))
    # when: beat's sweep runs (tasks in-process here)
    pipeline_sweep.delay()
    # then: its two clinics and its KPIs ran; the job is done
    job.refresh_from_db()
    assert (job.status, job.clinics_done, job.clinics_total) == (JobStatus.DONE, 2, 2)


def test_a_job_that_moved_lately_is_left_to_its_tasks(two_clinics):
    job = taken_and_dropped()
    pipeline_sweep.delay()
    job.refresh_from_db()
    assert (job.status, job.clinics_done) == (JobStatus.QUEUED, 0)


def test_a_job_whose_kpi_step_was_lost_gets_it_again(two_clinics):
    # given: both clinics done, the KPI step queued and lost, nothing since for 15 minutes
    job = taken_and_dropped()
    for clinic_id in services.job_clinic_ids(job=job):
        services.clinic_refresh(job=job, clinic_id=clinic_id, today=timezone.localdate())
    assert RecomputeJob.objects.get(pk=job.pk).kpis_queued
    RecomputeJob.objects.filter(pk=job.pk).update(moved_at=timezone.now() - timedelta(minutes=15))
    # when
    pipeline_sweep.delay()
    # then
    job.refresh_from_db()
    assert (job.status, job.clinics_done) == (JobStatus.DONE, 2)
