"""allauth's forms with our labels: sentence case and plain words (ACCOUNT_FORMS, MFA_FORMS).

allauth labels its fields "Remember Me", "New Password (again)", "Passwordless"; these
subclasses only change the words people read, never what the forms do.
"""

from __future__ import annotations

from allauth.account import forms as account_forms
from allauth.mfa.webauthn import forms as webauthn_forms
from django.utils.translation import gettext_lazy as _

LABELS = {
    "remember": _("Remember me on this device"),
    "oldpassword": _("Current password"),
    "password1": _("Password"),
    "password2": _("Confirm password"),
    "passwordless": _("Use this key to sign in without a password"),
}
NEW_PASSWORD_LABELS = {**LABELS, "password1": _("New password"), "password2": _("Confirm new password")}
HELP_TEXTS = {
    "passwordless": _(
        "You will be able to sign in with just this key. It must check that it is you, "
        "for example with a fingerprint or a PIN."
    ),
}


class _OurWords:
    labels = LABELS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in self.labels.items():
            if name in self.fields:
                self.fields[name].label = label
                if name in HELP_TEXTS:
                    self.fields[name].help_text = HELP_TEXTS[name]


class LoginForm(_OurWords, account_forms.LoginForm):
    pass


class SignupForm(_OurWords, account_forms.SignupForm):
    pass


class ChangePasswordForm(_OurWords, account_forms.ChangePasswordForm):
    labels = NEW_PASSWORD_LABELS


class SetPasswordForm(_OurWords, account_forms.SetPasswordForm):
    pass


class ResetPasswordKeyForm(_OurWords, account_forms.ResetPasswordKeyForm):
    labels = NEW_PASSWORD_LABELS


class AddWebAuthnForm(_OurWords, webauthn_forms.AddWebAuthnForm):
    pass
