"""Writes to consultations and surveys. Each function: one transaction, the actor passed in,
validation first, exactly one audit row, side effects (messages, the public log) on commit.

Errors people can fix raise ``ValidationError`` (with a dict of field names where there is a
field), and nothing is saved when one is raised.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import secrets
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django_tasks import task

from ecitizen.accounts.selectors import primary_email_confirmed, profile_for, user_by_email
from ecitizen.catalogue import formbuilder
from ecitizen.catalogue.formdef import FormDefinition, validate_definition
from ecitizen.core.audit import audit_record
from ecitizen.core.i18n import pick
from ecitizen.core.models import AuditAction
from ecitizen.core.site import absolute_url
from ecitizen.core.spreadsheets import spreadsheet_cell as csv_safe
from ecitizen.engagement.consultations import conf
from ecitizen.engagement.consultations.models import (
    AnswerTag,
    Consultation,
    ConsultationDocument,
    Eligibility,
    Kind,
    PassageComment,
    Publication,
    Response,
    Status,
)
from ecitizen.engagement.consultations.policies import (
    eligibility_problem,
    may_publish_named,
    respondent_district,
    staff_consultation_policy,
)
from ecitizen.engagement.consultations.selectors import (
    definition_for,
    export_rows,
    passage_count,
    passage_count_of,
    sent_responses,
)
from ecitizen.ledger.services import ledger_record
from ecitizen.notifications.services import notify

# Question types a consultation may not ask: file uploads, and contact details (responses are
# public records in part; an "anonymous" published response must not carry an email address,
# a phone number or a home address).
PERSONAL_TYPES = frozenset({"email", "phone", "address"})
NOT_ALLOWED_TYPES = frozenset({"file"}) | PERSONAL_TYPES
# How far ahead opening and closing dates may be set.
MAX_YEARS_AHEAD = 5
TEXT_FIELDS = ("title", "summary", "description", "policy_text")
EMAIL_SALT = "consultations.respondent-email"
PAGE_TITLE_MAX_LENGTH = 200


# --- helpers ---------------------------------------------------------------------------------


def local_day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of *day* in the deployment's time zone, as an aware instant."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone())


def closing_instant(day: datetime.date) -> datetime.datetime:
    """A consultation "closing on" *day* takes responses until the end of that local day."""
    return local_day_start(day + datetime.timedelta(days=1))


def last_day(consultation: Consultation) -> datetime.date:
    """The local date a consultation closes on (the inverse of :func:`closing_instant`)."""
    return consultation.closes_on


def _require(actor: Any, action: str, consultation: Consultation | None = None, agency=None) -> None:
    if consultation is not None:
        if not staff_consultation_policy.can_for(actor, action, consultation):
            raise PermissionDenied
    elif agency is None or not staff_consultation_policy.agencies(actor, action).filter(pk=agency.pk).exists():
        raise PermissionDenied


def _lock(consultation: Consultation) -> Consultation:
    return Consultation.objects.select_for_update().select_related("agency").get(pk=consultation.pk)


def _clean_details(data: dict[str, Any], consultation: Consultation | None) -> dict[str, Any]:
    """Check a consultation's details; the values to store. Raises ValidationError per field."""
    errors: dict[str, list[str]] = {}
    title = data.get("title") or {}
    if not (title.get(settings.LANGUAGE_CODE) or "").strip():
        errors["title"] = [_("Enter a title")]
    slug = (data.get("slug") or "").strip()
    if not slug:
        errors["slug"] = [_("Enter a web address name")]
    elif Consultation.objects.filter(slug=slug).exclude(pk=getattr(consultation, "pk", None)).exists():
        errors["slug"] = [_("Another consultation already has this web address name")]
    opens_on, closes_on = data.get("opens_on"), data.get("closes_on")
    today = timezone.localdate()
    leap_day = (today.month, today.day) == (2, 29)
    latest = today.replace(year=today.year + MAX_YEARS_AHEAD, day=28 if leap_day else today.day)
    too_far = _("The date must be within %(years)d years from today") % {"years": MAX_YEARS_AHEAD}
    if not opens_on:
        errors["opens_on"] = [_("Enter the opening date")]
    elif opens_on > latest:
        errors["opens_on"] = [too_far]
    elif opens_on.year < 2000:  # an odd year (0001) would overflow when turned into an instant
        errors["opens_on"] = [_("Enter a real opening date")]
    if not closes_on:
        errors["closes_on"] = [_("Enter the closing date")]
    elif closes_on > latest:
        errors["closes_on"] = [too_far]
    elif opens_on and closes_on < opens_on:
        errors["closes_on"] = [_("The closing date must be the same as or after the opening date")]
    eligibility = data.get("eligibility") or Eligibility.SIGNED_IN
    if eligibility not in Eligibility.values:
        errors["eligibility"] = [_("Choose who may respond")]
    districts = [d for d in data.get("districts") or [] if d]
    if eligibility == Eligibility.RESIDENTS and not districts:
        errors["districts"] = [_("Choose at least one district")]
    min_age = data.get("min_age")
    if min_age is not None and not (0 < int(min_age) <= 120):
        errors["min_age"] = [_("Enter an age between 1 and 120")]
    kind = data.get("kind") or Kind.CONSULTATION
    if kind not in Kind.values:
        errors["kind"] = [_("Choose a consultation or a survey")]
    errors.update(_policy_text_problems(data.get("policy_text") or {}))
    if errors:
        raise ValidationError(errors)
    return {
        "kind": kind,
        "slug": slug,
        **{name: {k: v for k, v in (data.get(name) or {}).items() if (v or "").strip()} for name in TEXT_FIELDS},
        "opens_at": local_day_start(opens_on),
        "closes_at": closing_instant(closes_on),
        "eligibility": eligibility,
        "districts": districts if eligibility == Eligibility.RESIDENTS else [],
        "min_age": int(min_age) if min_age else None,
        # A consultation is always listed; a survey is listed for its target group or reached by its link.
        "listed": True if kind == Kind.CONSULTATION else bool(data.get("listed")),
    }


def _policy_text_problems(texts: dict[str, str]) -> dict[str, list[str]]:
    """Errors per field (``policy_text_<language>``) of a draft text's translations.

    People comment on passage *n*, and every language must show the same passage as *n*: so a
    translation must split into as many passages (blank lines) as the default language's text,
    and there must be a text in the default language for the others to follow.
    """
    main_language = settings.LANGUAGE_CODE
    given = {code: text for code, text in texts.items() if (text or "").strip()}
    if not given:
        return {}
    if main_language not in given:
        return {
            f"policy_text_{main_language}": [
                _("Enter the draft text in %(language)s first: its passages are numbered from it.")
                % {"language": _language_name(main_language)}
            ]
        }
    expected = passage_count_of(given[main_language])
    errors: dict[str, list[str]] = {}
    for code, text in given.items():
        found = passage_count_of(text)
        if code == main_language or found == expected:
            continue
        errors[f"policy_text_{code}"] = [
            _(
                "The %(language)s draft text must be split into the same passages as the %(main)s one: "
                "leave a blank line between passages exactly where the %(main)s text has one "
                "(passages now: %(found)d in %(language)s, %(expected)d in %(main)s)."
            )
            % {
                "language": _language_name(code),
                "main": _language_name(main_language),
                "found": found,
                "expected": expected,
            }
        ]
    return errors


def _language_name(code: str) -> str:
    try:
        return str(translation.get_language_info(code)["name_translated"])
    except KeyError:
        return code


def _clean_form(form: Any) -> dict:
    problems = validate_definition(form)
    for page in (form or {}).get("pages", []) if isinstance(form, dict) else []:
        for q in page.get("questions", []) if isinstance(page, dict) else []:
            if isinstance(q, dict) and q.get("type") == "file":
                problems.append(_("Consultations cannot ask for file uploads (question “%(id)s”).") % {"id": q["id"]})
            elif isinstance(q, dict) and q.get("type") in PERSONAL_TYPES:
                problems.append(
                    _(
                        "Consultations cannot ask for an email address, a phone number or an address "
                        "(question “%(id)s”): published responses must not show contact details."
                    )
                    % {"id": q["id"]}
                )
            if isinstance(q, dict) and q.get("prefill"):
                problems.append(_("Consultations do not pre-fill answers (question “%(id)s”).") % {"id": q["id"]})
    return {"problems": problems}


# --- staff: consultations ------------------------------------------------------------------


def consultation_create(*, actor: Any, agency, data: dict[str, Any]) -> Consultation:
    """A new draft consultation or survey of *agency* (the actor must be one of its admins)."""
    _require(actor, "create", agency=agency)
    values = _clean_details(data, None)
    with transaction.atomic():
        consultation = Consultation.objects.create(
            agency=agency, created_by=actor, link_token=secrets.token_urlsafe(24), form={"pages": []}, **values
        )
        audit_record(
            actor=actor,
            action=AuditAction.CONSULTATION_SAVED,
            subject=consultation,
            agency=agency,
            extra={"slug": consultation.slug, "created": True},
        )
    return consultation


def consultation_update(*, actor: Any, consultation: Consultation, data: dict[str, Any]) -> Consultation:
    _require(actor, "edit", consultation)
    values = _clean_details(data, consultation)
    with transaction.atomic():
        consultation = _lock(consultation)
        _check_version(consultation, data.get("version"))
        if consultation.outcome_published_at:
            raise ValidationError(_("The outcome is published: this consultation can no longer be changed."))
        if consultation.status == Status.PUBLISHED and values["slug"] != consultation.slug:
            raise ValidationError({"slug": [_("A published consultation keeps its web address")]})
        _check_passages_kept(consultation, values["policy_text"])
        for name, value in values.items():
            setattr(consultation, name, value)
        consultation.save()
        audit_record(
            actor=actor,
            action=AuditAction.CONSULTATION_SAVED,
            subject=consultation,
            agency=consultation.agency,
            extra={"slug": consultation.slug, "fields": sorted(values)},
        )
    return consultation


def _check_passages_kept(locked: Consultation, policy_text: dict[str, str]) -> None:
    """Once people have commented on passages, the draft text keeps its number of passages: each
    comment names its passage by number, and must keep pointing at the passage it is about."""
    before = passage_count(locked)
    after = passage_count_of(policy_text.get(settings.LANGUAGE_CODE, ""))
    if after != before and locked.passage_comments.exists():
        raise ValidationError(
            {
                f"policy_text_{settings.LANGUAGE_CODE}": [
                    ngettext(
                        "People have commented on the passages of this draft text: keep its %(count)d passage "
                        "(you can still change its wording).",
                        "People have commented on the passages of this draft text: keep its %(count)d passages "
                        "(you can still change their wording).",
                        before,
                    )
                    % {"count": before}
                ]
            }
        )


def version_of(consultation: Consultation) -> str:
    """What an edit form carries to show which state of the consultation it was made from."""
    return consultation.updated_at.isoformat() if consultation.updated_at else ""


def _check_version(locked: Consultation, version: str | None) -> None:
    """Refuse an edit made from an older state of the consultation (another admin saved since)."""
    if version is not None and version != version_of(locked):
        raise ValidationError(
            _(
                "Someone else changed this consultation while you were editing. "
                "Reload the page and make your change again."
            )
        )


def consultation_form_update(
    *, actor: Any, consultation: Consultation, form: dict | None = None, change: Any = None
) -> Consultation:
    """Store a changed question list (built with :mod:`ecitizen.catalogue.formbuilder`).

    Pass either the whole *form*, or *change*: a function from the stored form to the changed one,
    applied to the locked row (so two admins editing at once do not undo each other's change; it
    may raise LookupError when what it changes is gone).
    Refused once someone has sent a response: their answers must keep meaning what was asked.
    Empty pages are allowed while building; :func:`consultation_publish` checks the whole form.
    """
    return _form_store(actor=actor, consultation=consultation, form=form, change=change, extra={})


def consultation_page_rename(*, actor: Any, consultation: Consultation, page_id: str, title: dict) -> Consultation:
    """Rename a page of the questions: its title in each language (the default one required).

    The same rules as changing the questions (:func:`consultation_form_update`): agency admins,
    only until someone has sent a response, applied to the locked row. LookupError when the page
    is gone.
    """
    _require(actor, "edit", consultation)  # before looking at what was typed
    title = {code: " ".join(str(text).split()) for code, text in (title or {}).items() if str(text or "").strip()}
    errors: dict[str, list[str]] = {}
    if not title.get(settings.LANGUAGE_CODE):
        errors[f"title_{settings.LANGUAGE_CODE}"] = [
            _("Enter a page title in %(language)s") % {"language": _language_name(settings.LANGUAGE_CODE)}
        ]
    for code, text in title.items():
        if code not in dict(settings.LANGUAGES):
            errors.setdefault("title", []).append(_("There is no such language"))
        elif len(text) > PAGE_TITLE_MAX_LENGTH:
            errors[f"title_{code}"] = [
                _("The page title must be %(max)d characters or fewer") % {"max": PAGE_TITLE_MAX_LENGTH}
            ]
    if errors:
        raise ValidationError(errors)
    return _form_store(
        actor=actor,
        consultation=consultation,
        change=lambda stored: formbuilder.page_update(stored, page_id, title=title),
        extra={"page_renamed": page_id},
    )


def _form_store(
    *, actor: Any, consultation: Consultation, form: dict | None = None, change: Any = None, extra: dict
) -> Consultation:
    _require(actor, "edit", consultation)
    with transaction.atomic():
        consultation = _lock(consultation)
        if change is not None:
            form = change(consultation.form)
        checked = (
            {"pages": [p for p in form.get("pages", []) if p.get("questions")]} if isinstance(form, dict) else form
        )
        problems = _clean_form(checked)["problems"] if checked.get("pages") else []
        if problems:
            raise ValidationError({"form": problems})
        if sent_responses(consultation).exists():
            raise ValidationError({"form": [_("People have responded: the questions can no longer change.")]})
        consultation.form = form
        consultation.save(update_fields=["form", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.CONSULTATION_SAVED,
            subject=consultation,
            agency=consultation.agency,
            extra={"slug": consultation.slug, "fields": ["form"], **extra},
        )
    return consultation


def validate_pdf(upload: Any) -> bytes:
    """The bytes of an uploaded PDF, or ValidationError: not a PDF, empty, or too large."""
    limit = conf.document_max_bytes()
    if upload is None:
        raise ValidationError({"file": [_("Select a PDF file")]})
    if upload.size > limit:
        raise ValidationError({"file": [_("The file must be smaller than %(mb)d MB") % {"mb": limit // (1024 * 1024)}]})
    data = upload.read()
    if not data:
        raise ValidationError({"file": [_("The selected file is empty")]})
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        raise ValidationError({"file": [_("The selected file must be a PDF")]})
    return data


def consultation_document_add(
    *, actor: Any, consultation: Consultation, title: str, upload: Any
) -> ConsultationDocument:
    _require(actor, "edit", consultation)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": [_("Enter the document's title")]})
    data = validate_pdf(upload)
    # The file is written before the transaction (writing can be slow); if the rows fail, it goes.
    document = ConsultationDocument(consultation=consultation, title=title[:200], size=len(data))
    document.file.save(f"{secrets.token_hex(12)}.pdf", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            consultation = _lock(consultation)
            document.consultation = consultation
            document.save()
            audit_record(
                actor=actor,
                action=AuditAction.CONSULTATION_SAVED,
                subject=consultation,
                agency=consultation.agency,
                extra={"slug": consultation.slug, "document_added": document.pk},
            )
    except Exception:
        document.file.storage.delete(document.file.name)
        raise
    return document


def consultation_document_remove(*, actor: Any, document: ConsultationDocument) -> None:
    consultation = document.consultation
    _require(actor, "edit", consultation)
    with transaction.atomic():
        _lock(consultation)
        name, pk = document.file.name, document.pk
        document.delete()
        audit_record(
            actor=actor,
            action=AuditAction.CONSULTATION_SAVED,
            subject=consultation,
            agency=consultation.agency,
            extra={"slug": consultation.slug, "document_removed": pk},
        )
        storage = document.file.storage
        transaction.on_commit(lambda: storage.delete(name))


def publish_problems(consultation: Consultation) -> list[str]:
    """What stops *consultation* from being published (empty when nothing does)."""
    problems = []
    form = consultation.form or {}
    if any(p.get("questions") for p in form.get("pages", [])):
        problems += _clean_form(form)["problems"]
    elif not passage_count(consultation):
        problems.append(_("Add at least one question, or a draft text people can comment on."))
    if consultation.effective_closes_at <= timezone.now():
        problems.append(_("The closing date has passed. Choose a later one."))
    return problems


def consultation_publish(*, actor: Any, consultation: Consultation) -> Consultation:
    _require(actor, "publish", consultation)
    with transaction.atomic():
        consultation = _lock(consultation)
        if consultation.status == Status.PUBLISHED:
            return consultation  # a second click changes nothing
        if problems := publish_problems(consultation):
            raise ValidationError(problems)
        consultation.status = Status.PUBLISHED
        consultation.published_at = timezone.now()
        consultation.save(update_fields=["status", "published_at", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.CONSULTATION_PUBLISHED,
            subject=consultation,
            agency=consultation.agency,
            extra={"slug": consultation.slug, "kind": consultation.kind},
        )
    return consultation


def consultation_close_early(*, actor: Any, consultation: Consultation) -> Consultation:
    _require(actor, "close", consultation)
    with transaction.atomic():
        consultation = _lock(consultation)
        if not consultation.is_open() and not consultation.is_upcoming():
            raise ValidationError(_("Only a published consultation that has not closed can be closed early."))
        consultation.closed_early_at = timezone.now()
        consultation.save(update_fields=["closed_early_at", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.CONSULTATION_CLOSED_EARLY,
            subject=consultation,
            agency=consultation.agency,
            extra={"slug": consultation.slug, "was_closing": consultation.closes_at.isoformat()},
        )
    return consultation


# --- respondents ---------------------------------------------------------------------------


def email_link_token(consultation: Consultation, email: str) -> str:
    return signing.dumps({"c": consultation.pk, "e": email.strip().lower()}, salt=EMAIL_SALT, compress=True)


def email_link_read(token: str) -> tuple[int, str] | None:
    """``(consultation id, email)`` from a confirmation link, or None (bad, forged or expired)."""
    try:
        data = signing.loads(token, salt=EMAIL_SALT, max_age=conf.email_link_max_age())
    except signing.BadSignature:
        return None
    return (int(data["c"]), str(data["e"])) if isinstance(data, dict) and "c" in data and "e" in data else None


def respondent_email_link_send(*, consultation: Consultation, email: str) -> None:
    """Email a link that confirms *email* for a consultation open to anyone. Writes nothing: the
    response starts when the link is followed (:func:`response_start_by_email`)."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError(
            {"email": [_("Enter an email address in the correct format, like name@example.com")]}
        ) from exc
    if consultation.eligibility != Eligibility.ANYONE or consultation.min_age or not consultation.is_open():
        raise ValidationError({"email": [_("This consultation does not take responses by email address.")]})
    if user_by_email(email) is not None:
        raise ValidationError({"email": [ACCOUNT_EXISTS]}, code="account_exists")
    link = absolute_url(reverse("consultations:email_confirm", args=[email_link_token(consultation, email)]))
    context = {"title": consultation.display_title(), "link": link, "PLATFORM_NAME": settings.PLATFORM_NAME}
    subject = " ".join(render_to_string("consultations/email/confirm_subject.txt", context).split())
    body = render_to_string("consultations/email/confirm_body.txt", context)
    transaction.on_commit(lambda: send_mail(subject, body, None, [email], fail_silently=True))


ACCOUNT_EXISTS = _lazy("An account uses this email address. Sign in to respond.")


def _display_name(user: Any) -> str:
    """The name a response or comment is published with: a verified identity's name from the
    register only (an unverified name is whatever was typed), else ""."""
    if not may_publish_named(user):
        return ""
    profile = profile_for(user)
    return " ".join(x for x in (getattr(profile, "given_name", ""), getattr(profile, "family_name", "")) if x).strip()


def response_start_by_email(*, token: str) -> Response:
    """Follow an email confirmation link: the person's (new or existing) response for that address."""
    read = email_link_read(token)
    if read is None:
        raise ValidationError(_("This link has expired or is not valid. Ask for a new one."))
    consultation_id, email = read
    consultation = Consultation.objects.filter(pk=consultation_id, status=Status.PUBLISHED).first()
    if consultation is None or not consultation.is_open():
        raise ValidationError(_("This consultation is not open for responses."))
    if user_by_email(email) is not None:
        raise ValidationError(str(ACCOUNT_EXISTS), code="account_exists")
    existing = Response.objects.filter(consultation=consultation, email=email).first()
    if existing is not None:
        return existing  # the link followed again: nothing new
    try:
        with transaction.atomic():
            response = Response.objects.create(consultation=consultation, email=email)
            audit_record(
                actor=None,
                action=AuditAction.CONSULTATION_RESPONSE_SAVED,
                subject=response,
                agency=consultation.agency,
                extra={"slug": consultation.slug, "started_by_email": True},
            )
    except IntegrityError:
        return Response.objects.get(consultation=consultation, email=email)
    return response


def _respondent_check(consultation: Consultation, user: Any, email: str) -> None:
    if not getattr(user, "is_authenticated", False) and email and user_by_email(email) is not None:
        raise PermissionDenied(str(ACCOUNT_EXISTS))
    if not consultation.is_open():
        raise ValidationError(_("This consultation is closed: responses can no longer be changed."))
    problem = eligibility_problem(consultation, user, email_confirmed=bool(email))
    if problem:
        raise PermissionDenied(problem)


def _locked_response(consultation: Consultation, user: Any, email: str) -> Response:
    """The respondent's response, created if need be, locked for this transaction."""
    if getattr(user, "is_authenticated", False):
        Response.objects.get_or_create(consultation=consultation, user=user)
        return Response.objects.select_for_update().get(consultation=consultation, user=user)
    if not email:
        raise PermissionDenied
    return Response.objects.select_for_update().get(consultation=consultation, email=email)


def response_save_page(
    *, actor: Any, consultation: Consultation, page_id: str, answers: dict[str, Any], email: str = ""
) -> Response:
    """Save one page's answers into the respondent's draft (made on the first page).

    *actor* is the signed-in person, or anonymous with *email* confirmed through a link.
    """
    _respondent_check(consultation, actor, email)
    definition = definition_for(consultation)
    if definition is None or definition.page(page_id) is None:
        raise ValidationError(_("There is no such page."))
    allowed = {q.id for q in definition.page(page_id).questions}
    with transaction.atomic():
        if not _lock(consultation).is_open():
            raise ValidationError(_("This consultation is closed: responses can no longer be changed."))
        response = _locked_response(consultation, actor, email)
        if not response.draft and response.answers:
            response.draft = dict(response.answers)  # editing a sent response starts from it
        response.draft.update({k: v for k, v in answers.items() if k in allowed})
        response.save(update_fields=["draft", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.CONSULTATION_RESPONSE_SAVED,
            subject=response,
            agency=consultation.agency,
            extra={"slug": consultation.slug, "page": page_id},
        )
    return response


def response_submit(*, actor: Any, consultation: Consultation, publication: str, email: str = "") -> Response:
    """Send (or send again, changed) the respondent's answers, with their publication choice.

    Every required question shown must have an answer. Sending the same answers and choice again
    (a double click) changes nothing and writes nothing.
    """
    _respondent_check(consultation, actor, email)
    if publication not in Publication.values:
        raise ValidationError({"publication": [_("Choose whether we may publish your response")]})
    definition = definition_for(consultation) or FormDefinition(pages=())
    with transaction.atomic():
        if not _lock(consultation).is_open():
            raise ValidationError(_("This consultation is closed: responses can no longer be changed."))
        response = _locked_response(consultation, actor, email)
        working = dict(response.draft or response.answers)
        if definition.missing(working):
            raise ValidationError(_("Some questions still need an answer."))
        answers = definition.visible_answers(working)
        name = _display_name(actor) if publication == Publication.NAMED else ""
        if publication == Publication.NAMED and not name:
            raise ValidationError(
                {"publication": [_("Only people whose identity is verified can publish with their name")]}
            )
        district = respondent_district(actor) if consultation.eligibility == Eligibility.RESIDENTS else ""
        if (
            response.submitted_at
            and response.answers == answers
            and response.publication == publication
            and response.district == district
        ):
            return response
        first = response.submitted_at is None
        # The same person by an earlier email link (to the address their account has confirmed):
        # their account's response replaces it, so one person counts once.
        replaced = _replace_email_response(consultation, actor)
        response.answers, response.draft = answers, {}
        response.publication, response.display_name = publication, name
        response.district = district
        response.submitted_at = timezone.now()
        response.save()
        extra = {"slug": consultation.slug, "publication": publication, "changed": not first}
        if district:
            extra["district"] = district
        if replaced:
            extra["replaced_email_response"] = replaced
        audit_record(
            actor=actor,
            action=AuditAction.CONSULTATION_RESPONSE_SUBMITTED,
            subject=response,
            agency=consultation.agency,
            extra=extra,
        )
        context = {"title": consultation.title, "closes_on": last_day(consultation), "changed": not first}
        url = reverse("consultations:detail", args=[consultation.slug])
        if getattr(actor, "is_authenticated", False):
            notify(
                user=actor,
                subject_template="consultations/email/sent_subject.txt",
                body_template="consultations/email/sent_body.txt",
                context=context,
                url=url,
            )
        else:
            _email_later(
                response.email,
                "consultations/email/sent_subject.txt",
                "consultations/email/sent_body.txt",
                context,
                url,
            )
    return response


def _replace_email_response(consultation: Consultation, user: Any) -> int | None:
    """Delete the response sent by email link to *user*'s confirmed address, if any; its id."""
    if not getattr(user, "is_authenticated", False) or not user.email or not primary_email_confirmed(user):
        return None
    earlier = (
        Response.objects.select_for_update()
        .filter(consultation=consultation, user__isnull=True, email__iexact=user.email)
        .first()
    )
    if earlier is None:
        return None
    pk = earlier.pk
    earlier.delete()
    return pk


def _email_later(to: str, subject_template: str, body_template: str, context: dict, url: str) -> None:
    """Email someone without an account, in the site's default language, after commit."""
    with translation.override(settings.LANGUAGE_CODE):
        full = {**context, "link": absolute_url(url), "PLATFORM_NAME": settings.PLATFORM_NAME}
        subject = " ".join(render_to_string(subject_template, full).split())
        body = render_to_string(body_template, full).strip() + "\n"
    transaction.on_commit(lambda: send_mail(subject, body, None, [to], fail_silently=True))


def passage_comment_add(
    *, actor: Any, consultation: Consultation, passage: int, text: str, publication: str
) -> PassageComment:
    """A signed-in, eligible person comments on passage *passage* of the draft text."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    text = (text or "").strip()
    if not text:
        errors["text"] = [_("Enter your comment")]
    elif len(text) > conf.comment_max_length():
        errors["text"] = [_("Your comment must be %(max)d characters or fewer") % {"max": conf.comment_max_length()}]
    if publication not in Publication.values:
        errors["publication"] = [_("Choose whether we may publish your comment")]
    name = _display_name(actor) if publication == Publication.NAMED else ""
    if publication == Publication.NAMED and not name:
        errors["publication"] = [_("Only people whose identity is verified can publish with their name")]
    if not (1 <= int(passage) <= passage_count(consultation)):
        errors["passage"] = [_("There is no such passage")]
    if errors:
        raise ValidationError(errors)
    _respondent_check(consultation, actor, "")
    with transaction.atomic():
        locked = _lock(consultation)
        if not locked.is_open():
            raise ValidationError(_("This consultation is closed: comments can no longer be added."))
        # Again under the lock: staff may have saved a shorter text since the check above.
        if not (1 <= int(passage) <= passage_count(locked)):
            raise ValidationError({"passage": [_("There is no such passage")]})
        # The same comment sent twice (a double click, a retry) is kept once: checked under the lock.
        same = PassageComment.objects.filter(
            consultation=consultation, passage=int(passage), user=actor, text=text, publication=publication
        ).first()
        if same is not None:
            return same
        comment = PassageComment.objects.create(
            consultation=consultation,
            passage=int(passage),
            user=actor,
            text=text,
            publication=publication,
            display_name=name,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CONSULTATION_PASSAGE_COMMENTED,
            subject=comment,
            agency=consultation.agency,
            extra={"slug": consultation.slug, "passage": comment.passage},
        )
    return comment


# --- staff: results ------------------------------------------------------------------------


def answer_tag(*, actor: Any, response: Response, question_id: str, tag: str, remove: bool = False) -> bool:
    """Add (or remove) a tag on one free-text answer; True if something changed."""
    consultation = response.consultation
    _require(actor, "tag", consultation)
    if response.user_id and response.user_id == actor.pk:
        raise PermissionDenied  # staff never act on their own affairs
    tag = " ".join((tag or "").split()).lower()[:40]
    if not tag:
        raise ValidationError({"tag": [_("Enter a tag")]})
    definition = definition_for(consultation)
    if definition is None or question_id not in {q.id for q in definition.questions} or not response.is_sent:
        raise ValidationError({"tag": [_("There is no such answer")]})
    with transaction.atomic():
        if remove:
            changed = AnswerTag.objects.filter(response=response, question_id=question_id, tag=tag).delete()[0] > 0
        else:
            _obj, changed = AnswerTag.objects.get_or_create(
                response=response, question_id=question_id, tag=tag, defaults={"created_by": actor}
            )
        if not changed:
            return False
        audit_record(
            actor=actor,
            action=AuditAction.CONSULTATION_ANSWER_TAGGED,
            subject=response,
            agency=consultation.agency,
            extra={"slug": consultation.slug, "question": question_id, "tag": tag, "removed": remove},
        )
    return True


def results_export(*, actor: Any, consultation: Consultation, fmt: str) -> str:
    """The sent responses as CSV or JSON text (no names, no email addresses), audited."""
    import csv
    import io

    _require(actor, "export", consultation)
    if fmt not in {"csv", "json"}:
        raise ValidationError(_("Choose CSV or JSON"))
    with transaction.atomic():
        header, rows = export_rows(consultation)
        if fmt == "csv":
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(header)
            for row in rows:
                # a cell starting with = + - @ would be a formula in a spreadsheet
                writer.writerow([csv_safe(c) for c in row])
            text = out.getvalue()
        else:
            text = json.dumps(
                {"consultation": consultation.slug, "responses": [dict(zip(header, row, strict=True)) for row in rows]},
                ensure_ascii=False,
                indent=2,
            )
        audit_record(
            actor=actor,
            action=AuditAction.CONSULTATION_RESULTS_EXPORTED,
            subject=consultation,
            agency=consultation.agency,
            extra={"slug": consultation.slug, "format": fmt, "responses": len(rows)},
        )
    return text


def _followers_notify(**kwargs: Any) -> None:
    """Tell the followers of the consultation's discussion, when discussions offers it."""
    try:
        from ecitizen.engagement.discussions.services import followers_notify
    except ImportError:
        return
    followers_notify(**kwargs)


def outcome_publish(*, actor: Any, consultation: Consultation, outcome: dict[str, str]) -> Consultation:
    """Publish "We asked, you said, we did" once the consultation has closed: every respondent is
    told, followers too, and the public log records the outcome's digest."""
    _require(actor, "outcome", consultation)
    outcome = {k: v.strip() for k, v in (outcome or {}).items() if (v or "").strip()}
    if not outcome.get(settings.LANGUAGE_CODE):
        raise ValidationError({"outcome": [_("Enter what you did with the responses")]})
    with transaction.atomic():
        consultation = _lock(consultation)
        if consultation.outcome_published_at:
            raise ValidationError(_("The outcome is already published."))
        if not consultation.is_closed():
            raise ValidationError(_("The outcome can be published once the consultation has closed."))
        now = timezone.now()
        consultation.outcome, consultation.outcome_published_at = outcome, now
        consultation.save(update_fields=["outcome", "outcome_published_at", "updated_at"])
        responses = sent_responses(consultation).count()
        digest = hashlib.sha256(json.dumps(outcome, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        # An unlisted survey's web address name is not public: only listed ones go in the public log.
        if consultation.listed:
            ledger_record(
                kind="consultation.outcome",
                key=consultation.slug,
                body={
                    "agency": consultation.agency.slug,
                    "responses": responses,
                    "published": timezone.localdate(now).isoformat(),
                    "outcome_sha256": digest,
                },
            )
        audit_record(
            actor=actor,
            action=AuditAction.CONSULTATION_OUTCOME_PUBLISHED,
            subject=consultation,
            agency=consultation.agency,
            extra={
                "slug": consultation.slug,
                "responses": responses,
                "outcome_sha256": digest,
                "public_log": consultation.listed,
            },
        )
        url = reverse("consultations:results", args=[consultation.slug])
        context = {"title": consultation.title}
        told = tuple(sent_responses(consultation).filter(user__isnull=False).values_list("user_id", flat=True))
        consultation_id = consultation.pk
        transaction.on_commit(lambda: outcome_tell_task.enqueue(consultation_id), robust=True)
        _followers_notify(
            kind="consultation",
            key=consultation.slug,
            subject_template="consultations/email/outcome_subject.txt",
            body_template="consultations/email/outcome_body.txt",
            context=context,
            url=url,
            exclude_user_ids=told,
        )
    return consultation


def outcome_tell_batch(consultation_id: int, size: int = 200) -> bool:
    """Tell up to *size* respondents not told yet about a published outcome; True if more remain.

    Idempotent: each response is marked told (under a row lock) in the same transaction as its
    message, so a retried or duplicated task tells nobody twice. Blank addresses are skipped."""
    consultation = Consultation.objects.filter(pk=consultation_id, outcome_published_at__isnull=False).first()
    if consultation is None:
        return False
    url = reverse("consultations:results", args=[consultation.slug])
    context = {"title": consultation.title}
    with transaction.atomic():
        batch = list(
            sent_responses(consultation)
            .filter(outcome_told_at__isnull=True)
            .select_related("user")
            .select_for_update(of=("self",))
            .order_by("pk")[:size]
        )
        for response in batch:
            if response.user_id and response.user is not None:
                notify(
                    user=response.user,
                    subject_template="consultations/email/outcome_subject.txt",
                    body_template="consultations/email/outcome_body.txt",
                    context=context,
                    url=url,
                )
            elif (response.email or "").strip():
                _email_later(
                    response.email,
                    "consultations/email/outcome_subject.txt",
                    "consultations/email/outcome_body.txt",
                    context,
                    url,
                )
        Response.objects.filter(pk__in=[r.pk for r in batch]).update(outcome_told_at=timezone.now())
    return len(batch) == size


@task()
def outcome_tell_task(consultation_id: int) -> int:
    """Tell every respondent about a published outcome, batch by batch (each batch queues the next)."""
    more = outcome_tell_batch(consultation_id)
    if more:
        outcome_tell_task.enqueue(consultation_id)
    return int(more)


def outcome_text(consultation: Consultation, language: str | None = None) -> str:
    return pick(consultation.outcome, language)
