"""Deployment checks of our own, run by ``manage.py check --deploy``."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

DEFAULT_SANDBOX_SECRET = "sandbox-callback-secret-change-me"  # noqa: S105 - the value we warn about


@register(Tags.security, deploy=True)
def sandbox_secret_changed(app_configs, **kwargs):
    """Anyone who knows the default sandbox secret could sign a "payment succeeded" callback."""
    if "sandbox" in settings.PAYMENT_PROVIDERS and settings.SANDBOX_CALLBACK_SECRET == DEFAULT_SANDBOX_SECRET:
        return [
            Warning(
                "SANDBOX_CALLBACK_SECRET has its default value while the sandbox provider is enabled.",
                hint="Set SANDBOX_CALLBACK_SECRET to a long random value, or remove 'sandbox' from PAYMENT_PROVIDERS.",
                id="ecitizen.W001",
            )
        ]
    return []
