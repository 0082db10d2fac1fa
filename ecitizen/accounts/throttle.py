"""Throttling failed sign-ins without letting anyone lock an owner out of their account.

Three sliding windows (``SIGN_IN_FAILURE_RATES``) count failed password sign-ins:

* per client address *and* account ("5/5m"): someone guessing one account's password from
  one place is stopped quickly;
* per client address ("20/5m"): one place guessing many accounts is stopped too;
* per account alone, with a much higher cap ("100/h"): a guesser using many addresses is
  slowed down, yet a handful of wrong passwords from elsewhere never locks the owner out of
  a sign-in from their own device.

An attempt takes a place in every window before the password is checked; if the password
is right the places are given back, so only failures count. Over any limit the sign-in
page answers **429** with ``Retry-After`` (allauth would show a form error with 200).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpRequest

from ecitizen.core.ratelimits import Hit, Rate, bucket_clear, bucket_hit, bucket_name, bucket_release, enabled

ACTION = "sign_in_failed"
DEFAULT_RATES = {"address_account": "5/5m", "address": "20/5m", "account": "100/h"}


def _rates() -> dict[str, Rate]:
    configured = {**DEFAULT_RATES, **(getattr(settings, "SIGN_IN_FAILURE_RATES", None) or {})}
    return {name: Rate.parse(text) for name, text in configured.items() if text}


def _address(request: HttpRequest) -> str:
    """The client address, IPv6 by its /64 network (one household or device can hold a whole /64)."""
    from ecitizen.core.middleware import client_ip

    ip = client_ip(request) or ""
    try:
        parsed = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return str(parsed)


def _identities(request: HttpRequest, login: str) -> dict[str, str]:
    account = (login or "").strip().lower()
    address = _address(request)
    return {
        "address_account": f"{address}|{account}",
        "address": address,
        "account": account,
    }


@dataclass
class Attempt:
    """The places one sign-in attempt holds; ``wait`` > 0 when it was refused."""

    wait: int = 0
    hits: list[Hit] = field(default_factory=list)

    def release(self) -> None:
        for hit in self.hits:
            bucket_release(hit)
        self.hits = []


def sign_in_attempt_begin(request: HttpRequest, login: str) -> Attempt:
    """Take a place in every window for this attempt, or refuse it (``wait`` seconds) if one is full."""
    attempt = Attempt()
    if not enabled():
        return attempt
    identities = _identities(request, login)
    for name, rate in _rates().items():
        wait, hit = bucket_hit(bucket_name(ACTION, rate, f"{name}:{identities[name]}"), rate)
        if hit is None:
            attempt.release()  # a refused attempt counts nowhere
            attempt.wait = wait
            return attempt
        attempt.hits.append(hit)
    return attempt


def sign_in_failures_clear(request: HttpRequest, login: str) -> None:
    """Forget the failures counted against *login* (after a password reset by email)."""
    identities = _identities(request, login)
    for name, rate in _rates().items():
        if name != "address":
            bucket_clear(bucket_name(ACTION, rate, f"{name}:{identities[name]}"))
