"""The options of a select, and the items of radios and checkboxes, for ``forms/govuk_field.html``.

The markup is what the template drew with ``{% for option in field %}`` (kept in the comments of
that template), written here in Python: a form with a few long lists (the caseworker queue's
filter, a service with many choices) otherwise resolves several template variables per option.
Every value and label goes through ``render_value_in_context``, exactly as ``{{ … }}`` does
(localised, escaped unless marked safe), so the output is byte for byte the same.
"""

from __future__ import annotations

from django import template
from django.template.base import render_value_in_context
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()

# Class names of the two kinds of choice list drawn as inputs.
_ITEM_CLASSES = {
    "radioselect": ("govuk-radios__item", "govuk-radios__input", "govuk-radios__label"),
    "checkboxselectmultiple": ("govuk-checkboxes__item", "govuk-checkboxes__input", "govuk-checkboxes__label"),
}


def _text(value, context) -> str:
    """``{{ value }}``: a plain string is only escaped (what ``render_value_in_context`` does to one
    when autoescaping); anything else (numbers, safe or lazy strings) takes the template's own path."""
    if type(value) is str and context.autoescape:
        return escape(value)
    return render_value_in_context(value, context)


@register.simple_tag(takes_context=True)
def govuk_select_options(context, field):
    """``<option>`` elements of *field*'s select, in order, the chosen one(s) ``selected``."""
    parts = []
    for option in field:
        data = option.data
        parts.append(
            '<option value="{}"{}>{}</option>'.format(
                _text(data["value"], context),
                " selected" if data["selected"] else "",
                _text(option.choice_label, context),
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 -- every value and label is escaped by _text


@register.simple_tag(takes_context=True)
def govuk_choice_items(context, field, widget_type):
    """The GOV.UK radio or checkbox items of *field* (``widget_type`` "radioselect" or "checkboxselectmultiple")."""
    item_class, input_class, label_class = _ITEM_CLASSES.get(widget_type, _ITEM_CLASSES["checkboxselectmultiple"])
    parts = []
    for option in field:
        data = option.data
        option_id = _text(option.id_for_label, context)
        parts.append(
            '\n      <div class="{}">\n        <input class="{}" id="{}" name="{}" type="{}" value="{}"{}>\n'
            '        <label class="govuk-label {}" for="{}">{}</label>\n      </div>\n      '.format(
                item_class,
                input_class,
                option_id,
                _text(data["name"], context),
                _text(data["type"], context),
                _text(data["value"], context),
                " checked" if data["selected"] else "",
                label_class,
                option_id,
                _text(option.choice_label, context),
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 -- every value and label is escaped by _text
