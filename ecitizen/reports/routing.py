"""Which agency answers a report at a point, and what to tell people when none does.

The rule: among active areas that contain the point and belong to an agency
with an active category of the chosen code, the smallest area wins (a road
authority's corridor inside a city's district is the more specific answer);
equal sizes go to the area created first. When no agency on the platform
handles the code there, the answer says who is responsible when the platform
knows: a body named on an area that contains the point.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ecitizen.core.i18n import pick
from ecitizen.reports.models import Area, Category


@dataclass
class Route:
    category: Category
    area: Area


@dataclass
class NoRoute:
    """Nobody here handles this. ``message`` says so and, when known, who does."""

    message: str
    responsible: list[str] = field(default_factory=list)


def areas_at(lat: float, lng: float) -> list[Area]:
    """Active areas containing the point, smallest first. The bounding-box index narrows; Python decides."""
    candidates = Area.objects.filter(
        is_active=True, min_lat__lte=lat, max_lat__gte=lat, min_lng__lte=lng, max_lng__gte=lng
    ).select_related("agency")
    found = [a for a in candidates if (a.agency_id is None or a.agency.is_active) and a.contains(lat, lng)]
    return sorted(found, key=lambda a: (a.size, a.pk))


def categories_at(lat: float, lng: float) -> list[Category]:
    """The categories people can choose at this point: one per code, from the agency that would get it."""
    chosen: dict[str, Category] = {}
    for area in areas_at(lat, lng):
        if area.agency_id is None:
            continue
        for category in Category.objects.filter(agency_id=area.agency_id, is_active=True):
            chosen.setdefault(category.code, category)
    return sorted(chosen.values(), key=lambda c: (c.position, c.display_name().lower()))


def route(code: str, lat: float, lng: float) -> Route | NoRoute:
    areas = areas_at(lat, lng)
    agency_ids = [a.agency_id for a in areas if a.agency_id is not None]
    categories = {c.agency_id: c for c in Category.objects.filter(code=code, is_active=True, agency_id__in=agency_ids)}
    for area in areas:
        if area.agency_id in categories:
            return Route(category=categories[area.agency_id], area=area)

    responsible = []
    for area in areas:
        if area.agency_id is None and area.responsible_name:
            name = pick(area.responsible_name)
            responsible.append(f"{name} ({area.responsible_contact})" if area.responsible_contact else name)
    if responsible:
        return NoRoute(
            message=_("This place is not looked after by an agency on this service. Contact %(who)s.")
            % {"who": "; ".join(responsible)},
            responsible=responsible,
        )
    if not areas:
        return NoRoute(message=_("This place is outside the areas that agencies on this service look after."))
    owners = sorted({a.agency.name for a in areas if a.agency_id is not None})
    return NoRoute(
        message=_(
            "No agency that looks after this place deals with this kind of problem here. "
            "It is looked after by: %(agencies)s."
        )
        % {"agencies": ", ".join(owners)}
    )
