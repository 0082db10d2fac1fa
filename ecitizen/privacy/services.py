"""Recording staff access to citizens' data. One transaction, one audit row."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import translation

from ecitizen.agencies.models import Agency, Membership, Role
from ecitizen.core.access_purposes import AccessPurpose, purpose_text
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
    purpose: AccessPurpose | str,
    subject: models.Model | None,
    reference: str = "",
) -> AccessRecord:
    """Record that *staff*, for *agency*, looked at *citizen*'s data about *subject*, and why.

    Writes the citizen's "who looked at my data" row and the audit row
    (``staff.viewed_citizen``) together. Costs one read (the staff member's
    roles) and two inserts. *agency* may be None only when it truly cannot be
    told which agency the staff member acted for; the roles are then those
    held in any agency. *purpose* says why: an
    :class:`~ecitizen.core.access_purposes.AccessPurpose` with the *reference* of the
    object it names (``AccessPurpose.APPLICATION, reference="CC-2026-000123"``), stored as
    a code so that the citizen reads it in their own language. A free text (or lazy
    text) is still accepted and kept as it is, in the deployment's language. Call it
    wherever staff open personal data, before showing it.
    """
    role = _role_labels(staff, agency)
    code = purpose.value if isinstance(purpose, AccessPurpose) else ""
    reference = " ".join(str(reference).split())[: AccessRecord._meta.get_field("purpose_reference").max_length]
    # The text kept with the row (and in the audit log) is in the deployment's
    # language, not in whichever the staff member reads.
    with translation.override(settings.LANGUAGE_CODE):
        text = purpose_text(code, reference) if code else str(purpose)
        purpose = " ".join(text.split())[:PURPOSE_MAX_LENGTH]
    record = AccessRecord.objects.create(
        citizen=citizen,
        staff=staff,
        agency=agency,
        role=role,
        purpose=purpose,
        purpose_code=code,
        purpose_reference=reference,
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
    )
    audit_record(
        actor=staff,
        action=AuditAction.STAFF_VIEWED_CITIZEN,
        subject=subject,
        subject_user=citizen,
        agency=agency,
        extra={
            "purpose": purpose,
            "role": role,
            **({"purpose_code": code} if code else {}),
            **({"reference": reference} if reference else {}),
        },
    )
    return record
