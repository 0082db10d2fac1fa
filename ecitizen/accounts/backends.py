"""Authentication backends: Django's and allauth's, loading the signed-in person's profile language
with their user row.

Every signed-in request loads the user (``AuthenticationMiddleware``) and then needs the language
saved on their profile (``UserLanguageMiddleware``). Both backends here authenticate exactly as the
ones they extend; only ``get_user`` differs: the same row, plus the profile's ``preferred_language``
read by a join into the attribute :data:`LOADED_LANGUAGE` ("" when there is no profile or no
language). One query instead of two, and as fresh: it is read on every request, so a language
changed on another device shows on this one at the next page.
"""

from __future__ import annotations

import functools

from allauth.account.auth_backends import AuthenticationBackend as AllauthAuthenticationBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.core.exceptions import ValidationError
from django.db import connection

from ecitizen.accounts.models import Profile

# The attribute the backends set on the user they load; absent on users loaded any other way.
LOADED_LANGUAGE = "profile_language_at_load"

# Sessions signed in before these backends existed name the ones they extend; the language
# middleware points such a session at the matching backend here (same sign-in, same get_user).
REPLACED_BACKENDS = {
    "django.contrib.auth.backends.ModelBackend": "ecitizen.accounts.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": "ecitizen.accounts.backends.AuthenticationBackend",
}


@functools.cache
def _user_with_language_sql() -> str:
    """The user's row and their profile language; names from the models (no outside input),
    written once per process like the staff check's query (ecitizen.agencies.selectors)."""
    users, profiles = get_user_model()._meta, Profile._meta
    quote = connection.ops.quote_name
    user_pk = quote(users.pk.column)
    return (
        f"SELECT u.*, COALESCE(p.{quote(profiles.get_field('preferred_language').column)}, '') AS {LOADED_LANGUAGE}"  # noqa: S608
        f" FROM {quote(users.db_table)} u LEFT JOIN {quote(profiles.db_table)} p"
        f" ON p.{quote(profiles.get_field('user').column)} = u.{user_pk} WHERE u.{user_pk} = %s"
    )


class _UserWithLanguage:
    def get_user(self, user_id):
        # Raw SQL: the same query through the ORM (a Coalesce of a Subquery) took longer to build
        # than the second round trip it saves. Profile.user is one-to-one: at most one row joins.
        user_model = get_user_model()
        try:
            pk = user_model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        user = next(iter(user_model._default_manager.raw(_user_with_language_sql(), [pk])), None)
        if user is None:
            return None
        return user if self.user_can_authenticate(user) else None


class ModelBackend(_UserWithLanguage, DjangoModelBackend):
    """Django's ``ModelBackend`` whose ``get_user`` also reads the profile language."""


class AuthenticationBackend(_UserWithLanguage, AllauthAuthenticationBackend):
    """allauth's backend (sign-in by email) whose ``get_user`` also reads the profile language."""
