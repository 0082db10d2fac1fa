"""Freedom-of-information settings, each read from Django settings with its default here."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils.translation import gettext_lazy as _

DEFAULT_EXEMPTIONS = (
    ("personal", _("Personal information about someone else")),
    ("commercial", _("Commercially sensitive information")),
    ("security", _("National security or law enforcement")),
    ("future", _("Information meant to be published soon")),
    ("cost", _("Finding the information would cost too much")),
    ("vexatious", _("Vexatious or repeated request")),
)


def ask_rate() -> str:
    """How many requests one person may send (a rate for ``ecitizen.core.ratelimits``)."""
    return getattr(settings, "FOI_ASK_RATE", "10/d/user")


def working_days() -> int:
    """Working days the agency has to answer (the statutory clock)."""
    return int(getattr(settings, "FOI_WORKING_DAYS", 20))


def extension_days() -> int:
    """Working days the one allowed extension adds."""
    return int(getattr(settings, "FOI_EXTENSION_DAYS", 20))


def review_days() -> int:
    """Working days the agency has to finish an internal review."""
    return int(getattr(settings, "FOI_REVIEW_DAYS", 20))


def reminder_days() -> int:
    """Staff are reminded this many working days before the deadline."""
    return int(getattr(settings, "FOI_REMINDER_DAYS", 3))


def holidays() -> frozenset[datetime.date]:
    """Public holidays (ISO dates) on which the clock does not count; weekends never count."""
    return frozenset(datetime.date.fromisoformat(str(day)) for day in getattr(settings, "FOI_HOLIDAYS", ()))


def exemptions() -> list[tuple[str, str]]:
    """The exemptions an agency may cite to refuse, as (code, label)."""
    return [(str(code), label) for code, label in getattr(settings, "FOI_EXEMPTIONS", DEFAULT_EXEMPTIONS)]


def exemption_label(code: str) -> str:
    return str(dict(exemptions()).get(code, code))


def regulator_text() -> str:
    """What the requester can do after an internal review (empty: the default text is shown)."""
    return str(getattr(settings, "FOI_REGULATOR_TEXT", ""))


def regulator_url() -> str:
    return str(getattr(settings, "FOI_REGULATOR_URL", ""))
