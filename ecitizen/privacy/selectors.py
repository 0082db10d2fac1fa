from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from ecitizen.privacy.models import AccessRecord

# Views of the same thing by the same person for the same reason, each within this
# time of the one before, are one line of "who looked at my data".
GROUP_GAP = datetime.timedelta(minutes=30)


def access_records_for(citizen: Any) -> QuerySet[AccessRecord]:
    """Who looked at *citizen*'s data, newest first. Only ever the citizen's own rows."""
    if not citizen.is_authenticated:
        return AccessRecord.objects.none()
    return AccessRecord.objects.filter(citizen=citizen).select_related("agency").order_by("-created_at", "-id")


@dataclass
class AccessGroup:
    """Repeated views of one thing, by one member of staff for one agency and purpose, close together.

    ``records`` are newest first; ``first`` and ``last`` the times of the earliest and latest view.
    """

    records: list[AccessRecord] = field(default_factory=list)

    @property
    def latest(self) -> AccessRecord:
        return self.records[0]

    @property
    def count(self) -> int:
        return len(self.records)

    @property
    def first(self) -> datetime.datetime:
        return self.records[-1].created_at

    @property
    def last(self) -> datetime.datetime:
        return self.records[0].created_at

    @property
    def same_day(self) -> bool:
        from django.utils import timezone

        return timezone.localtime(self.first).date() == timezone.localtime(self.last).date()


def _group_key(record: AccessRecord) -> tuple:
    return (
        record.staff_id,
        record.agency_id,
        record.role,
        record.purpose_code,
        record.purpose_reference,
        "" if record.purpose_code else record.purpose,
        record.subject_type,
        record.subject_id,
    )


def access_log_for(citizen: Any, *, gap: datetime.timedelta = GROUP_GAP) -> list[AccessGroup]:
    """*citizen*'s access log as groups of repeated views, newest group first.

    Views join a group when the same member of staff, for the same agency and in the same role,
    opened the same object for the same purpose within *gap* of the group's earliest view so far
    (other people's views in between do not split it). One query.
    """
    groups: list[AccessGroup] = []
    open_groups: dict[tuple, AccessGroup] = {}
    for record in access_records_for(citizen):
        key = _group_key(record)
        group = open_groups.get(key)
        if group is None or group.first - record.created_at > gap:
            group = AccessGroup()
            groups.append(group)
            open_groups[key] = group
        group.records.append(record)
    return groups
