"""Registries the platform consults on behalf of agencies."""

from __future__ import annotations

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
