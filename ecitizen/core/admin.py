from django.contrib import admin

from ecitizen.core.admin_audit import ReadOnlyModelAdmin
from ecitizen.core.models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyModelAdmin):
    """Read-only: the audit log is append-only and written only by services."""

    list_display = ("created_at", "action", "actor_email", "agency", "subject_type", "subject_id", "ip")
    list_filter = ("action", "agency")
    search_fields = ("actor_email", "subject_id", "request_id")
    date_hierarchy = "created_at"
