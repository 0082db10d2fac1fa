"""The header, footer and site search are partly rendered once per process ({% fragment %}): what
one person sees must never reach another, nor one language another, nor one page another."""

from __future__ import annotations

import re

import pytest
from django.template import engines
from django.test import override_settings
from django.urls import reverse

from ecitizen.core.templatetags import fragments

pytestmark = pytest.mark.django_db


def _header(response) -> str:
    page = response.content.decode()
    return page[page.index("<header") : page.index("</header>")]


def _footer(response) -> str:
    page = response.content.decode()
    return page[page.index("<footer") : page.index("</footer>")]


def test_staff_header_never_reaches_a_citizen_or_a_visitor(client, caseworker_a, citizen):
    staff_link = f'href="{reverse("staff:home")}"'
    for _ in range(2):  # the second round is served from the remembered fragments
        client.force_login(caseworker_a)
        header = _header(client.get(reverse("cases:mine")))
        assert staff_link in header and "Sign out" in header

        client.force_login(citizen)
        header = _header(client.get(reverse("cases:mine")))
        assert staff_link not in header
        assert "Your applications" in header and "Sign out" in header

        client.logout()
        header = _header(client.get(reverse("catalogue:index")))
        assert staff_link not in header and "Sign out" not in header and "Your applications" not in header
        assert "Sign in" in header and "Create an account" in header


def test_back_office_menu_is_each_staff_members_own(client, caseworker_a, admin_a):
    for _ in range(2):
        client.force_login(admin_a)
        assert "Taxes" in _header(client.get(reverse("staff:home")))
        client.force_login(caseworker_a)
        header = _header(client.get(reverse("staff:home")))
        assert "Taxes" not in header and "Cases" in header


def test_each_language_gets_its_own_header_and_footer(client):
    for _ in range(2):
        english = client.get(reverse("catalogue:index"), {"lang": "en"})
        spanish = client.get(reverse("catalogue:index"), {"lang": "es"})
        assert ">Services<" in _header(english) and ">Servicios<" not in _header(english)
        assert ">Servicios<" in _header(spanish) and ">Services<" not in _header(spanish)
        assert "Saltar al contenido principal" in spanish.content.decode()
        assert "Skip to main content" in english.content.decode()
        assert ">Servicios<" in _footer(spanish) and ">Services<" in _footer(english)


def test_the_current_section_is_marked_on_each_page(client):
    def active(response) -> list[str]:
        return re.findall(r'service-navigation__item--active">\s*<a[^>]*>([^<]+)<', _header(response))

    for _ in range(2):
        assert active(client.get(reverse("catalogue:index"))) == ["Services"]
        assert active(client.get(reverse("reports:list"))) == ["Report a problem"]
        assert active(client.get(reverse("home"))) == []


def test_search_words_stay_with_their_own_request(client):
    first = _header(client.get(reverse("search:index"), {"q": "alpha"}))
    second = _header(client.get(reverse("search:index"), {"q": 'beta"<'}))
    elsewhere = _header(client.get(reverse("catalogue:index")))
    assert 'value="alpha"' in first
    assert 'value="beta&quot;&lt;"' in second and "alpha" not in second
    assert 'name="q" type="search" value=""' in elsewhere


def test_unread_count_is_each_persons_own(client, citizen, other_citizen):
    from ecitizen.notifications.models import Notification

    Notification.objects.create(user=citizen, subject="Hello", body="Hi")
    for _ in range(2):
        client.force_login(citizen)
        assert "1 unread message" in _header(client.get(reverse("cases:mine")))
        client.force_login(other_citizen)
        assert "unread message" not in _header(client.get(reverse("cases:mine")))


def test_site_name_is_part_of_the_key(client):
    client.get(reverse("home"))
    with override_settings(PLATFORM_NAME="Elsewhere Online"):
        response = client.get(reverse("home"))
    assert "Elsewhere Online is open-source software." in _footer(response)
    assert "Elsewhere Online" in _header(response)


def test_a_fragment_is_remembered_by_its_arguments_and_the_language():
    fragments.clear()
    template = engines["django"].from_string(
        '{% load fragments i18n %}{% fragment "t" key %}{{ body }}|{% translate "Services" %}{% endfragment %}'
    )
    from django.utils import translation

    assert template.render({"key": 1, "body": "one"}) == "one|Services"
    assert template.render({"key": 1, "body": "two"}) == "one|Services"  # remembered
    assert template.render({"key": 2, "body": "two"}) == "two|Services"
    with translation.override("es"):
        assert template.render({"key": 1, "body": "three"}) == "three|Servicios"
    with override_settings(DEBUG=True):  # while developing, templates are always rendered afresh
        assert template.render({"key": 1, "body": "four"}) == "four|Services"
    fragments.clear()
    assert template.render({"key": 1, "body": "five"}) == "five|Services"


def test_fragment_needs_a_quoted_name():
    from django.template import TemplateSyntaxError

    with pytest.raises(TemplateSyntaxError):
        engines["django"].from_string("{% load fragments %}{% fragment name %}x{% endfragment %}")


def test_fragment_cannot_hold_a_block():
    from django.template import TemplateSyntaxError

    with pytest.raises(TemplateSyntaxError):
        engines["django"].from_string(
            '{% load fragments %}{% fragment "b" %}{% block x %}{% endblock %}{% endfragment %}'
        )
