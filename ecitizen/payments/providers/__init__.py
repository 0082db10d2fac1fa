"""Payment providers behind one interface. ``get_provider(name)`` returns the configured one."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from ecitizen.payments.providers.base import PaymentProvider


def sandbox_enabled() -> bool:
    """Is the sandbox gateway (no money moves) switched on? Off unless ``PAYMENTS_SANDBOX_ENABLED``."""
    return bool(getattr(settings, "PAYMENTS_SANDBOX_ENABLED", False)) and "sandbox" in settings.PAYMENT_PROVIDERS


def get_provider(name: str) -> PaymentProvider:
    path = settings.PAYMENT_PROVIDERS.get(name)
    if path is None or (name == "sandbox" and not sandbox_enabled()):
        raise KeyError(f"No payment provider named {name!r} in PAYMENT_PROVIDERS")
    return import_string(path)()
