"""The session store: Django's database store, with the read every signed-in request makes done in
one plain statement.

Django's ``db`` store reads a session through the ORM (``Session.objects.get(...)``), and building
that query took about a third of the CPU of a signed-in request that does nothing else (measured in
``bench/petitions.py``'s step 4 and issue 11's pages). The statement here is the one the ORM would
send -- the row whose key matches and whose expiry is still ahead -- written once per process from
the model's own names. Everything else (saving, creating, deleting, expiry, signing of the data) is
Django's ``db`` store unchanged, so sessions written by either store are read by the other.
"""

from __future__ import annotations

import functools

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone


@functools.cache
def _read_sql(alias: str, table: str, key_column: str, data_column: str, expiry_column: str) -> str:
    quote = connections[alias].ops.quote_name
    return (
        f"SELECT {quote(data_column)} FROM {quote(table)} "  # noqa: S608 (the model's own names)
        f"WHERE {quote(key_column)} = %s AND {quote(expiry_column)} > %s"
    )


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        model = self.model
        alias = router.db_for_read(model)
        connection = connections[alias]
        columns = (model._meta.get_field(name).column for name in ("session_key", "session_data", "expire_date"))
        sql = _read_sql(alias, model._meta.db_table, *columns)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        # The expiry is left deferred: loading a session reads only its data.
        return model.from_db(alias, ["session_key", "session_data"], [self.session_key, row[0]])
