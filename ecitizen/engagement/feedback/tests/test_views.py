"""The question's pages and the prompt in other apps' pages, without JavaScript (plain posts)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.engagement.feedback.models import Rating

pytestmark = pytest.mark.django_db


def give_url(kind, reference):
    return reverse("feedback:give", args=[kind, reference])


def test_the_confirmation_page_offers_the_question(client, submitted, verified_citizen):
    client.force_login(verified_citizen)
    page = client.get(reverse("cases:confirmation", args=[submitted.pk])).content.decode()
    assert "Overall, how did you feel about the service you received today?" in page
    assert f'action="{give_url("application", submitted.reference)}"' in page
    for label in ["Very satisfied", "Neither satisfied nor dissatisfied", "Very dissatisfied"]:
        assert label in page
    assert "Do not include personal information" in page


def test_posting_the_prompt_rates_and_thanks_with_a_way_back(client, submitted, verified_citizen):
    client.force_login(verified_citizen)
    back = reverse("cases:confirmation", args=[submitted.pk])
    response = client.post(
        give_url("application", submitted.reference), {"answer": "4", "comment": "Clear form", "next": back}
    )
    assert response.status_code == 302
    rating = Rating.objects.get()
    assert (rating.answer, rating.comment, rating.rater) == (4, "Clear form", verified_citizen)
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert f'href="{back}"' in thanks.content.decode()
    # the confirmation page now says thank you instead of asking again
    page = client.get(back).content.decode()
    assert "Thank you for your feedback" in page and "Change your feedback" in page


def test_no_answer_is_an_error_at_the_field(client, submitted, verified_citizen):
    client.force_login(verified_citizen)
    response = client.post(give_url("application", submitted.reference), {"comment": "Hmm"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert 'href="#feedback-answer_0"' in page and 'id="feedback-answer_0"' in page
    assert 'id="feedback-answer-error"' in page
    assert "Hmm" in page  # what they typed is kept
    assert not Rating.objects.exists()


def test_a_too_long_comment_is_an_error_at_the_field(client, submitted, verified_citizen, settings):
    settings.FEEDBACK_COMMENT_MAX_LENGTH = 20
    client.force_login(verified_citizen)
    response = client.post(give_url("application", submitted.reference), {"answer": "5", "comment": "x" * 21})
    assert response.status_code == 400
    assert 'id="feedback-comment-error"' in response.content.decode()
    assert not Rating.objects.exists()


def test_someone_elses_transaction_is_not_found(client, submitted, other_citizen):
    client.force_login(other_citizen)
    assert client.get(give_url("application", submitted.reference)).status_code == 404
    assert client.post(give_url("application", submitted.reference), {"answer": "1"}).status_code == 404
    assert client.get(reverse("feedback:thanks", args=["application", submitted.reference])).status_code == 404
    # and the confirmation page of their own does not show the prompt for it
    assert not Rating.objects.exists()


def test_signed_out_people_are_sent_to_sign_in(client, submitted):
    response = client.post(give_url("application", submitted.reference), {"answer": "5"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Rating.objects.exists()


def test_the_next_link_stays_on_this_site(client, submitted, verified_citizen):
    client.force_login(verified_citizen)
    response = client.post(
        give_url("application", submitted.reference), {"answer": "5", "next": "https://evil.example/"}
    )
    thanks = client.get(response["Location"]).content.decode()
    assert "evil.example" not in thanks
    assert reverse("cases:detail", args=[submitted.pk]) in thanks


def test_the_full_page_shows_the_current_answer_to_change(client, submitted, verified_citizen):
    client.force_login(verified_citizen)
    client.post(give_url("application", submitted.reference), {"answer": "2"})
    page = client.get(give_url("application", submitted.reference)).content.decode()
    assert 'value="2" checked' in page
    client.post(give_url("application", submitted.reference), {"answer": "5"})
    assert Rating.objects.get().answer == 5
    assert AuditLog.objects.filter(action=AuditAction.FEEDBACK_GIVEN).count() == 2


def test_the_prompt_is_on_each_completed_transaction_page(
    client, citizen, verified_citizen, paid, fixed_report, issued
):
    client.force_login(citizen)
    pages = {
        "payment": reverse("payments:receipt", args=[paid.reference]),
        "report": reverse("reports:detail", args=[fixed_report.pk]),
        "document": reverse("documents:detail", args=[issued.number]),
    }
    references = {"payment": paid.reference, "report": str(fixed_report.pk), "document": issued.number}
    for kind, url in pages.items():
        page = client.get(url).content.decode()
        assert f'action="{give_url(kind, references[kind])}"' in page, kind


def test_the_prompt_is_not_on_an_open_report_nor_for_other_people(client, make_report, fixed_report, other_citizen):
    client.force_login(other_citizen)
    page = client.get(reverse("reports:detail", args=[fixed_report.pk])).content.decode()
    assert "Overall, how did you feel" not in page
    client.logout()
    page = client.get(reverse("reports:detail", args=[fixed_report.pk])).content.decode()
    assert "Overall, how did you feel" not in page


def test_posting_is_rate_limited(client, submitted, verified_citizen, settings):
    settings.ECITIZEN_RATE_LIMITS_ENABLED = True
    settings.FEEDBACK_RATE = "2/h/user"
    client.force_login(verified_citizen)
    codes = [
        client.post(give_url("application", submitted.reference), {"answer": str(n)}).status_code for n in (1, 2, 3)
    ]
    assert codes == [302, 302, 429]


def test_a_reference_with_control_characters_is_not_found(client, verified_citizen):
    client.force_login(verified_citizen)
    assert client.get("/feedback/application/CC%00-1/").status_code == 404
