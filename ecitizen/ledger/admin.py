from django.contrib import admin

from ecitizen.core.admin_audit import AuditedModelAdmin, ReadOnlyModelAdmin
from ecitizen.ledger.models import Cosignature, LogEntry, LogKey, SignedCheckpoint, Witness


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnlyModelAdmin):
    list_display = ("index", "kind", "key", "queued_at", "integrated_at")
    list_filter = ("kind",)
    search_fields = ("key",)
    fields = ("index", "kind", "key", "text", "queued_at", "integrated_at")
    readonly_fields = ("text",)


@admin.register(SignedCheckpoint)
class SignedCheckpointAdmin(ReadOnlyModelAdmin):
    list_display = ("size", "created_at")
    fields = ("size", "note", "created_at")


@admin.register(LogKey)
class LogKeyAdmin(ReadOnlyModelAdmin):
    list_display = ("name", "is_active", "created_at", "retired_at")
    fields = ("name", "vkey", "is_active", "created_at", "retired_at")
    readonly_fields = ("vkey",)


@admin.register(Cosignature)
class CosignatureAdmin(ReadOnlyModelAdmin):
    list_display = ("checkpoint", "witness", "signed_at", "received_at")


@admin.register(Witness)
class WitnessAdmin(AuditedModelAdmin):
    """Witnesses are registered by the log's operator: their verifier key, from ``witness init``."""

    list_display = ("name", "is_active", "url", "added_at")
    fields = ("name", "vkey", "url", "description", "is_active")

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: its past cosignatures stay on record
