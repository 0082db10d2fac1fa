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

The per-account window alone could still let a guesser spread over many addresses lock the
owner out, so a browser the owner has signed in from before is exempt from it: every
successful sign-in sets a long-lived signed cookie (``KNOWN_DEVICE_COOKIE``) naming the
accounts that signed in from that browser. A new client refused by the per-account window is
told to sign in with a code sent by email instead. That window's lock fails open.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

from ecitizen.core.ratelimits import Hit, Rate, bucket_clear, bucket_hit, bucket_name, bucket_release, enabled

ACTION = "sign_in_failed"
DEFAULT_RATES = {"address_account": "5/5m", "address": "20/5m", "account": "100/h"}
ACCOUNT_BUCKET = "account"  # the per-account window: known devices skip it, its lock fails open

KNOWN_DEVICE_COOKIE = "ecitizen_known_device"
KNOWN_DEVICE_SALT = "ecitizen.accounts.throttle.known-device"
KNOWN_DEVICE_MAX_AGE = 400 * 86400  # seconds; the most browsers keep a cookie
KNOWN_DEVICE_MAX_ACCOUNTS = 5


def known_device_accounts(request: HttpRequest) -> list[str]:
    """The account ids this browser's valid known-device cookie names (newest first), else []."""
    value = request.COOKIES.get(KNOWN_DEVICE_COOKIE)
    if not value:
        return []
    try:
        ids = signing.loads(value, salt=KNOWN_DEVICE_SALT, max_age=KNOWN_DEVICE_MAX_AGE)
    except (signing.BadSignature, ValueError):
        return []
    if not isinstance(ids, list):
        return []
    return [str(i) for i in ids if isinstance(i, (int, str))][:KNOWN_DEVICE_MAX_ACCOUNTS]


def remember_known_device(request: HttpRequest, response: HttpResponse, user) -> None:
    """After a successful sign-in: add *user* to this browser's known-device cookie."""
    ids = [str(user.pk)] + [i for i in known_device_accounts(request) if i != str(user.pk)]
    response.set_cookie(
        KNOWN_DEVICE_COOKIE,
        signing.dumps(ids[:KNOWN_DEVICE_MAX_ACCOUNTS], salt=KNOWN_DEVICE_SALT),
        max_age=KNOWN_DEVICE_MAX_AGE,
        httponly=True,
        secure=request.is_secure(),
        samesite="Lax",
    )


def _is_known_device(request: HttpRequest, login: str) -> bool:
    known = known_device_accounts(request)
    if not known or not login.strip():
        return False
    from ecitizen.accounts.selectors import user_by_email

    user = user_by_email(login)
    return user is not None and str(user.pk) in known


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
    """The places one sign-in attempt holds; ``wait`` > 0 when it was refused, and
    ``refused_by`` names the window that refused it."""

    wait: int = 0
    refused_by: str = ""
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
    rates = _rates()
    if ACCOUNT_BUCKET in rates and _is_known_device(request, login):
        del rates[ACCOUNT_BUCKET]
    for name, rate in rates.items():
        bucket = bucket_name(ACTION, rate, f"{name}:{identities[name]}")
        wait, hit = bucket_hit(bucket, rate, fail_open=name == ACCOUNT_BUCKET)
        if wait:
            attempt.release()  # a refused attempt counts nowhere
            attempt.wait = wait
            attempt.refused_by = name
            return attempt
        if hit is not None:
            attempt.hits.append(hit)
    return attempt


def sign_in_refused_response(request: HttpRequest, attempt: Attempt) -> HttpResponse:
    """The 429 for a refused attempt; for the per-account window, it points to a code sign-in."""
    from allauth.account import app_settings as allauth_settings
    from django.shortcuts import render
    from django.urls import reverse

    from ecitizen.core.ratelimits import too_many_requests

    if attempt.refused_by != ACCOUNT_BUCKET or not allauth_settings.LOGIN_BY_CODE_ENABLED:
        return too_many_requests(request, attempt.wait)
    context = {"code_sign_in_url": reverse("account_request_login_code")}
    response = render(request, "account/sign_in_use_code.html", context, status=429)
    response["Retry-After"] = str(max(1, int(attempt.wait)))
    return response


def sign_in_failures_clear(request: HttpRequest, login: str) -> None:
    """Forget the failures counted against *login* (after a password reset by email)."""
    identities = _identities(request, login)
    for name, rate in _rates().items():
        if name != "address":
            bucket_clear(bucket_name(ACTION, rate, f"{name}:{identities[name]}"))
