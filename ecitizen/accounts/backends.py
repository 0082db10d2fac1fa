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
def _user_with_language_sql() -> tuple[str, tuple[str, ...]]:
    """The user's row and their profile language, and the user fields the row holds in order;
    names from the models (no outside input), written once per process like the staff check's
    query (ecitizen.agencies.selectors)."""
    users, profiles = get_user_model()._meta, Profile._meta
    quote = connection.ops.quote_name
    user_pk = quote(users.pk.column)
    fields = tuple(f.attname for f in users.concrete_fields)
    columns = ", ".join(f"u.{quote(f.column)}" for f in users.concrete_fields)
    sql = (
        f"SELECT {columns}, COALESCE(p.{quote(profiles.get_field('preferred_language').column)}, '')"  # noqa: S608
        f" FROM {quote(users.db_table)} u LEFT JOIN {quote(profiles.db_table)} p"
        f" ON p.{quote(profiles.get_field('user').column)} = u.{user_pk} WHERE u.{user_pk} = %s"
    )
    return sql, fields


class _UserWithLanguage:
    def get_user(self, user_id):
        # One plain statement: the same query through the ORM (a Coalesce of a Subquery), or even
        # as a raw queryset, took longer to build than the second round trip it saves. The row is
        # made into a user as the ORM does (``from_db``, with the database's converters).
        # Profile.user is one-to-one: at most one row joins.
        user_model = get_user_model()
        try:
            pk = user_model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        sql, fields = _user_with_language_sql()
        with connection.cursor() as cursor:
            cursor.execute(sql, [pk])
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row[:-1])
        for i, converters in _converters():
            for converter in converters:
                values[i] = converter(values[i], None, connection)
        user = user_model.from_db(connection.alias, list(fields), values)
        setattr(user, LOADED_LANGUAGE, row[-1])
        return user if self.user_can_authenticate(user) else None


@functools.cache
def _converters() -> tuple[tuple[int, tuple], ...]:
    """For each user column that the database hands back in another form (dates on SQLite, say),
    its position and the converters the ORM would apply."""
    found = []
    for i, field in enumerate(get_user_model()._meta.concrete_fields):
        col = field.get_col(field.model._meta.db_table)
        converters = tuple(connection.ops.get_db_converters(col)) + tuple(field.get_db_converters(connection))
        if converters:
            found.append((i, converters))
    return tuple(found)


class ModelBackend(_UserWithLanguage, DjangoModelBackend):
    """Django's ``ModelBackend`` whose ``get_user`` also reads the profile language."""


class AuthenticationBackend(_UserWithLanguage, AllauthAuthenticationBackend):
    """allauth's backend (sign-in by email) whose ``get_user`` also reads the profile language."""
