"""Audit scenarios of participatory budgeting's ideas (ecitizen.voting.budgeting): see
tests/audit_scenarios.py for the shape."""

from __future__ import annotations

SCENARIOS: dict = {}
