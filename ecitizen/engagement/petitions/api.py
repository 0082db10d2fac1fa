"""Petitions: the JSON API, mounted by ecitizen/api/api.py.

Read-only and public (open data): published petitions with their counts, and one petition with
its counts by district, its response and its debate. No signer's personal data.
"""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from ecitizen.api.errors import ErrorOut
from ecitizen.api.pagination import BoundedLimitOffsetPagination
from ecitizen.engagement.petitions import conf, selectors
from ecitizen.engagement.petitions.models import Petition

router = Router(tags=["Petitions"])


class PetitionOut(Schema):
    number: int
    title: str
    action: str = Field(description="What the petition asks for.")
    agency: str = Field(description="The responsible agency's slug.")
    status: str = Field(description="open or closed.")
    signatures: int
    opened_at: datetime.datetime | None
    closes_at: datetime.datetime | None = Field(
        description="When it stops taking signatures: the end of its last day, in the deployment's time zone."
    )
    response_threshold_reached: bool
    responded: bool
    debate_scheduled: bool
    url: str = Field(description="The petition's page on this site.")


class DistrictOut(Schema):
    district: str = Field(description='"" for signers whose district is not known.')
    signatures: int


class RemovedOut(Schema):
    reason: str
    signatures: int


class PetitionDetailOut(PetitionOut):
    background: str = Field(description="Why, in the author's words.")
    response: str = Field(description='The agency\'s response, "" until it responds.')
    responded_at: datetime.datetime | None
    debate_date: datetime.date | None
    debate_place: str
    response_threshold: int
    debate_threshold: int
    districts: list[DistrictOut]
    removed: list[RemovedOut] = Field(description="Signatures removed by moderators, by reason.")


def _out(petition: Petition, count: int) -> dict:
    return {
        "number": petition.pk,
        "title": petition.title,
        "action": petition.action,
        "agency": petition.agency.slug,
        "status": petition.status,
        "signatures": count,
        "opened_at": petition.opened_at,
        "closes_at": petition.closes_at,
        "response_threshold_reached": petition.response_threshold_at is not None,
        "responded": petition.responded_at is not None,
        "debate_scheduled": petition.debate_scheduled_at is not None,
        "url": petition.get_absolute_url(),
    }


@router.get("/", response=list[PetitionOut], summary="Published petitions with their counts")
@paginate(BoundedLimitOffsetPagination)
def petition_list(request, state: str = "all", sort: str = "signatures"):
    """*state*: open, awaiting (a response), responded, debated, closed or all; *sort*: signatures or newest."""
    state = state if state in selectors.FILTERS else "all"
    return _Page(selectors.public_petitions(state=state, sort=sort))


class _Page:
    """The paginator's view of the petitions: it counts them and slices them in the database, and
    only the slice is turned into the API's dicts (not every published petition on each request)."""

    def __init__(self, petitions) -> None:
        self.petitions = petitions

    def all(self) -> QuerySet[Petition]:
        return self.petitions

    def __len__(self) -> int:
        return self.petitions.count()

    def __getitem__(self, items: slice) -> list[dict]:
        return [_out(p, p.count) for p in self.petitions[items]]


@router.get(
    "/{number}",
    response={200: PetitionDetailOut, 404: ErrorOut},
    summary="A published petition, with counts by district and the response",
)
def petition_detail(request, number: int):
    petition = selectors.public_petition(number)
    if petition is None:
        return Status(404, {"detail": _("There is no published petition with this number."), "code": "not_found"})
    count = selectors.signature_count(petition)
    return Status(
        200,
        {
            **_out(petition, count),
            "background": petition.background,
            "response": petition.response,
            "responded_at": petition.responded_at,
            "debate_date": petition.debate_date,
            "debate_place": petition.debate_place,
            "response_threshold": conf.response_threshold(),
            "debate_threshold": conf.debate_threshold(),
            "districts": [
                {"district": d.name, "signatures": d.signatures} for d in selectors.district_counts(petition)
            ],
            "removed": [{"reason": str(label), "signatures": n} for label, n in selectors.removed_counts(petition)],
        },
    )
