"""The selectors the dashboard reads through: each returns only the person's own, current items."""

from __future__ import annotations

import datetime

import pytest

pytestmark = pytest.mark.django_db


def test_applications_in_progress_put_information_requests_first(citizen, amina_life, ben_life):
    from ecitizen.cases.selectors import applications_in_progress_for_citizen

    found = applications_in_progress_for_citizen(citizen)
    assert [a.status for a in found] == ["info_requested", "draft", "submitted"]
    assert {a.citizen_id for a in found} == {citizen.pk}  # approved (decided) ones are left out


def test_services_used_leave_out_drafts(citizen, versions, clock):
    import uuid

    from ecitizen.cases import services as cases
    from ecitizen.cases.selectors import services_used_by

    cases.application_start(citizen=citizen, service_version=versions[0], start_token=uuid.uuid4())
    assert services_used_by(citizen) == {}


def test_bills_due_are_open_own_bills_soonest_first(citizen, amina_life, ben_life, agency_a):
    from ecitizen.payments.models import LineKind
    from ecitizen.payments.selectors import bills_due_for_citizen
    from ecitizen.payments.services import bill_cancel, bill_create

    sooner = bill_create(
        actor=None,
        agency=agency_a,
        payer=citizen,
        currency="GBP",
        lines=[(LineKind.FEE, {"en": "Sooner"}, 100)],
        due_date=datetime.date(2026, 12, 8),
    )
    cancelled = bill_create(
        actor=None,
        agency=agency_a,
        payer=citizen,
        currency="GBP",
        lines=[(LineKind.FEE, {"en": "Cancelled"}, 100)],
        due_date=datetime.date(2026, 12, 8),
    )
    bill_cancel(actor=None, bill=cancelled, reason="Sent by mistake")
    assert bills_due_for_citizen(citizen) == [sooner, amina_life["bill"]]


def test_expiring_documents_leave_out_revoked_and_distant_ones(citizen, amina_life, caseworker_a):
    from ecitizen.documents.selectors import documents_expiring_for_citizen
    from ecitizen.documents.services import document_revoke

    today = datetime.date(2026, 12, 7)
    document = amina_life["document"]
    assert documents_expiring_for_citizen(citizen, today=today) == [document]
    assert documents_expiring_for_citizen(citizen, today=today)[0].service_slug == "parking-permit"
    assert documents_expiring_for_citizen(citizen, today=today - datetime.timedelta(days=90)) == []
    assert documents_expiring_for_citizen(citizen, today=today + datetime.timedelta(days=90)) == []  # long gone
    document_revoke(actor=caseworker_a, document=document, reason="Issued in error")
    assert documents_expiring_for_citizen(citizen, today=today) == []


def test_followed_reports_leave_out_own_and_unsubscribed(citizen, amina_life, ben_life):
    from ecitizen.reports import alerts
    from ecitizen.reports.selectors import reports_followed_by, reports_made_by

    assert list(reports_made_by(citizen)) == [amina_life["made"]]
    assert list(reports_followed_by(citizen, email_confirmed=True)) == []  # own report: followed, but made
    alert = amina_life["follow"](ben_life["made"])
    assert list(reports_followed_by(citizen, email_confirmed=True)) == [ben_life["made"]]
    alerts.alert_unsubscribe(token=alerts.unsubscribe_token(alert), actor=citizen)
    assert list(reports_followed_by(citizen, email_confirmed=True)) == []


def test_services_sharing_life_events(versions):
    from ecitizen.catalogue.selectors import services_sharing_life_events

    found = services_sharing_life_events({"parking-permit"})
    assert [(s.slug, e.slug, because) for s, e, because in found] == [
        ("visitor-permit", "moving-house", "parking-permit")
    ]
    assert services_sharing_life_events({"garden-waste"}) == []
    assert services_sharing_life_events(set()) == []


def test_staff_navigation_follows_roles(make_user, agency_a, platform_auditor):
    from ecitizen.agencies.models import Membership
    from ecitizen.dashboard.navigation import staff_navigation_for

    moderator = make_user("moderator@council.example")
    Membership.objects.create(user=moderator, agency=agency_a, role="moderator")
    assert [str(i.label) for i in staff_navigation_for(moderator)] == ["Moderation", "Have your say"]
    assert [str(i.label) for i in staff_navigation_for(platform_auditor)] == ["Audit log"]
    citizen = make_user("someone@example.org")
    assert staff_navigation_for(citizen) == []
