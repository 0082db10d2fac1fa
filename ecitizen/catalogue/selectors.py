"""Reading the catalogue: what the public sees (published versions) and what admins edit."""

from __future__ import annotations

import copy
import unicodedata
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.http import Http404
from django.utils import translation

from ecitizen.catalogue.models import Category, LifeEvent, Service, ServiceStatus, ServiceVersion
from ecitizen.core import textmatch

MAX_SEARCH_WORDS = 10


def service_snapshot(service: Service) -> dict[str, Any]:
    """What a published version of *service* freezes: every field applicants see.

    The keys are a contract with the cases app; add none without telling it.
    """
    return {
        "slug": service.slug,
        "title": dict(service.title or {}),
        "summary": dict(service.summary or {}),
        "description": dict(service.description or {}),
        "documents_required": dict(service.documents_required or {}),
        "identity_level": service.identity_level,
        "fee": {"amount": int(service.fee_amount), "currency": service.fee_currency},
        "deadline_working_days": int(service.deadline_working_days),
        "issues": service.issues,
        "validity_days": int(service.validity_days),
        "document_name": dict(service.document_name or {}),
        "document_fields": list(service.document_fields or []),
        "form": copy.deepcopy(service.form or {}),
        "agency": {
            "id": service.agency_id,
            "name": service.agency.name,
            "names": {settings.LANGUAGE_CODE: service.agency.name, **(service.agency.name_translations or {})},
            "code": service.agency.code,
        },
        "category": service.category.slug,
    }


def fold(text: str) -> str:
    """Lower case without accents, so that "inscripcion" finds "inscripción"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_text_for(service: Service) -> str:
    """The words search matches: titles, summaries and descriptions in every language,
    the category's and the life events' names, in lower case, then once more without accents."""
    parts: list[str] = []
    for texts in (service.title, service.summary, service.description):
        parts.extend(str(v) for v in (texts or {}).values() if v)
    parts.extend(str(v) for v in (service.category.name or {}).values() if v)
    for event in service.life_events.all():
        parts.extend(str(v) for v in (event.name or {}).values() if v)
    text = " ".join(" ".join(parts).split()).lower()
    folded = fold(text)
    return text if folded == text else f"{text}\n{folded}"


def search_words(query: str | None) -> list[str]:
    """The distinct words of *query*, lower-cased, at most :data:`MAX_SEARCH_WORDS`."""
    words: list[str] = []
    for word in (query or "").lower().split():
        if word not in words:
            words.append(word)
    return words[:MAX_SEARCH_WORDS]


def published_services(
    query: str | None = None,
    category: Category | str | None = None,
    life_event: LifeEvent | str | None = None,
) -> QuerySet[Service]:
    """Services the public can apply to now, each with its ``current_version`` loaded.

    *query* matches when every word is found in the service's search text
    (case-, accent- and plural-insensitive, the same on SQLite and PostgreSQL). *category*
    is matched against the published version, so editing a draft moves nothing
    until it is published; *category* and *life_event* take an object or a slug.
    """
    services = (
        Service.objects.filter(status=ServiceStatus.PUBLISHED, current_version__isnull=False)
        .select_related("current_version", "agency")
        .order_by("slug")
    )
    if search_words(query):
        # The site search's matcher (ecitizen.core.textmatch) over every language's text: each word
        # in any case, with or without accents, singular or plural (stemmed in the reader's
        # language), or as the start of a longer word. The catalogue is small enough to match in memory.
        texts = services.order_by().values_list("pk", "search_text")
        services = services.filter(pk__in=textmatch.matching_keys(query, texts, translation.get_language()))
    if category is not None:
        slug = category.slug if isinstance(category, Category) else category
        services = services.filter(current_version__snapshot__category=slug)
    if life_event is not None:
        if isinstance(life_event, LifeEvent):
            services = services.filter(life_events=life_event)
        else:
            services = services.filter(life_events__slug=life_event)
    return services


def service_for_apply(slug: str) -> tuple[Service, ServiceVersion]:
    """The published service called *slug* and the version to apply to; Http404 otherwise."""
    service = (
        Service.objects.filter(slug=slug, status=ServiceStatus.PUBLISHED, current_version__isnull=False)
        .select_related("current_version", "agency", "category")
        .first()
    )
    if service is None:
        raise Http404
    return service, service.current_version


def categories_in_use() -> list[Category]:
    """Categories with at least one published service, in their display order. One query: the
    published versions' categories are a subquery, compared as text."""
    in_use = (
        published_services()
        .annotate(category_slug=KeyTextTransform("category", "current_version__snapshot"))
        .values("category_slug")
        .order_by()
    )
    return list(Category.objects.filter(slug__in=in_use))


def life_events_in_use() -> QuerySet[LifeEvent]:
    """Life events that lead to at least one published service."""
    published = published_services().values("pk").order_by()
    return LifeEvent.objects.filter(services__in=published).distinct()


def category_by_slug(slug: str) -> Category | None:
    return Category.objects.filter(slug=slug).first()


def life_event_by_slug(slug: str) -> LifeEvent | None:
    return LifeEvent.objects.filter(slug=slug).first()


def services_sharing_life_events(used_slugs: set[str], *, limit: int = 6) -> list[tuple[Service, LifeEvent, str]]:
    """Published services that share a life event with the services called *used_slugs*, which
    are left out: ``(service, life event, slug of the used service that led to it)``, at most
    *limit*, each service once. Two queries, whatever the number of services."""
    if not used_slugs:
        return []
    links = Service.life_events.through.objects
    events: dict[int, str] = {}
    for event_id, slug in (
        links.filter(service__slug__in=sorted(used_slugs)).values_list("lifeevent_id", "service__slug").order_by("pk")
    ):
        events.setdefault(event_id, slug)
    if not events:
        return []
    found: list[tuple[Service, LifeEvent, str]] = []
    seen: set[int] = set()
    rows = (
        links.filter(
            lifeevent_id__in=list(events),
            service__status=ServiceStatus.PUBLISHED,
            service__current_version__isnull=False,
        )
        .exclude(service__slug__in=sorted(used_slugs))
        .select_related("service__current_version", "lifeevent")
        .order_by("lifeevent__position", "service__slug")[: limit * 4]
    )
    for row in rows:
        if row.service_id in seen or len(found) >= limit:
            continue
        seen.add(row.service_id)
        found.append((row.service, row.lifeevent, events[row.lifeevent_id]))
    return found


# --- The back office ---------------------------------------------------------


def service_versions(service: Service) -> QuerySet[ServiceVersion]:
    """Every published version of *service*, newest first, with who published it."""
    return service.versions.select_related("published_by").order_by("-number")


def edit_token(service: Service) -> str:
    """Changes whenever *service* is saved: a form carries it so a stale edit is refused."""
    return f"{service.updated_at.timestamp():.6f}" if service.updated_at else ""


def snapshot_changes(service: Service) -> list[dict[str, Any]]:
    """What publishing *service* now would change for the public, field by field.

    Each change is ``{"field", "language", "before", "after"}``; for the form,
    ``before``/``after`` are lists of question ids. Empty when the draft equals
    the current version (or, for a first publication, lists every field set).
    """
    after = service_snapshot(service)
    before = service.current_version.snapshot if service.current_version_id else {}
    changes: list[dict[str, Any]] = []
    languages = [code for code, _name in settings.LANGUAGES]
    for key in ("title", "summary", "description", "documents_required", "document_name"):
        old, new = before.get(key) or {}, after[key]
        for language in languages:
            if (old.get(language) or "") != (new.get(language) or ""):
                changes.append(
                    {"field": key, "language": language, "before": old.get(language), "after": new.get(language)}
                )
    for key in ("slug", "identity_level", "fee", "deadline_working_days", "issues", "validity_days", "category"):
        if before.get(key) != after[key]:
            changes.append({"field": key, "language": None, "before": before.get(key), "after": after[key]})
    if (before.get("document_fields") or []) != after["document_fields"]:
        changes.append(
            {
                "field": "document_fields",
                "language": None,
                "before": before.get("document_fields") or [],
                "after": after["document_fields"],
            }
        )
    if before.get("agency", {}).get("name") != after["agency"]["name"]:
        changes.append({"field": "agency", "language": None, "before": before.get("agency"), "after": after["agency"]})
    if before.get("form") != after["form"]:
        changes.append(
            {
                "field": "form",
                "language": None,
                "before": _question_ids(before.get("form")),
                "after": _question_ids(after["form"]),
            }
        )
    return changes


def _question_ids(definition: Any) -> list[str]:
    if not isinstance(definition, dict):
        return []
    return [
        q.get("id", "")
        for page in definition.get("pages") or []
        if isinstance(page, dict)
        for q in page.get("questions") or []
        if isinstance(q, dict)
    ]


# Question types whose answer can be printed on an issued document (a file cannot).
DOCUMENT_FIELD_TYPES = frozenset(
    {"text", "textarea", "number", "date", "yes_no", "choice", "multi_choice", "address", "email", "phone"}
)


def document_field_choices(form: Any) -> list[tuple[str, str]]:
    """(id, label) of the questions of a form definition whose answers a document can show, in form order."""
    from ecitizen.core.i18n import pick

    if not isinstance(form, dict):
        return []
    return [
        (str(q.get("id", "")), pick(q.get("label")) or str(q.get("id", "")))
        for page in form.get("pages") or []
        if isinstance(page, dict)
        for q in page.get("questions") or []
        if isinstance(q, dict) and q.get("id") and q.get("type") in DOCUMENT_FIELD_TYPES
    ]
