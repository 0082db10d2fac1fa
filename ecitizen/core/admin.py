from django.contrib import admin

from ecitizen.core.models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only and written only by services."""

    list_display = ("created_at", "action", "actor_email", "agency", "subject_type", "subject_id", "ip")
    list_filter = ("action", "agency")
    search_fields = ("actor_email", "subject_id", "request_id")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
