"""The surge's consistency check (bench/surge_check.py) finds each kind of inconsistency.

A consistent state is built through the real services (an application with a fee, sent, its bill
paid by card through the sandbox; a free one; a finished alert task), then each test breaks it in
one way and asserts that the check names it, and only where it should.
"""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.utils import timezone

from bench import surge_check
from ecitizen.cases.models import Application
from ecitizen.cases.tests.conftest import make_version, submit_permit_application
from ecitizen.notifications.models import Notification
from ecitizen.payments import services as payments
from ecitizen.payments.models import Bill, Payment, PaymentStatus, SandboxCharge

pytestmark = pytest.mark.django_db

ALERTS = "ecitizen.reports.tasks.send_new_report_alerts"


def _task(status="SUCCESSFUL", *, workers=("worker-1",), run_after=None, path=ALERTS):
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.create(
        status=status,
        task_path=path,
        args_kwargs={"args": [1], "kwargs": {}},
        backend_name="default",
        queue_name="default",
        run_after=run_after or timezone.now() - datetime.timedelta(minutes=1),
        worker_ids=list(workers),
        exception_class_path="",
        traceback="",
    )


@pytest.fixture
def state(make_user, agency_a, django_capture_on_commit_callbacks):
    """A citizen's paid application, a free one, and a finished alert task: all consistent."""
    from ecitizen.payments.providers import sandbox

    citizen = make_user("surge-check@example.org", given_name="Sam", family_name="Surge")
    paid = submit_permit_application(citizen, make_version(agency_a, slug="paid", identity_level="basic", fee=3000))
    submit_permit_application(citizen, make_version(agency_a, slug="free", identity_level="basic"))
    bill = Bill.objects.get(application=paid)
    payment = payments.payment_create(payer=citizen, bill=bill, idempotency_key=str(uuid.uuid4()))
    with django_capture_on_commit_callbacks(execute=True):
        sandbox.submit_card(provider_id=payment.provider_id, card_number="4444333322221111")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCESS
    _task()
    return {"citizen": citizen, "application": paid, "bill": bill, "payment": payment}


def _failing(**kwargs) -> dict[str, list[str]]:
    return {f.name: f.problems for f in surge_check.check_database(**kwargs) if not f.ok}


def test_a_consistent_state_passes_every_check(state):
    findings = surge_check.check_database()
    assert [f.name for f in findings if not f.ok] == [], [f.lines() for f in findings]
    assert "2 applications sent" in findings[0].figures
    assert "1 payments confirmed by the provider, 1 successful here" in findings[2].figures
    seen = {"applications": [state["application"].reference], "payments": [state["payment"].reference]}
    assert surge_check.check_seen(seen).ok


def test_a_duplicate_submission_is_found(state):
    first = state["application"]
    again = submit_permit_application(state["citizen"], first.service_version)  # the same answers, sent again

    assert _failing() == {"every submission once": [f"application {first.reference} sent again as {again.reference}"]}


def test_a_bill_paid_twice_is_found(state):
    first = state["payment"]
    Payment.objects.create(
        reference=first.reference + "B",
        bill=state["bill"],
        payer=state["citizen"],
        amount=first.amount,
        currency=first.currency,
        method=first.method,
        status=PaymentStatus.SUCCESS,
    )
    Notification.objects.create(
        user=state["citizen"], subject="Receipt", body="Paid", url=f"/payments/receipts/{first.reference}B/"
    )

    failing = _failing()
    assert failing == {"no bill paid twice": [f"bill {state['bill'].reference} paid 2 times, 0 refunded automatically"]}


def test_a_lost_payment_is_found(state):
    payment = state["payment"]
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.SUBMITTED)
    Bill.objects.filter(pk=state["bill"].pk).update(status="open", paid_at=None)

    problems = _failing()["no payment lost"]
    assert problems == [
        f"the provider took payment {payment.reference} ({payment.provider_id}) but it is submitted here"
    ]


def test_a_charge_without_any_payment_is_lost(state):
    SandboxCharge.objects.create(
        provider_id="sbx_orphan", reference="PAY-ORPHAN", amount=100, currency="GBP", status="success"
    )

    assert _failing()["no payment lost"] == ["the provider took payment PAY-ORPHAN (sbx_orphan) but it is missing here"]


def test_a_paid_fee_whose_application_still_waits_is_lost(state):
    Application.objects.filter(pk=state["application"].pk).update(status="awaiting_payment")

    assert _failing() == {
        "no payment lost": [f"bill {state['bill'].reference} is paid but its application still waits for the fee"]
    }


def test_a_message_sent_twice_is_found(state):
    application = state["application"]
    message = Notification.objects.get(url=f"/applications/{application.pk}/")
    message.pk = None
    message.save()  # the same message, made a second time
    task = _task(workers=("worker-1", "worker-2"))
    _task(workers=("worker-1 (interrupted)", "worker-1"))  # cut short by a crash and run again: once

    assert _failing() == {
        "every message sent once": [
            f"application {application.reference}: 2 messages that it was sent",
            f"task send_new_report_alerts {task.id} run 2 times (worker-1, worker-2)",
        ]
    }


def test_a_message_never_sent_is_found(state):
    payment = state["payment"]
    Notification.objects.filter(url=f"/payments/receipts/{payment.reference}/").delete()

    assert _failing() == {"every message sent once": [f"payment {payment.reference}: 0 receipts"]}


def test_messages_are_checked_only_for_what_was_sent_and_paid_since_the_surge_began(state):
    """The demo's year of history is written as rows, without inbox messages: the surge passes
    ``since`` and what was sent or paid before it is not counted; what came after still is."""
    application, payment = state["application"], state["payment"]
    Notification.objects.filter(user=state["citizen"]).delete()
    before = _failing()["every message sent once"]
    assert f"application {application.reference}: 0 messages that it was sent" in before
    assert f"payment {payment.reference}: 0 receipts" in before

    assert _failing(since=timezone.now()) == {}

    began = application.submitted_at - datetime.timedelta(seconds=1)
    assert (
        f"application {application.reference}: 0 messages that it was sent"
        in _failing(since=began)["every message sent once"]
    )


def test_a_stuck_task_is_found(state):
    running = _task("RUNNING", workers=("killed-worker",), path="ecitizen.payments.tasks.settle_sandbox_charge")
    waiting = _task("READY", workers=())
    _task("READY", workers=(), run_after=timezone.now() + datetime.timedelta(hours=1))  # due later: fine

    failing = _failing()
    assert [line.split(" (")[0].split(" since")[0] for line in failing["no task stuck"]] == [
        f"task settle_sandbox_charge {running.id} still running",
        f"task send_new_report_alerts {waiting.id} due",
    ]
    assert failing["every message sent once"] == [
        f"task send_new_report_alerts {waiting.id} never sent its messages (READY)"
    ]
    assert "1 ready are due later" in surge_check.tasks_finished().figures


def test_a_confirmation_the_database_lacks_is_found(state):
    seen = {
        "applications": [state["application"].reference, "CC-2026-999999"],
        "payments": ["PAY-NONE"],
        "reports": [987654],
    }

    assert surge_check.check_seen(seen).problems == [
        "application CC-2026-999999 confirmed to a client is missing",
        "payment PAY-NONE confirmed to a client is not recorded as paid",
        "report #987654 confirmed to a client is missing",
    ]
