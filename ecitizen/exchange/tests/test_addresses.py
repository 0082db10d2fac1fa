"""The address register: search, nearest address, the loader and the Northbridge demo data."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.exchange.demo_addresses import DISTRICTS, LATITUDE_RANGE, LONGITUDE_RANGE, demo_address_rows
from ecitizen.exchange.models import Address
from ecitizen.exchange.selectors import address_get, address_nearest, address_search, distance_m
from ecitizen.exchange.services import address_register_load

pytestmark = pytest.mark.django_db


def row(uprn, number, street, postcode, lat=52.03, lng=0.01, locality="Old Town", **extra):
    return {
        "uprn": uprn,
        "line": f"{number} {street}, {locality}, Northbridge {postcode}",
        "street": street,
        "number": number,
        "locality": locality,
        "town": "Northbridge",
        "postcode": postcode,
        "latitude": lat,
        "longitude": lng,
        **extra,
    }


@pytest.fixture
def register():
    address_register_load(
        actor=None,
        rows=[
            row("1", "12", "Mill Lane", "NB1 2AB"),
            row("2", "14", "Mill Lane", "NB1 2AB"),
            row("3", "120", "Millbrook Road", "NB4 1AA", locality="Millbrook"),
            row("4", "3", "Church Street", "NB1 3AD"),
            row("5", "7", "Rue de l'Église", "NB2 9ZZ", locality="Riverside"),
            row("6", "1", "St Mary's Close", "NB1 5QQ"),
            row("7", "9", "Mill Lane", "NB1 2AB", is_active=False),
        ],
    )


def uprns(addresses):
    return [a.uprn for a in addresses]


def test_search_by_street_fragment_matches_word_beginnings(register):
    assert uprns(address_search("mill lane")) == ["1", "2"]  # the retired 9 Mill Lane is left out
    assert uprns(address_search("12 Mill")) == ["1", "3"]  # "12 Mill Lane" and "120 Millbrook Road"
    assert uprns(address_search("MILLB")) == ["3"]
    assert address_search("ill lane") == []  # words match from their beginning only


@pytest.mark.parametrize("query", ["NB1 2AB", "nb12ab", "  nb1   2ab ", "Nb1-2aB", "nb 12ab"])
def test_search_by_postcode_with_or_without_spaces_in_any_case(register, query):
    assert uprns(address_search(query)) == ["1", "2"]


def test_exact_postcode_comes_before_other_matches(register):
    Address.objects.create(
        uprn="8",
        line="1 Nb12ab Court, Old Town, Northbridge NB1 7AA",
        street="Nb12ab Court",
        town="Northbridge",
        postcode="NB1 7AA",
        latitude=52.03,
        longitude=0.01,
    )
    assert uprns(address_search("NB12AB")) == ["1", "2", "8"]
    assert uprns(address_search("NB12AB", limit=2)) == ["1", "2"]


def test_search_ignores_accents_apostrophes_and_punctuation(register):
    assert uprns(address_search("rue de l eglise")) == []  # "l'Église" is one word, "leglise"
    assert uprns(address_search("Rue de l’église")) == ["5"]
    assert uprns(address_search("RUE, DE  LEGLISE!")) == ["5"]
    assert uprns(address_search("st marys")) == ["6"]
    assert uprns(address_search("St. Mary's Cl.")) == ["6"]


@pytest.mark.parametrize("query", ["", "  ", "12", "a!", "zzqx nowhere", "mill lane xyzzy", "%%%_"])
def test_nothing_for_short_or_nonsense_queries(register, query):
    assert address_search(query) == []


def test_limit_is_respected_and_long_queries_are_cut(register):
    assert len(address_search("northbridge")) == 6
    assert uprns(address_search("northbridge", limit=2)) == ["4", "1"]  # by street: Church Street, Mill Lane
    assert address_search("northbridge", limit=0) == []
    assert uprns(address_search("mill lane" + " " * 300 + "xyzzy")) == ["1", "2"]  # only 200 characters count


def test_address_get_by_uprn(register):
    assert address_get("4").line == "3 Church Street, Old Town, Northbridge NB1 3AD"
    assert address_get(" 4 ").uprn == "4"
    assert address_get("7") is None
    assert address_get("7", include_inactive=True).uprn == "7"
    assert address_get("404") is None and address_get("") is None


def test_nearest_address_within_200_metres():
    address_register_load(
        actor=None,
        rows=[
            row("a", "1", "Market Square", "NB1 1AA", lat=52.0300, lng=0.0100),
            row("b", "2", "Market Square", "NB1 1AA", lat=52.0310, lng=0.0100),  # 111 m north
            row("c", "3", "Market Square", "NB1 1AA", lat=52.0301, lng=0.0100, is_active=False),
        ],
    )
    assert address_nearest(52.0300, 0.0100).uprn == "a"
    assert address_nearest(52.0304, 0.0100).uprn == "a"
    assert address_nearest(52.0306, 0.0100).uprn == "b"
    assert address_nearest(52.0322, 0.0100).uprn == "b"  # 133 m from b
    assert address_nearest(52.0330, 0.0100) is None  # 222 m from b
    assert address_nearest(52.0300, 0.0130) is None  # 205 m east of a
    assert address_nearest(52.0300, 0.0128).uprn == "a"  # 192 m east of a
    assert address_nearest(52.0300, 0.0100, within_m=0).uprn == "a"
    assert address_nearest(91, 0) is None and address_nearest(0, 181) is None
    assert address_nearest(float("nan"), 0) is None and address_nearest("x", 0) is None


def test_nearest_address_across_the_antimeridian():
    address_register_load(actor=None, rows=[row("e", "1", "Date Line", "ZZ1 1AA", lat=0.0, lng=179.9995)])
    assert address_nearest(0.0, -179.9995).uprn == "e"  # 111 m away, on the other side of ±180°
    assert round(distance_m(0.0, 179.9995, 0.0, -179.9995)) == 111


def test_loader_upserts_by_uprn_with_one_audit_row():
    assert address_register_load(actor=None, rows=[row("1", "12", "Mill Lane", "NB1 2AB")]) == 1
    changed = row("1", "12A", "Mill Lane", "nb1 2ab")
    assert address_register_load(actor=None, rows=[changed, row("2", "14", "Mill Lane", "NB1 2AB")]) == 2
    assert address_register_load(actor=None, rows=[changed, row("2", "14", "Mill Lane", "NB1 2AB")]) == 0

    address = Address.objects.get(uprn="1")
    assert (address.number, address.postcode, address.postcode_key) == ("12A", "nb1 2ab", "NB12AB")
    assert address.search_text == " 12a mill lane old town northbridge nb1 2ab nb12ab"
    assert Address.objects.count() == 2
    logs = AuditLog.objects.filter(action=AuditAction.ADDRESS_REGISTER_LOADED).order_by("id")
    assert [log.extra for log in logs] == [
        {"rows": 1, "created": 1, "updated": 0},
        {"rows": 2, "created": 1, "updated": 1},
    ]
    assert logs[0].get_action_display() == "Address register loaded"


def test_loader_accepts_csv_style_text_values():
    load = row("1", "12", "Mill Lane", "NB1 2AB", lat=" 52.03 ", lng="0.01", is_active="no")
    address_register_load(actor=None, rows=[load | {"locality": None}])
    address = Address.objects.get(uprn="1")
    assert (address.latitude, address.longitude, address.is_active, address.locality) == (52.03, 0.01, False, "")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"latitude": 90.5}, "Row 2: the latitude must be a number from -90 to 90."),
        ({"latitude": "north"}, "Row 2: the latitude must be a number from -90 to 90."),
        ({"latitude": "nan"}, "Row 2: the latitude must be a number from -90 to 90."),
        ({"longitude": -180.01}, "Row 2: the longitude must be a number from -180 to 180."),
        ({"longitude": ""}, "Row 2: the longitude is missing."),
        ({"line": "  "}, "Row 2: the address is missing."),
        ({"uprn": None}, "Row 2: the unique property reference is missing."),
        ({"uprn": "12 34"}, "Row 2: the unique property reference may only have letters, digits and hyphens."),
        ({"uprn": "1" * 21}, "Row 2: the unique property reference is longer than 20 characters."),
        ({"postcode": "--"}, "Row 2: the postcode has no letters or digits."),
        ({"is_active": "maybe"}, "Row 2: “in use” must be yes or no."),
        ({"uprn": "1"}, "Row 2: unique property reference 1 is also in row 1."),
    ],
)
def test_loader_rejects_bad_rows_and_saves_nothing(changes, message):
    rows = [row("1", "12", "Mill Lane", "NB1 2AB"), row("2", "14", "Mill Lane", "NB1 2AB") | changes]
    with pytest.raises(ValidationError) as raised:
        address_register_load(actor=None, rows=rows)
    assert raised.value.messages == [message]
    assert not Address.objects.exists()
    assert not AuditLog.objects.filter(action=AuditAction.ADDRESS_REGISTER_LOADED).exists()


def test_loader_lists_every_problem_and_keeps_the_register_as_it_was():
    address_register_load(actor=None, rows=[row("1", "12", "Mill Lane", "NB1 2AB")])
    rows = [row("1", "99", "Mill Lane", "NB1 2AB"), "not a row", row("3", "1", "X Road", "NB1 1AA", lat=None)]
    with pytest.raises(ValidationError) as raised:
        address_register_load(actor=None, rows=rows)
    assert raised.value.messages == ["Row 2 is not a set of named fields.", "Row 3: the latitude is missing."]
    assert Address.objects.get().number == "12"


def test_address_register_load_command_reads_csv(tmp_path):
    good = tmp_path / "addresses.csv"
    good.write_text(
        "\ufeffuprn,line,street,number,locality,town,postcode,latitude,longitude\n"
        '1,"12 Mill Lane, Old Town, Northbridge NB1 2AB",Mill Lane,12,Old Town,Northbridge,NB1 2AB,52.03,0.01\n',
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("address_register_load", str(good), stdout=out)
    assert "1 addresses added or changed" in out.getvalue()
    assert address_get("1").street == "Mill Lane"

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "uprn,line,street,number,locality,town,postcode,latitude,longitude\n"
        "2,14 Mill Lane,Mill Lane,14,Old Town,Northbridge,NB1 2AB,52.03,0.01\n"
        "3,16 Mill Lane,Mill Lane,16,Old Town,Northbridge,NB1 2AB,95,0.01\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="Row 2: the latitude must be a number from -90 to 90"):
        call_command("address_register_load", str(bad))
    assert Address.objects.count() == 1

    no_coordinates = tmp_path / "short.csv"
    no_coordinates.write_text("uprn,line,street,town,postcode\n", encoding="utf-8")
    with pytest.raises(CommandError, match="no column latitude, longitude"):
        call_command("address_register_load", str(no_coordinates))
    with pytest.raises(CommandError, match=r"missing\.csv"):
        call_command("address_register_load", str(tmp_path / "missing.csv"))


def test_demo_rows_fall_inside_their_districts_and_are_unique():
    rows = demo_address_rows()
    assert 550 <= len(rows) <= 650
    assert rows == demo_address_rows()  # the same every time
    assert len({r["uprn"] for r in rows}) == len(rows)
    assert len({r["line"] for r in rows}) == len(rows)
    districts = {d.name: d for d in DISTRICTS}
    assert list(districts) == ["Old Town", "Riverside", "Hillcrest", "Millbrook", "Eastgate", "Southfield"]
    for r in rows:
        district = districts[r["locality"]]
        assert district.contains(r["latitude"], r["longitude"]), r
        assert LATITUDE_RANGE[0] <= r["latitude"] <= LATITUDE_RANGE[1]
        assert LONGITUDE_RANGE[0] <= r["longitude"] <= LONGITUDE_RANGE[1]
        assert r["postcode"].startswith(f"NB{district.number} ")
    counts = {name: sum(r["locality"] == name for r in rows) for name in districts}
    assert all(80 <= n <= 120 for n in counts.values()), counts
    assert (districts["Old Town"].north, districts["Old Town"].west) == (52.04, 0.0)
    assert (districts["Southfield"].south, districts["Southfield"].east) == (52.0, 0.06)


def test_seed_addresses_is_idempotent_and_searchable():
    out = io.StringIO()
    call_command("seed_addresses", stdout=out)
    total = len(demo_address_rows())
    assert f"{total} of {total} Northbridge demo addresses" in out.getvalue()
    assert Address.objects.count() == total

    again = io.StringIO()
    call_command("seed_addresses", stdout=again)
    assert f"0 of {total}" in again.getvalue()
    assert Address.objects.count() == total
    assert AuditLog.objects.filter(action=AuditAction.ADDRESS_REGISTER_LOADED).count() == 1

    town_hall = address_nearest(52.030, 0.010)
    assert town_hall.line == "Town Hall, 1 Market Square, Old Town, Northbridge NB1 1AA"
    assert address_search("town hall") == [town_hall]
    station = "Northbridge Station, 1 Station Road, Riverside, Northbridge NB2 2BA"
    assert station in [a.line for a in address_search("Northbridge Station")]
    mill_lane = address_search("mill lane old town")
    assert len(mill_lane) == 10 and {a.street for a in mill_lane} == {"Mill Lane"}
    assert {a.postcode for a in address_search("nb1 3da", limit=50)} == {"NB1 3DA"}
