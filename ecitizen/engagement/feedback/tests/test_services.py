"""Giving a rating: who may rate what, one rating per transaction, the channel, the audit row."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.engagement.feedback.models import Channel, Rating
from ecitizen.engagement.feedback.services import NotRateable, feedback_give

pytestmark = pytest.mark.django_db


def test_the_applicant_rates_their_sent_application(submitted, verified_citizen, permit_version):
    # when
    rating = feedback_give(
        actor=verified_citizen, kind="application", reference=submitted.reference, answer=5, comment=" Easy. "
    )
    # then
    assert rating.service == permit_version.service
    assert rating.agency == submitted.agency
    assert rating.channel == Channel.ONLINE
    assert rating.comment == "Easy."
    assert rating.month.day == 1
    row = AuditLog.objects.get(action=AuditAction.FEEDBACK_GIVEN)
    assert row.actor == verified_citizen
    assert row.subject_id == str(rating.pk)
    assert row.agency == submitted.agency
    assert row.extra["answer"] == 5 and row.extra["changed"] is False
    assert "Easy" not in str(row.extra)  # the comment never goes into the audit log


def test_someone_else_cannot_rate_an_application(submitted, other_citizen):
    with pytest.raises(NotRateable):
        feedback_give(actor=other_citizen, kind="application", reference=submitted.reference, answer=1)
    assert not Rating.objects.exists()
    assert not AuditLog.objects.filter(action=AuditAction.FEEDBACK_GIVEN).exists()


def test_a_draft_cannot_be_rated(verified_citizen, permit_version):
    import uuid

    from ecitizen.cases.services import application_start

    draft = application_start(citizen=verified_citizen, service_version=permit_version, start_token=uuid.uuid4())
    with pytest.raises(NotRateable):
        feedback_give(actor=verified_citizen, kind="application", reference=str(draft.reference), answer=3)


def test_unknown_kinds_and_references_are_not_rateable(verified_citizen, submitted):
    for kind, reference in [("petition", submitted.reference), ("application", "nope"), ("report", "x" * 50)]:
        with pytest.raises(NotRateable):
            feedback_give(actor=verified_citizen, kind=kind, reference=reference, answer=3)


@pytest.mark.parametrize("answer", [None, "", "0", "6", "abc", 9])
def test_the_answer_must_be_one_of_the_five(submitted, verified_citizen, answer):
    with pytest.raises(ValidationError) as caught:
        feedback_give(actor=verified_citizen, kind="application", reference=submitted.reference, answer=answer)
    assert "answer" in caught.value.message_dict
    assert not Rating.objects.exists()


def test_the_comment_has_a_limit(submitted, verified_citizen, settings):
    settings.FEEDBACK_COMMENT_MAX_LENGTH = 10
    with pytest.raises(ValidationError) as caught:
        feedback_give(
            actor=verified_citizen, kind="application", reference=submitted.reference, answer=4, comment="x" * 11
        )
    assert "comment" in caught.value.message_dict


def test_a_second_rating_changes_the_first(submitted, verified_citizen):
    first = feedback_give(actor=verified_citizen, kind="application", reference=submitted.reference, answer=2)
    second = feedback_give(
        actor=verified_citizen, kind="application", reference=submitted.reference, answer=4, comment="Better now"
    )
    assert second.pk == first.pk
    assert Rating.objects.get().answer == 4
    rows = AuditLog.objects.filter(action=AuditAction.FEEDBACK_GIVEN).order_by("pk")
    assert [row.extra["changed"] for row in rows] == [False, True]


def test_the_same_rating_twice_is_one_rating_and_one_audit_row(submitted, verified_citizen):
    for _ in range(2):
        feedback_give(actor=verified_citizen, kind="application", reference=submitted.reference, answer=4)
    assert Rating.objects.count() == 1
    assert AuditLog.objects.filter(action=AuditAction.FEEDBACK_GIVEN).count() == 1


def test_one_rating_per_person_per_transaction_is_a_database_rule(submitted, verified_citizen):
    from django.db import IntegrityError, transaction

    rating = feedback_give(actor=verified_citizen, kind="application", reference=submitted.reference, answer=4)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(
            kind=rating.kind,
            reference=rating.reference,
            rater=verified_citizen,
            agency=rating.agency,
            answer=1,
            month=rating.month,
            created_at=rating.created_at,
            updated_at=rating.updated_at,
        )


def test_a_card_payment_is_online_and_a_cash_payment_is_counter(paid, counter_paid, citizen):
    online = feedback_give(actor=citizen, kind="payment", reference=paid.reference, answer=5)
    counter = feedback_give(actor=citizen, kind="payment", reference=counter_paid.reference, answer=4)
    assert online.channel == Channel.ONLINE
    assert counter.channel == Channel.COUNTER
    assert online.service is None  # a bill without an application has no catalogue service


def test_a_payment_not_yet_made_cannot_be_rated(make_bill, citizen):
    import uuid

    from ecitizen.payments.services import payment_create

    payment = payment_create(payer=citizen, bill=make_bill(), idempotency_key=uuid.uuid4().hex)
    with pytest.raises(NotRateable):
        feedback_give(actor=citizen, kind="payment", reference=payment.reference, answer=5)


def test_a_report_is_rated_once_closed_by_its_reporter_only(make_report, fixed_report, citizen, other_citizen):
    still_open = make_report(title="Another hole")
    with pytest.raises(NotRateable):
        feedback_give(actor=citizen, kind="report", reference=str(still_open.pk), answer=3)
    with pytest.raises(NotRateable):
        feedback_give(actor=other_citizen, kind="report", reference=str(fixed_report.pk), answer=3)
    rating = feedback_give(actor=citizen, kind="report", reference=str(fixed_report.pk), answer=5)
    assert rating.service is None and rating.agency == fixed_report.agency


def test_a_report_staff_entered_counts_as_counter(make_report, caseworker_a, citizen):
    from ecitizen.engagement.feedback.transactions import transaction_for
    from ecitizen.reports.services import report_set_status

    report = make_report(source="staff")
    report_set_status(actor=caseworker_a, report=report, status="fixed", public_note="Done.")
    assert transaction_for(citizen, "report", report.pk).channel == Channel.COUNTER


def test_the_holder_rates_an_issued_document(issued, verified_citizen, other_citizen, permit_version):
    rating = feedback_give(actor=verified_citizen, kind="document", reference=issued.number, answer=4)
    assert rating.service == permit_version.service
    with pytest.raises(NotRateable):
        feedback_give(actor=other_citizen, kind="document", reference=issued.number, answer=4)


def test_an_anonymous_person_cannot_rate(submitted):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotRateable):
        feedback_give(actor=AnonymousUser(), kind="application", reference=submitted.reference, answer=4)
