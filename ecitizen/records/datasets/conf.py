"""The open data catalogue's settings, each read from Django settings with its default here."""

from __future__ import annotations

from django.conf import settings


def max_upload_bytes() -> int:
    """The largest resource file an agency may upload."""
    return int(getattr(settings, "DATASETS_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))


def datastore_max_rows() -> int:
    """At most this many rows of a tabular file go into the DataStore (the preview); the file
    itself is kept whole for download."""
    return int(getattr(settings, "DATASETS_DATASTORE_MAX_ROWS", 50_000))


def datastore_max_columns() -> int:
    return int(getattr(settings, "DATASETS_DATASTORE_MAX_COLUMNS", 100))


def preview_page_size() -> int:
    return int(getattr(settings, "DATASETS_PREVIEW_PAGE_SIZE", 25))
