"""The audit log names applications by their reference, linked only for those who may open the case."""

from __future__ import annotations

import pytest

from ecitizen.agencies.models import Membership, Role
from ecitizen.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db


def test_the_audit_log_shows_the_case_reference_without_a_link_for_an_auditor(client, submitted, auditor_a):
    assert AuditLog.objects.filter(action=AuditAction.APPLICATION_SUBMITTED, subject_id=str(submitted.pk)).exists()
    client.force_login(auditor_a)

    page = client.get("/staff/audit/").content.decode()

    assert submitted.reference in page
    assert "cases.application #" not in page
    assert f'href="/staff/cases/{submitted.pk}/"' not in page


def test_staff_who_work_the_case_get_a_link(client, submitted, auditor_a, agency_a):
    Membership.objects.create(user=auditor_a, agency=agency_a, role=Role.CASEWORKER)
    client.force_login(auditor_a)

    page = client.get("/staff/audit/").content.decode()

    assert f'<a class="govuk-link" href="/staff/cases/{submitted.pk}/">{submitted.reference}</a>' in page


def test_a_subject_nobody_resolves_still_shows_its_label(client, auditor_a, agency_a):
    AuditLog.objects.create(
        action=AuditAction.APPLICATION_SUBMITTED, agency=agency_a, subject_type="gone.thing", subject_id="7"
    )
    client.force_login(auditor_a)

    assert "gone.thing #7" in client.get("/staff/audit/").content.decode()
