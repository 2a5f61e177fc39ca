"""Reads for the pipeline's pages."""

from __future__ import annotations

from collections.abc import Iterable

from clinics.models import Change
from pipeline.models import RecomputeJob


def changes_waiting() -> int:
    """Changes recorded that no job has taken yet (a job takes them within seconds)."""
    return Change.objects.filter(job_id__isnull=True).count()


def job_list(*, clinic_codes: Iterable[str] | None = None, limit: int = 50) -> list[RecomputeJob]:
    """The latest jobs; given `clinic_codes`, only those that reached one of these clinics or
    the scorecards alone (JSON lists are matched here, the same way on SQLite and PostgreSQL)."""
    jobs = RecomputeJob.objects.order_by("-queued_at", "-pk")
    if clinic_codes is None:
        return list(jobs[:limit])
    mine = set(clinic_codes)
    return [j for j in jobs[: limit * 4] if not j.clinic_codes or mine & set(j.clinic_codes)][
        :limit
    ]
