"""A small client for the public log's HTTP interface, and the checks an outsider can make with it.

Pure Python, no Django (urllib only), for the witness and ``python -m ecitizen.ledger.verify``.

The transport is a callable ``fetch(method, path, body) -> (status, bytes)``. *path* starts with
"/" and is relative to the log's address (the one ending in ``/log``): ``/checkpoint``,
``/tile/0/000``, ``/api/lookup?key=...``. :func:`urllib_fetch` makes one for a real URL; tests
plug in a fake log, or Django's test client (``lambda m, p, b: ... client.get("/log" + p)``).

The checks trust nothing the log says that they can recompute: an entry's leaf hash is computed
from the entry bundle's bytes, proofs are built from hash tiles and must lead to the root of a
checkpoint whose signature verified.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from base64 import b64decode
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ecitizen.ledger import merkle, note

Fetch = Callable[[str, str, bytes | None], tuple[int, bytes]]

MAX_RESPONSE = 20 << 20  # what the urllib transport reads at most
MAX_JSON = 16 << 20  # a lookup page: 100 entries of up to 64 KiB each, escaped
MAX_BUNDLE = merkle.TILE_WIDTH * (2 + 0xFFFF)
DEFAULT_TIMEOUT = 15.0
USER_AGENT = "ecitizen-ledger-client/1"


class LogError(Exception):
    """The log could not be asked, or answered something that is not what the interface says."""


class LogUnavailable(LogError):
    """A network failure, a timeout, or an unexpected HTTP status."""


class LogNotFound(LogError):
    """The log answered 404: it does not serve what was asked for."""


class LogRejected(LogError):
    """The log answered 400 (for a cosignature: the witness is unknown or the signature is bad)."""


class LogResponseError(LogError):
    """The answer is too large, or not in the documented format."""


# --- Transport ---------------------------------------------------------------------------------


def urllib_fetch(base_url: str, *, timeout: float = DEFAULT_TIMEOUT, max_bytes: int = MAX_RESPONSE) -> Fetch:
    """A transport for the log at *base_url* (``https://example.gov/log``) over HTTP(S)."""
    parsed = urllib.parse.urlsplit(base_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(f"the log's address must be an http(s) URL, not {base_url!r}")
    base = base_url.rstrip("/")

    def fetch(method: str, path: str, body: bytes | None) -> tuple[int, bytes]:
        headers = {"User-Agent": USER_AGENT}
        if body is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(base + path, data=body, method=method, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked)
                return response.status, _read_limited(response, max_bytes)
        except urllib.error.HTTPError as exc:
            try:
                data = _read_limited(exc, 1 << 16)
            except (LogResponseError, OSError):
                data = b""
            return exc.code, data
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise LogUnavailable(f"could not reach {base + path}: {reason}") from exc

    return fetch


def django_client_fetch(test_client: Any, prefix: str = "/log") -> Fetch:
    """A transport over a Django test client (anything with ``get(path)`` and ``post(path, data,
    content_type=...)`` returning responses with ``status_code`` and ``content``), for tests that
    run the witness or the verifier against the real views. *prefix* is where the log is mounted."""

    def fetch(method: str, path: str, body: bytes | None) -> tuple[int, bytes]:
        if method == "POST":
            response = test_client.post(prefix + path, data=body or b"", content_type="application/json")
        else:
            response = test_client.get(prefix + path)
        if getattr(response, "streaming", False):
            return response.status_code, b"".join(response.streaming_content)
        return response.status_code, response.content

    return fetch


def _read_limited(response: Any, max_bytes: int) -> bytes:
    length = response.headers.get("Content-Length") if response.headers else None
    if length and length.isdigit() and int(length) > max_bytes:
        raise LogResponseError(f"the answer is too large ({length} bytes)")
    data = response.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise LogResponseError(f"the answer is larger than {max_bytes} bytes")
    return data


# --- The client ----------------------------------------------------------------------------------


def _b64_list(value: Any, what: str) -> list[bytes]:
    if not isinstance(value, list):
        raise LogResponseError(f"{what} is not a list")
    out = []
    for item in value:
        try:
            raw = b64decode(item, validate=True) if isinstance(item, str) else b""
        except ValueError:
            raw = b""
        if len(raw) != merkle.HASH_SIZE:
            raise LogResponseError(f"{what} holds something that is not a base64 hash")
        out.append(raw)
    return out


@dataclass(frozen=True)
class LookupEntry:
    index: int
    kind: str
    key: str
    data: str


class LogClient:
    """The log's HTTP interface, answer by answer, with sizes and formats checked."""

    def __init__(self, fetch: Fetch | str, *, timeout: float = DEFAULT_TIMEOUT):
        self.fetch = urllib_fetch(fetch, timeout=timeout) if isinstance(fetch, str) else fetch

    def _get(self, path: str, *, max_bytes: int, method: str = "GET", body: bytes | None = None) -> bytes:
        status, data = self.fetch(method, path, body)
        if status == 404:
            raise LogNotFound(f"the log has no {path}")
        if status == 400:
            raise LogRejected(f"the log refused {path}: {_detail(data)}")
        if status != 200:
            raise LogUnavailable(f"the log answered {path} with HTTP {status}")
        if len(data) > max_bytes:
            raise LogResponseError(f"the answer to {path} is larger than {max_bytes} bytes")
        return data

    def _json(self, path: str, *, method: str = "GET", body: bytes | None = None) -> dict[str, Any]:
        data = self._get(path, max_bytes=MAX_JSON, method=method, body=body)
        try:
            value = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise LogResponseError(f"the answer to {path} is not JSON") from exc
        if not isinstance(value, dict):
            raise LogResponseError(f"the answer to {path} is not a JSON object")
        return value

    def checkpoint_note(self) -> bytes:
        """The latest signed checkpoint note, as served (not verified)."""
        return self._get("/checkpoint", max_bytes=note.MAX_NOTE)

    def tile(self, level: int, index: int, width: int) -> bytes:
        """The hash tile's bytes: *width* hashes of level 8 * *level*."""
        path = "/" + merkle.tile_path(level, index, width)
        data = self._get(path, max_bytes=merkle.TILE_WIDTH * merkle.HASH_SIZE)
        if len(data) != width * merkle.HASH_SIZE:
            raise LogResponseError(f"{path} holds {len(data)} bytes, not {width} hashes")
        return data

    def entry_bundle(self, index: int, width: int) -> list[bytes]:
        """The entries of the bundle *index* (entries ``index * 256 ..``), *width* of them."""
        path = "/" + merkle.tile_path("entries", index, width)
        data = self._get(path, max_bytes=MAX_BUNDLE)
        try:
            entries = merkle.parse_entry_bundle(data)
        except ValueError as exc:
            raise LogResponseError(f"{path} is not an entry bundle") from exc
        if len(entries) != width:
            raise LogResponseError(f"{path} holds {len(entries)} entries, not {width}")
        return entries

    def entry(self, index: int, size: int | None = None) -> dict[str, Any]:
        """``/api/entries/<index>``: data, leaf_hash and proof (as bytes), as the log states them."""
        query = f"?size={size}" if size is not None else ""
        value = self._json(f"/api/entries/{index}{query}")
        if not isinstance(value.get("data"), str) or value.get("index") != index:
            raise LogResponseError("the entry answer has no data or names another index")
        return {**value, "proof": _b64_list(value.get("proof"), "the inclusion proof")}

    def consistency(self, old: int, new: int) -> list[bytes]:
        value = self._json(f"/api/consistency?old={old}&new={new}")
        if value.get("old") != old or value.get("new") != new:
            raise LogResponseError("the consistency answer is about other sizes")
        return _b64_list(value.get("proof"), "the consistency proof")

    def lookup(self, *, key: str | None = None, kind: str | None = None, after: int | None = None) -> list[LookupEntry]:
        params: dict[str, str] = {}
        if key is not None:
            params["key"] = key
        if kind is not None:
            params["kind"] = kind
        if after is not None:
            params["after"] = str(after)
        value = self._json("/api/lookup?" + urllib.parse.urlencode(params))
        items = value.get("entries")
        if not isinstance(items, list):
            raise LogResponseError("the lookup answer has no list of entries")
        out = []
        for item in items:
            if not (
                isinstance(item, dict)
                and isinstance(item.get("index"), int)
                and item["index"] >= 0
                and all(isinstance(item.get(f), str) for f in ("kind", "key", "data"))
            ):
                raise LogResponseError("the lookup answer holds an entry without index, kind, key and data")
            out.append(LookupEntry(item["index"], item["kind"], item["key"], item["data"]))
        return out

    def lookup_kind(self, kind: str) -> Iterator[LookupEntry]:
        """Every entry of *kind*, oldest first, following ``after=`` from page to page."""
        after: int | None = None
        while True:
            page = self.lookup(kind=kind, after=after)
            if not page:
                return
            for item in page:
                if after is not None and item.index <= after:
                    raise LogResponseError("the lookup pages do not move forward")
                after = item.index
                yield item

    def keys(self) -> dict[str, Any]:
        return self._json("/api/keys")

    def cosign(self, size: int, signature_line: str) -> dict[str, Any]:
        """Send a witness's cosignature line (``— <name> <base64>``) of the checkpoint of *size*."""
        body = json.dumps({"size": size, "signature": signature_line.rstrip("\n")}).encode()
        return self._json("/api/cosign", method="POST", body=body)


def _detail(data: bytes) -> str:
    try:
        value = json.loads(data)
        if isinstance(value, dict) and isinstance(value.get("detail"), str):
            return value["detail"][:300]
    except (ValueError, UnicodeDecodeError):
        pass
    return "no reason given"


# --- Checks ------------------------------------------------------------------------------------


class CheckFailed(Exception):
    """The log's answers contradict what it signed. Subclasses name the fault."""


class BadSignature(CheckFailed):
    """The checkpoint is not signed by a known log key, or a signature on it does not verify."""


class Forked(CheckFailed):
    """Two checkpoints that cannot both be true: the log was forked or rewritten."""


class Shrunk(CheckFailed):
    """A later checkpoint is smaller than an earlier one: entries were dropped."""


class EntryMissing(CheckFailed):
    """The log does not serve an entry inside its own signed tree."""


class EntryChanged(CheckFailed):
    """The entry's bytes do not hash to the leaf the tree holds."""


class TreeMismatch(CheckFailed):
    """The log's hash tiles (or its proofs) do not lead to the root it signed."""


@dataclass(frozen=True)
class SignedCheckpoint:
    checkpoint: note.Checkpoint
    text: str
    signatures: tuple[note.Signature, ...]  # every signature line of the note, log and witness
    note: str

    @property
    def size(self) -> int:
        return self.checkpoint.size

    @property
    def root(self) -> bytes:
        return self.checkpoint.root


def open_checkpoint(raw: bytes | str, log_keys: list[note.Verifier]) -> SignedCheckpoint:
    """The checkpoint in a signed note, if one of *log_keys* signed it; BadSignature otherwise.

    A log key is named after its log's origin, and signs that log's checkpoints only: a checkpoint
    whose origin is not the name of a key that signed it is refused too. Otherwise one key could
    sign a second history under another origin (``gov.example/log2``, or the origin with a
    trailing space), and whoever keys its memory by origin would take it for a new log.
    """
    try:
        text, good = note.open_note(raw, log_keys)
        _, signatures = note.split_note(raw)
        checkpoint = note.parse_checkpoint(text)
    except (note.NoteError, ValueError) as exc:
        raise BadSignature(str(exc)) from exc
    if not any(s.name == checkpoint.origin for s in good):
        signers = ", ".join(sorted({repr(s.name) for s in good}))
        raise BadSignature(
            f"the checkpoint is for the log {checkpoint.origin!r}, but it is signed by the key of {signers}: "
            "a log key signs only the checkpoints of the log it is named after"
        )
    body = raw.decode() if isinstance(raw, bytes) else raw
    return SignedCheckpoint(checkpoint, text, tuple(signatures), body)


def witness_cosignatures(cp: SignedCheckpoint, witnesses: list[note.Verifier]) -> tuple[list[str], list[str]]:
    """(names of *witnesses* whose cosignature verifies, names whose claimed cosignature does not)."""
    by_id = {(w.name, w.hash): w for w in witnesses if w.alg == note.ALG_COSIGNATURE_V1}
    good: list[str] = []
    bad: list[str] = []
    for s in cp.signatures:
        w = by_id.get((s.name, s.hash))
        if w is None:
            continue
        if note.verify_cosignature(cp.text, s, w) is None:
            bad.append(w.name)
        elif w.name not in good:
            good.append(w.name)
    return good, bad


class TileHashes:
    """A merkle.HashReader over the log's hash tiles for the tree of *size* leaves, with a cache."""

    def __init__(self, client: LogClient, size: int):
        self.client = client
        self.size = size
        self._tiles: dict[tuple[int, int], bytes] = {}
        self.read = merkle.tiles_reader(self._read_tiles)

    def _read_tiles(self, wanted: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        for level, index in wanted:
            if (level, index) in self._tiles:
                continue
            width = merkle.tile_width(level, index, self.size)
            if width == 0:
                raise TreeMismatch(f"tile {level}/{index} is outside the tree of size {self.size}")
            try:
                self._tiles[(level, index)] = self.client.tile(level, index, width)
            except LogNotFound as exc:
                raise TreeMismatch(f"the log does not serve {merkle.tile_path(level, index, width)}") from exc
        return {t: self._tiles[t] for t in wanted}


def entry_data(client: LogClient, index: int, size: int) -> bytes:
    """Entry *index*'s bytes from its entry bundle in the tree of *size*; EntryMissing if not served."""
    if not 0 <= index < size:
        raise EntryMissing(f"entry {index} is not in the tree of size {size}")
    bundle = index // merkle.TILE_WIDTH
    width = merkle.tile_width(0, bundle, size)
    try:
        entries = client.entry_bundle(bundle, width)
    except LogNotFound as exc:
        raise EntryMissing(f"the log does not serve entry {index} (its entry bundle is missing)") from exc
    return entries[index % merkle.TILE_WIDTH]


def verify_entry(client: LogClient, cp: SignedCheckpoint, index: int, *, proof_from: str = "tiles") -> bytes:
    """Entry *index*'s bytes, once shown to be in the signed tree *cp*.

    The leaf hash is computed from the entry bundle's bytes; the inclusion proof is built from
    hash tiles (``proof_from="tiles"``) or taken from ``/api/entries`` (``"api"``). Raises
    EntryMissing, EntryChanged (the bytes do not hash to the tree's leaf) or TreeMismatch (the
    tiles or the proof do not lead to the signed root).
    """
    data = entry_data(client, index, cp.size)
    tiles = TileHashes(client, cp.size)
    try:
        if proof_from == "api":
            answer = client.entry(index, cp.size)
            proof = answer["proof"]
            if answer["data"].encode() != data:
                raise EntryChanged(f"entry {index}: the API's data differs from the entry bundle's")
        else:
            proof = merkle.inclusion_proof(index, cp.size, tiles.read)
        merkle.verify_inclusion(merkle.leaf_hash(data), index, cp.size, proof, cp.root)
    except merkle.ProofError as exc:
        # Tell a changed entry from bad tiles or a bad proof: does the tree's own leaf verify?
        try:
            stored_leaf = tiles.read([(0, index)])[(0, index)]
            tile_proof = merkle.inclusion_proof(index, cp.size, tiles.read)
            merkle.verify_inclusion(stored_leaf, index, cp.size, tile_proof, cp.root)
        except (merkle.ProofError, TreeMismatch, LogError):
            raise TreeMismatch(f"entry {index}: the proof does not lead to the signed root ({exc})") from exc
        if stored_leaf == merkle.leaf_hash(data):
            raise TreeMismatch(f"entry {index}: the log's proof does not lead to its signed root") from exc
        raise EntryChanged(f"entry {index}: its bytes do not hash to the leaf the signed tree holds") from exc
    except LogNotFound as exc:
        raise EntryMissing(f"the log does not serve a proof for entry {index}") from exc
    return data


def check_consistency(
    client: LogClient, old: note.Checkpoint, new: SignedCheckpoint, *, proof_from: str = "tiles"
) -> None:
    """Show the earlier checkpoint *old* is a prefix of *new*; Shrunk, Forked or TreeMismatch if not."""
    if old.origin != new.checkpoint.origin:
        raise Forked(f"the earlier checkpoint is of another log ({old.origin!r}, now {new.checkpoint.origin!r})")
    if old.size == 0 and old.root != merkle.EMPTY_ROOT:
        raise Forked("the earlier checkpoint of size 0 does not hold the empty tree's root")
    if new.size == 0 and new.root != merkle.EMPTY_ROOT:
        raise TreeMismatch("the checkpoint of size 0 does not hold the empty tree's root")
    if new.size < old.size:
        raise Shrunk(f"the log shrank from {old.size} to {new.size} entries")
    if new.size == old.size:
        if new.root != old.root:
            raise Forked(f"two different roots for size {new.size}: the log has forked")
        return
    tiles = TileHashes(client, new.size)
    try:
        if proof_from == "api":
            proof = client.consistency(old.size, new.size)
        else:
            proof = merkle.consistency_proof(old.size, new.size, tiles.read)
        merkle.verify_consistency(old.size, new.size, old.root, new.root, proof)
    except merkle.ProofError as exc:
        if proof_from == "tiles":
            try:
                tiles_root = merkle.tree_hash(new.size, tiles.read)
            except (merkle.ProofError, TreeMismatch):
                tiles_root = b""
            if tiles_root != new.root:
                raise TreeMismatch(f"the log's tiles do not lead to its signed root of size {new.size}") from exc
        raise Forked(
            f"size {old.size} is not a prefix of size {new.size}: the log was forked or rewritten ({exc})"
        ) from exc
    except LogNotFound as exc:
        raise TreeMismatch(f"the log serves no consistency proof from {old.size} to {new.size}") from exc


def parse_entry(data: bytes) -> dict[str, Any]:
    """An entry's JSON object; EntryChanged if the bytes are not one."""
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise EntryChanged("the entry is not JSON") from exc
    if not isinstance(value, dict):
        raise EntryChanged("the entry is not a JSON object")
    return value
