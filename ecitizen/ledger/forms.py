from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

# An entry's key is at most this long (LogEntry.key).
MAX_KEY_LENGTH = 200


class LookupForm(forms.Form):
    """What a person looks up in the public log: a document number or an application reference."""

    q = forms.CharField(
        label=_("Document number or application reference"),
        help_text=_("For example, CC-2026-000123"),
        max_length=MAX_KEY_LENGTH,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
        error_messages={
            "required": _("Enter a document number or an application reference"),
            "max_length": _("Enter %(limit_value)d characters or fewer"),
        },
    )
