from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ecitizen.privacy.models import AccessRecord


def access_records_for(citizen: Any) -> QuerySet[AccessRecord]:
    """Who looked at *citizen*'s data, newest first. Only ever the citizen's own rows."""
    if not citizen.is_authenticated:
        return AccessRecord.objects.none()
    return AccessRecord.objects.filter(citizen=citizen).select_related("agency").order_by("-created_at", "-id")
