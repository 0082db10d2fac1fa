from django.contrib import admin

from ecitizen.core.admin_audit import ReadOnlyModelAdmin
from ecitizen.documents.models import IssuedDocument, SigningKey


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(ReadOnlyModelAdmin):
    list_display = ("number", "kind", "agency", "valid_from", "valid_until", "issued_at", "revoked_at")
    list_filter = ("kind", "agency")
    search_fields = ("number",)
    exclude = ("token",)


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnlyModelAdmin):
    list_display = ("kid", "is_active", "created_at", "retired_at")
    fields = ("kid", "public_key", "is_active", "created_at", "retired_at")
