"""What a signed-in person's home page shows, read through each app's own selectors.

Only the person's own records are read (``citizen=``, ``payer=``, ``holder=``, ``reporter=``,
their own alerts and messages), and every list is capped, so the page makes the same number of
queries for a new account as for one with years of history.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from ecitizen.accounts.selectors import primary_email_confirmed
from ecitizen.cases.models import Status
from ecitizen.cases.selectors import applications_in_progress_for_citizen, services_used_by
from ecitizen.catalogue.selectors import life_events_in_use, services_sharing_life_events
from ecitizen.core.i18n import pick
from ecitizen.documents.selectors import documents_expiring_for_citizen
from ecitizen.engagement.consultations.selectors import consultations_for_dashboard
from ecitizen.engagement.discussions.selectors import follows_for_dashboard
from ecitizen.engagement.petitions.selectors import petitions_for_dashboard
from ecitizen.notifications.selectors import notifications_for
from ecitizen.payments.selectors import bills_due_for_citizen
from ecitizen.reports.selectors import reports_followed_by, reports_made_by

# How many of each kind the page lists; "see all" links lead to the full lists.
LIST_LIMIT = 5
APPLICATIONS_READ = 20
EXPIRING_WITHIN_DAYS = 60
SUGGESTIONS = 3


@dataclass(frozen=True)
class Suggestion:
    """A service to suggest, and why, in words the person can check against their own history."""

    service: Any
    reason: str


@dataclass
class Dashboard:
    info_requested: list[Any] = field(default_factory=list)
    bills_due: list[Any] = field(default_factory=list)
    drafts: list[Any] = field(default_factory=list)
    expiring: list[Any] = field(default_factory=list)
    open_applications: list[Any] = field(default_factory=list)
    reports_made: list[Any] = field(default_factory=list)
    reports_followed: list[Any] = field(default_factory=list)
    messages: list[Any] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    life_events: list[Any] = field(default_factory=list)
    consultations: dict[str, list[Any]] = field(default_factory=dict)
    petitions: dict[str, list[Any]] = field(default_factory=dict)
    follows: list[Any] = field(default_factory=list)
    today: datetime.date | None = None

    @property
    def takes_part(self) -> bool:
        """Whether the person has anything in Have your say: a response, a petition, a follow."""
        return any(self.consultations.values()) or any(self.petitions.values()) or bool(self.follows)

    @property
    def action_count(self) -> int:
        return len(self.info_requested) + len(self.bills_due) + len(self.drafts) + len(self.expiring)


def _suggestions(user: Any) -> list[Suggestion]:
    """Published services that share a life event with a service the person applied to."""
    used = services_used_by(user)
    if not used:
        return []
    suggestions = []
    for service, event, because in services_sharing_life_events(set(used), limit=SUGGESTIONS):
        reason = _("Suggested because you applied for “%(service)s”, and both are part of “%(event)s”.") % {
            "service": pick(used[because]) or because,
            "event": event.display_name(),
        }
        suggestions.append(Suggestion(service=service, reason=reason))
    return suggestions


def dashboard_for(user: Any, *, today: datetime.date | None = None) -> Dashboard:
    """Everything the signed-in home page lists for *user*, their own records only.

    What needs their action comes first: information a caseworker asked for, bills to pay
    (soonest due first), drafts to finish and documents that run out within
    :data:`EXPIRING_WITHIN_DAYS` days (or did lately); then applications being worked on, the
    problem reports they made and follow, their latest messages, and services suggested from
    the life events of services they used. A bounded number of queries (about a dozen).
    """
    today = today or timezone.localdate()
    applications = applications_in_progress_for_citizen(user, limit=APPLICATIONS_READ)
    by_status: dict[str, list[Any]] = {}
    for application in applications:
        by_status.setdefault(application.status, []).append(application)
    open_statuses = (Status.AWAITING_PAYMENT, Status.SUBMITTED, Status.IN_REVIEW)
    email_confirmed = primary_email_confirmed(user)
    suggestions = _suggestions(user)
    return Dashboard(
        info_requested=by_status.get(Status.INFO_REQUESTED, [])[:LIST_LIMIT],
        bills_due=bills_due_for_citizen(user, limit=LIST_LIMIT),
        drafts=by_status.get(Status.DRAFT, [])[:LIST_LIMIT],
        expiring=documents_expiring_for_citizen(user, today=today, within_days=EXPIRING_WITHIN_DAYS, limit=LIST_LIMIT),
        open_applications=[a for a in applications if a.status in open_statuses][:LIST_LIMIT],
        reports_made=list(reports_made_by(user)[:LIST_LIMIT]),
        reports_followed=list(reports_followed_by(user, email_confirmed=email_confirmed)[:LIST_LIMIT]),
        messages=list(notifications_for(user)[:LIST_LIMIT]),
        suggestions=suggestions,
        life_events=[] if suggestions else list(life_events_in_use()[:6]),
        consultations={k: v[:LIST_LIMIT] for k, v in consultations_for_dashboard(user).items()},
        petitions={k: v[:LIST_LIMIT] for k, v in petitions_for_dashboard(user).items()},
        follows=follows_for_dashboard(user)[:LIST_LIMIT],
        today=today,
    )
