"""Publishing results: an agency admin other than whoever counted (four eyes), never a count made
by the job alone, never a stale count; results and the ``selected`` column are public only after."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.voting.budgeting.models import PaperEntry
from ecitizen.voting.budgeting.result_services import results_count, results_publish

from .results_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db


def test_a_second_admin_publishes(counted, admin_two, admin_a):
    process, _, _ = counted

    results_publish(actor=admin_two, process=process)

    process.refresh_from_db()
    assert process.results_published_at is not None and process.results_published_by == admin_two
    row = AuditLog.objects.get(action=AuditAction.PB_RESULTS_PUBLISHED)
    assert (row.actor, row.subject_id, row.agency_id) == (admin_two, str(process.pk), process.agency_id)
    assert row.extra["counted_by"] == [admin_a.pk]


def test_whoever_counted_cannot_publish(counted, admin_a):
    process, _, _ = counted
    with pytest.raises(PermissionDenied):
        results_publish(actor=admin_a, process=process)
    process.refresh_from_db()
    assert process.results_published_at is None
    assert not AuditLog.objects.filter(action=AuditAction.PB_RESULTS_PUBLISHED).exists()


def test_a_caseworker_or_other_agency_cannot_publish(counted, caseworker_a, make_staff, agency_b):
    process, _, _ = counted
    for person in (caseworker_a, make_staff("agency_admin", agency_b)):
        with pytest.raises(PermissionDenied):
            results_publish(actor=person, process=process)


def test_a_count_by_the_job_must_be_checked_by_a_person(small_case, admin_a, admin_two):
    process, _, _ = small_case()
    results_count(actor=None, process=process)
    with pytest.raises(ValidationError):
        results_publish(actor=admin_two, process=process)

    results_count(actor=admin_a, process=process)  # a person counts again: the check
    results_publish(actor=admin_two, process=process)


def test_a_ballot_after_the_count_needs_a_new_count(counted, admin_two):
    process, budget, (a, _, _) = counted
    cast(process, budget, a)  # noqa: F405
    with pytest.raises(ValidationError):
        results_publish(actor=admin_two, process=process)


def test_paper_ballots_waiting_for_their_second_entry_block_publishing(counted, admin_two, caseworker_a):
    process, budget, _ = counted
    PaperEntry.objects.create(process=process, budget=budget, sheet_number="A1", voter_key="x", entered_by=caseworker_a)
    with pytest.raises(ValidationError):
        results_publish(actor=admin_two, process=process)


def test_publishing_twice_is_refused(published, admin_two, make_staff):
    process, _, _ = published
    with pytest.raises(ValidationError):
        results_publish(actor=make_staff("agency_admin"), process=process)
    assert AuditLog.objects.filter(action=AuditAction.PB_RESULTS_PUBLISHED).count() == 1


def test_counting_after_publishing_is_refused(published, admin_a):
    process, _, _ = published
    with pytest.raises(ValidationError):
        results_count(actor=admin_a, process=process)


def test_results_are_not_public_before_publishing(client, counted):
    process, budget, _ = counted
    assert client.get(reverse("budgeting:results", args=[process.pk])).status_code == 404
    assert client.get(reverse("budgeting:implementation", args=[process.pk])).status_code == 404
    # The ballots are open data only once the results are published: before, they tell the result.
    assert client.get(reverse("budgeting:pabulib", args=[process.pk, budget.pk])).status_code == 404
    page = client.get(process.get_absolute_url()).content.decode()
    assert reverse("budgeting:pabulib", args=[process.pk, budget.pk]) not in page


def test_results_are_public_after_publishing(client, published):
    process, budget, (_a, _, _) = published
    response = client.get(reverse("budgeting:results", args=[process.pk]))
    assert response.status_code == 200
    assert b"Library" in response.content
    pb = client.get(reverse("budgeting:pabulib", args=[process.pk, budget.pk])).content.decode()
    assert "selected" in pb


def test_no_pabulib_file_while_voting(client, make_process):
    process = make_process("voting")
    budget = process.budgets.get()
    assert client.get(reverse("budgeting:pabulib", args=[process.pk, budget.pk])).status_code == 404
