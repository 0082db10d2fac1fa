import pytest

from ecitizen.core.spreadsheets import spreadsheet_cell


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_that_starts_like_a_formula_is_shown_not_run(start):
    assert spreadsheet_cell(f"{start}HYPERLINK(1)") == f"'{start}HYPERLINK(1)"


def test_other_cells_are_text_as_they_are():
    assert spreadsheet_cell("Old Town") == "Old Town"
    assert spreadsheet_cell(12) == "12"
    assert spreadsheet_cell(None) == ""
    assert spreadsheet_cell("") == ""
