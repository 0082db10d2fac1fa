"""Review: hostile input on the staff forms is a field error, never a 500 and never a half-saved
record (the trustee's upload, the date boxes of the setup form)."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ecitizen.voting.protocol import trustees
from ecitizen.voting.referendums.models import Referendum, Trustee

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _upload(client, referendum, step, **data):
    return client.post(reverse("referendums_staff:trustee_upload", args=[referendum.pk, step]), data)


DEEP = "[" * 100_000 + "]" * 100_000  # 200 kB: under the upload limit, deeper than the parser goes


@pytest.mark.parametrize("how", ["pasted", "file"])
def test_a_deeply_nested_upload_is_a_field_error(make_referendum, referendum_people, how):
    referendum = make_referendum("keys").referendum
    client = _client(referendum_people["trustees"][0])
    data = {"pasted": DEEP} if how == "pasted" else {"file": SimpleUploadedFile("deal.json", DEEP.encode())}

    response = _upload(client, referendum, "deal", **data)

    assert response.status_code == 400
    assert "This is not valid JSON" in response.content.decode()
    assert not Trustee.objects.filter(referendum=referendum).exclude(deal={}).exists()


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_constants_that_are_not_json_are_refused(make_referendum, referendum_people, constant):
    referendum = make_referendum("keys").referendum
    client = _client(referendum_people["trustees"][0])
    _secret, public = trustees.new_sealing_keypair()
    text = json.dumps({"sealing_key": public}).replace("}", f', "index": {constant}}}')

    response = _upload(client, referendum, "register", pasted=text)

    assert response.status_code == 400
    assert "This is not valid JSON" in response.content.decode()
    assert not Trustee.objects.filter(referendum=referendum).exclude(sealing_key="").exists()


@pytest.mark.parametrize(
    "day",
    [
        "\u00b2",  # a superscript two: str.isdigit() says yes, int() says no
        "9" * 5000,  # more digits than int() reads
    ],
)
def test_odd_digits_in_a_date_box_are_a_field_error(make_referendum, admin_a, day):
    referendum = make_referendum("draft").referendum
    before = Referendum.objects.filter(pk=referendum.pk).values_list("opens_at", "closes_at").get()

    response = _client(admin_a).post(
        reverse("referendums_staff:edit", args=[referendum.pk]),
        {"opens_on-day": day, "opens_on-month": "3", "opens_on-year": "2031", "title_en": "Changed"},
    )

    assert response.status_code == 400
    assert "Enter a real date" in response.content.decode()
    assert Referendum.objects.filter(pk=referendum.pk).values_list("opens_at", "closes_at").get() == before
    assert Referendum.objects.get(pk=referendum.pk).title["en"] != "Changed"


def test_a_file_with_a_byte_order_mark_is_read(make_referendum, referendum_people):
    """Some editors save JSON with a byte order mark: the file is still the tool's file."""
    referendum = make_referendum("keys").referendum
    client = _client(referendum_people["trustees"][0])
    _secret, public = trustees.new_sealing_keypair()
    raw = b"\xef\xbb\xbf" + json.dumps({"sealing_key": public}).encode()

    response = _upload(client, referendum, "register", file=SimpleUploadedFile("registration.json", raw))

    assert response.status_code == 302
    assert Trustee.objects.get(referendum=referendum, index=1).sealing_key == public
