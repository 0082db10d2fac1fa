"""Citizens' files: checked by what they contain, cleaned, and kept out of the web root.

A file is accepted only when its first bytes say it is a PDF, a JPEG or a PNG;
its name and the browser's content type are never trusted. Images are decoded
and encoded again from their pixels alone, so no metadata survives (EXIF with
the GPS position of the phone that took the photo, comments, text chunks,
colour profiles). Files are stored under a random name in private storage that
has no URL: the only way out is :func:`upload_response`, which views call
after checking permission.

PDFs are stored as they came: they are only ever served as attachments, with
``nosniff``, never displayed inline by this site.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import re
import unicodedata
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import transaction
from django.http import FileResponse
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from ecitizen.cases.models import Application, InformationRequest, Upload
from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# A 48-megapixel phone photo fits; a small file that would decode to gigabytes does not.
DEFAULT_MAX_PIXELS = 50_000_000
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class FileKind:
    content_type: str
    extension: str
    other_extensions: tuple[str, ...]
    pillow_formats: tuple[str, ...]  # empty: not an image, stored as is


PDF = FileKind("application/pdf", ".pdf", (), ())
PNG = FileKind("image/png", ".png", (), ("PNG",))
# Phones write multi-picture JPEGs (MPO); Pillow reads their first picture.
JPEG = FileKind("image/jpeg", ".jpg", (".jpeg", ".jpe", ".jfif"), ("JPEG", "MPO"))
KINDS_BY_CONTENT_TYPE = {kind.content_type: kind for kind in (PDF, PNG, JPEG)}
_KNOWN_EXTENSIONS = {ext for kind in (PDF, PNG, JPEG) for ext in (kind.extension, *kind.other_extensions)}


class PrivateFileSystemStorage(FileSystemStorage):
    """Local storage that refuses to make URLs: its files are served only through views."""

    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no URL; serve them with ecitizen.cases.uploads.upload_response.")


def private_storage() -> Storage:
    """The storage for citizens' files.

    ``STORAGES["private"]`` when a deployment defines one (a private S3 bucket);
    otherwise the local directory ``PRIVATE_MEDIA_ROOT``, outside the web root.
    Built on each call so that settings overridden in tests take effect.
    """
    if "private" in settings.STORAGES:
        return storages["private"]
    location = getattr(settings, "PRIVATE_MEDIA_ROOT", None) or Path(settings.BASE_DIR) / "var" / "private"
    return PrivateFileSystemStorage(
        location=str(location), file_permissions_mode=0o600, directory_permissions_mode=0o700
    )


def max_upload_bytes() -> int:
    return int(getattr(settings, "UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def _too_large_error(limit: int) -> ValidationError:
    megabytes = f"{limit / (1024 * 1024):g}"
    return ValidationError(
        _("The selected file must be smaller than %(megabytes)sMB") % {"megabytes": megabytes},
        code="file_too_large",
    )


def _wrong_type_error() -> ValidationError:
    return ValidationError(_("The selected file must be a PDF, JPG or PNG"), code="file_type")


def _read_limited(file: Any, limit: int) -> bytes:
    """The file's bytes, refusing it as soon as it passes *limit* (whatever size it claims)."""
    declared = getattr(file, "size", None)
    if declared is not None and declared > limit:
        raise _too_large_error(limit)
    if hasattr(file, "seek"):
        file.seek(0)
    buffer = io.BytesIO()
    while chunk := file.read(_CHUNK):
        buffer.write(chunk)
        if buffer.tell() > limit:
            raise _too_large_error(limit)
    return buffer.getvalue()


def detect_kind(data: bytes) -> FileKind | None:
    """What the bytes are, from their signature; ``None`` when not an allowed kind."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    return None


def _clean_image(data: bytes, kind: FileKind) -> bytes:
    """Decode the image and encode its pixels again, with nothing else carried over.

    A fresh image is built from the pixels because Pillow's encoders copy some
    metadata (JPEG comments, PNG colour profiles) from the source image's ``info``.
    """
    max_pixels = int(getattr(settings, "UPLOAD_MAX_PIXELS", DEFAULT_MAX_PIXELS))
    unreadable = ValidationError(_("The selected file could not be read. Try a different file"), code="file_unreadable")
    too_big = ValidationError(_("The selected image is too big. Choose a smaller image"), code="image_too_big")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=kind.pillow_formats) as probe:
                width, height = probe.size  # from the header: nothing decoded yet
                if width * height > max_pixels:
                    raise too_big
                probe.verify()
            with Image.open(io.BytesIO(data), formats=kind.pillow_formats) as image:
                image.load()
                # Photos are often stored sideways with an EXIF "rotate me" tag; turn the
                # pixels upright now, because the tag is about to go.
                upright = ImageOps.exif_transpose(image)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_big from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise unreadable from exc

    if upright.mode == "P":
        upright = upright.convert("RGBA" if "transparency" in upright.info else "RGB")
    if kind is JPEG and upright.mode not in ("RGB", "L", "CMYK"):
        upright = upright.convert("RGB")
    clean = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    out = io.BytesIO()
    if kind is JPEG:
        clean.save(out, format="JPEG", quality=90)
    else:
        clean.save(out, format="PNG", optimize=True)
    return out.getvalue()


def clean_image(file: Any, *, max_bytes: int | None = None) -> tuple[bytes, FileKind]:
    """Read *file*, accept it only if its bytes are a JPEG or PNG, and return it re-encoded.

    For features that take photos rather than documents (reports of a
    problem): the same checks and metadata stripping as :func:`upload_store`,
    without storing anything. Raises ``ValidationError`` with the same codes,
    ``file_type`` when the file is not a JPEG or PNG.
    """
    limit = max_bytes or max_upload_bytes()
    data = _read_limited(file, limit)
    if not data:
        raise ValidationError(_("The selected file is empty"), code="file_empty")
    kind = detect_kind(data)
    if kind is None or not kind.pillow_formats:
        raise ValidationError(_("The selected file must be a JPG or PNG"), code="file_type")
    data = _clean_image(data, kind)
    if len(data) > limit:
        raise _too_large_error(limit)
    return data, kind


_UNSAFE_NAME_CHARS = re.compile(r"[\x00-\x1f\x7f<>:\"/\\|?*]")


def sanitise_name(name: str, kind: FileKind | None = None) -> str:
    """The file's own name without folders, control or reserved characters; at most 255 characters.

    With *kind*, the extension is made to match what the file really is, so a
    PNG sent as ``photo.pdf`` is downloaded as ``photo.png``.
    """
    name = unicodedata.normalize("NFC", str(name or ""))
    name = posixpath.basename(name.replace("\\", "/"))
    name = _UNSAFE_NAME_CHARS.sub("", name)
    name = " ".join(name.split()).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if kind is not None and "." + ext.lower() not in (kind.extension, *kind.other_extensions):
        if "." + ext.lower() not in _KNOWN_EXTENSIONS:
            stem = name  # "report.v2" becomes "report.v2.pdf", "photo.pdf" becomes "photo.png"
        ext = kind.extension.lstrip(".")
    stem = stem.strip(" .") or "file"
    suffix = f".{ext}" if ext else ""
    return stem[: 255 - len(suffix)] + suffix


@transaction.atomic
def upload_store(
    *,
    owner: Any,
    file: Any,
    application: Application | None = None,
    question_id: str = "",
    info_request: InformationRequest | None = None,
) -> Upload:
    """Check *file*, clean it, store it privately and record it as *owner*'s upload.

    *file* is any file object with ``read()`` (an ``UploadedFile`` from a form).
    Raises ``ValidationError`` (with codes ``file_empty``, ``file_too_large``,
    ``file_type``, ``file_unreadable``, ``image_too_big``) and stores nothing
    when the file is refused. Permission to attach to *application* is the
    caller's to check.
    """
    limit = max_upload_bytes()
    data = _read_limited(file, limit)
    if not data:
        raise ValidationError(_("The selected file is empty"), code="file_empty")
    kind = detect_kind(data)
    if kind is None:
        raise _wrong_type_error()
    if kind.pillow_formats:
        data = _clean_image(data, kind)
        if len(data) > limit:  # re-encoding can, rarely, grow a file
            raise _too_large_error(limit)

    token = uuid.uuid4().hex
    storage = private_storage()
    stored_name = storage.save(f"{token[:2]}/{token}{kind.extension}", ContentFile(data))
    try:
        upload = Upload(
            owner=owner,
            application=application,
            info_request=info_request,
            question_id=question_id,
            stored_name=stored_name,
            original_name=sanitise_name(getattr(file, "name", "") or ""),
            content_type=kind.content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )
        upload.full_clean(
            exclude=["owner", "application", "info_request"], validate_unique=False, validate_constraints=False
        )
        upload.save()
        audit_record(
            actor=owner,
            action=AuditAction.FILE_UPLOADED,
            subject=upload,
            subject_user=owner,
            agency=application.agency if application is not None else None,
            extra={"content_type": kind.content_type, "size": len(data)},
        )
    except BaseException:
        storage.delete(stored_name)
        raise
    return upload


def upload_open(upload: Upload) -> IO[bytes]:
    """The stored file, opened for reading in binary. The caller closes it."""
    return private_storage().open(upload.stored_name, "rb")


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII-only ``filename`` and the exact name in RFC 5987 ``filename*``."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    ascii_name = re.sub(r"[^A-Za-z0-9._ -]", "_", ascii_name).strip(" .") or "file"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def upload_response(upload: Upload) -> FileResponse:
    """Serve *upload* as a download. Only call it after checking the person may see it."""
    kind = KINDS_BY_CONTENT_TYPE.get(upload.content_type)
    response = FileResponse(upload_open(upload), content_type=upload.content_type)
    response["Content-Disposition"] = content_disposition(sanitise_name(upload.original_name, kind))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
