"""Alerts: follow a report, or hear of new reports near a place or in an area.

The services module calls :func:`follow_report` for a reporter and
:func:`move_followers` when a report is merged; those run inside the caller's
transaction and write no audit row of their own (the caller's write is the one
audited). When a report is confirmed or a public update appears, the services
send a signal (:mod:`ecitizen.reports.signals`); its receiver queues
:func:`send_new_report_alerts` or :func:`send_update_alerts` as a background
task once the transaction commits, so that a report with many subscribers does
not slow down the request that confirmed it.

People subscribe with :func:`alert_subscribe`; those not signed in with a
confirmed address get a signed link (:func:`alert_confirm`). Every alert email
carries a one-click unsubscribe link (:func:`alert_unsubscribe`) signed with
the alert's ``pk`` and its ``token`` nonce, which never expires.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.reports import geo
from ecitizen.reports.models import Alert, AlertKind, Area, Report, ReportUpdate
from ecitizen.reports.tokens import CONFIRM_MAX_AGE, make_token, read_token

logger = logging.getLogger(__name__)

MIN_RADIUS_M = 100
MAX_RADIUS_M = 10_000
RADIUS_CHOICES = (250, 500, 1000, 2000)
# Fan-out is bounded per query so one report never loads an unbounded list in one go.
BATCH_SIZE = 500


def _active() -> Q:
    return Q(confirmed_at__isnull=False, unsubscribed_at__isnull=True)


def _norm(email: str) -> str:
    return (email or "").strip().lower()


# --- tokens and links ----------------------------------------------------------------


def confirm_token(alert: Alert) -> str:
    return make_token("alert", alert.pk, str(alert.token))


def unsubscribe_token(alert: Alert) -> str:
    return make_token("unsubscribe", alert.pk, str(alert.token))


def unsubscribe_url(alert: Alert) -> str:
    from ecitizen.reports.emails import absolute_url

    return absolute_url(reverse("reports:unsubscribe", args=[unsubscribe_token(alert)]))


def _alert_from_token(purpose: str, token: str, *, max_age: int | None) -> Alert | None:
    found = read_token(purpose, token, max_age=max_age)
    if found is None:
        return None
    pk, nonce = found
    alert = Alert.objects.select_for_update().filter(pk=pk).first()
    if alert is None or str(alert.token) != nonce:
        return None
    return alert


def alert_for_token(purpose: str, token: str) -> Alert | None:
    """Read-only look-up for pages that show what a link will do before its button is pressed."""
    found = read_token(purpose, token, max_age=None if purpose == "unsubscribe" else CONFIRM_MAX_AGE)
    if found is None:
        return None
    alert = Alert.objects.select_related("report", "area").filter(pk=found[0]).first()
    if alert is None or str(alert.token) != found[1]:
        return None
    return alert


# --- called by services ----------------------------------------------------------------


def follow_report(*, report: Report, email: str, user: Any = None, language: str = "en") -> Alert | None:
    """Make *email* an active follower of *report*, unless it already follows (addresses compared case-blind)."""
    email = (email or "").strip()
    if not email:
        return None
    existing = (
        Alert.objects.filter(kind=AlertKind.REPORT, report=report, email__iexact=email, unsubscribed_at__isnull=True)
        .order_by("pk")
        .first()
    )
    if existing is not None:
        if existing.confirmed_at is None:
            existing.confirmed_at = timezone.now()
            existing.save(update_fields=["confirmed_at"])
        return existing
    return Alert.objects.create(
        kind=AlertKind.REPORT,
        report=report,
        email=email,
        user=user if getattr(user, "is_authenticated", False) else None,
        language=language or "en",
        confirmed_at=timezone.now(),
    )


def move_followers(*, from_report: Report, to_report: Report) -> int:
    """Followers of a duplicate follow the original too. Returns how many alerts were added."""
    following = {
        _norm(e)
        for e in Alert.objects.filter(
            kind=AlertKind.REPORT, report=to_report, unsubscribed_at__isnull=True
        ).values_list("email", flat=True)
    }
    added = 0
    for alert in Alert.objects.filter(kind=AlertKind.REPORT, report=from_report).filter(_active()).order_by("pk"):
        if _norm(alert.email) in following:
            continue
        following.add(_norm(alert.email))
        Alert.objects.create(
            kind=AlertKind.REPORT,
            report=to_report,
            email=alert.email,
            user=alert.user,
            language=alert.language,
            confirmed_at=alert.confirmed_at,
        )
        added += 1
    return added


# --- matching and sending (run by the tasks) ------------------------------------------


def matching_alerts(report: Report) -> list[Alert]:
    """Active RADIUS alerts whose circle holds the report and AREA alerts for an area holding it.

    The bounding box around the report of the largest radius allowed narrows
    the radius alerts through the ``alert_by_place`` index; the exact
    distance decides. Areas containing the point come from routing.
    """
    from ecitizen.reports.routing import areas_at

    lat, lng = report.latitude, report.longitude
    box = geo.bbox_around(lat, lng, MAX_RADIUS_M)
    found: list[Alert] = []
    radius = Alert.objects.filter(
        _active(),
        kind=AlertKind.RADIUS,
        latitude__gte=box.min_lat,
        latitude__lte=box.max_lat,
        longitude__gte=box.min_lng,
        longitude__lte=box.max_lng,
    ).order_by("pk")
    for alert in radius.iterator(chunk_size=BATCH_SIZE):
        if geo.haversine_m(lat, lng, alert.latitude, alert.longitude) <= alert.radius_m:
            found.append(alert)
    area_ids = [a.pk for a in areas_at(lat, lng)]
    if area_ids:
        found.extend(
            Alert.objects.filter(_active(), kind=AlertKind.AREA, area_id__in=area_ids)
            .select_related("area")
            .order_by("pk")
            .iterator(chunk_size=BATCH_SIZE)
        )
    return found


def _once_per_address(alerts: list[Alert], skip: set[str]) -> list[Alert]:
    seen = set(skip)
    chosen = []
    for alert in alerts:
        key = _norm(alert.email)
        if key and key not in seen:
            seen.add(key)
            chosen.append(alert)
    return chosen


def send_new_report_alerts(report_id: int) -> int:
    """Email each subscriber whose place or area holds the report, once each. Returns how many were emailed."""
    from ecitizen.reports.emails import absolute_url, send_email

    report = Report.objects.select_related("category", "area").filter(pk=report_id).first()
    if report is None or not report.is_public:
        return 0
    link = absolute_url(reverse("reports:detail", args=[report.pk]))
    chosen = _once_per_address(matching_alerts(report), {_norm(report.reporter_email)})
    for alert in chosen:
        send_email(
            to=alert.email,
            language=alert.language,
            subject_template="reports/email/alert_report_subject.txt",
            body_template="reports/email/alert_report_body.txt",
            context={"report": report, "alert": alert, "link": link},
            unsubscribe_url=unsubscribe_url(alert),
        )
    return len(chosen)


def send_update_alerts(update_id: int, skip_email: str = "") -> int:
    """Email the followers of an update's report (not its author). Returns how many were emailed."""
    from ecitizen.reports.emails import absolute_url, send_email

    update = ReportUpdate.objects.select_related("report__category", "author").filter(pk=update_id).first()
    if update is None or update.is_internal or not update.is_public or not update.report.is_public:
        return 0
    report = update.report
    skip = {_norm(skip_email), _norm(update.author_email)}
    if update.author is not None:
        skip.add(_norm(update.author.email))
    followers = list(
        Alert.objects.filter(_active(), kind=AlertKind.REPORT, report=report).order_by("pk").iterator(BATCH_SIZE)
    )
    chosen = _once_per_address(followers, {s for s in skip if s})
    link = absolute_url(reverse("reports:detail", args=[report.pk]))
    for alert in chosen:
        send_email(
            to=alert.email,
            language=alert.language,
            subject_template="reports/email/alert_update_subject.txt",
            body_template="reports/email/alert_update_body.txt",
            context={"report": report, "update": update, "alert": alert, "link": link},
            unsubscribe_url=unsubscribe_url(alert),
        )
    return len(chosen)


# --- subscriptions ---------------------------------------------------------------------


def _has_confirmed_email(actor: Any) -> bool:
    from ecitizen.accounts.selectors import identity_level_for

    return bool(getattr(actor, "is_authenticated", False)) and bool(actor.email) and identity_level_for(actor) != "none"


def _number(value: Any) -> float | None:
    return geo.parse_number(value) if value not in (None, "") else None


@transaction.atomic
def alert_subscribe(
    *,
    actor: Any,
    kind: str,
    email: str = "",
    language: str = "en",
    report: Report | None = None,
    area: Area | None = None,
    latitude: Any = None,
    longitude: Any = None,
    radius_m: Any = None,
) -> Alert:
    """Subscribe to a report's updates, new reports near a place, or new reports in an area.

    Signed-in people with a confirmed email address are subscribed at once;
    anyone else is emailed a link to confirm. Asking again for the same thing
    gives back the same alert (and, when it waits for confirmation, sends the
    link again). Raises ``ValidationError`` with field names; saves nothing then.
    """
    errors: dict[str, str] = {}
    signed_in = bool(getattr(actor, "is_authenticated", False))
    email = actor.email if signed_in and actor.email else (email or "").strip()
    if not email:
        errors["email"] = _("Enter your email address")
    else:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("Enter an email address in the correct format, like name@example.com")
    target: dict[str, Any] = {}
    if kind == AlertKind.REPORT:
        if report is None or not report.is_public:
            errors["report"] = _("This report cannot be followed")
        else:
            target = {"report": report}
    elif kind == AlertKind.AREA:
        if area is None or not area.is_active:
            errors["area"] = _("Select an area")
        else:
            target = {"area": area}
    elif kind == AlertKind.RADIUS:
        lat, lng = _number(latitude), _number(longitude)
        if lat is None or lng is None or not geo.valid_point(lat, lng):
            errors["location"] = _(
                "Enter the place as a latitude from -90 to 90 and a longitude from -180 to 180, or find an address"
            )
        radius = _number(radius_m)
        if radius is None or radius != int(radius) or not MIN_RADIUS_M <= radius <= MAX_RADIUS_M:
            errors["radius_m"] = _("Choose a distance from %(min)s to %(max)s metres") % {
                "min": MIN_RADIUS_M,
                "max": MAX_RADIUS_M,
            }
        if "location" not in errors and "radius_m" not in errors:
            target = {"latitude": lat, "longitude": lng, "radius_m": int(radius)}
    else:
        errors["kind"] = _("Choose what to be alerted about")
    if errors:
        raise ValidationError(errors)

    trusted = _has_confirmed_email(actor)
    now = timezone.now()
    alert = (
        Alert.objects.select_for_update()
        .filter(kind=kind, email__iexact=email, unsubscribed_at__isnull=True, **target)
        .order_by("pk")
        .first()
    )
    existing = alert is not None
    if alert is None:
        alert = Alert.objects.create(
            kind=kind,
            email=email,
            user=actor if signed_in else None,
            language=language or "en",
            confirmed_at=now if trusted else None,
            **target,
        )
    elif trusted and alert.confirmed_at is None:
        alert.confirmed_at = now
        alert.save(update_fields=["confirmed_at"])
    if alert.confirmed_at is None:
        _ask_to_confirm(alert)
    elif not trusted:
        # Someone not signed in asked again for an alert this address already gets. They are
        # told to check their email either way (the page must not reveal who subscribes to
        # what), and the email tells the owner of the address, with a way to stop it.
        _tell_already_subscribed(alert)
    audit_record(
        actor=actor,
        action=AuditAction.REPORT_ALERT_CREATED,
        subject=alert,
        subject_user=actor if signed_in else None,
        extra={"kind": kind, "existing": existing, "confirmed": alert.confirmed_at is not None},
    )
    return alert


def _ask_to_confirm(alert: Alert) -> None:
    from ecitizen.reports.emails import absolute_url, send_email

    send_email(
        to=alert.email,
        language=alert.language,
        subject_template="reports/email/alert_confirm_subject.txt",
        body_template="reports/email/alert_confirm_body.txt",
        context={
            "alert": alert,
            "report": alert.report,
            "link": absolute_url(reverse("reports:alert_confirm", args=[confirm_token(alert)])),
        },
    )


def _tell_already_subscribed(alert: Alert) -> None:
    from ecitizen.reports.emails import absolute_url, send_email

    unsubscribe_url = absolute_url(reverse("reports:unsubscribe", args=[unsubscribe_token(alert)]))
    send_email(
        to=alert.email,
        language=alert.language,
        subject_template="reports/email/alert_confirm_subject.txt",
        body_template="reports/email/alert_exists_body.txt",
        context={"alert": alert, "report": alert.report},
        unsubscribe_url=unsubscribe_url,
    )


@transaction.atomic
def alert_confirm(*, token: str) -> Alert | None:
    """Turn an alert on from the emailed link. Idempotent; None for a forged, foreign or old link."""
    alert = _alert_from_token("alert", token, max_age=CONFIRM_MAX_AGE)
    if alert is None:
        return None
    if alert.confirmed_at is None and alert.unsubscribed_at is None:
        alert.confirmed_at = timezone.now()
        alert.save(update_fields=["confirmed_at"])
        audit_record(actor=None, action=AuditAction.REPORT_ALERT_CONFIRMED, subject=alert, extra={"kind": alert.kind})
    return alert


@transaction.atomic
def alert_unsubscribe(*, token: str, actor: Any = None) -> Alert | None:
    """Turn an alert off from the link in its emails. Idempotent; None for a forged or foreign link."""
    alert = _alert_from_token("unsubscribe", token, max_age=None)
    if alert is None:
        return None
    if alert.unsubscribed_at is None:
        alert.unsubscribed_at = timezone.now()
        alert.save(update_fields=["unsubscribed_at"])
        audit_record(
            actor=actor, action=AuditAction.REPORT_ALERT_UNSUBSCRIBED, subject=alert, extra={"kind": alert.kind}
        )
    return alert


def alerts_for_user(user: Any) -> list[Alert]:
    """A signed-in person's active and pending alerts, newest first."""
    if not getattr(user, "is_authenticated", False):
        return []
    query = Q(user=user)
    if user.email and _has_confirmed_email(user):
        query |= Q(email__iexact=user.email)
    return list(
        Alert.objects.filter(query, unsubscribed_at__isnull=True)
        .select_related("report", "area")
        .order_by("-created_at")
    )
