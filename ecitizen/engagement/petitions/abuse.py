"""Signs of abuse in a signature: a throwaway address, or too many signatures at once from one place.

Nothing here refuses a signature: services flag it for a moderator, who keeps or removes it.
"""

from __future__ import annotations

import datetime
from functools import lru_cache
from pathlib import Path

from django.utils import timezone

from ecitizen.engagement.petitions import conf
from ecitizen.engagement.petitions.models import FlagReason, Signature

DISPOSABLE_LIST = Path(__file__).with_name("disposable_domains.txt")


@lru_cache(maxsize=1)
def disposable_domains() -> frozenset[str]:
    lines = DISPOSABLE_LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower()


def is_disposable(domain: str) -> bool:
    """Whether *domain*, or a domain it is part of, hands out throwaway addresses."""
    listed = disposable_domains()
    parts = domain.lower().split(".")
    return any(".".join(parts[i:]) in listed for i in range(len(parts) - 1))


def flag_for(*, petition_id: int, email_domain: str, ip: str | None, now: datetime.datetime | None = None) -> str:
    """The :class:`FlagReason` for a new signature, or "" when nothing looks wrong.

    Counts the signatures of the petition made within the burst window from the same IP address
    and the same email domain (big mail providers excepted), each on its own index.
    """
    if is_disposable(email_domain):
        return FlagReason.DISPOSABLE
    since = (now or timezone.now()) - datetime.timedelta(minutes=conf.burst_window_minutes())
    recent = Signature.objects.filter(petition_id=petition_id, created_at__gte=since)
    # Counting stops at the limit: a flood from one address costs no more than the limit to check.
    ip_limit, domain_limit = conf.burst_ip_limit(), conf.burst_domain_limit()
    if ip and recent.filter(ip=ip)[:ip_limit].count() >= ip_limit:
        return FlagReason.BURST_IP
    if (
        email_domain not in conf.common_email_domains()
        and recent.filter(email_domain=email_domain)[:domain_limit].count() >= domain_limit
    ):
        return FlagReason.BURST_DOMAIN
    return ""
