"""The live count a petition page polls (``/petitions/<n>/count.json``)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ecitizen.engagement.petitions import selectors, services
from ecitizen.engagement.petitions.models import Petition, Status

pytestmark = pytest.mark.django_db


def test_the_count_of_an_open_petition(client, open_petition, make_user, settings):
    settings.PETITION_RESPONSE_THRESHOLD = 100
    services.signature_add(actor=make_user("one@example.org"), petition=open_petition)
    count = selectors.signature_count(open_petition)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/petitions/{open_petition.pk}/count.json")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=5"
    data = response.json()
    assert data == {
        "number": open_petition.pk,
        "open": True,
        "count": count,
        "count_display": str(count),
        "label": "signatures",
        "progress": {"value": count, "max": 100, "percent": count},
    }
    # the count is the counter rows' sum, never a count of signatures
    assert not [q for q in queries.captured_queries if 'petitions_signature"' in q["sql"] and "COUNT(" in q["sql"]]


def test_one_signature_is_singular_and_thousands_are_grouped(client, open_petition, settings):
    from ecitizen.engagement.petitions.models import SignatureCount

    SignatureCount.objects.filter(petition=open_petition).delete()
    SignatureCount.objects.create(petition=open_petition, shard=0, district="", signatures=1)
    assert client.get(f"/petitions/{open_petition.pk}/count.json").json()["label"] == "signature"
    SignatureCount.objects.filter(petition=open_petition).update(signatures=12345)
    data = client.get(f"/petitions/{open_petition.pk}/count.json").json()
    assert (data["count"], data["count_display"]) == (12345, "12,345")


def test_a_closed_petition_says_so_and_the_page_stops_polling(client, open_petition):
    Petition.objects.filter(pk=open_petition.pk).update(status=Status.CLOSED)
    assert client.get(f"/petitions/{open_petition.pk}/count.json").json()["open"] is False
    page = client.get(f"/petitions/{open_petition.pk}/").content.decode()
    assert "petition-count.mjs" not in page and "data-count-url" not in page


def test_the_open_page_carries_the_poller(client, open_petition):
    page = client.get(f"/petitions/{open_petition.pk}/").content.decode()
    assert f'data-count-url="/petitions/{open_petition.pk}/count.json"' in page
    assert "petition-count.mjs" in page


def test_a_petition_not_yet_public_has_no_count(client, submitted_petition):
    assert client.get(f"/petitions/{submitted_petition.pk}/count.json").status_code == 404
    assert client.get("/petitions/999999/count.json").status_code == 404
    assert client.post(f"/petitions/{submitted_petition.pk}/count.json").status_code == 405
