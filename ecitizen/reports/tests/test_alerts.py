"""Alerts: who hears of a new report (radius and area matching), followers of a report, subscribing."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.reports import alerts
from ecitizen.reports.models import Alert, AlertKind, Status
from ecitizen.reports.services import report_create, report_merge, report_set_status
from ecitizen.reports.tests.conftest import MILLBROOK, OLD_TOWN, RING_ROAD

pytestmark = pytest.mark.django_db

# About 111 m per 0.001 degree of latitude.
M_PER_DEG_LAT = 111_195


def radius_alert(email, lat, lng, radius_m, *, language="en", confirmed=True, unsubscribed=False):
    now = timezone.now()
    return Alert.objects.create(
        kind=AlertKind.RADIUS,
        email=email,
        latitude=lat,
        longitude=lng,
        radius_m=radius_m,
        language=language,
        confirmed_at=now if confirmed else None,
        unsubscribed_at=now if unsubscribed else None,
    )


def area_alert(email, area, *, language="en"):
    return Alert.objects.create(
        kind=AlertKind.AREA, email=email, area=area, confirmed_at=timezone.now(), language=language
    )


def recipients(mailoutbox):
    return sorted(to for m in mailoutbox for to in m.to)


def alert_mails(mailoutbox):
    return [m for m in mailoutbox if "List-Unsubscribe" in m.extra_headers]


def test_radius_alert_matches_inside_and_not_outside(make_report, mailoutbox, django_capture_on_commit_callbacks):
    lat, lng = OLD_TOWN
    radius_alert("near@example.org", lat + 400 / M_PER_DEG_LAT, lng, 500)  # 400 m north, radius 500
    radius_alert("far@example.org", lat + 600 / M_PER_DEG_LAT, lng, 500)  # 600 m north, radius 500
    with django_capture_on_commit_callbacks(execute=True):
        report = make_report()
    got = recipients(alert_mails(mailoutbox))
    assert got == ["near@example.org"]
    mail = alert_mails(mailoutbox)[0]
    assert "Deep pot-hole" in mail.subject
    assert f"/reports/{report.pk}/" in mail.body


def test_radius_alert_at_the_edge_of_the_bounding_box(make_report, mailoutbox, django_capture_on_commit_callbacks):
    """A 10 km alert whose centre is just inside 10 km (the widest prefilter box) still matches."""
    lat, lng = OLD_TOWN
    radius_alert("edge@example.org", lat - 9_990 / M_PER_DEG_LAT, lng, 10_000)
    radius_alert("beyond@example.org", lat - 10_050 / M_PER_DEG_LAT, lng, 10_000)
    # Inside the box but outside the circle: the box's corner.
    radius_alert("corner@example.org", lat - 9_000 / M_PER_DEG_LAT, lng - 0.13, 10_000)
    with django_capture_on_commit_callbacks(execute=True):
        make_report()
    assert recipients(alert_mails(mailoutbox)) == ["edge@example.org"]


def test_matching_alerts_uses_the_bounding_box_and_exact_distance(make_report):
    lat, lng = OLD_TOWN
    inside = radius_alert("a@example.org", lat, lng + 0.002, 250)  # ~137 m east
    radius_alert("b@example.org", lat, lng + 0.005, 250)  # ~343 m east
    report = make_report()
    assert [a.pk for a in alerts.matching_alerts(report)] == [inside.pk]


def test_area_alert_matches_areas_containing_the_point(
    make_report, city, ring_road, mailoutbox, django_capture_on_commit_callbacks
):
    area_alert("oldtown@example.org", city["old_town"])
    area_alert("millbrook@example.org", city["millbrook"])
    area_alert("ring@example.org", ring_road)
    with django_capture_on_commit_callbacks(execute=True):
        make_report(latitude=RING_ROAD[0], longitude=RING_ROAD[1])  # inside Old Town and the ring road (overlap)
    assert recipients(alert_mails(mailoutbox)) == ["oldtown@example.org", "ring@example.org"]


def test_area_alert_not_for_a_point_outside(make_report, city, mailoutbox, django_capture_on_commit_callbacks):
    area_alert("oldtown@example.org", city["old_town"])
    with django_capture_on_commit_callbacks(execute=True):
        make_report(latitude=MILLBROOK[0], longitude=MILLBROOK[1])
    assert alert_mails(mailoutbox) == []


def test_one_email_per_address_and_none_to_the_reporter(
    make_report, city, citizen, mailoutbox, django_capture_on_commit_callbacks
):
    lat, lng = OLD_TOWN
    radius_alert("twice@example.org", lat, lng, 500)
    area_alert("TWICE@example.org", city["old_town"])
    radius_alert(citizen.email.upper(), lat, lng, 500)  # the reporter's own alert
    with django_capture_on_commit_callbacks(execute=True):
        make_report()
    assert [to.lower() for to in recipients(alert_mails(mailoutbox))] == ["twice@example.org"]


def test_no_email_for_unconfirmed_or_unsubscribed_alerts(make_report, mailoutbox, django_capture_on_commit_callbacks):
    lat, lng = OLD_TOWN
    radius_alert("pending@example.org", lat, lng, 500, confirmed=False)
    radius_alert("gone@example.org", lat, lng, 500, unsubscribed=True)
    with django_capture_on_commit_callbacks(execute=True):
        make_report()
    assert alert_mails(mailoutbox) == []


def test_unconfirmed_report_alerts_no_one_until_confirmed(pothole, mailoutbox, django_capture_on_commit_callbacks):
    from django.contrib.auth.models import AnonymousUser

    lat, lng = OLD_TOWN
    radius_alert("near@example.org", lat, lng, 500)
    with django_capture_on_commit_callbacks(execute=True):
        report_create(
            actor=AnonymousUser(),
            service_code="pothole",
            latitude=lat,
            longitude=lng,
            title="Hole",
            description="A hole.",
            answers={"depth": "deep"},
            email="anon@example.org",
        )
    assert alert_mails(mailoutbox) == []
    assert [m.to for m in mailoutbox] == [["anon@example.org"]]  # the confirmation link only


def test_alert_email_in_the_subscribers_language(make_report, mailoutbox, django_capture_on_commit_callbacks):
    lat, lng = OLD_TOWN
    alert = radius_alert("es@example.org", lat, lng, 500, language="es")
    radius_alert("en@example.org", lat, lng, 500, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        make_report()
    by_to = {m.to[0]: m for m in alert_mails(mailoutbox)}
    assert "Bache" in by_to["es@example.org"].subject
    assert "Bache" in by_to["es@example.org"].body
    assert "Pot-hole" in by_to["en@example.org"].body
    assert "Bache" not in by_to["en@example.org"].body
    header = by_to["es@example.org"].extra_headers
    link = header["List-Unsubscribe"].strip("<>")
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert alerts.alert_for_token("unsubscribe", token).pk == alert.pk
    assert header["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in by_to["es@example.org"].body


def test_reporter_follows_their_report_once(make_report, citizen):
    report = make_report()
    assert Alert.objects.filter(kind=AlertKind.REPORT, report=report, email=citizen.email).count() == 1
    alerts.follow_report(report=report, email=citizen.email.upper(), language="en")
    follow = Alert.objects.get(kind=AlertKind.REPORT, report=report)
    assert follow.is_active


def test_follower_hears_of_a_staff_status_change(
    make_report, other_citizen, caseworker_a, mailoutbox, django_capture_on_commit_callbacks
):
    report = make_report()
    alerts.alert_subscribe(actor=other_citizen, kind=AlertKind.REPORT, report=report, language="es")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report_set_status(actor=caseworker_a, report=report, status=Status.IN_PROGRESS, public_note="Crew booked.")
    followers = alert_mails(mailoutbox)
    assert [m.to for m in followers] == [[other_citizen.email]]  # not the reporter: they are told directly
    assert "Crew booked." in followers[0].body
    assert "List-Unsubscribe" in followers[0].extra_headers


def test_staff_notes_are_not_sent_to_followers(
    make_report, other_citizen, caseworker_a, mailoutbox, django_capture_on_commit_callbacks
):
    from ecitizen.reports.services import report_add_note

    report = make_report()
    alerts.alert_subscribe(actor=other_citizen, kind=AlertKind.REPORT, report=report, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        report_add_note(actor=caseworker_a, report=report, text="Secret")
    assert alert_mails(mailoutbox) == []


def test_public_update_reaches_followers_but_not_its_author(
    make_report, citizen, other_citizen, mailoutbox, django_capture_on_commit_callbacks
):
    from ecitizen.reports.services import report_add_update

    report = make_report()
    alerts.alert_subscribe(actor=other_citizen, kind=AlertKind.REPORT, report=report, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        report_add_update(actor=other_citizen, report=report, text="Still there today.")
    # Both follow (the reporter automatically); only the one who did not write it hears.
    assert [m.to for m in alert_mails(mailoutbox)] == [[citizen.email]]
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report_add_update(actor=citizen, report=report, text="Getting deeper.")
    assert [m.to for m in alert_mails(mailoutbox)] == [[other_citizen.email]]
    assert "Getting deeper." in alert_mails(mailoutbox)[0].body


def test_merge_moves_followers_to_the_original(make_report, other_citizen, caseworker_a):
    original = make_report(title="First")
    duplicate = make_report(title="Second")
    alerts.alert_subscribe(actor=other_citizen, kind=AlertKind.REPORT, report=duplicate, language="fr")
    report_merge(actor=caseworker_a, report=duplicate, into=original)
    moved = Alert.objects.filter(kind=AlertKind.REPORT, report=original, email=other_citizen.email)
    assert moved.count() == 1 and moved.get().is_active and moved.get().language == "fr"
    # The reporter already followed the original: no second alert for them.
    assert Alert.objects.filter(kind=AlertKind.REPORT, report=original).count() == 2
    assert alerts.move_followers(from_report=duplicate, to_report=original) == 0


# --- subscribing -------------------------------------------------------------------------


def test_signed_in_verified_user_is_subscribed_at_once(citizen, city, mailoutbox):
    alert = alerts.alert_subscribe(actor=citizen, kind=AlertKind.AREA, area=city["old_town"], language="en")
    assert alert.is_active and alert.email == citizen.email and alert.user == citizen
    assert mailoutbox == []
    assert AuditLog.objects.filter(action=AuditAction.REPORT_ALERT_CREATED, subject_id=str(alert.pk)).count() == 1
    again = alerts.alert_subscribe(actor=citizen, kind=AlertKind.AREA, area=city["old_town"], language="en")
    assert again.pk == alert.pk


def test_anonymous_subscriber_confirms_by_email(city, mailoutbox, django_capture_on_commit_callbacks):
    from django.contrib.auth.models import AnonymousUser

    with django_capture_on_commit_callbacks(execute=True):
        alert = alerts.alert_subscribe(
            actor=AnonymousUser(),
            kind=AlertKind.RADIUS,
            email="anon@example.org",
            latitude="52.03",
            longitude="0.005",
            radius_m="500",
            language="es",
        )
    assert not alert.is_active
    assert mailoutbox[0].to == ["anon@example.org"]
    token = re.search(r"/reports/alerts/confirm/([^/\s]+)/", mailoutbox[0].body).group(1)
    assert alerts.alert_for_token("alert", token).pk == alert.pk
    assert alerts.alert_confirm(token=token + "x") is None
    assert alerts.alert_confirm(token=alerts.unsubscribe_token(alert)) is None  # wrong purpose
    assert alerts.alert_confirm(token=token).is_active
    assert alerts.alert_confirm(token=token).is_active  # idempotent
    assert AuditLog.objects.filter(action=AuditAction.REPORT_ALERT_CONFIRMED).count() == 1


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"kind": AlertKind.RADIUS, "latitude": "52", "longitude": "0", "radius_m": "99"}, "radius_m"),
        ({"kind": AlertKind.RADIUS, "latitude": "52", "longitude": "0", "radius_m": "10001"}, "radius_m"),
        ({"kind": AlertKind.RADIUS, "latitude": "95", "longitude": "0", "radius_m": "500"}, "location"),
        ({"kind": AlertKind.RADIUS, "latitude": "nan", "longitude": "0", "radius_m": "500"}, "location"),
        ({"kind": AlertKind.AREA, "area": None}, "area"),
        ({"kind": "other"}, "kind"),
    ],
)
def test_subscribe_refuses_bad_input(citizen, values, field):
    with pytest.raises(ValidationError) as caught:
        alerts.alert_subscribe(actor=citizen, language="en", **values)
    assert field in caught.value.message_dict
    assert Alert.objects.count() == 0


def test_anonymous_subscriber_needs_an_email(city):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(ValidationError) as caught:
        alerts.alert_subscribe(actor=AnonymousUser(), kind=AlertKind.AREA, area=city["old_town"], email="")
    assert "email" in caught.value.message_dict


def test_inactive_area_refused(citizen, city):
    area = city["old_town"]
    area.is_active = False
    area.save()
    with pytest.raises(ValidationError) as caught:
        alerts.alert_subscribe(actor=citizen, kind=AlertKind.AREA, area=area)
    assert "area" in caught.value.message_dict


def test_unverified_user_must_confirm(make_user, city, mailoutbox, django_capture_on_commit_callbacks):
    user = make_user("new@example.org", verified_email=False)
    with django_capture_on_commit_callbacks(execute=True):
        alert = alerts.alert_subscribe(actor=user, kind=AlertKind.AREA, area=city["old_town"], email="x@example.org")
    assert alert.email == "new@example.org" and not alert.is_active
    assert mailoutbox[0].to == ["new@example.org"]


def test_unsubscribe_token_is_idempotent_and_checks_the_nonce(citizen, city):
    alert = alerts.alert_subscribe(actor=citizen, kind=AlertKind.AREA, area=city["old_town"])
    token = alerts.unsubscribe_token(alert)
    assert alerts.alert_unsubscribe(token=alerts.confirm_token(alert)) is None
    assert alerts.alert_unsubscribe(token=token).unsubscribed_at is not None
    first = Alert.objects.get(pk=alert.pk).unsubscribed_at
    assert alerts.alert_unsubscribe(token=token).unsubscribed_at == first
    assert AuditLog.objects.filter(action=AuditAction.REPORT_ALERT_UNSUBSCRIBED).count() == 1
    from ecitizen.reports.services import make_token

    assert alerts.alert_unsubscribe(token=make_token("unsubscribe", alert.pk, "wrong-nonce")) is None
