"""Building blocks for the rollup tests: services, applications and reports made through the
real services at pinned instants, and the rollup tables read back as comparable values."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from ecitizen.analytics.models import (
    BacklogSnapshot,
    ReportCellMonth,
    ReportDay,
    SatisfactionMonth,
    ServiceDay,
    WorkloadSnapshot,
)
from ecitizen.cases import services as cases
from ecitizen.cases.models import Application
from ecitizen.cases.tests.conftest import make_version
from ecitizen.reports.models import Area, Category

# The form of make_version's permit: pages "vehicle", "proof", "about".
VEHICLE = {"registration": "AB12 CDE", "moved": "no"}


def at(iso: str) -> datetime.datetime:
    """An instant written with its offset (London is UTC in winter, UTC+1 in summer)."""
    moment = datetime.datetime.fromisoformat(iso)
    assert moment.utcoffset() is not None, iso
    return moment


def version(agency, slug: str, *, deadline: int = 3, fee: int = 0):
    """A published service any signed-in citizen may apply to."""
    return make_version(agency, slug=slug, identity_level="basic", deadline=deadline, fee=fee)


def start(citizen, service_version, *, page: str | None = "vehicle") -> Application:
    """Begin a draft and, if *page*, save the vehicle page's answers on it as *page*."""
    application = cases.application_start(citizen=citizen, service_version=service_version, start_token=uuid.uuid4())
    if page is not None:
        application = cases.application_save_page(
            citizen=citizen, application=application, page_id=page, answers=VEHICLE
        )
    return application


def send(citizen, service_version, *, channel: str | None = None) -> Application:
    """Begin, fill in and send an application; *channel* marks it as made at a counter or by a helper."""
    application = start(citizen, service_version)
    if channel is not None:
        Application.objects.filter(pk=application.pk).update(channel=channel)
    return cases.application_submit(citizen=citizen, application=application, declaration=True)


def save_again(citizen, application: Application, page: str = "about") -> Application:
    return cases.application_save_page(citizen=citizen, application=application, page_id=page, answers={})


def submit(citizen, application: Application) -> Application:
    application = cases.application_save_page(
        citizen=citizen, application=application, page_id="vehicle", answers=VEHICLE
    )
    return cases.application_submit(citizen=citizen, application=application, declaration=True)


def approve(actor, application: Application) -> Application:
    application.refresh_from_db()
    return cases.case_approve(actor=actor, application=application, expected_version=application.version)


def refuse(actor, application: Application, category: str = "not_eligible") -> Application:
    application.refresh_from_db()
    return cases.case_refuse(
        actor=actor,
        application=application,
        reason="You do not live in the zone.",
        category=category,
        expected_version=application.version,
    )


def ask(actor, application: Application) -> Application:
    application.refresh_from_db()
    return cases.case_request_info(
        actor=actor, application=application, message="Send a utility bill.", expected_version=application.version
    )


def answer(citizen, application: Application) -> None:
    application.refresh_from_db()
    cases.application_respond(citizen=citizen, application=application, response="Attached.")


def assign(actor, application: Application, assignee) -> Application:
    application.refresh_from_db()
    return cases.case_assign(
        actor=actor, application=application, assignee=assignee, expected_version=application.version
    )


def withdraw(citizen, application: Application) -> Application:
    application.refresh_from_db()
    return cases.application_withdraw(citizen=citizen, application=application)


def pay_at_counter(actor, application: Application, method: str = "cash"):
    from ecitizen.payments.services import counter_payment_record

    application.refresh_from_db()
    bill = application.bill
    return counter_payment_record(actor=actor, bill=bill, method=method, amount=bill.total)


# --- problem reports -------------------------------------------------------------------------


def square(min_lng: float, min_lat: float, max_lng: float, max_lat: float) -> dict:
    ring = [[min_lng, min_lat], [max_lng, min_lat], [max_lng, max_lat], [min_lng, max_lat], [min_lng, min_lat]]
    return {"type": "MultiPolygon", "coordinates": [[ring]]}


def area(agency, name: str, geometry: dict) -> Area:
    made = Area(agency=agency, name={"en": name})
    made.set_geometry(geometry)
    made.save()
    return made


def category(agency, code: str) -> Category:
    return Category.objects.create(agency=agency, code=code, name={"en": code.capitalize()}, response_days=5)


def report(actor, code: str, lat: float, lng: float, **extra: Any):
    from ecitizen.reports.services import report_create

    return report_create(
        actor=actor,
        service_code=code,
        latitude=lat,
        longitude=lng,
        title="A problem",
        description="Something needs fixing here.",
        **extra,
    )


def set_status(actor, made_report, status: str, note: str = "We are on it."):
    from ecitizen.reports.services import report_set_status

    made_report.refresh_from_db()
    return report_set_status(actor=actor, report=made_report, status=status, public_note=note)


# --- the rollup tables as values -------------------------------------------------------------

ROLLUP_MODELS = (ServiceDay, ReportDay, ReportCellMonth, SatisfactionMonth, BacklogSnapshot, WorkloadSnapshot)


def rollup_rows() -> dict[str, list[tuple]]:
    """Every rollup row as a tuple of its values without its id, sorted per table: two states
    of the tables compare equal exactly when they hold the same figures."""
    tables = {}
    for model in ROLLUP_MODELS:
        names = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
        rows = [tuple(_comparable(row[name]) for name in names) for row in model.objects.values(*names)]
        tables[model.__name__] = sorted(rows, key=repr)
    return tables


def _comparable(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted(value.items()))
    return value
