"""Forms for alerts and the questionnaire. They only collect input: the services validate and save."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ecitizen.core.i18n import pick
from ecitizen.reports.alerts import RADIUS_CHOICES
from ecitizen.reports.models import UPDATE_MAX_LENGTH, Area, QuestionnaireAnswer

DEFAULT_RADIUS = 500


def _email_field() -> forms.CharField:
    return forms.CharField(
        label=_("Email address"),
        help_text=_("We will send you a link to confirm that this is your email address."),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class WithEmail(forms.Form):
    """Asks for an email address only when nobody is signed in."""

    def __init__(self, *args, signed_in: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if signed_in:
            self.fields.pop("email", None)


class AddressLookupForm(forms.Form):
    q = forms.CharField(
        label=_("Street name or postcode"),
        help_text=_("For example, High Street or NB1 2AB"),
        max_length=100,
        required=False,
    )


class PlaceAlertForm(WithEmail):
    """New reports within a distance of an address from the register, or of a typed latitude and longitude."""

    address = forms.ChoiceField(label=_("Choose the address"), required=False, widget=forms.RadioSelect)
    latitude = forms.CharField(
        label=_("Latitude"),
        help_text=_("Only if you did not choose an address. For example, 52.0301"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-10"}),
    )
    longitude = forms.CharField(
        label=_("Longitude"),
        help_text=_("For example, 0.0052"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-10"}),
    )
    radius_m = forms.TypedChoiceField(label=_("Distance"), coerce=int, initial=DEFAULT_RADIUS)
    email = _email_field()
    q = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, addresses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["radius_m"].choices = [
            (r, gettext("Within %(distance)s metres") % {"distance": f"{r:,}"}) for r in RADIUS_CHOICES
        ]
        if addresses:
            self.fields["address"].choices = [(a.uprn, a.line) for a in addresses]
        else:
            self.fields.pop("address")


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        return pick(obj.name)


class AreaAlertForm(WithEmail):
    area = AreaChoiceField(
        label=_("Area"),
        queryset=Area.objects.none(),
        empty_label=_("Choose an area"),
        error_messages={"required": _("Select an area"), "invalid_choice": _("Select an area")},
    )
    email = _email_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.filter(is_active=True).order_by("pk")


class FollowForm(WithEmail):
    email = _email_field()


class QuestionnaireForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=QuestionnaireAnswer.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select whether the problem has been fixed")},
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        help_text=_("Anything the agency and others following this report should know. It will be public."),
        required=False,
        max_length=UPDATE_MAX_LENGTH,
        widget=forms.Textarea,
    )
