"""The demo agencies' names in the other languages (agency names are translated, not transliterated)."""

from __future__ import annotations

from ecitizen.agencies.models import Agency
from ecitizen.agencies.services import agency_save

NAMES = {
    "CC": {"es": "Ayuntamiento", "fr": "Mairie", "ar": "مجلس المدينة"},
    "TA": {"es": "Agencia de Transporte", "fr": "Agence des transports", "ar": "هيئة النقل"},
    "CR": {"es": "Registro Civil", "fr": "État civil", "ar": "السجل المدني"},
}


def demo_agency_names_load() -> None:
    """Give each demo agency its names in Spanish, French and Arabic (an agency admin can change them)."""
    for agency in Agency.objects.filter(code__in=NAMES):
        names = {**NAMES[agency.code], **(agency.name_translations or {})}
        if names != agency.name_translations:
            agency.name_translations = names
            agency_save(actor=None, agency=agency, changed_fields=["name_translations"], created=False)
