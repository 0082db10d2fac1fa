"""Forms of consultations: staff details, documents, outcome, tags; respondents' choices."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from ecitizen.catalogue.forms import SectionedForm, language_initial, language_name
from ecitizen.core.forms import DateInput
from ecitizen.engagement.consultations import conf
from ecitizen.engagement.consultations.models import Consultation, Eligibility, Kind, Publication

DEFAULT_LANGUAGE = settings.LANGUAGE_CODE
LANGUAGES = [code for code, _name in settings.LANGUAGES]
OTHER_LANGUAGES = [code for code in LANGUAGES if code != DEFAULT_LANGUAGE]


def _add_language_fields(form: forms.Form, specs: list[tuple[str, Any, int, bool]]) -> None:
    """``name_<code>`` for each language and each (name, label, max_length, textarea) in *specs*."""
    for code in LANGUAGES:
        for name, label, max_length, textarea in specs:
            form.fields[f"{name}_{code}"] = forms.CharField(
                label=f"{label} ({language_name(code)})",
                required=name == "title" and code == DEFAULT_LANGUAGE,
                max_length=max_length,
                widget=forms.Textarea if textarea else forms.TextInput,
            )


def _texts(cleaned: dict, name: str) -> dict[str, str]:
    return {c: cleaned[f"{name}_{c}"].strip() for c in LANGUAGES if (cleaned.get(f"{name}_{c}") or "").strip()}


def _sections(names: list[str], head: tuple) -> list:
    sections = [head, (_("English"), [f"{n}_{DEFAULT_LANGUAGE}" for n in names], False)]
    for code in OTHER_LANGUAGES:
        title = _("%(language)s (optional)") % {"language": language_name(code)}
        sections.append((title, [f"{n}_{code}" for n in names], True))
    return sections


class ConsultationDetailsForm(SectionedForm):
    """What a consultation is, when it is open and who may respond."""

    kind = forms.ChoiceField(
        label=_("What is it?"), choices=Kind.choices, widget=forms.RadioSelect, initial=Kind.CONSULTATION
    )
    slug = forms.SlugField(
        label=_("Web address name"),
        max_length=80,
        help_text=_("Lower-case letters, digits and hyphens, like town-centre-parking."),
        error_messages={"invalid": _("Use lower-case letters, digits and hyphens only")},
    )
    opens_on = forms.DateField(
        label=_("Opening date"), widget=DateInput(), error_messages={"invalid": _("Enter a real opening date")}
    )
    closes_on = forms.DateField(
        label=_("Closing date"),
        widget=DateInput(),
        help_text=_("Responses are taken until the end of this day."),
        error_messages={"invalid": _("Enter a real closing date")},
    )
    eligibility = forms.ChoiceField(label=_("Who may respond"), choices=Eligibility.choices, widget=forms.RadioSelect)
    districts = forms.MultipleChoiceField(
        label=_("Districts (for residents only)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Residence is read from the postcode in the person's profile."),
    )
    min_age = forms.IntegerField(
        label=_("Minimum age (optional)"),
        required=False,
        min_value=1,
        max_value=120,
        help_text=_("Only people whose identity is verified can prove their age: they alone can then respond."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
        error_messages={
            "invalid": _("Enter the age as a number"),
            "min_value": _("Enter an age between 1 and 120"),
            "max_value": _("Enter an age between 1 and 120"),
        },
    )
    listed = forms.BooleanField(
        label=_("Surveys: list it publicly for the people who may respond"),
        required=False,
        help_text=_("Leave unticked for a survey that only people with its link can find."),
    )

    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, districts: list[str] | None = None, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["districts"].choices = [(d, d) for d in districts or []]
        self.agencies = list(agencies or [])
        if len(self.agencies) > 1:
            # an admin of several agencies chooses which one (only those where they may create)
            self.fields["agency"] = forms.ChoiceField(
                label=_("Agency"),
                choices=[(str(a.pk), a.name) for a in self.agencies],
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose the agency"), "invalid_choice": _("Choose the agency")},
            )
        _add_language_fields(
            self,
            [
                ("title", _("Title"), 200, False),
                ("summary", _("Summary"), 500, True),
                ("description", _("What it is about"), 5000, True),
                ("policy_text", _("Draft text for comments (optional)"), 20000, True),
            ],
        )
        self.fields[f"title_{DEFAULT_LANGUAGE}"].error_messages["required"] = _("Enter a title in English")
        self.fields[f"policy_text_{DEFAULT_LANGUAGE}"].help_text = _(
            "Leave a blank line between passages: people comment on each passage."
        )
        for code in OTHER_LANGUAGES:
            # comments name a passage by its number: passage 2 must be passage 2 in every language
            self.fields[f"policy_text_{code}"].help_text = _(
                "Split it into the same passages as the English text: a blank line exactly where it has one."
            )
        self.sections = _sections(
            ["title", "summary", "description", "policy_text"],
            (
                _("Consultation"),
                [
                    *(["agency"] if "agency" in self.fields else []),
                    "kind",
                    "slug",
                    "opens_on",
                    "closes_on",
                    "eligibility",
                    "districts",
                    "min_age",
                    "listed",
                ],
                False,
            ),
        )
        self.order_by_sections()

    @staticmethod
    def initial_from(consultation: Consultation) -> dict[str, Any]:
        from ecitizen.engagement.consultations.services import last_day, version_of

        initial = {
            "kind": consultation.kind,
            "slug": consultation.slug,
            "opens_on": timezone.localtime(consultation.opens_at, timezone.get_default_timezone()).date(),
            "closes_on": last_day(consultation),
            "eligibility": consultation.eligibility,
            "districts": consultation.districts,
            "min_age": consultation.min_age,
            "listed": consultation.listed,
            "version": version_of(consultation),
        }
        for name in ("title", "summary", "description", "policy_text"):
            initial.update(language_initial(getattr(consultation, name), name))
        return initial

    def chosen_agency(self):
        """The agency chosen (or the only one the admin may create for)."""
        if "agency" in self.fields:
            return next(a for a in self.agencies if str(a.pk) == self.cleaned_data["agency"])
        return self.agencies[0] if self.agencies else None

    def data_for_service(self) -> dict[str, Any]:
        c = self.cleaned_data
        return {
            "kind": c["kind"],
            "slug": c["slug"],
            "opens_on": c["opens_on"],
            "closes_on": c["closes_on"],
            "eligibility": c["eligibility"],
            "districts": c.get("districts") or [],
            "min_age": c.get("min_age"),
            "listed": c.get("listed"),
            **({"version": c["version"]} if c.get("version") else {}),
            **{name: _texts(c, name) for name in ("title", "summary", "description", "policy_text")},
        }


class DocumentForm(forms.Form):
    title = forms.CharField(
        label=_("Document title"), max_length=200, error_messages={"required": _("Enter the document's title")}
    )
    file = forms.FileField(label=_("PDF file"), error_messages={"required": _("Select a PDF file")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # filled in here, in the language of the request (not once at import)
        self.fields["file"].help_text = format_lazy_percent(
            _("A PDF smaller than %(mb)d MB."), {"mb": conf.document_max_bytes() // (1024 * 1024)}
        )


class OutcomeForm(SectionedForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _add_language_fields(self, [("outcome", _("What you did with the responses"), 10000, True)])
        self.fields[f"outcome_{DEFAULT_LANGUAGE}"].required = True
        self.fields[f"outcome_{DEFAULT_LANGUAGE}"].error_messages["required"] = _(
            "Enter what you did with the responses"
        )
        self.fields[f"outcome_{DEFAULT_LANGUAGE}"].help_text = _(
            "We asked, you said, we did: what you asked, what people said, what you will do. "
            "Everyone who responded is told."
        )
        self.sections = _sections(["outcome"], (_("Outcome"), [], False))
        self.order_by_sections()

    def outcome(self) -> dict[str, str]:
        return _texts(self.cleaned_data, "outcome")


class TagForm(forms.Form):
    tag = forms.CharField(label=_("Add a tag"), max_length=40, error_messages={"required": _("Enter a tag")})


class TokenForm(forms.Form):
    """A confirmation (publish, close early): a button and the CSRF token."""


class EmailForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("We send you a link to respond. One response per email address."),
        error_messages={
            "required": _("Enter your email address"),
            "invalid": _("Enter an email address in the correct format, like name@example.com"),
        },
    )


def format_lazy_percent(text, params: dict):
    """*text* % *params*, translated when rendered (lazily) rather than when called."""
    return lazy(lambda: str(text) % params, str)()


def _publication_field(label) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=Publication.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose whether we may publish it"),
            "invalid_choice": _("Choose whether we may publish it"),
        },
    )


def _limit_named(form: forms.Form, named: bool) -> None:
    """Offer "with my name" only to verified identities (published with the register's name)."""
    if not named:
        form.fields["publication"].choices = [c for c in Publication.choices if c[0] != Publication.NAMED]


class PublicationForm(forms.Form):
    publication = _publication_field(_("May we publish your response?"))

    def __init__(self, *args, named: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_named(self, named)
        self.fields["publication"].help_text = _(
            "Whatever you choose, your answers always count in the totals of the results. Totals per "
            "question are published only when enough people have responded. Contact details are never published."
        )
        if named:
            self.fields["publication"].help_text = format_lazy_percent(
                _("%(text)s With your name means the name on your verified identity."),
                {"text": self.fields["publication"].help_text},
            )


class PassageCommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Enter your comment")},
    )
    publication = _publication_field(_("May we publish your comment?"))

    def __init__(self, *args, named: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_named(self, named)
        limit = conf.comment_max_length()
        field = self.fields["text"]
        field.max_length = limit
        field.validators.append(MaxLengthValidator(limit))
        field.widget.attrs["maxlength"] = str(limit)
        field.error_messages["max_length"] = format_lazy_percent(
            _("Your comment must be %(max)d characters or fewer"), {"max": limit}
        )
