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
