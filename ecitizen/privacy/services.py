"""Recording staff access to citizens' data. One transaction, one audit row."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import translation

from ecitizen.agencies.models import Agency, Membership, Role
from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.privacy.models import AccessRecord

PURPOSE_MAX_LENGTH = AccessRecord._meta.get_field("purpose").max_length


def _role_labels(staff: Any, agency: Agency | None) -> str:
    memberships = Membership.objects.filter(user=staff, agency__is_active=True)
    if agency is not None:
        memberships = memberships.filter(agency=agency)
    held = set(memberships.order_by().values_list("role", flat=True))
    # The English labels, whatever language the staff member reads: they are
    # stored, and translated for whoever reads them later.
    with translation.override(None):
        return ", ".join(str(role.label) for role in Role if role.value in held)


@transaction.atomic
def access_record(
    *,
    staff: Any,
    agency: Agency | None,
    citizen: Any,
    purpose: str,
    subject: models.Model | None,
) -> AccessRecord:
    """Record that *staff*, for *agency*, looked at *citizen*'s data about *subject*, and why.

    Writes the citizen's "who looked at my data" row and the audit row
    (``staff.viewed_citizen``) together. Costs one read (the staff member's
    roles) and two inserts. *agency* may be None only when it truly cannot be
    told which agency the staff member acted for; the roles are then those
    held in any agency. *purpose* says why in a few words; pass it lazily
    (``format_lazy(gettext_lazy("Application {reference}"), reference=...)``) so
    that it is stored in the deployment's language. Call it wherever staff open
    personal data, before showing it.
    """
    role = _role_labels(staff, agency)
    # A lazy purpose (format_lazy(gettext_lazy("Application {reference}"), ...)) is
    # written in the deployment's language, not in whichever the staff member reads.
    with translation.override(settings.LANGUAGE_CODE):
        purpose = " ".join(str(purpose).split())[:PURPOSE_MAX_LENGTH]
    record = AccessRecord.objects.create(
        citizen=citizen,
        staff=staff,
        agency=agency,
        role=role,
        purpose=purpose,
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
    )
    audit_record(
        actor=staff,
        action=AuditAction.STAFF_VIEWED_CITIZEN,
        subject=subject,
        subject_user=citizen,
        agency=agency,
        extra={"purpose": purpose, "role": role},
    )
    return record
