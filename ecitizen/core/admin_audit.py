"""Django admin changes are staff actions too: each one writes an audit row."""

from __future__ import annotations

from django.contrib import admin
from django.db import transaction

from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction


class AuditedModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose saves and deletes are audited in the same transaction.

    The audit row names the changed fields, never their values.
    """

    def _subject_user(self, obj):
        from django.contrib.auth import get_user_model

        User = get_user_model()  # core names no other app
        if isinstance(obj, User):
            return obj
        return getattr(obj, "user", None) if isinstance(getattr(obj, "user", None), User) else None

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_record(
                actor=request.user,
                action=AuditAction.ADMIN_OBJECT_CHANGED if change else AuditAction.ADMIN_OBJECT_ADDED,
                subject=obj,
                subject_user=self._subject_user(obj),
                extra={"fields": list(form.changed_data)},
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_record(
                actor=request.user,
                action=AuditAction.ADMIN_OBJECT_DELETED,
                subject=obj,
                subject_user=self._subject_user(obj),
                extra={"repr": str(obj)[:200]},
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """For records that change only through services (audited there): the admin shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
