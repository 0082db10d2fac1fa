"""Fixtures of the tests of processes and ideas (imported by tests/test_ideas_*.py)."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from ecitizen.voting.budgeting import idea_services
from ecitizen.voting.budgeting.idea_services import IdeaData

GPS_IFD = 0x8825
IN_OLD_TOWN = (52.030, 0.005)
IN_MILLBROOK = (52.010, 0.005)


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")


def jpeg(size=(40, 30), **save_args) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 30)).save(buffer, format="JPEG", **save_args)
    return buffer.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[GPS_IFD] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}
    return jpeg(exif=exif.tobytes())


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def idea_data(budget, **extra) -> IdeaData:
    values = {
        "budget": budget,
        "title": "Benches along the river",
        "description": "Five benches on the river path, for people who need a rest.",
        "estimated_cost": 8_000,
        "location_text": "River path",
    }
    values.update(extra)
    return IdeaData(**values)


def propose(user, process, *, budget=None, **extra):
    return idea_services.idea_propose(
        actor=user,
        process=process,
        data=idea_data(budget or process.budgets.order_by("pk").first(), **extra),
        create_token=uuid.uuid4(),
    )


def without_projects(process):
    """*process* with the projects ``make_process`` puts on every budget removed."""
    process.projects.all().delete()
    return process


@pytest.fixture
def ideas_process(make_process, districts):
    """A process collecting ideas, one budget per district, with no idea yet."""
    return without_projects(make_process("ideas", districts=districts))


@pytest.fixture
def whole_process(make_process):
    """A process collecting ideas with one budget for the whole area, with no idea yet."""
    return without_projects(make_process("ideas"))


@pytest.fixture
def admin_b(make_user, with_mfa, agency_b):
    from ecitizen.agencies.models import Membership

    user = make_user("admin-b@agency-b.example")
    Membership.objects.create(user=user, agency=agency_b, role="agency_admin")
    with_mfa(user)
    return user
