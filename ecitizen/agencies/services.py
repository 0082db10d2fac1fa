"""Writes to agencies and staff memberships. Each: one transaction, one audit row."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecitizen.agencies.models import Agency, IdentityReview, Membership, Relationship, Role, StaffRelative
from ecitizen.agencies.signals import staff_opened_citizen
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


# --- declared relatives (conflicts of interest) -----------------------------------------------


def _agency_of(staff: Any, actor: Any) -> Agency | None:
    """The agency an audit row about *staff*'s declarations names: one the actor administers
    and the staff member works for, else the staff member's first agency."""
    from ecitizen.agencies.selectors import agencies_where

    theirs = Agency.objects.filter(memberships__user=staff, is_active=True).distinct().order_by("name")
    shared = theirs.filter(pk__in=agencies_where(actor, Role.AGENCY_ADMIN).values("pk")).first()
    return shared or theirs.first()


@transaction.atomic
def staff_relative_declare(*, actor: Any, staff: Any, relative: Any, relationship: str) -> StaffRelative:
    """Record that *relative*'s account belongs to someone close to *staff*.

    Staff declare their own relatives; agency admins may declare them for their agencies'
    staff. From then on the conflict-of-interest check refuses to let either act on the
    other's affairs where the agency counts relatives.
    """
    from ecitizen.agencies.policies import staff_relative_policy

    if not staff_relative_policy.can_declare_for(actor, staff):
        raise PermissionDenied
    if relative is None:
        raise ValidationError({"email": _("No account uses this email address.")})
    if relative.pk == staff.pk:
        raise ValidationError({"email": _("Enter the email address of your relative's account, not your own.")})
    if relationship not in Relationship.values:
        raise ValidationError({"relationship": _("Choose the relationship from the list.")})
    existing = StaffRelative.objects.select_for_update().filter(staff=staff, relative=relative).first()
    if existing is not None:
        raise ValidationError({"email": _("This person is already declared.")})
    declaration = StaffRelative.objects.create(
        staff=staff, relative=relative, relationship=relationship, declared_by=actor
    )
    audit_record(
        actor=actor,
        agency=_agency_of(staff, actor),
        action=AuditAction.STAFF_RELATIVE_DECLARED,
        subject=declaration,
        subject_user=relative,
        extra={"staff": staff.pk, "relationship": relationship},
    )
    return declaration


@transaction.atomic
def staff_relative_remove(*, actor: Any, declaration: StaffRelative) -> None:
    """Withdraw a declaration: agency admins only, never for their own declarations."""
    from ecitizen.agencies.policies import staff_relative_policy

    locked = StaffRelative.objects.select_for_update().filter(pk=declaration.pk).first()
    if locked is None:
        return
    if not staff_relative_policy.can_for(actor, "remove", locked):
        raise PermissionDenied
    audit_record(
        actor=actor,
        agency=_agency_of(locked.staff, actor),
        action=AuditAction.STAFF_RELATIVE_REMOVED,
        subject=locked,
        subject_user=locked.relative,
        extra={"staff": locked.staff_id, "relationship": locked.relationship},
    )
    locked.delete()


# --- staff opening a citizen's data ---------------------------------------------------------------


def audit_log_viewed_record(*, actor: Any, filters: dict[str, str], page_number: int) -> None:
    """Record that *actor* read the audit log with *filters* (auditors are audited too)."""
    audit_record(actor=actor, action=AuditAction.AUDIT_LOG_VIEWED, extra={"filters": filters, "page": page_number})


def citizen_access_record(*, staff: Any, agency: Agency | None, citizen: Any, purpose: Any, subject: Any) -> None:
    """*staff*, for *agency*, opened *citizen*'s data about *subject*, for *purpose*: record it.

    Sent as ``staff_opened_citizen``; the privacy app writes the citizen's access-log row and its
    audit row in this transaction. Fails closed: with nobody listening, nothing is shown.
    """
    if not staff_opened_citizen.has_listeners(Agency):
        raise ImproperlyConfigured("No access log listens to staff_opened_citizen.")
    with transaction.atomic():
        staff_opened_citizen.send(
            sender=Agency, staff=staff, agency=agency, citizen=citizen, purpose=purpose, subject=subject
        )


# --- identity checks for review ----------------------------------------------------------------


@transaction.atomic
def identity_review_open(
    *, actor: Any, agency: Agency | None, account: Any, holder: Any, reason: str
) -> IdentityReview:
    """Open a review of a refused identity check (called by the accounts app through a signal)."""
    review = IdentityReview.objects.create(
        reason=reason,
        agency=agency,
        raised_by=actor if getattr(actor, "is_authenticated", False) else None,
        account=account,
        holder=holder,
    )
    audit_record(
        actor=actor,
        agency=agency,
        action=AuditAction.IDENTITY_REVIEW_FLAGGED,
        subject=review,
        subject_user=account,
        extra={"reason": reason, "holder": getattr(holder, "pk", None)},
    )
    return review


@transaction.atomic
def identity_review_close(*, actor: Any, review: IdentityReview, outcome: str) -> IdentityReview:
    """An agency admin closes a review, saying what was found and done."""
    from ecitizen.agencies.policies import identity_review_policy

    locked = IdentityReview.objects.select_for_update().get(pk=review.pk)
    if not identity_review_policy.can_for(actor, "close", locked):
        raise PermissionDenied
    if not locked.is_open:
        raise ValidationError(_("This review is already closed."))
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": _("Say what you found and what was done.")})
    locked.closed_at = timezone.now()
    locked.closed_by = actor
    locked.outcome = outcome
    locked.save(update_fields=["closed_at", "closed_by", "outcome"])
    audit_record(
        actor=actor,
        agency=locked.agency,
        action=AuditAction.IDENTITY_REVIEW_RESOLVED,
        subject=locked,
        subject_user=locked.account,
        extra={"reason": locked.reason},
    )
    return locked
