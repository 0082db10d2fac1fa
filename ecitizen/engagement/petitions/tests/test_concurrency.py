"""Signing at the same moment, on PostgreSQL: exact counts and no double signature."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection

from ecitizen.engagement.petitions import selectors, services
from ecitizen.engagement.petitions.models import Signature

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's concurrency"),
]


def _in_threads(work, n: int) -> list:
    """Run work(i) in n threads released together; returns what each raised (or None)."""
    barrier = threading.Barrier(n)
    outcomes: list = [None] * n

    def run(i):
        try:
            barrier.wait()
            work(i)
        except Exception as exc:
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@pytest.fixture
def petition(make_user, verify_identity, agency_a, moderator_a):
    author = verify_identity(make_user("author@example.org"))
    sponsors = [make_user(f"c-sponsor{i}@example.net") for i in range(6)]
    petition = services.petition_create(
        actor=author,
        agency=agency_a,
        title="Concurrent",
        action="Count right",
        background="Because",
        sponsor_emails=[s.email for s in sponsors],
        create_token=uuid.uuid4(),
    )
    for user, sponsor in zip(sponsors, petition.sponsors.order_by("pk"), strict=True):
        services.sponsor_confirm(actor=user, sponsor=sponsor)
    return services.petition_publish(actor=moderator_a, petition=petition)


def test_many_signers_at_once_are_all_counted(petition):
    n = 24
    outcomes = _in_threads(
        lambda i: services.signature_confirm(
            signature=services.signature_start_by_email(
                petition=petition, name=f"P{i}", email=f"p{i}@example.org", postcode="NB1 2AB"
            )
        ),
        n,
    )
    assert outcomes == [None] * n
    assert selectors.signature_count(petition) == 7 + n
    assert Signature.objects.filter(petition=petition, state="counted").count() == 7 + n


def test_one_person_signing_many_times_at_once_signs_once(petition, make_user):
    person = make_user("racer@example.org")
    outcomes = _in_threads(lambda i: services.signature_add(actor=person, petition=petition), 12)
    assert sum(o is None for o in outcomes) == 1
    assert Signature.objects.filter(petition=petition, user=person).count() == 1
    assert selectors.signature_count(petition) == 8


def test_one_address_signing_many_times_at_once_signs_once(petition):
    outcomes = _in_threads(
        lambda i: services.signature_start_by_email(
            petition=petition, name="Same", email="same@example.org", postcode="NB1 2AB"
        ),
        12,
    )
    assert outcomes == [None] * 12  # the others are told by email; nobody gets an error page
    signatures = Signature.objects.filter(petition=petition, email="same@example.org")
    assert signatures.count() == 1
    _in_threads(lambda i: services.signature_confirm(signature=signatures.get()), 8)
    assert selectors.signature_count(petition) == 8
