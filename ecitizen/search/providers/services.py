"""Services of the catalogue: their published title and summary, and as keywords the names of
their category, life events and issued document, in the reader's language (and the English
words of their web address)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable

from django.db.models import Count, Max
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ecitizen.catalogue.models import Category, LifeEvent, Service
from ecitizen.catalogue.selectors import published_services
from ecitizen.core.i18n import pick
from ecitizen.core.money import format_money
from ecitizen.search.registry import Entry, IndexedProvider
from ecitizen.search.texts import in_language


class ServiceProvider(IndexedProvider):
    kind = "services"
    label = _("Services")
    order = 20

    def fingerprint(self) -> Hashable:
        latest = published_services().order_by().aggregate(count=Count("pk"), latest=Max("updated_at"))
        names = (
            Category.objects.order_by().aggregate(count=Count("pk"), latest=Max("pk")),
            LifeEvent.objects.order_by().aggregate(count=Count("pk"), latest=Max("pk")),
        )
        return (latest["count"], latest["latest"], names)

    def entries(self, language: str) -> Iterable[Entry]:
        categories = {slug: name for slug, name in Category.objects.values_list("slug", "name")}
        event_names = dict(LifeEvent.objects.values_list("pk", "name"))
        events: dict[int, list[int]] = {}
        links = Service.life_events.through.objects.filter(service__in=published_services().values("pk"))
        for service_id, event_id in links.values_list("service_id", "lifeevent_id"):
            events.setdefault(service_id, []).append(event_id)
        # Only the parts of each published version that are shown or searched (not its form).
        rows = published_services().values_list(
            "pk",
            "slug",
            "agency__name",
            "current_version__snapshot__title",
            "current_version__snapshot__summary",
            "current_version__snapshot__category",
            "current_version__snapshot__fee",
            "current_version__snapshot__agency",
            "current_version__snapshot__document_name",
        )
        start = reverse("catalogue:start", args=["-"])[: -len("-/")]
        for pk, slug, agency_name, titles, summaries, category, fee, agency, document_name in rows:
            title, lang = in_language(titles, language)
            summary, summary_lang = in_language(summaries, language)
            keywords = [
                pick(categories.get(category), language),
                *(pick(event_names.get(event), language) for event in events.get(pk, [])),
                pick(document_name, language) if isinstance(document_name, dict) else "",
                slug.replace("-", " "),
            ]
            agency = agency if isinstance(agency, dict) else {}
            fee = fee if isinstance(fee, dict) else {}
            meta = pick(agency.get("names"), language) or agency.get("name") or agency_name
            if fee.get("amount"):
                meta = gettext("%(agency)s · Fee %(fee)s") % {
                    "agency": meta,
                    "fee": format_money(fee["amount"], fee.get("currency", "GBP"), language),
                }
            yield Entry(
                key=pk,
                title=title,
                url=f"{start}{slug}/",
                summary=summary if summary_lang == lang else "",
                keywords=" ".join(k for k in keywords if k),
                meta=meta,
                lang=lang,
            )
