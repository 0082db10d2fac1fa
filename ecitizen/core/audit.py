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
    row = _row(actor=actor, action=action, subject=subject, subject_user=subject_user, agency=agency)
    row.extra = extra or {}
    row.save(force_insert=True)
    return row


def _row(*, actor: Any | None, action: AuditAction, subject: Any, subject_user: Any, agency: Any) -> AuditLog:
    """The audit row (unsaved, without ``extra``) for *actor*'s *action*, stamped with the current
    request's id and IP: the same for :func:`audit_record` and :func:`audit_insert_sql`."""
    ctx = context.current()
    real_actor = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditLog(
        actor=real_actor,
        actor_email=getattr(real_actor, "email", "") or "",
        agency=agency,
        action=action,
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        subject_user=subject_user,
        request_id=ctx.request_id,
        ip=ctx.ip,
    )


def audit_insert_sql(
    *,
    actor: Any | None,
    action: AuditAction,
    subject: models.Model | None = None,
    subject_user: Any | None = None,
    agency: Any | None = None,
    extra_sql: str,
    extra_params: list[Any],
    source: str,
) -> tuple[str, list[Any]]:
    """The audit row :func:`audit_record` would write, as ``INSERT INTO ... SELECT ... FROM source``
    with its parameters, for a service that writes its change and its audit row in one statement
    (a data-modifying ``WITH``): one row for each row of *source* (a CTE's name), so no row when
    the change wrote nothing. *extra_sql* is the SQL expression (it may read *source*'s columns)
    giving the row's ``extra`` as JSON. PostgreSQL only."""
    from django.db import connection

    row = _row(actor=actor, action=action, subject=subject, subject_user=subject_user, agency=agency)
    fields = [f for f in AuditLog._meta.concrete_fields if not f.primary_key and f.name != "extra"]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in [*fields, AuditLog._meta.get_field("extra")])
    values = [f.get_db_prep_save(f.pre_save(row, True), connection) for f in fields]
    placeholders = ", ".join(["%s"] * len(values))
    # The closing comment marks the audit row's SELECT for the failure-injection tests (rule 1).
    sql = (
        f"INSERT INTO {AuditLog._meta.db_table} ({columns}) "  # noqa: S608
        f"SELECT {placeholders}, {extra_sql} FROM {source} {AUDIT_ROW_MARK}"
    )
    return sql, [*values, *extra_params]


AUDIT_ROW_MARK = "/* audit row */"
