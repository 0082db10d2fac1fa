"""Rule 1 under failure: a service that fails at its last step leaves nothing behind.

Each audit action's scenario (tests/audit_scenarios.py) is run twice more, with
a failure injected:

* at the audit row: writing that action's row raises;
* at the commit: releasing the first transaction (savepoint) the service
  opens raises, as a failed COMMIT would. This catches the services whose audit
  row comes before their last write (a delete, say), and a service with no
  transaction of its own cannot pass it.

The service must then raise, and the database must be exactly as it was before:
no row of its writes (inserts, updates or deletes, in any table) and no audit
row. This is what ``transaction.atomic`` around each service guarantees; remove
one and its tests here go red.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import DatabaseError, connection
from django.db.models.signals import pre_save

from ecitizen.core.audit import AUDIT_ROW_MARK
from ecitizen.core.models import AuditAction, AuditLog
from tests.audit_scenarios import SCENARIOS, World

pytestmark = pytest.mark.django_db

# Actions whose row is written on purpose in its own transaction, apart from any
# change, so that a failure is remembered even though the operation fails
# (docs/architecture.md, Rule 1), or that record a read and change nothing else.
NOTHING_TO_ROLL_BACK = {
    AuditAction.LOGIN_FAILED: "records a failed sign-in; changes nothing else",
    AuditAction.IDENTITY_VERIFICATION_FAILED: "records a failed match; changes nothing else",
    AuditAction.PAYMENT_CALLBACK_REJECTED: "records a forged callback; changes nothing else",
    AuditAction.AUDIT_LOG_VIEWED: "records a read",
    AuditAction.ENCRYPTION_KEYS_ROTATED: "re-encrypts in batches, each committed; the audit row closes the run",
}

# Tables that the framework writes around a request or sign-in (not our services' business):
# sessions, allauth's own session tracking (its receiver of the same sign-in signal), task results,
# and the sandbox payment provider's own records (the outside world: providers are called outside
# our transactions on purpose, "reserve, commit, call, record").
SKIP_TABLES = {
    "sessions.session",
    "usersessions.usersession",
    "django_tasks_db.dbtaskresult",
    "payments.sandboxcharge",
}

# Services that write nothing of their own but the audit row, in one statement: there is no
# transaction to fail at commit (allauth and Django did the work; the receiver only records it).
ONLY_AN_AUDIT_ROW = {
    AuditAction.SIGNED_UP,
    AuditAction.LOGIN_SUCCEEDED,
    AuditAction.LOGGED_OUT,
    AuditAction.EMAIL_VERIFIED,
    AuditAction.EMAIL_CHANGED,
    AuditAction.PASSWORD_CHANGED,
    AuditAction.PASSWORD_RESET,
    AuditAction.MFA_ENABLED,
    AuditAction.MFA_DISABLED,
    AuditAction.RECOVERY_CODES_GENERATED,
}


class InjectedFailure(DatabaseError):
    """A DatabaseError, as a failed COMMIT raises, so that Django rolls the savepoint back."""


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, as tuples, in primary-key order."""
    state = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in SKIP_TABLES or model._meta.proxy or not model._meta.managed:
            continue
        state[label] = list(model._base_manager.order_by("pk").values_list())
    return state


def diff(before: dict, after: dict) -> list[str]:
    changed = []
    for label, rows in after.items():
        if rows != before.get(label):
            old = {repr(row) for row in before.get(label, [])}
            new = {repr(row) for row in rows}
            changed.append(f"{label}: +{len(new - old)} -{len(old - new)} rows")
    return changed


@pytest.fixture
def fail_audit():
    """``fail_audit(action)``: from now on, writing an audit row with *action* raises InjectedFailure.

    A service that writes its change and its audit row in one statement
    (``core.audit.audit_insert_sql``) gets its audit row's SELECT made to fail while the statement
    runs (a division by zero for each row), after the change's part of it has run.
    """
    targets: set[str] = set()

    def refuse(sender, instance, **kwargs):
        if instance.action in targets:
            raise InjectedFailure(instance.action)

    def break_audit_row(execute, sql, params, many, context):
        if AUDIT_ROW_MARK in sql and targets.intersection(p for p in params or () if isinstance(p, str)):
            try:
                return execute(sql.replace(AUDIT_ROW_MARK, "WHERE random() / 0 = 1"), params, many, context)
            except DatabaseError as exc:
                raise InjectedFailure(str(exc)) from exc
        return execute(sql, params, many, context)

    pre_save.connect(refuse, sender=AuditLog, dispatch_uid="fail_audit")
    with connection.execute_wrapper(break_audit_row):
        yield targets.add
    pre_save.disconnect(sender=AuditLog, dispatch_uid="fail_audit")


@pytest.fixture
def fail_commit():
    """``fail_commit()``: from now on, the next release of a savepoint (the end of a service's
    ``transaction.atomic`` inside the test's transaction) raises InjectedFailure, once."""
    armed = []

    def wrapper(execute, sql, params, many, context):
        if armed and sql.startswith("RELEASE SAVEPOINT"):
            armed.clear()
            raise InjectedFailure(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield lambda: armed.append(True)


# Services that commit in steps on purpose: "reserve, commit, call the provider, record". A failure
# at the final audit row keeps the committed reservation (so the provider call can be retried);
# the commit mode below still checks that the first step is all or nothing.
IN_STEPS = {
    AuditAction.REFUND_ISSUED: "the reserved refund is committed before the provider is called",
}

COMMIT_ACTIONS = sorted(set(SCENARIOS) - set(NOTHING_TO_ROLL_BACK) - ONLY_AN_AUDIT_ROW)
ROLLBACK_ACTIONS = sorted(set(SCENARIOS) - set(NOTHING_TO_ROLL_BACK) - set(IN_STEPS))


@pytest.mark.parametrize("action", ROLLBACK_ACTIONS)
def test_a_failing_last_step_leaves_no_row_and_no_audit_row(action, request, fail_audit):
    act = SCENARIOS[action](World(request))
    before = snapshot()
    fail_audit(action)

    with pytest.raises(InjectedFailure):
        act()

    after = snapshot()
    assert not diff(before, after), f"{action} failed at its audit row but left changes: {diff(before, after)}"


@pytest.mark.parametrize("action", COMMIT_ACTIONS)
def test_a_failing_commit_leaves_no_row_and_no_audit_row(action, request, fail_commit):
    act = SCENARIOS[action](World(request))
    before = snapshot()
    fail_commit()

    with pytest.raises(InjectedFailure):
        act()

    after = snapshot()
    assert not diff(before, after), f"{action} failed at its commit but left changes: {diff(before, after)}"


def test_the_snapshot_sees_a_change_that_was_not_rolled_back(citizen):
    from ecitizen.accounts.models import Profile

    before = snapshot()
    Profile.objects.filter(user=citizen).update(town="Elsewhere")
    assert diff(before, snapshot()) == ["accounts.profile: +1 -1 rows"]
