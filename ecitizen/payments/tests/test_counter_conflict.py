"""Staff never take a counter payment of their own bill (issue 9, 2.3): the service refuses on the
locked row, and the counter page says why instead of offering the form."""

import pytest

from ecitizen.agencies.conflicts import ConflictOfInterest
from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.payments.models import BillStatus, Payment
from ecitizen.payments.services import counter_payment_record

pytestmark = pytest.mark.django_db

REASON = "You cannot act on your own application, bill, payment or identity. Ask a colleague."


@pytest.fixture
def own_bill(make_bill, agency_a, caseworker_a):
    """A bill of the caseworker's own agency, that the caseworker has to pay."""
    return make_bill(agency_a, caseworker_a)


def _url(bill):
    return f"/staff/payments/counter/{bill.reference}/"


def test_the_service_refuses_staff_paying_their_own_bill(own_bill, caseworker_a):
    with pytest.raises(ConflictOfInterest):
        counter_payment_record(actor=caseworker_a, bill=own_bill, method="cash", amount=own_bill.total)

    own_bill.refresh_from_db()
    assert own_bill.status == BillStatus.OPEN
    assert not Payment.objects.exists()
    assert not AuditLog.objects.filter(action=AuditAction.PAYMENT_COUNTER_RECORDED).exists()


def test_a_colleague_may_take_the_payment(own_bill, admin_a):
    payment = counter_payment_record(actor=admin_a, bill=own_bill, method="cash", amount=own_bill.total)
    own_bill.refresh_from_db()
    assert payment.recorded_by == admin_a and own_bill.status == BillStatus.PAID


def test_the_counter_page_says_why_instead_of_the_form(client, own_bill, caseworker_a):
    client.force_login(caseworker_a)

    response = client.get(_url(own_bill))

    html = response.content.decode()
    assert response.status_code == 200
    assert REASON in html
    assert "Record the payment" not in html and 'name="amount"' not in html


def test_posting_the_form_anyway_records_nothing_and_says_why(client, own_bill, caseworker_a):
    client.force_login(caseworker_a)

    response = client.post(_url(own_bill), {"method": "cash", "amount": "30.00"})

    assert response.status_code == 403
    assert REASON in response.content.decode()
    own_bill.refresh_from_db()
    assert own_bill.status == BillStatus.OPEN and not Payment.objects.exists()


def test_others_bills_still_show_the_form(client, open_bill, caseworker_a):
    client.force_login(caseworker_a)
    html = client.get(_url(open_bill)).content.decode()
    assert "Record the payment" in html and REASON not in html
