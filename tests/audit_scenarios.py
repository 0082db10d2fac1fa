"""One scenario per audit action: how to make each ``AuditAction`` happen through its service.

Each scenario takes a :class:`World` (lazy access to the shared personas and
builders), does its setup, and returns a thunk. Calling the thunk performs the
action once and returns an :class:`Expect`: the actor, subject and agency the
audit row must name. ``SCENARIOS`` maps every action value to its scenario;
tests/test_audit_actions.py checks that there is one for every action and that
each writes exactly its row, and tests/test_rule1_failure_injection.py makes
the audit row fail and checks that the whole change rolls back.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models

from ecitizen.core.models import AuditAction as A

_seq = itertools.count(1)

OLD_TOWN = (52.030, 0.005)


@dataclass
class Expect:
    actor: Any = None
    subject: models.Model | None = None
    agency: Any = None


Thunk = Callable[[], Expect]
Scenario = Callable[["World"], Thunk]


class World:
    """The personas of conftest.py (as pytest fixtures, made on first use) and builders on top."""

    def __init__(self, request):
        self._request = request
        self._cache: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._request.getfixturevalue(name)

    def _once(self, key: str, make: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    # --- people ---------------------------------------------------------------------------

    def verify_citizen_against_register(self):
        """Amina proves who she is against the register (each call verifies again)."""
        from ecitizen.accounts.services import identity_verify_with_register

        person = self.register_person()
        identity_verify_with_register(
            user=self.citizen,
            given_name=person.given_name,
            family_name=person.family_name,
            date_of_birth=person.date_of_birth,
            national_id=person.national_id,
        )
        return self.citizen

    def verified_citizen(self):
        return self._once("verified_citizen", self.verify_citizen_against_register)

    def staff(self, role: str, agency=None):
        from ecitizen.agencies.models import Membership

        user = self.make_user(f"{role}-{next(_seq)}@staff.example")
        Membership.objects.create(user=user, agency=agency or self.agency_a, role=role)
        self.with_mfa(user)
        return user

    def superuser(self):
        def make():
            from ecitizen.accounts.models import User

            return User.objects.create_superuser(email="root@ecitizen.example", password="correct horse battery")

        return self._once("superuser", make)

    def request(self, user=None):
        from django.contrib.auth.models import AnonymousUser
        from django.contrib.messages.storage.fallback import FallbackStorage
        from django.contrib.sessions.backends.db import SessionStore

        request = self.rf.post("/")
        request.user = user or AnonymousUser()
        request.session = SessionStore()
        request._messages = FallbackStorage(request)
        return request

    # --- catalogue and cases --------------------------------------------------------------

    def version(self, *, fee: int = 0):
        from ecitizen.cases.tests.conftest import make_version

        return make_version(self.agency_a, slug=f"permit-{next(_seq)}", fee=fee)

    def draft(self, *, fee: int = 0):
        from ecitizen.cases import services

        return services.application_start(
            citizen=self.verified_citizen(), service_version=self.version(fee=fee), start_token=uuid.uuid4()
        )

    def submitted(self, *, fee: int = 0):
        from ecitizen.cases import services

        citizen = self.verified_citizen()
        application = self.draft(fee=fee)
        services.application_save_page(
            citizen=citizen,
            application=application,
            page_id="vehicle",
            answers={"registration": "AB12 CDE", "moved": "no"},
        )
        return services.application_submit(citizen=citizen, application=application, declaration=True)

    def approved(self):
        from ecitizen.cases import services

        application = self.submitted()
        return services.case_approve(
            actor=self.caseworker_a, application=application, expected_version=application.version
        )

    def service_data(self):
        from ecitizen.catalogue.models import Category

        category, _ = Category.objects.get_or_create(slug="parking", defaults={"name": {"en": "Parking"}})
        return {
            "title": {"en": f"Apply for a permit {next(_seq)}"},
            "summary": {"en": "Park near your home."},
            "description": {"en": "One permit per vehicle."},
            "documents_required": {},
            "category": category,
            "life_events": [],
            "identity_level": "basic",
            "fee_amount": 0,
            "fee_currency": "GBP",
            "deadline_working_days": 10,
            "issues": "permit",
            "validity_days": 365,
        }

    def draft_service(self):
        from ecitizen.catalogue.services import service_create

        return service_create(actor=self.admin_a, agency=self.agency_a, data=self.service_data())

    def publishable_service(self):
        from ecitizen.catalogue.services import service_form_update
        from ecitizen.catalogue.tests.conftest import PARKING_FORM

        return service_form_update(actor=self.admin_a, service=self.draft_service(), form=PARKING_FORM)

    # --- payments -----------------------------------------------------------------------------

    def bill(self, amount: int = 3000):
        from django.utils import timezone

        from ecitizen.payments.models import LineKind
        from ecitizen.payments.services import bill_create

        return bill_create(
            actor=None,
            agency=self.agency_a,
            payer=self.citizen,
            currency="GBP",
            lines=[(LineKind.FEE, {"en": "Permit"}, amount)],
            description={"en": "Permit"},
            due_date=timezone.localdate() + datetime.timedelta(days=30),
        )

    def payment(self, bill=None):
        from ecitizen.payments.services import payment_create

        return payment_create(payer=self.citizen, bill=bill or self.bill(), idempotency_key=uuid.uuid4().hex)

    def callback(self, payment, status: str = "success"):
        """The provider's signed notification, handled by the payments service (as the callback view does)."""
        from ecitizen.payments.services import callback_handle

        body, headers = _sandbox_callback(payment, status)
        callback_handle(provider_name="sandbox", body=body, headers=headers)
        payment.refresh_from_db()
        return payment

    def pay(self, payment, card: str = "4444333322221111"):
        from ecitizen.payments.providers import sandbox

        with self.django_capture_on_commit_callbacks(execute=True):
            sandbox.submit_card(provider_id=payment.provider_id, card_number=card)
        payment.refresh_from_db()
        return payment

    def paid(self, amount: int = 3000):
        return self.pay(self.payment(self.bill(amount)))

    def awaiting_refund(self):
        from ecitizen.payments.refunds import refund_request

        payment = self.paid(500_000)
        return refund_request(actor=self.caseworker_a, payment=payment, amount=400_000, reason="Overcharged")

    def tax(self):
        from ecitizen.payments.taxes import tax_save
        from ecitizen.payments.tests.tax_fixtures import TAX_DATA

        return self._once("tax", lambda: tax_save(actor=self.admin_a, agency=self.agency_a, data=TAX_DATA))

    def assessed_tax(self):
        def make():
            from ecitizen.payments.taxes import assessments_import_csv
            from ecitizen.payments.tests.tax_fixtures import HOMES_CSV, YEAR

            tax = self.tax()
            result = assessments_import_csv(actor=self.admin_a, tax=tax, year=YEAR, file=HOMES_CSV.encode())
            assert result.ok, result.errors
            return tax

        return self._once("assessed_tax", make)

    # --- reports ------------------------------------------------------------------------------

    def city(self):
        def make():
            from ecitizen.reports.tests.conftest import make_area, square

            return make_area(self.agency_a, "Old Town", square(0.000, 52.020, 0.020, 52.040))

        return self._once("city", make)

    def pothole(self, agency=None):
        from ecitizen.reports.models import Category
        from ecitizen.reports.tests.conftest import make_area, square

        agency = agency or self.agency_a
        if agency != self.agency_a:
            make_area(agency, "Ring road", square(0.000, 52.020, 0.020, 52.040))
        else:
            self.city()
        category, _ = Category.objects.get_or_create(
            agency=agency, code="pothole", defaults={"name": {"en": "Pot-hole"}, "response_days": 5}
        )
        return category

    def report(self, **overrides):
        from ecitizen.reports.services import report_create

        self.pothole()
        values = {
            "actor": self.citizen,
            "service_code": "pothole",
            "latitude": OLD_TOWN[0],
            "longitude": OLD_TOWN[1],
            "title": "Deep pot-hole",
            "description": "A deep pot-hole by the bus stop.",
        }
        values.update(overrides)
        return report_create(**values)

    def photo_file(self):
        from django.core.files.uploadedfile import SimpleUploadedFile
        from PIL import Image

        buffer = io.BytesIO()
        Image.new("RGB", (20, 10), (200, 30, 30)).save(buffer, format="JPEG")
        return SimpleUploadedFile("p.jpg", buffer.getvalue(), "image/jpeg")

    def alert(self):
        from ecitizen.reports import alerts
        from ecitizen.reports.models import AlertKind

        return alerts.alert_subscribe(
            actor=self.request().user, kind=AlertKind.AREA, area=self.city(), email="x@example.org", language="en"
        )


def _then(call: Callable[[], Any], **expect: Any) -> Thunk:
    """The usual thunk: make one service call, then expect the given actor, subject and agency."""

    def act():
        call()
        return Expect(**expect)

    return act


# --- accounts -------------------------------------------------------------------------------------


def _signal(signal_path: str, action_user: str = "citizen", **send) -> Scenario:
    """A scenario that sends one of allauth's (or Django's) signals, as allauth does."""

    def scenario(w: World) -> Thunk:
        import importlib

        module, name = signal_path.rsplit(".", 1)
        signal = getattr(importlib.import_module(module), name)
        user = getattr(w, action_user)
        extra = {k: (v(w, user) if callable(v) else v) for k, v in send.items()}

        def act():
            signal.send(sender=type(user), request=w.request(user), user=user, **extra)
            return Expect(actor=user, subject=user)

        return act

    return scenario


def _totp(w, user):
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)


def signed_up(w: World) -> Thunk:
    def act():
        from ecitizen.accounts.models import User

        w.client.post(
            "/accounts/signup/",
            {
                "email": "layla@example.org",
                "password1": "lanterns over the harbour",
                "password2": "lanterns over the harbour",
            },
        )
        user = User.objects.get(email="layla@example.org")
        return Expect(actor=user, subject=user)

    return act


def login_failed(w: World) -> Thunk:
    from django.contrib.auth import signals

    def act():
        signals.user_login_failed.send(sender=__name__, credentials={"email": "nobody@example.org"}, request=None)
        return Expect()

    return act


def logged_out(w: World) -> Thunk:
    from django.contrib.auth import signals

    user = w.citizen

    return _then(
        lambda: signals.user_logged_out.send(sender=type(user), request=w.request(user), user=user),
        actor=user,
        subject=user,
    )


def email_verified(w: World) -> Thunk:
    from allauth.account import signals
    from allauth.account.models import EmailAddress

    user = w.citizen

    def act():
        address = EmailAddress.objects.get(user=user)
        signals.email_confirmed.send(sender=EmailAddress, request=w.request(user), email_address=address)
        return Expect(actor=user, subject=user)

    return act


def email_changed(w: World) -> Thunk:
    from allauth.account import signals
    from allauth.account.models import EmailAddress

    user = w.citizen
    old = EmailAddress.objects.get(user=user)
    new = EmailAddress.objects.create(user=user, email="amina.new@example.org", verified=True)

    return _then(
        lambda: signals.email_changed.send(
            sender=type(user), request=w.request(user), user=user, from_email_address=old, to_email_address=new
        ),
        actor=user,
        subject=user,
    )


def other_sessions_ended(w: World) -> Thunk:
    from ecitizen.accounts.services import other_sessions_end

    user = w.citizen

    return _then(lambda: other_sessions_end(user=user, current_session_key=None), actor=user, subject=user)


def profile_updated(w: World) -> Thunk:
    from ecitizen.accounts.models import Profile
    from ecitizen.accounts.services import profile_update

    user = w.citizen

    def act():
        profile_update(actor=user, user=user, data={"town": "Riverton"})
        return Expect(actor=user, subject=Profile.objects.get(user=user))

    return act


def language_changed(w: World) -> Thunk:
    from ecitizen.accounts.models import Profile
    from ecitizen.accounts.services import language_set

    user = w.citizen

    def act():
        language_set(user=user, language="es")
        return Expect(actor=user, subject=Profile.objects.get(user=user))

    return act


def identity_verified(w: World) -> Thunk:
    from ecitizen.accounts.models import Profile
    from ecitizen.accounts.services import identity_verify_with_register

    person = w.register_person()
    user = w.citizen

    def act():
        identity_verify_with_register(
            user=user,
            given_name=person.given_name,
            family_name=person.family_name,
            date_of_birth=person.date_of_birth,
            national_id=person.national_id,
        )
        return Expect(actor=user, subject=Profile.objects.get(user=user))

    return act


def identity_verification_failed(w: World) -> Thunk:
    from ecitizen.accounts.services import identity_verify_with_register

    person = w.register_person()
    user = w.citizen

    def act():
        with contextlib.suppress(Exception):  # the refusal itself; its audit row is what we check
            identity_verify_with_register(
                user=user,
                given_name="Someone",
                family_name="Else",
                date_of_birth=person.date_of_birth,
                national_id=person.national_id,
            )
        return Expect(actor=user)

    return act


def identity_review_flagged(w: World) -> Thunk:
    from ecitizen.accounts.services import identity_verify_in_person
    from ecitizen.agencies.models import IdentityReview

    person = w.register_person()
    w.verified_citizen()  # the ID is bound to Amina's account
    clerk = w.staff("caseworker")
    ben = w.other_citizen

    def act():
        try:  # binding her ID to Ben's account is refused and flagged
            identity_verify_in_person(
                actor=clerk,
                agency=w.agency_a,
                user=ben,
                given_name=person.given_name,
                family_name=person.family_name,
                date_of_birth=person.date_of_birth,
                national_id=person.national_id,
                document_type="passport",
                document_reference="P1234567",
            )
        except Exception as exc:  # the refusal itself; its rows are what we check
            if "InjectedFailure" in type(exc).__name__:
                raise
        return Expect(actor=clerk, subject=IdentityReview.objects.get(), agency=w.agency_a)

    return act


def identity_review_resolved(w: World) -> Thunk:
    from ecitizen.agencies.services import identity_review_close, identity_review_open

    review = identity_review_open(
        actor=None, agency=w.agency_a, account=w.other_citizen, holder=w.citizen, reason="bound_elsewhere"
    )
    admin = w.staff("agency_admin")

    return _then(
        lambda: identity_review_close(actor=admin, review=review, outcome="Checked with both people; Ben's typo."),
        actor=admin,
        subject=review,
        agency=w.agency_a,
    )


def staff_relative_declared(w: World) -> Thunk:
    from ecitizen.agencies.models import StaffRelative
    from ecitizen.agencies.services import staff_relative_declare

    clerk = w.staff("caseworker")
    amina = w.citizen

    def act():
        staff_relative_declare(actor=clerk, staff=clerk, relative=amina, relationship="sibling")
        return Expect(actor=clerk, subject=StaffRelative.objects.get(), agency=w.agency_a)

    return act


def staff_relative_removed(w: World) -> Thunk:
    from ecitizen.agencies.services import staff_relative_declare, staff_relative_remove

    clerk = w.staff("caseworker")
    admin = w.staff("agency_admin")
    declaration = staff_relative_declare(actor=clerk, staff=clerk, relative=w.citizen, relationship="sibling")

    return _then(
        lambda: staff_relative_remove(actor=admin, declaration=declaration),
        actor=admin,
        subject=declaration,
        agency=w.agency_a,
    )


# --- agencies and privacy ---------------------------------------------------------------------


def agency_created(w: World) -> Thunk:
    from ecitizen.agencies.models import Agency
    from ecitizen.agencies.services import agency_save

    actor = w.superuser()

    def act():
        agency = agency_save(actor=actor, agency=Agency(name="Water Board", slug="water", code="WB"), created=True)
        return Expect(actor=actor, subject=agency, agency=agency)

    return act


def agency_updated(w: World) -> Thunk:
    from ecitizen.agencies.services import agency_save

    actor = w.superuser()
    agency = w.agency_a

    def act():
        agency.name = "Riverton City Council"
        agency_save(actor=actor, agency=agency, changed_fields=["name"], created=False)
        return Expect(actor=actor, subject=agency, agency=agency)

    return act


def membership_granted(w: World) -> Thunk:
    from ecitizen.agencies.services import membership_grant

    actor = w.superuser()
    user = w.other_citizen
    agency = w.agency_a

    def act():
        membership = membership_grant(actor=actor, agency=agency, user=user, role="caseworker")
        return Expect(actor=actor, subject=membership, agency=agency)

    return act


def membership_revoked(w: World) -> Thunk:
    from ecitizen.agencies.models import Membership
    from ecitizen.agencies.services import membership_revoke

    actor = w.superuser()
    membership = Membership.objects.get(user=w.caseworker_b)
    pk = membership.pk

    def act():
        membership_revoke(actor=actor, membership=membership)
        membership.pk = pk  # the row is gone; the audit row keeps its id
        return Expect(actor=actor, subject=membership, agency=w.agency_b)

    return act


def staff_viewed_citizen(w: World) -> Thunk:
    from ecitizen.privacy.services import access_record

    staff, agency, citizen = w.caseworker_a, w.agency_a, w.citizen

    return _then(
        lambda: access_record(staff=staff, agency=agency, citizen=citizen, purpose="Identity check", subject=citizen),
        actor=staff,
        subject=citizen,
        agency=agency,
    )


def audit_log_viewed(w: World) -> Thunk:
    auditor = w.auditor_a
    client = w.client
    client.force_login(auditor)

    def act():
        assert client.get("/staff/audit/").status_code == 200
        return Expect(actor=auditor)

    return act


# --- applications and cases ---------------------------------------------------------------------


def application_started(w: World) -> Thunk:
    from ecitizen.cases import services

    citizen = w.verified_citizen()
    version = w.version()

    def act():
        application = services.application_start(citizen=citizen, service_version=version, start_token=uuid.uuid4())
        return Expect(actor=citizen, subject=application)

    return act


def application_saved(w: World) -> Thunk:
    from ecitizen.cases import services

    application = w.draft()

    def act():
        services.application_save_page(
            citizen=application.citizen,
            application=application,
            page_id="vehicle",
            answers={"registration": "AB1", "moved": "no"},
        )
        return Expect(actor=application.citizen, subject=application)

    return act


def application_submitted(w: World) -> Thunk:
    from ecitizen.cases import services

    application = w.draft()
    services.application_save_page(
        citizen=application.citizen,
        application=application,
        page_id="vehicle",
        answers={"registration": "AB1", "moved": "no"},
    )

    def act():
        services.application_submit(citizen=application.citizen, application=application, declaration=True)
        return Expect(actor=application.citizen, subject=application, agency=application.agency)

    return act


def application_withdrawn(w: World) -> Thunk:
    from ecitizen.cases import services

    application = w.submitted()

    def act():
        services.application_withdraw(citizen=application.citizen, application=application)
        return Expect(actor=application.citizen, subject=application, agency=application.agency)

    return act


def application_payment_received(w: World) -> Thunk:
    from ecitizen.payments.models import Bill

    application = w.submitted(fee=3000)
    assert application.status == "awaiting_payment"
    payment = w.payment(Bill.objects.get(application=application))

    return _then(lambda: w.callback(payment), subject=application, agency=application.agency)


def _info_requested(w: World):
    from ecitizen.cases import services

    application = w.submitted()
    return services.case_request_info(
        actor=w.caseworker_a,
        application=application,
        message="Send a utility bill",
        expected_version=application.version,
    )


def application_info_provided(w: World) -> Thunk:
    from ecitizen.cases import services

    application = _info_requested(w)

    def act():
        services.application_respond(citizen=application.citizen, application=application, response="Here it is")
        return Expect(actor=application.citizen, subject=application, agency=application.agency)

    return act


def case_assigned(w: World) -> Thunk:
    from ecitizen.cases import services

    application = w.submitted()
    actor = w.caseworker_a

    return _then(
        lambda: services.case_assign(
            actor=actor, application=application, assignee=actor, expected_version=application.version
        ),
        actor=actor,
        subject=application,
        agency=application.agency,
    )


def case_note_added(w: World) -> Thunk:
    from ecitizen.cases import services

    application = w.submitted()
    actor = w.caseworker_a

    return _then(
        lambda: services.case_add_note(actor=actor, application=application, text="Called the applicant"),
        actor=actor,
        subject=application,
        agency=application.agency,
    )


def case_info_requested(w: World) -> Thunk:
    from ecitizen.cases import services

    application = w.submitted()
    actor = w.caseworker_a

    return _then(
        lambda: services.case_request_info(
            actor=actor, application=application, message="Send a bill", expected_version=application.version
        ),
        actor=actor,
        subject=application,
        agency=application.agency,
    )


def case_approved(w: World) -> Thunk:
    from ecitizen.cases import services

    application = w.submitted()
    actor = w.caseworker_a

    return _then(
        lambda: services.case_approve(actor=actor, application=application, expected_version=application.version),
        actor=actor,
        subject=application,
        agency=application.agency,
    )


def case_refused(w: World) -> Thunk:
    from ecitizen.cases import services

    application = w.submitted()
    actor = w.caseworker_a

    return _then(
        lambda: services.case_refuse(
            actor=actor, application=application, reason="Not a resident", expected_version=application.version
        ),
        actor=actor,
        subject=application,
        agency=application.agency,
    )


def file_uploaded(w: World) -> Thunk:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ecitizen.cases.uploads import upload_store

    application = w.draft()
    citizen = application.citizen

    def act():
        upload = upload_store(
            owner=citizen,
            file=SimpleUploadedFile("bill.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"),
            application=application,
            question_id="proof_file",
        )
        return Expect(actor=citizen, subject=upload, agency=application.agency)

    return act


# --- notifications ------------------------------------------------------------------------------


def _notify(user):
    from ecitizen.notifications.services import notify

    return notify(
        user=user,
        subject_template="notifications/email/case_update_subject.txt",
        body_template="notifications/email/case_update_body.txt",
        context={"reference": "CC-1", "service_title": {"en": "Permit"}, "status_label": "Approved", "message": ""},
        url="/applications/1/",
    )


def notification_sent(w: World) -> Thunk:
    from ecitizen.notifications.models import Notification

    user = w.citizen

    def act():
        _notify(user)
        return Expect(subject=Notification.objects.get(user=user))

    return act


def notification_read(w: World) -> Thunk:
    from ecitizen.notifications.models import Notification
    from ecitizen.notifications.services import notification_mark_read

    user = w.citizen
    _notify(user)
    notification = Notification.objects.get(user=user)

    return _then(lambda: notification_mark_read(user=user, notification=notification), actor=user, subject=notification)


# --- catalogue ------------------------------------------------------------------------------------


def service_created(w: World) -> Thunk:
    from ecitizen.catalogue.services import service_create

    actor, agency, data = w.admin_a, w.agency_a, w.service_data()

    def act():
        service = service_create(actor=actor, agency=agency, data=data)
        return Expect(actor=actor, subject=service, agency=agency)

    return act


def service_updated(w: World) -> Thunk:
    from ecitizen.catalogue.services import service_update

    service = w.draft_service()
    data = {**w.service_data(), "summary": {"en": "Changed."}}

    return _then(
        lambda: service_update(actor=w.admin_a, service=service, data=data),
        actor=w.admin_a,
        subject=service,
        agency=service.agency,
    )


def service_form_updated(w: World) -> Thunk:
    from ecitizen.catalogue.services import service_form_update
    from ecitizen.catalogue.tests.conftest import PARKING_FORM

    service = w.draft_service()

    return _then(
        lambda: service_form_update(actor=w.admin_a, service=service, form=PARKING_FORM),
        actor=w.admin_a,
        subject=service,
        agency=service.agency,
    )


def service_published(w: World) -> Thunk:
    from ecitizen.catalogue.services import service_publish

    service = w.publishable_service()

    return _then(
        lambda: service_publish(actor=w.admin_a, service=service),
        actor=w.admin_a,
        subject=service,
        agency=service.agency,
    )


def service_retired(w: World) -> Thunk:
    from ecitizen.catalogue.services import service_publish, service_retire

    service = w.publishable_service()
    service_publish(actor=w.admin_a, service=service)

    return _then(
        lambda: service_retire(actor=w.admin_a, service=service),
        actor=w.admin_a,
        subject=service,
        agency=service.agency,
    )


# --- documents ------------------------------------------------------------------------------------


def document_issued(w: World) -> Thunk:
    from ecitizen.cases import services
    from ecitizen.documents.models import IssuedDocument

    application = w.submitted()
    actor = w.caseworker_a

    def act():
        services.case_approve(actor=actor, application=application, expected_version=application.version)
        return Expect(actor=actor, subject=IssuedDocument.objects.get(application=application), agency=w.agency_a)

    return act


def document_revoked(w: World) -> Thunk:
    from ecitizen.documents.models import IssuedDocument
    from ecitizen.documents.services import document_revoke

    document = IssuedDocument.objects.get(application=w.approved())
    actor = w.caseworker_a

    return _then(
        lambda: document_revoke(actor=actor, document=document, reason="Issued in error"),
        actor=actor,
        subject=document,
        agency=w.agency_a,
    )


def signing_key_created(w: World) -> Thunk:
    from ecitizen.documents.services import signing_key_current

    def act():
        return Expect(subject=signing_key_current())

    return act


def signing_key_rotated(w: World) -> Thunk:
    from ecitizen.documents.services import signing_key_current, signing_key_rotate

    signing_key_current()
    actor = w.superuser()

    def act():
        return Expect(actor=actor, subject=signing_key_rotate(actor=actor))

    return act


# --- the public log -------------------------------------------------------------------------------


def ledger_key_created(w: World) -> Thunk:
    from ecitizen.ledger.services import ledger_key_current

    def act():
        return Expect(subject=ledger_key_current())

    return act


def ledger_key_rotated(w: World) -> Thunk:
    from ecitizen.ledger.services import ledger_key_current, ledger_key_rotate

    ledger_key_current()
    actor = w.superuser()

    def act():
        return Expect(actor=actor, subject=ledger_key_rotate(actor=actor))

    return act


# --- payments -----------------------------------------------------------------------------------


def refund_requested(w: World) -> Thunk:
    from ecitizen.payments.refunds import refund_request

    payment = w.paid(500_000)
    actor = w.caseworker_a

    def act():
        refund = refund_request(actor=actor, payment=payment, amount=400_000, reason="Overcharged")
        return Expect(actor=actor, subject=refund, agency=w.agency_a)

    return act


def refund_approved(w: World) -> Thunk:
    from ecitizen.payments.refunds import refund_approve

    pending = w.awaiting_refund()
    actor = w.admin_a

    def act():
        issued = refund_approve(actor=actor, refund=pending)
        return Expect(actor=actor, subject=issued, agency=w.agency_a)

    return act


def refund_rejected(w: World) -> Thunk:
    from ecitizen.payments.refunds import refund_reject

    pending = w.awaiting_refund()
    actor = w.admin_a

    return _then(
        lambda: refund_reject(actor=actor, refund=pending, reason="Not owed"),
        actor=actor,
        subject=pending,
        agency=w.agency_a,
    )


def payment_settings_proposed(w: World) -> Thunk:
    from ecitizen.payments.models import AgencyPaymentSettings
    from ecitizen.payments.refunds import payment_settings_propose

    actor, agency = w.admin_a, w.agency_a

    def act():
        payment_settings_propose(actor=actor, agency=agency, four_eyes_threshold=5000)
        return Expect(actor=actor, subject=AgencyPaymentSettings.objects.get(agency=agency), agency=agency)

    return act


def _proposed(w: World):
    from ecitizen.payments.refunds import payment_settings_propose

    return payment_settings_propose(actor=w.admin_a, agency=w.agency_a, four_eyes_threshold=5000)


def payment_settings_changed(w: World) -> Thunk:
    from ecitizen.payments.refunds import payment_settings_confirm

    settings = _proposed(w)
    agency = w.agency_a
    second_admin = w.staff("agency_admin", agency)

    return _then(
        lambda: payment_settings_confirm(actor=second_admin, agency=agency, expected_threshold=5000),
        actor=second_admin,
        subject=settings,
        agency=agency,
    )


def payment_settings_proposal_withdrawn(w: World) -> Thunk:
    from ecitizen.payments.refunds import payment_settings_withdraw

    settings = _proposed(w)
    actor, agency = w.admin_a, w.agency_a

    return _then(
        lambda: payment_settings_withdraw(actor=actor, agency=agency), actor=actor, subject=settings, agency=agency
    )


def bill_created(w: World) -> Thunk:
    w.citizen, w.agency_a  # noqa: B018  (the people exist before the action)

    def act():
        return Expect(subject=w.bill(), agency=w.agency_a)

    return act


def payment_created(w: World) -> Thunk:
    bill = w.bill()

    def act():
        return Expect(actor=w.citizen, subject=w.payment(bill), agency=w.agency_a)

    return act


def payment_status_changed(w: World) -> Thunk:
    payment = w.payment()

    return _then(lambda: w.callback(payment, "failed"), subject=payment, agency=w.agency_a)


def payment_succeeded(w: World) -> Thunk:
    payment = w.payment()

    return _then(lambda: w.callback(payment), subject=payment, agency=w.agency_a)


def payment_duplicate(w: World) -> Thunk:
    from ecitizen.payments.services import counter_payment_record

    bill = w.bill()
    payment = w.payment(bill)
    counter_payment_record(actor=w.caseworker_a, bill=bill, method="cash", amount=3000)

    return _then(lambda: w.callback(payment), subject=payment, agency=w.agency_a)


def _sandbox_callback(payment, status):
    import json

    from ecitizen.payments.providers import sandbox

    body = json.dumps(
        {
            "event_id": f"{payment.provider_id}.{status}.{uuid.uuid4().hex}",
            "provider_id": payment.provider_id,
            "status": status,
            "amount": payment.amount,
            "currency": payment.currency,
        }
    ).encode()
    return body, {"X-Sandbox-Signature": sandbox.sign(body)}


def payment_status_ignored(w: World) -> Thunk:
    from ecitizen.payments.services import callback_handle

    payment = w.paid()

    def act():
        body, headers = _sandbox_callback(payment, "failed")
        callback_handle(provider_name="sandbox", body=body, headers=headers)
        return Expect(subject=payment, agency=w.agency_a)

    return act


def payment_callback_rejected(w: World) -> Thunk:
    from ecitizen.payments.services import callback_handle

    payment = w.payment()

    def act():
        body, _headers = _sandbox_callback(payment, "success")
        with contextlib.suppress(Exception):  # BadSignature: the refusal itself; its audit row is what we check
            callback_handle(provider_name="sandbox", body=body, headers={"X-Sandbox-Signature": "0" * 64})
        return Expect()

    return act


def payment_amount_mismatch(w: World) -> Thunk:
    import json

    from ecitizen.payments.providers import sandbox
    from ecitizen.payments.services import callback_handle

    payment = w.payment()

    def act():
        body = json.dumps(
            {"event_id": "evt-one-penny", "provider_id": payment.provider_id, "status": "success", "amount": 1}
            | {"currency": payment.currency}
        ).encode()
        callback_handle(provider_name="sandbox", body=body, headers={"X-Sandbox-Signature": sandbox.sign(body)})
        return Expect(subject=payment, agency=w.agency_a)

    return act


def bill_cancelled(w: World) -> Thunk:
    """Withdrawing an application whose fee is still unpaid cancels its bill (through core.signals)."""
    from ecitizen.cases import services
    from ecitizen.payments.models import Bill

    application = w.submitted(fee=3000)
    assert application.status == "awaiting_payment"
    bill = Bill.objects.get(application=application)

    def act():
        services.application_withdraw(citizen=application.citizen, application=application)
        return Expect(actor=application.citizen, subject=bill, agency=application.agency)

    return act


def payment_for_cancelled_bill(w: World) -> Thunk:
    """A card payment that still succeeds after its bill was cancelled is recorded (and refunded)."""
    from ecitizen.cases import services
    from ecitizen.payments.models import Bill

    application = w.submitted(fee=3000)
    payment = w.payment(Bill.objects.get(application=application))
    # withdrawn while the card page is open; the provider is not told in time (on-commit work never runs here)
    services.application_withdraw(citizen=application.citizen, application=application)

    return _then(lambda: w.callback(payment), subject=payment, agency=application.agency)


def payment_counter_recorded(w: World) -> Thunk:
    from ecitizen.payments.services import counter_payment_record

    bill = w.bill()
    actor = w.caseworker_a

    def act():
        payment = counter_payment_record(actor=actor, bill=bill, method="cash", amount=3000)
        return Expect(actor=actor, subject=payment, agency=w.agency_a)

    return act


def refund_issued(w: World) -> Thunk:
    from ecitizen.payments.refunds import refund_issue

    payment = w.paid()
    actor = w.caseworker_a

    def act():
        refund = refund_issue(actor=actor, payment=payment, amount=1000, reason="Overcharged")
        return Expect(actor=actor, subject=refund, agency=w.agency_a)

    return act


def refund_updated(w: World) -> Thunk:
    from ecitizen.payments.models import Refund, RefundStatus
    from ecitizen.payments.services import refund_retry

    payment = w.paid()
    refund = Refund.objects.create(payment=payment, amount=1000, reason="Retry", status=RefundStatus.SUBMITTED)

    return _then(lambda: refund_retry(refund=refund), subject=refund, agency=w.agency_a)


def tax_created(w: World) -> Thunk:
    from ecitizen.payments.taxes import tax_save
    from ecitizen.payments.tests.tax_fixtures import TAX_DATA

    actor, agency = w.admin_a, w.agency_a

    def act():
        return Expect(actor=actor, subject=tax_save(actor=actor, agency=agency, data=TAX_DATA), agency=agency)

    return act


def tax_updated(w: World) -> Thunk:
    from ecitizen.payments.taxes import tax_save
    from ecitizen.payments.tests.tax_fixtures import TAX_DATA

    tax = w.tax()

    return _then(
        lambda: tax_save(actor=w.admin_a, agency=w.agency_a, tax=tax, data={**TAX_DATA, "rate_basis_points": 130}),
        actor=w.admin_a,
        subject=tax,
        agency=w.agency_a,
    )


def tax_assessments_imported(w: World) -> Thunk:
    from ecitizen.payments.taxes import assessments_import_csv
    from ecitizen.payments.tests.tax_fixtures import HOMES_CSV, YEAR

    tax = w.tax()

    return _then(
        lambda: assessments_import_csv(actor=w.admin_a, tax=tax, year=YEAR, file=HOMES_CSV.encode()),
        actor=w.admin_a,
        subject=tax,
        agency=w.agency_a,
    )


def tax_bills_generated(w: World) -> Thunk:
    from ecitizen.payments.taxes import bills_generate
    from ecitizen.payments.tests.tax_fixtures import YEAR

    tax = w.assessed_tax()

    return _then(
        lambda: bills_generate(actor=w.admin_a, tax=tax, year=YEAR), actor=w.admin_a, subject=tax, agency=w.agency_a
    )


def tax_penalties_applied(w: World) -> Thunk:
    from ecitizen.payments.taxes import bills_generate, penalties_apply
    from ecitizen.payments.tests.tax_fixtures import YEAR

    tax = w.assessed_tax()
    bills_generate(actor=w.admin_a, tax=tax, year=YEAR)

    return _then(lambda: penalties_apply(on_date=datetime.date(YEAR, 12, 31)), agency=w.agency_a)


def tax_bills_claimed(w: World) -> Thunk:
    from ecitizen.payments.taxes import bills_claim, bills_generate
    from ecitizen.payments.tests.tax_fixtures import CARMEN_ID, YEAR, verify

    tax = w.assessed_tax()
    bills_generate(actor=w.admin_a, tax=tax, year=YEAR)
    carmen = w.make_user("carmen@example.org", given_name="Carmen", family_name="Ruiz")
    verify(carmen, CARMEN_ID)

    return _then(lambda: bills_claim(user=carmen), actor=carmen)


# --- report a problem ---------------------------------------------------------------------------


def report_created(w: World) -> Thunk:
    w.pothole()
    w.citizen  # noqa: B018  (the reporter exists before the action)

    def act():
        report = w.report()
        return Expect(actor=w.citizen, subject=report, agency=w.agency_a)

    return act


def report_confirmed(w: World) -> Thunk:
    from django.contrib.auth.models import AnonymousUser

    from ecitizen.reports.services import make_token, report_confirm

    report = w.report(actor=AnonymousUser(), name="Sam", email="sam@example.org")

    return _then(lambda: report_confirm(token=make_token("confirm", report.pk)), subject=report, agency=w.agency_a)


def report_status_changed(w: World) -> Thunk:
    from ecitizen.reports.services import report_set_status

    report = w.report()
    actor = w.caseworker_a

    return _then(
        lambda: report_set_status(actor=actor, report=report, status="investigating", public_note="Looking into it"),
        actor=actor,
        subject=report,
        agency=w.agency_a,
    )


def report_update_added(w: World) -> Thunk:
    from ecitizen.reports.services import report_add_update

    report = w.report()
    other = w.other_citizen

    return _then(
        lambda: report_add_update(actor=other, report=report, text="Still there this morning"),
        actor=other,
        subject=report,
        agency=w.agency_a,
    )


def report_note_added(w: World) -> Thunk:
    from ecitizen.reports.services import report_add_note

    report = w.report()
    actor = w.caseworker_a

    return _then(
        lambda: report_add_note(actor=actor, report=report, text="Crew booked"),
        actor=actor,
        subject=report,
        agency=w.agency_a,
    )


def report_assigned(w: World) -> Thunk:
    from ecitizen.reports.services import report_assign

    report = w.report()
    actor = w.caseworker_a

    return _then(
        lambda: report_assign(actor=actor, report=report, assignee=actor),
        actor=actor,
        subject=report,
        agency=w.agency_a,
    )


def report_merged(w: World) -> Thunk:
    from ecitizen.reports.services import report_merge

    original = w.report()
    duplicate = w.report(title="Pot-hole again")
    actor = w.caseworker_a

    return _then(
        lambda: report_merge(actor=actor, report=duplicate, into=original),
        actor=actor,
        subject=duplicate,
        agency=w.agency_a,
    )


def report_forwarded(w: World) -> Thunk:
    from ecitizen.reports.services import report_forward

    report = w.report()
    w.pothole(w.agency_b)
    actor = w.caseworker_a

    return _then(
        lambda: report_forward(actor=actor, report=report, agency=w.agency_b),
        actor=actor,
        subject=report,
        agency=w.agency_a,
    )


def report_reopened(w: World) -> Thunk:
    from ecitizen.reports.services import report_add_update, report_set_status

    report = w.report()
    report_set_status(actor=w.caseworker_a, report=report, status="fixed", public_note="Filled")
    citizen = w.citizen

    return _then(
        lambda: report_add_update(actor=citizen, report=report, text="It is back", not_fixed=True),
        actor=citizen,
        subject=report,
        agency=w.agency_a,
    )


def report_hidden(w: World) -> Thunk:
    from ecitizen.reports.services import report_hide

    report = w.report()
    actor = w.admin_a

    return _then(
        lambda: report_hide(actor=actor, report=report, reason="Personal details"),
        actor=actor,
        subject=report,
        agency=w.agency_a,
    )


def report_unhidden(w: World) -> Thunk:
    from ecitizen.reports.services import report_hide, report_unhide

    report = w.report()
    actor = w.admin_a
    report_hide(actor=actor, report=report, reason="Personal details")

    return _then(lambda: report_unhide(actor=actor, report=report), actor=actor, subject=report, agency=w.agency_a)


def report_update_hidden(w: World) -> Thunk:
    from ecitizen.reports.services import report_add_update, update_hide

    report = w.report()
    update = report_add_update(actor=w.other_citizen, report=report, text="Rude words")
    actor = w.admin_a

    return _then(
        lambda: update_hide(actor=actor, update=update, reason="Abuse"), actor=actor, subject=report, agency=w.agency_a
    )


def report_photo_uploaded(w: World) -> Thunk:
    from ecitizen.reports.services import photo_store

    citizen = w.citizen
    file = w.photo_file()

    def act():
        return Expect(actor=citizen, subject=photo_store(actor=citizen, file=file, draft_key="d-1"))

    return act


def report_photo_removed(w: World) -> Thunk:
    from ecitizen.reports.services import photo_discard, photo_store

    citizen = w.citizen
    photo = photo_store(actor=citizen, file=w.photo_file(), draft_key="d-1")
    pk = photo.pk

    def act():
        photo_discard(actor=citizen, photo=photo)
        photo.pk = pk  # the row is gone; the audit row keeps its id
        return Expect(actor=citizen, subject=photo)

    return act


def _fixed_long_ago(w: World):
    from django.utils import timezone

    from ecitizen.reports.models import Report
    from ecitizen.reports.services import report_set_status

    report = w.report()
    report_set_status(actor=w.caseworker_a, report=report, status="fixed", public_note="Filled")
    long_ago = timezone.now() - datetime.timedelta(days=400)
    Report.objects.filter(pk=report.pk).update(created_at=long_ago, confirmed_at=long_ago)
    return report


def report_questionnaire_sent(w: World) -> Thunk:
    from ecitizen.reports.questionnaire import questionnaires_send_due

    report = _fixed_long_ago(w)

    def act():
        assert questionnaires_send_due() == 1
        return Expect(subject=report, agency=w.agency_a)

    return act


def report_questionnaire_answered(w: World) -> Thunk:
    from ecitizen.reports.models import Questionnaire
    from ecitizen.reports.questionnaire import questionnaire_answer, questionnaire_token, questionnaires_send_due

    report = _fixed_long_ago(w)
    questionnaires_send_due()
    token = questionnaire_token(Questionnaire.objects.get(report=report))
    citizen = w.citizen

    return _then(
        lambda: questionnaire_answer(token=token, answer="fixed", actor=citizen),
        actor=citizen,
        subject=report,
        agency=w.agency_a,
    )


def report_alert_created(w: World) -> Thunk:
    from ecitizen.reports import alerts
    from ecitizen.reports.models import AlertKind

    area = w.city()
    citizen = w.citizen

    def act():
        alert = alerts.alert_subscribe(actor=citizen, kind=AlertKind.AREA, area=area, language="en")
        return Expect(actor=citizen, subject=alert)

    return act


def report_alert_confirmed(w: World) -> Thunk:
    from ecitizen.reports import alerts

    alert = w.alert()

    return _then(lambda: alerts.alert_confirm(token=alerts.confirm_token(alert)), subject=alert)


def report_alert_unsubscribed(w: World) -> Thunk:
    from ecitizen.reports import alerts

    alert = w.alert()
    alerts.alert_confirm(token=alerts.confirm_token(alert))

    return _then(lambda: alerts.alert_unsubscribe(token=alerts.unsubscribe_token(alert)), subject=alert)


def report_category_saved(w: World) -> Thunk:
    from ecitizen.reports.admin_services import category_save

    w.city()
    actor, agency = w.admin_a, w.agency_a

    def act():
        category = category_save(
            actor=actor,
            agency=agency,
            data={"code": "graffiti", "name": {"en": "Graffiti"}, "response_days": 5, "questions": []},
        )
        return Expect(actor=actor, subject=category, agency=agency)

    return act


def report_area_saved(w: World) -> Thunk:
    from ecitizen.reports.admin_services import area_set_active

    area = w.city()
    actor = w.admin_a

    return _then(
        lambda: area_set_active(actor=actor, area=area, active=False), actor=actor, subject=area, agency=w.agency_a
    )


def open311_client_issued(w: World) -> Thunk:
    from ecitizen.reports.open311.keys import api_client_issue

    actor = w.superuser()

    def act():
        client, _raw = api_client_issue(actor=actor, name="FixIt", contact_email="dev@fixit.example")
        return Expect(actor=actor, subject=client)

    return act


def open311_client_revoked(w: World) -> Thunk:
    from ecitizen.reports.open311.keys import api_client_issue, api_client_revoke

    actor = w.superuser()
    client, _raw = api_client_issue(actor=actor, name="FixIt", contact_email="dev@fixit.example")

    return _then(lambda: api_client_revoke(actor=actor, client=client), actor=actor, subject=client)


# --- platform ------------------------------------------------------------------------------------


def _category_admin():
    from django.contrib import admin

    from ecitizen.catalogue.models import Category

    return admin.site._registry[Category], Category


def admin_object_added(w: World) -> Thunk:
    model_admin, Category = _category_admin()
    actor = w.superuser()
    request = w.request(actor)

    def act():
        obj = Category(slug="benefits", name={"en": "Benefits"})
        form = model_admin.get_form(request)(data={"slug": "benefits", "name": '{"en": "Benefits"}'})
        form.is_valid()
        model_admin.save_model(request, obj, form, change=False)
        return Expect(actor=actor, subject=obj)

    return act


def admin_object_changed(w: World) -> Thunk:
    model_admin, Category = _category_admin()
    actor = w.superuser()
    request = w.request(actor)
    obj = Category.objects.create(slug="benefits", name={"en": "Benefits"})

    def act():
        obj.name = {"en": "Money"}
        form = model_admin.get_form(request, obj)(instance=obj, data={"slug": "benefits", "name": '{"en": "Money"}'})
        form.is_valid()
        model_admin.save_model(request, obj, form, change=True)
        return Expect(actor=actor, subject=obj)

    return act


def admin_object_deleted(w: World) -> Thunk:
    model_admin, Category = _category_admin()
    actor = w.superuser()
    request = w.request(actor)
    obj = Category.objects.create(slug="benefits", name={"en": "Benefits"})
    pk = obj.pk

    def act():
        model_admin.delete_model(request, obj)
        obj.pk = pk
        return Expect(actor=actor, subject=obj)

    return act


def encryption_keys_rotated(w: World) -> Thunk:
    from django.core.management import call_command

    w.verified_citizen()

    def act():
        call_command("rotate_encryption_keys", stdout=io.StringIO())
        return Expect()

    return act


def address_register_loaded(w: World) -> Thunk:
    from ecitizen.exchange.services import address_register_load
    from ecitizen.exchange.tests.test_addresses import row

    def act():
        address_register_load(actor=None, rows=[row("1", "12", "Mill Lane", "NB1 2AB")])
        return Expect()

    return act


SCENARIOS: dict[str, Scenario] = {
    A.SIGNED_UP: signed_up,
    A.LOGIN_SUCCEEDED: _signal("allauth.account.signals.user_logged_in"),
    A.LOGIN_FAILED: login_failed,
    A.LOGGED_OUT: logged_out,
    A.EMAIL_VERIFIED: email_verified,
    A.EMAIL_CHANGED: email_changed,
    A.PASSWORD_CHANGED: _signal("allauth.account.signals.password_changed"),
    A.PASSWORD_RESET: _signal("allauth.account.signals.password_reset"),
    A.MFA_ENABLED: _signal("allauth.mfa.signals.authenticator_added", "caseworker_a", authenticator=_totp),
    A.MFA_DISABLED: _signal("allauth.mfa.signals.authenticator_removed", "caseworker_a", authenticator=_totp),
    A.RECOVERY_CODES_GENERATED: _signal("allauth.mfa.signals.authenticator_reset", "caseworker_a", authenticator=_totp),
    A.OTHER_SESSIONS_ENDED: other_sessions_ended,
    A.PROFILE_UPDATED: profile_updated,
    A.LANGUAGE_CHANGED: language_changed,
    A.IDENTITY_VERIFIED: identity_verified,
    A.IDENTITY_VERIFICATION_FAILED: identity_verification_failed,
    A.IDENTITY_REVIEW_FLAGGED: identity_review_flagged,
    A.IDENTITY_REVIEW_RESOLVED: identity_review_resolved,
    A.AGENCY_CREATED: agency_created,
    A.AGENCY_UPDATED: agency_updated,
    A.MEMBERSHIP_GRANTED: membership_granted,
    A.MEMBERSHIP_REVOKED: membership_revoked,
    A.STAFF_RELATIVE_DECLARED: staff_relative_declared,
    A.STAFF_RELATIVE_REMOVED: staff_relative_removed,
    A.STAFF_VIEWED_CITIZEN: staff_viewed_citizen,
    A.AUDIT_LOG_VIEWED: audit_log_viewed,
    A.APPLICATION_STARTED: application_started,
    A.APPLICATION_SAVED: application_saved,
    A.APPLICATION_SUBMITTED: application_submitted,
    A.APPLICATION_WITHDRAWN: application_withdrawn,
    A.APPLICATION_PAYMENT_RECEIVED: application_payment_received,
    A.APPLICATION_INFO_PROVIDED: application_info_provided,
    A.CASE_ASSIGNED: case_assigned,
    A.CASE_NOTE_ADDED: case_note_added,
    A.CASE_INFO_REQUESTED: case_info_requested,
    A.CASE_APPROVED: case_approved,
    A.CASE_REFUSED: case_refused,
    A.FILE_UPLOADED: file_uploaded,
    A.NOTIFICATION_SENT: notification_sent,
    A.NOTIFICATION_READ: notification_read,
    A.SERVICE_CREATED: service_created,
    A.SERVICE_UPDATED: service_updated,
    A.SERVICE_FORM_UPDATED: service_form_updated,
    A.SERVICE_PUBLISHED: service_published,
    A.SERVICE_RETIRED: service_retired,
    A.DOCUMENT_ISSUED: document_issued,
    A.DOCUMENT_REVOKED: document_revoked,
    A.REFUND_REQUESTED: refund_requested,
    A.REFUND_APPROVED: refund_approved,
    A.REFUND_REJECTED: refund_rejected,
    A.PAYMENT_SETTINGS_CHANGED: payment_settings_changed,
    A.PAYMENT_SETTINGS_PROPOSED: payment_settings_proposed,
    A.PAYMENT_SETTINGS_PROPOSAL_WITHDRAWN: payment_settings_proposal_withdrawn,
    A.BILL_CREATED: bill_created,
    A.PAYMENT_CREATED: payment_created,
    A.PAYMENT_STATUS_CHANGED: payment_status_changed,
    A.PAYMENT_SUCCEEDED: payment_succeeded,
    A.PAYMENT_DUPLICATE: payment_duplicate,
    A.PAYMENT_STATUS_IGNORED: payment_status_ignored,
    A.PAYMENT_CALLBACK_REJECTED: payment_callback_rejected,
    A.PAYMENT_AMOUNT_MISMATCH: payment_amount_mismatch,
    A.PAYMENT_COUNTER_RECORDED: payment_counter_recorded,
    A.BILL_CANCELLED: bill_cancelled,
    A.PAYMENT_FOR_CANCELLED_BILL: payment_for_cancelled_bill,
    A.REFUND_ISSUED: refund_issued,
    A.REFUND_UPDATED: refund_updated,
    A.TAX_CREATED: tax_created,
    A.TAX_UPDATED: tax_updated,
    A.TAX_ASSESSMENTS_IMPORTED: tax_assessments_imported,
    A.TAX_BILLS_GENERATED: tax_bills_generated,
    A.TAX_PENALTIES_APPLIED: tax_penalties_applied,
    A.TAX_BILLS_CLAIMED: tax_bills_claimed,
    A.REPORT_CREATED: report_created,
    A.REPORT_CONFIRMED: report_confirmed,
    A.REPORT_STATUS_CHANGED: report_status_changed,
    A.REPORT_UPDATE_ADDED: report_update_added,
    A.REPORT_NOTE_ADDED: report_note_added,
    A.REPORT_ASSIGNED: report_assigned,
    A.REPORT_MERGED: report_merged,
    A.REPORT_FORWARDED: report_forwarded,
    A.REPORT_REOPENED: report_reopened,
    A.REPORT_HIDDEN: report_hidden,
    A.REPORT_UNHIDDEN: report_unhidden,
    A.REPORT_UPDATE_HIDDEN: report_update_hidden,
    A.REPORT_PHOTO_UPLOADED: report_photo_uploaded,
    A.REPORT_PHOTO_REMOVED: report_photo_removed,
    A.REPORT_QUESTIONNAIRE_SENT: report_questionnaire_sent,
    A.REPORT_QUESTIONNAIRE_ANSWERED: report_questionnaire_answered,
    A.REPORT_ALERT_CREATED: report_alert_created,
    A.REPORT_ALERT_CONFIRMED: report_alert_confirmed,
    A.REPORT_ALERT_UNSUBSCRIBED: report_alert_unsubscribed,
    A.REPORT_CATEGORY_SAVED: report_category_saved,
    A.REPORT_AREA_SAVED: report_area_saved,
    A.OPEN311_CLIENT_ISSUED: open311_client_issued,
    A.OPEN311_CLIENT_REVOKED: open311_client_revoked,
    A.ADMIN_OBJECT_ADDED: admin_object_added,
    A.ADMIN_OBJECT_CHANGED: admin_object_changed,
    A.ADMIN_OBJECT_DELETED: admin_object_deleted,
    A.ENCRYPTION_KEYS_ROTATED: encryption_keys_rotated,
    A.SIGNING_KEY_CREATED: signing_key_created,
    A.SIGNING_KEY_ROTATED: signing_key_rotated,
    A.LEDGER_KEY_CREATED: ledger_key_created,
    A.LEDGER_KEY_ROTATED: ledger_key_rotated,
    A.ADDRESS_REGISTER_LOADED: address_register_loaded,
}

# Each engagement app keeps its scenarios in its own module, merged here.
from tests.audit_scenarios_engagement import ENGAGEMENT_SCENARIOS  # noqa: E402

SCENARIOS.update(ENGAGEMENT_SCENARIOS)

from tests.audit_scenarios_budgeting import BUDGETING_SCENARIOS  # noqa: E402

SCENARIOS.update(BUDGETING_SCENARIOS)

# Referendums: the staff side's scenarios live next to its fixtures; the voter side's (the assisted
# vote) in tests/audit_scenarios_referendums.py.
from ecitizen.voting.referendums.tests.staff_fixtures import audit_scenarios as referendum_staff_scenarios  # noqa: E402
from tests.audit_scenarios_referendums import REFERENDUM_VOTER_SCENARIOS  # noqa: E402

SCENARIOS.update(referendum_staff_scenarios())
SCENARIOS.update(REFERENDUM_VOTER_SCENARIOS)

# Service-delivery analytics: the agency admins' settings and an alert that fires.
from tests.audit_scenarios_analytics import ANALYTICS_SCENARIOS  # noqa: E402

SCENARIOS.update(ANALYTICS_SCENARIOS)

# Public records: the open data catalogue and freedom-of-information requests, one module each.
from tests.audit_scenarios_records import RECORDS_SCENARIOS  # noqa: E402

SCENARIOS.update(RECORDS_SCENARIOS)
