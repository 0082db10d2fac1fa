"""How consultations are found elsewhere: the site search, and the subjects discussions attach to."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Max
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ecitizen.core.i18n import pick
from ecitizen.engagement.consultations import selectors
from ecitizen.search.registry import Entry, IndexedProvider, register


class ConsultationProvider(IndexedProvider):
    """Listed consultations and surveys, open, upcoming or closed."""

    kind = "consultations"
    label = _("Consultations and surveys")
    order = 50

    def fingerprint(self):
        return tuple(selectors.listed().aggregate(Max("updated_at"), Count("pk")).values())

    def entries(self, language: str) -> Iterable[Entry]:
        for c in selectors.listed():
            if c.is_open():
                state = _("Open")
            elif c.is_closed():
                state = _("Closed")
            else:
                state = _("Opens soon")
            yield Entry(
                key=c.pk,
                title=c.display_title(language),
                url=reverse("consultations:detail", args=[c.slug]),
                summary=pick(c.summary, language),
                keywords=" ".join([str(c.get_kind_display()), c.agency.name, pick(c.description, language)[:500]]),
                meta=f"{c.get_kind_display()} · {state}",
            )


def consultation_subject(key: str):
    """The discussions' subject for the listed consultation whose slug is *key* (or None)."""
    from ecitizen.engagement.discussions.subjects import Subject

    c = selectors.listed().filter(slug=key).first()
    if c is None:
        return None
    return Subject(
        kind="consultation",
        key=c.slug,
        title=c.display_title(),
        url=reverse("consultations:detail", args=[c.slug]),
        agency_id=c.agency_id,
        is_open=not c.is_closed(),
    )


def register_all() -> None:
    register(ConsultationProvider())
    from ecitizen.engagement.discussions import subjects

    subjects.register("consultation", consultation_subject)
