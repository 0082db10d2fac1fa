"""Our own deployment checks (``manage.py check --deploy``): the sandbox payment gateway."""

from __future__ import annotations

from django.core.checks import ERROR, WARNING

from ecitizen.core.checks import DEFAULT_SANDBOX_SECRET, payment_provider_available, sandbox_secret_changed

LONG_SECRET = "x" * 40


def _ids(messages):
    return [(m.id, m.level) for m in messages]


def test_the_default_sandbox_secret_is_an_error_while_the_sandbox_is_on(settings):
    settings.PAYMENTS_SANDBOX_ENABLED = True
    settings.SANDBOX_CALLBACK_SECRET = DEFAULT_SANDBOX_SECRET
    assert _ids(sandbox_secret_changed(None)) == [("ecitizen.E001", ERROR)]


def test_a_short_sandbox_secret_is_an_error_too(settings):
    settings.PAYMENTS_SANDBOX_ENABLED = True
    settings.SANDBOX_CALLBACK_SECRET = "short"
    assert _ids(sandbox_secret_changed(None)) == [("ecitizen.E001", ERROR)]


def test_a_sandbox_on_with_its_own_secret_is_a_warning(settings):
    settings.PAYMENTS_SANDBOX_ENABLED = True
    settings.SANDBOX_CALLBACK_SECRET = LONG_SECRET
    assert _ids(sandbox_secret_changed(None)) == [("ecitizen.W002", WARNING)]


def test_a_sandbox_that_is_off_needs_no_secret(settings):
    settings.PAYMENTS_SANDBOX_ENABLED = False
    settings.SANDBOX_CALLBACK_SECRET = DEFAULT_SANDBOX_SECRET
    assert sandbox_secret_changed(None) == []


def test_the_default_provider_must_be_enabled(settings):
    settings.PAYMENTS_SANDBOX_ENABLED = False
    settings.PAYMENT_PROVIDER = "sandbox"
    assert _ids(payment_provider_available(None)) == [("ecitizen.E002", ERROR)]
    settings.PAYMENT_PROVIDER = "stripe"
    assert payment_provider_available(None) == []
    settings.PAYMENT_PROVIDER = "paypal"
    assert _ids(payment_provider_available(None)) == [("ecitizen.E002", ERROR)]
