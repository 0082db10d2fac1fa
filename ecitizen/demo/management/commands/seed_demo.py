"""Load the demo: agencies, staff with MFA, an auditor, citizens, the population register.

Idempotent: running it again adds nothing new and prints the same accounts.
"""

from __future__ import annotations

import datetime

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from ecitizen.accounts.adapter import MFAAdapter
from ecitizen.accounts.models import Profile, User
from ecitizen.accounts.services import identity_verify_with_register, profile_update
from ecitizen.agencies.models import Agency, Role
from ecitizen.agencies.services import agency_save, membership_grant
from ecitizen.demo.addresses import demo_address
from ecitizen.demo.agency_names import demo_agency_names_load
from ecitizen.demo.analytics import demo_analytics_load
from ecitizen.demo.budgeting import demo_budgeting_load
from ecitizen.demo.consultations import demo_consultations_load
from ecitizen.demo.dashboard import demo_dashboard_load
from ecitizen.demo.datasets import seed_datasets
from ecitizen.demo.discussions import demo_discussions_load
from ecitizen.demo.feedback import demo_feedback_load
from ecitizen.demo.foi import seed_foi
from ecitizen.demo.inbox import leave_recent_messages_unread
from ecitizen.demo.ledger import demo_ledger_load
from ecitizen.demo.petitions import demo_petitions_load
from ecitizen.demo.referendums import demo_credential_code, demo_referendums_load
from ecitizen.exchange.services import Person, population_register_load, synthetic_people

DEMO_PASSWORD = "demo-pass-2026"

AGENCIES = [
    ("City Council", "city-council", "CC", "council"),
    ("Transport Agency", "transport-agency", "TA", "transport"),
    ("Civil Registry", "civil-registry", "CR", "registry"),
]

CITIZENS = [
    # email, given, family, born, national id, language, verified
    ("amina@example.org", "Amina", "Haddad", datetime.date(1988, 4, 12), "AH-120488-K", "en", True),
    ("ben@example.org", "Ben", "Okafor", datetime.date(1979, 11, 3), "BO-031179-M", "en", False),
    ("lucia@example.org", "Lucía", "García", datetime.date(1995, 7, 21), "LG-210795-P", "es", False),
]


class Command(BaseCommand):
    help = "Load demo agencies, staff, citizens and the synthetic population register; print the accounts."

    def add_arguments(self, parser):
        parser.add_argument("--register-size", type=int, default=500)

    @transaction.atomic
    def handle(self, *args, register_size: int, **options):
        people = synthetic_people(register_size) + [
            Person(nid, given, family, born) for _e, given, family, born, nid, _l, _v in CITIZENS
        ]
        added = population_register_load(people)
        rows: list[tuple[str, str, str]] = []

        admin = self._user("admin@ecitizen.example", superuser=True)
        rows.append((admin.email, "Platform admin (Django admin)", self._totp(admin)))

        for name, slug, code, short in AGENCIES:
            agency = Agency.objects.filter(slug=slug).first()
            if agency is None:
                agency = agency_save(actor=None, agency=Agency(name=name, slug=slug, code=code), created=True)
            for role, label in ((Role.CASEWORKER, "caseworker"), (Role.AGENCY_ADMIN, "admin")):
                user = self._user(f"{label}@{short}.example")
                membership_grant(actor=None, agency=agency, user=user, role=role)
                rows.append((user.email, f"{Role(role).label}, {name}", self._totp(user)))
            if short == "council":
                moderator = self._user("moderator@council.example")
                membership_grant(actor=None, agency=agency, user=moderator, role=Role.MODERATOR)
                rows.append((moderator.email, f"{Role.MODERATOR.label}, {name}", self._totp(moderator)))

        demo_agency_names_load()
        auditor = self._user("auditor@ecitizen.example")
        group, _ = Group.objects.get_or_create(name="Platform auditors")
        group.permissions.add(Permission.objects.get(codename="view_all_auditlog"))
        auditor.groups.add(group)
        rows.append((auditor.email, "Auditor (every agency)", self._totp(auditor)))

        for email, given, family, born, nid, language, verified in CITIZENS:
            user = self._user(email)
            profile_update(
                actor=user,
                user=user,
                data={
                    "given_name": given,
                    "family_name": family,
                    "date_of_birth": born,
                    "preferred_language": language,
                    **demo_address(email),
                },
            )
            if verified and not Profile.objects.filter(user=user, identity_verified=True).exists():
                identity_verify_with_register(
                    user=user, given_name=given, family_name=family, date_of_birth=born, national_id=nid
                )
            state = "verified" if verified else f"basic — can self-verify with {nid}, born {born}"
            rows.append((email, f"Citizen ({state})", "—"))

        call_command("seed_services", stdout=self.stdout)
        call_command("seed_taxes", stdout=self.stdout)
        call_command("seed_addresses", stdout=self.stdout)
        call_command("seed_reports", stdout=self.stdout)
        self.stdout.write("Dashboard of amina@example.org: " + "; ".join(demo_dashboard_load()) + ".")
        self.stdout.write("Satisfaction ratings: " + "; ".join(demo_feedback_load()) + ".")
        # Have your say: discussions last, so that they can comment on the consultation and petition.
        self.stdout.write("Consultations: " + "; ".join(demo_consultations_load()) + ".")
        self.stdout.write("Petitions: " + "; ".join(demo_petitions_load()) + ".")
        self.stdout.write("Information requests: " + "; ".join(seed_foi()) + ".")
        self.stdout.write("Discussions: " + "; ".join(demo_discussions_load()) + ".")
        self.stdout.write("Participatory budgets: " + "; ".join(demo_budgeting_load()) + ".")
        self.stdout.write("Referendums: " + "; ".join(demo_referendums_load()) + ".")
        self.stdout.write("Open data: " + "; ".join(seed_datasets()) + ".")
        # Before the public log is filled, so that the year's decisions are recorded in it at once.
        self.stdout.write("Service analytics: " + "; ".join(demo_analytics_load()) + ".")
        leave_recent_messages_unread(email for email, *_rest in CITIZENS)
        self.stdout.write("Public log: " + "; ".join(demo_ledger_load()) + ".")
        self.stdout.write(
            f"Population register: {added} people added ({register_size + len(CITIZENS)} in the demo set)."
        )
        self.stdout.write("")
        self.stdout.write(f"Demo accounts — every password is: {DEMO_PASSWORD}")
        width = max(len(r[0]) for r in rows)
        self.stdout.write(f"{'email'.ljust(width)}  {'TOTP secret (staff must use MFA)'.ljust(34)}  role")
        for email, role, secret in rows:
            self.stdout.write(f"{email.ljust(width)}  {secret.ljust(34)}  {role}")
        self.stdout.write("Add a TOTP secret to any authenticator app, or run: python manage.py totp_code SECRET")
        code = demo_credential_code()
        if code:
            # Only the demo prints a credential: a real deployment emails each code and keeps none.
            self.stdout.write(f"Referendum credential code of amina@example.org (car-free Sundays): {code}")

    def _user(self, email: str, *, superuser: bool = False) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            maker = User.objects.create_superuser if superuser else User.objects.create_user
            user = maker(email=email, password=DEMO_PASSWORD)
            Profile.objects.get_or_create(user=user, defaults={"preferred_language": "en"})
        EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        return user

    def _totp(self, user: User) -> str:
        existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
        if existing is not None:
            return MFAAdapter().decrypt(existing.data["secret"])
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
        return secret
