"""Writes to applications. Each function: one transaction, the actor passed in, one audit row.

Citizen-side functions take ``citizen``; staff-side functions take ``actor``
and the ``expected_version`` the caseworker saw, so that of two people acting
on one case at once, the second is told instead of silently overwriting.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ecitizen.accounts.selectors import identity_level_for, profile_for
from ecitizen.cases.models import (
    Application,
    ApplicationEvent,
    EventKind,
    InformationRequest,
    InternalNote,
    ReferenceCounter,
    RefusalCategory,
    Status,
)
from ecitizen.cases.signals import application_approved
from ecitizen.catalogue.formdef import FormDefinition
from ecitizen.catalogue.models import ServiceVersion
from ecitizen.core.addresses import address_complete
from ecitizen.core.audit import audit_record
from ecitizen.core.i18n import pick
from ecitizen.core.models import AuditAction
from ecitizen.core.signals import application_fee_due, application_withdrawn
from ecitizen.core.working_days import add_working_days
from ecitizen.ledger.backfill import Act, backfill
from ecitizen.ledger.services import ledger_record

# "document" (documents checked at a counter, no register record) meets "basic", never "verified".
LEVEL_ORDER = {"none": 0, "basic": 1, "document": 1, "verified": 2}


class StaleCase(Exception):
    """Someone changed the case since the caller loaded it; ``current`` is its state now."""

    def __init__(self, current: Application):
        super().__init__("The case has changed.")
        self.current = current


# --- helpers ------------------------------------------------------------------


def _lock(application: Application, expected_version: int | None = None) -> Application:
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleCase(locked)
    return locked


def _save(application: Application, *fields: str) -> None:
    application.version = F("version") + 1
    application.save(update_fields=[*fields, "version", "updated_at"])
    application.refresh_from_db(fields=["version"])


def _event(application: Application, kind: EventKind, *, actor=None, message: str = "", visible: bool = True):
    return ApplicationEvent.objects.create(
        application=application, kind=kind, actor=actor, message=message, visible_to_citizen=visible
    )


def _notify_citizen(application: Application, message: str = "") -> None:
    """Tell the citizen, in their language, by email and in their inbox."""
    from ecitizen.notifications.services import notify

    notify(
        user=application.citizen,
        subject_template="notifications/email/case_update_subject.txt",
        body_template="notifications/email/case_update_body.txt",
        context={
            "reference": application.reference,
            "service_title": application.service_version.snapshot.get("title", {}),
            "status_label": Status(application.status).label,  # lazy: rendered in the citizen's language
            "message": message,
        },
        url=f"/applications/{application.pk}/",
    )


def _next_reference(application: Application, now) -> str:
    """``<agency code>-<year>-<6 digits>``: the year is the local year of *now*, the submission
    instant the due date also counts from, so a case sent at 23:30 on 31 December is of that year."""
    year = timezone.localdate(now).year
    agency = application.agency
    for _attempt in range(3):
        try:
            with transaction.atomic():
                counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(agency=agency, year=year)
                break
        except IntegrityError:  # two first submissions of the year at once: retry the read
            continue
    ReferenceCounter.objects.filter(pk=counter.pk).update(last_number=F("last_number") + 1)
    counter.refresh_from_db(fields=["last_number"])
    return f"{agency.code}-{year}-{counter.last_number:06d}"


def prefill_answers(form: FormDefinition, user: Any) -> dict[str, Any]:
    """Answers the platform already knows from the profile (once-only)."""
    profile = profile_for(user)
    known = {
        "given_name": profile.given_name,
        "family_name": profile.family_name,
        "full_name": profile.full_name,
        "date_of_birth": profile.date_of_birth.isoformat() if profile.date_of_birth else "",
        "email": user.email,
        "phone": profile.phone,
        "address": {
            "line1": profile.address_line_1,
            "line2": profile.address_line_2,
            "town": profile.town,
            "postcode": profile.postcode,
        },
    }
    if not address_complete(known["address"]):
        known["address"] = None  # a town alone is not a postal address: the citizen is asked for it
    answers = {}
    for question in form.questions:
        if question.prefill and known.get(question.prefill):
            answers[question.id] = known[question.prefill]
    return answers


# --- citizen ------------------------------------------------------------------


def application_start(*, citizen: Any, service_version: ServiceVersion, start_token: uuid.UUID) -> Application:
    """Start a draft, or return the one this *start_token* already started (a double click, a retry).

    Raises PermissionDenied if the citizen's identity level is below what the service needs.
    """
    existing = Application.objects.filter(start_token=start_token).first()
    if existing is not None:
        if existing.citizen_id != citizen.pk:
            raise PermissionDenied
        return existing
    needed = service_version.snapshot.get("identity_level", "basic")
    if LEVEL_ORDER[identity_level_for(citizen)] < LEVEL_ORDER.get(needed, 2):
        raise PermissionDenied(_("This service needs a verified identity."))
    form = FormDefinition.parse(service_version.snapshot["form"])
    try:
        with transaction.atomic():
            application = Application.objects.create(
                citizen=citizen,
                agency_id=service_version.snapshot["agency"]["id"],
                service_version=service_version,
                answers=prefill_answers(form, citizen),
                start_token=start_token,
            )
            audit_record(
                actor=citizen,
                action=AuditAction.APPLICATION_STARTED,
                subject=application,
                subject_user=citizen,
                extra={"service_version": service_version.pk},
            )
    except IntegrityError:
        # The same token raced us from another request: theirs won, use it.
        return Application.objects.get(start_token=start_token, citizen=citizen)
    return application


@transaction.atomic
def application_save_page(*, citizen: Any, application: Application, page_id: str, answers: dict) -> Application:
    """Store one page's answers on a draft (every page is saved: the citizen can leave and come back)."""
    application = _lock(application)
    if application.citizen_id != citizen.pk or application.status != Status.DRAFT:
        raise PermissionDenied
    application.answers = {**application.answers, **answers}
    application.last_page_id = page_id[:40]
    _save(application, "answers", "last_page_id")
    audit_record(
        actor=citizen,
        action=AuditAction.APPLICATION_SAVED,
        subject=application,
        subject_user=citizen,
        extra={"page": page_id},
    )
    return application


@transaction.atomic
def application_submit(*, citizen: Any, application: Application, declaration: bool) -> Application:
    """Send a draft to the agency. Idempotent: submitting an already submitted application returns it.

    Raises ValidationError if the declaration is not accepted or a required answer is missing.
    """
    application = _lock(application)
    if application.citizen_id != citizen.pk:
        raise PermissionDenied
    if application.status != Status.DRAFT:
        return application
    if not declaration:
        raise ValidationError({"declaration": _("Confirm that the information you have given is correct")})
    form = FormDefinition.parse(application.service_version.snapshot["form"])
    missing = form.missing(application.answers)
    if missing:
        raise ValidationError(
            _("Answer every required question before you send your application: %(question)s")
            % {"question": pick(missing[0][1].label)},
            code="incomplete",
        )
    now = timezone.now()
    fee = application.service_version.snapshot.get("fee") or {}
    fee_amount = int(fee.get("amount") or 0)
    application.answers = form.visible_answers(application.answers)
    application.declaration_accepted = True
    application.reference = _next_reference(application, now)
    application.submitted_at = now
    if fee_amount > 0:
        # The case waits for the fee before anyone reviews it; the clock starts when it is paid.
        application.status = Status.AWAITING_PAYMENT
    else:
        application.status = Status.SUBMITTED
        application.due_date = _due_date(application, now)
        application.queued_at = now
    _save(
        application, "answers", "declaration_accepted", "reference", "status", "submitted_at", "due_date", "queued_at"
    )
    bill_reference = None
    if fee_amount > 0:
        # Payments bills the fee (ecitizen.core.signals; received in this transaction).
        responses = application_fee_due.send(
            sender=Application, application=application, amount=fee_amount, currency=fee.get("currency") or "GBP"
        )
        bill_reference = next((answer for _receiver, answer in responses if answer), None)
        if bill_reference is None:
            raise ImproperlyConfigured("This service charges a fee but no installed app bills application fees.")
    _event(application, EventKind.SUBMITTED, actor=citizen)
    audit_record(
        actor=citizen,
        action=AuditAction.APPLICATION_SUBMITTED,
        subject=application,
        subject_user=citizen,
        agency=application.agency,
        extra={"reference": application.reference, "bill": bill_reference},
    )
    _notify_citizen(application)
    return application


def _due_date(application: Application, start) -> Any:
    return add_working_days(timezone.localdate(start), application.service_version.snapshot["deadline_working_days"])


@transaction.atomic
def application_payment_received(*, application: Application) -> Application:
    """The fee is paid: the case joins the agency's queue and its decision clock starts.

    Called when the application's bill is paid (``cases.receivers`` receives
    ``core.signals.bill_paid`` in the payment's transaction); idempotent.
    """
    application = _lock(application)
    if application.status != Status.AWAITING_PAYMENT:
        return application
    now = timezone.now()
    application.status = Status.SUBMITTED
    application.due_date = _due_date(application, now)
    application.queued_at = now
    _save(application, "status", "due_date", "queued_at")
    _event(application, EventKind.PAYMENT_RECEIVED)
    audit_record(
        actor=None,
        action=AuditAction.APPLICATION_PAYMENT_RECEIVED,
        subject=application,
        subject_user=application.citizen,
        agency=application.agency,
    )
    return application


@transaction.atomic
def application_withdraw(*, citizen: Any, application: Application) -> Application:
    """The citizen withdraws their application (before a decision). Idempotent.

    ``core.signals.application_withdrawn`` is sent in this transaction: payments cancels the
    application's open bills and stops their payments in progress, so a withdrawn application's
    fee is never taken (a payment that still lands is refunded automatically). If that fails,
    the application is not withdrawn either.
    """
    application = _lock(application)
    if application.citizen_id != citizen.pk:
        raise PermissionDenied
    if application.status == Status.WITHDRAWN:
        return application
    if not application.is_open and application.status != Status.AWAITING_PAYMENT:
        raise ValidationError(_("This application has been decided and can no longer be withdrawn."))
    application.status = Status.WITHDRAWN
    application.withdrawn_at = timezone.now()
    _save(application, "status", "withdrawn_at")
    _event(application, EventKind.WITHDRAWN, actor=citizen)
    audit_record(
        actor=citizen,
        action=AuditAction.APPLICATION_WITHDRAWN,
        subject=application,
        subject_user=citizen,
        agency=application.agency,
    )
    application_withdrawn.send(sender=Application, application=application, actor=citizen)
    _notify_citizen(application)
    return application


@transaction.atomic
def application_respond(
    *, citizen: Any, application: Application, response: str, uploads: list | None = None
) -> InformationRequest:
    """Answer the open request for information (text, and files already stored as uploads)."""
    application = _lock(application)
    if application.citizen_id != citizen.pk:
        raise PermissionDenied
    if application.status != Status.INFO_REQUESTED:
        raise ValidationError(_("There is no open request for information on this application."))
    if not response.strip() and not uploads:
        raise ValidationError({"response": _("Enter your answer or attach a file")})
    request = application.info_requests.filter(responded_at__isnull=True).select_for_update().last()
    request.response = response.strip()
    request.responded_at = timezone.now()
    request.save(update_fields=["response", "responded_at"])
    for upload in uploads or []:
        upload.info_request = request
        upload.application = application
        upload.save(update_fields=["info_request", "application"])
    application.status = Status.IN_REVIEW
    _save(application, "status")
    _event(application, EventKind.INFO_PROVIDED, actor=citizen, message=request.response)
    audit_record(
        actor=citizen,
        action=AuditAction.APPLICATION_INFO_PROVIDED,
        subject=application,
        subject_user=citizen,
        agency=application.agency,
        extra={"files": len(uploads or [])},
    )
    return request


# --- staff ------------------------------------------------------------------


def _staff_change(application, actor, expected_version, action_name):
    from ecitizen.agencies.conflicts import ensure_no_conflict
    from ecitizen.cases.policies import case_policy

    application = _lock(application, expected_version)
    if not case_policy.can_for(actor, action_name, application):
        raise PermissionDenied
    # Never on one's own (or a declared relative's) application: raises ConflictOfInterest.
    ensure_no_conflict(staff=actor, citizen=application.citizen, agency=application.agency)
    return application


def _start_review(application: Application, actor: Any) -> None:
    if application.status == Status.SUBMITTED:
        application.status = Status.IN_REVIEW
        _event(application, EventKind.IN_REVIEW, actor=actor)


@transaction.atomic
def case_assign(*, actor: Any, application: Application, assignee: Any, expected_version: int) -> Application:
    """Give the case to *assignee* (a caseworker of its agency). Starts the review if not started.

    Neither the actor nor the assignee may be the applicant or their declared relative."""
    from ecitizen.agencies.conflicts import conflict_reason
    from ecitizen.cases.policies import case_policy

    application = _staff_change(application, actor, expected_version, "assign")
    if not case_policy.scope(assignee, "view").filter(pk=application.pk).exists():
        raise ValidationError({"assignee": _("Choose someone who works on this agency's cases")})
    if conflict_reason(staff=assignee, citizen=application.citizen, agency=application.agency):
        message = _("%(email)s cannot take this case: it is their own application or a declared relative's.")
        raise ValidationError({"assignee": message % {"email": assignee.email}})
    application.assignee = assignee
    was = application.status
    _start_review(application, actor)
    _save(application, "assignee", "status")
    _event(application, EventKind.ASSIGNED, actor=actor, visible=False, message=assignee.email)
    audit_record(
        actor=actor,
        action=AuditAction.CASE_ASSIGNED,
        subject=application,
        subject_user=application.citizen,
        agency=application.agency,
        extra={"assignee": assignee.email},
    )
    if was != application.status:
        _notify_citizen(application)
    return application


def case_bulk_assign(*, actor: Any, applications: list[Application], assignee: Any) -> int:
    """Assign several cases; each in its own transaction, skipping any that changed meanwhile."""
    done = 0
    for application in applications:
        try:
            case_assign(actor=actor, application=application, assignee=assignee, expected_version=application.version)
        except (StaleCase, PermissionDenied, ValidationError):  # incl. conflicts of interest
            continue
        done += 1
    return done


@transaction.atomic
def case_add_note(*, actor: Any, application: Application, text: str) -> InternalNote:
    from ecitizen.cases.policies import case_policy

    if not case_policy.scope(actor, "view").filter(pk=application.pk).exists():
        raise PermissionDenied
    if not text.strip():
        raise ValidationError({"text": _("Enter the note")})
    note = InternalNote.objects.create(application=application, author=actor, text=text.strip())
    audit_record(
        actor=actor,
        action=AuditAction.CASE_NOTE_ADDED,
        subject=application,
        subject_user=application.citizen,
        agency=application.agency,
    )
    return note


@transaction.atomic
def case_request_info(*, actor: Any, application: Application, message: str, expected_version: int) -> Application:
    application = _staff_change(application, actor, expected_version, "request_info")
    if application.status == Status.INFO_REQUESTED:
        raise ValidationError(_("This case is already waiting for information from the applicant."))
    if not message.strip():
        raise ValidationError({"message": _("Enter what you need from the applicant")})
    InformationRequest.objects.create(application=application, requested_by=actor, message=message.strip())
    application.status = Status.INFO_REQUESTED
    if application.assignee_id is None:
        application.assignee = actor
    _save(application, "status", "assignee")
    _event(application, EventKind.INFO_REQUESTED, actor=actor, message=message.strip())
    audit_record(
        actor=actor,
        action=AuditAction.CASE_INFO_REQUESTED,
        subject=application,
        subject_user=application.citizen,
        agency=application.agency,
    )
    _notify_citizen(application, message.strip())
    return application


def _decide(application: Application, actor: Any, *, status: Status, reason: str = "", category: str = "") -> None:
    """Record a decision on a locked, open case: status, time, reason, event, audit row."""
    application.status = status
    application.decided_at = timezone.now()
    application.decision_reason = reason
    application.refusal_category = category
    if application.assignee_id is None:
        application.assignee = actor
    _save(application, "status", "decided_at", "decision_reason", "refusal_category", "assignee")
    _event(application, EventKind(status.value), actor=actor, message=reason)
    audit_record(
        actor=actor,
        action=AuditAction.CASE_APPROVED if status == Status.APPROVED else AuditAction.CASE_REFUSED,
        subject=application,
        subject_user=application.citizen,
        agency=application.agency,
    )
    ledger_record(
        kind=LOG_DECIDED, key=application.reference, body=_decided_entry(application), at=application.decided_at
    )


# The public log's entry for a decision (ecitizen.ledger); its key is the application's reference.
LOG_DECIDED = "case.decided"


def _decided_entry(application: Application) -> dict[str, Any]:
    """The public log's record of a decision: the outcome and the agency (with the reference and the
    time). Never the applicant, their answers, the reason (staff's text) or the service: the log is
    permanent, and a refusal of a sensitive service (housing, a disability benefit) tied to a
    reference the applicant shows others would say too much."""
    return {
        "outcome": "approved" if application.status == Status.APPROVED else "refused",
        "agency": application.agency.slug,
    }


@transaction.atomic
def case_approve(*, actor: Any, application: Application, expected_version: int) -> Application:
    """Approve and issue the document, in one transaction (a service that issues no
    document is just approved).

    The documents app issues it, receiving ``cases.signals.application_approved`` in this
    transaction; if none is issued (or issuing fails), nothing is approved.
    """
    application = _staff_change(application, actor, expected_version, "decide")
    if application.status == Status.INFO_REQUESTED:
        raise ValidationError(_("Wait for the applicant's answer before you decide."))
    _decide(application, actor, status=Status.APPROVED)
    issued = application_approved.send(sender=Application, application=application, actor=actor)
    issues_document = bool((application.service_version.snapshot or {}).get("issues"))
    if issues_document and not any(number for _receiver, number in issued):
        raise ImproperlyConfigured("No installed app issues the documents of approved applications.")
    _notify_citizen(application)
    return application


@transaction.atomic
def case_refuse(
    *,
    actor: Any,
    application: Application,
    reason: str,
    expected_version: int,
    category: str = RefusalCategory.OTHER,
) -> Application:
    """Refuse, with the reason in the caseworker's words and its *category* (counted by analytics)."""
    application = _staff_change(application, actor, expected_version, "decide")
    if not reason.strip():
        raise ValidationError({"reason": _("Enter the reason for refusing, so the applicant understands it")})
    if category not in RefusalCategory.values:
        raise ValidationError({"category": _("Choose the kind of reason")})
    _decide(application, actor, status=Status.REFUSED, reason=reason.strip(), category=category)
    _notify_citizen(application, reason.strip())
    return application


# --- The public log ---------------------------------------------------------------


def _decided_acts(after: int, limit: int) -> list[Act]:
    applications = list(
        Application.objects.select_for_update(of=("self",))
        .filter(
            pk__gt=after,
            status__in=[Status.APPROVED, Status.REFUSED],
            decided_at__isnull=False,
            reference__isnull=False,
        )
        .order_by("pk")
        .select_related("agency")
        .only("pk", "reference", "status", "decided_at", "agency__slug")[:limit]
    )
    return [Act(a.pk, a.reference, _decided_entry(a), a.decided_at) for a in applications]


def cases_backfill_ledger() -> int:
    """Record in the public log the decisions made before it existed, once each
    (``manage.py ledger_backfill``); returns how many entries it queued."""
    return backfill(kind=LOG_DECIDED, acts=_decided_acts)
