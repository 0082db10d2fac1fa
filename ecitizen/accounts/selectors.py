from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.db import connection
from django.db.models import QuerySet

from ecitizen.accounts.models import IdentityLevel, Profile, User, VerificationMethod
from ecitizen.core.models import AuditAction, AuditLog

SECURITY_ACTIONS = [
    AuditAction.LOGIN_SUCCEEDED,
    AuditAction.LOGIN_FAILED,
    AuditAction.LOGGED_OUT,
    AuditAction.EMAIL_CHANGED,
    AuditAction.PASSWORD_CHANGED,
    AuditAction.PASSWORD_RESET,
    AuditAction.MFA_ENABLED,
    AuditAction.MFA_DISABLED,
    AuditAction.RECOVERY_CODES_GENERATED,
    AuditAction.OTHER_SESSIONS_ENDED,
    AuditAction.IDENTITY_VERIFIED,
]


def profile_for(user: Any) -> Profile:
    """The user's profile as stored now; an unsaved empty one if they have none yet."""
    return Profile.objects.filter(user=user).first() or Profile(user=user)


def preferred_language_for(user: Any) -> str:
    """The language saved on *user*'s profile ("" when none). Reads that one column: every signed-in
    request asks (``UserLanguageMiddleware``), and the rest of the row (encrypted fields included)
    is not needed for it."""
    return Profile.objects.filter(user=user).values_list("preferred_language", flat=True).first() or ""


def identity_level_for(user: Any) -> IdentityLevel:
    """``verified`` (register, or an in-person check matched with the register), ``document``
    (documents checked in person for someone the register does not know), ``basic`` (email
    confirmed) or ``none``."""
    if not user.is_authenticated:
        return IdentityLevel.NONE
    profile = profile_for(user)
    if profile.identity_verified:
        return IdentityLevel.VERIFIED
    if profile.verification_method == VerificationMethod.DOCUMENT_ONLY:
        return IdentityLevel.DOCUMENT
    if EmailAddress.objects.filter(user=user, verified=True).exists():
        return IdentityLevel.BASIC
    return IdentityLevel.NONE


def signer_details_for(user: Any) -> tuple[str, str, bool]:
    """What a signature by *user*'s account records, in one query: their name from the profile,
    their postcode, and whether they have confirmed the address they use now (as
    :func:`primary_email_confirmed`). Written out rather than built with the ORM: it is read on
    every petition signature (``test_signer_details`` checks it against the profile and allauth)."""
    users, profiles, addresses = User._meta.db_table, Profile._meta.db_table, EmailAddress._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.given_name, p.family_name, p.postcode, EXISTS (SELECT 1 FROM {addresses} e "  # noqa: S608
            "WHERE e.user_id = u.id AND UPPER(e.email) = UPPER(u.email) AND e.verified) "
            f"FROM {users} u LEFT JOIN {profiles} p ON p.user_id = u.id WHERE u.id = %s",
            [user.pk],
        )
        row = cursor.fetchone()
    if row is None:
        return "", "", False
    given, family, postcode, email_confirmed = row
    name = " ".join(part for part in (given, family) if part)
    return name, postcode or "", bool(email_confirmed and user.email)


def primary_email_confirmed(user: Any) -> bool:
    """Has *user* confirmed the address they use now (``user.email``)? An identity checked in
    person does not confirm an email address, so this asks allauth about that address itself."""
    if not getattr(user, "is_authenticated", False) or not user.email:
        return False
    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


def user_by_email(email: str) -> User | None:
    return User.objects.filter(email__iexact=email.strip()).select_related("profile").first()


def security_events_for(user: Any, *, limit: int = 20) -> QuerySet[AuditLog]:
    """Recent security events on the user's own account, for their security page."""
    return AuditLog.objects.filter(subject_user=user, action__in=SECURITY_ACTIONS)[:limit]
