"""Withdrawing a proposed four-eyes threshold: what is refused, what is kept, what is recorded.

Written from the survivors of ``make mutation`` in ``payments.refunds``.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.payments import refunds
from ecitizen.payments.models import AgencyPaymentSettings

pytestmark = pytest.mark.django_db


def test_withdrawing_when_nothing_is_proposed_says_so(agency_a, admin_a):
    with pytest.raises(ValidationError) as exc:
        refunds.payment_settings_withdraw(actor=admin_a, agency=agency_a)
    assert (exc.value.code, exc.value.messages) == ("changed", ["No change is waiting to be confirmed."])
    assert not AuditLog.objects.filter(action=AuditAction.PAYMENT_SETTINGS_PROPOSAL_WITHDRAWN).exists()


def test_withdrawing_keeps_the_threshold_in_force_and_records_both(agency_a, admin_a):
    AgencyPaymentSettings.objects.create(agency=agency_a, four_eyes_threshold=2500)
    refunds.payment_settings_propose(actor=admin_a, agency=agency_a, four_eyes_threshold=90_000)
    refunds.payment_settings_withdraw(actor=admin_a, agency=agency_a)
    stored = AgencyPaymentSettings.objects.get(agency=agency_a)
    assert (stored.four_eyes_threshold, stored.proposed_threshold, stored.proposed_by, stored.proposed_at) == (
        2500,
        None,
        None,
        None,
    )
    assert refunds.four_eyes_threshold(agency_a) == 2500
    row = AuditLog.objects.get(action=AuditAction.PAYMENT_SETTINGS_PROPOSAL_WITHDRAWN)
    assert (row.actor, row.agency) == (admin_a, agency_a)
    assert row.extra == {
        "four_eyes_threshold": {"in_force": 2500, "proposed": 90_000},
        "proposed_by": admin_a.email,
    }
