"""Writes to accounts and profiles. Every function: one transaction, one audit row."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecitizen.accounts.models import Profile, User, VerificationMethod
from ecitizen.accounts.selectors import identity_level_for
from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.exchange.selectors import national_id_blind_index, population_record_matching

PROFILE_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "phone",
    "preferred_language",
)
# Verified identity rests on these; changing one withdraws the verification.
IDENTITY_FIELDS = ("given_name", "family_name", "date_of_birth")


def _profile_for_update(user: User) -> Profile:
    profile, _created = Profile.objects.select_for_update().get_or_create(user=user)
    return profile


@transaction.atomic
def profile_update(*, actor: User, user: User, data: dict[str, Any]) -> Profile:
    """Update *user*'s profile with *data* (keys from PROFILE_FIELDS).

    A verified person who changes their name or date of birth goes back to
    ``basic`` until they verify again. The audit row names the fields that
    changed, never their values.
    """
    profile = _profile_for_update(user)
    changed = []
    for field in PROFILE_FIELDS:
        if field in data and getattr(profile, field) != data[field]:
            setattr(profile, field, data[field])
            changed.append(field)
    if not changed:
        return profile
    if profile.identity_verified and any(f in IDENTITY_FIELDS for f in changed):
        profile.identity_verified = False
        profile.verified_at = None
        profile.verification_method = ""
        profile.verified_by = None
        profile.verified_by_agency = None
    profile.full_clean(exclude=["user", "national_id", "national_id_index"])
    profile.save()
    audit_record(
        actor=actor,
        action=AuditAction.PROFILE_UPDATED,
        subject=profile,
        subject_user=user,
        extra={"fields": changed},
    )
    return profile


@transaction.atomic
def language_set(*, user: User, language: str) -> None:
    """Remember *user*'s language choice for pages and emails."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Choose a language from the list."), code="invalid_language")
    profile = _profile_for_update(user)
    if profile.preferred_language == language:
        return
    profile.preferred_language = language
    profile.save(update_fields=["preferred_language", "updated_at"])
    audit_record(
        actor=user,
        action=AuditAction.LANGUAGE_CHANGED,
        subject=profile,
        subject_user=user,
        extra={"language": language},
    )


def _mark_verified(
    profile: Profile,
    *,
    national_id: str,
    method: VerificationMethod,
    verified_by: User | None = None,
    agency: Any | None = None,
) -> None:
    profile.national_id = national_id
    profile.national_id_index = national_id_blind_index(national_id)
    profile.identity_verified = True
    profile.verified_at = timezone.now()
    profile.verification_method = method
    profile.verified_by = verified_by
    profile.verified_by_agency = agency
    profile.save()


def _national_id_taken(index: str, user: User) -> bool:
    return Profile.objects.filter(national_id_index=index, identity_verified=True).exclude(user=user).exists()


def identity_verify_with_register(
    *, user: User, given_name: str, family_name: str, date_of_birth: datetime.date, national_id: str
) -> Profile:
    """Raise *user* to ``verified`` if the details match one living person in the register.

    Requires a confirmed email (``basic``). On a mismatch raises ValidationError
    with one message that does not say which detail was wrong; the failed
    attempt is recorded (and survives the error). A national ID already
    verified on another account is refused.
    """
    if identity_level_for(user) == "none":
        raise ValidationError(_("Confirm your email address before verifying your identity."), code="unconfirmed")
    record = population_record_matching(
        national_id=national_id, given_name=given_name, family_name=family_name, date_of_birth=date_of_birth
    )
    if record is None or _national_id_taken(national_id_blind_index(national_id), user):
        with transaction.atomic():
            audit_record(actor=user, action=AuditAction.IDENTITY_VERIFICATION_FAILED, subject_user=user)
        raise ValidationError(
            _(
                "We could not match these details with the population register. "
                "Check them against your identity card, or verify in person at a service counter."
            ),
            code="no_match",
        )
    with transaction.atomic():
        profile = _profile_for_update(user)
        profile.given_name = record.given_name
        profile.family_name = record.family_name
        profile.date_of_birth = record.date_of_birth
        _mark_verified(profile, national_id=national_id, method=VerificationMethod.REGISTER)
        audit_record(
            actor=user,
            action=AuditAction.IDENTITY_VERIFIED,
            subject=profile,
            subject_user=user,
            extra={"method": VerificationMethod.REGISTER.value},
        )
        _claim_bills(user)
    return profile


@transaction.atomic
def identity_verify_in_person(
    *,
    actor: User,
    agency: Any,
    user: User,
    given_name: str,
    family_name: str,
    date_of_birth: datetime.date,
    national_id: str,
    document_type: str,
    document_reference: str,
) -> Profile:
    """A staff member of *agency* checked *user*'s documents at a counter.

    Records who checked, for which agency, when, and which document (type and
    its last four characters only). The caller must have checked that *actor*
    may verify identities for *agency* (see agencies.policies).
    """
    index = national_id_blind_index(national_id)
    if _national_id_taken(index, user):
        raise ValidationError({"national_id": _("This national ID number is already verified on another account.")})
    profile = _profile_for_update(user)
    profile.given_name = given_name
    profile.family_name = family_name
    profile.date_of_birth = date_of_birth
    _mark_verified(
        profile, national_id=national_id, method=VerificationMethod.IN_PERSON, verified_by=actor, agency=agency
    )
    audit_record(
        actor=actor,
        agency=agency,
        action=AuditAction.IDENTITY_VERIFIED,
        subject=profile,
        subject_user=user,
        extra={
            "method": VerificationMethod.IN_PERSON.value,
            "document_type": document_type,
            "document_reference_last4": document_reference[-4:],
        },
    )
    _claim_bills(user)
    return profile


def _claim_bills(user: User) -> None:
    """Tax bills issued to this national ID before the person had an account become theirs."""
    from ecitizen.payments.taxes import bills_claim

    bills_claim(user=user)


@transaction.atomic
def security_event_record(*, user: User | None, action: AuditAction, extra: dict | None = None) -> None:
    """Record an account security event reported by allauth or Django's auth."""
    audit_record(actor=user, action=action, subject=user, subject_user=user, extra=extra)


@transaction.atomic
def other_sessions_end(*, user: User, current_session_key: str | None) -> int:
    """Sign *user* out everywhere except the session *current_session_key*; return how many ended."""
    from allauth.usersessions.models import UserSession

    ended = 0
    for session in UserSession.objects.filter(user=user).exclude(session_key=current_session_key or ""):
        session.end()
        ended += 1
    audit_record(
        actor=user, action=AuditAction.OTHER_SESSIONS_ENDED, subject=user, subject_user=user, extra={"count": ended}
    )
    return ended
