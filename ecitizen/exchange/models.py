"""Registries the platform consults on behalf of agencies."""

from __future__ import annotations

import unicodedata

from django.db import models
from django.utils.translation import gettext_lazy as _

from ecitizen.core.fields import EncryptedTextField


class PopulationRecord(models.Model):
    """One person in the population register (synthetic in the demo).

    The national ID is encrypted; ``national_id_index`` is its blind index,
    the only way to find a record.
    """

    national_id = EncryptedTextField(_("national ID number"))
    national_id_index = models.CharField(max_length=64, unique=True)
    given_name = models.CharField(_("given name"), max_length=150)
    family_name = models.CharField(_("family name"), max_length=150)
    date_of_birth = models.DateField(_("date of birth"))
    is_deceased = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("population register record")

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"


def address_normalise(text: str) -> str:
    """Text as the address search compares it: lower case, no accents, words of letters and digits.

    Apostrophes vanish ("St Mary's" → "st marys"); every other run of
    punctuation or space becomes one space ("Mill-Lane,  NB1" → "mill lane nb1").
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    stripped = stripped.replace("'", "").replace("\u2019", "").replace("\u02bc", "")
    return " ".join("".join(ch if ch.isalnum() else " " for ch in stripped).split())


def house_number_key(number: str) -> tuple[int | None, str]:
    """A house number as it sorts: (12, "") for "12", (10, "a") for "10A", (1, "") for "Town Hall, 1".

    The first word that starts with digits gives the number and the letters after them; a house
    with only a name ("Rose Cottage") gives (None, "") and sorts after the numbered ones.
    """
    for word in address_normalise(number).split():
        digits = len(word) - len(word.lstrip("0123456789"))
        if digits:
            return min(int(word[:digits]), 2_000_000_000), word[digits:][:20]
    return None, ""


def postcode_key(postcode: str) -> str:
    """A postcode as it is looked up: upper case, letters and digits only ("nb1 2ab" → "NB12AB")."""
    return address_normalise(postcode).replace(" ", "").upper()


DERIVED_FIELDS = ("postcode_key", "search_text", "street_key", "number_value", "number_suffix")


class Address(models.Model):
    """One place in the address register (a national address gazetteer; synthetic in the demo).

    ``line`` is the address as people read it. ``search_text`` and
    ``postcode_key`` are derived from the other fields on every save (and by
    the loader, which bulk-writes): ``search_text`` is the normalised line and
    postcode, with a space in front so that ``contains(" " + word)`` finds
    words that *begin* with ``word``; ``postcode_key`` is the postcode without
    spaces, indexed for exact postcode look-ups. There is deliberately no
    index on ``search_text``: a B-tree cannot serve a ``LIKE '%word%'``
    search, so searches scan the active rows (see ``selectors.address_search``).
    ``street_key`` (the normalised street, indexed), ``number_value`` and
    ``number_suffix`` (``"10A"`` → 10, ``"a"``) rank and order the matches:
    the exact street first, then streets that begin with the query, house
    numbers in natural order (1, 2, 10, 10A, 11).
    """

    uprn = models.CharField(_("unique property reference"), max_length=20, unique=True)
    line = models.CharField(_("address"), max_length=255)
    street = models.CharField(_("street"), max_length=150)
    number = models.CharField(_("house number or name"), max_length=100, blank=True)
    locality = models.CharField(_("district"), max_length=100, blank=True)
    town = models.CharField(_("town"), max_length=100)
    postcode = models.CharField(_("postcode"), max_length=12)
    postcode_key = models.CharField(max_length=12, editable=False)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    search_text = models.CharField(max_length=400, editable=False)
    street_key = models.CharField(max_length=150, editable=False, default="")
    number_value = models.PositiveIntegerField(null=True, editable=False)
    number_suffix = models.CharField(max_length=20, editable=False, default="")
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["line", "uprn"]
        indexes = [
            models.Index(fields=["postcode_key"], name="exchange_address_postcode"),
            models.Index(fields=["latitude", "longitude"], name="exchange_address_lat_lng"),
            models.Index(fields=["street_key", "number_value", "number_suffix"], name="exchange_address_street"),
        ]

    def __str__(self) -> str:
        return self.line

    def save(self, *args, **kwargs):
        self.refresh_derived()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"line", "postcode", "street", "number"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, *DERIVED_FIELDS}
        super().save(*args, **kwargs)

    def refresh_derived(self) -> None:
        """Recompute the derived fields from the line, postcode, street and house number."""
        self.postcode_key = postcode_key(self.postcode)
        self.street_key = address_normalise(self.street)[:150]
        self.number_value, self.number_suffix = house_number_key(self.number)
        text = " " + address_normalise(self.line)
        postcode = address_normalise(self.postcode)
        if f" {postcode} " not in text + " ":
            text += " " + postcode
        if f" {self.postcode_key.lower()} " not in text + " ":
            text += " " + self.postcode_key.lower()  # so that "nb12ab" finds "NB1 2AB" too
        self.search_text = text
