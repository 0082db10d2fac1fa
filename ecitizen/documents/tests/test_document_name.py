"""A document is called by its service's document name and shows what a checker needs."""

from __future__ import annotations

import pytest

from ecitizen.documents import jws
from ecitizen.documents.models import SigningKey
from ecitizen.documents.services import document_issue, document_will_issue

pytestmark = pytest.mark.django_db

FORM = {
    "pages": [
        {
            "id": "vehicle",
            "title": {"en": "Your vehicle"},
            "questions": [
                {"id": "registration", "type": "text", "label": {"en": "Vehicle registration", "ar": "رقم اللوحة"}},
                {"id": "electric", "type": "yes_no", "label": {"en": "Is it electric?"}},
            ],
        },
        {
            "id": "home",
            "title": {"en": "Your address"},
            "questions": [
                {
                    "id": "charger",
                    "type": "text",
                    "label": {"en": "Charger"},
                    "condition": {"question": "electric", "equals": "yes"},
                },
                {"id": "address", "type": "address", "label": {"en": "Address", "fr": "Adresse"}},
            ],
        },
    ]
}
ANSWERS = {
    "registration": "AB12 CDE",
    "electric": "no",
    "charger": "stale answer to a hidden question",
    "address": {"line1": "1 Mill Lane", "town": "Riverton", "postcode": "RV1 2AB"},
}


@pytest.fixture
def parking(make_version, make_application):
    version = make_version(
        title={"en": "Apply for a resident parking permit"},
        document_name={"en": "Resident parking permit", "fr": "Carte de stationnement résident"},
        document_fields=["registration", "address", "charger"],
        form=FORM,
    )
    application = make_application(version=version)
    application.answers = ANSWERS
    application.save(update_fields=["answers"])
    return application


@pytest.fixture
def permit(parking, caseworker_a):
    return document_issue(actor=caseworker_a, application=parking)


def test_the_document_takes_the_document_name_not_the_service_title(permit):
    assert permit.display_title("en") == "Resident parking permit"
    assert permit.display_title("fr") == "Carte de stationnement résident"


def test_without_a_document_name_the_service_title_is_used(document):
    assert document.display_title("en") == "Street trading permit"


def test_the_document_shows_the_chosen_answers_of_questions_that_were_shown(permit):
    assert permit.display_fields("en") == [
        ("Vehicle registration", "AB12 CDE"),
        ("Address", "1 Mill Lane, Riverton, RV1 2AB"),
    ]
    assert permit.display_fields("ar")[0] == ("رقم اللوحة", "AB12 CDE")


def test_the_token_signs_the_name_but_never_carries_the_answers(permit):
    claims = jws.verify(permit.token, jwks={"keys": [SigningKey.objects.get(kid=permit.kid).jwk()]})

    assert claims["title"] == "Resident parking permit"
    # an address or a registration would travel in QR codes and ?t= links (and so in logs)
    assert "fields" not in claims
    assert "Mill Lane" not in permit.token and "AB12" not in str(claims)


def test_the_preview_is_what_issuing_makes_and_saves_nothing(parking, caseworker_a):
    from ecitizen.documents.models import IssuedDocument

    preview = document_will_issue(parking)

    assert preview.pk is None and not IssuedDocument.objects.exists()
    issued = document_issue(actor=caseworker_a, application=parking)
    assert (preview.title, preview.fields, preview.valid_from, preview.valid_until) == (
        issued.title,
        issued.fields,
        issued.valid_from,
        issued.valid_until,
    )


def test_no_preview_for_a_service_that_issues_nothing(make_version, make_application):
    assert document_will_issue(make_application(version=make_version(issues=""))) is None


def test_an_old_token_without_the_new_claims_still_verifies(document, client):
    """Documents issued before the document name existed carry neither ``title`` nor ``fields``."""
    key = SigningKey.objects.get(kid=document.kid)
    claims = jws.verify(document.token, jwks={"keys": [key.jwk()]})
    for name in ("title", "fields"):
        claims.pop(name, None)
    document.token = jws.sign(claims, private_key=key.private(), kid=key.kid)
    document.save(update_fields=["token"])

    response = client.get("/documents/verify/", {"t": document.token})

    assert response.context["result"].status == "valid"
    assert "Street trading permit" in response.content.decode()


def test_the_verify_page_shows_the_document_name_and_the_fields(client, permit):
    response = client.get("/documents/verify/", {"t": permit.token})

    body = response.content.decode()
    assert '<dd class="govuk-summary-list__value" id="document-name">Resident parking permit</dd>' in body
    assert "Apply for a resident parking permit" not in body
    assert "AB12 CDE" in body and "1 Mill Lane, Riverton, RV1 2AB" in body


def test_checking_by_number_shows_no_answers(client, permit):
    response = client.get("/documents/verify/", {"t": permit.number})

    body = response.content.decode()
    assert "Resident parking permit" in body
    assert "AB12 CDE" not in body and "Mill Lane" not in body


def test_the_document_page_shows_the_name_and_fields(client, citizen, permit):
    client.force_login(citizen)

    body = client.get(f"/documents/{permit.number}/").content.decode()

    assert '<h1 class="govuk-heading-l">Resident parking permit</h1>' in body
    assert "AB12 CDE" in body


def test_long_answers_are_cut_short_in_the_token_so_the_qr_code_stays_small(
    make_version, make_application, caseworker_a
):
    from ecitizen.documents.pdf import render_document_pdf

    form = {
        "pages": [
            {
                "id": "p",
                "title": {"en": "P"},
                "questions": [
                    {"id": f"q{i}", "type": "textarea", "label": {"en": f"Question {i} " + "x" * 200}} for i in range(8)
                ],
            }
        ]
    }
    version = make_version(form=form, document_fields=[f"q{i}" for i in range(8)])
    application = make_application(version=version)
    application.answers = {f"q{i}": "A long answer. " * 300 for i in range(8)}
    application.save(update_fields=["answers"])

    document = document_issue(actor=caseworker_a, application=application)

    assert len(document.token) < 1500
    assert len(document.display_fields("en")) == 8  # the document itself shows them all, in full
    assert render_document_pdf(document, language="en").startswith(b"%PDF")
