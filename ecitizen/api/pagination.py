"""Limit/offset pagination with bounds, for every list in the API.

django-ninja's own ``LimitOffsetPagination`` accepts any integer: ``?limit=99999999999999999999``
reached the database as a slice too large for SQLite (a 500). Here both parameters are bounded
in the schema, so a value out of range is a validation error (400, with ``errors`` saying
which parameter) before any query runs, and the bounds appear in the OpenAPI document.
"""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
#: Far beyond any citizen's own bills or payments; keeps offset + limit a small integer everywhere.
MAX_OFFSET = 100_000


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"1 to {MAX_LIMIT} items.")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description=f"0 to {MAX_OFFSET}.")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)
