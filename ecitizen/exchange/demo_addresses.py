"""The demo address register: about 600 made-up addresses in the fictional city of Northbridge.

Northbridge fills the box latitude 52.000–52.040, longitude 0.000–0.060,
cut into six districts of 0.020° × 0.020°, three across and two down::

    north (52.020–52.040):  Old Town   | Riverside | Hillcrest
    south (52.000–52.020):  Millbrook  | Eastgate  | Southfield
                            0.000–0.020  0.020–0.040  0.040–0.060

District *n* (1–6, in that order) has postcodes ``NBn …``. Each has eight
streets: the first is a square around the district's centre, then four
running west–east and three south–north, with houses on both sides (odd
numbers on one side, even on the other). A few landmarks (the Town Hall at
52.030, 0.010, the station, the hospital…) are among them. The same rows
come out every time, so the seed is idempotent and tests can rely on them.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

TOWN = "Northbridge"
LATITUDE_RANGE = (52.000, 52.040)
LONGITUDE_RANGE = (0.000, 0.060)
SEED = 2026


@dataclass(frozen=True)
class District:
    number: int
    name: str
    south: float
    north: float
    west: float
    east: float
    streets: tuple[str, ...]

    @property
    def outcode(self) -> str:
        return f"NB{self.number}"

    def contains(self, latitude: float, longitude: float) -> bool:
        return self.south <= latitude <= self.north and self.west <= longitude <= self.east


def _district(number: int, name: str, row: int, column: int, streets: tuple[str, ...]) -> District:
    south = 52.020 if row == 0 else 52.000
    west = 0.020 * column
    return District(number, name, south, round(south + 0.020, 3), round(west, 3), round(west + 0.020, 3), streets)


DISTRICTS = (
    _district(
        1,
        "Old Town",
        0,
        0,
        (
            "Market Square",
            "Church Street",
            "Mill Lane",
            "High Street",
            "Castle Hill",
            "Abbey Road",
            "Bridge Street",
            "Cooper's Row",
        ),
    ),
    _district(
        2,
        "Riverside",
        0,
        1,
        (
            "Wharf Square",
            "Station Road",
            "Riverside Walk",
            "Ferry Lane",
            "Willow Close",
            "Boatyard Street",
            "Heron Way",
            "Canal Terrace",
        ),
    ),
    _district(
        3,
        "Hillcrest",
        0,
        2,
        (
            "Beacon Square",
            "Summit Avenue",
            "Windmill Hill",
            "Orchard Rise",
            "Oakwood Drive",
            "Hospital Road",
            "Larkspur Crescent",
            "Chestnut Grove",
        ),
    ),
    _district(
        4,
        "Millbrook",
        1,
        0,
        (
            "Brook Green",
            "School Lane",
            "Meadow Road",
            "Weaver's Way",
            "Foundry Street",
            "Kingfisher Close",
            "Elm Park",
            "Tannery Lane",
        ),
    ),
    _district(
        5,
        "Eastgate",
        1,
        1,
        (
            "Gate Square",
            "Eastgate Parade",
            "Victoria Road",
            "Albert Street",
            "Coronation Avenue",
            "Leisure Way",
            "Copper Beech Road",
            "Saxon Street",
        ),
    ),
    _district(
        6,
        "Southfield",
        1,
        2,
        (
            "Harvest Square",
            "Field Lane",
            "Barley Close",
            "Southfield Road",
            "Recycling Way",
            "Hawthorn Avenue",
            "Primrose Lane",
            "Cedar Drive",
        ),
    ),
)

# district, street, house number, name, latitude, longitude (None: where the generator puts that number)
LANDMARKS = (
    (1, "Market Square", "1", "Town Hall", 52.0300, 0.0100),
    (1, "Church Street", "2", "St Mary's Church", None, None),
    (1, "High Street", "3", "Northbridge Central Library", None, None),
    (2, "Station Road", "1", "Northbridge Station", None, None),
    (2, "Wharf Square", "1", "Riverside Bus Station", None, None),
    (3, "Hospital Road", "1", "Northbridge General Hospital", None, None),
    (4, "School Lane", "2", "Millbrook Primary School", None, None),
    (5, "Leisure Way", "1", "Eastgate Leisure Centre", None, None),
    (5, "Eastgate Parade", "2", "Police Station", None, None),
    (6, "Recycling Way", "1", "Southfield Recycling Centre", None, None),
)

# Letters UK postcodes use in the last two places.
_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_HOUSES_PER_POSTCODE = 8


def _postcode(district: District, street_index: int, house_index: int) -> str:
    unit = _UNIT_LETTERS[street_index % len(_UNIT_LETTERS)] + _UNIT_LETTERS[house_index // _HOUSES_PER_POSTCODE]
    return f"{district.outcode} {street_index + 1}{unit}"


def _uprn(district: District, street_index: int, house_number: int) -> str:
    return f"10{district.number:02d}{street_index + 1:02d}{house_number:04d}"


def _positions(district: District, street_index: int, houses: int, rng: random.Random) -> list[tuple[float, float]]:
    """Where each house of a street stands, in house-number order."""
    height, width = district.north - district.south, district.east - district.west
    centre_lat, centre_lng = district.south + height / 2, district.west + width / 2
    jitter = 0.00012
    points = []
    for i in range(houses):
        if street_index == 0:  # a square: houses on a ring round the centre
            angle = 2 * math.pi * (i + 1) / (houses + 1)
            lat, lng = centre_lat + 0.0008 * math.sin(angle), centre_lng + 0.0012 * math.cos(angle)
        else:
            along = 0.08 + 0.84 * (i // 2) / max(1, (houses - 1) // 2)
            side = 0.0002 if i % 2 == 0 else -0.0002  # odd numbers on one side, even on the other
            if street_index <= 4:  # west–east
                lat = district.south + height * (0.12 + 0.19 * (street_index - 1)) + side
                if street_index >= 3:
                    lat += height * 0.19  # keep clear of the square
                lng = district.west + width * along
            else:  # south–north
                lat = district.south + height * along
                lng = district.west + width * (0.2, 0.38, 0.8)[street_index - 5] + side
        points.append((lat + rng.uniform(-jitter, jitter), lng + rng.uniform(-jitter, jitter)))
    return points


def demo_address_rows() -> list[dict[str, object]]:
    """The demo register as loader rows (see ``services.address_register_load``), in UPRN order."""
    rng = random.Random(SEED)  # noqa: S311 -- made-up places, not security
    landmarks = {(d, street, number): (name, lat, lng) for d, street, number, name, lat, lng in LANDMARKS}
    rows: list[dict[str, object]] = []
    for district in DISTRICTS:
        for street_index, street in enumerate(district.streets):
            houses = rng.randint(10, 15)
            for house_index, (lat, lng) in enumerate(_positions(district, street_index, houses, rng)):
                number = str(house_index + 1)
                postcode = _postcode(district, street_index, house_index)
                name, fixed_lat, fixed_lng = landmarks.get((district.number, street, number), ("", None, None))
                if fixed_lat is not None:
                    lat, lng = fixed_lat, fixed_lng
                place = f"{name}, {number} {street}" if name else f"{number} {street}"
                rows.append(
                    {
                        "uprn": _uprn(district, street_index, house_index + 1),
                        "line": f"{place}, {district.name}, {TOWN} {postcode}",
                        "street": street,
                        "number": f"{name}, {number}" if name else number,
                        "locality": district.name,
                        "town": TOWN,
                        "postcode": postcode,
                        "latitude": round(lat, 6),
                        "longitude": round(lng, 6),
                        "is_active": True,
                    }
                )
    return rows
