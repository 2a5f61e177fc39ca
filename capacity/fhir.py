"""FHIR R4 Bundle → canonical appointment rows and slot rows (DESIGN §4 "FHIR R4").

Pure translation, no database: every resource is read with the `fhir.resources` R4B models
(R4B's Appointment, Slot and Schedule are R4's; the package's default models are R5, which refuse
the official R4 examples). References are resolved inside the bundle only; whether a clinic code,
NPI or visit type exists is for the canonical-row validator to say. Every problem is collected
as a `RowError`; a resource with a problem yields no row.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle, BundleEntry
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.resource import Resource
from fhir.resources.R4B.schedule import Schedule
from fhir.resources.R4B.slot import Slot
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from capacity.importers import Lookups, RowError

NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
BUNDLE_TYPES = ("collection", "batch", "transaction")
APPOINTMENT_COLUMNS = (
    "appointment_id", "clinic_code", "provider_npi", "visit_type_code", "start",
    "duration_minutes", "status", "is_new_patient", "patient_id", "booked_at", "cancelled_at",
    "referral_source",
)  # fmt: skip
SLOT_COLUMNS = (
    "slot_id", "clinic_code", "provider_npi", "start", "end", "status", "busy", "visit_type_code",
)  # fmt: skip
APPOINTMENT_STATUSES = {
    "booked": "booked",
    "arrived": "arrived",
    "checked-in": "arrived",
    "fulfilled": "fulfilled",
    "noshow": "noshow",
    "cancelled": "cancelled",
}
TENTATIVE = ("proposed", "pending", "waitlist")
SLOT_STATUSES = {
    "free": "available",
    "busy": "available",
    "busy-tentative": "available",
    "busy-unavailable": "blocked",
}
# Taken on the site's calendar: third-next-available does not count them as free.
BUSY = ("busy", "busy-tentative", "busy-unavailable")
IGNORED = "entered-in-error"
MODELS: dict[str, type[Resource]] = {
    model.get_resource_type(): model
    for model in (Appointment, Slot, Schedule, Practitioner, Location, PractitionerRole, Patient)
}
# The R4B models accept a JSON number for an instant or dateTime (read as Unix seconds); FHIR
# JSON writes them as strings, so a number is a mistake, not a 1970 appointment.
TIME_ELEMENTS = {"Appointment": ("start", "end", "created"), "Slot": ("start", "end")}
TIME_EXAMPLE = "2024-07-01T09:00:00-05:00"
_TYPED = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})$")
_HISTORY = re.compile(r"/_history/[^/]*$")
_SPEC_REGEX = re.compile(r"^(\w+) value string does not match spec regex\.?$")
_UNKNOWN_MODEL = re.compile(r"^R4B?\.(\w+)Type$")
_HINTS = {
    "instant": f"a date, time and offset such as {TIME_EXAMPLE}",
    "dateTime": f"a date or a date, time and offset such as 2024-07-01 or {TIME_EXAMPLE}",
    "date": "a date such as 2024-07-01",
}


@dataclass
class BundleRows:
    """Canonical appointment rows (`APPOINTMENT_COLUMNS`) and slot rows (`SLOT_COLUMNS`).

    Every value is a string, "" where unknown, as a CSV row would give it. `labels[i]` names the
    entry `appointments[i]` came from, `slot_labels[i]` the entry of `slots[i]`. Proposed,
    pending and waitlist appointments are only counted, in `tentative`.
    """

    appointments: list[dict[str, str]] = field(default_factory=list)
    slots: list[dict[str, str]] = field(default_factory=list)
    tentative: int = 0
    errors: list[RowError] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    slot_labels: list[str] = field(default_factory=list)


def bundle_rows(document: object) -> BundleRows:
    """Translate a parsed FHIR R4 Bundle (type collection, batch or transaction).

    Each entry's resource is validated with its R4B model; resource types other than
    Appointment, Slot, Schedule, Practitioner, PractitionerRole, Location and Patient are
    skipped. Entered-in-error appointments and slots are skipped silently. Errors never stop
    the scan; a document that is not such a Bundle gives one error and no rows.
    """
    out = BundleRows()
    problem = _bundle_problem(document)
    if problem is not None:
        out.errors.append(problem)
        return out
    assert isinstance(document, dict)
    return _Translation(document).rows()


def _bundle_problem(document: object) -> RowError | None:
    if not isinstance(document, dict):
        return RowError("bundle", "resourceType", "expected a JSON object: a FHIR Bundle")
    kind = document.get("resourceType")
    if kind != "Bundle":
        return RowError("bundle", "resourceType", f"expected 'Bundle', got {_short(kind)}")
    if document.get("type") not in BUNDLE_TYPES:
        return RowError(
            "bundle",
            "type",
            f"expected one of {', '.join(BUNDLE_TYPES)}, got {_short(document.get('type'))}",
        )
    return None


@dataclass
class _Entry:
    index: int
    label: str
    kind: str
    raw: Mapping[str, Any]
    model: Resource | None  # None: not one of MODELS, or failed validation
    valid: bool = True
    full_url: str = ""


@dataclass
class _Parties:
    """What a list of actors names; None where no actor of that kind was found."""

    clinic_code: str | None = None
    provider_npi: str | None = None
    patient_id: str = ""
    problems: list[str] = field(default_factory=list)
    roles: list[_Parties] = field(default_factory=list)

    def fill(self, other: _Parties) -> None:
        """Take the other's clinic or provider where no actor of that kind was found."""
        if self.clinic_code is None:
            self.clinic_code = other.clinic_code
        if self.provider_npi is None:
            self.provider_npi = other.provider_npi

    def add_roles(self) -> None:
        """PractitionerRoles count after direct actors, whatever the order, and fill blanks."""
        for role in self.roles:
            self.clinic_code = _pick(self.clinic_code, role.clinic_code)
            self.provider_npi = _pick(self.provider_npi, role.provider_npi)
            self.problems += role.problems
        self.roles = []


def _pick(mine: str | None, theirs: str | None) -> str | None:
    return (mine or theirs) if theirs is not None else mine


class _Translation:
    def __init__(self, document: dict) -> None:
        self.document = document
        self.errors: list[tuple[int, RowError]] = []
        self.entries: list[_Entry] = []
        self.keys: dict[str, _Entry] = {}
        self.schedules: dict[int, _Parties] = {}

    def rows(self) -> BundleRows:
        self._read()
        for entry in self.entries:
            if entry.kind == "Schedule" and entry.model is not None:
                self.schedules[entry.index] = self._schedule_parties(entry)
        out = BundleRows()
        for entry in self.entries:
            if entry.model is None:
                continue
            if entry.kind == "Slot":
                slot = self._slot_row(entry)
                if slot is not None:
                    out.slots.append(slot)
                    out.slot_labels.append(entry.label)
            elif entry.kind == "Appointment":
                status = getattr(entry.model, "status", None)
                if status in TENTATIVE:
                    out.tentative += 1
                    continue
                appointment = self._appointment_row(entry)
                if appointment is not None:
                    out.appointments.append(appointment)
                    out.labels.append(entry.label)
        self.errors.sort(key=lambda pair: pair[0])
        out.errors = [error for _index, error in self.errors]
        return out

    # -- reading and validating -----------------------------------------------------------------

    def _fail(self, index: int, row: str, name: str, message: str) -> None:
        self.errors.append((index, RowError(row, name, message)))

    def _read(self) -> None:
        shell = {k: v for k, v in self.document.items() if k != "entry"}
        try:
            Bundle.model_validate(shell)
        except ValidationError as exc:
            name, message = _validation_message(exc)
            self._fail(-1, "bundle", name, message)
        entries = self.document.get("entry") or []
        if not isinstance(entries, list):
            self._fail(-1, "bundle", "entry", "expected a list of entries")
            return
        for index, item in enumerate(entries):
            entry = self._entry(index, item)
            if entry is not None:
                self._register(entry)

    def _entry(self, index: int, item: object) -> _Entry | None:
        row = f"entry[{index}]"
        if not isinstance(item, dict):
            self._fail(index, row, "entry", "expected a JSON object")
            return None
        resource = item.get("resource")
        if resource is None:  # e.g. a transaction's DELETE
            return None
        if not isinstance(resource, dict):
            self._fail(index, row, "resource", "expected a JSON object")
            return None
        kind = resource.get("resourceType")
        if not isinstance(kind, str) or not kind:
            self._fail(index, row, "resourceType", f"expected a resource type, got {_short(kind)}")
            return None
        rid = resource.get("id")
        label = f"{row} {kind}/{rid}" if isinstance(rid, str) and rid else f"{row} {kind}"
        try:
            BundleEntry.model_validate({k: v for k, v in item.items() if k != "resource"})
        except ValidationError as exc:
            self._fail(index, label, *_validation_message(exc))
            return None
        entry = _Entry(index, label, kind, resource, None, full_url=item.get("fullUrl") or "")
        model = MODELS.get(kind)
        if model is None:
            return entry
        try:
            entry.model = model.model_validate(resource)
        except ValidationError as exc:
            entry.valid = False
            self._fail(index, label, *_validation_message(exc))
        except (KeyError, TypeError) as exc:
            # fhir.resources raises these, not a ValidationError, for a contained resource of
            # an unknown or non-string resourceType.
            entry.valid = False
            self._fail(index, label, "contained", _unreadable(exc))
        return entry

    def _register(self, entry: _Entry) -> None:
        rid = entry.raw.get("id")
        keys = [("fullUrl", entry.full_url)] if entry.full_url else []
        if isinstance(rid, str) and rid:
            keys.append(("id", f"{entry.kind}/{rid}"))
        for name, key in keys:
            other = self.keys.get(key)
            if other is not None:
                self._fail(entry.index, entry.label, name, f"{key} is also {other.label}")
                entry.model, entry.valid = None, False
                return
        for _name, key in keys:
            self.keys[key] = entry
        self.entries.append(entry)

    # -- references -----------------------------------------------------------------------------

    def _lookup(self, reference: str, local: Mapping[str, Resource]) -> _Entry | None:
        if reference.startswith("#"):
            model = local.get(reference[1:])
            if model is None:
                return None
            return _Entry(-1, reference, model.get_resource_type(), {}, model)
        reference = _HISTORY.sub("", reference)
        found = self.keys.get(reference)
        if found is None and (typed := _TYPED.search(reference)):
            found = self.keys.get(f"{typed[1]}/{typed[2]}")
        return found

    def _parties(
        self, actors: Iterable[tuple[str, Reference]], local: Mapping[str, Resource]
    ) -> _Parties:
        found = _Parties()
        for where, actor in actors:
            self._actor(found, where, actor, local)
        found.add_roles()
        return found

    def _actor(
        self,
        found: _Parties,
        where: str,
        actor: Reference,
        local: Mapping[str, Resource],
        roles: bool = True,
    ) -> None:
        """Add one actor's clinic code, NPI or patient id; the first non-empty one wins."""
        reference = actor.reference
        if not reference:
            self._logical_actor(found, actor)
            return
        target = self._lookup(reference, local)
        typed = _TYPED.search(reference)
        kind = target.kind if target else (typed[1] if typed else actor.type)
        if kind == "Patient":
            if not found.patient_id:
                found.patient_id = _patient_id(reference, target)
            return
        if kind is None and target is None:
            found.problems.append(
                f"{where}: {reference} is not in the bundle, so what it refers to is unknown"
            )
            return
        if kind not in ("Practitioner", "Location", "PractitionerRole") or (
            kind == "PractitionerRole" and not roles
        ):
            return
        if target is None:
            found.problems.append(f"{where}: {reference} is not in the bundle")
            return
        model = target.model
        if model is None:
            found.problems.append(f"{where}: {reference} failed validation ({target.label})")
            return
        if isinstance(model, Practitioner):
            if not found.provider_npi:
                found.provider_npi = _npi(model.identifier)
        elif isinstance(model, Location):
            if not found.clinic_code:
                found.clinic_code = _first_value(model.identifier)
        elif isinstance(model, PractitionerRole):
            # A role at several locations names no one clinic: the first is taken, unless a
            # Location actor names the clinic.
            via = f"{where} {reference}"
            role_actors = (
                [(f"{via} practitioner", model.practitioner)] if model.practitioner else []
            )
            role_actors += [(f"{via} location", place) for place in (model.location or [])[:1]]
            role = _Parties()
            for role_where, role_actor in role_actors:
                self._actor(role, role_where, role_actor, {}, roles=False)
            found.roles.append(role)

    def _logical_actor(self, found: _Parties, actor: Reference) -> None:
        """A reference by identifier only: an NPI, a clinic code, or a patient identifier."""
        identifier = actor.identifier
        if identifier is None or not identifier.value:
            return
        if identifier.system == NPI_SYSTEM and actor.type in (None, "Practitioner"):
            found.provider_npi = found.provider_npi or identifier.value
        elif actor.type == "Location":
            found.clinic_code = found.clinic_code or identifier.value
        elif actor.type == "Patient":
            found.patient_id = found.patient_id or identifier.value

    def _schedule_parties(self, entry: _Entry) -> _Parties:
        schedule = entry.model
        assert isinstance(schedule, Schedule)
        local = _contained(schedule)
        actors = [(f"actor[{i}]", actor) for i, actor in enumerate(schedule.actor or [])]
        parties = self._parties(actors, local)
        for problem in parties.problems:
            self._fail(entry.index, entry.label, "actor", problem)
        return parties

    def _schedule_of(
        self, slot: Slot, local: Mapping[str, Resource]
    ) -> tuple[_Parties | None, str | None]:
        """The Slot's Schedule actors, or a problem; (None, None) when the Schedule has errors."""
        reference = slot.schedule.reference if slot.schedule else None
        if not reference:
            return None, "has no reference to a Schedule"
        target = self._lookup(reference, local)
        if target is None:
            return None, f"{reference} is not in the bundle"
        if not target.valid:
            return None, f"{reference} failed validation ({target.label})"
        if target.kind != "Schedule" or target.model is None:
            return None, f"{reference} is a {target.kind}, not a Schedule"
        parties = self.schedules.get(target.index)
        if parties is None:  # a contained Schedule: its problems are the Slot's
            actors = [(f"actor[{i}]", a) for i, a in enumerate(target.model.actor or [])]
            parties = self._parties(actors, local)
            if parties.problems:
                return None, f"{reference} " + "; ".join(parties.problems)
        elif parties.problems:
            return None, None
        return parties, None

    # -- rows -----------------------------------------------------------------------------------

    def _slot_row(self, entry: _Entry) -> dict[str, str] | None:
        slot = entry.model
        assert isinstance(slot, Slot)
        if slot.status == IGNORED:
            return None
        problems = _time_problems(entry)
        status = SLOT_STATUSES.get(slot.status)
        if status is None:
            problems.append(("status", _status_message(slot.status, SLOT_STATUSES, IGNORED)))
        parties, problem = self._schedule_of(slot, _contained(slot))
        if problem is not None:
            problems.append(("schedule", problem))
        if slot.end <= slot.start:
            problems.append(("end", "the slot ends before it starts"))
        if problems:
            for name, message in problems:
                self._fail(entry.index, entry.label, name, message)
            return None
        if parties is None:  # the Schedule's own errors say why
            return None
        return {
            "slot_id": slot.id or _first_value(slot.identifier),
            "clinic_code": parties.clinic_code or "",
            "provider_npi": parties.provider_npi or "",
            "start": slot.start.isoformat(),
            "end": slot.end.isoformat(),
            "status": status or "",
            "busy": "true" if slot.status in BUSY else "false",
            "visit_type_code": _code(slot.appointmentType)
            or _code((slot.serviceType or [None])[0]),
        }

    def _appointment_row(self, entry: _Entry) -> dict[str, str] | None:
        appointment = entry.model
        assert isinstance(appointment, Appointment)
        if appointment.status == IGNORED:
            return None
        problems = _time_problems(entry)
        status = APPOINTMENT_STATUSES.get(appointment.status)
        if status is None:
            message = _status_message(appointment.status, APPOINTMENT_STATUSES, *TENTATIVE, IGNORED)
            problems.append(("status", message))
        local = _contained(appointment)
        # A declined participant is not the one who sees the patient, nor the place.
        actors = [
            (f"participant[{i}]", p.actor)
            for i, p in enumerate(appointment.participant or [])
            if p.actor is not None and p.status != "declined"
        ]
        parties = self._parties(actors, local)
        problems += [("participant", problem) for problem in parties.problems]
        if parties.clinic_code is None or parties.provider_npi is None:
            # No Location (or Practitioner) participant: the booked slot's Schedule names it.
            problems += self._slot_fill(parties, appointment, local)
        duration = ""
        if appointment.start and appointment.end:
            minutes = (appointment.end - appointment.start).total_seconds() / 60
            if minutes <= 0:
                problems.append(("end", "the appointment ends before it starts"))
            duration = str(round(minutes))
        elif appointment.minutesDuration:
            duration = str(appointment.minutesDuration)
        if problems:
            for name, message in problems:
                self._fail(entry.index, entry.label, name, message)
            return None
        created = appointment.created
        return {
            "appointment_id": appointment.id or _first_value(appointment.identifier),
            "clinic_code": parties.clinic_code or "",
            "provider_npi": parties.provider_npi or "",
            "visit_type_code": _code(appointment.appointmentType)
            or _code((appointment.serviceType or [None])[0]),
            "start": appointment.start.isoformat() if appointment.start else "",
            "duration_minutes": duration,
            "status": status or "",
            "is_new_patient": "",
            "patient_id": parties.patient_id,
            # A partial date ("2013", "2013-10") says nothing about booking lead time.
            "booked_at": created.isoformat() if isinstance(created, date) else "",
            # R4 has no cancellation time. meta.lastUpdated is the last change of any kind, and
            # an edit after the visit would count as a late cancellation (DESIGN §3), so the
            # time stays unknown rather than wrong.
            "cancelled_at": "",
            "referral_source": "",
        }

    def _slot_fill(
        self, parties: _Parties, appointment: Appointment, local: Mapping[str, Resource]
    ) -> list[tuple[str, str]]:
        """Fill a missing clinic or provider from the first booked Slot's Schedule."""
        reference = appointment.slot[0].reference if appointment.slot else None
        if not reference:
            return []
        target = self._lookup(reference, local)
        if target is None:
            problem = "is not in the bundle"
        elif not target.valid:
            problem = f"failed validation ({target.label})"
        elif not isinstance(target.model, Slot):
            problem = f"is a {target.kind}, not a Slot"
        else:
            schedule, why = self._schedule_of(target.model, local)
            if schedule is not None:
                parties.fill(schedule)
                return []
            problem = f"has a bad schedule: {why}" if why else "has a Schedule with errors"
        if parties.clinic_code is not None:  # only the provider was missing; it may stay so
            return []
        return [("slot", f"{reference} {problem}, and no participant is a Location")]


# -- small readers ------------------------------------------------------------------------------


def _contained(resource: Resource) -> dict[str, Resource]:
    return {c.id: c for c in getattr(resource, "contained", None) or [] if c.id}


def _first_value(identifiers: list[Identifier] | None) -> str:
    for identifier in identifiers or []:
        if identifier.value:
            return identifier.value
    return ""


def _npi(identifiers: list[Identifier] | None) -> str:
    return _first_value([i for i in identifiers or [] if i.system == NPI_SYSTEM])


def _code(concept: CodeableConcept | None) -> str:
    for coding in (concept.coding or []) if concept else []:
        if coding.code:
            return coding.code
    return ""


def _patient_id(reference: str, target: _Entry | None) -> str:
    """ "Patient/example" → "example"; a bundle-local urn names the Patient it resolves to."""
    model = target.model if target else None
    if isinstance(model, Patient):
        return model.id or _first_value(model.identifier) or reference
    typed = _TYPED.search(reference)
    return typed[2] if typed else reference


def _time_problems(entry: _Entry) -> list[tuple[str, str]]:
    return [
        (name, f"expected a string such as {TIME_EXAMPLE}, got {_short(entry.raw[name])}")
        for name in TIME_ELEMENTS.get(entry.kind, ())
        if entry.raw.get(name) is not None and not isinstance(entry.raw[name], str)
    ]


def _status_message(status: str | None, known: Mapping[str, str], *others: str) -> str:
    return f"{_short(status)} is not one of {', '.join([*known, *others])}"


def _validation_message(exc: ValidationError) -> tuple[str, str]:
    """The first failing element's path, and every failure said readably."""
    said = [(_path(error["loc"]), _readable(error)) for error in exc.errors()]
    (name, message), rest = said[0], said[1:]
    if rest:
        also = "; ".join(f"{path}: {text}" for path, text in rest[:3])
        more = f" and {len(rest) - 3} more" if len(rest) > 3 else ""
        message = f"{message} (also {also}{more})"
    return name, message


def _path(loc: tuple[int | str, ...]) -> str:
    """("participant", 0, "actor") → "participant[0].actor"; () → "resource"."""
    parts = [p for p in loc if p != "root"]  # fhir.resources' model-level validators add "root"
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            name = "resourceType" if part == "resource_type" else part
            text += f".{name}" if text else name
    return text or "resource"


def _readable(error: ErrorDetails) -> str:
    kind, got = error["type"], error.get("input")
    if kind in ("missing", "model_field_validation.missing"):
        return "required"
    if kind == "extra_forbidden":
        return "not an element of FHIR R4 here"
    if kind == "model_type":
        return f"expected a JSON object, got {_short(got)}"
    if kind == "fhir-validation-wrong-resource-type":
        return f"unexpected resource type {_short(got)}"
    text = error["msg"].removeprefix("Value error, ")
    spec = _SPEC_REGEX.match(text)
    if spec:
        name = spec[1][0].lower() + spec[1][1:]
        hint = _HINTS.get(name)
        return f"{_short(got)} is not a valid FHIR {name}" + (f"; expected {hint}" if hint else "")
    return f"{text.rstrip('.')}, got {_short(got)}"


def _unreadable(exc: KeyError | TypeError) -> str:
    """fhir.resources' KeyError names the model it looked for: 'R4.NopeType' for "Nope"."""
    missing = _UNKNOWN_MODEL.match(str(exc.args[0]) if exc.args else "")
    if isinstance(exc, KeyError) and missing:
        return f"a contained resource has an unknown resourceType {missing[1]!r}"
    return f"a contained resource is not readable as FHIR R4 ({exc})"


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def slot_rows_validate(
    bundle: BundleRows, lookups: Lookups
) -> tuple[list[dict[str, Any]], list[RowError]]:
    """Check the bundle's slots against the network; rows ready to store, and every problem.

    A slot must name a clinic and a provider known to the network (supply is counted per
    provider-day), a known visit type if it names one, no id twice, and start and end on the
    same local day of its clinic.
    """
    rows: list[dict[str, Any]] = []
    errors: list[RowError] = []
    seen: dict[str, str] = {}
    for label, slot in zip(bundle.slot_labels, bundle.slots, strict=True):
        problems: list[tuple[str, str]] = []
        slot_id = slot["slot_id"]
        if not slot_id:
            problems.append(("id", "a slot needs an id or identifier to be re-imported safely"))
        elif slot_id in seen:
            problems.append(("id", f"{slot_id!r} is already used by {seen[slot_id]}"))
        else:
            seen[slot_id] = label
        clinic = lookups.clinics.get(slot["clinic_code"])
        if clinic is None:
            problems.append(("schedule", _unknown("clinic", slot["clinic_code"], "a Location")))
        provider_id = lookups.providers.get(slot["provider_npi"])
        if provider_id is None:
            problems.append(
                ("schedule", _unknown("provider NPI", slot["provider_npi"], "a Practitioner"))
            )
        visit_type = None
        if slot["visit_type_code"]:
            visit_type = lookups.visit_types.get(slot["visit_type_code"])
            if visit_type is None:
                problems.append(
                    ("appointmentType", f"unknown visit type {slot['visit_type_code']!r}")
                )
        if clinic is not None:
            zone = zoneinfo.ZoneInfo(clinic[1])
            start = datetime.fromisoformat(slot["start"]).astimezone(zone)
            end = datetime.fromisoformat(slot["end"]).astimezone(zone)
            end_minute = (end.date() - start.date()).days * 1440 + end.hour * 60 + end.minute
            if end_minute > 1440:
                problems.append(("end", f"the slot runs past midnight in {zone.key}"))
        if problems:
            errors += [RowError(label, name, message) for name, message in problems]
            continue
        rows.append(
            {
                "external_id": slot_id,
                "clinic_id": clinic[0],
                "provider_id": provider_id,
                "visit_type_id": visit_type[0] if visit_type else None,
                "start": start.astimezone(UTC),
                "end": end.astimezone(UTC),
                "local_date": start.date(),
                "start_minute": start.hour * 60 + start.minute,
                "end_minute": end_minute,
                "available": slot["status"] == "available",
                "busy": slot["busy"] == "true",
            }
        )
    return rows, errors


def _unknown(what: str, value: str, resource: str) -> str:
    if not value:
        return f"its Schedule names no {what}: an actor must be {resource}"
    return f"unknown {what} {value!r}"
