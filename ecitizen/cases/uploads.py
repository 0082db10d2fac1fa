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

Decoding and encoding an image is slow and can take a lot of memory, so it
happens before any transaction is opened (:func:`prepare_upload`,
:func:`prepare_image`): a transaction holds the database's write lock (on
SQLite, the whole database's), and nobody else could save anything meanwhile.
The work is bounded: the image's size is read from its header and a picture
of more than ``UPLOAD_MAX_PIXELS`` (24 million by default) is refused before
a single pixel is decoded; a larger JPEG is decoded straight at a half,
quarter or eighth of its size (JPEG "draft" mode), which costs a fraction of
the memory and time, and stored at that size.
"""

from __future__ import annotations

import hashlib
import io
import math
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
# The most pixels ever decoded at once: 24 million (6000 x 4000, a good camera's photo) take
# about 100 MB. A small file whose header claims more is refused before decoding (PNG), or,
# for a JPEG of up to four times as many, decoded at half size (draft mode) and stored so.
DEFAULT_MAX_PIXELS = 24_000_000
JPEG_DRAFT_FACTOR = 4
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


def max_upload_pixels() -> int:
    return int(getattr(settings, "UPLOAD_MAX_PIXELS", DEFAULT_MAX_PIXELS))


@dataclass(frozen=True)
class CleanFile:
    """A file that has been checked and cleaned, ready to store.

    Made by :func:`prepare_upload` or :func:`prepare_image` *before* any
    transaction starts; the services that store files accept one in place of
    the raw upload, and only write rows while their transaction is open.
    """

    data: bytes
    kind: FileKind
    name: str = ""  # the name the person's file had (cleaned), for downloads
    width: int | None = None  # images only, as stored
    height: int | None = None


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


def _draft_size(width: int, height: int, *, max_pixels: int, max_side: int | None) -> tuple[int, int] | None:
    """The size to ask a JPEG decoder for, or None when the full size is needed.

    JPEG decoders scale by 1/2, 1/4 or 1/8, and Pillow's ``draft`` never goes below the size asked
    for, so the answer is the image divided by the power of two that both brings it under
    *max_pixels* and, with *max_side*, stays at or above that side (the thumbnail does the rest).
    """

    def scaled(k: int) -> tuple[int, int]:
        return math.ceil(width / 2**k), math.ceil(height / 2**k)

    k_pixels = next((k for k in range(4) if scaled(k)[0] * scaled(k)[1] <= max_pixels), 3)
    k_side = 0
    if max_side:
        k_side = max((k for k in range(4) if max(scaled(k)) >= max_side), default=0)
    k = max(k_pixels, k_side)
    return scaled(k) if k else None


def _clean_image(data: bytes, kind: FileKind, *, max_side: int | None = None) -> tuple[bytes, int, int]:
    """Decode the image and encode its pixels again, with nothing else carried over.

    Returns the new bytes and the stored width and height. With *max_side*,
    the picture is scaled down to fit a square of that many pixels.

    Refuses, from the header alone, a PNG of more than ``UPLOAD_MAX_PIXELS``
    pixels or a JPEG of more than four times as many; a JPEG over the limit
    (or over *max_side*) is decoded at a reduced scale. Pillow's encoders copy
    some metadata (JPEG comments, PNG colour profiles and transparency) from
    the image's ``info``, which is therefore emptied before encoding.
    """
    max_pixels = max_upload_pixels()
    unreadable = ValidationError(_("The selected file could not be read. Try a different file"), code="file_unreadable")
    too_big = ValidationError(_("The selected image is too big. Choose a smaller image"), code="image_too_big")
    header_limit = max_pixels * JPEG_DRAFT_FACTOR if kind is JPEG else max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=kind.pillow_formats) as probe:
                width, height = probe.size  # from the header: nothing decoded yet
                if width < 1 or height < 1 or width * height > header_limit:
                    raise too_big
                probe.verify()
            with Image.open(io.BytesIO(data), formats=kind.pillow_formats) as image:
                if kind is JPEG:
                    draft = _draft_size(width, height, max_pixels=max_pixels, max_side=max_side)
                    if draft is not None:
                        image.draft(None, draft)  # decode at 1/2, 1/4 or 1/8 scale, straight from the JPEG
                if image.size[0] * image.size[1] > max_pixels:  # a JPEG whose scaling was refused
                    raise too_big
                image.load()
                if max_side and max(image.size) > max_side:
                    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
                # Photos are often stored sideways with an EXIF "rotate me" tag; turn the
                # pixels upright now, because the tag is about to go.
                ImageOps.exif_transpose(image, in_place=True)
                clean: Image.Image = image
                if clean.mode == "P":
                    clean = clean.convert("RGBA" if "transparency" in clean.info else "RGB")
                if kind is JPEG and clean.mode not in ("RGB", "L", "CMYK"):
                    clean = clean.convert("RGB")
                elif kind is PNG and clean.mode not in ("1", "L", "LA", "I", "I;16", "RGB", "RGBA"):
                    clean = clean.convert("RGBA")
                clean.info = {}
                out = io.BytesIO()
                if kind is JPEG:
                    clean.save(out, format="JPEG", quality=90 if not max_side else 85)
                else:
                    clean.save(out, format="PNG", optimize=True)
                stored_width, stored_height = clean.size
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_big from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise unreadable from exc
    return out.getvalue(), stored_width, stored_height


def _read_checked(file: Any, limit: int) -> tuple[bytes, FileKind | None]:
    data = _read_limited(file, limit)
    if not data:
        raise ValidationError(_("The selected file is empty"), code="file_empty")
    return data, detect_kind(data)


def prepare_image(file: Any, *, max_bytes: int | None = None, max_side: int | None = None) -> CleanFile:
    """Read *file*, accept it only if its bytes are a JPEG or PNG, and re-encode it.

    For features that take photos rather than documents (reports of a
    problem): the same checks and metadata stripping as :func:`prepare_upload`,
    optionally scaled down to *max_side* pixels. Touches no database: call it
    before opening a transaction. Raises ``ValidationError`` (codes
    ``file_empty``, ``file_too_large``, ``file_type``, ``file_unreadable``,
    ``image_too_big``).
    """
    limit = max_bytes or max_upload_bytes()
    data, kind = _read_checked(file, limit)
    if kind is None or not kind.pillow_formats:
        raise ValidationError(_("The selected file must be a JPG or PNG"), code="file_type")
    return _clean_file(file, data, kind, limit, max_side=max_side)


def prepare_upload(file: Any) -> CleanFile:
    """Read *file*, accept it only if it is a PDF, JPEG or PNG, and clean it (images re-encoded).

    Touches no database: :func:`upload_store` calls it before its transaction,
    and a view may call it first itself. Raises ``ValidationError`` as
    :func:`upload_store` documents.
    """
    limit = max_upload_bytes()
    data, kind = _read_checked(file, limit)
    if kind is None:
        raise _wrong_type_error()
    return _clean_file(file, data, kind, limit)


def _clean_file(file: Any, data: bytes, kind: FileKind, limit: int, *, max_side: int | None = None) -> CleanFile:
    """*data* (of *file*, already typed as *kind*) ready to store: an image re-encoded, a PDF as it came."""
    width = height = None
    if kind.pillow_formats:
        data, width, height = _clean_image(data, kind, max_side=max_side)
        if len(data) > limit:  # re-encoding can, rarely, grow a file
            raise _too_large_error(limit)
    return CleanFile(data, kind, sanitise_name(getattr(file, "name", "") or ""), width, height)


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


def store_privately(prepared: CleanFile, *, folder: str = "") -> str:
    """Save the cleaned bytes under a new random name in private storage; returns that name.

    Called outside any transaction (writing a file can be slow); if the
    database write that follows fails, the caller deletes the file again.
    """
    token = uuid.uuid4().hex
    prefix = f"{folder.strip('/')}/" if folder else ""
    return private_storage().save(f"{prefix}{token[:2]}/{token}{prepared.kind.extension}", ContentFile(prepared.data))


def upload_store(
    *,
    owner: Any,
    file: Any,
    application: Application | None = None,
    question_id: str = "",
    info_request: InformationRequest | None = None,
) -> Upload:
    """Check *file*, clean it, store it privately and record it as *owner*'s upload.

    *file* is any file object with ``read()`` (an ``UploadedFile`` from a form),
    or a :class:`CleanFile` already made by :func:`prepare_upload`. The file is
    checked, re-encoded and written to storage *before* the transaction that
    records it opens, so no database lock is held while an image is decoded.
    Raises ``ValidationError`` (with codes ``file_empty``, ``file_too_large``,
    ``file_type``, ``file_unreadable``, ``image_too_big``) and stores nothing
    when the file is refused. Permission to attach to *application* is the
    caller's to check.
    """
    prepared = file if isinstance(file, CleanFile) else prepare_upload(file)
    stored_name = store_privately(prepared)
    try:
        return _upload_record(
            owner=owner,
            prepared=prepared,
            stored_name=stored_name,
            application=application,
            question_id=question_id,
            info_request=info_request,
        )
    except BaseException:
        private_storage().delete(stored_name)
        raise


@transaction.atomic
def _upload_record(
    *,
    owner: Any,
    prepared: CleanFile,
    stored_name: str,
    application: Application | None,
    question_id: str,
    info_request: InformationRequest | None,
) -> Upload:
    upload = Upload(
        owner=owner,
        application=application,
        info_request=info_request,
        question_id=question_id,
        stored_name=stored_name,
        original_name=prepared.name,
        content_type=prepared.kind.content_type,
        size=len(prepared.data),
        sha256=hashlib.sha256(prepared.data).hexdigest(),
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
        extra={"content_type": prepared.kind.content_type, "size": len(prepared.data)},
    )
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
