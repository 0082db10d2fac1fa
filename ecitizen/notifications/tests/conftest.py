from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def test_templates(settings):
    """Adds this folder's templates/ (tiny templates that show what rendering saw)."""
    engine = dict(settings.TEMPLATES[0])
    engine["DIRS"] = [*engine["DIRS"], Path(__file__).parent / "templates"]
    settings.TEMPLATES = [engine, *settings.TEMPLATES[1:]]


@pytest.fixture
def case_update():
    """The arguments the cases app passes for a status change."""
    from ecitizen.cases.models import Status

    return {
        "subject_template": "notifications/email/case_update_subject.txt",
        "body_template": "notifications/email/case_update_body.txt",
        "context": {
            "reference": "CC-2026-000123",
            "service_title": {"en": "Street party permit", "es": "Permiso para fiesta en la calle"},
            "status_label": Status.APPROVED.label,
            "message": "Enjoy the party & keep the road clear after 10pm.",
        },
        "url": "/applications/7/",
    }


@pytest.fixture
def send(case_update):
    """notify() for *user* with the case update arguments, overridable."""
    from ecitizen.notifications.services import notify

    def _send(user, **overrides):
        return notify(user=user, **{**case_update, **overrides})

    return _send
