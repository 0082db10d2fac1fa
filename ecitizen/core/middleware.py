from __future__ import annotations

import functools
import ipaddress
import re
import uuid

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ecitizen.core import context

_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: {entry!r} is not an IP address or network (e.g. 10.0.0.2 or 10.0.0.0/24)."
            ) from exc
    return tuple(networks)


def _parse_ip(value: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _is_trusted_proxy(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
    if address is None:
        return False
    return any(address in network for network in _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ())))


def from_trusted_proxy(request) -> bool:
    """Did this request reach us straight from one of the TRUSTED_PROXIES? (Default: none is trusted.)"""
    return _is_trusted_proxy(_parse_ip(request.META.get("REMOTE_ADDR")))


def client_ip(request) -> str | None:
    """The visitor's address.

    The connection's address (``REMOTE_ADDR``), unless that is one of the TRUSTED_PROXIES:
    then ``X-Forwarded-For`` is read from the right, skipping the addresses of trusted
    proxies, and the first other address is the visitor's. Entries further left were written
    by the client and are never believed. A malformed entry stops the walk at the last
    trusted hop.
    """
    remote = _parse_ip(request.META.get("REMOTE_ADDR"))
    if remote is None:
        return None
    if not _is_trusted_proxy(remote):
        return str(remote)
    current = remote
    hops = [hop for part in request.headers.get("X-Forwarded-For", "").split(",") if (hop := part.strip())]
    for hop in reversed(hops):
        address = _parse_ip(hop)
        if address is None:
            break
        current = address
        if not _is_trusted_proxy(address):
            break
    return str(current)


class RequestIdMiddleware:
    """Give every request an id and its client IP.

    The id is our own unless the request came from a trusted proxy (TRUSTED_PROXIES) with a
    well-formed ``X-Request-ID``, so that a client cannot plant ids in audit rows. Audit rows
    and log lines carry both; the id is echoed in ``X-Request-ID``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "") if from_trusted_proxy(request) else ""
        request_id = incoming if _SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = context.set_current(context.RequestContext(request_id=request_id, ip=client_ip(request)))
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response
