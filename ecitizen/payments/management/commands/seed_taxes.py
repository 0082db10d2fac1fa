"""Load the demo tax: the City Council's property tax, the demo citizens' homes, this year's bills.

Idempotent: running it again changes nothing. Needs ``seed_demo``'s City
Council (code CC) and citizens; payers are matched by their email address.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from ecitizen.agencies.models import Agency
from ecitizen.payments.models import Tax, TaxAssessment
from ecitizen.payments.taxes import assessments_import_csv, bills_generate, tax_save

TAX_CODE = "property-tax"
TAX = {
    "code": TAX_CODE,
    "name": {
        "en": "Property tax",
        "es": "Impuesto sobre bienes inmuebles",
        "fr": "Taxe foncière",
        "ar": "ضريبة العقارات",
    },
    "currency": "GBP",
    "rate_basis_points": 120,  # 1.20% a year
    "instalments": 2,
    "first_due_month": 4,  # April and May
    "penalty_basis_points_per_month": 150,  # 1.5% a month
    "penalty_grace_days": 14,
    "is_active": True,
}
HOMES = [
    # subject_ref, description, payer, email, assessed value
    ("RIV-0001-12", "12 River Street, Riverton", "Amina Haddad", "amina@example.org", "185000.00"),
    ("RIV-0002-4A", "Flat 4A, Mill Court, Riverton", "Ben Okafor", "ben@example.org", "132500.00"),
    ("RIV-0003-7", "7 Orchard Lane, Riverton", "Lucía García", "lucia@example.org", "240000.00"),
]


class Command(BaseCommand):
    help = "Create the demo property tax of the City Council, the demo citizens' assessments and this year's bills."

    @transaction.atomic
    def handle(self, *args, **options):
        agency = Agency.objects.filter(code="CC").first()
        if agency is None:
            raise CommandError("No agency with code CC: run seed_demo first.")
        tax = Tax.objects.filter(agency=agency, code=TAX_CODE).first() or tax_save(actor=None, agency=agency, data=TAX)
        year = timezone.localdate().year
        if not TaxAssessment.objects.filter(tax=tax, year=year).exists():
            rows = ["subject_ref,subject_description,payer_name,national_id,payer_email,assessed_value"]
            rows += [f'{ref},"{place}",{payer},,{email},{value}' for ref, place, payer, email, value in HOMES]
            result = assessments_import_csv(actor=None, tax=tax, year=year, file="\n".join(rows).encode())
            if not result.ok:
                raise CommandError("The demo assessments did not import: " + "; ".join(result.errors))
        created = bills_generate(actor=None, tax=tax, year=year)
        homes = TaxAssessment.objects.filter(tax=tax, year=year).count()
        self.stdout.write(f"{tax}: {homes} homes assessed for {year}, {created} new bills.")
