"""Reads for the public referendum pages: which referendums people see, the questions in the
reader's language, who may vote, and whether the signed-in person may vote now (and if not, why
and what they can do instead).

A referendum is public once its setup is complete (stage ``READY`` and after). Its questions are
read from the election record frozen at opening (what a ballot is encrypted for) once there is
one, and from the question and option rows before that.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from ecitizen.core.dates import format_datetime
from ecitizen.core.i18n import pick
from ecitizen.voting.budgeting.eligibility import voter_key_for
from ecitizen.voting.referendums.models import Channel, ElectorateEntry, Referendum, Stage

PUBLIC_STAGES = (Stage.READY, Stage.OPEN, Stage.COUNTING, Stage.RESULT, Stage.PUBLISHED)


class Phase(enum.StrEnum):
    """Where a referendum is, as a voter sees it."""

    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"  # voting has closed, the result is not published yet
    PUBLISHED = "published"


def phase_label(phase: Phase) -> str:
    labels = {
        Phase.UPCOMING: _("Upcoming"),
        Phase.OPEN: _("Voting open"),
        Phase.CLOSED: _("Voting closed: counting"),
        Phase.PUBLISHED: _("Result published"),
    }
    return labels[phase]


def phase_of(referendum: Referendum, now: datetime.datetime | None = None) -> Phase:
    now = now or timezone.now()
    if referendum.stage == Stage.PUBLISHED:
        return Phase.PUBLISHED
    if referendum.stage in (Stage.COUNTING, Stage.RESULT):
        return Phase.CLOSED
    if referendum.stage == Stage.OPEN:
        if now < referendum.opens_at:
            return Phase.UPCOMING
        return Phase.OPEN if now < referendum.closes_at else Phase.CLOSED
    # READY: the periodic job opens it (freezing the electorate) within minutes of opens_at.
    return Phase.UPCOMING


def public_referendums() -> Any:
    return Referendum.objects.filter(stage__in=PUBLIC_STAGES)


@dataclass(frozen=True)
class ListedReferendum:
    referendum: Referendum
    title: str
    summary: str
    phase: Phase
    phase_label: str


def referendum_lists(now: datetime.datetime | None = None) -> dict[str, list[ListedReferendum]]:
    """The public referendums as three lists: ``open`` (closing soonest first), ``upcoming``
    (opening soonest first) and ``finished`` (most recent first)."""
    now = now or timezone.now()
    lists: dict[str, list[ListedReferendum]] = {"open": [], "upcoming": [], "finished": []}
    rows = public_referendums().select_related("agency").order_by("-closes_at", "-pk")[:500]
    for referendum in rows:
        phase = phase_of(referendum, now)
        item = ListedReferendum(
            referendum=referendum,
            title=pick(referendum.title),
            summary=pick(referendum.description),
            phase=phase,
            phase_label=phase_label(phase),
        )
        key = {Phase.OPEN: "open", Phase.UPCOMING: "upcoming"}.get(phase, "finished")
        lists[key].append(item)
    lists["open"].sort(key=lambda item: (item.referendum.closes_at, item.referendum.pk))
    lists["upcoming"].sort(key=lambda item: (item.referendum.opens_at, item.referendum.pk))
    return lists


def public_referendum(pk: int) -> Referendum:
    """A public referendum (404 for those still being set up and for unknown numbers)."""
    referendum = public_referendums().filter(pk=pk).select_related("agency").first()
    if referendum is None:
        raise Http404
    return referendum


# --- the questions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OptionView:
    index: int
    label: str
    input_id: str


@dataclass(frozen=True)
class QuestionView:
    index: int
    text: str
    min: int
    max: int
    options: tuple[OptionView, ...]

    @property
    def name(self) -> str:
        return f"q{self.index}"

    @property
    def single(self) -> bool:
        """One option exactly: radios (the DOM contract of the booth)."""
        return self.min == self.max == 1

    @property
    def hint(self) -> str:
        if self.single:
            return _("Choose one option.")
        if self.min == self.max:
            return _("Choose %(n)s options.") % {"n": self.max}
        if self.min == 0:
            return _("Choose up to %(n)s options, or none.") % {"n": self.max}
        return _("Choose from %(min)s to %(max)s options.") % {"min": self.min, "max": self.max}


def _question_view(index: int, text: Any, low: int, high: int, labels: list[Any]) -> QuestionView:
    options = tuple(OptionView(index=k, label=pick(label), input_id=f"q{index}-{k}") for k, label in enumerate(labels))
    return QuestionView(index=index, text=pick(text), min=int(low), max=int(high), options=options)


def questions_of(referendum: Referendum) -> list[QuestionView]:
    """The questions in the reader's language: from the election record when the referendum has
    one (the indexes a ballot uses), else from the rows."""
    questions = (referendum.election or {}).get("questions")
    if questions:
        return [
            _question_view(i, q.get("text"), q.get("min", 1), q.get("max", 1), [o.get("label") for o in q["options"]])
            for i, q in enumerate(questions)
        ]
    rows = referendum.questions.prefetch_related("options").order_by("position")
    return [
        _question_view(i, q.text, q.min_choices, q.max_choices, [o.label for o in q.options.all()])
        for i, q in enumerate(rows)
    ]


def election_document(referendum: Referendum) -> dict:
    """``{"election", "election_hash"}``, what the browser encrypts for (404 before opening)."""
    if not referendum.election_hash:
        raise Http404
    return {"election": referendum.election, "election_hash": referendum.election_hash}


# --- who may vote --------------------------------------------------------------------------------


def identity_level_label(level: str) -> str:
    labels = {
        "verified": _("an account whose identity is verified against the population register"),
        "document": _("an account whose identity documents have been checked"),
        "basic": _("an account whose email address is confirmed"),
        "none": _("an account"),
    }
    return labels.get(level, labels["verified"])


@dataclass(frozen=True)
class Rules:
    min_age: int
    residents_only: bool
    districts: tuple[str, ...]
    agency: str
    identity: str
    paper_voting: bool
    assisted_voting: bool


def rules_of(referendum: Referendum) -> Rules:
    return Rules(
        min_age=referendum.min_age,
        residents_only=referendum.residents_only,
        districts=tuple(area.display_name() for area in referendum.districts.order_by("pk")),
        agency=referendum.agency.display_name,
        identity=identity_level_label(referendum.identity_level),
        paper_voting=referendum.paper_voting,
        assisted_voting=referendum.assisted_voting,
    )


class Reason(enum.StrEnum):
    NOT_OPEN = "not_open"
    CLOSED = "closed"
    NOT_IN_ELECTORATE = "not_in_electorate"
    NO_CREDENTIAL = "no_credential"
    VOTED_PAPER = "voted_paper"
    VOTED_ASSISTED = "voted_assisted"


@dataclass(frozen=True)
class VoterStatus:
    """May the person vote online now? ``reason`` is None when they may (``voted_online``: they
    have already, and a new ballot replaces the last); else ``message`` says why not and what
    they can do."""

    entry: ElectorateEntry | None = None
    reason: Reason | None = None
    message: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.reason is None

    @property
    def voted_online(self) -> bool:
        return self.entry is not None and self.entry.channel == Channel.ONLINE


def refusal_message(reason: Reason, referendum: Referendum) -> str:
    """What a voter is told when they cannot vote online, with what they can do instead."""
    paper = referendum.paper_voting
    if reason == Reason.NOT_OPEN:
        return _("Voting has not opened yet. It opens on %(when)s.") % {"when": format_datetime(referendum.opens_at)}
    if reason == Reason.CLOSED:
        return _("Voting closed on %(when)s. The result will be published here once the votes are counted.") % {
            "when": format_datetime(referendum.closes_at)
        }
    if reason == Reason.NOT_IN_ELECTORATE:
        return _(
            "You are not on the list of voters of this referendum. The list was drawn up from the population "
            "and address registers when voting opened, and cannot change while voting is open. If you think "
            "you should be on it, contact %(agency)s."
        ) % {"agency": referendum.agency.display_name}
    if reason == Reason.NO_CREDENTIAL:
        if paper:
            return _(
                "You are on the list of voters, but you cannot vote online: when voting opened, your account did "
                "not have the identity check this vote needs (or an email address), so no credential code was "
                "sent to you. You can vote on paper at a service counter: bring an identity document."
            )
        return _(
            "You are on the list of voters, but you cannot vote online: when voting opened, your account did "
            "not have the identity check this vote needs (or an email address), so no credential code was sent "
            "to you. Contact %(agency)s."
        ) % {"agency": referendum.agency.display_name}
    if reason == Reason.VOTED_PAPER:
        return _(
            "You have voted on paper at a service counter. Each person votes once, so you cannot vote online as well."
        )
    return _(
        "You have voted with the assisted path, and a vote cast that way is final: you cannot vote again, "
        "online or on paper."
    )


def electorate_entry(referendum: Referendum, user: Any) -> ElectorateEntry | None:
    """*user*'s entry in the marked register: by their voter key (the national ID they are bound
    to, else their account), or by their account when their key changed since voting opened."""
    key = voter_key_for(user)
    rows = list(ElectorateEntry.objects.filter(referendum=referendum).filter(Q(voter_key=key) | Q(user=user))[:2])
    rows.sort(key=lambda entry: entry.voter_key != key)
    return rows[0] if rows else None


def voter_status(referendum: Referendum, user: Any, now: datetime.datetime | None = None) -> VoterStatus:
    """May *user* (signed in) vote online in *referendum* now?"""
    phase = phase_of(referendum, now)
    if phase == Phase.UPCOMING:
        return VoterStatus(reason=Reason.NOT_OPEN, message=refusal_message(Reason.NOT_OPEN, referendum))
    if phase != Phase.OPEN:
        return VoterStatus(reason=Reason.CLOSED, message=refusal_message(Reason.CLOSED, referendum))
    entry = electorate_entry(referendum, user)
    reason = None
    if entry is None:
        reason = Reason.NOT_IN_ELECTORATE
    elif entry.channel == Channel.PAPER:
        reason = Reason.VOTED_PAPER
    elif entry.channel == Channel.ASSISTED:
        reason = Reason.VOTED_ASSISTED
    elif not entry.credential_sent:
        reason = Reason.NO_CREDENTIAL
    if reason is None:
        return VoterStatus(entry=entry)
    return VoterStatus(entry=entry, reason=reason, message=refusal_message(reason, referendum))
