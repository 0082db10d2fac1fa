"""The completed transactions a person may rate, read through the owning apps' selectors.

:func:`transaction_for` answers one question: is *reference* of *kind* a transaction that
*user* made and that is complete, and if so, which agency, service and channel does it
belong to? It returns ``None`` for anything else -- someone else's transaction, a draft
application, a payment that did not succeed, a report still open, an unknown reference --
without saying which, so that the feedback pages reveal nothing about other people.

Only the person the transaction belongs to may rate it: the applicant, the payer, the
reporter (signed in when they reported), the document's holder. Someone who reported a
problem without an account has no account to tie the one rating to: they rate through the
signed link that the email telling them the report is closed carries
(:func:`report_rating_link`, :func:`transaction_for_link`; see the ``links`` module).

The channel is read from the transaction where its data says so: a payment taken at a
counter (cash or a card terminal) and a report staff entered for someone are "counter";
an application whose "submitted" event names someone other than the applicant was sent
for them by someone else ("counter"). The platform has no record of trusted helpers yet
(issue 15), so "helper" is never derived today; everything else is "online". When helpers
land, the derivation goes in the readers below: an application's "submitted" event, a payment
or a report made by someone holding the person's grant is "helper" (checked through the
accounts app's selector for grants, before the "someone else sent it" rule that means
"counter" today).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from ecitizen.core.numbers import parse_id as parse_number
from ecitizen.engagement.feedback.links import read_report_link, report_link_token, reporter_matches
from ecitizen.engagement.feedback.models import Channel, Kind

# Payment methods that mean the citizen paid in person with a member of staff.
COUNTER_METHODS = frozenset({"cash", "card_terminal"})
# The Source value of a report that staff entered for someone (on the phone, at a desk).
STAFF_SOURCE = "staff"


@dataclass(frozen=True)
class Transaction:
    kind: str
    reference: str
    agency_id: int
    service_id: int | None
    channel: str
    completed_at: datetime.datetime | None
    url: str  # the citizen's own page for it: where "back" goes after rating


def _application(user: Any, reference: str) -> Transaction | None:
    from ecitizen.cases import selectors

    found = (
        selectors.applications_for_citizen(user)
        .filter(reference=reference, submitted_at__isnull=False)
        .values("pk", "agency_id", "service_version__service_id", "submitted_at")
        .first()
    )
    if found is None:
        return None
    application = selectors.applications_for_citizen(user).get(pk=found["pk"])
    submitters = set(
        selectors.timeline_for(application, for_citizen=False)
        .filter(kind="submitted")
        .values_list("actor_id", flat=True)
    )
    channel = Channel.COUNTER if submitters - {None, user.pk} else Channel.ONLINE
    return Transaction(
        kind=Kind.APPLICATION,
        reference=reference,
        agency_id=found["agency_id"],
        service_id=found["service_version__service_id"],
        channel=channel,
        completed_at=found["submitted_at"],
        url=reverse("cases:detail", args=[found["pk"]]),
    )


def _payment(user: Any, reference: str) -> Transaction | None:
    from ecitizen.payments import selectors

    found = (
        selectors.receipts_for_citizen(user)
        .filter(reference=reference)
        .values("method", "bill__agency_id", "bill__application__service_version__service_id", "finished_at")
        .first()
    )
    if found is None:
        return None
    return Transaction(
        kind=Kind.PAYMENT,
        reference=reference,
        agency_id=found["bill__agency_id"],
        service_id=found["bill__application__service_version__service_id"],
        channel=Channel.COUNTER if found["method"] in COUNTER_METHODS else Channel.ONLINE,
        completed_at=found["finished_at"],
        url=reverse("payments:receipt", args=[reference]),
    )


def _report(user: Any, reference: str) -> Transaction | None:
    from ecitizen.reports import selectors

    number = parse_number(reference)
    if number is None or str(number) != reference:
        return None
    report = selectors.reports_made_by(user).filter(pk=number).first()
    if report is None or not _finished(report):
        return None
    found = selectors.reports_made_by(user).filter(pk=report.pk).values("agency_id", "source", "closed_at").first()
    return _closed_report(report.pk, found, report.updated_at)


def _finished(report: Any) -> bool:
    """Is the report's journey over? Not while it is open, nor when it was merged into another
    report as a duplicate: the work goes on under that one, and so does the rating."""
    from ecitizen.reports.models import Status

    return not report.is_open and report.status != Status.DUPLICATE


def _closed_report(number: int, found: dict, updated_at: datetime.datetime) -> Transaction:
    return Transaction(
        kind=Kind.REPORT,
        reference=str(number),
        agency_id=found["agency_id"],
        service_id=None,
        channel=Channel.COUNTER if found["source"] == STAFF_SOURCE else Channel.ONLINE,
        completed_at=found["closed_at"] or updated_at,
        url=reverse("reports:detail", args=[number]),
    )


def _document(user: Any, reference: str) -> Transaction | None:
    from ecitizen.documents import selectors

    found = (
        selectors.documents_for_citizen(user)
        .filter(number=reference)
        .values("agency_id", "application__service_version__service_id", "issued_at")
        .first()
    )
    if found is None:
        return None
    return Transaction(
        kind=Kind.DOCUMENT,
        reference=reference,
        agency_id=found["agency_id"],
        service_id=found["application__service_version__service_id"],
        channel=Channel.ONLINE,
        completed_at=found["issued_at"],
        url=reverse("documents:detail", args=[reference]),
    )


_READERS = {
    Kind.APPLICATION: _application,
    Kind.PAYMENT: _payment,
    Kind.REPORT: _report,
    Kind.DOCUMENT: _document,
}


def transaction_for(user: Any, kind: str, reference: Any) -> Transaction | None:
    """*user*'s own completed transaction *kind*/*reference*, or None (see the module's docstring)."""
    if not getattr(user, "is_authenticated", False):
        return None
    reader = _READERS.get(kind)
    reference = clean_reference(reference)
    if reader is None or reference is None:
        return None
    return reader(user, reference)


def transaction_for_link(token: Any) -> Transaction | None:
    """The closed problem report that the rating link *token* was made for, or None.

    None, without saying why, for a link that is forged, altered or too old, and for a report
    that is open again, hidden from the public, made by an account (whose holder rates it
    signed in) or whose email address is no longer the one the link was sent to (erased,
    say). The transaction is the report's, not a person's: whoever holds the link rates it.
    """
    from ecitizen.reports import selectors

    found = read_report_link(token)
    if found is None:
        return None
    number, digest = found
    report = (
        selectors.public_reports()
        .filter(pk=number, reporter__isnull=True)
        .only("pk", "status", "reporter_email", "updated_at")
        .first()
    )
    if report is None or not _finished(report) or not reporter_matches(report.reporter_email, digest):
        return None
    values = selectors.public_reports().filter(pk=number).values("agency_id", "source", "closed_at").first()
    return _closed_report(number, values, report.updated_at)


def report_rating_link(report: Any) -> str:
    """The path of a link that lets *report*'s reporter rate it without an account, or "" when
    they may not rate it that way (see :func:`transaction_for_link`): made for the email
    that tells them the report is closed."""
    number = getattr(report, "pk", None)
    email = getattr(report, "reporter_email", "") or ""
    if not number or not email or getattr(report, "reporter_id", None):
        return ""
    token = report_link_token(report_id=number, reporter_email=email)
    if transaction_for_link(token) is None:
        return ""
    return reverse("feedback:give_by_link", args=[token])


def clean_reference(reference: Any) -> str | None:
    """*reference* from a URL, trimmed, or None when it cannot be one (empty, too long, or with
    control characters, which some databases refuse outright)."""
    text = str(reference or "").strip()
    if not text or len(text) > 40 or not text.isprintable():
        return None
    return text
