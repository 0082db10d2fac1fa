"""Writes of the analytics app: the settings agency admins change (costs per channel, alert rules)
and the state of an alert as the hourly check sees it. Each: one transaction, its audit rows in it.

The rollup tables themselves are written by :mod:`ecitizen.analytics.rollups`: they are derived
data, recomputed from the live tables, and record no audit rows.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ecitizen.agencies.models import Agency, Membership, Role
from ecitizen.analytics.models import AlertRule, ChannelCost, Metric
from ecitizen.analytics.policies import settings_agencies
from ecitizen.cases.models import Channel
from ecitizen.catalogue.models import Service
from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.core.money import CURRENCIES

#: The largest cost per transaction anyone may set, in minor units (a million in major units).
COST_MAX = 100_000_000
#: The largest alert threshold (working days or open cases).
THRESHOLD_MAX = 1_000_000


def _require_admin(actor: Any, agency: Agency) -> None:
    """Views check this through the policy; the service checks again, so no other caller can skip it."""
    if not settings_agencies(actor).filter(pk=agency.pk).exists():
        raise PermissionDenied


# --- costs per channel -------------------------------------------------------------------------


@transaction.atomic
def channel_costs_save(*, actor: Any, agency: Agency, amounts: dict[str, int], currency: str) -> list[ChannelCost]:
    """Set the cost per transaction of the channels in *amounts* (``{channel: minor units}``) in
    *currency*. Channels left out keep their cost, which must then already be in *currency*: costs
    of different currencies cannot be added into one cost per transaction.

    Writes one ``analytics.cost_saved`` row per channel whose cost or currency changed and returns
    those costs. Raises ValidationError keyed by channel (or ``currency``), PermissionDenied when
    *actor* is not an agency admin of *agency*.
    """
    _require_admin(actor, agency)
    if currency not in CURRENCIES:
        raise ValidationError({"currency": _("Choose one of the currencies offered")})
    errors: dict[str, str] = {}
    for channel, amount in amounts.items():
        if channel not in Channel.values:
            errors[channel] = _("Choose one of the channels offered")
        elif not isinstance(amount, int) or isinstance(amount, bool) or not 0 <= amount <= COST_MAX:
            errors[channel] = _("Enter a cost between 0 and 1,000,000")
    existing = {cost.channel: cost for cost in ChannelCost.objects.select_for_update().filter(agency=agency)}
    for channel, cost in existing.items():
        if channel not in amounts and cost.currency != currency:
            errors[channel] = _("Enter this channel's cost again in %(currency)s, or keep the currency %(old)s") % {
                "currency": currency,
                "old": cost.currency,
            }
    if errors:
        raise ValidationError(errors)
    saved = []
    for channel, amount in sorted(amounts.items()):
        cost = existing.get(channel)
        if cost is not None and cost.amount == amount and cost.currency == currency:
            continue
        previous = None if cost is None else {"amount": cost.amount, "currency": cost.currency}
        if cost is None:
            cost = ChannelCost(agency=agency, channel=channel)
        cost.amount, cost.currency, cost.updated_by = amount, currency, actor
        cost.full_clean()
        cost.save()
        audit_record(
            actor=actor,
            agency=agency,
            action=AuditAction.ANALYTICS_COST_SAVED,
            subject=cost,
            extra={"channel": channel, "amount": amount, "currency": currency, "previous": previous},
        )
        saved.append(cost)
    return saved


# --- alert rules ---------------------------------------------------------------------------------


@transaction.atomic
def alert_rule_save(
    *, actor: Any, agency: Agency, service: Service | None, metric: str, threshold: int
) -> tuple[AlertRule, bool]:
    """Alert *agency*'s admins when *metric* of *service* (None: the whole agency) goes above
    *threshold*. A rule for the same figure is updated rather than doubled; a new threshold starts
    the rule afresh (not firing), so the next check tells the admins if it is already crossed.

    Returns (rule, created). Raises ValidationError keyed by field, PermissionDenied when *actor*
    is not an agency admin of *agency*.
    """
    _require_admin(actor, agency)
    if service is not None and service.agency_id != agency.pk:
        raise ValidationError({"service": _("Choose one of your agency's services")})
    if metric not in Metric.values:
        raise ValidationError({"metric": _("Choose one of the figures offered")})
    if isinstance(threshold, bool) or not isinstance(threshold, int) or not 0 <= threshold <= THRESHOLD_MAX:
        raise ValidationError({"threshold": _("Enter a whole number between 0 and 1,000,000")})
    # NULL services are distinct to the unique constraint on both databases: look the rule up first.
    rule = AlertRule.objects.select_for_update().filter(agency=agency, service=service, metric=metric).first()
    created = rule is None
    previous = None if created else rule.threshold
    if created:
        rule = AlertRule(agency=agency, service=service, metric=metric, created_by=actor)
    if created or rule.threshold != threshold:
        rule.threshold = threshold
        rule.firing, rule.fired_at = False, None
    rule.full_clean()
    rule.save()
    audit_record(
        actor=actor,
        agency=agency,
        action=AuditAction.ANALYTICS_ALERT_SAVED,
        subject=rule,
        extra={
            "metric": metric,
            "service": service.pk if service else None,
            "threshold": threshold,
            "previous": previous,
        },
    )
    return rule, created


@transaction.atomic
def alert_rule_delete(*, actor: Any, rule: AlertRule) -> None:
    """Remove *rule*; its admins hear no more of it."""
    _require_admin(actor, rule.agency)
    audit_record(
        actor=actor,
        agency=rule.agency,
        action=AuditAction.ANALYTICS_ALERT_DELETED,
        subject=rule,
        extra={"metric": rule.metric, "service": rule.service_id, "threshold": rule.threshold},
    )
    rule.delete()


def _admins_of(agency: Agency) -> list[Any]:
    ids = Membership.objects.filter(agency=agency, role=Role.AGENCY_ADMIN).values("user_id")
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def _dashboard_path(rule: AlertRule) -> str:
    if rule.service_id:
        return reverse("analytics_staff:service", args=[rule.service_id])
    return f"{reverse('analytics_staff:home')}?agency={rule.agency_id}"


@transaction.atomic
def alert_rule_observe(*, rule: AlertRule, value: float | None, now: datetime.datetime | None = None) -> bool:
    """Record the figure the hourly check computed for *rule* and act on a crossing.

    Above the threshold and not firing yet: the rule fires (``analytics.alert_fired``, the
    system as actor) and every active agency admin of the agency gets a message in their inbox
    and by email, with a link to the dashboard. Back at or below the threshold (or no figure):
    the rule is cleared without a message, so the next crossing is heard again. Returns whether
    it fired now.
    """
    now = now or timezone.now()
    # Locked and read again: two checks at once (two workers) must not both fire it.
    rule = AlertRule.objects.select_for_update(of=("self",)).select_related("agency", "service").get(pk=rule.pk)
    above = value is not None and value > rule.threshold
    fired = above and not rule.firing
    rule.last_value = value
    if fired:
        rule.firing, rule.fired_at = True, now
    elif not above and rule.firing:
        rule.firing = False
    rule.save(update_fields=["last_value", "firing", "fired_at"])
    if fired:
        audit_record(
            actor=None,
            agency=rule.agency,
            action=AuditAction.ANALYTICS_ALERT_FIRED,
            subject=rule,
            extra={"metric": rule.metric, "service": rule.service_id, "threshold": rule.threshold, "value": value},
        )
        _notify_admins(rule, value)
    return fired


def _notify_admins(rule: AlertRule, value: float) -> None:
    from ecitizen.notifications.services import notify

    context = {
        "agency": rule.agency,
        "service_title": rule.service.title if rule.service_id else None,
        "metric_label": Metric(rule.metric).label,  # lazy: rendered in each admin's language
        "metric": rule.metric,
        "value": int(value) if float(value).is_integer() else round(value, 1),
        "threshold": rule.threshold,
    }
    path = _dashboard_path(rule)
    for admin in _admins_of(rule.agency):
        notify(
            user=admin,
            subject_template="analytics/staff/email/alert_subject.txt",
            body_template="analytics/staff/email/alert_body.txt",
            context=context,
            url=path,
        )
