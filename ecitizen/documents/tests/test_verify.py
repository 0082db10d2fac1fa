"""Checking a document: the selector, and the public page anyone can use."""

from __future__ import annotations

import datetime
import json

import pytest
import time_machine
from django.utils import timezone

from ecitizen.core.models import AuditLog
from ecitizen.documents import jws
from ecitizen.documents.models import DocumentStatus, IssuedDocument, SigningKey
from ecitizen.documents.selectors import document_verify, document_verify_number
from ecitizen.documents.services import document_revoke

pytestmark = pytest.mark.django_db


def test_a_fresh_document_is_valid(document):
    result = document_verify(document.token)

    assert result.status == DocumentStatus.VALID
    assert result.document == document
    assert result.claims["sub"] == document.number


def test_after_the_last_day_it_is_expired(document):
    day_after = document.valid_until + datetime.timedelta(days=1)
    later = datetime.datetime.combine(day_after, datetime.time(0, 0, 1), tzinfo=timezone.get_default_timezone())
    last_day = later - datetime.timedelta(seconds=2)

    assert document_verify(document.token, now=last_day).status == DocumentStatus.VALID
    assert document_verify(document.token, now=later).status == DocumentStatus.EXPIRED
    assert document_verify_number(document.number, now=later).status == DocumentStatus.EXPIRED


def test_revoked_document_is_revoked(document, caseworker_a):
    document_revoke(actor=caseworker_a, document=document, reason="Issued in error")

    result = document_verify(document.token)

    assert result.status == DocumentStatus.REVOKED
    assert result.document.revoke_reason == "Issued in error"


def test_tampered_token_is_invalid(document):
    header, payload, signature = document.token.split(".")
    claims = json.loads(jws.b64url_decode(payload))
    forged = jws.b64url_encode(json.dumps({**claims, "name": "Mallory"}).encode())

    raw = bytearray(jws.b64url_decode(signature))
    raw[0] ^= 0x01  # one bit of the signature itself, whatever its encoding
    bad_signature = jws.b64url_encode(bytes(raw))
    for token in (f"{header}.{forged}.{signature}", f"{header}.{payload}.{bad_signature}", "rubbish"):
        result = document_verify(token)
        assert result.status == DocumentStatus.INVALID
        assert result.document is None


def test_token_with_a_wrong_kid_is_invalid(document):
    header = jws.b64url_encode(json.dumps({"alg": "EdDSA", "kid": "no-such-key", "typ": "JWT"}).encode())
    _, payload, signature = document.token.split(".")

    assert document_verify(f"{header}.{payload}.{signature}").status == DocumentStatus.INVALID


def test_a_genuinely_signed_token_that_is_not_on_record_is_invalid(document):
    # Signed with our key, but not the token issued for this number (e.g. minted with a leaked key).
    key = SigningKey.objects.get(kid=document.kid)
    claims = {**jws.verify(document.token, jwks={"keys": [key.jwk()]}), "name": "Mallory"}
    minted = jws.sign(claims, private_key=key.private(), kid=key.kid)

    assert document_verify(minted).status == DocumentStatus.INVALID


def test_moving_the_site_keeps_documents_valid(document, settings):
    """A document issued while SITE_URL was the default stays valid once SITE_URL is fixed:
    the token on record, not today's address, proves it is ours."""
    settings.SITE_URL = "https://elsewhere.example"

    assert document_verify(document.token).status == DocumentStatus.VALID


def test_a_token_without_an_issuer_is_invalid(document):
    key = SigningKey.objects.get(kid=document.kid)
    claims = jws.verify(document.token, jwks={"keys": [key.jwk()]})
    del claims["iss"]
    document.token = jws.sign(claims, private_key=key.private(), kid=key.kid)
    document.save(update_fields=["token"])

    assert document_verify(document.token).status == DocumentStatus.INVALID


def test_lookup_by_number(document):
    result = document_verify_number(" cc-2026-000123 ")

    assert result.status == DocumentStatus.VALID
    assert result.by_number is True
    assert result.claims == {}
    assert document_verify_number("CC-2026-999999").status == DocumentStatus.INVALID


# --- The public page ---------------------------------------------------------------


def test_verify_page_needs_no_sign_in_and_shows_the_result(client, document):
    response = client.get("/documents/verify/", {"t": document.token})

    assert response.status_code == 200
    body = response.content.decode()
    assert '<h1 class="govuk-panel__title">Valid</h1>' in body
    assert "Amina Haddad" in body
    assert "Street trading permit" in body
    assert "Permit" in body
    assert "no-store" in response["Cache-Control"]


def test_verify_page_accepts_the_whole_qr_address(client, document, settings):
    url = f"{settings.SITE_URL}/documents/verify/?t={document.token}"

    response = client.get("/documents/verify/", {"t": url})

    assert "Amina Haddad" in response.content.decode()
    assert response.context["result"].status == DocumentStatus.VALID


def test_verify_page_by_number_shows_only_initials(client, document):
    response = client.get("/documents/verify/", {"t": document.number})

    body = response.content.decode()
    assert response.context["result"].status == DocumentStatus.VALID
    assert "A. H." in body
    assert "Amina Haddad" not in body


def test_verify_page_says_revoked_with_reason_and_date(client, document, caseworker_a):
    # revoked at 00:30 on 5 June 2027 in London (still 4 June in UTC): the page says the local day
    with time_machine.travel(datetime.datetime(2027, 6, 4, 23, 30, tzinfo=datetime.UTC), tick=False):
        document_revoke(actor=caseworker_a, document=document, reason="Stall licence withdrawn")
        response = client.get("/documents/verify/", {"t": document.token})

    body = response.content.decode()
    assert "Revoked" in body
    assert "Stall licence withdrawn" in body
    assert "revoked on 5 June 2027" in body


def test_verify_page_says_not_valid_for_rubbish(client, db):
    response = client.get("/documents/verify/", {"t": "a.b.c"})

    assert response.context["result"].status == DocumentStatus.INVALID
    assert "Not valid" in response.content.decode()


def test_verify_page_without_a_code_shows_the_form(client, db):
    response = client.get("/documents/verify/")

    assert response.status_code == 200
    assert response.context["result"] is None
    assert 'name="t"' in response.content.decode()


def test_verify_page_with_an_empty_code_shows_an_error(client, db):
    response = client.get("/documents/verify/", {"t": "  "})

    assert "Enter the document code or number" in response.content.decode()


def test_verify_page_changes_nothing_and_refuses_post(client, document):
    rows, revoked = AuditLog.objects.count(), IssuedDocument.objects.filter(revoked_at__isnull=False).count()

    client.get("/documents/verify/", {"t": document.token})
    client.get("/documents/verify/", {"t": document.number})

    assert AuditLog.objects.count() == rows
    assert IssuedDocument.objects.filter(revoked_at__isnull=False).count() == revoked
    assert client.post("/documents/verify/", {"t": document.token}).status_code == 405


def test_number_lookups_are_rate_limited(client, document, settings):
    settings.ECITIZEN_RATE_LIMITS_ENABLED = True
    from django.core.cache import cache

    cache.clear()
    statuses = [client.get("/documents/verify/", {"t": document.number}).status_code for _ in range(61)]

    assert statuses[:60] == [200] * 60
    assert statuses[60] == 429
    assert client.get("/documents/verify/", {"t": document.token}).status_code == 200
    cache.clear()


# --- The public log on the page -------------------------------------------------------------


def _log_block(response) -> str:
    body = response.content.decode()
    start = body.index('id="public-log"')
    return body[start : body.index("Check another document", start)]


def test_verify_page_shows_the_public_log_entry_once_integrated(client, document):
    from ecitizen.ledger.models import LogEntry
    from ecitizen.ledger.services import ledger_integrate

    ledger_integrate()
    index = LogEntry.objects.get(kind="document.issued", key=document.number).index

    for code in (document.token, document.number):
        block = _log_block(client.get("/documents/verify/", {"t": code}))
        assert "Recorded in the public log at" in block
        assert f'<a class="govuk-link" href="/log/entries/{index}/">entry {index}</a>' in block
        assert "not in the public log" not in block and "Waiting" not in block
    assert client.get(f"/log/entries/{index}/").status_code == 200  # the link leads to the entry


def test_verify_page_says_waiting_while_the_entry_is_pending(client, document):
    block = _log_block(client.get("/documents/verify/", {"t": document.token}))

    assert "Waiting to be recorded in the public log" in block
    assert "Recorded in the public log at" not in block


def test_verify_page_warns_when_the_document_is_not_in_the_public_log(client, document):
    from ecitizen.ledger.models import PendingEntry

    PendingEntry.objects.filter(key=document.number).delete()  # as if issued before the log existed

    block = _log_block(client.get("/documents/verify/", {"t": document.token}))

    assert "govuk-warning-text" in block
    assert "This document is not in the public log" in block


def test_verify_page_shows_the_revocation_entry(client, document, caseworker_a):
    from ecitizen.ledger.models import LogEntry
    from ecitizen.ledger.services import ledger_integrate

    ledger_integrate()
    document_revoke(actor=caseworker_a, document=document, reason="Issued in error")

    block = _log_block(client.get("/documents/verify/", {"t": document.token}))
    assert "Its revocation is waiting to be recorded in the public log." in block

    ledger_integrate()
    index = LogEntry.objects.get(kind="document.revoked", key=document.number).index
    block = _log_block(client.get("/documents/verify/", {"t": document.token}))
    assert (
        f'Its revocation is recorded in the public log at <a class="govuk-link" href="/log/entries/{index}/">' in block
    )


def test_verify_page_warns_when_the_log_records_another_code(client, document):
    from ecitizen.ledger.models import LogEntry
    from ecitizen.ledger.services import ledger_integrate

    ledger_integrate()
    assert "records a different code" not in _log_block(client.get("/documents/verify/", {"t": document.token}))
    # The record's token was swapped after issue (a leaked key, a changed database): the log disagrees.
    IssuedDocument.objects.filter(pk=document.pk).update(token=document.token + "x")

    block = _log_block(client.get("/documents/verify/", {"t": document.number}))

    assert "Recorded in the public log at" in block
    assert "The public log records a different code for this document" in block
    assert LogEntry.objects.filter(key=document.number).count() == 1


def test_the_public_log_status_costs_a_few_queries(client, document, django_assert_max_num_queries):
    from ecitizen.documents.selectors import document_log

    with django_assert_max_num_queries(3):
        log = document_log(document)
    assert log.issued.pending and log.revoked is None
