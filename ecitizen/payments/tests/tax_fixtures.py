"""Fixtures of the tax tests, imported by each test_tax*.py and test_fees*.py file.

``property_tax`` (City Council, 1.20% a year in 2 instalments from April, 1.5%
a month after 14 days) → ``assessed`` (three homes for 2026) → ``billed``.
Amina (``citizen``) is verified with national ID AH-120488-K; Ben
(``other_citizen``) is known by his verified email only; a third owner,
Carmen, has no account yet.
"""

from __future__ import annotations

import pytest

AMINA_ID = "AH-120488-K"
CARMEN_ID = "CR-300170-Z"
YEAR = 2026

TAX_DATA = {
    "name": {"en": "Property tax", "es": "Impuesto sobre bienes inmuebles"},
    "currency": "GBP",
    "rate_basis_points": 120,
    "instalments": 2,
    "first_due_month": 4,
    "penalty_basis_points_per_month": 150,
    "penalty_grace_days": 14,
}

HEADER = "subject_ref,subject_description,payer_name,national_id,payer_email,assessed_value"
HOMES_CSV = "\n".join(
    [
        HEADER,
        f'RIV-0001,"12 River Street, Riverton",Amina Haddad,{AMINA_ID},,185000.00',
        "RIV-0002,Flat 4A Mill Court,Ben Okafor,,ben@example.org,132500.00",
        f"RIV-0003,7 Orchard Lane,Carmen Ruiz,{CARMEN_ID},,240001.25",
    ]
)


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *rows]).encode()


def verify(user, national_id: str) -> None:
    """Mark *user*'s identity verified with *national_id* (what the accounts app does on verification)."""
    from ecitizen.accounts.models import Profile
    from ecitizen.exchange.selectors import national_id_blind_index

    Profile.objects.filter(user=user).update(
        identity_verified=True, national_id_index=national_id_blind_index(national_id)
    )


@pytest.fixture
def verified_citizen(citizen):
    verify(citizen, AMINA_ID)
    return citizen


@pytest.fixture
def property_tax(agency_a, admin_a):
    from ecitizen.payments.taxes import tax_save

    return tax_save(actor=admin_a, agency=agency_a, data=TAX_DATA)


@pytest.fixture
def assessed(property_tax, admin_a, verified_citizen, other_citizen):
    from ecitizen.payments.taxes import assessments_import_csv

    result = assessments_import_csv(actor=admin_a, tax=property_tax, year=YEAR, file=HOMES_CSV.encode())
    assert result.ok, result.errors
    return property_tax


@pytest.fixture
def billed(assessed, admin_a):
    from ecitizen.payments.taxes import bills_generate

    assert bills_generate(actor=admin_a, tax=assessed, year=YEAR) == 6
    return assessed


@pytest.fixture
def admin_b(make_user, with_mfa, agency_b):
    from ecitizen.agencies.models import Membership

    user = make_user("admin@transport.example")
    Membership.objects.create(user=user, agency=agency_b, role="agency_admin")
    with_mfa(user)
    return user
