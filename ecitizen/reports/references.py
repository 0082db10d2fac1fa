"""How problem reports, report categories and areas read in the audit log (registered in ReportsConfig.ready())."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from ecitizen.core.i18n import pick
from ecitizen.core.references import ObjectReference, int_keys, register_reference, visible_keys
from ecitizen.reports.models import Area, Category, Report
from ecitizen.reports.policies import area_policy, category_policy, staff_report_policy


def report_references(viewer: Any, pks: Sequence[str]) -> dict[str, ObjectReference]:
    """ "Problem report #12: Deep pot-hole", linked to the staff page for staff of its agency."""
    keys = int_keys(pks)
    visible = visible_keys(staff_report_policy.scope(viewer, "view"), keys)
    return {
        str(pk): ObjectReference(
            kind=_("Problem report"),
            text=f"#{pk} {title}".strip(),
            url=reverse("reports_staff:detail", args=[pk]) if pk in visible else "",
        )
        for pk, title in Report.objects.filter(pk__in=keys).values_list("pk", "title")
    }


def category_references(viewer: Any, pks: Sequence[str]) -> dict[str, ObjectReference]:
    keys = int_keys(pks)
    visible = visible_keys(category_policy.scope(viewer, "edit"), keys)
    return {
        str(pk): ObjectReference(
            kind=_("Report category"),
            text=pick(name) or code,
            url=reverse("reports_staff:category_edit", args=[pk]) if pk in visible else "",
        )
        for pk, name, code in Category.objects.filter(pk__in=keys).values_list("pk", "name", "code")
    }


def area_references(viewer: Any, pks: Sequence[str]) -> dict[str, ObjectReference]:
    keys = int_keys(pks)
    visible = visible_keys(area_policy.scope(viewer, "view"), keys)
    return {
        str(pk): ObjectReference(
            kind=_("Area"),
            text=pick(name),
            url=reverse("reports_staff:area_detail", args=[pk]) if pk in visible else "",
        )
        for pk, name in Area.objects.filter(pk__in=keys).values_list("pk", "name")
    }


def register() -> None:
    register_reference("reports.report", report_references)
    register_reference("reports.category", category_references)
    register_reference("reports.area", area_references)
