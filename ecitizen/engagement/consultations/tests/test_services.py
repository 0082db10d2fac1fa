"""Consultation services: each write, its audit row, its rules."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.engagement.consultations import selectors, services
from ecitizen.engagement.consultations.models import Publication, Response, Status
from ecitizen.engagement.consultations.tests.conftest import close_now, details

pytestmark = pytest.mark.django_db


def test_create_stores_dates_as_local_day_bounds_in_utc(admin_a, agency_a, settings):
    # given a deployment in London, and a consultation from 1 to 30 June 2027 (summer time)
    settings.TIME_ZONE = "Europe/London"
    data = details(opens_on=datetime.date(2027, 6, 1), closes_on=datetime.date(2027, 6, 30))
    # when
    c = services.consultation_create(actor=admin_a, agency=agency_a, data=data)
    # then it opens at local midnight (23:00 UTC the day before) and closes at the end of 30 June
    assert c.opens_at == datetime.datetime(2027, 5, 31, 23, 0, tzinfo=datetime.UTC)
    assert c.closes_at == datetime.datetime(2027, 6, 30, 23, 0, tzinfo=datetime.UTC)
    assert services.last_day(c) == datetime.date(2027, 6, 30)
    row = AuditLog.objects.get(action=AuditAction.CONSULTATION_SAVED)
    assert row.actor == admin_a and row.agency == agency_a and row.subject_id == str(c.pk)


def test_only_agency_admins_create_and_edit(caseworker_a, caseworker_b, agency_a, consultation, admin_a):
    with pytest.raises(PermissionDenied):
        services.consultation_create(actor=caseworker_a, agency=agency_a, data=details(slug="other"))
    with pytest.raises(PermissionDenied):
        services.consultation_update(actor=caseworker_b, consultation=consultation, data=details())


def test_bad_details_are_field_errors(admin_a, agency_a, consultation):
    with pytest.raises(ValidationError) as exc:
        services.consultation_create(
            actor=admin_a,
            agency=agency_a,
            data=details(title={}, closes_on=datetime.date(2000, 1, 1), eligibility="residents"),
        )
    assert {"title", "slug", "closes_on", "districts"} <= set(exc.value.message_dict)


def test_form_refuses_file_questions(make_consultation, admin_a):
    c = make_consultation(publish=False, form=None, slug="files")
    form = {
        "pages": [{"id": "p", "title": {"en": "P"}, "questions": [{"id": "f", "type": "file", "label": {"en": "F"}}]}]
    }
    with pytest.raises(ValidationError):
        services.consultation_form_update(actor=admin_a, consultation=c, form=form)


def test_publish_needs_questions_or_text(make_consultation, admin_a):
    c = make_consultation(publish=False, form=None, policy_text={}, slug="empty")
    with pytest.raises(ValidationError):
        services.consultation_publish(actor=admin_a, consultation=c)
    c.refresh_from_db()
    assert c.status == Status.DRAFT
    assert not AuditLog.objects.filter(action=AuditAction.CONSULTATION_PUBLISHED).exists()


def test_respond_page_by_page_then_submit(consultation, citizen, respond, verify_identity):
    verify_identity(citizen)  # only a verified identity publishes with a name
    response = respond(citizen, consultation, publication="named")
    assert response.is_sent
    assert response.answers == {"support": "yes", "why": "Quieter streets", "cycles": "yes"}
    assert response.draft == {}
    assert response.display_name == "Amina Haddad"
    actions = list(AuditLog.objects.filter(subject_id=str(response.pk)).values_list("action", flat=True))
    assert actions.count(AuditAction.CONSULTATION_RESPONSE_SAVED) == 2
    assert actions.count(AuditAction.CONSULTATION_RESPONSE_SUBMITTED) == 1


def test_submit_notifies_the_respondent(consultation, citizen, respond, django_capture_on_commit_callbacks):
    from ecitizen.notifications.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        respond(citizen, consultation)
    assert Notification.objects.filter(user=citizen).count() == 1


def test_submit_twice_is_idempotent(consultation, citizen, respond):
    respond(citizen, consultation)
    services.response_submit(actor=citizen, consultation=consultation, publication="anonymous")
    assert AuditLog.objects.filter(action=AuditAction.CONSULTATION_RESPONSE_SUBMITTED).count() == 1
    assert Response.objects.filter(consultation=consultation).count() == 1


def test_submit_refuses_missing_answers(consultation, citizen):
    services.response_save_page(actor=citizen, consultation=consultation, page_id="views", answers={"support": "no"})
    with pytest.raises(ValidationError):
        services.response_submit(actor=citizen, consultation=consultation, publication="anonymous")
    assert not Response.objects.get(user=citizen).is_sent


def test_one_response_per_person_in_the_database(consultation, citizen, respond):
    respond(citizen, consultation)
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(consultation=consultation, user=citizen)


def test_edit_after_sending_keeps_sent_answers_until_resent(consultation, citizen, respond):
    respond(citizen, consultation, support="yes")
    services.response_save_page(actor=citizen, consultation=consultation, page_id="views", answers={"support": "no"})
    response = Response.objects.get(user=citizen)
    assert response.answers["support"] == "yes" and response.draft["support"] == "no"
    assert selectors.results(consultation)[0].choices[0].count == 1  # "yes" still counted
    services.response_submit(actor=citizen, consultation=consultation, publication="private")
    response.refresh_from_db()
    assert response.answers["support"] == "no"


def test_closed_consultation_takes_no_changes(consultation, citizen, respond, admin_a):
    respond(citizen, consultation)
    close_now(consultation, admin_a)
    consultation.refresh_from_db()
    with pytest.raises(ValidationError):
        services.response_save_page(
            actor=citizen, consultation=consultation, page_id="views", answers={"support": "no"}
        )


def test_verified_only(make_consultation, citizen, verify_identity):
    c = make_consultation(eligibility="verified", slug="verified-only")
    with pytest.raises(PermissionDenied):
        services.response_save_page(actor=citizen, consultation=c, page_id="views", answers={"support": "no"})
    verify_identity(citizen)
    services.response_save_page(actor=citizen, consultation=c, page_id="views", answers={"support": "no"})


def test_minimum_age_needs_a_verified_date_of_birth(make_consultation, citizen, verify_identity):
    from ecitizen.engagement.consultations.policies import eligibility_problem

    c = make_consultation(min_age=18, slug="adults")
    assert eligibility_problem(c, citizen) is not None  # date of birth not verified
    verify_identity(citizen)  # born 1988
    assert eligibility_problem(c, citizen) is None
    c.min_age = 120
    assert eligibility_problem(c, citizen) is not None


def test_residents_by_profile_postcode(make_consultation, citizen, monkeypatch, verify_identity):
    from ecitizen.accounts.models import Profile
    from ecitizen.engagement.consultations.policies import eligibility_problem

    monkeypatch.setattr(
        "ecitizen.exchange.selectors.district_for_postcode", lambda pc: "Old Town" if pc == "RV1 4AB" else ""
    )
    c = make_consultation(eligibility="residents", districts=["Old Town"], slug="old-town")
    assert eligibility_problem(c, citizen) is not None
    Profile.objects.filter(user=citizen).update(postcode="RV1 4AB")
    assert "verif" in eligibility_problem(c, citizen)  # a typed postcode is not enough: verified only
    verify_identity(citizen)
    Profile.objects.filter(user=citizen).update(postcode="RV1 4AB")
    assert eligibility_problem(c, citizen) is None


def test_anyone_by_confirmed_email(make_consultation, mailoutbox, django_capture_on_commit_callbacks):
    c = make_consultation(eligibility="anyone", slug="open-to-all")
    with django_capture_on_commit_callbacks(execute=True):
        services.respondent_email_link_send(consultation=c, email="Sam@Example.org")
    assert len(mailoutbox) == 1
    token = services.email_link_token(c, "sam@example.org")
    assert token in mailoutbox[0].body
    response = services.response_start_by_email(token=token)
    assert response.email == "sam@example.org" and response.user is None
    assert services.response_start_by_email(token=token).pk == response.pk  # again: same response
    with pytest.raises(ValidationError):
        services.response_start_by_email(token=token + "x")


def test_passage_comment(consultation, citizen):
    comment = services.passage_comment_add(
        actor=citizen, consultation=consultation, passage=2, text="Add more racks", publication="anonymous"
    )
    assert comment.passage == 2
    assert AuditLog.objects.filter(action=AuditAction.CONSULTATION_PASSAGE_COMMENTED, actor=citizen).count() == 1
    with pytest.raises(ValidationError) as exc:
        services.passage_comment_add(actor=citizen, consultation=consultation, passage=9, text="x", publication="x")
    assert {"passage", "publication"} <= set(exc.value.message_dict)
    assert selectors.public_passage_comments(consultation)[2][0].text == "Add more racks"


def test_private_passage_comment_is_not_public(consultation, citizen):
    services.passage_comment_add(
        actor=citizen, consultation=consultation, passage=1, text="Hush", publication="private"
    )
    assert selectors.public_passage_comments(consultation) == {}
    assert selectors.passage_comments_for_staff(consultation)[0]["comments"][0].text == "Hush"


def test_results_counts_and_percentages(consultation, citizen, other_citizen, respond):
    respond(citizen, consultation, support="yes")
    respond(other_citizen, consultation, support="no", why="")
    support = selectors.results(consultation)[0]
    assert [(c.value, c.count, c.percent) for c in support.choices] == [("yes", 1, 50), ("no", 1, 50), ("unsure", 0, 0)]


def test_tagging_and_filter(consultation, citizen, respond, caseworker_a, caseworker_b):
    response = respond(citizen, consultation)
    assert services.answer_tag(actor=caseworker_a, response=response, question_id="why", tag=" Noise ") is True
    assert services.answer_tag(actor=caseworker_a, response=response, question_id="why", tag="noise") is False
    why = selectors.results(consultation, with_texts=True, tag="noise")[1]
    assert why.texts == [{"response": response.pk, "text": "Quieter streets", "tags": ["noise"]}]
    assert selectors.results(consultation, with_texts=True, tag="other")[1].texts == []
    assert AuditLog.objects.filter(action=AuditAction.CONSULTATION_ANSWER_TAGGED).count() == 1
    with pytest.raises(PermissionDenied):
        services.answer_tag(actor=caseworker_b, response=response, question_id="why", tag="x")


def test_export_is_audited_and_has_no_names(consultation, citizen, respond, caseworker_a):
    respond(citizen, consultation, publication="anonymous", why="=cmd()")
    text = services.results_export(actor=caseworker_a, consultation=consultation, fmt="csv")
    assert "Amina" not in text and "amina@example.org" not in text
    assert "'=cmd()" in text
    data = services.results_export(actor=caseworker_a, consultation=consultation, fmt="json")
    assert '"support": "yes"' in data and '"support_label": "Yes"' in data
    assert AuditLog.objects.filter(action=AuditAction.CONSULTATION_RESULTS_EXPORTED).count() == 2


def test_outcome_tells_every_respondent_and_goes_to_the_log(
    consultation, citizen, other_citizen, respond, admin_a, django_capture_on_commit_callbacks
):
    from ecitizen.ledger.models import PendingEntry
    from ecitizen.notifications.models import Notification

    respond(citizen, consultation)
    respond(other_citizen, consultation)
    with pytest.raises(ValidationError):  # still open
        services.outcome_publish(actor=admin_a, consultation=consultation, outcome={"en": "We did it"})
    close_now(consultation, admin_a)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.outcome_publish(actor=admin_a, consultation=consultation, outcome={"en": "We will close it"})
    assert set(Notification.objects.values_list("user_id", flat=True)) == {citizen.pk, other_citizen.pk}
    entry = PendingEntry.objects.filter(kind="consultation.outcome", key="town-square").first() or None
    if entry is None:
        from ecitizen.ledger.models import LogEntry  # integrated already

        assert LogEntry.objects.filter(kind="consultation.outcome", key="town-square").exists()
    with pytest.raises(ValidationError):
        services.outcome_publish(actor=admin_a, consultation=consultation, outcome={"en": "Again"})


def test_published_responses_respect_the_choice(
    consultation, citizen, other_citizen, make_user, respond, admin_a, verify_identity
):
    verify_identity(citizen)
    respond(citizen, consultation, publication="named")
    respond(other_citizen, consultation, publication="anonymous")
    respond(make_user("cat@example.org"), consultation, publication=Publication.PRIVATE)
    published = selectors.published_responses(consultation)
    assert [p["name"] for p in published] == ["Amina Haddad", ""]


def test_dashboard(consultation, citizen, respond):
    assert selectors.consultations_for_dashboard(citizen)["sent"] == []
    services.response_save_page(actor=citizen, consultation=consultation, page_id="views", answers={"support": "no"})
    assert [d["slug"] for d in selectors.consultations_for_dashboard(citizen)["drafts"]] == ["town-square"]
    respond(citizen, consultation)
    board = selectors.consultations_for_dashboard(citizen)
    assert board["drafts"] == [] and [d["slug"] for d in board["sent"]] == ["town-square"]


def test_pdf_validation(make_consultation, admin_a, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    c = make_consultation(publish=False, slug="docs")
    with pytest.raises(ValidationError):
        services.consultation_document_add(
            actor=admin_a, consultation=c, title="Plan", upload=SimpleUploadedFile("a.pdf", b"MZ not a pdf")
        )
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    doc = services.consultation_document_add(
        actor=admin_a, consultation=c, title="Plan", upload=SimpleUploadedFile("a.pdf", pdf)
    )
    assert doc.size == len(pdf) and doc.file.read() == pdf
    settings.CONSULTATION_DOCUMENT_MAX_BYTES = 10
    with pytest.raises(ValidationError):
        services.consultation_document_add(
            actor=admin_a, consultation=c, title="Plan", upload=SimpleUploadedFile("a.pdf", pdf)
        )


def test_close_early(consultation, admin_a):
    c = close_now(consultation, admin_a)
    assert c.is_closed() and c.closed_early_at <= timezone.now()
    with pytest.raises(ValidationError):
        close_now(c, admin_a)


def test_outcome_tells_followers_of_the_discussion(
    consultation, citizen, other_citizen, respond, admin_a, django_capture_on_commit_callbacks
):
    from ecitizen.engagement.discussions.services import follow_start
    from ecitizen.notifications.models import Notification

    respond(citizen, consultation)
    follow_start(actor=other_citizen, kind="consultation", key=consultation.slug)  # follows, did not respond
    follow_start(actor=citizen, kind="consultation", key=consultation.slug)  # both: told once
    close_now(consultation, admin_a)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.outcome_publish(actor=admin_a, consultation=consultation, outcome={"en": "Done"})
    assert sorted(Notification.objects.values_list("user_id", flat=True)) == sorted([citizen.pk, other_citizen.pk])


def test_same_comment_twice_is_kept_once(consultation, citizen):
    for _ in range(2):
        services.passage_comment_add(
            actor=citizen, consultation=consultation, passage=1, text="Same", publication="anonymous"
        )
    assert consultation.passage_comments.count() == 1
    assert AuditLog.objects.filter(action=AuditAction.CONSULTATION_PASSAGE_COMMENTED).count() == 1
