"""Writes of the voter's side: casting a ballot online, encrypted in the browser (:func:`cast`) or by
the server on the assisted path without JavaScript (:func:`cast_assisted`).

A ballot is accepted when the person is on the referendum's marked register (their
:class:`~ecitizen.voting.referendums.models.ElectorateEntry`, found by their voter key), has not
voted on paper or by the assisted path, voting is open, and the ballot passes every check of
docs/voting-protocol.md section 6 (its election, its credential on the list, every proof and the
signature). The proofs are checked first, outside any transaction (they cost a few milliseconds of
CPU); then one short transaction locks the referendum's row (so that casts are numbered one after
the other, and none is added once the count has started), numbers the ballot ``n = max + 1``,
marks the credential's previous ballot ``replaced_by = n``, and marks the register. The same ballot
sent twice (a double click, a retry) is one ballot: its hash is already on the board, and that
entry is returned.

Secrecy: the board stores the ballot and its credential, never who sent it; the register says
that and how (channel) a person voted, never which ballot is theirs. An online cast therefore has
no audit row (a row naming the voter would tie them to a moment, and so to a ballot number); an
assisted cast, which is final and marks the register for good, records ``REF_ASSISTED_VOTE`` with
nothing of the ballot. The credential code a voter types on the assisted path is used to sign the
ballot and then forgotten: it is stored nowhere, not even in the audit row. The voter is emailed
their ballot tracker (never their choices) with a plain ``send_mail`` once the cast is committed,
so no copy of it stays in the database either; an error report never shows the code
(``sensitive_variables``, and the cryptography's own frames are dropped from the traceback).

The register row is written by a person's first online ballot only (later ones just read it), and
the count writes the whole register again (``opening_services.close_and_tally``): PostgreSQL stamps
each row with the transaction that last wrote it, so while voting is open the live database (not a
copy of it) can tell whose *first* ballot is whose, and after the count it cannot. The limit on
casts keeps its times under a keyed hash of the account (``public_views._cast_hit``). What remains
is what any server sees while it serves a request: who sent a ballot at that moment.
"""

from __future__ import annotations

import datetime
import json
import threading
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_variables

from ecitizen.core.audit import audit_record
from ecitizen.core.i18n import pick
from ecitizen.core.models import AuditAction
from ecitizen.core.site import absolute_url
from ecitizen.voting.protocol import ballots, credentials, hashing
from ecitizen.voting.referendums import voter_conf
from ecitizen.voting.referendums.models import (
    BoardBallot,
    Channel,
    ElectorateEntry,
    PublicCredential,
    Referendum,
    Stage,
)
from ecitizen.voting.referendums.public_selectors import (
    Reason,
    VoterStatus,
    questions_of,
    refusal_message,
    voter_status,
)

BALLOT = "ballot"
CREDENTIAL = "credential"
ASSISTED = "assisted"


@dataclass(frozen=True)
class BoardEntry:
    """The cast ballot's place on the board: its number, its tracker (grouped by four) and hash."""

    n: int
    tracker: str
    hash: str
    replaced: int | None = None  # the number of the ballot of the same credential it replaced


# --- messages ----------------------------------------------------------------------------------


def rejection_message(code: str) -> str:
    """What a voter is told when the board refuses their ballot (``BallotRejected.code``)."""
    messages = {
        "malformed": _(
            "Your ballot could not be read, so it was not accepted. Reload the page and vote again. If it "
            "happens again, try another browser, or vote without JavaScript."
        ),
        "wrong_election": _(
            "Your ballot was made for another referendum (or with an out-of-date page), so it was not "
            "accepted. Reload the page and vote again."
        ),
        "unknown_credential": _(
            "The credential code you entered is not one of this referendum's. Check it against the email "
            "we sent you when voting opened, and vote again."
        ),
        "bad_proof": _(
            "Your ballot's proofs did not check out, so it was not accepted. Reload the page and vote again. "
            "If it happens again, your browser or one of its extensions may be changing the ballot: try "
            "another browser."
        ),
        "bad_signature": _(
            "Your ballot's signature does not match its credential, so it was not accepted. Check your "
            "credential code against the email we sent you, and vote again."
        ),
    }
    return messages.get(code, messages["malformed"])


def _refuse(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=str(code))})


def _status_check(referendum: Referendum, user: Any, now: datetime.datetime | None) -> VoterStatus:
    status = voter_status(referendum, user, now)
    if not status.ok:
        raise _refuse(NON_FIELD_ERRORS, status.message, str(status.reason))
    return status


# --- checking ----------------------------------------------------------------------------------

_checkers: dict[str, ballots.Checker] = {}
_checkers_lock = threading.Lock()


def _checker(referendum: Referendum) -> ballots.Checker:
    """The election's checker, made once per process (it parses the election record)."""
    key = referendum.election_hash
    checker = _checkers.get(key)
    if checker is None:
        checker = ballots.Checker(referendum.election, key)
        with _checkers_lock:
            if len(_checkers) > 64:
                _checkers.clear()
            _checkers[key] = checker
    return checker


class _CredentialList:
    """The referendum's public credentials, asked one at a time (a list of 100,000 is not loaded
    for each ballot)."""

    def __init__(self, referendum: Referendum):
        self.referendum_id = referendum.pk

    def __contains__(self, credential: object) -> bool:
        if not isinstance(credential, str):
            return False
        return PublicCredential.objects.filter(referendum_id=self.referendum_id, credential=credential).exists()


def _parse(ballot_json: Any) -> dict:
    """The ballot sent by the browser, as a dict; ``ValidationError`` on ``ballot`` otherwise."""
    malformed = _refuse(BALLOT, rejection_message("malformed"), "malformed")
    if not isinstance(ballot_json, str | bytes) or not ballot_json:
        raise malformed
    if len(ballot_json) > voter_conf.ballot_max_bytes():
        raise malformed

    def no_constants(name: str) -> None:
        raise ValueError(name)

    try:
        ballot = json.loads(ballot_json, parse_constant=no_constants)
    except (ValueError, RecursionError, UnicodeDecodeError):
        raise malformed from None
    if not isinstance(ballot, dict):
        raise malformed
    return ballot


def _check(referendum: Referendum, ballot: dict) -> ballots.BallotCheck:
    try:
        checked, _cts = _checker(referendum).check(ballot, _CredentialList(referendum))
    except ballots.BallotRejected as exc:
        field = CREDENTIAL if exc.code in ("unknown_credential", "bad_signature") else BALLOT
        raise _refuse(field, rejection_message(exc.code), exc.code) from None
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, RecursionError):
        # Not a ballot the checker foresaw: never a 500, the voter is told to vote again.
        raise _refuse(BALLOT, rejection_message("malformed"), "malformed") from None
    return checked


# --- recording -----------------------------------------------------------------------------------


def _compact(tracker: str) -> str:
    return tracker.replace("-", "")


def _entry_of(n: int, tracker: str, ballot_hash: str, replaced: int | None) -> BoardEntry:
    return BoardEntry(n=n, tracker=hashing.group_by_four(_compact(tracker)), hash=ballot_hash, replaced=replaced)


def _existing(referendum: Referendum, ballot_hash: str) -> BoardEntry | None:
    row = (
        BoardBallot.objects.filter(referendum=referendum, hash=ballot_hash)
        .order_by("n")
        .values_list("n", "tracker")
        .first()
    )
    return _entry_of(row[0], row[1], ballot_hash, None) if row else None


def _db(model: Any, field_name: str, value: Any) -> Any:
    return model._meta.get_field(field_name).get_db_prep_save(value, connection)


def _lock_and_number(referendum: Referendum, credential: str, now: datetime.datetime) -> tuple[int, int | None] | None:
    """Inside the transaction: lock the referendum's row and check voting is open (None when it
    is not), then read the next number and the credential's last ballot ``(n, previous)``.

    Two statements, written out (a cast runs them at a hundred a second): the lock first, so that
    the numbers are read after the casts queued before this one have committed (a statement
    that waited for a lock still sees the data of the moment it started)."""
    quote = connection.ops.quote_name
    referendums, board = quote(Referendum._meta.db_table), quote(BoardBallot._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {referendums} WHERE id = %s AND stage = %s AND opens_at <= %s AND closes_at > %s{lock}",  # noqa: S608
            [referendum.pk, Stage.OPEN, _db(Referendum, "opens_at", now), _db(Referendum, "closes_at", now)],
        )
        if cursor.fetchone() is None:
            return None
        cursor.execute(
            f"SELECT (SELECT MAX(n) FROM {board} WHERE referendum_id = %s), "  # noqa: S608
            f"(SELECT MIN(n) FROM {board} WHERE referendum_id = %s AND credential = %s AND replaced_by IS NULL)",
            [referendum.pk, referendum.pk, credential],
        )
        last, previous = cursor.fetchone()
    return (last or 0) + 1, previous


def _write(
    *,
    referendum: Referendum,
    entry: ElectorateEntry,
    n: int,
    previous: int | None,
    checked,
    text: str,
    tracker: str,
    channel: str,
    now: datetime.datetime,
) -> bool:
    """The ballot numbered *n*, its credential's *previous* ballot marked replaced, the register
    marked; False (nothing done but what the transaction will roll back) when the register says
    the person voted on paper or by the assisted path meanwhile."""
    quote = connection.ops.quote_name
    board, register = quote(BoardBallot._meta.db_table), quote(ElectorateEntry._meta.db_table)
    with connection.cursor() as cursor:
        if previous is not None:
            cursor.execute(
                f"UPDATE {board} SET replaced_by = %s WHERE referendum_id = %s AND n = %s",  # noqa: S608
                [n, referendum.pk, previous],
            )
        cursor.execute(
            f"INSERT INTO {board} (referendum_id, n, credential, ballot, hash, tracker, replaced_by) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s, %s, NULL)",
            [referendum.pk, n, checked.credential, text, checked.hash, tracker],
        )
        if channel == Channel.ONLINE:
            # Written on the first online ballot only: the row then carries no trace of the
            # ballots that replace it (on PostgreSQL every write stamps the row with its
            # transaction, the ballot's). Later ballots only read it.
            cursor.execute(
                f"UPDATE {register} SET channel = %s WHERE id = %s AND channel = %s",  # noqa: S608
                [Channel.ONLINE, entry.pk, ""],
            )
            if cursor.rowcount == 1:
                return True
            cursor.execute(f"SELECT channel FROM {register} WHERE id = %s", [entry.pk])  # noqa: S608
            row = cursor.fetchone()
            return row is not None and row[0] == Channel.ONLINE
        cursor.execute(
            f"UPDATE {register} SET channel = %s, final_at = %s "  # noqa: S608
            "WHERE id = %s AND channel IN (%s, %s)",
            [channel, _db(ElectorateEntry, "final_at", now), entry.pk, "", Channel.ONLINE],
        )
        return cursor.rowcount == 1


def _record(
    *,
    referendum: Referendum,
    user: Any,
    entry: ElectorateEntry,
    ballot: dict,
    checked: ballots.BallotCheck,
    channel: str,
) -> BoardEntry:
    """Number the checked ballot, replace the credential's last one, mark the register; in one
    short transaction (retried when another cast took the number first)."""
    text = hashing.canonical_json(ballot)
    tracker = _compact(checked.tracker)
    for _attempt in range(voter_conf.cast_retries()):
        try:
            with transaction.atomic():
                # Casts of one referendum queue on its row for a few statements each; the count
                # (which locks the row to move the stage on) waits for the casts in flight.
                now = timezone.now()
                numbered = _lock_and_number(referendum, checked.credential, now)
                if numbered is None:
                    raise _refuse(NON_FIELD_ERRORS, refusal_message(Reason.CLOSED, referendum), Reason.CLOSED)
                n, previous = numbered
                written = _write(
                    referendum=referendum,
                    entry=entry,
                    n=n,
                    previous=previous,
                    checked=checked,
                    text=text,
                    tracker=tracker,
                    channel=channel,
                    now=now,
                )
                if not written:
                    # Marked at a counter (or by the assisted path in another tab) since the checks.
                    fresh = ElectorateEntry.objects.filter(pk=entry.pk).values_list("channel", flat=True).first()
                    reason = Reason.VOTED_PAPER if fresh == Channel.PAPER else Reason.VOTED_ASSISTED
                    raise _refuse(NON_FIELD_ERRORS, refusal_message(reason, referendum), reason)
                if channel == Channel.ASSISTED:
                    # Nothing of the ballot (number, tracker, hash) goes into the row.
                    audit_record(
                        actor=user,
                        action=AuditAction.REF_ASSISTED_VOTE,
                        subject=referendum,
                        subject_user=user,
                        agency=referendum.agency,
                        extra={"channel": Channel.ASSISTED},
                    )
                result = _entry_of(n, tracker, checked.hash, previous)
                _email_tracker(referendum, user, result, final=channel != Channel.ONLINE)
                return result
        except IntegrityError:
            # The same ballot again (a double click, a retry): it is on the board already. Else a
            # number was taken by a cast that did not wait for the lock (cannot happen): again.
            existing = _existing(referendum, checked.hash)
            if existing is not None:
                return existing
    raise _refuse(
        NON_FIELD_ERRORS,
        _("Many people are voting at this moment and your ballot could not be recorded. Send it again."),
        "busy",
    )


def _email_tracker(referendum: Referendum, user: Any, entry: BoardEntry, *, final: bool) -> None:
    """Email the voter their tracker (not their choices) once the cast is committed. A plain
    message, not a notification: notifications keep their text in the inbox table."""
    to = getattr(user, "email", "")
    if not to:
        return
    context = {
        "title": pick(referendum.title),
        "tracker": entry.tracker,
        "board_url": absolute_url(reverse("referendums:board", args=[referendum.pk])),
        "closes_at": referendum.closes_at,
        "final": final,
    }
    subject = " ".join(render_to_string("referendums/public/email/tracker_subject.txt", context).split())
    body = render_to_string("referendums/public/email/tracker_body.txt", context).strip() + "\n"
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to]), robust=True)


# --- casting -------------------------------------------------------------------------------------


def cast(referendum: Referendum, user: Any, ballot_json: Any, *, now: datetime.datetime | None = None) -> BoardEntry:
    """*user* casts a ballot encrypted in their browser (JSON text, docs/voting-protocol.md
    section 5). Returns its board entry. Raises ``ValidationError`` with a sentence saying what to
    do: on the whole form (not on the register, not open, voted on paper or assisted), on
    ``ballot`` (unreadable, another election's, a bad proof) or on ``credential`` (a credential
    not on the list, a signature that does not hold). Nothing is written when it raises."""
    status = _status_check(referendum, user, now)
    ballot = _parse(ballot_json)
    checked = _check(referendum, ballot)
    return _record(
        referendum=referendum, user=user, entry=status.entry, ballot=ballot, checked=checked, channel=Channel.ONLINE
    )


def selections_check(referendum: Referendum, selections: Any) -> list[list[int]]:
    """The marks per question as the assisted form sent them (``{question index: [option
    indexes]}`` or a list), checked against each question's fewest and most marks; raises
    ``ValidationError`` on ``q<i>`` with what to change."""
    questions = questions_of(referendum)
    if isinstance(selections, dict):
        rows = [selections.get(q.index, selections.get(str(q.index), [])) for q in questions]
    elif isinstance(selections, list | tuple) and len(selections) == len(questions):
        rows = list(selections)
    else:
        raise _refuse(NON_FIELD_ERRORS, _("Answer every question."), "selections")
    errors: dict[str, str] = {}
    checked: list[list[int]] = []
    for question, marked in zip(questions, rows, strict=True):
        try:
            indexes = sorted({int(k) for k in (marked or [])})
        except (TypeError, ValueError):
            indexes = [-1]
        if any(not 0 <= k < len(question.options) for k in indexes):
            errors[question.name] = _("Choose only the options listed.")
        elif len(indexes) < question.min or len(indexes) > question.max:
            errors[question.name] = _marks_message(question.min, question.max, len(indexes))
        checked.append(indexes)
    if errors:
        raise ValidationError(errors, code="selections")
    return checked


def _marks_message(low: int, high: int, marked: int) -> str:
    """What to change about the marks of a question (the booth's wording)."""
    if low == high == 1:
        return _("Select an answer.")
    if marked > high:
        return ngettext(
            "Select no more than %(n)s option. You selected %(marked)s.",
            "Select no more than %(n)s options. You selected %(marked)s.",
            high,
        ) % {"n": high, "marked": marked}
    return ngettext("Select at least %(n)s option.", "Select at least %(n)s options.", low) % {"n": low}


@sensitive_variables("code")
def _encrypt_with_code(referendum: Referendum, code: str, marks: list[list[int]]) -> dict:
    """The assisted ballot, encrypted and signed with the voter's (normalised) credential *code*.
    An unforeseen error in the cryptography is raised again without its traceback: the frames
    below this one hold the code (and the credential's secret) in their variables, and an error
    report shows them."""
    try:
        public = credentials.public_credential(str(referendum.uuid), code)
    except Exception as exc:
        raise RuntimeError(f"the credential could not be derived ({type(exc).__name__})") from None
    if public not in _CredentialList(referendum):
        raise _refuse(CREDENTIAL, rejection_message("unknown_credential"), "unknown_credential")
    try:
        ballot, _opening = ballots.encrypt(referendum.election, referendum.election_hash, code, marks)
    except ValueError:
        raise _refuse(NON_FIELD_ERRORS, _("Answer every question."), "selections") from None
    except Exception as exc:
        raise RuntimeError(f"the assisted ballot could not be encrypted ({type(exc).__name__})") from None
    return ballot


@sensitive_variables("code", "normal")
def cast_assisted(
    referendum: Referendum,
    user: Any,
    code: str,
    selections: Any,
    *,
    now: datetime.datetime | None = None,
) -> BoardEntry:
    """*user* votes without JavaScript: the server encrypts their *selections* (per question,
    the indexes of the marked options) and signs the ballot with their credential *code*, then
    casts it like any other. The register is marked ``assisted``: final, no other vote after it.
    Raises ``ValidationError`` as :func:`cast` does, and on ``credential`` for a code that is not
    one, on ``q<i>`` for the wrong number of marks."""
    if not referendum.assisted_voting:
        raise _refuse(
            NON_FIELD_ERRORS,
            _(
                "This referendum has no assisted path. Vote with JavaScript switched on, or on paper at a "
                "service counter."
            ),
            "no_assisted",
        )
    status = _status_check(referendum, user, now)
    normal = credentials.normalise_code(code) if isinstance(code, str) else None
    if normal is None:
        raise _refuse(
            CREDENTIAL,
            _(
                "Enter your credential code as it is in the email we sent you when voting opened: 24 letters "
                "and digits, for example ABCD-EFGH-IJKL-MNOP-QRST-UVWX."
            ),
            "code_format",
        )
    marks = selections_check(referendum, selections)
    ballot = _encrypt_with_code(referendum, normal, marks)
    checked = _check(referendum, ballot)
    return _record(
        referendum=referendum,
        user=user,
        entry=status.entry,
        ballot=ballot,
        checked=checked,
        channel=Channel.ASSISTED,
    )
