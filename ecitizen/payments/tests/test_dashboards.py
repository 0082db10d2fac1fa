"""Takings (payments less refunds) by agency, service and day; outstanding and overdue bills."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from ecitizen.agencies.models import Agency
from ecitizen.payments import dashboards
from ecitizen.payments.models import Payment
from ecitizen.payments.refunds import refund_issue
from ecitizen.payments.services import bill_create, counter_payment_record, payment_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    """Takings are grouped by local day, so every test here runs at one instant: 00:30 on
    Saturday 5 June 2027 in London, which is still Friday in UTC."""
    with time_machine.travel(datetime.datetime(2027, 6, 4, 23, 30, tzinfo=datetime.UTC), tick=False):
        yield


def _counter(bill, staff, method="cash"):
    return counter_payment_record(actor=staff, bill=bill, method=method, amount=bill.total)


@pytest.fixture
def service_bill(agency_a, citizen):
    """A £30.00 application fee of agency A's parking permit service."""
    from ecitizen.cases.models import Application
    from ecitizen.cases.tests.conftest import make_version
    from ecitizen.payments.models import LineKind

    version = make_version(agency_a)
    application = Application.objects.create(
        citizen=citizen, agency=agency_a, service_version=version, status="awaiting_payment"
    )
    return bill_create(
        actor=None,
        agency=agency_a,
        payer=citizen,
        currency="GBP",
        lines=[(LineKind.FEE, {"en": "Permit fee"}, 3000)],
        due_date=timezone.localdate() + datetime.timedelta(days=30),
        application=application,
    )


@pytest.fixture
def takings(
    make_bill, agency_a, agency_b, citizen, other_citizen, caseworker_a, caseworker_b, service_bill, pay_by_card
):
    """Agency A: a £30.00 permit fee by card (£10.00 refunded), £50.00 cash today and £7.00 yesterday.
    Agency B: £20.00 by card terminal today."""
    card = pay_by_card(payment_create(payer=citizen, bill=service_bill, idempotency_key="k"))
    refund_issue(actor=caseworker_a, payment=card, amount=1000, reason="Partly refunded")
    _counter(make_bill(agency_a, citizen, 5000), caseworker_a)
    yesterday = _counter(make_bill(agency_a, citizen, 700), caseworker_a)
    Payment.objects.filter(pk=yesterday.pk).update(finished_at=timezone.now() - datetime.timedelta(days=1))
    _counter(make_bill(agency_b, other_citizen, 2000), caseworker_b, method="card_terminal")
    return card


def _all():
    return Agency.objects.all()


def test_takings_by_agency(takings, agency_a, agency_b):
    today = timezone.localdate()
    rows = dashboards.takings(agencies=_all(), date_from=today, date_to=today, by="agency")
    got = {(r.label, r.currency): (r.payments, r.paid, r.refunded, r.net) for r in rows}
    assert got == {
        (agency_a.name, "GBP"): (2, 8000, 1000, 7000),
        (agency_b.name, "GBP"): (1, 2000, 0, 2000),
    }
    [total] = dashboards.takings_totals(rows)
    assert (total.payments, total.paid, total.refunded, total.net) == (3, 10000, 1000, 9000)


def test_takings_by_service(takings):
    today = timezone.localdate()
    rows = dashboards.takings(agencies=_all(), date_from=today, date_to=today, by="service")
    got = {r.label: (r.payments, r.net) for r in rows}
    assert got == {"Apply for a resident parking permit": (1, 2000), "": (2, 7000)}
    assert {r.key is None for r in rows} == {True, False}


def test_takings_by_day(takings):
    today = timezone.localdate()
    rows = dashboards.takings(agencies=_all(), date_from=today - datetime.timedelta(days=1), date_to=today, by="day")
    assert [(r.key, r.net) for r in rows] == [(today - datetime.timedelta(days=1), 700), (today, 9000)]


def test_takings_of_one_agency_only(takings, agency_b):
    today = timezone.localdate()
    rows = dashboards.takings(
        agencies=Agency.objects.filter(pk=agency_b.pk), date_from=today, date_to=today, by="agency"
    )
    assert [(r.label, r.net) for r in rows] == [(agency_b.name, 2000)]


def test_takings_are_aggregated_by_the_database(make_bill, agency_a, citizen, caseworker_a, django_assert_num_queries):
    for _ in range(6):
        _counter(make_bill(agency_a, citizen, 100), caseworker_a)
    today = timezone.localdate()
    # one grouped query for payments, one for refunds, one for the labels: however many payments
    with django_assert_num_queries(3):
        rows = dashboards.takings(agencies=_all(), date_from=today, date_to=today, by="agency")
    assert [(r.payments, r.net) for r in rows] == [(6, 600)]


def test_outstanding_and_overdue_bills(make_bill, agency_a, agency_b, citizen, caseworker_a):
    make_bill(agency_a, citizen, 1000, due_in_days=10)
    make_bill(agency_a, citizen, 2000, due_in_days=0)  # due today: not yet overdue
    make_bill(agency_a, citizen, 4000, due_in_days=-1)
    _counter(make_bill(agency_a, citizen, 8000, due_in_days=-5), caseworker_a)  # paid: owes nothing
    make_bill(agency_b, citizen, 500, due_in_days=-30)
    rows = dashboards.bills_owed(agencies=_all())
    got = {r.agency_name: (r.outstanding_count, r.outstanding_total, r.overdue_count, r.overdue_total) for r in rows}
    assert got == {agency_a.name: (2, 3000, 1, 4000), agency_b.name: (0, 0, 1, 500)}


# --- the page -----------------------------------------------------------------------------------


def test_dashboard_page_shows_the_staff_members_agency_only(client, takings, caseworker_a, agency_b):
    client.force_login(caseworker_a)
    assert client.get("/staff/payments/dashboard/").status_code == 200  # this month so far
    today = timezone.localdate().isoformat()
    response = client.get("/staff/payments/dashboard/", {"date_from": today, "date_to": today})
    assert response.status_code == 200
    html = response.content.decode()
    assert "£70.00" in html and agency_b.name not in html
    assert [r.net for r in response.context["rows"]] == [7000]
    assert 'style="' not in html


def test_dashboard_page_groups_and_ranges(client, takings, caseworker_a):
    client.force_login(caseworker_a)
    today = timezone.localdate()
    response = client.get(
        "/staff/payments/dashboard/",
        {"date_from": (today - datetime.timedelta(days=1)).isoformat(), "date_to": today.isoformat(), "by": "day"},
    )
    assert [r.net for r in response.context["rows"]] == [700, 7000]
    response = client.get(
        "/staff/payments/dashboard/", {"date_from": today.isoformat(), "date_to": today.isoformat(), "by": "service"}
    )
    assert "Apply for a resident parking permit" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "2026-03-10", "date_to": "2026-03-01"}, "on or after the start date"),
        ({"date_from": "2020-01-01", "date_to": "2026-01-01"}, "Choose at most 366 days"),
        ({"date_from": "nonsense", "date_to": "2026-01-01"}, "Enter a real date"),
        ({"date_from": "2026-03-01", "date_to": "2026-03-10", "by": "planet"}, "Select a valid choice"),
    ],
)
def test_dashboard_bad_input(client, caseworker_a, params, message):
    client.force_login(caseworker_a)
    response = client.get("/staff/payments/dashboard/", params)
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html and message in html


def test_dashboard_is_for_staff(client, citizen, auditor_a):
    client.force_login(citizen)
    assert client.get("/staff/payments/dashboard/").status_code == 403
    client.force_login(auditor_a)
    assert client.get("/staff/payments/dashboard/").status_code == 200
