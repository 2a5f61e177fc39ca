"""Reads for capacity: the clinic network as the frames that `capacity.compute` expands."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import NamedTuple

import pandas as pd
from django.db.models import Count, Max, Min, Q, Sum

from capacity import compute, importers
from capacity.models import (
    HELD,
    Appointment,
    DailyRollup,
    ImportedSlot,
    Status,
    ThirdNextAvailable,
)
from clinics.models import (
    Clinic,
    Closure,
    Provider,
    ProviderAbsence,
    Region,
    ServiceLine,
    TemplateAssignment,
    TemplateBlock,
    VisitType,
)

# Rollups reach this far ahead: the bookings of the coming quarter.
ROLLUP_AHEAD_DAYS = 92


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
    """Every bookable slot in the dates, with its room-bounded available minutes.

    Template slots, replaced by a site's imported calendar for the provider-days it covers.
    """
    frames = supply_frames(clinic_ids=clinic_ids)
    imported = imported_slots_frame(first=first, last=last, clinic_ids=clinic_ids)
    return compute.supply(**frames, first=first, last=last, imported=imported)


def imported_slots_frame(
    *, first: date, last: date, clinic_ids: Iterable[int] | None = None, busy: bool = False
) -> pd.DataFrame:
    """Imported calendar slots in the dates (compute.IMPORTED_SLOT_COLUMNS, plus `busy`)."""
    qs = ImportedSlot.objects.filter(local_date__range=(first, last))
    if clinic_ids is not None:
        qs = qs.filter(clinic_id__in=list(clinic_ids))
    names = [
        "clinic_id", "provider_id", "local_date", "visit_type_id",
        "visit_type__is_new_patient", "start_minute", "end_minute", "available",
    ]  # fmt: skip
    columns = list(compute.IMPORTED_SLOT_COLUMNS)
    if busy:
        names.append("busy")
        columns.append("busy")
    frame = pd.DataFrame.from_records(list(qs.values_list(*names)), columns=columns)
    # A slot without a visit type is established supply (DESIGN leaves it open; see Definitions).
    frame["is_new_patient"] = frame["is_new_patient"].fillna(False).astype(bool)
    return frame


def earliest_dates(*, clinic_ids: Iterable[int]) -> dict[int, date]:
    """Each clinic's first day with an appointment or an imported slot, where it has one."""
    ids = list(clinic_ids)
    out: dict[int, date] = {}
    for model in (Appointment, ImportedSlot):
        for clinic_id, first in (
            model.objects.filter(clinic_id__in=ids)
            .values("clinic_id")
            .annotate(first=Min("local_date"))
            .values_list("clinic_id", "first")
            .order_by()
        ):
            out[clinic_id] = min(first, out.get(clinic_id, first))
    return out


def rollup_window(*, clinic_id: int, today: date) -> tuple[date, date]:
    """The days a clinic's rollups cover: from the month of its first appointment or imported
    slot (last month at the latest) to the end of the month three months ahead, or of its
    last appointment if later. A recompute from scratch rolls up exactly this."""
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    first = earliest_dates(clinic_ids=[clinic_id]).get(clinic_id, last_month)
    latest = [
        d
        for model in (Appointment, ImportedSlot)
        if (d := model.objects.filter(clinic_id=clinic_id).aggregate(m=Max("local_date"))["m"])
    ]
    last = max([today + timedelta(days=ROLLUP_AHEAD_DAYS), *latest])
    return min(first, last_month).replace(day=1), compute.month_end(last)


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
        "is_new_patient", "history_limited", "derive", "clinic_id", "local_date",
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
                "clinic_id",
                "local_date",
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
    clinic_ids, provider_id = scope_resolve(
        first=first, last=last, clinic=clinic, region=region, provider=provider
    )
    rows = rollup_frame(first=first, last=last, clinic_ids=clinic_ids, provider_id=provider_id)
    table = _whole_counts(compute.utilization_report(rows, by))
    table.insert(1, "scope", scope_label(clinic=clinic, region=region, provider=provider))
    return table


def scope_resolve(
    *,
    first: date,
    last: date,
    clinic: str | None = None,
    region: str | None = None,
    provider: str | None = None,
) -> tuple[list[int] | None, int | None]:
    """Clinic ids (None: the network) and provider id of a report's scope; ScopeError if bad."""
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
    return clinic_ids, provider_id


def scope_label(
    *, clinic: str | None = None, region: str | None = None, provider: str | None = None
) -> str:
    scope = clinic or region or "network"
    return f"{scope}/{provider}" if provider else scope


def utilization_per_clinic(*, first: date, last: date, clinic_ids: list[int]) -> pd.DataFrame:
    """Monthly utilization figures for each clinic apart (the network heatmap)."""
    rows = rollup_frame(first=first, last=last, clinic_ids=clinic_ids)
    return _whole_counts(compute.utilization_by(rows, "month", "clinic_id"))


class ClinicsOverview(NamedTuple):
    """A set of clinics' page: each clinic by month, their sum by month, and (asked for) each
    of their regions over the whole window."""

    per_clinic: pd.DataFrame
    totals: pd.DataFrame
    per_region: pd.DataFrame | None


def utilization_overview(
    *, first: date, last: date, clinic_ids: Iterable[int], scope: str, regions: bool = False
) -> ClinicsOverview:
    """The network's or a region's page from one read of the rollups, not one per table."""
    clinic_ids = list(clinic_ids)
    rows = rollup_frame(first=first, last=last, clinic_ids=clinic_ids)
    totals = _whole_counts(compute.utilization_report(rows, "month"))
    totals.insert(1, "scope", scope)
    return ClinicsOverview(
        per_clinic=_whole_counts(compute.utilization_by(rows, "month", "clinic_id")),
        totals=totals,
        per_region=_per_region(rows, clinic_ids) if regions else None,
    )


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


# ---------------------------------------------------------------------------------------------
# Drill-down pages: network → region → clinic → provider, and visit types


REPORT_FIGURES = [
    "available_minutes", "booked_minutes", "kept_minutes", "unutilized_minutes",
    "available_slots", "booked_slots", "utilization", "kept_utilization", "noshow_rate",
    "late_cancellations", "new_patient_share",
]  # fmt: skip


def utilization_table_within(
    *,
    first: date,
    last: date,
    clinic_ids: Iterable[int],
    scope: str,
    by: str = "month",
    provider_id: int | None = None,
) -> pd.DataFrame:
    """`utilization_table`'s rows, narrowed to clinics already scoped to the user.

    `utilization_table` sums a provider's rows across the whole network; pages pass the clinics
    the user may see, so a provider who also works for another organization shows only this
    organization's part.
    """
    rows = rollup_frame(
        first=first, last=last, clinic_ids=list(clinic_ids), provider_id=provider_id
    )
    table = _whole_counts(compute.utilization_report(rows, by))
    table.insert(1, "scope", scope)
    return table


def _per_window(
    rows: pd.DataFrame, group: str, labels: pd.DataFrame, keep_all: bool = False
) -> pd.DataFrame:
    """Whole-window figures per `group` beside its labels; `keep_all` keeps labels without rows.

    Ratios are divided after summing (`compute.utilization_report`); a label without rows has
    zero minutes and no ratios.
    """
    if rows.empty:
        table = pd.DataFrame(columns=[group, *REPORT_FIGURES])
    else:
        table = compute.utilization_by(rows, "all", group).drop(columns="period")
    table[group] = table[group].astype("Int64")
    labels = labels.astype({group: "Int64"})
    out = labels.merge(table, on=group, how="left" if keep_all else "inner")
    counts = [name for name in REPORT_COUNTS if name in out]
    out[counts] = out[counts].astype(float).fillna(0)
    ratios = [name for name in REPORT_FIGURES if name not in REPORT_COUNTS]
    out[ratios] = out[ratios].astype(float)
    return _whole_counts(out)


def utilization_per_region(*, first: date, last: date, clinic_ids: Iterable[int]) -> pd.DataFrame:
    """Each region of these clinics over the whole window, summed from its clinics' rollups.

    Every region with one of the clinics gets a row (region code, name, clinics = how many),
    with zero minutes and no utilization where nothing is rolled up.
    """
    clinic_ids = list(clinic_ids)
    return _per_region(rollup_frame(first=first, last=last, clinic_ids=clinic_ids), clinic_ids)


def _per_region(rows: pd.DataFrame, clinic_ids: list[int]) -> pd.DataFrame:
    clinics = pd.DataFrame.from_records(
        list(
            Clinic.objects.filter(pk__in=clinic_ids).values_list(
                "pk", "region_id", "region__code", "region__name"
            )
        ),
        columns=["clinic_id", "region_id", "region", "name"],
    )
    labels = clinics.groupby(["region_id", "region", "name"], as_index=False).agg(
        clinics=("clinic_id", "count")
    )
    rows = rows.copy()
    rows["region_id"] = rows["clinic_id"].map(clinics.set_index("clinic_id")["region_id"])
    return _per_window(rows, "region_id", labels, keep_all=True).sort_values("region")


def utilization_per_clinic_of_provider(
    *, first: date, last: date, provider_id: int, clinic_ids: Iterable[int]
) -> pd.DataFrame:
    """One row per clinic where the provider has supply or visits in the window.

    Most available minutes first, so the first row is where the provider mostly works.
    """
    rows = rollup_frame(
        first=first, last=last, clinic_ids=list(clinic_ids), provider_id=provider_id
    )
    labels = pd.DataFrame.from_records(
        list(
            Clinic.objects.filter(pk__in=[int(c) for c in rows["clinic_id"].unique()]).values_list(
                "pk", "code", "name"
            )
        ),
        columns=["clinic_id", "clinic", "name"],
    )
    out = _per_window(rows, "clinic_id", labels)
    return out.sort_values(["available_minutes", "clinic"], ascending=[False, True])


NO_LABEL = "—"


def utilization_per_provider_at(*, first: date, last: date, clinic_id: int) -> pd.DataFrame:
    """Each provider at a clinic over the whole window, with the NPI their page is found by.

    Visits that name no provider make one row labelled "—" with no NPI. Columns: provider,
    credential, the report's figures, npi.
    """
    rows = rollup_frame(first=first, last=last, clinic_ids=[clinic_id])
    ids = [int(p) for p in rows["provider_id"].dropna().unique()]
    labels = pd.DataFrame.from_records(
        list(Provider.objects.filter(pk__in=ids).values_list("pk", "name", "credential", "npi")),
        columns=["provider_id", "provider", "credential", "npi"],
    )
    if rows["provider_id"].isna().any():
        nobody = pd.DataFrame([{"provider_id": None, "provider": NO_LABEL, "credential": ""}])
        labels = pd.concat([labels, nobody.assign(npi="")], ignore_index=True)
    out = _per_window(rows, "provider_id", labels).sort_values("provider")
    return out[["provider", "credential", *REPORT_FIGURES, "npi"]]


def visit_type_demand_frame(*, first: date, last: date, clinic_ids: Iterable[int]) -> pd.DataFrame:
    """The clinics' appointments whose local day falls in the dates, summed per visit type.

    Columns compute.VISIT_TYPE_DEMAND_COLUMNS; HELD and KEPT as in DESIGN §3.
    """
    held = Q(status__in=compute.HELD_STATUSES)
    kept = Q(status__in=compute.KEPT_STATUSES)
    rows = (
        Appointment.objects.filter(local_date__range=(first, last), clinic_id__in=list(clinic_ids))
        .values("visit_type_id")
        .order_by("visit_type_id")
        .annotate(
            held_minutes=Sum("duration_minutes", filter=held, default=0),
            held_count=Count("pk", filter=held),
            kept_minutes=Sum("duration_minutes", filter=kept, default=0),
            kept_count=Count("pk", filter=kept),
            noshow_count=Count("pk", filter=Q(status="noshow")),
        )
        .values_list(*compute.VISIT_TYPE_DEMAND_COLUMNS)
    )
    return pd.DataFrame.from_records(list(rows), columns=compute.VISIT_TYPE_DEMAND_COLUMNS)


def utilization_per_visit_type(
    *, first: date, last: date, clinic_ids: Iterable[int]
) -> pd.DataFrame:
    """Each visit type over the window: its slots (templates or imported calendars) against
    its appointments, by code.

    Columns: visit_type (code), name, visit_minutes, new_patient, then
    compute.VISIT_TYPE_COLUMNS' figures. Slots without a visit type are labelled "—".
    """
    clinic_ids = list(clinic_ids)
    table = compute.visit_type_utilization(
        supply_slots(first=first, last=last, clinic_ids=clinic_ids),
        visit_type_demand_frame(first=first, last=last, clinic_ids=clinic_ids),
    )
    columns = ["visit_type_id", "visit_type", "name", "visit_minutes", "new_patient"]
    labels = pd.DataFrame.from_records(
        list(
            VisitType.objects.filter(
                pk__in=[int(v) for v in table["visit_type_id"].dropna()]
            ).values_list("pk", "code", "name", "minutes", "is_new_patient")
        ),
        columns=columns,
    )
    unlabelled = pd.DataFrame(
        [{"visit_type_id": None, "visit_type": NO_LABEL, "name": "Slots without a visit type",
          "visit_minutes": None, "new_patient": False}]
    )  # fmt: skip
    labels = pd.concat([labels, unlabelled], ignore_index=True).astype({"visit_type_id": "Int64"})
    out = labels.merge(table, on="visit_type_id").sort_values("visit_type")
    minutes = out["visit_minutes"].astype("Int64").astype(object)
    out["visit_minutes"] = minutes.where(minutes.notna(), None)
    return _whole_counts(out.drop(columns="visit_type_id")).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Third next available


def tnaa_slots_frame(
    *, first: date, last: date, clinic_ids: Iterable[int] | None = None
) -> pd.DataFrame:
    """Supply slots from `first` to `last` as third-next-available reads them (local times)."""
    slots = supply_slots(first=first, last=last, clinic_ids=clinic_ids)
    if slots.empty:
        return pd.DataFrame(columns=compute.TNAA_SLOT_COLUMNS)
    busy = imported_slots_frame(first=first, last=last, clinic_ids=clinic_ids, busy=True)
    key = ["provider_id", "clinic_id", "date", "start_minute"]
    busy["date"] = pd.to_datetime(busy["date"])
    slots = slots.merge(busy[[*key, "busy"]], on=key, how="left")
    slots["busy"] = slots["busy"].fillna(False).astype(bool)
    return compute.slot_times(slots)[compute.TNAA_SLOT_COLUMNS]


def tnaa_holds_frame(*, first: date, last: date, provider_ids: Iterable[int]) -> pd.DataFrame:
    """These providers' appointments that hold or held a slot, in local wall-clock times.

    Cancelled ones count until their cancellation, so that a past day can be replayed; a
    cancellation with no time is left out.
    """
    held = [*HELD, Status.CANCELLED]
    rows = (
        Appointment.objects.filter(
            provider_id__in=list(provider_ids),
            local_date__range=(first, last),
            status__in=held,
        )
        .exclude(status=Status.CANCELLED, cancelled_at__isnull=True)
        .values_list(
            "provider_id", "clinic__timezone", "start", "duration_minutes", "booked_at",
            "cancelled_at",
        )
    )  # fmt: skip
    frame = pd.DataFrame.from_records(
        list(rows),
        columns=["provider_id", "timezone", "start", "minutes", "booked_at", "cancelled_at"],
    )
    if frame.empty:
        return pd.DataFrame(columns=compute.TNAA_HOLD_COLUMNS)
    frame["start"] = compute.local_naive(frame["start"], frame["timezone"])
    frame["end"] = frame["start"] + pd.to_timedelta(frame["minutes"], unit="min")
    frame["held_from"] = compute.local_naive(frame["booked_at"], frame["timezone"])
    frame["held_to"] = compute.local_naive(frame["cancelled_at"], frame["timezone"])
    return frame[compute.TNAA_HOLD_COLUMNS]


def tnaa_frame(
    *,
    first: date,
    last: date,
    clinic_ids: Iterable[int] | None = None,
    provider_id: int | None = None,
) -> pd.DataFrame:
    """Recorded third-next-available rows in the dates (compute.TNAA_COLUMNS)."""
    qs = ThirdNextAvailable.objects.filter(date__range=(first, last))
    if clinic_ids is not None:
        qs = qs.filter(clinic_id__in=list(clinic_ids))
    if provider_id is not None:
        qs = qs.filter(provider_id=provider_id)
    frame = pd.DataFrame.from_records(
        list(qs.values_list(*compute.TNAA_COLUMNS)), columns=compute.TNAA_COLUMNS
    )
    frame["days"] = frame["days"].astype(float)
    return frame


# ---------------------------------------------------------------------------------------------
# Template standardization


def standardization_table(*, today: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The index per service line, and each provider's figures behind it, on `today`'s plan."""
    frames = supply_frames()
    week = compute.template_week(frames["assignments"], frames["blocks"], today)
    providers = pd.DataFrame.from_records(
        list(
            Provider.objects.values_list(
                "pk", "service_line_id", "fte", "name", "credential", "service_line__name"
            )
        ),
        columns=[*compute.PROVIDER_COLUMNS, "provider", "credential", "service_line"],
    )
    table = compute.standardization(week, providers)
    lines = dict(ServiceLine.objects.values_list("pk", "name"))
    table.insert(0, "service_line", table["service_line_id"].map(lines))
    detail = week.merge(providers, on="provider_id")
    detail = detail[detail["minutes"] > 0].copy()
    detail["new_share"] = detail["new_minutes"] / detail["minutes"]
    detail["minutes_per_fte"] = detail["minutes"] / detail["fte"].astype(float)
    detail = detail.sort_values(["service_line", "provider"])
    return table.drop(columns="service_line_id"), detail[
        ["service_line", "provider", "credential", "fte", "minutes", "new_minutes", "new_share",
         "minutes_per_fte"]
    ]  # fmt: skip


def tnaa_table(
    *,
    first: date,
    last: date,
    by: str = "month",
    clinic: str | None = None,
    region: str | None = None,
    provider: str | None = None,
) -> pd.DataFrame:
    """Third next available per period and class for a clinic, region, provider or network."""
    clinic_ids, provider_id = scope_resolve(
        first=first, last=last, clinic=clinic, region=region, provider=provider
    )
    records = tnaa_frame(first=first, last=last, clinic_ids=clinic_ids, provider_id=provider_id)
    table = compute.tnaa_trend(records, by)
    table.insert(1, "scope", scope_label(clinic=clinic, region=region, provider=provider))
    table.insert(
        2, "visit_class", table.pop("is_new_patient").map({True: "new", False: "established"})
    )
    return table


def tnaa_trend_within(
    *, first: date, last: date, by: str, clinic_ids: Iterable[int], provider_id: int | None = None
) -> pd.DataFrame:
    """`compute.tnaa_wide` for clinics already scoped to the user (pages), one provider or all."""
    records = tnaa_frame(
        first=first, last=last, clinic_ids=list(clinic_ids), provider_id=provider_id
    )
    return compute.tnaa_wide(compute.tnaa_trend(records, by))
