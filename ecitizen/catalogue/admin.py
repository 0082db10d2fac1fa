"""Platform admins manage the catalogue's headings here; agency admins edit services in /staff/services/."""

from django.contrib import admin

from ecitizen.catalogue.models import Category, LifeEvent
from ecitizen.core.admin_audit import AuditedModelAdmin


@admin.register(Category)
class CategoryAdmin(AuditedModelAdmin):
    list_display = ("__str__", "slug", "position")
    ordering = ("position", "slug")


@admin.register(LifeEvent)
class LifeEventAdmin(AuditedModelAdmin):
    list_display = ("__str__", "slug", "position")
    ordering = ("position", "slug")
