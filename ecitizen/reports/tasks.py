"""Background work for Report a problem, on the django-tasks queue.

``send_new_report_alerts`` and ``send_update_alerts`` fan an event out to
subscribers; they are enqueued once the transaction that caused them commits
(:mod:`ecitizen.reports.alerts`). ``send_questionnaires`` asks reporters
whether their problem was fixed, four weeks on: enqueue it daily, or run
``manage.py send_questionnaires`` from cron.
"""

from __future__ import annotations

from django_tasks import task


@task()
def send_new_report_alerts(report_id: int) -> int:
    from ecitizen.reports import alerts

    return alerts.send_new_report_alerts(report_id)


@task()
def send_update_alerts(update_id: int, skip_email: str = "") -> int:
    from ecitizen.reports import alerts

    return alerts.send_update_alerts(update_id, skip_email)


@task()
def relink_area(area_id: int) -> int:
    from ecitizen.reports import area_links

    return area_links.relink_area(area_id)


@task()
def send_questionnaires() -> int:
    from ecitizen.reports.questionnaire import questionnaires_send_due

    return questionnaires_send_due()
