"""Opening and closing referendums, on their dates (the periodic job ``referendums-open-and-close``).

**Opening** (:func:`open_referendum`): the election record of docs/voting-protocol.md section 2 is
written and hashed; the electorate is frozen (:mod:`~ecitizen.voting.referendums.eligibility`)
into the marked register; and the credential step gives each person who can vote online a fresh
credential code. Only the *public* credentials are stored, in sorted order (so that neither their
order nor their row numbers follow the register's); each code goes to its voter by email after the
commit, sent directly (an inbox message would store it) and then forgotten. Voting opens with the
electorate size and the number of credentials issued published.

**Closing** (:func:`close_and_tally`): once voting has closed, the counted ballots of the board
(those not replaced) are summed into the encrypted tally for the trustees to decrypt (stage
counting). The sum is computed with no write lock held; a short transaction then stores it, after
checking that no ballot arrived in the meantime (it sums again if one did), and writes the marked
register again so that no row of it keeps the mark of a ballot's transaction (PostgreSQL).

Both run from :func:`referendums_due_task`, and do nothing to a referendum that is not due.
"""

from __future__ import annotations

import datetime
import json
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import F, Max
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from django_tasks import task

from ecitizen.core.audit import audit_record
from ecitizen.core.i18n import pick
from ecitizen.core.models import AuditAction
from ecitizen.core.site import absolute_url
from ecitizen.voting.protocol import credentials, hashing
from ecitizen.voting.protocol import tally as protocol_tally
from ecitizen.voting.referendums import eligibility
from ecitizen.voting.referendums.models import (
    BoardBallot,
    ElectorateEntry,
    PublicCredential,
    Referendum,
    Stage,
)
from ecitizen.voting.referendums.setup_services import key_complete, questions_of, trustees_of

logger = logging.getLogger(__name__)

BATCH = 1000
TALLY_ATTEMPTS = 5


def iso(moment: datetime.datetime) -> str:
    """An instant as ISO 8601 in UTC, as the election record writes it."""
    return moment.astimezone(datetime.UTC).isoformat()


def election_record(referendum: Referendum) -> dict:
    """The election record (docs/voting-protocol.md section 2) of a referendum whose key is complete."""
    return {
        "uuid": str(referendum.uuid),
        "title": dict(referendum.title),
        "questions": [
            {
                "id": f"q{i}",
                "text": dict(question.text),
                "options": [{"id": f"o{k}", "label": dict(o.label)} for k, o in enumerate(question.options.all(), 1)],
                "min": question.min_choices,
                "max": question.max_choices,
            }
            for i, question in enumerate(questions_of(referendum), 1)
        ],
        "threshold": referendum.threshold,
        "trustees": [{"index": t.index, "verification_key": t.verification_key} for t in trustees_of(referendum)],
        "public_key": referendum.public_key,
        "opens_at": iso(referendum.opens_at),
        "closes_at": iso(referendum.closes_at),
    }


# --- opening ------------------------------------------------------------------------------------


def _not_due(message: str) -> ValidationError:
    return ValidationError({NON_FIELD_ERRORS: message})


class CredentialMails(list):
    """``(email, language, code)`` per voter who gets a credential, from the credential step to
    the sending. It prints as its size only, so that an error report (a frame's variables) or a
    log line never shows a code."""

    def __repr__(self) -> str:
        return f"<{len(self)} credential emails>"

    __str__ = __repr__


@sensitive_variables("code", "mails")
def open_referendum(referendum: Referendum, now: datetime.datetime | None = None) -> Referendum:
    """Open a referendum that is ready and whose voting has started: freeze the electorate, issue
    the credentials, and send them after the commit. Raises ``ValidationError`` when it is not
    ready or not due."""
    now = now or timezone.now()
    referendum = Referendum.objects.select_related("agency").get(pk=referendum.pk)
    if referendum.stage != Stage.READY:
        raise _not_due(_("Only a referendum that is ready can open."))
    if not referendum.opens_at <= now < referendum.closes_at:
        raise _not_due(_("It is not time for voting."))
    if not key_complete(referendum):
        raise _not_due(_("The election key is not complete: the trustees must make it again."))
    election = election_record(referendum)
    election_hash = hashing.election_hash(election)
    people = eligibility.electors(referendum, timezone.localdate(referendum.opens_at))
    uuid = str(referendum.uuid)
    mails = CredentialMails()
    public = []
    for person in people:
        if person.online:
            code = credentials.new_code()
            public.append(credentials.public_credential(uuid, code))
            mails.append((person.email, person.language, code))
    public.sort()
    with transaction.atomic():
        locked = Referendum.objects.select_for_update().select_related("agency").get(pk=referendum.pk)
        if locked.stage != Stage.READY or not key_complete(locked) or election_record(locked) != election:
            raise _not_due(_("The referendum changed while it was opening. It will open at the next attempt."))
        ElectorateEntry.objects.bulk_create(
            [
                ElectorateEntry(
                    referendum=locked,
                    voter_key=p.voter_key,
                    user_id=p.user_id,
                    district_id=p.district_id,
                    credential_sent=p.online,
                )
                for p in people
            ],
            batch_size=BATCH,
        )
        PublicCredential.objects.bulk_create(
            [PublicCredential(referendum=locked, credential=c) for c in public], batch_size=BATCH
        )
        locked.election = election
        locked.election_hash = election_hash
        locked.opened_at = now
        locked.electorate_size = len(people)
        locked.credentials_issued = len(public)
        locked.stage = Stage.OPEN
        locked.save(
            update_fields=[
                "election",
                "election_hash",
                "opened_at",
                "electorate_size",
                "credentials_issued",
                "stage",
                "updated_at",
            ]
        )
        audit_record(
            actor=None,
            action=AuditAction.REF_OPENED,
            subject=locked,
            agency=locked.agency,
            extra={"electorate": len(people), "credentials": len(public), "election_hash": election_hash},
        )
        # robust: a failure to send is logged (without the codes) and does not undo the opening.
        transaction.on_commit(lambda: credentials_send(locked, mails), robust=True)
    return locked


def _vote_url(referendum: Referendum) -> str:
    try:
        return absolute_url(reverse("referendums:vote", args=[referendum.pk]))
    except NoReverseMatch:
        return ""


@sensitive_variables("mails", "email", "code", "context", "body", "messages")
def credentials_send(referendum: Referendum, mails: list[tuple[str, str, str]]) -> int:
    """Email each code to its voter (after the commit that stored the public credentials). The
    codes live only in this list and in the emails. Returns how many were handed to the mail
    server."""
    url = _vote_url(referendum)
    sent = 0
    mailer = get_connection(fail_silently=True)
    for start in range(0, len(mails), BATCH):
        messages = []
        for email, language, code in mails[start : start + BATCH]:
            with translation.override(language or settings.LANGUAGE_CODE):
                context = {
                    "referendum": referendum,
                    "title": pick(referendum.title),
                    "code": code,
                    "url": url,
                    "platform": settings.PLATFORM_NAME,
                }
                subject = render_to_string("referendums/staff/email/credential_subject.txt", context)
                body = render_to_string("referendums/staff/email/credential_body.txt", context)
            messages.append(EmailMessage(" ".join(subject.split()), body, None, [email]))
        sent += mailer.send_messages(messages) or 0
    if sent < len(mails):
        logger.warning(
            "referendum %s: %s of %s credential emails were not sent", referendum.pk, len(mails) - sent, len(mails)
        )
    return sent


# --- closing ------------------------------------------------------------------------------------


def _sum(referendum: Referendum) -> tuple[list, int, int]:
    """(tally, counted ballots, last ballot number) of the board as it is now, without a lock."""
    acc = protocol_tally.empty(referendum.election)
    counted = 0
    board = BoardBallot.objects.filter(referendum=referendum)
    last = board.aggregate(last=Max("n"))["last"] or 0
    for text in board.filter(replaced_by__isnull=True, n__lte=last).values_list("ballot", flat=True).iterator():
        protocol_tally.add(acc, json.loads(text))
        counted += 1
    return acc, counted, last


def _register_rewritten(referendum: Referendum) -> None:
    """Inside the count's transaction: every row of the marked register written again, unchanged,
    in one statement. PostgreSQL stamps each row with the transaction that last wrote it; a voter's
    row was last written by the transaction of their first online ballot, which stamped that ballot
    too. Rewritten together, the rows carry the count's transaction, and neither their stamps nor
    the stamps' order say anything of anyone's ballot. (SQLite keeps no such stamp.)"""
    if connection.vendor != "postgresql":
        return
    ElectorateEntry.objects.filter(referendum=referendum).update(channel=F("channel"))


def close_and_tally(referendum: Referendum, now: datetime.datetime | None = None) -> bool:
    """After the close, sum the counted ballots for the trustees (stage counting). Returns whether
    it did (False when the referendum is not open or voting has not closed)."""
    now = now or timezone.now()
    for _attempt in range(TALLY_ATTEMPTS):
        current = Referendum.objects.get(pk=referendum.pk)
        if current.stage != Stage.OPEN or now < current.closes_at:
            return False
        acc, counted, last = _sum(current)
        with transaction.atomic():
            locked = Referendum.objects.select_for_update().select_related("agency").get(pk=referendum.pk)
            if locked.stage != Stage.OPEN:
                return False
            board = BoardBallot.objects.filter(referendum=locked)
            if (board.aggregate(last=Max("n"))["last"] or 0) != last or board.filter(
                replaced_by__isnull=True, n__lte=last
            ).count() != counted:
                continue  # a ballot arrived while we summed: sum again
            locked.tally = acc
            locked.counted_ballots = counted
            locked.stage = Stage.COUNTING
            locked.save(update_fields=["tally", "counted_ballots", "stage", "updated_at"])
            _register_rewritten(locked)
            audit_record(
                actor=None,
                action=AuditAction.REF_TALLIED,
                subject=locked,
                agency=locked.agency,
                extra={"counted_ballots": counted, "board": last},
            )
            return True
    raise RuntimeError(f"referendum {referendum.pk}: the board kept changing while it was summed")


# --- the periodic job ---------------------------------------------------------------------------


def referendums_due(now: datetime.datetime | None = None) -> dict[str, Any]:
    """Open the referendums whose voting has started and sum those whose voting has closed."""
    now = now or timezone.now()
    opened = closed = 0
    for referendum in Referendum.objects.filter(stage=Stage.READY, opens_at__lte=now, closes_at__gt=now):
        try:
            open_referendum(referendum, now)
        except ValidationError as exc:
            logger.warning("referendum %s did not open: %s", referendum.pk, exc.messages)
        except Exception:
            # One referendum that cannot open (a broken district shape...) must not keep the
            # others from opening or closing: it is logged and tried again at the next run.
            logger.exception("referendum %s did not open", referendum.pk)
        else:
            opened += 1
    for referendum in Referendum.objects.filter(stage=Stage.OPEN, closes_at__lte=now):
        try:
            done = close_and_tally(referendum, now)
        except Exception:
            logger.exception("referendum %s was not summed", referendum.pk)
        else:
            closed += int(done)
    return {"opened": opened, "closed": closed}


@task()
def referendums_due_task() -> int:
    """The scheduler's job (``referendums-open-and-close`` in ``PERIODIC_JOBS``): :func:`referendums_due`."""
    with translation.override(settings.LANGUAGE_CODE):
        done = referendums_due()
    return done["opened"] + done["closed"]
