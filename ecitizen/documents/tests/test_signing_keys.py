"""Signing keys: encrypted at rest, rotated by command, published in the JWKS."""

from __future__ import annotations

import io
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.documents import jws
from ecitizen.documents.models import DocumentStatus, SigningKey
from ecitizen.documents.selectors import document_verify
from ecitizen.documents.services import document_issue, signing_key_current, signing_key_rotate

pytestmark = pytest.mark.django_db


def test_private_key_is_encrypted_at_rest():
    key = signing_key_current()

    with connection.cursor() as cursor:
        cursor.execute("SELECT private_key FROM documents_signingkey WHERE id = %s", [key.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("v1.")
    assert key.private_key not in stored
    assert len(jws.b64url_decode(SigningKey.objects.get().private_key)) == 32


def test_only_one_key_may_be_active():
    signing_key_current()

    with pytest.raises(IntegrityError), transaction.atomic():
        SigningKey.objects.create(kid="second", private_key="x", public_key="y")


def test_rotation_retires_the_old_key_and_audits(caseworker_a):
    # given
    old = signing_key_current()

    # when
    new = signing_key_rotate(actor=None)

    # then
    old.refresh_from_db()
    assert not old.is_active and old.retired_at is not None
    assert new.is_active and new.kid != old.kid
    assert signing_key_current() == new
    row = AuditLog.objects.get(action=AuditAction.SIGNING_KEY_ROTATED)
    assert row.extra == {"kid": new.kid, "retired": [old.kid]}


def test_documents_signed_before_rotation_still_verify(caseworker_a, make_application):
    # given
    before = document_issue(actor=caseworker_a, application=make_application("CC-2026-000001"))

    # when
    out = io.StringIO()
    call_command("rotate_signing_key", stdout=out)
    after = document_issue(actor=caseworker_a, application=make_application("CC-2026-000002"))

    # then
    assert before.kid != after.kid
    assert after.kid in out.getvalue()
    assert document_verify(before.token).status == DocumentStatus.VALID
    assert document_verify(after.token).status == DocumentStatus.VALID


def test_jwks_endpoint_publishes_every_key(client):
    # given
    old = signing_key_current()
    new = signing_key_rotate(actor=None)

    # when
    response = client.get("/.well-known/jwks.json")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jwk-set+json"
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    assert response["Access-Control-Allow-Origin"] == "*"
    keys = response.json()["keys"]
    assert [k["kid"] for k in keys] == [new.kid, old.kid]
    for key in keys:
        assert set(key) == {"kty", "crv", "x", "kid", "use", "alg"}
        assert (key["kty"], key["crv"], key["use"], key["alg"]) == ("OKP", "Ed25519", "sig", "EdDSA")
        assert "d" not in key


def test_a_token_verifies_with_only_the_published_jwks_json(client, document):
    # given: what an offline verifier has -- the JWKS JSON and the token from the QR code
    published = json.loads(client.get("/.well-known/jwks.json").content)
    header = json.loads(jws.b64url_decode(document.token.split(".")[0]))
    jwk = next(k for k in published["keys"] if k["kid"] == header["kid"])

    # when: rebuilding the public key from "x" with cryptography alone
    public_key = Ed25519PublicKey.from_public_bytes(jws.b64url_decode(jwk["x"]))
    signing_input, _, signature = document.token.rpartition(".")
    public_key.verify(jws.b64url_decode(signature), signing_input.encode())  # raises if not genuine

    # then
    assert json.loads(jws.b64url_decode(document.token.split(".")[1]))["sub"] == document.number
    assert jws.verify(document.token, jwks=published)["name"] == "Amina Haddad"


def test_jwk_x_is_the_raw_public_key():
    key = signing_key_current()
    raw = key.private().public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    assert key.jwk()["x"] == jws.b64url_encode(raw)
