"""How issued documents read in the audit log (registered in DocumentsConfig.ready())."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from ecitizen.core.references import ObjectReference, int_keys, register_reference, visible_keys
from ecitizen.documents.models import IssuedDocument
from ecitizen.documents.policies import document_policy


def document_references(viewer: Any, pks: Sequence[str]) -> dict[str, ObjectReference]:
    """The document number, linked to its staff page for those who may revoke it."""
    keys = int_keys(pks)
    visible = visible_keys(document_policy.scope(viewer, "revoke"), keys)
    return {
        str(pk): ObjectReference(
            kind=_("Document"),
            text=number,
            url=reverse("documents_staff:revoke", args=[number]) if pk in visible else "",
        )
        for pk, number in IssuedDocument.objects.filter(pk__in=keys).values_list("pk", "number")
    }


def register() -> None:
    register_reference("documents.issueddocument", document_references)
