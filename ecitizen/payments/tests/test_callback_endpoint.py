"""The callback endpoint's answers, whatever the provider's parse says."""

import pytest

from ecitizen.payments.providers.base import IgnoredCallback, ProviderUnavailable
from ecitizen.payments.providers.sandbox import SandboxProvider

pytestmark = pytest.mark.django_db


class IgnoringProvider(SandboxProvider):
    def parse_callback(self, *, body, headers):
        raise IgnoredCallback("not ours")


class UnreachableProvider(SandboxProvider):
    def parse_callback(self, *, body, headers):
        raise ProviderUnavailable("down")


@pytest.mark.parametrize(
    ("provider_class", "status"),
    [("IgnoringProvider", 200), ("UnreachableProvider", 503)],
)
def test_ignored_events_are_acknowledged_and_outages_ask_for_a_retry(client, settings, provider_class, status):
    settings.PAYMENT_PROVIDERS = {**settings.PAYMENT_PROVIDERS, "fake": f"{__name__}.{provider_class}"}
    response = client.post("/payments/callback/fake/", data=b"{}", content_type="application/json")
    assert response.status_code == status


def test_unknown_provider_is_404(client):
    assert client.post("/payments/callback/nope/", data=b"{}", content_type="application/json").status_code == 404
