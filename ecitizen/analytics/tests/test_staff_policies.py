"""Who may open which staff dashboard: agency staff their agency's, platform admins every agency's,
managers alone the workload, costs and alerts; another agency's service or alert is a 404."""

from __future__ import annotations

import pytest

from ecitizen.analytics.models import AlertRule, ChannelCost
from ecitizen.analytics.policies import dashboard_agencies, settings_agencies, workload_agencies
from ecitizen.analytics.tests.test_staff_fixtures import make_service

pytestmark = pytest.mark.django_db

READ_PAGES = ["/staff/analytics/", "/staff/analytics/reports/"]
MANAGER_PAGES = ["/staff/analytics/workload/", "/staff/analytics/costs/", "/staff/analytics/alerts/"]


@pytest.fixture
def superuser(db):
    from ecitizen.accounts.models import User

    return User.objects.create_superuser(email="root@ecitizen.example", password="correct horse battery")


@pytest.fixture
def moderator_a(make_user, with_mfa, agency_a):
    from ecitizen.agencies.models import Membership

    user = make_user("moderator@council.example")
    Membership.objects.create(user=user, agency=agency_a, role="moderator")
    with_mfa(user)
    return user


@pytest.mark.parametrize("path", READ_PAGES + MANAGER_PAGES + ["/staff/analytics/services/1/"])
def test_signed_out_people_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("path", READ_PAGES + MANAGER_PAGES)
def test_citizens_and_moderators_get_403(mfa_client, citizen, moderator_a, path):
    assert mfa_client(citizen).get(path).status_code == 403
    assert mfa_client(moderator_a).get(path).status_code == 403


@pytest.mark.parametrize("persona", ["caseworker_a", "admin_a", "auditor_a"])
@pytest.mark.parametrize("path", READ_PAGES)
def test_agency_staff_read_their_agencys_dashboards(mfa_client, request, persona, path):
    assert mfa_client(request.getfixturevalue(persona)).get(path).status_code == 200


@pytest.mark.parametrize("path", READ_PAGES + MANAGER_PAGES)
def test_another_agency_is_not_found(mfa_client, admin_a, agency_b, path):
    assert mfa_client(admin_a).get(path, {"agency": agency_b.pk}).status_code == 404
    assert mfa_client(admin_a).get(path, {"agency": "x"}).status_code == 404


def test_another_agencys_service_is_not_found(mfa_client, caseworker_b, caseworker_a, agency_a):
    service = make_service(agency_a)
    assert mfa_client(caseworker_b).get(f"/staff/analytics/services/{service.pk}/").status_code == 404
    assert mfa_client(caseworker_a).get(f"/staff/analytics/services/{service.pk}/").status_code == 200
    assert mfa_client(caseworker_a).get("/staff/analytics/services/999999/").status_code == 404


@pytest.mark.parametrize("persona", ["caseworker_a", "auditor_a"])
@pytest.mark.parametrize("path", MANAGER_PAGES)
def test_caseworkers_and_auditors_cannot_see_workload_or_settings(mfa_client, request, persona, path):
    assert mfa_client(request.getfixturevalue(persona)).get(path).status_code == 403


def test_a_caseworker_cannot_post_costs_or_alerts(mfa_client, caseworker_a, agency_a):
    client = mfa_client(caseworker_a)
    response = client.post("/staff/analytics/costs/", {"currency": "GBP", "online": "2.50"})
    assert response.status_code == 403
    response = client.post("/staff/analytics/alerts/", {"metric": "backlog", "threshold": "5"})
    assert response.status_code == 403
    assert not ChannelCost.objects.exists() and not AlertRule.objects.exists()


@pytest.mark.parametrize("path", MANAGER_PAGES)
def test_agency_admins_open_workload_and_settings(mfa_client, admin_a, path):
    assert mfa_client(admin_a).get(path).status_code == 200


def test_platform_admins_read_every_agency_and_workload_but_set_nothing(
    mfa_client, with_mfa, superuser, agency_a, agency_b
):
    with_mfa(superuser)
    client = mfa_client(superuser)
    for agency in (agency_a, agency_b):
        assert client.get("/staff/analytics/", {"agency": agency.pk}).status_code == 200
        assert client.get("/staff/analytics/workload/", {"agency": agency.pk}).status_code == 200
    assert client.get("/staff/analytics/costs/").status_code == 403
    assert client.get("/staff/analytics/alerts/").status_code == 403


def test_inactive_agencies_are_nobodys(superuser, admin_a, agency_a):
    agency_a.is_active = False
    agency_a.save()
    assert not dashboard_agencies(superuser).filter(pk=agency_a.pk).exists()
    assert not workload_agencies(admin_a).exists()
    assert not settings_agencies(admin_a).exists()


def test_another_agencys_alert_cannot_be_deleted(mfa_client, admin_a, agency_b):
    rule = AlertRule.objects.create(agency=agency_b, metric="backlog", threshold=3)
    client = mfa_client(admin_a)
    assert client.get(f"/staff/analytics/alerts/{rule.pk}/delete/").status_code == 404
    assert client.post(f"/staff/analytics/alerts/{rule.pk}/delete/").status_code == 404
    assert AlertRule.objects.filter(pk=rule.pk).exists()


def test_the_back_office_links_to_the_dashboards(mfa_client, caseworker_a, auditor_a, moderator_a):
    for person in (caseworker_a, auditor_a):
        assert 'href="/staff/analytics/"' in mfa_client(person).get("/staff/").content.decode()
    assert 'href="/staff/analytics/"' not in mfa_client(moderator_a).get("/staff/").content.decode()


def test_reading_a_dashboard_writes_no_audit_row(mfa_client, admin_a):
    from ecitizen.core.models import AuditLog

    before = AuditLog.objects.count()
    for path in READ_PAGES + MANAGER_PAGES:
        assert mfa_client(admin_a).get(path).status_code == 200
    assert AuditLog.objects.count() == before
