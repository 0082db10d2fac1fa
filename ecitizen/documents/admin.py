from django.contrib import admin

from ecitizen.documents.models import IssuedDocument, SigningKey


class ReadOnlyAdmin(admin.ModelAdmin):
    """Documents and keys change only through services (audited): the admin just shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(ReadOnlyAdmin):
    list_display = ("number", "kind", "agency", "valid_from", "valid_until", "issued_at", "revoked_at")
    list_filter = ("kind", "agency")
    search_fields = ("number",)
    exclude = ("token",)


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnlyAdmin):
    list_display = ("kid", "is_active", "created_at", "retired_at")
    fields = ("kid", "public_key", "is_active", "created_at", "retired_at")
