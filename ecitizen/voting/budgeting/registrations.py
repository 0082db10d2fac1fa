"""What budgeting registers with other apps when Django starts (discussion subjects, site search,
findable links). Each part is added by the module that owns it."""

from __future__ import annotations


def register_all() -> None:
    pass
