"""Writes to registries. Registries are loaded in bulk by platform operators, not by users."""

from __future__ import annotations

import datetime
import math
import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.exchange.models import DERIVED_FIELDS, Address, PopulationRecord
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


ADDRESS_TEXT_FIELDS = ("uprn", "line", "street", "number", "locality", "town", "postcode")
ADDRESS_REQUIRED_FIELDS = ("uprn", "line", "street", "town", "postcode", "latitude", "longitude")
ADDRESS_STORED_FIELDS = (*ADDRESS_TEXT_FIELDS, "latitude", "longitude", "is_active", *DERIVED_FIELDS)
_UPRN = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")
_YES = {"1", "true", "t", "yes", "y"}
_NO = {"0", "false", "f", "no", "n"}


def _row_error(message, row: int, **params) -> ValidationError:
    return ValidationError(message, code="invalid", params={"row": row, **params})


def _clean_coordinate(value: Any, bound: float) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and -bound <= number <= bound else None


def _clean_address_row(raw: Any, row: int, errors: list[ValidationError]) -> Address | None:
    """An unsaved Address from one loader row, or None after adding the row's problems to *errors*."""
    if not isinstance(raw, Mapping):
        errors.append(_row_error(_("Row %(row)s is not a set of named fields."), row))
        return None
    before = len(errors)
    values: dict[str, Any] = {}
    for name in ADDRESS_TEXT_FIELDS:
        value = raw.get(name)
        text = "" if value is None else str(value).strip()
        field = Address._meta.get_field(name)
        if not text and name in ADDRESS_REQUIRED_FIELDS:
            errors.append(_row_error(_("Row %(row)s: the %(field)s is missing."), row, field=field.verbose_name))
        elif len(text) > field.max_length:
            errors.append(
                _row_error(
                    _("Row %(row)s: the %(field)s is longer than %(max)s characters."),
                    row,
                    field=field.verbose_name,
                    max=field.max_length,
                )
            )
        values[name] = text
    if values["uprn"] and not _UPRN.fullmatch(values["uprn"]):
        errors.append(
            _row_error(_("Row %(row)s: the unique property reference may only have letters, digits and hyphens."), row)
        )
    if values["postcode"] and not any(ch.isalnum() for ch in values["postcode"]):
        errors.append(_row_error(_("Row %(row)s: the postcode has no letters or digits."), row))
    for name, bound, message in (
        ("latitude", 90.0, _("Row %(row)s: the latitude must be a number from -90 to 90.")),
        ("longitude", 180.0, _("Row %(row)s: the longitude must be a number from -180 to 180.")),
    ):
        value = raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            field = Address._meta.get_field(name)
            errors.append(_row_error(_("Row %(row)s: the %(field)s is missing."), row, field=field.verbose_name))
            continue
        values[name] = _clean_coordinate(value, bound)
        if values[name] is None:
            errors.append(_row_error(message, row))
    active = raw.get("is_active", True)
    if isinstance(active, str):
        active = active.strip().lower()
        active = True if active in _YES or active == "" else False if active in _NO else None
    if not isinstance(active, bool):
        errors.append(_row_error(_("Row %(row)s: “in use” must be yes or no."), row))
    values["is_active"] = active
    if len(errors) > before:
        return None
    address = Address(**values)
    address.refresh_derived()
    return address


@transaction.atomic
def address_register_load(*, actor: Any, rows: Iterable[Mapping[str, Any]]) -> int:
    """Add or update addresses in the register, matched by UPRN; return how many were added or changed.

    Each row is a mapping with ``uprn``, ``line``, ``street``, ``town``,
    ``postcode``, ``latitude`` and ``longitude``, and optionally ``number``,
    ``locality`` and ``is_active`` (yes/no, default yes); other keys are
    ignored. Every row is checked first: if any is wrong, a ValidationError
    lists each problem by row number (the first row is 1) and nothing is
    saved. Addresses not in *rows* are left as they are. One
    ``exchange.address_register_loaded`` audit row when anything changed, so
    loading the same rows again writes nothing.
    """
    errors: list[ValidationError] = []
    addresses: list[Address] = []
    first_row: dict[str, int] = {}
    for number, raw in enumerate(rows, start=1):
        address = _clean_address_row(raw, number, errors)
        if address is None:
            continue
        if address.uprn in first_row:
            errors.append(
                _row_error(
                    _("Row %(row)s: unique property reference %(uprn)s is also in row %(first)s."),
                    number,
                    uprn=address.uprn,
                    first=first_row[address.uprn],
                )
            )
            continue
        first_row[address.uprn] = number
        addresses.append(address)
    if errors:
        raise ValidationError(errors)

    existing: dict[str, Address] = {}
    uprns = list(first_row)
    for start in range(0, len(uprns), 500):
        chunk = uprns[start : start + 500]
        existing.update((a.uprn, a) for a in Address.objects.select_for_update().filter(uprn__in=chunk))
    new: list[Address] = []
    changed: list[Address] = []
    for address in addresses:
        current = existing.get(address.uprn)
        if current is None:
            new.append(address)
        elif any(getattr(current, name) != getattr(address, name) for name in ADDRESS_STORED_FIELDS):
            for name in ADDRESS_STORED_FIELDS:
                setattr(current, name, getattr(address, name))
            changed.append(current)
    Address.objects.bulk_create(new, batch_size=500)
    Address.objects.bulk_update(changed, [f for f in ADDRESS_STORED_FIELDS if f != "uprn"], batch_size=500)
    if new or changed:
        audit_record(
            actor=actor,
            action=AuditAction.ADDRESS_REGISTER_LOADED,
            extra={"rows": len(addresses), "created": len(new), "updated": len(changed)},
        )
    return len(new) + len(changed)
