"""The pages and the API, through the test client (no JavaScript involved)."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from ecitizen.engagement.petitions import selectors, services
from ecitizen.engagement.petitions.models import Petition, Status

pytestmark = pytest.mark.django_db


def test_index_lists_open_petitions_with_counts(open_petition, client):
    page = client.get("/petitions/").content.decode()
    assert open_petition.title in page
    assert ">7<" in page
    assert client.get("/petitions/?state=closed").content.decode().count(open_petition.title) == 0
    assert client.get("/petitions/?state=bogus&sort=bogus").status_code == 200


def test_the_rules_page(client):
    assert "Petition rules" in client.get("/petitions/rules/").content.decode()


def test_unpublished_petitions_are_hidden(submitted_petition, client, other_citizen, moderator_b, moderator_a):
    url = f"/petitions/{submitted_petition.pk}/"
    assert client.get(url).status_code == 404
    client.force_login(other_citizen)
    assert client.get(url).status_code == 404
    client.force_login(moderator_b)
    assert client.get(f"/staff/petitions/{submitted_petition.pk}/").status_code == 404
    client.force_login(moderator_a)
    assert client.get(url).status_code == 200


def test_start_journey_shows_similar_petitions_then_creates(author, agency_a, open_petition, client):
    client.force_login(author)
    response = client.post(
        "/petitions/start/",
        {
            "agency": agency_a.pk,
            "title": "A crossing for Mill Lane school",
            "action": "Build a crossing",
            "background": "Safety",
        },
    )
    assert response.status_code == 302
    response = client.post("/petitions/start/supporters/", {"sponsors": "a@example.net\nb@example.net"})
    assert "Enter the email addresses of 6 supporters" in response.content.decode()
    emails = "\n".join(f"s{i}@example.net" for i in range(6))
    assert client.post("/petitions/start/supporters/", {"sponsors": emails}).status_code == 302
    check = client.get("/petitions/start/check/").content.decode()
    assert open_petition.title in check  # shown before submitting
    token = re.search(r'name="create_token" value="([^"]+)"', check).group(1)
    first = client.post("/petitions/start/check/", {"create_token": token})
    assert first.status_code == 302
    assert Petition.objects.filter(author=author, status=Status.SPONSORS).count() == 1
    client.post("/petitions/start/check/", {"create_token": token})  # the button pressed twice
    assert Petition.objects.filter(author=author, status=Status.SPONSORS).count() == 1
    page = client.get(first["Location"]).content.decode()
    assert "s0@example.net" in page


def test_start_needs_a_verified_identity(citizen, client):
    client.force_login(citizen)
    response = client.get("/petitions/start/")
    assert response.status_code == 403
    assert "Verify your identity" in response.content.decode()


def test_sign_by_email_through_the_pages(open_petition, client, django_capture_on_commit_callbacks):
    url = f"/petitions/{open_petition.pk}/sign/"
    bad = client.post(url, {"name": "", "email": "nope", "postcode": ""})
    assert bad.status_code == 400
    assert "govuk-error-summary" in bad.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"name": "Sam", "email": "sam@example.org", "postcode": "NB1 2AB"})
    assert response.status_code == 302 and "check-your-email" in response["Location"]
    link = re.search(r"(/petitions/confirm/[0-9a-f]+/)", mail.outbox[-1].body).group(1)
    assert "Confirm my signature" in client.get(link).content.decode()
    assert selectors.signature_count(open_petition) == 7  # a GET does not confirm
    assert client.post(link).status_code == 302
    assert selectors.signature_count(open_petition) == 8
    withdraw = re.search(r"(/petitions/withdraw/[0-9a-f]+/)", mail.outbox[-1].body).group(1)
    assert client.post(withdraw).status_code == 200
    assert selectors.signature_count(open_petition) == 7


def test_sign_and_withdraw_signed_in(open_petition, other_citizen, client):
    client.force_login(other_citizen)
    assert client.post(f"/petitions/{open_petition.pk}/sign/").status_code == 302
    assert client.post(f"/petitions/{open_petition.pk}/sign/").status_code == 400
    assert "Withdraw my signature" in client.get(f"/petitions/{open_petition.pk}/").content.decode()
    assert client.post(f"/petitions/{open_petition.pk}/withdraw/").status_code == 200
    assert selectors.signature_count(open_petition) == 7


def test_detail_shows_count_progress_districts_and_map(open_petition, sign_by_email, monkeypatch, client):
    from ecitizen.exchange.selectors import District

    monkeypatch.setattr(services, "district_for_postcode", lambda postcode: "Old Town")
    monkeypatch.setattr(
        selectors.exchange_selectors,
        "districts",
        lambda: [District("Old Town", 10, 52.03, 0.005), District("Riverside", 10, 52.05, 0.02)],
    )
    monkeypatch.setattr(selectors, "_centres", (0.0, {}))
    sign_by_email(open_petition)
    page = client.get(f"/petitions/{open_petition.pk}/").content.decode()
    assert "<svg" in page and "<circle" in page and "Old Town: 1" in page
    assert '<progress id="petition-progress"' in page and 'max="10000"' in page
    assert "Not known" in page  # the author's and supporters' postcodes are not known


def test_your_petitions(make_petition, author, client):
    petition = make_petition()
    client.force_login(author)
    page = client.get("/petitions/yours/").content.decode()
    assert petition.title in page and "0 of 6 supporters confirmed" in page
    data = selectors.petitions_for_dashboard(author)
    assert data["started"][0]["sponsors_confirmed"] == 0


def test_sponsor_link_asks_to_sign_in_then_confirms(make_petition, sponsor_users, client):
    petition = make_petition()
    sponsor = petition.sponsors.first()
    url = f"/petitions/support/{sponsor.token}/"
    assert client.get(url).status_code == 302
    client.force_login(sponsor_users[0])
    assert "Support this petition" in client.get(url).content.decode()
    assert "Thank you for your support" in client.post(url).content.decode()
    assert client.get("/petitions/support/nonsense/").status_code == 404


def test_staff_moderate_respond_and_review(submitted_petition, moderator_a, admin_a, client, sign_by_email):
    client.force_login(moderator_a)
    assert submitted_petition.title in client.get("/staff/petitions/").content.decode()
    bad = client.post(f"/staff/petitions/{submitted_petition.pk}/reject/", {"reason": ""})
    assert bad.status_code == 400
    assert client.post(f"/staff/petitions/{submitted_petition.pk}/publish/").status_code == 302
    flagged = sign_by_email(submitted_petition, "z@mailinator.com")
    page = client.get(f"/staff/petitions/{submitted_petition.pk}/signatures/").content.decode()
    assert "z@mailinator.com" in page
    response = client.post(
        f"/staff/petitions/{submitted_petition.pk}/signatures/{flagged.pk}/",
        {f"s{flagged.pk}-decision": "remove", f"s{flagged.pk}-reason": "automated"},
    )
    assert response.status_code == 302
    client.force_login(admin_a)
    assert client.get(f"/staff/petitions/{submitted_petition.pk}/respond/").status_code == 200
    response = client.post(f"/staff/petitions/{submitted_petition.pk}/respond/", {"response": "Yes."})
    assert response.status_code == 302
    assert "Yes." in client.get(f"/petitions/{submitted_petition.pk}/").content.decode()
    assert client.get(f"/staff/petitions/{submitted_petition.pk}/debate/").status_code == 403


def test_citizens_get_nothing_from_the_back_office(open_petition, other_citizen, client):
    client.force_login(other_citizen)
    assert client.get("/staff/petitions/").status_code in (403, 404)
    assert client.get(f"/staff/petitions/{open_petition.pk}/").status_code in (403, 404)


def test_api_lists_and_details(open_petition, make_petition, client):
    hidden = make_petition("Not yet public")
    rows = client.get("/api/petitions/").json()
    items = rows["items"] if isinstance(rows, dict) else rows
    assert [r["number"] for r in items] == [open_petition.pk]
    assert items[0]["signatures"] == 7
    detail = client.get(f"/api/petitions/{open_petition.pk}").json()
    assert detail["districts"] == [{"district": "", "signatures": 7}]
    assert "email" not in str(detail)
    assert client.get(f"/api/petitions/{hidden.pk}").status_code == 404
    assert client.get("/api/petitions/999999").json()["code"] == "not_found"


def test_search_finds_published_petitions(open_petition):
    from ecitizen.search.registry import Query, providers

    provider = next(p for p in providers() if p.kind == "petitions")
    results = provider.search(Query(text="crossing", language="en"))
    assert [r.url for r in results] == [f"/petitions/{open_petition.pk}/"]


def test_discussion_subject_is_registered(open_petition, make_petition):
    from ecitizen.engagement.discussions import subjects

    subject = subjects.resolve("petition", str(open_petition.pk))
    assert subject.title == open_petition.title and subject.is_open
    assert subjects.resolve("petition", str(make_petition("Another").pk)) is None
    assert subjects.resolve("petition", "nope") is None


def test_signing_a_petition_that_is_not_open(make_petition, submitted_petition, author, other_citizen, client):
    """Its author sees a petition still gathering supporters or in moderation, and is told it cannot
    be signed yet; anyone else gets the 404 they would get for its page. Nothing is written."""
    gathering = make_petition("Another crossing")
    for petition in (gathering, submitted_petition):
        client.force_login(other_citizen)
        assert client.post(f"/petitions/{petition.pk}/sign/").status_code == 404
        client.force_login(author)
        refused = client.post(f"/petitions/{petition.pk}/sign/")
        assert refused.status_code == 400
        assert "not open for signatures" in refused.content.decode()
        assert petition.signatures.filter(user=author).count() == 0
