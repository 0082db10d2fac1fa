"""Reading resource files: what is accepted, what is refused, and how rows come out."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from ecitizen.records.datasets import datastore
from ecitizen.records.datasets.tests.conftest import csv_file


def _error(fn, *args) -> str:
    with pytest.raises(ValidationError) as exc:
        fn(*args)
    return exc.value.message_dict["file"][0]


def test_numbers_are_numbers_only_when_the_whole_column_is():
    table = datastore.parse_csv(b"id,code,price\n1,007,1.50\n2,A12,-3\n10,,2e3\n")
    assert [c["type"] for c in table.columns] == ["numeric", "text", "numeric"]
    assert table.rows[0] == [1, "007", 1.5]
    assert table.rows[2] == [10, None, 2000.0]


def test_header_names_are_made_unique_and_blank_ones_named():
    table = datastore.parse_csv(b"a, a ,,a\n1,2,3,4\n")
    assert [c["id"] for c in table.columns] == ["a", "a_2", "column_3", "a_3"]


def test_a_byte_order_mark_and_quoted_newlines_are_read():
    table = datastore.parse_csv('\ufeffname,note\n"Ann","two\nlines"\n'.encode())
    assert table.rows == [["Ann", "two\nlines"]]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ("naïve,b\n1,2\n".encode("latin-1"), "UTF-8"),
        (b"", "empty"),
        (b"a,b\n1,2,3\n", "Row 2 has 3 values"),
        (b'a,b\n"1,2\n', "not a valid CSV"),
        (b"\n", "column names"),
    ],
)
def test_malformed_csv_files_are_refused(data, words):
    upload = SimpleUploadedFile("x.csv", data, content_type="text/csv")
    assert words in _error(datastore.check_file, upload, "CSV")


def test_too_many_rows_are_cut_at_the_setting(settings):
    settings.DATASETS_DATASTORE_MAX_ROWS = 3
    table = datastore.parse_csv(b"n\n1\n2\n3\n4\n5\n")
    assert len(table.rows) == 3 and table.truncated


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.DATASETS_MAX_UPLOAD_BYTES = 10
    assert "smaller than" in _error(datastore.check_file, csv_file("a,b\n1,2\n3,4\n"), "CSV")


def test_formats_are_checked_by_content():
    assert "JSON" in _error(datastore.check_file, csv_file("{oops", "a.json"), "JSON")
    assert "GeoJSON" in _error(datastore.check_file, csv_file('{"a": 1}', "a.geojson"), "GeoJSON")
    assert "PDF" in _error(datastore.check_file, csv_file("hello", "a.pdf"), "PDF")
    assert "XLSX" in _error(datastore.check_file, csv_file("PK\x03\x04 nope", "a.xlsx"), "XLSX")
    assert datastore.check_file(csv_file('{"type": "FeatureCollection", "features": []}'), "GeoJSON").table is None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    upload = csv_file("", "book.xlsx")
    upload.file = io.BytesIO(buffer.getvalue())
    upload.size = len(buffer.getvalue())
    assert datastore.check_file(upload, "XLSX").format == "XLSX"


def test_what_only_looks_like_a_number_stays_text():
    table = datastore.parse_csv("big,code,plus,script\n1e400,007,+5,١٢\n2,12,6,3\n".encode())
    assert [c["type"] for c in table.columns] == ["text", "text", "text", "text"]
    assert table.rows[0] == ["1e400", "007", "+5", "١٢"]


def test_a_file_of_one_column_keeps_its_empty_values():
    table = datastore.parse_csv(b"name\nAda\n\nGrace\n")
    assert table.rows == [["Ada"], [None], ["Grace"]]


def test_a_long_cell_is_read():
    table = datastore.parse_csv(b"id,text\n1," + b"x" * 200_000 + b"\n")
    assert len(table.rows[0][1]) == 200_000
