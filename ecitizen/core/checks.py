"""Deployment checks of our own, run by ``manage.py check --deploy``."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

DEFAULT_SANDBOX_SECRET = "sandbox-callback-secret-change-me"  # noqa: S105 - the value we refuse
MIN_SANDBOX_SECRET_LENGTH = 32


def _sandbox_on() -> bool:
    return bool(getattr(settings, "PAYMENTS_SANDBOX_ENABLED", False)) and "sandbox" in settings.PAYMENT_PROVIDERS


@register(Tags.security, deploy=True)
def sandbox_secret_changed(app_configs, **kwargs):
    """Anyone who knows the sandbox secret can sign a "payment succeeded" callback: with the sandbox
    on, a default or short secret is an error, and the sandbox being on at all is a warning."""
    if not _sandbox_on():
        return []
    secret = settings.SANDBOX_CALLBACK_SECRET or ""
    if secret == DEFAULT_SANDBOX_SECRET or len(secret) < MIN_SANDBOX_SECRET_LENGTH:
        return [
            Error(
                "SANDBOX_CALLBACK_SECRET has its default value (or is shorter than "
                f"{MIN_SANDBOX_SECRET_LENGTH} characters) while the sandbox payment provider is enabled.",
                hint="Set SANDBOX_CALLBACK_SECRET to a long random value, or set PAYMENTS_SANDBOX_ENABLED=false.",
                id="ecitizen.E001",
            )
        ]
    return [
        Warning(
            "The sandbox payment provider is enabled: payments through it move no money.",
            hint="Set PAYMENTS_SANDBOX_ENABLED=false unless this deployment is a demonstration.",
            id="ecitizen.W002",
        )
    ]


@register(Tags.security, deploy=True)
def payment_provider_available(app_configs, **kwargs):
    """The default online provider must be one that is configured (and, for the sandbox, enabled)."""
    name = settings.PAYMENT_PROVIDER
    if name not in settings.PAYMENT_PROVIDERS or (name == "sandbox" and not _sandbox_on()):
        return [
            Error(
                f"PAYMENT_PROVIDER is {name!r}, which is not an enabled payment provider.",
                hint="Set PAYMENT_PROVIDER to one of: "
                + ", ".join(n for n in settings.PAYMENT_PROVIDERS if n != "sandbox" or _sandbox_on())
                + ".",
                id="ecitizen.E002",
            )
        ]
    return []


@register(Tags.urls)
def site_url_is_an_allowed_host(app_configs, **kwargs):
    """Links sent outside a request (emails, QR codes printed by tasks) use SITE_URL: when it names a
    host that ALLOWED_HOSTS refuses, every such link is dead. Checked when DEBUG is off (production)."""
    from ecitizen.core.site import site_url_host_allowed

    if settings.DEBUG or site_url_host_allowed():
        return []
    return [
        Warning(
            f"SITE_URL ({settings.SITE_URL}) is not an address of this site: its host is not in ALLOWED_HOSTS "
            f"({', '.join(settings.ALLOWED_HOSTS)}). Links in emails and on documents would not work.",
            hint="Set SITE_URL to the public address people use, like https://portal.example.gov.",
            id="ecitizen.W010",
        )
    ]
