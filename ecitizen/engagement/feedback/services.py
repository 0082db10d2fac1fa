"""Writes of service feedback: giving (or changing) a rating, signed in or through a rating link."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.core.numbers import parse_id as parse_number
from ecitizen.engagement.feedback import conf
from ecitizen.engagement.feedback.models import Answer, Rating
from ecitizen.engagement.feedback.selectors import month_is_over
from ecitizen.engagement.feedback.transactions import transaction_for, transaction_for_link


class NotRateable(Exception):
    """The transaction is not the actor's, not complete, or does not exist (the view answers 404)."""


def month_of(moment: datetime.datetime) -> datetime.date:
    """The first day of *moment*'s month in the deployment's time zone."""
    return timezone.localtime(moment).date().replace(day=1)


def _clean(answer: Any, comment: Any) -> tuple[int, str]:
    errors: dict[str, str] = {}
    value = parse_number(answer.strip() if isinstance(answer, str) else answer) or 0
    if value not in Answer.values:
        errors["answer"] = _("Select how you felt about the service")
    text = str(comment or "").strip()
    limit = conf.comment_max_length()
    if len(text) > limit:
        errors["comment"] = _("Your comment must be %(limit)s characters or fewer") % {"limit": limit}
    if errors:
        raise ValidationError(errors)
    return value, text


def feedback_give(
    *, actor: Any, kind: str, reference: str, answer: Any, comment: str = "", now: datetime.datetime | None = None
) -> Rating:
    """Record *actor*'s rating of their own completed transaction *kind*/*reference*.

    One rating per person per transaction: giving it again changes the answer and the
    comment (the month it counts in stays the month it was first given), until that month is
    over -- then its figures are published and the rating is final (``ValidationError`` on
    ``answer``). Posting the same
    answer and comment again (a double click, a retry) changes nothing and writes no audit
    row. Raises ``ValidationError`` (keys ``answer``, ``comment``) for bad input and
    :class:`NotRateable` when the transaction is not one *actor* may rate; nothing is
    saved in either case. Writes one ``FEEDBACK_GIVEN`` audit row, which names the
    transaction, the answer and the channel but never the comment. *now* is for seed data
    and tests (when the rating was given); it defaults to the present.
    """
    value, text = _clean(answer, comment)
    found = transaction_for(actor, kind, reference)
    if found is None:
        raise NotRateable
    try:
        with transaction.atomic():
            return _give(actor, found, value, text, now or timezone.now())
    except IntegrityError:
        # Two first posts at once: the other one won; this one now changes it.
        with transaction.atomic():
            return _give(actor, found, value, text, now or timezone.now())


def feedback_give_by_link(
    *, token: str, answer: Any, comment: str = "", now: datetime.datetime | None = None
) -> Rating:
    """Record a rating through the signed rating link *token* (see the ``links`` module): today,
    a problem report's reporter who has no account rating their closed report.

    The rating has no rater: it names no one, whoever is signed in. One rating per link's
    transaction: posting again changes it, under the same rules as :func:`feedback_give`
    (until its month is over; the same answer and comment again change nothing). Raises
    ``ValidationError`` for bad input and :class:`NotRateable` for a link that does not work
    (forged, too old, the report open again...); nothing is saved in either case. Writes one
    ``FEEDBACK_GIVEN`` audit row without an actor, marked ``by_link``.
    """
    value, text = _clean(answer, comment)
    found = transaction_for_link(token)
    if found is None:
        raise NotRateable
    try:
        with transaction.atomic():
            return _give(None, found, value, text, now or timezone.now())
    except IntegrityError:
        # Two first posts at once: the other one won; this one now changes it.
        with transaction.atomic():
            return _give(None, found, value, text, now or timezone.now())


def _give(actor: Any, found: Any, value: int, text: str, now: datetime.datetime) -> Rating:
    # actor None: a rating through a link, one per transaction ("rater IS NULL"; the reference is
    # never empty here, unlike those of deleted accounts).
    rating = Rating.objects.select_for_update().filter(rater=actor, kind=found.kind, reference=found.reference).first()
    changed = rating is not None
    if rating is None:
        rating = Rating(
            rater=actor,
            kind=found.kind,
            reference=found.reference,
            month=month_of(now),
            created_at=now,
        )
    elif rating.answer == value and rating.comment == text:
        return rating
    elif month_is_over(rating.month, now=now):
        # Its month's figures are published: changing it would move them (and show the change).
        raise ValidationError({"answer": _("You can no longer change your answer: its month is over")})
    rating.agency_id = found.agency_id
    rating.service_id = found.service_id
    rating.channel = found.channel
    rating.answer = value
    rating.comment = text
    rating.updated_at = now
    rating.save()
    audit_record(
        actor=actor,
        action=AuditAction.FEEDBACK_GIVEN,
        subject=rating,
        subject_user=actor,
        agency=rating.agency,
        extra={
            "kind": rating.kind,
            "reference": rating.reference,
            "answer": rating.answer,
            "channel": rating.channel,
            "service": rating.service_id,
            "changed": changed,
            "comment": bool(text),
            "by_link": actor is None,
        },
    )
    return rating
