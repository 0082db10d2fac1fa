"""The header's back-office navigation: one link per area a staff member's roles open.

Listed in ``TEMPLATES`` as a context processor. ``staff_navigation`` is lazy: it is worked out
(with one query for the roles) only on pages that show it, that is in the back office.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from ecitizen.agencies.models import Membership, Role
from ecitizen.agencies.policies import IdentityCheckPolicy
from ecitizen.agencies.selectors import can_read_every_audit_log
from ecitizen.cases.policies import CASE_ROLES
from ecitizen.engagement.areas import STAFF_NAMESPACES, staff_areas_for
from ecitizen.payments.staff_policies import PAYMENT_ROLES, REPORT_ROLES

# URL namespaces of the back office: there the header shows the staff navigation.
BACK_OFFICE_NAMESPACES = frozenset(
    {
        "staff",
        "cases_staff",
        "catalogue_staff",
        "documents_staff",
        "payments_staff",
        "taxes_staff",
        "reports_staff",
        "open311_staff",
    }
    | STAFF_NAMESPACES
)


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    namespaces: frozenset[str]
    url_names: frozenset[str] = frozenset()

    def is_active(self, namespace: str, url_name: str) -> bool:
        if namespace not in self.namespaces:
            return False
        return not self.url_names or url_name in self.url_names


def staff_navigation_for(user: Any) -> list[NavItem]:
    """The back-office areas *user* may open, in a fixed order, with short labels that fit one row."""
    if not getattr(user, "is_authenticated", False):
        return []
    roles = set(Membership.objects.filter(user=user, agency__is_active=True).values_list("role", flat=True))
    items: list[NavItem] = []
    if roles & set(CASE_ROLES):
        items.append(NavItem(_("Cases"), reverse("cases_staff:queue"), frozenset({"cases_staff"})))
    if roles & {Role.CASEWORKER, Role.AGENCY_ADMIN}:
        items.append(
            NavItem(_("Reports"), reverse("reports_staff:queue"), frozenset({"reports_staff", "open311_staff"}))
        )
    elif Role.MODERATOR in roles:
        items.append(NavItem(_("Moderation"), reverse("reports_staff:moderation"), frozenset({"reports_staff"})))
    if Role.AGENCY_ADMIN in roles:
        items.append(NavItem(_("Services"), reverse("catalogue_staff:list"), frozenset({"catalogue_staff"})))
    if user.is_superuser or roles & set(PAYMENT_ROLES + REPORT_ROLES):
        items.append(NavItem(_("Payments"), reverse("payments_staff:index"), frozenset({"payments_staff"})))
    if Role.AGENCY_ADMIN in roles:
        items.append(NavItem(_("Taxes"), reverse("taxes_staff:list"), frozenset({"taxes_staff"})))
    if roles & set(IdentityCheckPolicy.ROLES):
        items.append(
            NavItem(
                _("Identity checks"),
                reverse("staff:identity_check_start"),
                frozenset({"staff"}),
                frozenset({"identity_check_start", "identity_check_details"}),
            )
        )
    if staff_areas_for(user, roles):
        items.append(NavItem(_("Have your say"), reverse("engagement_staff:hub"), STAFF_NAMESPACES))
    if Role.AUDITOR in roles or can_read_every_audit_log(user):
        items.append(
            NavItem(_("Audit log"), reverse("staff:audit_log"), frozenset({"staff"}), frozenset({"audit_log"}))
        )
    return items


def staff_navigation(request) -> dict[str, Any]:
    """``in_back_office``: whether this page belongs to the back office; ``staff_navigation``:
    the items of :func:`staff_navigation_for` as ``{"label", "url", "active"}`` (lazy, so
    citizens' pages never ask)."""
    match = getattr(request, "resolver_match", None)
    namespace = getattr(match, "namespace", "") or ""
    url_name = getattr(match, "url_name", "") or ""

    def items() -> list[dict[str, Any]]:
        return [
            {"label": item.label, "url": item.url, "active": item.is_active(namespace, url_name)}
            for item in staff_navigation_for(getattr(request, "user", None))
        ]

    return {"in_back_office": namespace in BACK_OFFICE_NAMESPACES, "staff_navigation": SimpleLazyObject(items)}
