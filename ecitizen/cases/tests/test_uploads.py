"""Uploads: judged by content, cleaned of metadata, stored privately, served as attachments."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from ecitizen.cases.models import Upload
from ecitizen.cases.uploads import private_storage, upload_open, upload_response, upload_store
from ecitizen.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825
PDF_BYTES = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def in_english():
    # The messages are asserted in English, whatever language an earlier test left active.
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    return Path(settings.PRIVATE_MEDIA_ROOT)


def image_bytes(fmt: str, size=(20, 10), colour=(200, 30, 30), **save_args) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt, **save_args)
    return buffer.getvalue()


def jpeg_with_gps(**extra_tags) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[GPS_IFD] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}
    for tag, value in extra_tags.items():
        exif[int(tag.removeprefix("tag_"), 16)] = value
    return image_bytes("JPEG", exif=exif.tobytes(), comment=b"taken at 12 Acacia Avenue")


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_png_named_pdf_is_stored_as_a_png(citizen):
    # given a PNG whose name says PDF
    upload_file = SimpleUploadedFile("scan.pdf", image_bytes("PNG"), content_type="application/pdf")

    # when
    upload = upload_store(owner=citizen, file=upload_file)

    # then the content decided
    assert upload.content_type == "image/png"
    assert upload.stored_name.endswith(".png")
    assert upload.original_name == "scan.pdf"
    with upload_open(upload) as stored:
        assert Image.open(stored).format == "PNG"
    response = upload_response(upload)
    response.close()
    assert 'filename="scan.png"' in response["Content-Disposition"]


def test_text_named_pdf_is_refused_and_nothing_is_stored(citizen, private_root):
    upload_file = SimpleUploadedFile("cv.pdf", b"Just some text, not a PDF", content_type="application/pdf")

    with pytest.raises(ValidationError) as excinfo:
        upload_store(owner=citizen, file=upload_file)

    assert excinfo.value.code == "file_type"
    assert excinfo.value.messages == ["The selected file must be a PDF, JPG or PNG"]
    assert not Upload.objects.exists()
    assert stored_files(private_root) == []


@pytest.mark.parametrize("wrapper", [SimpleUploadedFile, None], ids=["declared-size", "stream-without-size"])
def test_a_file_over_the_limit_is_refused(citizen, settings, wrapper, private_root):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    data = PDF_BYTES + b"0" * (1024 * 1024)
    upload_file = wrapper("big.pdf", data) if wrapper else io.BytesIO(data)

    with pytest.raises(ValidationError) as excinfo:
        upload_store(owner=citizen, file=upload_file)

    assert excinfo.value.code == "file_too_large"
    assert excinfo.value.messages == ["The selected file must be smaller than 1MB"]
    assert stored_files(private_root) == []


def test_the_default_limit_is_ten_megabytes(citizen, settings):
    del settings.UPLOAD_MAX_BYTES
    data = PDF_BYTES + b"0" * (10 * 1024 * 1024)

    with pytest.raises(ValidationError) as excinfo:
        upload_store(owner=citizen, file=SimpleUploadedFile("big.pdf", data))

    assert excinfo.value.messages == ["The selected file must be smaller than 10MB"]


def test_the_messages_are_translated(citizen):
    with translation.override("es"), pytest.raises(ValidationError) as excinfo:
        upload_store(owner=citizen, file=SimpleUploadedFile("empty.pdf", b""))

    assert excinfo.value.messages != ["The selected file is empty"]


def test_an_empty_file_is_refused(citizen):
    with pytest.raises(ValidationError) as excinfo:
        upload_store(owner=citizen, file=SimpleUploadedFile("empty.pdf", b""))

    assert excinfo.value.code == "file_empty"
    assert excinfo.value.messages == ["The selected file is empty"]


def test_a_photo_loses_its_exif_and_gps_position(citizen):
    # given a JPEG that says where it was taken
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the test file really has GPS
    assert b"Exif" in original

    # when
    upload = upload_store(owner=citizen, file=SimpleUploadedFile("photo.jpg", original))

    # then
    with upload_open(upload) as stored:
        cleaned = stored.read()
    image = Image.open(io.BytesIO(cleaned))
    assert image.format == "JPEG"
    assert len(image.getexif()) == 0
    assert image.getexif().get_ifd(GPS_IFD) == {}
    assert b"Exif" not in cleaned
    assert b"Acacia" not in cleaned
    assert b"PhoneMaker" not in cleaned
    assert upload.sha256 == hashlib.sha256(cleaned).hexdigest()
    assert upload.size == len(cleaned)


def test_a_sideways_photo_is_turned_upright_before_its_exif_goes(citizen):
    # 20 wide, 10 high, with "rotate 90° clockwise to display" (orientation 6)
    exif = Image.Exif()
    exif[0x0112] = 6
    original = image_bytes("JPEG", size=(20, 10), exif=exif.tobytes())

    upload = upload_store(owner=citizen, file=SimpleUploadedFile("photo.jpg", original))

    with upload_open(upload) as stored:
        assert Image.open(stored).size == (10, 20)


def test_png_text_chunks_are_dropped(citizen):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "home address: 12 Acacia Avenue")
    original = image_bytes("PNG", pnginfo=info)
    assert b"Acacia" in original

    upload = upload_store(owner=citizen, file=SimpleUploadedFile("scan.png", original))

    with upload_open(upload) as stored:
        cleaned = stored.read()
    assert b"Acacia" not in cleaned
    assert Image.open(io.BytesIO(cleaned)).info.get("Comment") is None


def test_an_image_with_too_many_pixels_is_refused_before_decoding(citizen, settings):
    settings.UPLOAD_MAX_PIXELS = 100

    with pytest.raises(ValidationError) as excinfo:
        upload_store(owner=citizen, file=SimpleUploadedFile("huge.png", image_bytes("PNG", size=(20, 10))))

    assert excinfo.value.code == "image_too_big"


def test_a_broken_image_is_refused(citizen):
    truncated = image_bytes("PNG", size=(200, 200))[:60]

    with pytest.raises(ValidationError) as excinfo:
        upload_store(owner=citizen, file=SimpleUploadedFile("broken.png", truncated))

    assert excinfo.value.code == "file_unreadable"


def test_the_file_is_stored_privately_under_a_generated_name(citizen, private_root):
    upload = upload_store(owner=citizen, file=SimpleUploadedFile("my-passport.pdf", PDF_BYTES))

    assert re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{32}\.pdf", upload.stored_name)
    path = (private_root / upload.stored_name).resolve()
    assert path.read_bytes() == PDF_BYTES  # PDFs are kept as sent
    for public_root in (settings.MEDIA_ROOT, settings.STATIC_ROOT, settings.BASE_DIR / "static"):
        assert not path.is_relative_to(Path(public_root).resolve())
    with pytest.raises(ValueError):
        private_storage().url(upload.stored_name)
    assert (upload.original_name, upload.content_type, upload.size) == (
        "my-passport.pdf",
        "application/pdf",
        len(PDF_BYTES),
    )


def test_the_default_private_root_is_outside_the_public_roots(settings):
    del settings.PRIVATE_MEDIA_ROOT
    location = Path(private_storage().location).resolve()

    assert location == (Path(settings.BASE_DIR) / "var" / "private").resolve()
    for public_root in (settings.MEDIA_ROOT, settings.STATIC_ROOT):
        assert not location.is_relative_to(Path(public_root).resolve())


def test_storing_writes_one_exact_audit_row(citizen):
    upload = upload_store(owner=citizen, file=SimpleUploadedFile("a.pdf", PDF_BYTES))

    row = AuditLog.objects.get()
    assert row.action == AuditAction.FILE_UPLOADED
    assert row.actor == citizen
    assert row.subject_user == citizen
    assert (row.subject_type, row.subject_id) == ("cases.upload", str(upload.pk))
    assert row.agency is None
    assert row.extra == {"content_type": "application/pdf", "size": len(PDF_BYTES)}


def test_the_download_is_an_attachment_with_a_safe_name(citizen):
    # a raw file object: nothing has cleaned its name on the way in
    raw = io.BytesIO(PDF_BYTES)
    raw.name = '../../etc/pass"wd.pdf'
    upload = upload_store(owner=citizen, file=raw)
    assert "/" not in upload.original_name and ".." not in upload.original_name

    response = upload_response(upload)

    disposition = response["Content-Disposition"]
    assert disposition == "attachment; filename=\"passwd.pdf\"; filename*=UTF-8''passwd.pdf"
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == PDF_BYTES
    response.close()


def test_a_non_ascii_name_gets_an_ascii_fallback_and_an_exact_rfc5987_name(citizen):
    upload = upload_store(owner=citizen, file=SimpleUploadedFile("Solicitud de años «2026».pdf", PDF_BYTES))

    response = upload_response(upload)
    disposition = response["Content-Disposition"]
    response.close()

    assert disposition.startswith('attachment; filename="Solicitud de anos 2026.pdf"; ')
    assert disposition.endswith("filename*=UTF-8''Solicitud%20de%20a%C3%B1os%20%C2%AB2026%C2%BB.pdf")
    assert "\n" not in disposition and "\r" not in disposition
