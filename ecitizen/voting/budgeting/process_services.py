"""Writes to processes and their budgets: agency admins create, edit and publish them.

Each function: one transaction, the actor passed in, audited. Errors people can fix raise
``ValidationError`` with a dict of field names, and nothing is saved. Once voting has opened, the
ballot style, the counting rule, who may vote and the budgets are fixed: voters chose under them,
so a change would change what their ballots mean.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecitizen.accounts.models import IdentityLevel
from ecitizen.agencies.models import Agency
from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.voting.budgeting.models import (
    TITLE_MAX_LENGTH,
    BallotStyle,
    Budget,
    Process,
    Rule,
)
from ecitizen.voting.budgeting.policies import MANAGE_ROLES, process_policy, staff_agencies

SUMMARY_MAX_LENGTH = 300
DESCRIPTION_MAX_LENGTH = 5000
# The largest amount of money accepted anywhere (budgets, costs): far above any real budget, far
# below the database's 64-bit limit, so that sums of a few thousand of them still fit.
MAX_AMOUNT = 10**15
# Fixed once voting opens.
LOCKED_AT_VOTING = (
    "ballot_style",
    "max_choices",
    "points",
    "max_points_per_project",
    "rule",
    "min_age",
    "residents_only",
    "identity_level",
    "voting_open_at",
)
# Fields of a process that process_save sets.
PROCESS_FIELDS = (
    "title",
    "summary",
    "description",
    "ideas_open_at",
    "ideas_close_at",
    "voting_open_at",
    "voting_close_at",
    "ballot_style",
    "max_choices",
    "points",
    "max_points_per_project",
    "rule",
    "min_age",
    "residents_only",
    "identity_level",
    "paper_voting",
)


@dataclass(frozen=True)
class ProcessData:
    """What staff enter for a process (the form's cleaned data)."""

    title: str
    summary: str
    description: str
    ideas_open_at: datetime.datetime
    ideas_close_at: datetime.datetime
    voting_open_at: datetime.datetime
    voting_close_at: datetime.datetime
    ballot_style: str = BallotStyle.APPROVAL
    max_choices: int | None = None
    points: int | None = None
    max_points_per_project: int | None = None
    rule: str = Rule.MES
    min_age: int | None = None
    residents_only: bool = True
    identity_level: str = IdentityLevel.VERIFIED
    paper_voting: bool = True


def voting_has_opened(process: Process, now: datetime.datetime | None = None) -> bool:
    """Whether a published process has reached its voting (from then on its rules are fixed)."""
    now = now or timezone.now()
    return process.published_at is not None and now >= process.voting_open_at


def validate_process(data: ProcessData) -> dict[str, str]:
    """Field errors of *data* on its own (not against a saved process)."""
    errors: dict[str, str] = {}
    if not (data.title or "").strip():
        errors["title"] = _("Enter a title")
    elif len(data.title.strip()) > TITLE_MAX_LENGTH:
        errors["title"] = _("The title must be %(n)s characters or fewer") % {"n": TITLE_MAX_LENGTH}
    if not (data.summary or "").strip():
        errors["summary"] = _("Enter a summary")
    elif len(data.summary.strip()) > SUMMARY_MAX_LENGTH:
        errors["summary"] = _("The summary must be %(n)s characters or fewer") % {"n": SUMMARY_MAX_LENGTH}
    if len((data.description or "").strip()) > DESCRIPTION_MAX_LENGTH:
        errors["description"] = _("The description must be %(n)s characters or fewer") % {"n": DESCRIPTION_MAX_LENGTH}
    dates = ("ideas_open_at", "ideas_close_at", "voting_open_at", "voting_close_at")
    if all(getattr(data, d) is not None for d in dates):
        if data.ideas_close_at <= data.ideas_open_at:
            errors["ideas_close_at"] = _("The last day for ideas must be on or after the day ideas open")
        if data.voting_open_at < data.ideas_close_at:
            errors["voting_open_at"] = _("Voting must open after the last day for ideas")
        if data.voting_close_at <= data.voting_open_at:
            errors["voting_close_at"] = _("The last day of voting must be on or after the day voting opens")
    else:
        for d in dates:
            if getattr(data, d) is None:
                errors[d] = _("Enter a date")
    if data.ballot_style not in BallotStyle.values:
        errors["ballot_style"] = _("Select how people vote")
    elif data.ballot_style == BallotStyle.APPROVAL and not (data.max_choices or 0) >= 1:
        errors["max_choices"] = _("Enter how many projects a voter may choose, 1 or more")
    elif data.ballot_style == BallotStyle.CUMULATIVE:
        if not (data.points or 0) >= 1:
            errors["points"] = _("Enter how many points each voter shares out, 1 or more")
        elif not 1 <= (data.max_points_per_project or 0) <= data.points:
            errors["max_points_per_project"] = _(
                "Enter the most points on one project, from 1 to the points each voter has"
            )
    if data.rule not in Rule.values:
        errors["rule"] = _("Select the counting rule")
    if data.identity_level not in IdentityLevel.values:
        errors["identity_level"] = _("Select the identity needed to vote")
    if data.min_age is not None and not 0 <= data.min_age <= 120:
        errors["min_age"] = _("Enter an age from 0 to 120")
    return errors


def _validate_budgets(agency: Agency, budgets: list[tuple[Any, int | None]]) -> dict[str, str]:
    if not budgets:
        return {"budgets": _("Enter the amount of at least one budget")}
    areas = [area for area, _amount in budgets]
    if None in areas and len(budgets) > 1:
        return {"budgets": _("Choose one budget for the whole area or one budget per district, not both")}
    if len({getattr(a, "pk", None) for a in areas}) != len(areas):
        return {"budgets": _("Each district can have one budget only")}
    for area, amount in budgets:
        if area is not None and (area.agency_id != agency.pk or not area.is_active):
            return {"budgets": _("Choose districts of your agency")}
        if amount is None or not 1 <= amount <= MAX_AMOUNT:
            return {"budgets": _("Enter every budget's amount, a whole number of 1 or more")}
    return {}


def _normalise(data: ProcessData) -> dict[str, Any]:
    values = {name: getattr(data, name) for name in PROCESS_FIELDS}
    values["title"], values["summary"] = data.title.strip(), data.summary.strip()
    values["description"] = (data.description or "").strip()
    # Settings of other ballot styles mean nothing: clear them, so that what is shown is what counts.
    if data.ballot_style != BallotStyle.APPROVAL:
        values["max_choices"] = None
    if data.ballot_style != BallotStyle.CUMULATIVE:
        values["points"] = values["max_points_per_project"] = None
    return values


def _save_budgets(actor: Any, process: Process, budgets: list[tuple[Any, int]], *, locked: bool) -> None:
    """Make the process's budgets be *budgets*, auditing each one made, changed or removed."""
    current = {b.area_id: b for b in Budget.objects.select_for_update().filter(process=process)}
    wanted = {getattr(area, "pk", None): (area, amount) for area, amount in budgets}
    changed = set(current) != set(wanted) or any(current[k].amount != wanted[k][1] for k in wanted)
    if not changed:
        return
    if locked:
        raise ValidationError({"budgets": _("The budgets cannot change once voting has opened")})
    for area_id, budget in current.items():
        if area_id not in wanted:
            if budget.projects.exists():
                raise ValidationError(
                    {
                        "budgets": _("A budget that already has ideas cannot be removed: %(name)s")
                        % {"name": _name(budget)}
                    }
                )
            audit_record(
                actor=actor,
                action=AuditAction.PB_BUDGET_SAVED,
                subject=budget,
                agency=process.agency,
                extra={"process": process.pk, "area": area_id, "removed": True},
            )
            budget.delete()
    for area_id, (area, amount) in wanted.items():
        budget = current.get(area_id)
        if budget is not None and budget.amount == amount:
            continue
        if budget is None:
            budget = Budget.objects.create(process=process, area=area, amount=amount)
            before = None
        else:
            before, budget.amount = budget.amount, amount
            budget.save(update_fields=["amount"])
        audit_record(
            actor=actor,
            action=AuditAction.PB_BUDGET_SAVED,
            subject=budget,
            agency=process.agency,
            extra={"process": process.pk, "area": area_id, "amount": amount, "before": before},
        )


def _name(budget: Budget) -> str:
    return budget.area.display_name() if budget.area_id else _("the whole area")


@transaction.atomic
def process_create(*, actor: Any, agency: Agency, data: ProcessData, budgets: list[tuple[Any, int]]) -> Process:
    """An agency admin of *agency* creates a draft process with its budgets (``[(area or None,
    amount)]``: one for the whole area, or one per district)."""
    if agency is None or not staff_agencies(actor, *MANAGE_ROLES).filter(pk=agency.pk).exists():
        raise PermissionDenied
    errors = validate_process(data) | _validate_budgets(agency, budgets)
    if errors:
        raise ValidationError(errors)
    process = Process.objects.create(agency=agency, created_by=actor, **_normalise(data))
    audit_record(
        actor=actor, action=AuditAction.PB_PROCESS_SAVED, subject=process, agency=agency, extra={"created": True}
    )
    _save_budgets(actor, process, budgets, locked=False)
    return process


@transaction.atomic
def process_update(*, actor: Any, process: Process, data: ProcessData, budgets: list[tuple[Any, int]]) -> Process:
    """An agency admin changes a process and its budgets. Once voting has opened, refuses (as field
    errors) any change to the ballot style, the rule, who may vote, the opening of voting and the
    budgets."""
    process = Process.objects.select_for_update().select_related("agency").get(pk=process.pk)
    if not process_policy.can_for(actor, "manage", process):
        raise PermissionDenied
    errors = validate_process(data) | _validate_budgets(process.agency, budgets)
    if errors:
        raise ValidationError(errors)
    values = _normalise(data)
    locked = voting_has_opened(process)
    if locked:
        # Compared as normalised, so that settings of another ballot style left on the row do not count.
        current = _normalise(ProcessData(**{name: getattr(process, name) for name in PROCESS_FIELDS}))
        refused = {
            name: _("This cannot change once voting has opened")
            for name in LOCKED_AT_VOTING
            if values[name] != current[name]
        }
        if values["ideas_open_at"] != process.ideas_open_at:
            refused["ideas_open_at"] = _("This cannot change once voting has opened")
        if values["ideas_close_at"] != process.ideas_close_at:
            refused["ideas_close_at"] = _("This cannot change once voting has opened")
        if values["voting_close_at"] != process.voting_close_at:
            now = timezone.now()
            if now >= process.voting_close_at:
                # Voting is over (its ballots may be counted): a later close would open it again.
                refused["voting_close_at"] = _("This cannot change once voting has closed")
            elif values["voting_close_at"] <= now:
                refused["voting_close_at"] = _("The last day of voting cannot be in the past")
        if refused:
            raise ValidationError(refused)
    changed = sorted(name for name, value in values.items() if value != getattr(process, name))
    for name, value in values.items():
        setattr(process, name, value)
    process.save()
    audit_record(
        actor=actor,
        action=AuditAction.PB_PROCESS_SAVED,
        subject=process,
        agency=process.agency,
        extra={"changed": changed},
    )
    _save_budgets(actor, process, budgets, locked=locked)
    return process


@transaction.atomic
def process_publish(*, actor: Any, process: Process) -> Process:
    """An agency admin publishes a draft process: from now on the public sees it, and its phases
    follow its dates."""
    process = Process.objects.select_for_update().select_related("agency").get(pk=process.pk)
    if not process_policy.can_for(actor, "manage", process):
        raise PermissionDenied
    if process.published_at is not None:
        return process
    if not process.budgets.exists():
        raise ValidationError({"budgets": _("Add a budget before publishing")})
    if process.voting_close_at <= timezone.now():
        raise ValidationError({"voting_close_at": _("Voting would already be over: change the dates first")})
    process.published_at = timezone.now()
    process.save(update_fields=["published_at", "updated_at"])
    audit_record(actor=actor, action=AuditAction.PB_PROCESS_PUBLISHED, subject=process, agency=process.agency)
    return process
