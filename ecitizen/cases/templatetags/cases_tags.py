"""Template helpers for applications, written in Python because lists render them once a row."""

from __future__ import annotations

from html import escape as _stdlib_escape

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from ecitizen.core.dates import format_date
from ecitizen.core.i18n import pick

register = template.Library()


def escape(value) -> str:
    """Django's ``escape`` (the standard library's, quotes included) without its lazy-text wrapper."""
    return _stdlib_escape(str(value))


# The colour of an application's status tag; any status not listed is blue.
TAG_COLOURS = {
    "approved": "govuk-tag--green",
    "refused": "govuk-tag--red",
    "info_requested": "govuk-tag--orange",
    "withdrawn": "govuk-tag--grey",
    "draft": "govuk-tag--grey",
}


@register.simple_tag
def status_tag(application) -> str:
    """``<strong class="govuk-tag …">label</strong>`` for *application*'s status (escaped)."""
    colour = TAG_COLOURS.get(application.status, "govuk-tag--blue")
    return format_html('<strong class="govuk-tag {}">{}</strong>', colour, application.get_status_display())


# One row of the caseworker queue (cases/staff/queue.html). Written here, not in the template:
# 25 rows of some twenty template nodes each were a third of the page's time. The markup is the
# template's, byte for byte (cases/tests/test_hot_pages.py renders both and compares them).
_QUEUE_ROW = (
    '\n          <tr class="govuk-table__row">'
    '\n            <td class="govuk-table__cell" data-label="">'
    '\n              <div class="govuk-checkboxes govuk-checkboxes--small"><div class="govuk-checkboxes__item">'
    '\n                <input class="govuk-checkboxes__input" id="case-{pk}" name="case" type="checkbox"'
    ' value="{pk}">'
    '\n                <label class="govuk-label govuk-checkboxes__label" for="case-{pk}">'
    '<span class="govuk-visually-hidden">{select}</span></label>'
    "\n              </div></div>"
    "\n            </td>"
    '\n            <td class="govuk-table__cell" data-label="{label_reference}">'
    '<a class="govuk-link" href="{url}">{reference}</a></td>'
    '\n            <td class="govuk-table__cell" data-label="{label_service}">{service}</td>'
    '\n            <td class="govuk-table__cell" data-label="{label_status}">{status}</td>'
    '\n            <td class="govuk-table__cell" data-label="{label_assignee}">{assignee}</td>'
    '\n            <td class="govuk-table__cell" data-label="{label_due}">{overdue}{due}</td>'
    "\n          </tr>"
    "\n        "
)


@register.simple_tag
def case_queue_rows(applications, today, case_url_prefix: str) -> str:
    """The queue's table rows for *applications*; a case's page is *case_url_prefix* + pk + "/".

    Each application needs ``service_title`` (see selectors.with_service_titles) and its assignee.
    Every value is escaped here (``escape`` is what Django's autoescaping and format_html apply;
    called directly, as format_html would call it seventeen times a row through lazy wrappers)."""
    labels = {
        "label_reference": escape(gettext("Reference")),
        "label_service": escape(gettext("Service")),
        "label_status": escape(gettext("Status")),
        "label_assignee": escape(gettext("Assigned to")),
        "label_due": escape(gettext("Due")),
    }
    overdue_tag = f'<strong class="govuk-tag govuk-tag--red">{escape(gettext("Overdue"))}</strong> '
    select = gettext("Select %(ref)s")
    rows = []
    for application in applications:
        reference = escape(application.reference)
        assignee = application.assignee
        due = application.due_date
        rows.append(
            _QUEUE_ROW.format(
                pk=int(application.pk),
                # as {% blocktranslate %}: the value is escaped, the translated sentence is not
                select=select % {"ref": reference},
                url=escape(f"{case_url_prefix}{application.pk}/"),
                reference=reference,
                service=escape(pick(application.service_title)),
                status=status_tag(application),
                assignee=escape((assignee.email if assignee is not None else "") or "—"),
                overdue=overdue_tag if due is not None and due < today and application.is_open else "",
                due=escape(format_date(due)),
                **labels,
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 -- every value in it is escaped above
