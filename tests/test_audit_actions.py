"""Every audit action has a test: done through its service, it writes exactly its row.

The scenarios are in tests/audit_scenarios.py. A new ``AuditAction`` without a
scenario there fails ``test_every_audit_action_has_a_scenario``.
"""

from __future__ import annotations

import pytest

from ecitizen.core.models import AuditAction, AuditLog
from tests.audit_scenarios import SCENARIOS, Expect, World

pytestmark = pytest.mark.django_db


def test_every_audit_action_has_a_scenario():
    missing = sorted(set(AuditAction.values) - set(SCENARIOS))
    unknown = sorted(set(SCENARIOS) - set(AuditAction.values))
    assert not missing, (
        f"No test for these audit actions: {', '.join(missing)}. "
        "Add a scenario for each to SCENARIOS in tests/audit_scenarios.py."
    )
    assert not unknown, f"Scenarios for actions that no longer exist: {', '.join(unknown)}"


def _last_audit_id() -> int:
    return AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _describe(row: AuditLog) -> str:
    return f"{row.action} actor={row.actor_id} subject={row.subject_type}:{row.subject_id} agency={row.agency_id}"


def assert_one_row(action: str, expect: Expect, since: int) -> AuditLog:
    new = AuditLog.objects.filter(pk__gt=since)
    subject = expect.subject
    matching = new.filter(
        action=action,
        actor_id=getattr(expect.actor, "pk", None),
        agency_id=getattr(expect.agency, "pk", None),
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
    )
    wanted = f"{action} actor={getattr(expect.actor, 'pk', None)} subject={subject!r}"
    wanted += f" agency={getattr(expect.agency, 'pk', None)}"
    got = "\n".join(_describe(r) for r in new.order_by("pk"))
    assert matching.count() == 1, f"Expected exactly one row {wanted}, got these new rows:\n{got}"
    return matching.get()


@pytest.mark.parametrize("action", sorted(SCENARIOS))
def test_audit_action_writes_its_row(action, request):
    act = SCENARIOS[action](World(request))
    since = _last_audit_id()
    expect = act()
    assert_one_row(action, expect, since)
