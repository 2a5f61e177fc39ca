"""Capacity pages: appointment imports with their progress, and utilization."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from capacity import charts, compute, selectors, services
from capacity.forms import AppointmentImportForm
from capacity.models import AppointmentImport
from clinics import selectors as clinic_selectors
from clinics.models import Clinic


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


class NetworkUtilizationView(PermissionRequiredMixin, View):
    permission_required = "capacity.view_dailyrollup"

    def get(self, request: HttpRequest) -> HttpResponse:
        first, last, first_text, last_text = _months_asked(request, timezone.localdate())
        clinics = {c.pk: c for c in clinic_selectors.clinic_list(user=request.user)}
        per_clinic = selectors.utilization_per_clinic(
            first=first, last=last, clinic_ids=list(clinics)
        )
        if request.GET.get("format") == "csv":
            per_clinic.insert(
                0, "clinic", per_clinic.pop("clinic_id").map(lambda c: clinics[c].code)
            )
            return _csv(per_clinic, f"utilization-{first_text}-{last_text}.csv")
        totals = selectors.utilization_table(first=first, last=last)
        context = {
            "first": first_text, "last": last_text, "totals": totals.to_dict("records"),
            "has_data": not per_clinic.empty,
        }  # fmt: skip
        if not per_clinic.empty:
            latest = per_clinic[per_clinic["period"] == per_clinic["period"].max()]
            context["flags"] = [
                {"clinic": clinics[r.clinic_id], "utilization": r.utilization,
                 "flag": _flag(r.utilization, clinics[r.clinic_id])}
                for r in latest.sort_values("utilization", ascending=False).itertuples()
            ]  # fmt: skip
            context["heatmap"] = charts.heatmap(
                per_clinic, {pk: f"{c.code} {c.name}" for pk, c in clinics.items()},
                hot=0.95, cold=0.70,
            )  # fmt: skip
        return render(request, "capacity/network.html", context)


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


class ClinicUtilizationView(PermissionRequiredMixin, View):
    permission_required = "capacity.view_dailyrollup"

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        try:
            clinic = clinic_selectors.clinic_get(user=request.user, code=code)
        except Clinic.DoesNotExist as exc:
            raise Http404(f"no clinic {code}") from exc
        first, last, first_text, last_text = _months_asked(request, timezone.localdate())
        table = selectors.utilization_table(first=first, last=last, clinic=clinic.code)
        if request.GET.get("format") == "csv":
            return _csv(table, f"utilization-{clinic.code}-{first_text}-{last_text}.csv")
        providers = selectors.utilization_per_provider(first=first, last=last, clinic_id=clinic.pk)
        if request.GET.get("format") == "providers.csv":
            return _csv(providers, f"providers-{clinic.code}-{first_text}-{last_text}.csv")
        context = {
            "clinic": clinic, "first": first_text, "last": last_text,
            "table": table.to_dict("records"), "providers": providers.to_dict("records"),
        }  # fmt: skip
        if not table.empty:
            context["bars"] = charts.utilized_vs_unutilized(table)
            context["rates"] = charts.rates(table)
            context["flags"] = {
                r["period"]: _flag(r["utilization"], clinic) for r in context["table"]
            }
        return render(request, "capacity/clinic.html", context)


class DefinitionsView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "capacity/definitions.html")
