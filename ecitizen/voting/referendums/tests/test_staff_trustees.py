"""The trustees' uploads: what the trustee tool wrote is checked, and a bad file is a clear message
at the upload field, never a 500 and never saved."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.voting.protocol import trustees
from ecitizen.voting.referendums import setup_services, trustee_services
from ecitizen.voting.referendums.models import Stage, Trustee

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _upload(client, referendum, step, **data):
    return client.post(reverse("referendums_staff:trustee_upload", args=[referendum.pk, step]), data)


def _rows(referendum) -> list[Trustee]:
    return list(Trustee.objects.filter(referendum=referendum).order_by("index"))


def _registered(make_referendum):
    """A referendum in key generation whose three trustees have registered; their sealing secrets."""
    referendum = make_referendum("keys").referendum
    secrets = {}
    for row in _rows(referendum):
        secrets[row.index], public = trustees.new_sealing_keypair()
        trustee_services.trustee_register(actor=row.user, trustee=row, registration={"sealing_key": public})
    return referendum, secrets


def _sealing_keys(referendum) -> dict[int, str]:
    return {t.index: t.sealing_key for t in _rows(referendum)}


def test_register_checks_the_file(make_referendum, referendum_people):
    referendum = make_referendum("keys").referendum
    client = _client(referendum_people["trustees"][0])
    response = _upload(client, referendum, "register", pasted="{not json")
    assert response.status_code == 400
    assert "This is not valid JSON" in response.content.decode()
    response = _upload(client, referendum, "register", pasted='["a list"]')
    assert "it must be a JSON object" in response.content.decode()
    _secret, public = trustees.new_sealing_keypair()
    response = _upload(client, referendum, "register", pasted=json.dumps({"sealing_key": public, "index": 2}))
    assert response.status_code == 400
    assert "This file is for trustee 2, and you are trustee 1" in response.content.decode()
    response = _upload(client, referendum, "register", pasted=json.dumps({"sealing_key": "XYZ"}))
    assert "64 lower-case hexadecimal characters" in response.content.decode()
    binary = SimpleUploadedFile("registration.json", b"\xff\xfe\x00garbage")
    response = _upload(client, referendum, "register", file=binary)
    assert response.status_code == 400 and "This file is not text" in response.content.decode()
    response = _upload(client, referendum, "register")
    assert "Choose the file the tool wrote" in response.content.decode()
    assert not Trustee.objects.filter(referendum=referendum).exclude(sealing_key="").exists()
    response = _upload(client, referendum, "register", pasted=json.dumps({"sealing_key": public}))
    assert response.status_code == 302
    assert _rows(referendum)[0].sealing_key == public
    assert AuditLog.objects.filter(action=AuditAction.REF_TRUSTEE_REGISTERED).count() == 1


def test_a_bad_deal_is_refused_with_a_message(make_referendum, referendum_people):
    referendum, _secrets = _registered(make_referendum)
    client = _client(referendum_people["trustees"][0])
    deal = trustees.deal(str(referendum.uuid), 1, referendum.threshold, _sealing_keys(referendum))
    forged = {**deal, "commitments": [deal["commitments"][1], deal["commitments"][0]]}
    response = _upload(client, referendum, "deal", pasted=json.dumps(forged))
    assert response.status_code == 400
    assert "The deal&#x27;s proof does not hold" in response.content.decode()
    other = trustees.deal("another-referendum", 1, referendum.threshold, _sealing_keys(referendum))
    response = _upload(client, referendum, "deal", pasted=json.dumps(other))
    assert "proof does not hold" in response.content.decode()
    short = {**deal, "shares": {"1": deal["shares"]["1"]}}
    response = _upload(client, referendum, "deal", pasted=json.dumps(short))
    assert "one sealed share for each of the 3 trustees" in response.content.decode()
    assert not _rows(referendum)[0].deal
    assert _upload(client, referendum, "deal", pasted=json.dumps(deal)).status_code == 302
    assert _rows(referendum)[0].deal["commitments"] == deal["commitments"]
    # Registering again is refused once someone has dealt.
    _secret, public = trustees.new_sealing_keypair()
    response = _upload(client, referendum, "register", pasted=json.dumps({"sealing_key": public}))
    assert "sealing keys can no longer change" in response.content.decode()


def test_dealing_waits_for_every_registration(make_referendum, referendum_people):
    referendum = make_referendum("keys").referendum
    rows = _rows(referendum)
    keys = {}
    for row in rows[:2]:
        _secret, keys[row.index] = trustees.new_sealing_keypair()
        trustee_services.trustee_register(actor=row.user, trustee=row, registration={"sealing_key": keys[row.index]})
    keys[3] = trustees.new_sealing_keypair()[1]
    deal = trustees.deal(str(referendum.uuid), 1, 2, keys)
    with pytest.raises(ValidationError, match="Wait until every trustee has registered"):
        trustee_services.trustee_deal(actor=rows[0].user, trustee=rows[0], deal=deal)
    assert trustee_services.setup_json(rows[0]) is None
    response = _client(rows[0].user).get(reverse("referendums_staff:trustee_setup_json", args=[referendum.pk]))
    assert response.status_code == 404


def test_a_wrong_confirmation_is_refused_and_the_last_one_stores_the_key(make_referendum, referendum_people):
    referendum, secrets = _registered(make_referendum)
    rows = _rows(referendum)
    keys = _sealing_keys(referendum)
    deals = {}
    for row in rows:
        deals[row.index] = trustees.deal(str(referendum.uuid), row.index, 2, keys)
        trustee_services.trustee_deal(actor=row.user, trustee=row, deal=deals[row.index])
    client = _client(rows[0].user)
    wrong = trustees.verification_key(list(deals.values()), 2)  # trustee 2's key, not 1's
    response = _upload(client, referendum, "confirm", pasted=json.dumps({"index": 1, "verification_key": wrong}))
    assert response.status_code == 400
    assert "commitments give for trustee 1" in response.content.decode()
    for row in rows:
        row.refresh_from_db()
        sheet = trustee_services.deals_json(row)
        _x, y = trustees.confirm(sheet["uuid"], row.index, 2, sheet["deals"], secrets[row.index])
        trustee_services.trustee_confirm(actor=row.user, trustee=row, confirmation={"verification_key": y})
    referendum.refresh_from_db()
    assert referendum.public_key == trustees.public_key(list(deals.values()))
    assert referendum.stage == Stage.KEYS  # nobody has signed off the setup yet
    assert setup_services.key_complete(referendum)
    row = AuditLog.objects.filter(action=AuditAction.REF_TRUSTEE_CONFIRMED).latest("pk")
    assert row.extra["key_complete"] is True and row.extra["ready"] is False


def test_a_bad_decryption_is_refused_with_a_message(make_referendum, make_voter, referendum_people):
    voters = [make_voter() for _ in range(2)]
    built = make_referendum("counting", voters=voters, ballots=[(voters[0], [[0]]), (voters[1], [[1]])])
    referendum = built.referendum
    client = _client(referendum_people["trustees"][0])
    # Made with trustee 2's share but claimed by trustee 1: the proofs fail against 1's key.
    forged = trustees.partial_decrypt(referendum.election_hash, 1, built.shares[2], referendum.tally)
    response = _upload(client, referendum, "decrypt", pasted=json.dumps(forged))
    assert response.status_code == 400
    assert "The proofs of this decryption do not hold" in response.content.decode()
    response = _upload(client, referendum, "decrypt", pasted=json.dumps(built.decryption(2)))
    assert "This decryption is by trustee 2, and you are trustee 1" in response.content.decode()
    response = _upload(client, referendum, "decrypt", pasted=json.dumps({"trustee": 1, "factors": "nonsense"}))
    assert "do not hold" in response.content.decode()
    assert not Trustee.objects.filter(referendum=referendum, decrypted_at__isnull=False).exists()
    assert _upload(client, referendum, "decrypt", pasted=json.dumps(built.decryption(1))).status_code == 302
    referendum.refresh_from_db()
    assert referendum.stage == Stage.COUNTING  # one of two needed
    second = _rows(referendum)[1]
    trustee_services.trustee_decrypt(actor=second.user, trustee=second, decryption=built.decryption(2))
    referendum.refresh_from_db()
    assert referendum.stage == Stage.RESULT
    assert referendum.result == {"trustees_used": [1, 2], "online": [[1, 1]]}
    assert AuditLog.objects.filter(action=AuditAction.REF_DECRYPTED).count() == 2
    assert AuditLog.objects.filter(action=AuditAction.REF_RESULT_COMPUTED).count() == 1
    # Nothing to decrypt any more.
    third = _rows(referendum)[2]
    with pytest.raises(ValidationError, match="not waiting for decryption"):
        trustee_services.trustee_decrypt(actor=third.user, trustee=third, decryption=built.decryption(3))


def test_only_the_trustee_acts_as_themselves(make_referendum, referendum_people, admin_a, caseworker_b):
    referendum = make_referendum("keys").referendum
    rows = _rows(referendum)
    _secret, public = trustees.new_sealing_keypair()
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        trustee_services.trustee_register(actor=rows[1].user, trustee=rows[0], registration={"sealing_key": public})
    page = reverse("referendums_staff:trustee", args=[referendum.pk])
    assert _client(admin_a).get(page).status_code == 403  # staff of the agency, not a trustee
    assert _client(caseworker_b).get(page).status_code == 404  # another agency
    assert _client(rows[0].user).get(page).status_code == 200


def test_restarting_key_generation_forgets_every_message(make_referendum, admin_a):
    built = make_referendum("ready")
    referendum = setup_services.key_generation_restart(actor=admin_a, referendum=built.referendum)
    assert referendum.stage == Stage.DRAFT and referendum.public_key == ""
    assert all(not t.sealing_key and not t.deal and not t.confirmed_at for t in _rows(referendum))


def test_the_trustee_tool_decrypts_what_the_pages_serve_after_checking_the_board(
    make_referendum, make_voter, referendum_people, tmp_path
):
    """The decrypt step end to end: the trustee page offers the board and the command with
    --board; the tool, given the page's tally.json and the public board.json, verifies the board,
    decrypts, and its output is accepted by the upload form. A tally that is not the board's sum
    (here: one ballot's ciphertexts) is refused by the tool."""
    import subprocess
    import sys

    voters = [make_voter() for _ in range(3)]
    built = make_referendum(
        "counting", voters=voters, ballots=[(voters[0], [[0]]), (voters[1], [[1]]), (voters[2], [[0]])]
    )
    referendum = built.referendum
    row = _rows(referendum)[0]
    client = _client(row.user)
    page = client.get(reverse("referendums_staff:trustee", args=[referendum.pk])).content.decode()
    board_url = reverse("referendums:board_json", args=[referendum.pk])
    assert board_url in page and "--board board.json" in page
    tally = client.get(reverse("referendums_staff:trustee_tally_json", args=[referendum.pk]))
    board = client.get(board_url)
    (tmp_path / "tally.json").write_bytes(tally.content)
    (tmp_path / "board.json").write_bytes(b"".join(board.streaming_content))
    deal = referendum.trustees.get(index=1).deal
    key = {
        "format": "ecitizen-trustee-key/1",
        "sealing_secret": built.sealing[1],
        "sealing_key": row.sealing_key,
        "index": 1,
        "uuid": str(referendum.uuid),
        "threshold": referendum.threshold,
        "trustees": referendum.trustee_count,
        "commitments": deal["commitments"],
        "share": built.shares[1],
        "verification_key": row.verification_key,
        "public_key": referendum.public_key,
    }
    (tmp_path / "key.json").write_text(json.dumps(key))
    (tmp_path / "key.json").chmod(0o600)

    def tool(tally_file: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "ecitizen.voting.trustee", "decrypt", "--key", "key.json"]
            + ["--tally", tally_file, "--board", "board.json", "--out", f"out-{tally_file}"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            env={"PYTHONPATH": str(__import__("django").conf.settings.BASE_DIR), "PATH": "/usr/bin:/bin"},
        )

    done = tool("tally.json")
    assert done.returncode == 0, done.stdout + done.stderr
    # A "tally" that is one ballot's ciphertexts: the tool refuses to decrypt it.
    single = json.loads(tally.content)
    first = json.loads(referendum.board.get(n=1).ballot)
    single["tally"] = [[{"alpha": c["alpha"], "beta": c["beta"]} for c in a["choices"]] for a in first["answers"]]
    (tmp_path / "single.json").write_text(json.dumps(single))
    refused = tool("single.json")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert not (tmp_path / "out-single.json").exists()
    upload = (tmp_path / "out-tally.json").read_text()
    assert _upload(client, referendum, "decrypt", pasted=upload).status_code == 302
    assert Trustee.objects.get(pk=row.pk).decrypted_at is not None
