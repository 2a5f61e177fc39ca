from django.contrib import admin

from capacity.models import Appointment, AppointmentImport, ImportedSlot, ThirdNextAvailable


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ("external_id", "source", "clinic", "provider", "visit_type", "start", "status")
    list_filter = ("status", "source", "clinic", "is_new_patient")
    search_fields = ("external_id",)
    date_hierarchy = "local_date"
    raw_id_fields = ("provider",)


@admin.register(AppointmentImport)
class AppointmentImportAdmin(admin.ModelAdmin):
    list_display = ("filename", "source", "state", "dry_run", "created_by", "created_at")
    list_filter = ("state", "dry_run")
    exclude = ("content",)
    readonly_fields = ("state", "rows_total", "rows_done", "problems", "summary", "finished_at")


@admin.register(ImportedSlot)
class ImportedSlotAdmin(admin.ModelAdmin):
    list_display = (
        "external_id",
        "source",
        "clinic",
        "provider",
        "local_date",
        "start",
        "available",
    )
    list_filter = ("available", "busy", "source", "clinic")
    search_fields = ("external_id",)
    date_hierarchy = "local_date"
    raw_id_fields = ("provider",)


@admin.register(ThirdNextAvailable)
class ThirdNextAvailableAdmin(admin.ModelAdmin):
    list_display = ("date", "clinic", "provider", "is_new_patient", "days", "censored")
    list_filter = ("is_new_patient", "censored", "clinic")
    date_hierarchy = "date"
    raw_id_fields = ("provider",)

    def has_add_permission(self, request) -> bool:
        return False  # recorded by the daily job, never typed in

    def has_change_permission(self, request, obj=None) -> bool:
        return False
