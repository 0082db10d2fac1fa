"""Counting the votes of a process, publishing its results, and importing a finished process
from a Pabulib file. Each write: one short transaction, the actor passed in, one audit row.

Counting reads every budget's ballots, writes them as Pabulib text, reads that text back and
counts it (so what is counted is exactly the text whose SHA-256 is kept) with no transaction
open; then one short transaction checks that no ballot changed meanwhile and stores the tallies.
If a ballot did change (a late paper ballot confirmed), the count starts again.

Four eyes: a count made by the scheduled job has no person behind it, so a member of staff counts
again (checking it) before the results can be published, and an agency admin other than whoever
counted publishes them.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.voting.budgeting import pabulib_io
from ecitizen.voting.budgeting.models import (
    TITLE_MAX_LENGTH,
    Ballot,
    BallotChoice,
    BallotStyle,
    Budget,
    Channel,
    PaperEntry,
    PaperEntryState,
    Phase,
    Process,
    Project,
    ProjectResult,
    ProjectStatus,
    Tally,
)
from ecitizen.voting.budgeting.result_policies import import_agencies, result_policy
from ecitizen.voting.budgeting.tally import tally as run_tally

logger = logging.getLogger(__name__)

COUNT_ATTEMPTS = 3
# Imported files: the largest accepted, and the most points one choice may carry.
IMPORT_MAX_BYTES = 50 * 1024 * 1024
MAX_POINTS = 32767
# The largest budget or cost an imported file may hold (the columns are 64-bit), and the most votes
# (points) one project may get (ProjectResult.votes is a 32-bit column).
MAX_AMOUNT = 10**15
MAX_VOTES = 2**31 - 1


class _BallotsChanged(Exception):
    """A ballot changed between reading and storing a count: count again."""


def _check_actor(actor: Any, process: Process, action: str) -> None:
    if actor is None:
        return  # the scheduled job
    if not result_policy.can_for(actor, action, process):
        raise PermissionDenied


# --- counting ----------------------------------------------------------------------------


def results_count(*, actor: Any | None, process: Process) -> list[Tally]:
    """Count every budget of *process* by its rule and store the tallies (replacing earlier ones).

    *actor* is a caseworker or agency admin of the process's agency (PermissionDenied otherwise),
    or None for the scheduled job. The process must have closed its voting and not yet published
    its results (ValidationError ``not_countable``). One PB_TALLIED audit row. Returns the tallies.
    """
    _check_actor(actor, process, "count")
    for _attempt in range(COUNT_ATTEMPTS):
        fresh = Process.objects.select_related("agency").get(pk=process.pk)
        _check_countable(fresh)
        budgets = list(fresh.budgets.select_related("area", "process__agency").order_by("pk"))
        counted = []
        for budget in budgets:
            data = pabulib_io.budget_input(budget)
            counted.append((data, run_tally(data.instance, pabulib_io.engine_rule(fresh.rule))))
        try:
            return _store(actor=actor, process=fresh, counted=counted)
        except _BallotsChanged:
            logger.info("budgeting: ballots of process %s changed while counting; counting again", fresh.pk)
    raise ValidationError(_("Ballots kept changing while they were counted. Try again in a minute."), code="busy")


def _check_countable(process: Process) -> None:
    if process.phase() != Phase.COUNTING:
        raise ValidationError(
            _("The votes can be counted only after voting has closed and before the results are published."),
            code="not_countable",
        )


@transaction.atomic
def _store(*, actor: Any | None, process: Process, counted: list) -> list[Tally]:
    locked = Process.objects.select_for_update().get(pk=process.pk)
    _check_countable(locked)
    if actor is None:
        # The scheduled job counts only what nobody has counted: if a member of staff (or another
        # run of the job) stored a count while this one was reading, keep theirs.
        counted_budgets = set(Tally.objects.filter(budget__process=locked).values_list("budget_id", flat=True))
        if all(data.budget.pk in counted_budgets for data, _result in counted):
            return list(Tally.objects.filter(budget__process=locked).order_by("budget_id"))
    now = timezone.now()
    tallies = []
    facts = []
    for data, result in counted:
        if pabulib_io.ballots_fingerprint(data.budget) != data.fingerprint:
            raise _BallotsChanged
        Tally.objects.filter(budget=data.budget).delete()
        tally = Tally.objects.create(
            budget=data.budget,
            rule=locked.rule,
            ballots=len(data.instance.ballots),
            spent=int(result.spent),
            input_sha256=data.sha256,
            details=_jsonable(getattr(result, "details", {}) or {}),
            counted_at=now,
            counted_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        order = {pid: i for i, pid in enumerate(result.selected, start=1)}
        ProjectResult.objects.bulk_create(
            ProjectResult(
                tally=tally,
                project_id=int(project.id),
                votes=int(result.votes.get(project.id, 0)),
                funded=project.id in order,
                order=order.get(project.id),
                explanation=_jsonable(result.explanations.get(project.id, {})),
            )
            for project in data.instance.projects
        )
        tallies.append(tally)
        facts.append(
            {
                "budget": data.budget.pk,
                "ballots": tally.ballots,
                "spent": tally.spent,
                "selected": [int(pid) for pid in result.selected],
                "input_sha256": data.sha256,
            }
        )
    audit_record(
        actor=actor,
        action=AuditAction.PB_TALLIED,
        subject=locked,
        agency=locked.agency,
        extra={"rule": locked.rule, "budgets": facts},
    )
    return tallies


def _jsonable(value: Any) -> Any:
    """The engine's explanation facts as JSON (fractions and decimals as floats, keys as text)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, bool | int | str) or value is None:
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def results_count_due() -> int:
    """The scheduled job: count every published process whose voting has closed, whose results are
    not published, and which has a budget not yet counted. Returns how many processes it counted."""
    now = timezone.now()
    due = (
        Process.objects.filter(published_at__isnull=False, voting_close_at__lte=now, results_published_at__isnull=True)
        .filter(implementation_started_at__isnull=True)
        # One join: a budget that has no tally (a process without budgets is never due).
        .filter(budgets__isnull=False, budgets__tally__isnull=True)
        .distinct()
        .order_by("pk")
    )
    counted = 0
    for process in due:
        try:
            results_count(actor=None, process=process)
        except ValidationError:
            logger.warning("budgeting: process %s could not be counted", process.pk, exc_info=True)
            continue
        except Exception:  # one broken process must not stop the others being counted
            logger.exception("budgeting: counting process %s failed", process.pk)
            continue
        counted += 1
    return counted


@task()
def results_count_due_task() -> int:
    """The scheduler's job (``count-budget-votes`` in ``PERIODIC_JOBS``): :func:`results_count_due`."""
    with translation.override(settings.LANGUAGE_CODE):
        return results_count_due()


# --- publishing --------------------------------------------------------------------------


def publish_problems(process: Process) -> list[str]:
    """Why the results of *process* cannot be published yet (none when they can), whoever asks."""
    problems = []
    if process.phase() != Phase.COUNTING:
        return [_("The results can be published only after voting has closed, once.")]
    budgets = list(process.budgets.all())
    tallies = {t.budget_id: t for t in Tally.objects.filter(budget__process=process)}
    if any(b.pk not in tallies for b in budgets):
        return [_("Count the votes first.")]
    if PaperEntry.objects.filter(process=process, state=PaperEntryState.WAITING).exists():
        problems.append(
            _("Some paper ballots are waiting for their second entry: confirm or discard them, then count again.")
        )
    for budget in budgets:
        tally = tallies[budget.pk]
        ballots = Ballot.objects.filter(budget=budget).aggregate(last=Max("cast_at"))
        if Ballot.objects.filter(budget=budget).count() != tally.ballots or (
            ballots["last"] is not None and ballots["last"] > tally.counted_at
        ):
            problems.append(_("Ballots changed after the last count: count again."))
            break
    if any(t.counted_by_id is None for t in tallies.values()):
        problems.append(_("The count was made automatically: a member of staff must count again to check it."))
    return problems


@transaction.atomic
def results_publish(*, actor: Any, process: Process) -> Process:
    """Publish the results of *process*: they become public, and the Pabulib files get their
    ``selected`` column.

    *actor* is an agency admin of the process's agency who did not make the count
    (PermissionDenied otherwise). ValidationError when the count is missing, automatic, or older
    than a ballot (:func:`publish_problems`). One PB_RESULTS_PUBLISHED audit row.
    """
    locked = Process.objects.select_for_update().select_related("agency").get(pk=process.pk)
    _check_actor(actor, locked, "publish")
    if actor is None:
        raise PermissionDenied
    problems = publish_problems(locked)
    if problems:
        raise ValidationError(problems, code="not_publishable")
    tallies = list(Tally.objects.filter(budget__process=locked))
    if any(t.counted_by_id == actor.pk for t in tallies):
        raise PermissionDenied(_("Someone other than the person who counted the votes must publish the results."))
    locked.results_published_at = timezone.now()
    locked.results_published_by = actor
    locked.save(update_fields=["results_published_at", "results_published_by", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.PB_RESULTS_PUBLISHED,
        subject=locked,
        agency=locked.agency,
        extra={
            "counted_by": sorted({t.counted_by_id for t in tallies}),
            "tallies": {str(t.budget_id): t.input_sha256 for t in tallies},
        },
    )
    return locked


# --- importing ---------------------------------------------------------------------------


def _import_error(message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({"file": [ValidationError(message, code=code)]})


def _read_file(text: str):
    try:
        instance = pabulib_io.read_text(text)
    except Exception as exc:
        raise _import_error(_("This is not a Pabulib file we can read: %(reason)s") % {"reason": exc}) from exc
    if instance.vote_type not in ("approval", "cumulative"):
        raise _import_error(_("Only approval and cumulative ballots can be imported."), "vote_type")
    if not instance.projects:
        raise _import_error(_("The file has no projects."), "no_projects")
    if int(instance.budget) <= 0:
        raise _import_error(_("The file’s budget must be more than zero."), "budget")
    if int(instance.budget) > MAX_AMOUNT:
        raise _import_error(_("The file’s budget is too large."), "budget")
    if instance.voter_ids and len(set(instance.voter_ids)) != len(instance.voter_ids):
        raise _import_error(_("The file has two votes with the same voter id."), "duplicate_voter")
    ids = set()
    for project in instance.projects:
        if int(project.cost) <= 0:
            raise _import_error(_("Every project must cost more than zero."), "cost")
        if int(project.cost) > MAX_AMOUNT:
            raise _import_error(_("A project’s cost is too large."), "cost")
        ids.add(str(project.id))
    totals: dict[str, int] = {}
    for ballot in instance.ballots:
        for pid, points in ballot.items():
            if str(pid) not in ids:
                raise _import_error(_("A vote is for a project that is not in the file."), "unknown_project")
            if not 1 <= int(points) <= MAX_POINTS:
                raise _import_error(_("A vote has a number of points we cannot store."), "points")
            totals[str(pid)] = totals.get(str(pid), 0) + int(points)
    if any(total > MAX_VOTES for total in totals.values()):
        raise _import_error(_("A project has more votes than we can store."), "points")
    return instance


def _import_dates(meta: dict) -> tuple[datetime.datetime, datetime.datetime]:
    now = timezone.now()
    tz = timezone.get_current_timezone()
    begin = pabulib_io.parse_pabulib_date(str(meta.get("date_begin", "")))
    end = pabulib_io.parse_pabulib_date(str(meta.get("date_end", "")))
    close = datetime.datetime.combine(end, datetime.time(23, 59), tzinfo=tz) if end else now
    close = min(close, now)
    opened = datetime.datetime.combine(begin, datetime.time(0, 0), tzinfo=tz) if begin else close
    if opened >= close:
        opened = close - datetime.timedelta(days=1)
    return opened, close


def process_import(*, actor: Any, agency: Any, text: str, title: str = "") -> Process:
    """Create a finished process (voting closed, not yet counted) from a Pabulib file's *text*:
    one budget for the whole area, its projects on the ballot at their cost, its ballots.

    *actor* is an agency admin of *agency* (PermissionDenied otherwise). ValidationError on
    ``file`` when the file cannot be read or holds what we cannot store (ordinal or scoring
    ballots, unknown projects, costs of zero). The file is read before the transaction; one
    PB_IMPORTED audit row. Count it (:func:`results_count`) afterwards.
    """
    if not import_agencies(actor).filter(pk=agency.pk).exists():
        raise PermissionDenied
    if len(text.encode("utf-8")) > IMPORT_MAX_BYTES:
        raise _import_error(_("The file is too large."), "too_large")
    instance = _read_file(text)
    meta = {str(k): v for k, v in (instance.meta or {}).items()}
    opened, closed = _import_dates(meta)
    return _import_store(actor=actor, agency=agency, instance=instance, meta=meta, dates=(opened, closed), title=title)


def _import_voter_key(voter_id: str) -> str:
    """A ballot's voter key for a file's voter id: the id itself when it fits, else its hash (never
    cut short, so two long ids that start alike stay two voters)."""
    key = f"pabulib:{voter_id}"
    if len(key) <= 80:
        return key
    return "pabulib#" + hashlib.sha256(voter_id.encode("utf-8")).hexdigest()


def _meta_int(meta: dict, key: str) -> int | None:
    try:
        value = int(float(str(meta.get(key, "")).strip()))
    except ValueError:
        return None
    return value if 0 < value <= MAX_POINTS else None


@transaction.atomic
def _import_store(*, actor, agency, instance, meta, dates, title: str) -> Process:
    opened, closed = dates
    cumulative = instance.vote_type == "cumulative"
    style = BallotStyle.CUMULATIVE if cumulative else BallotStyle.APPROVAL
    if not cumulative and meta.get("max_sum_cost"):
        style = BallotStyle.KNAPSACK
    description = str(meta.get("description", "")).strip()
    place = " ".join(str(meta.get(k, "")).strip() for k in ("unit", "subunit", "district")).strip()
    name = (title or description or place or _("Imported participatory budget")).strip()
    process = Process.objects.create(
        agency=agency,
        title=name[:TITLE_MAX_LENGTH],
        summary=(_("Imported from a Pabulib file: %(place)s") % {"place": place or name})[:300],
        description=description[:5000],
        ideas_open_at=opened,
        ideas_close_at=opened,
        voting_open_at=opened,
        voting_close_at=closed,
        ballot_style=style,
        max_choices=_meta_int(meta, "max_length") if style == BallotStyle.APPROVAL else None,
        points=_meta_int(meta, "max_sum_points") if cumulative else None,
        max_points_per_project=_meta_int(meta, "max_points") if cumulative else None,
        rule=pabulib_io.rule_from_meta(meta),
        residents_only=False,
        paper_voting=False,
        created_by=actor,
        published_at=timezone.now(),
    )
    budget = Budget.objects.create(process=process, amount=int(instance.budget))
    projects = {}
    for p in instance.projects:
        label = (str(getattr(p, "name", "") or "").strip() or _("Project %(id)s") % {"id": p.id})[:TITLE_MAX_LENGTH]
        projects[str(p.id)] = Project.objects.create(
            process=process,
            budget=budget,
            title=label,
            description=label,
            estimated_cost=int(p.cost),
            official_cost=int(p.cost),
            status=ProjectStatus.ACCEPTED,
            reviewed_by=actor,
            reviewed_at=timezone.now(),
        )
    voter_ids = list(instance.voter_ids or [str(i) for i in range(1, len(instance.ballots) + 1)])
    ballots = Ballot.objects.bulk_create(
        Ballot(
            process=process,
            budget=budget,
            voter_key=_import_voter_key(voter_id),
            channel=Channel.PAPER,
            cast_at=closed,
            first_cast_at=closed,
        )
        for voter_id in voter_ids
    )
    if any(b.pk is None for b in ballots):  # a database without RETURNING: read the keys back
        keyed = dict(Ballot.objects.filter(process=process).values_list("voter_key", "pk"))
        for b in ballots:
            b.pk = keyed[b.voter_key]
    BallotChoice.objects.bulk_create(
        (
            BallotChoice(ballot_id=ballot.pk, project=projects[str(pid)], points=int(points) if cumulative else 1)
            for ballot, votes in zip(ballots, instance.ballots, strict=True)
            for pid, points in votes.items()
        ),
        batch_size=2000,
    )
    audit_record(
        actor=actor,
        action=AuditAction.PB_IMPORTED,
        subject=process,
        agency=agency,
        extra={"projects": len(projects), "ballots": len(ballots), "budget": budget.amount, "rule": process.rule},
    )
    return process


def export_record(*, actor: Any, budget: Budget) -> None:
    """Record that a member of staff downloaded a budget's Pabulib file (PB_EXPORTED)."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.PB_EXPORTED,
            subject=budget.process,
            agency=budget.process.agency,
            extra={"budget": budget.pk, "published": budget.process.results_published_at is not None},
        )
