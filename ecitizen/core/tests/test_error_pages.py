import pytest
from django.test import RequestFactory

from ecitizen.core import views

pytestmark = pytest.mark.django_db


def test_404_page_is_in_the_design(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body and "govuk-header" in body


def test_404_in_spanish(client):
    client.post("/language/", {"language": "es", "next": "/"})
    body = client.get("/no-such-page/").content.decode()
    assert '<html lang="es"' in body and "Page not found" not in body


def test_500_page_renders_without_the_request_context():
    response = views.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()


def test_403_and_400_pages(rf):
    request = rf.get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    request.csp_nonce = "x"
    assert views.permission_denied(request).status_code == 403
    assert views.bad_request(request).status_code == 400


def test_api_without_a_session_gets_401_with_an_error_body(client):
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "Sign in first."}
