"""Forms of the public referendum pages: the vote form as sent without JavaScript (the assisted
path: credential code, marks, and the box that says the voter understands it is weaker), the
ballot as sent by the booth (the encrypted ballot only), and the tracker search of the board.

The vote page writes its inputs out itself (the booth's DOM contract); these forms only read
and check what comes back. Marks are checked again by the service, with the question's limits.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ecitizen.voting.protocol import credentials
from ecitizen.voting.referendums import voter_conf
from ecitizen.voting.referendums.ballot_services import selections_check
from ecitizen.voting.referendums.board_selectors import normalise_tracker
from ecitizen.voting.referendums.public_selectors import QuestionView


class BoothBallotForm(forms.Form):
    """What the booth sends once the ballot is encrypted in the browser."""

    ballot = forms.CharField(strip=True)

    def clean_ballot(self) -> str:
        text = self.cleaned_data["ballot"]
        if len(text) > voter_conf.ballot_max_bytes():
            raise forms.ValidationError(_("Your ballot is too large to be a ballot of this referendum. Vote again."))
        return text


class AssistedBallotForm(forms.Form):
    """The vote form sent without JavaScript: the server encrypts the marks."""

    credential = forms.CharField(
        max_length=100,
        strip=True,
        error_messages={
            "required": _("Enter the credential code from the email we sent you when voting opened."),
            "max_length": _("Enter your credential code: 24 letters and digits."),
        },
    )
    assisted = forms.BooleanField(
        error_messages={
            "required": _(
                "Tick the box to say that you understand the server will see your choices while it encrypts "
                "them, or switch JavaScript on to encrypt your ballot on your device."
            )
        },
    )

    def __init__(self, *args, questions: list[QuestionView], referendum, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.referendum = referendum
        for question in questions:
            choices = [(str(option.index), option.label) for option in question.options]
            messages = {
                "invalid_choice": _("Choose only the options listed."),
                "invalid_list": _("Choose only the options listed."),
            }
            if question.single:
                field = forms.ChoiceField(
                    choices=choices,
                    required=False,
                    error_messages=messages,
                )
            else:
                field = forms.MultipleChoiceField(choices=choices, required=False, error_messages=messages)
            self.fields[question.name] = field

    def clean_credential(self) -> str:
        code = self.cleaned_data["credential"]
        if credentials.normalise_code(code) is None:
            raise forms.ValidationError(
                _(
                    "Enter your credential code as it is in the email we sent you when voting opened: 24 letters "
                    "and digits, for example ABCD-EFGH-IJKL-MNOP-QRST-UVWX."
                )
            )
        return code

    def marked(self, question: QuestionView) -> list[int]:
        """The options of *question* marked in the data sent (for the page shown again)."""
        if not self.is_bound:
            return []
        values = self.data.getlist(question.name) if hasattr(self.data, "getlist") else [self.data.get(question.name)]
        marked = []
        for value in values[: len(question.options) + 1]:
            try:
                marked.append(int(value))
            except (TypeError, ValueError):
                continue
        return marked

    def clean(self):
        cleaned = super().clean()
        selections = {}
        for question in self.questions:
            if question.name in self.errors:
                continue
            value = cleaned.get(question.name)
            selections[question.index] = [value] if isinstance(value, str) and value else list(value or [])
        if len(selections) == len(self.questions):
            try:
                cleaned["selections"] = selections_check(self.referendum, selections)
            except forms.ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    self.add_error(None if name == "__all__" else name, errors)
        return cleaned


class TrackerForm(forms.Form):
    tracker = forms.CharField(
        label=_("Ballot tracker"),
        max_length=100,
        error_messages={"required": _("Enter your ballot tracker."), "max_length": _("Enter your ballot tracker.")},
    )

    def clean_tracker(self) -> str:
        normal = normalise_tracker(self.cleaned_data["tracker"])
        if normal is None:
            raise forms.ValidationError(
                _(
                    "Enter the ballot tracker as it was shown to you and emailed: 20 letters and digits, for "
                    "example ABCD-EFGH-IJKL-MNOP-QRST."
                )
            )
        return normal
