"""Planning on top of the caps: a network goal spread over clinics, campaign signals, leads.

No Django here. Counts are whole patients; apportioning uses exact integer arithmetic so that
the parts always add up to the whole.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

Signal = Literal["push", "hold", "pause"]
SIGNALS: dict[str, str] = {
    "push": "headroom covers what the campaign should bring here",
    "hold": "some headroom, but less than the campaign should bring here",
    "pause": "no headroom: every new-patient place the schedule can absorb is taken",
}


@dataclass(frozen=True)
class Allocation:
    """A network goal spread over clinics: `goals` per clinic key, and what did not fit."""

    goals: dict[str, int]
    unplaced: int


def apportion(total: int, weights: Mapping[str, int]) -> dict[str, int]:
    """Split `total` whole units in proportion to `weights` (largest remainder, Hamilton).

    Each part is floor(total × w ÷ Σw) plus at most one of the units left over, which go to the
    largest remainders (ties: the larger weight, then the first key in order). The parts add up
    to `total`; with every weight 0 nothing can be placed and every part is 0.
    """
    if total < 0 or any(w < 0 for w in weights.values()):
        raise ValueError("a total and weights must be ≥ 0")
    whole = sum(weights.values())
    if whole == 0:
        return dict.fromkeys(weights, 0)
    parts = {key: total * w // whole for key, w in weights.items()}
    left = total - sum(parts.values())
    order = sorted(
        enumerate(weights.items()),
        key=lambda item: (-(total * item[1][1] % whole), -item[1][1], item[0]),
    )
    for _, (key, _w) in order[:left]:
        parts[key] += 1
    return parts


def network_goal(total: int, *, booked: Mapping[str, int], caps: Mapping[str, int]) -> Allocation:
    """Spread a network-wide monthly new-patient goal over clinics by their headroom.

    New patients already booked come first, since they arrive whatever marketing does: a total
    no larger than all bookings is split in proportion to them. The rest is split in
    proportion to each clinic's headroom (cap − booked), so no clinic is given more than its
    cap; what exceeds every clinic's headroom is `unplaced`.
    """
    if total < 0:
        raise ValueError("a network goal must be ≥ 0")
    if set(booked) != set(caps):
        raise ValueError("booked and caps must name the same clinics")
    if any(booked[key] > caps[key] for key in caps):
        raise ValueError("a cap is never below the new patients already booked")
    already = sum(booked.values())
    if total <= already:
        return Allocation(apportion(total, booked), 0)
    headroom = {key: caps[key] - booked[key] for key in caps}
    room = sum(headroom.values())
    extra = apportion(min(total - already, room), headroom)
    goals = {key: booked[key] + extra[key] for key in caps}
    return Allocation(goals, max(0, total - already - room))


def campaign_expected(
    *, expected_leads: int, conversion: float, clinics: int, months: int
) -> float:
    """New patients a campaign should bring to each of its clinic-months, spread evenly."""
    if clinics <= 0 or months <= 0:
        return 0.0
    return expected_leads * float(conversion) / (clinics * months)


def campaign_signal(*, headroom: int, expected: float) -> Signal:
    """`pause` with no headroom, `hold` with less than the campaign should bring, else `push`."""
    if headroom <= 0:
        return "pause"
    return "hold" if headroom < expected else "push"


def leads_needed(target: int, conversion: float | str) -> int:
    """ceil(target ÷ conversion): the leads that, converted at that rate, reach the target.

    The rate is read as an exact decimal (0.3, not 0.29999…), so 30 ÷ 0.3 is exactly 100.
    """
    rate = Fraction(str(conversion))
    if not 0 < rate <= 1:
        raise ValueError("a conversion rate must be in (0, 1]")
    if target < 0:
        raise ValueError("a target must be ≥ 0")
    return math.ceil(Fraction(target) / rate)


def attainment(kept: int, target: int) -> float | None:
    """Goal attainment = new patients kept ÷ target (DESIGN §3); no target gives no value."""
    return kept / target if target > 0 else None
