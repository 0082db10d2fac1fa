"""Images are decoded with bounded work, before any transaction (issue 9, 2.2).

A 208 KB PNG that said it was 7000 x 7000 took seconds and hundreds of MB to
decode inside a transaction holding SQLite's write lock. Now the size in the
header is checked first, big JPEGs are decoded at a reduced scale, and the
decoding runs before the transaction that records the upload.
"""

from __future__ import annotations

import io
import struct
import time
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from PIL import Image

from ecitizen.cases import uploads
from ecitizen.cases.models import Upload
from ecitizen.core.models import AuditLog


def png_header_only(width: int, height: int) -> bytes:
    """A small, valid-looking PNG whose header claims *width* x *height* pixels (a decompression bomb)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 4096, 9))
        + chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header is rewritten to claim *width* x *height*."""
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(buffer, format="JPEG")
    data = bytearray(buffer.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def jpeg(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    return Path(settings.PRIVATE_MEDIA_ROOT)


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, data",
    [
        ("bomb.png", png_header_only(7000, 7000)),  # the reported file: 49 megapixels
        ("bomb.png", png_header_only(100_000, 100_000)),
        ("bomb.jpg", jpeg_claiming(65_000, 65_000)),
    ],
)
def test_a_decompression_bomb_is_refused_from_its_header_quickly(citizen, private_root, name, data):
    assert len(data) < 10_000
    started = time.perf_counter()
    with pytest.raises(ValidationError) as caught:
        uploads.upload_store(owner=citizen, file=SimpleUploadedFile(name, data))
    assert time.perf_counter() - started < 1.0
    assert caught.value.code == "image_too_big"
    assert caught.value.messages == ["The selected image is too big. Choose a smaller image"]
    assert not Upload.objects.exists() and stored_files(private_root) == []


def test_the_default_pixel_cap_is_well_below_the_reported_image():
    assert uploads.DEFAULT_MAX_PIXELS <= 25_000_000 < 7000 * 7000


@pytest.mark.django_db
def test_a_png_over_the_cap_is_refused_without_being_decoded(citizen, settings, monkeypatch):
    settings.UPLOAD_MAX_PIXELS = 10_000
    buffer = io.BytesIO()
    Image.new("RGB", (200, 200)).save(buffer, format="PNG")
    decoded = []
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(self) or None)
    with pytest.raises(ValidationError) as caught:
        uploads.upload_store(owner=citizen, file=SimpleUploadedFile("big.png", buffer.getvalue()))
    assert caught.value.code == "image_too_big"
    assert decoded == []


@pytest.mark.django_db
def test_a_jpeg_over_the_cap_is_decoded_at_a_reduced_scale_and_stored_so(citizen, settings, monkeypatch):
    settings.UPLOAD_MAX_PIXELS = 10_000  # 200 x 200 is four times that: decoded at half size
    from PIL.JpegImagePlugin import JpegImageFile

    drafts = []
    real_draft = JpegImageFile.draft

    def spy(self, mode, size):
        drafts.append(size)
        return real_draft(self, mode, size)

    monkeypatch.setattr(JpegImageFile, "draft", spy)
    upload = uploads.upload_store(owner=citizen, file=SimpleUploadedFile("photo.jpg", jpeg((200, 200))))
    assert drafts == [(100, 100)]
    with uploads.upload_open(upload) as stored:
        assert Image.open(stored).size == (100, 100)


@pytest.mark.django_db
def test_a_jpeg_between_one_and_four_times_the_cap_is_accepted_at_half_size(citizen, settings):
    """A 48 MP phone photo under a 24 MP cap: the decoder is asked for exactly half, which it can give."""
    settings.UPLOAD_MAX_PIXELS = 10_000  # 160 x 150 is 2.4 times that
    upload = uploads.upload_store(owner=citizen, file=SimpleUploadedFile("photo.jpg", jpeg((160, 150))))
    with uploads.upload_open(upload) as stored:
        assert Image.open(stored).size == (80, 75)


@pytest.mark.django_db
def test_a_jpeg_beyond_what_draft_mode_can_shrink_is_refused(citizen, settings):
    settings.UPLOAD_MAX_PIXELS = 10_000
    with pytest.raises(ValidationError) as caught:
        uploads.upload_store(owner=citizen, file=SimpleUploadedFile("photo.jpg", jpeg((300, 300))))
    assert caught.value.code == "image_too_big"


@pytest.mark.django_db(transaction=True)
def test_images_are_decoded_outside_any_transaction(citizen, monkeypatch):
    """The pixels are processed before the transaction that records the upload opens."""
    seen = []
    real = uploads._clean_image

    def spy(*args, **kwargs):
        seen.append(connection.in_atomic_block)
        return real(*args, **kwargs)

    monkeypatch.setattr(uploads, "_clean_image", spy)
    upload = uploads.upload_store(owner=citizen, file=SimpleUploadedFile("photo.jpg", jpeg((40, 30))))
    assert seen == [False]
    assert Upload.objects.filter(pk=upload.pk).exists()
    assert AuditLog.objects.filter(action="file.uploaded", subject_id=str(upload.pk)).count() == 1


@pytest.mark.django_db
def test_a_file_prepared_beforehand_is_stored_as_is(citizen, monkeypatch):
    prepared = uploads.prepare_upload(SimpleUploadedFile("scan.png", png_bytes()))
    monkeypatch.setattr(uploads, "_clean_image", lambda *a, **k: pytest.fail("decoded again"))
    upload = uploads.upload_store(owner=citizen, file=prepared)
    assert upload.content_type == "image/png" and upload.original_name == "scan.png"
    assert upload.size == len(prepared.data)


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), (10, 200, 10)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.django_db
def test_a_failed_record_removes_the_stored_file(citizen, private_root, monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(uploads, "audit_record", fail)
    with pytest.raises(RuntimeError):
        uploads.upload_store(owner=citizen, file=SimpleUploadedFile("photo.jpg", jpeg((40, 30))))
    assert stored_files(private_root) == [] and not Upload.objects.exists()
