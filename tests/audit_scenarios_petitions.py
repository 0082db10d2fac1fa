"""Audit scenarios of ecitizen.engagement.petitions: see tests/audit_scenarios.py for the shape."""

from __future__ import annotations

import datetime
import itertools
import uuid
from typing import Any

from ecitizen.core.models import AuditAction as A

_seq = itertools.count(1)


def _expect(**kwargs):
    from tests.audit_scenarios import Expect

    return Expect(**kwargs)


def _then(call, **expect):
    def act():
        call()
        return _expect(**expect)

    return act


def _sponsors(w) -> list:
    return [w.make_user(f"audit-sponsor-{next(_seq)}@example.net") for _ in range(6)]


def _petition(w, sponsors=None):
    from ecitizen.engagement.petitions import services

    sponsors = sponsors or _sponsors(w)
    petition = services.petition_create(
        actor=w.verified_citizen(),
        agency=w.agency_a,
        title=f"Audit petition {next(_seq)}",
        action="Do the thing",
        background="Because",
        sponsor_emails=[s.email for s in sponsors],
        create_token=uuid.uuid4(),
    )
    return petition, sponsors


def _submitted(w):
    from ecitizen.engagement.petitions import services

    petition, sponsors = _petition(w)
    for user, sponsor in zip(sponsors, petition.sponsors.order_by("pk"), strict=True):
        services.sponsor_confirm(actor=user, sponsor=sponsor)
    petition.refresh_from_db()
    return petition


def _moderator(w):
    return w._once("petition_moderator", lambda: w.staff("moderator"))


def _admin(w):
    return w._once("petition_admin", lambda: w.staff("agency_admin"))


def _open(w):
    from ecitizen.engagement.petitions import services

    return services.petition_publish(actor=_moderator(w), petition=_submitted(w))


def _email_signature(w, petition, email="audit-signer@mailinator.com", *, confirm=True):
    from ecitizen.engagement.petitions import services

    signature = services.signature_start_by_email(petition=petition, name="Signer", email=email, postcode="NB1 2AB")
    if confirm:
        services.signature_confirm(signature=signature)
    return signature


def petition_created(w) -> Any:
    sponsors = _sponsors(w)
    citizen = w.verified_citizen()
    w.agency_a  # noqa: B018  (the agency exists before the action)

    def act():
        petition, _ = _petition(w, sponsors)
        return _expect(actor=citizen, subject=petition, agency=w.agency_a)

    return act


def petition_updated(w) -> Any:
    from ecitizen.engagement.petitions import services

    petition, _ = _petition(w)
    return _then(
        lambda: services.petition_update(
            actor=w.verified_citizen(), petition=petition, title="New title", action="New ask", background="New why"
        ),
        actor=w.verified_citizen(),
        subject=petition,
        agency=w.agency_a,
    )


def petition_sponsor_confirmed(w) -> Any:
    from ecitizen.engagement.petitions import services

    petition, sponsors = _petition(w)
    sponsor = petition.sponsors.order_by("pk").first()
    return _then(
        lambda: services.sponsor_confirm(actor=sponsors[0], sponsor=sponsor),
        actor=sponsors[0],
        subject=petition,
        agency=w.agency_a,
    )


def petition_submitted(w) -> Any:
    from ecitizen.engagement.petitions import services

    petition, sponsors = _petition(w)
    pairs = list(zip(sponsors, petition.sponsors.order_by("pk"), strict=True))
    for user, sponsor in pairs[:-1]:
        services.sponsor_confirm(actor=user, sponsor=sponsor)
    last_user, last = pairs[-1]
    return _then(
        lambda: services.sponsor_confirm(actor=last_user, sponsor=last),
        actor=last_user,
        subject=petition,
        agency=w.agency_a,
    )


def petition_published(w) -> Any:
    from ecitizen.engagement.petitions import services

    petition = _submitted(w)
    moderator = _moderator(w)
    return _then(
        lambda: services.petition_publish(actor=moderator, petition=petition),
        actor=moderator,
        subject=petition,
        agency=w.agency_a,
    )


def petition_rejected(w) -> Any:
    from ecitizen.engagement.petitions import services

    petition = _submitted(w)
    moderator = _moderator(w)
    return _then(
        lambda: services.petition_reject(
            actor=moderator, petition=petition, reason="unclear", note="Say what you want"
        ),
        actor=moderator,
        subject=petition,
        agency=w.agency_a,
    )


def petition_signed(w) -> Any:
    from ecitizen.engagement.petitions import services

    petition = _open(w)
    signer = w.other_citizen
    return _then(lambda: services.signature_add(actor=signer, petition=petition), actor=signer, subject=petition)


def petition_signature_confirmed(w) -> Any:
    from ecitizen.engagement.petitions import services

    petition = _open(w)
    signature = _email_signature(w, petition, "confirm-me@example.org", confirm=False)
    return _then(lambda: services.signature_confirm(signature=signature), subject=petition)


def petition_signature_withdrawn(w) -> Any:
    from ecitizen.engagement.petitions import services

    petition = _open(w)
    signer = w.other_citizen
    signature = services.signature_add(actor=signer, petition=petition)
    return _then(lambda: services.signature_withdraw(actor=signer, signature=signature), actor=signer, subject=petition)


def petition_signature_reviewed(w) -> Any:
    from ecitizen.engagement.petitions import services

    petition = _open(w)
    signature = _email_signature(w, petition)
    moderator = _moderator(w)
    return _then(
        lambda: services.signature_review(actor=moderator, signature=signature, remove=True, reason="fake"),
        actor=moderator,
        subject=petition,
        agency=w.agency_a,
    )


def petition_responded(w) -> Any:
    from ecitizen.engagement.petitions import services

    petition = _open(w)
    admin = _admin(w)
    return _then(
        lambda: services.petition_respond(actor=admin, petition=petition, text="We agree."),
        actor=admin,
        subject=petition,
        agency=w.agency_a,
    )


def petition_debate_scheduled(w) -> Any:
    from django.test import override_settings

    from ecitizen.engagement.petitions import services

    petition = _open(w)
    admin = _admin(w)

    def act():
        with override_settings(PETITION_DEBATE_THRESHOLD=5):
            services.petition_schedule_debate(
                actor=admin, petition=petition, date=datetime.date.today() + datetime.timedelta(days=30), place="Hall"
            )
        return _expect(actor=admin, subject=petition, agency=w.agency_a)

    return act


def petition_closed(w) -> Any:
    from django.utils import timezone

    from ecitizen.engagement.petitions import services
    from ecitizen.engagement.petitions.models import Petition

    petition = _open(w)
    Petition.objects.filter(pk=petition.pk).update(closes_at=timezone.now() - datetime.timedelta(minutes=1))
    return _then(lambda: services.petition_close(actor=None, petition=petition), subject=petition, agency=w.agency_a)


def petition_threshold_cleared(w) -> Any:
    from django.test import override_settings

    from ecitizen.engagement.petitions import services

    petition = _open(w)
    moderator = _moderator(w)
    # The author and six supporters, and this signature (flagged: a disposable address), reach 8.
    with override_settings(PETITION_RESPONSE_THRESHOLD=8):
        signature = _email_signature(w, petition, "threshold-crosser@mailinator.com")

    def act():
        with override_settings(PETITION_RESPONSE_THRESHOLD=8):
            services.signature_review(actor=moderator, signature=signature, remove=True, reason="fake")
        return _expect(actor=moderator, subject=petition, agency=w.agency_a)

    return act


SCENARIOS: dict[str, Any] = {
    A.PETITION_CREATED: petition_created,
    A.PETITION_UPDATED: petition_updated,
    A.PETITION_SPONSOR_CONFIRMED: petition_sponsor_confirmed,
    A.PETITION_SUBMITTED: petition_submitted,
    A.PETITION_PUBLISHED: petition_published,
    A.PETITION_REJECTED: petition_rejected,
    A.PETITION_SIGNED: petition_signed,
    A.PETITION_SIGNATURE_CONFIRMED: petition_signature_confirmed,
    A.PETITION_SIGNATURE_WITHDRAWN: petition_signature_withdrawn,
    A.PETITION_SIGNATURE_REVIEWED: petition_signature_reviewed,
    A.PETITION_RESPONDED: petition_responded,
    A.PETITION_DEBATE_SCHEDULED: petition_debate_scheduled,
    A.PETITION_CLOSED: petition_closed,
    A.PETITION_THRESHOLD_CLEARED: petition_threshold_cleared,
}
