"""Photos of problems: bounded decoding, never inside a transaction (issue 9, 2.2).

An anonymous visitor's 7000 x 7000 PNG used to be decoded inside the
transaction that stored it, holding SQLite's write lock for seconds, so other
people's writes failed with "database is locked".
"""

from __future__ import annotations

import io
import time

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from PIL import Image
from PIL.JpegImagePlugin import JpegImageFile

from ecitizen.cases import uploads
from ecitizen.cases.tests.test_upload_limits import jpeg_claiming, png_header_only
from ecitizen.reports import services
from ecitizen.reports.models import ReportPhoto
from ecitizen.reports.tests.test_reporting_journey import DETAILS, details, to_details, upload


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")


def jpeg(size) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.mark.django_db
def test_an_anonymous_bomb_photo_is_refused_at_its_field_quickly(client, pothole):
    to_details(client)
    started = time.perf_counter()
    response = client.post(
        DETAILS,
        details(email="sam@example.org", photos=[upload(png_header_only(7000, 7000), "p.png", "image/png")]),
    )
    assert time.perf_counter() - started < 1.0
    assert response.status_code == 400
    content = response.content.decode()
    assert 'id="id_photos-error"' in content
    assert "The selected image is too big. Choose a smaller image" in content
    assert not ReportPhoto.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("data", [png_header_only(100_000, 100_000), jpeg_claiming(65_000, 65_000)])
def test_the_photo_service_refuses_a_bomb_with_a_clear_code(citizen, data):
    with pytest.raises(ValidationError) as caught:
        services.photo_store(actor=citizen, file=SimpleUploadedFile("p.jpg", data))
    assert caught.value.code == "image_too_big"
    assert not ReportPhoto.objects.exists()


@pytest.mark.django_db
def test_a_big_jpeg_photo_is_decoded_in_draft_mode_at_about_the_size_kept(citizen, monkeypatch):
    sizes = []
    real = JpegImageFile.draft

    def spy(self, mode, size):
        sizes.append(size)
        return real(self, mode, size)

    monkeypatch.setattr(JpegImageFile, "draft", spy)
    monkeypatch.setattr(services, "PHOTO_MAX_SIDE", 100)
    photo = services.photo_store(actor=citizen, file=SimpleUploadedFile("p.jpg", jpeg((800, 400))))
    assert sizes == [(100, 50)]
    assert (photo.width, photo.height) == (100, 50)


@pytest.mark.django_db(transaction=True)
def test_photos_are_decoded_before_the_transaction_that_records_them(client, pothole, monkeypatch):
    """Through the anonymous reporting page, as the reviewer did it."""
    seen = []
    real = uploads._clean_image

    def spy(*args, **kwargs):
        seen.append(connection.in_atomic_block)
        return real(*args, **kwargs)

    monkeypatch.setattr(uploads, "_clean_image", spy)
    to_details(client)
    client.post(DETAILS, details(email="sam@example.org", photos=[upload(jpeg((40, 30)))]))
    assert seen == [False]
    assert ReportPhoto.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_photo_service_receives_processed_bytes_inside_its_transaction(citizen, monkeypatch):
    """The transaction only writes rows: it gets a prepared file, never raw pixels to decode."""
    prepared = services.photo_prepare(SimpleUploadedFile("p.jpg", jpeg((40, 30))))
    calls = []
    real = services._photo_record

    def spy(**kwargs):
        calls.append((connection.in_atomic_block, kwargs["prepared"]))
        return real(**kwargs)

    monkeypatch.setattr(services, "_photo_record", spy)
    monkeypatch.setattr(uploads, "_clean_image", lambda *a, **k: pytest.fail("decoded again"))
    photo = services.photo_store(actor=citizen, file=prepared)
    assert calls == [(False, prepared)]
    assert photo.sha256 and photo.size == len(prepared.data)
