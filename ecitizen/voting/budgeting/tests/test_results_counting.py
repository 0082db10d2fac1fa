"""Counting a closed process: the tally engine's outcome stored per budget with its reasons, the
SHA-256 of the Pabulib text counted, one audit row; counting again replaces the count; the
scheduled job counts processes whose voting has closed."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.voting.budgeting import pabulib_io
from ecitizen.voting.budgeting.models import ProjectResult, Tally
from ecitizen.voting.budgeting.result_services import results_count, results_count_due

from .results_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db


def _results(tally):
    return {r.project_id: r for r in ProjectResult.objects.filter(tally=tally)}


def test_greedy_funds_by_votes_while_the_money_lasts(small_case, admin_a):
    # given
    process, _budget, (a, b, c) = small_case("greedy")
    # when
    [tally] = results_count(actor=admin_a, process=process)
    # then
    assert (tally.rule, tally.ballots, tally.spent, tally.counted_by) == ("greedy", 5, 100_000, admin_a)
    results = _results(tally)
    assert results[a.pk].funded and results[a.pk].order == 1 and results[a.pk].votes == 3
    assert not results[b.pk].funded and not results[c.pk].funded
    assert results[b.pk].explanation["budget_left"] == 0
    assert results[a.pk].explanation["budget_left"] == 100_000
    row = AuditLog.objects.get(action=AuditAction.PB_TALLIED)
    assert (row.actor, row.subject_id, row.agency_id) == (admin_a, str(process.pk), process.agency_id)
    assert row.extra["budgets"][0]["selected"] == [a.pk]


def test_equal_shares_funds_the_projects_of_the_smaller_group_then_completes(small_case, admin_a):
    process, _budget, (a, b, c) = small_case("mes")

    [tally] = results_count(actor=admin_a, process=process)

    results = _results(tally)
    assert not results[a.pk].funded
    assert results[b.pk].funded and results[c.pk].funded
    assert tally.spent == 80_000
    stages = sorted(results[p.pk].explanation["stage"] for p in (b, c))
    assert stages == ["completion", "mes"]
    by_mes = next(r for r in (results[b.pk], results[c.pk]) if r.explanation["stage"] == "mes")
    assert by_mes.explanation["payments"] == [{"voters": 2, "paid": "40000.00", "each": "20000.00"}]
    assert tally.details["voters"] == 5


def test_the_hash_is_of_the_exact_pabulib_text_counted(small_case, admin_a):
    process, budget, _ = small_case("mes")

    [tally] = results_count(actor=admin_a, process=process)

    text = pabulib_io.budget_export_text(budget, with_selected=False)
    assert tally.input_sha256 == hashlib.sha256(text.encode()).hexdigest()


def test_counting_again_replaces_the_count(small_case, admin_a, caseworker_a):
    process, budget, (_a, b, _c) = small_case("greedy")
    results_count(actor=admin_a, process=process)
    cast(process, budget, b)  # noqa: F405
    cast(process, budget, b)  # noqa: F405

    [tally] = results_count(actor=caseworker_a, process=process)

    assert Tally.objects.count() == 1 and tally.counted_by == caseworker_a
    assert tally.ballots == 7
    assert ProjectResult.objects.filter(tally=tally).count() == 3
    assert _results(tally)[b.pk].votes == 4


def test_votes_are_not_counted_before_voting_closes(make_process, admin_a):
    process = make_process("voting")
    with pytest.raises(ValidationError):
        results_count(actor=admin_a, process=process)
    assert not Tally.objects.exists()


def test_staff_of_another_agency_and_citizens_cannot_count(small_case, caseworker_b, citizen):
    process, _, _ = small_case()
    for person in (caseworker_b, citizen):
        with pytest.raises(PermissionDenied):
            results_count(actor=person, process=process)
    assert not AuditLog.objects.filter(action=AuditAction.PB_TALLIED).exists()


def test_the_scheduled_job_counts_closed_processes_once(small_case, make_process):
    process, _, _ = small_case()
    still_voting = make_process("voting")

    assert results_count_due() == 1
    assert results_count_due() == 0  # already counted

    tally = Tally.objects.get(budget__process=process)
    assert tally.counted_by is None
    assert not Tally.objects.filter(budget__process=still_voting).exists()


def test_every_district_budget_is_counted(make_process, districts, admin_a):
    process = make_process("counting", districts=districts)
    for budget in process.budgets.all():
        first = budget.projects.order_by("pk").first()
        cast(process, budget, first)  # noqa: F405

    tallies = results_count(actor=admin_a, process=process)

    assert len(tallies) == 2
    assert all(t.ballots == 1 for t in tallies)


def test_cumulative_ballots_count_points(make_process, admin_a):
    process = make_process("counting", ballot_style="cumulative", rule="greedy", amount=60_000)
    budget = process.budgets.get()
    benches, trees, play = budget.projects.order_by("pk")
    cast(process, budget, benches, trees, points=[1, 5])  # noqa: F405
    cast(process, budget, play, benches, points=[4, 3])  # noqa: F405

    [tally] = results_count(actor=admin_a, process=process)

    results = _results(tally)
    assert [results[p.pk].votes for p in (benches, trees, play)] == [4, 5, 4]
    assert results[trees.pk].funded  # 5 points, 45 000
    assert not results[play.pk].funded  # 15 000 left
