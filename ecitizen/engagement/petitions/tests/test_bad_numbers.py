"""Numbers out of any range answer 404, never a server error."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("number", ["0", "99999999999", "999999999999999999999999"])
def test_out_of_range_numbers(client, number):
    assert client.get(f"/petitions/{number}/").status_code == 404
    assert client.get(f"/api/petitions/{number}").status_code in (404, 422)
    assert client.post(f"/petitions/{number}/sign/").status_code == 404


@pytest.mark.parametrize("number", ["0", "99999999999", "999999999999999999999999"])
def test_out_of_range_numbers_signed_in(client, citizen, number):
    """Signing with an account reads no petition before its signing statement: a number that
    names none still answers 404, and nothing is written."""
    from ecitizen.engagement.petitions.models import Signature

    client.force_login(citizen)
    assert client.post(f"/petitions/{number}/sign/").status_code == 404
    assert not Signature.objects.exists()
