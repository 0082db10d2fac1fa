"""Staff never act on their own affairs, nor (where the agency says so) on a declared relative's."""

from __future__ import annotations

import uuid

import pytest

from ecitizen.agencies.conflicts import ConflictOfInterest, conflict_reason, ensure_no_conflict
from ecitizen.agencies.models import StaffRelative
from ecitizen.cases.models import Status
from ecitizen.core.models import AuditLog

pytestmark = pytest.mark.django_db


def _submitted(applicant, agency):
    """A submitted application of *applicant* to *agency*'s permit service (basic identity is enough)."""
    from ecitizen.cases import services
    from ecitizen.cases.tests.conftest import make_version

    version = make_version(agency, slug=f"permit-{uuid.uuid4().hex[:6]}", identity_level="basic")
    application = services.application_start(citizen=applicant, service_version=version, start_token=uuid.uuid4())
    services.application_save_page(
        citizen=applicant,
        application=application,
        page_id="vehicle",
        answers={"registration": "AB12 CDE", "moved": "no"},
    )
    services.application_save_page(citizen=applicant, application=application, page_id="about", answers={"name": "Sam"})
    return services.application_submit(citizen=applicant, application=application, declaration=True)


def _declare(staff, relative):
    return StaffRelative.objects.create(staff=staff, relative=relative, relationship="sibling", declared_by=staff)


# --- the rule -----------------------------------------------------------------------------------


def test_self_is_always_a_conflict(caseworker_a, agency_a):
    agency_a.relatives_are_conflicts = False
    agency_a.save()
    assert "your own" in conflict_reason(staff=caseworker_a, citizen=caseworker_a, agency=agency_a)
    with pytest.raises(ConflictOfInterest):
        ensure_no_conflict(staff=caseworker_a, citizen=caseworker_a, agency=agency_a)


def test_a_declared_relative_is_a_conflict_both_ways(caseworker_a, admin_a, citizen, agency_a):
    assert conflict_reason(staff=caseworker_a, citizen=citizen, agency=agency_a) is None
    _declare(caseworker_a, citizen)
    assert "relative" in conflict_reason(staff=caseworker_a, citizen=citizen, agency=agency_a)
    # the citizen, were they staff, could not act for the staff member either
    assert conflict_reason(staff=citizen, citizen=caseworker_a, agency=agency_a)
    assert conflict_reason(staff=admin_a, citizen=citizen, agency=agency_a) is None


def test_an_agency_may_not_count_relatives(caseworker_a, citizen, agency_a):
    _declare(caseworker_a, citizen)
    agency_a.relatives_are_conflicts = False
    agency_a.save()
    assert conflict_reason(staff=caseworker_a, citizen=citizen, agency=agency_a) is None
    assert conflict_reason(staff=caseworker_a, citizen=citizen, agency=agency_a.pk) is None
    assert conflict_reason(staff=caseworker_a, citizen=citizen, agency=None)  # without an agency: counted


def test_nobody_to_conflict_with(caseworker_a):
    assert conflict_reason(staff=caseworker_a, citizen=None) is None
    assert conflict_reason(staff=None, citizen=caseworker_a) is None


# --- cases: decide, request information, assign -----------------------------------------------


@pytest.mark.parametrize("action", ["approve", "refuse", "request_info", "assign"])
def test_staff_cannot_decide_their_own_application(caseworker_a, agency_a, action):
    from ecitizen.cases import services

    application = _submitted(caseworker_a, agency_a)
    run = {
        "approve": lambda: services.case_approve(
            actor=caseworker_a, application=application, expected_version=application.version
        ),
        "refuse": lambda: services.case_refuse(
            actor=caseworker_a, application=application, reason="No", expected_version=application.version
        ),
        "request_info": lambda: services.case_request_info(
            actor=caseworker_a, application=application, message="More?", expected_version=application.version
        ),
        "assign": lambda: services.case_assign(
            actor=caseworker_a, application=application, assignee=caseworker_a, expected_version=application.version
        ),
    }[action]
    with pytest.raises(ConflictOfInterest):
        run()
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED and application.assignee_id is None
    assert not AuditLog.objects.filter(action__startswith="case.").exists()


def test_a_colleague_decides_instead(caseworker_a, admin_a, agency_a):
    from ecitizen.cases import services

    application = _submitted(caseworker_a, agency_a)
    services.case_approve(actor=admin_a, application=application, expected_version=application.version)
    application.refresh_from_db()
    assert application.status == Status.APPROVED


def test_a_case_cannot_be_assigned_to_its_applicant(caseworker_a, admin_a, agency_a):
    from django.core.exceptions import ValidationError

    from ecitizen.cases import services

    application = _submitted(caseworker_a, agency_a)
    with pytest.raises(ValidationError) as exc:
        services.case_assign(
            actor=admin_a, application=application, assignee=caseworker_a, expected_version=application.version
        )
    assert "cannot take this case" in str(exc.value)
    assert services.case_bulk_assign(actor=admin_a, applications=[application], assignee=caseworker_a) == 0


def test_a_relatives_application_is_refused_unless_the_agency_allows_it(caseworker_a, other_citizen, agency_a):
    from ecitizen.cases import services

    application = _submitted(other_citizen, agency_a)
    _declare(caseworker_a, other_citizen)
    with pytest.raises(ConflictOfInterest):
        services.case_approve(actor=caseworker_a, application=application, expected_version=application.version)
    agency_a.relatives_are_conflicts = False
    agency_a.save()
    services.case_approve(actor=caseworker_a, application=application, expected_version=application.version)
    application.refresh_from_db()
    assert application.status == Status.APPROVED


def test_the_case_page_says_why_instead_of_offering_decisions(client, caseworker_a, agency_a):
    application = _submitted(caseworker_a, agency_a)
    client.force_login(caseworker_a)
    page = client.get(f"/staff/cases/{application.pk}/").content.decode()
    assert 'id="conflict-of-interest"' in page
    assert "You cannot act on your own application" in page
    assert "Approve and issue" not in page and "Refuse application" not in page and "Assign to me" not in page


def test_posting_a_decision_on_ones_own_case_is_refused_with_the_reason(client, caseworker_a, agency_a):
    application = _submitted(caseworker_a, agency_a)
    client.force_login(caseworker_a)
    response = client.post(f"/staff/cases/{application.pk}/approve/", {"version": application.version})
    assert response.status_code == 403
    assert "You cannot act on your own application" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert not hasattr(application, "issued_document") or application.issued_document is None


def test_no_document_is_issued_to_oneself(caseworker_a, admin_a, agency_a):
    from ecitizen.cases import services
    from ecitizen.documents.models import IssuedDocument
    from ecitizen.documents.services import document_issue

    application = _submitted(caseworker_a, agency_a)
    services.case_refuse(actor=admin_a, application=application, reason="x", expected_version=application.version)
    application.status = Status.APPROVED  # as if approved by someone, to try issuing directly
    with pytest.raises(ConflictOfInterest):
        document_issue(actor=caseworker_a, application=application)
    assert not IssuedDocument.objects.exists()


# --- the same person behind another account -------------------------------------------------------


def _same_national_id(staff, *others, verified=True):
    """*staff*'s profile and each of *others* (verified, as a register check leaves it) hold one national ID."""
    from ecitizen.accounts.models import Profile

    index = "n" * 64
    Profile.objects.filter(user=staff).update(national_id_index=index)
    for other in others:
        Profile.objects.filter(user=other).update(national_id_index=index, identity_verified=verified)
    return index


def test_a_second_account_with_the_staff_members_own_national_id_is_themselves(
    caseworker_a, citizen, other_citizen, agency_a
):
    from ecitizen.agencies.conflicts import conflict_reasons_by_citizen, conflicted_citizen_ids

    agency_a.relatives_are_conflicts = False  # not a relative: oneself
    agency_a.save()
    _same_national_id(caseworker_a, citizen)
    assert "your own" in conflict_reason(staff=caseworker_a, citizen=citizen, agency=agency_a)
    with pytest.raises(ConflictOfInterest):
        ensure_no_conflict(staff=caseworker_a, citizen=citizen, agency=agency_a)
    bulk = conflict_reasons_by_citizen(staff=caseworker_a, citizen_ids=[citizen.pk, other_citizen.pk], agency=agency_a)
    assert list(bulk) == [citizen.pk] and "your own" in bulk[citizen.pk]
    assert conflicted_citizen_ids(staff=caseworker_a, citizen_ids=[citizen, other_citizen], agency=None) == {citizen.pk}
    # the citizen, were they staff, is the same person too
    assert conflict_reason(staff=citizen, citizen=caseworker_a, agency=agency_a)


def test_no_national_id_on_either_side_is_no_conflict(caseworker_a, citizen, agency_a):
    from ecitizen.agencies.conflicts import conflict_reasons_by_citizen

    assert conflict_reason(staff=caseworker_a, citizen=citizen, agency=agency_a) is None
    assert conflict_reason(staff=caseworker_a, citizen=None, national_id_index="") is None
    assert conflict_reasons_by_citizen(staff=caseworker_a, citizen_ids=[citizen.pk], agency=agency_a) == {}


def test_a_record_made_out_to_the_staff_members_national_id_is_theirs(caseworker_a, admin_a, agency_a):
    index = _same_national_id(caseworker_a)
    assert "your own" in conflict_reason(staff=caseworker_a, citizen=None, agency=agency_a, national_id_index=index)
    with pytest.raises(ConflictOfInterest):
        ensure_no_conflict(staff=caseworker_a, citizen=None, agency=agency_a, national_id_index=index)
    assert conflict_reason(staff=admin_a, citizen=None, agency=agency_a, national_id_index=index) is None
    assert conflict_reason(staff=caseworker_a, citizen=None, national_id_index="m" * 64) is None


def test_staff_cannot_decide_the_application_of_their_second_account(caseworker_a, citizen, agency_a):
    from ecitizen.cases import services

    _same_national_id(caseworker_a, citizen)
    application = _submitted(citizen, agency_a)
    with pytest.raises(ConflictOfInterest):
        services.case_approve(actor=caseworker_a, application=application, expected_version=application.version)
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
