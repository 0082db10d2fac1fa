"""Address search ranks the street asked for first, sorts house numbers naturally and pages the rest."""

from __future__ import annotations

import pytest

from ecitizen.exchange.models import Address, house_number_key
from ecitizen.exchange.selectors import address_search, address_search_find, address_search_page
from ecitizen.exchange.services import address_register_load

pytestmark = pytest.mark.django_db


def _row(uprn, number, street, postcode="NB1 2AB", town="Northbridge", **extra):
    return {
        "uprn": uprn,
        "line": f"{number} {street}, {town} {postcode}".strip(),
        "street": street,
        "number": number,
        "town": town,
        "postcode": postcode,
        "latitude": 52.03,
        "longitude": 0.01,
        **extra,
    }


@pytest.fixture
def mill_lane():
    """37 houses on Mill Lane (1-35, 10A and a named house), and streets that also say "mill" or "lane"."""
    numbers = [str(n) for n in range(1, 36)] + ["10A", "Rose Cottage"]
    rows = [_row(f"ML{i:02}", number, "Mill Lane") for i, number in enumerate(numbers)]
    rows += [
        _row("C1", "2", "Mill Lane Close", postcode="NB1 4CC"),
        _row("B1", "5", "Millbrook Road", postcode="NB4 1AA"),
        _row("O1", "1", "Old Mill Lane", postcode="NB3 1ZZ"),
        _row("W1", "4", "Watermill Lane", postcode="NB3 2ZZ"),
    ]
    address_register_load(actor=None, rows=list(reversed(rows)))  # stored order must not matter


@pytest.mark.parametrize(
    ("number", "key"),
    [("12", (12, "")), ("10A", (10, "a")), ("10 a", (10, "")), ("Town Hall, 1", (1, "")), ("Rose Cottage", (None, ""))],
)
def test_house_number_keys(number, key):
    assert house_number_key(number) == key


def test_the_exact_street_comes_first_in_natural_house_number_order(mill_lane):
    page = address_search_page("Mill Lane")
    assert [a.number for a in page.items] == ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]
    assert (page.start, page.end, page.total, page.pages) == (1, 10, 39, 4)

    second = address_search_page("Mill Lane", page=2)
    assert [a.number for a in second.items] == ["10A", "11", "12", "13", "14", "15", "16", "17", "18", "19"]
    assert (second.start, second.end, second.has_previous, second.has_next) == (11, 20, True, True)


def test_then_streets_that_begin_with_it_then_the_rest(mill_lane):
    last = address_search_page("Mill Lane", page=4)
    streets = [a.street for a in last.items]
    assert streets[-3:] == ["Mill Lane", "Mill Lane Close", "Old Mill Lane"]
    assert [a.number for a in last.items][-3] == "Rose Cottage"  # named houses after the numbers
    assert "Watermill Lane" not in streets and "Millbrook Road" not in streets  # words begin with "mill"
    assert (last.start, last.end, last.has_next) == (31, 39, False)


def test_a_house_number_in_the_query_comes_first(mill_lane):
    found = [(a.number, a.street) for a in address_search("1 Mill Lane", limit=50)]
    # "1" begins 1, 10, 10A and 11-19: the house asked for first, then the rest of the street, then others.
    assert found[0] == ("1", "Mill Lane")
    assert [number for number, _street in found[1:12]] == ["10", "10A", *[str(n) for n in range(11, 20)]]
    assert found[-1] == ("1", "Old Mill Lane")


def test_a_prefix_of_a_street_ranks_that_street_before_others(mill_lane):
    assert [a.street for a in address_search("millb")] == ["Millbrook Road"]
    first = address_search("mill", limit=50)
    assert first[0].street == "Mill Lane" and first[-1].street == "Old Mill Lane"


def test_pages_out_of_range_or_nonsense_give_the_nearest_page(mill_lane):
    assert address_search_page("Mill Lane", page=99).number == 4
    assert address_search_page("Mill Lane", page="x").number == 1
    assert address_search_page("Mill Lane", page=-3).number == 1
    empty = address_search_page("zz")
    assert (empty.items, empty.total, empty.start, empty.end, empty.pages) == ([], 0, 0, 0, 1)


def test_an_address_is_found_on_any_page_of_its_search(mill_lane):
    assert address_search_find("Mill Lane", "ML30").number == "31"
    assert address_search_find("Mill Lane", "W1") is None  # Watermill Lane does not match
    assert address_search_find("zz", "ML30") is None


def test_saving_keeps_the_keys_current(mill_lane):
    address = Address.objects.get(uprn="ML00")
    address.number = "7B"
    address.street = "Mill  Lane!"
    address.save(update_fields=["number", "street"])
    address.refresh_from_db()
    assert (address.street_key, address.number_value, address.number_suffix) == ("mill lane", 7, "b")
