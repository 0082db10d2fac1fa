"""Audit scenarios of ecitizen.records.datasets: see tests/audit_scenarios.py for the shape."""

from __future__ import annotations

from typing import Any

SCENARIOS: dict[str, Any] = {}
