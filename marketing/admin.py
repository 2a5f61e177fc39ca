from django.contrib import admin

from marketing.models import GoalChange, NewPatientGoal


class GoalChangeInline(admin.TabularInline):
    model = GoalChange
    extra = 0
    can_delete = False
    readonly_fields = ("at", "user", "field", "old", "new", "note")

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # the history is written by the services, never by hand


@admin.register(NewPatientGoal)
class NewPatientGoalAdmin(admin.ModelAdmin):
    """Read-mostly: goals change through the goal services, which keep caps and history."""

    list_display = ("clinic", "service_line", "month", "requested", "cap", "target", "status")
    list_filter = ("status", "service_line", "clinic")
    date_hierarchy = "month"
    readonly_fields = (
        "cap", "binding_constraint", "target", "status", "requested_by", "decided_by",
        "decided_at", "decision_reason", "version",
    )  # fmt: skip
    inlines = [GoalChangeInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
