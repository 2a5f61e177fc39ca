"""The pipeline on real Celery workers through Redis: a job's clinics fan out over two workers,
and a worker process killed in the middle of a job loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.utils import timezone

from capacity import services as capacity_services
from clinics import changes
from growthplan import celery_app
from pipeline import services
from pipeline.models import JobClinic, JobStatus, RecomputeJob
from tests import factories
from tests.conftest import ARTIFACTS, LOCAL_BROKER, ROOT, _database_url, _reconnect, wait_for
from tests.pipeline.test_properties import HEADER, derived, from_scratch

CLINICS = [f"C{n:02d}" for n in range(1, 7)]


def _start(queue: str, name: str, env: dict[str, str]) -> tuple[subprocess.Popen, Path]:
    log_path = ARTIFACTS / f"celery-{queue}-{name}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "growthplan", "worker",
                "--queues", queue, "--pool", "prefork", "--concurrency", "1",
                "--loglevel", "INFO", "--hostname", f"{name}@{queue}",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    return process, log_path


@pytest.fixture
def two_workers(transactional_db) -> Iterator[dict[str, tuple[subprocess.Popen, Path]]]:
    """Two `celery worker` processes (one pool process each) sharing one queue on Redis."""
    broker = os.environ.get("CELERY_BROKER_URL") or LOCAL_BROKER
    try:
        redis.Redis.from_url(broker).ping()
    except redis.RedisError as exc:
        pytest.fail(f"the Celery worker tests need Redis at {broker}: {exc}")
    ARTIFACTS.mkdir(exist_ok=True)
    queue = f"growthplan-fanout-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(connection.settings_dict),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CELERY_BROKER_URL": broker,
    }
    workers = {name: _start(queue, name, env) for name in ("w1", "w2")}
    deadline = time.monotonic() + 60
    for process, log_path in workers.values():
        while "ready." not in log_path.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                for p, _ in workers.values():
                    p.kill()
                pytest.fail(f"a Celery worker did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
    conf = celery_app.conf
    previous = (
        conf.task_default_queue, conf.broker_url, conf.broker_transport_options,
        conf.task_always_eager,
    )  # fmt: skip
    conf.task_default_queue, conf.broker_url, conf.broker_transport_options = queue, broker, {}
    conf.task_always_eager = False
    _reconnect()
    yield workers
    (
        conf.task_default_queue, conf.broker_url, conf.broker_transport_options,
        conf.task_always_eager,
    ) = previous  # fmt: skip
    _reconnect()
    for process, _log in workers.values():
        process.terminate()
    for process, _log in workers.values():
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def network_with_history() -> None:
    """Six clinics with the same MD schedule on Mondays and Tuesdays and a year of visits."""
    line = factories.ServiceLineFactory(code="ORTHO")
    fu = factories.VisitTypeFactory(code="ORTHO-FU", minutes=15, service_line=line)
    np_ = factories.VisitTypeFactory(
        code="ORTHO-NP", minutes=30, is_new_patient=True, service_line=line
    )
    template = factories.TemplateFactory(
        code="STD",
        blocks=[(d, "08:00", "12:00", fu) for d in (0, 1)]
        + [(d, "13:00", "15:00", np_) for d in (0, 1)],
    )
    npis = [factories.valid_npi(7000 + n) for n in range(len(CLINICS))]
    for code, npi in zip(CLINICS, npis, strict=True):
        factories.AssignmentFactory(
            clinic=factories.ClinicFactory(code=code, service_lines=[line]),
            provider=factories.ProviderFactory(npi=npi, service_line=line),
            template=template, weekdays=[0, 1], starts_on=date(2024, 1, 1),
        )  # fmt: skip
    today = timezone.localdate()
    lines = []
    for n, code in enumerate(CLINICS):
        npi = npis[n]
        for week in range(52):
            day = today - timedelta(days=today.weekday() + 7 * week)  # Mondays back a year
            lines.append(
                f"{code}-{week},{code},{npi},ORTHO-FU,{day.isoformat()}T09:00,,"
                f"{'noshow' if week % 5 == 0 else 'fulfilled'},no,MRN-{n}-{week % 9},,,"
            )
    with changes.held():
        capacity_services.appointments_import(
            content=("\n".join([HEADER, *lines]) + "\n").encode(), source="pm"
        )


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


@pytest.mark.worker
def test_two_workers_share_a_jobs_clinics_and_a_killed_pool_process_loses_nothing(two_workers):
    # given: six clinics with a year of history, nothing rolled up yet
    network_with_history()
    # when: a recompute from scratch is requested; its clinics fan out over both workers
    services.recompute_request(reason="first")  # committed: the kick goes to Redis
    job = wait_for(
        lambda: RecomputeJob.objects.filter(status__in=[JobStatus.DONE, JobStatus.FAILED]).first(),
        timeout=180,
    )
    # then: one job, every clinic done, by both workers
    assert (job.status, job.error, job.clinics_done) == (JobStatus.DONE, "", len(CLINICS))
    workers = set(JobClinic.objects.filter(job=job).values_list("worker", flat=True))
    assert {w.split("@")[0] for w in workers} == {"w1", "w2"}

    # when: another recompute runs and w1's pool process is killed while it holds a clinic
    services.recompute_request(reason="second")
    second = wait_for(lambda: RecomputeJob.objects.filter(reason="second").first(), timeout=60)
    wait_for(lambda: RecomputeJob.objects.get(pk=second.pk).status == JobStatus.RUNNING, 60)
    w1, w1_log = two_workers["w1"]
    (child,) = _children(w1.pid)
    os.kill(child, signal.SIGKILL)
    # then: the task it held goes back to the queue (acks late, rejected on a lost worker),
    # the job finishes, and every derived table equals a recompute from scratch
    done = wait_for(
        lambda: RecomputeJob.objects.filter(
            pk=second.pk, status__in=[JobStatus.DONE, JobStatus.FAILED]
        ).first(),
        timeout=180,
    )
    assert (done.status, done.error, done.clinics_done) == (JobStatus.DONE, "", len(CLINICS))
    assert "Worker exited prematurely: signal 9 (SIGKILL)" in w1_log.read_text()
    after_kill = derived()
    celery_app.conf.task_always_eager = True  # the clean run, in this process
    clean = from_scratch(timezone.localdate())
    for table in clean:
        assert after_kill[table] == clean[table], table
