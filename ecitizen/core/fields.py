"""Model fields for personal data that must be secret at rest."""

from __future__ import annotations

from django.db import models

from ecitizen.core import crypto


class EncryptedTextField(models.TextField):
    """A text column stored encrypted (see :mod:`ecitizen.core.crypto`).

    Python code sees plain strings; the database sees only ciphertext bound
    to this column. Encrypted columns cannot be filtered on: pair the field
    with a blind index column for exact look-ups.
    """

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only)
        self.crypto_context = f"{cls._meta.label_lower}.{name}"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.keyring().decrypt(value, context=self.crypto_context)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.keyring().encrypt(value, context=self.crypto_context)

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)
