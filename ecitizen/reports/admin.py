"""Platform admins' view of Report a problem.

Agency admins edit their categories and areas in /staff/reports/. Here platform
admins add the areas of bodies that are *not* on the platform ("who is
responsible" areas: no agency, a responsible name and contact), and read
categories, reports and Open311 apps. Reports change only through the audited
services of the back office; Open311 keys are issued by their own pages.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecitizen.core.admin_audit import AuditedModelAdmin, ReadOnlyModelAdmin
from ecitizen.reports import geo
from ecitizen.reports.models import ApiClient, Area, Category, Report


class AreaAdminForm(forms.ModelForm):
    geometry = forms.CharField(
        label=_("Shape (GeoJSON)"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("A Polygon, MultiPolygon, Feature or FeatureCollection with [longitude, latitude] positions."),
    )

    class Meta:
        model = Area
        fields = ("agency", "name", "responsible_name", "responsible_contact", "geometry", "is_active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and isinstance(self.instance.geometry, dict):
            self.initial["geometry"] = json.dumps(self.instance.geometry)

    def clean_geometry(self):
        return geo.parse_area_geojson(self.cleaned_data["geometry"])

    def clean(self):
        data = super().clean()
        if not data.get("agency") and not (data.get("responsible_name") or {}):
            raise ValidationError(_("An area without an agency must name the body responsible for it."))
        return data

    def save(self, commit=True):
        area = super().save(commit=False)
        area.set_geometry(self.cleaned_data["geometry"])
        if commit:
            area.save()
        return area


def _relink(area: Area) -> None:
    from ecitizen.reports.area_links import relink_area_later

    relink_area_later(area)


@admin.register(Area)
class AreaAdmin(AuditedModelAdmin):
    form = AreaAdminForm
    list_display = ("__str__", "agency", "responsible_contact", "is_active")
    list_filter = ("is_active", "agency")
    readonly_fields = ("min_lat", "max_lat", "min_lng", "max_lng", "size")

    def has_delete_permission(self, request, obj=None):
        return False  # reports keep their area; deactivate instead

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change or "geometry" in form.changed_data:
            _relink(obj)


@admin.register(Category)
class CategoryAdmin(AuditedModelAdmin):
    """Read-mostly: agency admins edit categories (validated, audited) in the back office."""

    list_display = ("__str__", "code", "agency", "response_days", "is_active")
    list_filter = ("is_active", "agency")
    search_fields = ("code", "keywords")
    fields = ("agency", "code", "name", "group", "guidance", "keywords", "questions", "response_days", "is_active")
    readonly_fields = ("agency", "code", "name", "group", "guidance", "keywords", "questions", "response_days")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(ReadOnlyModelAdmin):
    list_display = ("__str__", "service_code", "agency", "status", "is_public", "created_at", "due_at")
    list_filter = ("status", "is_public", "source", "agency")
    search_fields = ("=id", "title", "service_code")
    list_select_related = ("agency",)
    show_full_result_count = False
    exclude = ("token",)
    ordering = ("-created_at", "-pk")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(ApiClient)
class ApiClientAdmin(ReadOnlyModelAdmin):
    list_display = ("name", "contact_email", "key_prefix", "is_active", "created_at", "revoked_at", "last_used_at")
    list_filter = ("is_active",)
    search_fields = ("name", "contact_email", "key_prefix")
    exclude = ("key_hash",)
