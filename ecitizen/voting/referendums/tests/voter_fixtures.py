"""Fixtures of the voter's side: referendums already open (or closed, or published) with a real
election key from three trustees (threshold 2), voters on the marked register with credential
codes that only the test knows, and a helper that counts and publishes a referendum the way the
trustees would. Imported by ``test_public_*.py`` and ``test_board_*.py``
(``from .voter_fixtures import *``).

Rows are written directly, so that the voter's pages can be tested on their own; the staff
helper's services make them for real (their tests cover that).
"""

from __future__ import annotations

import datetime
import itertools
import json
from dataclasses import dataclass, field

import pytest
import time_machine
from django.utils import timezone

from ecitizen.voting.protocol import ballots, credentials, hashing, trustees
from ecitizen.voting.protocol import tally as protocol_tally

_seq = itertools.count(1)

# Every test of the voter's side runs at this instant (the clock ticks from there).
PINNED = datetime.datetime(2026, 6, 10, 12, 0, tzinfo=datetime.UTC)

DEFAULT_QUESTIONS = [
    # (text per language, options per language, fewest marks, most marks)
    (
        {
            "en": "Should the old library become a community centre?",
            "fr": "La vieille bibliothèque doit-elle devenir un centre social ?",
        },
        [{"en": "Yes", "fr": "Oui"}, {"en": "No", "fr": "Non"}],
        1,
        1,
    ),
    (
        {"en": "Which rooms should it have?", "fr": "Quelles salles doit-il avoir ?"},
        [{"en": "A café"}, {"en": "A workshop"}, {"en": "A garden room"}],
        0,
        2,
    ),
]


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(PINNED, tick=True):
        yield


@dataclass
class Key:
    """An election key made by three trustees (t = 2), with their secret shares (tests only)."""

    deals: list[dict]
    shares: dict[int, str]  # j -> x_j
    public_key: str
    verification_keys: dict[int, str]


def make_key(uuid: str, n: int = 3, t: int = 2) -> Key:
    sealing = {j: trustees.new_sealing_keypair() for j in range(1, n + 1)}
    public = {j: pair[1] for j, pair in sealing.items()}
    deals = [trustees.deal(uuid, j, t, public) for j in range(1, n + 1)]
    shares = {j: trustees.confirm(uuid, j, t, deals, sealing[j][0])[0] for j in range(1, n + 1)}
    return Key(
        deals=deals,
        shares=shares,
        public_key=trustees.public_key(deals),
        verification_keys={j: trustees.verification_key(deals, j) for j in range(1, n + 1)},
    )


@dataclass
class Built:
    referendum: object
    key: Key
    codes: dict[int, str] = field(default_factory=dict)  # user pk -> credential code

    def code(self, user) -> str:
        return self.codes[user.pk]

    def encrypt(self, user_or_code, selections) -> dict:
        """A ballot as the browser makes it (the booth's JavaScript is checked against the same
        protocol in test_booth_js)."""
        code = user_or_code if isinstance(user_or_code, str) else self.code(user_or_code)
        r = self.referendum
        ballot, _opening = ballots.encrypt(r.election, r.election_hash, code, selections)
        return ballot


def open_referendum_for(
    *,
    agency,
    officer,
    voters=(),
    stage="open",
    questions=None,
    opens=datetime.timedelta(days=-1),
    closes=datetime.timedelta(days=6),
    no_credential=(),
    trustee_users=None,
    **fields,
) -> Built:
    """A referendum of *agency* (returning officer *officer*) whose electorate holds *voters*, each
    with a credential code (``built.codes``) except those in *no_credential* (on the register
    without one). A plain function, so that the audit scenarios can use it too."""
    from ecitizen.voting.budgeting.eligibility import voter_key_for
    from ecitizen.voting.referendums.models import (
        ElectorateEntry,
        Option,
        PublicCredential,
        Question,
        Referendum,
        Stage,
        Trustee,
    )

    now = timezone.now()
    n = next(_seq)
    values = {
        "agency": agency,
        "title": {"en": f"Community centre vote {n}", "fr": f"Vote sur le centre social {n}"},
        "description": {"en": "Residents decide what becomes of the old library."},
        "opens_at": now + opens,
        "closes_at": now + closes,
        "returning_officer": officer,
        "created_by": officer,
        "trustee_count": 3,
        "threshold": 2,
        "stage": stage,
    }
    values.update(fields)
    referendum = Referendum.objects.create(**values)
    uuid = str(referendum.uuid)
    key = make_key(uuid)
    record_questions = []
    for position, (text, labels, low, high) in enumerate(questions or DEFAULT_QUESTIONS, start=1):
        question = Question.objects.create(
            referendum=referendum, position=position, text=text, min_choices=low, max_choices=high
        )
        for k, label in enumerate(labels, start=1):
            Option.objects.create(question=question, position=k, label=label)
        record_questions.append(
            {
                "id": f"q{position}",
                "text": text,
                "options": [{"id": f"o{k}", "label": label} for k, label in enumerate(labels, start=1)],
                "min": low,
                "max": high,
            }
        )
    users = list(trustee_users or [])
    for j, deal in enumerate(key.deals, start=1):
        Trustee.objects.create(
            referendum=referendum,
            index=j,
            user=users[j - 1] if j <= len(users) else officer if j == 1 else _trustee_user(agency, j, n),
            deal=deal,
            verification_key=key.verification_keys[j],
            confirmed_at=now,
        )
    built = Built(referendum=referendum, key=key)
    if stage not in (Stage.DRAFT, Stage.KEYS, Stage.READY):
        election = {
            "uuid": uuid,
            "title": referendum.title,
            "questions": record_questions,
            "threshold": 2,
            "trustees": [{"index": j, "verification_key": key.verification_keys[j]} for j in (1, 2, 3)],
            "public_key": key.public_key,
            "opens_at": referendum.opens_at.astimezone(datetime.UTC).isoformat(),
            "closes_at": referendum.closes_at.astimezone(datetime.UTC).isoformat(),
        }
        public = []
        for user in voters:
            online = user not in no_credential
            ElectorateEntry.objects.create(
                referendum=referendum, voter_key=voter_key_for(user), user=user, credential_sent=online
            )
            if online:
                code = credentials.new_code()
                built.codes[user.pk] = code
                public.append(credentials.public_credential(uuid, code))
        for credential in sorted(public):
            PublicCredential.objects.create(referendum=referendum, credential=credential)
        referendum.election = election
        referendum.election_hash = hashing.election_hash(election)
        referendum.public_key = key.public_key
        referendum.opened_at = referendum.opens_at
        referendum.electorate_size = len(voters)
        referendum.credentials_issued = len(public)
        referendum.save()
    return built


@pytest.fixture
def make_referendum_for_voters(agency_a, admin_a):
    """``make(voters=[user, ...], stage="open", questions=..., opens=-1 day, closes=+6 days,
    no_credential=[user, ...], **fields)``: :func:`open_referendum_for` in Agency A, returning
    officer ``admin_a``."""

    def make(**kwargs) -> Built:
        return open_referendum_for(agency=agency_a, officer=admin_a, **kwargs)

    return make


def _trustee_user(agency, j: int, n: int):
    from ecitizen.accounts.models import User
    from ecitizen.agencies.models import Membership

    user = User.objects.create_user(email=f"trustee{j}-{n}@council.example", password="x")
    Membership.objects.create(user=user, agency=agency, role="agency_admin")
    return user


@pytest.fixture
def voters(make_user):
    """Three citizens (accounts only: their voter key is their account)."""
    return [make_user(f"voter{next(_seq)}@example.org", given_name="Voter", family_name=str(i)) for i in range(3)]


def publish(built: Built, *, paper_counts=None, paper_ballots: int = 0, used=(1, 2)) -> None:
    """Close, tally, decrypt (trustees *used*) and publish, as the staff side would."""
    from ecitizen.voting.referendums.models import BoardBallot, Stage, Trustee

    referendum = built.referendum
    referendum.refresh_from_db()
    acc = protocol_tally.empty(referendum.election)
    counted = 0
    for text in BoardBallot.objects.filter(referendum=referendum, replaced_by__isnull=True).values_list(
        "ballot", flat=True
    ):
        protocol_tally.add(acc, json.loads(text))
        counted += 1
    decryptions = []
    for j in used:
        decryption = trustees.partial_decrypt(referendum.election_hash, j, built.key.shares[j], acc)
        Trustee.objects.filter(referendum=referendum, index=j).update(
            decryption=decryption, decrypted_at=timezone.now()
        )
        decryptions.append(decryption)
    trustees_used, online = trustees.combine(referendum.election, acc, decryptions, max_count=counted)
    paper = paper_counts or [[0] * len(q["options"]) for q in referendum.election["questions"]]
    totals = [[a + b for a, b in zip(r1, r2, strict=True)] for r1, r2 in zip(online, paper, strict=True)]
    referendum.tally = acc
    referendum.counted_ballots = counted
    referendum.result = {
        "trustees_used": trustees_used,
        "online": online,
        "paper": {"ballots": paper_ballots, "counts": paper},
        "spoilt": 0,
        "totals": totals,
    }
    referendum.stage = Stage.PUBLISHED
    referendum.published_at = timezone.now()
    referendum.save()
