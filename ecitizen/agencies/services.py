"""Writes to agencies and staff memberships. Each: one transaction, one audit row."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from ecitizen.agencies.models import Agency, Membership, Role
from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction


@transaction.atomic
def agency_save(*, actor: Any, agency: Agency, changed_fields: list[str] | None = None, created: bool) -> Agency:
    agency.full_clean()
    agency.save()
    audit_record(
        actor=actor,
        agency=agency,
        action=AuditAction.AGENCY_CREATED if created else AuditAction.AGENCY_UPDATED,
        subject=agency,
        extra={"fields": changed_fields or []},
    )
    return agency


@transaction.atomic
def membership_grant(*, actor: Any, agency: Agency, user: Any, role: Role | str) -> Membership:
    membership, created = Membership.objects.get_or_create(agency=agency, user=user, role=role)
    if created:
        audit_record(
            actor=actor,
            agency=agency,
            action=AuditAction.MEMBERSHIP_GRANTED,
            subject=membership,
            subject_user=user,
            extra={"role": str(role)},
        )
    return membership


@transaction.atomic
def membership_change_role(*, actor: Any, membership: Membership) -> Membership:
    previous = Membership.objects.select_for_update().get(pk=membership.pk)
    membership.save()
    if previous.role != membership.role or previous.user_id != membership.user_id:
        audit_record(
            actor=actor,
            agency=membership.agency,
            action=AuditAction.MEMBERSHIP_GRANTED,
            subject=membership,
            subject_user=membership.user,
            extra={"role": membership.role, "previous_role": previous.role},
        )
    return membership


@transaction.atomic
def membership_revoke(*, actor: Any, membership: Membership) -> None:
    audit_record(
        actor=actor,
        agency=membership.agency,
        action=AuditAction.MEMBERSHIP_REVOKED,
        subject=membership,
        subject_user=membership.user,
        extra={"role": membership.role},
    )
    membership.delete()
