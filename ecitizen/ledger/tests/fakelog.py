"""A log in memory that speaks the log's HTTP interface, for testing the witness and the verifier.

``FakeLog.fetch`` is a transport for :class:`ecitizen.ledger.client.LogClient`. The fake holds two
lists: the entries it serves and the leaf hashes its tree is built from, so a test can make it
misbehave as a dishonest log would (serve changed bytes, rewrite history, fork, roll back, sign with
a key nobody knows, hide an entry from the lookup).
"""

from __future__ import annotations

import base64
import json
import urllib.parse
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ecitizen.ledger import merkle, note

ORIGIN = "gov.example/log"
TIME = "2026-12-06T22:30:00Z"


def entry_json(kind: str, key: str, **body: object) -> bytes:
    obj = {"kind": kind, "key": key, "time": TIME, **body}
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass
class Published:
    text: str
    signatures: list[note.Signature]
    cosignatures: dict[str, note.Signature] = field(default_factory=dict)

    def note(self) -> str:
        return note.format_note(self.text, self.signatures) + "".join(s.line() for s in self.cosignatures.values())


class FakeLog:
    def __init__(self, origin: str = ORIGIN):
        self.origin = origin
        self.key = Ed25519PrivateKey.generate()
        self.key_name = origin
        self.entries: list[bytes] = []  # as served
        self.leaves: list[bytes] = []  # the tree's leaf hashes
        self.published: dict[int, Published] = {}
        self.latest: int | None = None
        self.witnesses: dict[str, note.Verifier] = {}
        self.hidden: set[int] = set()  # entries the lookup does not show
        self.served_note: str | None = None  # overrides /checkpoint when set
        self.requests: list[tuple[str, str]] = []

    # --- The honest log ---------------------------------------------------------------------

    @property
    def vkey(self) -> str:
        return note.vkey(self.key_name, note.public_bytes(self.key))

    def add(self, kind: str, key: str, **body: object) -> int:
        return self.add_raw(entry_json(kind, key, **body))

    def add_raw(self, data: bytes) -> int:
        self.entries.append(data)
        self.leaves.append(merkle.leaf_hash(data))
        return len(self.entries) - 1

    def root(self, size: int | None = None) -> bytes:
        return merkle.root_of(self.leaves[: len(self.leaves) if size is None else size])

    def publish(self, *, signer: Ed25519PrivateKey | None = None, name: str | None = None) -> Published:
        """Sign a checkpoint of the tree as it is now, and serve it."""
        size = len(self.leaves)
        text = note.Checkpoint(self.origin, size, self.root()).text()
        signature = note.sign(text, name or self.key_name, signer or self.key)
        self.published[size] = Published(text, [signature])
        self.latest = size
        self.served_note = None
        return self.published[size]

    def register_witness(self, vkey: str) -> None:
        verifier = note.parse_vkey(vkey)
        self.witnesses[verifier.name] = verifier

    def read(self, nodes: list[merkle.Node]) -> dict[merkle.Node, bytes]:
        """A HashReader over the current leaves (complete subtrees only)."""
        out = {}
        for level, index in nodes:
            lo, hi = index << level, (index + 1) << level
            if hi > len(self.leaves):
                raise merkle.ProofError(f"node {(level, index)} is not complete")
            out[(level, index)] = merkle.root_of(self.leaves[lo:hi])
        return out

    # --- Misbehaving ------------------------------------------------------------------------

    def serve_changed(self, index: int, data: bytes) -> None:
        """Serve other bytes for an entry while the tree keeps its old leaf hash."""
        self.entries[index] = data

    def rewrite(self, index: int, data: bytes) -> None:
        """Change an entry and rebuild the tree over it (history rewritten)."""
        self.entries[index] = data
        self.leaves[index] = merkle.leaf_hash(data)

    def truncate(self, size: int) -> None:
        del self.entries[size:]
        del self.leaves[size:]

    def serve(self, text: str) -> None:
        self.served_note = text

    # --- HTTP ---------------------------------------------------------------------------------

    def fetch(self, method: str, path: str, body: bytes | None) -> tuple[int, bytes]:
        self.requests.append((method, path))
        url = urllib.parse.urlsplit(path)
        query = dict(urllib.parse.parse_qsl(url.query))
        route = url.path
        if method == "POST":
            return self._cosign(body or b"") if route == "/api/cosign" else (405, b"")
        if route == "/checkpoint":
            if self.served_note is not None:
                return 200, self.served_note.encode()
            if self.latest is None:
                return 404, b"The log has no checkpoint yet."
            return 200, self.published[self.latest].note().encode()
        if route.startswith("/tile/"):
            return self._tile(route[len("/tile/") :])
        if route.startswith("/api/entries/"):
            return self._entry(int(route.rsplit("/", 1)[1]), query)
        if route == "/api/consistency":
            old, new = int(query["old"]), int(query["new"])
            if old > new:
                return _json({"detail": "old must not be larger than new."}, 400)
            try:
                proof = merkle.consistency_proof(old, new, self.read)
            except merkle.ProofError:
                return _json({"detail": "no such tree"}, 404)
            return _json({"old": old, "new": new, "proof": [_b64(h) for h in proof]})
        if route == "/api/lookup":
            return self._lookup(query)
        if route == "/api/keys":
            return _json(
                {
                    "origin": self.origin,
                    "log_keys": [{"vkey": self.vkey, "active": True, "created_at": TIME, "retired_at": None}],
                    "witnesses": [{"name": w.name, "vkey": w.vkey, "url": ""} for w in self.witnesses.values()],
                }
            )
        return 404, b""

    def _tile(self, rest: str) -> tuple[int, bytes]:
        parts = rest.split("/")
        width = merkle.TILE_WIDTH
        if len(parts) >= 3 and parts[-2].endswith(".p"):
            width = int(parts[-1])
            parts = parts[:-2] + [parts[-2][:-2]]
        try:
            index = merkle.parse_tile_index(parts[1:])
        except ValueError:
            return 404, b""
        if parts[0] == "entries":
            if merkle.tile_width(0, index, len(self.entries)) < width:
                return 404, b""
            start = index * merkle.TILE_WIDTH
            return 200, merkle.entry_bundle(self.entries[start : start + width])
        level = int(parts[0])
        if merkle.tile_width(level, index, len(self.leaves)) < width:
            return 404, b""
        bottom = merkle.TILE_HEIGHT * level
        nodes = [(bottom, index * merkle.TILE_WIDTH + i) for i in range(width)]
        hashes = self.read(nodes)
        return 200, b"".join(hashes[n] for n in nodes)

    def _entry(self, index: int, query: dict[str, str]) -> tuple[int, bytes]:
        size = int(query.get("size", self.latest or 0))
        if not 0 <= index < size or size > len(self.leaves):
            return _json({"detail": "no such entry"}, 404)
        proof = merkle.inclusion_proof(index, size, self.read)
        return _json(
            {
                "index": index,
                "size": size,
                "data": self.entries[index].decode(),
                "leaf_hash": _b64(self.leaves[index]),
                "proof": [_b64(h) for h in proof],
            }
        )

    def _lookup(self, query: dict[str, str]) -> tuple[int, bytes]:
        key, kind = query.get("key"), query.get("kind")
        after = int(query.get("after", -1))
        found = []
        for index, data in enumerate(self.entries):
            if index in self.hidden or index <= after:
                continue
            obj = json.loads(data)
            if (key is None or obj.get("key") == key) and (kind is None or obj.get("kind") == kind):
                found.append({"index": index, "kind": obj["kind"], "key": obj["key"], "data": data.decode()})
            if len(found) == 100:
                break
        return _json({"entries": found})

    def _cosign(self, body: bytes) -> tuple[int, bytes]:
        value = json.loads(body)
        published = self.published.get(value["size"])
        if published is None:
            return _json({"detail": "no checkpoint of that size"}, 404)
        try:
            _, (signature,) = note.split_note("x\n\n" + value["signature"] + "\n")
        except (note.NoteError, ValueError):
            return _json({"detail": "not a signature line"}, 400)
        witness = self.witnesses.get(signature.name)
        if witness is None or note.verify_cosignature(published.text, signature, witness) is None:
            return _json({"detail": "unknown witness or bad signature"}, 400)
        published.cosignatures[witness.name] = signature
        return _json({"ok": True})


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _json(value: object, status: int = 200) -> tuple[int, bytes]:
    return status, json.dumps(value).encode()
