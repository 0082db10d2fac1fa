"""Two admins pressing "Generate bills" at once, and a bill run beside a penalty run (PostgreSQL).

SQLite's in-memory test database cannot run writers side by side; the same
services are covered one call at a time in test_tax_services.py.
"""

# Test functions take the fixtures imported from tax_fixtures as arguments:
# ruff: noqa: F811

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from ecitizen.core.testing import run_together
from ecitizen.payments.models import Bill, BillLine
from ecitizen.payments.taxes import bills_generate, penalties_apply, tax_save
from ecitizen.payments.tests.tax_fixtures import (  # noqa: F401 - fixtures
    HOMES_CSV,
    TAX_DATA,
    YEAR,
    assessed,
    property_tax,
    verified_citizen,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a database with row locks (PostgreSQL)"),
]


def _run_together(targets):
    return run_together(list(targets))


def test_generating_at_once_makes_each_bill_once(admin_a, assessed):
    results, errors = _run_together([lambda: bills_generate(actor=admin_a, tax=assessed, year=YEAR)] * 6)

    assert errors == []
    assert sorted(results) == [0, 0, 0, 0, 0, 6]
    assert Bill.objects.count() == 6 and BillLine.objects.count() == 6


def test_two_taxes_billed_at_once_never_share_a_reference(admin_a, agency_a, assessed):
    from ecitizen.payments.taxes import assessments_import_csv

    water = tax_save(actor=admin_a, agency=agency_a, data={**TAX_DATA, "name": {"en": "Water rate"}})
    assessments_import_csv(actor=admin_a, tax=water, year=YEAR, file=HOMES_CSV.encode())

    results, errors = _run_together(
        [
            lambda: bills_generate(actor=admin_a, tax=assessed, year=YEAR),
            lambda: bills_generate(actor=admin_a, tax=water, year=YEAR),
        ]
    )

    assert errors == [] and sorted(results) == [6, 6]
    references = list(Bill.objects.values_list("reference", flat=True))
    assert len(set(references)) == 12


def test_penalty_runs_at_once_add_each_penalty_once(admin_a, assessed):
    bills_generate(actor=admin_a, tax=assessed, year=YEAR)

    results, errors = _run_together([lambda: penalties_apply(on_date=datetime.date(2026, 5, 1))] * 4)

    assert errors == [] and sorted(results) == [0, 0, 0, 3]
    assert BillLine.objects.filter(kind="penalty").count() == 3
