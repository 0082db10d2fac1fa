"""Audit scenarios of ecitizen.engagement.consultations: see tests/audit_scenarios.py for the shape.

``Expect`` is imported inside each thunk: tests/audit_scenarios.py imports this module at its end.
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from ecitizen.core.models import AuditAction as A

_seq = itertools.count(1)

FORM = {
    "pages": [
        {
            "id": "views",
            "title": {"en": "Your views"},
            "questions": [
                {
                    "id": "support",
                    "type": "choice",
                    "label": {"en": "Do you support it?"},
                    "choices": [{"value": "yes", "label": {"en": "Yes"}}, {"value": "no", "label": {"en": "No"}}],
                },
                {"id": "why", "type": "textarea", "label": {"en": "Why?"}, "required": False},
            ],
        }
    ]
}


def _expect(**kw):
    from tests.audit_scenarios import Expect

    return Expect(**kw)


def _data(**overrides) -> dict:
    from django.utils import timezone

    today = timezone.localdate()
    data = {
        "kind": "consultation",
        "slug": f"consultation-{next(_seq)}",
        "title": {"en": "A car-free square"},
        "summary": {},
        "description": {},
        "policy_text": {"en": "One.\n\nTwo."},
        "opens_on": today - datetime.timedelta(days=1),
        "closes_on": today + datetime.timedelta(days=10),
        "eligibility": "signed_in",
    }
    data.update(overrides)
    return data


def _draft(w):
    from ecitizen.engagement.consultations import services

    c = services.consultation_create(actor=w.admin_a, agency=w.agency_a, data=_data())
    return services.consultation_form_update(actor=w.admin_a, consultation=c, form=FORM)


def _published(w):
    from ecitizen.engagement.consultations import services

    return services.consultation_publish(actor=w.admin_a, consultation=_draft(w))


def _sent(w, c, user):
    from ecitizen.engagement.consultations import services

    services.response_save_page(actor=user, consultation=c, page_id="views", answers={"support": "yes", "why": "Quiet"})
    return services.response_submit(actor=user, consultation=c, publication="anonymous")


def consultation_saved(w) -> Any:
    from ecitizen.engagement.consultations import services

    admin = w.admin_a

    def act():
        c = services.consultation_create(actor=admin, agency=w.agency_a, data=_data())
        return _expect(actor=admin, subject=c, agency=w.agency_a)

    return act


def consultation_published(w) -> Any:
    from ecitizen.engagement.consultations import services

    c = _draft(w)

    def act():
        services.consultation_publish(actor=w.admin_a, consultation=c)
        return _expect(actor=w.admin_a, subject=c, agency=w.agency_a)

    return act


def consultation_closed_early(w) -> Any:
    from ecitizen.engagement.consultations import services

    c = _published(w)

    def act():
        services.consultation_close_early(actor=w.admin_a, consultation=c)
        return _expect(actor=w.admin_a, subject=c, agency=w.agency_a)

    return act


def consultation_response_saved(w) -> Any:
    from ecitizen.engagement.consultations import services
    from ecitizen.engagement.consultations.models import Response

    c = _published(w)
    citizen = w.citizen

    def act():
        services.response_save_page(actor=citizen, consultation=c, page_id="views", answers={"support": "no"})
        return _expect(actor=citizen, subject=Response.objects.get(consultation=c, user=citizen), agency=w.agency_a)

    return act


def consultation_response_submitted(w) -> Any:
    from ecitizen.engagement.consultations import services

    c = _published(w)
    citizen = w.citizen
    services.response_save_page(actor=citizen, consultation=c, page_id="views", answers={"support": "no"})

    def act():
        response = services.response_submit(actor=citizen, consultation=c, publication="private")
        return _expect(actor=citizen, subject=response, agency=w.agency_a)

    return act


def consultation_answer_tagged(w) -> Any:
    from ecitizen.engagement.consultations import services

    c = _published(w)
    response = _sent(w, c, w.citizen)
    caseworker = w.caseworker_a

    def act():
        services.answer_tag(actor=caseworker, response=response, question_id="why", tag="noise")
        return _expect(actor=caseworker, subject=response, agency=w.agency_a)

    return act


def consultation_results_exported(w) -> Any:
    from ecitizen.engagement.consultations import services

    c = _published(w)
    _sent(w, c, w.citizen)
    caseworker = w.caseworker_a

    def act():
        services.results_export(actor=caseworker, consultation=c, fmt="csv")
        return _expect(actor=caseworker, subject=c, agency=w.agency_a)

    return act


def consultation_outcome_published(w) -> Any:
    from ecitizen.engagement.consultations import services

    c = _published(w)
    _sent(w, c, w.citizen)
    c = services.consultation_close_early(actor=w.admin_a, consultation=c)

    def act():
        services.outcome_publish(actor=w.admin_a, consultation=c, outcome={"en": "We will do it."})
        return _expect(actor=w.admin_a, subject=c, agency=w.agency_a)

    return act


def consultation_passage_commented(w) -> Any:
    from ecitizen.engagement.consultations import services

    c = _published(w)
    citizen = w.citizen

    def act():
        comment = services.passage_comment_add(
            actor=citizen, consultation=c, passage=1, text="Good idea", publication="anonymous"
        )
        return _expect(actor=citizen, subject=comment, agency=w.agency_a)

    return act


SCENARIOS: dict[str, Any] = {
    A.CONSULTATION_SAVED: consultation_saved,
    A.CONSULTATION_PUBLISHED: consultation_published,
    A.CONSULTATION_CLOSED_EARLY: consultation_closed_early,
    A.CONSULTATION_RESPONSE_SAVED: consultation_response_saved,
    A.CONSULTATION_RESPONSE_SUBMITTED: consultation_response_submitted,
    A.CONSULTATION_ANSWER_TAGGED: consultation_answer_tagged,
    A.CONSULTATION_RESULTS_EXPORTED: consultation_results_exported,
    A.CONSULTATION_OUTCOME_PUBLISHED: consultation_outcome_published,
    A.CONSULTATION_PASSAGE_COMMENTED: consultation_passage_commented,
}
