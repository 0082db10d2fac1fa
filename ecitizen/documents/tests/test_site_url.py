"""Absolute links (QR codes, "Check this document", the JWKS address) use the real site address:
the request's inside a request, SITE_URL outside one, and a check warns when SITE_URL is wrong."""

from __future__ import annotations

import io

import pytest
from django.test import RequestFactory
from pypdf import PdfReader

from ecitizen.core.checks import site_url_is_an_allowed_host
from ecitizen.core.site import absolute_url, site_url
from ecitizen.documents.pdf import qr_payload, verify_url

pytestmark = pytest.mark.django_db

PORT_8001 = {"HTTP_HOST": "127.0.0.1:8001"}


def test_inside_a_request_links_use_the_address_the_visitor_used(document, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    request = RequestFactory().get("/", **PORT_8001)

    assert site_url(request) == "http://127.0.0.1:8001"
    assert verify_url(document.token, request) == f"http://127.0.0.1:8001/documents/verify/?t={document.token}"
    # but a QR code printed on a PDF outlives the request: the site's public address
    assert qr_payload(document, request) == f"http://127.0.0.1:8000/documents/verify/?t={document.token}"


def test_https_behind_a_proxy_is_kept(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    request = RequestFactory().get("/", HTTP_HOST="localhost", HTTP_X_FORWARDED_PROTO="https")

    assert absolute_url("/documents/", request) == "https://localhost/documents/"


def test_outside_a_request_links_use_site_url(document, settings):
    settings.SITE_URL = "https://portal.example.gov/"

    assert site_url() == "https://portal.example.gov"
    assert verify_url(document.token).startswith("https://portal.example.gov/documents/verify/?t=")


def test_the_document_page_links_to_the_check_on_this_site(client, citizen, document, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    client.force_login(citizen)

    body = client.get(f"/documents/{document.number}/", **PORT_8001).content.decode()

    assert f"http://127.0.0.1:8001/documents/verify/?t={document.token}" in body
    assert "127.0.0.1:8000" not in body


def test_the_verify_page_names_the_jwks_on_this_site(client, document):
    body = client.get("/documents/verify/", {"t": document.token}, **PORT_8001).content.decode()

    assert "http://127.0.0.1:8001/.well-known/jwks.json" in body


def test_the_downloaded_pdf_points_at_the_sites_public_address(client, citizen, document, settings):
    # A PDF outlives the request: it names SITE_URL, not the host it was downloaded through.
    settings.SITE_URL = "http://127.0.0.1:8000"
    client.force_login(citizen)

    response = client.get(f"/documents/{document.number}/pdf/", **PORT_8001)

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "http://127.0.0.1:8000/documents/verify/" in text
    assert "8001" not in text


def test_a_document_issued_at_another_address_still_verifies_here(client, document, settings):
    settings.SITE_URL = "https://portal.example.gov"

    response = client.get("/documents/verify/", {"t": document.token})

    assert response.context["result"].status == "valid"


# --- The system check -------------------------------------------------------------------


def test_check_warns_when_site_url_is_not_an_allowed_host_in_production(settings):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["portal.example.gov"]
    settings.SITE_URL = "http://127.0.0.1:8000"

    warnings = site_url_is_an_allowed_host(None)

    assert [w.id for w in warnings] == ["ecitizen.W010"]
    assert "127.0.0.1:8000" in warnings[0].msg


@pytest.mark.parametrize(
    "site_url_value,allowed",
    [
        ("https://portal.example.gov", ["portal.example.gov"]),
        ("https://www.example.gov", [".example.gov"]),
        ("http://127.0.0.1:8001", ["localhost", "127.0.0.1"]),
        ("https://anything.example", ["*"]),
    ],
)
def test_check_is_quiet_when_site_url_is_allowed(settings, site_url_value, allowed):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = allowed
    settings.SITE_URL = site_url_value

    assert site_url_is_an_allowed_host(None) == []


def test_check_is_quiet_in_development(settings):
    settings.DEBUG = True
    settings.ALLOWED_HOSTS = ["portal.example.gov"]
    settings.SITE_URL = "http://127.0.0.1:8000"

    assert site_url_is_an_allowed_host(None) == []


def test_production_check_fails_with_the_default_site_url():
    """The deployment checklist (``check --deploy --fail-level WARNING``) refuses a production
    configuration whose SITE_URL is still the development default."""
    import subprocess
    import sys

    from ecitizen.core.tests.test_security import ROOT, _production_env

    env = {**_production_env(), "SITE_URL": "http://127.0.0.1:8000"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "ecitizen.W010" in result.stdout + result.stderr
