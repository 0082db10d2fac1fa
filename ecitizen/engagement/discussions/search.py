"""Discussions in the site search: boards and the titles of topics (not the hidden ones)."""

from __future__ import annotations

from django.db.models import Count, Max
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ecitizen.engagement.discussions import selectors
from ecitizen.search.registry import Entry, IndexedProvider


class DiscussionProvider(IndexedProvider):
    kind = "discussions"
    label = _("Discussions")
    order = 60

    def fingerprint(self):
        boards = selectors.boards_public().aggregate(Max("updated_at"), Count("pk", distinct=True))
        return (tuple(boards.values()), selectors.topics_search_fingerprint())

    def entries(self, language):
        for board in selectors.boards_public():
            yield Entry(
                key=f"board:{board.pk}",
                title=board.title,
                url=reverse("discussions:board", args=[board.slug]),
                summary=board.description[:300],
            )
        for topic in selectors.topics_for_search():
            yield Entry(
                key=f"topic:{topic.pk}",
                title=topic.title,
                url=reverse("discussions:subject", args=["topic", topic.key]),
                summary=topic.board.title if topic.board else "",
            )
