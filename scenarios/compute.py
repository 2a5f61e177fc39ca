"""What-if scenarios, pure: the scenario file (DESIGN §4), its changes as a patch on the
network file, ramp-up, and the before/after table.

A scenario never has formulas of its own. Its changes become a network file — the records
they touch, as the network would hold them — and the real code computes supply, utilization,
caps and TNAA on the network with that file applied (services.scenario_run, in a transaction
that is rolled back). Applying a scenario imports the same file for good. So "apply, then
compute" equals the scenario's numbers by construction, and the tests check it.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, time, timedelta
from typing import Any

import pandas as pd

from capacity import compute as capacity_compute
from clinics import network
from clinics.network import Reader

SCENARIO_KEYS = ("name", "from", "months", "changes")
MAX_MONTHS = 24
MAX_RAMP_MONTHS = 24
DEFAULT_RAMP_MONTHS = 6

ADD_PROVIDER_KEYS = (
    "npi", "name", "credential", "service_line", "fte", "clinic", "template", "weekdays", "start",
)  # fmt: skip
# Each kind of change: its required keys, then its optional ones.
CHANGE_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "add_provider": (ADD_PROVIDER_KEYS, ("ramp_months",)),
    "remove_provider": (("npi", "from"), ()),
    "reduce_provider": (("npi", "from", "fte"), ("weekdays",)),
    "clinic_hours": (("clinic", "weekdays", "open", "close", "from"), ("visit_type",)),
    "exam_rooms": (("clinic", "rooms"), ()),
    "swap_template": (("npi", "clinic", "template", "from"), ()),
    "template": (("code", "name", "blocks"), ()),
    "target_utilization": (("clinic", "value"), ()),
}
CHANGE_LABELS = {
    "add_provider": "Add a provider",
    "remove_provider": "Remove a provider",
    "reduce_provider": "Reduce a provider",
    "clinic_hours": "Clinic hours",
    "exam_rooms": "Exam rooms",
    "swap_template": "Swap a template",
    "template": "Template blocks",
    "target_utilization": "Target utilization",
}

RESULT_COLUMNS = [
    "period", "clinic", "available_minutes_current", "available_minutes_scenario",
    "utilization_current", "utilization_scenario", "np_cap_current", "np_cap_scenario",
    "binding_constraint_scenario",
]  # fmt: skip


class ScenarioError(Exception):
    """The scenario cannot be run or applied; `problems` are (path, message) pairs, the path
    naming the scenario file's key (`changes[2].add_provider.fte`)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{p}: {m}" if p else m for p, m in problems))
        self.problems = problems

    def lines(self) -> list[str]:
        return [f"{path}: {message}" if path else message for path, message in self.problems]


@dataclass(frozen=True)
class Change:
    kind: str
    path: str  # changes[i].kind
    values: dict[str, Any]

    def describe(self) -> str:
        """One line a planner reads in a list of changes."""
        v = self.values
        days = ", ".join(network.compute.WEEKDAYS[d] for d in v.get("weekdays") or ())
        match self.kind:
            case "add_provider":
                ramp = v["ramp_months"]
                return (
                    f"Add {v['name']} ({v['credential']}, {v['fte']} FTE) at {v['clinic']} on "
                    f"{days} with {v['template']} from {v['start']}"
                    + (f", ramping up over {ramp} months" if ramp else "")
                )
            case "remove_provider":
                return f"Remove provider {v['npi']} from {v['from']}"
            case "reduce_provider":
                return f"Reduce provider {v['npi']} to {v['fte']} FTE from {v['from']}" + (
                    f", working {days}" if days else ""
                )
            case "clinic_hours":
                return (
                    f"{v['clinic']} open {_hhmm(v['open'])}–{_hhmm(v['close'])} on {days} "
                    f"from {v['from']}"
                )
            case "exam_rooms":
                return f"{v['clinic']} with {v['rooms']} exam rooms"
            case "swap_template":
                return f"Provider {v['npi']} on {v['template']} at {v['clinic']} from {v['from']}"
            case "template":
                return f"Template {v['code']} with {len(v['blocks'])} blocks"
            case _:
                return f"{v['clinic']} target utilization {float(v['value']):.0%}"


@dataclass(frozen=True)
class Scenario:
    name: str
    first: str  # YYYY-MM
    months: int
    changes: list[Change]

    @property
    def periods(self) -> list[str]:
        return [month_add(self.first, n) for n in range(self.months)]

    @property
    def last_day(self) -> date:
        nxt = date.fromisoformat(f"{month_add(self.first, self.months)}-01")
        return nxt - timedelta(days=1)


def month_add(period: str, months: int) -> str:
    year, month = map(int, period.split("-"))
    index = year * 12 + month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _hhmm(t: time) -> str:
    return t.strftime("%H:%M")


def _month(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise ValueError(f"expected a month YYYY-MM, got {value!r}")
    return value


def _months(value: Any) -> int:
    n = network.integer(value)
    if not 1 <= n <= MAX_MONTHS:
        raise ValueError(f"expected 1 to {MAX_MONTHS} months, got {n}")
    return n


def _fte(value: Any) -> float:
    n = float(network.number(value))
    if n > 1:
        raise ValueError(f"{n:g} FTE is beyond 1.0: one provider works at most 1.0 FTE")
    if n <= 0:
        raise ValueError(f"expected an FTE above 0 and at most 1.0, got {n:g}")
    return n


def _rooms(value: Any) -> int:
    n = network.integer(value)
    if n < 0:
        raise ValueError(f"rooms cannot be below zero, got {n}")
    return n


def _ramp(value: Any) -> int:
    n = network.integer(value)
    if not 0 <= n <= MAX_RAMP_MONTHS:
        raise ValueError(f"expected 0 (full from the start) to {MAX_RAMP_MONTHS} months, got {n}")
    return n


def _utilization(value: Any) -> float:
    n = float(network.number(value))
    if not 0 < n <= 1:
        raise ValueError(f"expected a fraction above 0 and at most 1 (0.85 = 85 %), got {n:g}")
    return n


FIELD_PARSERS: dict[str, Any] = {
    "npi": lambda v: network.text(v, max_length=10),
    "name": network.text,
    "credential": lambda v: network.text(v, max_length=8),
    "service_line": lambda v: network.text(v, max_length=32),
    "clinic": lambda v: network.text(v, max_length=32),
    "template": lambda v: network.text(v, max_length=32),
    "code": lambda v: network.text(v, max_length=32),
    "visit_type": lambda v: network.text(v, max_length=32, null=True),
    "fte": _fte,
    "weekdays": network.weekdays,
    "start": network.day,
    "from": network.day,
    "open": network.clock,
    "close": network.clock,
    "rooms": _rooms,
    "ramp_months": _ramp,
    "value": _utilization,
}
DATE_FIELDS = ("start", "from")


def read(document: Any, *, today: date) -> Scenario:
    """The scenario file as Python values, or ScenarioError naming each problem's path.

    Checks what needs no network: shapes, ranges, dates not before today and inside the
    horizon, and a template's blocks not overlapping. References are checked by `patch`.
    """
    r = Reader()
    doc = r.obj(document, "", SCENARIO_KEYS)
    if doc is None or r.problems:
        raise ScenarioError(r.problems)
    name = r.get(doc, "name", "", network.text)
    first = r.get(doc, "from", "", _month)
    months = r.get(doc, "months", "", _months)
    current = today.strftime("%Y-%m")
    if first is not None and first < current:
        r.fail("from", f"{first} is before this month ({current}): a scenario plans ahead")
    end = None
    if first is not None and months is not None:
        end = Scenario(name or "", first, months, []).last_day
    changes = []
    for path, item in r.items(doc["changes"], "changes"):
        change = _change(r, item, path, today=today, end=end)
        if change is not None:
            changes.append(change)
    if r.problems:
        raise ScenarioError(r.problems)
    return Scenario(name=name, first=first, months=months, changes=changes)


def _change(r: Reader, item: Any, path: str, *, today: date, end: date | None) -> Change | None:
    if not isinstance(item, dict) or len(item) != 1 or next(iter(item)) not in CHANGE_KEYS:
        r.fail(path, "expected an object with one key, one of " + ", ".join(CHANGE_KEYS))
        return None
    kind, body = next(iter(item.items()))
    where = f"{path}.{kind}"
    required, optional = CHANGE_KEYS[kind]
    before = len(r.problems)
    obj = r.obj(body, where, required, optional)
    if obj is None:
        return None
    values: dict[str, Any] = {}
    for key in (*required, *optional):
        if key == "blocks" or key not in obj:
            continue
        values[key] = r.get(obj, key, where, FIELD_PARSERS[key])
    for key in DATE_FIELDS:
        when = values.get(key)
        if when is None:
            continue
        if when < today:
            r.fail(f"{where}.{key}", f"{when} is before today ({today}): plan from today on")
        elif end is not None and when > end:
            r.fail(f"{where}.{key}", f"{when} is after the scenario's last day ({end})")
    if kind == "add_provider":
        values.setdefault("ramp_months", DEFAULT_RAMP_MONTHS)
        if values["npi"] is not None and not network.compute.npi_is_valid(values["npi"]):
            r.fail(f"{where}.npi", f"{values['npi']!r} is not a valid 10-digit NPI")
    opens, closes = values.get("open"), values.get("close")
    if kind == "clinic_hours" and opens and closes and opens >= closes:
        r.fail(f"{where}.close", "a clinic must close after it opens")
    if kind == "template":
        values["blocks"] = _blocks(r, obj.get("blocks"), f"{where}.blocks")
    if len(r.problems) > before:
        return None
    return Change(kind=kind, path=where, values=values)


def _blocks(r: Reader, value: Any, path: str) -> list[dict[str, Any]]:
    blocks = []
    for bpath, item in r.items(value, path):
        b = r.obj(item, bpath, network.BLOCK_KEYS)
        if b is None:
            continue
        blocks.append(
            {
                "weekday": r.get(b, "weekday", bpath, network.weekday),
                "start": r.get(b, "start", bpath, network.clock),
                "end": r.get(b, "end", bpath, network.clock),
                "visit_type": r.get(b, "visit_type", bpath, network.text, null=True, max_length=32),
            }
        )
    parsed = [b for b in blocks if None not in (b["weekday"], b["start"], b["end"])]
    if len(parsed) == len(blocks):
        for problem in network.compute.block_problems(
            [network.compute.Block(b["weekday"], b["start"], b["end"], None, b["visit_type"])
             for b in blocks]
        ):  # fmt: skip
            r.fail(f"{path}[{problem.index}].{problem.field}", problem.message)
    return blocks


def write(scenario: Scenario) -> dict[str, Any]:
    """The scenario file of DESIGN §4 (what `read` reads)."""
    return {
        "name": scenario.name,
        "from": scenario.first,
        "months": scenario.months,
        "changes": [{c.kind: _json_values(c)} for c in scenario.changes],
    }


def _json_values(change: Change) -> dict[str, Any]:
    out: dict[str, Any] = {}
    required, optional = CHANGE_KEYS[change.kind]
    for key in (*required, *optional):
        value = change.values.get(key)
        if key == "weekdays" and value is not None:
            value = [network.compute.WEEKDAYS[d] for d in value]
        elif key == "blocks":
            value = [
                {"weekday": network.compute.WEEKDAYS[b["weekday"]], "start": _hhmm(b["start"]),
                 "end": _hhmm(b["end"]), "visit_type": b["visit_type"]}
                for b in value
            ]  # fmt: skip
        elif isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, time):
            value = _hhmm(value)
        if key in optional and value is None:
            continue
        out[key] = value
    return out


# ---------------------------------------------------------------------------------------------
# The changes as a network file


@dataclass(frozen=True)
class Ramp:
    """A new provider's supply, scaled k/n in the k-th month from `start` (1/n first)."""

    npi: str
    start: date
    months: int

    def factor(self, period: str) -> float:
        k = _month_index(period) - _month_index(self.start.strftime("%Y-%m")) + 1
        if self.months == 0 or k >= self.months:
            return 1.0
        return max(k, 0) / self.months


def _month_index(period: str) -> int:
    year, month = map(int, period.split("-"))
    return year * 12 + month - 1


@dataclass
class Patch:
    """The network file that makes the scenario real: only the records its changes touch,
    each as the network would hold it after all of them."""

    records: dict[str, list[dict[str, Any]]]  # clinics, templates, providers
    homes: dict[str, tuple[dict[str, Any], dict[str, Any]]]  # clinic → (organization, region)
    closures: list[dict[str, Any]]  # every closure; a clinic's go with it
    reach: dict[tuple[str, str], set[str]]  # (kind, key) → clinics whose numbers it feeds
    origins: dict[tuple[str, str], str]  # (kind, key) → the path of the last change to it
    ramps: list[Ramp]
    only: frozenset[str] | None = None  # restricted to these clinics' records

    @property
    def clinics(self) -> list[str]:
        """Every clinic whose supply or caps the changes reach, sorted."""
        reached = set().union(*self.reach.values()) if self.reach else set()
        return sorted(reached if self.only is None else reached & self.only)

    def restricted(self, clinics: Iterable[str]) -> Patch:
        """The part of the file that feeds these clinics' numbers: computing a batch of
        clinics needs only what reaches them."""
        return replace(self, only=frozenset(clinics))

    def _wanted(self, kind: str, key: str) -> bool:
        return self.only is None or bool(self.reach[(kind, key)] & self.only)

    @property
    def document(self) -> dict[str, Any]:
        providers = [p for p in self.records["providers"] if self._wanted("providers", p["npi"])]
        used = {a["template"] for p in providers for a in p["assignments"]}
        templates = [
            t for t in self.records["templates"]
            if self._wanted("templates", t["code"]) or t["code"] in used
        ]  # fmt: skip
        # A kept record that works at another changed clinic needs that clinic as changed.
        near = {a["clinic"] for p in providers for a in p["assignments"]}
        for t in templates:
            near |= self.reach[("templates", t["code"])]
        clinics = [
            c for c in self.records["clinics"]
            if self._wanted("clinics", c["code"]) or c["code"] in near
        ]  # fmt: skip
        organizations: dict[str, dict[str, Any]] = {}
        for clinic in clinics:
            org, region = self.homes[clinic["code"]]
            o = organizations.setdefault(org["code"], {**org, "regions": []})
            r = next((r for r in o["regions"] if r["code"] == region["code"]), None)
            if r is None:
                r = {**region, "clinics": []}
                o["regions"].append(r)
            r["clinics"].append(clinic)
        codes = {c["code"] for c in clinics}
        return {
            "service_lines": [], "visit_types": [], "organizations": list(organizations.values()),
            "templates": templates, "providers": providers,
            "closures": [c for c in self.closures if c["clinic"] in codes],
        }  # fmt: skip

    def problem_path(self, path: str) -> tuple[str, str]:
        """The change behind a problem at `path` of `document`, and the rest of the path."""
        doc = self.document
        sources = {}
        for o, org in enumerate(doc["organizations"]):
            for g, region in enumerate(org["regions"]):
                for c, clinic in enumerate(region["clinics"]):
                    sources[f"organizations[{o}].regions[{g}].clinics[{c}]"] = (
                        "clinics",
                        clinic["code"],
                    )
        for i, t in enumerate(doc["templates"]):
            sources[f"templates[{i}]"] = ("templates", t["code"])
        for i, p in enumerate(doc["providers"]):
            sources[f"providers[{i}]"] = ("providers", p["npi"])
        for prefix, key in sorted(sources.items(), key=lambda kv: -len(kv[0])):
            if path == prefix or path.startswith((f"{prefix}.", f"{prefix}[")):
                return self.origins.get(key, "changes"), path[len(prefix) :].lstrip(".")
        return "changes", path


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


class _Network:
    """The network file, indexed by code and NPI, being edited by the changes in order."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.doc = copy.deepcopy(dict(doc))
        self.clinics: dict[str, dict[str, Any]] = {}
        self.homes: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
        for org in self.doc["organizations"]:
            for region in org["regions"]:
                for clinic in region["clinics"]:
                    self.clinics[clinic["code"]] = clinic
                    self.homes[clinic["code"]] = (org, region)
        self.templates = {t["code"]: t for t in self.doc["templates"]}
        self.providers = {p["npi"]: p for p in self.doc["providers"]}
        self.lines = {s["code"] for s in self.doc["service_lines"]}
        self.visit_types = {v["code"]: v for v in self.doc["visit_types"]}
        self.touched: dict[str, dict[str, str]] = {"clinics": {}, "templates": {}, "providers": {}}

    def touch(self, kind: str, key: str, change: Change) -> None:
        self.touched[kind][key] = change.path


def patch(doc: Mapping[str, Any], scenario: Scenario) -> Patch:
    """Apply the scenario's changes, in order, to a copy of the network file `doc`; return the
    file of the records they touched. Raises ScenarioError for references that do not hold
    (unknown codes, a provider added twice, a reduction that is not one)."""
    net = _Network(doc)
    problems: list[tuple[str, str]] = []
    ramps: dict[str, Ramp] = {}
    for change in scenario.changes:
        try:
            _APPLY[change.kind](net, change, ramps)
        except _Refused as exc:
            problems.append((f"{change.path}.{exc.key}" if exc.key else change.path, exc.message))
    if problems:
        raise ScenarioError(problems)
    return _partial(net, doc, list(ramps.values()))


class _Refused(Exception):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key, self.message = key, message


def _clinic(net: _Network, code: str) -> dict[str, Any]:
    if code not in net.clinics:
        raise _Refused("clinic", f"unknown clinic {code!r}")
    return net.clinics[code]


def _provider(net: _Network, npi: str) -> dict[str, Any]:
    if npi not in net.providers:
        raise _Refused("npi", f"no provider with NPI {npi} in the network")
    return net.providers[npi]


def _template(net: _Network, code: str) -> dict[str, Any]:
    if code not in net.templates:
        raise _Refused("template", f"unknown template {code!r}")
    return net.templates[code]


def _add_provider(net: _Network, change: Change, ramps: dict[str, Ramp]) -> None:
    v = change.values
    if v["npi"] in net.providers:
        name = net.providers[v["npi"]]["name"]
        raise _Refused("npi", f"NPI {v['npi']} is already in the network ({name})")
    clinic = _clinic(net, v["clinic"])
    _template(net, v["template"])
    if v["service_line"] not in net.lines:
        raise _Refused("service_line", f"unknown service line {v['service_line']!r}")
    if v["service_line"] not in clinic["service_lines"]:
        raise _Refused(
            "service_line", f"clinic {v['clinic']} does not offer service line {v['service_line']}"
        )
    start = v["start"].isoformat()
    provider = {
        "npi": v["npi"], "name": v["name"], "credential": v["credential"],
        "service_line": v["service_line"], "fte": v["fte"], "hired_on": start, "left_on": None,
        "assignments": [{"clinic": v["clinic"], "template": v["template"],
                         "weekdays": [network.compute.WEEKDAYS[d] for d in v["weekdays"]],
                         "from": start, "to": None}],
        "absences": [],
    }  # fmt: skip
    net.doc["providers"].append(provider)
    net.providers[v["npi"]] = provider
    net.touch("providers", v["npi"], change)
    if v["ramp_months"]:
        ramps[v["npi"]] = Ramp(npi=v["npi"], start=v["start"], months=v["ramp_months"])


def _remove_provider(net: _Network, change: Change, ramps: dict[str, Ramp]) -> None:
    v = change.values
    provider = _provider(net, v["npi"])
    last = v["from"] - timedelta(days=1)
    hired = _day(provider["hired_on"])
    if v["from"] <= hired:
        raise _Refused("from", f"{provider['name']} starts on {hired}: remove them after that")
    left = _day(provider["left_on"])
    if left is not None and left <= last:
        raise _Refused("from", f"{provider['name']} already leaves on {left}")
    provider["left_on"] = last.isoformat()
    kept = []
    for a in provider["assignments"]:
        if _day(a["from"]) > last:
            continue
        if a["to"] is None or _day(a["to"]) > last:
            a["to"] = last.isoformat()
        kept.append(a)
    provider["assignments"] = kept
    net.touch("providers", v["npi"], change)


def _split(
    provider: dict[str, Any],
    on: date,
    which: Any,
    edit: Any,
) -> int:
    """Split every assignment `which` selects that runs on or after `on`: the part before
    `on` stays as it is, the rest becomes `edit(assignment copy)` (None drops it). Returns
    how many assignments were split."""
    out, split = [], 0
    for a in provider["assignments"]:
        ends = _day(a["to"])
        if not which(a) or (ends is not None and ends < on):
            out.append(a)
            continue
        split += 1
        starts = _day(a["from"])
        if starts < on:
            out.append({**a, "to": (on - timedelta(days=1)).isoformat()})
        rest = edit({**a, "from": max(starts, on).isoformat()})
        if rest is not None:
            out.append(rest)
    provider["assignments"] = out
    return split


def _reduce_provider(net: _Network, change: Change, ramps: dict[str, Ramp]) -> None:
    v = change.values
    provider = _provider(net, v["npi"])
    if v["fte"] >= float(provider["fte"]):
        raise _Refused(
            "fte",
            f"{provider['name']} works {float(provider['fte']):g} FTE: a reduction must be lower, "
            f"not {v['fte']:g}",
        )
    provider["fte"] = v["fte"]
    days = v.get("weekdays")
    if days is not None:
        keep = {network.compute.WEEKDAYS[d] for d in days}

        def fewer_days(a: dict[str, Any]) -> dict[str, Any] | None:
            left = [d for d in a["weekdays"] if d in keep]
            return {**a, "weekdays": left} if left else None

        if not _split(provider, v["from"], lambda a: True, fewer_days):
            raise _Refused("from", f"{provider['name']} has no assignment on or after {v['from']}")
    net.touch("providers", v["npi"], change)


def _swap_template(net: _Network, change: Change, ramps: dict[str, Ramp]) -> None:
    v = change.values
    provider = _provider(net, v["npi"])
    _clinic(net, v["clinic"])
    _template(net, v["template"])
    if not _split(
        provider,
        v["from"],
        lambda a: a["clinic"] == v["clinic"],
        lambda a: {**a, "template": v["template"]},
    ):
        raise _Refused(
            "clinic",
            f"{provider['name']} has no assignment at {v['clinic']} on or after {v['from']}",
        )
    net.touch("providers", v["npi"], change)


def _exam_rooms(net: _Network, change: Change, ramps: dict[str, Ramp]) -> None:
    _clinic(net, change.values["clinic"])["exam_rooms"] = change.values["rooms"]
    net.touch("clinics", change.values["clinic"], change)


def _target_utilization(net: _Network, change: Change, ramps: dict[str, Ramp]) -> None:
    _clinic(net, change.values["clinic"])["target_utilization"] = change.values["value"]
    net.touch("clinics", change.values["clinic"], change)


def _template_blocks(net: _Network, change: Change, ramps: dict[str, Ramp]) -> None:
    v = change.values
    for i, b in enumerate(v["blocks"]):
        if b["visit_type"] is not None and b["visit_type"] not in net.visit_types:
            raise _Refused(f"blocks[{i}].visit_type", f"unknown visit type {b['visit_type']!r}")
    blocks = [
        {"weekday": network.compute.WEEKDAYS[b["weekday"]], "start": _hhmm(b["start"]),
         "end": _hhmm(b["end"]), "visit_type": b["visit_type"]}
        for b in v["blocks"]
    ]  # fmt: skip
    template = net.templates.get(v["code"])
    if template is None:
        template = {"code": v["code"], "name": v["name"], "blocks": blocks}
        net.doc["templates"].append(template)
        net.templates[v["code"]] = template
    else:
        template.update(name=v["name"], blocks=blocks)
    net.touch("templates", v["code"], change)


def _minutes(hhmm: str) -> int:
    h, m = map(int, hhmm.split(":"))
    return h * 60 + m


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def hours_blocks(
    blocks: list[dict[str, Any]],
    weekday: str,
    old: tuple[str, str] | None,
    new: tuple[str, str],
    visit_type: str | None,
    slot_minutes: Mapping[str, int] | None = None,
) -> list[dict[str, Any]]:
    """A template's blocks with `weekday` fitted to the clinic's `new` hours.

    Blocks are cut to the new hours. Where the day now opens earlier or closes later, a
    provider whose day reached the old opening (or closing), blocked time included, works the
    new time too: a block of `visit_type` fills it, else of their nearest clinical block's
    visit type. A provider whose day ended before closing keeps their day. With
    `slot_minutes` (visit type → minutes), clinical blocks hold whole slots only: what is cut
    or added is rounded to them, toward the hours."""
    opens, closes = map(_minutes, new)

    def whole(code: str | None, length: int) -> int:
        step = (slot_minutes or {}).get(code) if code else None
        return length - length % step if step else length

    out = []
    for b in blocks:
        if b["weekday"] != weekday:
            out.append(b)
            continue
        start, end = max(_minutes(b["start"]), opens), min(_minutes(b["end"]), closes)
        length = whole(b["visit_type"], end - start)
        if start > _minutes(b["start"]):
            start = end - length
        else:
            end = start + length
        if start < end:
            out.append({**b, "start": _clock(start), "end": _clock(end)})
    day = sorted((b for b in blocks if b["weekday"] == weekday), key=lambda b: b["start"])
    clinical = [b["visit_type"] for b in day if b["visit_type"]]
    if old is not None and clinical:
        was_open, was_closed = map(_minutes, old)
        # A day that reaches the old edge, blocked time included, works the new time too.
        fill = visit_type or clinical[-1]
        late = whole(fill, closes - was_closed)
        if late > 0 and _minutes(day[-1]["end"]) == was_closed:
            out.append({"weekday": weekday, "start": _clock(was_closed),
                        "end": _clock(was_closed + late), "visit_type": fill})  # fmt: skip
        fill = visit_type or clinical[0]
        early = whole(fill, was_open - opens)
        if early > 0 and _minutes(day[0]["start"]) == was_open:
            out.append({"weekday": weekday, "start": _clock(was_open - early),
                        "end": _clock(was_open), "visit_type": fill})  # fmt: skip
    order = {d: i for i, d in enumerate(network.compute.WEEKDAYS)}
    return sorted(out, key=lambda b: (order[b["weekday"]], _minutes(b["start"])))


def _free_code(net: _Network, base: str) -> str:
    stem = base[:28]
    for n in range(1, 1000):
        code = stem if n == 1 else f"{stem[: 28 - len(str(n))]}-{n}"
        if code not in net.templates:
            return code
    raise _Refused("", "too many derived templates")  # pragma: no cover


def _clinic_hours(net: _Network, change: Change, ramps: dict[str, Ramp]) -> None:
    v = change.values
    clinic = _clinic(net, v["clinic"])
    if v.get("visit_type") is not None and v["visit_type"] not in net.visit_types:
        raise _Refused("visit_type", f"unknown visit type {v['visit_type']!r}")
    names = [network.compute.WEEKDAYS[d] for d in v["weekdays"]]
    new = (_hhmm(v["open"]), _hhmm(v["close"]))
    derived: dict[str, str] = {}  # template → its version with the new hours
    lengths = {code: t["minutes"] for code, t in net.visit_types.items()}

    def refitted(code: str) -> str:
        if code not in derived:
            blocks = net.templates[code]["blocks"]
            for day in names:
                old = clinic["hours"].get(day)
                blocks = hours_blocks(blocks, day, tuple(old) if old else None, new,
                                      v.get("visit_type"), lengths)  # fmt: skip
            derived[code] = code
            if blocks != net.templates[code]["blocks"]:
                fresh = _free_code(net, f"{code}-{v['clinic']}")
                net.templates[fresh] = {
                    "code": fresh,
                    "name": f"{net.templates[code]['name']}, {v['clinic']} hours "
                    f"{new[0]}–{new[1]} from {v['from']}",
                    "blocks": blocks,
                }
                net.doc["templates"].append(net.templates[fresh])
                net.touch("templates", fresh, change)
                derived[code] = fresh
        return derived[code]

    def at_clinic(a: dict[str, Any]) -> bool:
        return a["clinic"] == v["clinic"] and bool(set(a["weekdays"]) & set(names))

    earlier_parts: set[str] = set()  # weekdays that assignments before `from` work here
    for npi, provider in net.providers.items():
        for a in provider["assignments"]:
            if at_clinic(a) and _day(a["from"]) < v["from"]:
                earlier_parts |= set(a["weekdays"]) & set(names)
        if _split(
            provider,
            v["from"],
            lambda a: at_clinic(a) and refitted(a["template"]) != a["template"],
            lambda a: {**a, "template": derived[a["template"]]},
        ):
            net.touch("providers", npi, change)
    for day in names:
        old = clinic["hours"].get(day)
        if day in earlier_parts and old:
            # Opening hours are not dated: while an assignment before `from` still works the
            # old hours, the clinic keeps them too (the templates carry the change).
            clinic["hours"][day] = [min(old[0], new[0]), max(old[1], new[1])]
        else:
            clinic["hours"][day] = list(new)
    net.touch("clinics", v["clinic"], change)


_APPLY = {
    "add_provider": _add_provider,
    "remove_provider": _remove_provider,
    "reduce_provider": _reduce_provider,
    "clinic_hours": _clinic_hours,
    "exam_rooms": _exam_rooms,
    "swap_template": _swap_template,
    "template": _template_blocks,
    "target_utilization": _target_utilization,
}


def _clinics_of(providers: Iterable[Mapping[str, Any]]) -> set[str]:
    return {a["clinic"] for p in providers for a in p["assignments"]}


def _partial(net: _Network, original: Mapping[str, Any], ramps: list[Ramp]) -> Patch:
    touched = net.touched
    before = {p["npi"]: p for p in original["providers"]}
    reach: dict[tuple[str, str], set[str]] = {}
    for code in touched["clinics"]:
        reach[("clinics", code)] = {code}
    for npi in touched["providers"]:
        old = [before[npi]] if npi in before else []
        reach[("providers", npi)] = _clinics_of([net.providers[npi], *old])
    for code in touched["templates"]:
        reach[("templates", code)] = {
            a["clinic"] for p in net.providers.values() for a in p["assignments"]
            if a["template"] == code
        }  # fmt: skip
    origins = {(kind, key): path for kind, paths in touched.items() for key, path in paths.items()}
    records = {
        "clinics": [c for c in net.clinics.values() if c["code"] in touched["clinics"]],
        "templates": [t for t in net.doc["templates"] if t["code"] in touched["templates"]],
        "providers": [p for p in net.doc["providers"] if p["npi"] in touched["providers"]],
    }
    return Patch(
        records=records, homes=net.homes, closures=net.doc["closures"], reach=reach,
        origins=origins, ramps=ramps,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Numbers


def ramp_slots(
    slots: pd.DataFrame, ramps: Mapping[int, Ramp], clinics: pd.DataFrame
) -> pd.DataFrame:
    """Ramping providers (by provider id) work their month's factor of their template: their
    slots weigh that much, in their minutes and at the exam rooms, which the slots are bound
    by again (`clinics` as capacity.compute reads it)."""
    if not ramps or slots.empty:
        return slots
    months = pd.to_datetime(slots["date"]).dt.strftime("%Y-%m")
    weight = pd.Series(1.0, index=slots.index)
    for provider_id, ramp in ramps.items():
        mine = slots["provider_id"] == provider_id
        weight[mine] = months[mine].map(ramp.factor)
    out = capacity_compute.bound_by_rooms(slots.assign(weight=weight), clinics)
    out = out.drop(columns="weight")
    out.attrs.update(slots.attrs)
    return out


def demand_forecast(held: pd.DataFrame, periods: list[str], current: str) -> pd.DataFrame:
    """Expected HELD minutes per clinic × month: what is already booked in the month, or the
    mean of the three complete months before `current`, whichever is more.

    `held` has clinic_id, period, minutes. Returns clinic_id, period, booked, forecast."""
    base_months = [month_add(current, -k) for k in (1, 2, 3)]
    clinics = sorted(set(held["clinic_id"]))
    base = (
        held[held["period"].isin(base_months)].groupby("clinic_id")["minutes"].sum() / 3
        if not held.empty
        else pd.Series(dtype=float)
    )
    grid = pd.MultiIndex.from_product([clinics, periods], names=["clinic_id", "period"])
    booked = (
        held.groupby(["clinic_id", "period"])["minutes"].sum().reindex(grid, fill_value=0.0)
        if not held.empty
        else pd.Series(0.0, index=grid)
    )
    out = booked.rename("booked").reset_index()
    out["booked"] = out["booked"].astype(float)
    out["forecast"] = out["booked"].combine(out["clinic_id"].map(base).fillna(0.0), max)
    return out


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def result_rows(current: pd.DataFrame, scenario: pd.DataFrame) -> pd.DataFrame:
    """Current plan beside the scenario per clinic × month, with the change in each figure.

    Both frames have clinic, period, available_minutes, forecast_minutes, np_cap and binding.
    Utilization holds demand at the forecast (the same minutes over each supply); unutilized
    minutes are what the forecast leaves of the available ones."""
    key = ["clinic", "period"]
    out = current.merge(scenario, on=key, suffixes=("_current", "_scenario"), how="outer")
    out = out.sort_values(["period", "clinic"]).reset_index(drop=True)
    for side in ("current", "scenario"):
        available = out[f"available_minutes_{side}"].fillna(0.0)
        forecast = out[f"forecast_minutes_{side}"].fillna(0.0)
        out[f"available_minutes_{side}"] = available
        out[f"utilization_{side}"] = [ratio(f, a) for f, a in zip(forecast, available, strict=True)]
        out[f"unutilized_minutes_{side}"] = (available - forecast).clip(lower=0.0)
        out[f"np_cap_{side}"] = out[f"np_cap_{side}"].fillna(0).astype(int)
    for name in ("available_minutes", "unutilized_minutes", "np_cap"):
        out[f"{name}_change"] = out[f"{name}_scenario"] - out[f"{name}_current"]
    out = out.rename(columns={"forecast_minutes_current": "forecast_minutes"}).drop(
        columns="forecast_minutes_scenario"
    )
    minutes = [c for c in out.columns if "minutes" in c]
    out[minutes] = out[minutes].round(2)  # sums of room-bounded fractions: float noise
    out["utilization_change"] = [
        None if a is None or b is None else b - a
        for a, b in zip(out["utilization_current"], out["utilization_scenario"], strict=True)
    ]
    return out


def network_fingerprint(document: Mapping[str, Any]) -> str:
    """SHA-256 of the network file's canonical JSON (keys sorted, no spaces), 64 hex digits.

    Two files with the same fingerprint have no `network_changes` between them; a run stores
    it beside its snapshot, so a list of scenarios tells the stale ones by comparing it with
    the current network's, without reading any snapshot."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def network_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """What differs between two network files, one line per record: "clinic C01: exam_rooms
    6 → 7", "provider 1234567893 (Dr. A. Rivera): added". Empty when they are the same."""
    lines: list[str] = []

    def records(doc: Mapping[str, Any]) -> dict[tuple[str, str], tuple[str, dict[str, Any]]]:
        out: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
        for kind, key in (("service_lines", "code"), ("visit_types", "code"),
                          ("templates", "code"), ("providers", "npi")):  # fmt: skip
            for r in doc[kind]:
                out[(kind, r[key])] = (r.get("name", ""), r)
        for org in doc["organizations"]:
            out[("organizations", org["code"])] = (org["name"], {**org, "regions": None})
            for region in org["regions"]:
                out[("regions", region["code"])] = (region["name"], {**region, "clinics": None})
                for c in region["clinics"]:
                    out[("clinics", c["code"])] = (c["name"], c)
        by_clinic: dict[str, list] = {}
        for c in doc["closures"]:
            by_clinic.setdefault(c["clinic"], []).append(c)
        for code, rows in by_clinic.items():
            out[("closures", code)] = ("", {"closures": rows})
        return out

    old, new = records(before), records(after)
    singular = {"service_lines": "service line", "visit_types": "visit type",
                "templates": "template", "providers": "provider", "organizations": "organization",
                "regions": "region", "clinics": "clinic", "closures": "closures at"}  # fmt: skip
    for key in sorted(old.keys() | new.keys()):
        kind, code = key
        name = (new.get(key) or old[key])[0]
        label = f"{singular[kind]} {code}" + (f" ({name})" if name else "")
        if key not in old:
            lines.append(f"{label}: added")
        elif key not in new:
            lines.append(f"{label}: removed")
        elif old[key][1] != new[key][1]:
            a, b = old[key][1], new[key][1]
            fields = []
            for f in sorted(a.keys() | b.keys()):
                if a.get(f) == b.get(f):
                    continue
                simple = not isinstance(a.get(f), dict | list) and not isinstance(
                    b.get(f), dict | list
                )
                fields.append(f"{f} {a.get(f)} → {b.get(f)}" if simple else f)
            lines.append(f"{label}: {', '.join(fields)} changed")
    return lines
