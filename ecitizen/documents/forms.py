from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django import forms
from django.utils.translation import gettext_lazy as _

from ecitizen.documents import jws
from ecitizen.documents.services import REASON_MAX_LENGTH


class VerifyForm(forms.Form):
    """The code from a document (the signed token, or the address in its QR code) or its number."""

    t = forms.CharField(
        label=_("Document code or number"),
        help_text=_("Paste the code or web address from the QR code, or type the document number, like CC-2026-000123"),
        max_length=jws.MAX_TOKEN_LENGTH + 200,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
        error_messages={
            "required": _("Enter the document code or number"),
            "max_length": _("This is too long to be a document code or number"),
        },
    )

    def clean_t(self) -> str:
        value = "".join(self.cleaned_data["t"].split())
        if value.lower().startswith(("http://", "https://")):
            # The whole address read from a QR code: keep its token.
            value = (parse_qs(urlsplit(value).query).get("t") or [""])[0]
            if not value:
                raise forms.ValidationError(_("This web address does not contain a document code"))
        return value

    @property
    def is_token(self) -> bool:
        return self.cleaned_data.get("t", "").count(".") == 2


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revoking"),
        help_text=_("The holder and anyone who checks the document will see this. Do not include personal details."),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea,
        error_messages={"required": _("Enter the reason for revoking the document")},
    )
