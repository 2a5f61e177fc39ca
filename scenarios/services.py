"""Writes for scenarios: save, run (a Celery job with progress), apply.

A run computes the current plan, then applies the scenario's network file inside a
transaction, computes the same figures with the same code, and rolls the transaction back: the
network is never touched, and nobody else ever sees the scenario's network (the import's own
dry run works the same way).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, time, timedelta
from typing import Any

import pandas as pd
from django.db import OperationalError, transaction
from django.utils import timezone

from capacity import compute as capacity_compute
from capacity import selectors as capacity_selectors
from clinics import compute as clinic_compute
from clinics import network
from clinics import selectors as clinic_selectors
from clinics import services as clinic_services
from clinics.models import Clinic, ClinicHours, Provider, TemplateAssignment, User
from growthplan.errors import DomainError
from scenarios import compute, selectors, tasks
from scenarios.models import Scenario

logger = logging.getLogger(__name__)

BATCHES = 10  # progress steps of a run; each applies the scenario once


class ScenarioStale(DomainError):
    """The network or the scenario changed since its run: its numbers are not what applying
    it would give."""

    code = "scenario_stale"


class ScenarioNotRun(DomainError):
    code = "scenario_not_run"


class ScenarioApplied(DomainError):
    code = "scenario_applied"


def scenario_read(*, document: Any, today: date) -> tuple[compute.Scenario, compute.Patch]:
    """The scenario and its network file, checked against the network as it is now; raises
    ScenarioError naming each problem's path in the scenario file. Nothing is written."""
    scenario = compute.read(document, today=today)
    patch = compute.patch(clinic_selectors.network_document(), scenario)
    try:
        clinic_services.network_import(document=patch.document, dry_run=True, replan=False)
    except network.NetworkFileError as exc:
        raise _problems(patch, exc) from None
    return scenario, patch


def _problems(patch: compute.Patch, exc: network.NetworkFileError) -> compute.ScenarioError:
    problems = []
    for path, message in exc.problems:
        source, rest = patch.problem_path(path)
        problems.append((source, f"{rest}: {message}" if rest else message))
    return compute.ScenarioError(problems)


@transaction.atomic
def scenario_save(
    *, document: Any, user: User | None, today: date, scenario: Scenario | None = None
) -> Scenario:
    """Create or replace a scenario from its file; raises ScenarioError, writing nothing."""
    if scenario is not None and scenario.status == Scenario.Status.APPLIED:
        raise ScenarioApplied("this scenario is applied; copy it to plan further")
    parsed, _ = scenario_read(document=document, today=today)
    if scenario is None:
        scenario = Scenario(created_by=user)
    scenario.name = parsed.name
    scenario.document = compute.write(parsed)
    finished = (Scenario.Status.DONE, Scenario.Status.FAILED)
    if not scenario.is_current and scenario.status in finished:
        scenario.status = Scenario.Status.DRAFT
    scenario.save()
    return scenario


def scenario_delete(*, scenario: Scenario) -> None:
    scenario.delete()


@transaction.atomic
def scenario_run_enqueue(*, scenario: Scenario) -> Scenario:
    """Queue a run of the scenario as it is now; the page follows its progress."""
    if scenario.status == Scenario.Status.APPLIED:
        raise ScenarioApplied("this scenario is applied; copy it to plan further")
    scenario.status, scenario.problems = Scenario.Status.QUEUED, []
    scenario.progress_done = scenario.progress_total = 0
    scenario.save(update_fields=["status", "problems", "progress_done", "progress_total"])
    tasks.scenario_run.delay_on_commit(scenario.pk)
    return scenario


def scenario_run(*, scenario: Scenario, today: date) -> Scenario:
    """Run the scenario: store its numbers beside the current plan's, and the network file
    they were computed on. A failure is stored with its problems."""
    document = scenario.document
    scenario.status = Scenario.Status.RUNNING
    scenario.save(update_fields=["status"])

    def progress(done: int, total: int) -> None:
        scenario.progress_done, scenario.progress_total = done, total
        scenario.save(update_fields=["progress_done", "progress_total"])

    try:
        snapshot = clinic_selectors.network_document()
        results = scenario_compute(document=document, today=today, progress=progress)
    except compute.ScenarioError as exc:
        scenario.status, scenario.problems = Scenario.Status.FAILED, exc.lines()
        scenario.save(update_fields=["status", "problems"])
        return scenario
    except OperationalError:
        raise  # transient: the task retries
    except Exception:
        logger.exception("scenario.crashed", extra={"scenario_id": scenario.pk})
        scenario.status = Scenario.Status.FAILED
        scenario.problems = ["the run stopped on an internal error"]
        scenario.save(update_fields=["status", "problems"])
        raise
    scenario.results, scenario.ran_document, scenario.network_snapshot = (
        results, document, snapshot
    )  # fmt: skip
    scenario.network_fingerprint = compute.network_fingerprint(snapshot)
    scenario.status, scenario.problems, scenario.ran_at = Scenario.Status.DONE, [], timezone.now()
    scenario.save(
        update_fields=["results", "ran_document", "network_snapshot", "network_fingerprint",
                       "status", "problems", "ran_at"]
    )  # fmt: skip
    return scenario


@contextmanager
def _scenario_network(patch: compute.Patch) -> Iterator[None]:
    """The network with the scenario applied, inside a transaction that is always rolled
    back: the same import that applying uses, never committed."""
    with transaction.atomic():
        try:
            clinic_services.network_import(document=patch.document, replan=False)
        except network.NetworkFileError as exc:
            raise _problems(patch, exc) from None
        yield
        transaction.set_rollback(True)


def scenario_compute(
    *, document: Any, today: date, progress: Callable[[int, int], None] | None = None
) -> dict[str, Any]:
    """The scenario's numbers beside the current plan's, for every clinic it reaches, month
    by month over its horizon: the results a run stores and `scenario run` prints."""
    scenario, patch = scenario_read(document=document, today=today)
    periods = scenario.periods
    codes = patch.clinics
    current_month = today.strftime("%Y-%m")
    held = selectors.held_minutes(
        clinics=codes, first=compute.month_add(current_month, -3), last=periods[-1]
    )
    forecast = compute.demand_forecast(held, periods, current_month).rename(
        columns={"clinic_id": "clinic", "forecast": "forecast_minutes"}
    )
    size = max(1, math.ceil(len(codes) / BATCHES))
    batches = [codes[i : i + size] for i in range(0, len(codes), size)]
    sides: dict[str, list[selectors.Figures]] = {"current": [], "scenario": []}
    for n, batch in enumerate(batches):
        sides["current"].append(selectors.plan_figures(clinics=batch, periods=periods, today=today))
        with _scenario_network(patch.restricted(batch)):
            sides["scenario"].append(
                selectors.plan_figures(
                    clinics=batch, periods=periods, today=today, ramps=patch.ramps
                )
            )
        if progress is not None:
            progress(n + 1, len(batches))
    return _results(scenario, patch, sides, forecast, today=today)


def _results(
    scenario: compute.Scenario,
    patch: compute.Patch,
    sides: dict[str, list[selectors.Figures]],
    forecast: pd.DataFrame,
    *,
    today: date,
) -> dict[str, Any]:
    def joined(side: str, part: str) -> pd.DataFrame:
        frames = [getattr(f, part) for f in sides[side]]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    months = {}
    for side in ("current", "scenario"):
        frame = joined(side, "months").merge(
            forecast[["clinic", "period", "forecast_minutes"]], on=["clinic", "period"], how="left"
        )
        frame["forecast_minutes"] = frame["forecast_minutes"].fillna(0.0)
        months[side] = frame
    rows = compute.result_rows(months["current"], months["scenario"])
    rows = rows.rename(columns={"binding_current": "binding_constraint_current",
                                "binding_scenario": "binding_constraint_scenario"})  # fmt: skip
    lines = joined("current", "lines").merge(
        joined("scenario", "lines"),
        on=["clinic", "period", "service_line"],
        suffixes=("_current", "_scenario"),
        how="outer",
    )
    tnaa = joined("current", "tnaa").merge(
        joined("scenario", "tnaa"), on=["clinic", "is_new_patient"],
        suffixes=("_current", "_scenario"), how="outer",
    )  # fmt: skip
    return {
        "name": scenario.name,
        "today": today.isoformat(),
        "tnaa_as_of": selectors.tnaa_day(today, scenario.periods).isoformat(),
        "periods": scenario.periods,
        "clinics": patch.clinics,
        "changes": [c.describe() for c in scenario.changes],
        "rows": _records(rows),
        "lines": _records(lines.sort_values(["period", "clinic", "service_line"])),
        "tnaa": _records(tnaa.sort_values(["clinic", "is_new_patient"], ascending=[True, False])),
    }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows: NaN and missing become null, numpy numbers plain ones."""
    out = []
    for row in frame.to_dict("records"):
        clean = {}
        for key, value in row.items():
            if value is None or (isinstance(value, float) and math.isnan(value)):
                clean[key] = None
            elif hasattr(value, "item"):
                clean[key] = value.item()
            else:
                clean[key] = value
        out.append(clean)
    return out


@transaction.atomic
def scenario_apply(*, scenario: Scenario, user: User, today: date) -> Scenario:
    """Write the scenario's changes to the network through the network file's import, in one
    transaction, kept in the imports' history; its recompute is queued as for any supply
    change. Refused, naming what changed, when the network or the scenario changed since the
    run, and when a change's date has passed."""
    scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
    if scenario.status == Scenario.Status.APPLIED:
        raise ScenarioApplied(f"this scenario was applied on {scenario.applied_at:%Y-%m-%d}")
    if not scenario.is_current or scenario.status != Scenario.Status.DONE:
        # Saving an edit sends a scenario back to draft: its numbers are of another file.
        raise ScenarioNotRun("run the scenario first, to see what applying it would do")
    staleness = selectors.scenario_staleness(scenario=scenario)
    if staleness.stale:
        raise ScenarioStale(
            "the network changed since this scenario was run, so its numbers are not what "
            "applying it would give; run it again. Changed: " + "; ".join(staleness.changes)
        )
    _, patch = scenario_read(document=scenario.document, today=today)
    scenario.applied_import = clinic_services.network_import_now(
        document=patch.document, label=f"scenario: {scenario.name}", user=user
    )
    scenario.status, scenario.applied_at, scenario.applied_by = (
        Scenario.Status.APPLIED, timezone.now(), user
    )  # fmt: skip
    scenario.save(update_fields=["status", "applied_at", "applied_by", "applied_import"])
    logger.info("scenario.applied", extra={"scenario_id": scenario.pk, "clinics": patch.clinics})
    return scenario


def demo_scenarios_seed(*, today: date) -> list[Scenario]:
    """Two scenarios for the demo's hottest clinic, run: an advanced practice provider on two
    weekdays, and Thursdays open until 19:00. Reseeding replaces them."""
    first_day = capacity_compute.month_end(today) + timedelta(days=1)
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    clinics = dict(Clinic.objects.values_list("pk", "code"))
    figures = capacity_selectors.utilization_per_clinic(
        first=last_month, last=capacity_compute.month_end(last_month), clinic_ids=list(clinics)
    )
    if figures.empty:
        return []
    hot = clinics[int(figures.sort_values("utilization", ascending=False).iloc[0]["clinic_id"])]
    app = (
        TemplateAssignment.objects.filter(
            clinic__code=hot, provider__credential__in=["PA", "NP"], ends_on__isnull=True
        )
        .select_related("provider__service_line", "template")
        .order_by("provider__npi")
        .first()
    )
    documents = []
    if app is not None:
        taken = set(Provider.objects.values_list("npi", flat=True))
        stems = (f"19{k:07d}" for k in range(10_000))
        npi = next(
            n for n in (s + clinic_compute.npi_check_digit(s) for s in stems) if n not in taken
        )
        documents.append({
            "name": f"A {app.provider.credential} two days a week at {hot}",
            "from": first_day.strftime("%Y-%m"), "months": 12,
            "changes": [{"add_provider": {
                "npi": npi, "name": f"New {app.provider.credential} (planned)",
                "credential": app.provider.credential,
                "service_line": app.provider.service_line.code, "fte": 0.4, "clinic": hot,
                "template": app.template.code,
                "weekdays": [clinic_compute.WEEKDAYS[d] for d in sorted(app.weekdays)[:2]],
                "start": first_day.isoformat(), "ramp_months": 6,
            }}],
        })  # fmt: skip
    thursday = ClinicHours.objects.filter(clinic__code=hot, weekday=3).first()
    if thursday is not None and thursday.closes < time(19):
        documents.append({
            "name": f"{hot} open until 19:00 on Thursdays",
            "from": first_day.strftime("%Y-%m"), "months": 12,
            "changes": [{"clinic_hours": {
                "clinic": hot, "weekdays": ["thu"], "open": thursday.opens.strftime("%H:%M"),
                "close": "19:00", "from": first_day.isoformat(), "visit_type": None,
            }}],
        })  # fmt: skip
    Scenario.objects.filter(name__in=[d["name"] for d in documents]).delete()
    made = []
    for document in documents:
        scenario = scenario_save(document=document, user=None, today=today)
        made.append(scenario_run(scenario=scenario, today=today))
    return made
