"""Selects, radios and checkboxes are drawn in Python (ecitizen.core.templatetags.govuk_forms):
byte for byte what the template loop they replace drew, escaping included."""

from __future__ import annotations

import pytest
from django import forms
from django.template import engines
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

# The loops of templates/forms/govuk_field.html as they were before govuk_forms.
SELECT_LOOP = (
    '{% for option in field %}<option value="{{ option.data.value }}"{% if option.data.selected %} selected'
    "{% endif %}>{{ option.choice_label }}</option>{% endfor %}"
)
ITEMS_LOOP = """{% for option in field %}
      <div class="{% if type == 'radioselect' %}govuk-radios__item{% else %}govuk-checkboxes__item{% endif %}">
        <input class="{% if type == 'radioselect' %}govuk-radios__input{% else %}govuk-checkboxes__input{% endif %}" id="{{ option.id_for_label }}" name="{{ option.data.name }}" type="{{ option.data.type }}" value="{{ option.data.value }}"{% if option.data.selected %} checked{% endif %}>
        <label class="govuk-label {% if type == 'radioselect' %}govuk-radios__label{% else %}govuk-checkboxes__label{% endif %}" for="{{ option.id_for_label }}">{{ option.choice_label }}</label>
      </div>
      {% endfor %}"""  # noqa: E501

CHOICES = [
    ("", "All"),
    ("a&b", 'Fish & "chips" <b>'),
    ("safe", mark_safe("<em>Safe</em>")),
    ("lazy", gettext_lazy("Services")),
    ("é", "Café"),
]


class ChoiceForm(forms.Form):
    plain = forms.ChoiceField(choices=CHOICES, required=False)
    number = forms.TypedChoiceField(choices=[("", "Any")] + [(n, f"No. {n}") for n in (1, 2, 1500)], coerce=int)
    radios = forms.ChoiceField(choices=CHOICES, widget=forms.RadioSelect, required=False)
    boxes = forms.MultipleChoiceField(choices=CHOICES, widget=forms.CheckboxSelectMultiple, required=False)
    grouped = forms.ChoiceField(choices=[("Group", [("x", "X"), ("y", "Y")]), ("z", "Z")], required=False)


FORMS = {
    "unbound": lambda: ChoiceForm(),
    "bound": lambda: ChoiceForm({"plain": "a&b", "number": "1500", "radios": "safe", "boxes": ["é", "lazy"]}),
    "initial": lambda: ChoiceForm(initial={"radios": "lazy", "number": 2}, prefix="f", auto_id="x_%s"),
}


@pytest.mark.parametrize("which", sorted(FORMS))
@pytest.mark.parametrize("language", ["en", "es"])
def test_same_markup_as_the_template_loops(which, language):
    from django.utils import translation

    engine = engines["django"]
    with translation.override(language):
        form = FORMS[which]()
        for name in ("plain", "number", "grouped"):
            field = form[name]
            old = engine.from_string(SELECT_LOOP).render({"field": field})
            new = engine.from_string("{% load govuk_forms %}{% govuk_select_options field %}").render({"field": field})
            assert new == old
        for name in ("radios", "boxes"):
            field = form[name]
            context = {"field": field, "type": field.widget_type}
            old = engine.from_string(ITEMS_LOOP).render(context)
            new = engine.from_string("{% load govuk_forms %}{% govuk_choice_items field type %}").render(context)
            assert new == old


def test_whole_form_keeps_govuk_markup():
    html = str(ChoiceForm({"plain": "a&b", "radios": "safe", "boxes": ["é"]}))
    assert '<option value="a&amp;b" selected>Fish &amp; &quot;chips&quot; &lt;b&gt;</option>' in html
    assert 'class="govuk-radios__input" id="id_radios_2" name="radios" type="radio" value="safe" checked>' in html
    assert '<label class="govuk-label govuk-radios__label" for="id_radios_2"><em>Safe</em></label>' in html
    assert 'class="govuk-checkboxes__input" id="id_boxes_4" name="boxes" type="checkbox" value="é" checked>' in html
