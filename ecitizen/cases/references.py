"""How applications read in the audit log (registered with core in CasesConfig.ready())."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from ecitizen.cases.models import Application
from ecitizen.cases.policies import case_policy
from ecitizen.core.references import ObjectReference, int_keys, register_reference, visible_keys


def application_references(viewer: Any, pks: Sequence[str]) -> dict[str, ObjectReference]:
    """Each application's reference ("CC-2026-000001"), linked to its case page for staff who work it."""
    keys = int_keys(pks)
    visible = visible_keys(case_policy.scope(viewer, "view"), keys)
    return {
        str(pk): ObjectReference(
            kind=_("Application"),
            text=reference or _("Draft application %(number)s") % {"number": pk},
            url=reverse("cases_staff:case", args=[pk]) if pk in visible else "",
        )
        for pk, reference in Application.objects.filter(pk__in=keys).values_list("pk", "reference")
    }


def register() -> None:
    register_reference("cases.application", application_references)
