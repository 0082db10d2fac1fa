from django.contrib import admin

from ecitizen.accounts.models import Profile, User
from ecitizen.core.admin_audit import AuditedModelAdmin


@admin.register(User)
class UserAdmin(AuditedModelAdmin):
    list_display = ("email", "is_active", "is_staff", "is_superuser", "date_joined", "last_login")
    search_fields = ("email",)
    list_filter = ("is_staff", "is_superuser", "is_active")
    readonly_fields = ("password", "last_login", "date_joined")
    exclude = ("user_permissions",)


@admin.register(Profile)
class ProfileAdmin(AuditedModelAdmin):
    """Personal data is not shown here: the national ID stays encrypted out of sight."""

    list_display = ("user", "identity_verified", "verification_method", "verified_at")
    list_filter = ("identity_verified", "verification_method")
    search_fields = ("user__email",)
    fields = ("user", "preferred_language", "identity_verified", "verification_method", "verified_at", "verified_by")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
