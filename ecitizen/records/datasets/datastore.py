"""Checking resource files and reading tabular ones into rows (the DataStore's loader).

Everything here is CPU work on bytes in memory and touches no database: services call it *before*
they open a transaction, then write the rows it returns in bulk. A file is judged by what it
contains, never by its name or the browser's content type: a CSV must be UTF-8 text that parses
with a consistent number of fields, JSON must parse, GeoJSON must be a GeoJSON object, a PDF must
start like one, an XLSX must be a ZIP holding a workbook.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ecitizen.records.datasets import conf
from ecitizen.records.datasets.models import Format

_CHUNK = 64 * 1024
GEOJSON_TYPES = {
    "FeatureCollection",
    "Feature",
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
}
TABULAR_FORMATS = (Format.CSV,)
EXTENSIONS = {
    Format.CSV: ".csv",
    Format.JSON: ".json",
    Format.GEOJSON: ".geojson",
    Format.XLSX: ".xlsx",
    Format.PDF: ".pdf",
}
CONTENT_TYPES = {
    Format.CSV: "text/csv; charset=utf-8",
    Format.JSON: "application/json",
    Format.GEOJSON: "application/geo+json",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Format.PDF: "application/pdf",
}


@dataclass
class Table:
    """A parsed tabular file: its columns (``{"id", "type"}``), its rows as lists of values in
    column order, and whether it had more rows than the DataStore keeps."""

    columns: list[dict[str, str]]
    rows: list[list[Any]]
    truncated: bool = False


@dataclass
class CheckedFile:
    """A resource file that passed its format's checks, ready to store; *table* for tabular ones."""

    data: bytes
    format: str
    name: str
    sha256: str
    table: Table | None = field(default=None)


def _error(message: str, code: str) -> ValidationError:
    return ValidationError({"file": [ValidationError(message, code=code)]})


def read_limited(file: Any, limit: int) -> bytes:
    """The file's bytes, refusing it as soon as it passes *limit* (whatever size it claims)."""
    too_large = _("The selected file must be smaller than %(megabytes)sMB") % {"megabytes": f"{limit / 1048576:g}"}
    declared = getattr(file, "size", None)
    if declared is not None and declared > limit:
        raise _error(too_large, "file_too_large")
    if hasattr(file, "seek"):
        file.seek(0)
    buffer = io.BytesIO()
    while chunk := file.read(_CHUNK):
        buffer.write(chunk)
        if buffer.tell() > limit:
            raise _error(too_large, "file_too_large")
    return buffer.getvalue()


def check_file(file: Any, fmt: str) -> CheckedFile:
    """Read *file*, check that it is a *fmt* file, and parse it if tabular. Raises a
    ValidationError on ``file`` saying what is wrong."""
    data = read_limited(file, conf.max_upload_bytes())
    if not data:
        raise _error(_("The selected file is empty"), "empty")
    table = None
    if fmt == Format.CSV:
        table = parse_csv(data)
    elif fmt in (Format.JSON, Format.GEOJSON):
        try:
            parsed = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise _error(_("The selected file is not valid JSON"), "invalid_json") from None
        if fmt == Format.GEOJSON and not (isinstance(parsed, dict) and parsed.get("type") in GEOJSON_TYPES):
            raise _error(_("The selected file is not GeoJSON: it needs a GeoJSON “type”"), "invalid_geojson")
    elif fmt == Format.PDF:
        if not data.startswith(b"%PDF-"):
            raise _error(_("The selected file must be a PDF"), "file_type")
    elif fmt == Format.XLSX:
        if not _is_xlsx(data):
            raise _error(_("The selected file must be an Excel workbook (XLSX)"), "file_type")
    else:
        raise _error(_("Choose the file's format"), "format")
    return CheckedFile(
        data=data,
        format=fmt,
        name=getattr(file, "name", "") or "",
        sha256=hashlib.sha256(data).hexdigest(),
        table=table,
    )


def _is_xlsx(data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return False
    return "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)


# A number as data files write one: ASCII digits, an optional minus, no leading zeros (so codes
# such as postcodes or "007" stay text), an optional fraction and exponent.
NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?", re.ASCII)


def _number(text: str) -> int | float | None:
    """*text* as a number when it is written as one (``12``, ``-3.5``, ``0.25``); otherwise None
    (``007``, ``+5``, ``1_000``, digits of other scripts, and numbers too large for a float)."""
    stripped = text.strip()
    if len(stripped) > 30 or not NUMBER.fullmatch(stripped):
        return None
    try:
        value = Decimal(stripped)
    except InvalidOperation:
        return None
    if "." not in stripped and "e" not in stripped.lower():
        return int(value)
    number = float(value)
    return number if math.isfinite(number) else None


def _column_names(header: list[str]) -> list[str]:
    """The header's names, trimmed, with blanks named ``column_N`` and repeats numbered."""
    names: list[str] = []
    seen: set[str] = set()
    for index, raw in enumerate(header, start=1):
        name = " ".join(raw.split())[:100] or f"column_{index}"
        candidate, n = name, 2
        while candidate in seen:
            candidate, n = f"{name}_{n}", n + 1
        seen.add(candidate)
        names.append(candidate)
    return names


def parse_csv(data: bytes) -> Table:
    """The rows of a CSV file with a header row. A column whose every non-empty cell is a number
    is ``numeric`` and keeps numbers (so it sorts as numbers); empty cells are null.

    Raises a ValidationError on ``file`` for text that is not UTF-8, a file without a header, a
    row whose number of fields differs from the header's, or too many columns. Rows past
    ``DATASETS_DATASTORE_MAX_ROWS`` are left out (``truncated``) after being checked.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _error(_("The selected file must be saved as UTF-8 text"), "encoding") from None
    if "\x00" in text:
        raise _error(_("The selected file is not a CSV file"), "file_type")
    # A cell may be as long as the file may be (the csv module's own limit is 128 KiB).
    csv.field_size_limit(max(csv.field_size_limit(), conf.max_upload_bytes()))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    max_rows, max_columns = conf.datastore_max_rows(), conf.datastore_max_columns()
    try:
        header = next(reader, None)
        if not header or not any(cell.strip() for cell in header):
            raise _error(_("The selected file must start with a row of column names"), "no_header")
        if len(header) > max_columns:
            raise _error(_("The selected file has more than %(n)d columns") % {"n": max_columns}, "too_many_columns")
        names = _column_names(header)
        raw_rows: list[list[str]] = []
        truncated = False
        for record in reader:
            if not record:
                if len(names) > 1:
                    continue  # a blank line
                record = [""]  # in a file of one column, an empty value
            if len(record) != len(names):
                raise _error(
                    _("Row %(row)d has %(found)d values but there are %(expected)d column names")
                    % {"row": reader.line_num, "found": len(record), "expected": len(names)},
                    "ragged",
                )
            if len(raw_rows) >= max_rows:
                truncated = True
                continue
            raw_rows.append(record)
    except csv.Error as exc:
        raise _error(
            _("The selected file is not a valid CSV file (line %(line)d)") % {"line": reader.line_num}, "invalid_csv"
        ) from exc
    numeric = [
        all(_number(row[i]) is not None for row in raw_rows if row[i].strip())
        and any(row[i].strip() for row in raw_rows)
        for i in range(len(names))
    ]
    rows = [
        [None if not cell.strip() else (_number(cell) if numeric[i] else cell) for i, cell in enumerate(record)]
        for record in raw_rows
    ]
    columns = [{"id": name, "type": "numeric" if numeric[i] else "text"} for i, name in enumerate(names)]
    return Table(columns=columns, rows=rows, truncated=truncated)
