"""The staff payment page, the refund form, refunds awaiting approval and the threshold setting."""

import pytest

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.payments.models import AgencyPaymentSettings, Refund, RefundStatus
from ecitizen.payments.services import payment_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(open_bill, citizen, pay_by_card):
    return pay_by_card(payment_create(payer=citizen, bill=open_bill, idempotency_key="pay-1"))


@pytest.fixture
def four_eyes_above_10(agency_a):
    return AgencyPaymentSettings.objects.create(agency=agency_a, four_eyes_threshold=1000)


def _url(payment, suffix=""):
    return f"/staff/payments/payment/{payment.reference}/{suffix}"


def _assert_no_inline_code(html: str):
    assert 'style="' not in html
    assert "<script>" not in html and "javascript:" not in html


@pytest.mark.parametrize(
    ("persona", "status"),
    [("caseworker_a", 200), ("admin_a", 200), ("caseworker_b", 404), ("auditor_a", 404), ("other_citizen", 404)],
)
def test_payment_page_matrix(client, request, paid, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(_url(paid)).status_code == status


def test_payment_page_shows_the_bill_payer_events_and_what_can_be_refunded(client, paid, caseworker_a):
    from ecitizen.privacy.models import AccessRecord

    client.force_login(caseworker_a)
    response = client.get(_url(paid))
    html = response.content.decode()
    assert paid.bill.reference in html and "amina@example.org" in html
    assert "Can still be refunded: £30.00" in html
    assert response.context["headroom"] == 3000
    assert [e.to_status for e in response.context["events"]][-1] == "success"
    _assert_no_inline_code(html)
    # the payer can see that staff opened their payment
    record = AccessRecord.objects.get()
    assert (record.citizen, record.staff) == (paid.payer, caseworker_a)
    assert paid.reference in record.purpose


def test_refund_form_takes_a_decimal_amount(client, paid, caseworker_a):
    client.force_login(caseworker_a)
    response = client.post(_url(paid, "refund/"), {"amount": "12.50", "reason": "Charged twice for parking"})
    assert response.status_code == 302
    refund = Refund.objects.get()
    assert (refund.amount, refund.status, refund.requested_by) == (1250, RefundStatus.SUCCESS, caseworker_a)
    page = client.get(_url(paid)).content.decode()
    assert "Refund of £12.50 issued." in page
    assert "Can still be refunded: £17.50" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "abc", "reason": "x"}, "Enter the amount as a number, like 12.50"),
        ({"amount": "1.2345", "reason": "x"}, "at most 2 decimal places"),
        ({"amount": "0", "reason": "x"}, "Enter an amount greater than zero"),
        ({"amount": "-5", "reason": "x"}, "cannot be negative"),
        ({"amount": "30.01", "reason": "x"}, "You can refund at most £30.00 from this payment."),
        ({"amount": "5", "reason": ""}, "Enter the reason for the refund"),
        ({"amount": "", "reason": "x"}, "Enter the amount to refund"),
    ],
)
def test_refund_form_errors_show_in_the_error_summary(client, paid, caseworker_a, data, message):
    client.force_login(caseworker_a)
    response = client.post(_url(paid, "refund/"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html and message in html
    assert not Refund.objects.exists()


def test_refunding_needs_a_post(client, paid, caseworker_a):
    client.force_login(caseworker_a)
    assert client.get(_url(paid, "refund/")).status_code == 405


def test_staff_of_another_agency_cannot_refund(client, paid, caseworker_b):
    client.force_login(caseworker_b)
    assert client.post(_url(paid, "refund/"), {"amount": "1", "reason": "x"}).status_code == 404
    assert not Refund.objects.exists()


def test_four_eyes_through_the_pages(client, paid, caseworker_a, admin_a, four_eyes_above_10):
    # a caseworker asks for £20.00: above the £10.00 threshold
    client.force_login(caseworker_a)
    client.post(_url(paid, "refund/"), {"amount": "20.00", "reason": "Service withdrawn"})
    request = Refund.objects.get()
    assert request.status == RefundStatus.AWAITING_APPROVAL
    # they see it waiting, with no approve button for themselves
    page = client.get("/staff/payments/refunds/")
    html = page.content.decode()
    assert page.status_code == 200 and "Service withdrawn" in html
    assert f"/staff/payments/refunds/{request.pk}/approve/" not in html
    _assert_no_inline_code(html)
    assert client.post(f"/staff/payments/refunds/{request.pk}/approve/").status_code == 403
    # the agency admin approves it
    client.force_login(admin_a)
    html = client.get("/staff/payments/refunds/").content.decode()
    assert f"/staff/payments/refunds/{request.pk}/approve/" in html
    response = client.post(f"/staff/payments/refunds/{request.pk}/approve/", follow=True)
    assert "approved and issued" in response.content.decode()
    issued = Refund.objects.get()
    assert (issued.status, issued.requested_by, issued.approved_by) == (RefundStatus.SUCCESS, caseworker_a, admin_a)
    # the request became the issued refund: there is nothing left to approve
    assert client.post(f"/staff/payments/refunds/{request.pk}/approve/").status_code == 403
    assert Refund.objects.get().status == RefundStatus.SUCCESS


def test_rejecting_through_the_pages_needs_a_reason(client, paid, caseworker_a, admin_a, four_eyes_above_10):
    client.force_login(caseworker_a)
    client.post(_url(paid, "refund/"), {"amount": "20.00", "reason": "Service withdrawn"})
    request = Refund.objects.get()
    client.force_login(admin_a)
    response = client.post(f"/staff/payments/refunds/{request.pk}/reject/", {f"r{request.pk}-reason": ""})
    assert response.status_code == 400
    assert "Enter the reason for rejecting the refund" in response.content.decode()
    response = client.post(
        f"/staff/payments/refunds/{request.pk}/reject/", {f"r{request.pk}-reason": "Delivered"}, follow=True
    )
    assert "rejected" in response.content.decode()
    request.refresh_from_db()
    assert request.status == RefundStatus.REJECTED
    assert AuditLog.objects.filter(action=AuditAction.REFUND_REJECTED, actor=admin_a).count() == 1


def test_other_agencies_do_not_see_or_decide_the_request(client, paid, caseworker_a, caseworker_b, four_eyes_above_10):
    client.force_login(caseworker_a)
    client.post(_url(paid, "refund/"), {"amount": "20.00", "reason": "Service withdrawn"})
    request = Refund.objects.get()
    client.force_login(caseworker_b)
    assert "Service withdrawn" not in client.get("/staff/payments/refunds/").content.decode()
    assert client.post(f"/staff/payments/refunds/{request.pk}/approve/").status_code == 404
    assert (
        client.post(f"/staff/payments/refunds/{request.pk}/reject/", {f"r{request.pk}-reason": "x"}).status_code == 404
    )
    request.refresh_from_db()
    assert request.status == RefundStatus.AWAITING_APPROVAL


def test_citizens_and_auditors_have_no_refund_queue(client, citizen, auditor_a):
    for person in (citizen, auditor_a):
        client.force_login(person)
        assert client.get("/staff/payments/refunds/").status_code == 403


@pytest.fixture
def second_admin(make_user, with_mfa, agency_a):
    from ecitizen.agencies.models import Membership

    user = make_user("second-admin@council.example")
    Membership.objects.create(user=user, agency=agency_a, role="agency_admin")
    with_mfa(user)
    return user


def test_agency_admin_proposes_and_another_confirms_the_threshold(client, admin_a, second_admin, agency_a):
    client.force_login(admin_a)
    page = client.get("/staff/payments/settings/")
    assert page.status_code == 200 and "100.00" in page.content.decode()
    assert not AgencyPaymentSettings.objects.exists()  # reading wrote nothing
    response = client.post("/staff/payments/settings/", {"agency": agency_a.pk, "threshold": "250.00"}, follow=True)
    html = response.content.decode()
    assert "takes effect when another agency admin or a platform admin confirms it" in html
    settings = AgencyPaymentSettings.objects.get(agency=agency_a)
    assert (settings.four_eyes_threshold, settings.proposed_threshold) == (10000, 25000)
    # the page shows the change waiting, and offers the proposer no way to confirm it
    assert "250.00, proposed by admin@council.example" in html
    assert f"/staff/payments/settings/{agency_a.pk}/confirm/" not in html
    response = client.post(f"/staff/payments/settings/{agency_a.pk}/confirm/", {"expected": "25000"}, follow=True)
    assert "Another agency admin or a platform admin must confirm" in response.content.decode()
    assert AgencyPaymentSettings.objects.get(agency=agency_a).four_eyes_threshold == 10000
    # a second admin confirms it
    client.force_login(second_admin)
    html = client.get("/staff/payments/settings/").content.decode()
    assert f"/staff/payments/settings/{agency_a.pk}/confirm/" in html
    response = client.post(f"/staff/payments/settings/{agency_a.pk}/confirm/", {"expected": "25000"}, follow=True)
    assert "now need a second approval" in response.content.decode()
    assert AgencyPaymentSettings.objects.get(agency=agency_a).four_eyes_threshold == 25000
    response = client.post("/staff/payments/settings/", {"agency": agency_a.pk, "threshold": "lots"})
    assert response.status_code == 400 and "govuk-error-summary" in response.content.decode()


def test_a_platform_admin_sees_and_confirms_waiting_changes(client, admin_a, agency_a, make_user, with_mfa):
    from ecitizen.payments import refunds

    platform = make_user("platform@ecitizen.example")
    platform.is_superuser = True
    platform.save(update_fields=["is_superuser"])
    with_mfa(platform)
    refunds.payment_settings_propose(actor=admin_a, agency=agency_a, four_eyes_threshold=0)
    client.force_login(platform)
    html = client.get("/staff/payments/settings/").content.decode()
    assert "City Council" in html and "Propose a new limit" not in html
    response = client.post(f"/staff/payments/settings/{agency_a.pk}/confirm/", {"expected": "0"})
    assert response.status_code == 302
    assert AgencyPaymentSettings.objects.get(agency=agency_a).four_eyes_threshold == 0
    # a platform admin proposes nothing themselves
    assert client.post("/staff/payments/settings/", {"agency": agency_a.pk, "threshold": "1.00"}).status_code == 403


def test_a_stale_confirmation_changes_nothing(client, admin_a, second_admin, agency_a):
    from ecitizen.payments import refunds

    refunds.payment_settings_propose(actor=admin_a, agency=agency_a, four_eyes_threshold=20000)
    client.force_login(second_admin)
    for expected in ("19999", "", "abc"):
        response = client.post(f"/staff/payments/settings/{agency_a.pk}/confirm/", {"expected": expected}, follow=True)
        assert "withdrawn or replaced" in response.content.decode()
    assert AgencyPaymentSettings.objects.get(agency=agency_a).four_eyes_threshold == 10000


def test_staff_of_another_agency_cannot_decide_a_change(client, admin_a, caseworker_a, caseworker_b, agency_a):
    from ecitizen.payments import refunds

    refunds.payment_settings_propose(actor=admin_a, agency=agency_a, four_eyes_threshold=0)
    for person in (caseworker_a, caseworker_b):
        client.force_login(person)
        assert client.post(f"/staff/payments/settings/{agency_a.pk}/confirm/", {"expected": "0"}).status_code == 404
        assert client.post(f"/staff/payments/settings/{agency_a.pk}/withdraw/").status_code == 404
    assert AgencyPaymentSettings.objects.get(agency=agency_a).proposed_threshold == 0


def test_the_payment_page_says_why_staff_cannot_refund_their_own_payment(
    client, make_bill, agency_a, caseworker_a, pay_by_card
):
    own = pay_by_card(payment_create(payer=caseworker_a, bill=make_bill(agency_a, caseworker_a), idempotency_key="o"))
    client.force_login(caseworker_a)
    html = client.get(_url(own)).content.decode()
    assert "You cannot act on your own application, bill, payment or identity." in html
    assert _url(own, "refund/") not in html
    response = client.post(_url(own, "refund/"), {"amount": "1.00", "reason": "Mine"})
    assert response.status_code == 403 and "You cannot act on your own" in response.content.decode()
    assert not Refund.objects.exists()


def test_the_approval_queue_says_why_one_cannot_approve_a_refund_of_ones_own_payment(
    client, make_bill, agency_a, caseworker_a, admin_a, pay_by_card
):
    from ecitizen.payments import refunds

    AgencyPaymentSettings.objects.create(agency=agency_a, four_eyes_threshold=0)
    own = pay_by_card(payment_create(payer=admin_a, bill=make_bill(agency_a, admin_a), idempotency_key="o"))
    request = refunds.refund_request(actor=caseworker_a, payment=own, amount=100, reason="Overcharged")
    client.force_login(admin_a)
    html = client.get("/staff/payments/refunds/").content.decode()
    assert "You cannot act on your own" in html
    assert f"/staff/payments/refunds/{request.pk}/approve/" not in html
    response = client.post(f"/staff/payments/refunds/{request.pk}/approve/", follow=True)
    assert "You cannot act on your own" in response.content.decode()
    request.refresh_from_db()
    assert request.status == RefundStatus.AWAITING_APPROVAL


def test_only_agency_admins_change_the_threshold(client, caseworker_a, admin_a, agency_b):
    client.force_login(caseworker_a)
    assert client.get("/staff/payments/settings/").status_code == 403
    client.force_login(admin_a)
    response = client.post("/staff/payments/settings/", {"agency": agency_b.pk, "threshold": "1.00"})
    assert response.status_code == 400
    assert not AgencyPaymentSettings.objects.filter(agency=agency_b).exists()


def test_staff_receipt(client, paid, caseworker_a):
    client.force_login(caseworker_a)
    response = client.get(_url(paid, "receipt/"))
    assert response.status_code == 200
    assert paid.reference in response.content.decode() and "£30.00" in response.content.decode()


def test_payments_home_lists_only_the_agencys_payments(client, paid, caseworker_a, caseworker_b):
    client.force_login(caseworker_a)
    response = client.get("/staff/payments/")
    assert [p.reference for p in response.context["page"]] == [paid.reference]
    response = client.get("/staff/payments/", {"reference": paid.bill.reference.lower()})
    assert [p.reference for p in response.context["page"]] == [paid.reference]
    client.force_login(caseworker_b)
    assert list(client.get("/staff/payments/").context["page"]) == []


def test_back_office_needs_mfa(client, paid, make_user, agency_a):
    from ecitizen.agencies.models import Membership

    no_mfa = make_user("nomfa@council.example")
    Membership.objects.create(user=no_mfa, agency=agency_a, role="caseworker")
    client.force_login(no_mfa)
    response = client.get(_url(paid))
    assert response.status_code == 302 and "/staff/payments/" not in response["Location"]


def test_a_refund_the_provider_does_not_answer_is_shown_as_waiting(client, paid, caseworker_a, monkeypatch):
    from ecitizen.payments.providers.base import ProviderUnavailable
    from ecitizen.payments.providers.sandbox import SandboxProvider

    def down(self, provider_id, **kwargs):
        raise ProviderUnavailable("timeout")

    monkeypatch.setattr(SandboxProvider, "refund", down)
    client.force_login(caseworker_a)
    response = client.post(_url(paid, "refund/"), {"amount": "5.00", "reason": "Overcharged"}, follow=True)
    html = response.content.decode()
    # a timeout may come after the provider refunded: never "failed", never free to ask again
    assert "the refund of £5.00 is waiting for the provider" in html
    assert "Waiting for the provider: it did not answer" in html
    assert "nothing was refunded" not in html
    assert "Can still be refunded: £25.00" in html
    assert Refund.objects.get().status == RefundStatus.PENDING
