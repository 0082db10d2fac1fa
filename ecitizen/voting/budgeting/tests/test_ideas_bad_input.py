"""Bad input to the process form and the process services: an error at the field, never a 500 and
never a half-saved record; and voting, once closed, is not opened again by a change of its dates."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ecitizen.voting.budgeting import process_services
from ecitizen.voting.budgeting.models import Process
from ecitizen.voting.budgeting.process_services import ProcessData

from .ideas_fixtures import *  # noqa: F403
from .test_ideas_process import _form

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"whole_amount": str(10**20)}, "whole_amount"),
        ({"whole_amount": "-5"}, "whole_amount"),
        ({"max_choices": str(10**20)}, "max_choices"),
        (
            {"voting_close_at-year": "9999", "voting_close_at-month": "12", "voting_close_at-day": "31"},
            "voting_close_at",
        ),
        ({"ideas_open_at-year": "1", "ideas_open_at-month": "1", "ideas_open_at-day": "1"}, "ideas_open_at"),
        ({"ideas_open_at-year": ""}, "ideas_open_at"),
    ],
)
def test_absurd_amounts_and_dates_are_field_errors(mfa_client, admin_a, extra, field):
    response = mfa_client(admin_a).post(reverse("budgeting_staff:process_new"), _form(**extra))

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Process.objects.exists()


def test_the_service_refuses_an_amount_past_the_limit(admin_a, agency_a):
    now = datetime.datetime(2090, 1, 1, tzinfo=datetime.UTC)
    data = ProcessData(
        title="Budget",
        summary="Spend it.",
        description="",
        ideas_open_at=now,
        ideas_close_at=now + datetime.timedelta(days=10),
        voting_open_at=now + datetime.timedelta(days=20),
        voting_close_at=now + datetime.timedelta(days=30),
        max_choices=3,
    )
    with pytest.raises(ValidationError) as caught:
        process_services.process_create(actor=admin_a, agency=agency_a, data=data, budgets=[(None, 10**20)])
    assert "budgets" in caught.value.message_dict
    assert not Process.objects.exists()


def _same(process) -> dict:
    return {name: getattr(process, name) for name in ProcessData.__dataclass_fields__}


def test_voting_once_closed_is_not_opened_again(admin_a, make_process):
    process = make_process("counting")
    amount = process.budgets.get().amount
    later = process.voting_close_at + datetime.timedelta(days=30)

    with pytest.raises(ValidationError) as caught:
        process_services.process_update(
            actor=admin_a,
            process=process,
            data=ProcessData(**{**_same(process), "voting_close_at": later}),
            budgets=[(None, amount)],
        )

    assert "voting_close_at" in caught.value.message_dict
    process.refresh_from_db()
    assert process.voting_close_at < later


def test_open_voting_cannot_be_closed_in_the_past(admin_a, make_process):
    process = make_process("voting")
    amount = process.budgets.get().amount
    earlier = process.voting_open_at + datetime.timedelta(seconds=1)

    with pytest.raises(ValidationError) as caught:
        process_services.process_update(
            actor=admin_a,
            process=process,
            data=ProcessData(**{**_same(process), "voting_close_at": earlier}),
            budgets=[(None, amount)],
        )

    assert "voting_close_at" in caught.value.message_dict
