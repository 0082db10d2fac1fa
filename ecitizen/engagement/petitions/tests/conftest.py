"""Petitions' personas and builders, made through the services."""

from __future__ import annotations

import itertools
import uuid

import pytest

_seq = itertools.count(1)


@pytest.fixture
def author(citizen, verify_identity):
    return verify_identity(citizen)


@pytest.fixture
def moderator_a(make_user, with_mfa, agency_a):
    from ecitizen.agencies.models import Membership

    user = make_user("moderator@council.example")
    Membership.objects.create(user=user, agency=agency_a, role="moderator")
    with_mfa(user)
    return user


@pytest.fixture
def moderator_b(make_user, with_mfa, agency_b):
    from ecitizen.agencies.models import Membership

    user = make_user("moderator@transport.example")
    Membership.objects.create(user=user, agency=agency_b, role="moderator")
    with_mfa(user)
    return user


@pytest.fixture
def sponsor_users(make_user):
    return [make_user(f"sponsor{i}@example.net") for i in range(1, 7)]


@pytest.fixture
def make_petition(author, agency_a, sponsor_users):
    from ecitizen.engagement.petitions import services

    def make(title="Build a crossing on Mill Lane", *, by=None, agency=None):
        return services.petition_create(
            actor=by or author,
            agency=agency or agency_a,
            title=title,
            action="Put a zebra crossing by the school gate.",
            background="Children cross a busy road twice a day.",
            sponsor_emails=[u.email for u in sponsor_users],
            create_token=uuid.uuid4(),
        )

    return make


@pytest.fixture
def submitted_petition(make_petition, sponsor_users):
    from ecitizen.engagement.petitions import services

    petition = make_petition()
    for user, sponsor in zip(sponsor_users, petition.sponsors.order_by("pk"), strict=True):
        services.sponsor_confirm(actor=user, sponsor=sponsor)
    petition.refresh_from_db()
    return petition


@pytest.fixture
def open_petition(submitted_petition, moderator_a):
    from ecitizen.engagement.petitions import services

    return services.petition_publish(actor=moderator_a, petition=submitted_petition)


@pytest.fixture
def sign_by_email():
    from ecitizen.engagement.petitions import services

    def sign(petition, email=None, *, postcode="NB1 2AB", confirm=True):
        email = email or f"signer{next(_seq)}@example.org"
        signature = services.signature_start_by_email(
            petition=petition, name="A Signer", email=email, postcode=postcode
        )
        if confirm and signature is not None:
            services.signature_confirm(signature=signature)
            signature.refresh_from_db()
        return signature

    return sign


def ledger_text(kind: str, key: str) -> str:
    """The public log's entry *kind*/*key* as text, integrated or still waiting ("" when none)."""
    from ecitizen.ledger.models import LogEntry, PendingEntry

    entry = LogEntry.objects.filter(kind=kind, key=key).first()
    if entry is not None:
        return entry.text
    pending = PendingEntry.objects.filter(kind=kind, key=key).first()
    return str(pending.data) if pending is not None else ""
