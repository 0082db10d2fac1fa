"""Staff create, change and publish participatory budgets; the public sees the published ones."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.voting.budgeting import process_services
from ecitizen.voting.budgeting.models import Budget, Process
from ecitizen.voting.budgeting.process_services import ProcessData

from .ideas_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db


def _data(days=(1, 20, 30, 45), **extra) -> ProcessData:
    now = timezone.now()
    at = [now + datetime.timedelta(days=d) for d in days]
    values = {
        "title": "Neighbourhood budget 2027",
        "summary": "Decide how to spend part of the budget.",
        "description": "",
        "ideas_open_at": at[0],
        "ideas_close_at": at[1],
        "voting_open_at": at[2],
        "voting_close_at": at[3],
        "max_choices": 3,
    }
    values.update(extra)
    return ProcessData(**values)


def test_admin_creates_a_draft_with_a_budget_per_district(admin_a, agency_a, districts):
    # when
    process = process_services.process_create(
        actor=admin_a,
        agency=agency_a,
        data=_data(),
        budgets=[(districts["old_town"], 50_000), (districts["millbrook"], 40_000)],
    )
    # then
    assert process.published_at is None
    assert sorted(process.budgets.values_list("amount", flat=True)) == [40_000, 50_000]
    actions = list(AuditLog.objects.filter(agency=agency_a).values_list("action", flat=True))
    assert actions.count(AuditAction.PB_PROCESS_SAVED) == 1
    assert actions.count(AuditAction.PB_BUDGET_SAVED) == 2


def test_only_agency_admins_create(caseworker_a, admin_b, agency_a):
    for actor in (caseworker_a, admin_b):
        with pytest.raises(PermissionDenied):
            process_services.process_create(actor=actor, agency=agency_a, data=_data(), budgets=[(None, 10)])
    assert not Process.objects.exists()


@pytest.mark.parametrize(
    ("days", "field"),
    [
        ((10, 5, 30, 45), "ideas_close_at"),
        ((1, 20, 15, 45), "voting_open_at"),
        ((1, 20, 30, 30), "voting_close_at"),
    ],
)
def test_dates_out_of_order_are_field_errors(admin_a, agency_a, days, field):
    with pytest.raises(ValidationError) as caught:
        process_services.process_create(actor=admin_a, agency=agency_a, data=_data(days), budgets=[(None, 10)])
    assert field in caught.value.message_dict
    assert not Process.objects.exists()


def test_budgets_whole_and_districts_are_not_mixed(admin_a, agency_a, districts):
    with pytest.raises(ValidationError) as caught:
        process_services.process_create(
            actor=admin_a, agency=agency_a, data=_data(), budgets=[(None, 10), (districts["old_town"], 5)]
        )
    assert "budgets" in caught.value.message_dict


def test_cumulative_needs_points(admin_a, agency_a):
    with pytest.raises(ValidationError) as caught:
        process_services.process_create(
            actor=admin_a,
            agency=agency_a,
            data=_data(ballot_style="cumulative", points=10, max_points_per_project=11),
            budgets=[(None, 10)],
        )
    assert "max_points_per_project" in caught.value.message_dict


def test_rule_style_and_budgets_are_fixed_once_voting_opens(admin_a, make_process):
    process = make_process("voting")
    budget = process.budgets.get()
    same = ProcessData(**{name: getattr(process, name) for name in ProcessData.__dataclass_fields__})
    for change in ({"rule": "greedy"}, {"ballot_style": "knapsack"}, {"max_choices": 5}):
        with pytest.raises(ValidationError) as caught:
            process_services.process_update(
                actor=admin_a,
                process=process,
                data=ProcessData(**{**same.__dict__, **change}),
                budgets=[(None, budget.amount)],
            )
        assert next(iter(change)) in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        process_services.process_update(actor=admin_a, process=process, data=same, budgets=[(None, budget.amount + 1)])
    assert "budgets" in caught.value.message_dict
    # The title and the end of voting may still change.
    later = process.voting_close_at + datetime.timedelta(days=2)
    process_services.process_update(
        actor=admin_a,
        process=process,
        data=ProcessData(**{**same.__dict__, "title": "Renamed", "voting_close_at": later}),
        budgets=[(None, budget.amount)],
    )
    process.refresh_from_db()
    assert (process.title, process.rule, process.voting_close_at) == ("Renamed", "mes", later)


def test_before_voting_the_rule_can_change(admin_a, make_process):
    process = make_process("ideas")
    budget = process.budgets.get()
    data = ProcessData(**{name: getattr(process, name) for name in ProcessData.__dataclass_fields__})
    process_services.process_update(
        actor=admin_a, process=process, data=ProcessData(**{**data.__dict__, "rule": "greedy"}), budgets=[(None, 5)]
    )
    process.refresh_from_db()
    budget.refresh_from_db()
    assert (process.rule, budget.amount) == ("greedy", 5)


def test_publish(admin_a, agency_a):
    process = process_services.process_create(actor=admin_a, agency=agency_a, data=_data(), budgets=[(None, 10)])
    process_services.process_publish(actor=admin_a, process=process)
    process.refresh_from_db()
    assert process.published_at is not None
    assert AuditLog.objects.filter(action=AuditAction.PB_PROCESS_PUBLISHED, agency=agency_a).count() == 1


# --- pages ----------------------------------------------------------------------------------


def _form(**extra) -> dict:
    values = {
        "title": "Our budget",
        "summary": "Spend it well.",
        "description": "",
        "ideas_open_at-day": "1",
        "ideas_open_at-month": "3",
        "ideas_open_at-year": "2090",
        "ideas_close_at-day": "31",
        "ideas_close_at-month": "3",
        "ideas_close_at-year": "2090",
        "voting_open_at-day": "1",
        "voting_open_at-month": "5",
        "voting_open_at-year": "2090",
        "voting_close_at-day": "15",
        "voting_close_at-month": "5",
        "voting_close_at-year": "2090",
        "budget_scope": "whole",
        "whole_amount": "100000",
        "ballot_style": "approval",
        "max_choices": "3",
        "rule": "mes",
        "identity_level": "verified",
        "residents_only": "on",
    }
    values.update(extra)
    return values


def test_staff_pages_create_and_publish(mfa_client, admin_a):
    client = mfa_client(admin_a)
    assert client.get(reverse("budgeting_staff:index")).status_code == 200
    assert client.get(reverse("budgeting_staff:process_new")).status_code == 200
    response = client.post(reverse("budgeting_staff:process_new"), _form())
    process = Process.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("budgeting_staff:process", args=[process.pk])
    # The last day for ideas ends at midnight after it, in the deployment's timezone.
    assert timezone.localtime(process.ideas_close_at).date() == datetime.date(2090, 4, 1)
    assert Budget.objects.get(process=process).amount == 100_000
    assert client.get(reverse("budgeting_staff:process", args=[process.pk])).status_code == 200
    assert client.get(reverse("budgeting_staff:process_edit", args=[process.pk])).status_code == 200
    assert client.post(reverse("budgeting_staff:process_publish", args=[process.pk])).status_code == 302
    process.refresh_from_db()
    assert process.published_at is not None


def test_bad_dates_show_at_the_field(mfa_client, admin_a):
    client = mfa_client(admin_a)
    response = client.post(
        reverse("budgeting_staff:process_new"),
        _form(**{"voting_open_at-day": "15", "voting_open_at-month": "3", "ideas_open_at-day": "40"}),
    )
    assert response.status_code == 400
    assert "Enter a real date" in response.content.decode()
    response = client.post(reverse("budgeting_staff:process_new"), _form(**{"voting_open_at-month": "3"}))
    assert response.status_code == 400
    assert "Voting must open after the last day for ideas" in response.content.decode()
    assert not Process.objects.exists()


def test_other_agencies_staff_and_citizens_get_nothing(client, mfa_client, admin_b, citizen, make_process):
    draft = make_process("ideas", published_at=None)
    url = reverse("budgeting_staff:process", args=[draft.pk])
    assert mfa_client(admin_b).get(url).status_code == 404
    assert mfa_client(admin_b).get(reverse("budgeting_staff:process_edit", args=[draft.pk])).status_code == 404
    assert mfa_client(admin_b).get(reverse("budgeting:process", args=[draft.pk])).status_code == 404
    client.force_login(citizen)
    assert client.get(url).status_code == 404
    assert client.get(reverse("budgeting:process", args=[draft.pk])).status_code == 404


def test_caseworker_sees_but_cannot_edit(mfa_client, caseworker_a, make_process):
    process = make_process("ideas")
    client = mfa_client(caseworker_a)
    assert client.get(reverse("budgeting_staff:process", args=[process.pk])).status_code == 200
    assert client.get(reverse("budgeting_staff:process_edit", args=[process.pk])).status_code == 403


@pytest.mark.parametrize("phase", ["upcoming", "ideas", "review", "voting", "counting"])
def test_public_pages_explain_now_and_next(client, make_process, districts, phase):
    process = make_process(phase, districts=districts)
    response = client.get(reverse("budgeting:process", args=[process.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "What happens now" in text
    assert "Method of Equal Shares" in text
    assert "Old Town" in text
    index = client.get(reverse("budgeting:index")).content.decode()
    assert process.title in index


def test_index_lists_current_processes_first(client, make_process):
    done = make_process("counting", title="Last year")
    current = make_process("ideas", title="This year")
    text = client.get(reverse("budgeting:index")).content.decode()
    assert text.index(current.title) < text.index(done.title)
