"""Writes to the catalogue. Each: one transaction, the actor passed in, one audit row.

Admins edit a :class:`Service` (the draft); publishing freezes it into a new
:class:`ServiceVersion`, which is what citizens apply to. Editing a published
service therefore changes nothing for the public, nor for any application,
until it is published again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ecitizen.agencies.models import Agency
from ecitizen.catalogue.formbuilder import ID_PATTERN
from ecitizen.catalogue.formdef import validate_definition
from ecitizen.catalogue.models import Category, LifeEvent, Service, ServiceStatus, ServiceVersion
from ecitizen.catalogue.selectors import document_field_choices, edit_token, search_text_for, service_snapshot
from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.core.money import CURRENCIES

TEXT_FIELDS = ("title", "summary", "description", "documents_required", "document_name")
DETAIL_FIELDS = (
    "category",
    "identity_level",
    "fee_amount",
    "fee_currency",
    "deadline_working_days",
    "issues",
    "validity_days",
    "document_fields",
)
# Paths under /services/ that a service's slug must not take.
RESERVED_SLUGS = frozenset({"category", "life-event", "search"})


def _stale_error() -> ValidationError:
    return ValidationError(
        _("Someone else changed this service while you were editing it. Check the latest version and try again."),
        code="stale",
    )


def _texts(value: Any, field: str) -> dict[str, str]:
    """``{language: text}`` with only configured languages and non-blank texts."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationError({field: _("Enter the text for each language.")})
    languages = {code for code, _name in settings.LANGUAGES}
    return {lang: str(text).strip() for lang, text in value.items() if lang in languages and str(text or "").strip()}


def _apply_details(service: Service, data: dict[str, Any]) -> list[str]:
    """Set the fields present in *data* on *service*; the names of those that changed."""
    changed: list[str] = []
    for name in TEXT_FIELDS:
        if name in data:
            value = _texts(data[name], name)
            if value != getattr(service, name):
                setattr(service, name, value)
                changed.append(name)
    for name in DETAIL_FIELDS:
        if name in data:
            old = getattr(service, f"{name}_id") if name == "category" else getattr(service, name)
            new = data[name].pk if name == "category" and isinstance(data[name], Category) else data[name]
            if old != new:
                setattr(service, f"{name}_id" if name == "category" else name, new)
                changed.append(name)
    if not service.title.get(settings.LANGUAGE_CODE):
        raise ValidationError({"title": _("Enter a title in English.")})
    if service.fee_currency not in CURRENCIES:
        raise ValidationError({"fee_currency": _("Choose a currency from the list.")})
    if "document_fields" in changed:
        _check_document_fields(service)
    return changed


def _check_document_fields(service: Service) -> None:
    """The answers a document shows must be questions of the form that have a printable answer."""
    fields = service.document_fields
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        raise ValidationError({"document_fields": _("Choose the answers from the list.")})
    if len(set(fields)) != len(fields):
        raise ValidationError({"document_fields": _("Choose each answer once.")})
    allowed = {qid for qid, _label in document_field_choices(service.form)}
    unknown = [f for f in fields if f not in allowed]
    if unknown:
        message = _("“%(id)s” is not a question of this form whose answer can be shown.") % {"id": unknown[0]}
        raise ValidationError({"document_fields": message})


def _set_life_events(service: Service, life_events: Iterable[LifeEvent] | None) -> bool:
    if life_events is None:
        return False
    wanted = {e.pk for e in life_events}
    if wanted == set(service.life_events.values_list("pk", flat=True)):
        return False
    service.life_events.set(wanted)
    return True


def _unique_slug(title: str) -> str:
    base = slugify(title)[:70].strip("-") or "service"
    if base in RESERVED_SLUGS:
        base = f"{base}-service"
    slug, n = base, 2
    while Service.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def _save(service: Service, *, exclude: list[str]) -> None:
    service.full_clean(exclude=exclude)
    try:
        with transaction.atomic():
            service.save()
    except IntegrityError as exc:  # two admins took the same slug at the same moment
        raise ValidationError({"slug": _("Another service already uses this web address name.")}) from exc


def _lock(service: Service) -> Service:
    return Service.objects.select_for_update().get(pk=service.pk)


@transaction.atomic
def service_create(*, actor: Any, agency: Agency, data: dict[str, Any]) -> Service:
    """Create a draft service for *agency* from *data*.

    *data* holds ``title``, ``summary``, ``description``, ``documents_required``
    (``{language: text}``; an English title is required), ``category``
    (a :class:`Category`), ``life_events`` (LifeEvents), ``identity_level``,
    ``fee_amount`` (minor units), ``fee_currency``, ``deadline_working_days``,
    ``issues``, ``validity_days`` and optionally ``slug`` (made from the English
    title if absent). Raises ValidationError keyed by field name.
    """
    service = Service(agency=agency, form={"pages": []})
    _apply_details(service, data)
    service.slug = (data.get("slug") or "").strip() or _unique_slug(service.title[settings.LANGUAGE_CODE])
    if service.slug in RESERVED_SLUGS:
        raise ValidationError({"slug": _("This web address name is reserved. Choose another.")})
    _save(service, exclude=["form", "current_version", "search_text"])
    _set_life_events(service, data.get("life_events"))
    audit_record(
        actor=actor,
        action=AuditAction.SERVICE_CREATED,
        agency=agency,
        subject=service,
        extra={"slug": service.slug},
    )
    return service


@transaction.atomic
def service_update(*, actor: Any, service: Service, data: dict[str, Any], expected_token: str | None = None) -> Service:
    """Change a service's details (same keys as :func:`service_create`, ``slug`` excepted).

    Only the draft changes: published versions, and so applications, never do.
    With *expected_token* (from :func:`~ecitizen.catalogue.selectors.edit_token`
    when the admin opened the page) a service changed since is refused.
    Writes nothing, and no audit row, when nothing changed.
    """
    locked = _lock(service)
    if expected_token is not None and expected_token != edit_token(locked):
        raise _stale_error()
    changed = _apply_details(locked, {k: v for k, v in data.items() if k != "slug"})
    if _set_life_events(locked, data.get("life_events")):
        changed.append("life_events")
    if changed:
        _save(locked, exclude=["form", "current_version", "search_text"])  # also moves the edit token on
        audit_record(
            actor=actor,
            action=AuditAction.SERVICE_UPDATED,
            agency=locked.agency,
            subject=locked,
            extra={"fields": changed},
        )
    service.refresh_from_db()
    return service


def _draft_form_problems(form: Any) -> list[str]:
    """Problems that make *form* unusable even as a draft.

    A draft may have pages without questions yet (the admin adds a page, then
    its questions); everything else must already be right. Publishing checks
    the whole definition.
    """
    if not isinstance(form, dict) or not isinstance(form.get("pages"), list):
        return validate_definition(form)
    filled = [p for p in form["pages"] if not isinstance(p, dict) or p.get("questions")]
    problems = validate_definition({"pages": filled}) if filled else []
    seen = {p.get("id") for p in filled if isinstance(p, dict)}
    for page in form["pages"]:
        if page in filled:
            continue
        if not ID_PATTERN.match(str(page.get("id", ""))):
            problems.append(_("Each page needs an id of lower-case letters, digits and underscores."))
        elif page["id"] in seen:
            problems.append(_("Two pages have the id “%(id)s”.") % {"id": page["id"]})
        seen.add(page.get("id"))
    return problems


@transaction.atomic
def service_form_update(*, actor: Any, service: Service, form: dict, expected_token: str | None = None) -> Service:
    """Replace the draft's form definition.

    Raises ValidationError ``{"form": [one message per problem]}`` if the
    definition is not valid (pages still without questions are allowed in a
    draft), or a stale-edit error when *expected_token* no longer matches.
    """
    locked = _lock(service)
    if expected_token is not None and expected_token != edit_token(locked):
        raise _stale_error()
    problems = _draft_form_problems(form)
    if problems:
        raise ValidationError({"form": problems})
    if form != locked.form:
        locked.form = form
        locked.save(update_fields=["form", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.SERVICE_FORM_UPDATED,
            agency=locked.agency,
            subject=locked,
            extra={"pages": len(form["pages"]), "questions": sum(len(p.get("questions", [])) for p in form["pages"])},
        )
    service.refresh_from_db()
    return service


def publish_problems(service: Service) -> list[str]:
    """Why *service* cannot be published as it is (empty when it can)."""
    problems: list[str] = []
    if not (service.title or {}).get(settings.LANGUAGE_CODE):
        problems.append(_("Enter a title in English."))
    if not service.agency.is_active:
        problems.append(_("The agency is not active."))
    problems.extend(validate_definition(service.form))
    if service.issues:
        allowed = {qid for qid, _label in document_field_choices(service.form)}
        for qid in service.document_fields or []:
            if qid not in allowed:
                problems.append(
                    _("The document shows the answer to “%(id)s”, which is no longer a question of the form.")
                    % {"id": qid}
                )
    return problems


@transaction.atomic
def service_publish(*, actor: Any, service: Service, expected_token: str | None = None) -> ServiceVersion:
    """Freeze the draft into version *last + 1* and make it the one citizens apply to.

    Recomputes the search text. Raises ValidationError (one message per
    problem, see :func:`publish_problems`) and publishes nothing if the
    service is not complete.
    """
    locked = _lock(service)
    if expected_token is not None and expected_token != edit_token(locked):
        raise _stale_error()
    problems = publish_problems(locked)
    if problems:
        raise ValidationError(problems)
    last = locked.versions.aggregate(last=Max("number"))["last"] or 0
    version = ServiceVersion.objects.create(
        service=locked,
        number=last + 1,
        snapshot=service_snapshot(locked),
        published_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    locked.status = ServiceStatus.PUBLISHED
    locked.current_version = version
    locked.search_text = search_text_for(locked)
    locked.save(update_fields=["status", "current_version", "search_text", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.SERVICE_PUBLISHED,
        agency=locked.agency,
        subject=locked,
        extra={"version": version.number},
    )
    service.refresh_from_db()
    return version


@transaction.atomic
def service_retire(*, actor: Any, service: Service) -> Service:
    """Take a published service out of the catalogue: no new applications.

    Applications already made keep their version and carry on. Publishing
    again brings the service back. Raises ValidationError if not published.
    """
    locked = _lock(service)
    if locked.status != ServiceStatus.PUBLISHED:
        raise ValidationError(_("Only a published service can be retired."), code="not_published")
    locked.status = ServiceStatus.RETIRED
    locked.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.SERVICE_RETIRED,
        agency=locked.agency,
        subject=locked,
        extra={"version": locked.current_version.number if locked.current_version_id else None},
    )
    service.refresh_from_db()
    return service
