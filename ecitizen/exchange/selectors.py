from __future__ import annotations

import datetime
import unicodedata

from ecitizen.core.crypto import blind_index
from ecitizen.exchange.models import PopulationRecord

NATIONAL_ID_CONTEXT = "national_id"


def national_id_blind_index(national_id: str) -> str:
    """The blind index every table uses for national ID numbers, so they can be joined."""
    return blind_index(national_id, context=NATIONAL_ID_CONTEXT)


def _name_key(name: str) -> str:
    """Compare names without case, accents or extra spaces: 'José  Núñez' == 'jose nunez'."""
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def population_record_matching(
    *, national_id: str, given_name: str, family_name: str, date_of_birth: datetime.date
) -> PopulationRecord | None:
    """The living person in the register with exactly these details, or None.

    Found by the blind index of the national ID; names and date of birth must
    then match too, so a guessed ID alone verifies nothing.
    """
    record = PopulationRecord.objects.filter(
        national_id_index=national_id_blind_index(national_id), is_deceased=False
    ).first()
    if record is None:
        return None
    if record.date_of_birth != date_of_birth:
        return None
    if _name_key(record.given_name) != _name_key(given_name):
        return None
    if _name_key(record.family_name) != _name_key(family_name):
        return None
    return record
