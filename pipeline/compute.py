"""What a set of recorded changes asks for, worked out without the database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

ROLLUPS, CAPS, KPIS = "rollups", "caps", "kpis"
LEVEL = {KPIS: 0, CAPS: 1, ROLLUPS: 2}


@dataclass(frozen=True)
class Work:
    """One clinic's share: the months to roll up (None: the whole window at that end; both
    None with reach CAPS: no rollups) and how far the change reaches."""

    reach: str
    first: date | None = None
    last: date | None = None
    rolls_up: bool = False


def coalesce(
    changes: Iterable[tuple[int | None, date | None, date | None, str]],
    clinic_ids: Iterable[int],
) -> dict[int, Work]:
    """Per clinic, the furthest reach of its changes and the span of months they roll up.

    A change without a clinic reaches every clinic in `clinic_ids`. Spans are joined into one
    (an open end wins): recomputing a month that did not change gives the same rows, so a
    wider span is always right. Changes that reach only KPIs give no clinic work.
    """
    every = list(clinic_ids)
    out: dict[int, Work] = {}
    for clinic_id, first, last, reach in changes:
        if LEVEL[reach] < LEVEL[CAPS]:
            continue
        for cid in every if clinic_id is None else [clinic_id]:
            out[cid] = _join(out.get(cid), reach, first, last)
    return out


def _join(work: Work | None, reach: str, first: date | None, last: date | None) -> Work:
    level = max(LEVEL[reach], LEVEL[work.reach]) if work else LEVEL[reach]
    merged_reach = next(r for r, n in LEVEL.items() if n == level)
    if reach != ROLLUPS:
        if work is None:
            return Work(reach=merged_reach)
        return Work(merged_reach, work.first, work.last, work.rolls_up)
    if work is None or not work.rolls_up:
        return Work(merged_reach, first, last, rolls_up=True)
    return Work(
        merged_reach,
        None if first is None or work.first is None else min(first, work.first),
        None if last is None or work.last is None else max(last, work.last),
        rolls_up=True,
    )


def clip(work: Work, window_first: date, window_last: date) -> tuple[date, date] | None:
    """The days to roll up: the work's months inside the window, or None when none are."""
    if not work.rolls_up:
        return None
    first = max(work.first or window_first, window_first)
    last = min(work.last or window_last, window_last)
    return (first, last) if first <= last else None
