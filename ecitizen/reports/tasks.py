"""Background work for Report a problem, on the django-tasks queue.

``send_new_report_alerts`` and ``send_update_alerts`` fan an event out to
subscribers and ``relink_area`` links reports to a redrawn area; they are
enqueued by :mod:`ecitizen.reports.receivers` once the transaction that
caused them commits. ``send_questionnaires`` asks reporters whether their
problem was fixed, four weeks on: enqueue it daily, or run
``manage.py send_questionnaires`` from cron.
"""

from __future__ import annotations

from django_tasks import task

from ecitizen.reports import alerts, area_links
from ecitizen.reports.questionnaire import questionnaires_send_due


@task()
def send_new_report_alerts(report_id: int) -> int:
    return alerts.send_new_report_alerts(report_id)


@task()
def send_update_alerts(update_id: int, skip_email: str = "") -> int:
    return alerts.send_update_alerts(update_id, skip_email)


@task()
def relink_area(area_id: int) -> int:
    return area_links.relink_area(area_id)


@task()
def send_questionnaires() -> int:
    return questionnaires_send_due()
