"""Taking a payment at the counter: find the bill, record cash or a card terminal, hand over the receipt."""

import pytest

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.payments.models import BillStatus, Payment

pytestmark = pytest.mark.django_db

FIND = "/staff/payments/counter/"


def _bill_url(bill):
    return f"/staff/payments/counter/{bill.reference}/"


def test_finding_a_bill_of_the_agency(client, open_bill, caseworker_a):
    client.force_login(caseworker_a)
    assert client.get(FIND).status_code == 200
    response = client.post(FIND, {"reference": f"  {open_bill.reference.lower()} "})
    assert response.status_code == 302 and response["Location"] == _bill_url(open_bill)


def test_other_agencies_bills_read_like_bills_that_do_not_exist(client, open_bill, caseworker_b):
    client.force_login(caseworker_b)
    theirs = client.post(FIND, {"reference": open_bill.reference})
    nobodys = client.post(FIND, {"reference": "CC-B-1999-999999"})
    for response in (theirs, nobodys):
        assert response.status_code == 404
        html = response.content.decode()
        assert "govuk-error-summary" in html and "No bill of your agency has this reference" in html
    assert client.get(_bill_url(open_bill)).status_code == 404
    assert client.post(_bill_url(open_bill), {"method": "cash", "amount": "30.00"}).status_code == 404


def test_an_empty_reference_is_a_field_error(client, caseworker_a):
    client.force_login(caseworker_a)
    response = client.post(FIND, {"reference": ""})
    assert response.status_code == 400 and "Enter the bill reference" in response.content.decode()


def test_citizens_and_auditors_cannot_take_payments(client, open_bill, citizen, auditor_a):
    for person in (citizen, auditor_a):
        client.force_login(person)
        assert client.get(FIND).status_code == 403
        assert client.post(FIND, {"reference": open_bill.reference}).status_code == 403
        assert client.get(_bill_url(open_bill)).status_code == 404


def test_the_bill_page_shows_the_bill_and_is_recorded_for_the_payer(client, open_bill, caseworker_a):
    from ecitizen.privacy.models import AccessRecord

    client.force_login(caseworker_a)
    response = client.get(_bill_url(open_bill))
    html = response.content.decode()
    assert response.status_code == 200
    assert open_bill.reference in html and "£30.00" in html and "Resident parking permit" in html
    assert 'value="30.00"' in html  # the amount due, ready to confirm
    assert 'style="' not in html
    record = AccessRecord.objects.get()
    assert (record.citizen, record.staff, record.agency) == (open_bill.payer, caseworker_a, open_bill.agency)


@pytest.mark.parametrize("method", ["cash", "card_terminal"])
def test_recording_a_counter_payment(client, open_bill, caseworker_a, method, mailoutbox):
    client.force_login(caseworker_a)
    # when
    response = client.post(
        _bill_url(open_bill), {"method": method, "amount": "30.00", "reference_note": "Terminal slip 0042"}
    )
    # then
    payment = Payment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/staff/payments/payment/{payment.reference}/"
    assert (payment.method, payment.amount, payment.status, payment.recorded_by) == (
        method,
        3000,
        "success",
        caseworker_a,
    )
    open_bill.refresh_from_db()
    assert open_bill.status == BillStatus.PAID
    row = AuditLog.objects.get(action=AuditAction.PAYMENT_COUNTER_RECORDED)
    assert (row.actor, row.agency, row.extra["note"]) == (caseworker_a, open_bill.agency, "Terminal slip 0042")
    # the next page confirms it and links the receipt
    page = client.get(response["Location"]).content.decode()
    assert f"£30.00 received for bill {open_bill.reference}" in page
    assert f"/staff/payments/payment/{payment.reference}/receipt/" in page
    receipt = client.get(f"/staff/payments/payment/{payment.reference}/receipt/")
    assert receipt.status_code == 200 and caseworker_a.email in receipt.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"method": "cash", "amount": "29.99"}, "Enter the amount due: £30.00"),
        ({"method": "cash", "amount": "thirty"}, "Enter the amount as a number, like 12.50"),
        ({"method": "cash", "amount": ""}, "Enter the amount received"),
        ({"method": "", "amount": "30.00"}, "Choose how they paid"),
        ({"method": "sandbox", "amount": "30.00"}, "Choose how they paid"),
    ],
)
def test_counter_form_errors(client, open_bill, caseworker_a, data, message):
    client.force_login(caseworker_a)
    response = client.post(_bill_url(open_bill), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html and message in html
    assert not Payment.objects.exists()


def test_a_paid_bill_cannot_be_paid_again_at_the_counter(client, open_bill, caseworker_a):
    client.force_login(caseworker_a)
    client.post(_bill_url(open_bill), {"method": "cash", "amount": "30.00"})
    page = client.get(_bill_url(open_bill)).content.decode()
    assert "This bill cannot be paid" in page and "/receipt/" in page
    response = client.post(_bill_url(open_bill), {"method": "cash", "amount": "30.00"})
    assert response.status_code == 400 and "already been paid" in response.content.decode()
    assert Payment.objects.count() == 1
