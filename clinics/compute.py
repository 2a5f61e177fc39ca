"""Pure rules of the supply side: NPI check digits and schedule geometry.

No Django imports: the same functions serve model validation, the network file and the API,
and are tested without a database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NPI_PREFIX = "80840"  # ISO health-industry prefix the NPI check digit is computed over


def npi_is_valid(npi: str) -> bool:
    """True for ten digits whose last is the Luhn check digit over 80840 + the first nine."""
    if len(npi) != 10 or not npi.isdigit():
        return False
    digits = [int(c) for c in NPI_PREFIX + npi]
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def npi_check_digit(first_nine: str) -> str:
    """The check digit that makes `first_nine` + digit a valid NPI."""
    for candidate in "0123456789":
        if npi_is_valid(first_nine + candidate):
            return candidate
    raise ValueError(f"not nine digits: {first_nine!r}")  # pragma: no cover - always found


def minutes_of(t: time) -> int:
    return t.hour * 60 + t.minute


def hhmm(t: time) -> str:
    return t.strftime("%H:%M")


@dataclass(frozen=True)
class Block:
    """One template block; `slot_minutes` is None for blocked time."""

    weekday: int
    start: time
    end: time
    slot_minutes: int | None = None
    visit_type: str | None = None

    def describe(self) -> str:
        return f"{WEEKDAYS[self.weekday]} {hhmm(self.start)}–{hhmm(self.end)}"


@dataclass(frozen=True)
class Problem:
    """A rule broken by item `index` of a list, on `field`."""

    index: int
    field: str
    message: str


def block_problems(blocks: Sequence[Block]) -> list[Problem]:
    """Blocks that end before they start, are not whole slots, or overlap an earlier block."""
    problems: list[Problem] = []
    for i, block in enumerate(blocks):
        length = minutes_of(block.end) - minutes_of(block.start)
        if length <= 0:
            problems.append(
                Problem(
                    i, "end", f"ends at {hhmm(block.end)}, not after its start {hhmm(block.start)}"
                )
            )
            continue
        if block.slot_minutes and length % block.slot_minutes:
            problems.append(
                Problem(
                    i,
                    "end",
                    f"lasts {length} minutes, not a whole number of "
                    f"{block.slot_minutes}-minute {block.visit_type} slots",
                )
            )
        for j in range(i):
            other = blocks[j]
            if other.weekday == block.weekday and _overlaps(block, other):
                problems.append(Problem(i, "start", f"overlaps the block {other.describe()}"))
                break
    return problems


def _overlaps(a: Block, b: Block) -> bool:
    return a.start < b.end and b.start < a.end and a.start < a.end and b.start < b.end


def day_windows(blocks: Iterable[Block], weekday: int) -> list[tuple[time, time]]:
    return sorted((b.start, b.end) for b in blocks if b.weekday == weekday)


@dataclass(frozen=True)
class Placement:
    """Where a provider works under one assignment: a clinic, weekdays, dates and times."""

    clinic: str
    template: str
    weekdays: frozenset[int]
    starts_on: date
    ends_on: date | None
    blocks: tuple[Block, ...]

    def dates_overlap(self, other: Placement) -> bool:
        far = date.max
        return self.starts_on <= (other.ends_on or far) and other.starts_on <= (self.ends_on or far)


def placement_conflict(new: Placement, others: Iterable[Placement]) -> str | None:
    """Why `new` puts the provider in two places at once, or None.

    Two assignments clash when their dates overlap and, on a weekday both cover, their
    templates' blocks overlap in time; a morning at one clinic and an afternoon at another
    do not clash.
    """
    for other in others:
        if not new.dates_overlap(other):
            continue
        for weekday in sorted(new.weekdays & other.weekdays):
            for a in (b for b in new.blocks if b.weekday == weekday):
                for b in (b for b in other.blocks if b.weekday == weekday):
                    if _overlaps(a, b):
                        return (
                            f"overlaps the assignment at {other.clinic} ({other.template}) "
                            f"on {WEEKDAYS[weekday]} {hhmm(b.start)}–{hhmm(b.end)} "
                            f"from {other.starts_on.isoformat()}"
                        )
    return None


def outside_hours(
    blocks: Iterable[Block], weekdays: Iterable[int], hours: dict[int, tuple[time, time]]
) -> str | None:
    """Why the blocks on `weekdays` fall outside the clinic's opening `hours`, or None."""
    for weekday in sorted(weekdays):
        day = [b for b in blocks if b.weekday == weekday]
        if not day:
            continue
        if weekday not in hours:
            return f"the clinic is closed on {WEEKDAYS[weekday]}"
        opens, closes = hours[weekday]
        for block in day:
            if block.start < opens or block.end > closes:
                return (
                    f"block {block.describe()} is outside the clinic's hours "
                    f"{hhmm(opens)}–{hhmm(closes)}"
                )
    return None
