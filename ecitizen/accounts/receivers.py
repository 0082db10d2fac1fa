"""Turn allauth's and Django's account events into audit rows.

allauth performs these actions itself; its signals are our only hook, so the
receivers stay thin and hand over to accounts.services.
"""

from __future__ import annotations

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver

from ecitizen.accounts.models import User
from ecitizen.accounts.selectors import user_by_email
from ecitizen.accounts.services import security_event_record
from ecitizen.core.models import AuditAction


@receiver(account_signals.user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    security_event_record(user=user, action=AuditAction.LOGIN_SUCCEEDED)


@receiver(auth_signals.user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        security_event_record(user=user, action=AuditAction.LOGGED_OUT)


@receiver(auth_signals.user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    email = str(credentials.get("email") or credentials.get("username") or "")[:254]
    user = user_by_email(email) if email else None
    security_event_record(user=None, action=AuditAction.LOGIN_FAILED, extra={"email": email})
    if user is not None:
        # Also on the account itself, so its owner sees the attempt.
        _record_for_owner(user, AuditAction.LOGIN_FAILED)


def _record_for_owner(user: User, action: AuditAction) -> None:
    from ecitizen.core.audit import audit_record

    audit_record(actor=None, action=action, subject=user, subject_user=user)


@receiver(mfa_signals.authentication_failed)
def _mfa_failed(sender, request, user, reason=None, **kwargs):
    security_event_record(user=None, action=AuditAction.LOGIN_FAILED, extra={"step": "mfa"})
    _record_for_owner(user, AuditAction.LOGIN_FAILED)


@receiver(account_signals.email_confirmed)
def _email_confirmed(sender, request, email_address, **kwargs):
    security_event_record(user=email_address.user, action=AuditAction.EMAIL_VERIFIED)


@receiver(account_signals.email_changed)
def _email_changed(sender, request, user, from_email_address, to_email_address, **kwargs):
    # With ACCOUNT_CHANGE_EMAIL allauth also reports confirming the first address
    # (from None) as a change; that is EMAIL_VERIFIED, already recorded.
    if from_email_address is not None:
        security_event_record(user=user, action=AuditAction.EMAIL_CHANGED)


@receiver(account_signals.password_changed)
def _password_changed(sender, request, user, **kwargs):
    security_event_record(user=user, action=AuditAction.PASSWORD_CHANGED)


@receiver(account_signals.password_reset)
def _password_reset(sender, request, user, **kwargs):
    security_event_record(user=user, action=AuditAction.PASSWORD_RESET)


@receiver(mfa_signals.authenticator_added)
def _mfa_added(sender, request, user, authenticator, **kwargs):
    security_event_record(user=user, action=AuditAction.MFA_ENABLED, extra={"type": authenticator.type})


@receiver(mfa_signals.authenticator_removed)
def _mfa_removed(sender, request, user, authenticator, **kwargs):
    security_event_record(user=user, action=AuditAction.MFA_DISABLED, extra={"type": authenticator.type})


@receiver(mfa_signals.authenticator_reset)
def _mfa_reset(sender, request, user, authenticator, **kwargs):
    security_event_record(user=user, action=AuditAction.RECOVERY_CODES_GENERATED, extra={"type": authenticator.type})
