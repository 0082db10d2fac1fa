"""Audit scenarios of participatory budgeting's results (ecitizen.voting.budgeting): see
tests/audit_scenarios.py for the shape."""

from __future__ import annotations

import datetime
import itertools

from ecitizen.core.models import AuditAction as A

_seq = itertools.count(1)


def _expect(**kwargs):
    from tests.audit_scenarios import Expect

    return Expect(**kwargs)


def _then(call, **expect):
    def act():
        call()
        return _expect(**expect)

    return act


def _closed_process(w):
    """A published process whose voting closed yesterday: one budget, three projects, ballots."""
    from django.utils import timezone

    from ecitizen.voting.budgeting.models import Ballot, BallotChoice, Budget, Process, Project, ProjectStatus

    now = timezone.now()
    day = datetime.timedelta(days=1)
    process = Process.objects.create(
        agency=w.agency_a,
        title=f"Audit budget {next(_seq)}",
        summary="Audit",
        ideas_open_at=now - 40 * day,
        ideas_close_at=now - 30 * day,
        voting_open_at=now - 20 * day,
        voting_close_at=now - day,
        created_by=w._once("results_owner", lambda: w.staff("agency_admin")),
        published_at=now - 50 * day,
        rule="greedy",
        max_choices=3,
    )
    budget = Budget.objects.create(process=process, amount=100_000)
    projects = [
        Project.objects.create(
            process=process,
            budget=budget,
            title=title,
            description=title,
            estimated_cost=cost,
            official_cost=cost,
            status=ProjectStatus.ACCEPTED,
        )
        for title, cost in (("Library", 60_000), ("Benches", 20_000), ("Trees", 45_000))
    ]
    for n, choice in enumerate((0, 0, 1)):
        ballot = Ballot.objects.create(process=process, budget=budget, voter_key=f"audit:{process.pk}:{n}")
        BallotChoice.objects.create(ballot=ballot, project=projects[choice])
    return process, budget, projects


def _counter(w):
    return w._once("results_counter", lambda: w.staff("agency_admin"))


def _publisher(w):
    return w._once("results_publisher", lambda: w.staff("agency_admin"))


def _counted(w):
    from ecitizen.voting.budgeting.result_services import results_count

    process, budget, projects = _closed_process(w)
    results_count(actor=_counter(w), process=process)
    return process, budget, projects


def _implementing(w):
    from ecitizen.voting.budgeting.implementation_services import implementation_start
    from ecitizen.voting.budgeting.result_services import results_publish

    process, budget, projects = _counted(w)
    results_publish(actor=_publisher(w), process=process)
    implementation_start(actor=_publisher(w), process=process)
    return process, budget, projects


def implementation_started(w):
    from ecitizen.voting.budgeting.implementation_services import implementation_start
    from ecitizen.voting.budgeting.result_services import results_publish

    process, _, _ = _counted(w)
    publisher = _publisher(w)
    results_publish(actor=publisher, process=process)
    return _then(
        lambda: implementation_start(actor=publisher, process=process),
        actor=publisher,
        subject=process,
        agency=w.agency_a,
    )


def tallied(w):
    from ecitizen.voting.budgeting.result_services import results_count

    process, _, _ = _closed_process(w)
    actor = _counter(w)
    return _then(lambda: results_count(actor=actor, process=process), actor=actor, subject=process, agency=w.agency_a)


def results_published(w):
    from ecitizen.voting.budgeting.result_services import results_publish

    process, _, _ = _counted(w)
    actor = _publisher(w)
    return _then(lambda: results_publish(actor=actor, process=process), actor=actor, subject=process, agency=w.agency_a)


def imported(w):
    from ecitizen.voting.budgeting.models import Process
    from ecitizen.voting.budgeting.result_services import process_import

    actor = _counter(w)
    text = (
        "META\nkey;value\ndescription;Imported\nnum_projects;2\nnum_votes;2\nbudget;100\nvote_type;approval\n"
        "rule;greedy\nPROJECTS\nproject_id;cost;name\n1;60;A\n2;50;B\nVOTES\nvoter_id;vote\nv1;1\nv2;1,2\n"
    )

    def act():
        process_import(actor=actor, agency=w.agency_a, text=text)
        return _expect(actor=actor, subject=Process.objects.latest("pk"), agency=w.agency_a)

    return act


def exported(w):
    from ecitizen.voting.budgeting.result_services import export_record

    process, budget, _ = _counted(w)
    actor = _counter(w)
    return _then(lambda: export_record(actor=actor, budget=budget), actor=actor, subject=process, agency=w.agency_a)


def milestone_saved(w):
    from ecitizen.voting.budgeting.implementation_services import milestone_save
    from ecitizen.voting.budgeting.models import Milestone

    _, _, projects = _implementing(w)
    library = projects[0]
    actor = w.staff("caseworker")

    def act():
        milestone_save(actor=actor, project=library, title="Design agreed")
        return _expect(actor=actor, subject=Milestone.objects.get(project=library), agency=w.agency_a)

    return act


def progress_saved(w):
    from ecitizen.voting.budgeting.implementation_services import progress_save

    _, _, projects = _implementing(w)
    actor = w.staff("caseworker")
    return _then(
        lambda: progress_save(actor=actor, project=projects[0], progress=20, spent=1000),
        actor=actor,
        subject=projects[0],
        agency=w.agency_a,
    )


def follow_started(w):
    from ecitizen.voting.budgeting.implementation_services import follow_start
    from ecitizen.voting.budgeting.models import Follow

    _, _, projects = _implementing(w)
    citizen = w.citizen

    def act():
        follow_start(actor=citizen, project=projects[0])
        return _expect(actor=citizen, subject=Follow.objects.get(user=citizen), agency=w.agency_a)

    return act


def follow_stopped(w):
    from ecitizen.voting.budgeting.implementation_services import follow_start, follow_stop

    _, _, projects = _implementing(w)
    citizen = w.citizen
    follow = follow_start(actor=citizen, project=projects[0])
    return _then(
        lambda: follow_stop(actor=citizen, project=projects[0]), actor=citizen, subject=follow, agency=w.agency_a
    )


SCENARIOS: dict = {
    A.PB_TALLIED: tallied,
    A.PB_RESULTS_PUBLISHED: results_published,
    A.PB_IMPLEMENTATION_STARTED: implementation_started,
    A.PB_IMPORTED: imported,
    A.PB_EXPORTED: exported,
    A.PB_MILESTONE_SAVED: milestone_saved,
    A.PB_PROGRESS_SAVED: progress_saved,
    A.PB_FOLLOW_STARTED: follow_started,
    A.PB_FOLLOW_STOPPED: follow_stopped,
}
