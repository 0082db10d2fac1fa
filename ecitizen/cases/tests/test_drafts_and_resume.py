"""Saving a draft never refuses and never loses an answer; coming back goes to the first unanswered
page with a step count that does not jump; a town alone is not an address."""

from __future__ import annotations

import re
import uuid

import pytest

from ecitizen.cases.models import Application
from ecitizen.cases.tests.conftest import make_version

pytestmark = pytest.mark.django_db

ADDRESS_FORM = {
    "pages": [
        {
            "id": "home",
            "title": {"en": "Your address"},
            "questions": [{"id": "home", "type": "address", "label": {"en": "Home address"}, "prefill": "address"}],
        },
        {
            "id": "count",
            "title": {"en": "Vehicles"},
            "questions": [
                {
                    "id": "vehicles",
                    "type": "number",
                    "label": {"en": "How many vehicles do you have?"},
                    "short_label": {"en": "number of vehicles"},
                    "min": 1,
                    "max": 4,
                }
            ],
        },
    ]
}


def start(client, citizen, slug="parking-permit"):
    client.force_login(citizen)
    response = client.post(f"/applications/start/{slug}/", {"start_token": str(uuid.uuid4())})
    return Application.objects.get(citizen=citizen), response["Location"]


def step_caption(html: str) -> str:
    return re.search(r"Step \d+ of \d+", html).group(0)


def test_save_and_come_back_later_on_an_untouched_page_saves(client, verified_citizen, permit_version):
    application, first = start(client, verified_citizen)

    response = client.post(first, {"registration": "", "moved": "", "save_and_exit": "1"})

    assert response.status_code == 302 and response["Location"] == "/applications/"
    listing = client.get("/applications/").content.decode()
    assert "Your answers have been saved" in listing
    application.refresh_from_db()
    assert application.answers == {"name": "Amina Haddad"}  # the pre-filled answer is still there


def test_a_draft_keeps_valid_answers_and_drops_a_wrong_one_with_a_message(client, verified_citizen, permit_version):
    application, first = start(client, verified_citizen)

    response = client.post(first, {"registration": "!!", "moved": "yes", "save_and_exit": "1"}, follow=True)

    body = response.content.decode()
    assert "Your answers have been saved, except: Registration number" in body
    application.refresh_from_db()
    assert application.answers["moved"] == "yes"
    assert "registration" not in application.answers


def test_a_draft_keeps_what_the_page_showed(client, verified_citizen, permit_version):
    application, first = start(client, verified_citizen)
    client.post(first, {"registration": "AB12 CDE", "moved": "no"})

    # a wrong value typed over a saved answer is not saved: the saved answer stays
    client.post(first, {"registration": "$$$", "moved": "no", "save_and_exit": "1"})
    application.refresh_from_db()
    assert application.answers["registration"] == "AB12 CDE"
    # an answer the citizen emptied is cleared, the others stay
    client.post(first, {"registration": "", "moved": "no", "save_and_exit": "1"})
    application.refresh_from_db()
    assert application.answers["registration"] is None
    assert application.answers["moved"] == "no"


def test_coming_back_goes_to_the_first_unanswered_page(client, verified_citizen, permit_version):
    application, first = start(client, verified_citizen)
    client.post(first, {"registration": "AB12 CDE", "moved": "yes", "save_and_exit": "1"})

    listing = client.get("/applications/").content.decode()
    assert f'href="/applications/{application.pk}/continue/"' in listing
    resume = client.get(f"/applications/{application.pk}/continue/")
    assert resume["Location"] == f"/applications/{application.pk}/questions/proof/"
    # the draft's status page sends the citizen to the same place
    assert client.get(f"/applications/{application.pk}/")["Location"] == f"/applications/{application.pk}/continue/"

    application.refresh_from_db()
    application.answers = {**application.answers, "proof_file": [1]}
    application.save(update_fields=["answers"])
    assert client.get(f"/applications/{application.pk}/continue/")["Location"] == (
        f"/applications/{application.pk}/check/"
    )


def test_the_step_count_does_not_jump(client, verified_citizen, permit_version):
    application, first = start(client, verified_citizen)

    assert step_caption(client.get(first).content.decode()) == "Step 1 of 3"
    following = client.post(first, {"registration": "AB12 CDE", "moved": "yes"})["Location"]
    assert following.endswith("/questions/proof/")
    assert step_caption(client.get(following).content.decode()) == "Step 2 of 3"
    about = f"/applications/{application.pk}/questions/about/"
    assert step_caption(client.get(about).content.decode()) == "Step 3 of 3"

    # answering "no" skips the proof page: the count drops, the steps stay one after another
    client.post(first, {"registration": "AB12 CDE", "moved": "no"})
    assert step_caption(client.get(first).content.decode()) == "Step 1 of 2"
    assert step_caption(client.get(about).content.decode()) == "Step 2 of 2"


def test_a_profile_address_with_only_a_town_is_not_prefilled(client, verified_citizen, agency_a):
    from ecitizen.accounts.services import profile_update

    make_version(agency_a, slug="address-service", identity_level="basic", form=ADDRESS_FORM)
    profile_update(actor=verified_citizen, user=verified_citizen, data={"town": "Riverton"})
    application, _first = start(client, verified_citizen, "address-service")
    assert "home" not in application.answers
    assert client.get(f"/applications/{application.pk}/continue/")["Location"].endswith("/questions/home/")

    # a complete profile address counts, and the citizen carries on at the next page
    Application.objects.all().delete()
    profile_update(
        actor=verified_citizen,
        user=verified_citizen,
        data={"address_line_1": "12 River Street", "postcode": "RV1 4AB"},
    )
    application, _first = start(client, verified_citizen, "address-service")
    assert application.answers["home"] == {
        "line1": "12 River Street",
        "line2": "",
        "town": "Riverton",
        "postcode": "RV1 4AB",
    }
    assert client.get(f"/applications/{application.pk}/continue/")["Location"].endswith("/questions/count/")


def test_an_incomplete_address_cannot_be_sent(client, verified_citizen, agency_a):
    make_version(agency_a, slug="address-service", identity_level="basic", form=ADDRESS_FORM)
    application, first = start(client, verified_citizen, "address-service")

    refused = client.post(first, {"home__line1": "", "home__town": "Riverton", "home__postcode": "R!"})
    body = refused.content.decode()
    assert refused.status_code == 200
    assert "Enter address line 1" in body and "Enter a real postcode" in body

    # a draft keeps the partial address as typed; it is not an answer yet
    client.post(first, {"home__town": "Riverton", "save_and_exit": "1"})
    application.refresh_from_db()
    assert application.answers["home"]["town"] == "Riverton"
    check = client.get(f"/applications/{application.pk}/check/").content.decode()
    assert f'href="/applications/{application.pk}/questions/home/?change=1">Home address</a>' in check
    sent = client.post(f"/applications/{application.pk}/check/", {"declaration": "on"})
    assert sent.status_code == 200
    application.refresh_from_db()
    assert application.status == "draft"


def test_range_errors_on_the_page_use_the_short_label(client, verified_citizen, agency_a):
    make_version(agency_a, slug="address-service", identity_level="basic", form=ADDRESS_FORM)
    application, _first = start(client, verified_citizen, "address-service")
    page = f"/applications/{application.pk}/questions/count/"
    application.answers = {"home": {"line1": "1 High St", "line2": "", "town": "Riverton", "postcode": "RV1 4AB"}}
    application.save(update_fields=["answers"])

    body = client.post(page, {"vehicles": "9"}).content.decode()

    assert "Number of vehicles must be between 1 and 4" in body
    assert "Ensure this value" not in body
