# ruff: noqa: E501 -- demo texts in four languages, one sentence a line; Arabic is not a typo
"""Load the demo of Report a problem: the districts of Northbridge, its ring road and common, categories, reports.

Needs the demo agencies ("city-council", "transport-agency"), their
caseworkers and the demo citizens that ``seed_demo`` creates; it says so and
skips what it cannot make when they are missing.

Idempotent: areas and categories are brought up to date (one audit row each
when something changed); each sample report is made once, through the same
services as the website (routing, due dates, status changes, merges), so its
history reads like a real one. The sample reports send no email (their inbox
messages are kept); pass ``--send-emails`` to send them.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import random
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from ecitizen.accounts.models import User
from ecitizen.agencies.models import Agency
from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.reports import geo, services
from ecitizen.reports.area_links import relink_area
from ecitizen.reports.models import Area, Category, Report, ReportUpdate, Status

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
CITY = "city-council"
ROADS = "transport-agency"
CITY_BBOX = geo.BBox(0.000, 52.000, 0.060, 52.040)  # Northbridge: min lng, min lat, max lng, max lat


def t(en: str, es: str, fr: str, ar: str) -> dict[str, str]:
    return {"en": en, "es": es, "fr": fr, "ar": ar}


DEPTH = {
    "code": "depth",
    "label": t("How deep is it?", "¿Qué profundidad tiene?", "Quelle est sa profondeur ?", "ما عمقها؟"),
    "datatype": "singlevaluelist",
    "required": True,
    "values": [
        {"key": "shallow", "name": t("Less than 5 cm", "Menos de 5 cm", "Moins de 5 cm", "أقل من 5 سم")},
        {"key": "deep", "name": t("5 cm or more", "5 cm o más", "5 cm ou plus", "5 سم أو أكثر")},
    ],
}
LAMP_POST = {
    "code": "lamp_post",
    "label": t(
        "Which lamp-post number?", "¿Qué número de farola?", "Quel numéro de lampadaire ?", "ما رقم عمود الإنارة؟"
    ),
    "datatype": "string",
    "required": True,
    "hint": t(
        "The number is on a small plate on the post, about head height.",
        "El número está en una pequeña placa en la farola, a la altura de la cabeza.",
        "Le numéro figure sur une petite plaque fixée au poteau, à hauteur des yeux.",
        "الرقم مكتوب على لوحة صغيرة مثبتة على العمود بمستوى الرأس تقريبًا.",
    ),
}
ROADS_GROUP = t("Roads", "Carreteras", "Routes", "الطرق")
LIGHTING_GROUP = t("Street lighting", "Alumbrado público", "Éclairage public", "إنارة الشوارع")
CLEANING_GROUP = t("Street cleaning", "Limpieza viaria", "Propreté des rues", "نظافة الشوارع")

# (agency slug, code, name, guidance, group, questions, response days)
CATEGORIES = [
    (
        CITY,
        "pothole",
        t("Pot-hole", "Bache", "Nid-de-poule", "حفرة في الطريق"),
        t(
            "Tell us how deep it is and whether it is in the road or on the pavement. If it is dangerous right now, call 01632 960 000.",
            "Indique qué profundidad tiene y si está en la calzada o en la acera. Si es peligroso ahora mismo, llame al 01632 960 000.",
            "Indiquez sa profondeur et s'il se trouve sur la chaussée ou sur le trottoir. S'il est dangereux en ce moment, appelez le 01632 960 000.",
            "أخبرنا بعمقها وهل هي في الطريق أم على الرصيف. إذا كانت خطرة الآن، فاتصل بالرقم 01632 960 000.",
        ),
        ROADS_GROUP,
        [DEPTH],
        5,
    ),
    (
        CITY,
        "streetlight",
        t("Street light not working", "Farola que no funciona", "Lampadaire en panne", "عمود إنارة لا يعمل"),
        t(
            "Give the number on the lamp-post so that the repair team finds it.",
            "Indique el número de la farola para que el equipo de reparación la encuentre.",
            "Donnez le numéro du lampadaire pour que l'équipe de réparation le trouve.",
            "اذكر رقم عمود الإنارة حتى يجده فريق الإصلاح.",
        ),
        LIGHTING_GROUP,
        [LAMP_POST],
        10,
    ),
    (
        CITY,
        "flytipping",
        t("Fly-tipping", "Vertido ilegal de residuos", "Dépôt sauvage", "رمي النفايات بشكل غير قانوني"),
        t(
            "Do not touch the waste: it may be dangerous. Tell us what kind of waste it is and roughly how much.",
            "No toque los residuos: pueden ser peligrosos. Indique qué tipo de residuos son y qué cantidad aproximada hay.",
            "Ne touchez pas aux déchets : ils peuvent être dangereux. Indiquez leur nature et leur quantité approximative.",
            "لا تلمس النفايات فقد تكون خطرة. أخبرنا بنوعها وكميتها التقريبية.",
        ),
        CLEANING_GROUP,
        [
            {
                "code": "what",
                "label": t(
                    "What has been dumped?", "¿Qué se ha tirado?", "Qu'est-ce qui a été déposé ?", "ما الذي تم رميه؟"
                ),
                "datatype": "singlevaluelist",
                "required": True,
                "values": [
                    {
                        "key": "household",
                        "name": t("Household rubbish", "Basura doméstica", "Ordures ménagères", "نفايات منزلية"),
                    },
                    {
                        "key": "building",
                        "name": t("Building rubble", "Escombros de obra", "Gravats de chantier", "أنقاض بناء"),
                    },
                    {"key": "garden", "name": t("Garden waste", "Restos de jardín", "Déchets verts", "مخلفات حدائق")},
                    {"key": "other", "name": t("Something else", "Otra cosa", "Autre chose", "شيء آخر")},
                ],
            }
        ],
        3,
    ),
    (
        CITY,
        "graffiti",
        t("Graffiti", "Pintadas", "Graffitis", "كتابات على الجدران"),
        t(
            "We remove offensive graffiti first. We clean private walls only with the owner's permission.",
            "Eliminamos primero las pintadas ofensivas. Solo limpiamos paredes privadas con permiso del propietario.",
            "Nous enlevons d'abord les graffitis injurieux. Nous ne nettoyons les murs privés qu'avec l'accord du propriétaire.",
            "نزيل الكتابات المسيئة أولًا. لا ننظف الجدران الخاصة إلا بإذن مالكها.",
        ),
        CLEANING_GROUP,
        [
            {
                "code": "offensive",
                "label": t("Is it offensive?", "¿Es ofensiva?", "Est-il injurieux ?", "هل هي مسيئة؟"),
                "datatype": "singlevaluelist",
                "required": True,
                "values": [
                    {"key": "yes", "name": t("Yes", "Sí", "Oui", "نعم")},
                    {"key": "no", "name": t("No", "No", "Non", "لا")},
                ],
            }
        ],
        10,
    ),
    (
        ROADS,
        "pothole",
        t(
            "Pot-hole on the ring road",
            "Bache en la circunvalación",
            "Nid-de-poule sur la rocade",
            "حفرة في الطريق الدائري",
        ),
        t(
            "The Transport Agency repairs the ring road. Do not stop on the carriageway to report: tell us the nearest junction.",
            "La Agencia de Transporte repara la circunvalación. No se detenga en la calzada para informar: indique el cruce más cercano.",
            "L'Agence des transports entretient la rocade. Ne vous arrêtez pas sur la chaussée pour signaler : indiquez le carrefour le plus proche.",
            "تتولى هيئة النقل إصلاح الطريق الدائري. لا تتوقف على الطريق للإبلاغ، بل أخبرنا بأقرب تقاطع.",
        ),
        ROADS_GROUP,
        [DEPTH],
        2,
    ),
    (
        ROADS,
        "streetlight",
        t(
            "Ring road light not working",
            "Farola de la circunvalación que no funciona",
            "Éclairage de la rocade en panne",
            "إنارة الطريق الدائري لا تعمل",
        ),
        t(
            "Give the number on the lighting column; it is on a plate facing the road.",
            "Indique el número del báculo; está en una placa orientada hacia la carretera.",
            "Donnez le numéro du mât ; il figure sur une plaque tournée vers la route.",
            "اذكر رقم عمود الإنارة، وهو مكتوب على لوحة مواجهة للطريق.",
        ),
        LIGHTING_GROUP,
        [LAMP_POST],
        5,
    ),
]


def load_geojson(name: str) -> dict:
    return json.loads((DEMO_DIR / name).read_text(encoding="utf-8"))


# --- sample reports -----------------------------------------------------------------------

CITIZENS = ["amina@example.org", "ben@example.org", "lucia@example.org"]
CASEWORKERS = {CITY: "caseworker@council.example", ROADS: "caseworker@transport.example"}

TEXTS = {
    "pothole": [
        (
            "Deep pot-hole outside the bakery",
            "A deep pot-hole in the left lane; cars swerve round it.",
            {"depth": "deep"},
        ),
        ("Pot-hole at the bus stop", "Passengers step into it getting off the bus.", {"depth": "shallow"}),
        ("Crumbling road by the school gate", "The surface is breaking up into several holes.", {"depth": "deep"}),
        ("Pot-hole filled with water", "Hard to see after rain; a cyclist nearly fell.", {"depth": "deep"}),
        ("Small pot-hole on the corner", "Small but getting bigger each week.", {"depth": "shallow"}),
    ],
    "streetlight": [
        (
            "Street light out all week",
            "The lamp has not come on for a week; the path is dark.",
            {"lamp_post": "NB-114"},
        ),
        ("Light flickering all night", "It flashes on and off, which is worse than dark.", {"lamp_post": "NB-207"}),
        ("Lamp on during the day", "The light stays on all day.", {"lamp_post": "NB-052"}),
        ("Dark footpath to the station", "Two lamps in a row are out.", {"lamp_post": "NB-331"}),
    ],
    "flytipping": [
        ("Mattress dumped on the verge", "A mattress and two bin bags left by the hedge.", {"what": "household"}),
        ("Rubble tipped in the lay-by", "A pile of bricks and broken tiles.", {"what": "building"}),
        ("Garden waste in the alley", "Branches and grass cuttings blocking the alley.", {"what": "garden"}),
        ("Old fridge left on the pavement", "A fridge has been there for days.", {"what": "other"}),
    ],
    "graffiti": [
        ("Graffiti on the underpass", "Large tags all along the underpass wall.", {"offensive": "no"}),
        ("Offensive words on the bus shelter", "Offensive words sprayed on the shelter glass.", {"offensive": "yes"}),
        ("Tags on the library wall", "New tags next to the library entrance.", {"offensive": "no"}),
    ],
}
SPANISH = {
    "pothole": ("Bache enorme en la calle", "Un bache muy profundo en medio de la calzada.", {"depth": "deep"}),
    "streetlight": ("Farola apagada", "La farola lleva días sin encenderse.", {"lamp_post": "NB-418"}),
    "flytipping": ("Basura tirada junto al contenedor", "Bolsas de basura y un sofá viejo.", {"what": "household"}),
    "graffiti": ("Pintadas en la escuela", "Pintadas nuevas en la pared de la escuela.", {"offensive": "no"}),
}

# Status plan for ordinary sample reports: (status, public note or responsible body)
PLAN = (
    [(Status.OPEN, "")] * 15
    + [(Status.INVESTIGATING, "We are looking into this and will update the report soon.")] * 4
    + [(Status.ACTION_SCHEDULED, "We have scheduled a repair for next week.")] * 4
    + [(Status.IN_PROGRESS, "Our team is on site.")] * 3
    + [(Status.FIXED, "This has been repaired. Thank you for reporting it.")] * 6
    + [(Status.CLOSED_NOT_FIXED, "We cannot repair this until the gas works finish; we will inspect it again then.")]
    * 2
)
NOT_RESPONSIBLE = [
    "Northbridge Water Company (0800 123 4567)",
    "Network Rail — the bridge belongs to the railway",
]
REOPENED_TITLE = "Pot-hole came back after the repair"
ANONYMOUS_TITLE = "Graffiti on the footbridge"
RING_ROAD_POINTS = [(52.0300, 0.0250), (52.0100, 0.0350), (52.0200, 0.0150), (52.0250, 0.0450)]


@dataclass
class Sample:
    code: str
    lat: float
    lng: float
    title: str
    description: str
    answers: dict
    reporter: str
    language: str
    days_ago: int
    status: str = Status.OPEN
    note: str = ""
    responsible_body: str = ""


def samples() -> list[Sample]:
    """About forty reports over the city: fixed positions and times (seeded), varied outcomes."""
    rng = random.Random(20260401)  # noqa: S311 - repeatable demo positions, not secrets
    codes = ["pothole", "streetlight", "flytipping", "graffiti"]
    out: list[Sample] = []
    plan = list(PLAN) + [(Status.NOT_RESPONSIBLE, body) for body in NOT_RESPONSIBLE]
    for i, (status, note) in enumerate(plan):
        code = codes[i % len(codes)]
        title, description, answers = TEXTS[code][(i // len(codes)) % len(TEXTS[code])]
        reporter, language = CITIZENS[i % 3], "en"
        if reporter == "lucia@example.org" and i % 2 == 0:
            title, description, answers = SPANISH[code]
            language = "es"
        if i < len(RING_ROAD_POINTS) and code in {"pothole", "streetlight"}:
            lat, lng = RING_ROAD_POINTS[i]
        else:
            # Anywhere in the city: a point on the ring road goes to the Transport Agency.
            lat = round(rng.uniform(CITY_BBOX.min_lat + 0.001, CITY_BBOX.max_lat - 0.001), 6)
            lng = round(rng.uniform(CITY_BBOX.min_lng + 0.001, CITY_BBOX.max_lng - 0.001), 6)
        # Open reports are recent; closed ones older.
        days_ago = rng.randint(1, 20) if status in {Status.OPEN, Status.INVESTIGATING} else rng.randint(15, 120)
        sample = Sample(code, lat, lng, title, description, answers, reporter, language, days_ago, status)
        if status == Status.NOT_RESPONSIBLE:
            sample.responsible_body = note
        else:
            sample.note = note
        out.append(sample)
    return out


@contextlib.contextmanager
def no_email_sent():
    """Keep inbox messages but send no email (the send functions are bound when the message is queued)."""
    with (
        mock.patch("ecitizen.reports.emails._send", lambda message: None),
        mock.patch("ecitizen.notifications.services._send_email", lambda **kwargs: None),
    ):
        yield


class Command(BaseCommand):
    help = (
        "Load the Report a problem demo: Northbridge's districts, ring road and common, categories and sample reports."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-reports", action="store_true", help="Areas and categories only.")
        parser.add_argument("--send-emails", action="store_true", help="Send the sample reports' emails.")

    def handle(self, *args, no_reports: bool = False, send_emails: bool = False, **options):
        city = Agency.objects.filter(slug=CITY).first()
        roads = Agency.objects.filter(slug=ROADS).first()
        if city is None:
            self.stdout.write(f"Report a problem: no agency {CITY!r} (run seed_demo first); nothing loaded.")
            return
        with transaction.atomic():
            areas = self._areas(city, roads)
            categories = self._categories({CITY: city, ROADS: roads})
        made = 0
        if not no_reports:
            with contextlib.nullcontext() if send_emails else no_email_sent(), transaction.atomic():
                made = self._reports()
        self.stdout.write(
            f"Report a problem: {areas} areas and {categories} categories added or changed, "
            f"{made} sample reports added ({Report.objects.count()} in all); see /reports/ and /open311/v2/discovery.json."
        )

    # --- areas and categories -------------------------------------------------------------

    def _areas(self, city: Agency, roads: Agency | None) -> int:
        wanted: list[tuple[Agency | None, dict]] = [
            (city, feature) for feature in load_geojson("northbridge-districts.geojson")["features"]
        ]
        if roads is not None:
            wanted += [(roads, feature) for feature in load_geojson("ring-road.geojson")["features"]]
        else:
            self.stdout.write(f"Report a problem: no agency {ROADS!r}; the ring road is not loaded.")
        wanted += [(None, feature) for feature in load_geojson("northbridge-common.geojson")["features"]]
        changed = []
        for agency, feature in wanted:
            props = feature["properties"]
            geometry = geo.parse_area_geojson(feature)
            area = Area.objects.filter(agency=agency, name__en=props["name"]["en"]).first() or Area(agency=agency)
            before = (area.name, area.geometry if area.pk else None, area.responsible_name, area.responsible_contact)
            area.name = props["name"]
            area.responsible_name = props.get("responsible_name", {})
            area.responsible_contact = props.get("responsible_contact", "")
            area.set_geometry(geometry)
            if area.pk is None or before != (area.name, area.geometry, area.responsible_name, area.responsible_contact):
                area.is_active = True
                area.save()
                changed.append(area.pk)
                relink_area(area.pk)
        if changed:
            audit_record(
                actor=None,
                action=AuditAction.REPORT_AREA_SAVED,
                agency=city,
                extra={"areas": changed, "source": "seed_reports"},
            )
        return len(changed)

    def _categories(self, agencies: dict[str, Agency | None]) -> int:
        changed = []
        for position, (slug, code, name, guidance, group, questions, days) in enumerate(CATEGORIES):
            agency = agencies.get(slug)
            if agency is None:
                continue
            values = {
                "name": name,
                "guidance": guidance,
                "group": group,
                "questions": questions,
                "response_days": days,
                "position": position,
                "is_active": True,
            }
            category = Category.objects.filter(agency=agency, code=code).first()
            if category is not None and all(getattr(category, k) == v for k, v in values.items()):
                continue
            category = category or Category(agency=agency, code=code)
            for key, value in values.items():
                setattr(category, key, value)
            category.full_clean()
            category.save()
            changed.append(category.pk)
        if changed:
            audit_record(
                actor=None,
                action=AuditAction.REPORT_CATEGORY_SAVED,
                agency=agencies[CITY],
                extra={"categories": changed, "source": "seed_reports"},
            )
        return len(changed)

    # --- sample reports ----------------------------------------------------------------------

    def _reports(self) -> int:
        people = {u.email: u for u in User.objects.filter(email__in=CITIZENS + list(CASEWORKERS.values()))}
        missing = [e for e in CITIZENS + list(CASEWORKERS.values()) if e not in people]
        if missing:
            self.stdout.write(f"Report a problem: demo accounts missing ({', '.join(missing)}); no sample reports.")
            return 0
        staff_by_agency = {
            agency_id: people[CASEWORKERS[slug]]
            for slug, agency_id in Agency.objects.filter(slug__in=CASEWORKERS).values_list("slug", "pk")
        }
        now = timezone.now()
        made = 0
        for sample in samples():
            if Report.objects.filter(title=sample.title, reporter_email=sample.reporter, latitude=sample.lat).exists():
                continue
            created = now - datetime.timedelta(days=sample.days_ago, hours=sample.days_ago % 9)
            report = services.report_create(
                actor=people[sample.reporter],
                service_code=sample.code,
                latitude=sample.lat,
                longitude=sample.lng,
                title=sample.title,
                description=sample.description,
                answers=sample.answers,
                language=sample.language,
                name_hidden=sample.reporter == "ben@example.org",
                now=created,
            )
            made += 1
            if sample.status != Status.OPEN:
                staff = staff_by_agency[report.agency_id]
                services.report_set_status(
                    actor=staff,
                    report=report,
                    status=sample.status,
                    public_note=sample.note,
                    responsible_body=sample.responsible_body,
                )
                self._backdate(report, created, days_later=max(1, sample.days_ago // 3))
        return made + self._stories(people, staff_by_agency, now)

    def _stories(self, people, staff_by_agency, now) -> int:
        """The histories worth showing: duplicates, a reopened report, a report confirmed by email."""
        made = 0
        originals = []
        if not Report.objects.filter(status=Status.DUPLICATE, reporter_email__in=CITIZENS).exists():
            originals = list(
                Report.objects.filter(status=Status.OPEN, reporter_email="amina@example.org", is_public=True)
                .select_related("category", "agency")
                .order_by("pk")[:2]
            )
        for original, reporter in zip(originals, ["ben@example.org", "lucia@example.org"], strict=False):
            duplicate = services.report_create(
                actor=people[reporter],
                service_code=original.service_code,
                latitude=original.latitude + 0.0002,
                longitude=original.longitude + 0.0002,
                title=f"{original.title} (again)",
                description="I think this is the same problem: it is still there.",
                answers=original.answers,
                now=now - datetime.timedelta(hours=6),
            )
            services.report_merge(
                actor=staff_by_agency[duplicate.agency_id],
                report=duplicate,
                into=original,
                public_note="Thank you: this is already reported, please follow the original report.",
            )
            made += 1

        if not Report.objects.filter(title=REOPENED_TITLE).exists():
            made += self._reopened(people, staff_by_agency, now)
        if not Report.objects.filter(title=ANONYMOUS_TITLE).exists():
            made += self._confirmed_by_email(now)
        return made

    def _reopened(self, people, staff_by_agency, now) -> int:
        """Fixed, then the reporter says it is not: it reopens and goes back to the agency."""
        fixed_at = now - datetime.timedelta(days=40)
        reopened = services.report_create(
            actor=people["amina@example.org"],
            service_code="pothole",
            latitude=52.0335,
            longitude=0.0052,
            title=REOPENED_TITLE,
            description="The pot-hole outside number 12 was filled in but has opened up again.",
            answers={"depth": "deep"},
            now=fixed_at,
        )
        services.report_set_status(
            actor=staff_by_agency[reopened.agency_id],
            report=reopened,
            status=Status.FIXED,
            public_note="We have filled the pot-hole.",
        )
        self._backdate(reopened, fixed_at, days_later=5)
        services.report_add_update(
            actor=people["amina@example.org"],
            report=Report.objects.get(pk=reopened.pk),
            text="It is not fixed: the filling has washed out and the hole is back.",
            not_fixed=True,
        )
        return 1

    def _confirmed_by_email(self, now) -> int:
        """Someone without an account reports, then follows the link emailed to them."""
        anonymous = services.report_create(
            actor=AnonymousUser(),
            service_code="graffiti",
            latitude=52.0064,
            longitude=0.0512,
            title=ANONYMOUS_TITLE,
            description="The footbridge over the brook is covered in paint.",
            answers={"offensive": "no"},
            name="Sam Visitor",
            email="sam.visitor@example.org",
            name_hidden=True,
            now=now - datetime.timedelta(days=3),
        )
        services.report_confirm(token=services.make_token("confirm", anonymous.pk))
        return 1

    def _backdate(self, report: Report, created: datetime.datetime, *, days_later: int) -> None:
        """Date the staff's status change some days after the report, as if it had happened then."""
        when = min(created + datetime.timedelta(days=days_later), timezone.now())
        ReportUpdate.objects.filter(report=report).update(created_at=when)
        report.refresh_from_db()
        fields = {"updated_at": when}
        if report.closed_at is not None:
            fields["closed_at"] = when
        Report.objects.filter(pk=report.pk).update(**fields)
