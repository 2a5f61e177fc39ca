"""The demo's marketing side: channels, campaigns at hot and cold clinics, and goals with an
override waiting and one decided, so that every marketing page has something to show."""

from __future__ import annotations

import math
import random

CHANNELS = (
    ("search", "Search ads"),
    ("social", "Social media"),
    ("referral", "Physician referral outreach"),
    ("events", "Community events"),
    ("mail", "Direct mail"),
)

# name, channel, clinic codes, first month (from this one), months, budget, leads, conversion
CAMPAIGNS = (
    ("Knee and hip pain search", "search", ("C01", "C05"), 1, 3, 18000, 900, "0.12"),
    ("Stress and sleep clinic on social", "social", ("C04", "C12"), 2, 3, 9500, 600, "0.08"),
    ("Primary care referral visits", "referral", ("C05", "C09", "C12"), 0, 6, 4000, 150, "0.45"),
)

# Goals of the closed months, so that attainment has a history: each clinic's goals ran a little
# above or below what it delivered (its bias), month by month within 0.85–1.15 of the kept.
PAST_GOAL_MONTHS = 12
PAST_GOAL_BIAS = (0.92, 0.98, 1.02, 1.08)


def past_goal(kept: int, *, clinic: str, line: str, month: str, seed: int) -> tuple[int, int, str]:
    """(target, cap, binding constraint) of a closed month's goal from the new patients kept:
    target = kept × a factor of 0.85–1.15, the cap 5–30 % above the target."""
    bias = random.Random(f"{seed}:{clinic}:past-goals").choice(PAST_GOAL_BIAS)
    rng = random.Random(f"{seed}:{clinic}:{line}:{month}")
    factor = max(0.85, min(1.15, bias + rng.gauss(0, 0.04)))
    target = max(1, round(kept * factor))
    cap = target + math.ceil(target * rng.uniform(0.05, 0.30))
    return target, cap, rng.choice(("np_slots", "sustainable"))
