"""Tax services: defining a tax, importing assessments, generating bills."""

# Test functions take the fixtures imported from tax_fixtures as arguments:
# ruff: noqa: F811

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import ValidationError

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.exchange.selectors import national_id_blind_index
from ecitizen.payments.models import Bill, BillLine, LineKind, Tax, TaxAssessment
from ecitizen.payments.taxes import assessments_import_csv, bills_generate, tax_save
from ecitizen.payments.tests.tax_fixtures import (  # noqa: F401 - fixtures
    AMINA_ID,
    CARMEN_ID,
    HOMES_CSV,
    TAX_DATA,
    YEAR,
    admin_b,
    assessed,
    billed,
    csv_bytes,
    property_tax,
    verified_citizen,
)

pytestmark = pytest.mark.django_db


# -- defining a tax ------------------------------------------------------------------------


def test_an_admin_creates_a_tax(admin_a, agency_a):
    # when
    tax = tax_save(actor=admin_a, agency=agency_a, data=TAX_DATA)

    # then
    assert (tax.code, tax.rate_basis_points, tax.instalments, tax.first_due_month) == ("property-tax", 120, 2, 4)
    assert (tax.penalty_basis_points_per_month, tax.penalty_grace_days, tax.is_active) == (150, 14, True)
    assert tax.name == {"en": "Property tax", "es": "Impuesto sobre bienes inmuebles"}
    row = AuditLog.objects.get(action=AuditAction.TAX_CREATED)
    assert (row.actor, row.agency, row.subject_id) == (admin_a, agency_a, str(tax.pk))
    assert row.extra["code"] == "property-tax"


def test_a_second_tax_of_the_same_name_gets_its_own_code(admin_a, agency_a, property_tax):
    assert tax_save(actor=admin_a, agency=agency_a, data=TAX_DATA).code == "property-tax-2"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": {"es": "Solo en español"}}, "name"),
        ({"rate_basis_points": 0}, "rate_basis_points"),
        ({"rate_basis_points": 10_001}, "rate_basis_points"),
        ({"instalments": 13}, "instalments"),
        ({"first_due_month": 0}, "first_due_month"),
        ({"penalty_basis_points_per_month": 1_001}, "penalty_basis_points_per_month"),
        ({"penalty_grace_days": -1}, "penalty_grace_days"),
        ({"currency": "XYZ"}, "currency"),
        ({"instalments": "2"}, "instalments"),
    ],
)
def test_a_tax_with_bad_terms_is_refused_at_the_field(admin_a, agency_a, change, field):
    with pytest.raises(ValidationError) as caught:
        tax_save(actor=admin_a, agency=agency_a, data={**TAX_DATA, **change})

    assert field in caught.value.message_dict
    assert not Tax.objects.exists()
    assert not AuditLog.objects.filter(action=AuditAction.TAX_CREATED).exists()


def test_changing_a_tax_records_what_changed(admin_a, agency_a, property_tax):
    tax_save(actor=admin_a, agency=agency_a, tax=property_tax, data={**TAX_DATA, "rate_basis_points": 125})

    property_tax.refresh_from_db()
    assert property_tax.rate_basis_points == 125
    row = AuditLog.objects.get(action=AuditAction.TAX_UPDATED)
    assert row.extra["fields"] == ["rate_basis_points"]


def test_saving_a_tax_unchanged_writes_nothing(admin_a, agency_a, property_tax):
    tax_save(actor=admin_a, agency=agency_a, tax=property_tax, data=TAX_DATA)

    assert not AuditLog.objects.filter(action=AuditAction.TAX_UPDATED).exists()


def test_a_tax_cannot_be_saved_for_another_agency(admin_a, agency_b, property_tax):
    with pytest.raises(ValueError):
        tax_save(actor=admin_a, agency=agency_b, tax=property_tax, data=TAX_DATA)


def test_the_currency_is_fixed_once_assessments_exist(admin_a, agency_a, assessed):
    with pytest.raises(ValidationError) as caught:
        tax_save(actor=admin_a, agency=agency_a, tax=assessed, data={**TAX_DATA, "currency": "EUR"})

    assert "currency" in caught.value.message_dict


# -- importing assessments -------------------------------------------------------------------


def test_importing_assessments_matches_payers_and_keeps_no_national_id(
    admin_a, property_tax, verified_citizen, other_citizen
):
    # when
    result = assessments_import_csv(actor=admin_a, tax=property_tax, year=YEAR, file=HOMES_CSV.encode())

    # then
    assert result.ok and (result.created, result.updated, result.matched) == (3, 0, 2)
    amina, ben, carmen = TaxAssessment.objects.filter(tax=property_tax, year=YEAR).order_by("subject_ref")
    assert (amina.payer, amina.assessed_value, amina.subject_description) == (
        verified_citizen,
        18_500_000,
        "12 River Street, Riverton",
    )
    assert amina.payer_national_id_index == national_id_blind_index(AMINA_ID)
    assert (ben.payer, ben.payer_national_id_index) == (other_citizen, "")  # by his verified email
    assert (carmen.payer, carmen.payer_name) == (None, "Carmen Ruiz")  # no account yet: found later by her ID
    assert carmen.payer_national_id_index == national_id_blind_index(CARMEN_ID)
    stored = " ".join(str(v) for row in TaxAssessment.objects.values() for v in row.values())
    assert AMINA_ID not in stored and CARMEN_ID not in stored
    row = AuditLog.objects.get(action=AuditAction.TAX_ASSESSMENTS_IMPORTED)
    assert (row.actor, row.agency, row.extra["year"], row.extra["created"]) == (admin_a, property_tax.agency, YEAR, 3)


def test_a_file_with_any_bad_row_imports_nothing_and_says_why_by_line(admin_a, property_tax):
    # given
    file = csv_bytes(
        "RIV-0001,12 River Street,Amina Haddad,AH-120488-K,,185000.00",  # line 2: fine
        ",No reference,Ben Okafor,,ben@example.org,100.00",  # line 3
        "RIV-0003,7 Orchard Lane,,BO-031179-M,,12.5x",  # line 4: no payer, odd value
        "RIV-0004,1 Hill Road,Ann Lee,,,-5",  # line 5: no id or email; negative
        "RIV-0005,2 Hill Road,Sam Lee,,not-an-email,1.234",  # line 6
        "RIV-0001,Again,Amina Haddad,AH-120488-K,,1.00",  # line 7: duplicate reference
        "RIV-0007,3 Hill Road,Jo Lee,X1,,",  # line 8: short ID, no value
    )

    # when
    result = assessments_import_csv(actor=admin_a, tax=property_tax, year=YEAR, file=file)

    # then
    assert not result.ok
    assert result.errors == [
        "Line 3: enter the property or subject reference (subject_ref).",
        "Line 4: enter the payer's name.",
        "Line 4: the assessed value must be a number like 185000.00.",
        "Line 5: enter the payer's national ID or email address.",
        "Line 5: the assessed value cannot be negative.",
        "Line 6: the payer's email address is not valid.",
        "Line 6: the assessed value has more decimal places than the currency has.",
        "Line 7: the subject reference “RIV-0001” is also on line 2.",
        "Line 8: the national ID is not valid (it needs 4 to 30 letters or digits).",
        "Line 8: enter the assessed value.",
    ]
    assert not TaxAssessment.objects.exists()
    assert not AuditLog.objects.filter(action=AuditAction.TAX_ASSESSMENTS_IMPORTED).exists()


@pytest.mark.parametrize(
    ("file", "error"),
    [
        (b"", "The file is empty."),
        (b"subject_ref,payer_name\nA,B\n", "Line 1: the file has no column named "),
        (HOMES_CSV.encode("utf-16"), "The file is not UTF-8 text."),
        (csv_bytes(), "The file has no assessments under its column names."),
        (csv_bytes("", "  ,  ,  "), "The file has no assessments under its column names."),
    ],
    ids=["empty", "missing-columns", "not-utf8", "header-only", "blank-rows"],
)
def test_a_file_that_is_not_an_assessment_list_is_refused(admin_a, property_tax, file, error):
    result = assessments_import_csv(actor=admin_a, tax=property_tax, year=YEAR, file=file)

    assert not result.ok and result.errors[0].startswith(error)


def test_a_missing_column_is_named(admin_a, property_tax):
    file = b"subject_ref,subject_description,payer_name,national_id\nA,B,C,D\n"

    result = assessments_import_csv(actor=admin_a, tax=property_tax, year=YEAR, file=file)

    assert result.errors == ["Line 1: the file has no column named “assessed_value”."]


def test_spreadsheet_exports_with_semicolons_a_bom_and_thousands_separators_are_read(admin_a, property_tax):
    file = (
        "\ufeffSubject Ref;Subject Description;Payer Name;National ID;Assessed Value\r\n"
        "A-1;Home;Ann Lee;AL-1234;1,250.50\r\n"
    )

    result = assessments_import_csv(actor=admin_a, tax=property_tax, year=YEAR, file=file.encode())

    assert result.ok, result.errors
    assert TaxAssessment.objects.get().assessed_value == 125_050


def test_an_unverified_email_or_identity_finds_nobody(admin_a, property_tax, make_user):
    from ecitizen.accounts.models import Profile

    make_user("unconfirmed@example.org", verified_email=False)
    claimant = make_user("claimant@example.org")
    Profile.objects.filter(user=claimant).update(national_id_index=national_id_blind_index("ZZ-999-1"))
    file = csv_bytes("A-1,Home,Ann Lee,,unconfirmed@example.org,100.00", "A-2,Home,Zed,ZZ-999-1,,100.00")

    result = assessments_import_csv(actor=admin_a, tax=property_tax, year=YEAR, file=file)

    assert result.ok and result.matched == 0
    assert list(TaxAssessment.objects.values_list("payer", flat=True)) == [None, None]


def test_importing_the_same_file_again_changes_nothing(admin_a, assessed):
    result = assessments_import_csv(actor=admin_a, tax=assessed, year=YEAR, file=HOMES_CSV.encode())

    assert result.ok and (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert AuditLog.objects.filter(action=AuditAction.TAX_ASSESSMENTS_IMPORTED).count() == 1


def test_a_corrected_value_is_updated_until_bills_are_made(admin_a, assessed):
    corrected = HOMES_CSV.replace("132500.00", "132000.00").encode()

    result = assessments_import_csv(actor=admin_a, tax=assessed, year=YEAR, file=corrected)

    assert result.ok and (result.created, result.updated, result.unchanged) == (0, 1, 2)
    assert TaxAssessment.objects.get(subject_ref="RIV-0002").assessed_value == 13_200_000


def test_a_billed_assessment_cannot_change(admin_a, billed):
    corrected = HOMES_CSV.replace("132500.00", "132000.00").encode()

    result = assessments_import_csv(actor=admin_a, tax=billed, year=YEAR, file=corrected)

    assert result.errors == [
        "Line 3: bills for “RIV-0002” for 2026 have been made already, so its assessment cannot change."
    ]
    assert TaxAssessment.objects.get(subject_ref="RIV-0002").assessed_value == 13_250_000


def test_a_payer_who_opened_an_account_since_is_matched_on_reimport_bills_too(admin_a, billed, make_user):
    # given: Carmen verifies her identity after her bills were made
    from ecitizen.payments.tests.tax_fixtures import verify

    carmen = make_user("carmen@example.org")
    verify(carmen, CARMEN_ID)

    # when
    result = assessments_import_csv(actor=admin_a, tax=billed, year=YEAR, file=HOMES_CSV.encode())

    # then
    assert result.ok and result.updated == 1
    assert set(Bill.objects.filter(assessment__subject_ref="RIV-0003").values_list("payer", flat=True)) == {carmen.pk}


def test_an_import_year_out_of_range_is_refused(admin_a, property_tax):
    assert not assessments_import_csv(actor=admin_a, tax=property_tax, year=1999, file=HOMES_CSV.encode()).ok


# -- generating bills ----------------------------------------------------------------------


def test_bills_are_made_per_instalment_and_sum_to_the_years_tax(admin_a, assessed, verified_citizen):
    # when
    created = bills_generate(actor=admin_a, tax=assessed, year=YEAR)

    # then: 3 homes × 2 instalments
    assert created == 6
    bills = list(Bill.objects.order_by("reference"))
    assert [b.reference for b in bills] == [f"CC-T-2026-{n:06d}" for n in range(1, 7)]
    by_home = {}
    for bill in bills:
        by_home.setdefault(bill.assessment.subject_ref, []).append(bill)
    # £185,000.00 at 1.20% = £2,220.00; £132,500.00 → £1,590.00; £240,001.25 → £2,880.015 → £2,880.02 (half even)
    assert {ref: [b.total for b in home] for ref, home in by_home.items()} == {
        "RIV-0001": [111_000, 111_000],
        "RIV-0002": [79_500, 79_500],
        "RIV-0003": [144_001, 144_001],
    }
    first, second = by_home["RIV-0001"]
    assert (first.instalment, first.due_date, second.instalment, second.due_date) == (
        1,
        datetime.date(2026, 4, 1),
        2,
        datetime.date(2026, 5, 1),
    )
    assert (first.payer, first.payer_name, first.currency, first.status) == (
        verified_citizen,
        "Amina Haddad",
        "GBP",
        "open",
    )
    assert first.description["en"] == "Property tax 2026, instalment 1 of 2: 12 River Street, Riverton"
    assert first.description["es"].startswith("Impuesto sobre bienes inmuebles 2026")
    [line] = first.lines.all()
    assert (line.kind, line.amount, line.description) == (LineKind.TAX, 111_000, first.description)
    row = AuditLog.objects.get(action=AuditAction.TAX_BILLS_GENERATED)
    assert (row.actor, row.agency, row.extra["bills"], row.extra["year"]) == (admin_a, assessed.agency, 6, YEAR)


def test_the_odd_penny_is_billed_with_the_first_instalment(admin_a, property_tax):
    # £1,000.83 at 1.20% = £12.00996 → £12.01, in two: £6.01 and £6.00
    assessments_import_csv(actor=admin_a, tax=property_tax, year=YEAR, file=csv_bytes("A,Home,Ann,,a@x.org,1000.83"))

    bills_generate(actor=admin_a, tax=property_tax, year=YEAR)

    assert list(Bill.objects.order_by("instalment").values_list("total", flat=True)) == [601, 600]


def test_generating_again_makes_no_second_bill(admin_a, billed):
    assert bills_generate(actor=admin_a, tax=billed, year=YEAR) == 0
    assert Bill.objects.count() == 6 and BillLine.objects.count() == 6
    assert AuditLog.objects.filter(action=AuditAction.TAX_BILLS_GENERATED).count() == 1


def test_new_assessments_get_bills_numbered_on(admin_a, billed):
    file = (HOMES_CSV + "\nRIV-0004,9 Quay Street,Dan Moss,DM-111-222,,100000.00").encode()
    assessments_import_csv(actor=admin_a, tax=billed, year=YEAR, file=file)

    assert bills_generate(actor=admin_a, tax=billed, year=YEAR) == 2
    refs = list(Bill.objects.filter(assessment__subject_ref="RIV-0004").values_list("reference", flat=True))
    assert sorted(refs) == ["CC-T-2026-000007", "CC-T-2026-000008"]


def test_references_are_unique_across_an_agencys_taxes(admin_a, agency_a, billed):
    water = tax_save(actor=admin_a, agency=agency_a, data={**TAX_DATA, "name": {"en": "Water rate"}})
    assessments_import_csv(actor=admin_a, tax=water, year=YEAR, file=HOMES_CSV.encode())

    bills_generate(actor=admin_a, tax=water, year=YEAR)

    refs = list(Bill.objects.values_list("reference", flat=True))
    assert len(refs) == len(set(refs)) == 12
    assert all(re.fullmatch(r"CC-T-2026-\d{6}", ref) for ref in refs)


def test_instalments_run_into_the_next_year(admin_a, agency_a):
    tax = tax_save(actor=admin_a, agency=agency_a, data={**TAX_DATA, "first_due_month": 12, "instalments": 3})
    assessments_import_csv(actor=admin_a, tax=tax, year=YEAR, file=csv_bytes("A,Home,Ann,,a@x.org,10000.00"))

    bills_generate(actor=admin_a, tax=tax, year=YEAR)

    assert list(Bill.objects.order_by("instalment").values_list("due_date", flat=True)) == [
        datetime.date(2026, 12, 1),
        datetime.date(2027, 1, 1),
        datetime.date(2027, 2, 1),
    ]


def test_an_instalment_of_nothing_gets_no_bill(admin_a, agency_a):
    tax = tax_save(actor=admin_a, agency=agency_a, data={**TAX_DATA, "instalments": 12})
    # £1.00 at 1.20% = 1p: one bill of 1p, no bills of 0p
    assessments_import_csv(actor=admin_a, tax=tax, year=YEAR, file=csv_bytes("A,Home,Ann,,a@x.org,1.00"))

    assert bills_generate(actor=admin_a, tax=tax, year=YEAR) == 1
    assert Bill.objects.get().total == 1


def test_an_inactive_tax_makes_no_bills(admin_a, agency_a, assessed):
    tax_save(actor=admin_a, agency=agency_a, tax=assessed, data={**TAX_DATA, "is_active": False})
    assessed.refresh_from_db()

    with pytest.raises(ValidationError):
        bills_generate(actor=admin_a, tax=assessed, year=YEAR)
    assert not Bill.objects.exists()
