"""Reading petitions: lists, counts, counts by district (with a map), and what a person did.

Counts come from :class:`SignatureCount` rows (a few per petition and district), never from
counting signatures.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import translation

from ecitizen.core import textmatch
from ecitizen.engagement.petitions import conf
from ecitizen.engagement.petitions.models import (
    ACTIVE_STATES,
    PUBLIC_STATUSES,
    RESPONSE_EMAIL_MAX_ATTEMPTS,
    FlagReason,
    Petition,
    RemovalReason,
    ResponseEmail,
    Signature,
    SignatureCount,
    SignatureState,
    Status,
)
from ecitizen.exchange import selectors as exchange_selectors

SIMILAR_LIMIT = 5

# Index filters: name -> (label, filter)
FILTERS = {
    "open": Q(status=Status.OPEN),
    "awaiting": Q(status__in=PUBLIC_STATUSES, response_threshold_at__isnull=False, responded_at__isnull=True),
    "responded": Q(status__in=PUBLIC_STATUSES, responded_at__isnull=False),
    "debated": Q(status__in=PUBLIC_STATUSES, debate_scheduled_at__isnull=False),
    "closed": Q(status=Status.CLOSED),
    "all": Q(status__in=PUBLIC_STATUSES),
}


# --- counts ------------------------------------------------------------------------------


def signature_count(petition: Petition | int) -> int:
    """The petition's counted signatures: the sum of its counter rows."""
    petition_id = petition if isinstance(petition, int) else petition.pk
    total = SignatureCount.objects.filter(petition_id=petition_id).aggregate(n=Sum("signatures"))["n"]
    return int(total or 0)


def signature_counts(petition_ids: list[int]) -> dict[int, int]:
    rows = (
        SignatureCount.objects.filter(petition_id__in=petition_ids)
        .values("petition_id")
        .annotate(n=Sum("signatures"))
        .values_list("petition_id", "n")
    )
    counts = dict.fromkeys(petition_ids, 0)
    counts.update({pk: int(n or 0) for pk, n in rows})
    return counts


def _count_subquery() -> Subquery:
    rows = (
        SignatureCount.objects.filter(petition=OuterRef("pk"))
        .values("petition")
        .annotate(n=Sum("signatures"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


@dataclass(frozen=True)
class DistrictCount:
    name: str  # "" for signers whose district is not known
    signatures: int
    share: float  # of the petition's count, 0..1


def district_counts(petition: Petition) -> list[DistrictCount]:
    """Counted signatures by district, most first (unknown district last)."""
    rows = (
        SignatureCount.objects.filter(petition=petition)
        .values("district")
        .annotate(n=Sum("signatures"))
        .values_list("district", "n")
    )
    pairs = [(d, int(n or 0)) for d, n in rows if n]
    total = sum(n for _d, n in pairs) or 1
    pairs.sort(key=lambda p: (p[0] == "", -p[1], p[0]))
    return [DistrictCount(d, n, n / total) for d, n in pairs]


@dataclass(frozen=True)
class Bubble:
    name: str
    signatures: int
    x: float
    y: float
    r: float
    label_y: float


MAP_WIDTH, MAP_HEIGHT, MAX_RADIUS, MIN_RADIUS = 400, 300, 36, 3
# Room on every side for the largest circle and, below it, its name (the label sits 12 units under
# the circle, in 11-unit type), so that no circle or name is cut at the map's edge.
MAP_MARGIN = MAX_RADIUS + 18
CENTRES_MAX_AGE = 600  # seconds: district centres move only when the address register is reloaded
_centres: tuple[float, dict] = (0.0, {})


def district_centres() -> dict:
    """Each district's centre, by name; read from the address register at most every CENTRES_MAX_AGE
    seconds (it averages every address, too much for each view of a petition)."""
    global _centres
    read_at, centres = _centres
    if not read_at or time.monotonic() - read_at > CENTRES_MAX_AGE:
        centres = {d.name: d for d in exchange_selectors.districts()}
        _centres = (time.monotonic(), centres)
    return centres


def district_map(counts: list[DistrictCount]) -> list[Bubble]:
    """A bubble per district at its centre (from the address register), its area in proportion
    to its signatures, for a server-drawn SVG of MAP_WIDTH x MAP_HEIGHT."""
    places = district_centres()
    known = [c for c in counts if c.name in places]
    if not known:
        return []
    lats = [places[c.name].latitude for c in known]
    lngs = [places[c.name].longitude for c in known]
    # Every district with addresses sets the frame, so that the map does not jump as counts change.
    lats += [d.latitude for d in places.values()]
    lngs += [d.longitude for d in places.values()]
    lat0, lat1, lng0, lng1 = min(lats), max(lats), min(lngs), max(lngs)
    span_x = (lng1 - lng0) or 1.0
    span_y = (lat1 - lat0) or 1.0
    scale = min((MAP_WIDTH - 2 * MAP_MARGIN) / span_x, (MAP_HEIGHT - 2 * MAP_MARGIN) / span_y)
    most = max(c.signatures for c in known)
    bubbles = []
    for c in known:
        place = places[c.name]
        x = MAP_MARGIN + (place.longitude - lng0) * scale
        y = MAP_HEIGHT - MAP_MARGIN - (place.latitude - lat0) * scale
        r = max(MIN_RADIUS, MAX_RADIUS * math.sqrt(c.signatures / most))
        bubbles.append(Bubble(c.name, c.signatures, round(x, 1), round(y, 1), round(r, 1), round(y + r + 12, 1)))
    bubbles.sort(key=lambda b: -b.r)  # small ones drawn last, on top
    return bubbles


def removed_counts(petition: Petition) -> list[tuple[Any, int]]:
    """How many signatures moderators removed, by reason: ``[(label, n)]``."""
    rows = (
        Signature.objects.filter(petition=petition, state=SignatureState.REMOVED)
        .values("removal_reason")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    labels = dict(RemovalReason.choices)
    return [(labels.get(r["removal_reason"], r["removal_reason"]), r["n"]) for r in rows]


@dataclass(frozen=True)
class Progress:
    count: int
    target: int  # the next threshold (or the debate threshold once past it)
    target_kind: str  # "response", "debate", "" when both are passed
    percent: int


def progress(petition: Petition, count: int) -> Progress:
    for kind, target in (("response", conf.response_threshold()), ("debate", conf.debate_threshold())):
        if count < target:
            return Progress(count, target, kind, min(100, int(100 * count / target)))
    return Progress(count, conf.debate_threshold(), "", 100)


# --- lists -------------------------------------------------------------------------------


def public_petitions(*, state: str = "open", sort: str = "signatures") -> QuerySet[Petition]:
    """Published petitions in one of FILTERS, with ``count`` annotated, sorted by it or by date."""
    petitions = Petition.objects.filter(FILTERS.get(state, FILTERS["open"])).select_related("agency")
    petitions = petitions.annotate(count=_count_subquery())
    if sort == "newest":
        return petitions.order_by("-opened_at", "-pk")
    return petitions.order_by("-count", "-pk")


def public_petition(number: int) -> Petition | None:
    return Petition.objects.filter(pk=number, status__in=PUBLIC_STATUSES).select_related("agency").first()


def petitions_by_author(user: Any) -> QuerySet[Petition]:
    if not user.is_authenticated:
        return Petition.objects.none()
    return (
        Petition.objects.filter(author=user)
        .select_related("agency")
        .annotate(
            count=_count_subquery(),
            sponsors_confirmed=Count("sponsors", filter=Q(sponsors__confirmed_at__isnull=False)),
            sponsors_named=Count("sponsors"),
        )
        .order_by("-pk")
    )


def signed_by(user: Any) -> QuerySet[Signature]:
    """The petitions *user* has signed (counted or waiting), newest first."""
    if not user.is_authenticated:
        return Signature.objects.none()
    return (
        Signature.objects.filter(user=user, state__in=ACTIVE_STATES)
        .select_related("petition", "petition__agency")
        .order_by("-pk")
    )


def signature_of(petition: Petition, user: Any) -> Signature | None:
    """*user*'s active signature of *petition*, if any."""
    if not user.is_authenticated:
        return None
    return Signature.objects.filter(petition=petition, user=user, state__in=ACTIVE_STATES).first()


def petitions_for_dashboard(user: Any) -> dict[str, Any]:
    """What the signed-in dashboard shows: petitions *user* started (with their supporters and
    status) and those they signed (with counts)."""
    started = list(petitions_by_author(user)[:10])
    signed = list(signed_by(user)[:10])
    counts = signature_counts([s.petition_id for s in signed])
    return {
        "started": [
            {
                "number": p.pk,
                "title": p.title,
                "status": p.status,
                "status_label": p.get_status_display(),
                "sponsors_confirmed": p.sponsors_confirmed,
                "sponsors_required": conf.sponsors_required(),
                "signatures": p.count,
                "url": p.get_absolute_url(),
            }
            for p in started
        ],
        "signed": [
            {
                "number": s.petition_id,
                "title": s.petition.title,
                "status": s.petition.status,
                "status_label": s.petition.get_status_display(),
                "signatures": counts.get(s.petition_id, 0),
                "url": s.petition.get_absolute_url(),
            }
            for s in signed
        ],
    }


def similar_petitions(text: str, *, exclude: int | None = None, language: str | None = None) -> list[Petition]:
    """Petitions (published or waiting for moderation) that share words with *text*, best first."""
    candidates = list(
        Petition.objects.filter(status__in=(*PUBLIC_STATUSES, Status.MODERATION))
        .exclude(pk=exclude)
        .only("pk", "title", "action", "status", "agency_id")[:2000]
    )
    if not candidates or not text.strip():
        return []
    index = textmatch.Index(
        ((p.pk, [(p.title, 2.0), (p.action, 1.0)]) for p in candidates),
        language or translation.get_language(),
    )
    hits = index.search(text, require_all=False, prefix=False)
    terms = max(1, len(textmatch.parse(text, language or translation.get_language())))
    wanted = {h.key for h in hits if h.score >= min(2.0, terms)}
    by_pk = {p.pk: p for p in candidates}
    return [by_pk[h.key] for h in hits if h.key in wanted][:SIMILAR_LIMIT]


# --- staff -------------------------------------------------------------------------------


def staff_queue(petitions: QuerySet[Petition]) -> dict[str, list[Petition]]:
    """The back office's lists from *petitions* (already scoped to the user's agencies)."""
    petitions = petitions.annotate(
        count=_count_subquery(),
        to_review=Count("signatures", filter=Q(signatures__reviewed_at__isnull=True) & ~Q(signatures__flag="")),
    )
    return {
        "moderation": list(petitions.filter(status=Status.MODERATION).order_by("submitted_at")),
        "awaiting_response": list(petitions.filter(FILTERS["awaiting"]).order_by("response_threshold_at")),
        "awaiting_debate": list(
            petitions.filter(
                status__in=PUBLIC_STATUSES, debate_threshold_at__isnull=False, debate_scheduled_at__isnull=True
            )
        ),
        "flagged": [p for p in petitions.filter(status__in=PUBLIC_STATUSES) if p.to_review],
        "open": list(petitions.filter(status=Status.OPEN).order_by("-pk")[:50]),
    }


def flagged_signatures(petition: Petition) -> QuerySet[Signature]:
    return Signature.objects.filter(petition=petition, reviewed_at__isnull=True).exclude(flag="").order_by("pk")


def flag_label(code: str) -> str:
    return str(dict(FlagReason.choices).get(code, code))


@dataclass(frozen=True)
class ThresholdState:
    kind: str  # "response" or "debate"
    target: int
    reached_at: Any  # when the count reached it (None when not, or no longer)
    fell_back_at: Any  # when the count fell back below it, while it has not reached it again


def threshold_states(petition: Petition) -> list[ThresholdState]:
    """For the back office: each threshold, whether and when the petition reached it, and whether
    its count fell back below it since (the mark is then cleared until it gets back there)."""
    return [
        ThresholdState(
            kind,
            target,
            getattr(petition, f"{kind}_threshold_at"),
            getattr(petition, f"{kind}_threshold_cleared_at") if petition.threshold_fell_back(kind) else None,
        )
        for kind, target in (("response", conf.response_threshold()), ("debate", conf.debate_threshold()))
    ]


def response_email_counts(petition: Petition) -> dict[str, int]:
    """How the response emails to signers without an account stand, in one query: ``queued`` (not
    tried yet), ``sent``, ``retrying`` (refused, to be tried again) and ``given_up`` (refused
    RESPONSE_EMAIL_MAX_ATTEMPTS times). Counts only: never who they went to."""
    unsent = Q(sent_at__isnull=True)
    counts = ResponseEmail.objects.filter(petition=petition).aggregate(
        queued=Count("pk", filter=unsent & Q(attempts=0)),
        sent=Count("pk", filter=Q(sent_at__isnull=False)),
        retrying=Count("pk", filter=unsent & Q(attempts__gt=0, attempts__lt=RESPONSE_EMAIL_MAX_ATTEMPTS)),
        given_up=Count("pk", filter=unsent & Q(attempts__gte=RESPONSE_EMAIL_MAX_ATTEMPTS)),
    )
    return {name: int(n or 0) for name, n in counts.items()}
