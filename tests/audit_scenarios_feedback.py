"""Audit scenarios of ecitizen.engagement.feedback: see tests/audit_scenarios.py for the shape."""

from __future__ import annotations

from typing import Any

from ecitizen.core.models import AuditAction as A
from tests.audit_scenarios import Expect, Thunk, World


def feedback_given(w: World) -> Thunk:
    application = w.submitted()
    citizen = w.verified_citizen()

    def act() -> Expect:
        from ecitizen.engagement.feedback.services import feedback_give

        rating = feedback_give(
            actor=citizen,
            kind="application",
            reference=application.reference,
            answer=4,
            comment="Quick and clear.",
        )
        return Expect(actor=citizen, subject=rating, agency=application.agency)

    return act


SCENARIOS: dict[str, Any] = {
    A.FEEDBACK_GIVEN: feedback_given,
}
