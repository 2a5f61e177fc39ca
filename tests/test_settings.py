"""Production settings: Django's deploy checks pass, a missing secret stops the app, no CDN."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CDN = re.compile(r"cdn\.|unpkg|jsdelivr", re.IGNORECASE)


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh process with only `env` on top of a clean environment.

    DATABASE_URL is passed through when set, so that the process sees the same database
    server as the tests; every other DJANGO_*, Redis and Celery variable is left out.
    """
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CELERY_"))
        and k not in ("DATABASE_URL", "REDIS_URL", "PATIENT_KEY_SECRET")
    }
    if os.environ.get("DATABASE_URL"):
        clean["DATABASE_URL"] = os.environ["DATABASE_URL"]
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "growthplan.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_ALLOWED_HOSTS": "growthplan.example.org",
}


def test_deploy_checks_pass_in_production():
    # given: production settings with a long random secret key
    env = {**PRODUCTION, "DJANGO_SECRET_KEY": secrets.token_urlsafe(64)}

    # when
    result = manage("check", "--deploy", "--fail-level", "WARNING", **env)

    # then: no warnings, let alone errors
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    # given: production settings and no DJANGO_SECRET_KEY at all
    # when
    result = manage("check", **PRODUCTION)

    # then: the process stops and says which variable to set
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_with_an_empty_secret_key():
    # given: production settings where the secret is set but empty (`export DJANGO_SECRET_KEY=`)
    # when
    result = manage("check", DJANGO_SECRET_KEY="", **PRODUCTION)

    # then
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_templates_and_static_files_load_nothing_from_a_cdn():
    # given: every file the pages are built from
    files = [
        p for folder in ("templates", "static") for p in (ROOT / folder).rglob("*") if p.is_file()
    ]
    assert files

    # when
    hits = [
        f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
        for p in files
        for n, line in enumerate(p.read_text(errors="replace").splitlines(), 1)
        if CDN.search(line)
    ]

    # then
    assert hits == []


def test_api_docs_page_loads_nothing_from_a_cdn(client, ops_user):
    # given: a signed-in user (the docs need a login)
    client.force_login(ops_user)

    # when
    response = client.get("/api/docs/")

    # then: Swagger UI comes from the sidecar package, served from our own static files
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert CDN.findall(page) == []
