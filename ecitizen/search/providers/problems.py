"""Kinds of problem people can report (pot-hole, street light…): each result starts a report
of that kind. One result per category code, named as the first agency that handles it names it."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from urllib.parse import urlencode

from django.db.models import Count, Max
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ecitizen.core.i18n import pick
from ecitizen.reports.models import Category
from ecitizen.search.registry import Entry, IndexedProvider
from ecitizen.search.texts import in_language


def _active_categories():
    return Category.objects.filter(is_active=True, agency__is_active=True).order_by("position", "pk")


class ProblemCategoryProvider(IndexedProvider):
    kind = "problems"
    label = _("Problems to report")
    order = 30

    def fingerprint(self) -> Hashable:
        found = Category.objects.order_by().aggregate(count=Count("pk"), latest=Max("updated_at"))
        active = _active_categories().order_by().aggregate(count=Count("pk"))
        return (found["count"], found["latest"], active["count"])

    def entries(self, language: str) -> Iterable[Entry]:
        by_code: dict[str, list[Category]] = {}
        for category in _active_categories():
            by_code.setdefault(category.code, []).append(category)
        start = reverse("reports:new")
        report = gettext("Report a problem")
        for code, categories in by_code.items():
            first = categories[0]
            title, lang = in_language(first.name, language)
            guidance, guidance_lang = in_language(first.guidance, language)
            group = pick(first.group, language)
            keywords = [code.replace("-", " ").replace("_", " "), first.keywords, group, report]
            keywords += [pick(other.name, language) for other in categories[1:]]
            keywords += [other.keywords for other in categories[1:]]
            yield Entry(
                key=code,
                title=title,
                url=f"{start}?{urlencode({'category': code})}",
                summary=guidance if guidance_lang == lang else "",
                keywords=" ".join(k for k in keywords if k),
                meta=" · ".join(t for t in (report, group) if t),
                lang=lang,
            )
