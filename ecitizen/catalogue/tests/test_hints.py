"""Hints that agency admins write are never raw HTML on a page (issue 9, 2.5).

Service questions and report-category questions (the latter shown to anonymous
visitors) used to go through ``|safe``: an injected ``<meta refresh>`` sent a
citizen to an outside site. Now only a small sanitised subset survives:
paragraphs, line breaks, lists, emphasis and links with safe schemes.
"""

from __future__ import annotations

import re
import uuid

from django.urls import reverse

from ecitizen.catalogue.richtext import hint_html

HOSTILE = (
    '<script>alert("hint")</script>'
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">'
    '<img src="x" onerror="alert(1)">'
    '<a href="javascript:alert(2)">click</a>'
    '<a href="//evil.example/x">here</a>'
    '<a href="https://www.gov.uk/guidance" onclick="steal()">the guidance</a> <em>kept</em> 5 < 6'
)


def hint_div(html: str, field_id: str) -> str:
    match = re.search(rf'<div id="{re.escape(field_id)}-hint" class="govuk-hint">(.*?)</div>', html, re.S)
    assert match, f"no hint for {field_id}"
    return match.group(1)


def assert_defused(page: str, hint: str) -> None:
    for bad in (
        'alert("hint")',
        "http-equiv",
        "evil.example",
        "onerror",
        "javascript:",
        "onclick",
        "<img",
        "<script>a",
    ):
        assert bad not in hint
    assert 'alert("hint")' not in page and "http-equiv" not in page and "evil.example" not in page
    assert 'href="https://www.gov.uk/guidance"' in hint and 'rel="noopener noreferrer nofollow"' in hint
    assert "<em>kept</em>" in hint and "5 &lt; 6" in hint


def test_the_sanitiser_keeps_only_the_small_subset():
    html = hint_html(HOSTILE + "<ul><li>one</li></ul><p>para<br>line</p><strong>s</strong><iframe src=x></iframe>")
    assert_defused(html, html)
    assert "<ul><li>one</li></ul><p>para<br>line</p><strong>s</strong>" in html
    assert "iframe" not in html


def test_a_path_that_a_browser_would_read_as_another_site_is_dropped():
    for href in ("/&#9;/evil.example", "/&#10;/evil.example", "/\u200b/evil.example", "//evil.example"):
        assert "evil.example" not in str(hint_html(f'<a href="{href}">Help</a>')), href
    assert 'href="/help/forms/"' in str(hint_html('<a href="/help/forms/">Help</a>'))


def test_plain_text_hints_are_text():
    assert hint_html("For example, AB12 CDE") == "For example, AB12 CDE"
    assert hint_html("Less than <5 cm & more") == "Less than &lt;5 cm &amp; more"


def test_a_hostile_service_question_hint_is_defused_on_the_question_page(client, agency_a, citizen, verify_identity):
    from ecitizen.cases import services as cases
    from ecitizen.cases.tests.conftest import make_version

    verify_identity(citizen)
    form = {
        "pages": [
            {
                "id": "vehicle",
                "title": {"en": "Your vehicle"},
                "questions": [
                    {"id": "reg", "type": "text", "label": {"en": "Registration"}, "hint": {"en": HOSTILE}},
                    {"id": "kind", "type": "yes_no", "label": {"en": "Electric?"}, "hint": {"en": HOSTILE}},
                ],
            }
        ]
    }
    version = make_version(agency_a, form=form)
    application = cases.application_start(citizen=citizen, service_version=version, start_token=uuid.uuid4())
    client.force_login(citizen)

    page = client.get(reverse("cases:page", args=[application.pk, "vehicle"])).content.decode()

    assert_defused(page, hint_div(page, "id_reg"))
    assert_defused(page, hint_div(page, "id_kind"))


def test_no_html_template_marks_anything_safe():
    """Agency, staff and citizen text is escaped everywhere; sanitised HTML is marked safe in code only."""
    from pathlib import Path

    from django.conf import settings

    roots = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR, "ecitizen").glob("*/templates")]
    offenders = [
        str(path)
        for root in roots
        for path in root.rglob("*.html")
        if re.search(r"\|\s*safe\b|{%\s*autoescape\s+off", re.sub(r"{#.*?#}", "", path.read_text()))
    ]
    assert offenders == []
