"""Service feedback in the site search: the satisfaction page, and each service's figure once
enough people rated it (the same services as the public page shows)."""

from __future__ import annotations

from django.db.models import Count, Max
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecitizen.engagement.feedback import conf, selectors
from ecitizen.engagement.feedback.models import Rating
from ecitizen.search.registry import Entry, IndexedProvider


class SatisfactionProvider(IndexedProvider):
    kind = "satisfaction"
    label = gettext_lazy("Satisfaction with services")
    order = 80

    def fingerprint(self):
        # The figures change with new ratings and as months pass.
        counts = Rating.objects.aggregate(Max("updated_at"), Count("pk"))
        return (*counts.values(), selectors.last_published_month(), conf.min_ratings_to_show())

    def entries(self, language):
        with translation.override(language):
            url = reverse("feedback:index")
            yield Entry(
                key="page",
                title=_("Satisfaction with our services"),
                url=url,
                summary=_("How satisfied people were with each service over the last months."),
                keywords=_("feedback rating survey satisfied"),
            )
            for row in selectors.public_satisfaction():
                yield Entry(
                    key=f"{row.agency_id}:{row.service_id}:{row.topic}",
                    title=_("Satisfaction: %(service)s") % {"service": row.title},
                    url=reverse("catalogue:start", args=[row.service_slug]) if row.service_slug else url,
                    summary=_("%(percent)s%% satisfied, %(total)s ratings")
                    % {"percent": row.satisfied_percent, "total": row.total},
                    keywords=_("feedback rating satisfied"),
                )
