"""What petitions plug into: the discussions' subject registry and the site search."""

from __future__ import annotations

from django.db.models import Count, Max
from django.utils.translation import gettext_lazy as _

from ecitizen.core.numbers import parse_id
from ecitizen.engagement.discussions import subjects
from ecitizen.engagement.petitions import selectors
from ecitizen.engagement.petitions.models import PUBLIC_STATUSES, Petition, Status
from ecitizen.search.registry import Entry, IndexedProvider, register


def petition_subject(key: str) -> subjects.Subject | None:
    """A published petition as a discussion's subject (comments only while it is open)."""
    number = parse_id(key)
    if number is None:
        return None
    petition = selectors.public_petition(number)
    if petition is None:
        return None
    return subjects.Subject(
        kind="petition",
        key=str(petition.pk),
        title=petition.title,
        url=petition.get_absolute_url(),
        agency_id=petition.agency_id,
        is_open=petition.status == Status.OPEN,
    )


class PetitionProvider(IndexedProvider):
    kind = "petitions"
    label = _("Petitions")
    order = 55

    def fingerprint(self):
        return tuple(
            Petition.objects.filter(status__in=PUBLIC_STATUSES).aggregate(Max("updated_at"), Count("pk")).values()
        )

    def entries(self, language):
        for p in Petition.objects.filter(status__in=PUBLIC_STATUSES).select_related("agency").order_by("-pk"):
            yield Entry(
                key=p.pk,
                title=p.title,
                url=p.get_absolute_url(),
                summary=p.action,
                keywords=f"{p.agency.display_name} {_('petition')} {p.pk}",
                meta=str(p.get_status_display()),
            )


def register_all() -> None:
    subjects.register("petition", petition_subject)
    register(PetitionProvider())
