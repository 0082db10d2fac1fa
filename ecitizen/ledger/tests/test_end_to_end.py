"""The witness and the verifier against the platform's own log views (not the fake log).

They run as they would from the command line; only the network is replaced by Django's test
client. A rewritten or forked log, a changed entry and a key the auditor does not know must each be
refused and named.
"""

from __future__ import annotations

import io
import json
import time

import pytest
from django.core.management import call_command

from ecitizen.ledger import client as log_client
from ecitizen.ledger import services, verify, witness
from ecitizen.ledger.models import LogEntry, LogKey, LogState, LogTile, SignedCheckpoint, Witness
from ecitizen.ledger.selectors import ledger_origin

pytestmark = pytest.mark.django_db

LOG = "http://testserver/log"


def grow(n: int, prefix: str = "D") -> None:
    start = LogEntry.objects.count()
    for i in range(start, start + n):
        services.ledger_record(kind="document.issued", key=f"{prefix}-{i:04d}", body={"n": i})
    services.ledger_integrate()
    services.ledger_checkpoint()


def run(program, argv, fetch):
    out = io.StringIO()
    code = program.main(argv, fetch=fetch, out=out)
    return code, out.getvalue()


@pytest.fixture
def setup(client, tmp_path):
    fetch = log_client.django_client_fetch(client)
    grow(5)
    db = str(tmp_path / "witness.sqlite3")
    assert witness.main(["init", "--db", db, "--name", "witness.example"], out=io.StringIO()) == 0
    vkey = witness.WitnessDB(db).vkey()
    Witness.objects.create(name="witness.example", vkey=vkey).full_clean()
    log_vkey = services.ledger_key_current().vkey
    return fetch, db, vkey, log_vkey, str(tmp_path / "state")


def test_witness_cosigns_and_the_verifier_checks_a_growing_log(setup):
    fetch, db, wkey, log_vkey, state = setup
    code, out = run(witness, ["run", "--db", db, "--log", LOG, "--log-key", log_vkey, "--once"], fetch)
    assert code == 0, out
    args = ["--log", LOG, "--key", log_vkey, "--witness-key", wkey, "--min-witnesses", "1", "--state", state]
    code, out = run(verify, [*args, "--document", "D-0003", "--entry", "4"], fetch)
    assert code == 0, out
    assert "FAULT" not in out

    grow(300)  # past a full tile
    code, out = run(witness, ["run", "--db", db, "--log", LOG, "--log-key", log_vkey, "--once"], fetch)
    assert code == 0, out
    assert SignedCheckpoint.objects.get(size=305).cosignatures.count() == 1
    code, out = run(verify, [*args, "--document", "D-0290"], fetch)
    assert code == 0, out


def test_a_changed_entry_is_named(setup):
    fetch, _db, _wkey, log_vkey, _state = setup
    LogEntry.objects.filter(index=3).update(data=b'{"key":"D-0003","kind":"document.issued","n":99}')
    code, out = run(verify, ["--log", LOG, "--key", log_vkey, "--entry", "3"], fetch)
    assert code == 1
    assert "FAULT: changed entry" in out


def _rewrite_history(n: int) -> None:
    """The operator throws the log away and builds another under the same key."""
    SignedCheckpoint.objects.all().delete()
    LogEntry.objects.all().delete()
    LogTile.objects.all().delete()
    LogState.objects.all().delete()
    grow(n, prefix="X")


def test_a_rewritten_log_is_refused_by_the_witness_and_named_by_the_verifier(setup):
    fetch, db, _wkey, log_vkey, state = setup
    assert run(witness, ["run", "--db", db, "--log", LOG, "--log-key", log_vkey, "--once"], fetch)[0] == 0
    assert run(verify, ["--log", LOG, "--key", log_vkey, "--state", state], fetch)[0] == 0

    _rewrite_history(8)  # larger, but not an extension of what was seen
    code, out = run(witness, ["run", "--db", db, "--log", LOG, "--log-key", log_vkey, "--once"], fetch)
    assert code == 2, out
    assert not SignedCheckpoint.objects.get(size=8).cosignatures.exists()
    code, out = run(verify, ["--log", LOG, "--key", log_vkey, "--state", state], fetch)
    assert code == 1
    assert "FAULT: forked or rewritten log" in out


def test_a_fork_at_the_same_size_and_a_shrunk_log_are_refused(setup):
    fetch, db, _wkey, log_vkey, _state = setup
    assert run(witness, ["run", "--db", db, "--log", LOG, "--log-key", log_vkey, "--once"], fetch)[0] == 0
    _rewrite_history(5)  # same size, other entries
    assert run(witness, ["run", "--db", db, "--log", LOG, "--log-key", log_vkey, "--once"], fetch)[0] == 2
    _rewrite_history(2)  # entries dropped
    assert run(witness, ["run", "--db", db, "--log", LOG, "--log-key", log_vkey, "--once"], fetch)[0] == 2


@pytest.mark.parametrize("suffix", ["2", " "])
def test_a_history_rewritten_under_another_origin_with_the_same_key_is_refused(setup, settings, suffix):
    fetch, db, _wkey, log_vkey, state = setup
    witness_args = ["run", "--db", db, "--log", LOG, "--log-key", log_vkey, "--once"]
    assert run(witness, witness_args, fetch)[0] == 0
    assert run(verify, ["--log", LOG, "--key", log_vkey, "--state", state], fetch)[0] == 0

    # the operator renames the log and builds another history, signed by the same key
    settings.LEDGER_ORIGIN = ledger_origin() + suffix
    _rewrite_history(8)
    assert SignedCheckpoint.objects.get(size=8).text.startswith(settings.LEDGER_ORIGIN + "\n")
    code, out = run(witness, witness_args, fetch)
    assert code == 2, out
    assert "bad signature" in out and "trusting it on first use" not in out
    assert not SignedCheckpoint.objects.get(size=8).cosignatures.exists()
    for argv in (["--state", state], []):  # an auditor who ran before, and one who never did
        code, out = run(verify, ["--log", LOG, "--key", log_vkey, *argv], fetch)
        assert code == 1, out
        assert "FAULT: bad signature" in out and "signs only the checkpoints of the log it is named after" in out


def test_a_checkpoint_signed_by_another_key_is_a_bad_signature(setup):
    fetch, _db, _wkey, log_vkey, _state = setup
    LogKey.objects.all().delete()  # a key the auditor never pinned signs from now on
    grow(1)
    code, out = run(verify, ["--log", LOG, "--key", log_vkey], fetch)
    assert code == 1
    assert "FAULT: bad signature" in out


@pytest.fixture
def audit_export(tmp_path, settings):
    """Three audit rows, checkpointed in the log (integrated and signed), and their export."""
    from ecitizen.core.audit import audit_record
    from ecitizen.core.models import AuditAction
    from ecitizen.ledger.audit import audit_checkpoint_record

    settings.LEDGER_AUDIT_SETTLE = __import__("datetime").timedelta(0)
    for _ in range(3):
        audit_record(actor=None, action=AuditAction.LANGUAGE_CHANGED, extra={"to": "fr"})
    assert audit_checkpoint_record() is not None
    services.ledger_integrate()
    services.ledger_checkpoint()
    export = tmp_path / "audit.jsonl"
    call_command("export_audit_log", "--output", str(export))
    return export


def test_an_audit_export_checks_against_the_audit_checkpoints(setup, audit_export):
    from ecitizen.core.models import AuditLog

    fetch, _db, _wkey, log_vkey, _state = setup
    export = audit_export
    code, out = run(verify, ["--log", LOG, "--key", log_vkey, "--audit-export", str(export)], fetch)
    assert code == 0, out

    lines = export.read_text().splitlines()
    export.write_text("\n".join(lines[:-1]) + "\n")  # the last row removed from the export
    code, out = run(verify, ["--log", LOG, "--key", log_vkey, "--audit-export", str(export)], fetch)
    assert code == 1 and "FAULT: dropped entry" in out
    assert AuditLog.objects.count() == len(lines) + 1  # the export itself is audited


def test_an_audit_checkpoint_hidden_from_the_lookup_is_found_after_the_grace_period(setup, audit_export):
    fetch, _db, _wkey, log_vkey, _state = setup
    export = audit_export

    def hiding(method, path, body):
        status, data = fetch(method, path, body)
        if path.startswith("/api/lookup"):
            value = json.loads(data)
            value["entries"] = [e for e in value["entries"] if e["kind"] != "audit.checkpoint"]
            data = json.dumps(value).encode()
        return status, data

    argv = ["--log", LOG, "--key", log_vkey, "--audit-export", str(export)]
    out = io.StringIO()
    assert verify.main(argv, fetch=hiding, out=out) == 0, out.getvalue()
    assert "are not yet covered by an audit checkpoint (younger than 30 minutes)" in out.getvalue()
    out = io.StringIO()
    code = verify.main(argv, fetch=hiding, out=out, now=lambda: time.time() + 31 * 60)
    assert code == 1, out.getvalue()
    assert "FAULT: dropped entry: no audit checkpoint covers rows" in out.getvalue()
    assert "older than 30 minutes" in out.getvalue()
