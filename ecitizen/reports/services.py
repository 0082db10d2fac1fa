"""Writes to problem reports. Each function: one transaction, the actor passed in, one audit row.

Errors people can fix raise ``ValidationError`` with a dict of field names, so
forms and the Open311 API can show each message where it belongs; nothing is
saved when one is raised. Staff functions take the ``expected_version`` the
caseworker saw, so that of two people acting at once the second is told
(:class:`StaleReport`) instead of silently overwriting.
"""

from __future__ import annotations

import datetime
import hashlib
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ecitizen.accounts.selectors import identity_level_for
from ecitizen.agencies.models import Agency
from ecitizen.cases.uploads import CleanFile, prepare_image, private_storage, store_privately
from ecitizen.catalogue import patterns
from ecitizen.core.audit import audit_record
from ecitizen.core.i18n import pick
from ecitizen.core.models import AuditAction
from ecitizen.core.working_days import add_working_days
from ecitizen.notifications.services import notify
from ecitizen.reports import alerts, area_links, geo, signals
from ecitizen.reports.emails import absolute_url, send_email
from ecitizen.reports.models import (
    DESCRIPTION_MAX_LENGTH,
    MAX_PHOTOS,
    OPEN_STATUSES,
    TITLE_MAX_LENGTH,
    UPDATE_MAX_LENGTH,
    Category,
    Report,
    ReportPhoto,
    ReportUpdate,
    Source,
    Status,
    UpdateKind,
    question_pattern_message,
)
from ecitizen.reports.policies import staff_report_policy
from ecitizen.reports.routing import NoRoute, route

# Links are made and read through services too (views, seed data): the token helpers stay importable here.
from ecitizen.reports.tokens import CONFIRM_MAX_AGE, make_token, read_token  # noqa: F401

# A reporter's update does not reopen a duplicate: the original is the one being worked.
REOPENABLE = frozenset({Status.FIXED, Status.CLOSED_NOT_FIXED, Status.NOT_RESPONSIBLE})


class StaleReport(Exception):
    """Someone changed the report since the caller loaded it; ``current`` is its state now."""

    def __init__(self, current: Report):
        super().__init__("The report has changed.")
        self.current = current


# --- helpers ---------------------------------------------------------------------


def due_at_for(category: Category, start: datetime.datetime) -> datetime.datetime:
    """End of the working day the category's response time runs out on (in the deployment's timezone)."""
    local = timezone.localtime(start)
    day = add_working_days(local.date(), category.response_days)
    end_of_day = datetime.datetime.combine(day, datetime.time(23, 59, 59))
    return timezone.make_aware(end_of_day, timezone.get_current_timezone())


def _lock(report: Report, expected_version: int | None = None) -> Report:
    locked = Report.objects.select_for_update().select_related("category", "agency").get(pk=report.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleReport(locked)
    return locked


def _lock_for_staff(actor: Any, report: Report, action: str, expected_version: int | None = None) -> Report:
    """Lock the report's row, then check that *actor* may still do *action* to it as it is now.

    Views already fetch the report through the policy; checking again here, on
    the locked row, means a service called from anywhere else (or for a report
    forwarded to another agency a moment ago) cannot act outside the actor's
    agencies. Raises ``PermissionDenied`` before anything is written.
    """
    locked = Report.objects.select_for_update().select_related("category", "agency").get(pk=report.pk)
    if not staff_report_policy.can_for(actor, action, locked):
        raise PermissionDenied
    if expected_version is not None and locked.version != expected_version:
        raise StaleReport(locked)
    return locked


def _save(report: Report, *fields: str) -> None:
    report.updated_at = timezone.now()
    report.version = F("version") + 1
    report.save(update_fields=[*fields, "version", "updated_at"])
    report.refresh_from_db(fields=["version"])


def validate_answers(category: Category, raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Check answers to the category's extra questions. Returns ``(answers, errors by question code)``."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in category.questions or []:
        code = question["code"]
        label = pick(question.get("label")) or code
        value = raw.get(code)
        value = "" if value is None else str(value).strip()
        if not value:
            if question.get("required"):
                errors[code] = _("Answer the question “%(question)s”") % {"question": label}
            continue
        datatype = question.get("datatype", "string")
        if datatype == "number":
            if geo.parse_number(value) is None:
                errors[code] = _("The answer to “%(question)s” must be a number") % {"question": label}
                continue
        elif datatype == "singlevaluelist":
            keys = {str(v["key"]) for v in question.get("values", [])}
            if value not in keys:
                errors[code] = _("Choose one of the answers to “%(question)s”") % {"question": label}
                continue
        limit = 2000 if datatype == "text" else 200
        if len(value) > limit:
            errors[code] = _("The answer to “%(question)s” must be %(limit)s characters or fewer") % {
                "question": label,
                "limit": limit,
            }
            continue
        # The agency's pattern runs in RE2 (linear time): no answer can make it backtrack for ever.
        if question.get("pattern") and not patterns.matches(question["pattern"], value):
            errors[code] = question_pattern_message(question, label)
            continue
        answers[code] = value
    return answers, errors


def _tell_reporter(report: Report, *, subject_template: str, body_template: str, context: dict) -> None:
    url = reverse("reports:detail", args=[report.pk])
    context = {"report": report, **context}
    if report.reporter_id:
        notify(
            user=report.reporter,
            subject_template=subject_template,
            body_template=body_template,
            context=context,
            url=url,
        )
    elif report.reporter_email and report.confirmed_at:
        send_email(
            to=report.reporter_email,
            language=report.language,
            subject_template=subject_template,
            body_template=body_template,
            context={**context, "link": absolute_url(url)},
        )


def _tell_agency(report: Report, *, reason: str) -> None:
    """Email the agency's contact address about a new, reopened or forwarded report."""
    if report.agency.email:
        send_email(
            to=report.agency.email,
            language="",
            subject_template="reports/email/agency_subject.txt",
            body_template="reports/email/agency_body.txt",
            context={
                "report": report,
                "reason": reason,
                "link": absolute_url(reverse("reports_staff:detail", args=[report.pk])),
            },
        )


# --- photos -----------------------------------------------------------------------


PHOTO_MAX_SIDE = 2000


def photo_prepare(file: Any) -> CleanFile:
    """Check a photo by its content, re-encode it without metadata, scaled to :data:`PHOTO_MAX_SIDE`.

    Decoding is the slow part and touches no database, so it runs before any
    transaction (:func:`photo_store` calls it first; a view may call it
    itself). Raises ``ValidationError`` as :func:`photo_store` documents.
    """
    return prepare_image(file, max_side=PHOTO_MAX_SIDE)


def photo_store(*, actor: Any, file: Any, draft_key: str = "") -> ReportPhoto:
    """Check a photo by its content, re-encode it without metadata and store it privately.

    Raises ``ValidationError`` (codes ``file_empty``, ``file_too_large``,
    ``file_type``, ``file_unreadable``, ``image_too_big``) and stores nothing
    when refused. The photo is attached to a report or update later.

    Photos larger than :data:`PHOTO_MAX_SIDE` pixels on their longer side are
    scaled down: a public report page must stay light on an old phone, and a
    pot-hole needs no 48-megapixel picture.

    *file* is an uploaded file, or a :class:`~ecitizen.cases.uploads.CleanFile`
    from :func:`photo_prepare`. The picture is decoded, re-encoded and written
    to storage before the transaction that records it opens: the database's
    write lock is never held while pixels are processed.
    """
    prepared = file if isinstance(file, CleanFile) else photo_prepare(file)
    stored_name = store_privately(prepared, folder="reports")
    try:
        return _photo_record(actor=actor, prepared=prepared, stored_name=stored_name, draft_key=draft_key)
    except BaseException:
        private_storage().delete(stored_name)
        raise


@transaction.atomic
def _photo_record(*, actor: Any, prepared: CleanFile, stored_name: str, draft_key: str) -> ReportPhoto:
    photo = ReportPhoto.objects.create(
        draft_key=draft_key,
        stored_name=stored_name,
        content_type=prepared.kind.content_type,
        size=len(prepared.data),
        width=prepared.width,
        height=prepared.height,
        sha256=hashlib.sha256(prepared.data).hexdigest(),
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        action=AuditAction.REPORT_PHOTO_UPLOADED,
        subject=photo,
        extra={"content_type": prepared.kind.content_type, "size": len(prepared.data)},
    )
    return photo


@transaction.atomic
def photo_discard(*, actor: Any, photo: ReportPhoto) -> None:
    """Delete a photo that belongs to no report yet (removed from a draft, or left by a refused update).

    Its file goes once the transaction commits; photos of a report stay (moderators hide them instead).
    """
    if photo.report_id is not None:
        raise ValidationError({"photos": _("This photo is part of a report and cannot be removed here")})
    stored_name = photo.stored_name
    audit_record(actor=actor, action=AuditAction.REPORT_PHOTO_REMOVED, subject=photo, extra={"photo": photo.pk})
    photo.delete()
    transaction.on_commit(lambda: private_storage().delete(stored_name), robust=True)


def photos_purge_drafts(*, older_than: datetime.timedelta = datetime.timedelta(hours=24)) -> int:
    """Delete photos uploaded for reports that were never sent (no report after *older_than*).

    Run daily (``manage.py purge_draft_photos``): without it, abandoned drafts
    would keep their photos for ever. Returns how many were deleted.
    """
    cutoff = timezone.now() - older_than
    deleted = 0
    for photo in ReportPhoto.objects.filter(report__isnull=True, created_at__lt=cutoff).iterator():
        photo_discard(actor=None, photo=photo)
        deleted += 1
    return deleted


def photo_open(photo: ReportPhoto):
    return private_storage().open(photo.stored_name, "rb")


# --- reporting --------------------------------------------------------------------


@transaction.atomic
def report_create(
    *,
    actor: Any,
    service_code: str,
    latitude: Any,
    longitude: Any,
    title: str,
    description: str,
    answers: dict[str, Any] | None = None,
    name: str = "",
    email: str = "",
    phone: str = "",
    name_hidden: bool = False,
    photos: list[ReportPhoto] | None = None,
    address: str = "",
    address_id: str = "",
    language: str = "en",
    source: str = Source.WEB,
    api_client: Any = None,
    media_url: str = "",
    now: datetime.datetime | None = None,
    submit_token: uuid.UUID | str | None = None,
) -> Report:
    """Record a problem at a point and route it to the agency that handles it there.

    Signed-in people with a confirmed email (and Open311 apps, which vouch for
    their users) make a report that is public and in the agency's queue at
    once. Anyone else gives an email address: the report waits until the
    link emailed there is followed (:func:`report_confirm`).

    *submit_token* makes the call idempotent: a report already made with it is
    returned as it is (a double click, a retry after a crash), and of two calls
    racing with one token only one makes a report; the other returns it.
    """
    if submit_token is not None:
        submit_token = submit_token if isinstance(submit_token, uuid.UUID) else uuid.UUID(str(submit_token))
        existing = Report.objects.filter(submit_token=submit_token).first()
        if existing is not None:
            return existing
    errors: dict[str, Any] = {}
    lat, lng = geo.parse_number(latitude), geo.parse_number(longitude)
    if lat is None or lng is None or not geo.valid_point(lat, lng):
        errors["location"] = _(
            "Enter the location as a latitude from -90 to 90 and a longitude from -180 to 180, or choose it on the map"
        )
    title = (title or "").strip()
    description = (description or "").strip()
    if not title:
        errors["title"] = _("Enter a title for the problem")
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = _("The title must be %(limit)s characters or fewer") % {"limit": TITLE_MAX_LENGTH}
    if not description:
        errors["description"] = _("Describe the problem")
    elif len(description) > DESCRIPTION_MAX_LENGTH:
        errors["description"] = _("The description must be %(limit)s characters or fewer") % {
            "limit": DESCRIPTION_MAX_LENGTH
        }
    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = _("Add no more than %(limit)s photos") % {"limit": MAX_PHOTOS}

    signed_in = bool(getattr(actor, "is_authenticated", False))
    if signed_in:
        # A signed-in reporter is named by their profile only: a posted name is ignored, so
        # nobody can publish "Reported by" someone else.
        name = actor.get_full_name() or ""
        email = actor.email
    else:
        name, email = name.strip(), email.strip()
        if not email and source == Source.WEB:
            errors["email"] = _("Enter your email address so that we can confirm your report")
    if len(name) > 150:
        errors["name"] = _("Your name must be 150 characters or fewer")

    category = None
    service_code = (service_code or "").strip()
    if not service_code:
        errors["category"] = _("Select the kind of problem")
    elif not Category.objects.filter(code=service_code, is_active=True).exists():
        errors["category"] = _("This kind of problem is not one we know: select one from the list")
    elif "location" not in errors:
        routed = route(service_code, lat, lng)
        if isinstance(routed, NoRoute):
            errors["location"] = routed.message
        else:
            category, area = routed.category, routed.area
            clean_answers, answer_errors = validate_answers(category, answers or {})
            for code, message in answer_errors.items():
                errors[f"answer_{code}"] = message
    if errors:
        raise ValidationError(errors)

    now = now or timezone.now()
    trusted = (signed_in and identity_level_for(actor) != "none") or source == Source.OPEN311
    report = Report(
        category=category,
        agency=category.agency,
        area=area,
        latitude=lat,
        longitude=lng,
        address=address[:300],
        address_id=address_id[:20],
        title=title,
        description=description,
        answers=clean_answers,
        reporter=actor if signed_in else None,
        reporter_name=name,
        reporter_email=email,
        reporter_phone=phone[:40],
        language=language,
        name_hidden=bool(name_hidden),
        source=source,
        api_client=api_client,
        media_url=media_url[:500],
        submit_token=submit_token,
        created_at=now,
        updated_at=now,
    )
    try:
        report.full_clean(
            exclude=["category", "agency", "area", "reporter", "api_client", "duplicate_of", "cell", "submit_token"]
        )
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        # Another request with the same token committed first (PostgreSQL made this insert wait
        # for it): that report is the one, and nothing more is done for this call.
        winner = Report.objects.filter(submit_token=submit_token).first() if submit_token else None
        if winner is None:
            raise
        return winner
    area_links.link_new_report(report)
    if photos:
        ReportPhoto.objects.filter(pk__in=[p.pk for p in photos], report__isnull=True).update(
            report=report, draft_key=""
        )
    audit_record(
        actor=actor,
        action=AuditAction.REPORT_CREATED,
        subject=report,
        subject_user=report.reporter,
        agency=report.agency,
        extra={"source": source, "service_code": service_code, "photos": len(photos)},
    )
    if trusted:
        _confirmed(report, now=now)
    else:
        _ask_to_confirm(report)
    return report


def _ask_to_confirm(report: Report) -> None:
    link = absolute_url(reverse("reports:confirm", args=[make_token("confirm", report.pk)]))
    send_email(
        to=report.reporter_email,
        language=report.language,
        subject_template="reports/email/confirm_subject.txt",
        body_template="reports/email/confirm_body.txt",
        context={"report": report, "link": link},
    )


def _confirmed(report: Report, *, now: datetime.datetime) -> None:
    """The report is real: public, in the queue with its clock running, announced to whoever follows."""
    report.confirmed_at = now
    report.is_public = not report.hidden_reason
    report.due_at = due_at_for(report.category, now)
    report.save(update_fields=["confirmed_at", "is_public", "due_at"])
    if report.reporter_email:
        alerts.follow_report(report=report, email=report.reporter_email, user=report.reporter, language=report.language)
    _tell_agency(report, reason="new")
    _tell_reporter(
        report,
        subject_template="reports/email/received_subject.txt",
        body_template="reports/email/received_body.txt",
        context={},
    )
    signals.report_confirmed.send(sender=Report, report=report)


@transaction.atomic
def report_confirm(*, token: str) -> Report | None:
    """Confirm a report from the link emailed to its reporter. Idempotent; None for a bad or old link."""
    found = read_token("confirm", token)
    if found is None:
        return None
    report = Report.objects.select_for_update().select_related("category", "agency").filter(pk=found[0]).first()
    if report is None:
        return None
    if report.confirmed_at is None:
        _confirmed(report, now=timezone.now())
        audit_record(actor=None, action=AuditAction.REPORT_CONFIRMED, subject=report, agency=report.agency)
    return report


# --- updates by the public --------------------------------------------------------


def _is_reporter(report: Report, actor: Any, email: str) -> bool:
    if getattr(actor, "is_authenticated", False) and report.reporter_id:
        return actor.pk == report.reporter_id
    return bool(email) and bool(report.reporter_email) and email.strip().lower() == report.reporter_email.lower()


@transaction.atomic
def report_add_update(
    *,
    actor: Any,
    report: Report,
    text: str,
    not_fixed: bool = False,
    photo: ReportPhoto | None = None,
    name: str = "",
    email: str = "",
    name_hidden: bool = False,
    language: str = "en",
    verified_email: bool = False,
) -> ReportUpdate:
    """A member of the public adds an update; a reporter's update or "not fixed" reopens a closed report.

    Signed-in people's updates appear at once. Anyone else's wait for their
    email address to be confirmed, unless *verified_email* says the caller
    has already proved it (a signed link that reached that address).
    """
    text = (text or "").strip()
    errors = {}
    if not text and not not_fixed:
        errors["text"] = _("Enter your update")
    elif len(text) > UPDATE_MAX_LENGTH:
        errors["text"] = _("Your update must be %(limit)s characters or fewer") % {"limit": UPDATE_MAX_LENGTH}
    signed_in = bool(getattr(actor, "is_authenticated", False))
    if signed_in:
        email, name = actor.email, actor.get_full_name() or ""  # the profile's name, never a posted one
    elif not email.strip():
        errors["email"] = _("Enter your email address so that we can confirm your update")
    if errors:
        raise ValidationError(errors)
    report = _lock(report)
    if not report.is_public:
        raise PermissionDenied
    # A reporter who hid their name on the report stays unnamed in their own updates:
    # only the reporter can reopen, so a named "Reopened" update would give them away.
    if report.name_hidden and _is_reporter(report, actor if signed_in else None, email):
        name_hidden = True
    update = ReportUpdate.objects.create(
        report=report,
        kind=UpdateKind.COMMENT,
        author=actor if signed_in else None,
        author_name="" if name_hidden else name[:150],
        author_email=email.strip(),
        text=text,
        fixed_answer=False if not_fixed else None,
        is_public=False,
    )
    if photo is not None:
        ReportPhoto.objects.filter(pk=photo.pk, report__isnull=True, update__isnull=True).update(
            report=report, update=update, draft_key=""
        )
    audit_record(
        actor=actor,
        action=AuditAction.REPORT_UPDATE_ADDED,
        subject=report,
        subject_user=report.reporter,
        agency=report.agency,
        extra={"update": update.pk, "not_fixed": not_fixed},
    )
    if signed_in or verified_email:
        _publish_update(report, update, now=timezone.now())
    else:
        link = absolute_url(reverse("reports:confirm_update", args=[make_token("update", update.pk)]))
        send_email(
            to=update.author_email,
            language=language,
            subject_template="reports/email/confirm_update_subject.txt",
            body_template="reports/email/confirm_update_body.txt",
            context={"report": report, "update": update, "link": link},
        )
    return update


def _publish_update(report: Report, update: ReportUpdate, *, now: datetime.datetime) -> None:
    update.confirmed_at = now
    update.is_public = True
    update.save(update_fields=["confirmed_at", "is_public"])
    by_reporter = _is_reporter(report, update.author, update.author_email)
    if by_reporter and report.status in REOPENABLE:
        _reopen(report, update, now=now)
    else:
        report.updated_at = now
        report.save(update_fields=["updated_at"])
    signals.update_published.send(sender=ReportUpdate, update=update)


def _reopen(report: Report, update: ReportUpdate, *, now: datetime.datetime) -> None:
    old = report.status
    report.status = Status.OPEN
    report.closed_at = None
    report.reopened_at = now
    report.due_at = due_at_for(report.category, now)
    _save(report, "status", "closed_at", "reopened_at", "due_at")
    update.kind = UpdateKind.REOPENED
    update.old_status, update.new_status = old, Status.OPEN
    update.save(update_fields=["kind", "old_status", "new_status"])
    audit_record(
        actor=update.author,
        action=AuditAction.REPORT_REOPENED,
        subject=report,
        subject_user=report.reporter,
        agency=report.agency,
        extra={"from": old, "update": update.pk},
    )
    _tell_agency(report, reason="reopened")


@transaction.atomic
def update_confirm(*, token: str) -> ReportUpdate | None:
    """Publish an update from the link emailed to its author. Idempotent; None for a bad or old link."""
    found = read_token("update", token)
    if found is None:
        return None
    update = ReportUpdate.objects.select_for_update().select_related("report").filter(pk=found[0]).first()
    if update is None:
        return None
    if update.confirmed_at is None and not update.hidden_reason:
        report = _lock(update.report)
        if report.is_public:  # a report hidden meanwhile takes no new public updates
            _publish_update(report, update, now=timezone.now())
    return update


# --- staff ------------------------------------------------------------------------


def _staff_update(
    report: Report,
    actor: Any,
    kind: str,
    text: str,
    *,
    internal: bool = False,
    old: str = "",
    new: str = "",
    author_name: str = "",
) -> ReportUpdate:
    now = timezone.now()
    if not internal and kind in (UpdateKind.COMMENT, UpdateKind.STATUS) and report.first_response_at is None:
        # The agency's first public word on the report: the start of "time to first response".
        report.first_response_at = now
        Report.objects.filter(pk=report.pk, first_response_at__isnull=True).update(first_response_at=now)
    return ReportUpdate.objects.create(
        report=report,
        kind=kind,
        author=actor,
        author_name=author_name or report.agency.name,
        is_staff=True,
        is_internal=internal,
        text=text,
        old_status=old,
        new_status=new,
        confirmed_at=now,
        is_public=not internal,
    )


def _check_note(text: str, *, required: bool = False) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ValidationError({"public_note": _("Enter a note for the public")})
    if len(text) > UPDATE_MAX_LENGTH:
        raise ValidationError(
            {"public_note": _("The note must be %(limit)s characters or fewer") % {"limit": UPDATE_MAX_LENGTH}}
        )
    return text


@transaction.atomic
def report_set_status(
    *,
    actor: Any,
    report: Report,
    status: str,
    public_note: str = "",
    responsible_body: str = "",
    expected_version: int | None = None,
) -> Report:
    """Staff move a report to a new state, with a note the public sees.

    "Not our responsibility" needs the name of who is; "duplicate" is set by
    :func:`report_merge`, which needs the original.
    """
    report = _lock_for_staff(actor, report, "status", expected_version)
    if status not in Status.values or status == Status.DUPLICATE:
        raise ValidationError({"status": _("Select a status")})
    note = _check_note(public_note)
    responsible_body = (responsible_body or "").strip()
    if status == Status.NOT_RESPONSIBLE and not responsible_body:
        raise ValidationError({"responsible_body": _("Say who is responsible, so that the reporter can contact them")})
    if len(responsible_body) > 300:
        raise ValidationError({"responsible_body": _("This must be 300 characters or fewer")})
    old = report.status
    if old == status and not note:
        raise ValidationError({"status": _("The report already has this status: choose another or add a note")})
    now = timezone.now()
    report.status = status
    report.responsible_body = responsible_body if status == Status.NOT_RESPONSIBLE else report.responsible_body
    report.duplicate_of = None  # whatever it is now, it is no longer a duplicate
    if status in OPEN_STATUSES:
        report.closed_at = None
        if old not in OPEN_STATUSES:  # staff reopen it: the response clock starts again
            report.reopened_at = now
            report.due_at = due_at_for(report.category, now)
    elif old in OPEN_STATUSES:
        report.closed_at = now
    _save(report, "status", "responsible_body", "duplicate_of", "closed_at", "reopened_at", "due_at")
    text = note
    if status == Status.NOT_RESPONSIBLE and not note:
        text = _("Passed to %(who)s, who are responsible for this.") % {"who": responsible_body}
    update = _staff_update(report, actor, UpdateKind.STATUS, text, old=old, new=status)
    audit_record(
        actor=actor,
        action=AuditAction.REPORT_STATUS_CHANGED,
        subject=report,
        subject_user=report.reporter,
        agency=report.agency,
        extra={"from": old, "to": status},
    )
    _tell_reporter(
        report,
        subject_template="reports/email/status_subject.txt",
        body_template="reports/email/status_body.txt",
        context={"update": update, "status": Status(status).label},
    )
    signals.update_published.send(sender=ReportUpdate, update=update, skip_email=report.reporter_email)
    return report


@transaction.atomic
def report_add_note(*, actor: Any, report: Report, text: str) -> ReportUpdate:
    """A staff-only note: never shown to the public or through Open311."""
    report = _lock_for_staff(actor, report, "note")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Enter a note")})
    if len(text) > UPDATE_MAX_LENGTH:
        raise ValidationError(
            {"text": _("The note must be %(limit)s characters or fewer") % {"limit": UPDATE_MAX_LENGTH}}
        )
    update = _staff_update(report, actor, UpdateKind.NOTE, text, internal=True)
    audit_record(actor=actor, action=AuditAction.REPORT_NOTE_ADDED, subject=report, agency=report.agency)
    return update


@transaction.atomic
def report_assign(*, actor: Any, report: Report, assignee: Any | None, expected_version: int | None = None) -> Report:
    from ecitizen.agencies.models import Membership, Role

    report = _lock_for_staff(actor, report, "assign", expected_version)
    if (
        assignee is not None
        and not Membership.objects.filter(
            user=assignee, agency_id=report.agency_id, role__in=[Role.CASEWORKER, Role.AGENCY_ADMIN]
        ).exists()
    ):
        raise ValidationError({"assignee": _("Choose someone who works on this agency's reports")})
    report.assignee = assignee
    _save(report, "assignee")
    _staff_update(
        report,
        actor,
        UpdateKind.ASSIGNED,
        _("Assigned to %(name)s") % {"name": assignee.get_full_name() or assignee.email}
        if assignee
        else _("Unassigned"),
        internal=True,
    )
    audit_record(
        actor=actor,
        action=AuditAction.REPORT_ASSIGNED,
        subject=report,
        agency=report.agency,
        extra={"assignee": assignee.pk if assignee else None},
    )
    return report


@transaction.atomic
def report_merge(
    *, actor: Any, report: Report, into: Report, public_note: str = "", expected_version: int | None = None
) -> Report:
    """Close *report* as a duplicate of *into*; its followers, and its own duplicates, move to the original.

    The original must be open and public, so that the problem stays in
    someone's queue; a report that is already a duplicate cannot be merged
    again (no chains).
    """
    report = _lock_for_staff(actor, report, "merge", expected_version)
    if into.pk == report.pk:
        raise ValidationError({"into": _("A report cannot be a duplicate of itself")})
    note = _check_note(public_note)
    into = Report.objects.select_for_update().get(pk=into.pk)
    if into.duplicate_of_id or not into.is_public or into.status not in OPEN_STATUSES:
        raise ValidationError(
            {"into": _("Choose an open report as the original, not a closed, hidden or duplicate one")}
        )
    if report.status == Status.DUPLICATE:
        raise ValidationError({"into": _("This report is already marked as a duplicate")})
    old = report.status
    Report.objects.filter(duplicate_of=report).update(duplicate_of=into, updated_at=timezone.now())
    report.status = Status.DUPLICATE
    report.duplicate_of = into
    if old in OPEN_STATUSES:
        report.closed_at = timezone.now()
    _save(report, "status", "duplicate_of", "closed_at")
    text = note or _("This is the same problem as report %(ref)s.") % {"ref": f"#{into.pk}"}
    update = _staff_update(report, actor, UpdateKind.MERGED, text, old=old, new=Status.DUPLICATE)
    alerts.move_followers(from_report=report, to_report=into)
    audit_record(
        actor=actor,
        action=AuditAction.REPORT_MERGED,
        subject=report,
        subject_user=report.reporter,
        agency=report.agency,
        extra={"into": into.pk, "from": old},
    )
    _tell_reporter(
        report,
        subject_template="reports/email/status_subject.txt",
        body_template="reports/email/status_body.txt",
        context={"update": update, "status": Status.DUPLICATE.label, "original": into},
    )
    return report


@transaction.atomic
def report_forward(
    *, actor: Any, report: Report, agency: Agency, public_note: str = "", expected_version: int | None = None
) -> Report:
    """Pass a report to another agency on the platform, which then sees it in its queue.

    The agency must handle the same kind of problem (a category with the
    same code): the report takes that category, and with it that agency's
    response time, which starts again. A duplicate is not passed on: its
    original is the report being worked.
    """
    report = _lock_for_staff(actor, report, "forward", expected_version)
    if agency.pk == report.agency_id or not agency.is_active:
        raise ValidationError({"agency": _("Choose another agency")})
    note = _check_note(public_note)
    if report.status == Status.DUPLICATE:
        raise ValidationError({"agency": _("A duplicate cannot be passed on: pass on the original report")})
    category = Category.objects.filter(agency=agency, code=report.service_code, is_active=True).first()
    if category is None:
        raise ValidationError(
            {
                "agency": _(
                    "%(agency)s does not deal with this kind of problem. "
                    "Choose another agency, or mark the report as not our responsibility."
                )
                % {"agency": agency.name}
            }
        )
    previous = report.agency
    report.category = category
    report.agency = agency
    report.assignee = None
    now = timezone.now()
    report.due_at = due_at_for(report.category, now)
    if report.status not in OPEN_STATUSES:
        report.status, report.closed_at = Status.OPEN, None
    _save(report, "category", "service_code", "agency", "assignee", "due_at", "status", "closed_at")
    text = note or _("Passed from %(old)s to %(new)s.") % {"old": previous.name, "new": agency.name}
    _staff_update(report, actor, UpdateKind.FORWARDED, text, author_name=previous.name)
    audit_record(
        actor=actor,
        action=AuditAction.REPORT_FORWARDED,
        subject=report,
        agency=previous,
        extra={"to_agency": agency.pk},
    )
    _tell_agency(report, reason="forwarded")
    return report


# --- moderation -------------------------------------------------------------------


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for hiding it")})
    if len(reason) > 300:
        raise ValidationError({"reason": _("The reason must be 300 characters or fewer")})
    return reason


@transaction.atomic
def report_hide(*, actor: Any, report: Report, reason: str) -> Report:
    """A moderator takes a report off the public site (the agency still works it)."""
    report = _lock_for_staff(actor, report, "moderate")
    reason = _check_reason(reason)
    report.is_public = False
    report.hidden_reason = reason
    _save(report, "is_public", "hidden_reason")
    audit_record(
        actor=actor, action=AuditAction.REPORT_HIDDEN, subject=report, agency=report.agency, extra={"reason": reason}
    )
    return report


@transaction.atomic
def report_unhide(*, actor: Any, report: Report) -> Report:
    report = _lock_for_staff(actor, report, "moderate")
    report.is_public = report.confirmed_at is not None
    report.hidden_reason = ""
    _save(report, "is_public", "hidden_reason")
    audit_record(actor=actor, action=AuditAction.REPORT_UNHIDDEN, subject=report, agency=report.agency)
    return report


@transaction.atomic
def update_hide(*, actor: Any, update: ReportUpdate, reason: str) -> ReportUpdate:
    """A moderator hides one update and its photos from the public (not a staff-only note)."""
    update = ReportUpdate.objects.select_for_update().get(pk=update.pk)
    report = _lock_for_staff(actor, update.report, "moderate")
    if update.is_internal:
        raise PermissionDenied
    reason = _check_reason(reason)
    update.is_public = False
    update.hidden_reason = reason
    update.save(update_fields=["is_public", "hidden_reason"])
    ReportPhoto.objects.filter(update=update).update(is_public=False)
    audit_record(
        actor=actor,
        action=AuditAction.REPORT_UPDATE_HIDDEN,
        subject=report,
        agency=report.agency,
        extra={"update": update.pk, "reason": reason},
    )
    return update
