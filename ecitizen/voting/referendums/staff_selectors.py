"""Reads for the referendums' back office: the lists, the people staff may choose, and what comes
next in a referendum and who must act."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ecitizen.agencies.models import Agency, Membership
from ecitizen.core.i18n import pick
from ecitizen.reports.models import Area
from ecitizen.voting.referendums.models import BoardBallot, Referendum, SheetState, SignOffStage, Stage, Trustee
from ecitizen.voting.referendums.policies import OFFICER_ROLES, referendum_policy
from ecitizen.voting.referendums.result_services import (
    current_result,
    paper_marks,
    result_digest,
    result_problems,
    sheet_counts,
)
from ecitizen.voting.referendums.setup_services import (
    key_complete,
    missing_signatures,
    questions_of,
    setup_digest,
    setup_problems,
    signatures,
)


@dataclass(frozen=True)
class Step:
    """Something to do next: what, and who must do it."""

    text: str
    who: str = ""


def staff_referendums(user: Any) -> QuerySet[Referendum]:
    return referendum_policy.scope(user, "staff").order_by("-opens_at", "-pk")


def agency_areas(agency: Agency) -> list[Area]:
    return sorted(Area.objects.filter(agency=agency, is_active=True), key=lambda a: a.display_name())


def agency_people(agency: Agency, *roles) -> list[Any]:
    """Staff of *agency* (holding any of *roles*, default any role), by email."""
    memberships = Membership.objects.filter(agency=agency)
    if roles:
        memberships = memberships.filter(role__in=list(roles))
    users = get_user_model().objects.filter(pk__in=memberships.values("user_id"), is_active=True)
    return list(users.select_related("profile").order_by("email"))


def officers(agency: Agency) -> list[Any]:
    return agency_people(agency, *OFFICER_ROLES)


def trustees_of(referendum: Referendum) -> list[Trustee]:
    return list(referendum.trustees.select_related("user").order_by("index"))


def board_size(referendum: Referendum) -> int:
    """Ballots on the board: they are numbered 1…N without gaps, so the last number (read from the
    index) rather than a count of every row."""
    return BoardBallot.objects.filter(referendum=referendum).aggregate(last=Max("n"))["last"] or 0


def _names(trustees: list[Trustee]) -> str:
    return ", ".join(f"{t.index}. {t.user.email}" for t in trustees)


def next_steps(referendum: Referendum, now=None) -> list[Step]:
    """What has to happen next in *referendum*, and who must do it."""
    now = now or timezone.now()
    stage = referendum.stage
    admins = _("An agency admin")
    steps: list[Step] = []
    if stage in (Stage.DRAFT, Stage.KEYS):
        for problem in setup_problems(referendum, now):
            steps.append(Step(problem, admins))
    if stage == Stage.DRAFT and not steps:
        steps.append(Step(_("Start the key generation: the trustees then make the election key."), admins))
    if stage == Stage.KEYS:
        trustees = trustees_of(referendum)
        unregistered = [t for t in trustees if not t.sealing_key]
        undealt = [t for t in trustees if not t.deal]
        unconfirmed = [t for t in trustees if not t.confirmed_at]
        if unregistered:
            steps.append(Step(_("Register a sealing key."), _names(unregistered)))
        elif undealt:
            steps.append(Step(_("Deal the key shares."), _names(undealt)))
        elif unconfirmed:
            steps.append(Step(_("Confirm the key shares."), _names(unconfirmed)))
    if stage in (Stage.DRAFT, Stage.KEYS):
        missing = missing_signatures(referendum, SignOffStage.SETUP, setup_digest(referendum))
        if missing:
            steps.append(Step(_("Sign off the setup."), missing))
        if stage == Stage.KEYS and key_complete(referendum) and not missing:
            steps.append(Step(_("The referendum will be ready to open."), ""))
    if stage == Stage.READY:
        if referendum.closes_at <= now:
            steps.append(Step(_("Voting would already be over: change the dates."), admins))
        else:
            steps.append(
                Step(
                    _(
                        "Voting opens on its first day by itself: the electorate is frozen and the credential "
                        "codes are emailed then."
                    )
                )
            )
    if stage == Stage.OPEN:
        if now < referendum.closes_at:
            steps.append(Step(_("Voting is open. Paper ballots are handed out at the service counters.")))
        else:
            steps.append(Step(_("Voting has closed. The ballots are summed within a few minutes.")))
    if stage == Stage.COUNTING:
        done = [t for t in trustees_of(referendum) if t.decrypted_at]
        waiting = [t for t in trustees_of(referendum) if not t.decrypted_at]
        need = referendum.threshold - len(done)
        steps.append(
            Step(
                _("Decrypt the tally: %(n)s more trustee(s) needed.") % {"n": need},
                _names(waiting),
            )
        )
    if stage in (Stage.COUNTING, Stage.RESULT) and referendum.paper_voting:
        counts = sheet_counts(referendum)
        marks = paper_marks(referendum)
        if counts[SheetState.CONFIRMED] < marks or counts[SheetState.WAITING] or counts[SheetState.MISMATCH]:
            steps.append(
                Step(
                    _(
                        "Type in the ballot papers, twice each by two different people: %(confirmed)s of "
                        "%(marks)s confirmed, %(waiting)s waiting, %(mismatch)s to check again."
                    )
                    % {
                        "confirmed": counts[SheetState.CONFIRMED],
                        "marks": marks,
                        "waiting": counts[SheetState.WAITING],
                        "mismatch": counts[SheetState.MISMATCH],
                    },
                    _("Caseworkers and agency admins"),
                )
            )
    if stage == Stage.RESULT:
        problems = result_problems(referendum)
        if not problems:
            missing = missing_signatures(referendum, SignOffStage.RESULT, result_digest(referendum))
            if missing:
                steps.append(Step(_("Sign off the result."), missing))
            else:
                steps.append(Step(_("Publish the result."), _("The returning officer or an agency admin")))
    if stage == Stage.PUBLISHED:
        steps.append(Step(_("The result is published.")))
    return steps


def result_rows(referendum: Referendum, result: dict | None = None) -> list[dict]:
    """The result as a table per question: each option's online, paper and total count."""
    result = result if result is not None else current_result(referendum)
    if not result:
        return []
    rows = []
    for q, question in enumerate(questions_of(referendum)):
        options = []
        for k, option in enumerate(question.options.all()):
            options.append(
                {
                    "label": pick(option.label),
                    "online": result["online"][q][k],
                    "paper": result["paper"]["counts"][q][k],
                    "total": result["totals"][q][k],
                }
            )
        rows.append({"text": pick(question.text), "options": options})
    return rows


def sign_offs(referendum: Referendum, stage: str, digest: str) -> list:
    return signatures(referendum, stage, digest)
