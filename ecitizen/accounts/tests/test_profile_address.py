"""The profile's postal address: optional, but complete once started (a town alone is not an address)."""

from __future__ import annotations

import pytest

from ecitizen.accounts.selectors import profile_for

pytestmark = pytest.mark.django_db


def test_a_town_alone_is_refused_with_errors_at_the_missing_fields(client, citizen):
    client.force_login(citizen)

    response = client.post("/account/profile/", {"town": "Riverton"})

    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#id_address_line_1"' in body and 'href="#id_postcode"' in body
    assert "Enter address line 1, typically the building and street" in body and "Enter a postcode" in body
    assert profile_for(citizen).town == ""


def test_a_postcode_must_look_like_one(client, citizen):
    client.force_login(citizen)
    data = {"address_line_1": "12 River Street", "town": "Riverton", "postcode": "nope"}
    body = client.post("/account/profile/", data).content.decode()
    assert "Enter a real postcode, like RV1 4AB" in body


def test_no_address_at_all_is_fine(client, citizen):
    client.force_login(citizen)
    assert client.post("/account/profile/", {"given_name": "Amina"}).status_code == 302


def test_the_account_page_says_when_an_old_address_is_incomplete(client, citizen):
    from ecitizen.accounts.models import Profile

    Profile.objects.filter(user=citizen).update(town="Riverton")  # as the demo stored it before
    client.force_login(citizen)

    body = client.get("/account/").content.decode()

    assert "Riverton" in body and "This address is not complete" in body
    profile = profile_for(citizen)
    assert profile.address_text == "Riverton" and not profile.address_complete
