"""Audit scenarios of the service-delivery analytics (ecitizen.analytics): see
tests/audit_scenarios.py for the shape. Agency admins' settings (costs per channel, alert rules)
and an alert crossing its threshold in the hourly check."""

from __future__ import annotations

from typing import Any

from ecitizen.core.models import AuditAction as A


def _expect(**kwargs):
    from tests.audit_scenarios import Expect

    return Expect(**kwargs)


def cost_saved(w) -> Any:
    from ecitizen.analytics.models import ChannelCost
    from ecitizen.analytics.services import channel_costs_save

    admin, agency = w.admin_a, w.agency_a

    def act():
        channel_costs_save(actor=admin, agency=agency, amounts={"online": 250}, currency="GBP")
        return _expect(actor=admin, subject=ChannelCost.objects.get(agency=agency, channel="online"), agency=agency)

    return act


def alert_saved(w) -> Any:
    from ecitizen.analytics.services import alert_rule_save

    admin, agency = w.admin_a, w.agency_a

    def act():
        rule, _created = alert_rule_save(actor=admin, agency=agency, service=None, metric="backlog", threshold=10)
        return _expect(actor=admin, subject=rule, agency=agency)

    return act


def alert_deleted(w) -> Any:
    from ecitizen.analytics.models import AlertRule
    from ecitizen.analytics.services import alert_rule_delete

    admin, agency = w.admin_a, w.agency_a
    rule = AlertRule.objects.create(agency=agency, metric="overdue", threshold=3, created_by=admin)
    pk = rule.pk

    def act():
        alert_rule_delete(actor=admin, rule=rule)
        rule.pk = pk  # delete() forgets it; the row names it
        return _expect(actor=admin, subject=rule, agency=agency)

    return act


def alert_fired(w) -> Any:
    """The hourly check finds more open cases than the rule allows: the system is the actor, and
    the agency's admin is told (a notification row of its own)."""
    from django.utils import timezone

    from ecitizen.analytics.alerts import alerts_check
    from ecitizen.analytics.models import AlertRule, BacklogSnapshot

    admin = w.admin_a  # someone to tell
    version = w.version()
    service = version.service
    BacklogSnapshot.objects.create(agency=service.agency, service=service, open_count=12, taken_at=timezone.now())
    rule = AlertRule.objects.create(agency=service.agency, service=service, metric="backlog", threshold=10)

    def act():
        from ecitizen.notifications.models import Notification

        alerts_check()
        assert Notification.objects.filter(user=admin).exists()
        return _expect(actor=None, subject=rule, agency=service.agency)

    return act


ANALYTICS_SCENARIOS = {
    A.ANALYTICS_COST_SAVED: cost_saved,
    A.ANALYTICS_ALERT_SAVED: alert_saved,
    A.ANALYTICS_ALERT_DELETED: alert_deleted,
    A.ANALYTICS_ALERT_FIRED: alert_fired,
}
