"""Demo open data: about thirty datasets of the three demo agencies, made through the datasets'
services by each agency's admin. Most have a small CSV file (so the preview shows a table); some
have a JSON or GeoJSON file or a link as well; a few stay drafts. Idempotent: a dataset is made
only if no dataset has its name yet. Call after the demo agencies and their admins exist.
"""

from __future__ import annotations

import datetime
import json
import random

from django.core.files.uploadedfile import SimpleUploadedFile

from ecitizen.accounts.models import User
from ecitizen.agencies.models import Agency
from ecitizen.records.datasets import services
from ecitizen.records.datasets.models import Dataset

ADMINS = {
    "city-council": "admin@council.example",
    "transport-agency": "admin@transport.example",
    "civil-registry": "admin@registry.example",
}
DISTRICTS = ["Northbridge", "Riverside", "Old Town", "Eastham", "Westford", "Hillcrest"]

# (agency slug, name, {language: title}, themes, frequency, licence, table kind or "")
DATASETS = [
    (
        "city-council",
        "bin-collections",
        {
            "en": "Bin collections by district",
            "es": "Recogida de basura por distrito",
            "fr": "Collecte des déchets par quartier",
            "ar": "جمع النفايات حسب الحي",
        },
        ["ENVI", "REGI"],
        "weekly",
        "CC-BY-4.0",
        "districts",
    ),
    (
        "city-council",
        "library-visits",
        {
            "en": "Library visits",
            "es": "Visitas a bibliotecas",
            "fr": "Visites des bibliothèques",
            "ar": "زيارات المكتبات",
        },
        ["EDUC"],
        "monthly",
        "CC-BY-4.0",
        "monthly",
    ),
    (
        "city-council",
        "council-spending",
        {
            "en": "Council spending over 500",
            "es": "Gastos del ayuntamiento de más de 500",
            "fr": "Dépenses de la mairie de plus de 500",
            "ar": "نفقات البلدية التي تزيد عن 500",
        },
        ["ECON", "GOVE"],
        "monthly",
        "OGL-UK-3.0",
        "spending",
    ),
    (
        "city-council",
        "parks-and-green-spaces",
        {
            "en": "Parks and green spaces",
            "es": "Parques y zonas verdes",
            "fr": "Parcs et espaces verts",
            "ar": "الحدائق والمساحات الخضراء",
        },
        ["ENVI"],
        "annual",
        "CC0-1.0",
        "geojson",
    ),
    (
        "city-council",
        "air-quality",
        {
            "en": "Air quality readings",
            "es": "Mediciones de la calidad del aire",
            "fr": "Mesures de la qualité de l'air",
            "ar": "قراءات جودة الهواء",
        },
        ["ENVI", "HEAL"],
        "daily",
        "CC-BY-4.0",
        "air",
    ),
    (
        "city-council",
        "planning-applications",
        {"en": "Planning applications"},
        ["REGI", "GOVE"],
        "weekly",
        "OGL-UK-3.0",
        "districts",
    ),
    (
        "city-council",
        "school-places",
        {"en": "School places by district"},
        ["EDUC", "SOCI"],
        "annual",
        "CC-BY-4.0",
        "districts",
    ),
    ("city-council", "street-lights", {"en": "Street lights"}, ["ENER", "REGI"], "quarterly", "CC0-1.0", "districts"),
    ("city-council", "recycling-rates", {"en": "Recycling rates"}, ["ENVI"], "monthly", "CC-BY-4.0", "monthly"),
    ("city-council", "public-toilets", {"en": "Public toilets"}, ["HEAL", "REGI"], "irregular", "ODbL-1.0", "geojson"),
    (
        "city-council",
        "council-meetings",
        {"en": "Council meetings and decisions"},
        ["GOVE"],
        "monthly",
        "CC-BY-4.0",
        "link",
    ),
    ("city-council", "housing-repairs", {"en": "Council housing repairs"}, ["SOCI"], "monthly", "CC-BY-4.0", "monthly"),
    (
        "transport-agency",
        "bus-stops",
        {"en": "Bus stops", "es": "Paradas de autobús", "fr": "Arrêts de bus", "ar": "محطات الحافلات"},
        ["TRAN"],
        "monthly",
        "CC-BY-4.0",
        "stops",
    ),
    (
        "transport-agency",
        "bus-punctuality",
        {
            "en": "Bus punctuality",
            "es": "Puntualidad de los autobuses",
            "fr": "Ponctualité des bus",
            "ar": "دقة مواعيد الحافلات",
        },
        ["TRAN"],
        "monthly",
        "CC-BY-4.0",
        "monthly",
    ),
    (
        "transport-agency",
        "road-works",
        {"en": "Road works", "es": "Obras en la vía pública", "fr": "Travaux de voirie", "ar": "أشغال الطرق"},
        ["TRAN", "REGI"],
        "daily",
        "OGL-UK-3.0",
        "districts",
    ),
    ("transport-agency", "cycle-counts", {"en": "Cycle counts"}, ["TRAN", "HEAL"], "daily", "CC0-1.0", "monthly"),
    ("transport-agency", "car-parks", {"en": "Car parks and spaces"}, ["TRAN"], "quarterly", "CC-BY-4.0", "districts"),
    (
        "transport-agency",
        "traffic-collisions",
        {"en": "Traffic collisions"},
        ["TRAN", "JUST"],
        "annual",
        "OGL-UK-3.0",
        "monthly",
    ),
    (
        "transport-agency",
        "ev-charging-points",
        {"en": "Electric vehicle charging points"},
        ["TRAN", "ENER"],
        "monthly",
        "ODbL-1.0",
        "geojson",
    ),
    ("transport-agency", "timetables", {"en": "Bus timetables (GTFS)"}, ["TRAN"], "weekly", "CC-BY-4.0", "link"),
    ("transport-agency", "ferry-passengers", {"en": "Ferry passengers"}, ["TRAN"], "monthly", "CC-BY-4.0", "monthly"),
    ("transport-agency", "road-network", {"en": "Road network"}, ["TRAN", "REGI"], "annual", "ODbL-1.0", "geojson"),
    (
        "civil-registry",
        "births-by-month",
        {"en": "Births by month", "es": "Nacimientos por mes", "fr": "Naissances par mois", "ar": "المواليد حسب الشهر"},
        ["SOCI"],
        "monthly",
        "CC-BY-4.0",
        "monthly",
    ),
    (
        "civil-registry",
        "marriages-by-month",
        {
            "en": "Marriages and civil partnerships",
            "es": "Matrimonios y uniones civiles",
            "fr": "Mariages et partenariats civils",
            "ar": "الزيجات والشراكات المدنية",
        },
        ["SOCI"],
        "monthly",
        "CC-BY-4.0",
        "monthly",
    ),
    (
        "civil-registry",
        "deaths-by-month",
        {"en": "Deaths by month"},
        ["SOCI", "HEAL"],
        "monthly",
        "CC-BY-4.0",
        "monthly",
    ),
    ("civil-registry", "popular-baby-names", {"en": "Popular baby names"}, ["SOCI"], "annual", "CC0-1.0", "names"),
    (
        "civil-registry",
        "population-by-district",
        {"en": "Population by district"},
        ["SOCI", "REGI"],
        "annual",
        "CC-BY-4.0",
        "districts",
    ),
    (
        "civil-registry",
        "certificate-requests",
        {"en": "Certificate requests"},
        ["GOVE"],
        "monthly",
        "OGL-UK-3.0",
        "monthly",
    ),
    ("civil-registry", "registry-offices", {"en": "Registry offices"}, ["GOVE"], "irregular", "CC-BY-4.0", "geojson"),
    (
        "civil-registry",
        "citizenship-ceremonies",
        {"en": "Citizenship ceremonies"},
        ["SOCI", "JUST"],
        "quarterly",
        "CC-BY-4.0",
        "monthly",
    ),
]
# These stay drafts, so that staff see the difference.
DRAFTS = {"housing-repairs", "road-network", "citizenship-ceremonies"}


def _table(kind: str, rng: random.Random) -> str:
    if kind == "districts":
        lines = ["district,count,change_percent"]
        lines += [f"{d},{rng.randint(20, 900)},{rng.uniform(-12, 12):.1f}" for d in DISTRICTS]
    elif kind == "monthly":
        lines = ["month,district,value"]
        for month in range(1, 13):
            for d in DISTRICTS[:3]:
                lines.append(f"2026-{month:02d},{d},{rng.randint(50, 5000)}")
    elif kind == "spending":
        suppliers = ["Green Roads Ltd", "City Print Co", "Northbridge Builders", "Clean Streets Ltd", "Data Works"]
        lines = ["date,supplier,department,amount"]
        lines += [
            f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d},{rng.choice(suppliers)},"
            f"{rng.choice(['Highways', 'Libraries', 'Housing', 'Parks'])},{rng.randint(500, 90000)}"
            for _ in range(60)
        ]
    elif kind == "air":
        lines = ["date,station,no2,pm10,pm25"]
        lines += [
            f"2026-11-{day:02d},{station},{rng.randint(8, 60)},{rng.randint(5, 40)},{rng.randint(2, 25)}"
            for day in range(1, 31)
            for station in ("Market Square", "Station Road")
        ]
    elif kind == "stops":
        lines = ["stop_id,name,district,latitude,longitude,shelter"]
        lines += [
            ",".join(
                (
                    f"S{n:03d}",
                    f"{rng.choice(['Market', 'Church', 'Mill', 'High'])} {rng.choice(['Street', 'Road'])} {n}",
                    rng.choice(DISTRICTS),
                    f"{51.5 + rng.uniform(-0.05, 0.05):.5f}",
                    f"{-0.12 + rng.uniform(-0.05, 0.05):.5f}",
                    rng.choice(["yes", "no"]),
                )
            )
            for n in range(1, 81)
        ]
    elif kind == "names":
        names = ["Amina", "Noah", "Lucía", "Omar", "Chloé", "Leo", "Maya", "Yusuf", "Ella", "Adam", "Sofia", "Ibrahim"]
        lines = ["rank,name,count"] + [f"{i},{name},{rng.randint(20, 200)}" for i, name in enumerate(names, start=1)]
    else:
        return ""
    return "\n".join(lines) + "\n"


def _geojson(rng: random.Random) -> bytes:
    features = [
        {
            "type": "Feature",
            "properties": {"name": f"{d} {n}", "district": d},
            "geometry": {
                "type": "Point",
                "coordinates": [-0.12 + rng.uniform(-0.05, 0.05), 51.5 + rng.uniform(-0.05, 0.05)],
            },
        }
        for n, d in enumerate(DISTRICTS, start=1)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def seed_datasets() -> list[str]:
    """Make the demo datasets that do not exist yet; a line saying how many for seed_demo's output."""
    rng = random.Random(16)  # noqa: S311 - demo data, the same on every run
    made = published = 0
    for slug, name, title, themes, frequency, licence, kind in DATASETS:
        if Dataset.objects.filter(name=name).exists():
            continue
        agency = Agency.objects.filter(slug=slug).first()
        admin = User.objects.filter(email=ADMINS[slug]).first()
        if agency is None or admin is None:
            continue
        data = {
            "name": name,
            "title": title,
            "description": {"en": f"{title['en']}, published by {agency.name}. Free to reuse under its licence."},
            "spatial": {"en": "The city and its districts"},
            "keywords": [w for w in name.split("-") if len(w) > 3][:4],
            "themes": themes,
            "licence": licence,
            "frequency": frequency,
            "temporal_start": datetime.date(2026, 1, 1),
            "temporal_end": datetime.date(2026, 12, 31),
        }
        dataset = services.dataset_create(actor=admin, agency=agency, data=data)
        table = _table(kind, rng)
        if table:
            upload = SimpleUploadedFile(f"{name}.csv", table.encode(), content_type="text/csv")
            services.resource_add(actor=admin, dataset=dataset, title=title["en"], format="CSV", upload=upload)
        if kind == "geojson":
            upload = SimpleUploadedFile(f"{name}.geojson", _geojson(rng), content_type="application/geo+json")
            services.resource_add(actor=admin, dataset=dataset, title=title["en"], format="GeoJSON", upload=upload)
        if kind == "link":
            services.resource_add(
                actor=admin,
                dataset=dataset,
                title=title["en"],
                format="JSON",
                url=f"https://data.example.org/{name}.json",
            )
        made += 1
        if name not in DRAFTS:
            dataset = services.dataset_publish(actor=admin, dataset=dataset)
            published += 1
        if name == "library-visits":
            # A second version, so that the history page has something to compare.
            data["description"] = {"en": data["description"]["en"] + " Figures now include the mobile library."}
            data["keywords"] = [*data["keywords"], "mobile library"]
            services.dataset_update(actor=admin, dataset=dataset, data=data)
    return [f"{made} datasets made, {published} of them published"]
