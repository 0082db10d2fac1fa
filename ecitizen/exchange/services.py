"""Writes to registries. Registries are loaded in bulk by platform operators, not by users."""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from ecitizen.exchange.models import PopulationRecord
from ecitizen.exchange.selectors import national_id_blind_index

GIVEN_NAMES = [
    "Amina",
    "Ben",
    "Chloé",
    "Daniel",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Inés",
    "Jamal",
    "Karin",
    "Luis",
    "Maya",
    "Nadia",
    "Omar",
    "Paula",
    "Quentin",
    "Rania",
    "Sofia",
    "Tomás",
    "Usha",
    "Victor",
    "Wafa",
    "Xavier",
    "Yara",
    "Zoé",
]
FAMILY_NAMES = [
    "Haddad",
    "Okafor",
    "Dubois",
    "García",
    "Nguyen",
    "Martin",
    "Rossi",
    "Kowalski",
    "Silva",
    "Bennani",
    "Schmidt",
    "Moreau",
    "Fernández",
    "Mensah",
    "Ali",
    "Novak",
    "Lindqvist",
    "Costa",
    "Benali",
    "Laurent",
]


@dataclass(frozen=True)
class Person:
    national_id: str
    given_name: str
    family_name: str
    date_of_birth: datetime.date


def synthetic_people(count: int, *, seed: int = 2026) -> list[Person]:
    """*count* made-up people with unique national IDs like ``AB-123456-C``; same seed, same people."""
    rng = random.Random(seed)
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    seen: set[str] = set()
    people = []
    while len(people) < count:
        nid = f"{rng.choice(letters)}{rng.choice(letters)}-{rng.randrange(1_000_000):06d}-{rng.choice(letters)}"
        if nid in seen:
            continue
        seen.add(nid)
        born = datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(365 * 66))
        people.append(Person(nid, rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES), born))
    return people


@transaction.atomic
def population_register_load(people: Iterable[Person]) -> int:
    """Add people not yet in the register (matched by national ID); return how many were added."""
    rows = []
    for person in people:
        index = national_id_blind_index(person.national_id)
        if PopulationRecord.objects.filter(national_id_index=index).exists():
            continue
        rows.append(
            PopulationRecord(
                national_id=person.national_id,
                national_id_index=index,
                given_name=person.given_name,
                family_name=person.family_name,
                date_of_birth=person.date_of_birth,
            )
        )
    PopulationRecord.objects.bulk_create(rows, batch_size=500)
    return len(rows)
