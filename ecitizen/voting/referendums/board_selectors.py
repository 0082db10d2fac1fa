"""The public ballot board (docs/voting-protocol.md section 6): the whole board as one JSON
document, pages of it to read in the browser, a tracker looked up, and the published result.

While voting is open (and until the result is published) the board is partial: the election, the
trustees' public messages, the credentials and the ballots, without ``tally``, ``decryptions``,
``paper`` and ``result``. Once published it is complete and ``python -m ecitizen.voting.verify``
checks it.

``board.json`` is written as canonical JSON (docs/voting-protocol.md section 1): the bytes
:func:`board_chunks` streams are exactly ``CJ(build_board(referendum))``, so the board's digest
(:func:`board_digest`, the SHA-256 of those bytes) can be recomputed by anyone from the file. The
ballots are stored as canonical JSON when they are cast, so streaming copies their text into the
document without reading it (100,000 ballots are not parsed to be served), and
:func:`build_board` parses each exactly once.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from ecitizen.core.i18n import pick
from ecitizen.voting.protocol.hashing import canonical_json, group_by_four
from ecitizen.voting.referendums import voter_conf
from ecitizen.voting.referendums.models import (
    BoardBallot,
    PaperSheet,
    PublicCredential,
    Referendum,
    SheetState,
    Stage,
    Trustee,
)
from ecitizen.voting.referendums.public_selectors import questions_of

FORMAT = "ecitizen-referendum-board/1"
VERIFY_COMMAND = "python -m ecitizen.voting.verify board.json"
_TRACKER = re.compile(r"[A-Z2-7]{20}\Z")


def grouped(tracker: str) -> str:
    """A tracker as shown and as the board writes it, "XXXX-XXXX-XXXX-XXXX-XXXX" (it is stored
    without the dashes; either way gives the same)."""
    return group_by_four(tracker.replace("-", ""))


_CHUNK = 1000  # ballots read from the database at a time


def board_is_complete(referendum: Referendum) -> bool:
    """Is the board the complete one (result published) or the partial one (voting, counting)?"""
    return referendum.stage == Stage.PUBLISHED


def board_is_public(referendum: Referendum) -> bool:
    """A board exists once voting has opened (the election record is frozen)."""
    return bool(referendum.election_hash) and referendum.stage in (
        Stage.OPEN,
        Stage.COUNTING,
        Stage.RESULT,
        Stage.PUBLISHED,
    )


# --- the parts of the board -----------------------------------------------------------------------


def _trustees(referendum: Referendum) -> list[dict]:
    """Each trustee's public deal: commitments and proof of knowledge (the sealed shares are not
    the board's business)."""
    rows = Trustee.objects.filter(referendum=referendum).order_by("index").values_list("index", "deal")
    return [
        {"index": index, "commitments": (deal or {}).get("commitments", []), "pok": (deal or {}).get("pok", {})}
        for index, deal in rows
    ]


def _credentials(referendum: Referendum) -> list[str]:
    return list(
        PublicCredential.objects.filter(referendum=referendum)
        .order_by("credential")
        .values_list("credential", flat=True)
    )


def _decryptions(referendum: Referendum) -> list[dict]:
    rows = Trustee.objects.filter(referendum=referendum).order_by("index").values_list("decryption", flat=True)
    return [decryption for decryption in rows if decryption]


def paper_ballots(referendum: Referendum) -> int:
    """Paper ballots counted: confirmed by a second entry, and not spoilt."""
    return PaperSheet.objects.filter(referendum=referendum, state=SheetState.CONFIRMED, spoilt=False).count()


def _zeros(referendum: Referendum) -> list[list[int]]:
    return [[0] * len(q.options) for q in questions_of(referendum)]


def _paper(referendum: Referendum) -> dict:
    result = referendum.result or {}
    counts = result.get("paper")
    if isinstance(counts, dict):  # {"ballots": p, "counts": [...]}
        return {"ballots": counts.get("ballots", paper_ballots(referendum)), "counts": counts.get("counts", [])}
    return {"ballots": paper_ballots(referendum), "counts": counts if counts is not None else _zeros(referendum)}


def _result(referendum: Referendum) -> dict:
    result = referendum.result or {}
    return {
        "trustees_used": result.get("trustees_used", []),
        "online": result.get("online", []),
        "totals": result.get("totals", []),
    }


def _head(referendum: Referendum, complete: bool) -> dict:
    """Every member of the board but ``ballots``."""
    head = {
        "format": FORMAT,
        "election": referendum.election,
        "election_hash": referendum.election_hash,
        "trustees": _trustees(referendum),
        "electorate": {"size": referendum.electorate_size or 0, "credentials": _credentials(referendum)},
    }
    if complete:
        head.update(
            tally=referendum.tally,
            decryptions=_decryptions(referendum),
            paper=_paper(referendum),
            result=_result(referendum),
        )
    return head


def _ballot_rows(referendum: Referendum) -> Iterator[tuple[int, str, str, str, int | None]]:
    rows = (
        BoardBallot.objects.filter(referendum=referendum)
        .order_by("n")
        .values_list("n", "ballot", "hash", "tracker", "replaced_by")
    )
    return rows.iterator(chunk_size=_CHUNK)


def build_board(referendum: Referendum, *, complete: bool | None = None) -> dict:
    """The board as a dict, per docs/voting-protocol.md section 6 (complete once the result is
    published, unless *complete* says otherwise)."""
    complete = board_is_complete(referendum) if complete is None else complete
    board = _head(referendum, complete)
    board["ballots"] = [
        {"n": n, "ballot": json.loads(text), "hash": digest, "tracker": grouped(tracker), "replaced_by": by}
        for n, text, digest, tracker, by in _ballot_rows(referendum)
    ]
    return board


def board_chunks(referendum: Referendum, *, complete: bool | None = None) -> Iterator[str]:
    """``CJ(build_board(referendum))`` in pieces, for a streamed download: the ballots' stored
    text is copied in, not parsed."""
    complete = board_is_complete(referendum) if complete is None else complete
    head = _head(referendum, complete)
    # Canonical JSON sorts the keys: "ballots" comes first of all the board's members.
    rest = canonical_json(head)
    yield '{"ballots":['
    batch: list[str] = []
    first = True
    for n, text, digest, tracker, by in _ballot_rows(referendum):
        replaced = "null" if by is None else str(int(by))
        batch.append(
            f'{{"ballot":{text},"hash":{json.dumps(digest)},"n":{int(n)},"replaced_by":{replaced},'
            f'"tracker":{json.dumps(grouped(tracker))}}}'
        )
        if len(batch) >= _CHUNK:
            yield ("" if first else ",") + ",".join(batch)
            first, batch = False, []
    if batch:
        yield ("" if first else ",") + ",".join(batch)
    yield "]," + rest[1:]


def board_digest(referendum: Referendum) -> str:
    """The SHA-256 (hex) of ``board.json``; for a published board, computed once and cached (it
    cannot change any more)."""
    key = None
    if board_is_complete(referendum) and referendum.published_at is not None:
        key = f"referendums:board-digest:{referendum.pk}:{referendum.published_at.timestamp()}"
        cached = cache.get(key)
        if cached:
            return cached
    digest = hashlib.sha256()
    for chunk in board_chunks(referendum):
        digest.update(chunk.encode("ascii"))
    value = digest.hexdigest()
    if key is not None:
        cache.set(key, value, timeout=None)
    return value


# --- reading the board in the browser ---------------------------------------------------------------


@dataclass(frozen=True)
class BoardRow:
    n: int
    tracker: str
    replaced_by: int | None

    @property
    def counted(self) -> bool:
        return self.replaced_by is None


def _row(n: int, tracker: str, replaced_by: int | None) -> BoardRow:
    return BoardRow(n=n, tracker=grouped(tracker), replaced_by=replaced_by)


def board_page(referendum: Referendum, number: Any) -> Page:
    """One page of the board (``object_list``: :class:`BoardRow`\\ s). Ballots are numbered 1…N
    without gaps, so a page is a range of numbers: read through the index, never counted or
    skipped over (a board of 100,000 ballots pages as fast as one of ten)."""
    board = BoardBallot.objects.filter(referendum=referendum)
    total = board.aggregate(last=Max("n"))["last"] or 0
    page = Paginator(range(1, total + 1), voter_conf.board_page_size()).get_page(number)
    numbers = page.object_list
    rows = (
        board.filter(n__gte=numbers[0], n__lte=numbers[-1]).order_by("n").values_list("n", "tracker", "replaced_by")
        if numbers
        else []
    )
    page.object_list = [_row(*row) for row in rows]
    return page


def normalise_tracker(text: Any) -> str | None:
    """A tracker as typed ("abcd efgh-…") in its stored form (20 characters), or None."""
    if not isinstance(text, str):
        return None
    compact = re.sub(r"[\s\-]+", "", text[:100]).upper()
    return compact if _TRACKER.match(compact) else None


def find_tracker(referendum: Referendum, tracker: str) -> BoardRow | None:
    """The board's ballot with this tracker (normalised), or None."""
    row = (
        BoardBallot.objects.filter(referendum=referendum, tracker__in=[tracker, group_by_four(tracker)])
        .order_by("n")
        .values_list("n", "tracker", "replaced_by")
        .first()
    )
    return _row(*row) if row else None


@dataclass(frozen=True)
class BoardTotals:
    ballots: int  # on the board, replaced ones too
    counted: int  # the last ballot of each credential
    credentials: int
    electorate: int | None


COUNTED_CACHE_SECONDS = 3600


def counted_up_to(referendum: Referendum, last: int) -> int:
    """How many of the ballots 1…*last* counted when *last* was the board's last ballot (those not
    replaced by then). The board only grows, and a ballot is replaced only by a later one, so the
    figure never changes for a given *last*: it is counted once and kept in the cache under it
    (the board page does not count 100,000 rows on every view)."""
    if not last:
        return 0
    key = f"referendums:board-counted:{referendum.uuid}:{last}"
    counted = cache.get(key)
    if counted is None:
        counted = BoardBallot.objects.filter(
            Q(replaced_by__isnull=True) | Q(replaced_by__gt=last), referendum=referendum, n__lte=last
        ).count()
        cache.set(key, counted, timeout=COUNTED_CACHE_SECONDS)
    return counted


def board_totals(referendum: Referendum) -> BoardTotals:
    last = BoardBallot.objects.filter(referendum=referendum).aggregate(last=Max("n"))["last"] or 0
    return BoardTotals(
        ballots=last,
        counted=counted_up_to(referendum, last),
        credentials=referendum.credentials_issued
        if referendum.credentials_issued is not None
        else PublicCredential.objects.filter(referendum=referendum).count(),
        electorate=referendum.electorate_size,
    )


@dataclass(frozen=True)
class TrusteeRow:
    index: int
    verification_key: str
    decrypted: bool


def trustee_rows(referendum: Referendum) -> list[TrusteeRow]:
    rows = Trustee.objects.filter(referendum=referendum).order_by("index")
    return [TrusteeRow(index=t.index, verification_key=t.verification_key, decrypted=bool(t.decryption)) for t in rows]


# --- the published result --------------------------------------------------------------------------


@dataclass(frozen=True)
class OptionResult:
    label: str
    online: int
    paper: int
    total: int
    share: float | None  # of the question's marks, for a question with one answer


@dataclass(frozen=True)
class QuestionResult:
    text: str
    single: bool
    options: tuple[OptionResult, ...]
    marks: int


def _cell(table: Any, i: int, k: int) -> int:
    try:
        return int(table[i][k])
    except (TypeError, ValueError, IndexError, KeyError):
        return 0


def result_rows(referendum: Referendum) -> list[QuestionResult]:
    """Per question and option: the online count, the paper count and the total."""
    result = referendum.result or {}
    paper = _paper(referendum)["counts"]
    rows = []
    for question in questions_of(referendum):
        i = question.index
        totals = [_cell(result.get("totals"), i, k) for k in range(len(question.options))]
        marks = sum(totals)
        options = tuple(
            OptionResult(
                label=option.label,
                online=_cell(result.get("online"), i, option.index),
                paper=_cell(paper, i, option.index),
                total=totals[option.index],
                share=(100.0 * totals[option.index] / marks) if question.single and marks else None,
            )
            for option in question.options
        )
        rows.append(QuestionResult(text=question.text, single=question.single, options=options, marks=marks))
    return rows


@dataclass(frozen=True)
class DistrictTurnout:
    name: str
    voted: int | None
    eligible: int | None
    share: float | None
    shown: bool


def _name(value: Any) -> str:
    return pick(value) if isinstance(value, dict | str) else ""


def turnout_rows(referendum: Referendum) -> tuple[dict, list[DistrictTurnout]]:
    """The turnout (``{"voted", "eligible", "share"}``) and its rows per district (districts too
    small to show on their own are merged into "other places" by the result service; a row
    marked ``"shown": False`` is listed without figures)."""
    turnout = referendum.turnout or {}
    voted, eligible = turnout.get("voted"), turnout.get("eligible")
    overall = {
        "voted": voted,
        "eligible": eligible,
        "share": (100.0 * voted / eligible)
        if isinstance(voted, int) and isinstance(eligible, int) and eligible
        else None,
    }
    rows = []
    for district in turnout.get("districts") or []:
        if not isinstance(district, dict):
            continue
        d_voted, d_eligible = district.get("voted"), district.get("eligible")
        shown = (
            district.get("shown", district.get("published", True)) is not False
            and isinstance(d_voted, int)
            and isinstance(d_eligible, int)
        )
        rows.append(
            DistrictTurnout(
                name=_name(district.get("name")) or (_("Other places") if district.get("district") == "other" else ""),
                voted=d_voted if shown else None,
                eligible=d_eligible if shown else None,
                share=(100.0 * d_voted / d_eligible) if shown and d_eligible else None,
                shown=shown,
            )
        )
    return overall, rows
