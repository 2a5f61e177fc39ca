from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from clinics import compute, selectors, services
from clinics.models import (
    Clinic,
    ClinicHours,
    Closure,
    NetworkImport,
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


class SupplyAdmin(admin.ModelAdmin):
    """Supply edited in the admin queues the same recompute as through the API and pages
    (`services.supply_replan`), once the record and its inlines are saved; deletes go
    through the services too."""

    def save_model(self, request, obj, form, change) -> None:
        # Where the record fed supply before this save (read from the database, since the
        # form has already set the new values on `obj`); save_related gets the same form.
        form.supply_before = selectors.supply_clinic_ids(model=type(obj), pks=[obj.pk])
        form.supply_before_record = type(obj).objects.filter(pk=obj.pk).first()
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        fields = set(form.changed_data) | {f.prefix for f in formsets if f.has_changed()}
        services.supply_replan(
            record=form.instance, created=not change, fields=fields, before=form.supply_before,
            before_record=form.supply_before_record,
        )  # fmt: skip

    def delete_model(self, request, obj) -> None:
        services.record_delete(instance=obj)

    def delete_queryset(self, request, queryset) -> None:
        services.records_delete(instances=queryset)


@admin.register(User)
class GrowthplanUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Scope", {"fields": ("organization",)}))
    list_display = ("username", "email", "organization", "is_staff", "is_active")
    list_filter = ("groups", "organization", "is_staff", "is_active")


class RegionInline(admin.TabularInline):
    model = Region
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")
    inlines = [RegionInline]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "organization")
    list_filter = ("organization",)
    search_fields = ("code", "name")


@admin.register(ServiceLine)
class ServiceLineAdmin(SupplyAdmin):
    list_display = ("code", "name", "followup_profile")
    search_fields = ("code", "name")


class ClinicHoursInline(admin.TabularInline):
    model = ClinicHours
    extra = 0
    max_num = 7


@admin.register(Clinic)
class ClinicAdmin(SupplyAdmin):
    list_display = ("code", "name", "region", "timezone", "exam_rooms", "target_utilization")
    list_filter = ("region", "service_lines")
    search_fields = ("code", "name")
    filter_horizontal = ("service_lines",)
    inlines = [ClinicHoursInline]


@admin.register(ClinicHours)
class ClinicHoursAdmin(SupplyAdmin):
    list_display = ("clinic", "weekday", "opens", "closes")
    list_filter = ("weekday",)


@admin.register(VisitType)
class VisitTypeAdmin(SupplyAdmin):
    list_display = ("code", "name", "minutes", "is_new_patient", "service_line", "credentials")
    list_filter = ("service_line", "is_new_patient")
    search_fields = ("code", "name")


class BlockFormSet(BaseInlineFormSet):
    """Checks the blocks together: a new set of blocks is judged as a whole, not row by row."""

    def clean(self) -> None:
        super().clean()
        rows = [
            f.cleaned_data
            for f in self.forms
            if f.cleaned_data
            and not f.cleaned_data.get("DELETE")
            and f.cleaned_data.get("start")
            and f.cleaned_data.get("end")
        ]
        blocks = [
            compute.Block(
                d["weekday"],
                d["start"],
                d["end"],
                d["visit_type"].minutes if d.get("visit_type") else None,
                d["visit_type"].code if d.get("visit_type") else None,
            )
            for d in rows
        ]
        problems = compute.block_problems(blocks)
        if problems:
            raise ValidationError(
                [f"{blocks[p.index].describe()} ({p.field}): {p.message}" for p in problems]
            )


class TemplateBlockInline(admin.TabularInline):
    model = TemplateBlock
    formset = BlockFormSet
    extra = 1


@admin.register(ScheduleTemplate)
class ScheduleTemplateAdmin(SupplyAdmin):
    list_display = ("code", "name", "version", "updated_at")
    search_fields = ("code", "name")
    readonly_fields = ("version",)
    inlines = [TemplateBlockInline]


class AssignmentInline(admin.TabularInline):
    model = TemplateAssignment
    extra = 0


class AbsenceInline(admin.TabularInline):
    model = ProviderAbsence
    extra = 0


@admin.register(Provider)
class ProviderAdmin(SupplyAdmin):
    list_display = ("name", "npi", "credential", "service_line", "fte", "home_clinic", "left_on")
    list_filter = ("credential", "service_line", "home_clinic")
    search_fields = ("name", "npi")
    inlines = [AssignmentInline, AbsenceInline]


@admin.register(TemplateAssignment)
class TemplateAssignmentAdmin(SupplyAdmin):
    list_display = ("provider", "clinic", "template", "weekdays", "starts_on", "ends_on")
    list_filter = ("clinic", "template")
    search_fields = ("provider__name", "provider__npi")


@admin.register(Closure)
class ClosureAdmin(SupplyAdmin):
    list_display = ("clinic", "date", "start", "end", "reason")
    list_filter = ("clinic",)
    date_hierarchy = "date"


@admin.register(ProviderAbsence)
class ProviderAbsenceAdmin(SupplyAdmin):
    list_display = ("provider", "starts_on", "ends_on", "reason")
    search_fields = ("provider__name",)


@admin.register(NetworkImport)
class NetworkImportAdmin(admin.ModelAdmin):
    list_display = ("filename", "status", "dry_run", "created_by", "created_at", "finished_at")
    list_filter = ("status", "dry_run")
    readonly_fields = ("status", "problems", "summary", "started_at", "finished_at")
