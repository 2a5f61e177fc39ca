from django.contrib import admin

from capacity.models import Appointment, AppointmentImport


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
