"""Shared fixtures: roles and users, a real Celery worker on Redis, Debian's Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from growthplan import celery_app, roles
from tests import factories

# Playwright's sync API runs an event loop in the test thread; Django would refuse ORM calls
# from it (live_server fixtures, login helpers) without this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
# Where the worker tests find Redis when CELERY_BROKER_URL is unset (make test on SQLite): not
# the settings' default, the SQLite broker of `make run`, which the tests never use.
LOCAL_BROKER = "redis://127.0.0.1:6379/15"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(autouse=True)
def _tasks_in_process(request: pytest.FixtureRequest) -> Iterator[None]:
    """Unit tests run tasks in-process; tests that ask for `celery_worker` go through Redis.

    The settings never make tasks eager (the served app always queues them): this does.
    """
    eager = "celery_worker" not in request.fixturenames
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = eager
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    """Factories and the demo set passwords; the default PBKDF2 costs ~0.3 s each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def user_with_role(db):
    def make(role: str, **kwargs):
        return factories.UserFactory(role=role, **kwargs)

    return make


@pytest.fixture
def ops_user(user_with_role):
    return user_with_role(roles.OPERATIONS, username="olivia", is_staff=True)


@pytest.fixture
def marketing_user(user_with_role):
    return user_with_role(roles.MARKETING, username="marco")


@pytest.fixture
def board_user(user_with_role):
    return user_with_role(roles.BOARD, username="bea")


@pytest.fixture
def admin_user_role(user_with_role):
    return user_with_role(roles.ADMINISTRATOR, username="ada", is_staff=True)


# ---------------------------------------------------------------------------------------------
# A real Celery worker


def _database_url(db: dict) -> str:
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker) -> Iterator[subprocess.Popen]:
    """A `celery worker` process on the Redis broker, using the test database.

    Tests that use it also need `transactional_db`, so that the worker sees committed rows.
    It uses the environment's CELERY_BROKER_URL, else the local Redis (database 15), never the
    settings' default SQLite broker; a broker that cannot be reached fails the test: a test that
    needs a service never skips.
    """
    broker = os.environ.get("CELERY_BROKER_URL") or LOCAL_BROKER
    try:
        redis.Redis.from_url(broker).ping()
    except redis.RedisError as exc:
        pytest.fail(f"the Celery worker tests need Redis at {broker}: {exc}")
    from django.db import connection

    queue = f"growthplan-test-{uuid.uuid4().hex[:8]}"
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / f"celery-worker-{queue}.log"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(connection.settings_dict),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CELERY_BROKER_URL": broker,
    }
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "growthplan", "worker",
                "--queues", queue, "--pool", "solo", "--loglevel", "INFO",
                "--hostname", f"{queue}@%h", "--without-gossip", "--without-mingle",
            ],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while "ready." not in log_path.read_text():
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            pytest.fail(f"the Celery worker did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)
    conf = celery_app.conf
    previous = conf.task_default_queue, conf.broker_url, conf.broker_transport_options
    # The SQLite broker's transport options are SQLAlchemy's, not Redis's.
    conf.task_default_queue, conf.broker_url, conf.broker_transport_options = queue, broker, {}
    _reconnect()
    yield worker
    conf.task_default_queue, conf.broker_url, conf.broker_transport_options = previous
    _reconnect()
    worker.terminate()
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        worker.kill()


def _reconnect() -> None:
    # Producers made before the switch still lead to the old broker (the settings' SQLite file
    # when none is configured); `close()` drops the connection pool, not them.
    celery_app.close()
    celery_app.amqp._producer_pool = None


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.2):
    """Poll until `predicate()` is truthy; returns its value or fails the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {predicate}")


# ---------------------------------------------------------------------------------------------
# A real browser


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; `make test` installs it when missing."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artifact and return its path."""
    path = ARTIFACTS / "screenshots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page, username: str, password: str = factories.PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login" not in url)
