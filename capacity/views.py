"""Capacity pages: appointment imports with their progress, and utilization."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from capacity import charts, compute, selectors, services
from capacity.forms import AppointmentImportForm
from capacity.models import AppointmentImport
from clinics import selectors as clinic_selectors
from clinics.models import Clinic, Provider, Region


class ImportView(PermissionRequiredMixin, View):
    permission_required = "capacity.add_appointmentimport"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.page(request, AppointmentImportForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = AppointmentImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.page(request, form, status=400)
        upload = form.cleaned_data["file"]
        job = services.import_create(
            content=upload.read(),
            filename=upload.name,
            source=form.cleaned_data["source"],
            file_format=form.cleaned_data["file_format"],
            mapping=form.cleaned_data["mapping"],
            dry_run=form.cleaned_data["dry_run"],
            user=request.user,
        )
        return redirect("appointment-import-detail", pk=job.pk)

    def page(self, request, form, status=200):
        jobs = AppointmentImport.objects.defer("content").select_related("created_by")[:10]
        return render(request, "capacity/import.html", {"form": form, "jobs": jobs}, status=status)


class ImportDetailView(PermissionRequiredMixin, View):
    permission_required = "capacity.view_appointmentimport"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = get_object_or_404(AppointmentImport.objects.defer("content"), pk=pk)
        progress = services.import_progress(job=job)
        if request.headers.get("Accept") == "application/json":
            return JsonResponse(progress)
        return render(request, "capacity/import_detail.html", {"job": job, "progress": progress})


def _months_asked(request: HttpRequest, today: date) -> tuple[date, date, str, str]:
    """The ?from=YYYY-MM&to=YYYY-MM window; by default the 12 months ending this month."""
    default_to = today.strftime("%Y-%m")
    default_from = (today.replace(day=1) - timedelta(days=335)).strftime("%Y-%m")
    first_text = request.GET.get("from") or default_from
    last_text = request.GET.get("to") or default_to
    try:
        first, last = compute.month_span(first_text, last_text)
    except ValueError:  # a hand-edited address: show the default window
        first_text, last_text = default_from, default_to
        first, last = compute.month_span(first_text, last_text)
    return first, last, first_text, last_text


def _csv(table, filename: str) -> HttpResponse:
    response = HttpResponse(table.to_csv(index=False), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _by_asked(request: HttpRequest) -> str:
    """?by=week shows ISO weeks; anything else calendar months."""
    return "week" if request.GET.get("by") == "week" else "month"


def _flag(utilization: float, clinic) -> str:
    if utilization != utilization:  # NaN: no supply
        return "n/a"
    if utilization > float(clinic.hot_threshold):
        return "hot"
    if utilization < float(clinic.cold_threshold):
        return "cold"
    if float(clinic.band_low) <= utilization <= float(clinic.band_high):
        return "in band"
    return ""


def _periods_context(table: pd.DataFrame, first: date, clinic: Clinic | None) -> dict:
    """The periods table, its charts and each period's flag (by `clinic`'s thresholds).

    Each row also gets `starts`, its first day inside the window: ISO weeks are cut at the
    window's edges, so the first may start on a Thursday.
    """
    rows = [
        {**r, "starts": max(compute.period_first_day(r["period"]), first)}
        for r in table.to_dict("records")
    ]
    context = {"table": rows}
    if rows:
        context["bars"] = charts.utilized_vs_unutilized(table)
        context["rates"] = charts.rates(table)
        if clinic is not None:
            context["flags"] = {r["period"]: _flag(r["utilization"], clinic) for r in rows}
    return context


def _access_context(access: pd.DataFrame) -> dict:
    """Third next available per period and its chart, where any was recorded."""
    if access.empty:
        return {"tnaa": []}
    return {"tnaa": access.to_dict("records"), "tnaa_chart": charts.tnaa(access)}


class _ClinicsUtilizationView(PermissionRequiredMixin, View):
    """Clinics × months for a set of clinics: the network page and each region's page."""

    permission_required = "capacity.view_dailyrollup"
    template_name = ""

    def scope(self, request: HttpRequest, **kwargs) -> tuple[str, dict[int, Clinic], dict]:
        """The scope's file-name stem, its clinics by id, and context of its own."""
        raise NotImplementedError

    def overview(
        self, *, first: date, last: date, clinics: dict[int, Clinic]
    ) -> selectors.ClinicsOverview:
        """Each clinic by month and the scope's sum by month, from one read of the rollups."""
        raise NotImplementedError

    def extra(self, *, overview: selectors.ClinicsOverview) -> dict:
        return {}

    def get(self, request: HttpRequest, **kwargs) -> HttpResponse:
        first, last, first_text, last_text = _months_asked(request, timezone.localdate())
        stem, clinics, context = self.scope(request, **kwargs)
        overview = self.overview(first=first, last=last, clinics=clinics)
        per_clinic, totals = overview.per_clinic, overview.totals
        asked = request.GET.get("format")
        if asked == "csv":
            per_clinic.insert(
                0, "clinic", per_clinic.pop("clinic_id").map(lambda c: clinics[c].code)
            )
            return _csv(per_clinic, f"{stem}-{first_text}-{last_text}.csv")
        if asked == "totals.csv":
            return _csv(totals, f"{stem}-totals-{first_text}-{last_text}.csv")
        context.update(
            first=first_text, last=last_text, totals=totals.to_dict("records"),
            has_data=not per_clinic.empty, clinics=sorted(clinics.values(), key=lambda c: c.code),
            **self.extra(overview=overview),
        )  # fmt: skip
        if not per_clinic.empty:
            latest = per_clinic[per_clinic["period"] == per_clinic["period"].max()]
            context["latest"] = latest["period"].iloc[0]
            context["flags"] = [
                {"clinic": clinics[r.clinic_id], "utilization": r.utilization,
                 "flag": _flag(r.utilization, clinics[r.clinic_id])}
                for r in latest.sort_values("utilization", ascending=False).itertuples()
            ]  # fmt: skip
            context["heatmap"] = charts.heatmap(
                per_clinic, {pk: f"{c.code} {c.name}" for pk, c in clinics.items()},
                hot=0.95, cold=0.70,
            )  # fmt: skip
        return render(request, self.template_name, context)


class NetworkUtilizationView(_ClinicsUtilizationView):
    template_name = "capacity/network.html"

    def scope(self, request: HttpRequest, **kwargs) -> tuple[str, dict[int, Clinic], dict]:
        clinics = {c.pk: c for c in clinic_selectors.clinic_list(user=request.user)}
        return "utilization", clinics, {}

    def overview(
        self, *, first: date, last: date, clinics: dict[int, Clinic]
    ) -> selectors.ClinicsOverview:
        # The user's part of the network: an organization's users see its clinics only.
        return selectors.utilization_overview(
            first=first, last=last, clinic_ids=list(clinics), scope="network", regions=True
        )

    def extra(self, *, overview: selectors.ClinicsOverview) -> dict:
        return {"regions": overview.per_region.to_dict("records")}


class RegionUtilizationView(_ClinicsUtilizationView):
    template_name = "capacity/region.html"

    def scope(self, request: HttpRequest, code: str) -> tuple[str, dict[int, Clinic], dict]:
        try:
            region = clinic_selectors.region_list(user=request.user).get(code=code)
        except Region.DoesNotExist as exc:
            raise Http404(f"no region {code}") from exc
        clinics = {
            c.pk: c for c in clinic_selectors.clinic_list(user=request.user).filter(region=region)
        }
        return f"utilization-{region.code}", clinics, {"region": region}

    def overview(
        self, *, first: date, last: date, clinics: dict[int, Clinic]
    ) -> selectors.ClinicsOverview:
        # A region belongs to one organization: its clinics the user sees are all of them.
        return selectors.utilization_overview(
            first=first, last=last, clinic_ids=list(clinics), scope=self.kwargs["code"]
        )

    def extra(self, *, overview: selectors.ClinicsOverview) -> dict:
        totals = overview.totals
        return {"bars": charts.utilized_vs_unutilized(totals)} if not totals.empty else {}


class ClinicUtilizationView(PermissionRequiredMixin, View):
    permission_required = "capacity.view_dailyrollup"

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        try:
            clinic = clinic_selectors.clinic_get(user=request.user, code=code)
        except Clinic.DoesNotExist as exc:
            raise Http404(f"no clinic {code}") from exc
        first, last, first_text, last_text = _months_asked(request, timezone.localdate())
        by = _by_asked(request)
        window = f"{clinic.code}-{first_text}-{last_text}"
        asked = request.GET.get("format")
        table = selectors.utilization_table(first=first, last=last, by=by, clinic=clinic.code)
        if asked == "csv":
            return _csv(table, f"utilization-{window}{'-weeks' if by == 'week' else ''}.csv")
        providers = selectors.utilization_per_provider_at(
            first=first, last=last, clinic_id=clinic.pk
        )
        if asked == "providers.csv":
            return _csv(providers, f"providers-{window}.csv")
        # Rollups do not keep the visit type: it is worked out from the slots, only when shown.
        visit_types = (
            selectors.utilization_per_visit_type(first=first, last=last, clinic_ids=[clinic.pk])
            if asked == "visit-types.csv" or not table.empty
            else pd.DataFrame()
        )
        if asked == "visit-types.csv":
            return _csv(visit_types, f"visit-types-{window}.csv")
        access = selectors.tnaa_trend_within(first=first, last=last, by=by, clinic_ids=[clinic.pk])
        if asked == "tnaa.csv":
            return _csv(access, f"access-{window}.csv")
        context = {
            "clinic": clinic, "first": first_text, "last": last_text, "by": by,
            "providers": providers.to_dict("records"), **_periods_context(table, first, clinic),
            "visit_types": visit_types.to_dict("records"), **_access_context(access),
        }  # fmt: skip
        return render(request, "capacity/clinic.html", context)


class ProviderUtilizationView(PermissionRequiredMixin, View):
    permission_required = "capacity.view_dailyrollup"

    def get(self, request: HttpRequest, npi: str) -> HttpResponse:
        try:
            provider = clinic_selectors.provider_list(user=request.user).get(npi=npi)
        except Provider.DoesNotExist as exc:
            raise Http404(f"no provider {npi}") from exc
        first, last, first_text, last_text = _months_asked(request, timezone.localdate())
        by = _by_asked(request)
        clinics = {c.pk: c for c in clinic_selectors.clinic_list(user=request.user)}
        window = f"{provider.npi}-{first_text}-{last_text}"
        asked = request.GET.get("format")
        table = selectors.utilization_table_within(
            first=first, last=last, by=by, clinic_ids=list(clinics), provider_id=provider.pk,
            scope=provider.npi,
        )  # fmt: skip
        if asked == "csv":
            return _csv(table, f"utilization-{window}{'-weeks' if by == 'week' else ''}.csv")
        per_clinic = selectors.utilization_per_clinic_of_provider(
            first=first, last=last, provider_id=provider.pk, clinic_ids=list(clinics)
        )
        if asked == "clinics.csv":
            return _csv(per_clinic, f"clinics-{window}.csv")
        # The clinic whose thresholds flag the periods, and the way back up: the home clinic,
        # else where the provider had the most minutes in the window.
        main = clinics.get(provider.home_clinic_id)
        if main is None and not per_clinic.empty:
            main = clinics[int(per_clinic["clinic_id"].iloc[0])]
        access = selectors.tnaa_trend_within(
            first=first, last=last, by=by, clinic_ids=list(clinics), provider_id=provider.pk
        )
        if asked == "tnaa.csv":
            return _csv(access, f"access-{window}.csv")
        context = {
            "provider": provider, "main": main, "first": first_text, "last": last_text,
            "by": by, **_periods_context(table, first, main), **_access_context(access),
            "clinics": [
                {**r, "flag": _flag(r["utilization"], clinics[r["clinic_id"]])}
                for r in per_clinic.to_dict("records")
            ],
        }  # fmt: skip
        return render(request, "capacity/provider.html", context)


class StandardizationView(PermissionRequiredMixin, View):
    permission_required = "clinics.view_scheduletemplate"

    def get(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        table, detail = selectors.standardization_table(today=today)
        asked = request.GET.get("format")
        if asked == "csv":
            return _csv(table, f"standardization-{today.isoformat()}.csv")
        if asked == "providers.csv":
            return _csv(detail, f"standardization-providers-{today.isoformat()}.csv")
        context = {
            "today": today, "lines": table.to_dict("records"),
            "providers": detail.to_dict("records"),
        }  # fmt: skip
        return render(request, "capacity/standardization.html", context)
