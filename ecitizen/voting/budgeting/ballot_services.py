"""Writes about ballots: casting one online, and paper ballots typed in twice by two staff members.

One person, one ballot: a :class:`Ballot` is unique per process and voter key
(:func:`~ecitizen.voting.budgeting.eligibility.voter_key_for`), and the last ballot a person casts
counts. Casting is one ``INSERT ... ON CONFLICT DO UPDATE`` (PostgreSQL and SQLite both have it):
two casts by the same person at the same moment (two tabs) never make two rows and never fail on
the unique constraint; the second waits for the first's row lock and replaces its choices, so the
choices left are those of the cast that committed last. A repeated form (same ``cast_token``)
casts once. An online ballot never replaces a paper one, nor the other way round.

Audit: every cast writes ``PB_BALLOT_CAST`` naming the voter, with the ballot's version, channel
and budget. The choices are *not* copied into the audit row: they are kept once, with the ballot
(and go when the ballot goes), while audit rows are kept for years and read by auditors who have no
need of anyone's preferences. Participatory-budget ballots are not secret (as in CONSUL): staff
can see who voted; the choices are only read to count.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.exchange.selectors import national_id_blind_index
from ecitizen.voting.budgeting.ballot_selectors import ballot_costs, paper_ballot_of, voted_online
from ecitizen.voting.budgeting.eligibility import (
    bound_national_id_index,
    eligibility_for,
    paper_phase_open,
    paper_policy,
    paper_voter_eligibility,
    voter_profile,
)
from ecitizen.voting.budgeting.models import (
    Ballot,
    BallotChoice,
    BallotStyle,
    Budget,
    Channel,
    PaperEntry,
    PaperEntryState,
    Phase,
    Process,
)
from ecitizen.voting.budgeting.templatetags.budgeting_money import whole_money

CHOICES = "choices"


# --- the rules of a ballot -------------------------------------------------------------------


def ballot_total(costs: Mapping[int, int], choices: Mapping[int, int]) -> int:
    """The cost of the chosen projects (*costs*: {project id: cost} of the ballot's projects)."""
    return sum(cost for pk, cost in costs.items() if pk in choices)


def ballot_check(*, process: Process, budget: Budget, costs: Mapping[int, int], choices: Mapping[int, int]) -> dict:
    """Check *choices* ({project id: points}) against the process's ballot style and the ballot's
    projects (*costs*: {project id: cost}, as :func:`ballot_selectors.ballot_costs`); returns the
    choices as stored (points 1 for approval and knapsack) or raises ``ValidationError`` on
    ``choices`` with a sentence saying what to change."""
    on_ballot = costs
    if not choices:
        raise ValidationError({CHOICES: _("Choose at least one project.")})
    if any(pk not in on_ballot for pk in choices):
        raise ValidationError({CHOICES: _("Choose only projects on this ballot.")})
    style = process.ballot_style
    if style == BallotStyle.CUMULATIVE:
        points = {pk: int(n) for pk, n in choices.items() if int(n) != 0}
        if any(n < 0 for n in points.values()):
            raise ValidationError({CHOICES: _("Points must be whole numbers, 0 or more.")})
        if not points:
            raise ValidationError({CHOICES: _("Give points to at least one project.")})
        most = process.max_points_per_project
        if most and any(n > most for n in points.values()):
            raise ValidationError(
                {
                    CHOICES: ngettext(
                        "You can give at most %(n)s point to one project.",
                        "You can give at most %(n)s points to one project.",
                        most,
                    )
                    % {"n": most}
                }
            )
        total = sum(points.values())
        if process.points and total > process.points:
            raise ValidationError(
                {
                    CHOICES: ngettext(
                        "You have %(n)s point to share out, and you gave %(total)s. Take some back.",
                        "You have %(n)s points to share out, and you gave %(total)s. Take some back.",
                        process.points,
                    )
                    % {"n": process.points, "total": total}
                }
            )
        return points
    chosen = dict.fromkeys(choices, 1)
    if style == BallotStyle.APPROVAL and process.max_choices and len(chosen) > process.max_choices:
        raise ValidationError(
            {
                CHOICES: ngettext(
                    "Choose at most %(n)s project. You chose %(chosen)s.",
                    "Choose at most %(n)s projects. You chose %(chosen)s.",
                    process.max_choices,
                )
                % {"n": process.max_choices, "chosen": len(chosen)}
            }
        )
    if style == BallotStyle.KNAPSACK:
        total = ballot_total(costs, chosen)
        if total > budget.amount:
            raise ValidationError(
                {
                    CHOICES: _(
                        "The projects you chose cost %(total)s, more than the budget of %(amount)s. "
                        "Remove a project so that the total fits."
                    )
                    % {"total": whole_money(total), "amount": whole_money(budget.amount)}
                }
            )
    return chosen


def voting_open_check(process: Process, now: datetime.datetime | None = None) -> None:
    phase = process.phase(now)
    if phase == Phase.VOTING:
        return
    if phase in (Phase.DRAFT, Phase.UPCOMING, Phase.IDEAS, Phase.REVIEW):
        raise ValidationError({NON_FIELD_ERRORS: _("Voting has not opened yet.")})
    raise ValidationError({NON_FIELD_ERRORS: _("Voting has closed.")})


# --- casting online --------------------------------------------------------------------------


def _db(field_name: str, value: Any) -> Any:
    return Ballot._meta.get_field(field_name).get_db_prep_save(value, connection)


def _upsert_ballot(
    *, process: Process, budget: Budget, voter_key: str, user: Any, channel: str, now: datetime.datetime, token: Any
) -> tuple[int, int] | None:
    """Insert the ballot, or make the existing one of the same voter key the next version.
    Returns (id, version), or None when nothing was written: the existing ballot came from the
    other channel, or from the same form (same token)."""
    table = Ballot._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (process_id, budget_id, voter_key, user_id, channel, version, "  # noqa: S608
            "cast_at, first_cast_at, cast_token) VALUES (%s, %s, %s, %s, %s, 1, %s, %s, %s) "
            "ON CONFLICT (process_id, voter_key) DO UPDATE SET budget_id = excluded.budget_id, "
            f"user_id = excluded.user_id, version = {table}.version + 1, cast_at = excluded.cast_at, "
            f"cast_token = excluded.cast_token WHERE {table}.channel = excluded.channel AND "
            f"({table}.cast_token IS NULL OR excluded.cast_token IS NULL OR {table}.cast_token <> excluded.cast_token) "
            "RETURNING id, version",
            [
                process.pk,
                budget.pk,
                voter_key,
                getattr(user, "pk", None),
                channel,
                _db("cast_at", now),
                _db("first_cast_at", now),
                _db("cast_token", token),
            ],
        )
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


def _write_choices(ballot_id: int, choices: Mapping[int, int], *, replace: bool) -> None:
    """The ballot's choices: the old ones deleted (*replace*), the new ones in one INSERT."""
    table = BallotChoice._meta.db_table
    rows = sorted(choices.items())
    with connection.cursor() as cursor:
        if replace:
            cursor.execute(f"DELETE FROM {table} WHERE ballot_id = %s", [ballot_id])  # noqa: S608
        values = ", ".join(["(%s, %s, %s)"] * len(rows))
        cursor.execute(
            f"INSERT INTO {table} (ballot_id, project_id, points) VALUES {values}",  # noqa: S608
            [x for pk, n in rows for x in (ballot_id, pk, n)],
        )


def _bound_since_voting_opened(profile: Any, process: Process) -> bool:
    """Could the account have voted before it was bound to a national ID? Only if it was bound
    after voting opened (else there is no ballot under ``user:<id>`` to replace: no query)."""
    return profile.verified_at is None or profile.verified_at >= process.voting_open_at


def ballot_cast(
    *,
    actor: Any,
    process: Process,
    choices: Mapping[int, int],
    cast_token: uuid.UUID | None = None,
    budget: Budget | None = None,
    now: datetime.datetime | None = None,
) -> Ballot:
    """*actor* casts their ballot in *process* online: {project id: points} (points are 1 except on
    cumulative ballots). Casting again replaces the choices (``version`` + 1); the same
    *cast_token* twice casts once. *budget* is the district the voter chose, read only when they
    may choose (a non-resident in a process open to everyone with a budget per district); a
    resident always votes in their own district. Raises ``ValidationError`` (on ``choices`` for
    the ballot's rules, on ``budget`` for a missing or wrong district, else on the whole form: not
    eligible, voting not open, voted on paper)."""
    now = now or timezone.now()
    voting_open_check(process, now)
    profile = voter_profile(actor)
    eligibility = eligibility_for(actor, process, profile=profile, now=now)
    if not eligibility.ok:
        raise ValidationError({NON_FIELD_ERRORS: eligibility.message}, code=str(eligibility.reason))
    budget = eligibility.budget_for(budget)
    if budget is None:
        raise ValidationError({"budget": _("Choose the district you want to vote in.")}, code="district")
    checked = ballot_check(process=process, budget=budget, costs=ballot_costs(budget), choices=choices)
    index = bound_national_id_index(profile)
    voter_key = index or f"user:{actor.pk}"
    with transaction.atomic():
        written = _upsert_ballot(
            process=process,
            budget=budget,
            voter_key=voter_key,
            user=actor,
            channel=Channel.ONLINE,
            now=now,
            token=cast_token,
        )
        if written is None:
            existing = Ballot.objects.get(process=process, voter_key=voter_key)
            if existing.channel == Channel.PAPER:
                raise ValidationError(
                    {NON_FIELD_ERRORS: _("You voted on paper at a service counter, so you cannot vote online.")},
                    code="voted_on_paper",
                )
            return existing  # the same form again: already cast
        ballot_id, version = written
        if version == 1 and index and _bound_since_voting_opened(profile, process):
            # A ballot cast before the account was bound to a national ID is replaced by this one.
            Ballot.objects.filter(process=process, voter_key=f"user:{actor.pk}", channel=Channel.ONLINE).delete()
        _write_choices(ballot_id, checked, replace=version > 1)
        ballot = Ballot(
            pk=ballot_id,
            process=process,
            budget=budget,
            voter_key=voter_key,
            user=actor,
            channel=Channel.ONLINE,
            version=version,
            cast_at=now,
            cast_token=cast_token,
        )
        audit_record(
            actor=actor,
            action=AuditAction.PB_BALLOT_CAST,
            subject=ballot,
            subject_user=actor,
            agency=process.agency,
            extra={"process": process.pk, "budget": budget.pk, "version": version, "channel": Channel.ONLINE},
        )
    return ballot


# --- paper ballots ---------------------------------------------------------------------------


def _paper_process_check(actor: Any, process: Process, action: str = "enter") -> None:
    if not paper_policy.processes(actor, action).filter(pk=process.pk).exists():
        raise PermissionDenied
    if not paper_phase_open(process):
        raise ValidationError(
            {NON_FIELD_ERRORS: _("Paper ballots can be entered only while voting is open or being counted.")}
        )


def _paper_voter_check(
    *, actor: Any, process: Process, national_id_index: str, budget: Budget, choices: Mapping[int, int]
) -> dict:
    """The checks both entries of a paper ballot pass: the voter (not the staff member
    themselves, eligible, not voted online or on paper already) and the ballot's rules."""
    if national_id_index == bound_national_id_index(voter_profile(actor)):
        raise ValidationError({"national_id": _("You cannot enter or confirm your own ballot. Ask a colleague.")})
    eligibility = paper_voter_eligibility(process=process, national_id_index=national_id_index, budget=budget)
    if not eligibility.ok:
        raise ValidationError({"national_id": eligibility.message})
    if voted_online(process, national_id_index):
        raise ValidationError({"national_id": _("This person has voted online, so they cannot vote on paper.")})
    if paper_ballot_of(process, national_id_index) is not None:
        raise ValidationError({"national_id": _("This person's paper ballot has already been counted.")})
    return ballot_check(process=process, budget=budget, costs=ballot_costs(budget), choices=choices)


def _stored(choices: Mapping[int, int]) -> dict[str, int]:
    return {str(pk): int(n) for pk, n in sorted(choices.items())}


def paper_entry_enter(
    *,
    actor: Any,
    process: Process,
    sheet_number: str,
    national_id: str,
    budget: Budget,
    choices: Mapping[int, int],
) -> PaperEntry:
    """The first of the two entries of a paper ballot. Raises ``ValidationError`` (on
    ``sheet_number``, ``national_id`` or ``choices``) and ``PermissionDenied`` for staff without
    a role in the process's agency."""
    _paper_process_check(actor, process)
    sheet_number = " ".join(sheet_number.split()).upper()
    if not sheet_number:
        raise ValidationError({"sheet_number": _("Enter the number printed on the ballot paper.")})
    index = national_id_blind_index(national_id)
    checked = _paper_voter_check(actor=actor, process=process, national_id_index=index, budget=budget, choices=choices)
    with transaction.atomic():
        active = PaperEntry.objects.filter(
            process=process, state__in=[PaperEntryState.WAITING, PaperEntryState.CONFIRMED]
        )
        if active.filter(sheet_number=sheet_number).exists():
            raise ValidationError(
                {"sheet_number": _("This ballot paper has been entered already. Confirm it from the list instead.")}
            )
        if active.filter(voter_key=index).exists():
            raise ValidationError({"national_id": _("A paper ballot of this person has been entered already.")})
        entry = PaperEntry.objects.create(
            process=process,
            budget=budget,
            sheet_number=sheet_number,
            voter_key=index,
            choices=_stored(checked),
            entered_by=actor,
        )
        audit_record(
            actor=actor,
            action=AuditAction.PB_PAPER_ENTERED,
            subject=entry,
            agency=process.agency,
            extra={"sheet": sheet_number, "budget": budget.pk},
        )
    return entry


def paper_entry_confirm(
    *,
    actor: Any,
    entry: PaperEntry,
    national_id: str,
    budget: Budget,
    choices: Mapping[int, int],
) -> PaperEntry:
    """The second entry of a paper ballot, typed by another staff member without seeing the first.
    When the voter, district and choices agree, the ballot is written (channel paper) and the entry
    is confirmed; otherwise both entries are kept as MISMATCH for a supervisor. Returns the first
    entry in its new state."""
    process = entry.process
    _paper_process_check(actor, process, "confirm")
    if entry.entered_by_id == actor.pk:
        raise PermissionDenied(_("A different person must enter the second copy of a paper ballot."))
    index = national_id_blind_index(national_id)
    checked = _paper_voter_check(actor=actor, process=process, national_id_index=index, budget=budget, choices=choices)
    now = timezone.now()
    with transaction.atomic():
        # Held until the end: two people confirming the same sheet at once are served in turn.
        first = PaperEntry.objects.select_for_update().get(pk=entry.pk)
        if first.state != PaperEntryState.WAITING:
            raise ValidationError({NON_FIELD_ERRORS: _("This ballot paper is no longer waiting for a second entry.")})
        agrees = first.voter_key == index and first.budget_id == budget.pk and first.choices == _stored(checked)
        if not agrees:
            PaperEntry.objects.filter(pk=first.pk).update(
                state=PaperEntryState.MISMATCH, confirmed_by=actor, confirmed_at=now
            )
            second = PaperEntry.objects.create(
                process=process,
                budget=budget,
                sheet_number=first.sheet_number,
                voter_key=index,
                choices=_stored(checked),
                state=PaperEntryState.MISMATCH,
                entered_by=actor,
                entered_at=now,
            )
            audit_record(
                actor=actor,
                action=AuditAction.PB_PAPER_MISMATCH,
                subject=first,
                agency=process.agency,
                extra={"sheet": first.sheet_number, "second_entry": second.pk},
            )
            first.refresh_from_db()
            return first
        written = _upsert_ballot(
            process=process, budget=budget, voter_key=index, user=None, channel=Channel.PAPER, now=now, token=None
        )
        if written is None or written[1] != 1:
            # Voted online (or on paper) since the checks above.
            raise ValidationError(
                {"national_id": _("This person has voted already, so this paper ballot cannot count.")}
            )
        _write_choices(written[0], checked, replace=False)
        PaperEntry.objects.filter(pk=first.pk).update(
            state=PaperEntryState.CONFIRMED, confirmed_by=actor, confirmed_at=now, ballot_id=written[0]
        )
        first.refresh_from_db()
        audit_record(
            actor=actor,
            action=AuditAction.PB_PAPER_CONFIRMED,
            subject=first,
            agency=process.agency,
            extra={"sheet": first.sheet_number, "ballot": written[0], "version": 1, "channel": Channel.PAPER},
        )
    return first


def paper_entry_discard(*, actor: Any, entry: PaperEntry) -> int:
    """A supervisor (agency admin) discards a paper ballot whose two entries did not agree (both
    entries of its sheet), or a first entry still waiting, so that the sheet can be entered again.
    Returns how many entries were discarded."""
    process = entry.process
    if not paper_policy.processes(actor, "discard").filter(pk=process.pk).exists():
        raise PermissionDenied
    with transaction.atomic():
        states = [PaperEntryState.MISMATCH, PaperEntryState.WAITING]
        rows = PaperEntry.objects.select_for_update().filter(
            process=process, sheet_number=entry.sheet_number, state__in=states
        )
        ids = [row.pk for row in rows]
        if entry.pk not in ids:
            raise ValidationError(
                {NON_FIELD_ERRORS: _("Only entries that are waiting or did not agree can be discarded.")}
            )
        PaperEntry.objects.filter(pk__in=ids).update(state=PaperEntryState.DISCARDED)
        audit_record(
            actor=actor,
            action=AuditAction.PB_PAPER_DISCARDED,
            subject=entry,
            agency=process.agency,
            extra={"sheet": entry.sheet_number, "entries": ids},
        )
    return len(ids)
