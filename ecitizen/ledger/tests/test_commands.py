"""The operators' commands: integrate, checkpoint, keys, the audit export, the backfill; and the demo's log."""

from __future__ import annotations

import base64
import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command

from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.ledger import auditdigest, merkle, note, services
from ecitizen.ledger.audit import audit_checkpoint_record
from ecitizen.ledger.models import Cosignature, LogEntry, LogKey, LogState, PendingEntry, SignedCheckpoint, Witness
from ecitizen.ledger.verify import load_export

pytestmark = pytest.mark.django_db


def run(name: str, *args: str) -> str:
    out = io.StringIO()
    call_command(name, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def record(n: int) -> list[bytes]:
    return [bytes(services.ledger_record(kind="test.entry", key=f"K{i}", body={"n": i}).data) for i in range(n)]


def test_integrate_says_how_many_it_added():
    record(3)

    assert run("ledger_integrate") == "Added 3 entries to the public log; it now holds 3.\n"
    assert run("ledger_integrate") == "Added 0 entries to the public log; it now holds 3.\n"


def test_checkpoint_integrates_signs_and_prints_size_and_root():
    datas = record(5)

    out = run("ledger_checkpoint")

    root = merkle.root_of([merkle.leaf_hash(d) for d in datas])
    assert out == f"Added 5 entries. Checkpoint: size 5, root {base64.b64encode(root).decode()}\n"
    assert SignedCheckpoint.objects.get().size == 5
    run("ledger_checkpoint")
    assert SignedCheckpoint.objects.count() == 1  # the same tree is not signed twice
    signed = run("ledger_checkpoint", "--note")
    key = LogKey.objects.get(is_active=True)
    text, _signatures = note.open_note(signed.split("\n", 1)[1], [note.parse_vkey(key.vkey)])
    assert note.parse_checkpoint(text).size == 5


def test_rotating_the_key_is_audited_and_keys_lists_both():
    assert "No log key yet" in run("ledger_keys")
    run("ledger_checkpoint")
    old = LogKey.objects.get(is_active=True)

    out = run("ledger_rotate_key")

    new = LogKey.objects.get(is_active=True)
    assert new.vkey in out.splitlines()
    assert "PRIVATE" not in out.upper() and new.private_key not in out
    row = AuditLog.objects.get(action=AuditAction.LEDGER_KEY_ROTATED)
    assert row.extra["vkey"] == new.vkey and row.actor_id is None
    assert PendingEntry.objects.filter(kind="log.key").exists()
    keys = run("ledger_keys").splitlines()
    assert any(line.startswith(new.vkey + "  active since") for line in keys)
    assert any(line.startswith(old.vkey + "  retired ") for line in keys)
    assert new.private_key not in "".join(keys) and old.private_key not in "".join(keys)


def _audit_rows(n: int) -> None:
    for i in range(n):
        audit_record(actor=None, action=AuditAction.AGENCY_UPDATED, extra={"n": i, "name": "Agència ø"})


def test_the_audit_export_recomputes_the_logged_digest(settings, tmp_path):
    settings.LEDGER_AUDIT_SETTLE = datetime.timedelta(0)
    _audit_rows(7)
    entry = audit_checkpoint_record()
    body = json.loads(bytes(entry.data))
    path = tmp_path / "audit.jsonl"

    call_command("export_audit_log", "--output", str(path), stderr=io.StringIO())

    rows = load_export(str(path))  # what the auditor's verifier reads
    lines = [rows[i] for i in sorted(rows) if body["from_id"] <= i <= body["to_id"]]
    assert len(lines) == body["count"] == AuditLog.objects.filter(id__lte=body["to_id"]).count()
    assert auditdigest.digest(lines) == body["digest"]
    assert path.read_bytes() == b"".join(line + b"\n" for line in lines)  # already canonical, in id order
    # Standard output gives the same bytes (up to the same row: the first export was audited).
    assert run("export_audit_log", "--to-id", str(max(rows))).encode() == path.read_bytes()
    exported = AuditLog.objects.filter(action="staff.audit_log_viewed").order_by("id").first()
    assert exported.extra == {"export": True, "from_id": 1, "to_id": max(rows), "rows": len(rows), "to": str(path)}

    # A row changed in the export (or in the database before exporting) no longer matches.
    changed = dict(rows)
    first = min(changed)
    changed[first] = auditdigest.row_line({**auditdigest.parse_line(changed[first]), "action": "agency.created"})
    assert auditdigest.digest([changed[i] for i in sorted(changed)][: body["count"]]) != body["digest"]


def test_the_audit_export_takes_a_range_and_reports_on_stderr(tmp_path):
    _audit_rows(5)
    ids = list(AuditLog.objects.order_by("id").values_list("id", flat=True))
    err = io.StringIO()

    out = io.StringIO()
    call_command("export_audit_log", "--from-id", str(ids[1]), "--to-id", str(ids[3]), stdout=out, stderr=err)

    assert [json.loads(line)["id"] for line in out.getvalue().splitlines()] == ids[1:4]
    assert f"Exported 3 audit rows, ids {ids[1]} to {ids[3]}." in err.getvalue()
    with pytest.raises(CommandError):
        call_command("export_audit_log", "--from-id", "0", stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError):  # cannot write there: no file is left behind
        call_command("export_audit_log", "--output", str(tmp_path / "missing" / "x.jsonl"), stderr=io.StringIO())


def test_the_audit_export_streams_in_chunks(monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ecitizen.ledger.audit import audit_rows

    _audit_rows(12)
    total = AuditLog.objects.count()
    monkeypatch.setattr(
        "ecitizen.ledger.management.commands.export_audit_log.audit_rows", lambda a, b: audit_rows(a, b, chunk=5)
    )

    with CaptureQueriesContext(connection) as queries:
        out = run("export_audit_log")

    assert len(out.splitlines()) == total
    reads = [q["sql"] for q in queries.captured_queries if "auditlog" in q["sql"] and "LIMIT 5" in q["sql"]]
    assert len(reads) == total // 5 + 1  # read 5 rows at a time, never all at once


# --- Backfill and the demo --------------------------------------------------------------------


@pytest.fixture
def earlier_document(citizen, agency_a):
    """A document issued, and its case decided, before the log existed."""
    from ecitizen.cases.models import Application, Status
    from ecitizen.catalogue.models import Category, Service, ServiceVersion
    from ecitizen.documents.services import document_issue
    from ecitizen.documents.tests.conftest import SNAPSHOT

    agency = agency_a
    category = Category.objects.create(slug="trading", name={"en": "Trading"})
    service = Service.objects.create(
        agency=agency, slug="trading", category=category, title=SNAPSHOT["title"], issues="permit", status="published"
    )
    version = ServiceVersion.objects.create(service=service, number=1, snapshot=SNAPSHOT)
    application = Application.objects.create(
        reference="CC-2026-000123",
        citizen=citizen,
        agency=agency,
        service_version=version,
        status=Status.APPROVED,
        decided_at=datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC),
    )
    document = document_issue(actor=None, application=application)
    PendingEntry.objects.all().delete()
    return document


def test_backfill_command_records_once(earlier_document):
    out = run("ledger_backfill")

    assert "document.issued: 1 entries queued" in out
    assert "document.revoked: 0 entries queued" in out
    assert "case.decided: 1 entries queued" in out
    assert sorted(PendingEntry.objects.values_list("kind", "key")) == [
        ("case.decided", "CC-2026-000123"),
        ("document.issued", earlier_document.number),
    ]
    assert "case.decided: 0 entries queued" in run("ledger_backfill")
    assert PendingEntry.objects.count() == 2


def test_the_demo_log_has_entries_a_checkpoint_and_a_cosignature_and_loads_twice(earlier_document):
    from ecitizen.demo.ledger import demo_ledger_load

    lines = demo_ledger_load()

    checkpoint = SignedCheckpoint.objects.get()
    assert checkpoint.size == LogState.objects.get().size == LogEntry.objects.count() == 2
    (cosignature,) = Cosignature.objects.all()
    witness = Witness.objects.get()
    witness.full_clean()
    _text, (signature,) = note.split_note(checkpoint.text + "\n" + cosignature.line + "\n")
    assert note.verify_cosignature(checkpoint.text, signature, witness.verifier())
    assert any("cosigned" in line for line in lines)

    demo_ledger_load()

    assert (SignedCheckpoint.objects.count(), Witness.objects.count(), Cosignature.objects.count()) == (1, 1, 1)
    assert LogEntry.objects.count() == 2
