"""Review findings: hostile Pabulib files, the scheduled count, the public export before publishing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.voting.budgeting.models import Ballot, Process
from ecitizen.voting.budgeting.result_services import process_import

from .results_fixtures import *  # noqa: F403
from .test_results_pabulib import FILE

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "text",
    [
        FILE.replace("budget;100000", "budget;" + "9" * 30),
        FILE.replace("budget;100000", "budget;" + "1" + "0" * 30),
        FILE.replace("budget;100000", "budget;9223372036854775808"),
        FILE.replace("1;100000;Library", "1;" + "9" * 30 + ";Library"),
        FILE.replace("1;100000;Library", "1;-5;Library"),
        FILE.replace("3;40000;Trees", "1;40000;Trees"),
        FILE.replace("v1;1", "v1;1,1"),
        FILE.replace("v1;1", "v1;1").replace("v2;1", "v2;1").replace("max_length;2", "max_length;" + "9" * 30),
        FILE.replace("v1;1", "x" * 100 + "a;1").replace("v2;1", "x" * 100 + "b;1"),
        FILE.replace("Library", '"' + '""' * 50000 + '"'),
        FILE.replace("Library", '"' * 100001),
        FILE.replace("Library", "L" * 300000),
        FILE.replace("date_end;15.03.2019", "date_end;31.12.9999"),
        FILE.replace("date_begin;01.03.2019", "date_begin;01.01.0001"),
        FILE.replace("VOTES\nvoter_id;vote\n", "VOTES\nvoter_id;vote\n" + "".join(f"w{i};1\n" for i in range(0))),
    ],
)
def test_hostile_files_give_a_field_error(admin_a, agency_a, text):
    try:
        process_import(actor=admin_a, agency=agency_a, text=text)
    except ValidationError as exc:
        assert "file" in exc.message_dict
        assert not Ballot.objects.exists()
        assert not AuditLog.objects.filter(action=AuditAction.PB_IMPORTED).exists()
    else:
        assert Process.objects.exists()


def test_the_scheduled_count_keeps_a_staff_count_made_while_it_was_counting(small_case, admin_a, monkeypatch):
    from ecitizen.voting.budgeting import result_services
    from ecitizen.voting.budgeting.models import Tally
    from ecitizen.voting.budgeting.result_services import results_count, results_count_due

    process, _budget, _ = small_case()
    real = result_services.run_tally
    staff_counted = []

    def tally_while_staff_counts(instance, rule):
        if not staff_counted:  # the scheduler is counting: a member of staff counts meanwhile
            staff_counted.append(True)
            monkeypatch.setattr(result_services, "run_tally", real)
            results_count(actor=admin_a, process=process)
        return real(instance, rule)

    monkeypatch.setattr(result_services, "run_tally", tally_while_staff_counts)
    results_count_due()

    assert Tally.objects.get(budget__process=process).counted_by == admin_a
    assert AuditLog.objects.filter(action=AuditAction.PB_TALLIED).count() == 1


def test_the_scheduled_count_skips_a_process_without_budgets(make_process):
    from ecitizen.voting.budgeting.models import Project
    from ecitizen.voting.budgeting.result_services import results_count_due

    process = make_process("counting")
    Project.objects.filter(process=process).delete()
    process.budgets.all().delete()

    assert results_count_due() == 0
    assert results_count_due() == 0
    assert not AuditLog.objects.filter(action=AuditAction.PB_TALLIED).exists()


def test_the_scheduled_count_goes_on_after_a_broken_process(small_case, monkeypatch):
    from ecitizen.voting.budgeting import result_services
    from ecitizen.voting.budgeting.models import Tally

    first, _, _ = small_case()
    second, _, _ = small_case()
    real = result_services.results_count

    def broken_first(*, actor, process):
        if process.pk == first.pk:
            raise ZeroDivisionError
        return real(actor=actor, process=process)

    monkeypatch.setattr(result_services, "results_count", broken_first)
    assert result_services.results_count_due() == 1
    assert Tally.objects.filter(budget__process=second).exists()
