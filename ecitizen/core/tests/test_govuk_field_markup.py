"""GovukFormRenderer draws the common field groups in Python (ecitizen.core.templatetags.govuk_forms.field_html):
byte for byte what ``forms/govuk_field.html`` draws, for every field of the platform's real forms,
bound and unbound, with errors and help texts, in English and Arabic."""

from __future__ import annotations

import datetime
import importlib
import inspect
from types import SimpleNamespace

import pytest
from django import forms
from django.forms.renderers import get_default_renderer
from django.utils import translation
from django.utils.safestring import mark_safe

from ecitizen.core.forms import DatePartsInput
from ecitizen.core.templatetags.govuk_forms import field_html, form_html

# Modules whose forms take no required argument of their own: every one is swept.
FORM_MODULES = [
    "ecitizen.accounts.forms",
    "ecitizen.cases.forms",
    "ecitizen.catalogue.forms",
    "ecitizen.documents.forms",
    "ecitizen.payments.forms",
    "ecitizen.payments.staff_forms",
    "ecitizen.payments.tax_forms",
    "ecitizen.reports.alert_forms",
    "ecitizen.reports.forms",
    "ecitizen.reports.staff_forms",
    "ecitizen.search.forms",
    "ecitizen.agencies.forms",
]
# Kinds field_html must draw itself (anything else may fall back to the template).
COVERED = {"text", "email", "number", "url", "hidden", "checkbox", "select", "textarea", "radioselect",
           "checkboxselectmultiple", "dateparts"}  # fmt: skip


def _swept_forms():
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module_name and not inspect.isabstract(cls):
                yield cls


def _build(cls, *args):
    try:
        return cls(*args)
    except TypeError:  # needs arguments of its own: built explicitly below if it matters
        return None


def _service_page_forms(data):
    from ecitizen.catalogue.formdef import FormDefinition, PageForm
    from ecitizen.catalogue.management.commands import seed_services

    for name, value in vars(seed_services).items():
        if name.endswith("_FORM") and isinstance(value, dict):
            definition = FormDefinition.parse(value)
            for page in definition.pages:
                for language in ("en", "ar"):
                    yield PageForm(data, page=page, answers={}, language=language)


def _explicit_forms(data):
    from ecitizen.accounts import allauth_forms
    from ecitizen.cases.forms import QueueFilterForm
    from ecitizen.reports.forms import CategoryForm, DetailsForm, FilterForm, UpdateForm

    staff = [SimpleNamespace(pk=7, email="a&b@example.org"), SimpleNamespace(pk=8, email="c@example.org")]
    yield QueueFilterForm(
        data, services=[(1, "Parking <permit>"), (2, "Bus pass")], statuses=[("submitted", "Submitted")], staff=staff
    )
    yield QueueFilterForm(
        {"service": "2", "status": "x", "assignee": "me", "overdue": "on", "sort": "-due"}
        if data is not None
        else None,
        services=[(1, "Parking"), (2, "Bus pass")],
        statuses=[("submitted", "Submitted")],
        staff=staff,
    )
    yield allauth_forms.LoginForm(data)
    yield allauth_forms.SignupForm(data)
    category = SimpleNamespace(
        questions=[
            {"code": "size", "label": "How big?", "type": "choice", "choices": ["Small", "Large"], "required": True},
            {"code": "note", "label": "Anything else", "type": "text", "required": False},
        ]
    )
    for signed_in in (False, True):
        try:
            yield DetailsForm(data, category=category, signed_in=signed_in)
        except (KeyError, TypeError, AttributeError):
            yield DetailsForm(data, category=SimpleNamespace(questions=[]), signed_in=signed_in)
        yield UpdateForm(data, signed_in=signed_in, can_reopen=not signed_in)
    yield CategoryForm(data, categories=[])
    yield FilterForm(data, categories=[("pothole", "Pot-hole & <road>")], areas=[(1, "North")])


def _all_forms():
    for data in (None, {}, {"email": "not an email", "title": "x" * 300, "given_name": "<b>&amp;", "login": 'a"b'}):
        for cls in _swept_forms():
            form = _build(cls, data)
            if form is not None:
                yield form
        yield from _explicit_forms(data)
        yield from _service_page_forms(data)


def _template_markup(field_or_form):
    renderer = get_default_renderer()
    return renderer.render_with_template(field_or_form.template_name, field_or_form.get_context())


def _compare(field) -> bool:
    """True when field_html drew *field* (and asserts it drew what the template draws)."""
    fast = field_html(field)
    if fast is None:
        assert field.widget_type not in COVERED, f"{field.name}: {field.widget_type} fell back to the template"
        return False
    assert fast == _template_markup(field), field.name
    return True


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ar"])
def test_every_field_of_the_platform_is_drawn_as_the_template_draws_it(language):
    kinds: dict[str, int] = {}
    with translation.override(language):
        for form in _all_forms():
            assert form_html(form) == _template_markup(form), type(form).__name__
            for field in form:
                if _compare(field):
                    kinds[field.widget_type] = kinds.get(field.widget_type, 0) + 1
    # The sweep did reach every common kind, with and without errors.
    assert {
        "text",
        "email",
        "checkbox",
        "select",
        "textarea",
        "radioselect",
        "checkboxselectmultiple",
        "dateparts",
    } <= set(kinds)
    assert sum(kinds.values()) > 300


class Tricky(forms.Form):
    plain = forms.CharField(label='Name & "title"', help_text="Use <b>plain</b> & text", initial="a<b>&c")
    safe_help = forms.CharField(label=mark_safe("<em>Safe</em>"), help_text=mark_safe("<a href='#x'>guide</a>"))
    safe_value = forms.CharField(initial=mark_safe("<i>kept</i>"), required=False)
    code = forms.CharField(widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}))
    pin = forms.CharField(widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text",
                                                        "spellcheck": "true", "class": "x&y"}))  # fmt: skip
    mail = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}), help_text="We write here")
    amount = forms.DecimalField(initial=1234.5, label="Amount", localize=True)
    count = forms.IntegerField(initial=3)
    tuple_value = forms.CharField(initial=(1, 2), required=False)
    text = forms.CharField(widget=forms.Textarea, initial="line\n<two>", help_text="Hint")
    agree = forms.BooleanField(help_text="Tick & go", initial=True)
    pick = forms.ChoiceField(choices=[("a", "A & a"), ("b", "B")], help_text="Pick")
    hidden = forms.CharField(widget=forms.HiddenInput, initial='x"y')
    when = forms.DateField(required=False, widget=forms.DateInput)
    pw = forms.CharField(widget=forms.PasswordInput)
    born = forms.DateField(widget=DatePartsInput(attrs={"autocomplete": "bday"}), help_text="Your <birthday>")
    due = forms.DateField(widget=DatePartsInput(), initial=datetime.date(2007, 3, 27), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plain"].label_class = "govuk-label--m"

    def clean(self):
        if self.data.get("p-boom"):
            raise forms.ValidationError("Both <b>&</b> at once")
        return super().clean()


@pytest.mark.parametrize("language", ["en", "ar", "fr"])
@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"p-plain": "", "p-mail": "nope", "p-amount": "x", "p-agree": "", "p-count": "-", "p-text": "%s %%"},
        {
            "p-born-day": "03",
            "p-born-month": 'x"<',
            "p-born-year": "",
            "p-due": "2001-02-03",
            "p-safe_value": "<s>",
            "p-boom": "1",
        },
    ],
)
def test_escaping_labels_hints_values_and_widget_attributes(language, data):
    with translation.override(language):
        form = Tricky(data, auto_id="f-%s", prefix="p")
        drawn = [field.name for field in form if _compare(field)]
        assert form_html(form) == _template_markup(form)
    assert "pw" not in drawn  # passwords keep the template
    assert {
        "plain",
        "safe_help",
        "code",
        "pin",
        "mail",
        "amount",
        "text",
        "agree",
        "pick",
        "hidden",
        "born",
        "due",
    } <= set(drawn)


def test_the_renderer_uses_the_python_markup_and_falls_back_for_the_rest():
    form = Tricky({"mail": "nope"})
    html = str(form)
    assert "<a href='#x'>guide</a>" in html
    assert "Use &lt;b&gt;plain&lt;/b&gt; &amp; text" in html
    assert '<span class="govuk-visually-hidden">Error:</span> Enter a valid email address.' in html
    assert 'class="govuk-input govuk-password-input__input' in html  # drawn by the template
    with translation.override("ar"):
        assert "Error:" not in str(Tricky({"mail": "nope"}))


class Options(forms.Form):
    repeated = forms.ChoiceField(choices=[("a", "First"), ("a", "Again"), (1, "One"), (None, "None")], required=False)
    several = forms.MultipleChoiceField(choices=[("a", "A"), ("G", [("b", "B"), ("a", "A too")])], required=False)
    numbers = forms.TypedChoiceField(choices=[(1500, 1500), (2.5, "Two and a half")], coerce=int, required=False)


@pytest.mark.parametrize("data", [None, {"repeated": "a", "several": ["a", "b"], "numbers": "1500"}, {"repeated": ""}])
@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("separator", [False, True])
def test_select_options_match_the_template_loop_of_subwidgets(data, language, separator, settings):
    from django.template import engines

    settings.USE_THOUSAND_SEPARATOR = separator
    loop = (
        '{% for option in field %}<option value="{{ option.data.value }}"{% if option.data.selected %} selected'
        "{% endif %}>{{ option.choice_label }}</option>{% endfor %}"
    )
    engine = engines["django"]
    with translation.override(language):
        form = Options(data)
        for field in form:
            old = engine.from_string(loop).render({"field": field})
            new = engine.from_string("{% load govuk_forms %}{% govuk_select_options field %}").render({"field": field})
            assert new == old
