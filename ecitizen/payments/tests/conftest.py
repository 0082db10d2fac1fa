"""Fixtures for the payments tests: a bill to pay, and a helper that pays it through the sandbox."""

from __future__ import annotations

import datetime

import pytest


@pytest.fixture
def make_bill(db):
    """``make_bill(agency, payer, amount=3000)``: an open fee bill, made without any application."""
    from django.utils import timezone

    from ecitizen.payments.models import LineKind
    from ecitizen.payments.services import bill_create

    def make(agency, payer, amount=3000, *, due_in_days=30, description=None):
        description = description or {"en": "Resident parking permit", "es": "Permiso de aparcamiento"}
        return bill_create(
            actor=None,
            agency=agency,
            payer=payer,
            currency="GBP",
            lines=[(LineKind.FEE, description, amount)],
            description=description,
            due_date=timezone.localdate() + datetime.timedelta(days=due_in_days),
        )

    return make


@pytest.fixture
def open_bill(make_bill, agency_a, citizen):
    return make_bill(agency_a, citizen)


@pytest.fixture
def pay_by_card(django_capture_on_commit_callbacks):
    """``pay_by_card(payment, number)``: enter a test card on the sandbox page; the callback is delivered."""
    from ecitizen.payments.providers import sandbox

    def pay(payment, number="4444333322221111"):
        with django_capture_on_commit_callbacks(execute=True):
            sandbox.submit_card(provider_id=payment.provider_id, card_number=number)
        payment.refresh_from_db()
        return payment

    return pay
