"""The options of a select, the items of radios and checkboxes, and (``field_html``) whole field
groups of the common kinds, for ``forms/govuk_field.html`` and ``GovukFormRenderer``.

The markup is what the template drew with ``{% for option in field %}`` (kept in the comments of
that template), written here in Python: a form with a few long lists (the caseworker queue's
filter, a service with many choices) otherwise resolves several template variables per option.
Every value and label is written as ``{{ … }}`` writes it (``_text``: localised, escaped unless
marked safe), so the output is byte for byte the same.
"""

from __future__ import annotations

from html import escape as _escape_html

from django import forms, template
from django.conf import settings
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.functional import Promise
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import gettext

from ecitizen.core.templatetags.dates import date_parts

register = template.Library()

# Class names of the two kinds of choice list drawn as inputs.
_ITEM_CLASSES = {
    "radioselect": ("govuk-radios__item", "govuk-radios__input", "govuk-radios__label"),
    "checkboxselectmultiple": ("govuk-checkboxes__item", "govuk-checkboxes__input", "govuk-checkboxes__label"),
}


def _text(value, context) -> str:
    """``{{ value }}``. When autoescaping, the common kinds take a short cut to what
    ``render_value_in_context`` makes of them: a plain string is only escaped, a plain integer only
    turned into digits (no thousand separator configured), a lazy translation escaped once
    resolved; anything else (safe strings, decimals, dates…) takes the template's own path."""
    if context.autoescape:
        kind = type(value)
        if kind is str:
            return _escape_html(value)
        if kind is int and not settings.USE_THOUSAND_SEPARATOR:
            return str(value)
        if isinstance(value, Promise):
            return conditional_escape(str(value))
    return render_value_in_context(value, context)


@register.simple_tag(takes_context=True)
def govuk_select_options(context, field):
    """``<option>`` elements of *field*'s select, in order, the chosen one(s) ``selected``.

    Walks the widget's choices as ``ChoiceWidget.optgroups`` does (groups flattened, only the first
    match selected unless the widget allows several) without building a subwidget per option."""
    widget = field.field.widget
    value = widget.format_value(field.value())
    several = widget.allow_multiple_selected
    has_selected = False
    parts = []
    for option_value, option_label in widget.choices:
        if option_value is None:
            option_value = ""
        choices = option_label if isinstance(option_label, (list, tuple)) else ((option_value, option_label),)
        for subvalue, sublabel in choices:
            selected = (several or not has_selected) and str(subvalue) in value
            has_selected |= selected
            parts.append(
                '<option value="{}"{}>{}</option>'.format(
                    _text(subvalue, context), " selected" if selected else "", _text(sublabel, context)
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


# --- Whole fields -------------------------------------------------------------------------------
# The common branches of ``forms/govuk_field.html`` written in Python (GovukFormRenderer calls
# ``field_html`` before falling back to the template). Same markup, byte for byte, whitespace
# included (the renderer strips what surrounds it); ecitizen/core/tests/test_govuk_field_markup.py
# renders real forms of the platform both ways. Anything not covered here (date parts, password,
# file, other widgets) returns None and the template draws it.

_INPUT_SKIP = frozenset({"password", "passwordinput", "file", "clearablefile"})


def _translated(message: str) -> str:
    """``{% translate message %}``: escaped like any ``{{ value }}``, doubled percent signs restored."""
    return escape(gettext(message)).replace("%%", "%")


def _attr(attrs, key):
    """``{{ widget.attrs.<key> }}``: a missing key resolves to "" (string_if_invalid)."""
    return attrs.get(key, "")


def _error_lines(field, errors, auto_id, context) -> str:
    if not errors:
        return ""
    prefix = _translated("Error:")
    return "".join(
        f'<p id="{auto_id}-error" class="govuk-error-message"><span class="govuk-visually-hidden">{prefix}</span> '
        f"{_text(error, context)}</p>"
        for error in errors
    )


def _describedby(help_text, errors, auto_id) -> str:
    if not (help_text or errors):
        return ""
    return ' aria-describedby="{}{}"'.format(
        f"{auto_id}-hint" if help_text else "", f" {auto_id}-error" if errors else ""
    )


def _stringformat_s(value):
    """``value|stringformat:'s'`` (safe in, safe out)."""
    if isinstance(value, tuple):
        value = str(value)
    try:
        result = "%s" % value  # noqa: UP031 -- the filter's own formatting
    except (ValueError, TypeError):
        return ""
    return mark_safe(result) if isinstance(value, SafeData) else result  # noqa: S308 -- was safe already


def form_html(form) -> str:
    """*form* drawn as ``forms/govuk_form.html`` draws it, stripped: hidden fields (Django's widget
    templates), the form's own errors, then each visible field group."""
    context = Context()
    errors = form.non_field_errors()
    lines = "".join(f'<p class="govuk-body govuk-error-message">{_text(error, context)}</p>' for error in errors)
    return "".join(
        (
            "".join(str(field) for field in form.hidden_fields()),
            f'\n\n  <div class="govuk-error-message">{lines}</div>\n\n' if errors else "\n\n",
            "".join(str(field.as_field_group()) for field in form.visible_fields()),
        )
    ).strip()


def field_html(field) -> str | None:
    """*field* (a BoundField) drawn as ``forms/govuk_field.html`` draws it, stripped; None when the
    template must draw it."""
    widget = field.field.widget
    kind = field.widget_type
    if kind in _INPUT_SKIP:
        return None
    if kind not in ("checkbox", "select", "textarea", "radioselect", "checkboxselectmultiple", "dateparts") and (
        not isinstance(widget, forms.widgets.Input) or isinstance(widget, forms.FileInput)
    ):
        return None
    context = Context()
    errors = field.errors
    help_text = field.help_text
    auto_id = _text(field.auto_id, context)
    label = _text(field.label, context)
    group_class = "govuk-form-group govuk-form-group--error" if errors else "govuk-form-group"
    error_lines = _error_lines(field, errors, auto_id, context)
    describedby = _describedby(help_text, errors, auto_id)
    html_name = _text(field.html_name, context)

    if kind == "checkbox":
        hint = (
            f'<div id="{auto_id}-hint" class="govuk-hint govuk-checkboxes__hint">{_text(help_text, context)}</div>'
            if help_text
            else ""
        )
        return (
            f'<div class="{group_class}">\n  {error_lines}\n'
            '  <div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">\n'
            '    <div class="govuk-checkboxes__item">\n'
            f'      <input class="govuk-checkboxes__input" id="{auto_id}" name="{html_name}" type="checkbox" value="on"'
            f"{' checked' if field.value() else ''}{describedby}>\n"
            f'      <label class="govuk-label govuk-checkboxes__label" for="{auto_id}">{label}</label>\n'
            f"      {hint}\n    </div>\n  </div>\n</div>"
        )

    if kind == "dateparts":
        return _date_parts_html(field, context, group_class, auto_id, label, html_name, errors, error_lines)
    hint = f'<div id="{auto_id}-hint" class="govuk-hint">{_text(help_text, context)}</div>' if help_text else ""
    if kind in _ITEM_CLASSES:
        box = "govuk-radios" if kind == "radioselect" else "govuk-checkboxes"
        return (
            f'<div class="{group_class}">\n  <fieldset class="govuk-fieldset"{describedby}>\n'
            f'    <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{label}</legend>\n'
            f"    {hint}\n    {error_lines}\n"
            f'    <div class="{box}" data-module="{box}">\n      {govuk_choice_items(context, field, kind)}\n'
            "    </div>\n  </fieldset>\n</div>"
        )

    label_class = getattr(field.field, "label_class", "")
    head = (
        f'<div class="{group_class}">\n'
        f'  <label class="govuk-label{" " + _text(label_class, context) if label_class else ""}" for="{auto_id}">'
        f"{label}</label>\n  {hint}\n  {error_lines}\n  \n  "
    )
    if kind == "select":
        control = (
            f'<select class="govuk-select{" govuk-select--error" if errors else ""}" id="{auto_id}" name="{html_name}"'
            f"{describedby}>\n    {govuk_select_options(context, field)}\n  </select>"
        )
    elif kind == "textarea":
        value = field.value()
        control = (
            f'<textarea class="govuk-textarea{" govuk-textarea--error" if errors else ""}" id="{auto_id}" '
            f'name="{html_name}" rows="5"{describedby}>{_text("" if value is None else value, context)}</textarea>'
        )
    else:
        attrs = widget.attrs
        autocomplete = _attr(attrs, "autocomplete")
        input_type = _attr(attrs, "type") or widget.input_type or "text"
        one_time = autocomplete == "one-time-code"
        classes = "govuk-input"
        if errors:
            classes += " govuk-input--error"
        if one_time:
            classes += " govuk-input--width-10 govuk-input--extra-letter-spacing"
        extra_class = _attr(attrs, "class")
        if extra_class:
            classes += " " + _text(extra_class, context)
        parts = [f'<input class="{classes}" id="{auto_id}" name="{html_name}" type="{_text(input_type, context)}"']
        if kind != "passwordinput":
            value = field.value()
            if value is not None:
                parts.append(f' value="{_text(_stringformat_s(value), context)}"')
        if autocomplete:
            parts.append(f' autocomplete="{_text(autocomplete, context)}"')
        inputmode = _attr(attrs, "inputmode")
        if inputmode:
            parts.append(f' inputmode="{_text(inputmode, context)}"')
        elif one_time:
            parts.append(' inputmode="numeric"')
        spellcheck = _attr(attrs, "spellcheck")
        if spellcheck:
            parts.append(f' spellcheck="{_text(spellcheck, context)}"')
        elif input_type == "email" or one_time:
            parts.append(' spellcheck="false"')
        if input_type == "email":
            parts.append(' autocapitalize="none"')
        parts.append(describedby)
        parts.append(">")
        control = "".join(parts)
    return f"{head}{control}\n  \n</div>"


def _date_parts_html(field, context, group_class, auto_id, label, html_name, errors, error_lines) -> str:
    """The GOV.UK date input (day, month and year boxes; the day box carries the field's id)."""
    help_text = field.help_text
    hint = _text(help_text, context) if help_text else _translated("For example, 27 3 2007")
    parts = date_parts(field.value())
    birthday = field.field.widget.attrs.get("autocomplete", "") == "bday"
    error_class = " govuk-input--error" if errors else ""
    boxes = []
    for part, width, message in (("day", 2, "Day"), ("month", 2, "Month"), ("year", 4, "Year")):
        box_id = auto_id if part == "day" else f"{auto_id}-{part}"
        value = _text(parts[part], context)
        autocomplete = f' autocomplete="bday-{part}"' if birthday else ""
        boxes.append(
            '      <div class="govuk-date-input__item"><div class="govuk-form-group">\n'
            f'        <label class="govuk-label govuk-date-input__label" for="{box_id}">{_translated(message)}'
            "</label>\n"
            f'        <input class="govuk-input govuk-date-input__input govuk-input--width-{width}{error_class}" '
            f'id="{box_id}" name="{html_name}-{part}" type="text" inputmode="numeric" value="{value}"{autocomplete}>\n'
            "      </div></div>\n"
        )
    return (
        f'<div class="{group_class}">\n'
        f'  <fieldset class="govuk-fieldset" role="group" aria-describedby="{auto_id}-hint'
        f'{f" {auto_id}-error" if errors else ""}">\n'
        f'    <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{label}</legend>\n'
        f'    <div id="{auto_id}-hint" class="govuk-hint">{hint}</div>\n'
        f"    {error_lines}\n    \n"
        f'    <div class="govuk-date-input" id="{auto_id}-input">\n'
        f"{''.join(boxes)}    </div>\n    \n  </fieldset>\n</div>"
    )
