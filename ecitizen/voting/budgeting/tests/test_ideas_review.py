"""Staff of the agency review ideas before voting opens: accept, reject with a reason, merge."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.notifications.models import Notification
from ecitizen.voting.budgeting import idea_services
from ecitizen.voting.budgeting.idea_selectors import projects_on_ballot
from ecitizen.voting.budgeting.models import ProjectStatus, Support

from .ideas_fixtures import *  # noqa: F403
from .ideas_fixtures import propose

pytestmark = pytest.mark.django_db


def test_accept_with_the_official_cost(caseworker_a, citizen, whole_process):
    project = propose(citizen, whole_process)
    with pytest.raises(ValidationError) as caught:
        idea_services.idea_accept(actor=caseworker_a, project=project, official_cost=100_001)
    assert "official_cost" in caught.value.message_dict
    idea_services.idea_accept(actor=caseworker_a, project=project, official_cost=9_500)
    project.refresh_from_db()
    assert (project.status, project.official_cost, project.reviewed_by) == (ProjectStatus.ACCEPTED, 9_500, caseworker_a)
    assert list(projects_on_ballot(project.budget)) == [project]
    row = AuditLog.objects.get(action=AuditAction.PB_IDEA_ACCEPTED)
    assert (row.actor, row.extra) == (caseworker_a, {"official_cost": 9_500})


def test_rejected_author_is_told_why_after_commit(
    django_capture_on_commit_callbacks, caseworker_a, citizen, whole_process
):
    project = propose(citizen, whole_process)
    with pytest.raises(ValidationError):
        idea_services.idea_reject(actor=caseworker_a, project=project, reason="  ")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        idea_services.idea_reject(actor=caseworker_a, project=project, reason="The land belongs to the railway.")
    # Queued for after the commit, not sent inside the transaction.
    assert mail.outbox == []
    assert callbacks
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    assert "The land belongs to the railway." in mail.outbox[0].body
    assert mail.outbox[0].to == [citizen.email]
    assert Notification.objects.get(user=citizen).url == reverse("budgeting:project", args=[project.pk])
    project.refresh_from_db()
    assert (project.status, project.review_note) == (ProjectStatus.REJECTED, "The land belongs to the railway.")


def test_staff_never_review_their_own_idea(caseworker_a, whole_process):
    own = propose(caseworker_a, whole_process)
    with pytest.raises(PermissionDenied):
        idea_services.idea_accept(actor=caseworker_a, project=own, official_cost=10)
    with pytest.raises(PermissionDenied):
        idea_services.idea_reject(actor=caseworker_a, project=own, reason="No")


def test_other_agencies_staff_and_citizens_cannot_review(caseworker_b, other_citizen, citizen, whole_process):
    project = propose(citizen, whole_process)
    for actor in (caseworker_b, other_citizen):
        with pytest.raises(PermissionDenied):
            idea_services.idea_accept(actor=actor, project=project, official_cost=10)


def test_no_review_once_voting_opens(caseworker_a, make_process):
    process = make_process("voting")
    project = process.projects.first()
    with pytest.raises(ValidationError):
        idea_services.idea_reject(actor=caseworker_a, project=project, reason="Too late")
    project.refresh_from_db()
    assert project.status == ProjectStatus.ACCEPTED


def test_merge_moves_supports_without_double_counting(make_user, caseworker_a, citizen, other_citizen, whole_process):
    target = propose(citizen, whole_process, title="Benches by the river")
    source = propose(other_citizen, whole_process, title="Seats on the river path")
    both, only_source, only_target = (make_user(f"s{i}@example.net") for i in range(3))
    for person in (both, only_source):
        idea_services.idea_support(actor=person, project=source)
    for person in (both, only_target):
        idea_services.idea_support(actor=person, project=target)
    idea_services.idea_support(actor=citizen, project=source)  # the target's own author
    # when
    idea_services.idea_merge(actor=caseworker_a, projects=[source], into=target)
    # then
    source.refresh_from_db()
    target.refresh_from_db()
    assert (source.status, source.merged_into, source.support_count) == (ProjectStatus.MERGED, target, 0)
    assert target.support_count == Support.objects.filter(project=target).count() == 3
    assert not Support.objects.filter(project=source).exists()
    assert Notification.objects.filter(user=other_citizen).count() == 1
    row = AuditLog.objects.get(action=AuditAction.PB_IDEA_MERGED)
    assert row.extra == {"into": target.pk, "supports_moved": 1}


def test_merge_refusals(caseworker_a, citizen, make_process, whole_process):
    idea = propose(citizen, whole_process)
    with pytest.raises(ValidationError):
        idea_services.idea_merge(actor=caseworker_a, projects=[idea], into=idea)
    other = make_process("ideas").projects.first()
    with pytest.raises(ValidationError):
        idea_services.idea_merge(actor=caseworker_a, projects=[idea], into=other)


# --- pages ----------------------------------------------------------------------------------


def test_review_pages(mfa_client, caseworker_a, citizen, other_citizen, whole_process):
    first = propose(citizen, whole_process, title="First")
    second = propose(other_citizen, whole_process, title="Second")
    third = propose(other_citizen, whole_process, title="Third")
    client = mfa_client(caseworker_a)
    queue = client.get(reverse("budgeting_staff:review_queue", args=[whole_process.pk]))
    assert queue.status_code == 200
    assert "First" in queue.content.decode()
    filtered = client.get(reverse("budgeting_staff:review_queue", args=[whole_process.pk]), {"status": "accepted"})
    assert "First" not in filtered.content.decode()
    assert client.get(reverse("budgeting_staff:review", args=[first.pk])).status_code == 200
    bad = client.post(reverse("budgeting_staff:review_accept", args=[first.pk]), {"official_cost": "999999999"})
    assert bad.status_code == 400
    assert "Enter the official cost" in bad.content.decode()
    assert (
        client.post(reverse("budgeting_staff:review_accept", args=[first.pk]), {"official_cost": "7000"}).status_code
        == 302
    )
    assert client.post(reverse("budgeting_staff:review_reject", args=[second.pk]), {"reason": ""}).status_code == 400
    assert (
        client.post(reverse("budgeting_staff:review_reject", args=[second.pk]), {"reason": "Not ours"}).status_code
        == 302
    )
    assert client.post(reverse("budgeting_staff:review_merge", args=[third.pk]), {"into": first.pk}).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    third.refresh_from_db()
    assert (first.status, second.status, third.status) == ("accepted", "rejected", "merged")
    page = client.get(reverse("budgeting:project", args=[second.pk])).content.decode()
    assert "Not ours" in page


def test_review_pages_of_another_agency_are_not_found(mfa_client, caseworker_b, citizen, whole_process):
    project = propose(citizen, whole_process)
    client = mfa_client(caseworker_b)
    assert client.get(reverse("budgeting_staff:review", args=[project.pk])).status_code == 404
    assert client.get(reverse("budgeting_staff:review_queue", args=[whole_process.pk])).status_code == 404
    response = client.post(reverse("budgeting_staff:review_accept", args=[project.pk]), {"official_cost": "10"})
    assert response.status_code == 404
