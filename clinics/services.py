"""Writes to the clinic network: one function per use case, atomic, validated by the models."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, time
from typing import Any, TypeVar

from django.contrib.auth.models import Group
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import OperationalError, models, transaction
from django.utils import timezone

from clinics import changes, compute, demo, network, selectors, tasks
from clinics.models import (
    Clinic,
    ClinicHours,
    Closure,
    NetworkImport,
    Organization,
    Provider,
    ProviderAbsence,
    Reach,
    Region,
    ScheduleTemplate,
    ServiceLine,
    TemplateAssignment,
    TemplateBlock,
    User,
    VisitType,
)
from growthplan import roles

logger = logging.getLogger(__name__)
M = TypeVar("M", bound=models.Model)

# model field -> network file key, where they differ
FILE_KEYS: dict[type[models.Model], dict[str, str]] = {
    VisitType: {"is_new_patient": "new_patient"},
    TemplateAssignment: {"starts_on": "from", "ends_on": "to"},
    ProviderAbsence: {"starts_on": "from", "ends_on": "to"},
}

# Fields that describe a record without changing the slots it supplies or the caps read from
# them: a change to these alone queues no recompute.
SUPPLY_NEUTRAL_FIELDS = frozenset(
    {"name", "region", "home_clinic", "hot_threshold", "cold_threshold", "band_low", "band_high"}
)
# Fields read by the caps alone: a change to these re-solves caps but rolls nothing up.
CAPS_ONLY_FIELDS = frozenset({"target_utilization", "followup_profile"})


# ---------------------------------------------------------------------------------------------
# Single records (API, forms): validate with the model's rules, then save.


@transaction.atomic
def record_save(*, instance: M, data: Mapping[str, Any]) -> M:
    """Set `data` on `instance`, validate every rule of the model, save; raises ValidationError.

    A change to the supply queues a recompute of the clinics it feeds (`supply_replan`).
    """
    before = selectors.supply_clinic_ids(model=type(instance), pks=[instance.pk])
    stored = _stored(instance)
    created = instance.pk is None
    changed = _record_write(instance=instance, data=data)
    supply_replan(
        record=instance, created=created, fields=changed, before=before, before_record=stored
    )
    return instance


def _stored(instance: M) -> M | None:
    """The record as the database holds it: a form may already have set new values on
    `instance`, and what changed is read against what was saved."""
    if instance.pk is None:
        return None
    return type(instance)._default_manager.filter(pk=instance.pk).first()


def _record_write(*, instance: models.Model, data: Mapping[str, Any]) -> set[str]:
    """`record_save` without the recompute; returns the names in `data` whose value changed."""
    m2m = {k: v for k, v in data.items() if _is_m2m(instance, k)}
    stored = _stored(instance)
    changed = {name for name, value in data.items() if _differs(stored, name, value, m2m)}
    for name, value in data.items():
        if name not in m2m:
            setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    for name, value in m2m.items():
        getattr(instance, name).set(value)
    if isinstance(instance, VisitType):
        _templates_recheck(visit_type=instance)
    _assignments_revalidate(_dependent_assignments(instance), "assignments")
    logger.info("record.saved", extra={"model": instance._meta.label, "pk": instance.pk})
    return changed


def _differs(instance: models.Model | None, name: str, value: Any, m2m: Mapping[str, Any]) -> bool:
    if instance is None:
        return True
    if name in m2m:
        stored = set(getattr(instance, name).values_list("pk", flat=True))
        return stored != {getattr(v, "pk", v) for v in value}
    return getattr(instance, name, None) != value


@transaction.atomic
def record_delete(*, instance: models.Model) -> None:
    """Delete a record; a record still referenced raises ProtectedError (answered as 409)."""
    records_delete(instances=[instance])


@transaction.atomic
def records_delete(*, instances: Iterable[models.Model]) -> None:
    """Delete records (the admin's bulk action), then queue one recompute for the clinics
    whose supply they fed; raises ProtectedError, deleting nothing, if one is referenced."""
    instances = list(instances)
    if not instances:
        return
    clinic_ids: set[int] = set()
    for instance in instances:
        clinic_ids |= selectors.supply_clinic_ids(model=type(instance), pks=[instance.pk])
    if len(instances) == 1:
        reason = f"{_supply_label(instances[0])} deleted"
    else:
        reason = f"{len(instances)} {instances[0]._meta.verbose_name_plural} deleted"
    spans = [_months(instance) for instance in instances]
    # A deleted clinic's derived rows go with it: nothing is left to recompute there.
    clinic_ids -= {i.pk for i in instances if isinstance(i, Clinic)}
    for instance in instances:
        instance.delete()
    first, last = _span_union(*spans)
    changes.record(reason=reason, clinic_ids=clinic_ids, first=first, last=last, supply=True)


def supply_replan(
    *,
    record: models.Model,
    created: bool,
    fields: Iterable[str],
    before: Iterable[int],
    before_record: models.Model | None = None,
) -> int:
    """Record, for the pipeline, the clinics whose supply a saved record feeds and those it
    fed `before` the write (an assignment moved away), over the months it reaches then and
    now (`before_record` is the record as it was stored).

    `fields` are the names it changed; descriptive ones (`SUPPLY_NEUTRAL_FIELDS`) change no
    supply, and neither do organizations and regions: nothing is recorded for them. Returns
    the changes recorded.
    """
    fields = set(fields)
    if not created and not fields - SUPPLY_NEUTRAL_FIELDS:
        return 0
    clinic_ids = set(before) | selectors.supply_clinic_ids(model=type(record), pks=[record.pk])
    if isinstance(record, VisitType) and not created:
        clinic_ids = None  # its appointments may be at any clinic: late cancels, durations
    verb = "created" if created else "changed"
    caps_only = not created and fields <= SUPPLY_NEUTRAL_FIELDS | CAPS_ONLY_FIELDS
    spans = [_months(record)] + ([_months(before_record)] if before_record else [])
    first, last = _span_union(*spans)
    return changes.record(
        reason=f"{_supply_label(record)} {verb}",
        clinic_ids=clinic_ids,
        first=first,
        last=last,
        reach=Reach.CAPS if caps_only else Reach.ROLLUPS,
        supply=True,
    )


Span = tuple[date | None, date | None] | None


def _months(record: models.Model) -> Span:
    """The days a dated record's supply reaches (an open end: None); None for the others,
    which reach every month."""
    match record:
        case Closure():
            return record.date, record.date
        case ProviderAbsence():
            return record.starts_on, record.ends_on
        case TemplateAssignment():
            return record.starts_on, record.ends_on
    return None


def _span_union(*spans: Span) -> tuple[date | None, date | None]:
    """One span covering these (None where any reaches every month at that end)."""
    if not spans or any(span is None for span in spans):
        return None, None
    firsts = [span[0] for span in spans if span]
    lasts = [span[1] for span in spans if span]
    first = None if None in firsts else min(firsts)
    last = None if None in lasts else max(lasts)
    return first, last


def _supply_label(record: models.Model) -> str:
    """How a recompute job names the record that asked for it."""
    match record:
        case Clinic():
            return f"clinic {record.code}"
        case ClinicHours():
            return f"hours of {record.clinic.code}"
        case Closure():
            return f"closure at {record.clinic.code} on {record.date}"
        case TemplateAssignment():
            return f"assignment of {record.provider.name} at {record.clinic.code}"
        case Provider():
            return f"provider {record.name}"
        case ProviderAbsence():
            return f"absence of {record.provider.name} {record.starts_on} to {record.ends_on}"
        case ScheduleTemplate():
            return f"template {record.code}"
        case TemplateBlock():
            return f"template {record.template.code}"
        case VisitType():
            return f"visit type {record.code}"
        case ServiceLine():
            return f"service line {record.code}"
    return f"{record._meta.verbose_name} {record}"


def _is_m2m(instance: models.Model, name: str) -> bool:
    try:
        return instance._meta.get_field(name).many_to_many
    except FieldDoesNotExist:  # not a field: setattr decides
        return False


@transaction.atomic
def clinic_save(
    *,
    clinic: Clinic,
    data: Mapping[str, Any],
    hours: Mapping[int, tuple[time, time]] | None = None,
) -> Clinic:
    """Save a clinic and, when given, replace its opening hours (weekday -> opens, closes)."""
    before = selectors.supply_clinic_ids(model=Clinic, pks=[clinic.pk])
    created = clinic.pk is None
    changed = _record_write(instance=clinic, data=data)
    if hours is not None:
        stored = {h.weekday: (h.opens, h.closes) for h in clinic.hours.all()}
        if stored != {weekday: tuple(times) for weekday, times in hours.items()}:
            changed.add("hours")
        errors: dict[str, list[str]] = {}
        clinic.hours.all().delete()
        for weekday, (opens, closes) in sorted(hours.items()):
            row = ClinicHours(clinic=clinic, weekday=weekday, opens=opens, closes=closes)
            try:
                row.full_clean()
            except ValidationError as exc:
                errors.setdefault("hours", []).extend(
                    f"{compute.WEEKDAYS[weekday]}: {m}" for m in exc.messages
                )
                continue
            row.save()
        if errors:
            raise ValidationError(errors)
        _assignments_revalidate(clinic.assignments.all(), "hours")
    supply_replan(record=clinic, created=created, fields=changed, before=before)
    return clinic


@transaction.atomic
def template_save(
    *, template: ScheduleTemplate, data: Mapping[str, Any], blocks: Sequence[Mapping] | None = None
) -> ScheduleTemplate:
    """Save a template and, when given, replace its blocks; a change of blocks raises the version.

    Each block is a mapping of weekday, start, end and visit_type (a VisitType or None).
    """
    before = selectors.supply_clinic_ids(model=ScheduleTemplate, pks=[template.pk])
    created = template.pk is None
    changed = _record_write(instance=template, data=data)
    if blocks is not None and _template_blocks_set(template=template, blocks=blocks):
        changed.add("blocks")
        if not created:
            ScheduleTemplate.objects.filter(pk=template.pk).update(version=models.F("version") + 1)
            template.refresh_from_db(fields=["version"])
        _assignments_revalidate(TemplateAssignment.objects.filter(template=template), "blocks")
    supply_replan(record=template, created=created, fields=changed, before=before)
    return template


def _template_blocks_set(*, template: ScheduleTemplate, blocks: Sequence[Mapping]) -> bool:
    """Replace a template's blocks when they differ; returns whether they did."""
    candidate = [
        compute.Block(
            b["weekday"],
            b["start"],
            b["end"],
            b["visit_type"].minutes if b.get("visit_type") else None,
            b["visit_type"].code if b.get("visit_type") else None,
        )
        for b in blocks
    ]
    problems = compute.block_problems(candidate)
    if problems:
        raise ValidationError(
            {"blocks": [f"block {p.index + 1} ({p.field}): {p.message}" for p in problems]}
        )
    current = sorted(
        (b.as_block() for b in template.blocks.select_related("visit_type")), key=_block_key
    )
    if sorted(candidate, key=_block_key) == current:
        return False
    template.blocks.all().delete()
    TemplateBlock.objects.bulk_create(
        TemplateBlock(
            template=template,
            weekday=b["weekday"],
            start=b["start"],
            end=b["end"],
            visit_type=b.get("visit_type"),
        )
        for b in blocks
    )
    return True


def _block_key(b: compute.Block) -> tuple:
    return (b.weekday, b.start, b.end, b.visit_type or "")


def _templates_recheck(*, visit_type: VisitType) -> None:
    """A new slot length must still cut every block of this visit type into whole slots."""
    errors = []
    templates = ScheduleTemplate.objects.filter(blocks__visit_type=visit_type).distinct()
    for template in templates:
        blocks = [b.as_block() for b in template.blocks.select_related("visit_type")]
        errors.extend(
            f"template {template.code}, block {blocks[p.index].describe()}: {p.message}"
            for p in compute.block_problems(blocks)
        )
    if errors:
        raise ValidationError({"minutes": errors})


def _dependent_assignments(instance: models.Model) -> models.QuerySet[TemplateAssignment]:
    """Assignments whose rules read `instance` (hours, service lines, credentials, blocks)."""
    lookups = {
        Clinic: "clinic",
        Provider: "provider",
        ScheduleTemplate: "template",
        VisitType: "template__blocks__visit_type",
    }
    lookup = lookups.get(type(instance))
    if lookup is None or instance.pk is None:
        return TemplateAssignment.objects.none()
    return TemplateAssignment.objects.filter(**{lookup: instance}).distinct()


def _assignments_revalidate(assignments: models.QuerySet[TemplateAssignment], field: str) -> None:
    """A template or clinic change must not break the assignments that use it."""
    errors = []
    for assignment in assignments.select_related("provider", "clinic", "template"):
        try:
            assignment.full_clean()
        except ValidationError as exc:
            errors.extend(f"{assignment}: {m}" for m in exc.messages)
    if errors:
        raise ValidationError({field: errors})


# ---------------------------------------------------------------------------------------------
# The network file


def network_import(
    *, document: Any, dry_run: bool = False, reason: str = "network file", replan: bool = True
) -> dict[str, dict[str, int]]:
    """Apply a network file in one transaction: all of it, or nothing.

    Records are matched by code (NPI for providers) and updated in place; the children a file
    lists for a record (hours, blocks, assignments, absences, closures) replace that record's.
    Records the file does not mention stay as they are. Raises NetworkFileError naming the
    JSON path of every problem. Returns counts of created / updated / unchanged per kind.
    An applied file queues one recompute, named `reason`, of the clinics whose supply it
    changed; a dry run queues nothing, and neither does `replan=False` (a caller that
    recomputes everything itself afterwards).
    """
    parsed = network.read(document)
    with transaction.atomic():
        applier = _NetworkApplier()
        applier.apply(parsed)
        if applier.problems:
            raise network.NetworkFileError(applier.problems)
        if dry_run:
            transaction.set_rollback(True)
        elif replan:
            changes.record(reason=reason, clinic_ids=applier.touched_clinic_ids(), supply=True)
    logger.info("network.imported", extra={"dry_run": dry_run, "summary": applier.summary()})
    return applier.summary()


class _NetworkApplier:
    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []
        self.counts: dict[str, Counter] = defaultdict(Counter)
        self.refs: dict[type, dict[str, Any]] = defaultdict(dict)
        # What changed the supply: records (resolved to their clinics once all is applied) and
        # clinics that records moved away from (a provider's old assignments).
        self.touched: dict[type, set[int]] = defaultdict(set)
        self.left_clinic_ids: set[int] = set()

    def touch(self, record: models.Model) -> None:
        self.touched[type(record)].add(record.pk)

    def touched_clinic_ids(self) -> set[int]:
        clinic_ids = set(self.left_clinic_ids)
        for model, pks in self.touched.items():
            clinic_ids |= selectors.supply_clinic_ids(model=model, pks=pks)
        return clinic_ids

    def summary(self) -> dict[str, dict[str, int]]:
        summary = {
            kind: {what: n for what, n in sorted(c.items()) if n}
            for kind, c in sorted(self.counts.items())
        }
        return {kind: counts for kind, counts in summary.items() if counts}

    def fail(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    def valid(self, obj: models.Model, path: str, exclude: Iterable[str] = ()) -> bool:
        try:
            obj.full_clean(exclude=list(exclude))
        except ValidationError as exc:
            keys = FILE_KEYS.get(type(obj), {})
            for name, messages in exc.message_dict.items():
                where = path if name == NON_FIELD_ERRORS else f"{path}.{keys.get(name, name)}"
                for message in messages:
                    self.fail(where, message)
            return False
        return True

    def ref(
        self, model: type[M], key: str | None, path: str, label: str, by: str = "code"
    ) -> M | None:
        if key is None:
            return None
        cache = self.refs[model]
        if key not in cache:
            cache[key] = model.objects.filter(**{by: key}).first()
        if cache[key] is None:
            self.fail(path, f"unknown {label} {key!r}")
        return cache[key]

    def upsert(
        self, kind: str, model: type[M], lookup: dict[str, Any], values: dict[str, Any], path: str
    ) -> M | None:
        obj = model.objects.filter(**lookup).first()
        created = obj is None
        if created:
            obj = model(**lookup)
        fields = {k for k, v in values.items() if created or getattr(obj, k) != v}
        for name, value in values.items():
            setattr(obj, name, value)
        if not self.valid(obj, path):
            return None
        changed = bool(fields)
        if changed:
            obj.save()
            if created or fields - SUPPLY_NEUTRAL_FIELDS:
                self.touch(obj)
        self.counts[kind]["created" if created else "updated" if changed else "unchanged"] += 1
        self.refs[model][next(iter(lookup.values()))] = obj
        return obj

    def replace(
        self,
        kind: str,
        existing: models.QuerySet,
        rows: list[tuple[str, models.Model]],
        key: Any,
        recheck: bool = True,
    ) -> bool:
        """Make `existing` equal `rows` (path, unsaved instance); unchanged rows are not written.
        Unchanged rows are checked again (`recheck`) where their rules read other records that
        the file may change. Returns whether anything was written."""
        current = list(existing)
        if sorted(map(key, current)) == sorted(key(obj) for _, obj in rows):
            paths = {key(new): p for p, new in rows}
            for obj in current if recheck else ():  # valid against what else the file changed?
                self.valid(obj, paths[key(obj)])
            self.counts[kind]["unchanged"] += len(current)
            return False
        existing.delete()
        for path, obj in rows:
            if self.valid(obj, path):
                obj.save()
                self.counts[kind]["created"] += 1
        self.counts[kind]["deleted"] += len(current)
        return True

    def apply(self, doc: dict[str, Any]) -> None:
        for s in doc["service_lines"]:
            self.upsert(
                "service_lines",
                ServiceLine,
                {"code": s["code"]},
                {"name": s["name"], "followup_profile": s["followup_profile"]},
                s["path"],
            )
        for v in doc["visit_types"]:
            line = self.ref(
                ServiceLine, v["service_line"], f"{v['path']}.service_line", "service line"
            )
            if line is None:
                continue
            self.upsert(
                "visit_types",
                VisitType,
                {"code": v["code"]},
                {
                    "name": v["name"],
                    "minutes": v["minutes"],
                    "is_new_patient": v["new_patient"],
                    "service_line": line,
                    "credentials": v["credentials"],
                },
                v["path"],
            )
        file_clinics: list[Clinic] = []
        for o in doc["organizations"]:
            org = self.upsert(
                "organizations", Organization, {"code": o["code"]}, {"name": o["name"]}, o["path"]
            )
            if org is None:
                continue
            for g in o["regions"]:
                region = self.upsert(
                    "regions",
                    Region,
                    {"code": g["code"]},
                    {"name": g["name"], "organization": org},
                    g["path"],
                )
                if region is None:
                    continue
                for c in g["clinics"]:
                    clinic = self.clinic(c, region)
                    if clinic is not None:
                        file_clinics.append(clinic)
        for t in doc["templates"]:
            self.template(t)
        for p in doc["providers"]:
            self.provider(p)
        self.closures(doc["closures"], file_clinics)
        self.others_revalidate(doc, file_clinics)

    def others_revalidate(self, doc: dict[str, Any], file_clinics: list[Clinic]) -> None:
        """Assignments of providers the file does not list must still hold after its changes."""
        if self.problems:
            return
        listed = {p["npi"] for p in doc["providers"]}
        clinic_paths = {
            c["code"]: c["path"] for o in doc["organizations"] for g in o["regions"]
            for c in g["clinics"]
        }  # fmt: skip
        template_paths = {t["code"]: t["path"] for t in doc["templates"]}
        others = (
            TemplateAssignment.objects.exclude(provider__npi__in=listed)
            .filter(
                models.Q(clinic__code__in=clinic_paths)
                | models.Q(template__code__in=template_paths)
                | models.Q(
                    template__blocks__visit_type__code__in=[v["code"] for v in doc["visit_types"]]
                )
            )
            .distinct()
            .select_related("provider", "clinic", "template")
        )
        for assignment in others:
            try:
                assignment.full_clean()
            except ValidationError as exc:
                path = clinic_paths.get(assignment.clinic.code) or template_paths.get(
                    assignment.template.code, ""
                )
                for message in exc.messages:
                    self.fail(
                        path,
                        f"breaks the assignment of {assignment.provider.npi} "
                        f"({assignment.provider.name}, not in this file) at "
                        f"{assignment.clinic.code}: {message}",
                    )

    def clinic(self, c: dict[str, Any], region: Region) -> Clinic | None:
        values = {
            "name": c["name"],
            "region": region,
            "timezone": c["timezone"],
            "exam_rooms": c["exam_rooms"],
        }
        for key in ("rooms_per_provider", "target_utilization"):
            if c[key] is not None:
                values[key] = c[key]
        clinic = self.upsert("clinics", Clinic, {"code": c["code"]}, values, c["path"])
        if clinic is None:
            return None
        lines = [
            self.ref(ServiceLine, code, f"{c['path']}.service_lines[{i}]", "service line")
            for i, code in enumerate(c["service_lines"] or [])
        ]
        if None not in lines and {sl.pk for sl in lines} != set(
            clinic.service_lines.values_list("pk", flat=True)
        ):
            clinic.service_lines.set(lines)
            self.touch(clinic)
        rows = [
            (
                f"{c['path']}.hours.{compute.WEEKDAYS[d]}",
                ClinicHours(clinic=clinic, weekday=d, opens=opens, closes=closes),
            )
            for d, (opens, closes) in sorted(c["hours"].items())
        ]
        if self.replace(
            "clinic_hours", clinic.hours.all(), rows, key=lambda h: (h.weekday, h.opens, h.closes)
        ):
            self.touch(clinic)
        return clinic

    def template(self, t: dict[str, Any]) -> None:
        visit_types = [
            self.ref(VisitType, b["visit_type"], f"{b['path']}.visit_type", "visit type")
            for b in t["blocks"]
        ]
        if any(
            b["visit_type"] is not None and vt is None
            for b, vt in zip(t["blocks"], visit_types, strict=True)
        ):
            return
        blocks = [
            compute.Block(
                b["weekday"],
                b["start"],
                b["end"],
                vt.minutes if vt else None,
                vt.code if vt else None,
            )
            for b, vt in zip(t["blocks"], visit_types, strict=True)
        ]
        block_problems = compute.block_problems(blocks)
        for p in block_problems:
            self.fail(f"{t['blocks'][p.index]['path']}.{p.field}", p.message)
        template = self.upsert(
            "templates", ScheduleTemplate, {"code": t["code"]}, {"name": t["name"]}, t["path"]
        )
        if template is None or block_problems:
            return
        current = sorted(
            (b.as_block() for b in template.blocks.select_related("visit_type")), key=_block_key
        )
        if current == sorted(blocks, key=_block_key):
            return
        had_blocks = bool(current)
        template.blocks.all().delete()
        TemplateBlock.objects.bulk_create(
            TemplateBlock(
                template=template,
                weekday=b["weekday"],
                start=b["start"],
                end=b["end"],
                visit_type=vt,
            )
            for b, vt in zip(t["blocks"], visit_types, strict=True)
        )
        self.touch(template)
        if had_blocks:
            ScheduleTemplate.objects.filter(pk=template.pk).update(version=models.F("version") + 1)
            self.counts["templates"]["new_version"] += 1

    def provider(self, p: dict[str, Any]) -> None:
        line = self.ref(ServiceLine, p["service_line"], f"{p['path']}.service_line", "service line")
        if line is None:
            return
        provider = self.upsert(
            "providers",
            Provider,
            {"npi": p["npi"]},
            {
                "name": p["name"],
                "credential": p["credential"],
                "service_line": line,
                "fte": p["fte"],
                "hired_on": p["hired_on"],
                "left_on": p["left_on"],
            },
            p["path"],
        )
        if provider is None:
            return
        rows = []
        for a in p["assignments"]:
            clinic = self.ref(Clinic, a["clinic"], f"{a['path']}.clinic", "clinic")
            template = self.ref(
                ScheduleTemplate, a["template"], f"{a['path']}.template", "template"
            )
            if clinic is not None and template is not None:
                rows.append(
                    (
                        a["path"],
                        TemplateAssignment(
                            provider=provider,
                            clinic=clinic,
                            template=template,
                            weekdays=a["weekdays"],
                            starts_on=a["from"],
                            ends_on=a["to"],
                        ),
                    )
                )
        before = selectors.supply_clinic_ids(model=Provider, pks=[provider.pk])
        if self.replace(
            "assignments",
            provider.assignments.all(),
            rows,
            key=lambda a: (
                a.clinic_id,
                a.template_id,
                tuple(a.weekdays),
                a.starts_on,
                a.ends_on or a.starts_on.max,
            ),
        ):
            self.left_clinic_ids |= before
            self.touch(provider)
        if rows and provider.home_clinic_id not in {a.clinic_id for _, a in rows}:
            provider.home_clinic = min(rows, key=lambda r: r[1].starts_on)[1].clinic
            provider.save(update_fields=["home_clinic"])
        if self.replace(
            "absences",
            provider.absences.all(),
            [
                (
                    a["path"],
                    ProviderAbsence(
                        provider=provider, starts_on=a["from"], ends_on=a["to"], reason=a["reason"]
                    ),
                )
                for a in p["absences"]
            ],
            key=lambda a: (a.starts_on, a.ends_on, a.reason),
        ):
            self.touch(provider)

    def closures(self, items: list[dict[str, Any]], file_clinics: list[Clinic]) -> None:
        by_clinic: dict[int, list[tuple[str, Closure]]] = {c.pk: [] for c in file_clinics}
        clinics = {c.pk: c for c in file_clinics}
        seen: dict[tuple, str] = {}
        for c in items:
            clinic = self.ref(Clinic, c["clinic"], f"{c['path']}.clinic", "clinic")
            if clinic is None:
                continue
            key = (clinic.code, c["date"], c["start"])
            if key in seen:
                self.fail(
                    f"{c['path']}.date",
                    f"{clinic.code} is already closed on {c['date']} by {seen[key]}",
                )
                continue
            seen[key] = c["path"]
            clinics[clinic.pk] = clinic
            by_clinic.setdefault(clinic.pk, []).append(
                (
                    c["path"],
                    Closure(
                        clinic=clinic,
                        date=c["date"],
                        start=c["start"],
                        end=c["end"],
                        reason=c["reason"],
                    ),
                )
            )
        for pk, rows in by_clinic.items():
            if self.replace(
                "closures",
                clinics[pk].closures.all(),
                rows,
                key=lambda c: (c.date, c.start or time.min, c.end or time.min, c.reason),
                recheck=False,  # a closure's rules read only its own clinic and fields
            ):
                self.touch(clinics[pk])


# ---------------------------------------------------------------------------------------------
# Network imports from the browser, run by Celery


@transaction.atomic
def network_import_create(
    *, document: Any, filename: str, dry_run: bool, user: User
) -> NetworkImport:
    """Queue a network file for validation (dry run) or import by a Celery worker."""
    job = NetworkImport.objects.create(
        document=document, filename=filename, dry_run=dry_run, created_by=user
    )
    tasks.network_import_run.delay_on_commit(job.pk)
    return job


def network_import_run(*, job: NetworkImport) -> NetworkImport:
    """Run a queued import once; a rerun of a finished job changes nothing."""
    if job.status in (NetworkImport.Status.SUCCEEDED, NetworkImport.Status.FAILED):
        return job
    job.status, job.started_at = NetworkImport.Status.RUNNING, timezone.now()
    job.save(update_fields=["status", "started_at"])
    try:
        job.summary = network_import(
            document=job.document, dry_run=job.dry_run, reason=f"network file {job.filename}"
        )
        job.status, job.problems = NetworkImport.Status.SUCCEEDED, []
    except network.NetworkFileError as exc:
        job.status = NetworkImport.Status.FAILED
        job.problems = [{"path": path, "message": message} for path, message in exc.problems]
    except OperationalError:
        raise  # transient: the task retries and finds the job still running
    except Exception:
        # A process edge: the page must not wait forever on a job that will never finish.
        logger.exception("network_import.crashed", extra={"job_id": job.pk})
        job.status, job.finished_at = NetworkImport.Status.FAILED, timezone.now()
        job.problems = [{"path": "", "message": "the import stopped on an internal error"}]
        job.save(update_fields=["status", "problems", "finished_at"])
        raise
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "summary", "problems", "finished_at"])
    return job


@transaction.atomic
def network_import_now(*, document: Any, label: str, user: User | None) -> NetworkImport:
    """Apply a network file now, in the caller's transaction, and keep it in the imports'
    history under `label` (who, when, what it changed)."""
    started = timezone.now()
    summary = network_import(document=document, reason=label)
    return NetworkImport.objects.create(
        document=document, filename=label[:255], dry_run=False,
        status=NetworkImport.Status.SUCCEEDED, summary=summary, created_by=user,
        started_at=started, finished_at=timezone.now(),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Demo


@transaction.atomic
def demo_seed(*, clinics: int, seed: int, today: date) -> dict[str, dict[str, int]]:
    """Load the demo network and its users; running it again updates in place. Nothing is
    recorded for the pipeline: the demo's history records every clinic once it is in."""
    summary = network_import(
        document=demo.demo_network(clinics=clinics, seed=seed, today=today), replan=False
    )
    for username, password, role, full_name in demo.DEMO_USERS:
        user, _ = User.objects.get_or_create(username=username)
        user.first_name, _, user.last_name = full_name.partition(" ")
        user.is_staff = role in (roles.OPERATIONS, roles.ADMINISTRATOR)
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get(name=role)])
    return summary
