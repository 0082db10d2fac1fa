"""What cases store for service-delivery analytics (issue 17): where a draft stopped, when a case
joined the queue, when it was withdrawn, and the kind of reason for a refusal.

Each of these is written by the step that makes it true, at the instant it happens, so the tests
pin the clock and compare exact instants: a moment taken from the wrong step (the sending of an
application that still waits for its fee, say) would put the decision clock in the wrong place.
"""

from __future__ import annotations

import datetime
import importlib
import re
import uuid

import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import ValidationError

from ecitizen.cases import services
from ecitizen.cases.models import Application, RefusalCategory, Status
from ecitizen.cases.tests.conftest import make_version, submit_permit_application
from ecitizen.payments import services as payments
from ecitizen.payments.models import Bill

pytestmark = pytest.mark.django_db

SENT = datetime.datetime(2027, 3, 1, 9, 30, tzinfo=datetime.UTC)
PAID = datetime.datetime(2027, 3, 3, 15, 45, tzinfo=datetime.UTC)
WITHDRAWN = datetime.datetime(2027, 3, 4, 11, 0, tzinfo=datetime.UTC)


def _sent_at(instant: datetime.datetime, citizen, version) -> Application:
    with time_machine.travel(instant, tick=False):
        return submit_permit_application(citizen, version)


# --- where a draft stopped ------------------------------------------------------------------------


def test_each_saved_page_becomes_the_last_page_of_the_draft(verified_citizen, permit_version):
    draft = services.application_start(
        citizen=verified_citizen, service_version=permit_version, start_token=uuid.uuid4()
    )
    assert draft.last_page_id == ""
    # when the citizen saves the first page, then the last one
    services.application_save_page(
        citizen=verified_citizen, application=draft, page_id="vehicle", answers={"registration": "AB1", "moved": "no"}
    )
    assert Application.objects.get(pk=draft.pk).last_page_id == "vehicle"
    services.application_save_page(citizen=verified_citizen, application=draft, page_id="about", answers={})
    # then the draft remembers the page saved last, with the answers of both
    draft.refresh_from_db()
    assert draft.last_page_id == "about"
    assert draft.answers["registration"] == "AB1"


def test_saving_a_page_through_the_form_records_it(client, verified_citizen, permit_version):
    draft = services.application_start(
        citizen=verified_citizen, service_version=permit_version, start_token=uuid.uuid4()
    )
    client.force_login(verified_citizen)
    response = client.post(f"/applications/{draft.pk}/questions/vehicle/", {"registration": "AB12 CDE", "moved": "no"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.last_page_id, draft.answers["registration"]) == ("vehicle", "AB12 CDE")


# --- when a case joins the queue ---------------------------------------------------------------


def test_a_free_application_joins_the_queue_when_it_is_sent(verified_citizen, permit_version):
    application = _sent_at(SENT, verified_citizen, permit_version)
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert application.submitted_at == SENT
    assert application.queued_at == SENT


def test_an_application_with_a_fee_joins_the_queue_when_paid_not_when_sent(verified_citizen, agency_a, admin_a):
    version = make_version(agency_a, slug="paid-permit", fee=3000)
    # given an application sent on the 1st, waiting for its fee
    application = _sent_at(SENT, verified_citizen, version)
    application.refresh_from_db()
    assert (application.status, application.queued_at) == (Status.AWAITING_PAYMENT, None)
    # when the fee is paid at a counter two days later
    with time_machine.travel(PAID, tick=False):
        payments.counter_payment_record(
            actor=admin_a, bill=Bill.objects.get(application=application), method="cash", amount=3000
        )
    # then the case joined the queue at the payment, and was still sent on the 1st
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert (application.submitted_at, application.queued_at) == (SENT, PAID)


# --- withdrawing ------------------------------------------------------------------------------------


def test_withdrawing_records_when(verified_citizen, permit_version):
    application = _sent_at(SENT, verified_citizen, permit_version)
    assert application.withdrawn_at is None
    with time_machine.travel(WITHDRAWN, tick=False):
        services.application_withdraw(citizen=verified_citizen, application=application)
    application.refresh_from_db()
    assert (application.status, application.withdrawn_at, application.queued_at) == (
        Status.WITHDRAWN,
        WITHDRAWN,
        SENT,
    )


def test_withdrawing_before_paying_records_when_and_never_queued(verified_citizen, agency_a):
    application = _sent_at(SENT, verified_citizen, make_version(agency_a, slug="paid-permit", fee=3000))
    with time_machine.travel(WITHDRAWN, tick=False):
        services.application_withdraw(citizen=verified_citizen, application=application)
    application.refresh_from_db()
    assert (application.withdrawn_at, application.queued_at) == (WITHDRAWN, None)


# --- the kind of reason for a refusal ---------------------------------------------------------------


def test_a_refusal_stores_its_kind_of_reason(submitted, caseworker_a):
    services.case_refuse(
        actor=caseworker_a,
        application=submitted,
        reason="The address is outside the permit zone",
        category=RefusalCategory.NOT_ELIGIBLE,
        expected_version=submitted.version,
    )
    submitted.refresh_from_db()
    assert (submitted.status, submitted.refusal_category, submitted.decision_reason) == (
        Status.REFUSED,
        "not_eligible",
        "The address is outside the permit zone",
    )


def test_an_approval_has_no_kind_of_refusal(submitted, caseworker_a):
    services.case_approve(actor=caseworker_a, application=submitted, expected_version=submitted.version)
    submitted.refresh_from_db()
    assert (submitted.status, submitted.refusal_category) == (Status.APPROVED, "")


def test_an_unknown_kind_of_reason_is_refused_at_its_field_and_nothing_changes(submitted, caseworker_a):
    with pytest.raises(ValidationError) as exc:
        services.case_refuse(
            actor=caseworker_a,
            application=submitted,
            reason="No",
            category="because",
            expected_version=submitted.version,
        )
    assert exc.value.message_dict == {"category": ["Choose the kind of reason"]}
    submitted.refresh_from_db()
    assert (submitted.status, submitted.refusal_category) == (Status.SUBMITTED, "")


def test_the_refuse_form_stores_the_kind_chosen(client, submitted, caseworker_a):
    client.force_login(caseworker_a)
    response = client.post(
        f"/staff/cases/{submitted.pk}/refuse/",
        {"version": submitted.version, "category": "evidence_missing", "reason": "The bill is not in your name"},
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert (submitted.status, submitted.refusal_category) == (Status.REFUSED, "evidence_missing")


@pytest.mark.parametrize(
    ("category", "message"),
    [("", "Choose the kind of reason"), ("because", "Select a valid choice.")],
)
def test_the_refuse_form_says_at_the_radios_when_no_known_kind_is_chosen(
    client, submitted, caseworker_a, category, message
):
    client.force_login(caseworker_a)
    response = client.post(
        f"/staff/cases/{submitted.pk}/refuse/",
        {"version": submitted.version, "category": category, "reason": "Outside the zone"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    # the error is at the radios, and the error summary links to the first of them
    error = re.search(r'<p id="id_category-error" class="govuk-error-message">(.*?)</p>', page, re.S)
    assert error is not None and message in error.group(1)
    assert 'href="#id_category_0"' in page and 'id="id_category_0"' in page
    submitted.refresh_from_db()
    assert (submitted.status, submitted.refusal_category) == (Status.SUBMITTED, "")


def test_the_case_page_offers_each_kind_of_reason_as_a_radio(client, submitted, caseworker_a):
    client.force_login(caseworker_a)
    page = client.get(f"/staff/cases/{submitted.pk}/").content.decode()
    form = page[page.index(f'action="/staff/cases/{submitted.pk}/refuse/"') :]
    form = form[: form.index("</form>")]
    assert '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Kind of reason</legend>' in form
    assert 'class="govuk-radios' in form
    radios = re.findall(
        r'<input class="govuk-radios__input" id="([^"]+)" name="category" type="radio" value="([^"]+)"', form
    )
    assert [value for _id, value in radios] == list(RefusalCategory.values)
    for (radio_id, _value), label in zip(radios, RefusalCategory.labels, strict=True):
        assert f'<label class="govuk-label govuk-radios__label" for="{radio_id}">{label}</label>' in form
    # before the reason, so that the caseworker picks the kind first
    assert form.index('name="category"') < form.index('name="reason"')


# --- the migration that added these fills them for cases made before --------------------------------


def test_the_migration_dates_the_queue_and_withdrawals_of_earlier_cases(verified_citizen, agency_a, admin_a):
    backfill = importlib.import_module("ecitizen.cases.migrations.0007_analytics_fields").backfill
    free = make_version(agency_a)
    paid = make_version(agency_a, slug="paid-permit", fee=3000)
    # given cases of every kind, as the database held them before the fields existed
    sent_free = _sent_at(SENT, verified_citizen, free)
    sent_paid = _sent_at(SENT, verified_citizen, paid)
    with time_machine.travel(PAID, tick=False):
        payments.counter_payment_record(
            actor=admin_a, bill=Bill.objects.get(application=sent_paid), method="cash", amount=3000
        )
    unpaid = _sent_at(SENT, verified_citizen, paid)
    withdrawn_unpaid = _sent_at(SENT, verified_citizen, paid)
    withdrawn_queued = _sent_at(SENT, verified_citizen, free)
    with time_machine.travel(WITHDRAWN, tick=False):
        services.application_withdraw(citizen=verified_citizen, application=withdrawn_unpaid)
        services.application_withdraw(citizen=verified_citizen, application=withdrawn_queued)
    draft = services.application_start(citizen=verified_citizen, service_version=free, start_token=uuid.uuid4())
    Application.objects.update(queued_at=None, withdrawn_at=None, updated_at=PAID + datetime.timedelta(days=30))
    # when the migration fills them
    backfill(apps, None)
    # then each joined the queue when it was sent or, with a fee, paid; withdrawals are dated
    found = dict(Application.objects.values_list("pk", "queued_at"))
    assert found == {
        sent_free.pk: SENT,
        sent_paid.pk: PAID,
        unpaid.pk: None,
        withdrawn_unpaid.pk: None,
        withdrawn_queued.pk: SENT,
        draft.pk: None,
    }
    withdrawn = dict(Application.objects.exclude(withdrawn_at=None).values_list("pk", "withdrawn_at"))
    assert withdrawn == {withdrawn_unpaid.pk: WITHDRAWN, withdrawn_queued.pk: WITHDRAWN}
