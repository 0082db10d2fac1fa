"""The public ballot board: putting it together, and verifying it (docs/voting-protocol.md, sections 6 and 7).

``verify(board, workers)`` runs every check of section 7 and returns a Report: what was checked,
with figures, and the first fault of each kind. Ballots are checked in chunks, in parallel when
``workers`` > 1.
"""

from __future__ import annotations

import itertools
import multiprocessing
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import group, trustees
from .ballots import BallotRejected, Checker, hash_and_tracker
from .election import Election, ElectionInvalid, is_int, parse
from .hashing import election_hash
from .tally import parse_tally
from .tally import write as write_tally

FORMAT = "ecitizen-referendum-board/1"
_BOARD_KEYS = frozenset({"format", "election", "election_hash", "trustees", "electorate", "ballots"})
_COUNT_KEYS = frozenset({"tally", "decryptions", "paper", "result"})  # absent all together while voting
MIN_PARALLEL = 64  # fewer ballots than this are checked in this process
_ENTRY_KEYS = frozenset({"n", "ballot", "hash", "tracker", "replaced_by"})
_REJECTION_TEXT = {
    "malformed": "malformed",
    "wrong_election": "made for another election",
    "unknown_credential": "its credential is not on the list",
    "bad_proof": "a proof does not hold",
    "bad_signature": "the credential's signature does not hold",
}


# Putting a board together.


def replacements(credentials: list) -> list[int | None]:
    """For ballots numbered 1, 2, … with these credentials, each one's ``replaced_by``."""
    result: list[int | None] = [None] * len(credentials)
    last: dict = {}
    for position, credential in enumerate(credentials):
        if credential is None:
            continue
        if credential in last:
            result[last[credential]] = position + 1
        last[credential] = position
    return result


def _credential_of(entry) -> str | None:
    ballot = entry.get("ballot") if isinstance(entry, dict) else None
    credential = ballot.get("credential") if isinstance(ballot, dict) else None
    return credential if isinstance(credential, str) else None


def counted_tally(election, ballots: list[dict]) -> list[list[dict]]:
    """The sum of the ciphertexts of the ballots that count (the last of each credential)."""
    parsed = parse(election)
    replaced = replacements([b["credential"] for b in ballots])
    sums = [[[] for _ in q.options] for q in parsed.questions]
    for ballot, later in zip(ballots, replaced, strict=True):
        if later is None:
            for row, answer in zip(sums, ballot["answers"], strict=True):
                for cell, choice in zip(row, answer["choices"], strict=True):
                    cell.append((bytes.fromhex(choice["alpha"]), bytes.fromhex(choice["beta"])))
    return [
        [
            {"alpha": group.total(a for a, _ in cell).hex(), "beta": group.total(b for _, b in cell).hex()}
            for cell in row
        ]
        for row in sums
    ]


def assemble(
    *,
    election: dict,
    deals: list[dict],
    credentials: Iterable[str],
    electorate_size: int,
    ballots: list[dict],
    decryptions: list[dict] | None = None,
    paper: dict | None = None,
    tally: list[list[dict]] | None = None,
) -> dict:
    """The board of an election from its accepted ballots (in the order they were accepted).

    Without decryptions (before the trustees decrypt) ``result`` is null. ``tally`` may be given
    when it is already known (the sum of the counted ballots); otherwise it is computed.
    """
    parsed = parse(election)
    h = election_hash(election)
    later = replacements([b["credential"] for b in ballots])
    entries = []
    for number, (ballot, replaced_by) in enumerate(zip(ballots, later, strict=True), start=1):
        ballot_hash, tracker = hash_and_tracker(ballot)
        entries.append(
            {"n": number, "ballot": ballot, "hash": ballot_hash, "tracker": tracker, "replaced_by": replaced_by}
        )
    if tally is None:
        tally = counted_tally(parsed, ballots)
    if paper is None:
        paper = {"ballots": 0, "counts": [[0] * len(q.options) for q in parsed.questions]}
    result = None
    if decryptions:
        counted = sum(1 for x in later if x is None)
        used, online = trustees.combine(parsed, tally, decryptions, counted)
        totals = [[a + b for a, b in zip(r1, r2, strict=True)] for r1, r2 in zip(online, paper["counts"], strict=True)]
        result = {"trustees_used": used, "online": online, "totals": totals}
    return {
        "format": FORMAT,
        "election": election,
        "election_hash": h,
        "trustees": [{"index": d["index"], "commitments": d["commitments"], "pok": d["pok"]} for d in deals],
        "electorate": {"size": electorate_size, "credentials": sorted(credentials)},
        "ballots": entries,
        "tally": tally,
        "decryptions": list(decryptions or []),
        "paper": paper,
        "result": result,
    }


# Verifying a board.


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    tally: list[list[dict]] | None = None
    """The sum of the counted ballots' ciphertexts as the verifier computed it (None when the ballots
    could not be read): what ``trustee decrypt --board`` compares the tally it is asked to decrypt with."""

    @property
    def ok(self) -> bool:
        return not self.faults


class _Faults:
    """The first fault of each kind, and how many there were."""

    def __init__(self):
        self.first: dict[str, str] = {}
        self.count: Counter = Counter()

    def add(self, kind: str, message: str, count: int = 1) -> None:
        self.first.setdefault(kind, message)
        self.count[kind] += count

    def merge(self, other: dict) -> None:
        for kind, (message, count) in other.items():
            self.add(kind, message, count)

    def __bool__(self) -> bool:
        return bool(self.first)

    def total(self) -> int:
        return sum(self.count.values())

    def messages(self) -> list[str]:
        out = []
        for kind, message in self.first.items():
            more = self.count[kind] - 1
            out.append(message + (f" (and {more} more of this kind)" if more else ""))
        return out


# The worker's state: set once per process by _init_worker.
_WORKER: dict = {}


def _init_worker(election_record: dict, h: str, credentials: frozenset) -> None:
    _WORKER["checker"] = Checker(election_record, h)
    _WORKER["credentials"] = credentials


def _check_chunk(items: list[tuple[int, object, bool]]) -> tuple[dict, list | None, int]:
    """Check (number, entry, counted) items; returns (faults by kind, sums of the counted, checked)."""
    checker: Checker = _WORKER["checker"]
    credentials = _WORKER["credentials"]
    faults = _Faults()
    sums: list | None = None
    checked = 0
    for number, entry, counted in items:
        if not isinstance(entry, dict) or entry.keys() != _ENTRY_KEYS:
            faults.add("entry", f"ballot {number}: an entry is {{{', '.join(sorted(_ENTRY_KEYS))}}}")
            continue
        try:
            result, ciphertexts = checker.check(entry["ballot"], credentials)
        except BallotRejected as exc:
            detail = f": {exc.detail}" if exc.code in ("malformed", "bad_proof") and exc.detail else ""
            faults.add(f"ballot {exc.code}", f"ballot {number}: {_REJECTION_TEXT[exc.code]}{detail}")
            # The tally is checked on its own: it must still be the sum of the counted ballots as they are.
            ciphertexts = _readable_ciphertexts(checker, entry["ballot"])
        else:
            checked += 1
            if entry["hash"] != result.hash:
                faults.add("hash", f"ballot {number}: its hash is not the hash of the ballot")
            if entry["tracker"] != result.tracker:
                faults.add("tracker", f"ballot {number}: its tracker is not the ballot's ({result.tracker})")
        if counted and ciphertexts is not None:
            if sums is None:
                sums = [[[a, b] for a, b in row] for row in ciphertexts]
            else:
                for row, cts in zip(sums, ciphertexts, strict=True):
                    for cell, (a, b) in zip(row, cts, strict=True):
                        cell[0] = group.add(cell[0], a)
                        cell[1] = group.add(cell[1], b)
    return {k: (faults.first[k], faults.count[k]) for k in faults.first}, sums, checked


def _readable_ciphertexts(checker: Checker, ballot) -> list | None:
    """A rejected ballot's ciphertexts, when they can be read as points of the election's shape."""
    try:
        answers = ballot["answers"]
        if len(answers) != len(checker.election.questions):
            return None
        result = []
        for question, answer in zip(checker.election.questions, answers, strict=True):
            choices = answer["choices"]
            if len(choices) != len(question.options):
                return None
            result.append([(group.point_from_hex(c["alpha"]), group.point_from_hex(c["beta"])) for c in choices])
        return result
    except (KeyError, TypeError, ValueError):
        return None


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _run_chunks(election: Election, h: str, credentials: frozenset, items: list, workers: int):
    if workers <= 1 or len(items) < MIN_PARALLEL:
        _init_worker(election.record, h, credentials)
        try:
            yield _check_chunk(items)
        finally:
            _WORKER.clear()
        return
    size = max(50, min(1000, len(items) // (workers * 8) + 1))
    with multiprocessing.Pool(workers, _init_worker, (election.record, h, credentials)) as pool:
        yield from pool.imap_unordered(_check_chunk, _chunks(items, size))


def _label(texts) -> str:
    if isinstance(texts, dict) and texts:
        value = texts.get("en") or next(iter(texts.values()))
        return str(value)
    return ""


def verify(board: dict, workers: int = 1) -> Report:
    """Run every check of docs/voting-protocol.md section 7 on a board."""
    report = Report()
    faults = _Faults()
    try:
        _verify(board, workers, report, faults)
    finally:
        report.faults = faults.messages()
    return report


def _verify(board, workers: int, report: Report, faults: _Faults) -> None:
    lines = report.lines
    if not isinstance(board, dict):
        faults.add("board", "the board is not a JSON object")
        return
    unknown = sorted(map(str, board.keys() - _BOARD_KEYS - _COUNT_KEYS))
    if unknown:
        faults.add("board", f"the board has members section 6 does not define: {', '.join(map(repr, unknown))}")
    if board.get("format") != FORMAT:
        faults.add("format", f"format is {board.get('format')!r}, not {FORMAT!r}")
    record = board.get("election")
    if not isinstance(record, dict):
        faults.add("election", "the board has no election record")
        return
    try:
        h = election_hash(record)
    except ValueError as exc:
        faults.add("election hash", f"the election record cannot be hashed: {exc}")
        return
    if board.get("election_hash") != h:
        faults.add(
            "election hash", f"election_hash is {board.get('election_hash')!r}; the election record hashes to {h}"
        )
    else:
        lines.append(f"Election hash {h}: it is the SHA-256 of the election record.")
    try:
        election = parse(record)
    except ElectionInvalid as exc:
        faults.add("election", f"the election record is invalid: {exc}")
        return
    options = sum(len(q.options) for q in election.questions)
    lines.append(f"Election {election.uuid}: {len(election.questions)} question(s), {options} option(s).")

    _verify_trustees(board, election, lines, faults)
    credentials = _verify_electorate(board, lines, faults)
    outcome = _verify_ballots(board, election, h, credentials, workers, lines, faults)
    if outcome is None:
        return
    computed, counted = outcome
    report.tally = write_tally(computed)
    if not board.keys() & _COUNT_KEYS:
        lines.append(
            "Tally and result: not on the board yet (voting or counting). The sum of the counted ballots is computed"
            " (trustee decrypt --board compares the tally to decrypt with it)."
        )
        return

    try:
        board_cts = parse_tally(board.get("tally"), election)
    except ValueError as exc:
        faults.add("tally", f"the tally cannot be read: {exc}")
        return
    mismatch = [
        f"question {q.id}, option {o}"
        for q, row, sums in zip(election.questions, board_cts, computed, strict=True)
        for o, ct, total in zip(q.options, row, sums, strict=True)
        if tuple(ct) != tuple(total)
    ]
    if mismatch:
        faults.add(
            "tally",
            f"the tally is not the sum of the counted ballots' ciphertexts ({len(mismatch)} ciphertexts differ,"
            f" first {mismatch[0]})",
        )
    else:
        lines.append(f"Tally: it is the sum of the {counted} counted ballots, for each of the {options} options.")

    factors = _verify_decryptions(board, election, h, board_cts, lines, faults)
    _verify_result(board, election, board_cts, factors, counted, lines, faults)


def _verify_trustees(board: dict, election: Election, lines: list[str], faults: _Faults) -> None:
    deals = board.get("trustees")
    n, t = len(election.trustees), election.threshold
    if not isinstance(deals, list) or [d.get("index") if isinstance(d, dict) else None for d in deals] != list(
        range(1, n + 1)
    ):
        faults.add("trustees", f"the board's trustees must be numbered 1…{n} in order, as the election's")
        return
    commitments = {}
    for deal in deals:
        if not isinstance(deal, dict) or deal.keys() != {"index", "commitments", "pok"}:
            faults.add("trustee", f"trustee {deal.get('index')}: an entry is {{'index', 'commitments', 'pok'}}")
            continue
        points = trustees._commitments(election.uuid, t, deal)
        if points is None:
            faults.add("trustee pok", f"trustee {deal['index']}: its proof of knowledge or its {t} commitments fail")
            continue
        commitments[deal["index"]] = points
    if len(commitments) != n:
        return
    if group.total(points[0] for points in commitments.values()) != election.public_key:
        faults.add("public key", "public_key is not the sum of the trustees' first commitments")
    bad_keys = [
        j
        for j, y_j in election.trustees.items()
        if group.total(trustees._at(points, j) for points in commitments.values()) != y_j
    ]
    for j in bad_keys:
        faults.add("verification key", f"trustee {j}: verification_key is not the one its commitments give")
    if group.total(points[0] for points in commitments.values()) == election.public_key and not bad_keys:
        lines.append(
            f"Trustees: {n}, threshold {t}; every proof of knowledge holds; the public key and the {n}"
            " verification keys are the ones the commitments give."
        )


def _verify_electorate(board: dict, lines: list[str], faults: _Faults) -> frozenset:
    electorate = board.get("electorate")
    if not isinstance(electorate, dict) or electorate.keys() != {"size", "credentials"}:
        faults.add("electorate", "the electorate must be {'size', 'credentials'}")
        return frozenset()
    size, listed = electorate["size"], electorate["credentials"]
    if not is_int(size) or size < 0 or not isinstance(listed, list):
        faults.add("electorate", "the electorate's size must be a number and its credentials a list")
        return frozenset()
    before = faults.total()
    for position, credential in enumerate(listed):
        try:
            group.point_from_hex(credential)
        except group.InvalidEncoding:
            faults.add("credential", f"credential {position + 1} of the list is not a valid point")
    if any(a >= b for a, b in itertools.pairwise(listed) if isinstance(a, str) and isinstance(b, str)):
        faults.add("credentials order", "the credentials are not sorted, or one is listed twice")
    if len(listed) > size:
        faults.add("electorate size", f"{len(listed)} credentials for an electorate of {size}")
    if faults.total() == before:
        lines.append(
            f"Electorate: {size} eligible voters, {len(listed)} credentials, all valid points, sorted and distinct."
        )
    return frozenset(c for c in listed if isinstance(c, str))


def _verify_ballots(board, election: Election, h: str, credentials: frozenset, workers: int, lines, faults):
    entries = board.get("ballots")
    if not isinstance(entries, list):
        faults.add("ballots", "ballots must be a list")
        return None
    later = replacements([_credential_of(e) for e in entries])
    items = []
    seen: dict = {}
    replaced = 0
    for position, (entry, expected) in enumerate(zip(entries, later, strict=True), start=1):
        if isinstance(entry, dict):
            if entry.get("n") != position or not is_int(entry.get("n")):
                faults.add("numbering", f"ballot {position}: it is numbered {entry.get('n')!r}")
            replaced_by = entry.get("replaced_by")
            if replaced_by != expected or not (replaced_by is None or is_int(replaced_by)):
                want = "null" if expected is None else expected
                faults.add("replaced_by", f"ballot {position}: replaced_by is {entry.get('replaced_by')!r}, not {want}")
            digest = entry.get("hash")
            if isinstance(digest, str):
                if digest in seen:
                    faults.add("duplicate", f"ballot {position}: the same hash as ballot {seen[digest]}")
                else:
                    seen[digest] = position
        if expected is not None:
            replaced += 1
        items.append((position, entry, expected is None and _credential_of(entry) is not None))
    counted = sum(1 for _, _, c in items if c)
    zero = group.IDENTITY
    computed = [[[zero, zero] for _ in q.options] for q in election.questions]
    checked = 0
    for chunk_faults, sums, chunk_checked in _run_chunks(election, h, credentials, items, workers):
        faults.merge(chunk_faults)
        checked += chunk_checked
        if sums is not None:
            for row, part in zip(computed, sums, strict=True):
                for cell, (a, b) in zip(row, part, strict=True):
                    cell[0] = a if cell[0] == zero else group.add(cell[0], a)
                    cell[1] = b if cell[1] == zero else group.add(cell[1], b)
    lines.append(
        f"Ballots: {len(entries)} on the board, {checked} with every proof, signature, hash and tracker holding;"
        f" {counted} counted, {replaced} replaced by a later ballot of the same credential."
    )
    return [[tuple(cell) for cell in row] for row in computed], counted


def _verify_decryptions(board, election: Election, h: str, board_cts, lines, faults) -> dict[int, list]:
    decryptions = board.get("decryptions")
    if not isinstance(decryptions, list):
        faults.add("decryptions", "decryptions must be a list")
        return {}
    alphas = [[a for a, _ in row] for row in board_cts]
    factors: dict[int, list] = {}
    for decryption in decryptions:
        j = decryption.get("trustee") if isinstance(decryption, dict) else None
        if not is_int(j) or j not in election.trustees:
            faults.add("decryption", f"a decryption names trustee {j!r}, who is not one of the trustees")
            continue
        if j in factors:
            faults.add("decryption twice", f"trustee {j}: two decryptions")
            continue
        try:
            factors[j] = trustees.decryption_factors(h, election.trustees[j], alphas, decryption, election.questions)
        except (ValueError, TypeError, KeyError) as exc:
            faults.add("decryption", f"trustee {j}: its partial decryption fails: {exc}")
    if factors:
        lines.append(
            f"Partial decryptions: {len(factors)} ({', '.join(f'trustee {j}' for j in sorted(factors))}),"
            " every proof holding."
        )
    return factors


def _count_table(value, election: Election) -> bool:
    return (
        isinstance(value, list)
        and len(value) == len(election.questions)
        and all(
            isinstance(row, list) and len(row) == len(q.options) and all(is_int(k) and k >= 0 for k in row)
            for q, row in zip(election.questions, value, strict=True)
        )
    )


def _verify_paper(board, election: Election, faults: _Faults) -> dict | None:
    """The paper ballots' counts (check 8): each at most ``paper.ballots``, and per question from
    ``ballots × min`` to ``ballots × max`` marks in all. Returns the paper when it can be read."""
    paper = board.get("paper")
    if not isinstance(paper, dict) or paper.keys() != {"ballots", "counts"}:
        faults.add("paper", "paper must be {'ballots', 'counts'}")
        return None
    p = paper["ballots"]
    if not is_int(p) or p < 0 or not _count_table(paper["counts"], election):
        faults.add("paper", "paper's ballots must be a number and its counts, per question, a count per option")
        return None
    for question, row in zip(election.questions, paper["counts"], strict=True):
        for option, count in zip(question.options, row, strict=True):
            if count > p:
                faults.add(
                    "paper", f"question {question.id}, option {option}: {count} paper marks from {p} paper ballots"
                )
        if not p * question.min <= sum(row) <= p * question.max:
            faults.add(
                "paper marks",
                f"question {question.id}: {sum(row)} paper marks from {p} paper ballots of {question.min} to"
                f" {question.max} mark(s) each",
            )
    return paper


def _verify_result(board, election: Election, board_cts, factors, counted: int, lines, faults) -> None:
    result = board.get("result")
    if result is None:
        lines.append("Result: not published yet.")
        return
    before = faults.total()
    paper = _verify_paper(board, election, faults)
    if not isinstance(result, dict) or result.keys() != {"trustees_used", "online", "totals"}:
        faults.add("result", "result must be {'trustees_used', 'online', 'totals'}")
        return
    used = result["trustees_used"]
    t = election.threshold
    if not isinstance(used, list) or len(used) != t or not all(is_int(j) for j in used) or len(set(used)) != t:
        faults.add("trustees used", f"trustees_used must list {t} distinct trustees")
        used = None
    else:
        missing = [j for j in used if j not in factors]
        if missing:
            faults.add(
                "trustees used", f"trustees_used names trustee {missing[0]}, who has no valid partial decryption"
            )
            used = None
    online, totals = result["online"], result["totals"]
    if not _count_table(online, election) or not _count_table(totals, election):
        faults.add("result", "online and totals must be, per question, a count per option")
        return
    decrypted = None
    if used is not None:
        try:
            decrypted = trustees.combine_factors(board_cts, {j: factors[j] for j in used}, counted, election.questions)
        except ValueError as exc:
            faults.add("combination", f"the combination does not decrypt: {exc}")
    if paper is None:
        return
    p = paper["ballots"]
    for q, question in enumerate(election.questions):
        for k, option in enumerate(question.options):
            where = f"question {question.id}, option {option}"
            a, c, total = online[q][k], paper["counts"][q][k], totals[q][k]
            if decrypted is not None and a != decrypted[q][k]:
                faults.add("online", f"{where}: the online count is {a}; the decryption gives {decrypted[q][k]}")
            if total != a + c:
                faults.add("totals", f"{where}: the total is {total}, not online {a} + paper {c} = {a + c}")
            if a > counted:
                faults.add("count", f"{where}: {a} online marks from {counted} counted ballots")
    if faults.total() == before:
        lines.append(
            f"Result: trustees {', '.join(map(str, used))} (threshold {t}) decrypt the tally to the published online"
            f" counts; totals = online + paper ({p} paper ballots)."
        )
    else:
        lines.append(f"Result: the published figures, which do not all hold ({p} paper ballots):")
    for number, question in enumerate(election.questions):
        record = election.record["questions"][number]
        lines.append(f"  {question.id} {_label(record.get('text'))}")
        for k, option in enumerate(question.options):
            label = _label(record["options"][k].get("label"))
            figures = f"online {online[number][k]} + paper {paper['counts'][number][k]} = {totals[number][k]}"
            lines.append(f"    {option} {label}: {figures}")
