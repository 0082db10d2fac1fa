from __future__ import annotations

import pytest

from ecitizen.core.addresses import address_complete, address_missing_parts, normalise_postcode, postcode_looks_valid


@pytest.mark.parametrize("postcode", ["RV1 4AB", "rv1 4ab", "SW1A 1AA", "75001", "12345-6789", "D02 X285", "K1A 0B1"])
def test_postcodes_of_several_countries_look_valid(postcode):
    assert postcode_looks_valid(postcode)


@pytest.mark.parametrize("postcode", ["", "!!", "AB", "Riverton", "ABCDEFGHIJK1", "-RV1"])
def test_things_that_are_not_postcodes(postcode):
    assert not postcode_looks_valid(postcode)


def test_a_town_alone_is_not_a_complete_address():
    assert not address_complete({"town": "Riverton"})
    assert address_missing_parts({"town": "Riverton"}) == ["line1", "postcode"]
    assert address_missing_parts({"line1": "1 High St", "town": "Riverton", "postcode": "??"}) == ["postcode"]
    assert address_complete({"line1": "1 High St", "town": "Riverton", "postcode": "RV1 4AB"})
    assert not address_complete("1 High St, Riverton")


def test_postcodes_are_tidied():
    assert normalise_postcode("  rv1   4ab ") == "RV1 4AB"
