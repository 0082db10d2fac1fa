"""The "has it been fixed?" questionnaire, sent to reporters four weeks after their report.

:func:`questionnaires_send_due` finds the reports that are due (run it daily
through ``manage.py send_questionnaires`` or the ``send_questionnaires``
task); the email carries two signed links, one per answer.
:func:`questionnaire_answer` records the answer once: "not fixed" reopens a
closed report (as a reporter's update does, so the agency hears of it) and
"fixed" closes an open one.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.reports import services, signals
from ecitizen.reports.models import (
    OPEN_STATUSES,
    UPDATE_MAX_LENGTH,
    Questionnaire,
    QuestionnaireAnswer,
    Report,
    ReportUpdate,
    Status,
    UpdateKind,
)
from ecitizen.reports.tokens import make_token, read_token

BATCH_SIZE = 200
# The links keep working for three months; after that the report's page is the place to say it is not fixed.
QUESTIONNAIRE_MAX_AGE = 90 * 24 * 3600


class QuestionnaireInvalid(Exception):
    """The link is forged, for another purpose, too old, or no longer matches its questionnaire."""


class QuestionnaireAlreadyAnswered(Exception):
    def __init__(self, questionnaire: Questionnaire):
        super().__init__("This questionnaire has already been answered.")
        self.questionnaire = questionnaire


def questionnaire_days() -> int:
    return int(getattr(settings, "REPORTS_QUESTIONNAIRE_DAYS", 28))


def questionnaire_token(questionnaire: Questionnaire) -> str:
    return make_token("questionnaire", questionnaire.pk, questionnaire.nonce)


def _due(cutoff: datetime.datetime):
    # created_at <= confirmed_at, so the created_at bound is implied; it lets the
    # (questionnaire_sent_at, created_at) index do the narrowing.
    return (
        Report.objects.filter(
            questionnaire_sent_at__isnull=True,
            created_at__lte=cutoff,
            confirmed_at__lte=cutoff,
            is_public=True,
        )
        .exclude(reporter_email="")
        .exclude(status=Status.DUPLICATE)
        .order_by("created_at", "pk")
    )


def questionnaires_send_due(*, now: datetime.datetime | None = None, limit: int | None = None) -> int:
    """Ask every reporter whose report is due whether it was fixed. Returns how many were asked.

    Works in batches, each in its own transaction. A report is claimed by a
    conditional update of ``questionnaire_sent_at``, so two runs at once (or
    one run twice) never ask anyone twice.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=questionnaire_days())
    sent = 0
    while limit is None or sent < limit:
        size = BATCH_SIZE if limit is None else min(BATCH_SIZE, limit - sent)
        batch = list(_due(cutoff).values_list("pk", flat=True)[:size])
        if not batch:
            break
        with transaction.atomic():
            for report_id in batch:
                sent += _send_one(report_id, now=now)
    return sent


def _send_one(report_id: int, *, now: datetime.datetime) -> int:
    from ecitizen.reports.emails import absolute_url, send_email

    claimed = Report.objects.filter(pk=report_id, questionnaire_sent_at__isnull=True).update(questionnaire_sent_at=now)
    if not claimed:
        return 0
    report = Report.objects.select_related("category", "agency").get(pk=report_id)
    questionnaire = Questionnaire.objects.create(
        report=report, email=report.reporter_email, sent_at=now, previous_status=report.status
    )
    answer_url = absolute_url(reverse("reports:questionnaire", args=[questionnaire_token(questionnaire)]))
    send_email(
        to=questionnaire.email,
        language=report.language,
        subject_template="reports/email/questionnaire_subject.txt",
        body_template="reports/email/questionnaire_body.txt",
        context={
            "report": report,
            "questionnaire": questionnaire,
            "link": absolute_url(reverse("reports:detail", args=[report.pk])),
            "fixed_link": f"{answer_url}?answer={QuestionnaireAnswer.FIXED}",
            "not_fixed_link": f"{answer_url}?answer={QuestionnaireAnswer.NOT_FIXED}",
        },
    )
    audit_record(
        actor=None,
        action=AuditAction.REPORT_QUESTIONNAIRE_SENT,
        subject=report,
        subject_user=report.reporter,
        agency=report.agency,
        extra={"questionnaire": questionnaire.pk, "status": report.status},
    )
    return 1


def questionnaire_for_token(token: str) -> Questionnaire | None:
    """The questionnaire a link is for (read-only, for the page shown before answering); None if invalid."""
    found = read_token("questionnaire", token, max_age=QUESTIONNAIRE_MAX_AGE)
    if found is None:
        return None
    questionnaire = Questionnaire.objects.select_related("report__category").filter(pk=found[0]).first()
    if questionnaire is None or questionnaire.nonce != found[1]:
        return None
    return questionnaire


@transaction.atomic
def questionnaire_answer(*, token: str, answer: str, comment: str = "", actor: Any = None) -> Questionnaire:
    """Record the reporter's answer, once.

    Raises :class:`QuestionnaireInvalid` for a bad link,
    :class:`QuestionnaireAlreadyAnswered` when an answer is already recorded
    (nothing changes then) and ``ValidationError`` for a missing answer or an
    over-long comment. "Not fixed" on a closed report reopens it exactly as a
    reporter's update does (services' reopen rule: the update becomes the
    "reopened" entry and the agency is emailed); "fixed" on an open report
    marks it fixed. Followers hear of the answer like any public update.
    """
    found = read_token("questionnaire", token, max_age=QUESTIONNAIRE_MAX_AGE)
    if found is None:
        raise QuestionnaireInvalid
    questionnaire = Questionnaire.objects.select_for_update().filter(pk=found[0]).first()
    if questionnaire is None or questionnaire.nonce != found[1]:
        raise QuestionnaireInvalid
    if questionnaire.answered_at is not None:
        raise QuestionnaireAlreadyAnswered(questionnaire)
    comment = (comment or "").strip()
    errors = {}
    if answer not in QuestionnaireAnswer.values:
        errors["answer"] = _("Select whether the problem has been fixed")
    if len(comment) > UPDATE_MAX_LENGTH:
        errors["comment"] = _("Your comment must be %(limit)s characters or fewer") % {"limit": UPDATE_MAX_LENGTH}
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    report = services._lock(questionnaire.report)
    fixed = answer == QuestionnaireAnswer.FIXED
    questionnaire.answer = answer
    questionnaire.comment = comment
    questionnaire.answered_at = now
    questionnaire.save(update_fields=["answer", "comment", "answered_at"])
    update = ReportUpdate.objects.create(
        report=report,
        kind=UpdateKind.QUESTIONNAIRE,
        author=report.reporter,
        author_name=report.public_name,
        author_email=questionnaire.email,
        text=comment,
        fixed_answer=fixed,
        confirmed_at=now,
        is_public=True,
    )
    old = report.status
    if not fixed and old in services.REOPENABLE:
        services._reopen(report, update, now=now)
    elif fixed and old in OPEN_STATUSES:
        report.status = Status.FIXED
        report.closed_at = now
        services._save(report, "status", "closed_at")
        update.old_status, update.new_status = old, Status.FIXED
        update.save(update_fields=["old_status", "new_status"])
    else:
        report.updated_at = now
        report.save(update_fields=["updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.REPORT_QUESTIONNAIRE_ANSWERED,
        subject=report,
        subject_user=report.reporter,
        agency=report.agency,
        extra={"questionnaire": questionnaire.pk, "answer": answer, "from": old, "to": report.status},
    )
    signals.update_published.send(sender=ReportUpdate, update=update, skip_email=questionnaire.email)
    return questionnaire
