"""Recording, once, acts that happened before the public log existed.

The apps that own the acts (documents, cases) know what they did; the log knows only entries. So
each app reads its own rows and hands them here, batch by batch, as :class:`Act` values; this module
skips the acts the log already has (an entry of that kind and key, integrated or waiting) and
queues the others. It imports no app: the apps import it.

A backfilled entry is marked ``"backfill": true`` and its ``time`` is when the act happened, so a
reader can tell it was recorded late.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from ecitizen.ledger.models import LogEntry, PendingEntry
from ecitizen.ledger.services import ledger_record_many

BATCH = 500


@dataclass(frozen=True)
class Act:
    """One act to record: the source row's id (for paging), the entry's key and body, and when it happened."""

    id: int
    key: str
    body: dict[str, Any]
    at: datetime.datetime


def recorded_keys(kind: str, keys: Iterable[str]) -> set[str]:
    """Which of *keys* already have an entry of *kind* in the log or waiting to join it."""
    keys = list(keys)
    if not keys:
        return set()
    # The waiting entries first: integrating moves an entry from there to the log in one
    # transaction, so read in this order it is seen in at least one of the two.
    found = set(PendingEntry.objects.filter(kind=kind, key__in=keys).values_list("key", flat=True))
    found |= set(LogEntry.objects.filter(kind=kind, key__in=keys).values_list("key", flat=True))
    return found


def backfill(*, kind: str, acts: Callable[[int, int], list[Act]], batch: int | None = None) -> int:
    """Queue an entry of *kind* for every act that has none; returns how many were queued.

    ``acts(after_id, limit)`` returns the next acts by source id after *after_id*, at most *limit*
    (*batch*, default :data:`BATCH`), in id order. It is called inside each batch's transaction, so
    it may lock its rows
    (``select_for_update``): then two backfills running at once record each act once, the second
    waiting for the first's batch and finding its entries. Idempotent. Each batch is one
    transaction with one integration queued after it, not one per entry.
    """
    batch = batch or BATCH
    total, after = 0, 0
    while True:
        with transaction.atomic():
            chunk = acts(after, batch)
            if not chunk:
                return total
            have = recorded_keys(kind, (act.key for act in chunk))
            rows = []
            for act in chunk:
                if act.key in have:
                    continue
                have.add(act.key)
                rows.append((kind, act.key, {**act.body, "backfill": True}, act.at))
            total += ledger_record_many(rows)
            after = chunk[-1].id
