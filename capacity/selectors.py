"""Reads for capacity: the clinic network as the frames that `capacity.compute` expands."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pandas as pd

from capacity import compute, importers
from capacity.models import Appointment, DailyRollup
from clinics.models import (
    Clinic,
    Closure,
    Provider,
    ProviderAbsence,
    Region,
    TemplateAssignment,
    TemplateBlock,
    VisitType,
)


def _minute(t) -> int | None:
    return None if t is None else t.hour * 60 + t.minute


def supply_frames(*, clinic_ids: Iterable[int] | None = None) -> dict[str, pd.DataFrame]:
    """Assignments, blocks, closures, absences and clinics as DataFrames (compute's columns)."""
    clinics = Clinic.objects.all()
    if clinic_ids is not None:
        clinics = clinics.filter(pk__in=list(clinic_ids))
    clinic_rows = [
        (pk, float(rooms) / float(per), opened, closed)
        for pk, rooms, per, opened, closed in clinics.values_list(
            "pk", "exam_rooms", "rooms_per_provider", "opened_on", "closed_on"
        )
    ]
    assignments = TemplateAssignment.objects.filter(clinic__in=clinics).values_list(
        "provider_id", "clinic_id", "template_id", "weekdays", "starts_on", "ends_on",
        "provider__hired_on", "provider__left_on",
    )  # fmt: skip
    template_ids = {row[2] for row in assignments}
    blocks = TemplateBlock.objects.filter(template_id__in=template_ids).values_list(
        "template_id", "weekday", "start", "end", "visit_type_id", "visit_type__minutes",
        "visit_type__is_new_patient",
    )  # fmt: skip
    closures = Closure.objects.filter(clinic__in=clinics).values_list(
        "clinic_id", "date", "start", "end"
    )
    provider_ids = {row[0] for row in assignments}
    absences = ProviderAbsence.objects.filter(provider_id__in=provider_ids).values_list(
        "provider_id", "starts_on", "ends_on"
    )
    return {
        "assignments": pd.DataFrame.from_records(
            list(assignments), columns=compute.ASSIGNMENT_COLUMNS
        ),
        "blocks": pd.DataFrame.from_records(
            [(t, w, _minute(s), _minute(e), vt, m, new) for t, w, s, e, vt, m, new in blocks],
            columns=compute.BLOCK_COLUMNS,
        ),
        "closures": pd.DataFrame.from_records(
            [(c, d, _minute(s), _minute(e)) for c, d, s, e in closures],
            columns=compute.CLOSURE_COLUMNS,
        ).astype({"start_minute": float, "end_minute": float}),
        "absences": pd.DataFrame.from_records(list(absences), columns=compute.ABSENCE_COLUMNS),
        "clinics": pd.DataFrame.from_records(clinic_rows, columns=compute.CLINIC_COLUMNS),
    }


def supply_slots(
    *, first: date, last: date, clinic_ids: Iterable[int] | None = None
) -> pd.DataFrame:
    """Every bookable template slot in the dates, with its room-bounded available minutes."""
    frames = supply_frames(clinic_ids=clinic_ids)
    return compute.supply(**frames, first=first, last=last)


def import_lookups() -> importers.Lookups:
    """What appointment rows may refer to, keyed as files name them."""
    return importers.Lookups(
        clinics={
            code: (pk, tz) for pk, code, tz in Clinic.objects.values_list("pk", "code", "timezone")
        },
        providers=dict(Provider.objects.values_list("npi", "pk")),
        visit_types={
            code: (pk, minutes)
            for pk, code, minutes in VisitType.objects.values_list("pk", "code", "minutes")
        },
    )


def patient_visits_frame(*, patient_keys: list[str]) -> pd.DataFrame:
    """Every visit of these patients, with what the 3-year rule needs."""
    columns = [
        "id", "patient_key", "service_line_id", "organization_id", "start", "status",
        "is_new_patient", "history_limited", "derive",
    ]  # fmt: skip
    rows = []
    for i in range(0, len(patient_keys), 5000):
        rows.extend(
            Appointment.objects.filter(patient_key__in=patient_keys[i : i + 5000]).values_list(
                "id",
                "patient_key",
                "visit_type__service_line_id",
                "clinic__region__organization_id",
                "start",
                "status",
                "is_new_patient",
                "history_limited",
                "new_patient_derived",
            )
        )
    return pd.DataFrame.from_records(rows, columns=columns)


def appointments_frame(
    *, clinic_ids: Iterable[int] | None, first: date, last: date
) -> pd.DataFrame:
    """Appointments whose local day falls in the dates, as compute.demand_daily reads them."""
    qs = Appointment.objects.filter(local_date__range=(first, last))
    if clinic_ids is not None:
        qs = qs.filter(clinic_id__in=list(clinic_ids))
    rows = qs.values_list(
        "clinic_id", "provider_id", "is_new_patient", "local_date", "duration_minutes", "status",
        "start", "cancelled_at", "visit_type__late_cancel_hours",
    )  # fmt: skip
    return pd.DataFrame.from_records(list(rows), columns=compute.APPOINTMENT_COLUMNS)


def rollup_frame(
    *,
    first: date,
    last: date,
    clinic_ids: Iterable[int] | None = None,
    provider_id: int | None = None,
) -> pd.DataFrame:
    """Rollup rows in the dates, narrowed to clinics or one provider."""
    qs = DailyRollup.objects.filter(date__range=(first, last))
    if clinic_ids is not None:
        qs = qs.filter(clinic_id__in=list(clinic_ids))
    if provider_id is not None:
        qs = qs.filter(provider_id=provider_id)
    columns = [*compute.ROLLUP_KEY, *compute.ROLLUP_FIGURES]
    return pd.DataFrame.from_records(list(qs.values_list(*columns)), columns=columns)


def scope_clinic_ids(*, clinic: str | None = None, region: str | None = None) -> list[int] | None:
    """Clinic ids of one clinic or region by code; None for the whole network.

    Raises Clinic.DoesNotExist / Region.DoesNotExist for an unknown code.
    """
    if clinic:
        return [Clinic.objects.get(code=clinic).pk]
    if region:
        found = Region.objects.get(code=region)
        return list(found.clinics.values_list("pk", flat=True))
    return None


class ScopeError(ValueError):
    """An unknown clinic, region or provider, or dates in the wrong order."""


# Minutes and counts print as whole numbers; available minutes under an exam-room bound can be
# fractional, so they round down like every capacity count (DESIGN §3).
REPORT_COUNTS = (
    "available_minutes", "booked_minutes", "kept_minutes", "unutilized_minutes",
    "available_slots", "booked_slots", "late_cancellations",
)  # fmt: skip


def utilization_table(
    *,
    first: date,
    last: date,
    by: str = "month",
    clinic: str | None = None,
    region: str | None = None,
    provider: str | None = None,
) -> pd.DataFrame:
    """`report utilization` (DESIGN §4): one row per period for a clinic, region or the network."""
    if last < first:
        raise ScopeError("the end is before the start")
    try:
        clinic_ids = scope_clinic_ids(clinic=clinic, region=region)
    except Clinic.DoesNotExist:
        raise ScopeError(f"unknown clinic {clinic!r}") from None
    except Region.DoesNotExist:
        raise ScopeError(f"unknown region {region!r}") from None
    provider_id = None
    if provider:
        provider_id = Provider.objects.filter(npi=provider).values_list("pk", flat=True).first()
        if provider_id is None:
            raise ScopeError(f"unknown provider NPI {provider!r}")
    rows = rollup_frame(first=first, last=last, clinic_ids=clinic_ids, provider_id=provider_id)
    table = _whole_counts(compute.utilization_report(rows, by))
    scope = clinic or region or "network"
    table.insert(1, "scope", f"{scope}/{provider}" if provider else scope)
    return table


def utilization_per_clinic(*, first: date, last: date, clinic_ids: list[int]) -> pd.DataFrame:
    """Monthly utilization figures for each clinic apart (the network heatmap)."""
    rows = rollup_frame(first=first, last=last, clinic_ids=clinic_ids)
    return _whole_counts(compute.utilization_by(rows, "month", "clinic_id"))


def utilization_per_provider(*, first: date, last: date, clinic_id: int) -> pd.DataFrame:
    """One row per provider at a clinic over the whole window (clinic-level visits as '—')."""
    rows = rollup_frame(first=first, last=last, clinic_ids=[clinic_id])
    if rows.empty:
        return pd.DataFrame(columns=["provider", "credential"])
    table = compute.utilization_by(rows, "all", "provider_id")
    names = {
        pk: (name, credential)
        for pk, name, credential in Provider.objects.filter(
            pk__in=[p for p in table["provider_id"] if pd.notna(p)]
        ).values_list("pk", "name", "credential")
    }
    table.insert(0, "provider", table["provider_id"].map(lambda p: names.get(p, ("—", ""))[0]))
    table.insert(1, "credential", table["provider_id"].map(lambda p: names.get(p, ("—", ""))[1]))
    return _whole_counts(table.drop(columns=["provider_id", "period"]).sort_values("provider"))


def _whole_counts(table: pd.DataFrame) -> pd.DataFrame:
    for name in REPORT_COUNTS:
        if name in table:
            table[name] = table[name].astype("int64")
    return table


def demo_frames() -> dict[str, pd.DataFrame]:
    """Visit types and clinics as capacity.demo reads them."""
    visit_types = VisitType.objects.values_list(
        "pk", "service_line_id", "minutes", "is_new_patient"
    )
    clinics = Clinic.objects.values_list("pk", "code", "timezone")
    return {
        "visit_types": pd.DataFrame.from_records(
            list(visit_types),
            columns=["visit_type_id", "service_line_id", "minutes", "is_new_patient"],
        ),
        "clinics": pd.DataFrame.from_records(
            list(clinics), columns=["clinic_id", "code", "timezone"]
        ),
    }
