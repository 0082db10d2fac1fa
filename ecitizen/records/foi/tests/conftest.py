"""Information requests' personas and builders, made through the services."""

from __future__ import annotations

import datetime
import uuid

import pytest
import time_machine

# Monday 4 January 2027, mid-morning in London (UTC in winter).
MONDAY = "2027-01-04T10:00:00+00:00"


def at(value: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value)


@pytest.fixture
def pinned():
    """The clock pinned at Monday 4 January 2027; ``pinned.move_to(at(...))`` moves it."""
    with time_machine.travel(at(MONDAY), tick=False) as traveller:
        yield traveller


@pytest.fixture
def requester(citizen):
    return citizen


@pytest.fixture
def make_request(requester, agency_a):
    from ecitizen.records.foi import services

    def make(title="Cost of the new library roof", *, by=None, agency=None, hide_name=False, body=None):
        return services.foi_request_create(
            actor=by or requester,
            agency=agency or agency_a,
            title=title,
            body=body or "Please send the contract and the final invoices for the library roof.",
            hide_name=hide_name,
            create_token=uuid.uuid4(),
        )

    return make


@pytest.fixture
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    return tmp_path


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
