"""Pages of the clinic network: thin views over selectors and services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, ListView

from clinics import compute, network, selectors, services
from clinics.forms import ClinicForm, HoursForm, NetworkFileForm
from clinics.models import Clinic, NetworkImport, ScheduleTemplate


class ClinicListView(PermissionRequiredMixin, ListView):
    permission_required = "clinics.view_clinic"
    template_name = "clinics/clinic_list.html"
    context_object_name = "clinics"

    def get_queryset(self):
        clinics = selectors.clinic_list(user=self.request.user).order_by("region__code", "code")
        if region := self.request.GET.get("region"):
            clinics = clinics.filter(region__code=region)
        return clinics

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["region"] = self.request.GET.get("region", "")
        return context


class ClinicDetailView(PermissionRequiredMixin, View):
    permission_required = "clinics.view_clinic"

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        clinic = _clinic_or_404(request, code)
        hours = {h.weekday: h for h in clinic.hours.all()}
        return render(
            request,
            "clinics/clinic_detail.html",
            {
                "clinic": clinic,
                "hours": [(compute.WEEKDAYS[d], hours.get(d)) for d in range(7)],
                "assignments": selectors.clinic_assignments(clinic=clinic),
                "closures": selectors.clinic_closures_upcoming(
                    clinic=clinic, today=timezone.localdate()
                ),
                "clinical_rooms": clinic.exam_rooms / clinic.rooms_per_provider,
            },
        )


class ClinicEditView(PermissionRequiredMixin, View):
    permission_required = "clinics.change_clinic"

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        clinic = _clinic_or_404(request, code)
        return self.page(request, clinic, ClinicForm(instance=clinic), HoursForm(clinic=clinic))

    def post(self, request: HttpRequest, code: str) -> HttpResponse:
        clinic = _clinic_or_404(request, code)
        form = ClinicForm(request.POST, instance=clinic)
        hours = HoursForm(request.POST, clinic=clinic)
        if form.is_valid() and hours.is_valid():
            data = {k: v for k, v in form.cleaned_data.items()}
            try:
                services.clinic_save(clinic=clinic, data=data, hours=hours.cleaned_data["hours"])
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, f"Saved {clinic.code}.")
                return redirect("clinic-detail", code=clinic.code)
        clinic.refresh_from_db()
        return self.page(request, clinic, form, hours, status=400)

    def page(self, request, clinic, form, hours, status=200):
        return render(
            request,
            "clinics/clinic_edit.html",
            {"clinic": clinic, "form": form, "hours_form": hours},
            status=status,
        )


def _clinic_or_404(request: HttpRequest, code: str) -> Clinic:
    try:
        return selectors.clinic_get(user=request.user, code=code)
    except Clinic.DoesNotExist as exc:
        raise Http404(f"no clinic {code}") from exc


class TemplateListView(PermissionRequiredMixin, ListView):
    permission_required = "clinics.view_scheduletemplate"
    template_name = "clinics/template_list.html"
    context_object_name = "templates"

    def get_queryset(self):
        return selectors.template_list().order_by("code")


class TemplateDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "clinics.view_scheduletemplate"
    template_name = "clinics/template_detail.html"
    context_object_name = "template"
    slug_field = slug_url_kwarg = "code"

    def get_queryset(self):
        return ScheduleTemplate.objects.all()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["grid"] = selectors.template_grid(template=self.object)
        context["assignments"] = (
            selectors.assignment_list(user=self.request.user)
            .filter(template=self.object)
            .order_by("clinic__code", "provider__name")
        )
        return context


class NetworkImportView(PermissionRequiredMixin, View):
    permission_required = "clinics.add_networkimport"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.page(request, NetworkFileForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = NetworkFileForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.page(request, form, status=400)
        job = services.network_import_create(
            document=form.cleaned_data["document"],
            filename=form.cleaned_data["file"].name,
            dry_run=form.cleaned_data["dry_run"],
            user=request.user,
        )
        return redirect("network-import-detail", pk=job.pk)

    def page(self, request, form, status=200):
        jobs = NetworkImport.objects.select_related("created_by")[:10]
        return render(
            request, "clinics/network_import.html", {"form": form, "jobs": jobs}, status=status
        )


class NetworkImportDetailView(PermissionRequiredMixin, View):
    permission_required = "clinics.view_networkimport"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = get_object_or_404(NetworkImport, pk=pk)
        return render(request, "clinics/network_import_detail.html", {"job": job})


class NetworkExportView(PermissionRequiredMixin, View):
    permission_required = "clinics.view_clinic"

    def get(self, request: HttpRequest) -> HttpResponse:
        with transaction.atomic():  # one consistent snapshot
            text = network.export(selectors.network_document())
        response = HttpResponse(text, content_type="application/json")
        response["Content-Disposition"] = 'attachment; filename="network.json"'
        return response
