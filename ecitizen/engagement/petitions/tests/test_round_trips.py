"""Signing is the hot path: it must stay a handful of database round trips."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def test_signature_add_round_trips(open_petition, make_user):
    from ecitizen.engagement.petitions import services

    user = make_user("signer-rt@example.net")
    user = type(user).objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as ctx:
        services.signature_add(actor=user, petition=open_petition)
    sql = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    # PostgreSQL: the profile, the signature's INSERT (abuse checks inside), the counter's upsert with
    # the open check and the new count, the audit row. Elsewhere the checks are queries of their own.
    assert len(sql) <= (4 if connection.vendor == "postgresql" else 8), sql


@pytest.mark.django_db(transaction=True)
def test_signing_through_the_page_round_trips(open_petition, make_user, client, settings):
    """The whole request, rate limit on, outside any test transaction as in production: the session,
    the user, the rate limit, the signer and the signing statement on PostgreSQL; no read of the
    petition before it (the statement writes only to an open one). Elsewhere the service's steps
    read it to check that it is open."""
    settings.ECITIZEN_RATE_LIMITS_ENABLED = True
    user = make_user("signer-page@example.net")
    client.force_login(user)
    client.get("/petitions/")  # the session's first page records its activity, as signing in does
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(f"/petitions/{open_petition.pk}/sign/")
    assert response.status_code == 302, response.content[:300]
    sql = [q["sql"] for q in ctx.captured_queries]
    if connection.vendor == "postgresql":
        assert not any(s.startswith('SELECT "petitions_petition"') for s in sql), sql
    assert len(sql) <= (5 if connection.vendor == "postgresql" else 20), sql
