"""Retries and double clicks from separate connections at the same moment (PostgreSQL).

SQLite's in-memory test database is one shared-cache connection set where
writers fail fast instead of waiting, so these run where the production
database runs; the same services are covered sequentially on SQLite in
test_citizen_journey.py.
"""

import threading
import uuid

import pytest
from django.db import connection, connections

from ecitizen.cases import services
from ecitizen.cases.models import Application, Status
from ecitizen.core.testing import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a database with row locks (PostgreSQL)"),
]


def _run_together(target, count=8):
    return run_together([target] * count)


def test_one_start_token_makes_one_application(verified_citizen, permit_version):
    token = uuid.uuid4()
    results, errors = _run_together(
        lambda: services.application_start(citizen=verified_citizen, service_version=permit_version, start_token=token)
    )
    assert errors == []
    assert Application.objects.count() == 1
    assert {a.pk for a in results} == {Application.objects.get().pk}


def test_concurrent_submissions_make_one_reference(verified_citizen, permit_version):
    draft = services.application_start(
        citizen=verified_citizen, service_version=permit_version, start_token=uuid.uuid4()
    )
    services.application_save_page(
        citizen=verified_citizen, application=draft, page_id="vehicle", answers={"registration": "AB1", "moved": "no"}
    )
    results, errors = _run_together(
        lambda: services.application_submit(citizen=verified_citizen, application=draft, declaration=True)
    )
    assert errors == []
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    assert {a.reference for a in results} == {draft.reference}
    assert draft.events.count() == 1


def test_references_are_unique_under_load(verified_citizen, permit_version):
    drafts = []
    for _ in range(8):
        d = services.application_start(
            citizen=verified_citizen, service_version=permit_version, start_token=uuid.uuid4()
        )
        services.application_save_page(
            citizen=verified_citizen, application=d, page_id="vehicle", answers={"registration": "AB1", "moved": "no"}
        )
        drafts.append(d)
    queue = list(drafts)
    lock = threading.Lock()

    def submit_next():
        with lock:
            draft = queue.pop()
        return services.application_submit(citizen=verified_citizen, application=draft, declaration=True)

    results, errors = _run_together(submit_next)
    assert errors == []
    references = sorted(a.reference for a in results)
    assert len(set(references)) == 8
    assert references[-1].endswith("000008")


def test_two_caseworkers_deciding_at_once_one_wins(submitted, caseworker_a, admin_a):
    seen = submitted.version
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(actor, approve):
        try:
            barrier.wait()
            if approve:
                services.case_approve(actor=actor, application=submitted, expected_version=seen)
            else:
                services.case_refuse(
                    actor=actor, application=submitted, reason="Outside the zone", expected_version=seen
                )
            outcomes.append("won")
        except services.StaleCase:
            outcomes.append("stale")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=decide, args=(caseworker_a, True)),
        threading.Thread(target=decide, args=(admin_a, False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["stale", "won"]
    submitted.refresh_from_db()
    assert submitted.status in {Status.APPROVED, Status.REFUSED}
    decided = submitted.events.filter(kind__in=["approved", "refused"]).count()
    assert decided == 1
