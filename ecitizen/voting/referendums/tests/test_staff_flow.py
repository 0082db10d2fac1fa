"""The whole staff path of a referendum, from the draft to the published result, with real
cryptography: the setup through the pages, trustee 1 through their page (downloading what the
trustee tool reads and uploading what it writes), the others through the services, voters with the
codes they were emailed, a paper ballot at a counter typed in by two people, the decryption, the
two sign-offs and the publication; then the board verifies."""

from __future__ import annotations

import datetime
import json
import re

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.voting.protocol import ballots, trustees
from ecitizen.voting.referendums import opening_services, trustee_services
from ecitizen.voting.referendums.models import (
    BoardBallot,
    ElectorateEntry,
    PaperSheet,
    Referendum,
    SheetState,
    Stage,
    Trustee,
)

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 3, 10, 12, 0, tzinfo=datetime.UTC)
CODE = re.compile(r"\b([A-Z2-7]{4}(?:-[A-Z2-7]{4}){5})\b")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, *args) -> str:
    return reverse(f"referendums_staff:{name}", args=args)


def cast(referendum, code: str, selections) -> BoardBallot:
    """A voter's browser-made ballot put on the board (what the voter's pages do after checking it)."""
    ballot, _opening = ballots.encrypt(referendum.election, referendum.election_hash, code, selections)
    listed = set(referendum.credentials.values_list("credential", flat=True))
    checked = ballots.check(referendum.election, referendum.election_hash, ballot, listed)
    n = BoardBallot.objects.filter(referendum=referendum).count() + 1
    BoardBallot.objects.filter(referendum=referendum, credential=checked.credential, replaced_by__isnull=True).update(
        replaced_by=n
    )
    return BoardBallot.objects.create(
        referendum=referendum,
        n=n,
        credential=checked.credential,
        ballot=json.dumps(ballot),
        hash=checked.hash,
        tracker=checked.tracker.replace("-", ""),  # stored without dashes (20 characters)
    )


def test_from_draft_to_published(
    referendum_people, admin_a, caseworker_a, make_voter, districts, django_capture_on_commit_callbacks
):
    officer, people = referendum_people["officer"], referendum_people["trustees"]
    with time_machine.travel(NOW, tick=False) as clock:
        voters = [make_voter("old_town") for _ in range(3)] + [make_voter("millbrook")]
        admin = client_for(admin_a)

        # 1. The setup, through the pages.
        response = admin.post(
            url("new"),
            {
                "title_en": "New library",
                "title_fr": "Nouvelle bibliothèque",
                "description_en": "Should the city build a new library in the Old Town?",
                "opens_on": "2027-04-01",
                "closes_on": "2027-04-14",
                "min_age": "16",
                "residents_only": "on",
                "identity_level": "verified",
                "paper_voting": "on",
                "assisted_voting": "on",
                "returning_officer": str(officer.pk),
                "trustees": [str(p.pk) for p in people],
                "threshold": "2",
            },
        )
        referendum = Referendum.objects.get()
        assert response.status_code == 302, response.content.decode()[:3000]
        assert response["Location"] == url("detail", referendum.pk)
        assert referendum.stage == Stage.DRAFT
        assert referendum.title == {"en": "New library", "fr": "Nouvelle bibliothèque"}
        assert list(referendum.trustees.order_by("index").values_list("user_id", flat=True)) == [p.pk for p in people]
        response = admin.post(
            url("question_new", referendum.pk),
            {
                "text_en": "Should the city build a new library?",
                "options_en": "Yes\nNo\n",
                "text_es": "¿Debe la ciudad construir una nueva biblioteca?",
                "options_es": "Sí\nNo",
                "min_choices": "1",
                "max_choices": "1",
            },
        )
        assert response.status_code == 302
        question = referendum.questions.get()
        assert [o.label for o in question.options.all()] == [{"en": "Yes", "es": "Sí"}, {"en": "No", "es": "No"}]
        assert admin.post(url("keys_start", referendum.pk)).status_code == 302
        referendum.refresh_from_db()
        assert referendum.stage == Stage.KEYS

        # 2. The setup is signed off by the returning officer and a second person.
        for signer in (officer, admin_a):
            client = client_for(signer)
            page = client.get(url("setup_sign_off", referendum.pk))
            assert page.status_code == 200
            response = client.post(
                url("setup_sign_off", referendum.pk), {"digest": page.context["digest"], "confirm": "on"}
            )
            assert response.status_code == 302
        referendum.refresh_from_db()
        assert referendum.stage == Stage.KEYS  # the key is not made yet

        # 3. The trustees make the key; trustee 1 through their page.
        rows = list(Trustee.objects.filter(referendum=referendum).order_by("index"))
        sealing = {}
        first = client_for(people[0])
        assert first.get(url("trustee", referendum.pk)).context["step"] == "register"
        secret, public = trustees.new_sealing_keypair()
        sealing[1] = secret
        upload = SimpleUploadedFile("registration.json", json.dumps({"sealing_key": public, "index": 1}).encode())
        assert first.post(url("trustee_upload", referendum.pk, "register"), {"file": upload}).status_code == 302
        for row in rows[1:]:
            sealing[row.index], key = trustees.new_sealing_keypair()
            trustee_services.trustee_register(actor=row.user, trustee=row, registration={"sealing_key": key})
        setup = json.loads(first.get(url("trustee_setup_json", referendum.pk)).content)
        assert setup["index"] == 1 and setup["threshold"] == 2 and len(setup["trustees"]) == 3
        keys = {t["index"]: t["sealing_key"] for t in setup["trustees"]}
        deal = trustees.deal(setup["uuid"], 1, setup["threshold"], keys)
        response = first.post(url("trustee_upload", referendum.pk, "deal"), {"pasted": json.dumps(deal)})
        assert response.status_code == 302
        for row in rows[1:]:
            row.refresh_from_db()
            made = trustees.deal(str(referendum.uuid), row.index, 2, keys)
            trustee_services.trustee_deal(actor=row.user, trustee=row, deal=made)
        shares = {}
        for row in rows:
            row.refresh_from_db()
            if row.index == 1:
                deals = json.loads(first.get(url("trustee_deals_json", referendum.pk)).content)
                x, y = trustees.confirm(deals["uuid"], 1, deals["threshold"], deals["deals"], sealing[1])
                upload = SimpleUploadedFile("confirm.json", json.dumps({"index": 1, "verification_key": y}).encode())
                response = first.post(url("trustee_upload", referendum.pk, "confirm"), {"file": upload})
                assert response.status_code == 302
            else:
                deals = trustee_services.deals_json(row)
                x, y = trustees.confirm(deals["uuid"], row.index, 2, deals["deals"], sealing[row.index])
                trustee_services.trustee_confirm(
                    actor=row.user, trustee=row, confirmation={"index": row.index, "verification_key": y}
                )
            shares[row.index] = x
        referendum.refresh_from_db()
        assert referendum.stage == Stage.READY
        assert referendum.public_key

        # 4. Voting opens on its first day: the electorate is frozen, the codes emailed.
        clock.move_to(referendum.opens_at + datetime.timedelta(minutes=3))
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert opening_services.referendums_due() == {"opened": 1, "closed": 0}
        referendum.refresh_from_db()
        assert referendum.stage == Stage.OPEN and referendum.electorate_size == 4
        codes = {m.to[0]: CODE.search(m.body).group(1) for m in mail.outbox}
        assert set(codes) == {v.email for v in voters}

        # Voters 0 and 1 vote online (voter 0 twice), voter 2 on paper at a counter.
        cast(referendum, codes[voters[0].email], [[1]])
        cast(referendum, codes[voters[1].email], [[0]])
        cast(referendum, codes[voters[0].email], [[0]])
        ElectorateEntry.objects.filter(referendum=referendum, user__in=voters[:2]).update(channel="online")
        counter = client_for(caseworker_a)
        response = counter.post(
            url("counter", referendum.pk), {"national_id": voters[2].national_id, "document_seen": "on"}
        )
        assert response.status_code == 302
        assert ElectorateEntry.objects.get(referendum=referendum, user=voters[2]).channel == "paper"

        # 5. Voting closes; the ballots are summed; the ballot paper is typed in twice.
        clock.move_to(referendum.closes_at + datetime.timedelta(minutes=3))
        assert opening_services.referendums_due() == {"opened": 0, "closed": 1}
        referendum.refresh_from_db()
        assert referendum.stage == Stage.COUNTING and referendum.counted_ballots == 2
        # (Sessions are signed in again after the clock moved: a second factor is not trusted for weeks.)
        counter, admin, first = client_for(caseworker_a), client_for(admin_a), client_for(people[0])
        for typist in (counter, admin):
            response = typist.post(url("sheets", referendum.pk), {"sheet_number": "a 001", "q0": "1"})
            assert response.status_code == 302
        assert PaperSheet.objects.get(referendum=referendum).state == SheetState.CONFIRMED

        # 6. Trustee 1 decrypts through their page, trustee 3 through the service.
        tally = json.loads(first.get(url("trustee_tally_json", referendum.pk)).content)
        decryption = trustees.partial_decrypt(tally["election_hash"], 1, shares[1], tally["tally"])
        upload = SimpleUploadedFile("decryption.json", json.dumps(decryption).encode())
        assert first.post(url("trustee_upload", referendum.pk, "decrypt"), {"file": upload}).status_code == 302
        third = rows[2]
        third.refresh_from_db()
        trustee_services.trustee_decrypt(
            actor=third.user,
            trustee=third,
            decryption=trustees.partial_decrypt(referendum.election_hash, 3, shares[3], referendum.tally),
        )
        referendum.refresh_from_db()
        assert referendum.stage == Stage.RESULT
        assert referendum.result == {"trustees_used": [1, 3], "online": [[2, 0]]}

        # 7. The result is signed off by two people, one the returning officer, and published.
        for signer in (admin_a, officer):
            client = client_for(signer)
            page = client.get(url("result", referendum.pk))
            assert page.status_code == 200
            assert [o["total"] for o in page.context["rows"][0]["options"]] == [2, 1]
            response = client.post(
                url("result_sign_off", referendum.pk), {"digest": page.context["digest"], "confirm": "on"}
            )
            assert response.status_code == 302
        response = client_for(officer).post(url("result_publish", referendum.pk), {"confirm": "on"})
        assert response.status_code == 302
        referendum.refresh_from_db()
        assert referendum.stage == Stage.PUBLISHED
        assert referendum.result["totals"] == [[2, 1]]
        assert referendum.result["paper"] == {"ballots": 1, "counts": [[0, 1]]}
        assert referendum.turnout["voted"] == 3 and referendum.turnout["eligible"] == 4
        assert referendum.turnout["districts"] == []  # both districts are smaller than 10
        assert AuditLog.objects.filter(action=AuditAction.REF_PUBLISHED, actor=officer).count() == 1
        assert client_for(officer).get(url("result", referendum.pk)).status_code == 200

    # 8. Anyone can check the published board.
    board_selectors = pytest.importorskip("ecitizen.voting.referendums.board_selectors")
    from ecitizen.voting.protocol import board

    report = board.verify(board_selectors.build_board(referendum))
    assert report.ok, report.faults


def test_every_staff_page_renders_at_every_stage(referendum_people, admin_a, make_referendum, make_voter):
    """Each back-office page answers 200 for the people who use it, whatever the stage."""
    officer, people = referendum_people["officer"], referendum_people["trustees"]
    voters = [make_voter() for _ in range(2)]
    for stage in ("draft", "keys", "ready", "open", "counting", "result", "published"):
        referendum = make_referendum(stage, voters=voters, ballots=[(voters[0], [[0]])]).referendum
        admin, trustee = client_for(admin_a), client_for(people[0])
        for name in ("detail", "result", "counter", "sheets", "setup_sign_off"):
            response = admin.get(url(name, referendum.pk))
            assert response.status_code == 200, (stage, name)
        if stage in ("draft", "keys", "ready"):
            assert admin.get(url("edit", referendum.pk)).status_code == 200
            assert admin.get(url("question_new", referendum.pk)).status_code == 200
        page = trustee.get(url("trustee", referendum.pk))
        assert page.status_code == 200, stage
        assert client_for(officer).get(url("detail", referendum.pk)).status_code == 200
    assert admin.get(url("index")).status_code == 200
    assert admin.get(url("new")).status_code == 200
