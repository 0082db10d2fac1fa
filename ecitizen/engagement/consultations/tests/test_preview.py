"""Staff preview a consultation as people will see it, before it opens; nothing can be sent."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from ecitizen.core.models import AuditLog
from ecitizen.engagement.consultations import services
from ecitizen.engagement.consultations.models import PassageComment, Response
from ecitizen.engagement.consultations.tests.conftest import FORM

pytestmark = pytest.mark.django_db

CONDITIONAL = {
    "pages": [
        FORM["pages"][0],
        {
            "id": "about",
            "title": {"en": "About you", "fr": "Vous"},
            "questions": [{"id": "cycles", "type": "yes_no", "label": {"en": "Do you cycle in town?"}}],
        },
        {
            "id": "racks",
            "title": {"en": "Bicycle racks"},
            "questions": [
                {
                    "id": "racks",
                    "type": "text",
                    "label": {"en": "Where should the racks go?"},
                    "condition": {"question": "cycles", "equals": "yes"},
                }
            ],
        },
    ]
}


def _main(response) -> str:
    """The page's own content (the header has the site search form)."""
    return response.content.decode().split('id="main-content"', 1)[1]


@pytest.fixture(autouse=True)
def _pinned_clock():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 11, 0, tzinfo=datetime.UTC), tick=True):
        yield


@pytest.fixture
def upcoming(make_consultation):
    """A draft that opens next week: nobody outside the agency can see it yet."""
    today = timezone.localdate()
    return make_consultation(
        publish=False,
        form=CONDITIONAL,
        opens_on=today + datetime.timedelta(days=7),
        closes_on=today + datetime.timedelta(days=37),
    )


def test_preview_shows_the_public_page_before_opening(client, upcoming, admin_a):
    assert client.get(reverse("consultations:detail", args=[upcoming.slug])).status_code == 404
    client.force_login(admin_a)
    builder = client.get(reverse("consultations_staff:builder", args=[upcoming.pk])).content.decode()
    url = reverse("consultations_staff:preview", args=[upcoming.pk])
    assert url in builder
    assert url in client.get(reverse("consultations_staff:detail", args=[upcoming.pk])).content.decode()
    page = client.get(url).content.decode()
    assert "<title>Preview: A car-free town square" in page
    page = _main(client.get(url))
    assert "A car-free town square" in page and "We propose to close the square to cars." in page
    assert "govuk-notification-banner" in page and "Nothing you enter in a preview is saved" in page
    assert "It is not published yet" in page
    assert reverse("consultations_staff:preview_page", args=[upcoming.pk, "views"]) in page
    assert reverse("consultations_staff:preview_text", args=[upcoming.pk]) in page
    # no link into the real journey, and no way to post in a discussion
    assert reverse("consultations:start", args=[upcoming.slug]) not in page
    assert 'method="post"' not in page


def test_question_pages_cannot_be_sent(client, upcoming, admin_a):
    client.force_login(admin_a)
    audit_rows = AuditLog.objects.count()
    url = reverse("consultations_staff:preview_page", args=[upcoming.pk, "views"])
    page = _main(client.get(url))
    assert "Do you support the plan?" in page and 'name="support"' in page and "Step 1 of 3" in page
    assert "<form" not in page and "Save and continue" not in page
    assert reverse("consultations_staff:preview_page", args=[upcoming.pk, "about"]) in page
    assert client.post(url, {"support": "yes"}).status_code == 405
    middle = _main(client.get(reverse("consultations_staff:preview_page", args=[upcoming.pk, "about"])))
    assert "Step 2 of 3" in middle
    assert reverse("consultations_staff:preview_page", args=[upcoming.pk, "racks"]) in middle
    last = _main(client.get(reverse("consultations_staff:preview_page", args=[upcoming.pk, "racks"])))
    # the question asked only on a condition is shown, and says when it is asked
    assert "Where should the racks go?" in last and "when the answer to “Do you cycle in town?” is “Yes”" in last
    assert "This is the last page of questions" in last
    assert not Response.objects.exists() and AuditLog.objects.count() == audit_rows
    assert client.get(reverse("consultations_staff:preview_page", args=[upcoming.pk, "nope"])).status_code == 404


def test_preview_of_an_open_consultation_saves_no_draft(client, consultation, admin_a):
    client.force_login(admin_a)
    assert client.get(reverse("consultations_staff:preview", args=[consultation.pk])).status_code == 200
    r = client.get(reverse("consultations_staff:preview_page", args=[consultation.pk, "views"]))
    assert r.status_code == 200 and "<form" not in _main(r)
    assert not Response.objects.exists()


def test_preview_of_the_draft_text_has_no_comment_form(client, upcoming, admin_a):
    client.force_login(admin_a)
    page = _main(client.get(reverse("consultations_staff:preview_text", args=[upcoming.pk])))
    assert "Bicycles may park by the fountain." in page and "Passage 3" in page
    assert "Comment on this passage" not in page and "<form" not in page
    assert not PassageComment.objects.exists()


def test_preview_document_opens_for_staff_only(client, upcoming, admin_a, citizen):
    pdf = SimpleUploadedFile("plan.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n", content_type="application/pdf")
    document = services.consultation_document_add(actor=admin_a, consultation=upcoming, title="The plan", upload=pdf)
    url = reverse("consultations_staff:preview_document", args=[upcoming.pk, document.pk])
    client.force_login(admin_a)
    assert url in client.get(reverse("consultations_staff:preview", args=[upcoming.pk])).content.decode()
    r = client.get(url)
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"%PDF-")
    client.force_login(citizen)
    assert client.get(url).status_code == 403


def test_caseworkers_may_preview_others_may_not(client, upcoming, caseworker_a, caseworker_b, citizen):
    urls = [
        reverse("consultations_staff:preview", args=[upcoming.pk]),
        reverse("consultations_staff:preview_page", args=[upcoming.pk, "views"]),
        reverse("consultations_staff:preview_text", args=[upcoming.pk]),
    ]
    client.force_login(caseworker_a)
    assert [client.get(u).status_code for u in urls] == [200, 200, 200]
    client.force_login(caseworker_b)
    assert [client.get(u).status_code for u in urls] == [404, 404, 404]
    client.force_login(citizen)
    assert [client.get(u).status_code for u in urls] == [403, 403, 403]
    client.logout()
    assert all(client.get(u).status_code == 302 for u in urls)


def test_a_page_still_empty_is_left_out_of_the_preview(client, upcoming, admin_a):
    client.force_login(admin_a)
    client.post(reverse("consultations_staff:page_add", args=[upcoming.pk]), {"title_en": "Later"})
    assert client.get(reverse("consultations_staff:preview_page", args=[upcoming.pk, "later"])).status_code == 404
    page = _main(client.get(reverse("consultations_staff:preview_page", args=[upcoming.pk, "racks"])))
    assert "Step 3 of 3" in page and "This is the last page of questions" in page
