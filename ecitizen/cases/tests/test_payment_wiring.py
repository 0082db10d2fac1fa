"""How cases and payments work together, through ``ecitizen.core.signals`` (issue 9, 2.6 and 3).

Sending an application with a fee bills it; paying the bill moves the case into the agency's queue;
withdrawing the application cancels its bill and stops its payments, and a payment that still
lands is refunded automatically. Each receiver runs in the sender's transaction, so if it fails
the change in both apps rolls back together.
"""

from __future__ import annotations

import uuid

import pytest

from ecitizen.cases import services
from ecitizen.cases.models import Status
from ecitizen.cases.tests.conftest import make_version, submit_permit_application
from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.payments import services as payments
from ecitizen.payments.models import Bill, BillStatus, PaymentStatus, RefundStatus, SandboxCharge

pytestmark = pytest.mark.django_db


@pytest.fixture
def awaiting(verified_citizen, agency_a):
    """The verified citizen's application to a £30.00 service, sent and waiting for its fee."""
    return submit_permit_application(verified_citizen, make_version(agency_a, slug="paid-permit", fee=3000))


@pytest.fixture
def pay_by_card(django_capture_on_commit_callbacks):
    """Enter a test card on the sandbox's page; the provider's callback is delivered."""
    from ecitizen.payments.providers import sandbox

    def pay(payment):
        with django_capture_on_commit_callbacks(execute=True):
            sandbox.submit_card(provider_id=payment.provider_id, card_number="4444333322221111")
        payment.refresh_from_db()
        return payment

    return pay


def _queue(client, caseworker):
    client.force_login(caseworker)
    return [a.pk for a in client.get("/staff/cases/").context["page"]]


# --- sending: the fee is billed in the same transaction --------------------------------------


def test_sending_an_application_with_a_fee_bills_it(awaiting, verified_citizen):
    bill = Bill.objects.get(application=awaiting)
    assert awaiting.status == Status.AWAITING_PAYMENT and awaiting.due_date is None
    assert (bill.total, bill.currency, bill.payer, bill.status) == (3000, "GBP", verified_citizen, BillStatus.OPEN)
    row = AuditLog.objects.get(action=AuditAction.APPLICATION_SUBMITTED)
    assert row.extra["bill"] == bill.reference


def test_if_billing_fails_the_application_is_not_sent(verified_citizen, agency_a, monkeypatch):
    from ecitizen.payments import receivers

    version = make_version(agency_a, slug="paid-permit", fee=3000)
    application = services.application_start(
        citizen=verified_citizen, service_version=version, start_token=uuid.uuid4()
    )
    services.application_save_page(
        citizen=verified_citizen,
        application=application,
        page_id="vehicle",
        answers={"registration": "AB1", "moved": "no"},
    )

    def broken(**kwargs):
        raise RuntimeError("billing is down")

    monkeypatch.setattr(receivers, "bill_for_application", broken)
    with pytest.raises(RuntimeError):
        services.application_submit(citizen=verified_citizen, application=application, declaration=True)
    application.refresh_from_db()
    assert (application.status, application.reference) == (Status.DRAFT, None)
    assert not AuditLog.objects.filter(action=AuditAction.APPLICATION_SUBMITTED).exists()


# --- paying: the case joins the queue ----------------------------------------------------------


def test_paying_the_bill_by_card_moves_the_application_into_the_queue(
    awaiting, verified_citizen, caseworker_a, client, pay_by_card
):
    bill = Bill.objects.get(application=awaiting)
    assert _queue(client, caseworker_a) == []
    # when the citizen pays by card and the provider's callback arrives
    payment = pay_by_card(payments.payment_create(payer=verified_citizen, bill=bill, idempotency_key="k"))
    # then
    assert payment.status == PaymentStatus.SUCCESS
    awaiting.refresh_from_db()
    assert awaiting.status == Status.SUBMITTED and awaiting.due_date is not None
    assert _queue(client, caseworker_a) == [awaiting.pk]
    row = AuditLog.objects.get(action=AuditAction.APPLICATION_PAYMENT_RECEIVED)
    assert (row.subject_id, row.agency) == (str(awaiting.pk), awaiting.agency)
    assert awaiting.events.filter(kind="payment_received").count() == 1


def test_paying_at_the_counter_moves_the_application_into_the_queue(awaiting, admin_a, caseworker_a, client):
    bill = Bill.objects.get(application=awaiting)
    payments.counter_payment_record(actor=admin_a, bill=bill, method="cash", amount=3000)
    awaiting.refresh_from_db()
    assert awaiting.status == Status.SUBMITTED
    assert _queue(client, caseworker_a) == [awaiting.pk]


def test_if_the_case_cannot_move_on_the_payment_is_not_recorded_either(awaiting, admin_a, monkeypatch):
    from ecitizen.cases import receivers

    def broken(**kwargs):
        raise RuntimeError("cases is down")

    monkeypatch.setattr(receivers, "application_payment_received", broken)
    bill = Bill.objects.get(application=awaiting)
    with pytest.raises(RuntimeError):
        payments.counter_payment_record(actor=admin_a, bill=bill, method="cash", amount=3000)
    bill.refresh_from_db()
    awaiting.refresh_from_db()
    assert (bill.status, bill.payments.count(), awaiting.status) == (BillStatus.OPEN, 0, Status.AWAITING_PAYMENT)
    assert not AuditLog.objects.filter(action=AuditAction.PAYMENT_COUNTER_RECORDED).exists()


def test_a_bill_without_an_application_pays_nothing_else(agency_a, citizen, caseworker_a):
    import datetime

    bill = payments.bill_create(
        actor=None,
        agency=agency_a,
        payer=citizen,
        currency="GBP",
        lines=[("fee", {"en": "Parking"}, 3000)],
        due_date=datetime.date(2030, 1, 1),
    )
    payments.counter_payment_record(actor=caseworker_a, bill=bill, method="cash", amount=3000)
    assert not AuditLog.objects.filter(action=AuditAction.APPLICATION_PAYMENT_RECEIVED).exists()


# --- withdrawing: the bill is cancelled --------------------------------------------------------


def test_withdrawing_cancels_the_bill(awaiting, verified_citizen):
    bill = Bill.objects.get(application=awaiting)
    # when
    services.application_withdraw(citizen=verified_citizen, application=awaiting)
    # then the fee can no longer be paid, online or at a counter
    bill.refresh_from_db()
    assert bill.status == BillStatus.CANCELLED
    assert payments.amount_due(bill) == 0
    with pytest.raises(Exception) as exc:
        payments.payment_create(payer=verified_citizen, bill=bill, idempotency_key="after")
    assert getattr(exc.value, "code", "") == "not_payable"
    row = AuditLog.objects.get(action=AuditAction.BILL_CANCELLED)
    assert (row.actor, row.subject_id, row.agency, row.extra["reason"]) == (
        verified_citizen,
        str(bill.pk),
        bill.agency,
        "application_withdrawn",
    )


def test_withdrawing_stops_a_payment_in_progress(awaiting, verified_citizen, django_capture_on_commit_callbacks):
    bill = Bill.objects.get(application=awaiting)
    payment = payments.payment_create(payer=verified_citizen, bill=bill, idempotency_key="k")
    # when the citizen withdraws while the card page is open
    with django_capture_on_commit_callbacks(execute=True):
        services.application_withdraw(citizen=verified_citizen, application=awaiting)
    # then the payment is ended at the provider, so the card page can no longer take the money
    payment.refresh_from_db()
    assert (payment.status, payment.failure_code) == (PaymentStatus.CANCELLED, "expired")
    assert SandboxCharge.objects.get(provider_id=payment.provider_id).status == PaymentStatus.CANCELLED
    assert AuditLog.objects.get(action=AuditAction.BILL_CANCELLED).extra["payments_stopped"] == [payment.reference]


def test_a_payment_that_lands_after_withdrawal_is_refunded_automatically(
    awaiting, verified_citizen, caseworker_a, mailoutbox, django_capture_on_commit_callbacks
):
    from ecitizen.payments.providers import sandbox
    from ecitizen.payments.reconciliation import MismatchKind, reconcile

    bill = Bill.objects.get(application=awaiting)
    payment = payments.payment_create(payer=verified_citizen, bill=bill, idempotency_key="k")
    # the application is withdrawn (the provider is not told in time: its on-commit work never ran)
    services.application_withdraw(citizen=verified_citizen, application=awaiting)
    mailoutbox.clear()
    # when the payer's card payment goes through anyway
    with django_capture_on_commit_callbacks(execute=True):
        sandbox.submit_card(provider_id=payment.provider_id, card_number="4444333322221111")
        sandbox.settle_charge(payment.provider_id)
    # then the money is recorded, and given back in full at once
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCESS
    refund = payment.refunds.get()
    assert (refund.amount, refund.status, refund.automatic) == (3000, RefundStatus.SUCCESS, True)
    assert SandboxCharge.objects.get(provider_id=payment.provider_id).refunds[0]["amount"] == 3000
    bill.refresh_from_db()
    awaiting.refresh_from_db()
    assert (bill.status, awaiting.status) == (BillStatus.CANCELLED, Status.WITHDRAWN)
    landed = AuditLog.objects.get(action=AuditAction.PAYMENT_FOR_CANCELLED_BILL)
    assert (landed.subject_id, landed.extra["bill"]) == (str(payment.pk), bill.reference)
    assert AuditLog.objects.get(action=AuditAction.REFUND_ISSUED).extra["automatic"] is True
    assert not AuditLog.objects.filter(action=AuditAction.APPLICATION_PAYMENT_RECEIVED).exists()
    assert [m.subject for m in mailoutbox] == ["Payment for a cancelled bill: we are refunding £30.00"]
    # and reconciliation shows it
    report = reconcile(day=payment.created_at.date(), provider_name="sandbox")
    assert [(m.kind, m.reference) for m in report.mismatches] == [
        (MismatchKind.CANCELLED_BILL_REFUNDED, payment.reference)
    ]


def test_if_cancelling_the_bill_fails_the_application_is_not_withdrawn(awaiting, verified_citizen, monkeypatch):
    from ecitizen.payments import receivers

    def broken(**kwargs):
        raise RuntimeError("payments is down")

    monkeypatch.setattr(receivers, "bills_cancel_for_application", broken)
    with pytest.raises(RuntimeError):
        services.application_withdraw(citizen=verified_citizen, application=awaiting)
    awaiting.refresh_from_db()
    assert awaiting.status == Status.AWAITING_PAYMENT
    assert Bill.objects.get(application=awaiting).status == BillStatus.OPEN
    assert not AuditLog.objects.filter(action=AuditAction.APPLICATION_WITHDRAWN).exists()


def test_withdrawing_after_paying_keeps_the_paid_bill(awaiting, verified_citizen, admin_a):
    bill = Bill.objects.get(application=awaiting)
    payments.counter_payment_record(actor=admin_a, bill=bill, method="cash", amount=3000)
    services.application_withdraw(citizen=verified_citizen, application=awaiting)
    bill.refresh_from_db()
    assert bill.status == BillStatus.PAID  # a refund, if any, is the agency's decision
    assert not AuditLog.objects.filter(action=AuditAction.BILL_CANCELLED).exists()


def test_withdrawing_twice_cancels_once(awaiting, verified_citizen):
    services.application_withdraw(citizen=verified_citizen, application=awaiting)
    services.application_withdraw(citizen=verified_citizen, application=awaiting)
    assert AuditLog.objects.filter(action=AuditAction.BILL_CANCELLED).count() == 1


# --- the import graph ---------------------------------------------------------------------------


def test_cases_and_payments_do_not_import_each_other():
    """Neither app imports the other, at module level or inside functions (grimp sees both)."""
    import grimp

    graph = grimp.build_graph("ecitizen")
    for importer, imported in (("ecitizen.cases", "ecitizen.payments"), ("ecitizen.payments", "ecitizen.cases")):
        modules = {m for m in graph.modules if m.startswith(importer + ".") and ".tests" not in m}
        direct = {
            (module, target)
            for module in modules
            for target in graph.find_modules_directly_imported_by(module)
            if target == imported or target.startswith(imported + ".")
        }
        assert direct == set()


def test_the_citizen_sees_the_cancelled_bill_and_cannot_pay_it(awaiting, verified_citizen, client):
    bill = Bill.objects.get(application=awaiting)
    services.application_withdraw(citizen=verified_citizen, application=awaiting)
    client.force_login(verified_citizen)
    html = client.get(f"/payments/bills/{bill.reference}/").content.decode()
    assert "This bill has been cancelled" in html and "Pay now" not in html
