"""`make run`'s set-up: a real worker on the SQLite broker beside the web server, never eager."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parent.parent


def test_by_default_tasks_go_to_a_sqlite_broker_and_never_run_in_the_web_process():
    # given: the settings as `make run` has them; the environment may name Redis (.ci/run)
    broker, eager = settings.CELERY_BROKER_URL, settings.CELERY_TASK_ALWAYS_EAGER
    # then
    assert eager is False
    if not os.environ.get("CELERY_BROKER_URL"):
        assert broker == f"sqla+sqlite:///{ROOT / 'broker.sqlite3'}"


def test_sqlite_writers_wait_for_each_other():
    # given: the database options the web server and the worker share
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("sqlite3"):
        return  # PostgreSQL (.ci/run): nothing to set
    # then: WAL, a write lock taken when a transaction begins, and a wait for it
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    assert db["OPTIONS"]["timeout"] >= 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _output(path: Path) -> str:
    return path.read_text(errors="replace")


def _wait(predicate, timeout: float, log: Path) -> None:
    """Poll until `predicate()`; else fail with the end of the launcher's output."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s; the output:\n{_output(log)[-4000:]}")
        time.sleep(0.2)


# kombu's SQLAlchemy models still ask for the `noload` strategy that SQLAlchemy 2.1 deprecates.
@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SADeprecationWarning")
def test_the_launcher_serves_pages_runs_queued_tasks_and_stops_both_on_ctrl_c(tmp_path):
    # given: `python -m growthplan.run` (what `make run` ends with) on a scratch database and
    # SQLite broker of its own
    broker = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    host = f"127.0.0.1:{_free_port()}"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_DEFAULT_QUEUE": "make-run-check",
        "CELERY_BEAT_SCHEDULE_FILENAME": str(tmp_path / "celerybeat-schedule"),
    }
    log = tmp_path / "run.log"
    with log.open("w") as out:
        launcher = subprocess.Popen(
            [sys.executable, "-m", "growthplan.run", host],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        # when: the worker is ready and the page answers
        _wait(lambda: launcher.poll() is not None or " ready." in _output(log), 90, log)

        def healthy() -> bool:
            assert launcher.poll() is None, _output(log)[-4000:]
            try:
                with urllib.request.urlopen(f"http://{host}/healthz", timeout=2) as response:
                    return response.status == 200
            except OSError:
                return False

        _wait(healthy, 90, log)
        # and a task is queued on the SQLite broker, as the web process would
        # (an explicit connection: Celery prefers the environment's CELERY_BROKER_URL, Redis on CI)
        client = Celery(
            broker_transport_options={"poolclass": NullPool, "connect_args": {"timeout": 30}}
        )
        with client.connection_for_write(broker) as connection:
            client.send_task(
                "celery.accumulate", args=(6, 7), queue="make-run-check", connection=connection
            )
        client.close()

        # then: the worker runs it, and its lines come prefixed
        def ran() -> bool:
            return any(
                line.startswith("worker | ") and "celery.accumulate" in line and "succeeded" in line
                for line in _output(log).splitlines()
            )

        _wait(ran, 60, log)
    finally:
        # when: Ctrl-C
        launcher.send_signal(signal.SIGINT)
        try:
            code = launcher.wait(timeout=60)
        except subprocess.TimeoutExpired:
            launcher.kill()
            raise
    # then: both stopped, the worker the warm way
    assert code == 0, _output(log)[-4000:]
    assert "Warm shutdown" in _output(log)
    assert _processes_with(f"CELERY_BROKER_URL={broker}") == []


def _processes_with(variable: str) -> list[str]:
    """The processes (the launcher's children and theirs) whose environment holds `variable`."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if variable.encode() in environ.read_bytes().split(b"\0"):
                found.append((environ.parent / "cmdline").read_bytes().replace(b"\0", b" "))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return [c.decode(errors="replace") for c in found]
