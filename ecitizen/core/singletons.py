"""Rows there must be exactly one of (the active signing key of documents, of the public log)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, models, transaction

M = TypeVar("M", bound=models.Model)


def first_made_once(queryset: models.QuerySet[M], make: Callable[[], M]) -> M:
    """The row *queryset* finds, or the one *make* saves (with its audit row) when there is none.

    A unique constraint keeps it one: when two callers make it at once, the database refuses the
    second, which then reads the first's.
    """
    found = queryset.first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return make()
    except IntegrityError:
        return queryset.get()
