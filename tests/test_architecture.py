"""The two rules of docs/architecture.md, as tests.

* Imports: ``core`` depends on no app, and there are no import cycles between the
  apps or between the modules of an app (the contracts in ``.importlinter``).
* Rule 1, "every write is a service": no view, form, task or API module writes a
  model itself (``.save()``, ``.create()``, ``.update()``, ``.delete()``, the bulk
  and ``get_or_create`` family) or an audit row (``audit_record``); it calls a
  service that does, in one transaction with its audit row.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ROOT / "ecitizen"


def test_import_contracts_hold():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-cache", str(ROOT / ".importlinter")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[result.stdout.find("Broken contracts") :] + result.stderr


# --- No writes outside services ---------------------------------------------------------------

# Modules that must stay thin: they parse input, check access and call one service.
THIN_MODULE = re.compile(r"(^|_)(views|forms|tasks|api)\.py$")

# Methods that write when called on a model instance, a manager or a queryset.
ALWAYS_WRITES = {"save", "delete", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
# ``create`` and ``update`` are also ordinary names on dicts and other objects: they count
# when called on a manager (``X.objects``, ``obj.things``) or on a queryset chain.
WRITES_ON_QUERYSETS = {"create", "update"}
QUERYSET_METHODS = {
    "objects",
    "_base_manager",
    "_default_manager",
    "filter",
    "exclude",
    "all",
    "select_for_update",
    "select_related",
    "prefetch_related",
    "order_by",
    "only",
    "defer",
    "annotate",
    "using",
}
# Receivers of .save()/.delete() that are not models: the session and the cache.
NOT_MODELS = {"cache", "session", "request.session", "self.request.session"}

# Justified exceptions: "path:first line of the call" -> why. Keep this short; move the write into a service.
ALLOWED: dict[str, str] = {}


def _receiver_chain(node: ast.AST) -> list[str]:
    """Names along ``a.b().c.d`` from the inside out: ['a', 'b', 'c', 'd']."""
    names: list[str] = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            names.append(node.id)
            break
        else:
            break
    return list(reversed(names))


def model_writes(source: str) -> list[tuple[int, str]]:
    """(line, call) for every call in *source* that looks like a model write."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        if _receiver_chain(node.func)[-1:] == ["audit_record"]:
            found.append((node.lineno, "audit_record"))
            continue
        if not isinstance(node.func, ast.Attribute):
            continue
        method = node.func.attr
        receiver = node.func.value
        text = ast.unparse(node.func)
        if method in ALWAYS_WRITES:
            if ast.unparse(receiver) in NOT_MODELS or _receiver_chain(receiver)[-1:] in (["cache"], ["session"]):
                continue
            found.append((node.lineno, text))
        elif method in WRITES_ON_QUERYSETS:
            chain = _receiver_chain(receiver)
            is_manager = bool(set(chain) & QUERYSET_METHODS) or (
                # obj.related_set.create(...) / obj.things.update(...)
                isinstance(receiver, ast.Attribute) and receiver.attr.endswith("_set")
            )
            if is_manager:
                found.append((node.lineno, text))
    return found


def _thin_modules() -> list[Path]:
    return sorted(
        p
        for p in APPS.rglob("*.py")
        if THIN_MODULE.search(p.name) and "tests" not in p.parts and "migrations" not in p.parts
    )


def test_the_scanner_finds_writes_and_ignores_dicts():
    source = """
def view(request, pk):
    Report.objects.filter(pk=pk).update(status="closed")
    Report.objects.create(title="x")
    report.save(update_fields=["title"])
    report.photos.all().delete()
    form.save()
    Thing.objects.get_or_create(slug="a")
    application.note_set.create(text="x")
    context.update({"a": 1})
    request.session.save()
    cache.delete("key")
    self.fields["q"].widget.attrs.update({"class": "x"})
    audit_record(actor=request.user, action="x")
"""
    lines = [line for line, _ in model_writes(source)]
    assert lines == [3, 4, 5, 6, 7, 8, 9, 14]


def test_there_are_thin_modules_to_check():
    names = {p.relative_to(ROOT).as_posix() for p in _thin_modules()}
    assert {"ecitizen/cases/views.py", "ecitizen/payments/api.py", "ecitizen/reports/tasks.py"} <= names


@pytest.mark.parametrize("path", _thin_modules(), ids=lambda p: p.relative_to(APPS).as_posix())
def test_views_forms_tasks_and_apis_write_no_model(path):
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    rel = path.relative_to(ROOT).as_posix()
    offending = [
        f"{rel}:{line}: {call}(...)"
        for line, call in model_writes(source)
        if f"{rel}:{lines[line - 1].strip()}" not in ALLOWED
    ]
    assert not offending, "Move these writes into the app's services (Rule 1):\n" + "\n".join(offending)


def test_every_allowed_exception_is_still_needed():
    seen = set()
    for path in _thin_modules():
        lines = path.read_text(encoding="utf-8").splitlines()
        rel = path.relative_to(ROOT).as_posix()
        seen |= {f"{rel}:{lines[line - 1].strip()}" for line, _ in model_writes("\n".join(lines))}
    stale = sorted(set(ALLOWED) - seen)
    assert not stale, f"Remove these from ALLOWED, the write is gone: {stale}"
