"""The hourly alert check: the figure behind each :class:`~ecitizen.analytics.models.AlertRule`,
compared with its threshold (``tasks.rollup_hourly_task`` runs it after the rollups).

Figures come from the rollups only, as the dashboards read them:

* decision times (median, 90th percentile, in working days) of the decisions of the last
  ``ANALYTICS_ALERT_WINDOW_DAYS`` days, today included, from :class:`ServiceDay`;
* open cases and overdue open cases from the latest :class:`BacklogSnapshot`.

A rule with no figure (no decision in the window, no snapshot yet) counts as not crossed.
What happens on a crossing (once per crossing, admins notified) is
:func:`ecitizen.analytics.services.alert_rule_observe`.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from ecitizen.analytics import conf, selectors, services
from ecitizen.analytics.models import AlertRule, Metric


def alert_window(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The days whose decisions the decision-time alerts look at: the last N days up to *today*."""
    return today - datetime.timedelta(days=conf.alert_window_days() - 1), today


def alert_value(rule: AlertRule, *, today: datetime.date) -> float | None:
    """The figure *rule* watches, as of *today* (a local date), or None when there is none."""
    scope = {"service_ids": [rule.service_id]} if rule.service_id else {"agency_ids": [rule.agency_id]}
    if rule.metric in (Metric.MEDIAN_DECISION_DAYS, Metric.P90_DECISION_DAYS):
        date_from, date_to = alert_window(today)
        totals = selectors.totals(selectors.service_days(**scope, date_from=date_from, date_to=date_to))
        value = totals.median_days if rule.metric == Metric.MEDIAN_DECISION_DAYS else totals.p90_days
        return None if value is None else float(value)
    backlog = selectors.backlog_by(**scope).get(None)
    if backlog is None:
        return None
    return float(backlog.open_count if rule.metric == Metric.BACKLOG else backlog.overdue)


def alerts_check(now: datetime.datetime | None = None) -> int:
    """Compute every rule's figure, record it, fire the rules that crossed their threshold since
    the last check and clear those that came back. Returns how many fired.

    Each rule is checked in its own transaction (in the service): a rule that fails does not
    undo what the others recorded, and its error is raised for the task's log.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    fired = 0
    rules = AlertRule.objects.filter(agency__is_active=True).order_by("pk")
    for rule in rules:
        value = alert_value(rule, today=today)
        if services.alert_rule_observe(rule=rule, value=value, now=now):
            fired += 1
    return fired
