"""Load many problem reports, for benchmarks: ``manage.py seed_report_volume 1000000``.

The sibling of ``seed_volume`` (which loads applications). Needs the areas and
categories of ``seed_reports`` (or any others): reports are spread over the
active areas' bounding box, with a few (``--outside``, 3 % by default) in a
margin around it, outside every area, as if made before the areas were last
redrawn. Each report is routed as the website would route it (the smallest
area holding the point whose agency handles the category; a report outside
every area goes to the agency of the largest area, with no area) and linked to
every area that holds it (``ReportArea``), so district filters find it.

Reports are dated over the last two years, in the order of their numbers, as
real ones are. Statuses follow age: a third of the last four months' reports
are still open (open, investigating, scheduled, in progress), hardly any older
one is; closed ones are mostly fixed, then closed not fixed, not our
responsibility and duplicates. Every closed report has its public status
update from the agency; ``--photos`` of them (10 % by default) have one photo
row (the file itself is not written: the photo view answers 404 for it). A few
are hidden by a moderator or waiting for their email to be confirmed.

Rows are written in batches of ``--batch`` (50,000) with COPY on PostgreSQL
and ``executemany`` on SQLite, with no audit rows (this is load, not
behaviour), then the tables are analysed. The same ``--seed``, count and database
give the same reports.
"""

from __future__ import annotations

import datetime
import json
import random
import time
import uuid
from dataclasses import dataclass

import numpy as np
import shapely
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from ecitizen.reports import geo
from ecitizen.reports.models import (
    OPEN_STATUSES,
    Area,
    Category,
    Report,
    ReportArea,
    ReportPhoto,
    ReportUpdate,
    Status,
    UpdateKind,
)

DAYS = 730  # two years
RECENT_DAYS = 120  # younger reports are often still open
CODE_WEIGHTS = {"pothole": 40, "streetlight": 25, "flytipping": 20, "graffiti": 15}
ANSWERS = {
    "pothole": [{"depth": "deep"}, {"depth": "shallow"}],
    "streetlight": [{"lamp_post": "NB-114"}, {"lamp_post": "NB-207"}],
    "flytipping": [{"what": "household"}, {"what": "building"}, {"what": "garden"}],
    "graffiti": [{"offensive": "no"}, {"offensive": "yes"}],
}
NOTES = {
    Status.INVESTIGATING: "We are looking into this and will update the report soon.",
    Status.ACTION_SCHEDULED: "We have scheduled a repair.",
    Status.IN_PROGRESS: "Our team is on site.",
    Status.FIXED: "This has been repaired. Thank you for reporting it.",
    Status.CLOSED_NOT_FIXED: "We cannot repair this for now; we will inspect it again.",
    Status.NOT_RESPONSIBLE: "This is not ours to repair: we have passed it on.",
    Status.DUPLICATE: "This is already reported: please follow the original report.",
}
VOLUME_EMAIL_PREFIX = "volume-reporter-"  # how volume_reports() tells these reports from real ones
OPEN_KINDS = [Status.OPEN, Status.OPEN, Status.INVESTIGATING, Status.ACTION_SCHEDULED, Status.IN_PROGRESS]


@dataclass
class Place:
    area: Area
    shapes: list


def volume_reports() -> models.QuerySet[Report]:
    """The reports this command loaded (benchmarks count them to load only what is missing)."""
    return Report.objects.filter(reporter_email__startswith=VOLUME_EMAIL_PREFIX)


def shapes_of(area: Area) -> list:
    """The area's polygons as Shapely shapes, for point tests on whole arrays at once."""
    shapes = [shapely.Polygon(polygon[0], polygon[1:]) for polygon in geo.from_geojson(area.geometry)]
    shapely.prepare(shapes)
    return shapes


class Command(BaseCommand):
    help = "Bulk-load problem reports for benchmarks (needs seed_reports' areas and categories)."

    def add_arguments(self, parser):
        parser.add_argument("count", type=int)
        parser.add_argument("--batch", type=int, default=50_000, help="rows per insert (default 50000)")
        parser.add_argument("--outside", type=float, default=0.03, help="share outside every area (default 0.03)")
        parser.add_argument("--photos", type=float, default=0.10, help="share with a photo row (default 0.10)")
        parser.add_argument("--seed", type=int, default=11)

    def handle(self, *args, count, batch, outside, photos, seed, **options):
        if count < 0 or batch < 1 or not (0 <= outside <= 1 and 0 <= photos <= 1):
            raise CommandError("count >= 0, --batch >= 1, --outside and --photos between 0 and 1.")
        places = [
            Place(area, shapes_of(area))
            for area in Area.objects.filter(is_active=True).select_related("agency").order_by("size", "pk")
        ]
        categories = {(c.agency_id, c.code): c for c in Category.objects.filter(is_active=True).order_by("pk")}
        agency_places = [p for p in places if p.area.agency_id is not None]
        if not agency_places or not categories:
            raise CommandError("No active area with an agency, or no active category: run seed_reports first.")
        started = time.monotonic()
        writer = Writer(seed=seed, places=places, categories=categories, outside=outside, photos=photos, total=count)
        made = 0
        while made < count:
            n = min(batch, count - made)
            writer.write(n)
            made += n
            self.stdout.write(f"\r{made}/{count}", ending="")
            self.stdout.flush()
        writer.finish()
        self.stdout.write(
            f"\nLoaded {count} problem reports ({writer.links} area links, {writer.updates} updates, "
            f"{writer.photo_rows} photo rows) in {time.monotonic() - started:.0f} s."
        )


class Writer:
    """Makes reports batch by batch, with numbers of their own (the sequences are reset at the end)."""

    def __init__(self, *, seed, places, categories, outside, photos, total):
        self.places = places
        self.agency_places = [p for p in places if p.area.agency_id is not None]
        self.fallback = max(self.agency_places, key=lambda p: (p.area.size, -p.area.pk)).area
        self.categories = categories
        self.codes = sorted({code for _agency, code in categories})
        self.weights = [CODE_WEIGHTS.get(code, 5) for code in self.codes]
        self.outside = outside
        self.photo_share = photos
        self.box = geo.BBox(
            min(p.area.min_lng for p in self.agency_places),
            min(p.area.min_lat for p in self.agency_places),
            max(p.area.max_lng for p in self.agency_places),
            max(p.area.max_lat for p in self.agency_places),
        )
        self.now = timezone.now()
        self.start = self.now - datetime.timedelta(days=DAYS)
        self.total = max(total, 1)
        self.index = 0
        self.ids = {model: (model.objects.aggregate(m=Max("pk"))["m"] or 0) for model in (Report, ReportUpdate)}
        self.ids[ReportPhoto] = ReportPhoto.objects.aggregate(m=Max("pk"))["m"] or 0
        self.ids[ReportArea] = ReportArea.objects.aggregate(m=Max("pk"))["m"] or 0
        # A second run on the same database goes on from its last report with other random values.
        self.rng = random.Random(f"{seed}-{self.ids[Report]}")  # noqa: S311 - repeatable synthetic data
        self.nprng = np.random.default_rng([seed, self.ids[Report]])
        self.links = self.updates = self.photo_rows = 0
        self.agency_names = {}
        for place in self.agency_places:
            self.agency_names[place.area.agency_id] = place.area.agency.name

    # --- points ---------------------------------------------------------------------------------

    def _points(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        box, r = self.box, self.nprng
        lat = r.uniform(box.min_lat, box.max_lat, n)
        lng = r.uniform(box.min_lng, box.max_lng, n)
        out = r.random(n) < self.outside
        k = int(out.sum())
        if k:
            # A margin a sixth of the box wide on every side; points that fall back inside move out north-east.
            dlat, dlng = (box.max_lat - box.min_lat) / 6, (box.max_lng - box.min_lng) / 6
            olat = r.uniform(box.min_lat - dlat, box.max_lat + dlat, k)
            olng = r.uniform(box.min_lng - dlng, box.max_lng + dlng, k)
            inside = (olat >= box.min_lat) & (olat <= box.max_lat) & (olng >= box.min_lng) & (olng <= box.max_lng)
            olat[inside] = box.max_lat + dlat * r.random(int(inside.sum())) + 1e-6
            lat[out], lng[out] = olat, olng
        return lat, lng

    def _inside(self, lat: np.ndarray, lng: np.ndarray) -> list[np.ndarray]:
        """For each place (smallest first), which points it holds (a point on an edge counts, as in routing)."""
        masks = []
        for place in self.places:
            a = place.area
            mask = np.zeros(len(lat), dtype=bool)
            near = (lat >= a.min_lat) & (lat <= a.max_lat) & (lng >= a.min_lng) & (lng <= a.max_lng)
            if near.any():
                for shape in place.shapes:
                    mask[near] |= shapely.intersects_xy(shape, lng[near], lat[near])
            masks.append(mask)
        return masks

    # --- values ---------------------------------------------------------------------------------

    def _status(self, age_days: float) -> str:
        r = self.rng.random()
        if age_days < RECENT_DAYS:
            if r < 0.33:
                return self.rng.choice(OPEN_KINDS)
        elif r < 0.002:
            return Status.OPEN
        r = self.rng.random()
        if r < 0.75:
            return Status.FIXED
        if r < 0.87:
            return Status.CLOSED_NOT_FIXED
        if r < 0.93:
            return Status.NOT_RESPONSIBLE
        return Status.DUPLICATE

    def write(self, n: int) -> None:
        rng = self.rng
        lat, lng = self._points(n)
        masks = self._inside(lat, lng)
        # Dates rise with the report number, as on a real site; the jitter keeps them from being evenly spaced.
        span = (self.now - self.start).total_seconds()
        first = self.index / self.total
        fractions = np.sort(self.nprng.uniform(first, (self.index + n) / self.total, n))
        reports, links, updates, photos = [], [], [], []
        for i in range(n):
            self.index += 1
            self.ids[Report] += 1
            pk = self.ids[Report]
            y, x = float(lat[i]), float(lng[i])
            code = rng.choices(self.codes, self.weights)[0]
            holding = [p for p, mask in zip(self.places, masks, strict=True) if mask[i]]
            area = next((p.area for p in holding if (p.area.agency_id, code) in self.categories), None)
            agency_id = area.agency_id if area is not None else self.fallback.agency_id
            category = self.categories.get((agency_id, code)) or next(
                c for (agency, _code), c in self.categories.items() if agency == agency_id
            )
            created = self.start + datetime.timedelta(seconds=span * float(fractions[i]))
            age = (self.now - created).total_seconds() / 86400
            status = self._status(age)
            closed = status not in OPEN_STATUSES
            changed = min(created + datetime.timedelta(days=rng.uniform(0.2, 20)), self.now)
            roll = rng.random()
            public, confirmed = roll >= 0.006, created if roll >= 0.003 else None
            reports.append(
                {
                    "id": pk,
                    "token": uuid.UUID(int=rng.getrandbits(128), version=4),
                    "category_id": category.pk,
                    "service_code": category.code,
                    "agency_id": agency_id,
                    "area_id": area.pk if area is not None else None,
                    "status": status,
                    "latitude": y,
                    "longitude": x,
                    "cell": geo.cell_of(y, x),
                    "title": f"{category.code.capitalize()} report {self.index}",
                    "description": "A report loaded for a benchmark: there is a problem here.",
                    "answers": json.dumps(rng.choice(ANSWERS.get(category.code, [{}]))),
                    "reporter_name": f"Reporter {self.index % 5000}",
                    "reporter_email": f"{VOLUME_EMAIL_PREFIX}{self.index % 5000}@example.org",
                    "name_hidden": rng.random() < 0.2,
                    "confirmed_at": confirmed,
                    "is_public": public and confirmed is not None,
                    "hidden_reason": "" if public else "Personal details in the description.",
                    "responsible_body": "Northbridge Water Company" if status == Status.NOT_RESPONSIBLE else "",
                    "due_at": created + datetime.timedelta(days=category.response_days * 7 / 5),
                    "created_at": created,
                    "updated_at": changed if status != Status.OPEN else created,
                    "closed_at": changed if closed else None,
                }
            )
            links += [{"id": self._next(ReportArea), "area_id": p.area.pk, "report_id": pk} for p in holding]
            if status != Status.OPEN:
                updates.append(
                    {
                        "id": self._next(ReportUpdate),
                        "report_id": pk,
                        "kind": UpdateKind.STATUS,
                        "author_name": self.agency_names.get(agency_id, ""),
                        "is_staff": True,
                        "text": NOTES[status],
                        "old_status": Status.OPEN,
                        "new_status": status,
                        "confirmed_at": changed,
                        "created_at": changed,
                    }
                )
            if rng.random() < self.photo_share:
                digest = f"{rng.getrandbits(256):064x}"
                photos.append(
                    {
                        "id": self._next(ReportPhoto),
                        "report_id": pk,
                        "stored_name": f"volume/{digest[:32]}.jpg",
                        "content_type": "image/jpeg",
                        "size": rng.randrange(40_000, 900_000),
                        "width": 1600,
                        "height": 1200,
                        "sha256": digest,
                        "created_at": created,
                    }
                )
        with transaction.atomic():
            insert(Report, reports)
            insert(ReportArea, links)
            insert(ReportUpdate, updates)
            insert(ReportPhoto, photos)
        self.links += len(links)
        self.updates += len(updates)
        self.photo_rows += len(photos)

    def _next(self, model) -> int:
        self.ids[model] += 1
        return self.ids[model]

    def finish(self) -> None:
        """Move the id sequences past the rows written, and give the planner fresh statistics."""
        models_ = [Report, ReportArea, ReportUpdate, ReportPhoto]
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models_):
                cursor.execute(sql)
            if connection.vendor == "postgresql":
                for model in models_:
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
            else:
                cursor.execute("ANALYZE")


def insert(model: type[models.Model], rows: list[dict]) -> None:
    """Write *rows* (values by attribute name; the model's defaults fill the rest) in one statement."""
    if not rows:
        return
    fields = list(model._meta.concrete_fields)
    defaults = {f.attname: None if f.primary_key else f.get_default() for f in fields}
    sqlite = connection.vendor == "sqlite"
    adapters = [_adapter(f, sqlite) for f in fields]
    plan = list(zip([f.attname for f in fields], adapters, strict=True))
    values = [tuple(adapt(row.get(name, defaults[name])) for name, adapt in plan) for row in rows]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        if sqlite:
            marks = ", ".join(["?"] * len(fields))
            cursor.cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)  # noqa: S608
        else:
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)


def _adapter(field: models.Field, sqlite: bool):
    """A fast function turning one Python value into what the database driver takes for *field*."""
    if isinstance(field, models.DateTimeField) and sqlite:
        utc = datetime.UTC
        return lambda v: None if v is None else v.astimezone(utc).replace(tzinfo=None).isoformat(" ")
    if isinstance(field, models.UUIDField) and sqlite:
        return lambda v: None if v is None else v.hex
    if isinstance(field, models.JSONField):
        return lambda v: v if isinstance(v, str) else json.dumps(v)
    if isinstance(field, models.BooleanField) and sqlite:
        return lambda v: None if v is None else int(v)
    return lambda v: v
