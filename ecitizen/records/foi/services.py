"""Writes to information requests. Each function: one transaction, the actor passed in, one audit row.

Errors people can fix raise ``ValidationError`` with a dict of field names; nothing is saved when
one is raised. Messages to the requester go to their inbox (emailed once the transaction commits).
Each service takes the request again under a row lock, so two staff acting at once cannot both
answer, and checks through the policy that the actor may still do what they ask.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from ecitizen.agencies.models import Agency
from ecitizen.cases.uploads import CleanFile, private_storage, store_privately
from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.notifications.services import notify
from ecitizen.records.foi import clock, conf
from ecitizen.records.foi.models import (
    BODY_MAX_LENGTH,
    REASON_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    EventKind,
    FoiDocument,
    FoiEvent,
    FoiRequest,
    ReviewStatus,
    Status,
)
from ecitizen.records.foi.policies import foi_policy
from ecitizen.records.foi.selectors import reminder_due, staff_to_remind


def _fit_name(name: str) -> str:
    """A file name cut to the column's length, keeping its extension."""
    limit = FoiDocument._meta.get_field("filename").max_length
    if len(name) <= limit:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 10:
        return name[:limit]
    return stem[: limit - len(extension) - 1] + "." + extension


def _locked(foi: FoiRequest, user: Any, action: str) -> FoiRequest:
    """The request again, locked, if *user* may still perform *action* on it; else PermissionDenied."""
    locked = foi_policy.scope(user, action).select_for_update(of=("self",)).filter(pk=foi.pk).first()
    if locked is None:
        raise PermissionDenied
    return locked


def _required(field: str, value: str, message: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    if len(value) > max_length:
        raise ValidationError(
            {field: _("Use %(max)d characters or fewer (you used %(n)d).") % {"max": max_length, "n": len(value)}}
        )
    return value


def _event(foi: FoiRequest, kind: str, actor: Any, *, by_agency: bool, text: str = "") -> FoiEvent:
    return FoiEvent.objects.create(request=foi, kind=kind, actor=actor, by_agency=by_agency, text=text)


def _tell(foi: FoiRequest, name: str) -> None:
    notify(
        user=foi.requester,
        subject_template=f"foi/notify/{name}_subject.txt",
        body_template=f"foi/notify/{name}_body.txt",
        context={"foi": foi},
        url=reverse("foi:detail", args=[foi.pk]),
    )


# --- asking -----------------------------------------------------------------------------------


def foi_request_create(
    *,
    actor: Any,
    agency: Agency,
    title: str,
    body: str,
    hide_name: bool = False,
    create_token: uuid.UUID,
    received_on: datetime.date | None = None,
) -> FoiRequest:
    """*actor* asks *agency* for information. The clock starts today (local date): the request is
    due ``FOI_WORKING_DAYS`` working days later. The same *create_token* twice returns the first
    request (a double click makes one). The requester gets an acknowledgement.

    *received_on* is for a request that arrived earlier by post or at a counter and is typed in
    now: its clock started that day (never in the future)."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied
    existing = FoiRequest.objects.filter(create_token=create_token).first()
    if existing is not None:
        if existing.requester_id != actor.pk:
            raise PermissionDenied
        return existing
    title = _required("title", title, _("Enter a summary of your request"), TITLE_MAX_LENGTH)
    body = _required("body", body, _("Enter the information you want"), BODY_MAX_LENGTH)
    if not agency.is_active:
        raise ValidationError({"agency": _("Select the agency that holds the information")})
    today = clock.today()
    if received_on is not None:
        if received_on > today:
            raise ValidationError({"received_on": _("The date received cannot be in the future")})
        today = received_on
    try:
        with transaction.atomic():
            foi = FoiRequest.objects.create(
                requester=actor,
                agency=agency,
                title=title,
                body=body,
                hide_name=hide_name,
                create_token=create_token,
                received_on=today,
                due_on=clock.add_working_days(today, conf.working_days()),
            )
            _event(foi, EventKind.REQUESTED, actor, by_agency=False)
            _tell(foi, "acknowledged")
            audit_record(actor=actor, action=AuditAction.FOI_REQUESTED, subject=foi, agency=agency)
    except IntegrityError:
        # The same form sent twice at once: the other one made it.
        existing = FoiRequest.objects.filter(create_token=create_token, requester=actor).first()
        if existing is None:
            raise
        return existing
    return foi


# --- the agency's clock -----------------------------------------------------------------------


@transaction.atomic
def foi_clarification_ask(*, actor: Any, foi: FoiRequest, question: str) -> FoiRequest:
    """Staff ask the requester what they mean. The clock stops: the working days left are kept
    (negative when already late) and the request waits for the requester."""
    question = _required("question", question, _("Enter what you need the requester to clarify"), TEXT_MAX_LENGTH)
    foi = _locked(foi, actor, "clarify")
    if clock.today() > foi.due_on:
        # Asking now would stop a clock that has already run out and hide the lateness.
        raise ValidationError({"question": _("The deadline has passed: answer the request instead.")})
    foi.days_left = clock.working_days_between(clock.today(), foi.due_on)
    foi.status = Status.CLARIFICATION
    foi.save(update_fields=["days_left", "status"])
    _event(foi, EventKind.CLARIFICATION_ASKED, actor, by_agency=True, text=question)
    _tell(foi, "clarification")
    audit_record(
        actor=actor,
        action=AuditAction.FOI_CLARIFICATION_ASKED,
        subject=foi,
        agency=foi.agency,
        extra={"days_left": foi.days_left},
    )
    return foi


@transaction.atomic
def foi_clarify(*, actor: Any, foi: FoiRequest, text: str) -> FoiRequest:
    """The requester answers the question. The clock resumes with the days that were left
    (at least none: a request that was already late is due today)."""
    text = _required("text", text, _("Enter your clarification"), TEXT_MAX_LENGTH)
    foi = _locked(foi, actor, "reply")
    foi.due_on = clock.add_working_days(clock.today(), max(foi.days_left or 0, 0))
    while not clock.is_working_day(foi.due_on):  # no days were left: due on the next working day
        foi.due_on += datetime.timedelta(days=1)
    foi.days_left = None
    foi.status = Status.AWAITING
    foi.reminded_on = None
    foi.save(update_fields=["due_on", "days_left", "status", "reminded_on"])
    _event(foi, EventKind.CLARIFIED, actor, by_agency=False, text=text)
    audit_record(actor=actor, action=AuditAction.FOI_CLARIFIED, subject=foi, agency=foi.agency)
    return foi


@transaction.atomic
def foi_extend(*, actor: Any, foi: FoiRequest, reason: str) -> FoiRequest:
    """Staff extend the deadline by ``FOI_EXTENSION_DAYS`` working days, once, saying why."""
    reason = _required("reason", reason, _("Enter why you need more time"), REASON_MAX_LENGTH)
    locked = foi_policy.scope(actor, "answer").select_for_update(of=("self",)).filter(pk=foi.pk).first()
    if locked is None:
        raise PermissionDenied
    if locked.extended_at is not None:
        raise ValidationError({"reason": _("The deadline has already been extended once.")})
    if clock.today() > locked.due_on:
        raise ValidationError({"reason": _("The deadline has passed: it can no longer be extended.")})
    foi = locked
    before = foi.due_on
    foi.due_on = clock.add_working_days(foi.due_on, conf.extension_days())
    foi.extended_at = timezone.now()
    foi.extension_reason = reason
    foi.reminded_on = None
    foi.save(update_fields=["due_on", "extended_at", "extension_reason", "reminded_on"])
    _event(foi, EventKind.EXTENDED, actor, by_agency=True, text=reason)
    audit_record(
        actor=actor,
        action=AuditAction.FOI_EXTENDED,
        subject=foi,
        agency=foi.agency,
        extra={"from": before.isoformat(), "to": foi.due_on.isoformat()},
    )
    return foi


# --- answering --------------------------------------------------------------------------------


def _close(foi: FoiRequest, actor: Any, status: str, answer: str, exemption: str = "") -> None:
    foi.status = status
    foi.answer = answer
    foi.exemption = exemption
    foi.closed_on = clock.today()
    foi.closed_by = actor
    foi.save(update_fields=["status", "answer", "exemption", "closed_on", "closed_by"])


@transaction.atomic
def foi_answer(*, actor: Any, foi: FoiRequest, answer: str) -> FoiRequest:
    """Staff answer the request in full. Whether on time is decided by today's local date."""
    answer = _required("answer", answer, _("Enter your answer"), TEXT_MAX_LENGTH)
    foi = _locked(foi, actor, "answer")
    _close(foi, actor, Status.ANSWERED, answer)
    _event(foi, EventKind.ANSWERED, actor, by_agency=True, text=answer)
    _tell(foi, "answered")
    audit_record(
        actor=actor,
        action=AuditAction.FOI_ANSWERED,
        subject=foi,
        agency=foi.agency,
        extra={"late": foi.answered_late},
    )
    return foi


@transaction.atomic
def foi_refuse(*, actor: Any, foi: FoiRequest, exemption: str, explanation: str, partly: bool) -> FoiRequest:
    """Staff refuse the request, in full or in part (*partly*: the explanation also gives what is
    released), citing one exemption of ``FOI_EXEMPTIONS``."""
    if exemption not in dict(conf.exemptions()):
        raise ValidationError({"exemption": _("Select the exemption you rely on")})
    explanation = _required("explanation", explanation, _("Explain why you refuse"), TEXT_MAX_LENGTH)
    foi = _locked(foi, actor, "answer")
    status = Status.PARTLY_REFUSED if partly else Status.REFUSED
    _close(foi, actor, status, explanation, exemption)
    kind = EventKind.PARTLY_REFUSED if partly else EventKind.REFUSED
    _event(foi, kind, actor, by_agency=True, text=explanation)
    _tell(foi, "refused")
    audit_record(
        actor=actor,
        action=AuditAction.FOI_REFUSED,
        subject=foi,
        agency=foi.agency,
        extra={"exemption": exemption, "partly": partly, "late": foi.answered_late},
    )
    return foi


def foi_document_add(
    *,
    actor: Any,
    foi: FoiRequest,
    title: str,
    public: CleanFile,
    original: CleanFile | None = None,
) -> FoiDocument:
    """Release a document: *public* is what everyone reads (the redacted version when *original*
    is given); *original*, the unredacted file, is kept for the agency's staff only. The files
    are written first (outside the transaction) and deleted again if the database write fails."""
    title = _required("title", title, _("Enter a title for the document"), 200)
    if not foi_policy.can_for(actor, "document", foi):
        raise PermissionDenied
    public_name = store_privately(public, folder="foi")
    original_name = store_privately(original, folder="foi/originals") if original is not None else ""
    try:
        with transaction.atomic():
            foi = _locked(foi, actor, "document")
            document = FoiDocument.objects.create(
                request=foi,
                title=title,
                filename=_fit_name(public.name or f"document{public.kind.extension}"),
                content_type=public.kind.content_type,
                public_name=public_name,
                original_name=original_name,
                original_filename=_fit_name((original.name if original else "") or ""),
                original_content_type=original.kind.content_type if original else "",
                added_by=actor,
            )
            _event(foi, EventKind.DOCUMENT_ADDED, actor, by_agency=True, text=title)
            audit_record(
                actor=actor,
                action=AuditAction.FOI_DOCUMENT_ADDED,
                subject=document,
                agency=foi.agency,
                extra={"request": foi.pk, "redacted": bool(original_name)},
            )
    except BaseException:
        for name in (public_name, original_name):
            if name:
                private_storage().delete(name)
        raise
    return document


@transaction.atomic
def foi_original_viewed(*, actor: Any, document: FoiDocument) -> None:
    """Record that staff read the unredacted original of *document* (the caller checked access)."""
    audit_record(
        actor=actor,
        action=AuditAction.FOI_ORIGINAL_VIEWED,
        subject=document,
        agency=document.request.agency,
        extra={"request": document.request_id},
    )


# --- internal review --------------------------------------------------------------------------


@transaction.atomic
def foi_review_request(*, actor: Any, foi: FoiRequest, reason: str) -> FoiRequest:
    """The requester, unhappy with the answer, asks the agency to review it (once). The agency has
    ``FOI_REVIEW_DAYS`` working days."""
    reason = _required("reason", reason, _("Enter why you want the answer reviewed"), REASON_MAX_LENGTH)
    foi = _locked(foi, actor, "ask_review")
    foi.review_status = ReviewStatus.REQUESTED
    foi.review_reason = reason
    foi.review_due_on = clock.add_working_days(clock.today(), conf.review_days())
    foi.save(update_fields=["review_status", "review_reason", "review_due_on"])
    _event(foi, EventKind.REVIEW_REQUESTED, actor, by_agency=False, text=reason)
    audit_record(actor=actor, action=AuditAction.FOI_REVIEW_REQUESTED, subject=foi, agency=foi.agency)
    return foi


@transaction.atomic
def foi_review_decide(*, actor: Any, foi: FoiRequest, outcome: str, note: str) -> FoiRequest:
    """Staff finish the internal review: the decision stands (``upheld``) or is changed
    (``changed``, the note saying what more is released). The requester is told, with how to
    appeal to the regulator."""
    if outcome not in (ReviewStatus.UPHELD, ReviewStatus.CHANGED):
        raise ValidationError({"outcome": _("Select the outcome of the review")})
    note = _required("note", note, _("Explain the outcome of the review"), TEXT_MAX_LENGTH)
    foi = _locked(foi, actor, "review")
    foi.review_status = outcome
    foi.review_note = note
    foi.reviewed_at = timezone.now()
    foi.save(update_fields=["review_status", "review_note", "reviewed_at"])
    _event(foi, EventKind.REVIEW_DECIDED, actor, by_agency=True, text=note)
    _tell(foi, "reviewed")
    audit_record(
        actor=actor, action=AuditAction.FOI_REVIEW_DECIDED, subject=foi, agency=foi.agency, extra={"outcome": outcome}
    )
    return foi


# --- reminders --------------------------------------------------------------------------------


def foi_reminders_send() -> int:
    """Remind the agency's staff of each open request due within ``FOI_REMINDER_DAYS`` working
    days (or already late) and not yet reminded since its deadline last moved. One transaction per
    request, so a failure leaves the others sent; running it twice in a day sends nothing more.
    Returns how many requests were reminded."""
    sent = 0
    for pk in reminder_due(clock.today()):
        with transaction.atomic():
            foi = (
                FoiRequest.objects.select_for_update(of=("self",))
                .select_related("agency")
                .filter(pk=pk, status=Status.AWAITING, reminded_on__isnull=True)
                .first()
            )
            if foi is None:
                continue
            foi.reminded_on = clock.today()
            foi.save(update_fields=["reminded_on"])
            url = reverse("foi_staff:detail", args=[foi.pk])
            for user in staff_to_remind(foi):
                notify(
                    user=user,
                    subject_template="foi/notify/reminder_subject.txt",
                    body_template="foi/notify/reminder_body.txt",
                    context={"foi": foi},
                    url=url,
                )
            audit_record(
                actor=None,
                action=AuditAction.FOI_REMINDER_SENT,
                subject=foi,
                agency=foi.agency,
                extra={"due_on": foi.due_on.isoformat()},
            )
            sent += 1
    return sent


@task()
def foi_reminders_task() -> int:
    """The scheduler's job: :func:`foi_reminders_send`."""
    with translation.override(settings.LANGUAGE_CODE):
        return foi_reminders_send()
