"""The form platform admins fill in to register an app for an Open311 API key."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ApiClientForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the app"),
        max_length=120,
        error_messages={
            "required": _("Enter the name of the app"),
            "max_length": _("The name must be 120 characters or fewer"),
        },
    )
    contact_email = forms.EmailField(
        label=_("Developer's email address"),
        help_text=_("We write here if the key is misused or about to be revoked."),
        error_messages={
            "required": _("Enter the developer's email address"),
            "invalid": _("Enter the developer's email address, like name@example.com"),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
