"""Load a year of applications (and problem reports) for analytics: ``manage.py seed_analytics_volume
1000000 --reports 1000000``.

Needs the demo's services (``seed_demo``). Applications are made over the last 365 days, in the
order of their numbers, through the channels in the proportions of a service that is mostly
digital (online 80 %, counter 15 %, trusted helper 5 %). About one in eight is still a draft,
stopped on one of its form pages (or before the first). The others were sent a few minutes to
two days after they were begun; a fee is paid within the hour mostly, some days later, a few
never (still waiting for payment), and the case joins the queue when it is paid. Caseworkers
decide most cases within the service's deadline, counted in working days with the configured
public holidays, during office hours: 84 % approved, 13 % refused (with a category), 3 %
withdrawn by the applicant; a case whose decision would fall after now is still open,
assigned or not. One case in ten had a request for more information. Fees were paid online or,
for counter cases, in cash or by card terminal at the counter; a few refusals were refunded.

Problem reports come from ``seed_report_volume`` (``--reports``); the agency's first public word
(``first_response_at``) is then set on nine in ten of them, a few hours to days after they were
made, never after they were closed, in one UPDATE.

Rows are written in batches of ``--batch`` with COPY on PostgreSQL and ``executemany`` on
SQLite, without audit rows (this is load, not behaviour), and the tables are analysed at the
end. The same ``--seed``, count and database give the same applications.
"""

from __future__ import annotations

import datetime
import random
import time
import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import DateTimeField, F, Max, Value
from django.db.models.functions import Coalesce, Least, Mod
from django.db.models.lookups import Exact
from django.utils import timezone

from ecitizen.agencies.models import Membership
from ecitizen.cases.models import Application, Channel, InformationRequest, RefusalCategory, Status
from ecitizen.catalogue.models import Service
from ecitizen.core.working_days import add_working_days
from ecitizen.payments.models import Bill, BillLine, BillStatus, Method, Payment, PaymentStatus, Refund, RefundStatus
from ecitizen.reports.management.commands.seed_report_volume import insert, volume_reports
from ecitizen.reports.models import Report

DAYS = 365
CITIZEN_PREFIX = "analytics-volume-"  # how volume_applications() tells these applications from real ones
CHANNELS = [(Channel.ONLINE, 80), (Channel.COUNTER, 15), (Channel.HELPER, 5)]
REFUSALS = [
    (RefusalCategory.NOT_ELIGIBLE, 45),
    (RefusalCategory.EVIDENCE_MISSING, 30),
    (RefusalCategory.NO_RESPONSE, 12),
    (RefusalCategory.DUPLICATE, 5),
    (RefusalCategory.OTHER, 8),
]
OPEN_STATUSES = [Status.SUBMITTED, Status.IN_REVIEW, Status.IN_REVIEW, Status.INFO_REQUESTED]
# How long after a report the agency first answered it: a few hours to a few days.
FIRST_RESPONSE_DELAYS = [datetime.timedelta(hours=h) for h in (1, 2, 3, 5, 8, 12, 18, 26, 40, 60, 96, 150)]


def volume_applications() -> models.QuerySet[Application]:
    """The applications this command loaded (the benchmark counts them to load only what is missing)."""
    return Application.objects.filter(citizen__email__startswith=CITIZEN_PREFIX)


@dataclass
class Offer:
    """A published service as the loader uses it."""

    service_id: int
    version_id: int
    agency_id: int
    agency_code: str
    fee: int
    currency: str
    deadline: int
    pages: list[str]
    weight: int


class Command(BaseCommand):
    help = "Bulk-load a year of applications (and problem reports) for the analytics benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("count", type=int, help="applications to load")
        parser.add_argument("--reports", type=int, default=0, help="problem reports to load (seed_report_volume)")
        parser.add_argument("--batch", type=int, default=50_000, help="rows per insert (default 50000)")
        parser.add_argument("--citizens", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=17)

    def handle(self, *args, count, reports, batch, citizens, seed, **options):
        if count < 0 or reports < 0 or batch < 1 or citizens < 1:
            raise CommandError("count and --reports >= 0, --batch and --citizens >= 1.")
        started = time.monotonic()
        if count:
            writer = ApplicationWriter(seed=seed, citizens=self._citizens(citizens))
            made = 0
            while made < count:
                n = min(batch, count - made)
                writer.write(n)
                made += n
                self.stdout.write(f"\r{made}/{count}", ending="")
                self.stdout.flush()
            writer.finish()
            self.stdout.write(
                f"\nLoaded {count} applications ({writer.written[InformationRequest]} information requests, "
                f"{writer.written[Payment]} payments, {writer.written[Refund]} refunds) "
                f"in {time.monotonic() - started:.0f} s."
            )
        if reports:
            call_command("seed_report_volume", reports, batch=batch, seed=seed, stdout=self.stdout)
            answered = set_first_responses(now=timezone.now())
            self.stdout.write(f"Set the first response of {answered} problem reports.")

    def _citizens(self, count: int) -> list[int]:
        User = get_user_model()
        mine = User.objects.filter(email__startswith=CITIZEN_PREFIX)
        have = mine.count()
        if have < count:
            User.objects.bulk_create(
                [User(email=f"{CITIZEN_PREFIX}{i}@example.org", password="!") for i in range(have, count)],  # noqa: S106 - unusable
                batch_size=1000,
            )
        return list(mine.order_by("pk").values_list("pk", flat=True)[:count])


def set_first_responses(*, now: datetime.datetime) -> int:
    """Give nine in ten volume reports their first response, a few hours to days after they were
    made (by their number), never after they were closed nor after *now*: one UPDATE."""
    delay = models.Case(
        *[
            models.When(Exact(Mod("id", len(FIRST_RESPONSE_DELAYS)), k), then=F("created_at") + step)
            for k, step in enumerate(FIRST_RESPONSE_DELAYS)
        ],
        output_field=DateTimeField(),
    )
    answered = (
        volume_reports()
        .filter(confirmed_at__isnull=False, first_response_at__isnull=True)
        .exclude(Exact(Mod("id", 10), 0))
        .update(first_response_at=Least(delay, Coalesce("closed_at", delay), Value(now, output_field=DateTimeField())))
    )
    _analyse([Report])
    return answered


class ApplicationWriter:
    """Makes applications batch by batch, with numbers of their own (sequences are reset at the end)."""

    def __init__(self, *, seed: int, citizens: list[int]):
        self.offers = self._offers()
        self.weights = [offer.weight for offer in self.offers]
        self.citizens = citizens
        self.caseworkers: dict[int, list[int]] = {}
        for agency_id, user_id in Membership.objects.filter(role="caseworker").values_list("agency_id", "user_id"):
            self.caseworkers.setdefault(agency_id, []).append(user_id)
        self.tz = timezone.get_default_timezone()
        self.now = timezone.now()
        self.start = self.now - datetime.timedelta(days=DAYS)
        self.models = (Application, InformationRequest, Bill, BillLine, Payment, Refund)
        self.ids = {model: model.objects.aggregate(m=Max("pk"))["m"] or 0 for model in self.models}
        self.written = dict.fromkeys(self.models, 0)
        # A second run on the same database goes on from its last application with other values.
        self.rng = random.Random(f"{seed}-{self.ids[Application]}")  # noqa: S311 - repeatable synthetic data
        self.total = 0
        self._due: dict[tuple[datetime.date, int], datetime.date] = {}

    @staticmethod
    def _offers() -> list[Offer]:
        weights = {"resident-parking-permit": 40, "birth-certificate-copy": 30, "concessionary-bus-pass": 20}
        offers = [
            Offer(
                service_id=service.pk,
                version_id=service.current_version_id,
                agency_id=service.agency_id,
                agency_code=service.agency.code,
                fee=service.fee_amount,
                currency=service.fee_currency,
                deadline=service.deadline_working_days,
                pages=[page["id"] for page in service.current_version.snapshot.get("form", {}).get("pages", [])],
                weight=weights.get(service.slug, 10),
            )
            for service in Service.objects.filter(current_version__isnull=False)
            .select_related("agency", "current_version")
            .order_by("pk")
        ]
        if not offers:
            raise CommandError("No published service: run seed_demo first.")
        return offers

    # --- time -------------------------------------------------------------------------------------

    def _later(self, moment: datetime.datetime, low: float, high: float) -> datetime.datetime:
        """*moment* plus between *low* and *high* hours."""
        return moment + datetime.timedelta(hours=self.rng.uniform(low, high))

    def _working_day_after(self, moment: datetime.datetime, working_days: int) -> datetime.date:
        """The date *working_days* working days after *moment*'s local date (remembered: the calendar
        walk is slow, and a year has only so many days)."""
        key = (timezone.localtime(moment, self.tz).date(), working_days)
        if key not in self._due:
            self._due[key] = add_working_days(*key)
        return self._due[key]

    def _decided_at(self, queued: datetime.datetime, working_days: int) -> datetime.datetime:
        """A moment in office hours *working_days* working days after the day *queued* joined the queue."""
        day = self._working_day_after(queued, working_days)
        minutes = self.rng.randrange(9 * 60, 17 * 60 + 30)
        moment = datetime.datetime.combine(day, datetime.time(minutes // 60, minutes % 60), tzinfo=self.tz)
        if moment <= queued:
            moment = self._later(queued, 0.2, 3)
        return moment

    def _decision_days(self, deadline: int) -> int:
        """Working days from queue to decision: mostly within the deadline, a tail beyond it."""
        if self.rng.random() < 0.86:
            return self.rng.randint(0, deadline)
        return deadline + self.rng.randint(1, max(deadline, 3))

    def _next(self, model) -> int:
        self.ids[model] += 1
        return self.ids[model]

    # --- rows -------------------------------------------------------------------------------------

    def write(self, n: int) -> None:
        rng, now = self.rng, self.now
        span = (now - self.start).total_seconds()
        # Dates rise with the number, with jitter, as on a real site.
        fractions = sorted(rng.random() for _ in range(n))
        rows: dict[type[models.Model], list[dict]] = {model: [] for model in self.models}
        channels, channel_weights = zip(*CHANNELS, strict=True)
        for fraction in fractions:
            offer = rng.choices(self.offers, self.weights)[0]
            pk = self._next(Application)
            created = self.start + datetime.timedelta(seconds=span * fraction)
            channel = rng.choices(channels, channel_weights)[0]
            staff = self.caseworkers.get(offer.agency_id, [])
            row = {
                "id": pk,
                "citizen_id": rng.choice(self.citizens),
                "agency_id": offer.agency_id,
                "service_version_id": offer.version_id,
                "start_token": uuid.UUID(int=rng.getrandbits(128), version=4),
                "channel": channel,
                "created_at": created,
                "updated_at": created,
            }
            rows[Application].append(row)
            submitted = self._later(created, 0.08, 48)
            if rng.random() < 0.12 or submitted > now:
                pages = offer.pages or [""]
                row.update(
                    status=Status.DRAFT,
                    last_page_id="" if rng.random() < 0.1 else rng.choice(pages[:-1] or pages),
                    updated_at=min(self._later(created, 0.01, 72), now),
                )
                continue
            row.update(
                reference=f"{offer.agency_code}-V{pk:09d}",
                answers={"volume": True},
                declaration_accepted=True,
                submitted_at=submitted,
                last_page_id=offer.pages[-1] if offer.pages else "",
                updated_at=submitted,
            )
            queued = submitted
            if offer.fee:
                queued = self._later(submitted, 0.02, 1) if rng.random() < 0.85 else self._later(submitted, 12, 120)
                if rng.random() < 0.02 or queued > now:
                    row.update(status=Status.AWAITING_PAYMENT)
                    self._bill(rows, row, offer, paid_at=None)
                    continue
            row.update(queued_at=queued, due_date=self._working_day_after(queued, offer.deadline), updated_at=queued)
            payment_id = self._bill(rows, row, offer, paid_at=queued) if offer.fee else None
            roll = rng.random()
            if roll < 0.03:
                withdrawn = self._later(queued, 4, 24 * 15)
                if withdrawn <= now:
                    row.update(status=Status.WITHDRAWN, withdrawn_at=withdrawn, updated_at=withdrawn)
                    continue
            decided = self._decided_at(queued, self._decision_days(offer.deadline))
            if rng.random() < 0.10:
                asked = min(queued + (decided - queued) * 0.3, now)
                self._info_request(rows, row, staff, asked)
            if decided > now:
                status = rng.choice(OPEN_STATUSES)
                row.update(status=status, assignee_id=rng.choice(staff) if staff and rng.random() < 0.7 else None)
                continue
            refused = roll > 0.87
            row.update(
                status=Status.REFUSED if refused else Status.APPROVED,
                decided_at=decided,
                updated_at=decided,
                assignee_id=rng.choice(staff) if staff else None,
            )
            if refused:
                categories, weights = zip(*REFUSALS, strict=True)
                row.update(
                    refusal_category=rng.choices(categories, weights)[0],
                    decision_reason="Refused in the benchmark load.",
                )
                refunded = self._later(decided, 24, 24 * 5)
                if payment_id is not None and rng.random() < 0.10 and refunded <= now:
                    rows[Refund].append(
                        {
                            "id": self._next(Refund),
                            "payment_id": payment_id,
                            "amount": offer.fee,
                            "reason": "Refunded in the benchmark load.",
                            "status": RefundStatus.SUCCESS,
                            "requested_by_id": row["assignee_id"],
                            "created_at": refunded,
                            "decided_at": refunded,
                        }
                    )
        with transaction.atomic():
            for model in self.models:
                insert(model, rows[model])
                self.written[model] += len(rows[model])

    def _info_request(self, rows: dict, row: dict, staff: list[int], asked: datetime.datetime) -> None:
        if not staff:
            return
        answered = self._later(asked, 2, 72)
        rows[InformationRequest].append(
            {
                "id": self._next(InformationRequest),
                "application_id": row["id"],
                "requested_by_id": self.rng.choice(staff),
                "message": "Please send a clearer copy of your proof of address.",
                "created_at": asked,
                "response": "Here it is." if answered <= self.now else "",
                "responded_at": answered if answered <= self.now else None,
            }
        )

    def _bill(self, rows: dict, row: dict, offer: Offer, *, paid_at: datetime.datetime | None) -> int | None:
        """The application's fee bill and, when *paid_at*, its successful payment (whose id is returned)."""
        bill_id = self._next(Bill)
        issued = row["submitted_at"]
        rows[Bill].append(
            {
                "id": bill_id,
                "reference": f"{offer.agency_code}-VB{bill_id:09d}",
                "agency_id": offer.agency_id,
                "payer_id": row["citizen_id"],
                "application_id": row["id"],
                "description": {"en": "Application fee"},
                "currency": offer.currency,
                "total": offer.fee,
                "due_date": timezone.localtime(issued, self.tz).date() + datetime.timedelta(days=30),
                "status": BillStatus.PAID if paid_at else BillStatus.OPEN,
                "paid_at": paid_at,
                "created_at": issued,
                "updated_at": paid_at or issued,
            }
        )
        rows[BillLine].append(
            {
                "id": self._next(BillLine),
                "bill_id": bill_id,
                "kind": "fee",
                "description": {"en": "Application fee"},
                "amount": offer.fee,
                "created_at": issued,
            }
        )
        if paid_at is None:
            return None
        counter = row["channel"] == Channel.COUNTER
        staff = self.caseworkers.get(offer.agency_id) or [None]
        payment_id = self._next(Payment)
        rows[Payment].append(
            {
                "id": payment_id,
                "reference": f"VP{payment_id:012d}",
                "bill_id": bill_id,
                "payer_id": row["citizen_id"],
                "amount": offer.fee,
                "currency": offer.currency,
                "method": self.rng.choice([Method.CASH, Method.CARD_TERMINAL]) if counter else Method.SANDBOX,
                "status": PaymentStatus.SUCCESS,
                "recorded_by_id": self.rng.choice(staff) if counter else None,
                "created_at": issued,
                "updated_at": paid_at,
                "finished_at": paid_at,
            }
        )
        return payment_id

    def finish(self) -> None:
        """Move the id sequences past the rows written, and give the planner fresh statistics."""
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(self.models)):
                cursor.execute(sql)
        _analyse(list(self.models))


def _analyse(tables: list[type[models.Model]]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for model in tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        else:
            cursor.execute("ANALYZE")
