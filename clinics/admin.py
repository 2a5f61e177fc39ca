from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from clinics import compute
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
class ServiceLineAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "followup_profile")
    search_fields = ("code", "name")


class ClinicHoursInline(admin.TabularInline):
    model = ClinicHours
    extra = 0
    max_num = 7


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "region", "timezone", "exam_rooms", "target_utilization")
    list_filter = ("region", "service_lines")
    search_fields = ("code", "name")
    filter_horizontal = ("service_lines",)
    inlines = [ClinicHoursInline]


@admin.register(ClinicHours)
class ClinicHoursAdmin(admin.ModelAdmin):
    list_display = ("clinic", "weekday", "opens", "closes")
    list_filter = ("weekday",)


@admin.register(VisitType)
class VisitTypeAdmin(admin.ModelAdmin):
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
class ScheduleTemplateAdmin(admin.ModelAdmin):
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
class ProviderAdmin(admin.ModelAdmin):
    list_display = ("name", "npi", "credential", "service_line", "fte", "home_clinic", "left_on")
    list_filter = ("credential", "service_line", "home_clinic")
    search_fields = ("name", "npi")
    inlines = [AssignmentInline, AbsenceInline]


@admin.register(TemplateAssignment)
class TemplateAssignmentAdmin(admin.ModelAdmin):
    list_display = ("provider", "clinic", "template", "weekdays", "starts_on", "ends_on")
    list_filter = ("clinic", "template")
    search_fields = ("provider__name", "provider__npi")


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ("clinic", "date", "start", "end", "reason")
    list_filter = ("clinic",)
    date_hierarchy = "date"


@admin.register(ProviderAbsence)
class ProviderAbsenceAdmin(admin.ModelAdmin):
    list_display = ("provider", "starts_on", "ends_on", "reason")
    search_fields = ("provider__name",)


@admin.register(NetworkImport)
class NetworkImportAdmin(admin.ModelAdmin):
    list_display = ("filename", "status", "dry_run", "created_by", "created_at", "finished_at")
    list_filter = ("status", "dry_run")
    readonly_fields = ("status", "problems", "summary", "started_at", "finished_at")
