"""The "has it been fixed?" questionnaire: sent once after four weeks, answered once through a signed link."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.reports.models import Questionnaire, Report, ReportUpdate, Status, UpdateKind
from ecitizen.reports.questionnaire import questionnaire_for_token, questionnaire_token, questionnaires_send_due
from ecitizen.reports.services import make_token, report_hide, report_merge, report_set_status

pytestmark = pytest.mark.django_db


def days_ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


@pytest.fixture
def old_report(make_report):
    return make_report(now=days_ago(29))


def send_and_get(old_report, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert questionnaires_send_due() == 1
    return Questionnaire.objects.get(report=old_report)


def url(q, token=None):
    return reverse("reports:questionnaire", args=[token or questionnaire_token(q)])


def test_sent_after_28_days_and_not_before(make_report, citizen, mailoutbox, django_capture_on_commit_callbacks):
    young = make_report(now=days_ago(27))
    old = make_report(now=days_ago(28.1), title="Old hole")
    with django_capture_on_commit_callbacks(execute=True):
        assert questionnaires_send_due() == 1
    assert not Questionnaire.objects.filter(report=young).exists()
    q = Questionnaire.objects.get(report=old)
    assert q.email == citizen.email and q.previous_status == Status.OPEN and q.answered_at is None
    assert Report.objects.get(pk=old.pk).questionnaire_sent_at is not None
    assert [m.to for m in mailoutbox] == [[citizen.email]]
    body = mailoutbox[0].body
    assert "Old hole" in mailoutbox[0].subject
    links = re.findall(r"http://[^/]+(/reports/questionnaire/[^/\s]+/)\?answer=(\w+)", body)
    assert [answer for _, answer in links] == ["fixed", "not_fixed"]
    assert links[0][0] == links[1][0]
    assert questionnaire_for_token(links[0][0].split("/")[-2]).pk == q.pk
    assert AuditLog.objects.filter(action=AuditAction.REPORT_QUESTIONNAIRE_SENT, subject_id=str(old.pk)).count() == 1
    # The young one's turn comes; the old one is never asked again.
    with django_capture_on_commit_callbacks(execute=True):
        assert questionnaires_send_due(now=timezone.now() + datetime.timedelta(days=2)) == 1
        assert questionnaires_send_due(now=timezone.now() + datetime.timedelta(days=2)) == 0
    assert Questionnaire.objects.filter(report=old).count() == 1
    assert len(mailoutbox) == 2


def test_days_come_from_the_setting(make_report, settings):
    settings.REPORTS_QUESTIONNAIRE_DAYS = 7
    make_report(now=days_ago(8))
    assert questionnaires_send_due() == 1


def test_not_sent_for_duplicates_or_hidden_reports(make_report, caseworker_a, moderator_a):
    original = make_report(now=days_ago(40))
    duplicate = make_report(now=days_ago(40))
    hidden = make_report(now=days_ago(40))
    report_merge(actor=caseworker_a, report=duplicate, into=original)
    report_hide(actor=moderator_a, report=hidden, reason="Abusive")
    assert questionnaires_send_due() == 1
    assert list(Questionnaire.objects.values_list("report_id", flat=True)) == [original.pk]


def test_command_sends_in_bounded_runs(make_report, monkeypatch):
    from ecitizen.reports import questionnaire

    monkeypatch.setattr(questionnaire, "BATCH_SIZE", 2)
    for _ in range(5):
        make_report(now=days_ago(30))
    assert questionnaires_send_due(limit=3) == 3
    call_command("send_questionnaires")
    assert Questionnaire.objects.count() == 5
    call_command("send_questionnaires")
    assert Questionnaire.objects.count() == 5


def test_get_shows_the_question_and_changes_nothing(client, old_report, django_capture_on_commit_callbacks):
    q = send_and_get(old_report, django_capture_on_commit_callbacks)
    updates = ReportUpdate.objects.count()
    response = client.get(url(q) + "?answer=not_fixed")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Has your problem been fixed?" in html
    assert re.search(r'value="not_fixed" checked', html)
    assert not re.search(r'value="fixed" checked', html)
    q.refresh_from_db()
    assert q.answered_at is None and q.answer == ""
    assert ReportUpdate.objects.count() == updates
    assert Report.objects.get(pk=old_report.pk).status == Status.OPEN


@pytest.mark.parametrize("method", ["get", "post"])
def test_tampered_or_foreign_token_is_refused(client, old_report, method, django_capture_on_commit_callbacks):
    q = send_and_get(old_report, django_capture_on_commit_callbacks)
    good = questionnaire_token(q)
    tampered = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    for token in (
        tampered,
        make_token("confirm", q.pk, q.nonce),  # signed, but for another purpose
        make_token("questionnaire", q.pk, "not-the-nonce"),
        "nonsense",
    ):
        response = getattr(client, method)(url(q, token), {"answer": "fixed"})
        assert response.status_code == 400
    q.refresh_from_db()
    assert q.answered_at is None


def test_fixed_on_an_open_report_marks_it_fixed(client, old_report, django_capture_on_commit_callbacks):
    q = send_and_get(old_report, django_capture_on_commit_callbacks)
    response = client.post(url(q), {"answer": "fixed", "comment": "Filled in last week."})
    assert response.status_code == 200
    assert "Thank you for your answer" in response.content.decode()
    report = Report.objects.get(pk=old_report.pk)
    assert report.status == Status.FIXED and report.closed_at is not None
    q.refresh_from_db()
    assert q.answer == "fixed" and q.comment == "Filled in last week." and q.answered_at is not None
    update = ReportUpdate.objects.get(report=report, kind=UpdateKind.QUESTIONNAIRE)
    assert update.fixed_answer is True and update.is_public and update.text == "Filled in last week."
    assert (update.old_status, update.new_status) == (Status.OPEN, Status.FIXED)
    assert AuditLog.objects.filter(action=AuditAction.REPORT_QUESTIONNAIRE_ANSWERED).count() == 1


def test_not_fixed_reopens_a_fixed_report_and_tells_the_agency(
    client, old_report, agency_a, caseworker_a, mailoutbox, django_capture_on_commit_callbacks
):
    agency_a.email = "roads@city.example.org"
    agency_a.save()
    report_set_status(actor=caseworker_a, report=old_report, status=Status.FIXED, public_note="Repaired.")
    q = send_and_get(old_report, django_capture_on_commit_callbacks)
    assert q.previous_status == Status.FIXED
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(q), {"answer": "not_fixed", "comment": "Still a hole."})
    assert response.status_code == 200
    assert "reopened" in response.content.decode()
    report = Report.objects.get(pk=old_report.pk)
    assert report.status == Status.OPEN and report.reopened_at is not None and report.closed_at is None
    update = ReportUpdate.objects.filter(report=report).last()
    assert update.fixed_answer is False and update.text == "Still a hole."
    assert (update.old_status, update.new_status) == (Status.FIXED, Status.OPEN)
    agency_mail = [m for m in mailoutbox if m.to == ["roads@city.example.org"]]
    assert len(agency_mail) == 1 and "reopened" in agency_mail[0].subject
    assert AuditLog.objects.filter(action=AuditAction.REPORT_REOPENED, subject_id=str(report.pk)).count() == 1


def test_answer_is_single_use(client, old_report, django_capture_on_commit_callbacks):
    q = send_and_get(old_report, django_capture_on_commit_callbacks)
    assert client.post(url(q), {"answer": "fixed"}).status_code == 200
    report = Report.objects.get(pk=old_report.pk)
    updates = ReportUpdate.objects.count()
    second = client.post(url(q), {"answer": "not_fixed", "comment": "Changed my mind"})
    assert second.status_code == 200
    assert "You have already answered" in second.content.decode()
    q.refresh_from_db()
    assert q.answer == "fixed" and q.comment == ""
    assert ReportUpdate.objects.count() == updates
    assert Report.objects.get(pk=old_report.pk).status == report.status == Status.FIXED
    assert "You have already answered" in client.get(url(q)).content.decode()
    assert AuditLog.objects.filter(action=AuditAction.REPORT_QUESTIONNAIRE_ANSWERED).count() == 1


def test_answer_is_required(client, old_report, django_capture_on_commit_callbacks):
    q = send_and_get(old_report, django_capture_on_commit_callbacks)
    response = client.post(url(q), {"comment": "hm"})
    assert response.status_code == 200
    assert "Select whether the problem has been fixed" in response.content.decode()
    q.refresh_from_db()
    assert q.answered_at is None


def test_not_fixed_on_an_open_report_keeps_it_open(client, old_report, django_capture_on_commit_callbacks):
    q = send_and_get(old_report, django_capture_on_commit_callbacks)
    client.post(url(q), {"answer": "not_fixed"})
    report = Report.objects.get(pk=old_report.pk)
    assert report.status == Status.OPEN and report.reopened_at is None
    update = ReportUpdate.objects.get(report=report, kind=UpdateKind.QUESTIONNAIRE)
    assert update.fixed_answer is False
