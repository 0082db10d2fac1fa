"""The demo's public log: every demo document and decision in it, a signed checkpoint, one witness.

After the rest of the demo is loaded (documents issued, cases decided), this records what is not
in the log yet (``ledger_backfill``, for rows the demo made without the services), adds the
waiting entries, signs a checkpoint and sets up a demo witness: its key lives in its own SQLite
file (``<DEMO_WITNESS_DIR>/demo-witness.sqlite3``, made as ``python -m ecitizen.ledger.witness init``
would), it is registered with the log, and it cosigns this first checkpoint. ``make run`` then
runs it as a separate process (``scripts/run-dev.py``) that checks and cosigns every new
checkpoint, reading the log's key from ``demo-witness.log-key`` beside it.

The demo witness is not independent (the same person runs it and the log); a real deployment
registers witnesses run by others (see the README). Idempotent.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings

from ecitizen.cases.services import cases_backfill_ledger
from ecitizen.documents.services import documents_backfill_ledger
from ecitizen.ledger import note
from ecitizen.ledger.models import Witness
from ecitizen.ledger.services import ledger_checkpoint, ledger_cosign, ledger_integrate, ledger_key_current
from ecitizen.ledger.witness import WitnessDB

WITNESS_NAME = "demo-witness.example"


def witness_files() -> tuple[Path, Path]:
    """The demo witness's own database, and the file holding the log key it pins."""
    directory = Path(getattr(settings, "DEMO_WITNESS_DIR", "") or Path(settings.BASE_DIR) / "var")
    return directory / "demo-witness.sqlite3", directory / "demo-witness.log-key"


def _witness_db() -> WitnessDB:
    path, log_key = witness_files()
    path.parent.mkdir(parents=True, exist_ok=True)
    pinned = log_key.read_text().strip() if log_key.exists() else ""
    if pinned and pinned != ledger_key_current().vkey:
        # The demo's database was made afresh: a new log, which the old witness would rightly refuse
        # as a fork. The demo starts a new witness with it.
        path.unlink(missing_ok=True)
    if path.exists() and path.stat().st_size > 0:
        return WitnessDB(str(path))
    return WitnessDB.create(str(path), WITNESS_NAME, now=time.time())


def _demo_witness(vkey: str) -> Witness:
    witness = Witness.objects.filter(name=WITNESS_NAME).first()
    if witness is None:
        witness = Witness(
            name=WITNESS_NAME,
            vkey=vkey,
            description="The demo's own witness, run by make run beside the log: not independent.",
        )
        witness.full_clean()
        witness.save()
    elif witness.vkey != vkey or not witness.is_active:  # its file was deleted and made again
        witness.vkey, witness.is_active = vkey, True
        witness.full_clean()
        witness.save(update_fields=["vkey", "is_active"])
    return witness


def demo_ledger_load() -> list[str]:
    """Fill the demo's public log and cosign its checkpoint; returns a line per step."""
    documents = documents_backfill_ledger()
    decided = cases_backfill_ledger()
    added = ledger_integrate()
    checkpoint = ledger_checkpoint()
    db = _witness_db()
    try:
        name, private = db.key()
        witness = _demo_witness(db.vkey())
    finally:
        db.close()
    line = note.cosign(checkpoint.text, name, private, int(time.time())).line().strip()
    ledger_cosign(size=checkpoint.size, line=line)
    _path, log_key = witness_files()
    log_key.write_text(ledger_key_current().vkey + "\n")
    backfilled = sum(documents.values()) + decided
    return [
        f"{backfilled} earlier acts recorded",
        f"{added} entries added",
        f"checkpoint of size {checkpoint.size} signed and cosigned by {witness.name}",
    ]
