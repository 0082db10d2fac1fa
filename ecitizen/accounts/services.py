"""Writes to accounts and profiles. Every function: one transaction, one audit row."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ecitizen.accounts.models import Profile, User, VerificationMethod
from ecitizen.accounts.selectors import identity_level_for
from ecitizen.accounts.signals import (
    identity_binding_refused,
    register_identity_verified,
    staff_acting_on_identity,
)
from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.exchange.selectors import (
    national_id_blind_index,
    population_record_agrees,
    population_record_for,
    population_record_matching,
)

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
    if (profile.identity_verified or profile.verification_method) and any(f in IDENTITY_FIELDS for f in changed):
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
    """Bind *national_id* to the profile. Every method but DOCUMENT_ONLY makes it ``verified``
    (register-linked); a document-only check is recorded without that level."""
    profile.national_id = national_id
    profile.national_id_index = national_id_blind_index(national_id)
    profile.identity_verified = method != VerificationMethod.DOCUMENT_ONLY
    profile.verified_at = timezone.now()
    profile.verification_method = method
    profile.verified_by = verified_by
    profile.verified_by_agency = agency
    try:
        with transaction.atomic():
            profile.save()
    except IntegrityError as exc:  # another account bound the same ID a moment ago
        raise ValidationError(
            {"national_id": _("This national ID number is already bound to another account.")}
        ) from exc


def _national_id_holder(index: str, user: User) -> User | None:
    """The other account this national ID is bound to (verified, or checked on documents only)."""
    bound = Q(identity_verified=True) | Q(verification_method=VerificationMethod.DOCUMENT_ONLY)
    profile = Profile.objects.filter(bound, national_id_index=index).exclude(user=user).select_related("user").first()
    return profile.user if profile is not None else None


def _record_refusal(
    *, actor: User | None, agency: Any | None, user: User, reason: str, holder: User | None = None, extra=None
) -> None:
    """Remember a refused verification in its own transaction (it survives the error raised next).

    Refusals a person must look at (an ID bound elsewhere, a deceased person's ID) are also
    announced with ``identity_binding_refused``, on which the agencies app opens a review.
    """
    with transaction.atomic():
        audit_record(
            actor=actor,
            agency=agency,
            action=AuditAction.IDENTITY_VERIFICATION_FAILED,
            subject_user=user,
            extra={"reason": reason, **(extra or {})},
        )
        if reason in REVIEW_REASONS:
            identity_binding_refused.send(
                sender=Profile, staff=actor, agency=agency, account=user, holder=holder, reason=reason
            )


REVIEW_REASONS = ("bound_elsewhere", "deceased")


def identity_verify_with_register(
    *, user: User, given_name: str, family_name: str, date_of_birth: datetime.date, national_id: str
) -> Profile:
    """Raise *user* to ``verified`` if the details match one living person in the register.

    Requires a confirmed email (``basic``). On a mismatch raises ValidationError
    with one message that does not say which detail was wrong; the failed
    attempt is recorded (and survives the error). A national ID already
    bound to another account is refused, and flagged for review: it may be
    the real person finding their ID taken.
    """
    if identity_level_for(user) == "none":
        raise ValidationError(_("Confirm your email address before verifying your identity."), code="unconfirmed")
    record = population_record_matching(
        national_id=national_id, given_name=given_name, family_name=family_name, date_of_birth=date_of_birth
    )
    holder = _national_id_holder(national_id_blind_index(national_id), user) if record is not None else None
    if record is None or holder is not None:
        _record_refusal(
            actor=user,
            agency=None,
            user=user,
            reason="bound_elsewhere" if holder is not None else "no_match",
            holder=holder,
            extra={"method": VerificationMethod.REGISTER.value},
        )
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


def _ensure_staff_may_act(*, actor: User, citizen: User, agency: Any, national_id_index: str = "") -> None:
    """Ask the conflict-of-interest check (the agencies app listens) whether *actor* may act for *citizen*
    (and bind the national ID whose blind index is *national_id_index*: never the actor's own).

    Fails closed: with nobody listening, nothing is verified.
    """
    if not staff_acting_on_identity.has_listeners(Profile):
        raise ImproperlyConfigured("No conflict-of-interest check listens to staff_acting_on_identity.")
    staff_acting_on_identity.send(
        sender=Profile, staff=actor, citizen=citizen, agency=agency, national_id_index=national_id_index
    )


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
    document_only: bool = False,
) -> Profile:
    """A staff member of *agency* checked *user*'s documents at a counter.

    The details must match a living person in the population register (found by the blind
    index of the national ID): then *user* becomes ``verified``, with the register's names, and
    their register tax bills become theirs. A person the register does not know at all may be
    recorded as a **document-only** check (``document_only=True``), at the lower ``document``
    level that claims no register bills. Refused, with a field error and an audit row that
    survives it: the staff member's own account, their own national ID, or a declared relative's
    (``ConflictOfInterest`` from the agencies app); a national ID bound to another account or a
    deceased person's (both also flagged for review); details that contradict the register
    record; an ID the register does not know without ``document_only``.

    Records who checked, for which agency, when, and which document (type and its last four
    characters only). The caller must have checked that *actor* may verify identities for
    *agency* (see agencies.policies).
    """
    index = national_id_blind_index(national_id)
    details = {"given_name": given_name, "family_name": family_name, "date_of_birth": date_of_birth}
    with transaction.atomic():
        profile = _profile_for_update(user)
        _ensure_staff_may_act(actor=actor, citizen=user, agency=agency, national_id_index=index)
        holder = _national_id_holder(index, user)
        record = population_record_for(national_id)
        if holder is not None:
            reason = "bound_elsewhere"
            error = {
                "national_id": _(
                    "This national ID number is already bound to another account. Nothing was changed, and the "
                    "attempt has been passed to your agency's admins for review."
                )
            }
        elif record is not None and record.is_deceased:
            reason = "deceased"
            error = {
                "national_id": _(
                    "The population register records the holder of this national ID number as deceased. Nothing "
                    "was changed, and the attempt has been passed to your agency's admins for review."
                )
            }
        elif record is not None and not population_record_agrees(record, **details):
            reason = "register_mismatch"
            error = {
                "national_id": _(
                    "The names or date of birth do not match the population register's record for this national "
                    "ID number. Check them against the document."
                )
            }
        elif record is None and not document_only:
            reason = "not_in_register"
            error = {
                "document_only": _(
                    "No one in the population register has this national ID number. Check the number. If the "
                    "person is not in the register (for example, they have just arrived), record a document-only "
                    "check."
                )
            }
        elif profile.date_of_birth and profile.date_of_birth != date_of_birth:
            reason = "account_mismatch"
            error = {
                "date_of_birth": _(
                    "The account's own date of birth differs from the document: it may not be this person's "
                    "account. Ask them to sign in and correct it first."
                )
            }
        else:
            return _record_in_person(
                profile,
                actor=actor,
                agency=agency,
                record=record,
                details=details,
                national_id=national_id,
                document_type=document_type,
                document_reference=document_reference,
            )
    _record_refusal(
        actor=actor,
        agency=agency,
        user=user,
        reason=reason,
        holder=holder,
        extra={"method": VerificationMethod.IN_PERSON.value, "document_type": document_type},
    )
    raise ValidationError(error)


def _record_in_person(
    profile: Profile,
    *,
    actor: User,
    agency: Any,
    record: Any,
    details: dict[str, Any],
    national_id: str,
    document_type: str,
    document_reference: str,
) -> Profile:
    """Save an accepted counter check; with a register *record* it is register-linked, else document-only."""
    user = profile.user
    if record is not None:
        profile.given_name, profile.family_name = record.given_name, record.family_name
        profile.date_of_birth = record.date_of_birth
        method = VerificationMethod.IN_PERSON
    else:
        profile.given_name, profile.family_name = details["given_name"], details["family_name"]
        profile.date_of_birth = details["date_of_birth"]
        method = VerificationMethod.DOCUMENT_ONLY
    _mark_verified(profile, national_id=national_id, method=method, verified_by=actor, agency=agency)
    audit_record(
        actor=actor,
        agency=agency,
        action=AuditAction.IDENTITY_VERIFIED,
        subject=profile,
        subject_user=user,
        extra={
            "method": method.value,
            "document_type": document_type,
            "document_reference_last4": document_reference[-4:],
        },
    )
    if record is not None:
        _claim_bills(user)  # only a register-linked identity claims the register's tax bills
    return profile


def _claim_bills(user: User) -> None:
    """Tax bills issued to this national ID before the person had an account become theirs.

    Announced with ``register_identity_verified``; the payments app receives it in this
    transaction and claims the bills (with its own audit row).
    """
    register_identity_verified.send(sender=Profile, user=user)


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
