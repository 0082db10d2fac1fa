"""Supporting ideas: once per person, taken back, and a counter that stays exact."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.core.testing import run_together
from ecitizen.voting.budgeting import idea_services
from ecitizen.voting.budgeting.models import Support

from .ideas_fixtures import *  # noqa: F403
from .ideas_fixtures import propose


@pytest.mark.django_db
def test_support_once_and_take_back(citizen, other_citizen, whole_process):
    project = propose(citizen, whole_process)
    assert idea_services.idea_support(actor=other_citizen, project=project) is True
    assert idea_services.idea_support(actor=other_citizen, project=project) is False
    project.refresh_from_db()
    assert project.support_count == 1
    assert AuditLog.objects.filter(action=AuditAction.PB_IDEA_SUPPORTED).count() == 1
    assert idea_services.idea_unsupport(actor=other_citizen, project=project) is True
    assert idea_services.idea_unsupport(actor=other_citizen, project=project) is False
    project.refresh_from_db()
    assert project.support_count == 0
    assert AuditLog.objects.filter(action=AuditAction.PB_IDEA_UNSUPPORTED).count() == 1


@pytest.mark.django_db
def test_no_support_for_your_own_idea_or_outside_the_ideas_phase(citizen, other_citizen, make_process):
    process = make_process("review")
    project = process.projects.first()
    with pytest.raises(ValidationError):
        idea_services.idea_support(actor=other_citizen, project=project)
    process = make_process("ideas")
    process.projects.all().delete()
    own = propose(citizen, process)
    with pytest.raises(ValidationError):
        idea_services.idea_support(actor=citizen, project=own)
    assert not Support.objects.exists()


@pytest.mark.django_db
def test_support_page(client, citizen, other_citizen, whole_process):
    project = propose(citizen, whole_process)
    url = reverse("budgeting:idea_support", args=[project.pk])
    assert client.post(url).status_code == 302  # to sign in
    client.force_login(other_citizen)
    page = client.get(reverse("budgeting:project", args=[project.pk])).content.decode()
    assert "Support this idea" in page
    assert client.post(url, {"action": "support"}).status_code == 302
    assert client.post(url, {"action": "support"}).status_code == 302
    project.refresh_from_db()
    assert project.support_count == 1
    page = client.get(reverse("budgeting:project", args=[project.pk])).content.decode()
    assert "Take back your support" in page
    client.post(url, {"action": "unsupport"})
    project.refresh_from_db()
    assert project.support_count == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a database with row locks (PostgreSQL)")
def test_counter_is_exact_under_concurrency(make_user, citizen, whole_process):
    project = propose(citizen, whole_process)
    people = [make_user(f"supporter-{i}@example.net") for i in range(12)]
    queue = list(people)
    lock = threading.Lock()

    def support_next():
        with lock:
            person = queue.pop()
        idea_services.idea_support(actor=person, project=project)
        # The same person again, at the same moment as others: still counted once.
        return idea_services.idea_support(actor=person, project=project)

    results, errors = run_together([support_next] * len(people))
    assert errors == []
    assert results == [False] * len(people)
    project.refresh_from_db()
    assert project.support_count == Support.objects.filter(project=project).count() == len(people)
