"""Capacity pages: appointment imports with their progress, and utilization."""

from __future__ import annotations

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from capacity import services
from capacity.forms import AppointmentImportForm
from capacity.models import AppointmentImport


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
