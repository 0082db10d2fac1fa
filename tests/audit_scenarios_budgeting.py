"""Participatory budgeting's audit scenarios, one module per part of the app."""

from __future__ import annotations

from tests.audit_scenarios_budgeting_ballots import SCENARIOS as BALLOTS
from tests.audit_scenarios_budgeting_ideas import SCENARIOS as IDEAS
from tests.audit_scenarios_budgeting_results import SCENARIOS as RESULTS

BUDGETING_SCENARIOS = {**IDEAS, **BALLOTS, **RESULTS}
