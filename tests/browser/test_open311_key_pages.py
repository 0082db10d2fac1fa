"""The Open311 key pages in a real browser: a platform admin issues and revokes a key, axe-core clean."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_platform_admin_issues_and_revokes_a_key(page, make_user, with_mfa):
    from ecitizen.reports.models import ApiClient
    from ecitizen.reports.open311.keys import api_client_authenticate

    admin = make_user("root@ecitizen.example")
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    sign_in(page, "root@ecitizen.example", with_mfa(admin))

    page.goto("/staff/open311/")
    assert_accessible(page)
    page.get_by_role("link", name="Issue a key to an app").click()
    assert_accessible(page)
    page.get_by_role("button", name="Issue the key").click()
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    page.get_by_label("Name of the app").fill("FixIt")
    page.get_by_label("Developer's email address").fill("dev@fixit.example")
    page.get_by_role("button", name="Issue the key").click()
    raw_key = page.get_by_label("API key").input_value()
    assert raw_key.startswith("o311_")
    assert_accessible(page)
    assert api_client_authenticate(raw_key) == ApiClient.objects.get()

    page.get_by_role("link", name="Back to Open311 API keys").click()
    assert raw_key not in page.content()
    page.get_by_role("link", name="Revoke the key of FixIt").click()
    assert_accessible(page)
    page.get_by_role("button", name="Revoke the key").click()
    assert page.get_by_text("Revoked", exact=True).is_visible()
    assert_accessible(page)
    assert api_client_authenticate(raw_key) is None
