"""Payment providers behind one interface. ``get_provider(name)`` returns the configured one."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from ecitizen.payments.providers.base import PaymentProvider


def get_provider(name: str) -> PaymentProvider:
    path = settings.PAYMENT_PROVIDERS.get(name)
    if path is None:
        raise KeyError(f"No payment provider named {name!r} in PAYMENT_PROVIDERS")
    return import_string(path)()
