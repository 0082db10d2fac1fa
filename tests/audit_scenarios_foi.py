"""Audit scenarios of ecitizen.records.foi: see tests/audit_scenarios.py for the shape."""

from __future__ import annotations

import uuid
from typing import Any

from ecitizen.core.models import AuditAction as A
from tests.audit_scenarios import Expect, Thunk, World

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _ask(w: World, **kwargs):
    from ecitizen.records.foi.services import foi_request_create

    return foi_request_create(
        actor=w.citizen,
        agency=w.agency_a,
        title="Cost of the library roof",
        body="The contract and invoices, please.",
        create_token=uuid.uuid4(),
        **kwargs,
    )


def requested(w: World) -> Thunk:
    citizen, agency = w.citizen, w.agency_a

    def act() -> Expect:
        foi = _ask(w)
        return Expect(actor=citizen, subject=foi, agency=agency)

    return act


def _staff_act(name: str, **kwargs):
    def scenario(w: World) -> Thunk:
        foi = _ask(w)
        staff = w.staff("caseworker")

        def act() -> Expect:
            from ecitizen.records.foi import services

            result = getattr(services, name)(actor=staff, foi=foi, **kwargs)
            return Expect(actor=staff, subject=result, agency=w.agency_a)

        return act

    return scenario


def clarified(w: World) -> Thunk:
    from ecitizen.records.foi.services import foi_clarification_ask

    foi = foi_clarification_ask(actor=w.staff("caseworker"), foi=_ask(w), question="Which roof?")

    def act() -> Expect:
        from ecitizen.records.foi.services import foi_clarify

        return Expect(
            actor=w.citizen, subject=foi_clarify(actor=w.citizen, foi=foi, text="Mill Lane."), agency=w.agency_a
        )

    return act


def _document(w: World, staff, foi=None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ecitizen.cases.uploads import prepare_upload
    from ecitizen.records.foi.services import foi_document_add

    return foi_document_add(
        actor=staff,
        foi=foi or _ask(w),
        title="Contract",
        public=prepare_upload(SimpleUploadedFile("contract.pdf", PDF)),
        original=prepare_upload(SimpleUploadedFile("original.pdf", PDF)),
    )


def document_added(w: World) -> Thunk:
    w.settings.PRIVATE_MEDIA_ROOT = str(w.tmp_path / "private")
    staff = w.staff("caseworker")
    foi = _ask(w)

    def act() -> Expect:
        document = _document(w, staff, foi)
        return Expect(actor=staff, subject=document, agency=w.agency_a)

    return act


def original_viewed(w: World) -> Thunk:
    w.settings.PRIVATE_MEDIA_ROOT = str(w.tmp_path / "private")
    staff = w.staff("caseworker")
    document = _document(w, staff)

    def act() -> Expect:
        from ecitizen.records.foi.services import foi_original_viewed

        foi_original_viewed(actor=staff, document=document)
        return Expect(actor=staff, subject=document, agency=w.agency_a)

    return act


def review_requested(w: World) -> Thunk:
    from ecitizen.records.foi.services import foi_answer

    foi = foi_answer(actor=w.staff("caseworker"), foi=_ask(w), answer="Here it is.")

    def act() -> Expect:
        from ecitizen.records.foi.services import foi_review_request

        foi_review_request(actor=w.citizen, foi=foi, reason="Incomplete.")
        return Expect(actor=w.citizen, subject=foi, agency=w.agency_a)

    return act


def review_decided(w: World) -> Thunk:
    from ecitizen.records.foi.services import foi_answer, foi_review_request

    staff = w.staff("agency_admin")
    foi = foi_answer(actor=w.staff("caseworker"), foi=_ask(w), answer="Here it is.")
    foi = foi_review_request(actor=w.citizen, foi=foi, reason="Incomplete.")

    def act() -> Expect:
        from ecitizen.records.foi.services import foi_review_decide

        foi_review_decide(actor=staff, foi=foi, outcome="upheld", note="The answer stands.")
        return Expect(actor=staff, subject=foi, agency=w.agency_a)

    return act


def reminder_sent(w: World) -> Thunk:
    w.settings.FOI_REMINDER_DAYS = 40
    w.staff("caseworker")
    foi = _ask(w)

    def act() -> Expect:
        from ecitizen.records.foi.services import foi_reminders_send

        foi_reminders_send()
        return Expect(actor=None, subject=foi, agency=w.agency_a)

    return act


SCENARIOS: dict[str, Any] = {
    A.FOI_REQUESTED: requested,
    A.FOI_CLARIFICATION_ASKED: _staff_act("foi_clarification_ask", question="Which roof?"),
    A.FOI_CLARIFIED: clarified,
    A.FOI_EXTENDED: _staff_act("foi_extend", reason="We must consult the contractor."),
    A.FOI_ANSWERED: _staff_act("foi_answer", answer="The roof cost 120,000."),
    A.FOI_REFUSED: _staff_act("foi_refuse", exemption="commercial", explanation="Trade secrets.", partly=False),
    A.FOI_DOCUMENT_ADDED: document_added,
    A.FOI_ORIGINAL_VIEWED: original_viewed,
    A.FOI_REVIEW_REQUESTED: review_requested,
    A.FOI_REVIEW_DECIDED: review_decided,
    A.FOI_REMINDER_SENT: reminder_sent,
}
