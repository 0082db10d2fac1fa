"""A report is made once per draft, whatever happens between the commit and the reply.

The draft's submit token is stored on the report in the same transaction, so a
retry finds the report even when the session (or the cache) never learnt of it:
the web process died after the commit, or the person pressed "Send" again.
"""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.core.testing import run_together
from ecitizen.reports import services
from ecitizen.reports.models import Report
from ecitizen.reports.report_views import DRAFT_SESSION_KEY, SENT_SESSION_KEY
from ecitizen.reports.tests.conftest import OLD_TOWN

CHECK = reverse("reports:new_check")


def _ready_to_send(client):
    client.post(reverse("reports:new"), {"lat": str(OLD_TOWN[0]), "lng": str(OLD_TOWN[1])})
    client.post(reverse("reports:new_category"), {"category": "pothole"})
    client.post(
        reverse("reports:new_details"),
        {"title": "Deep pot-hole", "description": "By the bus stop on Mill Lane.", "answer_depth": "deep"},
    )
    return client.get(CHECK).context["form"].initial["submit_token"]


def _forget_the_send(client, draft_before):
    """The state after a crash between the commit and the reply: the session was never saved."""
    session = client.session
    session[DRAFT_SESSION_KEY] = draft_before
    session[SENT_SESSION_KEY] = []
    session.save()
    cache.clear()


@pytest.mark.django_db
def test_the_same_token_twice_makes_one_report(make_report):
    token = uuid.uuid4()
    first = make_report(submit_token=token)
    second = make_report(submit_token=str(token))
    assert second.pk == first.pk
    assert Report.objects.count() == 1
    assert AuditLog.objects.filter(action=AuditAction.REPORT_CREATED).count() == 1


@pytest.mark.django_db
def test_reports_without_a_token_are_independent(make_report):
    make_report(submit_token=None)
    make_report(submit_token=None)
    assert Report.objects.count() == 2


@pytest.mark.django_db
def test_a_retry_after_a_crash_shows_the_report_already_made(client, citizen, pothole):
    client.force_login(citizen)
    token = _ready_to_send(client)
    draft_before = dict(client.session[DRAFT_SESSION_KEY])
    first = client.post(CHECK, {"submit_token": token})
    report = Report.objects.get()
    assert first["Location"] == reverse("reports:new_sent", args=[report.pk])

    _forget_the_send(client, draft_before)
    retry = client.post(CHECK, {"submit_token": token})
    assert Report.objects.count() == 1
    assert retry["Location"] == first["Location"]
    page = client.get(retry["Location"])
    assert page.status_code == 200
    assert f"#{report.pk}" in page.content.decode()


@pytest.mark.django_db
def test_a_crash_before_the_commit_does_not_hold_the_send_back(client, citizen, pothole, monkeypatch):
    """Nothing was committed, so the next "Send" makes the report at once (no lock to wait out)."""
    client.force_login(citizen)
    token = _ready_to_send(client)

    def crash(*args, **kwargs):
        raise RuntimeError("the process died")

    monkeypatch.setattr(services.area_links, "link_new_report", crash)
    with pytest.raises(RuntimeError):
        client.post(CHECK, {"submit_token": token})
    assert not Report.objects.exists()
    monkeypatch.undo()
    response = client.post(CHECK, {"submit_token": token})
    assert response["Location"] == reverse("reports:new_sent", args=[Report.objects.get().pk])


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a database with row locks (PostgreSQL)")
def test_sends_racing_with_one_token_make_one_report(make_report):
    token = uuid.uuid4()
    results, errors = run_together([lambda: make_report(submit_token=token)] * 8)
    assert errors == []
    assert Report.objects.count() == 1
    assert {r.pk for r in results} == {Report.objects.get().pk}
    assert AuditLog.objects.filter(action=AuditAction.REPORT_CREATED).count() == 1
