"""Alert pages: subscribing near a place or in an area, following a report, confirming and unsubscribing."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ecitizen.reports import alerts
from ecitizen.reports.models import Alert, AlertKind
from ecitizen.reports.tests.conftest import OLD_TOWN

pytestmark = pytest.mark.django_db


@pytest.fixture
def area_alert(city):
    return Alert.objects.create(
        kind=AlertKind.AREA, email="sub@example.org", area=city["old_town"], confirmed_at=timezone.now()
    )


def test_home_explains_and_lists_own_alerts(client, citizen, city):
    assert client.get(reverse("reports:alerts")).status_code == 200
    alerts.alert_subscribe(actor=citizen, kind=AlertKind.AREA, area=city["old_town"])
    client.force_login(citizen)
    html = client.get(reverse("reports:alerts")).content.decode()
    assert "New reports in Old Town" in html
    assert "Stop" in html


def test_signed_in_user_stops_an_alert_from_the_list(client, citizen, city):
    alert = alerts.alert_subscribe(actor=citizen, kind=AlertKind.AREA, area=city["old_town"])
    client.force_login(citizen)
    response = client.post(
        reverse("reports:unsubscribe", args=[alerts.unsubscribe_token(alert)]), {"next": "alerts"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("reports:alerts")
    assert not Alert.objects.get(pk=alert.pk).is_active
    assert "You have no alerts." in response.content.decode()


def test_anonymous_area_alert_needs_email_then_confirms(client, city, mailoutbox, django_capture_on_commit_callbacks):
    page = client.get(reverse("reports:alert_new"))
    assert page.status_code == 200 and "Old Town" in page.content.decode()
    missing = client.post(reverse("reports:alert_new"), {"kind": "area", "area-area": city["old_town"].pk})
    assert missing.status_code == 200
    assert "Enter your email address" in missing.content.decode()
    assert "govuk-error-summary" in missing.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:alert_new"),
            {"kind": "area", "area-area": city["old_town"].pk, "area-email": "anon@example.org"},
        )
    assert response.status_code == 200 and "Check your email" in response.content.decode()
    alert = Alert.objects.get(email="anon@example.org")
    assert alert.kind == AlertKind.AREA and not alert.is_active
    link = re.search(r"http://[^/]+(/reports/alerts/confirm/[^/\s]+/)", mailoutbox[0].body).group(1)
    assert alerts.alert_for_token("alert", link.split("/")[-2]).pk == alert.pk
    # GET only shows the button.
    assert client.get(link).status_code == 200
    assert not Alert.objects.get(pk=alert.pk).is_active
    assert client.post(link).status_code == 200
    assert Alert.objects.get(pk=alert.pk).is_active
    assert client.post(reverse("reports:alert_confirm", args=["forged"])).status_code == 400


def test_signed_in_radius_alert_by_coordinates(client, citizen):
    client.force_login(citizen)
    response = client.post(
        reverse("reports:alert_new"),
        {"kind": "radius", "place-latitude": "52.03", "place-longitude": "0.005", "place-radius_m": "1000"},
    )
    assert response.status_code == 302
    alert = Alert.objects.get(kind=AlertKind.RADIUS)
    assert alert.is_active and alert.radius_m == 1000 and alert.latitude == 52.03 and alert.email == citizen.email


def test_radius_alert_refuses_a_distance_not_offered_and_a_bad_point(client, citizen):
    client.force_login(citizen)
    response = client.post(
        reverse("reports:alert_new"),
        {"kind": "radius", "place-latitude": "95", "place-longitude": "0.005", "place-radius_m": "1000"},
    )
    assert response.status_code == 200
    assert "Enter the place as a latitude" in response.content.decode()
    response = client.post(
        reverse("reports:alert_new"),
        {"kind": "radius", "place-latitude": "52", "place-longitude": "0", "place-radius_m": "50000"},
    )
    assert response.status_code == 200
    assert Alert.objects.count() == 0


def test_radius_alert_by_address_search(client, citizen, monkeypatch):
    from types import SimpleNamespace

    from ecitizen.exchange import selectors

    found = SimpleNamespace(uprn="100001", line="1 High Street, Northbridge", latitude=52.031, longitude=0.004)
    monkeypatch.setattr(
        selectors,
        "address_search_page",
        lambda q, per_page=10: SimpleNamespace(items=[found], total=12) if "high" in q.lower() else None,
    )
    monkeypatch.setattr(selectors, "address_get", lambda uprn, **kw: found if uprn == "100001" else None)
    client.force_login(citizen)
    page = client.get(reverse("reports:alert_new"), {"q": "High Street"})
    assert "1 High Street, Northbridge" in page.content.decode()
    assert "Showing the 1 best matches of 12." in page.content.decode()
    response = client.post(
        reverse("reports:alert_new"),
        {"kind": "radius", "place-q": "High Street", "place-address": "100001", "place-radius_m": "250"},
    )
    assert response.status_code == 302
    alert = Alert.objects.get()
    assert (alert.latitude, alert.longitude, alert.radius_m) == (52.031, 0.004, 250)


def test_follow_a_report(client, make_report, other_citizen):
    report = make_report()
    url = reverse("reports:follow", args=[report.pk])
    assert client.get(url).status_code == 200
    client.force_login(other_citizen)
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("reports:detail", args=[report.pk])
    assert Alert.objects.get(kind=AlertKind.REPORT, report=report, email=other_citizen.email).is_active
    client.post(url)
    assert Alert.objects.filter(kind=AlertKind.REPORT, report=report, email=other_citizen.email).count() == 1


def test_cannot_follow_a_hidden_report(client, make_report, moderator_a):
    from ecitizen.reports.services import report_hide

    report = make_report()
    report_hide(actor=moderator_a, report=report, reason="Abuse")
    assert client.get(reverse("reports:follow", args=[report.pk])).status_code == 404


def test_one_click_unsubscribe_without_csrf_is_idempotent(area_alert):
    client = Client(enforce_csrf_checks=True)
    url = reverse("reports:unsubscribe", args=[alerts.unsubscribe_token(area_alert)])
    body = "List-Unsubscribe=One-Click"
    response = client.post(url, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    area_alert.refresh_from_db()
    first = area_alert.unsubscribed_at
    assert first is not None
    again = client.post(url, body, content_type="application/x-www-form-urlencoded")
    assert again.status_code == 200
    area_alert.refresh_from_db()
    assert area_alert.unsubscribed_at == first


def test_unsubscribe_get_changes_nothing_and_forged_token_is_400(client, area_alert):
    url = reverse("reports:unsubscribe", args=[alerts.unsubscribe_token(area_alert)])
    response = client.get(url)
    assert response.status_code == 200 and "Stop this alert" in response.content.decode()
    area_alert.refresh_from_db()
    assert area_alert.is_active
    forged = alerts.unsubscribe_token(area_alert)[:-3] + "abc"
    assert (
        Client(enforce_csrf_checks=True)
        .post(
            reverse("reports:unsubscribe", args=[forged]),
            "List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        )
        .status_code
        == 400
    )
    confirm_token = alerts.confirm_token(area_alert)  # right alert, wrong purpose
    assert client.post(reverse("reports:unsubscribe", args=[confirm_token])).status_code == 400
    area_alert.refresh_from_db()
    assert area_alert.is_active


def test_no_more_emails_after_unsubscribing(
    client, area_alert, make_report, mailoutbox, django_capture_on_commit_callbacks
):
    client.post(reverse("reports:unsubscribe", args=[alerts.unsubscribe_token(area_alert)]))
    with django_capture_on_commit_callbacks(execute=True):
        make_report(latitude=OLD_TOWN[0], longitude=OLD_TOWN[1])
    assert [m for m in mailoutbox if m.to == ["sub@example.org"]] == []


def test_subscribing_is_rate_limited(client, city, settings):
    settings.ECITIZEN_RATE_LIMITS_ENABLED = True
    from django.core.cache import cache

    cache.clear()
    statuses = set()
    for i in range(25):
        response = client.post(
            reverse("reports:alert_new"),
            {"kind": "area", "area-area": city["old_town"].pk, "area-email": f"a{i}@example.org"},
        )
        statuses.add(response.status_code)
    assert 429 in statuses
    cache.clear()


def test_every_email_template_renders(make_report, caseworker_a, city):
    """Subjects are one line and nothing is left unrendered, in both delivery paths' contexts."""
    from django.conf import settings
    from django.template.loader import render_to_string

    from ecitizen.reports.models import Questionnaire, ReportUpdate, Status

    report = make_report()
    update = ReportUpdate(report=report, text="Crew booked.", new_status=Status.FIXED, fixed_answer=False)
    alert = Alert(kind=AlertKind.AREA, area=city["old_town"], email="x@example.org")
    base = {"report": report, "link": "https://example.org/x", "PLATFORM_NAME": settings.PLATFORM_NAME}
    contexts = {
        "agency": [{**base, "reason": r} for r in ("new", "reopened", "forwarded")],
        "confirm": [base],
        "received": [base, {"report": report}],
        "confirm_update": [{**base, "update": update}],
        "status": [{"report": report, "update": update, "status": Status.FIXED.label, "original": report}],
        "alert_report": [{**base, "alert": alert, "unsubscribe_url": "https://example.org/u"}],
        "alert_update": [{**base, "alert": alert, "update": update, "unsubscribe_url": "https://example.org/u"}],
        "alert_confirm": [{**base, "alert": alert}],
        "questionnaire": [
            {**base, "questionnaire": Questionnaire(report=report), "fixed_link": "F", "not_fixed_link": "N"}
        ],
    }
    for name, variants in contexts.items():
        for context in variants:
            subject = render_to_string(f"reports/email/{name}_subject.txt", context).strip()
            body = render_to_string(f"reports/email/{name}_body.txt", context)
            assert subject and "\n" not in subject, name
            assert "{" not in subject + body and "}" not in subject + body, name
            assert name == "alert_confirm" or "Deep pot-hole" in subject + body, name
    received_for_notify = render_to_string("reports/email/received_body.txt", {"report": report})
    assert reverse("reports:detail", args=[report.pk]) in received_for_notify


def test_asking_again_for_someone_elses_alert_reveals_nothing(
    client, city, citizen, mailoutbox, django_capture_on_commit_callbacks
):
    alerts.alert_subscribe(actor=citizen, kind="area", email=citizen.email, language="en", area=city["old_town"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:alert_new"),
            {"kind": "area", "area-area": city["old_town"].pk, "area-email": citizen.email.upper()},
        )

    # the page is the same as for a new address: no "Your alert is set up"
    assert response.status_code == 200 and "Check your email" in response.content.decode()
    assert Alert.objects.filter(email__iexact=citizen.email).count() == 1
    # the owner of the address hears of it, with a way to stop the alert
    assert mailoutbox[-1].to == [citizen.email]
    assert "/reports/alerts/unsubscribe/" in mailoutbox[-1].body
