"""What goes into the public log: the services that issue, revoke and decide record their acts,
once, in their own transaction, with no personal data; the backfill records earlier acts once."""

from __future__ import annotations

import datetime
import hashlib
import json

import pytest
import time_machine
from django.db import transaction

from ecitizen.cases import services as cases
from ecitizen.cases.models import Application, Status
from ecitizen.cases.tests.conftest import make_version, submit_permit_application
from ecitizen.documents.models import IssuedDocument
from ecitizen.documents.services import document_issue, document_revoke, documents_backfill_ledger
from ecitizen.ledger import backfill, services
from ecitizen.ledger.models import LogEntry, PendingEntry

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2027, 3, 1, 12, 0, 5, tzinfo=datetime.UTC)
# What the citizen is and typed: none of it may reach the public log.
PERSONAL = [b"Amina", b"Haddad", b"amina@example.org", b"AB12 CDE", b"AH-120488-K"]
SECRET_REASON = "Fraudulent proof of address from Mr Smith"


def entries(kind: str | None = None) -> list[dict]:
    """Every entry recorded so far (waiting or in the log), decoded, oldest first."""
    rows = [bytes(e.data) for e in LogEntry.objects.order_by("index")]
    rows += [bytes(p.data) for p in PendingEntry.objects.order_by("id")]
    decoded = [json.loads(r) for r in rows]
    return [e for e in decoded if kind is None or e["kind"] == kind]


def assert_no_personal_data(*extra: bytes) -> None:
    blob = b"\n".join(
        [bytes(e.data) for e in LogEntry.objects.all()] + [bytes(p.data) for p in PendingEntry.objects.all()]
    )
    for word in [*PERSONAL, *extra]:
        assert word not in blob, f"{word!r} is in the public log"


@pytest.fixture
def submitted(citizen, verify_identity, agency_a):
    return submit_permit_application(verify_identity(citizen), make_version(agency_a))


@pytest.fixture
def approved(submitted, caseworker_a):
    with time_machine.travel(NOON, tick=False):
        return cases.case_approve(actor=caseworker_a, application=submitted, expected_version=submitted.version)


def test_approving_records_the_decision_and_the_document_once_without_personal_data(approved):
    document = IssuedDocument.objects.get(application=approved)

    decided = entries("case.decided")
    issued = entries("document.issued")
    assert decided == [
        {
            "kind": "case.decided",
            "key": approved.reference,
            "time": "2027-03-01T12:00:05Z",
            "outcome": "approved",
            "agency": "city-council",
        }
    ]
    assert issued == [
        {
            "kind": "document.issued",
            "key": document.number,
            "time": "2027-03-01T12:00:05Z",
            "document_kind": "permit",
            "agency": "city-council",
            "valid_from": "2027-03-01",
            "valid_until": "2028-02-28",
            "token_sha256": hashlib.sha256(document.token.encode()).hexdigest(),
            "kid": document.kid,
        }
    ]
    assert len(entries()) == 2
    assert_no_personal_data(document.holder_name.encode(), document.token.encode())


def test_issuing_again_records_nothing(approved, caseworker_a):
    before = len(entries())

    document_issue(actor=caseworker_a, application=approved)

    assert len(entries()) == before


def test_refusing_records_the_outcome_but_not_the_reason(submitted, caseworker_a):
    cases.case_refuse(
        actor=caseworker_a, application=submitted, reason=SECRET_REASON, expected_version=submitted.version
    )

    (decided,) = entries()
    assert decided["kind"] == "case.decided"
    assert decided["key"] == submitted.reference
    assert decided["outcome"] == "refused"
    assert set(decided) == {"kind", "key", "time", "outcome", "agency"}  # not the service: see _decided_entry
    assert_no_personal_data(SECRET_REASON.encode(), b"Smith")


def test_revoking_records_the_day_once_and_never_the_reason(approved, caseworker_a):
    document = IssuedDocument.objects.get(application=approved)
    # 00:30 on 5 June in London is still 4 June in UTC: the day is the deployment's
    with time_machine.travel(datetime.datetime(2027, 6, 4, 23, 30, tzinfo=datetime.UTC), tick=False):
        document_revoke(actor=caseworker_a, document=document, reason=SECRET_REASON)
        document_revoke(actor=caseworker_a, document=document, reason="again")

    revoked = entries("document.revoked")
    assert revoked == [
        {"kind": "document.revoked", "key": document.number, "time": "2027-06-04T23:30:00Z", "revoked_on": "2027-06-05"}
    ]
    assert_no_personal_data(SECRET_REASON.encode(), b"Smith", b"again")


def test_an_approval_that_rolls_back_leaves_no_entry(submitted, caseworker_a):
    with pytest.raises(RuntimeError), transaction.atomic():
        cases.case_approve(actor=caseworker_a, application=submitted, expected_version=submitted.version)
        assert len(entries()) == 2  # recorded in the approval's transaction...
        raise RuntimeError("the caller's transaction fails after the approval")

    assert entries() == []  # ...and gone with it
    assert not IssuedDocument.objects.exists()


def test_entries_join_the_log_after_the_commit(submitted, caseworker_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        cases.case_approve(actor=caseworker_a, application=submitted, expected_version=submitted.version)

    assert not PendingEntry.objects.exists()
    assert list(LogEntry.objects.values_list("kind", flat=True)) == ["case.decided", "document.issued"]


# --- Backfill ------------------------------------------------------------------------------------


def _forget_the_log():
    """As if the acts so far happened before the log existed."""
    PendingEntry.objects.all().delete()
    LogEntry.objects.all().delete()


def test_backfill_records_earlier_acts_once_as_the_services_would(approved, caseworker_a, submitted):
    live = {e["kind"]: e for e in entries()}
    document = IssuedDocument.objects.get(application=approved)
    with time_machine.travel(NOON + datetime.timedelta(days=1), tick=False):
        document_revoke(actor=caseworker_a, document=document, reason=SECRET_REASON)
    live["document.revoked"] = entries("document.revoked")[0]
    _forget_the_log()

    assert documents_backfill_ledger() == {"document.issued": 1, "document.revoked": 1}
    assert cases.cases_backfill_ledger() == 1

    recorded = {e["kind"]: e for e in entries()}
    assert len(entries()) == 3
    for kind, entry in live.items():
        assert recorded[kind] == {**entry, "backfill": True}, kind
    assert_no_personal_data(SECRET_REASON.encode())
    # Again: nothing new, whether the entries wait or are in the log.
    assert documents_backfill_ledger() == {"document.issued": 0, "document.revoked": 0}
    services.ledger_integrate()
    assert documents_backfill_ledger() == {"document.issued": 0, "document.revoked": 0}
    assert cases.cases_backfill_ledger() == 0
    assert len(entries()) == 3


def test_backfill_skips_what_the_log_has_and_works_in_batches(
    citizen, agency_a, caseworker_a, monkeypatch, django_capture_on_commit_callbacks
):
    from ecitizen.catalogue.models import Category, Service, ServiceVersion
    from ecitizen.documents.tests.conftest import SNAPSHOT

    category = Category.objects.create(slug="trading", name={"en": "Trading"})
    service = Service.objects.create(
        agency=agency_a, slug="trading", category=category, title=SNAPSHOT["title"], issues="permit", status="published"
    )
    version = ServiceVersion.objects.create(service=service, number=1, snapshot=SNAPSHOT)  # no "slug" in it
    numbers = []
    for i in range(7):
        application = Application.objects.create(
            reference=f"CC-2026-{i:06d}",
            citizen=citizen,
            agency=agency_a,
            service_version=version,
            status=Status.APPROVED,
            decided_at=NOON,
        )
        numbers.append(document_issue(actor=caseworker_a, application=application).number)
    _forget_the_log()
    services.ledger_record(kind="document.issued", key=numbers[2], body={})  # in the log
    services.ledger_record(kind="document.issued", key=numbers[5], body={})
    services.ledger_integrate()
    services.ledger_record(kind="document.issued", key=numbers[6], body={})  # waiting
    monkeypatch.setattr(backfill, "BATCH", 3)

    # The test's transaction never commits, so the integration queued by the records above is still
    # waiting; a new marker stands for the integrations the backfill queues after each commit.
    def integrate_soon():
        pass

    monkeypatch.setattr(services, "_integrate_soon", integrate_soon)
    with django_capture_on_commit_callbacks() as callbacks:
        added = documents_backfill_ledger()

    assert added == {"document.issued": 4, "document.revoked": 0}
    assert sorted(e["key"] for e in entries("document.issued")) == sorted(numbers)
    # batches [0 1 2] [3 4 5] [6]: two with new entries. Each queues one integration when it commits;
    # here nothing commits, so the second finds the first's still queued and adds none: one in all,
    # not one per entry.
    assert callbacks == [integrate_soon]
    assert cases.cases_backfill_ledger() == 7
    assert {e["agency"] for e in entries("case.decided")} == {agency_a.slug}
