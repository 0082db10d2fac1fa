"""An unclaimed register tax bill (no account yet, only the payer's national-ID blind index) made
out to a staff member is their own affairs: no counter payment or refund by them (issue 9, 2.3)."""

import pytest

from ecitizen.accounts.models import Profile
from ecitizen.agencies.conflicts import ConflictOfInterest
from ecitizen.exchange.selectors import national_id_blind_index
from ecitizen.payments.models import BillStatus, Payment, Refund
from ecitizen.payments.refunds import refund_conflict, refund_issue
from ecitizen.payments.services import counter_payment_record

pytestmark = pytest.mark.django_db

REASON = "You cannot act on your own application, bill, payment or identity."
CLERK_ID = "CW-010190-Z"


@pytest.fixture
def unclaimed_bill(make_bill, agency_a, caseworker_a):
    """The caseworker's own national ID is on their profile; a register bill for that ID has no payer."""
    index = national_id_blind_index(CLERK_ID)
    Profile.objects.filter(user=caseworker_a).update(national_id_index=index)
    bill = make_bill(agency_a, None)
    bill.payer_national_id_index = index
    bill.save(update_fields=["payer_national_id_index"])
    return bill


def test_staff_cannot_take_a_counter_payment_of_their_unclaimed_bill(unclaimed_bill, caseworker_a):
    with pytest.raises(ConflictOfInterest):
        counter_payment_record(actor=caseworker_a, bill=unclaimed_bill, method="cash", amount=unclaimed_bill.total)
    unclaimed_bill.refresh_from_db()
    assert unclaimed_bill.status == BillStatus.OPEN
    assert not Payment.objects.exists()


def test_the_counter_page_says_why(client, unclaimed_bill, caseworker_a):
    client.force_login(caseworker_a)
    html = client.get(f"/staff/payments/counter/{unclaimed_bill.reference}/").content.decode()
    assert REASON in html and 'name="amount"' not in html


def test_staff_cannot_refund_a_payment_of_their_unclaimed_bill(unclaimed_bill, caseworker_a, admin_a):
    payment = counter_payment_record(actor=admin_a, bill=unclaimed_bill, method="cash", amount=unclaimed_bill.total)
    assert REASON in refund_conflict(caseworker_a, payment)
    with pytest.raises(ConflictOfInterest):
        refund_issue(actor=caseworker_a, payment=payment, amount=100, reason="Overpaid")
    assert not Refund.objects.exists()
    assert refund_conflict(admin_a, payment) is None


def test_someone_elses_unclaimed_bill_is_no_conflict(make_bill, agency_a, caseworker_a):
    Profile.objects.filter(user=caseworker_a).update(national_id_index=national_id_blind_index(CLERK_ID))
    bill = make_bill(agency_a, None)
    bill.payer_national_id_index = national_id_blind_index("AH-120488-K")
    bill.save(update_fields=["payer_national_id_index"])
    payment = counter_payment_record(actor=caseworker_a, bill=bill, method="cash", amount=bill.total)
    assert payment.recorded_by == caseworker_a
