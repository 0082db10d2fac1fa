"""The words of issue 10 against the demo data (seed_demo): each finds the right things."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

# (language, query, a link that must be among the results, the group it must be in)
EXPECTED = [
    ("en", "pothole", "/reports/new/?category=pothole", "problems"),
    ("en", "potholes", "/reports/new/?category=pothole", "problems"),
    ("en", "pot-hole", "/reports/new/?category=pothole", "problems"),
    ("en", "report a problem", "/reports/new/", "pages"),
    ("en", "street lights", "/reports/new/?category=streetlight", "problems"),
    ("en", "tax", "/fees/#tax-", "fees"),
    ("en", "taxes", "/fees/", "fees"),
    ("en", "parking permits", "/services/resident-parking-permit/", "services"),
    ("en", "verify", "/documents/verify/", "pages"),
    ("fr", "permis", "/services/resident-parking-permit/", "services"),
    ("fr", "taxe fonciere", "/fees/#tax-", "fees"),
    ("fr", "nid de poule", "/reports/new/?category=pothole", "problems"),
    ("es", "impuestos", "/fees/#tax-", "fees"),
    ("es", "baches", "/reports/new/?category=pothole", "problems"),
    ("es", "certificado de nacimiento", "/services/birth-certificate-copy/", "services"),
    ("ar", "ضريبة", "/fees/#tax-", "fees"),
    ("ar", "حفرة", "/reports/new/?category=pothole", "problems"),
    ("ar", "الضرائب العقارية", "/fees/#tax-", "fees"),
]


@pytest.fixture
def demo(db):
    call_command("seed_demo", register_size=5, stdout=io.StringIO())


def test_the_issue_words_find_the_right_things_in_every_language(client, demo):
    from ecitizen.search.selectors import site_search

    problems = []
    for language, query, link, kind in EXPECTED:
        response = client.get("/search/", {"q": query, "lang": language})
        html = response.content.decode()
        assert response.status_code == 200
        group = html.split(f'id="search-group-{kind}"', 1)
        if len(group) != 2 or f'href="{link}' not in group[1].split("</section>", 1)[0]:
            problems.append((language, query, link, kind))
    assert not problems
    # And the first result is the one people want (one test: loading the demo takes a while).
    assert site_search("potholes", language="en").groups[0].results[0].url == "/reports/new/?category=pothole"
    assert site_search("property tax", language="en").groups[0].results[0].url.startswith("/fees/#tax-")
    assert site_search("impuestos", language="es").groups[0].kind == "fees"
