"""Admin for the KPI dictionary, targets, measurements and the maturity rubric.

Administrators add KPIs here (entered ones: nothing computes a new KPI); built-in KPIs keep
the code, unit, direction, frequency, source and roll-up the formulas rely on. Targets are
saved through `services.target_save`, so the admin checks what the pages and the API check.
Measurements are read-mostly: entered values may be deleted, everything else is the refresh's.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin

from scorecards import services
from scorecards.models import (
    KPI,
    MaturityDimension,
    Measurement,
    MeasurementSource,
    Source,
    Target,
    TargetSource,
)

BUILT_IN_FIXED = ("code", "unit", "direction", "frequency", "source", "aggregation", "built_in")


class KpiForm(forms.ModelForm):
    class Meta:
        model = KPI
        fields = (
            "code", "name", "perspective", "unit", "direction", "frequency", "source",
            "aggregation", "owner", "definition", "house_metric", "drivers", "active",
        )  # fmt: skip

    def clean_source(self) -> str:
        source = self.cleaned_data["source"]
        if source != Source.ENTERED:
            raise forms.ValidationError(
                "a KPI added here is entered or imported: computed and derived KPIs are "
                "worked out by Growthplan's own formulas"
            )
        return source


@admin.register(KPI)
class KpiAdmin(admin.ModelAdmin):
    form = KpiForm
    list_display = ("name", "code", "perspective", "unit", "direction", "frequency", "source",
                    "owner", "active")  # fmt: skip
    list_filter = ("perspective", "source", "unit", "active", "built_in")
    search_fields = ("code", "name", "definition")

    def get_readonly_fields(self, request, obj=None):
        return BUILT_IN_FIXED if obj is not None and obj.built_in else ("built_in",)

    def has_delete_permission(self, request, obj=None) -> bool:
        # A built-in KPI is part of the product (and would come back on the next migrate);
        # deactivate it instead.
        if obj is not None and obj.built_in:
            return False
        return super().has_delete_permission(request, obj)


class TargetAdminForm(forms.ModelForm):
    class Meta:
        model = Target
        fields = ("kpi", "scope_type", "scope_code", "period_from", "period_to", "period_kind",
                  "green_min", "green_max", "amber_min", "amber_max", "source", "note")  # fmt: skip

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        _thresholds, errors = services.target_check(
            kpi=data.get("kpi"), scope_type=data.get("scope_type") or "",
            scope_code=data.get("scope_code") or "", period_from=data.get("period_from"),
            period_to=data.get("period_to"), period_kind=data.get("period_kind") or "",
            green_min=data.get("green_min"), green_max=data.get("green_max"),
            amber_min=data.get("amber_min"), amber_max=data.get("amber_max"),
            source=data.get("source") or "", target=self.instance if self.instance.pk else None,
        )  # fmt: skip
        for name, problems in errors.items():
            field = "scope_code" if name == "scope" else name
            self.add_error(field if field in self.fields else None, problems)
        return data


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    form = TargetAdminForm
    list_display = ("kpi", "scope_type", "scope_code", "period_from", "period_to", "period_kind",
                    "green_min", "green_max", "amber_min", "amber_max", "source")  # fmt: skip
    list_filter = ("source", "scope_type", "period_kind", "kpi")
    search_fields = ("kpi__code", "kpi__name", "scope_code", "note")
    readonly_fields = ("set_by", "updated_at")

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.source == TargetSource.CAPACITY:
            return False  # recomputed on every refresh
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.source == TargetSource.CAPACITY:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change) -> None:
        # The form has put its values on `obj`; the service checks them again and saves it.
        data = form.cleaned_data
        services.target_save(
            kpi=data["kpi"], scope_type=data["scope_type"], scope_code=data["scope_code"],
            period_from=data["period_from"], period_to=data["period_to"],
            period_kind=data["period_kind"], green_min=data["green_min"],
            green_max=data["green_max"], amber_min=data["amber_min"],
            amber_max=data["amber_max"], source=data["source"], note=data["note"],
            user=request.user, target=obj,
        )  # fmt: skip

    def delete_model(self, request, obj) -> None:
        services.target_delete(target=obj, user=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for target in queryset.exclude(source=TargetSource.CAPACITY):
            services.target_delete(target=target, user=request.user)


@admin.register(Measurement)
class MeasurementAdmin(admin.ModelAdmin):
    """Read-mostly: values are entered on the scorecard pages, the import or the API."""

    list_display = ("kpi", "scope_type", "scope_code", "period", "value", "numerator",
                    "denominator", "source", "entered_by", "updated_at")  # fmt: skip
    list_filter = ("source", "scope_type", "kpi")
    search_fields = ("kpi__code", "scope_code", "period", "note")
    date_hierarchy = "period_start"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.source != MeasurementSource.ENTERED:
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj) -> None:
        services.measurements_delete(measurements=[obj])

    def delete_queryset(self, request, queryset) -> None:
        services.measurements_delete(measurements=list(queryset))


class MaturityDimensionForm(forms.ModelForm):
    class Meta:
        model = MaturityDimension
        fields = ("code", "name", "order", "rubric")

    def clean_rubric(self):
        rubric = self.cleaned_data["rubric"]
        levels = [str(n) for n in range(1, 6)]
        if not isinstance(rubric, dict) or sorted(rubric) != levels:
            raise forms.ValidationError('describe each level 1 to 5: {"1": "…", …, "5": "…"}')
        empty = [k for k in levels if not str(rubric[k]).strip()]
        if empty:
            raise forms.ValidationError(f"describe level {', '.join(empty)}")
        return rubric


@admin.register(MaturityDimension)
class MaturityDimensionAdmin(admin.ModelAdmin):
    form = MaturityDimensionForm
    list_display = ("name", "code", "order")
    ordering = ("order", "code")
