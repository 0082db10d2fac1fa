"""The scenarios of the records apps' audit actions (see tests/audit_scenarios.py), one module per app."""

from __future__ import annotations

from tests.audit_scenarios_datasets import SCENARIOS as DATASETS
from tests.audit_scenarios_foi import SCENARIOS as FOI

RECORDS_SCENARIOS = {**DATASETS, **FOI}
