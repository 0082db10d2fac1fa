"""Who may do what with consultations and surveys.

Staff: agency admins of the consultation's agency create, edit, publish, close and publish the
outcome (``edit``); caseworkers and agency admins read responses and results, tag answers and
export (``view``). Everyone else gets 404 for another agency's consultation.

Respondents: :func:`eligibility_problem` says why a person may not respond (or None). Residence
comes from the postcode on the person's profile (through the address register's districts); a
minimum age from the date of birth on a *verified* profile only, since an unverified date of
birth is whatever the person typed.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ecitizen.accounts.models import IdentityLevel
from ecitizen.accounts.selectors import identity_level_for, profile_for
from ecitizen.agencies.models import Agency, Role
from ecitizen.agencies.selectors import agencies_where
from ecitizen.core.policies import Policy
from ecitizen.engagement.consultations.models import Consultation, Eligibility

EDIT_ACTIONS = frozenset({"create", "edit", "publish", "close", "outcome"})
READ_ACTIONS = frozenset({"view", "tag", "export"})


class StaffConsultationPolicy(Policy[Consultation]):
    model = Consultation

    def _roles(self, action: str) -> tuple[Role, ...]:
        return (Role.AGENCY_ADMIN,) if action in EDIT_ACTIONS else (Role.CASEWORKER, Role.AGENCY_ADMIN)

    def agencies(self, user: Any, action: str = "view") -> QuerySet[Agency]:
        return agencies_where(user, *self._roles(action))

    def can(self, user: Any, action: str) -> bool:
        if action not in EDIT_ACTIONS | READ_ACTIONS or not getattr(user, "is_authenticated", False):
            return False
        return self.agencies(user, action).exists()

    def scope(self, user: Any, action: str) -> QuerySet[Consultation]:
        if not self.can(user, action):
            return Consultation.objects.none()
        return Consultation.objects.filter(agency__in=self.agencies(user, action))


staff_consultation_policy = StaffConsultationPolicy()


def age_on(born: datetime.date, day: datetime.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def may_publish_named(user: Any) -> bool:
    """Only a verified identity may publish with a name: the register's name, not a typed one."""
    return getattr(user, "is_authenticated", False) and identity_level_for(user) == IdentityLevel.VERIFIED


def respondent_district(user: Any) -> str:
    """The district the address register gives for the postcode on *user*'s profile ("" if none)."""
    from ecitizen.exchange.selectors import district_for_postcode

    postcode = profile_for(user).postcode if getattr(user, "is_authenticated", False) else ""
    return (district_for_postcode(postcode) or "") if postcode else ""


def eligibility_problem(consultation: Consultation, user: Any, *, email_confirmed: bool = False) -> str | None:
    """Why *user* may not respond to *consultation*, in words for them; None when they may.

    *email_confirmed*: a person without an account has confirmed an email address (enough for
    "anyone" with no minimum age).
    """
    signed_in = getattr(user, "is_authenticated", False)
    rule = consultation.eligibility
    if rule == Eligibility.ANYONE and not consultation.min_age:
        return None if (signed_in or email_confirmed) else _("Sign in or confirm your email address to respond.")
    if not signed_in:
        return _("Sign in to respond.")
    level = identity_level_for(user)
    if rule == Eligibility.VERIFIED and level != IdentityLevel.VERIFIED:
        return _("Only people whose identity is verified can respond. Verify your identity first.")
    profile = profile_for(user)
    if rule == Eligibility.RESIDENTS:
        if level != IdentityLevel.VERIFIED:
            return _("Only verified residents of %(districts)s can respond. Verify your identity first.") % {
                "districts": ", ".join(consultation.districts or [])
            }
        district = respondent_district(user)
        if not district or district not in (consultation.districts or []):
            return _("Only residents of %(districts)s can respond. Check the postcode in your profile.") % {
                "districts": ", ".join(consultation.districts or [])
            }
    if consultation.min_age:
        if level != IdentityLevel.VERIFIED or not profile.date_of_birth:
            return _("Only people aged %(age)d or over can respond: verify your identity so we know your age.") % {
                "age": consultation.min_age
            }
        if age_on(profile.date_of_birth, timezone.localdate()) < consultation.min_age:
            return _("Only people aged %(age)d or over can respond.") % {"age": consultation.min_age}
    return None
