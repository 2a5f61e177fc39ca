"""The one owner of "what must be recomputed": recorded changes in, fresh numbers out.

Lower apps record what a write reached (`clinics.changes`) and stop there. Here the rows
are taken in one go, coalesced per clinic, and worked in one order for every entry point:
each clinic's rollups over its changed months, then its caps and targets, and once every
clinic is done, the scorecards' measurements. Each step replaces rows by key, so a rerun or
a duplicated delivery changes nothing, and the result equals a recompute from scratch.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from capacity import selectors as capacity_selectors
from capacity import services as capacity_services
from clinics import changes
from clinics.models import Change, Clinic, Reach
from marketing import services as marketing_services
from pipeline import compute
from pipeline.models import JobClinic, JobStatus, RecomputeJob
from scorecards import services as scorecard_services

logger = logging.getLogger(__name__)

# Namespace of the PostgreSQL advisory locks held while a clinic is recomputed.
LOCK_NAMESPACE = 7_100_213
REASONS_SHOWN = 3


def recompute_request(
    *, reason: str, clinic_ids: Iterable[int] | None = None, kick: bool = True
) -> int:
    """Everything for these clinics (None: every clinic) from scratch: every month of their
    rollups, their caps and targets, and the measurements. Returns the changes recorded."""
    return changes.record(reason=reason, clinic_ids=clinic_ids, supply=True, kick=kick)


def nightly_request(*, today: date) -> int:
    """Beat, every night: the days whose meaning moved with the date (yesterday's bookings
    are now unresolved, a new month enters the quarter ahead), every clinic's caps for the
    horizon that starts this month, and the measurements of the window."""
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    return changes.record(
        reason="nightly", first=last_month, last=today + timedelta(days=120), supply=True
    )


@transaction.atomic
def dirty_take() -> RecomputeJob | None:
    """Take every change not yet taken (rows another run holds are skipped) into one job, with
    one share per clinic; None when there is nothing to do."""
    taken = list(
        Change.objects.select_for_update(skip_locked=True)
        .filter(job_id__isnull=True)
        .order_by("pk")
        .values_list("pk", "clinic_id", "first", "last", "reach", "reason", "supply")
    )
    if not taken:
        return None
    existing = dict(Clinic.objects.values_list("pk", "code"))
    asked = {c for _, c, *_ in taken if c is not None}
    work = compute.coalesce(((c, f, la, r) for _, c, f, la, r, *_ in taken), existing)
    for missing in asked - set(existing):  # deleted since: nothing left to recompute there
        work.pop(missing, None)
    reasons = list(dict.fromkeys(reason for *_, reason, _supply in taken))
    shown = "; ".join(reasons[:REASONS_SHOWN])
    if len(reasons) > REASONS_SHOWN:
        shown += f"; and {len(reasons) - REASONS_SHOWN} more"
    firsts = [w.first for w in work.values() if w.rolls_up]
    lasts = [w.last for w in work.values() if w.rolls_up]
    job = RecomputeJob.objects.create(
        reason=shown,
        changes=len(taken),
        clinic_codes=sorted(existing[c] for c in work),
        every_clinic=any(c is None and r != Reach.KPIS for _, c, _f, _l, r, *_ in taken),
        months_from=None if not firsts or None in firsts else min(firsts),
        months_to=None if not lasts or None in lasts else max(lasts),
        clinics_total=len(work),
        supply=any(supply for *_, supply in taken),
        measure_from=_measure_from(taken),
        messages=[
            f"clinic #{c} no longer exists; nothing to recompute there"
            for c in sorted(asked - set(existing))
        ],
    )
    JobClinic.objects.bulk_create(
        JobClinic(
            job=job, clinic_id=cid, first=w.first, last=w.last,
            reach=Reach.ROLLUPS if w.rolls_up else w.reach,
        )
        for cid, w in sorted(work.items())
    )  # fmt: skip
    Change.objects.filter(pk__in=[pk for pk, *_ in taken]).update(job_id=job.pk)
    logger.info("pipeline.taken", extra={"job_id": job.pk, "changes": len(taken)})
    return job


def _measure_from(taken: list[tuple]) -> date | None:
    """The first month whose data the taken changes reach; None when they may reach any
    period's KPIs: the network itself, an entered value or a goal, or an open start."""
    firsts = []
    for _pk, _clinic, first, _last, reach, _reason, supply in taken:
        if supply or reach == Reach.KPIS or (reach == Reach.ROLLUPS and first is None):
            return None
        if reach == Reach.ROLLUPS:
            firsts.append(first)
    return min(firsts) if firsts else None


def job_clinic_ids(*, job: RecomputeJob) -> list[int]:
    """The clinics of a job still to do, in order."""
    return list(
        job.clinics.filter(done=False).order_by("clinic_id").values_list("clinic_id", flat=True)
    )


def _started(job: RecomputeJob) -> None:
    now = timezone.now()
    RecomputeJob.objects.filter(pk=job.pk).update(moved_at=now)
    RecomputeJob.objects.filter(pk=job.pk, started_at__isnull=True).update(started_at=now)
    RecomputeJob.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(status=JobStatus.RUNNING)


@contextmanager
def clinic_lock(clinic_id: int) -> Iterator[None]:
    """One recompute of a clinic at a time, across workers: a second waits for the first.

    PostgreSQL: an advisory lock of the session. SQLite serializes every writer already.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, clinic_id])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, clinic_id])


def clinic_refresh(*, job: RecomputeJob, clinic_id: int, today: date, worker: str = "") -> bool:
    """Recompute one clinic's share of a job: rollups of its months, then its caps and targets.

    A share already done is skipped (a redelivered task). Returns True when this was the
    job's last clinic and the measurements are now to be refreshed (said once per job).
    """
    share = JobClinic.objects.filter(job=job, clinic_id=clinic_id).first()
    if share is None or share.done:
        return False
    _started(job)
    began = time.monotonic()
    rows = goals = 0
    clinic = Clinic.objects.filter(pk=clinic_id).first()
    with clinic_lock(clinic_id):
        if JobClinic.objects.filter(pk=share.pk, done=True).exists():
            return False  # a second delivery waited for the first, which finished it
        if clinic is None:
            _message(job, f"clinic #{clinic_id} was deleted before its recompute; skipped")
        else:
            if share.reach == Reach.ROLLUPS:
                window = capacity_selectors.rollup_window(clinic_id=clinic_id, today=today)
                work = compute.Work(share.reach, share.first, share.last, rolls_up=True)
                span = compute.clip(work, *window)
                if span:
                    rows = capacity_services.rollups_recompute(
                        first=span[0], last=span[1], today=today, clinic_ids=[clinic_id]
                    )
            goals = marketing_services.caps_recompute(today=today, clinic_ids=[clinic_id])
    with transaction.atomic():
        if not JobClinic.objects.filter(pk=share.pk, done=False).update(
            done=True, seconds=time.monotonic() - began, worker=worker[:200]
        ):
            return False  # another delivery finished it first
        RecomputeJob.objects.filter(pk=job.pk).update(
            clinics_done=F("clinics_done") + 1,
            rollup_rows=F("rollup_rows") + rows,
            goals=F("goals") + goals,
            moved_at=timezone.now(),
        )
    return kpis_due(job=job)


def kpis_due(*, job: RecomputeJob) -> bool:
    """True once, for the caller that finds the job's clinics all done."""
    if job.clinics.filter(done=False).exists():
        return False
    return bool(RecomputeJob.objects.filter(pk=job.pk, kpis_queued=False).update(kpis_queued=True))


def _message(job: RecomputeJob, text: str) -> None:
    with transaction.atomic():
        locked = RecomputeJob.objects.select_for_update().get(pk=job.pk)
        locked.messages = [*locked.messages, text]
        locked.save(update_fields=["messages"])


def kpis_refresh(*, job: RecomputeJob, today: date) -> RecomputeJob:
    """The last step: the scorecards' measurements, then the job and its changes are done."""
    if job.status in (JobStatus.DONE, JobStatus.FAILED):
        return job
    _started(job)
    # KPIs read from the templates alone stay as they are when only data changed.
    keep = () if job.supply else scorecard_services.SUPPLY_KPIS
    months = scorecard_services.refresh_months(today=today, changed_from=job.measure_from)
    measurements = scorecard_services.measurements_refresh(today=today, months=months, keep=keep)
    now = timezone.now()
    with transaction.atomic():
        RecomputeJob.objects.filter(pk=job.pk).update(
            status=JobStatus.DONE, finished_at=now, measurements=measurements
        )
        Change.objects.filter(job_id=job.pk).update(done_at=now)
    job.refresh_from_db()
    logger.info("pipeline.done", extra={"job_id": job.pk, "seconds": job.duration_seconds})
    return job


def job_fail(*, job_id: int, error: BaseException) -> None:
    """Record why a job stopped; its changes stay with it, and the next change, the nightly
    run or *Recompute now* recomputes those clinics again."""
    RecomputeJob.objects.filter(pk=job_id).exclude(status=JobStatus.DONE).update(
        status=JobStatus.FAILED,
        error=f"{type(error).__name__}: {error}"[:2000],
        finished_at=timezone.now(),
    )


def run_now(*, today: date) -> list[RecomputeJob]:
    """Take and work every recorded change in this process (the `recompute` command, the
    demo, tests): the same steps, in the same order, as the Celery fan-out."""
    jobs = []
    while (job := dirty_take()) is not None:
        try:
            for clinic_id in job_clinic_ids(job=job):
                clinic_refresh(job=job, clinic_id=clinic_id, today=today)
            kpis_due(job=job)
            jobs.append(kpis_refresh(job=job, today=today))
        except Exception as exc:
            job_fail(job_id=job.pk, error=exc)
            raise
    return jobs


def changes_untaken() -> bool:
    return Change.objects.filter(job_id__isnull=True).exists()


# A job with no step begun or ended for this long lost its tasks (a worker killed whole, a
# broker that dropped them): its remaining steps are sent again. A step still running when it
# is sent again is harmless: the second waits for the clinic's lock and finds it done.
STALLED_AFTER = timedelta(minutes=10)


def jobs_stalled(*, now: datetime) -> list[RecomputeJob]:
    """Queued or running jobs that have not moved for `STALLED_AFTER`."""
    quiet_since = now - STALLED_AFTER
    return list(
        RecomputeJob.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
        .filter(Q(moved_at__lt=quiet_since) | Q(moved_at__isnull=True, queued_at__lt=quiet_since))
        .order_by("pk")
    )


def job_resumed(*, job: RecomputeJob) -> tuple[list[int], bool]:
    """What a stalled job still has to do: its clinics not done, and whether its KPI step is
    to be sent again (its clinics are done, but it is not). Marks it as moved now."""
    RecomputeJob.objects.filter(pk=job.pk).update(moved_at=timezone.now())
    remaining = job_clinic_ids(job=job)
    if remaining:
        return remaining, False
    RecomputeJob.objects.filter(pk=job.pk).update(kpis_queued=True)
    return [], True
