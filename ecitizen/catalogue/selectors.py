"""Reading the catalogue: what the public sees (published versions) and what admins edit."""

from __future__ import annotations

import copy
import unicodedata
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404

from ecitizen.catalogue.models import Category, LifeEvent, Service, ServiceStatus, ServiceVersion

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
        "form": copy.deepcopy(service.form or {}),
        "agency": {"id": service.agency_id, "name": service.agency.name, "code": service.agency.code},
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
    (case- and accent-insensitive, on SQLite and PostgreSQL alike). *category*
    is matched against the published version, so editing a draft moves nothing
    until it is published; *category* and *life_event* take an object or a slug.
    """
    services = (
        Service.objects.filter(status=ServiceStatus.PUBLISHED, current_version__isnull=False)
        .select_related("current_version", "agency")
        .order_by("slug")
    )
    for word in search_words(query):
        # search_text is stored lower-cased, with an accent-free copy: a plain
        # (case-sensitive) substring match is right on both databases.
        services = services.filter(Q(search_text__contains=word) | Q(search_text__contains=fold(word)))
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
    """Categories with at least one published service, in their display order."""
    slugs = set(published_services().values_list("current_version__snapshot__category", flat=True).order_by())
    return [c for c in Category.objects.all() if c.slug in slugs]


def life_events_in_use() -> QuerySet[LifeEvent]:
    """Life events that lead to at least one published service."""
    published = published_services().values("pk").order_by()
    return LifeEvent.objects.filter(services__in=published).distinct()


def category_by_slug(slug: str) -> Category | None:
    return Category.objects.filter(slug=slug).first()


def life_event_by_slug(slug: str) -> LifeEvent | None:
    return LifeEvent.objects.filter(slug=slug).first()


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
    for key in ("title", "summary", "description", "documents_required"):
        old, new = before.get(key) or {}, after[key]
        for language in languages:
            if (old.get(language) or "") != (new.get(language) or ""):
                changes.append(
                    {"field": key, "language": language, "before": old.get(language), "after": new.get(language)}
                )
    for key in ("slug", "identity_level", "fee", "deadline_working_days", "issues", "validity_days", "category"):
        if before.get(key) != after[key]:
            changes.append({"field": key, "language": None, "before": before.get(key), "after": after[key]})
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
