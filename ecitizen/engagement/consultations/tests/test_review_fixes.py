"""Regression tests for problems a review found (each failed before its fix)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.engagement.consultations import selectors, services
from ecitizen.engagement.consultations.models import Consultation, Response
from ecitizen.engagement.consultations.tests.conftest import FORM, close_now, details

pytestmark = pytest.mark.django_db


def _one_page(*questions):
    return {"pages": [{"id": "p", "title": {"en": "P"}, "questions": list(questions)}]}


# 1. contact details ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["email", "phone", "address"])
def test_forms_refuse_contact_detail_questions(make_consultation, admin_a, kind):
    c = make_consultation(publish=False, form=None, slug=f"contact-{kind}")
    with pytest.raises(ValidationError):
        services.consultation_form_update(
            actor=admin_a, consultation=c, form=_one_page({"id": "contact", "type": kind, "label": {"en": "C"}})
        )


def test_staff_builder_does_not_offer_contact_types(client, make_consultation, admin_a):
    c = make_consultation(publish=False)
    client.force_login(admin_a)
    page = client.get(reverse("consultations_staff:question_add", args=[c.pk])).content.decode()
    for kind in ("email", "phone", "address", "file"):
        assert f'value="{kind}"' not in page


def test_personal_answers_never_published_even_if_stored(consultation, citizen, respond, admin_a):
    # an older form that still asks for an email address (stored before the rule)
    form = {**FORM, "pages": [*FORM["pages"]]}
    form["pages"][1] = {
        **form["pages"][1],
        "questions": [*form["pages"][1]["questions"], {"id": "mail", "type": "email", "label": {"en": "Email"}}],
    }
    Consultation.objects.filter(pk=consultation.pk).update(form=form)
    consultation.refresh_from_db()
    services.response_save_page(
        actor=citizen, consultation=consultation, page_id="views", answers={"support": "yes", "why": "x"}
    )
    services.response_save_page(
        actor=citizen, consultation=consultation, page_id="about", answers={"cycles": "no", "mail": "me@example.org"}
    )
    services.response_submit(actor=citizen, consultation=consultation, publication="anonymous")
    published = selectors.published_responses(consultation)
    assert published and "me@example.org" not in str(published)


# 2. one person, one response --------------------------------------------------------------------


def test_email_route_refused_for_an_account_address(client, make_consultation, citizen, mailoutbox):
    c = make_consultation(eligibility="anyone", slug="open-to-all")
    with pytest.raises(ValidationError) as exc:
        services.respondent_email_link_send(consultation=c, email="AMINA@example.org")
    assert "Sign in" in str(exc.value)
    r = client.post(reverse("consultations:start", args=[c.slug]), {"email": "amina@example.org"})
    page = r.content.decode()
    assert "Sign in to respond" in page and reverse("account_login") in page and not mailoutbox
    # a link sent before the account existed is refused too
    token = services.email_link_token(c, "amina@example.org")
    r = client.get(reverse("consultations:email_confirm", args=[token]))
    assert r.status_code == 400 and "Sign in to respond" in r.content.decode()


def test_account_response_replaces_an_earlier_email_response(make_consultation, make_user, respond):
    c = make_consultation(eligibility="anyone", slug="open-to-all")
    token = services.email_link_token(c, "zoe@example.org")
    services.response_start_by_email(token=token)
    for page_id, answers in (("views", {"support": "no"}), ("about", {"cycles": "no"})):
        services.response_save_page(
            actor=_anon(), consultation=c, page_id=page_id, answers=answers, email="zoe@example.org"
        )
    services.response_submit(actor=_anon(), consultation=c, publication="private", email="zoe@example.org")
    assert selectors.sent_responses(c).count() == 1
    # Zoé then makes an account with that address (confirmed) and responds with it
    zoe = make_user("zoe@example.org")
    respond(zoe, c)
    assert list(selectors.sent_responses(c).values_list("user_id", "email")) == [(zoe.pk, "")]
    row = AuditLog.objects.filter(action=AuditAction.CONSULTATION_RESPONSE_SUBMITTED).latest("pk")
    assert row.extra.get("replaced_email_response")


def _anon():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


# 3. totals only with enough responses -------------------------------------------------------------


def test_counts_published_only_with_enough_responses(client, consultation, citizen, respond, admin_a, settings):
    settings.CONSULTATION_RESULTS_MIN_RESPONSES = 5
    respond(citizen, consultation, publication="private")
    close_now(consultation, admin_a)
    services.outcome_publish(actor=admin_a, consultation=consultation, outcome={"en": "Done"})
    page = client.get(reverse("consultations:results", args=[consultation.slug])).content.decode()
    assert "<svg" not in page and "only when at least 5 responses" in page
    assert client.get(f"/api/consultations/{consultation.slug}").json()["results"] == []
    settings.CONSULTATION_RESULTS_MIN_RESPONSES = 1
    assert client.get(f"/api/consultations/{consultation.slug}").json()["results"]


def test_publication_choice_says_answers_count(client, consultation, citizen):
    client.force_login(citizen)
    client.post(reverse("consultations:page", args=[consultation.slug, "views"]), {"support": "yes"})
    client.post(reverse("consultations:page", args=[consultation.slug, "about"]), {"cycles": "yes"})
    page = client.get(reverse("consultations:check", args=[consultation.slug])).content.decode()
    assert "always count in the totals" in page


# 4. residents: verified, district from the register, stored ------------------------------------


def test_residents_need_verified_identity_and_district_is_stored(
    make_consultation, citizen, monkeypatch, verify_identity, respond
):
    from ecitizen.accounts.models import Profile

    monkeypatch.setattr(
        "ecitizen.exchange.selectors.district_for_postcode", lambda pc: "Old Town" if pc == "RV1 4AB" else "Hill"
    )
    c = make_consultation(eligibility="residents", districts=["Old Town"], slug="old-town")
    Profile.objects.filter(user=citizen).update(postcode="RV1 4AB")
    with pytest.raises(PermissionDenied):
        respond(citizen, c)
    verify_identity(citizen)
    Profile.objects.filter(user=citizen).update(postcode="RV1 4AB")
    response = respond(citizen, c)
    assert response.district == "Old Town"
    row = AuditLog.objects.filter(action=AuditAction.CONSULTATION_RESPONSE_SUBMITTED).latest("pk")
    assert row.extra["district"] == "Old Town"
    # moving later does not move the sent response
    Profile.objects.filter(user=citizen).update(postcode="ZZ9 9ZZ")
    response.refresh_from_db()
    assert response.district == "Old Town"


# 5. unlisted survey not in the public log -------------------------------------------------------


def test_unlisted_survey_outcome_not_in_public_log(make_consultation, admin_a, citizen, respond):
    from ecitizen.ledger.models import LogEntry, PendingEntry

    c = make_consultation(kind="survey", listed=False, slug="secret-staff-survey")
    respond(citizen, c)
    close_now(c, admin_a)
    services.outcome_publish(actor=admin_a, consultation=c, outcome={"en": "done"})
    assert not PendingEntry.objects.filter(key="secret-staff-survey").exists()
    assert not LogEntry.objects.filter(key="secret-staff-survey").exists()
    assert AuditLog.objects.get(action=AuditAction.CONSULTATION_OUTCOME_PUBLISHED).extra["public_log"] is False


# 6. a page titled "Check" ---------------------------------------------------------------------------


def test_page_with_id_check_can_be_answered(client, make_consultation, citizen):
    form = {
        "pages": [
            {
                "id": "check",
                "title": {"en": "Check"},
                "questions": [{"id": "ok", "type": "yes_no", "label": {"en": "OK?"}}],
            }
        ]
    }
    c = make_consultation(form=form, slug="checks")
    client.force_login(citizen)
    r = client.get(reverse("consultations:start", args=[c.slug]))
    assert r.url == reverse("consultations:page", args=[c.slug, "check"])
    r = client.post(r.url, {"ok": "yes"})
    assert r.status_code == 302 and r.url == reverse("consultations:check", args=[c.slug])
    r = client.post(r.url, {"publication": "anonymous"})
    assert r.url == reverse("consultations:sent", args=[c.slug])
    assert Response.objects.get(consultation=c).answers == {"ok": "yes"}


# 7. two admins at once ---------------------------------------------------------------------------


def test_builder_changes_apply_to_the_locked_row(make_consultation, admin_a):
    from ecitizen.catalogue import formbuilder

    c = make_consultation(publish=False)
    a, b = Consultation.objects.get(pk=c.pk), Consultation.objects.get(pk=c.pk)  # two admins open the builder
    for stale, qid in ((a, "from_a"), (b, "from_b")):
        question = {"id": qid, "type": "text", "label": {"en": qid}}
        services.consultation_form_update(
            actor=admin_a,
            consultation=stale,
            change=lambda stored, q=question: formbuilder.question_add(formbuilder.normalise(stored), "views", q),
        )
    c.refresh_from_db()
    ids = [q["id"] for p in c.form["pages"] for q in p["questions"]]
    assert "from_a" in ids and "from_b" in ids


def test_builder_views_do_not_lose_each_others_questions(client, make_consultation, admin_a):
    c = make_consultation(publish=False)
    client.force_login(admin_a)
    url = reverse("consultations_staff:question_add", args=[c.pk]) + "?type=text"
    for label in ("First", "Second"):
        r = client.post(url, {"page": "views", "type": "text", "label_en": label})
        assert r.status_code == 302, r.content.decode()[:2000]
    c.refresh_from_db()
    ids = [q["id"] for q in c.form["pages"][0]["questions"]]
    assert "first" in ids and "second" in ids


def test_stale_details_edit_is_refused(client, consultation, admin_a):
    from ecitizen.engagement.consultations.forms import ConsultationDetailsForm

    client.force_login(admin_a)
    initial = ConsultationDetailsForm.initial_from(consultation)
    services.consultation_update(
        actor=admin_a, consultation=consultation, data=details(title={"en": "Changed by someone else"})
    )
    post = _post_from(initial, title_en="My stale change")
    page = client.post(reverse("consultations_staff:edit", args=[consultation.pk]), post).content.decode()
    assert "Reload the page" in page
    consultation.refresh_from_db()
    assert consultation.title["en"] == "Changed by someone else"


def _post_from(initial: dict, **extra) -> dict:
    post = {}
    for key, value in initial.items():
        if value is None:
            continue
        if isinstance(value, datetime.date):
            post.update({f"{key}-day": value.day, f"{key}-month": value.month, f"{key}-year": value.year})
        elif isinstance(value, list):
            post[key] = value
        elif isinstance(value, bool):
            if value:
                post[key] = "on"
        else:
            post[key] = str(value)
    post.update(extra)
    return post


# 8. far dates ----------------------------------------------------------------------------------------


def test_far_closing_date_is_a_field_error(client, consultation, admin_a):
    from ecitizen.engagement.consultations.forms import ConsultationDetailsForm

    client.force_login(admin_a)
    post = _post_from(ConsultationDetailsForm.initial_from(consultation))
    post.update({"closes_on-day": "31", "closes_on-month": "12", "closes_on-year": "9999"})
    r = client.post(reverse("consultations_staff:edit", args=[consultation.pk]), post)
    assert r.status_code == 200 and "within 5 years" in r.content.decode()
    with pytest.raises(ValidationError) as exc:
        services.consultation_update(
            actor=admin_a, consultation=consultation, data=details(opens_on=datetime.date(9999, 1, 1))
        )
    assert "opens_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.consultation_update(
            actor=admin_a, consultation=consultation, data=details(opens_on=datetime.date(1, 1, 1))
        )
    assert "opens_on" in exc.value.message_dict


# 9. closing day shown, not the day after ----------------------------------------------------------


def test_lists_and_dashboard_show_the_last_day(client, make_consultation, admin_a, citizen, settings):
    settings.TIME_ZONE = "Europe/London"
    last = timezone.localdate() + datetime.timedelta(days=10)
    c = make_consultation(closes_on=last, slug="last-day")
    assert c.closes_on == last
    day_after = last + datetime.timedelta(days=1)

    def shown(day):
        from ecitizen.core.templatetags.dates import display_date

        return display_date(day)

    page = client.get(reverse("consultations:index")).content.decode()
    assert shown(last) in page and shown(day_after) not in page
    client.force_login(admin_a)
    page = client.get(reverse("consultations_staff:index")).content.decode()
    assert shown(last) in page and shown(day_after) not in page
    services.response_save_page(actor=citizen, consultation=c, page_id="views", answers={"support": "no"})
    item = selectors.consultations_for_dashboard(citizen)["drafts"][0]
    assert item["closes_at"] == last and isinstance(item["closes_at"], datetime.date)


# 10. closed before opening ---------------------------------------------------------------------------


def test_closed_before_opening_is_closed_not_upcoming(make_consultation, admin_a):
    today = timezone.localdate()
    c = make_consultation(
        opens_on=today + datetime.timedelta(days=5), closes_on=today + datetime.timedelta(days=9), slug="later"
    )
    assert c.is_upcoming()
    c = services.consultation_close_early(actor=admin_a, consultation=c)
    assert not c.is_upcoming() and c.is_closed()
    assert c not in selectors.upcoming_consultations() and c in selectors.closed_consultations()


# 11. admin of several agencies ------------------------------------------------------------------------


def test_admin_of_two_agencies_chooses_the_agency(client, make_user, with_mfa, agency_a, agency_b):
    from ecitizen.agencies.models import Membership, Role

    admin = make_user("both@council.example")
    with_mfa(admin)
    Membership.objects.create(user=admin, agency=agency_a, role=Role.AGENCY_ADMIN)
    Membership.objects.create(user=admin, agency=agency_b, role=Role.AGENCY_ADMIN)
    client.force_login(admin)
    url = reverse("consultations_staff:new")
    assert agency_b.name in client.get(url).content.decode()
    year = str(timezone.localdate().year + 1)
    data = {
        "agency": str(agency_b.pk),
        "kind": "consultation",
        "slug": "for-b",
        "opens_on-day": "1",
        "opens_on-month": "1",
        "opens_on-year": year,
        "closes_on-day": "1",
        "closes_on-month": "2",
        "closes_on-year": year,
        "eligibility": "signed_in",
        "title_en": "For B",
    }
    assert client.post(url, data).status_code == 302
    assert Consultation.objects.get(slug="for-b").agency == agency_b


# 12. texts in the language of the request ------------------------------------------------------


def test_form_texts_follow_the_active_language(settings):
    from django.utils import translation

    from ecitizen.engagement.consultations.forms import DocumentForm, PassageCommentForm

    settings.CONSULTATION_COMMENT_MAX_LENGTH = 7
    form = PassageCommentForm({"text": "x" * 8, "publication": "anonymous"})
    assert not form.is_valid() and "7 characters" in str(form.errors["text"])
    settings.CONSULTATION_DOCUMENT_MAX_BYTES = 3 * 1024 * 1024
    assert "3 MB" in str(DocumentForm().fields["file"].help_text)
    with translation.override("en"):
        assert str(DocumentForm().fields["file"].help_text) == "A PDF smaller than 3 MB."


# 13. outcome messages from a task after commit ---------------------------------------------------


def test_outcome_messages_sent_after_commit_once(
    consultation, citizen, other_citizen, respond, admin_a, django_capture_on_commit_callbacks
):
    from ecitizen.notifications.models import Notification

    respond(citizen, consultation)
    respond(other_citizen, consultation)
    close_now(consultation, admin_a)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.outcome_publish(actor=admin_a, consultation=consultation, outcome={"en": "Done"})
    assert not Notification.objects.exists()  # nothing sent inside the request's transaction
    for callback in callbacks:
        callback()
    assert sorted(Notification.objects.values_list("user_id", flat=True)) == sorted([citizen.pk, other_citizen.pk])
    services.outcome_tell_task.call(consultation.pk)  # a retry tells nobody twice
    assert Notification.objects.count() == 2


# 14. pagination -----------------------------------------------------------------------------------------


def test_published_responses_are_paginated(client, consultation, make_user, respond, admin_a, settings):
    from ecitizen.engagement.consultations import views

    settings.CONSULTATION_RESULTS_MIN_RESPONSES = 1
    views.PUBLISHED_PER_PAGE, old = 2, views.PUBLISHED_PER_PAGE
    try:
        for n in range(3):
            respond(make_user(f"p{n}@example.org"), consultation, why=f"Reason {n}")
        close_now(consultation, admin_a)
        services.outcome_publish(actor=admin_a, consultation=consultation, outcome={"en": "Done"})
        url = reverse("consultations:results", args=[consultation.slug])
        first = client.get(url).content.decode()
        assert "Reason 0" in first and "Reason 2" not in first and "page=2" in first
        assert "Reason 2" in client.get(url + "?page=2").content.decode()
    finally:
        views.PUBLISHED_PER_PAGE = old


def test_staff_free_text_is_paginated(client, consultation, make_user, respond, admin_a):
    from ecitizen.engagement.consultations import staff_views

    staff_views.TEXTS_PER_PAGE, old = 2, staff_views.TEXTS_PER_PAGE
    try:
        for n in range(3):
            respond(make_user(f"q{n}@example.org"), consultation, why=f"Answer {n}", publication="private")
        client.force_login(admin_a)
        url = reverse("consultations_staff:results", args=[consultation.pk])
        first = client.get(url).content.decode()
        assert "Answer 0" in first and "Answer 2" not in first
        assert "Answer 2" in client.get(url + "?page=2").content.decode()
    finally:
        staff_views.TEXTS_PER_PAGE = old


# 15. closed between check and write --------------------------------------------------------------


def test_submit_rechecks_open_under_the_lock(consultation, citizen, admin_a, monkeypatch):
    services.response_save_page(actor=citizen, consultation=consultation, page_id="views", answers={"support": "no"})
    services.response_save_page(actor=citizen, consultation=consultation, page_id="about", answers={"cycles": "no"})
    # the consultation closes after the first check passed (the check reads a stale object)
    Consultation.objects.filter(pk=consultation.pk).update(closed_early_at=timezone.now())
    with pytest.raises(ValidationError):
        services.response_submit(actor=citizen, consultation=consultation, publication="anonymous")
    assert not Response.objects.get(user=citizen).is_sent


def test_comment_rechecks_open_under_the_lock(consultation, citizen):
    from ecitizen.engagement.consultations.models import PassageComment

    Consultation.objects.filter(pk=consultation.pk).update(closed_early_at=timezone.now())
    with pytest.raises(ValidationError):
        services.passage_comment_add(
            actor=citizen, consultation=consultation, passage=1, text="Late", publication="anonymous"
        )
    assert not PassageComment.objects.exists()


# 16. "with my name" for verified identities only -------------------------------------------------


def test_named_only_for_verified_identities(client, consultation, citizen, respond, verify_identity):
    with pytest.raises(ValidationError):
        respond(citizen, consultation, publication="named")
    client.force_login(citizen)
    page = client.get(reverse("consultations:check", args=[consultation.slug])).content.decode()
    assert 'value="named"' not in page
    verify_identity(citizen)
    page = client.get(reverse("consultations:check", args=[consultation.slug])).content.decode()
    assert 'value="named"' in page
    assert respond(citizen, consultation, publication="named").display_name == "Amina Haddad"


# 17. CSV cells ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_neutralises_formula_starts(start):
    assert services.csv_safe(f"{start}1+1") == f"'{start}1+1"
    assert services.csv_safe("fine") == "fine"


def test_export_has_values_and_labels(consultation, citizen, respond, caseworker_a):
    respond(citizen, consultation, why="\tcmd", publication="private")
    text = services.results_export(actor=caseworker_a, consultation=consultation, fmt="csv")
    header = text.splitlines()[0].split(",")
    assert header[:4] == ["response", "sent_at", "publication", "district"]
    assert ["support", "support_label"] == header[4:6]
    assert ",yes,Yes," in text and "'\tcmd" in text


# 18. unlisted survey on the dashboard --------------------------------------------------------------


def test_dashboard_link_to_unlisted_survey_opens(client, make_consultation, citizen, respond):
    c = make_consultation(kind="survey", listed=False, slug="staff-survey")
    respond(citizen, c)
    item = selectors.consultations_for_dashboard(citizen)["sent"][0]
    client.force_login(citizen)  # a new session: the survey's link is not remembered
    assert client.get(item["url"]).status_code == 200
    client.logout()
    assert client.get(item["url"]).status_code == 404
