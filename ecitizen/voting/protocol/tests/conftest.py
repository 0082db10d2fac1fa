"""An election with three trustees (threshold 2), ballots, and boards to verify.

Every test here is pure Python: no database, no Django.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import pytest

from ecitizen.voting.protocol import ballots, board, credentials, hashing, trustees


@dataclass
class Setup:
    uuid: str
    sealing: dict[int, tuple[str, str]]  # j -> (secret, public)
    deals: list[dict]
    shares: dict[int, str]  # j -> x_j
    election: dict
    election_hash: str


def make_election(uuid: str, verification_keys: dict[int, str], public_key: str, threshold: int = 2) -> dict:
    return {
        "uuid": uuid,
        "title": {"en": "Referendum", "fr": "Référendum"},
        "questions": [
            {
                "id": "q1",
                "text": {"en": "Should the park open at night?"},
                "options": [{"id": "yes", "label": {"en": "Yes"}}, {"id": "no", "label": {"en": "No"}}],
                "min": 1,
                "max": 1,
            },
            {
                "id": "q2",
                "text": {"en": "Which two projects?"},
                "options": [{"id": f"p{k}", "label": {"en": f"Project {k}"}} for k in range(1, 5)],
                "min": 0,
                "max": 2,
            },
        ],
        "threshold": threshold,
        "trustees": [{"index": j, "verification_key": y} for j, y in sorted(verification_keys.items())],
        "public_key": public_key,
        "opens_at": "2026-03-01T08:00:00+00:00",
        "closes_at": "2026-03-15T20:00:00+00:00",
    }


def make_setup(uuid: str = "6f1c2a4e-0000-4000-8000-000000000001", n: int = 3, threshold: int = 2) -> Setup:
    sealing = {j: trustees.new_sealing_keypair() for j in range(1, n + 1)}
    public = {j: pair[1] for j, pair in sealing.items()}
    deals = [trustees.deal(uuid, i, threshold, public) for i in range(1, n + 1)]
    confirmed = {j: trustees.confirm(uuid, j, threshold, deals, sealing[j][0]) for j in range(1, n + 1)}
    election = make_election(uuid, {j: y for j, (_, y) in confirmed.items()}, trustees.public_key(deals), threshold)
    return Setup(
        uuid, sealing, deals, {j: x for j, (x, _) in confirmed.items()}, election, hashing.election_hash(election)
    )


@pytest.fixture(scope="session")
def setup() -> Setup:
    return make_setup()


@pytest.fixture(scope="session")
def other_setup() -> Setup:
    return make_setup(uuid="6f1c2a4e-0000-4000-8000-000000000002")


# Votes of the board: (voter, q1 choice, q2 choices). Voter 0 votes again (ballot 4 replaces 1),
# and voter 2 votes three times (ballots 3 and 5 replaced by 6).
VOTES = [(0, [1], [0]), (1, [0], [0, 1]), (2, [0], []), (0, [0], [2, 3]), (2, [1], [3]), (2, [0], [1, 3]), (3, [1], [])]
# The counted ballots: 2, 4, 6, 7.
EXPECTED_ONLINE = [[3, 1], [1, 2, 1, 2]]


@dataclass
class Votes:
    codes: list[str]
    credentials: list[str]
    ballots: list[dict]


@pytest.fixture(scope="session")
def votes(setup) -> Votes:
    codes = [credentials.new_code() for _ in range(5)]  # voter 4 never votes
    cast = [ballots.encrypt(setup.election, setup.election_hash, codes[v], [q1, q2])[0] for v, q1, q2 in VOTES]
    public = [credentials.public_credential(setup.uuid, code) for code in codes]
    return Votes(codes, public, cast)


@pytest.fixture(scope="session")
def good_board(setup, votes) -> dict:
    unsigned = board.assemble(
        election=setup.election,
        deals=setup.deals,
        credentials=votes.credentials,
        electorate_size=6,
        ballots=votes.ballots,
    )
    decryptions = [trustees.partial_decrypt(setup.election_hash, j, setup.shares[j], unsigned["tally"]) for j in (3, 1)]
    return board.assemble(
        election=setup.election,
        deals=setup.deals,
        credentials=votes.credentials,
        electorate_size=6,
        ballots=votes.ballots,
        decryptions=decryptions,
        paper={"ballots": 2, "counts": [[1, 1], [0, 0, 2, 1]]},
    )


@pytest.fixture
def a_board(good_board) -> dict:
    """A copy of the good board, for a test to spoil."""
    return copy.deepcopy(good_board)
