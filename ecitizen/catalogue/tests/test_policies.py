"""Only the agency admins of a service's agency may see or change it in the back office."""

from __future__ import annotations

import pytest

from ecitizen.catalogue.models import ServiceVersion
from ecitizen.catalogue.policies import service_policy

pytestmark = pytest.mark.django_db


def urls(service):
    base = f"/staff/services/{service.pk}"
    return [f"{base}/", f"{base}/edit/", f"{base}/form/", f"{base}/preview/", f"{base}/publish/"]


def test_policy_scopes_services_to_the_admins_agencies(admin_a, admin_b, caseworker_a, citizen, draft_service):
    assert list(service_policy.scope(admin_a, "edit")) == [draft_service]
    assert service_policy.can(admin_b, "edit") and not service_policy.can_for(admin_b, "edit", draft_service)
    assert not service_policy.can(caseworker_a, "view")
    assert not service_policy.can(citizen, "view")
    assert not service_policy.can(admin_a, "delete")  # not an action anyone has


def test_admin_of_the_agency_may_open_every_page(client, admin_a, draft_service):
    client.force_login(admin_a)
    assert client.get("/staff/services/").status_code == 200
    for url in urls(draft_service):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", ["caseworker_a", "citizen"])
def test_caseworkers_and_citizens_are_refused(client, request, persona, draft_service):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/staff/services/").status_code == 403
    assert client.get("/staff/services/new/").status_code == 403
    for url in urls(draft_service):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/staff/services/{draft_service.pk}/publish/").status_code == 403
    assert not ServiceVersion.objects.exists()


def test_admin_of_another_agency_is_told_the_service_does_not_exist(client, admin_b, draft_service):
    client.force_login(admin_b)
    listing = client.get("/staff/services/")
    assert listing.status_code == 200
    assert "resident parking permit" not in listing.content.decode()
    for url in urls(draft_service):
        assert client.get(url).status_code == 404, url
    response = client.post(f"/staff/services/{draft_service.pk}/edit/", {"title_en": "Mine now"})
    assert response.status_code == 404
    assert client.post(f"/staff/services/{draft_service.pk}/publish/").status_code == 404
    assert not ServiceVersion.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(client, draft_service):
    response = client.get(f"/staff/services/{draft_service.pk}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_changes_need_post(client, admin_a, draft_service):
    client.force_login(admin_a)
    assert client.get(f"/staff/services/{draft_service.pk}/form/questions/electric/move/").status_code == 405
    assert client.get(f"/staff/services/{draft_service.pk}/form/questions/electric/remove/").status_code == 405
