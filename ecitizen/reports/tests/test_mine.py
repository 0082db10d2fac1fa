"""The citizen's "Your reports" page: the reports they made and the ones they follow, nobody else's."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ecitizen.reports import alerts

pytestmark = pytest.mark.django_db


def test_visitors_are_asked_to_sign_in(client):
    response = client.get(reverse("reports:mine"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_lists_reports_made_and_followed_with_their_status(client, citizen, other_citizen, make_report):
    mine = make_report(title="My pot-hole")
    theirs = make_report(actor=other_citizen, title="Ben's pot-hole")
    unrelated = make_report(actor=other_citizen, title="Not followed")
    alerts.alert_subscribe(actor=citizen, kind="report", email=citizen.email, report=theirs)
    client.force_login(citizen)
    page = client.get(reverse("reports:mine")).content.decode()
    made = page[page.index('id="reports-made"') : page.index('id="reports-followed"')]
    followed = page[page.index('id="reports-followed"') :]
    assert "My pot-hole" in made and reverse("reports:detail", args=[mine.pk]) in made
    assert "Open" in made
    assert "Ben&#x27;s pot-hole" in followed and "My pot-hole" not in followed
    assert unrelated.title not in page


def test_another_citizen_sees_none_of_them(client, citizen, other_citizen, make_report):
    make_report(title="My pot-hole")
    client.force_login(other_citizen)
    page = client.get(reverse("reports:mine")).content.decode()
    assert "My pot-hole" not in page
    assert "You have not reported a problem while signed in." in page


@pytest.mark.parametrize("verified_email", [True, False])
def test_an_alert_by_email_counts_only_once_that_address_is_confirmed(
    client, make_user, other_citizen, make_report, verified_email
):
    # given a report followed by email only (an alert made while signed out) at Chloé's address
    from django.utils import timezone

    from ecitizen.reports.models import Alert

    chloe = make_user("chloe@example.org", verified_email=verified_email)
    theirs = make_report(actor=other_citizen, title="Broken lamp")
    Alert.objects.create(kind="report", email="Chloe@Example.org", report=theirs, confirmed_at=timezone.now())
    client.force_login(chloe)
    # then it is hers only if she has confirmed that address (an identity checked in person is not enough)
    page = client.get(reverse("reports:mine")).content.decode()
    assert ("Broken lamp" in page) is verified_email
