"""The demo's marketing side: channels, campaigns at hot and cold clinics, and goals with an
override waiting and one decided, so that every marketing page has something to show."""

from __future__ import annotations

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
