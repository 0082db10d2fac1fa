"""The public list's lines, written by the view (views._list_rows), are what the template's loop
drew: same markup, same escaping, in every language."""

from __future__ import annotations

import re

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import translation

from ecitizen.core.dates import format_date
from ecitizen.reports import selectors
from ecitizen.reports.models import Report, Status
from ecitizen.reports.views import STATUS_TAGS

pytestmark = pytest.mark.django_db

# The loop list.html had before the lines were written in Python.
TEMPLATE_LOOP = (
    '<ul class="govuk-list">\n'
    "      {% for row in rows %}\n"
    '      <li class="govuk-!-margin-bottom-4">\n'
    '        <h3 class="govuk-heading-s govuk-!-margin-bottom-1">'
    '<a class="govuk-link" href="{{ row.url }}">{{ row.title }}</a></h3>\n'
    '        <p class="govuk-body-s govuk-!-margin-bottom-1">'
    '<strong class="govuk-tag {{ row.tag }}">{{ row.status }}</strong> {{ row.category }} · '
    "{% if row.area %}{{ row.area }} · {% endif %}{{ row.agency }}</p>\n"
    '        <p class="govuk-body-s govuk-!-margin-bottom-0">{{ row.reported }}</p>\n'
    "      </li>\n"
    "      {% endfor %}\n"
    "    </ul>"
)


def _template_rows() -> str:
    rows = [
        {
            "url": reverse("reports:detail", args=[report.pk]),
            "title": report.title,
            "tag": STATUS_TAGS.get(report.status, "govuk-tag--grey"),
            "status": Status(report.status).label,
            "category": report.category.display_name(),
            "area": report.area.display_name() if report.area_id else "",
            "agency": report.agency.display_name,
            "reported": translation.gettext("#%(ref)s, reported on %(date)s")
            % {"ref": report.pk, "date": format_date(report.created_at)},
        }
        for report in list(selectors.reports_for_list(selectors.Filters())[:20])
    ]
    return engines["django"].from_string(TEMPLATE_LOOP).render({"rows": rows})


@pytest.mark.parametrize("language", ["en", "es", "ar", "fr"])
def test_the_lines_are_what_the_template_drew(client, make_report, streetlight, language):
    make_report(title='<b>"Tom & Jerry\'s"</b> pot-hole')
    make_report(title="Lamp out", service_code="streetlight", answers={"lamp_post": "12"})
    outside = make_report(title="Somewhere else")
    Report.objects.filter(pk=outside.pk).update(area=None, status=Status.FIXED)
    fixed = make_report(title="Fixed one")
    Report.objects.filter(pk=fixed.pk).update(status=Status.IN_PROGRESS)
    page = client.get("/reports/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    shown = re.search(r'<ul class="govuk-list">.*?</ul>', page, re.S).group(0)
    with translation.override(language):
        expected = _template_rows()
    assert shown == expected
    assert "&lt;b&gt;&quot;Tom &amp; Jerry&#x27;s&quot;&lt;/b&gt;" in shown
    assert shown.count("<li ") == 4
