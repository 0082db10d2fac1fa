"""Open311 API keys: stored only as a hash, checked, revoked, audited; issued by platform admins only."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.utils import timezone

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.reports.models import ApiClient
from ecitizen.reports.open311.keys import api_client_authenticate, api_client_issue, api_client_revoke


@pytest.fixture
def platform_admin(make_user, with_mfa):
    user = make_user("root@ecitizen.example")
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    with_mfa(user)
    return user


def test_issue_stores_only_a_hash(platform_admin):
    client, raw = api_client_issue(actor=platform_admin, name="FixIt", contact_email="dev@fixit.example")
    assert raw.startswith("o311_") and len(raw) >= 40
    client.refresh_from_db()
    assert client.key_prefix == raw[:12]
    assert client.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    stored = [str(v) for v in ApiClient.objects.values_list().get()]
    assert raw not in stored
    assert raw[12:] not in " ".join(stored)
    log = AuditLog.objects.get(action=AuditAction.OPEN311_CLIENT_ISSUED)
    assert log.actor == platform_admin
    assert raw not in str(log.extra)


def test_keys_are_unique(db):
    keys = {api_client_issue(actor=None, name=f"App {i}", contact_email="a@b.example")[1] for i in range(5)}
    assert len(keys) == 5


@pytest.mark.parametrize(
    ("name", "email", "field"),
    [("", "a@b.example", "name"), ("x" * 121, "a@b.example", "name"), ("App", "nope", "contact_email")],
)
def test_issue_checks_its_input(db, name, email, field):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        api_client_issue(actor=None, name=name, contact_email=email)
    assert field in caught.value.message_dict
    assert ApiClient.objects.count() == 0


def test_authenticate(db):
    client, raw = api_client_issue(actor=None, name="FixIt", contact_email="dev@fixit.example")
    assert api_client_authenticate(raw) == client
    for wrong in ("", None, raw[:-1], raw + "x", raw.upper(), "o311_" + "x" * 200, client.key_hash):
        assert api_client_authenticate(wrong) is None


def test_last_used_is_noted_at_most_once_a_minute(db, django_assert_num_queries):
    client, raw = api_client_issue(actor=None, name="FixIt", contact_email="dev@fixit.example")
    assert client.last_used_at is None
    api_client_authenticate(raw)
    first = ApiClient.objects.get().last_used_at
    assert first is not None
    with django_assert_num_queries(1):  # the look-up only: no write within the minute
        api_client_authenticate(raw)
    assert ApiClient.objects.get().last_used_at == first
    ApiClient.objects.update(last_used_at=timezone.now() - datetime.timedelta(minutes=2))
    api_client_authenticate(raw)
    assert ApiClient.objects.get().last_used_at > first


def test_revoke(platform_admin):
    client, raw = api_client_issue(actor=None, name="FixIt", contact_email="dev@fixit.example")
    api_client_revoke(actor=platform_admin, client=client)
    assert api_client_authenticate(raw) is None
    client.refresh_from_db()
    assert not client.is_active and client.revoked_at
    api_client_revoke(actor=platform_admin, client=client)  # again: nothing more happens
    assert AuditLog.objects.filter(action=AuditAction.OPEN311_CLIENT_REVOKED).count() == 1


# --- the back-office pages ----------------------------------------------------------


def test_platform_admin_issues_a_key_and_sees_it_once(client, platform_admin):
    client.force_login(platform_admin)
    assert client.get("/staff/open311/").status_code == 200
    page = client.get("/staff/open311/new/")
    assert page.status_code == 200
    response = client.post("/staff/open311/new/", {"name": "FixIt", "contact_email": "dev@fixit.example"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    api_client = ApiClient.objects.get()
    raw = response.context["raw_key"]
    assert raw.encode() in response.content
    assert api_client_authenticate(raw) == api_client
    listing = client.get("/staff/open311/")
    assert b"FixIt" in listing.content
    assert api_client.key_prefix.encode() in listing.content
    assert raw.encode() not in listing.content


def test_issue_form_errors(client, platform_admin):
    client.force_login(platform_admin)
    response = client.post("/staff/open311/new/", {"name": "", "contact_email": "nope"})
    assert response.status_code == 400
    assert b"govuk-error-summary" in response.content
    assert b"Enter the name of the app" in response.content
    assert ApiClient.objects.count() == 0


def test_platform_admin_revokes_with_a_post(client, platform_admin):
    api_client, raw = api_client_issue(actor=None, name="FixIt", contact_email="dev@fixit.example")
    client.force_login(platform_admin)
    confirm = client.get(f"/staff/open311/{api_client.pk}/revoke/")
    assert confirm.status_code == 200
    assert api_client_authenticate(raw) == api_client  # a GET changes nothing
    response = client.post(f"/staff/open311/{api_client.pk}/revoke/")
    assert response.status_code == 302
    assert api_client_authenticate(raw) is None
    assert AuditLog.objects.filter(action=AuditAction.OPEN311_CLIENT_REVOKED, actor=platform_admin).exists()


@pytest.mark.parametrize("persona", ["citizen", "caseworker_a", "admin_a", "platform_auditor"])
def test_only_platform_admins_manage_keys(client, request, persona, db):
    api_client, raw = api_client_issue(actor=None, name="FixIt", contact_email="dev@fixit.example")
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/staff/open311/").status_code == 404
    assert client.get("/staff/open311/new/").status_code == 404
    assert client.post("/staff/open311/new/", {"name": "X", "contact_email": "x@y.example"}).status_code == 404
    assert client.post(f"/staff/open311/{api_client.pk}/revoke/").status_code == 404
    assert ApiClient.objects.count() == 1
    assert api_client_authenticate(raw) == api_client


def test_signed_out_people_are_sent_to_sign_in(client, db):
    response = client.get("/staff/open311/")
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_staff_without_mfa_cannot_reach_the_pages(client, make_user):
    user = make_user("root2@ecitizen.example")
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(user)
    response = client.get("/staff/open311/")
    assert response.status_code == 302
    assert "/staff/open311/" not in response["Location"]
