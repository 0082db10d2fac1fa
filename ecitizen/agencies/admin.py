from django.contrib import admin
from django.db import transaction

from ecitizen.agencies import services
from ecitizen.agencies.forms import AgencyAdminForm
from ecitizen.agencies.models import Agency, IdentityReview, Membership, StaffRelative
from ecitizen.core.admin_audit import AuditedModelAdmin


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)
    readonly_fields = ("created_at",)


@admin.register(Agency)
class AgencyAdmin(AuditedModelAdmin):
    """Platform admins manage agencies here; every change goes through the services (audited)."""

    form = AgencyAdminForm
    list_display = ("name", "code", "is_active", "created_at")
    search_fields = ("name", "code")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline]

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        services.agency_save(actor=request.user, agency=obj, changed_fields=form.changed_data, created=not change)

    @transaction.atomic
    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for membership in formset.deleted_objects:
            services.membership_revoke(actor=request.user, membership=membership)
        for membership in instances:
            if membership.pk is None:
                services.membership_grant(
                    actor=request.user, agency=membership.agency, user=membership.user, role=membership.role
                )
            else:
                services.membership_change_role(actor=request.user, membership=membership)


@admin.register(StaffRelative)
class StaffRelativeAdmin(AuditedModelAdmin):
    """Platform admins can correct declarations (every change is audited)."""

    list_display = ("staff", "relative", "relationship", "created_at")
    search_fields = ("staff__email", "relative__email")
    autocomplete_fields = ("staff", "relative", "declared_by")


@admin.register(IdentityReview)
class IdentityReviewAdmin(AuditedModelAdmin):
    list_display = ("created_at", "reason", "agency", "account", "holder", "closed_at")
    list_filter = ("reason", "agency")
    readonly_fields = ("created_at", "reason", "agency", "raised_by", "account", "holder")
