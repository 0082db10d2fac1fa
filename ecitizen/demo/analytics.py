"""A year of demo history, so that the service-delivery analytics (issue 17) have something to show.

Added once, over the 365 days before the seed runs:

- 200 made-up residents (``resident001@residents.example`` ...: no password, no MFA), who make
  every application, report and rating below, so that the named demo accounts' pages stay as
  they were;
- for every published service, a few hundred applications with the whole of their story: drafts
  left on a page of the form, applications sent online, at a counter or through a trusted helper
  (more online as the year goes on), fees billed and paid (at the counter for counter cases),
  requests for more information and their answers, decisions a few working days later (some
  after their due date, in a month when a service fell behind), refusals of every kind with the
  caseworker's reason, withdrawals and their refunds, and a small backlog still open today;
- about 800 problem reports, most around a few hot spots, with the agency's first answer hours or
  days later, most fixed within weeks, some reopened, some "is it fixed?" answers;
- satisfaction ratings of the applications, varying by service and month, over the last eleven
  months only (the demo's story: the question was added then), so that the months before keep
  only the few ratings of ``demo.feedback``, too few to publish;
- each agency's cost per channel, and an alert on the busiest service's backlog.

Then the rollups are rebuilt from scratch, so the dashboards show the year at once.

This is history as it would have been recorded, not acts done now: rows go in with bulk inserts
and keep their own dates (see :class:`Writer`), and write no audit rows (as ``seed_volume``).
The residents sent no files, so cases that ask for one show none. References come from the
agencies' own counters, a block reserved at a time, so the references given after the demo never
clash with these. The public log records the decisions when ``seed_demo`` fills it next
(``demo_ledger_load``). Random but repeatable: the same seed every time, so two fresh demos look
alike (their dates move with today).

Idempotent: once the residents exist, nothing is added again. Run after seed_services,
seed_reports and the other demo loaders (``seed_demo`` calls it near the end).
"""

from __future__ import annotations

import bisect
import datetime
import math
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone

from ecitizen.accounts.models import Profile, User
from ecitizen.agencies.models import Membership, Role
from ecitizen.analytics.models import AlertRule, ChannelCost, Metric
from ecitizen.analytics.rollups import rebuild
from ecitizen.cases.models import (
    Application,
    ApplicationEvent,
    Channel,
    EventKind,
    InformationRequest,
    ReferenceCounter,
    RefusalCategory,
    Status,
)
from ecitizen.catalogue.formdef import FormDefinition, Page
from ecitizen.catalogue.models import Service, ServiceStatus
from ecitizen.core.i18n import pick
from ecitizen.core.working_days import add_working_days, is_working_day
from ecitizen.engagement.feedback.models import Rating
from ecitizen.payments.models import (
    AgencyPaymentSettings,
    Bill,
    BillLine,
    BillReferenceCounter,
    BillStatus,
    LineKind,
    Method,
    Payment,
    PaymentEvent,
    PaymentStatus,
    Refund,
    RefundStatus,
    SandboxCharge,
)
from ecitizen.reports import geo
from ecitizen.reports.management.commands.seed_report_volume import insert
from ecitizen.reports.management.commands.seed_reports import TEXTS
from ecitizen.reports.models import (
    Area,
    Category,
    Questionnaire,
    QuestionnaireAnswer,
    Report,
    ReportArea,
    ReportUpdate,
    UpdateKind,
)
from ecitizen.reports.models import Status as ReportStatus
from ecitizen.reports.services import due_at_for

SEED = 17  # issue 17
DAYS = 365
DOMAIN = "residents.example"
RESIDENTS = 200
REPORTS = 800
RATED_MONTHS = 11  # the feedback question was added this many months ago (this month included)
BUSY_BACKLOG = 20  # the alert on the busiest service's open cases
COSTS = {Channel.ONLINE: 250, Channel.HELPER: 600, Channel.COUNTER: 1200}  # minor units per transaction

GIVEN = ["Aisha", "Bruno", "Carmen", "Dev", "Emma", "Femi", "Greta", "Hamza", "Iris", "Jonas", "Keiko", "Leo"]
GIVEN += ["Mira", "Nico", "Olu", "Priya", "Rosa", "Sami", "Tomasz", "Una", "Viktor", "Wen", "Yara", "Zoe"]
FAMILY = ["Adeyemi", "Brennan", "Costa", "Dimitrov", "Evans", "Fischer", "Gupta", "Hussain", "Ivanova", "Jensen"]
FAMILY += ["Kowalski", "Laurent", "Mensah", "Novak", "O'Neill", "Pereira", "Rahman", "Silva", "Tanaka", "Walsh"]
STREETS = ["Station Road", "Church Lane", "Mill Street", "Park Avenue", "Bridge Street", "Orchard Close"]
STREETS += ["Market Square", "Victoria Road", "Riverside Walk", "Hillcrest Drive", "Eastgate", "Southfield Way"]
LANGUAGES = ["en"] * 17 + ["es", "fr", "ar"]
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXY"


@dataclass(frozen=True)
class Shape:
    """How one service's year went.

    ``applications`` begun in the year (drafts included); ``median_days`` and ``spread``: working
    days from the queue to a decision (log-normal); ``refused``, ``info``: shares of decisions
    refused and of cases asked for more information; ``stopped``: share of online drafts never
    sent; ``satisfaction``: the mean answer (1 to 5) and ``rated`` the share of applicants who
    answered; ``slow_month``: months ago the service fell behind (slower, less liked; 0 is now);
    ``peak``, ``swing``: the busiest month of the year and how much busier it is.
    """

    applications: int
    median_days: float
    spread: float
    refused: float
    info: float
    stopped: float
    satisfaction: float
    rated: float
    slow_month: int | None
    peak: int
    swing: float


SHAPES = {
    # Falling behind this month (decisions slower, some late), after a busy September.
    "resident-parking-permit": Shape(520, 5.5, 0.55, 0.12, 0.18, 0.22, 4.1, 0.55, 0, 9, 0.25),
    "street-trading-licence": Shape(190, 12, 0.6, 0.22, 0.3, 0.26, 3.5, 0.6, None, 5, 0.4),
    "birth-certificate-copy": Shape(460, 2.2, 0.5, 0.05, 0.07, 0.1, 4.4, 0.55, 7, 7, 0.1),
    "concessionary-bus-pass": Shape(330, 5, 0.5, 0.15, 0.15, 0.13, 3.9, 0.5, None, 10, 0.2),
}


def _shape_for(slug: str) -> Shape:
    """The service's shape, or one of its own for a service the demo does not know (same slug,
    same shape)."""
    if slug in SHAPES:
        return SHAPES[slug]
    rng = random.Random(f"{SEED}-{slug}")  # noqa: S311 - repeatable demo data, not secrets
    return Shape(
        rng.randrange(150, 320),
        rng.uniform(3, 10),
        0.55,
        rng.uniform(0.05, 0.2),
        rng.uniform(0.05, 0.25),
        rng.uniform(0.1, 0.25),
        rng.uniform(3.4, 4.4),
        0.5,
        None,
        rng.randrange(1, 13),
        0.2,
    )


REASONS = {
    RefusalCategory.NOT_ELIGIBLE: [
        "Your address is outside the area this service covers, so we cannot accept this application.",
        "You do not meet the conditions for this service. The service page explains who can apply.",
    ],
    RefusalCategory.EVIDENCE_MISSING: [
        "The proof of address you sent is more than three months old. Apply again with a recent bill.",
        "We could not read the document you sent. Apply again with a clear photo or scan of it.",
    ],
    RefusalCategory.NO_RESPONSE: [
        "We asked you for more information and did not hear back within 15 working days, so we have "
        "closed this application. You can apply again at any time.",
    ],
    RefusalCategory.DUPLICATE: [
        "You already have an application for this in progress. We will continue with that one.",
    ],
    RefusalCategory.OTHER: [
        "We cannot accept this application. Please contact us if you would like to talk about it.",
    ],
}
REFUSAL_WEIGHTS = {
    RefusalCategory.NOT_ELIGIBLE: 40,
    RefusalCategory.EVIDENCE_MISSING: 35,
    RefusalCategory.DUPLICATE: 10,
    RefusalCategory.OTHER: 15,
}
QUESTIONS = [
    "Please send a clearer photo of your proof of address: the one we have is cut off at the bottom.",
    "Please confirm the date you moved to this address.",
    "Please tell us the full name on the document, as it is written there.",
    "Please send a document that shows your address and is less than three months old.",
]
ANSWERS = ["Here it is, taken in daylight.", "I moved in at the start of the month.", "Attached, thank you."]
DESCRIPTIONS = [
    "Hot food and drinks from a small van.",
    "Cut flowers and plants from our own garden.",
    "Handmade jewellery and cards.",
    "Second-hand books and records.",
]
TOWNS = ["Northbridge", "Riverton", "Millbrook", "Eastgate"]
COMMENTS = {
    5: ["Quick and clear, thank you.", "Much easier than going in."],
    4: ["Fine, but I was not sure which proof of address you accept."],
    3: ["It took a while to find the form."],
    2: ["The page about documents was confusing.", "I had to start again after it timed out."],
    1: ["I still have not heard anything back."],
}


# --- writing -------------------------------------------------------------------------------------


class Writer:
    """Writes rows straight through the database driver (``seed_report_volume.insert``: COPY on
    PostgreSQL, ``executemany`` on SQLite), with ids it numbers itself.

    A year of history is some twenty thousand rows: Django's ``bulk_create`` would prepare every
    field of every one of them in Python, and stamp ``auto_now`` fields with the instant the seed
    ran. Here each row keeps exactly the values set on it (its dates included), so every row must
    carry its own timestamps. :meth:`finish` moves the id sequences past the rows written.
    """

    def __init__(self) -> None:
        self.next_ids: dict[type[models.Model], int] = {}

    def number(self, objects: list[models.Model]) -> None:
        """Give *objects* their ids, before rows that point at them are made."""
        for obj in objects:
            model = type(obj)
            if model not in self.next_ids:
                self.next_ids[model] = (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
            obj.pk = self.next_ids[model]
            self.next_ids[model] += 1

    def write(self, objects: list[models.Model]) -> int:
        """Insert *objects* (all of one model), numbering those without an id."""
        if not objects:
            return 0
        model = type(objects[0])
        self.number([obj for obj in objects if obj.pk is None])
        fields = model._meta.concrete_fields
        insert(model, [{f.attname: _column_value(obj, f) for f in fields} for obj in objects])
        return len(objects)

    def finish(self) -> None:
        """Move the tables' id sequences past the ids given here (PostgreSQL; SQLite follows the
        largest id by itself), so that the next row the services write takes a new one."""
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(self.next_ids)):
                cursor.execute(sql)


def _column_value(obj: models.Model, f: models.Field) -> Any:
    """The value of *f* on *obj*; for a relation to an object numbered after it was set, its id."""
    value = getattr(obj, f.attname)
    if value is None and f.is_relation and f.is_cached(obj):
        related = getattr(obj, f.name)
        value = related.pk if related is not None else None
    return value


# --- time ------------------------------------------------------------------------------------


class Calendar:
    """The working days from before the year to months after today, in order: adding working
    days is then a bisection, not a walk through the calendar for every step of every case."""

    def __init__(self, first: datetime.date, last: datetime.date):
        self.days = []
        day = first
        while day <= last:
            if is_working_day(day):
                self.days.append(day)
            day += datetime.timedelta(days=1)

    def add(self, start: datetime.date, days: int) -> datetime.date:
        """As :func:`ecitizen.core.working_days.add_working_days` (start not counted)."""
        if days <= 0:
            return start
        index = bisect.bisect_right(self.days, start) + days - 1
        return self.days[index] if index < len(self.days) else add_working_days(start, days)


@dataclass
class Year:
    """The year being made up: its clock, calendar and random numbers."""

    now: datetime.datetime
    rng: random.Random
    start: datetime.datetime = field(init=False)
    calendar: Calendar = field(init=False)
    zone: datetime.tzinfo = field(init=False)

    def __post_init__(self) -> None:
        self.zone = timezone.get_default_timezone()
        self.start = self.now - datetime.timedelta(days=DAYS)
        today = self.local(self.now).date()
        self.calendar = Calendar(today - datetime.timedelta(days=DAYS + 7), today + datetime.timedelta(days=180))

    def local(self, moment: datetime.datetime) -> datetime.datetime:
        """*moment* in the deployment's time zone (days, months and years are counted there)."""
        return moment.astimezone(self.zone)

    def months_ago(self, moment: datetime.datetime) -> int:
        here, today = self.local(moment), self.local(self.now)
        return (today.year - here.year) * 12 + today.month - here.month

    def at(self, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
        """*day* at *hour* in the deployment's time zone, as an aware instant."""
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)), self.zone)

    def office_time(self, day: datetime.date) -> datetime.datetime:
        """Some time in the working hours of *day*."""
        return self.at(day, self.rng.randrange(9, 17), self.rng.randrange(60))

    def moment(self, peak: int, swing: float) -> datetime.datetime:
        """An instant of the year, busier around month *peak* (1 to 12) by *swing*."""
        span = (self.now - self.start).total_seconds() - 3600
        while True:
            moment = self.start + datetime.timedelta(seconds=self.rng.uniform(0, span))
            weight = 1 + swing * math.cos(2 * math.pi * (self.local(moment).month - peak) / 12)
            if self.rng.uniform(0, 1 + swing) <= weight:
                return moment

    def waking(self, moment: datetime.datetime) -> datetime.datetime:
        """*moment*'s day, at a time people are awake (online, most often in the evening)."""
        hour = self.rng.choices(range(7, 23), weights=[1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 5, 5, 4, 2])[0]
        return self.at(self.local(moment).date(), hour, self.rng.randrange(60))

    def office(self, moment: datetime.datetime) -> datetime.datetime:
        """The first working day from *moment*'s day, in working hours (a counter is open then)."""
        day = self.local(moment).date()
        if not is_working_day(day):
            day = self.calendar.add(day, 1)
        return self.office_time(day)

    def lognormal(self, median: float, sigma: float) -> float:
        return median * math.exp(self.rng.gauss(0, sigma))


# --- residents -------------------------------------------------------------------------------


@dataclass
class Resident:
    user: User
    given: str
    family: str
    born: datetime.date
    phone: str
    address: dict[str, str]
    language: str

    @property
    def full_name(self) -> str:
        return f"{self.given} {self.family}"


def _residents(year: Year) -> list[Resident]:
    """The made-up residents, with their profiles (no usable password: nobody signs in as them)."""
    rng = year.rng
    people = []
    for n in range(1, RESIDENTS + 1):
        number, street = rng.randrange(1, 120), rng.choice(STREETS)
        postcode = f"NB{rng.randrange(1, 8)} {rng.randrange(1, 10)}{''.join(rng.choices(POSTCODE_LETTERS, k=2))}"
        joined = year.start - datetime.timedelta(days=rng.uniform(1, 900))
        people.append(
            Resident(
                user=User(email=f"resident{n:03d}@{DOMAIN}", password=make_password(None), date_joined=joined),
                given=rng.choice(GIVEN),
                family=rng.choice(FAMILY),
                born=datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(365 * 64)),
                phone=f"01632 9{rng.randrange(60000, 61000):05d}",
                address={"line1": f"{number} {street}", "town": "Northbridge", "postcode": postcode},
                language=rng.choice(LANGUAGES),
            )
        )
    User.objects.bulk_create([p.user for p in people])
    Profile.objects.bulk_create(
        [
            Profile(
                user=p.user,
                given_name=p.given,
                family_name=p.family,
                date_of_birth=p.born,
                address_line_1=p.address["line1"],
                town=p.address["town"],
                postcode=p.address["postcode"],
                phone=p.phone,
                preferred_language=p.language,
            )
            for p in people
        ]
    )
    return people


# --- applications ----------------------------------------------------------------------------


@dataclass
class Offer:
    """A published service as the year's applications see it."""

    service: Service
    shape: Shape
    form: FormDefinition
    fee: int
    currency: str
    deadline: int
    title: dict
    staff: list[User]
    admins: list[User]


@dataclass
class Case:
    """One application's story, planned before anything is written."""

    offer: Offer
    resident: Resident
    channel: str
    created: datetime.datetime
    updated: datetime.datetime
    status: str = Status.DRAFT
    reference: str | None = None
    last_page: str = ""
    answers: dict = field(default_factory=dict)
    submitted: datetime.datetime | None = None
    paid: datetime.datetime | None = None
    method: str = ""
    cashier: User | None = None
    queued: datetime.datetime | None = None
    due: datetime.date | None = None
    reviewed: datetime.datetime | None = None
    assignee: User | None = None
    asked: datetime.datetime | None = None
    question: str = ""
    answered: datetime.datetime | None = None
    answer: str = ""
    decided: datetime.datetime | None = None
    category: str = ""
    reason: str = ""
    withdrawn: datetime.datetime | None = None
    refunded: datetime.datetime | None = None
    application: Application | None = None


def _value(question: Any, resident: Resident, on: datetime.date, rng: random.Random) -> Any:
    """A plausible answer of *resident* to *question* (None for a file: the demo has none)."""
    kind = question.type
    if question.choices:
        values = [choice["value"] for choice in question.choices]
        if kind == "multi_choice":
            picked = set(rng.sample(values, rng.randint(1, min(3, len(values)))))
            return [value for value in values if value in picked]
        return rng.choice(values)
    if kind == "yes_no":
        return "yes" if rng.random() < 0.08 else "no"
    if kind == "email":
        return resident.user.email
    if kind == "phone":
        return resident.phone
    if kind == "number":
        low = int(question.min or 1)
        return str(rng.randint(low, min(int(question.max or low + 3), low + 3)))
    if kind == "date":
        born = question.prefill == "date_of_birth" or "birth" in question.id
        return (resident.born if born else on + datetime.timedelta(days=rng.randrange(7, 30))).isoformat()
    if kind == "address":
        return dict(resident.address)
    if kind == "file":
        return None
    if kind == "textarea":
        return rng.choice(DESCRIPTIONS)
    if question.pattern and "A-Z" in question.pattern:
        letters = "ABCDEFGHJKLMNPRSTVWXY"
        return f"{rng.choice(letters)}{rng.choice(letters)}{rng.randrange(10, 75)} {''.join(rng.sample(letters, 3))}"
    if question.id == "trading_name":
        return f"{resident.family}'s {rng.choice(['Stall', 'Kitchen', 'Flowers', 'Crafts'])}"
    if question.prefill == "full_name" or "name" in question.id:
        return resident.full_name
    if "place" in question.id or "town" in question.id:
        return rng.choice(TOWNS)
    return "Demo answer"


def _answers(form: FormDefinition, resident: Resident, on: datetime.date, rng: random.Random) -> dict:
    """Answers to every question the demo can answer, conditional ones included."""
    answers: dict[str, Any] = {}
    for _round in range(5):  # an answer can reveal another question
        new = {}
        for _page, question in form.missing(answers):
            value = _value(question, resident, on, rng)
            if value is not None:
                new[question.id] = value
        if not new:
            break
        answers.update(new)
    return form.visible_answers(answers)


def _hard(page: Page) -> bool:
    """A page people often give up before: one asking for a file, or for many things at once."""
    return any(q.type == "file" for q in page.questions) or len(page.questions) > 2


def _stopped_draft(case: Case, year: Year) -> None:
    """The draft was left after saving a page, most often the one before a hard page (a page the
    demo cannot fill in, one asking only for a file, is never the last one saved)."""
    rng = year.rng
    full = _answers(case.offer.form, case.resident, year.local(case.created).date(), rng)
    pages = case.offer.form.visible_pages(full)
    saveable = [i for i, page in enumerate(pages) if any(q.id in full for q in page.questions)] or [0]
    weights = [1 + 4 * (i + 1 < len(pages) and _hard(pages[i + 1])) for i in saveable]
    last = rng.choices(saveable, weights=weights)[0]
    saved = {q.id for page in pages[: last + 1] for q in page.questions}
    case.last_page = pages[last].id
    case.answers = {key: value for key, value in full.items() if key in saved}
    case.updated = min(case.created + datetime.timedelta(minutes=rng.uniform(2, 40)), year.now)


def _plan_case(offer: Offer, resident: Resident, year: Year) -> Case:
    """One application through as many steps as happened by now."""
    rng, shape = year.rng, offer.shape
    moment = year.moment(shape.peak, shape.swing)
    online = 0.72 + 0.14 * ((moment - year.start) / (year.now - year.start))  # more online as the year goes on
    roll = rng.random()
    channel = Channel.ONLINE if roll < online else Channel.HELPER if roll < online + 0.05 else Channel.COUNTER
    created = year.office(moment) if channel == Channel.COUNTER else year.waking(moment)
    created = min(created, year.now - datetime.timedelta(hours=1))
    case = Case(offer=offer, resident=resident, channel=channel, created=created, updated=created)
    if rng.random() < (shape.stopped if channel == Channel.ONLINE else 0.03):
        _stopped_draft(case, year)
        return case

    # Sent: online most within the hour, some days later; at a counter within minutes.
    if channel == Channel.COUNTER:
        delay = rng.uniform(5, 30)
    else:
        delay = year.lognormal(25 if channel == Channel.ONLINE else 90, 1.4)
    submitted = created + datetime.timedelta(minutes=min(delay, 60 * 24 * 6))
    if submitted >= year.now:
        _stopped_draft(case, year)  # still being filled in
        return case
    case.answers = _answers(offer.form, resident, year.local(created).date(), rng)
    case.last_page = offer.form.visible_pages(case.answers)[-1].id
    case.submitted = case.updated = submitted
    case.status = Status.SUBMITTED

    queued = submitted
    if offer.fee:
        case.status = Status.AWAITING_PAYMENT
        if channel == Channel.COUNTER:
            case.method = rng.choice([Method.CASH, Method.CARD_TERMINAL, Method.CARD_TERMINAL])
            case.cashier = rng.choice(offer.staff)
            paid = submitted + datetime.timedelta(minutes=rng.uniform(1, 8))
        elif rng.random() < 0.04:  # never paid: withdrawn some days later, or still waiting
            withdrawn = submitted + datetime.timedelta(days=rng.uniform(2, 20))
            if withdrawn <= year.now:
                case.status, case.withdrawn, case.updated = Status.WITHDRAWN, withdrawn, withdrawn
            return case
        else:
            case.method = Method.SANDBOX
            late = rng.random() < 0.1
            paid = submitted + datetime.timedelta(
                minutes=rng.uniform(60 * 20, 60 * 24 * 6) if late else rng.uniform(2, 15)
            )
        if paid > year.now:
            return case
        case.paid = case.updated = queued = paid
        case.status = Status.SUBMITTED
    case.queued = queued
    _decide(case, year)
    return case


def _decide(case: Case, year: Year) -> None:
    """Review, perhaps a request for information, then a decision or a withdrawal; or, if that
    would be after now, the case is still open in the state it has reached."""
    rng, shape, calendar = year.rng, case.offer.shape, year.calendar
    queued_on = year.local(case.queued).date()
    case.due = calendar.add(queued_on, case.offer.deadline)
    slow = shape.slow_month is not None and year.months_ago(case.queued) == shape.slow_month
    days = max(1, round(year.lognormal(shape.median_days * (2.4 if slow else 1), shape.spread)))
    if rng.random() < 0.015:
        days *= 4  # stuck: a file lost under others
    case.assignee = rng.choice(case.offer.staff if rng.random() < 0.85 else case.offer.admins or case.offer.staff)
    case.reviewed = year.office_time(calendar.add(queued_on, min(days, rng.choice([1, 1, 1, 2, 3]))))
    decided_on = calendar.add(queued_on, days)
    no_answer = False
    if rng.random() < shape.info and days > 1:
        case.asked = year.office_time(calendar.add(queued_on, rng.randint(1, max(1, days // 2))))
        case.asked = max(case.asked, case.reviewed)
        case.question = rng.choice(QUESTIONS)
        if rng.random() < 0.88:
            case.answered = case.asked + datetime.timedelta(hours=year.lognormal(30, 1.0))
            case.answer = rng.choice(ANSWERS)
            decided_on = calendar.add(year.local(case.answered).date(), max(1, round(days / 3)))
        else:
            no_answer = True
            decided_on = calendar.add(year.local(case.asked).date(), 15)
    decided = max(year.office_time(decided_on), case.answered or case.asked or case.reviewed)

    if rng.random() < 0.025:  # withdrawn by the applicant before a decision
        withdrawn = case.queued + datetime.timedelta(hours=rng.uniform(2, 24 * 12))
        if withdrawn < decided and withdrawn <= year.now:
            _open_until(case, withdrawn)
            case.status, case.withdrawn, case.updated = Status.WITHDRAWN, withdrawn, withdrawn
            if case.method == Method.SANDBOX and rng.random() < 0.7:
                refunded = withdrawn + datetime.timedelta(hours=rng.uniform(2, 72))
                case.refunded = refunded if refunded <= year.now else None
            return
    if decided > year.now:
        _open_until(case, year.now)
        return
    case.decided = case.updated = decided
    if no_answer:
        case.status, case.category = Status.REFUSED, RefusalCategory.NO_RESPONSE
    elif rng.random() < shape.refused:
        case.status = Status.REFUSED
        case.category = rng.choices(list(REFUSAL_WEIGHTS), weights=list(REFUSAL_WEIGHTS.values()))[0]
    else:
        case.status = Status.APPROVED
    if case.status == Status.REFUSED:
        case.reason = rng.choice(REASONS[RefusalCategory(case.category)])


def _open_until(case: Case, moment: datetime.datetime) -> None:
    """Keep only the steps that happened before *moment*: the case is open in that state."""
    if case.reviewed is not None and case.reviewed > moment:
        case.reviewed = case.assignee = None
    if case.asked is not None and case.asked > moment:
        case.asked, case.question = None, ""
    if case.answered is not None and case.answered > moment:
        case.answered, case.answer = None, ""
    if case.asked is not None and case.answered is None:
        case.status = Status.INFO_REQUESTED
    else:
        case.status = Status.IN_REVIEW if case.reviewed is not None else Status.SUBMITTED
    case.updated = max(t for t in (case.queued, case.reviewed, case.asked, case.answered) if t is not None)


def _reserve(counter_model: type[models.Model], agency: Any, year: int, count: int) -> int:
    """Take *count* numbers from *agency*'s counter of *year* at once; returns the first. Later
    references, given one at a time by the services, go on after them."""
    counter, _created = counter_model.objects.select_for_update().get_or_create(agency=agency, year=year)
    counter_model.objects.filter(pk=counter.pk).update(last_number=F("last_number") + count)
    counter.refresh_from_db(fields=["last_number"])
    return counter.last_number - count + 1


def _references(
    cases: list[Case], year: Year, moment: str, counter_model: type[models.Model], pattern: str
) -> list[str]:
    """References of *cases* (already in time order) from their agencies' counters, numbered in
    the local year of each case's *moment*."""
    groups: dict[tuple[Any, int], list[int]] = defaultdict(list)
    for i, case in enumerate(cases):
        groups[(case.offer.service.agency, year.local(getattr(case, moment)).year)].append(i)
    references = [""] * len(cases)
    for (agency, calendar_year), indexes in groups.items():
        first = _reserve(counter_model, agency, calendar_year, len(indexes))
        for number, i in enumerate(indexes, start=first):
            references[i] = pattern.format(code=agency.code, year=calendar_year, number=number)
    return references


def _write_cases(cases: list[Case], year: Year, writer: Writer) -> Counter:
    """Write the applications, their timelines, information requests, bills, payments and
    refunds. Returns counts of what was written."""
    made: Counter = Counter()
    sent = sorted((c for c in cases if c.submitted is not None), key=lambda c: c.submitted)
    references = _references(sent, year, "submitted", ReferenceCounter, "{code}-{year}-{number:06d}")
    for case, reference in zip(sent, references, strict=True):
        case.reference = reference
    rows = []
    for case in sorted(cases, key=lambda c: c.created):
        offer = case.offer
        case.application = Application(
            reference=case.reference,
            citizen=case.resident.user,
            agency_id=offer.service.agency_id,
            service_version_id=offer.service.current_version_id,
            status=case.status,
            answers=case.answers,
            declaration_accepted=case.submitted is not None,
            submitted_at=case.submitted,
            due_date=case.due,
            decided_at=case.decided,
            decision_reason=case.reason,
            refusal_category=case.category,
            channel=case.channel,
            last_page_id=case.last_page,
            queued_at=case.queued,
            withdrawn_at=case.withdrawn,
            assignee=case.assignee,
            created_at=case.created,
            updated_at=case.updated,
        )
        rows.append(case.application)
    made["applications"] = writer.write(rows)
    events, requests = [], []
    for case in cases:
        if case.submitted is None:
            continue
        events += _timeline(case)
        if case.asked is not None:
            requests.append(
                InformationRequest(
                    application=case.application,
                    requested_by=case.assignee,
                    message=case.question,
                    created_at=case.asked,
                    response=case.answer,
                    responded_at=case.answered,
                )
            )
    made["timeline events"] = writer.write(events)
    writer.write(requests)
    made.update(_write_money([c for c in sent if c.offer.fee], year, writer))
    return made


def _timeline(case: Case) -> list[ApplicationEvent]:
    """The case's timeline, as the services would have written it step by step."""
    app, citizen, worker = case.application, case.resident.user, case.assignee
    steps: list[tuple[str, datetime.datetime | None, Any, str, bool]] = [
        (EventKind.SUBMITTED, case.submitted, citizen, "", True),
        (EventKind.PAYMENT_RECEIVED, case.paid, None, "", True),
        (EventKind.IN_REVIEW, case.reviewed, worker, "", True),
        (EventKind.ASSIGNED, case.reviewed, worker, worker.email if worker else "", False),
        (EventKind.INFO_REQUESTED, case.asked, worker, case.question, True),
        (EventKind.INFO_PROVIDED, case.answered, citizen, case.answer, True),
        (case.status, case.decided, worker, case.reason, True),
        (EventKind.WITHDRAWN, case.withdrawn, citizen, "", True),
    ]
    return [
        ApplicationEvent(
            application=app, kind=kind, actor=actor, message=message, visible_to_citizen=visible, created_at=at
        )
        for kind, at, actor, message, visible in steps
        if at is not None
    ]


def _payment_reference(rng: random.Random, taken: set[str]) -> str:
    """A payment reference of the payments app's shape (``PAY-XXXXX-XXXXX``), not yet taken."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    while True:
        raw = "".join(rng.choice(alphabet) for _ in range(10))
        reference = f"PAY-{raw[:5]}-{raw[5:]}"
        if reference not in taken:
            taken.add(reference)
            return reference


def _write_money(cases: list[Case], year: Year, writer: Writer) -> Counter:
    """Bills of the fees, the successful payments (at a counter, or by card through the sandbox
    gateway, whose own record is kept as it keeps it) and the refunds of withdrawn applications."""
    rng, made = year.rng, Counter()
    references = _references(cases, year, "submitted", BillReferenceCounter, "{code}-B-{year}-{number:06d}")
    taken = set(Payment.objects.values_list("reference", flat=True))
    four_eyes = dict(AgencyPaymentSettings.objects.values_list("agency_id", "four_eyes_threshold"))
    default_four_eyes = AgencyPaymentSettings._meta.get_field("four_eyes_threshold").get_default()
    bills, lines, payments, events, charges, refunds = [], [], [], [], [], []
    for case, reference in zip(cases, references, strict=True):
        offer = case.offer
        paid = case.paid is not None
        status = (
            BillStatus.PAID
            if paid
            else BillStatus.OPEN
            if case.status == Status.AWAITING_PAYMENT
            else BillStatus.CANCELLED
        )
        bill = Bill(
            reference=reference,
            agency_id=offer.service.agency_id,
            payer=case.resident.user,
            payer_name=case.resident.full_name,
            application=case.application,
            description=offer.title,
            currency=offer.currency,
            total=offer.fee,
            due_date=year.local(case.submitted).date() + datetime.timedelta(days=30),
            status=status,
            paid_at=case.paid,
            created_at=case.submitted,
            updated_at=case.paid or case.withdrawn or case.submitted,
        )
        bills.append(bill)
        lines.append(
            BillLine(bill=bill, kind=LineKind.FEE, description=offer.title, amount=offer.fee, created_at=case.submitted)
        )
        if not paid:
            continue
        counter = case.method != Method.SANDBOX
        reference = _payment_reference(rng, taken)
        return_url = "" if counter else reverse("payments:return", kwargs={"reference": reference})
        started = max(case.submitted, case.paid - datetime.timedelta(minutes=rng.uniform(1, 4)))
        payment = Payment(
            reference=reference,
            bill=bill,
            payer=case.resident.user,
            amount=offer.fee,
            currency=offer.currency,
            method=case.method,
            provider_id="" if counter else f"sbx_demo{rng.getrandbits(96):024x}",
            status=PaymentStatus.SUCCESS,
            recorded_by=case.cashier,
            return_url=return_url,
            created_at=case.paid if counter else started,
            updated_at=case.paid,
            finished_at=case.paid,
        )
        payments.append(payment)
        events.append(
            PaymentEvent(
                payment=payment,
                from_status="" if counter else PaymentStatus.CREATED,
                to_status=PaymentStatus.SUCCESS,
                source="counter" if counter else "callback",
                data={"recorded_by": case.cashier.email} if counter else {},
                created_at=case.paid,
            )
        )
        refunded = []
        if case.refunded is not None:  # only card payments: the sandbox gives the money back
            requester = case.assignee or rng.choice(offer.staff)
            approvers = [u for u in offer.admins if u != requester]
            refund = Refund(
                payment=payment,
                amount=offer.fee,
                reason="Application withdrawn before a decision: the fee is given back.",
                status=RefundStatus.SUCCESS,
                requested_by=requester,
                # Over the agency's four-eyes threshold a second person approved it.
                approved_by=rng.choice(approvers)
                if approvers and offer.fee > four_eyes.get(offer.service.agency_id, default_four_eyes)
                else None,
                provider_refund_id=f"sbxr_demo{rng.getrandbits(72):018x}",
                created_at=case.refunded,
                decided_at=case.refunded,
            )
            writer.number([refund])
            refunds.append(refund)
            refunded = [
                {
                    "id": refund.provider_refund_id,
                    "amount": refund.amount,
                    "reference": refund.provider_reference,
                    "at": case.refunded.isoformat(),
                }
            ]
        if not counter:
            charges.append(
                SandboxCharge(
                    provider_id=payment.provider_id,
                    reference=payment.reference,
                    amount=offer.fee,
                    currency=offer.currency,
                    description=pick(offer.title, "en")[:300],
                    return_url=return_url,
                    status=PaymentStatus.SUCCESS,
                    card_brand=rng.choice(["visa", "visa", "mastercard"]),
                    card_last4=rng.choice(["4242", "1111", "4444"]),
                    refunds=refunded,
                    created_at=started,
                    updated_at=case.refunded or case.paid,
                )
            )
    made["bills"] = writer.write(bills)
    writer.write(lines)
    made["payments"] = writer.write(payments)
    writer.write(events)
    writer.write(charges)
    made["refunds"] = writer.write(refunds)
    return made


# --- ratings ---------------------------------------------------------------------------------


def _ratings(cases: list[Case], year: Year, writer: Writer) -> int:
    """Applicants' answers to the feedback question, given as they sent their application."""
    rng, rows = year.rng, []
    for case in cases:
        shape = case.offer.shape
        if case.submitted is None or year.months_ago(case.submitted) >= RATED_MONTHS or rng.random() > shape.rated:
            continue
        slow = shape.slow_month is not None and year.months_ago(case.submitted) == shape.slow_month
        mean = shape.satisfaction - (0.8 if slow else 0) + (0.2 if case.channel != Channel.ONLINE else 0)
        mean += 0.25 * math.sin(year.months_ago(case.submitted) + len(case.offer.service.slug))  # month to month
        answer = min(5, max(1, round(rng.gauss(mean, 0.9))))
        at = min(case.submitted + datetime.timedelta(minutes=rng.uniform(1, 6)), year.now)
        rows.append(
            Rating(
                kind="application",
                reference=case.reference,
                rater=case.resident.user,
                agency_id=case.offer.service.agency_id,
                service=case.offer.service,
                channel=case.channel,
                answer=answer,
                comment=rng.choice(COMMENTS[answer]) if rng.random() < 0.12 else "",
                month=year.local(at).date().replace(day=1),
                created_at=at,
                updated_at=at,
            )
        )
    return writer.write(rows)


# --- problem reports -------------------------------------------------------------------------

# Where problems cluster: (latitude, longitude, spread in degrees, weight, weights of the kinds).
HOT_SPOTS = [
    (52.0320, 0.0100, 0.0009, 5, {"pothole": 5, "graffiti": 3, "streetlight": 1, "flytipping": 1}),  # Old Town
    (52.0270, 0.0300, 0.0008, 4, {"flytipping": 5, "graffiti": 2, "pothole": 1, "streetlight": 1}),  # Riverside
    (52.0080, 0.0300, 0.0010, 3, {"streetlight": 5, "pothole": 2, "flytipping": 1, "graffiti": 1}),  # Eastgate
    (52.0060, 0.0520, 0.0008, 3, {"flytipping": 4, "pothole": 2, "streetlight": 1, "graffiti": 1}),  # Southfield
    (52.0300, 0.0250, 0.0004, 3, {"pothole": 4, "streetlight": 2}),  # on the ring road
    (52.0350, 0.0500, 0.0009, 2, {"pothole": 4, "streetlight": 1, "flytipping": 1, "graffiti": 1}),  # Hillcrest
]
SPREAD = {"pothole": 35, "streetlight": 25, "flytipping": 25, "graffiti": 15}  # the reports far from a hot spot
BACKGROUND = 4  # weight of those, against the hot spots'
FIX_DAYS = {"pothole": 9, "streetlight": 12, "flytipping": 4, "graffiti": 15}
FIRST_NOTES = {
    ReportStatus.INVESTIGATING: "Thank you for reporting this. We are looking into it.",
    ReportStatus.ACTION_SCHEDULED: "We have booked a repair with our contractor.",
    ReportStatus.IN_PROGRESS: "Our team is on the way.",
}
LAST_NOTES = {
    ReportStatus.FIXED: "This has been dealt with. Thank you for reporting it.",
    ReportStatus.CLOSED_NOT_FIXED: "We cannot do this for now; we will look at it again in the next round of works.",
    ReportStatus.NOT_RESPONSIBLE: "This is not ours to deal with: we have passed it to the owner of the land.",
}


@dataclass
class Story:
    """One report, the areas holding it, and what happened to it (rows not yet written)."""

    report: Report
    holding: list[Area]
    updates: list[ReportUpdate] = field(default_factory=list)
    questionnaires: list[Questionnaire] = field(default_factory=list)


@dataclass
class Place:
    """An area with its shape ready for many point tests."""

    area: Area
    box: geo.BBox
    shape: geo.AreaShape

    @classmethod
    def of(cls, area: Area) -> Place:
        box = geo.BBox(area.min_lng, area.min_lat, area.max_lng, area.max_lat)
        return cls(area, box, geo.AreaShape(geo.from_geojson(area.geometry)))

    def contains(self, lat: float, lng: float) -> bool:
        return self.box.contains(lat, lng) and self.shape.contains(lat, lng)


def _route(lat: float, lng: float, code: str, places: list[Place], categories: dict) -> tuple[Any, list[Area]] | None:
    """The category and area a report of *code* at the point goes to (as the website routes it:
    the smallest area holding it whose agency handles the kind), and every area holding it."""
    holding = [place.area for place in places if place.contains(lat, lng)]
    for area in holding:
        category = categories.get((area.agency_id, code))
        if category is not None:
            return (category, area), holding
    return None


def _reports(people: list[Resident], year: Year, writer: Writer) -> Counter:
    """Problem reports of the year, around the hot spots and all over the city."""
    rng, made = year.rng, Counter()
    places = [Place.of(a) for a in sorted(Area.objects.filter(is_active=True), key=lambda a: (a.size, a.pk))]
    categories = {(c.agency_id, c.code): c for c in Category.objects.filter(is_active=True).select_related("agency")}
    staff = _staff_by_agency()
    city = [place.area for place in places if place.area.agency_id is not None]
    if not city or not categories:
        return made
    box = (
        min(a.min_lat for a in city),
        max(a.max_lat for a in city),
        min(a.min_lng for a in city),
        max(a.max_lng for a in city),
    )
    spots = [*HOT_SPOTS, (None, None, None, BACKGROUND, SPREAD)]
    plans: list[Story] = []
    for _attempt in range(REPORTS * 20):  # a point no agency answers for is tried again elsewhere
        if len(plans) == REPORTS:
            break
        lat0, lng0, spread, _weight, kinds = rng.choices(spots, weights=[s[3] for s in spots])[0]
        code = rng.choices(list(kinds), weights=list(kinds.values()))[0]
        if lat0 is None:
            lat, lng = rng.uniform(box[0], box[1]), rng.uniform(box[2], box[3])
        else:
            lat, lng = rng.gauss(lat0, spread), rng.gauss(lng0, spread * 1.6)
        routed = _route(lat, lng, code, places, categories)
        if routed is None or not staff.get(routed[0][0].agency_id):
            continue
        (category, area), holding = routed
        plans.append(
            _plan_report(category, area, holding, round(lat, 6), round(lng, 6), rng.choice(people), staff, year)
        )
    plans.sort(key=lambda story: story.report.created_at)
    made["reports"] = writer.write([story.report for story in plans])
    writer.write([ReportArea(area=area, report=story.report) for story in plans for area in story.holding])
    made["report updates"] = writer.write([update for story in plans for update in story.updates])
    writer.write([q for story in plans for q in story.questionnaires])
    return made


def _plan_report(
    category: Category,
    area: Area,
    holding: list[Area],
    lat: float,
    lng: float,
    resident: Resident,
    staff: dict[int, list[User]],
    year: Year,
) -> Story:
    """One report and what happened to it by now: the agency's first word, the outcome, perhaps
    a reopening, and the "is it fixed?" question four weeks on."""
    rng, now = year.rng, year.now
    code = category.code
    peak = 2 if code == "pothole" else 7 if code == "graffiti" else 11 if code == "streetlight" else 6
    created = year.waking(year.moment(peak, 0.35))
    created = min(created, now - datetime.timedelta(minutes=30))
    title, description, answers = rng.choice(TEXTS.get(code) or [("A problem here", "Please look at it.", {})])
    worker = rng.choice(staff[category.agency_id])
    agency_name = category.agency.name
    report = Report(
        category=category,
        service_code=code,
        agency_id=category.agency_id,
        area=area,
        latitude=lat,
        longitude=lng,
        cell=geo.cell_of(lat, lng),
        title=title,
        description=description,
        answers=answers,
        reporter=resident.user,
        reporter_name=resident.full_name,
        reporter_email=resident.user.email,
        language=resident.language,
        name_hidden=rng.random() < 0.2,
        confirmed_at=created,
        is_public=True,
        due_at=due_at_for(category, created),
        created_at=created,
        updated_at=created,
    )
    story = Story(report, holding)

    def update(kind: str, at: datetime.datetime, *, staff_member: Any = None, **values: Any) -> None:
        author = staff_member or resident.user
        story.updates.append(
            ReportUpdate(
                report=report,
                kind=kind,
                author=author,
                author_name=agency_name if staff_member else ("" if report.name_hidden else resident.full_name),
                author_email="" if staff_member else resident.user.email,
                is_staff=staff_member is not None,
                confirmed_at=at,
                is_public=True,
                created_at=at,
                **values,
            )
        )
        report.updated_at = max(report.updated_at, at)

    # The plan: first answer, outcome, perhaps the problem coming back, the question four weeks on.
    responded = created + datetime.timedelta(hours=min(year.lognormal(6 + 7 * category.response_days, 0.9), 24 * 40))
    roll = rng.random()
    outcome = (
        ReportStatus.FIXED
        if roll < 0.8
        else ReportStatus.CLOSED_NOT_FIXED
        if roll < 0.92
        else ReportStatus.NOT_RESPONSIBLE
    )
    first = rng.choice(list(FIRST_NOTES))
    fix_days = FIX_DAYS.get(code, 8)
    closed = responded
    if outcome != ReportStatus.NOT_RESPONSIBLE:  # not ours: answered by closing it
        closed += datetime.timedelta(days=year.lognormal(fix_days, 0.7))
    asked = created + datetime.timedelta(days=28)
    answered = asked + datetime.timedelta(hours=rng.uniform(1, 24 * 6)) if rng.random() < 0.35 else None
    reopened = by_answer = None
    if outcome == ReportStatus.FIXED and rng.random() < 0.08:
        # It comes back: the reporter says so, on the report or as their answer to the question.
        by_answer = answered is not None and closed <= answered
        reopened = answered if by_answer else closed + datetime.timedelta(days=rng.uniform(2, 20))
    fixed_again = reopened + datetime.timedelta(days=year.lognormal(fix_days / 2, 0.6)) if reopened else None

    # What of it has happened by now.
    if responded <= now:
        report.assignee, report.first_response_at = worker, responded
        if outcome != ReportStatus.NOT_RESPONSIBLE:
            update(
                UpdateKind.STATUS,
                responded,
                staff_member=worker,
                text=FIRST_NOTES[first],
                old_status=report.status,
                new_status=first,
            )
            report.status = first
    if closed <= now:
        update(
            UpdateKind.STATUS,
            closed,
            staff_member=worker,
            text=LAST_NOTES[outcome],
            old_status=report.status,
            new_status=outcome,
        )
        report.status, report.closed_at = outcome, closed
        if outcome == ReportStatus.NOT_RESPONSIBLE:
            report.responsible_body = "Northbridge Water Company"
    if reopened is not None and reopened <= now:
        text = "" if by_answer else "It is not fixed: the problem is back."
        update(
            UpdateKind.REOPENED,
            reopened,
            text=text,
            fixed_answer=False,
            old_status=outcome,
            new_status=ReportStatus.OPEN,
        )
        report.status, report.closed_at, report.reopened_at = ReportStatus.OPEN, None, reopened
        report.due_at = due_at_for(category, reopened)
        if fixed_again <= now:
            update(
                UpdateKind.STATUS,
                fixed_again,
                staff_member=worker,
                text=LAST_NOTES[outcome],
                old_status=ReportStatus.OPEN,
                new_status=outcome,
            )
            report.status, report.closed_at = outcome, fixed_again
    if asked <= now:
        # Asked of every report four weeks old, so the questionnaire task asks none of these again.
        report.questionnaire_sent_at = asked
        before = (
            outcome
            if closed <= asked
            else first
            if responded <= asked and outcome != ReportStatus.NOT_RESPONSIBLE
            else ReportStatus.OPEN
        )
        questionnaire = Questionnaire(report=report, email=resident.user.email, sent_at=asked, previous_status=before)
        story.questionnaires.append(questionnaire)
        if answered is not None and answered <= now:
            if by_answer:
                questionnaire.answer = QuestionnaireAnswer.NOT_FIXED  # its update reads "reopened" (above)
            elif outcome == ReportStatus.FIXED and closed <= answered and reopened is None:
                questionnaire.answer = QuestionnaireAnswer.FIXED
                update(UpdateKind.QUESTIONNAIRE, answered, text="", fixed_answer=True)
            elif closed > answered:  # still open then: "not fixed" is kept, and the report stays open
                questionnaire.answer = QuestionnaireAnswer.NOT_FIXED
                update(UpdateKind.QUESTIONNAIRE, answered, text="", fixed_answer=False)
            questionnaire.answered_at = answered if questionnaire.answer else None
    return story


# --- the agencies' settings --------------------------------------------------------------------


def _staff_by_agency(roles: tuple[str, ...] = (Role.CASEWORKER, Role.AGENCY_ADMIN)) -> dict[int, list[User]]:
    """Each agency's staff in *roles*, in the order they joined (who works the demo's cases)."""
    found: dict[int, list[User]] = defaultdict(list)
    for membership in Membership.objects.filter(role__in=roles).select_related("user").order_by("pk"):
        if membership.user not in found[membership.agency_id]:
            found[membership.agency_id].append(membership.user)
    return found


def _settings(offers: list[Offer]) -> list[str]:
    """Each agency's cost per channel, and an alert on the busiest service's backlog (configuration
    an agency admin would have set: made here directly, and left alone if already there)."""
    admins = _staff_by_agency((Role.AGENCY_ADMIN,))
    currencies: dict[int, Counter] = defaultdict(Counter)
    for offer in offers:
        currencies[offer.service.agency_id][offer.currency] += 1
    made = 0
    for agency_id, counted in currencies.items():
        admin = (admins.get(agency_id) or [None])[0]
        for channel, amount in COSTS.items():
            _cost, created = ChannelCost.objects.get_or_create(
                agency_id=agency_id,
                channel=channel,
                defaults={"amount": amount, "currency": counted.most_common(1)[0][0], "updated_by": admin},
            )
            made += created
    busiest = max(offers, key=lambda o: (o.shape.applications, -o.service.pk))
    _rule, created = AlertRule.objects.get_or_create(
        agency_id=busiest.service.agency_id,
        service=busiest.service,
        metric=Metric.BACKLOG,
        defaults={"threshold": BUSY_BACKLOG, "created_by": (admins.get(busiest.service.agency_id) or [None])[0]},
    )
    lines = [f"{made} costs per channel set"]
    if created:
        lines.append(f"an alert when {busiest.service.slug} has more than {BUSY_BACKLOG} open cases")
    return lines


# --- the whole -------------------------------------------------------------------------------


def _offers() -> list[Offer]:
    staff = _staff_by_agency((Role.CASEWORKER,))
    admins = _staff_by_agency((Role.AGENCY_ADMIN,))
    offers = []
    services = Service.objects.filter(status=ServiceStatus.PUBLISHED, current_version__isnull=False)
    for service in services.select_related("current_version").order_by("slug"):
        snapshot = service.current_version.snapshot
        workers = staff.get(service.agency_id) or admins.get(service.agency_id)
        if not workers:
            continue  # nobody could have decided its cases
        fee = snapshot.get("fee") or {}
        offers.append(
            Offer(
                service=service,
                shape=_shape_for(service.slug),
                form=FormDefinition.parse(snapshot["form"]),
                fee=int(fee.get("amount") or 0),
                currency=fee.get("currency") or service.fee_currency,
                deadline=int(snapshot.get("deadline_working_days") or service.deadline_working_days),
                title=snapshot.get("title") or service.title,
                staff=workers,
                admins=admins.get(service.agency_id) or workers,
            )
        )
    return offers


@transaction.atomic
def demo_analytics_load(*, now: datetime.datetime | None = None) -> list[str]:
    """Make the year of history (once) and rebuild the rollups; returns what happened, in short lines."""
    if User.objects.filter(email__endswith=f"@{DOMAIN}").exists():
        return ["a year of history: already there"]
    offers = _offers()
    if not offers:
        return ["a year of history: skipped (run seed_demo: no published service with staff)"]
    clock = time.monotonic()
    year = Year(now=now or timezone.now(), rng=random.Random(SEED))  # noqa: S311 - repeatable demo data
    people = _residents(year)
    cases = [
        _plan_case(offer, year.rng.choice(people), year) for offer in offers for _n in range(offer.shape.applications)
    ]
    writer = Writer()
    made = _write_cases(cases, year, writer)
    made["ratings"] = _ratings(cases, year, writer)
    made.update(_reports(people, year, writer))
    writer.finish()
    open_cases = Counter(
        c.offer.service.pk for c in cases if c.status in (Status.SUBMITTED, Status.IN_REVIEW, Status.INFO_REQUESTED)
    )
    lines = [
        f"a year of history: {len(people)} residents, "
        + ", ".join(f"{count} {name}" for name, count in made.items())
        + f", {sum(open_cases.values())} cases open now",
        *_settings(offers),
    ]
    rebuild(now=year.now)
    lines.append(f"rollups rebuilt ({time.monotonic() - clock:.1f} s in all)")
    return lines
