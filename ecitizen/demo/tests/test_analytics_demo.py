"""The demo's year of history (``ecitizen.demo.analytics``): enough, and consistent enough, for the
analytics pages to mean something, and loaded once.

The agencies, staff, services and report areas are loaded as ``seed_demo`` loads them (their own
seed commands), then the history, with the clock pinned on a Wednesday in June so that the year
runs over two calendar years. Each test reads the history as the rollups and the staff pages
will: figures that do not add up, a reference used twice or a counter left behind would show.
"""

from __future__ import annotations

import datetime
import io
import uuid
from collections import Counter

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Count, Min, Sum
from django.utils import timezone

from ecitizen.cases.models import Application, ApplicationEvent, Channel, EventKind, RefusalCategory, Status

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 6, 16, 10, 0, tzinfo=datetime.UTC)
DOMAIN = "@residents.example"


@pytest.fixture
def history(make_user):
    """The demo's agencies, staff, services and report areas, then a year of history."""
    from ecitizen.agencies.models import Agency, Membership
    from ecitizen.demo.analytics import demo_analytics_load

    with time_machine.travel(NOW, tick=False):
        for name, slug, code, short in [
            ("City Council", "city-council", "CC", "council"),
            ("Transport Agency", "transport-agency", "TA", "transport"),
            ("Civil Registry", "civil-registry", "CR", "registry"),
        ]:
            agency = Agency.objects.create(name=name, slug=slug, code=code)
            for role in ("caseworker", "agency_admin"):
                Membership.objects.create(agency=agency, user=make_user(f"{role}@{short}.example"), role=role)
        call_command("seed_services", stdout=io.StringIO())
        call_command("seed_reports", no_reports=True, stdout=io.StringIO())
        lines = demo_analytics_load()
    return lines


def _local(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def _a_year_of_applications_of_every_published_service():
    from ecitizen.catalogue.models import Service

    applications = Application.objects.filter(citizen__email__endswith=DOMAIN)
    created = list(applications.values_list("created_at", flat=True))
    # twelve months and more, all in the year before the seed ran
    assert len({(_local(t).year, _local(t).month) for t in created}) >= 12
    assert min(created) >= NOW - datetime.timedelta(days=366) and max(created) <= NOW
    assert 1000 <= len(created) <= 4000
    for service in Service.objects.filter(status="published"):
        mine = applications.filter(service_version__service=service)
        assert 150 <= mine.count() <= 600, service.slug
        assert mine.filter(status=Status.APPROVED).count() > 50, service.slug
        assert mine.filter(status=Status.REFUSED).exists(), service.slug
    # mostly online, then at a counter, then through a helper
    channels = Counter(applications.exclude(status=Status.DRAFT).values_list("channel", flat=True))
    total = sum(channels.values())
    assert 0.7 < channels[Channel.ONLINE] / total < 0.92
    assert channels[Channel.COUNTER] > channels[Channel.HELPER] > 0


def _decisions_refusals_and_drafts_say_what_the_figures_need():
    from ecitizen.catalogue.formdef import FormDefinition

    applications = Application.objects.filter(citizen__email__endswith=DOMAIN).select_related("service_version")
    decided = applications.filter(status__in=[Status.APPROVED, Status.REFUSED])
    # every decision came after the case joined the queue, and some after their due date
    assert all(a.queued_at < a.decided_at for a in decided)
    late = [a for a in decided if _local(a.decided_at) > a.due_date]
    assert 0.03 < len(late) / decided.count() < 0.3
    # refusals have a kind of reason and the caseworker's words; approvals neither
    refused = decided.filter(status=Status.REFUSED)
    assert set(refused.values_list("refusal_category", flat=True)) == set(RefusalCategory.values)
    assert not refused.filter(decision_reason="").exists()
    assert set(decided.filter(status=Status.APPROVED).values_list("refusal_category", flat=True)) == {""}
    # drafts never sent stopped on a real page of their service's form, with that page's answers
    drafts = list(applications.filter(status=Status.DRAFT))
    assert 0.08 < len(drafts) / applications.count() < 0.25
    for draft in drafts:
        form = FormDefinition.parse(draft.service_version.snapshot["form"])
        page = form.page(draft.last_page_id)
        assert page is not None, draft.last_page_id
        assert draft.reference is None and draft.submitted_at is None
        assert {q.id for q in page.questions} & set(draft.answers), draft.last_page_id
    assert len({d.last_page_id for d in drafts}) > 4
    # a small backlog is still open, each case in the queue with a due date; none waits to be sent
    still_open = applications.filter(status__in=[Status.SUBMITTED, Status.IN_REVIEW, Status.INFO_REQUESTED])
    assert 5 <= still_open.count() <= 120
    assert not still_open.filter(queued_at=None).exists() and not still_open.filter(due_date=None).exists()
    assert not still_open.filter(status=Status.IN_REVIEW, assignee=None).exists()
    assert applications.filter(status=Status.WITHDRAWN).exclude(withdrawn_at=None).exists()


def _every_sent_application_has_its_timeline_and_its_reference_once():
    applications = Application.objects.filter(citizen__email__endswith=DOMAIN)
    sent = applications.exclude(submitted_at=None)
    events = {
        (app_id, kind): at
        for app_id, kind, at in ApplicationEvent.objects.filter(application__in=sent).values_list(
            "application_id", "kind", "created_at"
        )
    }
    for app in sent:
        assert events[(app.pk, EventKind.SUBMITTED)] == app.submitted_at
        if app.decided_at is not None:
            assert events[(app.pk, app.status)] == app.decided_at
        if app.withdrawn_at is not None:
            assert events[(app.pk, EventKind.WITHDRAWN)] == app.withdrawn_at
    asked = applications.filter(info_requests__isnull=False).distinct()
    assert asked.count() > 50
    assert asked.filter(info_requests__responded_at__isnull=False).exists()
    # references are unique, numbered in the year each was sent, and the counters went past them
    references = list(Application.objects.exclude(reference=None).values_list("reference", "submitted_at"))
    assert len({r for r, _at in references}) == len(references)
    assert all(r.split("-")[1] == str(_local(at).year) for r, at in references)
    assert {r.split("-")[1] for r, _at in references} == {"2026", "2027"}


def _what_comes_after_the_history_takes_new_numbers(other_citizen):
    """The counters and id sequences were moved past the history: the next application, bill and
    payment made by the services take new references and ids."""
    from ecitizen.cases import services
    from ecitizen.catalogue.models import Service
    from ecitizen.payments.models import Bill

    citizen = other_citizen
    service = Service.objects.get(slug="street-trading-licence")
    last = Application.objects.order_by("-pk").first()
    with time_machine.travel(NOW, tick=False):
        draft = services.application_start(
            citizen=citizen, service_version=service.current_version, start_token=uuid.uuid4()
        )
        draft.answers = Application.objects.filter(service_version=service.current_version, status=Status.APPROVED)[
            0
        ].answers
        draft.save(update_fields=["answers"])
        sent = services.application_submit(citizen=citizen, application=draft, declaration=True)
    assert sent.pk > last.pk
    assert Application.objects.filter(reference=sent.reference).count() == 1
    assert Bill.objects.filter(reference=Bill.objects.get(application=sent).reference).count() == 1


def _fees_were_billed_and_paid_as_the_payments_app_records_them():
    from ecitizen.payments.models import Bill, BillStatus, Payment, PaymentStatus, Refund, RefundStatus
    from ecitizen.payments.reconciliation import reconcile
    from ecitizen.payments.services import COUNTER_METHODS

    paying = Application.objects.filter(citizen__email__endswith=DOMAIN, service_version__service__fee_amount__gt=0)
    queued = paying.exclude(queued_at=None)
    payments = {
        p.bill.application_id: p for p in Payment.objects.filter(bill__application__in=queued).select_related("bill")
    }
    assert len(payments) == queued.count()
    for app in queued:
        payment = payments[app.pk]
        assert (payment.status, payment.finished_at, payment.bill.status) == (
            PaymentStatus.SUCCESS,
            app.queued_at,
            BillStatus.PAID,
        )
        assert (payment.method in COUNTER_METHODS) == (app.channel == Channel.COUNTER)
        assert app.submitted_at <= app.queued_at
    assert (
        Bill.objects.filter(application__in=paying.filter(status=Status.AWAITING_PAYMENT))
        .exclude(status=BillStatus.OPEN)
        .count()
        == 0
    )
    refunds = Refund.objects.filter(payment__bill__application__in=paying)
    assert refunds.count() >= 2 and set(refunds.values_list("status", flat=True)) == {RefundStatus.SUCCESS}
    assert not refunds.exclude(payment__bill__application__status=Status.WITHDRAWN).exists()
    # the sandbox gateway's own record agrees with ours, day by day
    days = {p.created_at.astimezone(datetime.UTC).date() for p in payments.values() if p.method == "sandbox"}
    for day in sorted(days)[:: max(1, len(days) // 20)]:
        assert reconcile(day=day, provider_name="sandbox").ok, day


def _problem_reports_cluster_and_are_answered():
    from ecitizen.reports.models import Report, ReportUpdate, UpdateKind

    reports = Report.objects.filter(reporter_email__endswith=DOMAIN)
    assert 700 <= reports.count() <= 900
    assert reports.order_by().values("agency").distinct().count() == 2  # the council, and the ring road's agency
    answered = reports.exclude(first_response_at=None)
    assert answered.count() > 0.9 * reports.count()
    assert all(r.created_at < r.first_response_at <= NOW for r in answered)
    fixed = reports.filter(status="fixed")
    assert fixed.count() > 0.6 * reports.count()
    assert all(r.first_response_at <= r.closed_at for r in fixed)
    updates = ReportUpdate.objects.filter(report__in=reports)
    assert updates.filter(kind=UpdateKind.REOPENED).count() >= 10
    answers = Counter(updates.filter(kind=UpdateKind.QUESTIONNAIRE).values_list("fixed_answer", flat=True))
    assert answers[True] > 50 and answers[False] > 0
    # the agency's first public update of each report is its first response (as the services set it)
    first = dict(
        updates.filter(is_staff=True, kind__in=["status", "comment"])
        .order_by()
        .values("report")
        .annotate(first=Min("created_at"))
        .values_list("report", "first")
    )
    assert first == dict(answered.values_list("pk", "first_response_at"))
    # reports four weeks old were asked whether it was fixed, so the task asks none of them again
    assert not reports.filter(created_at__lte=NOW - datetime.timedelta(days=28), questionnaire_sent_at=None).exists()
    # a few places hold many reports
    cells = Counter(reports.values_list("cell", flat=True))
    assert sum(n for _cell, n in cells.most_common(10)) > 0.25 * reports.count()


def _ratings_vary_by_service_and_the_oldest_month_is_too_thin_to_publish():
    from ecitizen.engagement.feedback.models import Rating

    ratings = Rating.objects.filter(rater__email__endswith=DOMAIN)
    months = Counter(ratings.values_list("month", flat=True))
    this_month = _local(NOW).replace(day=1)
    assert max(months) == this_month and len(months) == 11
    assert min(months) > this_month - datetime.timedelta(days=31 * 11)
    means = {
        row["service__slug"]: row["total"] / row["n"]
        for row in ratings.values("service__slug").annotate(total=Sum("answer"), n=Count("id"))
    }
    assert len(means) == 4 and max(means.values()) - min(means.values()) > 0.5
    # each rating is of an application that was sent, by its applicant
    rated = Application.objects.filter(reference__in=ratings.values("reference"))
    assert rated.count() == ratings.count()
    assert not rated.filter(submitted_at=None).exists()


def _the_agencies_have_costs_an_alert_and_rebuilt_rollups():
    from ecitizen.analytics.models import AlertRule, ChannelCost, RollupRun, ServiceDay

    costs = {(c.agency.code, c.channel): c.amount for c in ChannelCost.objects.select_related("agency")}
    assert costs[("CC", "online")] == 250 and costs[("CC", "counter")] == 1200 and costs[("CR", "helper")] == 600
    assert len(costs) == 9
    alert = AlertRule.objects.get()
    assert (alert.metric, alert.threshold) == ("backlog", 20)
    assert RollupRun.objects.filter(kind="rebuild").exists()
    # the rollups count what the history holds
    applications = Application.objects.filter(citizen__email__endswith=DOMAIN)
    rolled = ServiceDay.objects.aggregate(approved=Sum("approved"), refused=Sum("refused"), started=Sum("started"))
    assert rolled == {
        "approved": applications.filter(status=Status.APPROVED).count(),
        "refused": applications.filter(status=Status.REFUSED).count(),
        "started": applications.count(),
    }


def _loading_again_adds_nothing(history):
    from ecitizen.analytics.models import RollupRun
    from ecitizen.demo.analytics import demo_analytics_load
    from ecitizen.reports.models import Report

    assert history[0].startswith("a year of history: 200 residents, ")
    counts = (Application.objects.count(), Report.objects.count(), RollupRun.objects.count())
    assert demo_analytics_load() == ["a year of history: already there"]
    assert (Application.objects.count(), Report.objects.count(), RollupRun.objects.count()) == counts


# Loading the history takes a while: each test below checks several of the things above on one load.


def test_applications_decisions_drafts_and_timelines(history):
    _a_year_of_applications_of_every_published_service()
    _decisions_refusals_and_drafts_say_what_the_figures_need()
    _every_sent_application_has_its_timeline_and_its_reference_once()


def test_money_and_what_comes_after(history, other_citizen):
    _fees_were_billed_and_paid_as_the_payments_app_records_them()
    _what_comes_after_the_history_takes_new_numbers(other_citizen)


def test_reports_and_ratings(history):
    _problem_reports_cluster_and_are_answered()
    _ratings_vary_by_service_and_the_oldest_month_is_too_thin_to_publish()


def test_settings_rollups_and_loading_once(history):
    _the_agencies_have_costs_an_alert_and_rebuilt_rollups()
    _loading_again_adds_nothing(history)
