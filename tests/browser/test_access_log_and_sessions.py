"""Who looked at my data (repeated views as one line), the audit log's references and the sessions page's
browser names pass axe, and the raw User-Agent opens from its disclosure."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from tests.browser.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(make_user, with_mfa, agency_a):
    from ecitizen.agencies.models import Membership
    from ecitizen.core.access_purposes import AccessPurpose
    from ecitizen.privacy.services import access_record
    from ecitizen.reports.models import Area
    from ecitizen.reports.tests.conftest import make_area, square

    citizen = make_user("amina@example.org", given_name="Amina", family_name="Haddad")
    caseworker = make_user("caseworker@council.example")
    Membership.objects.create(user=caseworker, agency=agency_a, role="caseworker")
    auditor = make_user("auditor@council.example")
    Membership.objects.create(user=auditor, agency=agency_a, role="auditor")
    Membership.objects.create(user=auditor, agency=agency_a, role="agency_admin")
    start = datetime.datetime(2026, 12, 6, 11, 2, tzinfo=datetime.UTC)
    for minute in range(6):
        with time_machine.travel(start + datetime.timedelta(minutes=minute), tick=False):
            access_record(
                staff=caseworker,
                agency=agency_a,
                citizen=citizen,
                purpose=AccessPurpose.APPLICATION,
                reference="CC-2026-000001",
                subject=citizen,
            )
    from ecitizen.reports.admin_services import area_set_active

    area = make_area(agency_a, "Old Town", square(0.0, 52.0, 0.02, 52.02))
    area_set_active(actor=auditor, area=Area.objects.get(pk=area.pk), active=False)
    return {"citizen": citizen.email, "auditor": (auditor.email, with_mfa(auditor)), "area": area}


def test_who_looked_at_my_data_groups_repeated_views(page, world):
    sign_in(page, world["citizen"])
    page.goto("/account/privacy/")
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    text = rows.first.inner_text()
    assert "Viewed 6 times on 6 December 2026 between 11:02am and 11:07am" in text
    assert "Working your application CC-2026-000001" in text
    assert_accessible(page)


def test_the_sessions_page_names_the_browser(page, world):
    sign_in(page, world["citizen"])
    page.goto("/account/sessions/")
    cell = page.locator("tbody tr").first
    assert "Chrome on Linux" in cell.inner_text()
    page.get_by_text("What the browser says").first.click()
    assert "HeadlessChrome" in cell.inner_text() or "Chrome/" in cell.inner_text()
    assert_accessible(page)


def test_the_audit_log_names_objects_and_links_them(page, world):
    sign_in(page, *world["auditor"])
    page.goto("/staff/audit/")
    link = page.get_by_role("link", name="Old Town")
    assert link.first.get_attribute("href") == f"/staff/reports/areas/{world['area'].pk}/"
    assert "reports.area #" not in page.locator("main").inner_text()
    assert_accessible(page)
