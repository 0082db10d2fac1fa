"""Staff rename a page of a consultation's questions, in each language, while it may change."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.engagement.consultations import services
from ecitizen.engagement.consultations.models import Consultation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pinned_clock():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 11, 0, tzinfo=datetime.UTC), tick=True):
        yield


def _page_title(consultation, page_id="views"):
    consultation = Consultation.objects.get(pk=consultation.pk)
    return next(p for p in consultation.form["pages"] if p["id"] == page_id)["title"]


def test_admin_renames_a_page_in_each_language(client, make_consultation, admin_a):
    c = make_consultation(publish=False)
    client.force_login(admin_a)
    url = reverse("consultations_staff:page_edit", args=[c.pk, "views"])
    builder = client.get(reverse("consultations_staff:builder", args=[c.pk])).content.decode()
    assert url in builder and "Rename this page" in builder
    page = client.get(url).content.decode()
    assert 'value="Your views"' in page and "Rename page" in page
    r = client.post(url, {"title_en": "  What you think ", "title_fr": "Votre avis", "title_es": ""})
    assert r.status_code == 302 and r.url.endswith("#page-views")
    assert _page_title(c) == {"en": "What you think", "fr": "Votre avis"}
    # the questions of the page and its id stay as they were
    stored = Consultation.objects.get(pk=c.pk).form
    assert [q["id"] for q in stored["pages"][0]["questions"]] == ["support", "why"]
    row = AuditLog.objects.filter(action=AuditAction.CONSULTATION_SAVED, actor=admin_a).latest("pk")
    assert row.extra["page_renamed"] == "views" and row.extra["fields"] == ["form"]
    assert row.subject_id == str(c.pk)


def test_renamed_page_is_what_respondents_see_in_their_language(client, consultation, admin_a, citizen):
    services.consultation_page_rename(
        actor=admin_a, consultation=consultation, page_id="views", title={"en": "Your say", "fr": "Votre avis"}
    )
    client.force_login(citizen)
    url = reverse("consultations:page", args=[consultation.slug, "views"])
    assert "Your say" in client.get(url).content.decode()
    assert "Votre avis" in client.get(url + "?lang=fr").content.decode()


def test_the_english_title_is_required(client, make_consultation, admin_a):
    c = make_consultation(publish=False)
    client.force_login(admin_a)
    r = client.post(reverse("consultations_staff:page_edit", args=[c.pk, "views"]), {"title_fr": "Votre avis"})
    page = r.content.decode()
    assert r.status_code == 200 and "govuk-error-summary" in page and "Enter a page title in English" in page
    assert _page_title(c) == {"en": "Your views"}
    with pytest.raises(ValidationError) as exc:
        services.consultation_page_rename(actor=admin_a, consultation=c, page_id="views", title={"fr": "Avis"})
    assert "title_en" in exc.value.message_dict


def test_no_renaming_once_people_have_responded(client, consultation, admin_a, citizen, respond):
    respond(citizen, consultation)
    audit_rows = AuditLog.objects.count()
    with pytest.raises(ValidationError):
        services.consultation_page_rename(actor=admin_a, consultation=consultation, page_id="views", title={"en": "X"})
    client.force_login(admin_a)
    url = reverse("consultations_staff:page_edit", args=[consultation.pk, "views"])
    builder = client.get(reverse("consultations_staff:builder", args=[consultation.pk])).content.decode()
    assert "Rename this page" not in builder
    assert client.get(url).status_code == 302
    r = client.post(url, {"title_en": "Something else"})
    assert r.status_code == 200 and "People have responded" in r.content.decode()
    assert _page_title(consultation) == {"en": "Your views"}
    assert AuditLog.objects.count() == audit_rows


def test_only_the_agencys_admins_rename(client, make_consultation, admin_a, caseworker_a, caseworker_b, citizen):
    c = make_consultation(publish=False)
    url = reverse("consultations_staff:page_edit", args=[c.pk, "views"])
    for user, status in ((caseworker_a, 403), (caseworker_b, 404), (citizen, 403)):
        client.force_login(user)
        assert client.post(url, {"title_en": "Taken over"}).status_code == status
    with pytest.raises(PermissionDenied):
        services.consultation_page_rename(actor=caseworker_a, consultation=c, page_id="views", title={"en": "X"})
    assert _page_title(c) == {"en": "Your views"}
    client.force_login(admin_a)
    assert client.get(reverse("consultations_staff:page_edit", args=[c.pk, "nope"])).status_code == 404
    with pytest.raises(LookupError):
        services.consultation_page_rename(actor=admin_a, consultation=c, page_id="nope", title={"en": "X"})
