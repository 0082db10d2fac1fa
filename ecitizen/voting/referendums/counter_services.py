"""Paper ballots at service counters: handed out during voting, typed in twice after the close.

**Handing out** (:func:`paper_issue`): staff see the voter's identity document and type in their
national ID; the person must be in the frozen electorate (found by the ID's blind index, the
register's voter key) and not marked yet. The entry is marked ``paper`` (final: no online vote
afterwards, as at CONSUL's booths), with who marked it and when; the audit row names the voter,
who can see it among the accesses to their data. Nobody hands a ballot paper to themselves, to
another account of their own or to a declared relative (``ecitizen.agencies.conflicts``).

**Typing in** (:func:`sheet_enter`): after the close, each ballot paper from the box is typed in by
one staff member and again by a *different* one, without seeing the first entry. When both agree
(the marks and whether it is spoilt) the sheet counts (confirmed); otherwise it is held
(mismatch) until a supervisor (an agency admin), looking at the paper, enters it again, which
makes it wait for a second entry again. Sheets carry no link to the voter. There can never be more
sheets than paper ballots handed out.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ecitizen.agencies.conflicts import conflict_reason
from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.exchange.selectors import national_id_blind_index
from ecitizen.voting.budgeting.eligibility import bound_national_id_index, voter_profile
from ecitizen.voting.referendums.models import (
    Channel,
    ElectorateEntry,
    PaperSheet,
    Referendum,
    SheetState,
    Stage,
)
from ecitizen.voting.referendums.policies import referendum_policy
from ecitizen.voting.referendums.result_services import paper_marks, result_changed
from ecitizen.voting.referendums.setup_services import questions_of

SHEET_NUMBER_MAX_LENGTH = 30
CHOICES = "choices"


# --- handing out a paper ballot ------------------------------------------------------------------


def counter_open(referendum: Referendum, now: datetime.datetime | None = None) -> bool:
    return referendum.paper_voting and referendum.is_voting_open(now)


def paper_issue(
    *, actor: Any, referendum: Referendum, national_id: str, now: datetime.datetime | None = None
) -> ElectorateEntry:
    """Mark the person with *national_id* as voting on paper. Raises ``ValidationError`` on
    ``national_id`` (not in the electorate, voted already, oneself) or on the whole form (not
    during voting, no paper ballots in this referendum)."""
    now = now or timezone.now()
    if not referendum_policy.can_for(actor, "counter", referendum):
        raise PermissionDenied
    if not referendum.paper_voting:
        raise ValidationError({NON_FIELD_ERRORS: _("This referendum has no paper ballots.")})
    if not referendum.is_voting_open(now):
        raise ValidationError({NON_FIELD_ERRORS: _("Paper ballots are handed out only while voting is open.")})
    national_id = (national_id or "").strip()
    if not national_id:
        raise ValidationError({"national_id": _("Enter the national ID number from the voter's identity document")})
    index = national_id_blind_index(national_id)
    if index == bound_national_id_index(voter_profile(actor)):
        raise ValidationError({"national_id": _yourself()})
    with transaction.atomic():
        entry = ElectorateEntry.objects.select_related("user").filter(referendum=referendum, voter_key=index).first()
        if entry is None:
            raise ValidationError(
                {"national_id": _("This person is not in the electorate of this referendum: they may not vote in it.")}
            )
        _no_conflict(actor, referendum, entry, index)
        # Marked in one statement that only succeeds while unmarked: an online ballot cast at the
        # same moment either marked it first (and this fails) or is refused afterwards.
        marked = ElectorateEntry.objects.filter(pk=entry.pk, channel="").update(
            channel=Channel.PAPER, final_at=now, marked_by=actor
        )
        if not marked:
            entry.refresh_from_db()
            raise ValidationError({"national_id": _already(entry.channel)})
        entry.refresh_from_db()
        audit_record(
            actor=actor,
            action=AuditAction.REF_PAPER_ISSUED,
            subject=entry,
            subject_user=entry.user,
            agency=referendum.agency,
            extra={"referendum": referendum.pk},
        )
    return entry


def _yourself() -> str:
    return _("You cannot hand a ballot paper to yourself. Ask a colleague.")


def _no_conflict(actor: Any, referendum: Referendum, entry: ElectorateEntry, index: str) -> None:
    """Staff never act on their own affairs (``ecitizen.agencies.conflicts``): not for the account on
    the register if it is theirs, nor for a national ID their own profile holds (bound or not: an
    entry keeps the ID it had when voting opened), nor for a declared relative (where the agency
    counts relatives) or another account of their own."""
    own = entry.user_id == actor.pk or conflict_reason(
        staff=actor, citizen=None, agency=referendum.agency_id, national_id_index=index
    )
    if own:
        raise ValidationError({"national_id": _yourself()})
    if entry.user_id is not None and conflict_reason(staff=actor, citizen=entry.user_id, agency=referendum.agency_id):
        raise ValidationError(
            {
                "national_id": _(
                    "You cannot hand a ballot paper to this person: they are declared as your relative, or the "
                    "account is another of yours. Ask a colleague."
                )
            }
        )


def _already(channel: str) -> str:
    if channel == Channel.PAPER:
        return _("This person has already been given a paper ballot. Do not give them another.")
    if channel == Channel.ASSISTED:
        return _("This person has already voted online with help. They cannot vote again.")
    return _(
        "This person has already voted online, so they cannot vote on paper. "
        "They can vote again online until voting closes."
    )


# --- typing in ballot papers ---------------------------------------------------------------------


def sheets_open(referendum: Referendum, now: datetime.datetime | None = None) -> bool:
    """Ballot papers are typed in after the close, until the result is published."""
    now = now or timezone.now()
    return (
        referendum.paper_voting and referendum.stage in (Stage.COUNTING, Stage.RESULT) and now >= referendum.closes_at
    )


def check_marks(referendum: Referendum, choices: Any, spoilt: bool) -> list[list[int]]:
    """The marks as stored (per question, the 0-based indexes of the options marked, sorted);
    a spoilt paper stores none. Raises ``ValidationError`` on ``choices`` (or ``q<i>``)."""
    if spoilt:
        return []
    questions = questions_of(referendum)
    if not isinstance(choices, list | tuple) or len(choices) != len(questions):
        raise ValidationError({CHOICES: _("Enter the marks of every question.")})
    stored = []
    for i, (question, marked) in enumerate(zip(questions, choices, strict=True)):
        n = len(question.options.all())
        try:
            marks = sorted({int(k) for k in marked})
        except (TypeError, ValueError):
            raise ValidationError({f"q{i}": _("Choose only options of this question.")}) from None
        if any(not 0 <= k < n for k in marks):
            raise ValidationError({f"q{i}": _("Choose only options of this question.")})
        if not question.min_choices <= len(marks) <= question.max_choices:
            raise ValidationError(
                {
                    f"q{i}": ngettext(
                        "This question takes from %(min)s to %(max)s mark, and the paper has %(n)s. "
                        "If that is what the voter marked, the paper is spoilt: tick “spoilt”.",
                        "This question takes from %(min)s to %(max)s marks, and the paper has %(n)s. "
                        "If that is what the voter marked, the paper is spoilt: tick “spoilt”.",
                        question.max_choices,
                    )
                    % {"min": question.min_choices, "max": question.max_choices, "n": len(marks)}
                }
            )
        stored.append(marks)
    return stored


def normalise_sheet_number(text: str) -> str:
    return " ".join((text or "").split()).upper()


def sheet_enter(
    *,
    actor: Any,
    referendum: Referendum,
    sheet_number: str,
    choices: Any,
    spoilt: bool = False,
    now: datetime.datetime | None = None,
) -> PaperSheet:
    """One entry of a ballot paper: the first (the sheet waits), the second by someone else (it is
    confirmed or held as a mismatch), or a supervisor's new entry of a mismatched sheet (it waits
    again). Returns the sheet in its new state."""
    now = now or timezone.now()
    if not referendum_policy.can_for(actor, "counter", referendum):
        raise PermissionDenied
    if not sheets_open(referendum, now):
        raise ValidationError(
            {NON_FIELD_ERRORS: _("Ballot papers are typed in after voting closes, until the result is published.")}
        )
    number = normalise_sheet_number(sheet_number)
    if not number:
        raise ValidationError({"sheet_number": _("Enter the number printed on the ballot paper")})
    if len(number) > SHEET_NUMBER_MAX_LENGTH:
        raise ValidationError(
            {"sheet_number": _("The number must be %(n)s characters or fewer") % {"n": SHEET_NUMBER_MAX_LENGTH}}
        )
    marks = check_marks(referendum, choices, bool(spoilt))
    with transaction.atomic():
        locked = Referendum.objects.select_for_update().select_related("agency").get(pk=referendum.pk)
        if locked.stage not in (Stage.COUNTING, Stage.RESULT):
            raise ValidationError({NON_FIELD_ERRORS: _("The result is published: ballot papers can no longer change.")})
        sheet = PaperSheet.objects.select_for_update().filter(referendum=locked, sheet_number=number).first()
        if sheet is None:
            sheet = _first_entry(actor, locked, number, marks, bool(spoilt), now)
        elif sheet.state == SheetState.WAITING:
            sheet = _second_entry(actor, locked, sheet, marks, bool(spoilt), now)
        elif sheet.state == SheetState.MISMATCH:
            sheet = _supervisor_entry(actor, locked, sheet, marks, bool(spoilt), now)
        else:
            raise ValidationError(
                {"sheet_number": _("This ballot paper has been typed in twice already, and it counts.")}
            )
    return sheet


def _first_entry(actor, referendum, number, marks, spoilt, now) -> PaperSheet:
    handed_out = paper_marks(referendum)
    if PaperSheet.objects.filter(referendum=referendum).count() >= handed_out:
        raise ValidationError(
            {
                "sheet_number": ngettext(
                    "There cannot be more ballot papers than the %(n)s paper ballot handed out.",
                    "There cannot be more ballot papers than the %(n)s paper ballots handed out.",
                    handed_out,
                )
                % {"n": handed_out}
            }
        )
    sheet = PaperSheet.objects.create(
        referendum=referendum, sheet_number=number, choices=marks, spoilt=spoilt, entered_by=actor, entered_at=now
    )
    audit_record(
        actor=actor,
        action=AuditAction.REF_SHEET_ENTERED,
        subject=sheet,
        agency=referendum.agency,
        extra={"referendum": referendum.pk, "sheet": number},
    )
    return sheet


def _second_entry(actor, referendum, sheet, marks, spoilt, now) -> PaperSheet:
    if sheet.entered_by_id == actor.pk:
        raise ValidationError(
            {"sheet_number": _("You typed in this ballot paper first: a different person must type it in again.")}
        )
    agrees = sheet.choices == marks and sheet.spoilt == spoilt
    sheet.state = SheetState.CONFIRMED if agrees else SheetState.MISMATCH
    sheet.confirmed_by, sheet.confirmed_at = actor, now
    sheet.save(update_fields=["state", "confirmed_by", "confirmed_at"])
    cleared = result_changed(referendum) if agrees else 0
    audit_record(
        actor=actor,
        action=AuditAction.REF_SHEET_CONFIRMED if agrees else AuditAction.REF_SHEET_MISMATCH,
        subject=sheet,
        agency=referendum.agency,
        extra={"referendum": referendum.pk, "sheet": sheet.sheet_number, "sign_offs_cleared": cleared},
    )
    return sheet


def _supervisor_entry(actor, referendum, sheet, marks, spoilt, now) -> PaperSheet:
    if not referendum_policy.can_for(actor, "supervise", referendum):
        raise ValidationError(
            {
                "sheet_number": _(
                    "The two entries of this ballot paper differ. A supervisor must look at it and type it in again."
                )
            }
        )
    sheet.choices, sheet.spoilt = marks, spoilt
    sheet.state = SheetState.WAITING
    sheet.entered_by, sheet.entered_at = actor, now
    sheet.confirmed_by, sheet.confirmed_at = None, None
    sheet.save()
    audit_record(
        actor=actor,
        action=AuditAction.REF_SHEET_ENTERED,
        subject=sheet,
        agency=referendum.agency,
        extra={"referendum": referendum.pk, "sheet": sheet.sheet_number, "after_mismatch": True},
    )
    return sheet
