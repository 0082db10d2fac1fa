"""The scenarios of the engagement apps' audit actions (see tests/audit_scenarios.py), one module per app."""

from __future__ import annotations

from tests.audit_scenarios_consultations import SCENARIOS as CONSULTATIONS
from tests.audit_scenarios_discussions import SCENARIOS as DISCUSSIONS
from tests.audit_scenarios_feedback import SCENARIOS as FEEDBACK
from tests.audit_scenarios_petitions import SCENARIOS as PETITIONS

ENGAGEMENT_SCENARIOS = {**CONSULTATIONS, **PETITIONS, **DISCUSSIONS, **FEEDBACK}
