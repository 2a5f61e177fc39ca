"""Two recomputes of the same clinic at once (a duplicated delivery, two jobs whose changes both
name it) never write its rows twice: one waits for the other, and the table has unique keys."""

import threading

import pytest
from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from capacity.models import DailyRollup
from clinics import changes
from pipeline import services
from pipeline.models import JobClinic
from tests.pipeline.test_properties import derived, from_scratch
from tests.pipeline.test_worker import CLINICS, network_with_history


@pytest.mark.django_db(transaction=True)
def test_two_jobs_recomputing_the_same_clinic_at_once_write_it_once():
    # given: two jobs, each holding every clinic (taken one after the other)
    network_with_history()
    today = timezone.localdate()
    services.recompute_request(reason="one", kick=False)
    first = services.dirty_take()
    services.recompute_request(reason="two", kick=False)
    second = services.dirty_take()
    errors: list[BaseException] = []

    def work(job) -> None:
        try:
            for clinic_id in services.job_clinic_ids(job=job):
                services.clinic_refresh(job=job, clinic_id=clinic_id, today=today)
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)
        finally:
            connections.close_all()

    # when: both run at the same time, on two connections
    threads = [threading.Thread(target=work, args=(job,)) for job in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    # then: no error, every share done, and the tables equal one recompute from scratch
    assert errors == []
    assert JobClinic.objects.filter(done=True).count() == 2 * len(CLINICS)
    for job in (first, second):
        services.kpis_due(job=job)
        services.kpis_refresh(job=job, today=today)
    assert derived() == from_scratch(today)


@pytest.mark.django_db(transaction=True)
def test_the_rollup_table_refuses_a_second_row_for_a_key():
    # given: one clinic's rollups
    network_with_history()
    changes.record(reason="start", kick=False)
    services.run_now(today=timezone.localdate())
    row = DailyRollup.objects.exclude(provider=None).first()
    # when / then: the same key again is refused by the database
    row.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()
