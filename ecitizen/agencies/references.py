"""How agencies read in the audit log (registered in AgenciesConfig.ready())."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from ecitizen.agencies.models import Agency
from ecitizen.core.references import ObjectReference, int_keys, register_reference


def agency_references(viewer: Any, pks: Sequence[str]) -> dict[str, ObjectReference]:
    return {
        str(agency.pk): ObjectReference(kind=_("Agency"), text=str(agency))
        for agency in Agency.objects.filter(pk__in=int_keys(pks))
    }


def register() -> None:
    register_reference("agencies.agency", agency_references)
