"""Load many submitted applications, for benchmarks: ``manage.py seed_volume 1000000``.

Applications are spread over 1,000 synthetic citizens, every published
service of the agency, all open statuses and due dates a few weeks either
side of today, assigned to the agency's caseworkers or to nobody. Rows go in
with bulk inserts (no audit rows: this is load, not behaviour).
"""

from __future__ import annotations

import datetime
import random

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from ecitizen.agencies.models import Agency, Membership
from ecitizen.cases.models import Application, ReferenceCounter, Status
from ecitizen.catalogue.models import ServiceVersion

BATCH = 5000


class Command(BaseCommand):
    help = "Bulk-load submitted applications for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("count", type=int)
        parser.add_argument("--agency", default="CC", help="Agency code (default CC).")
        parser.add_argument("--citizens", type=int, default=1000)

    def handle(self, *args, count, agency, citizens, **options):
        agency_obj = Agency.objects.filter(code=agency).first()
        if agency_obj is None:
            raise CommandError(f"No agency with code {agency}; run seed_demo first.")
        versions = list(
            ServiceVersion.objects.filter(service__agency=agency_obj, service__current_version__isnull=False)
        )
        if not versions:
            raise CommandError("The agency has no published service; run seed_demo first.")
        people = self._citizens(citizens)
        staff = list(Membership.objects.filter(agency=agency_obj, role="caseworker").values_list("user_id", flat=True))
        rng = random.Random(7)
        today = timezone.localdate()
        now = timezone.now()
        year = today.year
        counter, _ = ReferenceCounter.objects.get_or_create(agency=agency_obj, year=year)
        start = counter.last_number
        statuses = [Status.SUBMITTED, Status.IN_REVIEW, Status.INFO_REQUESTED, Status.APPROVED, Status.REFUSED]
        made = 0
        while made < count:
            rows = []
            for i in range(min(BATCH, count - made)):
                number = start + made + i + 1
                rows.append(
                    Application(
                        reference=f"{agency_obj.code}-{year}-{number:06d}"
                        if number < 1_000_000
                        else f"{agency_obj.code}-{year}-{number}",
                        citizen_id=rng.choice(people),
                        agency=agency_obj,
                        service_version=rng.choice(versions),
                        status=rng.choice(statuses),
                        answers={"registration": "AB12 CDE"},
                        declaration_accepted=True,
                        submitted_at=now - datetime.timedelta(minutes=rng.randrange(60 * 24 * 60)),
                        due_date=today + datetime.timedelta(days=rng.randrange(-20, 40)),
                        assignee_id=rng.choice(staff + [None]) if staff else None,
                    )
                )
            with transaction.atomic():
                Application.objects.bulk_create(rows, batch_size=1000)
            made += len(rows)
            self.stdout.write(f"\r{made}/{count}", ending="")
            self.stdout.flush()
        ReferenceCounter.objects.filter(pk=counter.pk).update(last_number=start + count)
        self.stdout.write(f"\nLoaded {count} applications for {agency_obj.name}.")

    def _citizens(self, count: int) -> list[int]:
        User = get_user_model()
        existing = list(User.objects.filter(email__startswith="volume-").values_list("pk", flat=True)[:count])
        missing = count - len(existing)
        if missing > 0:
            offset = len(existing)
            User.objects.bulk_create(
                [User(email=f"volume-{offset + i}@example.org", password="!") for i in range(missing)], batch_size=1000
            )
            existing = list(User.objects.filter(email__startswith="volume-").values_list("pk", flat=True)[:count])
        return existing
