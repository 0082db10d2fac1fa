"""The log as machines read it: the checkpoint, tiles (C2SP tlog-tiles) and a small JSON API.

Everything here is public and read-only except ``cosign``, which a registered witness calls; its
signature is its authentication, so it needs no session and no CSRF token.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from ecitizen.core.ratelimits import rate_limited
from ecitizen.ledger import merkle, selectors
from ecitizen.ledger.models import SignedCheckpoint
from ecitizen.ledger.services import ledger_cosign

IMMUTABLE = "public, max-age=31536000, immutable"
MAX_INDEX = 1 << 62
MAX_TILE_INDEX = MAX_INDEX >> merkle.TILE_HEIGHT


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _error(detail: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


def _int(request: HttpRequest, name: str, default: int | None = None) -> int:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        if default is None:
            raise ValueError(_("Give %(name)s.") % {"name": name})
        return default
    if not re.fullmatch(r"[0-9]{1,19}", raw) or int(raw) >= MAX_INDEX:
        raise ValueError(_("%(name)s must be a whole number of zero or more.") % {"name": name})
    return int(raw)


@require_GET
def checkpoint(request: HttpRequest) -> HttpResponse:
    latest = selectors.latest_checkpoint()
    if latest is None:
        return HttpResponse(_("The log has no checkpoint yet."), status=404, content_type="text/plain; charset=utf-8")
    response = HttpResponse(selectors.checkpoint_note(latest), content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=5"
    return response


def _tile_address(path: str) -> tuple[int, int]:
    """(index, width) of ``<N-path>[.p/<W>]``; ValueError if it is not canonical or too far."""
    width = merkle.TILE_WIDTH
    if ".p/" in path:
        path, _sep, w = path.partition(".p/")
        if not re.fullmatch(r"[1-9][0-9]{0,2}", w) or int(w) >= merkle.TILE_WIDTH:
            raise ValueError
        width = int(w)
    index = merkle.parse_tile_index(path.split("/"))
    if index >= MAX_TILE_INDEX:
        raise ValueError
    return index, width


def _tile_response(path: str, read: Callable[[int, int], bytes | None]) -> HttpResponse:
    try:
        index, width = _tile_address(path)
    except ValueError:
        return HttpResponse(status=404)
    data = read(index, width)
    if data is None:
        return HttpResponse(status=404)
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Cache-Control"] = IMMUTABLE
    return response


@require_GET
def tile(request: HttpRequest, level: str, path: str) -> HttpResponse:
    return _tile_response(path, lambda index, width: selectors.tile_bytes(int(level), index, width))


@require_GET
def entries_tile(request: HttpRequest, path: str) -> HttpResponse:
    return _tile_response(path, selectors.entry_bundle)


def _latest_size() -> int:
    latest = selectors.latest_checkpoint()
    return latest.size if latest else 0


@require_GET
def entry(request: HttpRequest, index: int) -> JsonResponse:
    try:
        size = _int(request, "size") if request.GET.get("size") else _latest_size()
    except ValueError as exc:
        return _error(str(exc))
    data = selectors.entry_data_at(index) if index < size else None
    if data is None:
        return _error(_("No entry %(index)d in the tree of size %(size)d.") % {"index": index, "size": size}, 404)
    try:
        proof = selectors.inclusion_proof(index, size)
    except merkle.ProofError:
        return _error(_("The log has no tree of size %(size)d yet.") % {"size": size}, 404)
    return JsonResponse(
        {
            "index": index,
            "size": size,
            "data": data.decode("utf-8"),
            "leaf_hash": _b64(merkle.leaf_hash(data)),
            "proof": [_b64(h) for h in proof],
        }
    )


@require_GET
def consistency(request: HttpRequest) -> JsonResponse:
    try:
        old, new = _int(request, "old"), _int(request, "new")
    except ValueError as exc:
        return _error(str(exc))
    if old > new:
        return _error(_("old must not be larger than new."))
    try:
        proof = selectors.consistency_proof(old, new)
    except merkle.ProofError:
        return _error(_("The log has no tree of size %(size)d yet.") % {"size": new}, 404)
    return JsonResponse({"old": old, "new": new, "proof": [_b64(h) for h in proof]})


@require_GET
def lookup(request: HttpRequest) -> JsonResponse:
    limited = rate_limited(request, "ledger_lookup", "600/m/ip")
    if limited is not None:
        return _error(_("Too many look-ups from this address: wait a minute."), 429)
    key = request.GET.get("key", "").strip()[:200]
    kind = request.GET.get("kind", "").strip()[:40]
    if not key and not kind:
        return _error(_("Give key or kind."))
    if "\x00" in key or "\x00" in kind:
        return _error(_("key and kind cannot hold a null character."))
    try:
        after = _int(request, "after", 0) if "after" in request.GET else -1
    except ValueError as exc:
        return _error(str(exc))
    entries = selectors.entries_for(key, kind=kind, after=after)
    return JsonResponse(
        {"entries": [{"index": e.index, "kind": e.kind, "key": e.key, "data": e.text} for e in entries]}
    )


@require_GET
def keys(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "origin": selectors.ledger_origin(),
            "log_keys": [
                {
                    "vkey": k.vkey,
                    "active": k.is_active,
                    "created_at": k.created_at.isoformat(),
                    "retired_at": k.retired_at.isoformat() if k.retired_at else None,
                }
                for k in selectors.log_keys()
            ],
            "witnesses": [{"name": w.name, "vkey": w.vkey, "url": w.url} for w in selectors.witnesses()],
        }
    )


@csrf_exempt
@require_POST
def cosign(request: HttpRequest) -> JsonResponse:
    limited = rate_limited(request, "ledger_cosign", "120/m/ip")
    if limited is not None:
        return _error(_("Too many cosignatures from this address: wait a minute."), 429)
    try:
        body = json.loads(request.body or b"{}")
        size, line = body["size"], body["signature"]
        if not isinstance(size, int) or isinstance(size, bool) or size < 0 or not isinstance(line, str):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        return _error(_('Send JSON {"size": <tree size>, "signature": "<cosignature line>"}.'))
    try:
        ledger_cosign(size=size, line=line[:1000])
    except SignedCheckpoint.DoesNotExist:
        return _error(_("The log signed no checkpoint of size %(size)d.") % {"size": size}, 404)
    except ValidationError as exc:
        return _error(" ".join(exc.messages))
    return JsonResponse({"ok": True})
