import pytest

from ecitizen.exchange.models import Address
from ecitizen.exchange.selectors import district_for_postcode, districts

pytestmark = pytest.mark.django_db


def _address(uprn, postcode, locality, lat, lng, active=True):
    return Address.objects.create(
        uprn=uprn,
        line=f"{uprn} High Street",
        street="High Street",
        number=uprn,
        locality=locality,
        town="Newbridge",
        postcode=postcode,
        latitude=lat,
        longitude=lng,
        is_active=active,
    )


def test_district_for_postcode_takes_the_district_most_addresses_are_in():
    _address("1", "NB1 1AA", "Old Town", 52.0, 0.0)
    _address("2", "NB1 1AA", "Old Town", 52.0, 0.0)
    _address("3", "NB1 1AA", "Riverside", 52.0, 0.0)
    _address("4", "NB1 1AA", "Riverside", 52.0, 0.0, active=False)
    _address("5", "NB1 1AA", "Riverside", 52.0, 0.0, active=False)
    assert district_for_postcode("nb11aa") == "Old Town"
    assert district_for_postcode("NB9 9ZZ") == ""
    assert district_for_postcode("") == ""


def test_districts_have_their_active_address_count_and_centre():
    _address("1", "NB1 1AA", "Old Town", 52.0, 0.0)
    _address("2", "NB1 1AB", "Old Town", 52.2, 0.2)
    _address("3", "NB2 1AA", "Riverside", 51.0, 1.0)
    _address("4", "NB2 1AA", "Hill", 51.0, 1.0, active=False)
    found = districts()
    assert [(d.name, d.addresses) for d in found] == [("Old Town", 2), ("Riverside", 1)]
    assert found[0].latitude == pytest.approx(52.1) and found[0].longitude == pytest.approx(0.1)


def _district_by_sql(postcode):
    from django.db import connection

    from ecitizen.exchange.selectors import district_for_postcode_sql

    sql, params = district_for_postcode_sql(postcode)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", params)
        return cursor.fetchone()[0]


def test_district_sql_agrees_with_the_queryset():
    _address("1", "NB1 1AA", "Old Town", 52.0, 0.0)
    _address("2", "NB1 1AA", "Old Town", 52.0, 0.0)
    _address("3", "NB1 1AA", "Riverside", 52.0, 0.0)
    _address("4", "NB1 1AA", "Riverside", 52.0, 0.0, active=False)
    _address("5", "NB1 1AA", "Riverside", 52.0, 0.0, active=False)
    _address("6", "NB2 2BB", "Westmead", 52.0, 0.0)  # a tie: the first name in order
    _address("7", "NB2 2BB", "Castle Hill", 52.0, 0.0)
    _address("8", "NB3 3CC", "", 52.0, 0.0)  # no district
    _address("9", "NB4 4DD", "Harbour", 52.0, 0.0, active=False)  # none active
    for postcode in ("nb11aa", "NB1 1AA", "NB2 2BB", "NB3 3CC", "NB4 4DD", "NB9 9ZZ", "", "  "):
        assert _district_by_sql(postcode) == district_for_postcode(postcode), postcode
    assert _district_by_sql("NB2 2BB") == "Castle Hill"
