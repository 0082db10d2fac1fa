"""List pages make the same number of queries for one row as for ten (no N+1).

Each test builds one row, counts the page's queries, adds nine more rows and
checks the page stays within that count. Each row-maker returns the text that
shows the row on the page (a reference, a name), and every one of the ten must
be on the page: an empty page, or one that lost its rows, cannot pass.
"""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

pytestmark = pytest.mark.django_db

_seq = itertools.count(1)


def _assert_shows(response, shown: list[str]) -> None:
    page = response.content.decode()
    for text in set(shown):
        assert page.count(text) >= shown.count(text), f"{text!r} should be on the page {shown.count(text)} times"


def _assert_flat(client, url, add_row, django_assert_max_num_queries):
    """*add_row()* makes one row and returns the text (or list of texts) that shows it on the page
    (None for a row that adds nothing to see, such as a second service in a category already listed)."""
    shown: list[str] = []

    def add():
        text = add_row()
        if text is not None:
            shown.extend([text] if isinstance(text, str) else text)
        assert shown, "the row-maker must say how the rows show on the page"

    add()
    assert client.get(url).status_code == 200  # warm up (session, caches)
    with CaptureQueriesContext(connection) as one:
        response = client.get(url)
    assert response.status_code == 200
    _assert_shows(response, shown)
    for _ in range(9):
        add()
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    _assert_shows(response, shown)
    return response


@pytest.fixture
def version(agency_a):
    from ecitizen.catalogue.models import Category, Service, ServiceVersion

    category, _ = Category.objects.get_or_create(slug="parking", defaults={"name": {"en": "Parking"}})

    def make(agency=agency_a, *, publish=True):
        n = next(_seq)
        service = Service.objects.create(
            agency=agency,
            slug=f"permit-{n}",
            category=category,
            title={"en": f"Permit {n}"},
            summary={"en": "Park near home."},
            search_text=f"permit {n} park near home",
            issues="permit",
            validity_days=365,
            status="published" if publish else "draft",
        )
        snapshot = {
            "slug": service.slug,
            "title": service.title,
            "summary": service.summary,
            "issues": "permit",
            "validity_days": 365,
            "category": "parking",
            "form": {"pages": []},
            "agency": {"id": agency.pk, "name": agency.name, "code": agency.code},
        }
        v = ServiceVersion.objects.create(service=service, number=1, snapshot=snapshot)
        if publish:
            service.current_version = v
            service.save(update_fields=["current_version"])
        return v

    return make


@pytest.fixture
def make_application(version, citizen, caseworker_a):
    from ecitizen.cases.models import Application, Status

    def make(*, status=Status.SUBMITTED):
        v = version()
        return Application.objects.create(
            reference=f"CC-2026-{next(_seq):06d}",
            citizen=citizen,
            agency=v.service.agency,
            service_version=v,
            status=status,
            submitted_at=timezone.now(),
            due_date=timezone.localdate() + datetime.timedelta(days=5),
            assignee=caseworker_a,
        )

    return make


def test_applications_list(client, citizen, make_application, django_assert_max_num_queries):
    client.force_login(citizen)
    _assert_flat(client, "/applications/", lambda: make_application().reference, django_assert_max_num_queries)


def test_case_queue(client, caseworker_a, make_application, django_assert_max_num_queries):
    client.force_login(caseworker_a)
    _assert_flat(client, "/staff/cases/", lambda: make_application().reference, django_assert_max_num_queries)


def test_audit_log(client, auditor_a, agency_a, citizen, django_assert_max_num_queries):
    from ecitizen.core.audit import audit_record
    from ecitizen.core.models import AuditAction

    def add():
        audit_record(actor=citizen, action=AuditAction.PROFILE_UPDATED, agency=agency_a, subject=citizen)
        return "Profile updated"

    client.force_login(auditor_a)
    _assert_flat(client, "/staff/audit/", add, django_assert_max_num_queries)


def test_documents_list(client, citizen, caseworker_a, make_application, django_assert_max_num_queries):
    from ecitizen.cases.models import Status
    from ecitizen.documents.services import document_issue

    def add():
        document = document_issue(actor=caseworker_a, application=make_application(status=Status.APPROVED))
        return document.number

    client.force_login(citizen)
    _assert_flat(client, "/documents/", add, django_assert_max_num_queries)


def test_inbox(client, citizen, django_assert_max_num_queries):
    from ecitizen.notifications.services import notify

    def add():
        reference = f"CC-2026-{next(_seq):06d}"
        notify(
            user=citizen,
            subject_template="notifications/email/case_update_subject.txt",
            body_template="notifications/email/case_update_body.txt",
            context={
                "reference": reference,
                "service_title": {"en": "Permit"},
                "status_label": "Approved",
                "message": "",
            },
            url="/applications/1/",
        )
        return reference

    client.force_login(citizen)
    _assert_flat(client, "/account/inbox/", add, django_assert_max_num_queries)


def test_access_log(client, citizen, caseworker_a, agency_a, django_assert_max_num_queries):
    from ecitizen.privacy.services import access_record

    def add():
        purpose = f"Identity check {next(_seq)}"
        access_record(staff=caseworker_a, agency=agency_a, citizen=citizen, purpose=purpose, subject=citizen)
        return purpose

    client.force_login(citizen)
    _assert_flat(client, "/account/privacy/", add, django_assert_max_num_queries)


@pytest.fixture
def make_payment(agency_a, citizen):
    from ecitizen.payments.models import LineKind, Payment, PaymentStatus
    from ecitizen.payments.services import bill_create

    def make():
        bill = bill_create(
            actor=None,
            agency=agency_a,
            payer=citizen,
            currency="GBP",
            lines=[(LineKind.FEE, {"en": "Permit"}, 3000)],
            description={"en": "Permit"},
            due_date=timezone.localdate() + datetime.timedelta(days=30),
        )
        return Payment.objects.create(
            reference=f"PAY-{next(_seq):08d}",
            bill=bill,
            payer=citizen,
            amount=3000,
            currency="GBP",
            method="sandbox",
            status=PaymentStatus.SUCCESS,
            finished_at=timezone.now(),
        )

    return make


def test_my_payments(client, citizen, make_payment, agency_a, django_assert_max_num_queries):
    from ecitizen.payments.models import LineKind
    from ecitizen.payments.services import bill_create

    def add():
        paid = make_payment()
        unpaid = bill_create(
            actor=None,
            agency=agency_a,
            payer=citizen,
            currency="GBP",
            lines=[(LineKind.FEE, {"en": "Open"}, 1000)],
            due_date=timezone.localdate() - datetime.timedelta(days=1),
        )
        return [paid.reference, unpaid.reference]

    client.force_login(citizen)
    _assert_flat(client, "/payments/", add, django_assert_max_num_queries)


def test_staff_payments(client, caseworker_a, make_payment, django_assert_max_num_queries):
    client.force_login(caseworker_a)
    _assert_flat(client, "/staff/payments/", lambda: make_payment().reference, django_assert_max_num_queries)


def test_refunds_awaiting(client, caseworker_a, admin_a, make_payment, django_assert_max_num_queries):
    from ecitizen.payments.models import Refund, RefundStatus

    def add():
        payment = make_payment()
        Refund.objects.create(
            payment=payment,
            amount=100,
            reason="Charged twice",
            status=RefundStatus.AWAITING_APPROVAL,
            requested_by=caseworker_a,
        )
        return payment.reference

    client.force_login(admin_a)
    _assert_flat(client, "/staff/payments/refunds/", add, django_assert_max_num_queries)


def test_tax_bills(client, admin_a, agency_a, citizen, django_assert_max_num_queries):
    from ecitizen.payments.models import TaxAssessment
    from ecitizen.payments.taxes import tax_save

    tax = tax_save(
        actor=admin_a,
        agency=agency_a,
        data={
            "name": {"en": "Property tax"},
            "currency": "GBP",
            "rate_basis_points": 120,
            "instalments": 1,
            "first_due_month": 4,
            "penalty_basis_points_per_month": 150,
            "penalty_grace_days": 14,
        },
    )

    def add():
        from ecitizen.payments.taxes import bills_generate

        n = next(_seq)
        TaxAssessment.objects.create(
            tax=tax, year=2026, subject_ref=f"RIV-{n}", payer_name="Amina", payer=citizen, assessed_value=100000
        )
        bills_generate(actor=admin_a, tax=tax, year=2026)
        return f"RIV-{n}"

    client.force_login(admin_a)
    _assert_flat(client, f"/staff/taxes/{tax.pk}/bills/?year=2026", add, django_assert_max_num_queries)


def test_catalogue_index_and_category(client, version, django_assert_max_num_queries):
    def add():
        return version().service.title["en"]

    _assert_flat(client, "/services/?q=permit", add, django_assert_max_num_queries)
    _assert_flat(client, "/services/category/parking/", add, django_assert_max_num_queries)
    categories: list[str] = []

    def add_to_category():
        version()
        if categories:
            return None  # the index lists categories: one more service in "Parking" shows nothing new
        categories.append("Parking")
        return "Parking"

    _assert_flat(client, "/services/", add_to_category, django_assert_max_num_queries)


def test_staff_service_list(client, admin_a, version, django_assert_max_num_queries):
    client.force_login(admin_a)
    _assert_flat(client, "/staff/services/", lambda: version().service.title["en"], django_assert_max_num_queries)


def test_status_page(client, citizen, caseworker_a, make_application, django_assert_max_num_queries):
    """The citizen's status page: one query for the application with its service version and any
    issued document, one for the timeline however long it grows."""
    from ecitizen.cases.models import ApplicationEvent, EventKind

    application = make_application()

    def add():
        n = next(_seq)
        ApplicationEvent.objects.create(application=application, kind=EventKind.IN_REVIEW, message=f"Step {n} done")
        return f"Step {n} done"

    client.force_login(citizen)
    _assert_flat(client, f"/applications/{application.pk}/", add, django_assert_max_num_queries)
    with CaptureQueriesContext(connection) as page:
        assert client.get(f"/applications/{application.pk}/").status_code == 200
    sql = [q["sql"] for q in page.captured_queries]
    assert sum('FROM "cases_application"' in s for s in sql) == 1, sql
    assert not any(s.startswith('SELECT "catalogue_serviceversion"') for s in sql), sql
    assert not any(s.startswith('SELECT "documents_issueddocument"') for s in sql), sql
    # No information request is open on a submitted application: none is looked for.
    assert not any('FROM "cases_informationrequest"' in s for s in sql), sql


def test_status_poll_reads_three_columns(client, citizen, make_application):
    """The live status poll, which every waiting citizen's page asks every few seconds: one query
    for the application, reading only what the answer holds (not the answers)."""
    application = make_application()
    client.force_login(citizen)
    url = f"/applications/{application.pk}/status.json"
    assert client.get(url).status_code == 200  # warm up (session)
    with CaptureQueriesContext(connection) as poll:
        response = client.get(url)
    assert response.json() == {"status": "submitted", "label": "Submitted", "version": 1}
    reads = [q["sql"] for q in poll.captured_queries if 'FROM "cases_application"' in q["sql"]]
    assert len(reads) == 1, reads
    assert '"answers"' not in reads[0] and '"reference"' not in reads[0], reads[0]
    assert len(poll.captured_queries) <= 4, [q["sql"] for q in poll.captured_queries]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="index plans are PostgreSQL's")
def test_open_queue_uses_its_partial_index(caseworker_a, agency_a, make_application):
    """The queue as it opens (open cases, soonest due first) matches the partial index
    app_open_queue_by_due: the page reads it in order and the capped count reads the index alone.
    If the queue's status list or order drifts from the index, this fails."""
    from ecitizen.cases.selectors import QueueFilters, case_queue
    from ecitizen.core.pagination import CappedPaginator

    make_application()
    queue = case_queue(caseworker_a, agency_a, QueueFilters())
    assert CappedPaginator(queue, 25).count == 1
    count_query = queue.values("id")[:1001]  # what CappedPaginator counts
    with connection.cursor() as cursor:
        # A test table is tiny, and several indexes could serve it at a near-equal cost: make the
        # planner show the index that reads the queue in order, if one exists (a Sort, then, only
        # when none does).
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        for qs in (queue[:25], count_query):
            sql, params = qs.query.sql_with_params()
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "app_open_queue_by_due" in plan, plan
