"""The booth's JavaScript (assets/js/referendum-crypto.mjs) against the Python protocol.

The booth encrypts ballots in the voter's browser; the platform and the verifier check them with
ecitizen.voting.protocol. These tests run the JavaScript under Node (assets/js/referendum-cli.mjs,
with the noble modules as the build copies them to static/build/noble/) and check its ballots,
credentials, hashes and audits in Python, and Python's ballots in JavaScript. No browser.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ecitizen.voting.protocol import ballots, credentials, hashing, trustees

ROOT = Path(__file__).resolve().parents[4]
SOURCES = ("referendum-crypto.mjs", "referendum-cli.mjs")
CODE = "KZ7Q-M2XA-PL4D-WN6C-RT3B-HJ5E"
UUID = "3f5c1d2e-8a4b-4c6d-9e0f-1a2b3c4d5e6f"


@pytest.fixture(scope="module")
def cli(tmp_path_factory) -> Path:
    """The current sources in a js/ folder next to the built noble modules, as under static/build/."""
    node = shutil.which("node")
    assert node, "node is needed (make install installs it)"
    noble = ROOT / "static" / "build" / "noble"
    assert (noble / "curves" / "ed25519.js").is_file(), "static/build/noble is missing: run `node assets/build.mjs`"
    root = tmp_path_factory.mktemp("booth")
    (root / "js").mkdir()
    for name in SOURCES:
        shutil.copy(ROOT / "assets" / "js" / name, root / "js" / name)
    (root / "noble").symlink_to(noble, target_is_directory=True)
    return root / "js" / "referendum-cli.mjs"


def run(cli: Path, request: dict, *, ok: bool = True) -> dict:
    result = subprocess.run(
        ["node", str(cli)], input=json.dumps(request), capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == (0 if ok else 1), result.stdout + result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def record() -> dict:
    """An election with a real two-trustee key (t = 2), one yes/no question and one "up to two of three"."""
    sealing = [trustees.new_sealing_keypair() for _ in range(2)]
    public = {j: pair[1] for j, pair in enumerate(sealing, start=1)}
    deals = [trustees.deal(UUID, j, 2, public) for j in (1, 2)]
    for j, (secret, _) in enumerate(sealing, start=1):
        trustees.confirm(UUID, j, 2, deals, secret)
    election = {
        "uuid": UUID,
        "title": {"en": "Should the café on Main Street stay open? ✓", "ar": "استفتاء"},
        "questions": [
            {
                "id": "q1",
                "text": {"en": "Keep the café open?"},
                "options": [{"id": "o1", "label": {"en": "Yes"}}, {"id": "o2", "label": {"en": "No"}}],
                "min": 1,
                "max": 1,
            },
            {
                "id": "q2",
                "text": {"en": "Which opening hours?"},
                "options": [
                    {"id": "o1", "label": {"en": "Mornings"}},
                    {"id": "o2", "label": {"en": "Evenings"}},
                    {"id": "o3", "label": {"en": "Weekends"}},
                ],
                "min": 0,
                "max": 2,
            },
        ],
        "threshold": 2,
        "trustees": [{"index": j, "verification_key": trustees.verification_key(deals, j)} for j in (1, 2)],
        "public_key": trustees.public_key(deals),
        "opens_at": "2027-03-01T08:00:00+00:00",
        "closes_at": "2027-03-15T20:00:00+00:00",
    }
    return {"election": election, "election_hash": hashing.election_hash(election)}


@pytest.fixture(scope="module")
def cast(cli, record) -> dict:
    return run(cli, {**record, "code": CODE, "selections": [[0], [0, 2]]})


def test_js_ballot_passes_the_python_check(record, cast):
    credential = credentials.public_credential(UUID, CODE)
    checked = ballots.check(record["election"], record["election_hash"], cast["ballot"], {credential})
    assert checked.hash == cast["hash"]
    assert checked.tracker == cast["tracker"]
    assert ballots.hash_and_tracker(cast["ballot"]) == (cast["hash"], cast["tracker"])
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){4}", cast["tracker"])
    assert cast["ballot"]["credential"] == credential
    assert cast["ballot"]["election_hash"] == record["election_hash"]


def test_js_opening_passes_the_python_audit(record, cast):
    faults = ballots.check_audit(record["election"], record["election_hash"], cast["ballot"], cast["opening"])
    assert faults == []
    assert [[entry["m"] for entry in question] for question in cast["opening"]] == [[1, 0], [1, 0, 1]]


def test_the_booths_audit_file_passes_the_verifier(record, cast, tmp_path):
    # What the audit panel's download link holds, checked by the command it shows.
    path = tmp_path / f"audit-{cast['tracker']}.json"
    path.write_text(json.dumps({"election": record["election"], "ballot": cast["ballot"], "opening": cast["opening"]}))
    command = [sys.executable, "-m", "ecitizen.voting.verify", "--audit", str(path)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert cast["tracker"] in result.stdout


@pytest.mark.parametrize("code", [CODE, CODE.lower(), CODE.replace("-", ""), " kz7q m2xa-pl4d wn6c rt3b hj5e "])
def test_js_public_credential_is_pythons(cli, code):
    assert run(cli, {"op": "credential", "uuid": UUID, "code": code}) == {
        "credential": credentials.public_credential(UUID, CODE)
    }


@pytest.mark.parametrize(
    "path",
    [
        ("election_hash",),
        ("credential",),
        ("answers", 0, "choices", 1, "alpha"),
        ("answers", 0, "choices", 1, "beta"),
        ("answers", 1, "choices", 2, "proof", 0, 1),
        ("answers", 1, "overall_proof", 2, 0),
        ("signature", "c"),
        ("signature", "s"),
    ],
    ids=lambda path: "/".join(map(str, path)),
)
def test_a_ballot_with_a_flipped_byte_is_rejected(cli, record, cast, path):
    ballot = copy.deepcopy(cast["ballot"])
    *parents, last = path
    holder = ballot
    for key in parents:
        holder = holder[key]
    raw = bytearray.fromhex(holder[last])
    raw[10] ^= 0x01
    holder[last] = raw.hex()
    with pytest.raises(ballots.BallotRejected):
        ballots.check(record["election"], record["election_hash"], ballot)
    assert run(cli, {"op": "check", **record, "ballot": ballot})["faults"]
    assert run(cli, {"op": "hash", "ballot": ballot})["hash"] != cast["hash"]


def test_js_refuses_selections_the_question_does_not_allow(cli, record):
    too_many = run(cli, {**record, "code": CODE, "selections": [[0], [0, 1, 2]]}, ok=False)
    assert (too_many["error"], too_many["question"], too_many["reason"]) == ("selection", 1, "too-many")
    too_few = run(cli, {**record, "code": CODE, "selections": [[], []]}, ok=False)
    assert (too_few["error"], too_few["question"], too_few["reason"]) == ("selection", 0, "too-few")
    both = run(cli, {**record, "code": CODE, "selections": [[0, 1], []]}, ok=False)
    assert (both["question"], both["reason"]) == (0, "too-many")
    twice = run(cli, {**record, "code": CODE, "selections": [[1], [2, 2]]}, ok=False)
    assert (twice["question"], twice["reason"]) == (1, "invalid")
    missing = run(cli, {**record, "code": CODE, "selections": [[1], [3]]}, ok=False)
    assert (missing["question"], missing["reason"]) == (1, "invalid")


def test_js_refuses_a_bad_code_and_a_changed_election(cli, record):
    assert run(cli, {**record, "code": "KZ7Q-M2XA-PL4D-WN6C-RT3B-HJ5", "selections": [[0], []]}, ok=False)["error"] == (
        "code"
    )
    assert run(cli, {**record, "code": "KZ7Q-M2XA-PL4D-WN6C-RT3B-HJ51", "selections": [[0], []]}, ok=False)[
        "error"
    ] == ("code")
    changed = copy.deepcopy(record)
    changed["election"]["questions"][1]["max"] = 3
    assert run(cli, {**changed, "code": CODE, "selections": [[0], []]}, ok=False)["error"] == "election"


def test_python_ballot_passes_the_js_checks(cli, record):
    ballot, opening = ballots.encrypt(record["election"], record["election_hash"], CODE, [[1], []])
    assert run(cli, {"op": "check", **record, "ballot": ballot}) == {"faults": []}
    assert run(cli, {"op": "check_opening", **record, "ballot": ballot, "opening": opening}) == {"faults": []}
    assert run(cli, {"op": "hash", "ballot": ballot}) == dict(
        zip(["hash", "tracker"], ballots.hash_and_tracker(ballot), strict=True)
    )
    opening[1][2] = {"m": 1, "r": opening[1][2]["r"]}
    assert run(cli, {"op": "check_opening", **record, "ballot": ballot, "opening": opening})["faults"]


def test_js_canonical_json_is_pythons(cli, record):
    value = {
        "é": ["tab\t", 'quote"', "del\x7f", "nul\x00", "emoji 🗳", "ك"],
        "a": {"z": 1, "B": -2, "_": None},
        "t": True,
    }
    assert run(cli, {"op": "canonical", "value": value})["json"] == hashing.canonical_json(value)
    assert run(cli, {"op": "canonical", "value": record["election"]})["sha256"] == record["election_hash"]


def test_the_built_noble_modules_need_no_import_map():
    noble = ROOT / "static" / "build" / "noble"
    files = list(noble.rglob("*.js"))
    assert files, "static/build/noble is missing: run `node assets/build.mjs`"
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"""from\s*["']@noble/|import\s*\(?\s*["']@noble/""", text), path
        assert "sourceMappingURL" not in text, path


BOOTH_TEXTS = (
    "error-prefix",
    "code-missing",
    "code-invalid",
    "choose-one",
    "too-few-one",
    "too-few-other",
    "too-many-one",
    "too-many-other",
    "in-question",
    "encrypting",
    "encrypted",
    "sending",
    "load-failed",
    "election-failed",
    "none-chosen",
    "marked",
    "not-marked",
)


def test_the_booth_partial_holds_what_the_script_looks_for(rf):
    from django.template.loader import render_to_string

    request = rf.get("/")
    request.csp_nonce = "n0nce"
    html = render_to_string("referendums/includes/booth.html", {"request": request})
    script = (ROOT / "assets" / "js" / "referendum-booth.mjs").read_text(encoding="utf-8")
    assert re.search(r'<script type="module" src="[^"]*build/js/referendum-booth\.mjs" nonce="n0nce">', html)
    for key in BOOTH_TEXTS:
        assert f'data-booth-text="{key}"' in html, key
        family = key.removesuffix("-one").removesuffix("-other")
        assert f'"{key}"' in script or f'counted("{family}"' in script, key
    # The form carries data-booth-assisted and data-booth-submit, and the script marks the errors it
    # draws with data-booth-error and data-booth-described; everything else is the partial's.
    for name in set(re.findall(r"\[data-booth-([a-z-]+)", script)) - {"assisted", "submit", "error", "described"}:
        assert f"data-booth-{name}" in html, name
    assert "style=" not in html and "<script>" not in html
