"""Demo petitions to the City Council, made through the petitions' services:

- "A zebra crossing on Mill Lane by the school" (open), started by Amina, supported by Ben, Lucía
  and four neighbours, a few signatures short of the response threshold;
- "Keep Riverside library open on Sundays" (open), past the threshold, with the council's response.

Signatures come in bulk (``signatures_bulk_add``: counter rows kept exact), with postcodes from the
demo address register so the counts by district fill the map. Idempotent: a petition is made only
if no petition has its title yet.
"""

from __future__ import annotations

import random
import uuid

from allauth.account.models import EmailAddress

from ecitizen.accounts.models import User
from ecitizen.agencies.models import Agency
from ecitizen.engagement.petitions import conf, selectors, services
from ecitizen.engagement.petitions.models import Petition
from ecitizen.exchange.models import Address

AUTHOR = "amina@example.org"
MODERATOR = "moderator@council.example"
ADMIN = "admin@council.example"
SUPPORTERS = ["ben@example.org", "lucia@example.org"] + [f"neighbour{i}@example.org" for i in range(1, 5)]

CROSSING = {
    "title": "A zebra crossing on Mill Lane by the school",
    "action": "Paint a zebra crossing with lights on Mill Lane outside Northbridge Primary School.",
    "background": (
        "Two hundred children cross Mill Lane twice a day. Cars come fast round the bend, and the "
        "nearest crossing is 400 metres away."
    ),
}
LIBRARY = {
    "title": "Keep Riverside library open on Sundays",
    "action": "Open Riverside library from 10am to 4pm on Sundays.",
    "background": "Sunday is the only day many working families and students can use the library.",
}
LIBRARY_RESPONSE = (
    "Thank you to everyone who signed. From next month Riverside library will open on Sundays from "
    "10am to 4pm for a six-month trial, staffed by the library team and volunteers. We will publish "
    "visitor numbers and decide in the spring whether to keep Sunday opening."
)


def _user(email: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=None)
    # A supporter confirms with the account that has confirmed the address the link went to.
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def _people(n: int, seed: int) -> list[tuple[str, str, str]]:
    postcodes = list(Address.objects.filter(is_active=True).values_list("postcode", flat=True).distinct()[:500])
    rng = random.Random(seed)  # noqa: S311 (demo data, repeatable)
    return [
        (f"Demo signer {i}", f"signer{seed}-{i}@example.net", rng.choice(postcodes) if postcodes else "")
        for i in range(n)
    ]


def _open(agency: Agency, texts: dict, signatures: int, seed: int) -> Petition:
    author, moderator = _user(AUTHOR), _user(MODERATOR)
    petition = services.petition_create(
        actor=author,
        agency=agency,
        sponsor_emails=SUPPORTERS,
        create_token=uuid.uuid5(uuid.NAMESPACE_URL, f"demo-petition-{texts['title']}"),
        **texts,
    )
    for sponsor in petition.sponsors.order_by("pk"):
        services.sponsor_confirm(actor=_user(sponsor.email), sponsor=sponsor)
    petition = services.petition_publish(actor=moderator, petition=petition)
    wanted = signatures - selectors.signature_count(petition)
    services.signatures_bulk_add(actor=None, petition=petition, people=_people(wanted, seed))
    return petition


def demo_petitions_load() -> list[str]:
    agency = Agency.objects.get(slug="city-council")
    lines = []
    crossing = Petition.objects.filter(title=CROSSING["title"]).first()
    if crossing is None:
        crossing = _open(agency, CROSSING, conf.response_threshold() - 12, seed=1)
    lines.append(f"petition {crossing.pk} open with {selectors.signature_count(crossing):,} signatures")
    library = Petition.objects.filter(title=LIBRARY["title"]).first()
    if library is None:
        library = _open(agency, LIBRARY, conf.response_threshold() + 250, seed=2)
        services.petition_respond(actor=_user(ADMIN), petition=library, text=LIBRARY_RESPONSE)
    lines.append(f"petition {library.pk} answered by the council ({selectors.signature_count(library):,} signatures)")
    return lines
