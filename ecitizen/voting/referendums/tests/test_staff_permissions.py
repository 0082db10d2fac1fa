"""Who may do what in the referendums' back office: staff of another agency get nothing (404),
staff without the role get 403, auditors read, the public sees a referendum only once it is ready."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ecitizen.voting.referendums.models import Referendum
from ecitizen.voting.referendums.policies import referendum_policy

pytestmark = pytest.mark.django_db

PAGES = ["detail", "edit", "question_new", "setup_sign_off", "trustee", "counter", "sheets", "result"]
POSTS = ["keys_start", "keys_restart", "result_sign_off", "result_publish"]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_of_another_agency_get_nothing(make_referendum, caseworker_b, make_user, with_mfa, agency_b):
    from ecitizen.agencies.models import Membership

    admin_b = make_user("admin@transport.example")
    Membership.objects.create(user=admin_b, agency=agency_b, role="agency_admin")
    with_mfa(admin_b)
    referendum = make_referendum("open").referendum
    for person in (caseworker_b, admin_b):
        client = _client(person)
        for name in PAGES:
            assert client.get(reverse(f"referendums_staff:{name}", args=[referendum.pk])).status_code == 404, name
        for name in POSTS:
            assert client.post(reverse(f"referendums_staff:{name}", args=[referendum.pk])).status_code == 404, name
        listing = client.get(reverse("referendums_staff:index"))
        assert listing.status_code == 200 and referendum.pk not in [r.pk for r in listing.context["referendums"]]


def test_roles_within_the_agency(make_referendum, caseworker_a, auditor_a, admin_a):
    referendum = make_referendum("keys").referendum
    auditor, caseworker, admin = _client(auditor_a), _client(caseworker_a), _client(admin_a)
    for name in ("detail", "result"):
        assert auditor.get(reverse(f"referendums_staff:{name}", args=[referendum.pk])).status_code == 200
    for name in ("edit", "question_new", "setup_sign_off", "counter", "sheets", "trustee"):
        assert auditor.get(reverse(f"referendums_staff:{name}", args=[referendum.pk])).status_code == 403, name
    for name in ("edit", "question_new", "setup_sign_off", "trustee"):
        assert caseworker.get(reverse(f"referendums_staff:{name}", args=[referendum.pk])).status_code == 403, name
    assert caseworker.get(reverse("referendums_staff:counter", args=[referendum.pk])).status_code == 200
    assert caseworker.post(reverse("referendums_staff:keys_restart", args=[referendum.pk])).status_code == 403
    assert caseworker.get(reverse("referendums_staff:new")).status_code == 404
    assert admin.get(reverse("referendums_staff:edit", args=[referendum.pk])).status_code == 200
    assert admin.get(reverse("referendums_staff:trustee", args=[referendum.pk])).status_code == 403


def test_the_returning_officer_signs_without_being_an_admin(make_referendum, referendum_people):
    referendum = make_referendum("keys").referendum
    client = _client(referendum_people["officer"])  # a caseworker
    assert client.get(reverse("referendums_staff:setup_sign_off", args=[referendum.pk])).status_code == 200
    assert referendum_policy.can_for(referendum_people["officer"], "publish", referendum)
    other = make_referendum("keys", returning_officer=referendum_people["trustees"][0]).referendum
    assert client.get(reverse("referendums_staff:setup_sign_off", args=[other.pk])).status_code == 403


def test_citizens_and_visitors_get_no_back_office(make_referendum, citizen, client):
    referendum = make_referendum("open").referendum
    response = client.get(reverse("referendums_staff:detail", args=[referendum.pk]))
    assert response.status_code == 302 and "login" in response["Location"]
    citizen_client = _client(citizen)
    assert citizen_client.get(reverse("referendums_staff:index")).status_code == 404
    assert citizen_client.get(reverse("referendums_staff:detail", args=[referendum.pk])).status_code == 404


def test_the_public_sees_a_referendum_once_it_is_ready(make_referendum, citizen, caseworker_a):
    visible = {stage: make_referendum(stage).referendum for stage in ("draft", "keys", "ready", "open")}
    seen = set(referendum_policy.scope(citizen, "view").values_list("pk", flat=True))
    assert seen == {visible["ready"].pk, visible["open"].pk}
    staff_seen = set(referendum_policy.scope(caseworker_a, "view").values_list("pk", flat=True))
    assert staff_seen == set(Referendum.objects.values_list("pk", flat=True))
