"""Pabulib: the export of a finished process counts again to the published result (with the
engine and with ``manage.py pb_tally``), and a file imported by staff becomes a finished process."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.voting.budgeting import pabulib_io
from ecitizen.voting.budgeting.models import Ballot, Phase, ProjectResult, Rule
from ecitizen.voting.budgeting.result_services import process_import, results_count, results_publish
from ecitizen.voting.budgeting.tally import tally

from .results_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rule", ["greedy", "mes"])
def test_the_export_counts_again_to_the_published_result(client, small_case, admin_a, admin_two, rule, tmp_path):
    process, budget, _ = small_case(rule)
    results_count(actor=admin_a, process=process)
    results_publish(actor=admin_two, process=process)
    stored = [
        str(pk)
        for pk in ProjectResult.objects.filter(tally__budget=budget, funded=True)
        .order_by("order")
        .values_list("project_id", flat=True)
    ]

    text = client.get(reverse("budgeting:pabulib", args=[process.pk, budget.pk])).content.decode()

    recount = tally(pabulib_io.read_text(text), pabulib_io.engine_rule(rule))
    assert recount.selected == stored
    path = tmp_path / "export.pb"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    call_command("pb_tally", str(path), "--rule", pabulib_io.engine_rule(rule), stdout=out)
    assert out.getvalue().split() == stored


def test_the_export_has_pseudonymous_voters_and_the_rule(counted):
    _process, budget, _ = counted
    text = pabulib_io.budget_export_text(budget, with_selected=False)
    instance = pabulib_io.read_text(text)
    ballots = list(Ballot.objects.filter(budget=budget).order_by("pk").prefetch_related("choices"))
    # Voters are numbered 1..n, not by their ballot numbers (which audit rows name) ...
    assert instance.voter_ids == [str(n) for n in range(1, len(ballots) + 1)]
    # ... each ballot is there once, with its choices ...
    as_cast = sorted(sorted((str(c.project_id), c.points) for c in b.choices.all()) for b in ballots)
    assert sorted(sorted(v.items()) for v in instance.ballots) == as_cast
    # ... and the file is the same every time (its SHA-256 is what the count records).
    assert pabulib_io.budget_export_text(budget, with_selected=False) == text
    assert "test:" not in text  # voter keys never leave the database
    assert instance.meta["rule"] == "greedy"
    assert instance.vote_type == "approval"
    assert instance.meta["max_length"] == "3"


FILE = """META
key;value
description;Old Town 2019
country;Northbridge
unit;Northbridge
instance;2019
num_projects;3
num_votes;5
budget;100000
vote_type;approval
rule;greedy
date_begin;01.03.2019
date_end;15.03.2019
max_length;2
PROJECTS
project_id;cost;name
1;100000;Library
2;40000;Benches
3;40000;Trees
VOTES
voter_id;vote
v1;1
v2;1
v3;1
v4;2,3
v5;2,3
"""


def test_staff_import_a_file_as_a_finished_process(admin_a, admin_two, agency_a):
    process = process_import(actor=admin_a, agency=agency_a, text=FILE)

    assert process.phase() == Phase.COUNTING
    assert process.title == "Old Town 2019" and process.rule == Rule.GREEDY and process.max_choices == 2
    budget = process.budgets.get()
    assert budget.amount == 100_000
    assert list(budget.projects.order_by("pk").values_list("title", "official_cost")) == [
        ("Library", 100_000),
        ("Benches", 40_000),
        ("Trees", 40_000),
    ]
    assert Ballot.objects.filter(process=process).count() == 5
    row = AuditLog.objects.get(action=AuditAction.PB_IMPORTED)
    assert row.actor == admin_a and row.extra["ballots"] == 5

    [t] = results_count(actor=admin_a, process=process)
    funded = list(ProjectResult.objects.filter(tally=t, funded=True).values_list("project__title", flat=True))
    assert funded == ["Library"]
    results_publish(actor=admin_two, process=process)


@pytest.mark.parametrize(
    "text",
    [
        "not a pabulib file",
        FILE.replace("vote_type;approval", "vote_type;ordinal"),
        FILE.replace("v5;2,3", "v5;2,9"),
        FILE.replace("v5;2,3", "v4;2,3"),
    ],
)
def test_bad_files_are_refused_with_nothing_saved(admin_a, agency_a, text):
    with pytest.raises(ValidationError) as exc:
        process_import(actor=admin_a, agency=agency_a, text=text)
    assert "file" in exc.value.message_dict
    assert not Ballot.objects.exists()
    assert not AuditLog.objects.filter(action=AuditAction.PB_IMPORTED).exists()


def test_only_agency_admins_import(caseworker_a, agency_a, admin_a, agency_b):
    with pytest.raises(PermissionDenied):
        process_import(actor=caseworker_a, agency=agency_a, text=FILE)
    with pytest.raises(PermissionDenied):
        process_import(actor=admin_a, agency=agency_b, text=FILE)
