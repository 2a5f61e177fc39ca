"""The outbox every write goes through: record what a change reached, and nothing more.

A service that changes supply or demand calls `record` in its own transaction. It knows
nothing of rollups, caps or KPIs: the pipeline above the apps (its task is looked up by name,
so this module imports nothing higher) takes the recorded rows once the write commits and
recomputes just the clinics and months they name.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, timedelta

from django.db import transaction

from clinics.models import Change, Reach
from growthplan import celery_app

logger = logging.getLogger(__name__)

PIPELINE_TASK = "pipeline.tasks.pipeline_run"
_held: ContextVar[bool] = ContextVar("pipeline_kicks_held", default=False)


@contextmanager
def held() -> Iterator[None]:
    """Record changes without starting the pipeline: for a caller that works them itself, in
    its own process and order (the demo loader), so that no worker races it for them."""
    token = _held.set(True)
    try:
        yield
    finally:
        _held.reset(token)


def month_first(day: date) -> date:
    return day.replace(day=1)


def month_last(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def record(
    *,
    reason: str,
    clinic_ids: Iterable[int] | None = None,
    first: date | None = None,
    last: date | None = None,
    reach: str = Reach.ROLLUPS,
    supply: bool = False,
    kick: bool = True,
) -> int:
    """Record that these clinics (None: every clinic) changed over whole months from `first`'s
    to `last`'s (None: from the first month rolled up, to the end of the window), and start
    the pipeline once the caller's transaction commits. `supply`: the network itself changed
    (templates, providers, assignments), not only its data. Returns the rows recorded."""
    ids: list[int | None] = [None] if clinic_ids is None else sorted(set(clinic_ids))
    if not ids:
        return 0
    first = month_first(first) if first else None
    last = month_last(last) if last else None
    if first and last and first > last:
        first, last = month_first(last), month_last(first)
    Change.objects.bulk_create(
        Change(reason=reason[:200], clinic_id=c, first=first, last=last, reach=reach, supply=supply)
        for c in ids
    )
    if kick and not _held.get():
        transaction.on_commit(pipeline_kick)
    return len(ids)


def pipeline_kick() -> None:
    """Start the pipeline; when the broker cannot take it, the beat sweep finds the rows."""
    try:
        celery_app.tasks[PIPELINE_TASK].delay()
    except Exception:  # a process edge: the change is recorded, the sweep will run it
        logger.exception("pipeline.kick_failed")


def pending(*, clinic_ids: Iterable[int] | None = None, since_pk: int = 0) -> int:
    """Recorded changes (after `since_pk`) whose recompute has not finished yet."""
    rows = Change.objects.filter(done_at__isnull=True, pk__gt=since_pk)
    if clinic_ids is not None:
        rows = rows.filter(clinic_id__in=list(clinic_ids)) | rows.filter(clinic_id__isnull=True)
    return rows.count()
