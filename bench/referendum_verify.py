"""Time the referendum board verifier on a large board.

    .venv/bin/python bench/referendum_verify.py [--ballots 100000] [--options 5] [--workers N] [--keep]

Makes a referendum with 3 trustees (threshold 2) and one question of ``--options`` options (mark
at most one), encrypts ``--ballots`` ballots (one in fifty a re-vote that replaces the voter's
earlier ballot), has two trustees decrypt the tally, writes the board to a temporary file, then
times ``python -m ecitizen.voting.verify`` on it as a separate process and prints the figures.
The target (docs/voting-protocol.md): 100,000 ballots × 5 options verified in 300 s or less on a
2-core machine. Generation runs in parallel too, with the same number of workers.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ecitizen.voting.protocol import ballots, board, credentials, hashing, trustees  # noqa: E402

UUID = "be0c4a1e-5eed-4000-8000-00000000be0c"
_STATE: dict = {}


def make_election(options: int) -> tuple[dict, str, list[dict], dict[int, str]]:
    sealing = {j: trustees.new_sealing_keypair() for j in (1, 2, 3)}
    public = {j: pair[1] for j, pair in sealing.items()}
    deals = [trustees.deal(UUID, i, 2, public) for i in (1, 2, 3)]
    confirmed = {j: trustees.confirm(UUID, j, 2, deals, sealing[j][0]) for j in (1, 2, 3)}
    election = {
        "uuid": UUID,
        "title": {"en": "Benchmark referendum"},
        "questions": [
            {
                "id": "q1",
                "text": {"en": "Which one?"},
                "options": [{"id": f"o{k}", "label": {"en": f"Option {k}"}} for k in range(1, options + 1)],
                "min": 0,
                "max": 1,
            }
        ],
        "threshold": 2,
        "trustees": [{"index": j, "verification_key": confirmed[j][1]} for j in (1, 2, 3)],
        "public_key": trustees.public_key(deals),
        "opens_at": "2026-05-01T07:00:00+00:00",
        "closes_at": "2026-05-14T19:00:00+00:00",
    }
    return election, hashing.election_hash(election), deals, {j: confirmed[j][0] for j in (1, 2, 3)}


def _init(election: dict, election_hash: str) -> None:
    _STATE.update(election=election, h=election_hash)


def _encrypt_chunk(work: list[tuple[str, list[int]]]) -> tuple[list[dict], list[str]]:
    """Encrypt (code, marked options) pairs; returns the ballots and their public credentials."""
    made, public = [], []
    for code, marked in work:
        ballot, _ = ballots.encrypt(_STATE["election"], _STATE["h"], code, [marked])
        made.append(ballot)
        public.append(ballot["credential"])
    return made, public


def generate(count: int, options: int, workers: int, seed: int = 11) -> tuple[dict, int]:
    rng = random.Random(seed)  # noqa: S311 (which options a benchmark's voters mark)
    election, h, deals, shares = make_election(options)
    revotes = count // 50
    voters = count - revotes
    codes = [credentials.new_code() for _ in range(voters)]
    order = list(range(voters)) + sorted(rng.sample(range(voters), revotes))
    work = [(codes[v], [] if rng.random() < 0.1 else [rng.randrange(options)]) for v in order]
    size = 250
    chunks = [work[i : i + size] for i in range(0, len(work), size)]
    cast: list[dict] = []
    with multiprocessing.Pool(workers, _init, (election, h)) as pool:
        for made, _ in pool.imap(_encrypt_chunk, chunks):
            cast.extend(made)
    public = sorted({b["credential"] for b in cast})
    before = board.assemble(
        election=election, deals=deals, credentials=public, electorate_size=voters + 100, ballots=cast
    )
    decryptions = [trustees.partial_decrypt(h, j, shares[j], before["tally"]) for j in (1, 2)]
    data = board.assemble(
        election=election,
        deals=deals,
        credentials=public,
        electorate_size=voters + 100,
        ballots=cast,
        decryptions=decryptions,
        tally=before["tally"],
    )
    expected = [0] * options
    last = {}
    for code, marked in work:
        last[code] = marked
    for marked in last.values():
        for k in marked:
            expected[k] += 1
    assert data["result"]["online"] == [expected], "the decrypted counts are not the votes cast"
    return data, len(last)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--options", type=int, default=5)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep", action="store_true", help="keep the board file and print its name")
    args = parser.parse_args()

    started = time.perf_counter()
    data, counted = generate(args.ballots, args.options, args.workers)
    generation = time.perf_counter() - started
    handle, name = tempfile.mkstemp(prefix="referendum-board-", suffix=".json")
    with os.fdopen(handle, "w") as out:
        json.dump(data, out)
    megabytes = os.path.getsize(name) / 1e6

    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 (our own verifier, on our own file)
        [sys.executable, "-m", "ecitizen.voting.verify", name, "--workers", str(args.workers)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    verification = time.perf_counter() - started
    if args.keep:
        print(f"board: {name}")
    else:
        os.unlink(name)
    if done.returncode != 0:
        print(done.stdout + done.stderr)
        print(f"the verifier exited {done.returncode}")
        return 1
    print(f"ballots: {args.ballots} ({counted} counted, {args.ballots - counted} replaced)")
    print(f"options: {args.options} (one question, at most one mark)")
    print(f"board file: {megabytes:.1f} MB")
    print(f"workers: {args.workers}")
    print(f"generation: {generation:.1f} s")
    print(f"verification: {verification:.1f} s (python -m ecitizen.voting.verify, as a subprocess)")
    print(f"per ballot: {1000 * verification / args.ballots:.2f} ms")
    print(f"100,000 ballots at this rate: {verification / args.ballots * 100_000:.0f} s (target: 300 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
