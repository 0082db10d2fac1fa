"""The registry through which apps say how their objects read in the audit log (core imports no app)."""

from __future__ import annotations

import pytest

from ecitizen.core import references
from ecitizen.core.references import ObjectReference, register_reference, registered_labels, resolve_references


@pytest.fixture
def clean_registry(monkeypatch):
    monkeypatch.setattr(references, "_resolvers", {})


def test_resolvers_get_each_kind_once_with_all_its_keys(clean_registry):
    calls = []

    def things(viewer, pks):
        calls.append((viewer, list(pks)))
        return {pk: ObjectReference(kind="Thing", text=f"T-{pk}") for pk in pks if pk != "9"}

    register_reference("demo.thing", things)

    found = resolve_references(
        "viewer", [("demo.thing", "1"), ("demo.thing", "2"), ("demo.thing", "1"), ("demo.thing", "9")]
    )

    assert calls == [("viewer", ["1", "2", "9"])]
    assert found == {
        ("demo.thing", "1"): ObjectReference(kind="Thing", text="T-1"),
        ("demo.thing", "2"): ObjectReference(kind="Thing", text="T-2"),
    }


def test_unknown_labels_and_empty_subjects_are_left_out(clean_registry):
    assert resolve_references(None, [("other.model", "1"), ("", ""), ("demo.thing", "")]) == {}


def test_two_resolvers_for_one_label_is_an_error(clean_registry):
    def first(viewer, pks):
        return {}

    register_reference("demo.thing", first)
    register_reference("Demo.Thing", first)  # the same again: harmless
    with pytest.raises(ValueError, match="already registered"):
        register_reference("demo.thing", lambda viewer, pks: {})


def test_the_apps_register_their_objects():
    assert {
        "cases.application",
        "reports.report",
        "reports.area",
        "reports.category",
        "documents.issueddocument",
        "payments.bill",
        "payments.payment",
        "payments.refund",
        "catalogue.service",
        "agencies.agency",
    } <= registered_labels()
