from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ecitizen.cases.models import RefusalCategory


class DeclarationForm(forms.Form):
    declaration = forms.BooleanField(
        label=_("I confirm that the information I have given is correct and complete"),
        error_messages={"required": _("Confirm that the information you have given is correct")},
    )


class RespondForm(forms.Form):
    response = forms.CharField(label=_("Your answer"), widget=forms.Textarea, max_length=5000, required=False)
    file = forms.FileField(
        label=_("Attach a file (optional)"), required=False, help_text=_("PDF, JPG or PNG, smaller than 10MB")
    )


class VersionedForm(forms.Form):
    """Staff action forms carry the case version the caseworker saw."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class RequestInfoForm(VersionedForm):
    message = forms.CharField(
        label=_("What do you need from the applicant?"),
        widget=forms.Textarea,
        max_length=5000,
        error_messages={"required": _("Enter what you need from the applicant")},
    )


class RefuseForm(VersionedForm):
    category = forms.ChoiceField(
        label=_("Kind of reason"),
        help_text=_("Counted in the service's figures; the applicant sees the reason below."),
        choices=RefusalCategory.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the kind of reason")},
    )
    reason = forms.CharField(
        label=_("Reason for refusing"),
        help_text=_("The applicant will see this. Explain it in plain words."),
        widget=forms.Textarea,
        max_length=5000,
        error_messages={"required": _("Enter the reason for refusing, so the applicant understands it")},
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Internal note"),
        help_text=_("Only staff of your agency can see notes."),
        widget=forms.Textarea,
        max_length=5000,
        error_messages={"required": _("Enter the note")},
    )


class QueueFilterForm(forms.Form):
    SORTS = [("due", _("Due date, soonest first")), ("-due", _("Due date, latest first"))]
    service = forms.TypedChoiceField(label=_("Service"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), required=False)
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    # Radios, not a select: the options are long and the filter column is narrow (a select cut them off).
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORTS, initial="due", widget=forms.RadioSelect)

    def __init__(self, *args, services, statuses, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", _("All services"))] + list(services)
        self.fields["status"].choices = [("", _("All open cases"))] + list(statuses)
        self.fields["assignee"].choices = [
            ("", _("Anyone")),
            ("me", _("Me")),
            ("none", _("Nobody")),
        ] + [(str(user.pk), user.email) for user in staff]
