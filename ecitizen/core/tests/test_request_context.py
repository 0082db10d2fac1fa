"""Request ids and client addresses are believed only from the proxies we were told to trust."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from ecitizen.core.middleware import client_ip
from ecitizen.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db


def _ip(settings, proxies, remote, forwarded=None):
    settings.TRUSTED_PROXIES = proxies
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, headers=headers))


def test_a_client_sent_request_id_is_not_stored(client, citizen, settings):
    settings.TRUSTED_PROXIES = []
    client.force_login(citizen)
    response = client.post(
        "/language/",
        {"language": "fr", "next": "/"},
        headers={"X-Request-ID": "forged-by-the-client-123"},
        REMOTE_ADDR="203.0.113.9",
    )
    row = AuditLog.objects.get(action=AuditAction.LANGUAGE_CHANGED)
    assert row.request_id != "forged-by-the-client-123"
    assert response["X-Request-ID"] == row.request_id and len(row.request_id) == 32


def test_a_trusted_proxys_request_id_is_kept_when_well_formed(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    assert (
        client.get("/", headers={"X-Request-ID": "proxy-id-12345678"}, REMOTE_ADDR="10.0.0.2")["X-Request-ID"]
        == "proxy-id-12345678"
    )
    assert client.get("/", headers={"X-Request-ID": "bad id\n"}, REMOTE_ADDR="10.0.0.2")["X-Request-ID"] != "bad id\n"


def test_forwarded_for_is_ignored_without_trusted_proxies(settings):
    assert _ip(settings, [], "203.0.113.9", "198.51.100.23") == "203.0.113.9"


def test_forwarded_for_is_ignored_from_an_untrusted_address(settings):
    assert _ip(settings, ["10.0.0.0/24"], "203.0.113.9", "198.51.100.23") == "203.0.113.9"


def test_the_visitor_is_the_first_untrusted_hop_from_the_right(settings):
    # the client prepended a forged entry; our two proxies appended theirs
    assert _ip(settings, ["10.0.0.0/24"], "10.0.0.2", "1.2.3.4, 198.51.100.23, 10.0.0.7") == "198.51.100.23"


def test_a_malformed_hop_stops_at_the_last_trusted_one(settings):
    assert _ip(settings, ["10.0.0.0/24"], "10.0.0.2", "198.51.100.23, not-an-ip") == "10.0.0.2"


def test_ipv6_and_mapped_addresses(settings):
    assert _ip(settings, ["2001:db8::/32"], "2001:db8::1", "2001:db8:ffff::9, 2a00:1450::5") == "2a00:1450::5"
    assert _ip(settings, [], "::ffff:203.0.113.9") == "203.0.113.9"


def test_a_bad_trusted_proxies_entry_is_a_configuration_error(settings):
    with pytest.raises(ImproperlyConfigured):
        _ip(settings, ["not a network"], "10.0.0.2")
