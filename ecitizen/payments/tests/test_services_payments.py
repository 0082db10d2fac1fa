"""Bills, starting a payment (idempotency, one in progress, outages) and the payment state machine."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.payments import services
from ecitizen.payments.models import Bill, BillStatus, Payment, PaymentStatus
from ecitizen.payments.providers.base import ProviderPayment, ProviderUnavailable
from ecitizen.payments.providers.sandbox import SandboxProvider

pytestmark = pytest.mark.django_db


def _report(payment, status, **kw):
    return ProviderPayment(
        provider_id=payment.provider_id, status=status, amount=payment.amount, currency=payment.currency, **kw
    )


@pytest.fixture
def application(citizen, agency_a):
    from ecitizen.cases.models import Application
    from ecitizen.cases.tests.conftest import make_version

    version = make_version(agency_a, fee=3000)
    return Application.objects.create(
        citizen=citizen, agency=agency_a, service_version=version, status="submitted", reference="CC-2026-000001"
    )


# --- bills ---------------------------------------------------------------------------


def test_bill_for_application_makes_one_fee_bill(application, citizen):
    # when: at 00:30 on 1 January 2027 in London; the bill is due 30 days after the local day
    with time_machine.travel(datetime.datetime(2027, 1, 1, 0, 30, tzinfo=datetime.UTC), tick=False):
        bill = services.bill_for_application(application=application)
        again = services.bill_for_application(application=application)
    # then
    assert again.pk == bill.pk
    assert bill.reference == "CC-B-2027-000001"
    assert (bill.payer, bill.total, bill.currency, bill.status) == (citizen, 3000, "GBP", BillStatus.OPEN)
    assert bill.due_date == datetime.date(2027, 1, 31)
    line = bill.lines.get()
    assert (line.kind, line.amount, line.description["en"]) == ("fee", 3000, "Apply for a resident parking permit")
    assert AuditLog.objects.filter(action=AuditAction.BILL_CREATED, subject_id=str(bill.pk)).count() == 1


def test_free_service_has_no_bill(application):
    application.service_version.snapshot["fee"] = {"amount": 0, "currency": "GBP"}
    assert services.bill_for_application(application=application) is None
    assert not Bill.objects.exists()


def test_bill_references_follow_a_sequence(make_bill, agency_a, agency_b, citizen):
    refs = [make_bill(agency_a, citizen).reference for _ in range(3)] + [make_bill(agency_b, citizen).reference]
    assert [r[-6:] for r in refs] == ["000001", "000002", "000003", "000001"]
    assert refs[3].startswith("TA-B-")


# --- starting a payment --------------------------------------------------------------


def test_payment_create_opens_a_payment_at_the_provider(open_bill, citizen, settings):
    # when
    payment = services.payment_create(payer=citizen, bill=open_bill, idempotency_key="key-1")
    # then
    assert payment.status == PaymentStatus.CREATED
    assert payment.next_url.startswith("/payments/sandbox/pay/sbx_")
    assert (payment.amount, payment.currency, payment.method) == (3000, "GBP", "sandbox")
    minutes = (payment.expires_at - payment.created_at).total_seconds() / 60
    assert round(minutes) == settings.PAYMENT_EXPIRY_MINUTES
    assert list(payment.events.values_list("from_status", "to_status", "source")) == [("", "created", "payer")]
    row = AuditLog.objects.get(action=AuditAction.PAYMENT_CREATED)
    assert (row.actor, row.subject_user, row.agency_id) == (citizen, citizen, open_bill.agency_id)
    assert row.extra == {
        "reference": payment.reference,
        "bill": open_bill.reference,
        "amount": 3000,
        "method": "sandbox",
    }


def test_same_key_and_request_returns_the_original_payment(open_bill, citizen):
    first = services.payment_create(payer=citizen, bill=open_bill, idempotency_key="key-1")
    again = services.payment_create(payer=citizen, bill=open_bill, idempotency_key="key-1")
    assert again.pk == first.pk
    assert Payment.objects.count() == 1
    assert AuditLog.objects.filter(action=AuditAction.PAYMENT_CREATED).count() == 1


def test_same_key_with_another_request_is_refused(open_bill, make_bill, agency_a, citizen):
    services.payment_create(payer=citizen, bill=open_bill, idempotency_key="key-1")
    other_bill = make_bill(agency_a, citizen, 4500)
    with pytest.raises(ValidationError) as exc:
        services.payment_create(payer=citizen, bill=other_bill, idempotency_key="key-1")
    assert exc.value.code == "idempotency_conflict"
    assert not other_bill.payments.exists()


def test_a_new_key_while_a_payment_is_in_progress_returns_it(open_bill, citizen):
    first = services.payment_create(payer=citizen, bill=open_bill, idempotency_key="key-1")
    assert services.payment_create(payer=citizen, bill=open_bill, idempotency_key="key-2").pk == first.pk


def test_someone_elses_bill_cannot_be_paid(open_bill, other_citizen):
    with pytest.raises(PermissionDenied):
        services.payment_create(payer=other_citizen, bill=open_bill, idempotency_key="key-1")


def test_a_paid_bill_cannot_be_paid_again(open_bill, citizen, pay_by_card):
    pay_by_card(services.payment_create(payer=citizen, bill=open_bill, idempotency_key="key-1"))
    with pytest.raises(ValidationError) as exc:
        services.payment_create(payer=citizen, bill=open_bill, idempotency_key="key-2")
    assert exc.value.code == "already_paid"


def test_expired_payment_that_cannot_be_checked_blocks_a_new_one(open_bill, citizen, monkeypatch):
    from django.utils import timezone

    first = services.payment_create(payer=citizen, bill=open_bill, idempotency_key="key-1")
    Payment.objects.filter(pk=first.pk).update(expires_at=timezone.now())

    def down(self, provider_id):
        raise ProviderUnavailable("timeout")

    monkeypatch.setattr(SandboxProvider, "get_status", down)
    with pytest.raises(ValidationError) as exc:
        services.payment_create(payer=citizen, bill=open_bill, idempotency_key="key-2")
    assert exc.value.code == "in_progress"


def test_provider_outage_leaves_the_bill_payable(open_bill, citizen, monkeypatch):
    # given
    def down(self, **kwargs):
        raise ProviderUnavailable("connection refused")

    monkeypatch.setattr(SandboxProvider, "create", down)
    # when
    with pytest.raises(ValidationError) as exc:
        services.payment_create(payer=citizen, bill=open_bill, idempotency_key="key-1")
    # then
    assert exc.value.code == "provider_unavailable"
    assert exc.value.messages == [
        "The payment service is not available at the moment. You have not been charged. Try again in a few minutes."
    ]
    attempt = Payment.objects.get()
    assert (attempt.status, attempt.failure_code, attempt.idempotency_key) == ("error", "provider_unavailable", "")
    assert not Payment.objects.filter(status__in=["created", "started", "submitted"]).exists()
    open_bill.refresh_from_db()
    assert open_bill.status == BillStatus.OPEN
    # and the same press of the button works once the provider is back
    monkeypatch.undo()
    retry = services.payment_create(payer=citizen, bill=open_bill, idempotency_key="key-1")
    assert retry.pk != attempt.pk and retry.status == PaymentStatus.CREATED


def test_counter_methods_cannot_be_used_online(open_bill, citizen):
    with pytest.raises(ValidationError) as exc:
        services.payment_create(payer=citizen, bill=open_bill, method="cash")
    assert exc.value.code == "invalid_method"


# --- the state machine -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        ("created", "started", True),
        ("started", "submitted", True),
        ("submitted", "success", True),
        ("submitted", "failed", True),
        ("submitted", "cancelled", True),
        ("submitted", "error", True),
        ("created", "cancelled", True),
        ("started", "failed", True),
        ("created", "success", True),  # a lost callback: the provider took the money
        ("submitted", "started", False),
        ("started", "created", False),
        ("created", "created", False),
        ("success", "failed", False),
        ("failed", "success", False),
        ("cancelled", "success", False),
        ("error", "created", False),
        ("created", "nonsense", False),
    ],
)
def test_transitions(current, new, allowed):
    assert services.transition_allowed(current, new) is allowed


def test_payment_walks_to_success_and_pays_the_bill(open_bill, citizen, mailoutbox, django_capture_on_commit_callbacks):
    payment = services.payment_create(payer=citizen, bill=open_bill, idempotency_key="key-1")
    with django_capture_on_commit_callbacks(execute=True):
        for status in ("started", "submitted", "success"):
            report = _report(payment, status)
            payment = services.payment_apply_status(payment=payment, provider_payment=report, source="t")
    open_bill.refresh_from_db()
    assert (payment.status, open_bill.status) == ("success", BillStatus.PAID)
    assert payment.finished_at is not None and open_bill.paid_at is not None
    assert [e.to_status for e in payment.events.all()] == ["created", "started", "submitted", "success"]
    assert AuditLog.objects.filter(action=AuditAction.PAYMENT_SUCCEEDED, subject_id=str(payment.pk)).count() == 1
    assert len(mailoutbox) == 1 and payment.reference in mailoutbox[0].subject


def test_finished_payment_never_changes(open_bill, citizen):
    payment = services.payment_create(payer=citizen, bill=open_bill, idempotency_key="key-1")
    payment = services.payment_apply_status(
        payment=payment, provider_payment=_report(payment, "failed", failure_code="card_declined"), source="t"
    )
    # when the provider later says something else
    after = services.payment_apply_status(payment=payment, provider_payment=_report(payment, "success"), source="t")
    # then
    assert after.status == "failed" and after.failure_code == "card_declined"
    assert payment.events.count() == 2
    ignored = AuditLog.objects.get(action=AuditAction.PAYMENT_STATUS_IGNORED)
    assert ignored.extra["status"] == "failed" and ignored.extra["reported"] == "success"
    open_bill.refresh_from_db()
    assert open_bill.status == BillStatus.OPEN


def test_backward_and_repeated_reports_change_nothing(open_bill, citizen):
    payment = services.payment_create(payer=citizen, bill=open_bill, idempotency_key="key-1")
    payment = services.payment_apply_status(payment=payment, provider_payment=_report(payment, "submitted"), source="t")
    for status in ("submitted", "started", "created"):
        payment = services.payment_apply_status(payment=payment, provider_payment=_report(payment, status), source="t")
    assert payment.status == "submitted"
    assert payment.events.count() == 2
    assert not AuditLog.objects.filter(action=AuditAction.PAYMENT_STATUS_IGNORED).exists()


def test_payment_interrupted_before_the_provider_answered_does_not_block_the_bill(open_bill, citizen):
    import datetime

    from django.utils import timezone

    # given a crash between reserving the payment and recording the provider's answer
    stuck = services.payment_create(payer=citizen, bill=open_bill, idempotency_key="key-1")
    Payment.objects.filter(pk=stuck.pk).update(
        provider_id="", created_at=timezone.now() - datetime.timedelta(minutes=3)
    )
    # when the payer tries again
    fresh = services.payment_create(payer=citizen, bill=open_bill, idempotency_key="key-2")
    # then
    stuck.refresh_from_db()
    assert (stuck.status, stuck.failure_code) == ("error", "no_provider_answer")
    assert fresh.pk != stuck.pk and fresh.next_url
