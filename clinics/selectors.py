"""Reads of the clinic network, scoped to what the user may see."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import Count, Model, Prefetch, Q, QuerySet

from clinics import compute, network
from clinics.models import (
    Clinic,
    ClinicHours,
    Closure,
    Organization,
    Provider,
    ProviderAbsence,
    Region,
    ScheduleTemplate,
    ServiceLine,
    TemplateAssignment,
    TemplateBlock,
    User,
    VisitType,
)


def _org_filter(user: User, path: str) -> Q:
    """Users tied to one organization see its part of the network; others see all of it."""
    org_id = getattr(user, "organization_id", None)
    return Q(**{path: org_id}) if org_id else Q()


# How each kind of record reaches the clinics whose slot supply it feeds (DESIGN §2: templates
# expanded over assignments, minus closures, absences and dates outside employment, within the
# clinic's hours and rooms; caps also read the service line's follow-up profile). Kinds not
# listed (organizations, regions, users) feed no supply.
SUPPLY_LOOKUPS: dict[type[Model], str] = {
    Clinic: "pk",
    ClinicHours: "hours",
    Closure: "closures",
    TemplateAssignment: "assignments",
    Provider: "assignments__provider",
    ProviderAbsence: "assignments__provider__absences",
    ScheduleTemplate: "assignments__template",
    TemplateBlock: "assignments__template__blocks",
    VisitType: "assignments__template__blocks__visit_type",
    ServiceLine: "service_lines",
}


def supply_clinic_ids(*, model: type[Model], pks: Iterable[int | None]) -> set[int]:
    """Ids of the clinics whose supply these records feed, as stored now: read before a write
    to know where a record was (an assignment moved to another clinic), and after it."""
    lookup = SUPPLY_LOOKUPS.get(model)
    pks = [pk for pk in pks if pk is not None]
    if lookup is None or not pks:
        return set()
    rows = Clinic.objects.filter(**{f"{lookup}__in": pks}).values_list("pk", flat=True)
    return set(rows.order_by().distinct())


def organization_list(*, user: User) -> QuerySet[Organization]:
    return Organization.objects.filter(_org_filter(user, "pk"))


def region_list(*, user: User) -> QuerySet[Region]:
    return Region.objects.filter(_org_filter(user, "organization_id")).select_related(
        "organization"
    )


def clinic_list(*, user: User) -> QuerySet[Clinic]:
    return (
        Clinic.objects.filter(_org_filter(user, "region__organization_id"))
        .select_related("region", "region__organization")
        .prefetch_related("service_lines", "hours")
        .annotate(
            provider_count=Count(
                "assignments__provider",
                filter=Q(assignments__ends_on__isnull=True),
                distinct=True,
            )
        )
        .order_by("code")
    )


def clinic_get(*, user: User, code: str) -> Clinic:
    return clinic_list(user=user).get(code=code)


def provider_list(*, user: User) -> QuerySet[Provider]:
    org_id = getattr(user, "organization_id", None)
    qs = Provider.objects.select_related("service_line", "home_clinic")
    if org_id:
        qs = qs.filter(
            Q(home_clinic__region__organization_id=org_id)
            | Q(assignments__clinic__region__organization_id=org_id)
        ).distinct()
    return qs


def assignment_list(*, user: User) -> QuerySet[TemplateAssignment]:
    return TemplateAssignment.objects.filter(
        _org_filter(user, "clinic__region__organization_id")
    ).select_related("provider", "clinic", "template")


def closure_list(*, user: User) -> QuerySet[Closure]:
    return Closure.objects.filter(
        _org_filter(user, "clinic__region__organization_id")
    ).select_related("clinic")


def absence_list(*, user: User) -> QuerySet[ProviderAbsence]:
    return ProviderAbsence.objects.filter(
        provider__in=provider_list(user=user).values("pk")
    ).select_related("provider")


def template_list() -> QuerySet[ScheduleTemplate]:
    """Templates are standard across the whole network, so every user sees all of them."""
    return (
        ScheduleTemplate.objects.prefetch_related(
            Prefetch("blocks", queryset=TemplateBlock.objects.select_related("visit_type"))
        )
        .annotate(assignment_count=Count("assignments", distinct=True))
        .order_by("code")
    )


def clinic_assignments(*, clinic: Clinic) -> QuerySet[TemplateAssignment]:
    return clinic.assignments.select_related("provider", "template").order_by(
        "provider__name", "starts_on"
    )


def clinic_closures_upcoming(*, clinic: Clinic, today: date, limit: int = 10) -> list[Closure]:
    """The next closures from `today` on, soonest first."""
    return list(clinic.closures.filter(date__gte=today).order_by("date", "start")[:limit])


def template_grid(*, template: ScheduleTemplate) -> dict[str, Any]:
    """The week as rows of 15-minute steps × weekday columns, for the template page.

    Each block gets a grid row span (start, end) so the page can place it with CSS grid.
    """
    blocks = list(template.blocks.select_related("visit_type"))
    if not blocks:
        return {"days": [], "rows": [], "blocks": [], "legend": [], "totals": []}
    step = 15
    first = min(compute.minutes_of(b.start) for b in blocks) // 60 * 60
    last = -(-max(compute.minutes_of(b.end) for b in blocks) // 60) * 60
    used_days = sorted({b.weekday for b in blocks} | {0, 1, 2, 3, 4})
    # One colour per visit type across all templates, so ORTHO-FU looks the same everywhere.
    colour = {
        code: i % 8
        for i, code in enumerate(VisitType.objects.order_by("code").values_list("code", flat=True))
    }
    placed, legend, totals = [], {}, {d: {"minutes": 0, "slots": 0, "new": 0} for d in used_days}
    for b in blocks:
        start, end = compute.minutes_of(b.start), compute.minutes_of(b.end)
        vt = b.visit_type
        key = vt.code if vt else "BLOCKED"
        legend.setdefault(
            key,
            {
                "code": key,
                "name": vt.name if vt else "Blocked time",
                "minutes": vt.minutes if vt else None,
                "new": vt.is_new_patient if vt else False,
                "index": colour.get(key, 0),
            },
        )
        slots = (end - start) // vt.minutes if vt else 0
        if vt:
            totals[b.weekday]["minutes"] += end - start
            totals[b.weekday]["slots"] += slots
            totals[b.weekday]["new"] += slots if vt.is_new_patient else 0
        placed.append(
            {
                "column": used_days.index(b.weekday) + 2,
                "row_start": (start - first) // step + 2,
                "row_end": (end - first) // step + 2,
                "label": key,
                "time": f"{compute.hhmm(b.start)}–{compute.hhmm(b.end)}",
                "slots": slots,
                "legend": legend[key]["index"],
                "blocked": vt is None,
            }
        )
    return {
        "days": [{"code": compute.WEEKDAYS[d], "column": i + 2} for i, d in enumerate(used_days)],
        "hours": [
            {"label": f"{m // 60:02d}:00", "row": (m - first) // step + 2}
            for m in range(first, last + 1, 60)
        ],
        "columns": len(used_days) + 1,
        "row_count": (last - first) // step + 1,
        "blocks": placed,
        "legend": list(legend.values()),
        "totals": [totals[d] for d in used_days],
    }


def network_document() -> dict[str, Any]:
    """The whole supply side in the network file's shape, in a stable order (DESIGN §4)."""
    blocks = Prefetch(
        "blocks",
        queryset=TemplateBlock.objects.select_related("visit_type").order_by("weekday", "start"),
    )
    assignments = Prefetch(
        "assignments",
        queryset=TemplateAssignment.objects.select_related("clinic", "template").order_by(
            "starts_on", "clinic__code", "template__code"
        ),
    )
    absences = Prefetch(
        "absences", queryset=ProviderAbsence.objects.order_by("starts_on", "ends_on")
    )
    return {
        "service_lines": [
            {"code": s.code, "name": s.name, "followup_profile": s.followup_profile}
            for s in ServiceLine.objects.order_by("code")
        ],
        "visit_types": [
            {
                "code": v.code,
                "name": v.name,
                "minutes": v.minutes,
                "new_patient": v.is_new_patient,
                "service_line": v.service_line.code,
                "credentials": list(v.credentials),
            }
            for v in VisitType.objects.select_related("service_line").order_by("code")
        ],
        "organizations": [
            {
                "code": o.code,
                "name": o.name,
                "regions": [
                    {
                        "code": r.code,
                        "name": r.name,
                        "clinics": [_clinic_document(c) for c in r.clinics.order_by("code")],
                    }
                    for r in o.regions.order_by("code")
                ],
            }
            for o in Organization.objects.order_by("code")
        ],
        "templates": [
            {
                "code": t.code,
                "name": t.name,
                "blocks": [
                    {
                        "weekday": compute.WEEKDAYS[b.weekday],
                        "start": compute.hhmm(b.start),
                        "end": compute.hhmm(b.end),
                        "visit_type": b.visit_type.code if b.visit_type else None,
                    }
                    for b in t.blocks.all()
                ],
            }
            for t in ScheduleTemplate.objects.prefetch_related(blocks).order_by("code")
        ],
        "providers": [
            {
                "npi": p.npi,
                "name": p.name,
                "credential": p.credential,
                "service_line": p.service_line.code,
                "fte": float(p.fte),
                "hired_on": p.hired_on.isoformat(),
                "left_on": p.left_on.isoformat() if p.left_on else None,
                "assignments": [
                    {
                        "clinic": a.clinic.code,
                        "template": a.template.code,
                        "weekdays": [compute.WEEKDAYS[d] for d in sorted(a.weekdays)],
                        "from": a.starts_on.isoformat(),
                        "to": a.ends_on.isoformat() if a.ends_on else None,
                    }
                    for a in p.assignments.all()
                ],
                "absences": [
                    {
                        "from": a.starts_on.isoformat(),
                        "to": a.ends_on.isoformat(),
                        "reason": a.reason,
                    }
                    for a in p.absences.all()
                ],
            }
            for p in Provider.objects.select_related("service_line")
            .prefetch_related(assignments, absences)
            .order_by("npi")
        ],
        "closures": [
            {
                "clinic": c.clinic.code,
                "date": c.date.isoformat(),
                "reason": c.reason,
                **(
                    {"start": compute.hhmm(c.start), "end": compute.hhmm(c.end)}
                    if c.start and c.end
                    else {}
                ),
            }
            for c in Closure.objects.select_related("clinic").order_by(
                "date", "clinic__code", "start"
            )
        ],
    }


def _clinic_document(c: Clinic) -> dict[str, Any]:
    return {
        "code": c.code,
        "name": c.name,
        "timezone": c.timezone,
        "exam_rooms": c.exam_rooms,
        "rooms_per_provider": network.as_number(c.rooms_per_provider),
        "target_utilization": float(c.target_utilization),
        "service_lines": sorted(s.code for s in c.service_lines.all()),
        "hours": {
            compute.WEEKDAYS[h.weekday]: [compute.hhmm(h.opens), compute.hhmm(h.closes)]
            for h in c.hours.order_by("weekday")
        },
    }
