"""The language switcher's items and the hreflang alternates are drawn in Python
(ecitizen.core.templatetags.language_urls): byte for byte what the template loops drew."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.middleware.csrf import get_token
from django.template import engines
from django.template.context_processors import csrf
from django.test import RequestFactory
from django.utils import translation

# The loops as they were before the tags.
OLD_ALTERNATES = (
    "{% load i18n language_urls %}{% if request %}{% get_available_languages as ALTERNATE_LANGUAGES %}"
    "{% for code, name in ALTERNATE_LANGUAGES %}\n"
    '  <link rel="alternate" hreflang="{{ code }}" href="{% language_url code absolute=True %}">{% endfor %}\n'
    '  <link rel="alternate" hreflang="x-default" href="{% language_url absolute=True %}">{% endif %}'
)
OLD_SWITCHER_ITEMS = """{% load i18n language_urls %}{% get_current_language as LANGUAGE_CODE %}{% get_available_languages as LANGUAGES %}{% get_language_info_list for LANGUAGES as languages %}{% for language in languages %}
      <li>
        {% if language.code == LANGUAGE_CODE %}
          <span class="govuk-body-s govuk-!-font-weight-bold" lang="{{ language.code }}" aria-current="true">{{ language.name_local|capfirst }}</span>
        {% elif user.is_authenticated %}
          <form method="post" action="{% url 'set_language' %}" class="ec-inline-form">
            {% csrf_token %}
            <input type="hidden" name="next" value="{% language_url None %}">
            <button type="submit" name="language" value="{{ language.code }}" class="ec-link-button govuk-body-s" lang="{{ language.code }}">{{ language.name_local|capfirst }}</button>
          </form>
        {% else %}
          <a class="govuk-link govuk-body-s" href="{% language_url language.code %}" hreflang="{{ language.code }}" lang="{{ language.code }}" rel="alternate">{{ language.name_local|capfirst }}</a>
        {% endif %}
      </li>
    {% endfor %}"""  # noqa: E501


class _SignedIn:
    is_authenticated = True


def _render(source: str, request, user) -> str:
    context = {"request": request, "user": user, **csrf(request)}
    html = engines["django"].from_string(source).render(context)
    # Each {% csrf_token %} masks the same secret afresh: compare the markup, not the mask.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value="*"', html)


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("user", [AnonymousUser(), _SignedIn()], ids=["visitor", "signed-in"])
@pytest.mark.parametrize("path", ["/services/", '/search/?q=a"<b&lang=es&x=1&x=2', "/caf%C3%A9/"])
def test_same_markup_as_the_template_loops(language, user, path):
    request = RequestFactory().get(path, secure=True)
    get_token(request)
    with translation.override(language):
        assert _render("{% load language_urls %}{% language_alternates %}", request, user) == _render(
            OLD_ALTERNATES, request, user
        )
        assert _render("{% load language_urls %}{% language_switcher_items %}", request, user) == _render(
            OLD_SWITCHER_ITEMS, request, user
        )


def test_nothing_without_a_request():
    assert engines["django"].from_string("{% load language_urls %}{% language_alternates %}").render({}) == ""
