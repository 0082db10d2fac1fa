"""The service editor end to end, as an agency admin uses it with a browser and no JavaScript."""

from __future__ import annotations

import pytest

from ecitizen.catalogue.models import Service
from ecitizen.catalogue.selectors import edit_token
from ecitizen.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db

DETAILS = {
    "title_en": "Apply for a market stall",
    "title_es": "Solicitar un puesto de mercado",
    "summary_en": "Sell at the Saturday market.",
    "fee": "30.00",
    "fee_currency": "GBP",
    "deadline_working_days": "10",
    "identity_level": "basic",
    "issues": "licence",
    "validity_days": "365",
}


@pytest.fixture
def editor(client, admin_a):
    client.force_login(admin_a)
    return client


def token(service) -> str:
    return edit_token(Service.objects.get(pk=service.pk))


def body(response) -> str:
    return response.content.decode()


def test_create_add_pages_and_questions_then_publish(editor, category, moving_house):
    # create the service
    response = editor.post(
        "/staff/services/new/", {**DETAILS, "category": category.pk, "life_events": [moving_house.pk]}
    )
    service = Service.objects.get(slug="apply-for-a-market-stall")
    assert response.status_code == 302 and response["Location"] == f"/staff/services/{service.pk}/"
    assert (service.fee_amount, service.title["es"]) == (3000, "Solicitar un puesto de mercado")
    base = f"/staff/services/{service.pk}"

    # a question needs a page first
    assert editor.get(f"{base}/form/questions/add/")["Location"] == f"{base}/form/pages/add/"
    response = editor.post(f"{base}/form/pages/add/", {"token": token(service), "title_en": "Your stall"})
    assert response["Location"] == f"{base}/form/#page-your_stall"

    # a bad regular expression is an error at the field, listed in the error summary
    question = {"page": "your_stall", "type": "text", "label_en": "Stall name", "required": "on"}
    response = editor.post(f"{base}/form/questions/add/", {**question, "token": token(service), "pattern": "([a-z"})
    assert response.status_code == 200
    assert "There is a problem" in body(response)
    assert 'href="#id_pattern"' in body(response)
    assert "Enter a valid regular expression" in body(response)

    # good questions get ids made from their English label
    editor.post(f"{base}/form/questions/add/", {**question, "token": token(service), "pattern": "^[A-Za-z ]+$"})
    editor.post(
        f"{base}/form/questions/add/",
        {
            "token": token(service),
            "page": "your_stall",
            "type": "choice",
            "label_en": "What will you sell?",
            "label_es": "¿Qué venderá?",
            "choices_en": "food|Food\nflowers|Flowers",
            "choices_es": "food|Comida",
            "required": "on",
        },
    )
    editor.post(f"{base}/form/pages/add/", {"token": token(service), "title_en": "Food safety"})
    editor.post(
        f"{base}/form/questions/add/",
        {
            "token": token(service),
            "page": "food_safety",
            "type": "file",
            "label_en": "Food hygiene certificate",
            "required": "on",
            "condition": "what_will_you_sell=food",
        },
    )
    service.refresh_from_db()
    questions = [q for page in service.form["pages"] for q in page["questions"]]
    assert [q["id"] for q in questions] == ["stall_name", "what_will_you_sell", "food_hygiene_certificate"]
    assert questions[1]["choices"] == [
        {"value": "food", "label": {"en": "Food", "es": "Comida"}},
        {"value": "flowers", "label": {"en": "Flowers"}},
    ]
    assert questions[2]["condition"] == {"question": "what_will_you_sell", "equals": "food"}

    # the preview shows every page, the conditional question marked
    preview = body(editor.get(f"{base}/preview/"))
    assert "Stall name" in preview and "Food hygiene certificate" in preview
    assert "Asked only when “What will you sell?” is “food”" in preview

    # the confirmation page says what the public will see; publishing makes version 1
    confirm = editor.get(f"{base}/publish/")
    assert "Publish version 1" in body(confirm) and "£30.00" in body(confirm)
    response = editor.post(f"{base}/publish/", {"token": token(service)})
    assert response["Location"] == f"{base}/"
    service.refresh_from_db()
    assert (service.status, service.current_version.number) == ("published", 1)
    assert "Version 1 is published." in body(editor.get(f"{base}/"))
    assert editor.get("/services/apply-for-a-market-stall/").status_code == 200
    actions = list(AuditLog.objects.filter(agency=service.agency).values_list("action", flat=True))
    assert actions.count(AuditAction.SERVICE_FORM_UPDATED) == 5
    assert AuditAction.SERVICE_PUBLISHED in actions


@pytest.mark.parametrize(
    ("fee", "message"),
    [
        ("-5", "The fee cannot be negative"),
        ("30.001", "The fee can have at most 2 decimal places"),
        ("thirty", "Enter the fee as an amount, like 30.00"),
        ("", "Enter the fee, or 0 if the service is free"),
    ],
)
def test_bad_fees_are_field_errors(editor, category, fee, message):
    response = editor.post("/staff/services/new/", {**DETAILS, "category": category.pk, "fee": fee})
    assert response.status_code == 200
    assert 'href="#id_fee"' in body(response) and message in body(response)
    assert not Service.objects.exists()


def test_missing_english_title_and_category_are_field_errors(editor):
    response = editor.post("/staff/services/new/", {**DETAILS, "title_en": ""})
    assert "Enter a title in English" in body(response) and "Choose a category" in body(response)


def test_editing_details_is_refused_when_someone_else_saved_first(editor, draft_service, category):
    page = editor.get(f"/staff/services/{draft_service.pk}/edit/")
    stale = page.context["form"]["token"].value()
    form = {**DETAILS, "category": category.pk, "token": stale, "identity_level": "verified"}
    assert editor.post(f"/staff/services/{draft_service.pk}/edit/", form).status_code == 302
    response = editor.post(f"/staff/services/{draft_service.pk}/edit/", {**form, "fee": "99"})
    assert "Someone else changed this service" in body(response)
    draft_service.refresh_from_db()
    assert draft_service.fee_amount == 3000


def test_moving_removing_and_renaming_questions(editor, draft_service):
    base = f"/staff/services/{draft_service.pk}"

    def ids():
        draft_service.refresh_from_db()
        return [[q["id"] for q in p["questions"]] for p in draft_service.form["pages"]]

    editor.post(f"{base}/form/questions/electric/move/", {"token": token(draft_service), "direction": "up"})
    assert ids() == [["electric", "registration"], ["charger"]]
    editor.post(f"{base}/form/questions/registration/move/", {"token": token(draft_service), "direction": "down"})
    assert ids() == [["electric"], ["registration", "charger"]]

    # renaming a question carries the conditions that depend on it
    question = editor.get(f"{base}/form/questions/electric/edit/").context["form"].initial
    data = {k: v for k, v in question.items() if v not in (None, False)}
    editor.post(f"{base}/form/questions/electric/edit/", {**data, "question_id": "is_electric", "required": "on"})
    draft_service.refresh_from_db()
    assert draft_service.form["pages"][1]["questions"][1]["condition"]["question"] == "is_electric"

    # removing a question others depend on is refused, with the reason shown
    response = editor.post(f"{base}/form/questions/is_electric/remove/", {"token": token(draft_service)})
    assert response.status_code == 200
    assert "depends on a question that does not come before it" in body(response)
    assert ids() == [["is_electric"], ["registration", "charger"]]

    # a page is removed after confirming, with its questions
    assert "Its 2 questions will be removed too." in body(editor.get(f"{base}/form/pages/charging/remove/"))
    editor.post(f"{base}/form/pages/charging/remove/", {"token": token(draft_service)})
    assert ids() == [["is_electric"]]


def test_a_stale_move_is_refused(editor, draft_service):
    stale = token(draft_service)
    base = f"/staff/services/{draft_service.pk}/form/questions"
    editor.post(f"{base}/electric/move/", {"token": stale, "direction": "up"})
    response = editor.post(f"{base}/electric/move/", {"token": stale, "direction": "down"})
    assert "Someone else changed this service" in body(response)


def test_a_condition_must_point_to_an_earlier_page_and_a_real_answer(editor, draft_service):
    base = f"/staff/services/{draft_service.pk}/form/questions/add/"
    question = {"token": token(draft_service), "type": "text", "label_en": "Colour", "required": "on"}
    same_page = editor.post(base, {**question, "page": "vehicle", "condition": "electric=yes"})
    # only answers to questions on earlier pages are on offer
    assert "Choose an answer from the list" in body(same_page)
    not_yes_no = editor.post(base, {**question, "page": "charging", "condition": "electric=maybe"})
    assert "Choose an answer from the list" in body(not_yes_no)


def test_unknown_pages_and_questions_are_404(editor, draft_service):
    base = f"/staff/services/{draft_service.pk}/form"
    assert editor.get(f"{base}/questions/nope/edit/").status_code == 404
    assert editor.post(f"{base}/questions/nope/move/", {"direction": "up"}).status_code == 404
    assert editor.get(f"{base}/pages/nope/edit/").status_code == 404


def test_publish_page_lists_problems_instead_of_a_button(editor, draft_service):
    editor.post(f"/staff/services/{draft_service.pk}/form/pages/add/", {"token": token(draft_service), "title_en": "X"})
    response = editor.get(f"/staff/services/{draft_service.pk}/publish/")
    assert "Page “x” has no questions." in body(response)
    assert 'name="token"' not in body(response)  # no publish form


def test_publish_page_shows_what_changes_since_the_current_version(editor, published_service):
    editor.post(
        f"/staff/services/{published_service.pk}/edit/",
        {
            **DETAILS,
            "title_en": published_service.title["en"],
            "category": published_service.category_id,
            "token": token(published_service),
            "fee": "35",
        },
    )
    response = body(editor.get(f"/staff/services/{published_service.pk}/publish/"))
    assert "What changes since version 1" in response
    assert "£30.00" in response and "£35.00" in response


def test_retire_asks_first_then_takes_the_service_off_the_catalogue(editor, published_service):
    assert "Retire this service?" in body(editor.get(f"/staff/services/{published_service.pk}/retire/"))
    editor.post(f"/staff/services/{published_service.pk}/retire/")
    published_service.refresh_from_db()
    assert published_service.status == "retired"
    assert editor.get(f"/services/{published_service.slug}/").status_code == 404
