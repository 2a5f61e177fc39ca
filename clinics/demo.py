"""A deterministic demo network file: Summit Health Partners, a fictional outpatient group.

`demo_network` builds a document in the network-file shape (DESIGN §4) from a clinic count, a
seed and a reference date, so demos, tests and screenshots see the same data on every run.
Pure Python: no Django, no clock and no global random state.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from clinics.compute import WEEKDAYS, npi_check_digit

DEMO_USERS = [  # (username, password, role group, full name)
    ("ops", "ops-demo-2026", "operations", "Olivia Ops"),
    ("marketing", "marketing-demo-2026", "marketing", "Marco Marketing"),
    ("board", "board-demo-2026", "board", "Bea Board"),
    ("admin", "admin-demo-2026", "administrator", "Ada Admin"),
]

SERVICE_LINES = (  # code, name, follow-ups per new patient in months 0, 1, 2, … (None: learned)
    ("ORTHO", "Orthopedics", [0.5, 0.8, 0.4, 0.2]),
    ("WH", "Women's health", None),
    ("BH", "Behavioral health", None),
    ("PT", "Physical therapy", [2.5, 3.0, 1.0]),
)

_ORTHO = ("MD", "DO", "PA", "NP")
_WH = ("MD", "DO", "CNM", "NP")
_BH = ("PsyD", "PhD", "LCSW", "LPC", "LMFT", "NP")
# Top-of-licence use: new orthopedic patients and PT evaluations need a physician or therapist.
VISIT_TYPES = (  # code, name, minutes, new patient, service line, credentials
    ("ORTHO-NP", "New patient", 30, True, "ORTHO", ("MD", "DO")),
    ("ORTHO-FU", "Follow-up", 15, False, "ORTHO", _ORTHO),
    ("ORTHO-POST", "Post-operative check", 15, False, "ORTHO", _ORTHO),
    ("WH-NP", "New patient", 40, True, "WH", _WH),
    ("WH-FU", "Follow-up", 20, False, "WH", _WH),
    ("BH-NP", "Intake assessment", 60, True, "BH", _BH),
    ("BH-FU", "Therapy session", 45, False, "BH", _BH),
    ("PT-EVAL", "Evaluation", 60, True, "PT", ("PT",)),
    ("PT-FU", "Treatment visit", 30, False, "PT", ("PT", "PTA")),
)

_LUNCH = ("12:00", "13:00", None)
_ORTHO_MD_DAY = (
    ("08:00", "10:00", "ORTHO-NP"),
    ("10:00", "12:00", "ORTHO-FU"),
    _LUNCH,
    ("13:00", "15:00", "ORTHO-FU"),
    ("15:00", "16:30", "ORTHO-POST"),
    ("16:30", "17:00", None),
)
_ORTHO_SURGERY_DAY = (("08:00", "12:00", "ORTHO-FU"),)  # afternoon in the operating room
_ORTHO_MD_LATE_THU = (
    ("10:00", "12:00", "ORTHO-FU"),
    _LUNCH,
    ("13:00", "16:00", "ORTHO-NP"),
    ("16:00", "16:30", None),
    ("16:30", "19:00", "ORTHO-FU"),
)
_ORTHO_NP_HEAVY_DAY = (
    ("08:00", "12:00", "ORTHO-NP"),
    _LUNCH,
    ("13:00", "15:00", "ORTHO-NP"),
    ("15:00", "17:00", "ORTHO-FU"),
)
_ORTHO_APP_DAY = (
    ("08:00", "12:00", "ORTHO-FU"),
    _LUNCH,
    ("13:00", "16:00", "ORTHO-POST"),
    ("16:00", "17:00", "ORTHO-FU"),
)
_WH_DAY = (
    ("08:00", "10:00", "WH-NP"),
    ("10:00", "12:00", "WH-FU"),
    _LUNCH,
    ("13:00", "15:00", "WH-FU"),
    ("15:00", "16:20", "WH-NP"),
    ("16:20", "17:00", None),
)
_BH_DAY = (
    ("08:00", "10:00", "BH-NP"),
    ("10:00", "11:30", "BH-FU"),
    ("11:30", "12:30", None),
    ("12:30", "15:30", "BH-FU"),
    ("15:30", "16:30", "BH-NP"),
    ("16:30", "17:00", None),  # notes and care coordination
)
_PT_DAY = (
    ("08:00", "10:00", "PT-EVAL"),
    ("10:00", "12:00", "PT-FU"),
    _LUNCH,
    ("13:00", "16:00", "PT-FU"),
    ("16:00", "17:00", "PT-EVAL"),
)
_PTA_DAY = (("08:00", "12:00", "PT-FU"), _LUNCH, ("13:00", "17:00", "PT-FU"))
_SAT_MORNING = ("08:00", "12:00")


def _week(day: tuple, **other_days: tuple) -> dict[str, tuple]:
    return {d: other_days.get(d, day) for d in (*WEEKDAYS[:5], *other_days)}


TEMPLATES = {  # code: (name, blocks by weekday); one per service line and credential group
    "ORTHO-MD-STD": (
        "Orthopedics physician standard week",
        _week(_ORTHO_MD_DAY, wed=_ORTHO_SURGERY_DAY),
    ),
    "ORTHO-MD-C07": ("Orthopedics physician, new-patient heavy (C07)", _week(_ORTHO_NP_HEAVY_DAY)),
    "ORTHO-MD-EVE": (
        "Orthopedics physician with late Thursday",
        _week(_ORTHO_MD_DAY, thu=_ORTHO_MD_LATE_THU),
    ),
    "ORTHO-APP-STD": (
        "Orthopedics PA/NP standard week",
        _week(_ORTHO_APP_DAY, sat=((*_SAT_MORNING, "ORTHO-FU"),)),
    ),
    "WH-STD": ("Women's health standard week", _week(_WH_DAY)),
    "BH-STD": ("Behavioral health standard week", _week(_BH_DAY)),
    "PT-STD": ("Physical therapist standard week", _week(_PT_DAY, sat=((*_SAT_MORNING, "PT-FU"),))),
    "PT-PTA-STD": ("PT assistant standard week", _week(_PTA_DAY, sat=((*_SAT_MORNING, "PT-FU"),))),
}

# fmt: off
REGIONS = (
    ("NORTH", "North", "America/Chicago"), ("METRO", "Metro", "America/Chicago"),
    ("SOUTH", "South", "America/Denver"),
)
CLINIC_NAMES = (
    "Lakeside", "Riverside", "Maple Grove", "Cedar Park", "Eastgate", "Prairie View",
    "Willow Creek", "Stone Ridge", "Northfield", "Pine Hill", "Harbor Point", "Oak Hollow",
    "Aspen Ridge", "Birchwood", "Canyon Crest", "Elm Street", "Fox Run", "Granite Falls",
    "Heritage Square", "Ironwood", "Juniper Springs", "Kingsbridge", "Laurel Heights",
    "Meadowbrook",
)
# Clinic i follows pattern i % 12: (service lines, exam rooms). Orthopedics is the largest line
# and physical therapy mostly sits next to it.
CLINIC_PATTERNS = (
    (("ORTHO", "PT"), 12), (("WH",), 6), (("ORTHO", "PT", "BH"), 14), (("BH",), 4),
    (("ORTHO", "WH"), 10), (("PT",), 6), (("ORTHO", "PT"), 12), (("WH", "BH"), 8),
    (("ORTHO",), 8), (("ORTHO", "PT", "WH"), 14), (("BH", "WH"), 8), (("ORTHO", "BH"), 10),
)
_SATURDAY, _LATE_THURSDAY, _LEAN_ROOMS, _LOWER_TARGET = {0, 9}, {4}, {3, 5}, {3, 7, 10}

STAFFING = {  # per clinic and service line: one provider per tuple of possible credentials
    "ORTHO": (("MD", "DO"), ("MD",), ("PA", "NP")),
    "PT": (("PT",), ("PT",), ("PTA",)),
    "WH": (("MD", "DO"), ("CNM", "NP")),
    "BH": (("PsyD", "PhD"), ("LCSW", "LPC", "LMFT", "NP")),
}
_DOCTORS = {"MD", "DO", "PsyD", "PhD"}
_FTES = (1, 1, 1, 1, 0.8, 0.8, 0.8, 0.6, 0.6, 0.5)
FIRST_NAMES = (
    "Maria", "James", "Aisha", "Daniel", "Priya", "Michael", "Sofia", "David", "Grace", "Ethan",
    "Hannah", "Lucas", "Nadia", "Owen", "Rachel", "Samuel", "Tara", "Victor", "Wendy", "Yusuf",
    "Alicia", "Benjamin", "Camila", "Derek", "Elena", "Felix", "Gabriela", "Henry", "Isabel",
    "Jordan", "Kevin", "Leah", "Marcus", "Nina", "Omar", "Paula", "Quinn", "Rosa", "Tyler", "Zoe",
)
LAST_NAMES = (
    "Chen", "Rivera", "Patel", "Nguyen", "Johnson", "Okafor", "Kowalski", "Garcia", "Schmidt",
    "Hughes", "Larsen", "Morales", "Nakamura", "O'Brien", "Peterson", "Quintero", "Russo",
    "Sullivan", "Thompson", "Usman", "Vasquez", "Walker", "Yamamoto", "Zimmerman", "Adeyemi",
    "Bergstrom", "Castillo", "Dubois", "Erikson", "Fischer", "Gupta", "Hoffman", "Ibrahim",
    "Jensen", "Kim", "Lindqvist", "Mendoza", "Novak", "Olsen", "Park",
)
# fmt: on


def demo_network(*, clinics: int = 12, seed: int = 7, today: date) -> dict[str, Any]:
    """The demo network file for `clinics` clinics, identical for identical arguments.

    Providers, absences and closures are placed around `today`: hires up to a year ago, one
    provider who left four months ago, one who joined two months ago, absences from 18 months
    before to 6 months after, and holidays from two years before to one year after.
    """
    if clinics < 1:
        raise ValueError("a network needs at least one clinic")
    rng = random.Random(seed)
    sites = [_clinic(i) for i in range(clinics)]
    regions = [
        {"code": code, "name": name, "clinics": sites[r::3]}
        for r, (code, name, _tz) in enumerate(REGIONS[: min(clinics, 3)])
    ]
    return {
        "service_lines": [
            {"code": c, "name": n, "followup_profile": p} for c, n, p in SERVICE_LINES
        ],
        "visit_types": [
            {
                "code": c,
                "name": n,
                "minutes": m,
                "new_patient": new,
                "service_line": line,
                "credentials": list(creds),
            }
            for c, n, m, new, line, creds in VISIT_TYPES
        ],
        "organizations": [{"code": "SUMMIT", "name": "Summit Health Partners", "regions": regions}],
        "templates": [
            {
                "code": code,
                "name": name,
                "blocks": [
                    {"weekday": d, "start": s, "end": e, "visit_type": vt}
                    for d in WEEKDAYS
                    if d in days
                    for s, e, vt in days[d]
                ],
            }
            for code, (name, days) in TEMPLATES.items()
        ],
        "providers": _providers(rng, sites, today),
        "closures": _closures(sites, today),
    }


def _clinic(i: int) -> dict[str, Any]:
    pattern = i % len(CLINIC_PATTERNS)
    lines, rooms = CLINIC_PATTERNS[pattern]
    suffix = f" {i // len(CLINIC_NAMES) + 1}" if i >= len(CLINIC_NAMES) else ""
    opens, closes = ("07:30" if i % 3 == 0 else "08:00"), ("17:30" if i % 4 == 1 else "17:00")
    hours = {d: [opens, closes] for d in WEEKDAYS[:5]}
    if pattern in _LATE_THURSDAY:
        hours["thu"] = [opens, "19:00"]
    if pattern in _SATURDAY:
        hours["sat"] = list(_SAT_MORNING)
    return {
        "code": f"C{i + 1:02d}",
        "name": CLINIC_NAMES[i % len(CLINIC_NAMES)] + suffix,
        "timezone": REGIONS[i % 3][2],
        "exam_rooms": rooms,
        "rooms_per_provider": 1.5 if pattern in _LEAN_ROOMS else 2,
        "target_utilization": 0.85 if pattern in _LOWER_TARGET else 0.9,
        "service_lines": list(lines),
        "hours": hours,
    }


def _template_for(line: str, credential: str, clinic: dict[str, Any]) -> str:
    if line == "ORTHO" and credential in ("MD", "DO"):
        if clinic["code"] == "C07":
            return "ORTHO-MD-C07"
        return "ORTHO-MD-EVE" if clinic["hours"]["thu"][1] == "19:00" else "ORTHO-MD-STD"
    if line == "ORTHO":
        return "ORTHO-APP-STD"
    return "PT-PTA-STD" if credential == "PTA" else f"{line}-STD"


def _providers(rng: random.Random, sites: list[dict[str, Any]], today: date) -> list[dict]:
    start = date(today.year - 2, 1, 1)
    hire_to = today - timedelta(days=365)
    hire_from = min(date(2015, 1, 1), hire_to - timedelta(days=3 * 365))
    names: set[str] = set()
    npis: set[str] = set()
    roster: list[dict[str, Any]] = []
    for i, site in enumerate(sites):
        for line in site["service_lines"]:
            slots = STAFFING[line] + (STAFFING[line][:1] if site["exam_rooms"] >= 12 else ())
            for creds in slots:
                credential = rng.choice(creds)
                fte = rng.choice(_FTES)
                count = {1: 5, 0.8: 4, 0.6: 3}.get(fte) or rng.choice((2, 3))
                days = [WEEKDAYS[d] for d in sorted(rng.sample(range(5), count))]
                home_template = _template_for(line, credential, site)
                partners = [
                    (j, c) for j, c in enumerate(sites) if j != i and line in c["service_lines"]
                ]
                nearby = [c for j, c in partners if j % 3 == i % 3] or [c for _, c in partners]
                places = [(site, days)]
                if len(days) >= 4 and nearby and rng.random() < 0.15:
                    # Split weeks alternate days so the two clinics never claim the same day.
                    places = [(site, days[0::2]), (rng.choice(nearby), days[1::2])]
                elif (
                    "sat" in site["hours"]
                    and "sat" in TEMPLATES[home_template][1]
                    and len(days) >= 4
                    and rng.random() < 0.5
                ):
                    places = [(site, [*days[1:], "sat"])]
                roster.append(
                    {
                        "npi": _npi(rng, npis),
                        "name": _name(rng, names, credential),
                        "credential": credential,
                        "service_line": line,
                        "fte": fte,
                        "hired_on": hire_from
                        + timedelta(rng.randrange((hire_to - hire_from).days)),
                        "left_on": None,
                        "places": places,
                    }
                )
    leaver = rng.choice([p for p in roster if len(p["places"]) == 1])
    leaver["left_on"] = today - timedelta(days=120)
    joiner = dict(
        leaver,
        npi=_npi(rng, npis),
        name=_name(rng, names, leaver["credential"]),
        hired_on=today - timedelta(days=61),
        left_on=None,
    )
    roster.insert(roster.index(leaver) + 1, joiner)
    on_leave = set(rng.sample(range(len(roster)), min(2, len(roster))))

    out = []
    for n, p in enumerate(roster):
        hired, left = p["hired_on"], p["left_on"]
        first = max(hired, today - timedelta(days=548))
        last = min(left or date.max, today + timedelta(days=183))
        out.append(
            {
                "npi": p["npi"],
                "name": p["name"],
                "credential": p["credential"],
                "service_line": p["service_line"],
                "fte": p["fte"],
                "hired_on": hired.isoformat(),
                "left_on": left and left.isoformat(),
                "assignments": [
                    {
                        "clinic": c["code"],
                        "template": _template_for(p["service_line"], p["credential"], c),
                        "weekdays": days,
                        "from": max(hired, start).isoformat(),
                        "to": left and left.isoformat(),
                    }
                    for c, days in p["places"]
                ],
                "absences": _absences(rng, first, last, leave=n in on_leave),
            }
        )
    return out


def _npi(rng: random.Random, taken: set[str]) -> str:
    while True:
        first_nine = f"1{rng.randrange(10**8):08d}"
        npi = first_nine + npi_check_digit(first_nine)
        if npi not in taken:
            taken.add(npi)
            return npi


def _name(rng: random.Random, taken: set[str], credential: str) -> str:
    while True:
        full = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if full in taken:  # a middle initial keeps names unique in large networks
            full = full.replace(" ", f" {rng.choice('ABCDEFGHJKLMNPRSTW')}. ", 1)
        if full not in taken:
            taken.add(full)
            return f"Dr. {full}" if credential in _DOCTORS else full


def _absences(rng: random.Random, first: date, last: date, *, leave: bool) -> list[dict]:
    taken: list[tuple[date, date, str]] = []

    def add(start: date, end: date, reason: str) -> None:
        if first <= start and end <= last and not any(a <= end and start <= b for a, b, _ in taken):
            taken.append((start, end, reason))

    def monday() -> date:
        day = first + timedelta(rng.randrange(max((last - first).days, 1)))
        return day - timedelta(day.weekday())

    if leave:
        begin = monday()
        add(begin, begin + timedelta(weeks=rng.choice((6, 8)), days=-3), "Leave")
    for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
        begin = monday()
        add(begin, begin + timedelta(days=4), "PTO")
    for _ in range(rng.choice((0, 1, 1, 2))):
        begin = monday() + timedelta(days=rng.choice((0, 3)))  # conferences: Mon or Thu-Fri
        add(begin, begin + timedelta(days=rng.choice((0, 1))), "CME")
    return [{"from": a.isoformat(), "to": b.isoformat(), "reason": r} for a, b, r in sorted(taken)]


def us_holidays(year: int) -> list[date]:
    """The six holidays the demo clinics close for, plus weekday observances of weekend ones."""

    def nth(month: int, weekday: int, n: int) -> date:
        first = date(year, month, 1)
        return first + timedelta((weekday - first.weekday()) % 7 + 7 * (n - 1))

    may_31 = date(year, 5, 31)
    days = [
        date(year, 1, 1),
        may_31 - timedelta(may_31.weekday()),
        date(year, 7, 4),
        nth(9, 0, 1),
        nth(11, 3, 4),
        date(year, 12, 25),
    ]
    observed = [d + timedelta({5: -1, 6: 1}[d.weekday()]) for d in days if d.weekday() >= 5]
    return sorted(days + observed)


def _closures(sites: list[dict[str, Any]], today: date) -> list[dict]:
    years = range(today.year - 2, today.year + 2)
    holidays = [d for y in years for d in us_holidays(y)]
    flood = today - timedelta(days=150)
    flood += timedelta((7 - flood.weekday()) % 7)  # three weekdays from a Monday
    flooded = sites[min(2, len(sites) - 1)]["code"]
    out = []
    for site in sites:
        days = [(d, "Holiday") for d in holidays]
        if site["code"] == flooded:
            days += [(flood + timedelta(k), "Flooding repairs") for k in range(3)]
        out += [
            {"clinic": site["code"], "date": d.isoformat(), "reason": r} for d, r in sorted(days)
        ]
    return out
