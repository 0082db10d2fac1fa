"""The staff tax pages, as an agency admin uses them with a browser and no JavaScript."""

# Test functions take the fixtures imported from tax_fixtures as arguments:
# ruff: noqa: F811

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.payments.models import Bill, Tax, TaxAssessment
from ecitizen.payments.tests.tax_fixtures import (  # noqa: F401 - fixtures
    HOMES_CSV,
    YEAR,
    admin_b,
    assessed,
    billed,
    csv_bytes,
    property_tax,
    verified_citizen,
)

pytestmark = pytest.mark.django_db

NEW_TAX = {
    "name_en": "Business rates",
    "name_fr": "Taxe professionnelle",
    "currency": "GBP",
    "rate": "1.25",
    "instalments": "4",
    "first_due_month": "4",
    "penalty": "1.5",
    "penalty_grace_days": "14",
    "is_active": "on",
}


@pytest.fixture
def admin(client, admin_a):
    client.force_login(admin_a)
    return client


def body(response) -> str:
    return response.content.decode()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


# -- who may ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["caseworker_a", "auditor_a", "citizen"])
def test_only_agency_admins_may_manage_taxes(client, request, persona, property_tax):
    client.force_login(request.getfixturevalue(persona))

    for url in ["/staff/taxes/", "/staff/taxes/new/", f"/staff/taxes/{property_tax.pk}/"]:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/staff/taxes/{property_tax.pk}/bills/generate/", {"year": YEAR}).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/staff/taxes/")

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_another_agencys_admin_is_told_the_tax_does_not_exist(client, admin_b, assessed):
    client.force_login(admin_b)
    base = f"/staff/taxes/{assessed.pk}"

    for url in [
        f"{base}/",
        f"{base}/edit/",
        f"{base}/assessments/upload/",
        f"{base}/bills/generate/",
        f"{base}/bills/",
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(f"{base}/bills/generate/", {"year": YEAR}).status_code == 404
    assert "Property tax" not in body(client.get("/staff/taxes/"))
    assert not Bill.objects.exists()


# -- defining a tax ------------------------------------------------------------------------


def test_an_admin_creates_a_tax_with_a_percentage_rate(admin, agency_a):
    # when
    response = admin.post("/staff/taxes/new/", NEW_TAX)

    # then
    tax = Tax.objects.get(code="business-rates")
    assert response.status_code == 302 and response["Location"] == f"/staff/taxes/{tax.pk}/"
    assert (tax.agency, tax.rate_basis_points, tax.instalments, tax.penalty_basis_points_per_month) == (
        agency_a,
        125,
        4,
        150,
    )
    assert tax.name == {"en": "Business rates", "fr": "Taxe professionnelle"}
    page = body(admin.get(response["Location"]))
    assert "Business rates" in page and "1.25%" in page and "1.50% a month, after 14 days of grace" in page


def test_mistakes_are_listed_in_the_error_summary_and_saved_nowhere(admin):
    response = admin.post("/staff/taxes/new/", {**NEW_TAX, "name_en": "", "rate": "1.255", "instalments": "13"})

    assert response.status_code == 200
    page = body(response)
    assert "There is a problem" in page
    assert 'href="#id_name_en"' in page and "Enter the tax&#x27;s name in English" in page
    assert 'href="#id_rate"' in page and "at most 2 decimal places" in page
    assert 'href="#id_instalments"' in page and "Enter 12 instalments or fewer" in page
    assert not Tax.objects.exists()


def test_the_edit_page_shows_percentages_and_saves_changes(admin, property_tax):
    url = f"/staff/taxes/{property_tax.pk}/edit/"
    assert 'value="1.20"' in body(admin.get(url))

    response = admin.post(url, {**NEW_TAX, "name_en": "Property tax", "rate": "1.3", "instalments": "2"})

    assert response.status_code == 302
    property_tax.refresh_from_db()
    assert (property_tax.rate_basis_points, property_tax.instalments) == (130, 2)
    assert AuditLog.objects.filter(action=AuditAction.TAX_UPDATED).count() == 1


# -- assessments and bills -------------------------------------------------------------------


def test_uploading_assessments_then_generating_bills(admin, property_tax, verified_citizen, other_citizen):
    base = f"/staff/taxes/{property_tax.pk}"

    # upload
    response = admin.post(
        f"{base}/assessments/upload/", {"year": YEAR, "file": upload("homes.csv", HOMES_CSV.encode())}
    )
    assert response.status_code == 302 and response["Location"] == f"{base}/"
    assert "Assessments for 2026: 3 added, 0 changed, 0 unchanged." in body(admin.get(response["Location"]))

    # looking at the generate page changes nothing
    assert admin.get(f"{base}/bills/generate/").status_code == 200
    assert not Bill.objects.exists()

    # generate
    response = admin.post(f"{base}/bills/generate/", {"year": YEAR})
    assert response.status_code == 302 and response["Location"] == f"{base}/bills/?year=2026"
    page = body(admin.get(response["Location"]))
    assert "6 bills created for 2026." in page
    assert "CC-T-2026-000001" in page and "£1,110.00" in page and "To pay" in page
    assert "no account yet" in page  # Carmen

    # generating again makes nothing, and says so
    response = admin.post(f"{base}/bills/generate/", {"year": YEAR}, follow=True)
    assert "No new bills" in body(response)
    assert Bill.objects.count() == 6


def test_a_bad_file_lists_its_problems_and_imports_nothing(admin, property_tax):
    file = csv_bytes("A-1,Home,,AB-1234,,100.00", "A-2,Home,Bo,,,abc")

    response = admin.post(
        f"/staff/taxes/{property_tax.pk}/assessments/upload/", {"year": YEAR, "file": upload("bad.csv", file)}
    )

    assert response.status_code == 400
    page = body(response)
    assert "There is a problem" in page and 'href="#id_file"' in page
    assert "The file has 3 problems, so nothing was imported." in page
    assert "Line 2: enter the payer&#x27;s name." in page
    assert "Line 3: enter the payer&#x27;s national ID or email address." in page
    assert not TaxAssessment.objects.exists()


def test_an_upload_without_a_file_or_year_is_an_error_not_a_crash(admin, property_tax):
    response = admin.post(f"/staff/taxes/{property_tax.pk}/assessments/upload/", {"year": "next year"})

    assert response.status_code == 400
    page = body(response)
    assert "Choose a CSV file" in page and "Enter the year as 4 digits" in page


def test_generating_for_a_year_without_assessments_is_refused(admin, assessed):
    response = admin.post(f"/staff/taxes/{assessed.pk}/bills/generate/", {"year": 1999})

    assert response.status_code == 400 and "Choose a year with assessments" in body(response)
    assert not Bill.objects.exists()


def test_the_tax_page_counts_assessments_and_bills_by_year(admin, billed):
    Bill.objects.filter(reference="CC-T-2026-000001").update(status="paid")

    page = body(admin.get(f"/staff/taxes/{billed.pk}/"))

    assert "2026" in page and f'href="/staff/taxes/{billed.pk}/bills/?year=2026"' in page
    bills = body(admin.get(f"/staff/taxes/{billed.pk}/bills/?year=2026"))
    assert "Paid" in bills and "instalment 2 of 2" in bills


def test_a_bills_page_with_a_nonsense_year_still_answers(admin, billed):
    assert admin.get(f"/staff/taxes/{billed.pk}/bills/?year=abc&page=zz").status_code == 200
