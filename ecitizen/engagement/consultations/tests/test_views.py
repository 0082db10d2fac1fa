"""The pages: public list and journey (JS-off forms), staff pages and who may see them."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from ecitizen.engagement.consultations import services
from ecitizen.engagement.consultations.models import Response
from ecitizen.engagement.consultations.tests.conftest import close_now

pytestmark = pytest.mark.django_db


def test_index_lists_open_and_closed(client, consultation, make_consultation, admin_a):
    old = make_consultation(slug="old-one", title={"en": "Old parking plan"})
    close_now(old, admin_a)
    page = client.get(reverse("consultations:index")).content.decode()
    assert "A car-free town square" in page and "Old parking plan" in page


def test_draft_is_not_public(client, make_consultation):
    make_consultation(publish=False, slug="secret-draft")
    assert client.get(reverse("consultations:detail", args=["secret-draft"])).status_code == 404


def test_unlisted_survey_needs_its_link(client, make_consultation):
    survey = make_consultation(kind="survey", listed=False, slug="staff-survey")
    url = reverse("consultations:detail", args=[survey.slug])
    assert client.get(url).status_code == 404
    assert "staff-survey" not in client.get(reverse("consultations:index")).content.decode()
    assert client.get(reverse("consultations:link", args=[survey.link_token])).status_code == 302
    assert client.get(url).status_code == 200


def test_journey_without_javascript(client, consultation, citizen):
    client.force_login(citizen)
    start = client.get(reverse("consultations:start", args=[consultation.slug]))
    assert start.url == reverse("consultations:page", args=[consultation.slug, "views"])
    bad = client.post(start.url, {})
    assert bad.status_code == 200 and "govuk-error-summary" in bad.content.decode()
    r = client.post(start.url, {"support": "unsure", "why": "Depends on buses"})
    assert r.url == reverse("consultations:page", args=[consultation.slug, "about"])
    r = client.post(r.url, {"cycles": "no"})
    assert r.url == reverse("consultations:check", args=[consultation.slug])
    check = client.get(r.url).content.decode()
    assert "Depends on buses" in check and "Not sure" in check
    r = client.post(reverse("consultations:check", args=[consultation.slug]), {"publication": "anonymous"})
    assert r.url == reverse("consultations:sent", args=[consultation.slug])
    assert "Response sent" in client.get(r.url).content.decode()
    assert Response.objects.get(user=citizen).answers["support"] == "unsure"


def test_save_and_come_back_later(client, consultation, citizen):
    client.force_login(citizen)
    url = reverse("consultations:page", args=[consultation.slug, "views"])
    r = client.post(url, {"support": "yes", "save_and_exit": "1"})
    assert r.url == reverse("consultations:detail", args=[consultation.slug])
    assert "Continue your response" in client.get(r.url).content.decode()
    assert client.get(reverse("consultations:start", args=[consultation.slug])).url.endswith("/respond/page/about/")


def test_anonymous_is_sent_to_sign_in(client, consultation):
    r = client.get(reverse("consultations:start", args=[consultation.slug]))
    assert r.status_code == 302 and "login" in r.url


def test_anyone_journey_by_email(client, make_consultation, mailoutbox, django_capture_on_commit_callbacks):
    c = make_consultation(eligibility="anyone", slug="anyone-here")
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("consultations:start", args=[c.slug]), {"email": "sam@example.org"})
    assert "Check your email" in r.content.decode()
    link = next(line for line in mailoutbox[0].body.splitlines() if "/confirm/" in line)
    r = client.get(link.strip().split("testserver")[-1].replace("http://localhost:8000", ""))
    assert r.status_code == 302 and r.url.endswith("/respond/page/views/")
    client.post(r.url, {"support": "no"})
    client.post(reverse("consultations:page", args=[c.slug, "about"]), {"cycles": "yes"})
    r = client.post(reverse("consultations:check", args=[c.slug]), {"publication": "private"})
    assert r.status_code == 302
    assert Response.objects.get(email="sam@example.org").is_sent


def test_passage_comment_without_javascript(client, consultation, citizen):
    text_url = reverse("consultations:text", args=[consultation.slug])
    page = client.get(text_url).content.decode()
    assert 'id="passage-2"' in page and "Comment on this passage" in page
    client.force_login(citizen)
    url = reverse("consultations:comment", args=[consultation.slug, 2])
    assert "govuk-error-summary" in client.post(url, {"text": ""}).content.decode()
    r = client.post(url, {"text": "More racks please", "publication": "anonymous"})
    assert r.url == text_url + "#passage-2"
    assert "More racks please" in client.get(text_url).content.decode()
    assert client.get(reverse("consultations:comment", args=[consultation.slug, 99])).status_code == 404


def test_public_results_only_after_outcome(client, consultation, citizen, respond, admin_a, make_user, settings):
    settings.CONSULTATION_RESULTS_MIN_RESPONSES = 2
    respond(citizen, consultation, why="Private reasons", publication="private")
    respond(make_user("cat@example.org"), consultation, why="", publication="private")
    url = reverse("consultations:results", args=[consultation.slug])
    assert client.get(url).status_code == 404
    close_now(consultation, admin_a)
    services.outcome_publish(actor=admin_a, consultation=consultation, outcome={"en": "We will do it"})
    page = client.get(url).content.decode()
    assert "We will do it" in page and "<svg" in page and "<table" in page
    assert "Private reasons" not in page


def test_staff_pages_for_admin(client, consultation, admin_a, citizen, respond):
    respond(citizen, consultation)
    client.force_login(admin_a)
    for name in ("index",):
        assert client.get(reverse(f"consultations_staff:{name}")).status_code == 200
    for name in ("detail", "edit", "builder", "documents", "results", "comments", "close", "page_add", "question_add"):
        assert client.get(reverse(f"consultations_staff:{name}", args=[consultation.pk])).status_code == 200, name
    r = client.get(reverse("consultations_staff:export", args=[consultation.pk, "csv"]))
    assert r["Content-Type"].startswith("text/csv")
    assert client.get(reverse("consultations_staff:export", args=[consultation.pk, "xls"])).status_code == 404


def test_staff_of_another_agency_get_404(client, consultation, caseworker_b):
    client.force_login(caseworker_b)
    assert client.get(reverse("consultations_staff:results", args=[consultation.pk])).status_code == 404


def test_caseworker_reads_but_does_not_edit(client, consultation, caseworker_a):
    client.force_login(caseworker_a)
    assert client.get(reverse("consultations_staff:results", args=[consultation.pk])).status_code == 200
    assert client.get(reverse("consultations_staff:edit", args=[consultation.pk])).status_code == 403


def test_citizen_gets_no_staff_pages(client, consultation, citizen):
    client.force_login(citizen)
    assert client.get(reverse("consultations_staff:index")).status_code in (403, 404)


def test_staff_create_and_build_a_survey(client, admin_a):
    client.force_login(admin_a)
    data = {
        "kind": "survey",
        "slug": "bins",
        "opens_on-day": "1",
        "opens_on-month": "1",
        "opens_on-year": "2026",
        "closes_on-day": "1",
        "closes_on-month": "1",
        "closes_on-year": str(timezone.localdate().year + 1),
        "eligibility": "signed_in",
        "title_en": "Bin collection survey",
    }
    r = client.post(reverse("consultations_staff:new"), data)
    assert r.status_code == 302, r.content.decode()[:3000]
    from ecitizen.engagement.consultations.models import Consultation

    c = Consultation.objects.get(slug="bins")
    assert c.kind == "survey" and not c.listed
    client.post(reverse("consultations_staff:page_add", args=[c.pk]), {"title_en": "Your bins"})
    r = client.get(reverse("consultations_staff:question_add", args=[c.pk]) + "?type=file&page=your_bins")
    assert r.status_code == 400 and 'value="file"' not in r.content.decode()
    r = client.post(
        reverse("consultations_staff:question_add", args=[c.pk]) + "?type=choice",
        {
            "page": "your_bins",
            "type": "choice",
            "required": "on",
            "label_en": "How often?",
            "choices_en": "weekly|Weekly\nfortnightly|Every two weeks",
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    c.refresh_from_db()
    assert c.form["pages"][0]["questions"][0]["id"] == "how_often"
    r = client.post(reverse("consultations_staff:publish", args=[c.pk]))
    c.refresh_from_db()
    assert c.status == "published"


def test_api(client, consultation, make_consultation, admin_a, citizen, respond, settings):
    settings.CONSULTATION_RESULTS_MIN_RESPONSES = 1
    body = client.get("/api/consultations/").json()
    assert [c["slug"] for c in body] == ["town-square"]
    detail = client.get("/api/consultations/town-square").json()
    assert detail["results"] == [] and detail["responses"] is None
    respond(citizen, consultation)
    close_now(consultation, admin_a)
    services.outcome_publish(actor=admin_a, consultation=consultation, outcome={"en": "Done"})
    detail = client.get("/api/consultations/town-square").json()
    assert detail["outcome"] == "Done" and detail["responses"] == 1
    assert detail["results"][0]["choices"][0] == {"value": "yes", "label": "Yes", "count": 1, "percent": 100}
    assert client.get("/api/consultations/nope").status_code == 404
    assert client.get("/api/consultations/?state=closed").json()[0]["slug"] == "town-square"


def test_search_finds_open_consultation(consultation):
    from ecitizen.search.registry import Query, provider

    p = provider("consultations")
    p.forget()
    results = p.search(Query(text="car-free square", language="en"))
    assert results and results[0].url.endswith("/town-square/")


def test_discussion_subject(consultation):
    from ecitizen.engagement.discussions import subjects

    s = subjects.resolve("consultation", "town-square")
    assert s.title == "A car-free town square" and s.is_open and s.agency_id == consultation.agency_id
    assert subjects.resolve("consultation", "nope") is None


def test_detail_has_the_discussion_and_follow_button(client, consultation, citizen):
    client.force_login(citizen)
    page = client.get(reverse("consultations:detail", args=[consultation.slug])).content.decode()
    assert reverse("discussions:subject", args=["consultation", consultation.slug]) in page


def test_another_citizen_sees_nothing_of_a_response(client, consultation, citizen, other_citizen, respond):
    respond(citizen, consultation, why="Amina's private reason", publication="private")
    client.force_login(other_citizen)
    check = client.get(reverse("consultations:check", args=[consultation.slug])).content.decode()
    assert "Amina's private reason" not in check
    assert (
        "Continue your response"
        not in client.get(reverse("consultations:detail", args=[consultation.slug])).content.decode()
    )


def test_unlisted_survey_is_not_in_the_api_or_search(client, make_consultation):
    from ecitizen.search.registry import Query, provider

    make_consultation(kind="survey", listed=False, slug="hidden-survey", title={"en": "Hidden survey"})
    assert client.get("/api/consultations/hidden-survey").status_code == 404
    p = provider("consultations")
    p.forget()
    assert p.search(Query(text="hidden survey", language="en")) == []


def test_builder_moves_and_removes(client, make_consultation, admin_a):
    c = make_consultation(publish=False, slug="builder")
    client.force_login(admin_a)
    client.post(reverse("consultations_staff:question_move", args=[c.pk, "why"]), {"direction": "down"})
    c.refresh_from_db()
    assert [q["id"] for q in c.form["pages"][1]["questions"]] == ["why", "cycles"]
    client.post(reverse("consultations_staff:question_remove", args=[c.pk, "why"]))
    client.post(reverse("consultations_staff:page_remove", args=[c.pk, "about"]))
    c.refresh_from_db()
    assert [p["id"] for p in c.form["pages"]] == ["views"]
    assert client.post(reverse("consultations_staff:page_remove", args=[c.pk, "nope"])).status_code == 404


def test_questions_locked_after_first_response(client, consultation, admin_a, citizen, respond):
    respond(citizen, consultation)
    client.force_login(admin_a)
    r = client.post(reverse("consultations_staff:question_remove", args=[consultation.pk, "why"]))
    assert "can no longer change" in r.content.decode()
    consultation.refresh_from_db()
    assert "why" in [q["id"] for q in consultation.form["pages"][0]["questions"]]


def test_document_upload_and_public_download(client, make_consultation, admin_a, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    c = make_consultation(publish=False, slug="with-docs")
    client.force_login(admin_a)
    url = reverse("consultations_staff:documents", args=[c.pk])
    bad = client.post(url, {"title": "Plan", "file": SimpleUploadedFile("plan.pdf", b"not a pdf")})
    assert "The selected file must be a PDF" in bad.content.decode()
    pdf = b"%PDF-1.4\n%%EOF\n"
    assert client.post(url, {"title": "Plan", "file": SimpleUploadedFile("plan.pdf", pdf)}).status_code == 302
    doc = c.documents.get()
    client.logout()
    download = reverse("consultations:document", args=[c.slug, doc.pk])
    assert client.get(download).status_code == 404  # still a draft
    from ecitizen.engagement.consultations import services

    services.consultation_publish(actor=admin_a, consultation=c)
    r = client.get(download)
    assert r.status_code == 200 and b"".join(r.streaming_content) == pdf
