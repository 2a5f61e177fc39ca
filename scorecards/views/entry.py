"""Entered KPI values, the KPI CSV import, and targets."""

from __future__ import annotations

import csv
import io
from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from clinics.models import Clinic
from growthplan.errors import DomainError
from scorecards import compute, formatting, importers, selectors, services
from scorecards.forms import (
    MeasurementForm,
    MeasurementImportForm,
    TargetForm,
)
from scorecards.models import (
    KPI,
    Measurement,
    MeasurementSource,
    ScopeType,
    Source,
    Target,
    TargetSource,
)

VIEW_MEASUREMENTS = "scorecards.view_measurement"
ADD_MEASUREMENT = "scorecards.add_measurement"
VIEW_TARGETS = "scorecards.view_target"
PAGE_SIZE = 50
# Lists read from the network down to clinics.
SCOPE_ORDER = Case(
    *(When(scope_type=kind, then=Value(i)) for i, kind in enumerate(ScopeType.values)),
    output_field=IntegerField(),
)
SHOWN_ERRORS = 500  # a file with more bad rows lists the first ones and counts the rest
TARGET_SOURCE_HELP = {
    TargetSource.BOARD: "Recorded by an administrator for the board.",
    TargetSource.BENCHMARK: "An industry rule of thumb, until the board sets its own.",
    TargetSource.CAPACITY: "Σ of the capped new-patient targets; recomputed on every refresh.",
}


def _bounds_text(low: float | None, high: float | None, unit: str) -> str:
    """One colour's bounds, short: "≥ 85.0 %", "≤ 8.0 %", "85.0–95.0 %"; — when open."""
    if low is not None and high is not None:
        a, suffix = formatting.number_text(low, unit)
        return f"{a}–{formatting.number_text(high, unit)[0]}{suffix}"
    if low is not None:
        return f"≥ {formatting.value_text(low, unit)}"
    if high is not None:
        return f"≤ {formatting.value_text(high, unit)}"
    return "—"


def _scope_names() -> dict[str, str]:
    return dict(selectors.scope_choices())


def _scope_key(scope_type: str, scope_code: str) -> str:
    return scope_type if not scope_code else f"{scope_type}:{scope_code}"


def _query(request: HttpRequest, *names: str) -> dict[str, str]:
    return {n: request.GET.get(n, "").strip() for n in names if request.GET.get(n, "").strip()}


def _filtered(queryset, filters: dict[str, str]):
    """Narrow a Measurement or Target queryset by ?kpi=CODE&scope=KEY&period=…&source=…."""
    if "kpi" in filters:
        queryset = queryset.filter(kpi__code=filters["kpi"])
    if "scope" in filters:
        try:
            scope_type, scope_code = importers.scope_parse(filters["scope"])
        except ValueError:
            return queryset.none()
        queryset = queryset.filter(scope_type=scope_type, scope_code=scope_code)
    if "period" in filters:
        queryset = queryset.filter(period=filters["period"].upper())
    if "source" in filters:
        queryset = queryset.filter(source=filters["source"])
    return queryset


def _page_of(request: HttpRequest, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


class MeasurementListView(PermissionRequiredMixin, View):
    """Entered KPI values, filtered by KPI, scope and period, and a form to enter one."""

    permission_required = VIEW_MEASUREMENTS

    def get(self, request: HttpRequest) -> HttpResponse:
        filters = _query(request, "kpi", "scope")
        initial = {
            **filters,
            "period": compute.latest_complete(compute.MONTH, timezone.localdate()).label,
        }
        return self.page(request, MeasurementForm(initial=initial))

    def post(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm(ADD_MEASUREMENT):
            raise PermissionDenied("operations, marketing and administrators enter KPI values")
        form = MeasurementForm(request.POST)
        if form.is_valid():
            try:
                saved = services.measurement_save(**form.service_arguments(), user=request.user)
            except ValidationError as exc:
                form.add_service_errors(exc.message_dict)
            else:
                key = _scope_key(saved.scope_type, saved.scope_code)
                messages.success(
                    request,
                    f"Saved {saved.kpi.name} for {_scope_names().get(key, key)} in "
                    f"{saved.period}: {formatting.value_text(saved.value, saved.kpi.unit)}. "
                    "Roll-ups and derived KPIs are refreshed in the background.",
                )
                query = urlencode({"kpi": saved.kpi.code})
                return redirect(f"{reverse('scorecard-measurements')}?{query}")
        return self.page(request, form, status=400)

    def page(self, request: HttpRequest, form: MeasurementForm, status: int = 200):
        filters = _query(request, "kpi", "scope", "period")
        entered = Measurement.objects.filter(source=MeasurementSource.ENTERED).select_related(
            "kpi", "entered_by"
        )
        entered = _filtered(entered, filters).order_by(
            "-period_start", "kpi__name", SCOPE_ORDER, "scope_code"
        )
        page = _page_of(request, entered)
        names = _scope_names()
        rows = [
            {
                "m": m, "scope": names.get(_scope_key(m.scope_type, m.scope_code), m.scope_code),
                "value": formatting.value_text(m.value, m.kpi.unit),
            }
            for m in page
        ]  # fmt: skip
        context = {
            "form": form if request.user.has_perm(ADD_MEASUREMENT) else None,
            "rows": rows, "page": page, "filters": filters,
            "kpis": KPI.objects.filter(source=Source.ENTERED).order_by("name"),
            "scopes": selectors.scope_choices(),
            "paging": urlencode(filters),
        }  # fmt: skip
        return render(request, "scorecards/measurements.html", context, status=status)


def _template_rows(today: date) -> list[list[str]]:
    """Example rows for the import page and the template file, with this network's codes."""
    month = compute.latest_complete(compute.MONTH, today)
    quarter = compute.latest_complete(compute.QUARTER, today)
    clinic = Clinic.objects.order_by("code").values_list("code", flat=True).first() or "C01"
    region = (
        Clinic.objects.order_by("code").values_list("region__code", flat=True).first() or "NORTH"
    )
    return [
        ["patient_satisfaction", f"clinic:{clinic}", month.label, "", "412", "480",
         "Top box of the survey vendor"],
        ["patient_satisfaction", f"clinic:{clinic}", compute.periods_back(month, 2)[0].label,
         "0.86", "", "", "Counts not known"],
        ["net_patient_revenue", f"clinic:{clinic}", month.label, "1250000", "", "", ""],
        ["operating_expense", f"clinic:{clinic}", month.label, "1100000", "", "", ""],
        ["referrals", f"clinic:{clinic}", month.label, "57", "", "", ""],
        ["quality_score", f"region:{region}", quarter.label, "", "41", "50", ""],
        ["clinical_staff_turnover", "network", quarter.label, "", "6", "120",
         "Leavers ÷ average headcount"],
    ]  # fmt: skip


class MeasurementImportView(PermissionRequiredMixin, View):
    """Upload a KPI CSV: every row checked, all or nothing; a dry run only reports."""

    permission_required = VIEW_MEASUREMENTS

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.page(request, MeasurementImportForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm(ADD_MEASUREMENT):
            raise PermissionDenied("operations, marketing and administrators import KPI values")
        form = MeasurementImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.page(request, form, status=400)
        upload = form.cleaned_data["file"]
        dry_run = form.cleaned_data["dry_run"]
        try:
            summary = services.measurements_import(
                content=upload.read(), user=request.user, dry_run=dry_run
            )
        except importers.ImportFileError as exc:
            return self.page(request, form, status=400, errors=exc.errors, filename=upload.name)
        return self.page(request, MeasurementImportForm(), summary=summary, filename=upload.name)

    def page(self, request, form, status=200, errors=None, summary=None, filename=""):
        context = {
            "form": form if request.user.has_perm(ADD_MEASUREMENT) else None,
            "errors": errors[:SHOWN_ERRORS] if errors else [],
            "errors_total": len(errors or []),
            "errors_more": max(len(errors or []) - SHOWN_ERRORS, 0),
            "summary": summary, "filename": filename,
            "columns": importers.COLUMNS, "example": _template_rows(timezone.localdate()),
            "kpis": KPI.objects.filter(source=Source.ENTERED, active=True).order_by("name"),
        }  # fmt: skip
        return render(request, "scorecards/measurement_import.html", context, status=status)


class MeasurementTemplateView(PermissionRequiredMixin, View):
    """The KPI import's columns with example rows, as a CSV to fill in."""

    permission_required = VIEW_MEASUREMENTS

    def get(self, request: HttpRequest) -> HttpResponse:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(importers.COLUMNS)
        writer.writerows(_template_rows(timezone.localdate()))
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="kpi-values-template.csv"'
        return response


class TargetListView(PermissionRequiredMixin, View):
    """Every target with its thresholds and where it came from; administrators change them."""

    permission_required = VIEW_TARGETS

    def get(self, request: HttpRequest) -> HttpResponse:
        filters = _query(request, "kpi", "scope", "source")
        targets = _filtered(Target.objects.select_related("kpi", "set_by"), filters).order_by(
            "kpi__name", SCOPE_ORDER, "scope_code", "-period_from", "period_kind"
        )
        page = _page_of(request, targets)
        names = _scope_names()
        rows = []
        for t in page:
            thresholds = selectors.thresholds_of(t)
            rows.append({
                "t": t, "scope": names.get(_scope_key(t.scope_type, t.scope_code), t.scope_code),
                "from": compute.month_label(t.period_from),
                "to": compute.month_label(t.period_to) if t.period_to else "",
                "green": _bounds_text(t.green_min, t.green_max, t.kpi.unit),
                "amber": _bounds_text(t.amber_min, t.amber_max, t.kpi.unit),
                "thresholds": formatting.thresholds_words(t.kpi.unit, thresholds),
                "computed": t.source == TargetSource.CAPACITY,
            })  # fmt: skip
        context = {
            "rows": rows, "page": page, "filters": filters, "paging": urlencode(filters),
            "kpis": KPI.objects.order_by("name"), "scopes": selectors.scope_choices(),
            "sources": TargetSource.choices, "source_help": TARGET_SOURCE_HELP,
        }  # fmt: skip
        return render(request, "scorecards/targets.html", context)


class _TargetFormView(PermissionRequiredMixin, View):
    mode = "edit"

    def target(self, pk: int | None) -> Target | None:
        if pk is None:
            return None
        return get_object_or_404(Target.objects.select_related("kpi"), pk=pk)

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        target = self.target(pk)
        if target is not None:
            initial = TargetForm.initial_of(target)
        else:
            initial = {
                "source": TargetSource.BOARD,
                "period_from": compute.latest_complete(compute.MONTH, timezone.localdate()).label,
                **_query(request, "kpi", "scope"),
            }
        return self.page(request, TargetForm(initial=initial), target)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        target = self.target(pk)
        form = TargetForm(request.POST)
        if form.is_valid():
            try:
                saved = services.target_save(
                    **form.service_arguments(), user=request.user, target=target
                )
            except ValidationError as exc:
                form.add_service_errors(exc.message_dict)
            else:
                messages.success(request, f"Saved the target for {saved.kpi.name}.")
                query = urlencode({"kpi": saved.kpi.code})
                return redirect(f"{reverse('scorecard-targets')}?{query}")
        return self.page(request, form, target, status=400)

    def page(self, request, form, target, status=200):
        kpis = KPI.objects.filter(active=True).order_by("name")
        context = {
            "form": form, "target": target, "mode": self.mode,
            "directions": {k.code: (k.direction, k.unit) for k in kpis},
            "computed": target is not None and target.source == TargetSource.CAPACITY,
        }  # fmt: skip
        return render(request, "scorecards/target_form.html", context, status=status)


class TargetCreateView(_TargetFormView):
    permission_required = "scorecards.add_target"
    mode = "create"


class TargetEditView(_TargetFormView):
    permission_required = "scorecards.change_target"


class TargetDeleteView(PermissionRequiredMixin, View):
    permission_required = "scorecards.delete_target"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.page(request, get_object_or_404(Target.objects.select_related("kpi"), pk=pk))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        target = get_object_or_404(Target.objects.select_related("kpi"), pk=pk)
        if request.POST.get("confirm") != "yes":
            return self.page(request, target, status=400)
        try:
            services.target_delete(target=target, user=request.user)
        except DomainError as exc:
            return self.page(request, target, status=409, refusal=exc.message)
        messages.success(request, f"Deleted a target of {target.kpi.name}.")
        return redirect(f"{reverse('scorecard-targets')}?{urlencode({'kpi': target.kpi.code})}")

    def page(self, request, target, status=200, refusal=""):
        thresholds = selectors.thresholds_of(target)
        context = {
            "target": target, "mode": "delete", "refusal": refusal,
            "scope": _scope_names().get(
                _scope_key(target.scope_type, target.scope_code), target.scope_code
            ),
            "thresholds": formatting.thresholds_words(target.kpi.unit, thresholds),
            "computed": target.source == TargetSource.CAPACITY,
        }  # fmt: skip
        return render(request, "scorecards/target_form.html", context, status=status)
