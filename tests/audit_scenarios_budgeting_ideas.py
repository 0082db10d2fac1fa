"""Audit scenarios of participatory budgeting's ideas (ecitizen.voting.budgeting): see
tests/audit_scenarios.py for the shape."""

from __future__ import annotations

import datetime
import io
import itertools
import uuid
from typing import Any

from ecitizen.core.models import AuditAction as A

_seq = itertools.count(1)


def _expect(**kwargs):
    from tests.audit_scenarios import Expect

    return Expect(**kwargs)


def _then(call, **expect):
    def act():
        call()
        return _expect(**expect)

    return act


def _admin(w):
    return w._once("ideas_admin", lambda: w.staff("agency_admin"))


def _reviewer(w):
    return w._once("ideas_reviewer", lambda: w.staff("caseworker"))


def _process_data(**extra):
    from django.utils import timezone

    from ecitizen.voting.budgeting.process_services import ProcessData

    now = timezone.now()
    day = datetime.timedelta(days=1)
    values = {
        "title": f"Audit budget {next(_seq)}",
        "summary": "Audit",
        "description": "",
        "ideas_open_at": now - 5 * day,
        "ideas_close_at": now + 10 * day,
        "voting_open_at": now + 15 * day,
        "voting_close_at": now + 20 * day,
        "max_choices": 3,
    }
    values.update(extra)
    return ProcessData(**values)


def _open_process(w):
    """A published process collecting ideas, with one budget for the whole area."""
    from ecitizen.voting.budgeting import process_services

    process = process_services.process_create(
        actor=_admin(w), agency=w.agency_a, data=_process_data(), budgets=[(None, 100_000)]
    )
    return process_services.process_publish(actor=_admin(w), process=process)


def _idea(w, process=None, author=None):
    from ecitizen.voting.budgeting import idea_services

    process = process or _open_process(w)
    return idea_services.idea_propose(
        actor=author or w.citizen,
        process=process,
        data=idea_services.IdeaData(
            budget=process.budgets.get(), title=f"Idea {next(_seq)}", description="Benches", estimated_cost=5_000
        ),
        create_token=uuid.uuid4(),
    )


def _jpeg():
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 90, 10)).save(buffer, format="JPEG")
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")


def process_saved(w) -> Any:
    from ecitizen.voting.budgeting import process_services

    admin = _admin(w)
    process = process_services.process_create(
        actor=admin, agency=w.agency_a, data=_process_data(), budgets=[(None, 10)]
    )
    return _then(
        lambda: process_services.process_update(
            actor=admin, process=process, data=_process_data(title="Renamed"), budgets=[(None, 10)]
        ),
        actor=admin,
        subject=process,
        agency=w.agency_a,
    )


def process_published(w) -> Any:
    from ecitizen.voting.budgeting import process_services

    admin = _admin(w)
    process = process_services.process_create(
        actor=admin, agency=w.agency_a, data=_process_data(), budgets=[(None, 10)]
    )
    return _then(
        lambda: process_services.process_publish(actor=admin, process=process),
        actor=admin,
        subject=process,
        agency=w.agency_a,
    )


def budget_saved(w) -> Any:
    from ecitizen.voting.budgeting import process_services

    admin = _admin(w)
    data = _process_data()
    process = process_services.process_create(actor=admin, agency=w.agency_a, data=data, budgets=[(None, 10)])
    budget = process.budgets.get()
    return _then(
        lambda: process_services.process_update(actor=admin, process=process, data=data, budgets=[(None, 20)]),
        actor=admin,
        subject=budget,
        agency=w.agency_a,
    )


def idea_proposed(w) -> Any:
    process = _open_process(w)
    citizen = w.citizen

    def act():
        idea = _idea(w, process, citizen)
        return _expect(actor=citizen, subject=idea, agency=w.agency_a)

    return act


def idea_edited(w) -> Any:
    from ecitizen.voting.budgeting import idea_services

    idea = _idea(w)
    data = idea_services.IdeaData(budget=idea.budget, title="Changed", description="Benches", estimated_cost=6_000)
    return _then(
        lambda: idea_services.idea_edit(actor=w.citizen, project=idea, data=data),
        actor=w.citizen,
        subject=idea,
        agency=w.agency_a,
    )


def idea_withdrawn(w) -> Any:
    from ecitizen.voting.budgeting import idea_services

    idea = _idea(w)
    return _then(
        lambda: idea_services.idea_withdraw(actor=w.citizen, project=idea),
        actor=w.citizen,
        subject=idea,
        agency=w.agency_a,
    )


def photo_added(w) -> Any:
    from ecitizen.voting.budgeting import idea_services

    idea = _idea(w)

    def act():
        photo = idea_services.photo_add(actor=w.citizen, project=idea, photo=idea_services.PhotoUpload(_jpeg()))
        return _expect(actor=w.citizen, subject=photo, agency=w.agency_a)

    return act


def idea_supported(w) -> Any:
    from ecitizen.voting.budgeting import idea_services

    idea = _idea(w)
    return _then(
        lambda: idea_services.idea_support(actor=w.other_citizen, project=idea),
        actor=w.other_citizen,
        subject=idea,
        agency=w.agency_a,
    )


def idea_unsupported(w) -> Any:
    from ecitizen.voting.budgeting import idea_services

    idea = _idea(w)
    idea_services.idea_support(actor=w.other_citizen, project=idea)
    return _then(
        lambda: idea_services.idea_unsupport(actor=w.other_citizen, project=idea),
        actor=w.other_citizen,
        subject=idea,
        agency=w.agency_a,
    )


def idea_accepted(w) -> Any:
    from ecitizen.voting.budgeting import idea_services

    idea = _idea(w)
    reviewer = _reviewer(w)
    return _then(
        lambda: idea_services.idea_accept(actor=reviewer, project=idea, official_cost=5_500),
        actor=reviewer,
        subject=idea,
        agency=w.agency_a,
    )


def idea_rejected(w) -> Any:
    from ecitizen.voting.budgeting import idea_services

    idea = _idea(w)
    reviewer = _reviewer(w)
    return _then(
        lambda: idea_services.idea_reject(actor=reviewer, project=idea, reason="Not possible"),
        actor=reviewer,
        subject=idea,
        agency=w.agency_a,
    )


def idea_merged(w) -> Any:
    from ecitizen.voting.budgeting import idea_services

    process = _open_process(w)
    target = _idea(w, process)
    source = _idea(w, process, w.other_citizen)
    reviewer = _reviewer(w)
    return _then(
        lambda: idea_services.idea_merge(actor=reviewer, projects=[source], into=target),
        actor=reviewer,
        subject=source,
        agency=w.agency_a,
    )


SCENARIOS: dict[str, Any] = {
    A.PB_PROCESS_SAVED: process_saved,
    A.PB_PROCESS_PUBLISHED: process_published,
    A.PB_BUDGET_SAVED: budget_saved,
    A.PB_IDEA_PROPOSED: idea_proposed,
    A.PB_IDEA_EDITED: idea_edited,
    A.PB_IDEA_WITHDRAWN: idea_withdrawn,
    A.PB_PHOTO_ADDED: photo_added,
    A.PB_IDEA_SUPPORTED: idea_supported,
    A.PB_IDEA_UNSUPPORTED: idea_unsupported,
    A.PB_IDEA_ACCEPTED: idea_accepted,
    A.PB_IDEA_REJECTED: idea_rejected,
    A.PB_IDEA_MERGED: idea_merged,
}
