"""Reads of information requests: the public list and search, the staff queue, the disclosure log."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ecitizen.agencies.models import Agency, Role
from ecitizen.core.textmatch import matching_keys, parse
from ecitizen.records.foi import clock, conf
from ecitizen.records.foi.models import CLOSED_STATUSES, FoiRequest, Status

SIMILAR_LIMIT = 5
SIMILAR_POOL = 500
# The public list's filters: name -> condition (the overdue one depends on today, see below).
PUBLIC_FILTERS = ("all", "awaiting", "overdue", "answered", "refused")


def overdue_q(today: datetime.date) -> Q:
    return Q(status=Status.AWAITING, due_on__lt=today)


def requester_name(foi: FoiRequest) -> str:
    """The name shown publicly: empty when the requester asked to keep it private."""
    if foi.hide_name:
        return ""
    return foi.requester.get_full_name() or _("A member of the public")


def public_requests(*, state: str = "all", agency: Agency | None = None, query: str = "") -> QuerySet[FoiRequest]:
    today = clock.today()
    requests = FoiRequest.objects.select_related("agency", "requester", "requester__profile")
    if agency is not None:
        requests = requests.filter(agency=agency)
    if state == "awaiting":
        requests = requests.filter(status__in=(Status.AWAITING, Status.CLARIFICATION))
    elif state == "overdue":
        requests = requests.filter(overdue_q(today))
    elif state == "answered":
        requests = requests.filter(status=Status.ANSWERED)
    elif state == "refused":
        requests = requests.filter(status__in=(Status.REFUSED, Status.PARTLY_REFUSED))
    if query.strip():
        pool = list(requests.order_by("-pk").values_list("pk", "title", "body")[:SIMILAR_POOL])
        keys = matching_keys(query, [(pk, f"{title} {body}") for pk, title, body in pool], get_language())
        requests = requests.filter(pk__in=keys)
    return requests.order_by("-pk")


def similar_requests(*, title: str, body: str = "", agency: Agency | None = None) -> list[FoiRequest]:
    """Published requests that look like the draft (answered ones first): shown before sending, so
    that people find answers already given. Same agency first when given."""
    pool = list(
        FoiRequest.objects.order_by(
            Case(When(agency=agency, then=Value(0)), default=Value(1), output_field=IntegerField()), "-pk"
        ).values_list("pk", "title")[:SIMILAR_POOL]
        if agency is not None
        else FoiRequest.objects.order_by("-pk").values_list("pk", "title")[:SIMILAR_POOL]
    )
    # Any of the draft's words counts (all of them would find little): the more words in common,
    # the higher, and at least half of them.
    language = get_language()
    terms = parse(title, language)
    score: dict[int, int] = {}
    for term in terms:
        for key in matching_keys(term.word, pool, language):
            score[key] = score.get(key, 0) + 1
    needed = max(1, (len(terms) + 1) // 2)
    keys = sorted((k for k, n in score.items() if n >= needed), key=lambda k: -score[k])[: SIMILAR_LIMIT * 2]
    found = {r.pk: r for r in FoiRequest.objects.filter(pk__in=keys).select_related("agency")}
    ranked = [found[k] for k in keys if k in found]
    ranked.sort(key=lambda r: 0 if r.status in CLOSED_STATUSES else 1)
    return ranked[:SIMILAR_LIMIT]


def requests_of(user: Any) -> QuerySet[FoiRequest]:
    if not user.is_authenticated:
        return FoiRequest.objects.none()
    return FoiRequest.objects.filter(requester=user).select_related("agency").order_by("-pk")


def staff_queue(scope: QuerySet[FoiRequest], *, status: str = "", agency: Agency | None = None) -> QuerySet:
    """The staff's requests, open ones first, then by due date, overdue (earliest due) at the top."""
    today = clock.today()
    requests = scope
    if status == "overdue":
        requests = requests.filter(overdue_q(today))
    elif status == "review":
        requests = requests.filter(review_status="requested")
    elif status in Status.values:
        requests = requests.filter(status=status)
    if agency is not None:
        requests = requests.filter(agency=agency)
    return requests.annotate(
        open_rank=Case(
            When(status=Status.AWAITING, then=Value(0)),
            When(status=Status.CLARIFICATION, then=Value(1)),
            When(review_status="requested", then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        )
    ).order_by("open_rank", "due_on", "pk")


def reminder_due(today: datetime.date) -> list[int]:
    """Open requests due within ``FOI_REMINDER_DAYS`` working days (or late), not yet reminded."""
    horizon = clock.add_working_days(today, conf.reminder_days())
    return list(
        FoiRequest.objects.filter(status=Status.AWAITING, reminded_on__isnull=True, due_on__lte=horizon)
        .order_by("due_on", "pk")
        .values_list("pk", flat=True)
    )


def staff_to_remind(foi: FoiRequest) -> QuerySet:
    """The caseworkers and agency admins of the request's agency (never the requester)."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__agency_id=foi.agency_id,
            memberships__role__in=[Role.CASEWORKER, Role.AGENCY_ADMIN],
        )
        .exclude(pk=foi.requester_id)
        .distinct()
        .order_by("pk")
    )


@dataclass
class AgencyStats:
    agency: Agency
    total: int = 0
    open: int = 0
    overdue: int = 0
    answered_on_time: int = 0
    answered_late: int = 0
    refused: int = 0
    partly_refused: int = 0
    exemptions: list[tuple[str, int]] = field(default_factory=list)

    @property
    def closed(self) -> int:
        return self.answered_on_time + self.answered_late

    @property
    def on_time_percent(self) -> int | None:
        return round(100 * self.answered_on_time / self.closed) if self.closed else None


def disclosure_statistics() -> list[AgencyStats]:
    """Per agency with requests: how many, answered on time or late (a refusal is an answer),
    refused in full or in part, and refusals by exemption. Counted by the database, in two queries."""
    today = clock.today()
    closed = Q(status__in=CLOSED_STATUSES)
    rows = (
        FoiRequest.objects.values("agency")
        .annotate(
            total=Count("pk"),
            open=Count("pk", filter=Q(status__in=(Status.AWAITING, Status.CLARIFICATION))),
            overdue=Count("pk", filter=overdue_q(today)),
            on_time=Count("pk", filter=closed & Q(closed_on__lte=F("due_on"))),
            late=Count("pk", filter=closed & Q(closed_on__gt=F("due_on"))),
            refused=Count("pk", filter=Q(status=Status.REFUSED)),
            partly=Count("pk", filter=Q(status=Status.PARTLY_REFUSED)),
        )
        .order_by()
    )
    agencies = Agency.objects.in_bulk([r["agency"] for r in rows])
    by_exemption: dict[int, list[tuple[str, int]]] = {}
    for r in (
        FoiRequest.objects.filter(status__in=(Status.REFUSED, Status.PARTLY_REFUSED))
        .values("agency", "exemption")
        .annotate(n=Count("pk"))
        .order_by("agency", "-n", "exemption")
    ):
        by_exemption.setdefault(r["agency"], []).append((conf.exemption_label(r["exemption"]), r["n"]))
    stats = [
        AgencyStats(
            agency=agencies[r["agency"]],
            total=r["total"],
            open=r["open"],
            overdue=r["overdue"],
            answered_on_time=r["on_time"],
            answered_late=r["late"],
            refused=r["refused"],
            partly_refused=r["partly"],
            exemptions=by_exemption.get(r["agency"], []),
        )
        for r in rows
    ]
    stats.sort(key=lambda s: s.agency.display_name.casefold())
    return stats
