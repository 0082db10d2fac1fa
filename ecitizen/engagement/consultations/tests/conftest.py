"""Consultations built through their services, as agency admins make them."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

FORM = {
    "pages": [
        {
            "id": "views",
            "title": {"en": "Your views"},
            "questions": [
                {
                    "id": "support",
                    "type": "choice",
                    "label": {"en": "Do you support the plan?"},
                    "choices": [
                        {"value": "yes", "label": {"en": "Yes"}},
                        {"value": "no", "label": {"en": "No"}},
                        {"value": "unsure", "label": {"en": "Not sure"}},
                    ],
                },
                {"id": "why", "type": "textarea", "label": {"en": "Why?"}, "required": False},
            ],
        },
        {
            "id": "about",
            "title": {"en": "About you"},
            "questions": [{"id": "cycles", "type": "yes_no", "label": {"en": "Do you cycle in town?"}}],
        },
    ]
}

POLICY = "Cars may not enter the square.\n\nBicycles may park by the fountain.\n\nDeliveries before 10am."


def details(**overrides):
    today = timezone.localdate()
    data = {
        "kind": "consultation",
        "slug": "town-square",
        "title": {"en": "A car-free town square"},
        "summary": {"en": "Should the square be closed to cars?"},
        "description": {"en": "We propose to close the square to cars."},
        "policy_text": {"en": POLICY},
        "opens_on": today - datetime.timedelta(days=1),
        "closes_on": today + datetime.timedelta(days=30),
        "eligibility": "signed_in",
        "districts": [],
        "min_age": None,
        "listed": True,
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_consultation(admin_a, agency_a):
    from ecitizen.engagement.consultations import services

    def make(*, publish: bool = True, form=FORM, **overrides):
        c = services.consultation_create(actor=admin_a, agency=agency_a, data=details(**overrides))
        if form is not None:
            c = services.consultation_form_update(actor=admin_a, consultation=c, form=form)
        if publish:
            c = services.consultation_publish(actor=admin_a, consultation=c)
        return c

    return make


@pytest.fixture
def consultation(make_consultation):
    return make_consultation()


@pytest.fixture
def respond():
    from ecitizen.engagement.consultations import services

    def do(user, consultation, support="yes", why="Quieter streets", cycles="yes", publication="anonymous"):
        services.response_save_page(
            actor=user, consultation=consultation, page_id="views", answers={"support": support, "why": why}
        )
        services.response_save_page(actor=user, consultation=consultation, page_id="about", answers={"cycles": cycles})
        return services.response_submit(actor=user, consultation=consultation, publication=publication)

    return do


def close_now(consultation, admin):
    from ecitizen.engagement.consultations import services

    return services.consultation_close_early(actor=admin, consultation=consultation)
