"""Pagination that stays fast on very large tables."""

from __future__ import annotations

from functools import cached_property

from django.core.paginator import Paginator


class CappedPaginator(Paginator):
    """A Paginator that counts at most ``cap`` rows.

    An exact COUNT over a million-row queue costs as much as reading it; past
    the cap the page says "more than N" and people filter instead of paging.
    """

    def __init__(self, object_list, per_page, cap: int = 1000, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap
