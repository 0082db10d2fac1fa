"""How allauth fits E-Citizen: emails in the recipient's language, profiles on sign-up."""

from __future__ import annotations

from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.db import transaction
from django.utils import translation

from ecitizen.accounts.models import Profile
from ecitizen.accounts.selectors import preferred_language_for, user_by_email
from ecitizen.accounts.services import security_event_record
from ecitizen.core.crypto import keyring
from ecitizen.core.models import AuditAction


class PlatformSite:
    """What allauth's email templates call ``current_site``, taken from settings
    so that emails render the same inside a request and in background tasks."""

    @property
    def name(self) -> str:
        return settings.PLATFORM_NAME

    @property
    def domain(self) -> str:
        return urlsplit(settings.SITE_URL).netloc


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render every account email in the recipient's own language.

        A known account's saved language wins; otherwise (a sign-up not yet
        saved, an unknown address) the language of the page they used.
        """
        user = context.get("user") or user_by_email(email)
        language = (preferred_language_for(user) if user is not None else "") or translation.get_language()
        ctx = {
            "request": getattr(allauth_context, "request", None),
            "email": email,
            "current_site": PlatformSite(),
            **context,
        }
        with translation.override(language or settings.LANGUAGE_CODE):
            self.render_mail(template_prefix, email, ctx).send()

    def get_login_redirect_url(self, request) -> str:
        """Where to land after signing in when no safe ``next`` was given (allauth honours that first):
        what a ``login_destination`` receiver answers (staff: the back office), else LOGIN_REDIRECT_URL."""
        from ecitizen.accounts.signals import login_destination

        for _receiver, url in login_destination.send(sender=self.__class__, user=request.user):
            if url:
                return url
        return super().get_login_redirect_url(request)

    def add_message(self, request, level, message_template=None, message_context=None, extra_tags="", message=None):
        """allauth's messages (our wording: templates/account/messages/*.txt) in the reader's language.

        Someone signing in from a page in another language reads "You are signed in as …" in the
        language saved on their account, the one every page after it is shown in.
        """
        user = getattr(request, "user", None)
        language = preferred_language_for(user) if user is not None and user.is_authenticated else ""
        with translation.override(language or translation.get_language()):
            super().add_message(
                request, level, message_template, message_context, extra_tags=extra_tags, message=message
            )

    def get_client_ip(self, request) -> str:
        """The same visitor address as our audit rows and limits (TRUSTED_PROXIES decides)."""
        from django.core.exceptions import PermissionDenied

        from ecitizen.core.middleware import client_ip

        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def pre_authenticate(self, request, **credentials) -> None:
        """Throttle failed password sign-ins per address and account (see accounts.throttle).

        Replaces allauth's per-email lock-out: over a limit the page answers 429 with
        Retry-After instead of a form error, and the owner signing in from elsewhere is not
        locked out by someone else's guesses.
        """
        from allauth.core.exceptions import ImmediateHttpResponse

        from ecitizen.accounts.throttle import sign_in_attempt_begin, sign_in_refused_response

        login = str(credentials.get("email") or credentials.get("username") or "")
        self._sign_in_attempt = sign_in_attempt_begin(request, login)
        if self._sign_in_attempt.wait:
            raise ImmediateHttpResponse(sign_in_refused_response(request, self._sign_in_attempt))

    def post_login(self, request, user, **kwargs):
        """Every successful sign-in marks this browser as a known device of *user* (see accounts.throttle)."""
        from ecitizen.accounts.throttle import remember_known_device

        response = super().post_login(request, user, **kwargs)
        remember_known_device(request, response, user)
        return response

    def _rollback_login_failed_rl_usage(self) -> None:
        """A correct password: the attempt's places are given back, so only failures count."""
        attempt = getattr(self, "_sign_in_attempt", None)
        if attempt is not None:
            attempt.release()

    def _delete_login_attempts_cached_email(self, request, **credentials) -> None:
        from ecitizen.accounts.throttle import sign_in_failures_clear

        super()._delete_login_attempts_cached_email(request, **credentials)
        sign_in_failures_clear(request, str(credentials.get("email") or ""))

    @transaction.atomic
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            language = translation.get_language()
            if language not in dict(settings.LANGUAGES):
                language = settings.LANGUAGE_CODE
            Profile.objects.get_or_create(user=user, defaults={"preferred_language": language})
            security_event_record(user=user, action=AuditAction.SIGNED_UP)
        return user


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets and recovery-code seeds are encrypted with our keyring, not stored plain."""

    CONTEXT = "mfa.authenticator.data"

    def get_totp_label(self, user) -> str:
        return user.email

    def encrypt(self, text: str) -> str:
        return keyring().encrypt(text, context=self.CONTEXT)

    def decrypt(self, encrypted_text: str) -> str:
        return keyring().decrypt(encrypted_text, context=self.CONTEXT)
