# Two commands: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000

.PHONY: run test lint format chromium bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.app: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.test: pyproject.toml $(VENV)/.app
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# The web server and, beside it, a real Celery worker with beat on the broker of the settings
# (without CELERY_BROKER_URL, the SQLite file broker.sqlite3): jobs run as in production.
# Ctrl-C stops both.
run: $(VENV)/.app
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	@echo "Growthplan on http://$(HOST)/ with a Celery worker and beat — demo users are" \
	  "listed in README.md; Ctrl-C stops both"
	$(PY) -m growthplan.run $(HOST)

# Debian's Chromium for the browser tests; Playwright's own browser download cannot work here.
chromium:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

lint: $(VENV)/.test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.test
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: $(VENV)/.test chromium lint
	$(PY) -m pytest

# The scale figures of DESIGN §6 beside their floors, on a PostgreSQL database the run drops and
# recreates (its name must contain "bench"). BENCH_ARGS=--appointments=50000 for a quick try.
# (The default is set in the shell: a target-specific DATABASE_URL would stop GNU make passing
# the environment's DATABASE_URL to every other recipe, `make test` and `make run` included.)
bench: $(VENV)/.test
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/growthplan_bench} \
	  $(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm test-db.sqlite3* broker.sqlite3* \
	  celerybeat-schedule* staticfiles test-artifacts
