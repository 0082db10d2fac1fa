"""How services read in the audit log (registered in CatalogueConfig.ready())."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from ecitizen.catalogue.models import Service
from ecitizen.catalogue.policies import service_policy
from ecitizen.core.i18n import pick
from ecitizen.core.references import ObjectReference, int_keys, register_reference, visible_keys


def service_references(viewer: Any, pks: Sequence[str]) -> dict[str, ObjectReference]:
    """The service's title in the viewer's language, linked to the service editor for its admins."""
    keys = int_keys(pks)
    visible = visible_keys(service_policy.scope(viewer, "view"), keys)
    return {
        str(pk): ObjectReference(
            kind=_("Service"),
            text=pick(title) or slug,
            url=reverse("catalogue_staff:detail", args=[pk]) if pk in visible else "",
        )
        for pk, title, slug in Service.objects.filter(pk__in=keys).values_list("pk", "title", "slug")
    }


def register() -> None:
    register_reference("catalogue.service", service_references)
