"""Languages have addresses: ``?lang=xx`` on any page, and ``/xx/…`` redirecting there."""

from __future__ import annotations

import pytest

from ecitizen.accounts.selectors import profile_for
from ecitizen.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db


def html_lang(response) -> str:
    return response.content.decode().split("<html ", 1)[1].split(">", 1)[0]


@pytest.mark.parametrize(("code", "direction"), [("es", "ltr"), ("fr", "ltr"), ("ar", "rtl"), ("en", "ltr")])
def test_lang_in_the_address_shows_the_page_in_it_and_remembers_it(client, code, direction):
    response = client.get("/", {"lang": code})
    assert response.status_code == 200
    assert html_lang(response) == f'lang="{code}" dir="{direction}" class="govuk-template"'
    assert response.cookies["ecitizen_language"].value == code
    assert response.cookies["ecitizen_language"]["httponly"]
    # The cookie keeps it on the next page, without ?lang.
    assert f'lang="{code}"' in html_lang(client.get("/services/"))


def test_lang_works_on_any_page_and_keeps_its_query(client):
    response = client.get("/services/", {"q": "permit", "lang": "fr"})
    assert 'lang="fr"' in html_lang(response)
    assert 'value="permit"' in response.content.decode()


@pytest.mark.parametrize("value", ["xx", "", "ES ", "../es", "es-XX", "e" * 50, "<script>"])
def test_an_unknown_lang_is_ignored(client, value):
    response = client.get("/", {"lang": value})
    if value == "ES ":  # a known code, however written
        assert 'lang="es"' in html_lang(response)
        return
    assert response.status_code == 200
    assert 'lang="en"' in html_lang(response)
    assert "ecitizen_language" not in response.cookies


def test_a_link_with_lang_never_changes_a_signed_in_persons_account(client, citizen):
    # A GET changes nothing: a shared link shows the page in Arabic without rewriting
    # the person's settings (the switcher's POST form and the language page do that).
    client.force_login(citizen)
    before = profile_for(citizen).preferred_language
    response = client.get("/account/", {"lang": "ar"})
    assert 'lang="ar"' in html_lang(response)
    assert "ecitizen_language" not in response.cookies
    assert profile_for(citizen).preferred_language == before
    assert not AuditLog.objects.filter(action=AuditAction.LANGUAGE_CHANGED, actor=citizen).exists()
    assert 'lang="ar"' not in html_lang(client.get("/account/"))


def test_the_switcher_is_a_post_form_for_a_signed_in_person(client, citizen):
    client.force_login(citizen)
    page = client.get("/account/").content.decode()
    assert 'action="/language/"' in page
    assert 'name="language" value="ar"' in page


def test_lang_beats_the_account_language_for_that_page(client, make_user):
    user = make_user("lucia@example.org", preferred_language="es")
    client.force_login(user)
    assert 'lang="es"' in html_lang(client.get("/"))
    assert 'lang="fr"' in html_lang(client.get("/", {"lang": "fr"}))


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/es/", "/?lang=es"),
        ("/fr/", "/?lang=fr"),
        ("/ar/", "/?lang=ar"),
        ("/ar", "/?lang=ar"),
        ("/AR/", "/?lang=ar"),
        ("/en/services/", "/services/?lang=en"),
        ("/es/services/?q=permiso", "/services/?q=permiso&lang=es"),
        ("/fr/services/?lang=ar", "/services/?lang=fr"),
        ("/ar/reports/new/", "/reports/new/?lang=ar"),
    ],
)
def test_a_language_prefix_redirects_to_the_lang_address(client, path, target):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == target
    assert client.get(target).status_code in (200, 302)


@pytest.mark.parametrize(
    "path",
    [
        "/ar//evil.example/",
        "/ar/\\evil.example",
        "/es///evil.example/x",
        "/fr/%2F%2Fevil.example",
        "/ar/%5Cevil.example",
    ],
)
def test_a_language_prefix_is_never_an_open_redirect(client, path):
    response = client.get(path)
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/") and not location.startswith("//") and not location.startswith("/\\")
    assert "\\" not in location.split("?")[0]


def test_a_prefix_with_a_newline_is_not_a_header_injection(client):
    response = client.get("/ar/x%0d%0aSet-Cookie:%20a=b")
    assert response.status_code == 302
    assert "\n" not in response["Location"] and "\r" not in response["Location"]


def test_other_addresses_starting_like_a_language_are_untouched(client):
    assert client.get("/arabic/").status_code == 404
    assert client.get("/esx/").status_code == 404
    assert client.post("/es/").status_code in (403, 404)  # only GET and HEAD redirect


def test_every_page_names_its_other_language_addresses(client):
    html = client.get("/services/", {"q": "permit"}).content.decode()
    for code in ("en", "es", "fr", "ar"):
        assert (
            f'<link rel="alternate" hreflang="{code}" href="http://testserver/services/?q=permit&amp;lang={code}">'
            in html
        )
    assert '<link rel="alternate" hreflang="x-default" href="http://testserver/services/?q=permit">' in html


def test_the_language_switcher_is_plain_links(client):
    html = client.get("/services/", {"q": "permit", "lang": "fr"}).content.decode()
    switcher = html.split('aria-label="Choisir une langue"')[-1].split("</nav>")[0] if "Choisir" in html else html
    assert 'href="/services/?q=permit&amp;lang=es" hreflang="es" lang="es"' in switcher
    assert 'href="/services/?q=permit&amp;lang=ar" hreflang="ar" lang="ar"' in switcher
    assert 'href="/services/?q=permit&amp;lang=en" hreflang="en" lang="en"' in switcher
    assert 'aria-current="true">Français</span>' in html


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("//evil.example/x", "/evil.example/x?lang=es"),
        ("/\\evil.example/x", "/evil.example/x?lang=es"),
        ("/services/a b", "/services/a%20b?lang=es"),
        ("/x\r\nSet-Cookie: a=b", "/x%0D%0ASet-Cookie:%20a%3Db?lang=es"),
    ],
)
def test_the_switcher_and_alternates_stay_on_this_site(rf, path, expected):
    from ecitizen.core.language_urls import url_for_language

    request = rf.get("/")
    request.path = request.path_info = path
    assert url_for_language(request, "es") == expected
    assert url_for_language(request, "es", absolute=True) == "http://testserver" + expected
    assert url_for_language(request, "xx") == expected.split("?")[0]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/ar//evil.example/x", "/evil.example/x?lang=ar"),
        ("/ar/\\evil.example", "/evil.example?lang=ar"),
        ("/fr/x\r\ny", "/x%0D%0Ay?lang=fr"),
        ("/es", "/?lang=es"),
        ("/services/", None),
        ("/arabic/", None),
    ],
)
def test_a_prefixed_address_becomes_a_path_on_this_site(rf, path, expected):
    from ecitizen.core.language_urls import prefixed_redirect

    request = rf.get("/")
    request.path = request.path_info = path
    assert prefixed_redirect(request) == expected


def test_the_switchers_next_address_drops_lang_so_the_choice_sticks(client, citizen):
    client.force_login(citizen)
    page = client.get("/account/?lang=ar").content.decode()
    assert 'name="next" value="/account/"' in page
