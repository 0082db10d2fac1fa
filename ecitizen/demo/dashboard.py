"""The demo citizen's dashboard: one of each thing the signed-in home page shows.

Amina (amina@example.org) gets, through the apps' own services:

- a resident parking permit issued 320 days ago (valid for a year), so it expires soon and the
  dashboard offers to renew it;
- a second parking permit application on which the council's caseworker asked for more
  information;
- a street trading licence application waiting for its fee: a bill due, with its amount and date;
- a birth certificate copy started and saved as a draft;
- a problem report by Ben that she follows (seed_reports already makes her own reports).

Idempotent: each item is made only if Amina has no such item yet. Run after seed_services and
seed_reports (seed_demo does), which make the services, the staff and the reports.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from ecitizen.accounts.models import User
from ecitizen.cases import services as cases
from ecitizen.cases.models import Application, Status
from ecitizen.catalogue.formdef import FormDefinition
from ecitizen.catalogue.models import Service
from ecitizen.documents.models import IssuedDocument
from ecitizen.payments.models import Bill, BillStatus, Method
from ecitizen.payments.services import counter_payment_record
from ecitizen.reports import alerts
from ecitizen.reports.models import Alert, AlertKind, Report

CITIZEN = "amina@example.org"
FOLLOWS_REPORTS_OF = "ben@example.org"
CASEWORKER = "caseworker@council.example"
PERMIT = "resident-parking-permit"
LICENCE = "street-trading-licence"
BIRTH = "birth-certificate-copy"
ISSUED_DAYS_AGO = 320


def _value_for(question: Any, user: User) -> Any:
    """A plausible answer to *question* for the demo (None when the demo cannot give one, e.g. a file)."""
    kind = question.type
    if question.choices:
        first = question.choices[0]["value"]
        return [first] if kind == "multi_choice" else first
    if kind == "yes_no":
        return "no"  # "no" keeps conditional pages (proof of a move, uploads) hidden
    if kind == "email":
        return user.email
    if kind == "phone":
        return "01632 960001"
    if kind == "number":
        return str(int(question.min or 1))
    if kind == "date":
        return "2020-01-01"
    if kind == "address":
        return {"line1": "12 River Street", "town": "Riverton", "postcode": "RV1 2AB"}
    if kind == "file":
        return None
    if question.pattern and "A-Z" in question.pattern:
        return "AB12 CDE"
    return "Amina Haddad" if "name" in question.id else "Demo answer"


def _filled_draft(user: User, service: Service) -> Application:
    """A draft of *service* with every required question answered (as far as the demo can)."""
    version = service.current_version
    draft = cases.application_start(citizen=user, service_version=version, start_token=uuid.uuid4())
    form = FormDefinition.parse(version.snapshot["form"])
    for _round in range(5):  # answers can reveal conditional questions
        missing = form.missing(draft.answers)
        if not missing:
            break
        answers: dict[str, Any] = {}
        for _page, question in missing:
            value = _value_for(question, user)
            if value is not None:
                answers[question.id] = value
        if not answers:
            break
        draft = cases.application_save_page(citizen=user, application=draft, page_id=missing[0][0].id, answers=answers)
    return draft


def _submitted_and_paid(user: User, service: Service, caseworker: User) -> Application:
    application = cases.application_submit(citizen=user, application=_filled_draft(user, service), declaration=True)
    if application.status == Status.AWAITING_PAYMENT:
        bill = Bill.objects.get(application=application)
        counter_payment_record(actor=caseworker, bill=bill, method=Method.CASH, amount=bill.total)
        application.refresh_from_db()
    return application


def _assigned(application: Application, caseworker: User) -> Application:
    if application.assignee_id is None:
        application = cases.case_assign(
            actor=caseworker, application=application, assignee=caseworker, expected_version=application.version
        )
    return application


def _expiring_permit(user: User, permit: Service, caseworker: User) -> str:
    soon = timezone.localdate() + datetime.timedelta(days=60)
    if IssuedDocument.objects.filter(holder=user, revoked_at__isnull=True, valid_until__lte=soon).exists():
        return "a permit that expires soon: already there"
    try:
        import time_machine
    except ImportError:  # pragma: no cover - the demo needs the development requirements
        return "a permit that expires soon: skipped (time-machine is not installed)"
    # The permit was applied for, paid and approved 320 days ago: its year runs out in 45 days.
    with time_machine.travel(timezone.now() - datetime.timedelta(days=ISSUED_DAYS_AGO), tick=True):
        application = _assigned(_submitted_and_paid(user, permit, caseworker), caseworker)
        cases.case_approve(actor=caseworker, application=application, expected_version=application.version)
    return "a permit that expires soon: issued"


def _information_requested(user: User, permit: Service, caseworker: User) -> str:
    if Application.objects.filter(citizen=user, status=Status.INFO_REQUESTED).exists():
        return "information requested: already there"
    application = _assigned(_submitted_and_paid(user, permit, caseworker), caseworker)
    cases.case_request_info(
        actor=caseworker,
        application=application,
        message="Please send a photo of your vehicle registration certificate (V5C) showing your address.",
        expected_version=application.version,
    )
    return "information requested: asked"


def _fee_due(user: User, licence: Service) -> str:
    if Bill.objects.filter(payer=user, status=BillStatus.OPEN, application__isnull=False).exists():
        return "an application fee to pay: already there"
    cases.application_submit(citizen=user, application=_filled_draft(user, licence), declaration=True)
    return "an application fee to pay: billed"


def _draft(user: User, service: Service) -> str:
    if Application.objects.filter(citizen=user, status=Status.DRAFT).exists():
        return "a draft: already there"
    version = service.current_version
    cases.application_start(citizen=user, service_version=version, start_token=uuid.uuid4())
    return "a draft: started"


def _followed_report(user: User) -> str:
    follows = Alert.objects.filter(kind=AlertKind.REPORT, user=user, unsubscribed_at__isnull=True).exclude(
        report__reporter=user
    )
    if follows.exists():
        return "a followed report: already there"
    report = Report.objects.filter(reporter__email=FOLLOWS_REPORTS_OF, is_public=True).order_by("-created_at").first()
    if report is None:
        return "a followed report: skipped (no public report by Ben)"
    alerts.alert_subscribe(actor=user, kind=AlertKind.REPORT, email=user.email, language="en", report=report)
    return "a followed report: following"


def _caseworker_looked(user: User, caseworker: User) -> str:
    """The caseworker opened the application they asked about a few times: "Who looked at my
    data" then shows one grouped line with its purpose."""
    from ecitizen.core.access_purposes import AccessPurpose
    from ecitizen.privacy.models import AccessRecord
    from ecitizen.privacy.services import access_record

    if AccessRecord.objects.filter(citizen=user).exists():
        return "who looked: already there"
    application = Application.objects.filter(citizen=user, status=Status.INFO_REQUESTED).first()
    if application is None:
        return "who looked: skipped (no application with information requested)"
    for _view in range(3):
        access_record(
            staff=caseworker,
            agency=application.agency,
            citizen=user,
            purpose=AccessPurpose.APPLICATION,
            reference=application.reference,
            subject=application,
        )
    return "who looked: the caseworker opened the application 3 times"


@transaction.atomic
def demo_dashboard_load() -> list[str]:
    """Give the demo citizen one of each dashboard item; returns a line per item saying what happened."""
    user = User.objects.filter(email=CITIZEN).first()
    caseworker = User.objects.filter(email=CASEWORKER).first()
    services = {
        s.slug: s for s in Service.objects.filter(slug__in=[PERMIT, LICENCE, BIRTH], current_version__isnull=False)
    }
    if user is None or caseworker is None or len(services) < 3:
        return ["dashboard: skipped (run seed_demo: the demo citizen, caseworker and services are missing)"]
    return [
        _expiring_permit(user, services[PERMIT], caseworker),
        _information_requested(user, services[PERMIT], caseworker),
        _fee_due(user, services[LICENCE]),
        _draft(user, services[BIRTH]),
        _followed_report(user),
        _caseworker_looked(user, caseworker),
    ]
