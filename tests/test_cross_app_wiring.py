"""Where one app's service sets off another's, without a browser.

Each test goes through the first app's service and checks the second app's
effect, so deleting the call that links them turns a fast test red (not only a
browser test): approval issues the document; decisions and payments reach the
citizen's inbox and email; a fee makes a bill; identity verification claims the
person's tax bills. Covered elsewhere: a paid application joining the queue (the
cases ⇄ payments signals' tests), report alerts by email
(reports/tests/test_alerts.py) and the identity check in the citizen's access
log (agencies/tests/test_identity_check.py).
"""

from __future__ import annotations

import datetime

import pytest

from tests.audit_scenarios import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(request):
    return World(request)


# --- cases → documents ----------------------------------------------------------------------------


def test_approval_issues_one_signed_document_to_the_applicant(w):
    from ecitizen.cases import services
    from ecitizen.documents.models import IssuedDocument
    from ecitizen.documents.services import document_claims

    application = w.submitted()

    services.case_approve(actor=w.caseworker_a, application=application, expected_version=application.version)

    document = IssuedDocument.objects.get(application=application)
    assert (document.holder, document.agency) == (application.citizen, application.agency)
    assert document_claims(document)  # signed claims can be built for it


def test_refusal_issues_no_document(w):
    from ecitizen.cases import services
    from ecitizen.documents.models import IssuedDocument

    application = w.submitted()
    services.case_refuse(
        actor=w.caseworker_a, application=application, reason="Not a resident", expected_version=application.version
    )
    assert not IssuedDocument.objects.exists()


# --- cases → notifications ----------------------------------------------------------------------


def _inbox(user):
    from ecitizen.notifications.models import Notification

    return list(Notification.objects.filter(user=user).order_by("pk"))


@pytest.mark.parametrize("decision", ["approve", "refuse", "request_info"])
def test_decisions_reach_the_citizens_inbox_and_email_after_commit(
    w, decision, mailoutbox, django_capture_on_commit_callbacks
):
    from ecitizen.cases import services

    application = w.submitted()
    citizen = application.citizen
    before = len(_inbox(citizen))
    mailoutbox.clear()
    actor = w.caseworker_a

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        if decision == "approve":
            services.case_approve(actor=actor, application=application, expected_version=application.version)
        elif decision == "refuse":
            services.case_refuse(
                actor=actor, application=application, reason="Not a resident", expected_version=application.version
            )
        else:
            services.case_request_info(
                actor=actor, application=application, message="Send a bill", expected_version=application.version
            )
    assert not mailoutbox, "nothing is emailed before the change commits"
    for callback in callbacks:
        callback()

    new = _inbox(citizen)[before:]
    assert len(new) == 1 and application.reference in new[0].subject
    assert [m.to for m in mailoutbox] == [[citizen.email]]
    assert application.reference in mailoutbox[0].subject


def test_internal_notes_notify_no_one(w, mailoutbox, django_capture_on_commit_callbacks):
    from ecitizen.cases import services

    application = w.submitted()
    before = len(_inbox(application.citizen))
    with django_capture_on_commit_callbacks(execute=True):
        services.case_add_note(actor=w.caseworker_a, application=application, text="Called them")
    assert len(_inbox(application.citizen)) == before


def test_a_rolled_back_decision_sends_nothing(w, mailoutbox, django_capture_on_commit_callbacks, monkeypatch):
    from ecitizen.cases import services

    application = w.submitted()
    before = len(_inbox(application.citizen))
    mailoutbox.clear()

    def broken(**kwargs):
        raise RuntimeError("document service down")

    monkeypatch.setattr("ecitizen.documents.receivers.document_issue", broken)  # approval issues through it
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        services.case_approve(actor=w.caseworker_a, application=application, expected_version=application.version)

    application.refresh_from_db()
    assert application.status == "submitted"
    assert len(_inbox(application.citizen)) == before and not mailoutbox


# --- cases → payments ---------------------------------------------------------------------------


def test_submitting_to_a_paid_service_makes_its_bill_and_waits_for_payment(w):
    from ecitizen.payments.models import Bill

    application = w.submitted(fee=3000)

    bill = Bill.objects.get(application=application)
    assert (bill.payer, bill.agency, bill.total, bill.status) == (application.citizen, application.agency, 3000, "open")
    assert application.status == "awaiting_payment" and application.due_date is None


def test_submitting_to_a_free_service_makes_no_bill_and_starts_the_clock(w):
    from ecitizen.payments.models import Bill

    application = w.submitted(fee=0)

    assert not Bill.objects.exists()
    assert application.status == "submitted" and application.due_date is not None


# --- payments → notifications ---------------------------------------------------------------------


def test_a_successful_payment_sends_the_receipt(w, mailoutbox, django_capture_on_commit_callbacks):
    payment = w.payment()
    before = len(_inbox(w.citizen))
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        w.callback(payment)

    assert payment.status == "success"
    new = _inbox(w.citizen)[before:]
    assert len(new) == 1 and new[0].url.endswith(payment.reference + "/")
    assert [m.to for m in mailoutbox] == [[w.citizen.email]]


# --- accounts → payments (taxes) ------------------------------------------------------------------


@pytest.fixture
def billed_to_amina(w):
    """Tax bills for a home of Amina's national ID, issued before she had a verified account."""
    from ecitizen.payments.models import Bill, TaxAssessment
    from ecitizen.payments.taxes import bills_generate
    from ecitizen.payments.tests.tax_fixtures import YEAR

    tax = w.assessed_tax()
    TaxAssessment.objects.filter(tax=tax, subject_ref="RIV-0001").update(payer=None)
    bills_generate(actor=w.admin_a, tax=tax, year=YEAR)
    bills = Bill.objects.filter(assessment__subject_ref="RIV-0001")
    bills.update(payer=None)
    assert bills.count() == 2
    return bills


def test_verifying_against_the_register_claims_the_persons_tax_bills(w, billed_to_amina):
    w.verify_citizen_against_register()

    assert {b.payer for b in billed_to_amina.all()} == {w.citizen}


def test_verifying_in_person_claims_the_persons_tax_bills(w, billed_to_amina):
    from ecitizen.accounts.services import identity_verify_in_person

    person = w.register_person()
    identity_verify_in_person(
        actor=w.caseworker_a,
        agency=w.agency_a,
        user=w.citizen,
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
        national_id=person.national_id,
        document_type="passport",
        document_reference="P1234567",
    )

    assert {b.payer for b in billed_to_amina.all()} == {w.citizen}


def test_a_failed_verification_claims_nothing(w, billed_to_amina):
    from ecitizen.accounts.services import identity_verify_with_register

    person = w.register_person()
    with pytest.raises(Exception):  # noqa: B017  (the refusal; what matters is what it left)
        identity_verify_with_register(
            user=w.citizen,
            given_name="Someone",
            family_name="Else",
            date_of_birth=datetime.date(1990, 1, 1),
            national_id=person.national_id,
        )
    assert {b.payer for b in billed_to_amina.all()} == {None}
