"""A name is published only while its response or comment is linked to the account it came from."""

from __future__ import annotations

import datetime
import importlib
import json

import pytest
import time_machine
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from ecitizen.accounts.models import User
from ecitizen.engagement.consultations import selectors, services
from ecitizen.engagement.consultations.models import PassageComment, Response
from ecitizen.engagement.consultations.tests.conftest import close_now

pytestmark = pytest.mark.django_db

NAME = "Zara Quinn"


@pytest.fixture(autouse=True)
def _pinned_clock():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 11, 0, tzinfo=datetime.UTC), tick=True):
        yield


@pytest.fixture
def named(consultation, make_user):
    """A verified person's response and comment, both published with their name.

    Written directly: an account that acted through the services has audit rows, which keep it
    from being deleted (the audit log protects its actors), and this is about what deleting does.
    """
    person = make_user("zara@example.org", given_name="Zara", family_name="Quinn")
    response = Response.objects.create(
        consultation=consultation,
        user=person,
        answers={"support": "yes", "why": "Quieter streets", "cycles": "yes"},
        publication="named",
        display_name=NAME,
        submitted_at=timezone.now(),
    )
    comment = PassageComment.objects.create(
        consultation=consultation, passage=1, user=person, text="Yes, please", publication="named", display_name=NAME
    )
    return person, response, comment


def _everything_public(client, consultation, caseworker) -> str:
    """The public pages, the API and the staff exports of *consultation*, as one text."""
    client.logout()
    parts = [
        client.get(reverse("consultations:results", args=[consultation.slug])).content.decode(),
        client.get(reverse("consultations:text", args=[consultation.slug])).content.decode(),
        json.dumps(client.get(f"/api/consultations/{consultation.slug}").json()),
        json.dumps(client.get("/api/consultations/?state=closed").json()),
        services.results_export(actor=caseworker, consultation=consultation, fmt="csv"),
        services.results_export(actor=caseworker, consultation=consultation, fmt="json"),
    ]
    client.force_login(caseworker)
    parts.append(client.get(reverse("consultations_staff:results", args=[consultation.pk])).content.decode())
    client.logout()
    return "\n".join(parts)


@pytest.mark.parametrize("how", ["one", "queryset"])
def test_deleting_the_account_removes_the_name_everywhere(
    client, consultation, named, admin_a, caseworker_a, settings, how
):
    settings.CONSULTATION_RESULTS_MIN_RESPONSES = 1
    person, response, comment = named
    close_now(consultation, admin_a)
    services.outcome_publish(actor=admin_a, consultation=consultation, outcome={"en": "We will close it."})
    before = _everything_public(client, consultation, caseworker_a)
    assert before.count(NAME) >= 3  # results page, draft text page, staff results page

    if how == "one":
        person.delete()
    else:
        User.objects.filter(pk=person.pk).delete()

    response.refresh_from_db()
    comment.refresh_from_db()
    assert (response.user_id, response.display_name) == (None, "")
    assert (comment.user_id, comment.display_name) == (None, "")
    after = _everything_public(client, consultation, caseworker_a)
    assert NAME not in after and "Zara" not in after
    # the words stay, without a name; the answers still count
    assert "Quieter streets" in after and "Yes, please" in after and "Anonymous" in after
    assert selectors.sent_responses(consultation).count() == 1


def test_a_name_left_on_a_row_without_account_is_not_shown(client, consultation, named):
    _person, response, comment = named
    # as if the account went by a way that skipped the ORM (a raw delete, a restore)
    Response.objects.filter(pk=response.pk).update(user=None)
    PassageComment.objects.filter(pk=comment.pk).update(user=None)
    assert [p["name"] for p in selectors.published_responses(consultation)] == [""]
    assert PassageComment.objects.get(pk=comment.pk).public_name == ""
    page = client.get(reverse("consultations:text", args=[consultation.slug])).content.decode()
    assert "Yes, please" in page and NAME not in page


def test_names_already_left_behind_are_blanked_by_the_migration(consultation, named):
    _person, response, comment = named
    Response.objects.filter(pk=response.pk).update(user=None)
    PassageComment.objects.filter(pk=comment.pk).update(user=None)
    migration = importlib.import_module("ecitizen.engagement.consultations.migrations.0003_forget_name_with_account")
    migration.forget_names_of_deleted_accounts(apps, None)
    assert Response.objects.get(pk=response.pk).display_name == ""
    assert PassageComment.objects.get(pk=comment.pk).display_name == ""


def test_a_name_stays_while_the_account_does(consultation, named, other_citizen):
    _person, response, _comment = named
    other_citizen.delete()
    assert Response.objects.get(pk=response.pk).display_name == NAME
    assert [p["name"] for p in selectors.published_responses(consultation)] == [NAME]
