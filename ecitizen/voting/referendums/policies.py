"""Who may do what with referendums.

- The public sees a referendum once its setup is signed off (stage ready and after); staff of its
  agency (any role) see it in the back office from the draft on, read-only for auditors.
- Agency admins create and change referendums, their questions and their trustees.
- The setup and the result are signed off by the returning officer and a second person (an agency
  admin); the returning officer or an agency admin publishes the result.
- Trustees are the users of its :class:`~ecitizen.voting.referendums.models.Trustee` rows, while
  they are staff of its agency (the back office asks them for their second factor).
- At service counters, caseworkers and agency admins hand out paper ballots and type them in after
  the close; agency admins (supervisors) re-enter a ballot paper whose two entries differed.

The services check the stage (what may happen when); these policies check the person.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from ecitizen.agencies.models import Agency, Role
from ecitizen.agencies.selectors import agencies_where
from ecitizen.core.policies import Policy
from ecitizen.voting.referendums.models import Referendum, Stage, Trustee

# Any of these roles lets a person see their agency's referendums in the back office.
STAFF_ROLES = (Role.AGENCY_ADMIN, Role.CASEWORKER, Role.MODERATOR, Role.AUDITOR)
# Creating and changing a referendum.
MANAGE_ROLES = (Role.AGENCY_ADMIN,)
# Signing off (next to the returning officer) and publishing.
SIGN_ROLES = (Role.AGENCY_ADMIN,)
# Who may be the returning officer.
OFFICER_ROLES = (Role.AGENCY_ADMIN, Role.CASEWORKER)
# Handing out paper ballots and typing them in.
COUNTER_ROLES = (Role.CASEWORKER, Role.AGENCY_ADMIN)
# Re-entering a ballot paper whose two entries differed.
SUPERVISOR_ROLES = (Role.AGENCY_ADMIN,)
# What the public may see.
PUBLIC_STAGES = (Stage.READY, Stage.OPEN, Stage.COUNTING, Stage.RESULT, Stage.PUBLISHED)


def staff_agencies(user: Any, *roles: Role) -> QuerySet[Agency]:
    """Agencies where *user* holds any of *roles* (default: any staff role)."""
    if not getattr(user, "is_authenticated", False):
        return Agency.objects.none()
    return agencies_where(user, *(roles or STAFF_ROLES))


def is_returning_officer(user: Any, referendum: Referendum) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and referendum.returning_officer_id == user.pk


class ReferendumPolicy(Policy[Referendum]):
    """Actions: ``view`` (public pages), ``staff`` (back-office pages, read), ``manage`` (create,
    change, questions, trustees, key generation), ``sign_off`` and ``publish``, ``trustee`` (the
    trustee pages), ``counter`` (paper ballots: hand out, type in), ``supervise`` (re-enter a
    ballot paper whose entries differed)."""

    model = Referendum

    def can(self, user: Any, action: str) -> bool:
        if action == "view":
            return True
        if not getattr(user, "is_authenticated", False):
            return False
        if action == "staff":
            return staff_agencies(user).exists()
        if action in ("manage", "create"):
            return staff_agencies(user, *MANAGE_ROLES).exists()
        if action in ("sign_off", "publish"):
            return (
                staff_agencies(user, *SIGN_ROLES).exists()
                or Referendum.objects.filter(returning_officer=user, agency__in=staff_agencies(user)).exists()
            )
        if action == "trustee":
            return Trustee.objects.filter(user=user, referendum__agency__in=staff_agencies(user)).exists()
        if action == "counter":
            return staff_agencies(user, *COUNTER_ROLES).exists()
        if action == "supervise":
            return staff_agencies(user, *SUPERVISOR_ROLES).exists()
        return False

    def scope(self, user: Any, action: str) -> QuerySet[Referendum]:
        referendums = Referendum.objects.select_related("agency", "returning_officer")
        signed_in = getattr(user, "is_authenticated", False)
        if action == "view":
            visible = Q(stage__in=PUBLIC_STAGES)
            if signed_in:
                visible |= Q(agency__in=staff_agencies(user))
            return referendums.filter(visible)
        if not signed_in:
            return referendums.none()
        if action == "staff":
            return referendums.filter(agency__in=staff_agencies(user))
        if action == "manage":
            return referendums.filter(agency__in=staff_agencies(user, *MANAGE_ROLES))
        if action in ("sign_off", "publish"):
            return referendums.filter(
                Q(agency__in=staff_agencies(user, *SIGN_ROLES))
                | Q(returning_officer=user, agency__in=staff_agencies(user))
            )
        if action == "trustee":
            return referendums.filter(trustees__user=user, agency__in=staff_agencies(user)).distinct()
        if action == "counter":
            return referendums.filter(agency__in=staff_agencies(user, *COUNTER_ROLES))
        if action == "supervise":
            return referendums.filter(agency__in=staff_agencies(user, *SUPERVISOR_ROLES))
        return referendums.none()


class TrusteePolicy(Policy[Trustee]):
    """Action ``act``: a trustee acts only as themselves, while they are staff of the agency."""

    model = Trustee

    def can(self, user: Any, action: str) -> bool:
        return action == "act" and bool(getattr(user, "is_authenticated", False))

    def scope(self, user: Any, action: str) -> QuerySet[Trustee]:
        if action != "act" or not getattr(user, "is_authenticated", False):
            return Trustee.objects.none()
        return Trustee.objects.select_related("referendum", "referendum__agency").filter(
            user=user, referendum__agency__in=staff_agencies(user)
        )


referendum_policy = ReferendumPolicy()
trustee_policy = TrusteePolicy()
