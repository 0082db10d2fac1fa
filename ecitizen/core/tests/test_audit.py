import pytest
from django.db import DatabaseError, connection, transaction

from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db


def test_audit_record_writes_one_exact_row(citizen, agency_a):
    row = audit_record(
        actor=citizen,
        action=AuditAction.PROFILE_UPDATED,
        subject=citizen.profile,
        subject_user=citizen,
        agency=agency_a,
        extra={"fields": ["town"]},
    )
    stored = AuditLog.objects.get()
    assert stored == row
    assert (stored.actor, stored.actor_email, stored.agency, stored.action) == (
        citizen,
        "amina@example.org",
        agency_a,
        "account.profile_updated",
    )
    assert (stored.subject_type, stored.subject_id, stored.subject_user) == (
        "accounts.profile",
        str(citizen.profile.pk),
        citizen,
    )
    assert stored.extra == {"fields": ["town"]}
    assert stored.created_at.utcoffset().total_seconds() == 0


def test_request_id_and_ip_are_stamped_from_the_request(client, citizen, settings):
    settings.TRUSTED_PROXIES = ["203.0.113.9"]  # only a trusted proxy's request id is kept
    client.force_login(citizen)
    response = client.post(
        "/language/",
        {"language": "fr", "next": "/"},
        headers={"X-Request-ID": "req-abcdef123456"},
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 302
    assert response["X-Request-ID"] == "req-abcdef123456"
    row = AuditLog.objects.get(action=AuditAction.LANGUAGE_CHANGED)
    assert (row.request_id, row.ip, row.actor) == ("req-abcdef123456", "203.0.113.9", citizen)


def test_malformed_request_id_is_replaced(client):
    response = client.get("/", headers={"X-Request-ID": "<script>"})
    assert response["X-Request-ID"] != "<script>"
    assert len(response["X-Request-ID"]) == 32


def test_rows_cannot_be_changed_or_deleted_through_the_orm(citizen):
    row = audit_record(actor=citizen, action=AuditAction.LOGGED_OUT)
    row.action = AuditAction.LOGIN_SUCCEEDED
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        AuditLog.objects.filter(pk=row.pk).update(action="x")
    with pytest.raises(PermissionError):
        AuditLog.objects.all().delete()
    assert AuditLog.objects.get().action == AuditAction.LOGGED_OUT


def test_database_itself_refuses_updates(citizen):
    row = audit_record(actor=citizen, action=AuditAction.LOGGED_OUT)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditlog SET action = 'forged' WHERE id = %s", [row.pk])
    assert AuditLog.objects.get().action == AuditAction.LOGGED_OUT


def test_failed_service_leaves_no_audit_row(citizen):
    from django.core.exceptions import ValidationError

    from ecitizen.accounts.services import language_set

    with pytest.raises(ValidationError):
        language_set(user=citizen, language="xx")
    assert not AuditLog.objects.exists()


def test_actions_are_namespaced_and_unique():
    values = [value for value, _label in AuditAction.choices]
    assert len(values) == len(set(values))
    assert all("." in value for value in values)


def test_visitor_ip_behind_a_trusted_proxy(client, citizen, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    client.force_login(citizen)
    client.post(
        "/language/",
        {"language": "fr", "next": "/"},
        headers={"X-Forwarded-For": "198.51.100.23"},
        REMOTE_ADDR="10.0.0.2",
    )
    assert AuditLog.objects.get(action=AuditAction.LANGUAGE_CHANGED).ip == "198.51.100.23"
