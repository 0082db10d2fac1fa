"""Giving a case to a caseworker: who may take it, what the citizen sees, what is recorded.

Written from the survivors of ``make mutation`` in ``cases.services.case_assign`` and
``case_bulk_assign``: each test pins a behaviour a caseworker or citizen would notice.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ecitizen.agencies.models import Membership, Role, StaffRelative
from ecitizen.cases import services
from ecitizen.cases.models import EventKind, Status
from ecitizen.cases.tests.conftest import submit_permit_application
from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(make_user, with_mfa, agency_a):
    """A second caseworker of agency A."""
    user = make_user("colleague@council-a.example")
    Membership.objects.create(user=user, agency=agency_a, role=Role.CASEWORKER)
    with_mfa(user)
    return user


def _assign(application, actor, assignee, version=None):
    return services.case_assign(
        actor=actor,
        application=application,
        assignee=assignee,
        expected_version=application.version if version is None else version,
    )


def test_assigning_starts_the_review_records_it_and_tells_the_citizen(submitted, admin_a, colleague):
    told = Notification.objects.filter(user=submitted.citizen).count()
    application = _assign(submitted, admin_a, colleague)
    assert (application.assignee, application.status) == (colleague, Status.IN_REVIEW)
    events = {e.kind: e for e in application.events.all()}
    # the citizen sees that review started (by whom is kept), not who has the case
    review = events[EventKind.IN_REVIEW]
    assert (review.actor, review.visible_to_citizen) == (admin_a, True)
    assigned = events[EventKind.ASSIGNED]
    assert (assigned.actor, assigned.visible_to_citizen, assigned.message) == (
        admin_a,
        False,
        "colleague@council-a.example",
    )
    row = AuditLog.objects.get(action=AuditAction.CASE_ASSIGNED)
    assert (row.actor, row.subject_user, row.agency) == (admin_a, submitted.citizen, submitted.agency)
    assert row.extra == {"assignee": "colleague@council-a.example"}
    assert Notification.objects.filter(user=submitted.citizen).count() == told + 1


def test_reassigning_a_case_under_review_does_not_message_the_citizen(submitted, admin_a, caseworker_a, colleague):
    application = _assign(submitted, admin_a, caseworker_a)
    before = Notification.objects.filter(user=submitted.citizen).count()
    application = _assign(application, admin_a, colleague)
    assert application.assignee == colleague
    assert Notification.objects.filter(user=submitted.citizen).count() == before
    assert application.events.filter(kind=EventKind.IN_REVIEW).count() == 1


def test_only_someone_who_works_on_the_agencys_cases_can_take_it(submitted, admin_a, caseworker_b, auditor_a):
    for outsider in (caseworker_b, auditor_a):
        with pytest.raises(ValidationError) as exc:
            _assign(submitted, admin_a, outsider)
        assert exc.value.message_dict == {"assignee": ["Choose someone who works on this agency's cases"]}
    submitted.refresh_from_db()
    assert (submitted.assignee, submitted.status) == (None, Status.SUBMITTED)


def test_a_relative_of_the_applicant_cannot_take_the_case(submitted, admin_a, colleague, agency_a):
    StaffRelative.objects.create(staff=colleague, relative=submitted.citizen, relationship="sibling")
    with pytest.raises(ValidationError) as exc:
        _assign(submitted, admin_a, colleague)
    assert exc.value.message_dict == {
        "assignee": [
            "colleague@council-a.example cannot take this case: it is their own application or a declared relative's."
        ]
    }
    assert not AuditLog.objects.filter(action=AuditAction.CASE_ASSIGNED).exists()
    # an agency that does not count relatives lets them
    agency_a.relatives_are_conflicts = False
    agency_a.save(update_fields=["relatives_are_conflicts"])
    assert _assign(submitted, admin_a, colleague).assignee == colleague


def test_a_closed_case_cannot_be_assigned(submitted, admin_a, caseworker_a, colleague):
    approved = services.case_approve(actor=caseworker_a, application=submitted, expected_version=submitted.version)
    with pytest.raises(PermissionDenied):
        _assign(approved, admin_a, colleague)


def test_assigning_an_out_of_date_case_is_refused(submitted, admin_a, colleague):
    with pytest.raises(services.StaleCase):
        _assign(submitted, admin_a, colleague, version=submitted.version - 1)


def test_bulk_assign_skips_what_it_cannot_assign_and_counts_the_rest(
    verified_citizen, permit_version, admin_a, colleague
):
    def send():
        return submit_permit_application(verified_citizen, permit_version)

    stale, fine, withdrawn, last = send(), send(), send(), send()
    services.case_add_note(actor=admin_a, application=stale, text="Looked at it")  # no version change
    services.case_request_info(actor=admin_a, application=stale, message="Send a bill", expected_version=stale.version)
    services.application_withdraw(citizen=verified_citizen, application=withdrawn)
    # *stale* is the object as loaded before the information request: its version is out of date
    done = services.case_bulk_assign(actor=admin_a, applications=[stale, fine, withdrawn, last], assignee=colleague)
    assert done == 2
    assigned = {a.pk for a in (stale, fine, withdrawn, last) if type(a).objects.get(pk=a.pk).assignee == colleague}
    assert assigned == {fine.pk, last.pk}
