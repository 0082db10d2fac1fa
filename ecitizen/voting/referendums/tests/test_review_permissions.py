"""Review: object-level permissions on the trustees' files and the JSON endpoints.

- ``deals.json`` gives each trustee the share sealed to them and no other; the sealed shares are on
  no other page or file (the staff pages, ``board.json``), not even once voting has opened.
- A trustee acts only as themselves: uploading through their own page for another index is
  refused, and the service refuses a trustee row that is not theirs.
- Drafts and referendums being set up have no public page or JSON.
"""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from ecitizen.voting.protocol import trustees
from ecitizen.voting.referendums import trustee_services
from ecitizen.voting.referendums.models import Trustee

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _dealt(make_referendum):
    """A referendum in key generation whose three trustees have registered and dealt."""
    referendum = make_referendum("keys").referendum
    rows = list(Trustee.objects.filter(referendum=referendum).order_by("index"))
    for row in rows:
        _secret, public = trustees.new_sealing_keypair()
        trustee_services.trustee_register(actor=row.user, trustee=row, registration={"sealing_key": public})
    keys = dict(Trustee.objects.filter(referendum=referendum).values_list("index", "sealing_key"))
    for row in rows:
        row.refresh_from_db()
        deal = trustees.deal(str(referendum.uuid), row.index, referendum.threshold, keys)
        trustee_services.trustee_deal(actor=row.user, trustee=row, deal=deal)
    return referendum


def _shares(referendum) -> dict[tuple[int, int], str]:
    """(dealer, recipient) -> the sealed share, as stored."""
    return {
        (t.index, int(j)): sealed
        for t in Trustee.objects.filter(referendum=referendum)
        for j, sealed in t.deal["shares"].items()
    }


def test_deals_json_gives_each_trustee_only_the_shares_sealed_to_them(make_referendum, referendum_people):
    referendum = _dealt(make_referendum)
    shares = _shares(referendum)
    for j, user in enumerate(referendum_people["trustees"], start=1):
        response = _client(user).get(reverse("referendums_staff:trustee_deals_json", args=[referendum.pk]))
        assert response.status_code == 200 and response["Cache-Control"] == "no-store"
        document = json.loads(response.content)
        assert document["index"] == j
        assert {d["index"]: d["share"] for d in document["deals"]} == {
            dealer: shares[(dealer, j)] for dealer in (1, 2, 3)
        }
        text = response.content.decode()
        for (dealer, recipient), sealed in shares.items():
            assert (sealed in text) == (recipient == j), (dealer, recipient)


def test_sealed_shares_are_on_no_other_page(make_referendum, referendum_people, admin_a, caseworker_a, client):
    referendum = _dealt(make_referendum)
    shares = _shares(referendum)
    pages = [
        (admin_a, reverse("referendums_staff:detail", args=[referendum.pk])),
        (admin_a, reverse("referendums_staff:setup_sign_off", args=[referendum.pk])),
        (caseworker_a, reverse("referendums_staff:detail", args=[referendum.pk])),
        (referendum_people["trustees"][0], reverse("referendums_staff:trustee", args=[referendum.pk])),
        (referendum_people["trustees"][0], reverse("referendums_staff:trustee_setup_json", args=[referendum.pk])),
    ]
    for user, url in pages:
        text = _client(user).get(url).content.decode()
        assert not any(sealed in text for sealed in shares.values()), url
    for name in ("detail", "election", "board", "board_json", "result"):
        assert client.get(reverse(f"referendums:{name}", args=[referendum.pk])).status_code == 404, name


def test_the_published_board_has_no_sealed_share(make_referendum, make_voter, client):
    voter = make_voter()
    built = make_referendum("published", voters=[voter], ballots=[(voter, [[0]])])
    shares = [s for t in Trustee.objects.filter(referendum=built.referendum) for s in t.deal["shares"].values()]
    text = b"".join(client.get(reverse("referendums:board_json", args=[built.referendum.pk])).streaming_content)
    assert shares and not any(sealed.encode() in text for sealed in shares)


def test_a_trustee_cannot_act_for_another_index(make_referendum, referendum_people):
    referendum = make_referendum("keys").referendum
    first, second = referendum_people["trustees"][:2]
    other_row = Trustee.objects.get(referendum=referendum, index=2)
    _secret, public = trustees.new_sealing_keypair()

    with pytest.raises(PermissionDenied):
        trustee_services.trustee_register(actor=first, trustee=other_row, registration={"sealing_key": public})
    response = _client(first).post(
        reverse("referendums_staff:trustee_upload", args=[referendum.pk, "register"]),
        {"pasted": json.dumps({"sealing_key": public, "index": 2})},
    )

    assert response.status_code == 400
    assert not Trustee.objects.filter(referendum=referendum).exclude(sealing_key="").exists()
    assert second.pk == other_row.user_id


def test_a_trustee_who_left_the_agency_gets_nothing(make_referendum, referendum_people):
    from ecitizen.agencies.models import Membership

    referendum = _dealt(make_referendum)
    leaver = referendum_people["trustees"][2]
    Membership.objects.filter(user=leaver).delete()

    for name in ("trustee", "trustee_deals_json", "trustee_setup_json"):
        assert _client(leaver).get(reverse(f"referendums_staff:{name}", args=[referendum.pk])).status_code == 404
