"""Writing audit rows. Services call :func:`audit_record` inside their transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from ecitizen.core import context
from ecitizen.core.models import AuditAction, AuditLog


def audit_record(
    *,
    actor: Any | None,
    action: AuditAction,
    subject: models.Model | None = None,
    subject_user: Any | None = None,
    agency: Any | None = None,
    extra: dict[str, Any] | None = None,
) -> AuditLog:
    """Append one audit row, stamped with the current request's id and IP.

    Call it inside the same ``transaction.atomic`` block as the change it
    records, so that the row exists exactly when the change does.
    """
    ctx = context.current()
    real_actor = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditLog.objects.create(
        actor=real_actor,
        actor_email=getattr(real_actor, "email", "") or "",
        agency=agency,
        action=action,
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        subject_user=subject_user,
        request_id=ctx.request_id,
        ip=ctx.ip,
        extra=extra or {},
    )
