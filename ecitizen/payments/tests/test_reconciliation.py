"""Reconciliation against a fake provider: each kind of difference, UTC days, the page, CSV and the command."""

import datetime
import itertools

import pytest
from django.core.management import CommandError, call_command

from ecitizen.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from ecitizen.payments.providers.base import PaymentProvider, ProviderPayment, ProviderUnavailable
from ecitizen.payments.reconciliation import MismatchKind, reconcile, report_csv

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 10)
NOON = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)
_numbers = itertools.count(1)


class FakeProvider(PaymentProvider):
    """A provider whose records are whatever the test says (``FakeProvider.listed``)."""

    name = "sandbox"
    listed: list[ProviderPayment] = []
    down = False
    asked: list[datetime.date] = []

    def list_payments(self, day):
        FakeProvider.asked.append(day)
        if FakeProvider.down:
            raise ProviderUnavailable("timeout")
        return list(FakeProvider.listed)

    def create(self, **kwargs):
        raise NotImplementedError

    def get_status(self, provider_id):
        raise NotImplementedError

    def capture(self, provider_id):
        raise NotImplementedError

    def cancel(self, provider_id):
        raise NotImplementedError

    def refund(self, provider_id, *, amount, reference):
        raise NotImplementedError

    def parse_callback(self, *, body, headers):
        raise NotImplementedError


@pytest.fixture(autouse=True)
def fake_provider(settings):
    settings.PAYMENT_PROVIDERS = {
        **settings.PAYMENT_PROVIDERS,
        "sandbox": f"{__name__}.FakeProvider",
    }
    FakeProvider.listed, FakeProvider.down, FakeProvider.asked = [], False, []
    return FakeProvider


def _ours(bill, *, provider_id, status=PaymentStatus.SUCCESS, amount=None, at=NOON, method="sandbox"):
    payment = Payment.objects.create(
        reference=f"PAY-TEST-{next(_numbers):05d}",
        bill=bill,
        payer=bill.payer,
        amount=amount or bill.total,
        currency=bill.currency,
        method=method,
        provider_id=provider_id,
        status=status,
        finished_at=at if status in ("success", "failed", "cancelled", "error") else None,
    )
    Payment.objects.filter(pk=payment.pk).update(created_at=at)
    payment.refresh_from_db()
    return payment


def _theirs(provider_id, *, status=PaymentStatus.SUCCESS, amount=3000, currency="GBP", **raw):
    return ProviderPayment(provider_id=provider_id, status=status, amount=amount, currency=currency, raw=raw)


def _kinds(report):
    return sorted((m.kind, m.reference or m.provider_id) for m in report.mismatches)


# --- the kinds of difference ------------------------------------------------------------------


def test_everything_matches(open_bill, make_bill, agency_a, citizen):
    other = make_bill(agency_a, citizen)
    _ours(open_bill, provider_id="p1")
    _ours(other, provider_id="p2", status=PaymentStatus.FAILED)
    FakeProvider.listed = [_theirs("p1"), _theirs("p2", status=PaymentStatus.FAILED)]
    report = reconcile(day=DAY, provider_name="sandbox")
    assert report.ok and (report.ours, report.theirs) == (2, 2)
    assert FakeProvider.asked == [DAY]


def test_missing_at_provider(open_bill):
    ours = _ours(open_bill, provider_id="p1")
    report = reconcile(day=DAY, provider_name="sandbox")
    [m] = report.mismatches
    assert (m.kind, m.reference, m.provider_id, m.bill_reference) == (
        MismatchKind.MISSING_AT_PROVIDER,
        ours.reference,
        "p1",
        open_bill.reference,
    )
    assert (m.agency_id, m.our_amount, m.their_amount) == (open_bill.agency_id, 3000, None)


def test_a_success_that_never_reached_the_provider_is_missing_there(open_bill, make_bill, agency_a, citizen):
    _ours(open_bill, provider_id="", status=PaymentStatus.SUCCESS)
    # an attempt that failed before reaching the provider is not a difference
    _ours(make_bill(agency_a, citizen), provider_id="", status=PaymentStatus.ERROR)
    assert [m.kind for m in reconcile(day=DAY, provider_name="sandbox").mismatches] == [
        MismatchKind.MISSING_AT_PROVIDER
    ]


def test_missing_here(open_bill):
    FakeProvider.listed = [_theirs("p404", amount=1234), _theirs("p405", reference="PAY-UNKNOWN")]
    report = reconcile(day=DAY, provider_name="sandbox")
    assert _kinds(report) == [(MismatchKind.MISSING_HERE, "PAY-UNKNOWN"), (MismatchKind.MISSING_HERE, "p404")]
    first = next(m for m in report.mismatches if m.provider_id == "p404")
    assert (first.their_amount, first.their_status, first.agency_id) == (1234, "success", None)


def test_missing_here_is_attributed_when_the_provider_echoes_our_reference(open_bill):
    ours = _ours(open_bill, provider_id="p1", at=NOON - datetime.timedelta(days=5))
    # the provider lists a second charge naming our payment: a double charge on their side
    FakeProvider.listed = [_theirs("p2", reference=ours.reference)]
    [m] = reconcile(day=DAY, provider_name="sandbox").mismatches
    assert (m.kind, m.agency_id, m.bill_reference) == (
        MismatchKind.MISSING_HERE,
        open_bill.agency_id,
        open_bill.reference,
    )


def test_amount_differs(open_bill):
    _ours(open_bill, provider_id="p1")
    FakeProvider.listed = [_theirs("p1", amount=300)]
    [m] = reconcile(day=DAY, provider_name="sandbox").mismatches
    assert (m.kind, m.our_amount, m.their_amount) == (MismatchKind.AMOUNT_DIFFERS, 3000, 300)


def test_currency_differs_counts_as_amount(open_bill):
    _ours(open_bill, provider_id="p1")
    FakeProvider.listed = [_theirs("p1", currency="EUR")]
    [m] = reconcile(day=DAY, provider_name="sandbox").mismatches
    assert (m.kind, m.currency, m.their_currency) == (MismatchKind.AMOUNT_DIFFERS, "GBP", "EUR")


def test_status_differs(open_bill, make_bill, agency_a, citizen):
    _ours(open_bill, provider_id="p1", status=PaymentStatus.FAILED)
    # both still in progress (the payer is typing a card number): not a difference
    _ours(make_bill(agency_a, citizen), provider_id="p2", status=PaymentStatus.CREATED)
    FakeProvider.listed = [_theirs("p1", status=PaymentStatus.SUCCESS), _theirs("p2", status=PaymentStatus.SUBMITTED)]
    [m] = reconcile(day=DAY, provider_name="sandbox").mismatches
    assert (m.kind, m.our_status, m.their_status) == (MismatchKind.STATUS_DIFFERS, "failed", "success")


def test_amount_and_status_can_both_differ(open_bill):
    _ours(open_bill, provider_id="p1", status=PaymentStatus.SUCCESS)
    FakeProvider.listed = [_theirs("p1", status=PaymentStatus.FAILED, amount=1)]
    assert [m.kind for m in reconcile(day=DAY, provider_name="sandbox").mismatches] == [
        MismatchKind.AMOUNT_DIFFERS,
        MismatchKind.STATUS_DIFFERS,
    ]


def test_duplicate_two_successful_payments_for_one_bill(open_bill):
    first = _ours(open_bill, provider_id="p1")
    second = _ours(open_bill, provider_id="p2", at=NOON + datetime.timedelta(minutes=3))
    FakeProvider.listed = [_theirs("p1"), _theirs("p2")]
    [m] = reconcile(day=DAY, provider_name="sandbox").mismatches
    assert (m.kind, m.bill_reference, m.our_amount) == (MismatchKind.DUPLICATE, open_bill.reference, 6000)
    assert m.reference == f"{first.reference} {second.reference}"


def test_a_duplicate_paid_at_the_counter_counts_too(open_bill):
    _ours(open_bill, provider_id="p1")
    _ours(open_bill, provider_id="", method="cash")
    FakeProvider.listed = [_theirs("p1")]
    assert [m.kind for m in reconcile(day=DAY, provider_name="sandbox").mismatches] == [MismatchKind.DUPLICATE]


def test_a_duplicate_refunded_in_full_is_settled(open_bill):
    _ours(open_bill, provider_id="p1")
    second = _ours(open_bill, provider_id="p2")
    Refund.objects.create(payment=second, amount=3000, reason="Duplicate", status=RefundStatus.SUCCESS, automatic=True)
    FakeProvider.listed = [_theirs("p1"), _theirs("p2")]
    assert reconcile(day=DAY, provider_name="sandbox").ok


def test_a_duplicate_refunded_in_part_is_still_reported(open_bill):
    _ours(open_bill, provider_id="p1")
    second = _ours(open_bill, provider_id="p2")
    Refund.objects.create(payment=second, amount=100, reason="Part", status=RefundStatus.SUCCESS)
    FakeProvider.listed = [_theirs("p1"), _theirs("p2")]
    assert [m.kind for m in reconcile(day=DAY, provider_name="sandbox").mismatches] == [MismatchKind.DUPLICATE]


def test_every_kind_at_once(open_bill, make_bill, agency_a, citizen):
    bills = [make_bill(agency_a, citizen) for _ in range(3)]
    _ours(open_bill, provider_id="p-dup-1")
    _ours(open_bill, provider_id="p-dup-2")
    _ours(bills[0], provider_id="p-gone")
    _ours(bills[1], provider_id="p-amount")
    _ours(bills[2], provider_id="p-status", status=PaymentStatus.CANCELLED)
    FakeProvider.listed = [
        _theirs("p-dup-1"),
        _theirs("p-dup-2"),
        _theirs("p-amount", amount=2999),
        _theirs("p-status"),
        _theirs("p-stranger"),
    ]
    report = reconcile(day=DAY, provider_name="sandbox")
    assert sorted(m.kind for m in report.mismatches) == sorted(
        [
            MismatchKind.DUPLICATE,
            MismatchKind.MISSING_AT_PROVIDER,
            MismatchKind.AMOUNT_DIFFERS,
            MismatchKind.STATUS_DIFFERS,
            MismatchKind.MISSING_HERE,
        ]
    )


# --- days are UTC days ------------------------------------------------------------------------


def test_days_are_utc_days_whatever_the_time_zone(settings, open_bill, make_bill, agency_a, citizen):
    settings.TIME_ZONE = "Pacific/Auckland"  # 13 hours ahead of UTC in March
    late = _ours(open_bill, provider_id="p-late", at=datetime.datetime(2026, 3, 10, 23, 59, tzinfo=datetime.UTC))
    _ours(
        make_bill(agency_a, citizen), provider_id="p-next", at=datetime.datetime(2026, 3, 11, 0, 0, tzinfo=datetime.UTC)
    )
    report = reconcile(day=DAY, provider_name="sandbox")
    assert report.ours == 1
    assert [m.reference for m in report.mismatches] == [late.reference]


def test_a_payment_of_the_day_before_listed_today_is_compared_not_missing(open_bill):
    _ours(open_bill, provider_id="p1", at=datetime.datetime(2026, 3, 9, 23, 59, 59, tzinfo=datetime.UTC))
    FakeProvider.listed = [_theirs("p1")]
    assert reconcile(day=DAY, provider_name="sandbox").ok
    FakeProvider.listed = [_theirs("p1", amount=1)]
    assert [m.kind for m in reconcile(day=DAY, provider_name="sandbox").mismatches] == [MismatchKind.AMOUNT_DIFFERS]


def test_other_methods_are_not_compared(open_bill):
    _ours(open_bill, provider_id="", method="cash")
    report = reconcile(day=DAY, provider_name="sandbox")
    assert report.ok and report.ours == 0


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_has_one_row_per_difference_and_is_safe_in_spreadsheets(open_bill):
    _ours(open_bill, provider_id="p1")
    FakeProvider.listed = [_theirs("=HYPERLINK(1)", amount=5)]
    lines = report_csv(reconcile(day=DAY, provider_name="sandbox")).splitlines()
    assert lines[0].startswith("kind,agency,bill,payment,provider_id,our_amount,their_amount")
    assert len(lines) == 3
    assert any("'=HYPERLINK(1)" in line for line in lines)
    assert not any(",=HYPERLINK" in line for line in lines)


# --- the staff page -----------------------------------------------------------------------------


@pytest.fixture
def mismatches_in_two_agencies(open_bill, make_bill, agency_b, other_citizen):
    bill_b = make_bill(agency_b, other_citizen)
    a = _ours(open_bill, provider_id="pa")
    b = _ours(bill_b, provider_id="pb")
    FakeProvider.listed = [_theirs("p-unattributed")]
    return a, b


@pytest.fixture
def platform_admin(make_user, with_mfa):
    user = make_user("root@ecitizen.example")
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    with_mfa(user)
    return user


def _page(client, **params):
    return client.get("/staff/payments/reconciliation/", {"day": "2026-03-10", "provider": "sandbox", **params})


def test_agency_staff_see_only_their_agencys_rows(client, mismatches_in_two_agencies, caseworker_a, caseworker_b):
    a, b = mismatches_in_two_agencies
    client.force_login(caseworker_a)
    response = _page(client)
    assert response.status_code == 200
    assert [m.reference for m in response.context["report"].mismatches] == [a.reference]
    html = response.content.decode()
    assert a.reference in html and b.reference not in html and "p-unattributed" not in html
    client.force_login(caseworker_b)
    assert [m.reference for m in _page(client).context["report"].mismatches] == [b.reference]


def test_auditors_read_reconciliation_of_their_agency(client, mismatches_in_two_agencies, auditor_a):
    a, _b = mismatches_in_two_agencies
    client.force_login(auditor_a)
    assert [m.reference for m in _page(client).context["report"].mismatches] == [a.reference]


def test_platform_admins_see_every_row(client, mismatches_in_two_agencies, platform_admin):
    client.force_login(platform_admin)
    assert len(_page(client).context["report"].mismatches) == 3


def test_citizens_get_no_reconciliation(client, citizen):
    client.force_login(citizen)
    assert _page(client).status_code == 403
    assert client.get("/staff/payments/reconciliation/export/").status_code == 403


def test_the_empty_form_runs_nothing(client, caseworker_a):
    client.force_login(caseworker_a)
    response = client.get("/staff/payments/reconciliation/")
    assert response.status_code == 200 and response.context["report"] is None
    assert FakeProvider.asked == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"day": "2026-02-30"}, "Enter a real date"),
        ({"day": ""}, "Enter the day"),
        ({"provider": "nope"}, "Choose a payment provider"),
        ({"day": "2999-01-01"}, "cannot be in the future"),
    ],
)
def test_bad_input_shows_the_error_summary(client, caseworker_a, params, message):
    client.force_login(caseworker_a)
    response = _page(client, **params)
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html and message in html


def test_provider_down_is_a_message_not_a_500(client, caseworker_a):
    FakeProvider.down = True
    client.force_login(caseworker_a)
    response = _page(client)
    assert response.status_code == 503
    assert "cannot be reached" in response.content.decode()


def test_csv_export(client, mismatches_in_two_agencies, caseworker_a):
    a, b = mismatches_in_two_agencies
    client.force_login(caseworker_a)
    response = client.get("/staff/payments/reconciliation/export/", {"day": "2026-03-10", "provider": "sandbox"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="reconciliation-sandbox-2026-03-10.csv"'
    body = response.content.decode()
    assert a.reference in body and b.reference not in body
    assert client.get("/staff/payments/reconciliation/export/", {"day": "x"}).status_code == 400


# --- the command --------------------------------------------------------------------------------


def test_command_prints_differences_and_exits_non_zero(open_bill, capsys):
    ours = _ours(open_bill, provider_id="p1")
    with pytest.raises(CommandError) as exc:
        call_command("reconcile_payments", "--day", "2026-03-10", "--provider", "sandbox")
    assert exc.value.returncode == 1
    out = capsys.readouterr().out
    assert "1 differences" in out and f"missing_at_provider  payment={ours.reference}" in out


def test_command_exits_zero_when_everything_matches(open_bill, capsys):
    _ours(open_bill, provider_id="p1")
    FakeProvider.listed = [_theirs("p1")]
    call_command("reconcile_payments", "--day", "2026-03-10", "--provider", "sandbox")
    assert "0 differences" in capsys.readouterr().out


def test_command_refuses_bad_arguments_and_a_provider_down():
    with pytest.raises(CommandError):
        call_command("reconcile_payments", "--day", "yesterday", "--provider", "sandbox")
    with pytest.raises(CommandError):
        call_command("reconcile_payments", "--day", "2026-03-10", "--provider", "nope")
    FakeProvider.down = True
    with pytest.raises(CommandError) as exc:
        call_command("reconcile_payments", "--day", "2026-03-10", "--provider", "sandbox")
    assert exc.value.returncode == 2
