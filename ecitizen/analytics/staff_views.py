"""Staff dashboards of service delivery, under /staff/analytics/ (MFA enforced by middleware).

Pages read the rollups through :mod:`ecitizen.analytics.selectors` and
:mod:`ecitizen.analytics.report_selectors`, for the agencies :mod:`ecitizen.analytics.policies`
allows: another agency (or its service, or its alert) answers 404, people with no dashboard at
all 403. Reading pages change nothing and write no audit row; costs and alerts are changed by
POST through :mod:`ecitizen.analytics.services`, which audits them.

Every count that stands for cases (or reports) links to the staff queue filtered to exactly
those cases, when the reader works that queue. The figures are put into words here (numbers in
the page's language through Django's localisation), so the templates only lay them out.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from ecitizen.agencies.models import Agency, Membership
from ecitizen.agencies.selectors import agencies_where
from ecitizen.analytics import conf, report_selectors, selectors, services
from ecitizen.analytics.models import Metric
from ecitizen.analytics.policies import (
    alert_rule_policy,
    channel_cost_policy,
    dashboard_agencies,
    dashboard_service_policy,
    settings_agencies,
    workload_agencies,
    workload_policy,
)
from ecitizen.analytics.staff_forms import AlertForm, CostForm, PeriodForm, default_period
from ecitizen.cases.models import Channel, RefusalCategory
from ecitizen.cases.policies import CASE_ROLES
from ecitizen.cases.selectors import STATUS_ANY, STATUS_DECIDED, case_agencies
from ecitizen.catalogue.formdef import DefinitionError, FormDefinition
from ecitizen.catalogue.models import Service
from ecitizen.core.dates import format_date
from ecitizen.core.i18n import pick
from ecitizen.core.money import format_amount, format_money
from ecitizen.core.numbers import parse_id
from ecitizen.core.policies import access
from ecitizen.reports.policies import WORK_ROLES

#: The quick choices of period above every dashboard: (days, label).
PERIOD_CHOICES = (
    (30, gettext_lazy("Last 30 days")),
    (90, gettext_lazy("Last 90 days")),
    (365, gettext_lazy("Last 12 months")),
)
#: Buckets of the decision-time distribution, in working days: (first, last or None).
DECISION_BUCKETS = ((0, 5), (6, 10), (11, 15), (16, 20), (21, 30), (31, 60), (61, None))


# --- numbers in words ------------------------------------------------------------------------------


def _count(value: int) -> str:
    return number_format(value, force_grouping=True)


def _percent(share: float | None) -> str:
    """A share as "83.2%" (or "83%") in the page's language; "No data" when there is none."""
    if share is None:
        return _("No data")
    rounded = round(share * 100, 1)
    places = 0 if rounded == int(rounded) else 1
    return _("%(percent)s%%") % {"percent": number_format(rounded, decimal_pos=places, force_grouping=True)}


def _working_days(value: int | None) -> str:
    if value is None:
        return _("No data")
    return ngettext("%(count)s working day", "%(count)s working days", value) % {"count": _count(value)}


def _hours(value: int | None) -> str:
    if value is None:
        return _("No data")
    return ngettext("%(count)s hour", "%(count)s hours", value) % {"count": _count(value)}


def _days(value: int | None) -> str:
    if value is None:
        return _("No data")
    return ngettext("%(count)s day", "%(count)s days", value) % {"count": _count(value)}


def _decimal(value: float | None, places: int = 2) -> str:
    if value is None:
        return _("No data")
    return number_format(value, decimal_pos=places, force_grouping=True)


def _iso(day: datetime.date) -> str:
    return day.isoformat()


def _bucket_order(key: str) -> tuple[int, str]:
    """Age buckets ("0-5", "21+") in the order of their first number."""
    digits = ""
    for char in str(key):
        if not char.isdigit():
            break
        digits += char
    return (int(digits) if digits else 10**9, str(key))


# --- what the pages are made of -----------------------------------------------------------------


@dataclass
class Figure:
    """One measure as a page shows it: a label, the value in words, and where its cases are."""

    label: str
    value: str
    link: str = ""
    hint: str = ""
    items: list[Figure] = field(default_factory=list)


@dataclass
class Links:
    """Addresses of the staff queues filtered to the cases (or reports) behind a figure; empty
    when the reader does not work that queue (an auditor, a platform admin)."""

    agency: Agency
    date_from: datetime.date
    date_to: datetime.date
    cases: bool = False
    reports: bool = False

    # A page links to the queues hundreds of times: their addresses are worked out once.
    @cached_property
    def _case_queue(self) -> str:
        return reverse("cases_staff:queue")

    @cached_property
    def _report_queue(self) -> str:
        return reverse("reports_staff:queue")

    def case_list(self, service_id: int | None = None, **params) -> str:
        if not self.cases:
            return ""
        query: dict = {"agency": self.agency.pk}
        if service_id:
            query["service"] = service_id
        query.update({name: value for name, value in params.items() if value not in (None, "")})
        return f"{self._case_queue}?{urlencode(query)}"

    def sent(self, service_id, start=None, end=None, **params) -> str:
        start, end = start or self.date_from, end or self.date_to
        return self.case_list(service_id, status=STATUS_ANY, sent_from=_iso(start), sent_to=_iso(end), **params)

    def decided(self, service_id, status=STATUS_DECIDED, start=None, end=None, **params) -> str:
        start, end = start or self.date_from, end or self.date_to
        return self.case_list(service_id, status=status, decided_from=_iso(start), decided_to=_iso(end), **params)

    def report_list(self, **params) -> str:
        if not self.reports:
            return ""
        query: dict = {"agency": self.agency.pk}
        query.update({name: value for name, value in params.items() if value not in (None, "")})
        return f"{self._report_queue}?{urlencode(query)}"


def _month_starts(date_from: datetime.date, date_to: datetime.date) -> list[datetime.date]:
    months, month = [], date_from.replace(day=1)
    while month <= date_to:
        months.append(month)
        month = _next_month(month)
    return months


def _next_month(month: datetime.date) -> datetime.date:
    return datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _month_bounds(month: datetime.date, date_from: datetime.date, date_to: datetime.date):
    """The days of *month* inside the period."""
    return max(month, date_from), min(_next_month(month) - datetime.timedelta(days=1), date_to)


def _choose_agency(request: HttpRequest, agencies_qs) -> tuple[Agency, list[Agency]]:
    """The agency the page is about (``agency`` in the query or form), among *agencies_qs*: the
    first one when none is named; 404 for one outside them; 403 when there is none at all."""
    agencies = list(agencies_qs.order_by("name"))
    if not agencies:
        raise PermissionDenied
    wanted = request.POST.get("agency") if request.method == "POST" else request.GET.get("agency")
    if not wanted:
        return agencies[0], agencies
    pk = parse_id(wanted)
    for agency in agencies:
        if agency.pk == pk:
            return agency, agencies
    raise Http404


def _period_form(request: HttpRequest, *, services: list[tuple[int, str]] | None) -> PeriodForm:
    """The period form, filled from the query; the last 90 days when the query names no day."""
    data = request.GET.copy()
    if not any(key.startswith(("date_from", "date_to")) for key in data):
        start, end = default_period(timezone.localdate())
        data["date_from"], data["date_to"] = _iso(start), _iso(end)
    return PeriodForm(data, services=services)


def _period_links(agency: Agency, *, path: str, service_id: int | None = None) -> list[tuple[str, str]]:
    today = timezone.localdate()
    links = []
    for days, label in PERIOD_CHOICES:
        start, end = default_period(today, days)
        query = {"agency": agency.pk, "date_from": _iso(start), "date_to": _iso(end)}
        if service_id:
            query["service"] = service_id
        links.append((str(label), f"{path}?{urlencode(query)}"))
    return links


def _nav(request: HttpRequest, agency: Agency, current: str) -> list[dict]:
    """The dashboard's own menu: what this reader may open for *agency*."""
    user = request.user
    can_change = settings_agencies(user).filter(pk=agency.pk).exists()
    entries = [
        ("home", _("Services"), True),
        ("reports", _("Problem reports"), True),
        ("workload", _("Caseworkers' workload"), workload_agencies(user).filter(pk=agency.pk).exists()),
        ("costs", _("Costs per channel"), can_change),
        ("alerts", _("Alerts"), can_change),
    ]
    return [
        {"label": label, "url": f"{reverse(f'analytics_staff:{name}')}?agency={agency.pk}", "current": name == current}
        for name, label, allowed in entries
        if allowed
    ]


def _links_for(request: HttpRequest, agency: Agency, date_from, date_to) -> Links:
    return Links(
        agency=agency,
        date_from=date_from,
        date_to=date_to,
        cases=case_agencies(request.user).filter(pk=agency.pk).exists(),
        reports=agencies_where(request.user, *WORK_ROLES).filter(pk=agency.pk).exists(),
    )


# --- the figures of a service (or of every service together) ------------------------------------


@dataclass
class Costs:
    amounts: dict[str, int]
    currency: str = ""


def _costs_of(request: HttpRequest, agency: Agency) -> Costs:
    rows = list(channel_cost_policy.scope(request.user, "view").filter(agency=agency))
    return Costs({row.channel: row.amount for row in rows}, rows[0].currency if rows else "")


def _money_rows(rows, totals: selectors.Totals) -> list[tuple[str, selectors.Totals]]:
    """(currency, totals of its payments) for each currency of *totals*: amounts of different
    currencies are never added together."""
    if len(totals.currencies) <= 1:
        return [(next(iter(totals.currencies), ""), totals)]
    return [(code, selectors.totals(rows.filter(currency=code))) for code in sorted(totals.currencies)]


def _service_figures(
    *,
    totals: selectors.Totals,
    money: list[tuple[str, selectors.Totals]],
    backlog: selectors.Backlog,
    open_at_start: int,
    satisfaction: selectors.Satisfaction | None,
    costs: Costs,
    links: Links,
    service_id: int | None,
    can_set_costs: bool,
    cost_url: str,
) -> list[Figure]:
    """The measures of issue 17 for one service (or all, *service_id* None), in reading order."""
    figures = [
        Figure(_("Applications started"), _count(totals.started), hint=_("Drafts begun, sent or not.")),
        Figure(_("Applications sent"), _count(totals.submitted), links.sent(service_id)),
        Figure(
            _("Completion rate"),
            _percent(totals.completion_rate),
            hint=_("Online applications sent ÷ online applications begun."),
        ),
        Figure(
            _("Decided"),
            _count(totals.decided),
            links.decided(service_id),
            items=[
                Figure(_("Approved"), _count(totals.approved), links.decided(service_id, status="approved")),
                Figure(_("Refused"), _count(totals.refused), links.decided(service_id, status="refused")),
            ],
        ),
        Figure(_("Median decision time"), _working_days(totals.median_days)),
        Figure(_("90th percentile decision time"), _working_days(totals.p90_days)),
        Figure(
            _("Decided within the deadline"),
            _percent(totals.in_time_share),
            hint=_("%(in_time)s of %(decided)s decisions.")
            % {"in_time": _count(totals.decided_in_time), "decided": _count(totals.decided)},
        ),
        Figure(_("Open cases now"), _count(backlog.open_count), links.case_list(service_id)),
        Figure(_("Open cases past their due date"), _count(backlog.overdue), links.case_list(service_id, overdue=1)),
        Figure(
            _("Oldest open case waiting since"),
            _format_date(backlog.oldest_queued_at) if backlog.oldest_queued_at else _("No open case"),
        ),
        Figure(
            _("Open cases at the start of the period"),
            _count(max(open_at_start, 0)),
            hint=_("Open now: %(now)s.") % {"now": _count(backlog.open_count)},
        ),
        Figure(
            _("Requests for more information per case"),
            _decimal(totals.info_requests_per_case),
            hint=_("%(requests)s requests, %(cases)s cases that joined the queue.")
            % {"requests": _count(totals.info_requests), "cases": _count(totals.queued)},
        ),
        Figure(
            _("Refusals by kind of reason"),
            _count(totals.refused) if totals.refused else _("None"),
            items=[
                Figure(
                    _refusal_label(kind),
                    _count(count),
                    links.decided(service_id, status="refused", refusal=kind if kind in RefusalCategory.values else ""),
                )
                for kind, count in sorted(totals.refusals.items(), key=lambda item: (-item[1], item[0]))
                if count
            ],
        ),
    ]
    figures += _money_figures(money)
    sent = sum(totals.submitted_by_channel.values())
    figures.append(
        Figure(
            _("Digital take-up"),
            _percent(totals.digital_take_up),
            hint=_("Applications sent online ÷ applications sent through every channel."),
            items=[
                Figure(
                    channel.label,
                    _("%(count)s (%(share)s)")
                    % {
                        "count": _count(totals.submitted_by_channel[channel.value]),
                        "share": _percent(totals.submitted_by_channel[channel.value] / sent if sent else None),
                    },
                    links.sent(service_id, channel=channel.value) if totals.submitted_by_channel[channel.value] else "",
                )
                for channel in Channel
            ],
        )
    )
    figures.append(_cost_figure(totals, costs, can_set_costs=can_set_costs, cost_url=cost_url))
    figures.append(_satisfaction_figure(satisfaction))
    return figures


def _format_date(value) -> str:
    return format_date(value)


def _refusal_label(kind: str) -> str:
    labels = dict(RefusalCategory.choices)
    return str(labels.get(kind, _("Not recorded") if not kind else kind))


def _money_figures(money: list[tuple[str, selectors.Totals]]) -> list[Figure]:
    paid, refunded, net = [], [], []
    for currency, totals in money:
        if not currency:
            continue
        paid.append(
            _("%(count)s payments, %(amount)s")
            % {"count": _count(totals.payments), "amount": format_money(totals.paid, currency)}
        )
        refunded.append(
            _("%(count)s refunds, %(amount)s")
            % {"count": _count(totals.refunds), "amount": format_money(totals.refunded, currency)}
        )
        net.append(format_money(totals.net_paid, currency))
    if not paid:
        return [Figure(_("Payments"), _("No payments in this period"))]
    return [
        Figure(_("Payments"), "; ".join(paid)),
        Figure(_("Refunds"), "; ".join(refunded)),
        Figure(_("Net taken"), "; ".join(net), hint=_("Payments less refunds, per currency.")),
    ]


def _cost_figure(totals: selectors.Totals, costs: Costs, *, can_set_costs: bool, cost_url: str) -> Figure:
    label = _("Cost per transaction")
    value = totals.cost_per_transaction(costs.amounts)
    if value is not None and costs.currency:
        return Figure(label, format_money(round(value), costs.currency), hint=_("From your agency's cost per channel."))
    if not sum(totals.submitted_by_channel.values()):
        return Figure(label, _("No applications sent"))
    missing = not costs.amounts or any(
        count and channel not in costs.amounts for channel, count in totals.submitted_by_channel.items()
    )
    if missing and can_set_costs:
        return Figure(label, _("Not set"), cost_url, hint=_("Set the cost of each channel to see it."))
    return Figure(label, _("Not set"), hint=_("An agency admin sets the cost of each channel."))


def _satisfaction_figure(satisfaction: selectors.Satisfaction | None) -> Figure:
    label = _("User satisfaction")
    if satisfaction is None or not satisfaction.count:
        return Figure(label, _("No answers in this period"))
    return Figure(
        label,
        _percent(satisfaction.satisfied_share),
        hint=ngettext(
            "Satisfied or very satisfied, of %(count)s answer (whole months).",
            "Satisfied or very satisfied, of %(count)s answers (whole months).",
            satisfaction.count,
        )
        % {"count": _count(satisfaction.count)},
    )


def _stop_pages(service: Service, stopped: Counter) -> list[Figure]:
    """Where drafts stopped, page by page in the order of the service's current form (pages no
    longer in it after them); the share is of every draft that stopped."""
    total = sum(stopped.values())
    form_data = service.current_version.snapshot.get("form") if service.current_version_id else service.form
    try:
        pages = [(page.id, pick(page.title) or page.id) for page in FormDefinition.parse(form_data).pages]
    except DefinitionError:
        pages = []
    known = {page_id for page_id, _title in pages}
    rows = [(page_id, title) for page_id, title in pages]
    rows += [(page_id, "") for page_id in sorted(stopped) if page_id not in known]
    result = []
    for page_id, title in rows:
        count = stopped.get(page_id, 0)
        if not title:
            title = (
                _("Before any page was saved")
                if not page_id
                else _("A page no longer in the form (%(id)s)") % {"id": page_id}
            )
        result.append(Figure(title, _count(count), hint=_percent(count / total if total else None)))
    return result


def _decision_buckets(histogram: Counter) -> list[Figure]:
    total = sum(histogram.values())
    rows, running = [], 0
    for first, last in DECISION_BUCKETS:
        count = sum(n for value, n in histogram.items() if int(value) >= first and (last is None or int(value) <= last))
        running += count
        label = (
            _("%(first)s to %(last)s working days") % {"first": _count(first), "last": _count(last)}
            if last is not None
            else _("More than %(days)s working days") % {"days": _count(first - 1)}
        )
        rows.append(
            Figure(
                label,
                _count(count),
                hint=_percent(count / total if total else None),
                items=[Figure(_("Decided within this time or sooner"), _percent(running / total if total else None))],
            )
        )
    return rows


def _age_rows(ages: Counter) -> list[tuple[str, str]]:
    return [(str(key), _count(count)) for key, count in sorted(ages.items(), key=lambda item: _bucket_order(item[0]))]


@dataclass
class MonthRow:
    month: datetime.date
    started: str
    sent: str
    sent_link: str
    completion: str
    decided: str
    decided_link: str
    median: str
    p90: str
    in_time: str
    open_at_end: str
    satisfied: str


def _month_rows(
    *,
    by_month: dict[object, selectors.Totals],
    backlog: selectors.Backlog,
    scope: dict,
    date_from: datetime.date,
    date_to: datetime.date,
    links: Links,
    service_id: int | None,
) -> list[MonthRow]:
    """Every month of the period (the first and last only for their days in it, *by_month* the
    period's totals per month), with the open cases at each month's end (from *backlog*, now's)."""
    months = _month_starts(date_from, date_to)
    ends = [_month_bounds(month, date_from, date_to)[1] for month in months]
    trend = selectors.backlog_trend(**scope, days=ends, current=backlog)
    satisfaction = selectors.satisfaction_by(**scope, month_from=date_from, month_to=date_to, key="month")
    result = []
    for month, end in zip(months, ends, strict=True):
        start = _month_bounds(month, date_from, date_to)[0]
        totals = by_month.get(month) or selectors.Totals()
        answers = satisfaction.get(month)
        result.append(
            MonthRow(
                month=month,
                started=_count(totals.started),
                sent=_count(totals.submitted),
                sent_link=links.sent(service_id, start, end) if totals.submitted else "",
                completion=_percent(totals.completion_rate),
                decided=_count(totals.decided),
                decided_link=links.decided(service_id, start=start, end=end) if totals.decided else "",
                median=_working_days(totals.median_days),
                p90=_working_days(totals.p90_days),
                in_time=_percent(totals.in_time_share),
                open_at_end=_count(max(trend.get(end, 0), 0)),
                satisfied=_percent(answers.satisfied_share) if answers and answers.count else _("No answers"),
            )
        )
    return result


def _open_at_start(backlog: selectors.Backlog, period: selectors.Totals, after: selectors.Totals | None) -> int:
    """Open cases at the end of the day before the period: open now, less the cases that joined
    the queue since (in the period and after it), plus those that left it."""
    flows = [totals for totals in (period, after) if totals is not None]
    return backlog.open_count - sum(totals.queued - totals.left_queue for totals in flows)


def _flows_after(scope: dict, date_to: datetime.date, key: str | None = None) -> dict[object, selectors.Totals]:
    """Sums of the days after the period up to today (none when the period ends today)."""
    today = timezone.localdate()
    if date_to >= today:
        return {}
    rows = selectors.service_days(**scope, date_from=date_to + datetime.timedelta(days=1), date_to=today)
    return selectors.totals_by(rows, key)


def _merge(parts) -> selectors.Totals:
    """Totals added together (every service's into the agency's), without reading the rows again."""
    total = selectors.Totals()
    for part in parts:
        for item in dataclasses.fields(selectors.Totals):
            if item.name == "key":
                continue
            value = getattr(part, item.name)
            if isinstance(value, Counter):
                getattr(total, item.name).update(value)
            elif isinstance(value, set):
                getattr(total, item.name).update(value)
            elif isinstance(value, int):
                setattr(total, item.name, getattr(total, item.name) + value)
    return total


# --- pages -----------------------------------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """One agency's services over a period: every service together, then each service, month by
    month, and where drafts stop."""
    agency, agencies = _choose_agency(request, dashboard_agencies(request.user))
    services = list(
        dashboard_service_policy.scope(request.user, "view")
        .filter(agency=agency)
        .select_related("current_version")
        .order_by("slug")
    )
    form = _period_form(request, services=[(service.pk, service.display_title()) for service in services])
    context = {
        "agency": agency,
        "agencies": agencies,
        "form": form,
        "nav": _nav(request, agency, "home"),
        "period_links": _period_links(agency, path=reverse("analytics_staff:home")),
    }
    if not form.is_valid():
        return render(request, "analytics/staff/home.html", context, status=400)
    date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    chosen = form.cleaned_data.get("service")
    if chosen:
        services = [service for service in services if service.pk == chosen]
        context["period_links"] = _period_links(agency, path=reverse("analytics_staff:home"), service_id=chosen)
    scope = {"service_ids": [chosen]} if chosen else {"agency_ids": [agency.pk]}
    links = _links_for(request, agency, date_from, date_to)
    rows = selectors.service_days(**scope, date_from=date_from, date_to=date_to)
    # One read of the rows, per service and month, serves the services' figures and the months'.
    per_service_month = selectors.totals_by(rows, ("service", "month"))
    per_service = selectors.regroup(per_service_month, lambda key: key[0])
    by_month = selectors.regroup(per_service_month, lambda key: key[1])
    overall = _merge(per_service.values())
    after = _flows_after(scope, date_to, key="service")
    backlogs = selectors.backlog_by(**scope, key="service")
    satisfaction = selectors.satisfaction_by(**scope, month_from=date_from, month_to=date_to, key="service")
    costs = _costs_of(request, agency)
    can_set_costs = settings_agencies(request.user).filter(pk=agency.pk).exists()
    cost_url = f"{reverse('analytics_staff:costs')}?agency={agency.pk}"

    blocks = []
    for service in services:
        totals = per_service.get(service.pk) or selectors.Totals()
        backlog = backlogs.get(service.pk) or selectors.Backlog()
        if service.status == "draft" and not totals.started and not backlog.open_count:
            continue  # never offered: nothing to show
        blocks.append(
            {
                "service": service,
                "title": service.display_title(),
                "figures": _service_figures(
                    totals=totals,
                    money=_money_rows(rows.filter(service_id=service.pk), totals),
                    backlog=backlog,
                    open_at_start=_open_at_start(backlog, totals, after.get(service.pk)),
                    satisfaction=satisfaction.get(service.pk),
                    costs=costs,
                    links=links,
                    service_id=service.pk,
                    can_set_costs=can_set_costs,
                    cost_url=cost_url,
                ),
                "stops": _stop_pages(service, totals.stopped_at) if totals.stopped_at else [],
            }
        )
    overall_backlog = _sum_backlogs(backlogs.values())
    overall_satisfaction = selectors.Satisfaction()
    for key, answers in satisfaction.items():
        if key is not None:
            overall_satisfaction.answers.update(answers.answers)
    context.update(
        date_from=date_from,
        date_to=date_to,
        chosen=chosen,
        overall=_service_figures(
            totals=overall,
            money=_money_rows(rows, overall),
            backlog=overall_backlog,
            open_at_start=_open_at_start(overall_backlog, overall, _merge(after.values())),
            satisfaction=overall_satisfaction,
            costs=costs,
            links=links,
            service_id=chosen,
            can_set_costs=can_set_costs,
            cost_url=cost_url,
        ),
        blocks=blocks,
        months=_month_rows(
            by_month=by_month,
            backlog=overall_backlog,
            scope=scope,
            date_from=date_from,
            date_to=date_to,
            links=links,
            service_id=chosen,
        ),
        links_to_cases=links.cases,
    )
    return render(request, "analytics/staff/home.html", context)


def _sum_backlogs(backlogs) -> selectors.Backlog:
    total = selectors.Backlog()
    for backlog in backlogs:
        total.open_count += backlog.open_count
        total.overdue += backlog.overdue
        total.ages.update(backlog.ages)
        if backlog.oldest_queued_at and (
            total.oldest_queued_at is None or backlog.oldest_queued_at < total.oldest_queued_at
        ):
            total.oldest_queued_at = backlog.oldest_queued_at
    return total


@login_required
@require_GET
def service(request: HttpRequest, pk: int) -> HttpResponse:
    """One service in detail: its measures, every month, the drop-out funnel by form page,
    refusals by kind, the distribution of decision times and the age of open cases."""
    service = access(
        dashboard_service_policy,
        request.user,
        "view",
        pk=pk,
        narrow=lambda qs: qs.select_related("agency", "current_version"),
    )
    agency = service.agency
    form = _period_form(request, services=None)
    path = reverse("analytics_staff:service", args=[service.pk])
    context = {
        "agency": agency,
        "service": service,
        "title": service.display_title(),
        "form": form,
        "nav": _nav(request, agency, "home"),
        "period_links": _period_links(agency, path=path),
    }
    if not form.is_valid():
        return render(request, "analytics/staff/service.html", context, status=400)
    date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    scope = {"service_ids": [service.pk]}
    links = _links_for(request, agency, date_from, date_to)
    rows = selectors.service_days(**scope, date_from=date_from, date_to=date_to)
    by_month = selectors.totals_by(rows, "month")
    totals = _merge(by_month.values())
    backlog = selectors.backlog_by(**scope).get(None) or selectors.Backlog()
    after = _flows_after(scope, date_to).get(None)
    satisfaction = selectors.satisfaction_by(**scope, month_from=date_from, month_to=date_to).get(None)
    can_set_costs = settings_agencies(request.user).filter(pk=agency.pk).exists()
    context.update(
        date_from=date_from,
        date_to=date_to,
        figures=_service_figures(
            totals=totals,
            money=_money_rows(rows, totals),
            backlog=backlog,
            open_at_start=_open_at_start(backlog, totals, after),
            satisfaction=satisfaction,
            costs=_costs_of(request, agency),
            links=links,
            service_id=service.pk,
            can_set_costs=can_set_costs,
            cost_url=f"{reverse('analytics_staff:costs')}?agency={agency.pk}",
        ),
        months=_month_rows(
            by_month=by_month,
            backlog=backlog,
            scope=scope,
            date_from=date_from,
            date_to=date_to,
            links=links,
            service_id=service.pk,
        ),
        funnel_started=_count(totals.started),
        funnel_sent=_count(totals.submitted),
        funnel_stopped=_count(sum(totals.stopped_at.values())),
        stopped_after=_count(conf.draft_stopped_after_days()),
        stops=_stop_pages(service, totals.stopped_at),
        refusals=[
            Figure(
                _refusal_label(kind),
                _count(count),
                links.decided(service.pk, status="refused", refusal=kind if kind in RefusalCategory.values else ""),
                hint=_percent(count / totals.refused if totals.refused else None),
            )
            for kind, count in sorted(totals.refusals.items(), key=lambda item: (-item[1], item[0]))
            if count
        ],
        buckets=_decision_buckets(totals.decision_days),
        deadline=_working_days(service.deadline_working_days),
        ages=_age_rows(backlog.ages),
        backlog_taken_at=backlog.taken_at,
    )
    return render(request, "analytics/staff/service.html", context)


# --- problem reports ----------------------------------------------------------------------------------


@dataclass
class ReportRow:
    label: str
    received: str
    received_link: str
    response: str
    closed: str
    closed_link: str
    fixed: str
    fixed_link: str
    fix_time: str
    reopened: str
    fixed_answers: str


def _report_row(label: str, totals: report_selectors.ReportTotals, links: Links, **filters) -> ReportRow:
    created = {"created_from": _iso(links.date_from), "created_to": _iso(links.date_to)}
    closed = {"closed_from": _iso(links.date_from), "closed_to": _iso(links.date_to)}
    return ReportRow(
        label=label,
        received=_count(totals.received),
        received_link=links.report_list(status="all", **created, **filters) if totals.received else "",
        response=_("%(median)s (90%%: %(p90)s)")
        % {"median": _hours(totals.median_response_hours), "p90": _hours(totals.p90_response_hours)}
        if totals.response_hours
        else _("No data"),
        closed=_count(totals.closed),
        closed_link=links.report_list(status="closed", **closed, **filters) if totals.closed else "",
        fixed=_count(totals.fixed),
        fixed_link=links.report_list(status="fixed", **closed, **filters) if totals.fixed else "",
        fix_time=_("%(median)s (90%%: %(p90)s)")
        % {"median": _days(totals.median_fix_days), "p90": _days(totals.p90_fix_days)}
        if totals.fix_days
        else _("No data"),
        reopened=_("%(count)s (%(share)s of closed)")
        % {"count": _count(totals.reopened), "share": _percent(totals.reopened_share)},
        fixed_answers=_("Yes %(yes)s, no %(no)s (%(share)s yes)")
        % {"yes": _count(totals.fixed_yes), "no": _count(totals.fixed_no), "share": _percent(totals.fixed_yes_share)}
        if totals.answers
        else _("No answers"),
    )


@login_required
@require_GET
def reports(request: HttpRequest) -> HttpResponse:
    """Problem reports of one agency over a period: for the agency, by category, by area and by
    month, and where reports cluster (a table, and circles on a map with JavaScript)."""
    agency, agencies = _choose_agency(request, dashboard_agencies(request.user))
    form = _period_form(request, services=None)
    context = {
        "agency": agency,
        "agencies": agencies,
        "form": form,
        "nav": _nav(request, agency, "reports"),
        "period_links": _period_links(agency, path=reverse("analytics_staff:reports")),
        "tile_url": settings.REPORTS_TILE_URL,
        "tile_attribution": settings.REPORTS_TILE_ATTRIBUTION,
    }
    if not form.is_valid():
        return render(request, "analytics/staff/reports.html", context, status=400)
    date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    links = _links_for(request, agency, date_from, date_to)
    rows = report_selectors.report_days(agency_ids=[agency.pk], date_from=date_from, date_to=date_to)
    # One read of the rows, per category, area and month, serves every table of the page.
    grid = report_selectors.report_totals_by(rows, ("category", "area", "month"))

    def per(key_of) -> dict[object, report_selectors.ReportTotals]:
        return selectors.regroup(grid, key_of, make=report_selectors.ReportTotals)

    by_category = per(lambda key: key[0])
    by_area = per(lambda key: key[1])
    by_month = per(lambda key: key[2])
    # The months are few: adding them up is cheaper than adding up every cell again.
    together = selectors.regroup(by_month, lambda key: None, make=report_selectors.ReportTotals)
    overall = together.get(None) or report_selectors.ReportTotals()
    categories = report_selectors.category_labels(by_category)
    areas = report_selectors.area_labels(key for key in by_area if key is not None)

    category_rows = sorted(
        (_report_row(label.name, by_category[pk], links, category=label.code) for pk, label in categories.items()),
        key=lambda row: row.label.lower(),
    )
    area_rows = sorted(
        (_report_row(label.name, by_area[pk], links, routed_area=pk) for pk, label in areas.items()),
        key=lambda row: row.label.lower(),
    )
    if None in by_area:
        outside = _report_row(_("Outside every area"), by_area[None], links, routed_area=0)
        area_rows.append(outside)
    month_rows = []
    for month in _month_starts(date_from, date_to):
        start, end = _month_bounds(month, date_from, date_to)
        month_links = Links(agency, start, end, cases=False, reports=links.reports)
        row = _report_row("", by_month.get(month) or report_selectors.ReportTotals(), month_links)
        month_rows.append((month, row))

    cell_from, cell_to = date_from.replace(day=1), _next_month(date_to.replace(day=1)) - datetime.timedelta(days=1)
    cells = report_selectors.busiest_cells(agency_ids=[agency.pk], month_from=date_from, month_to=date_to)
    cell_rows = [
        {
            "rank": index,
            "latitude": number_format(cell.latitude, decimal_pos=4),
            "longitude": number_format(cell.longitude, decimal_pos=4),
            "count": _count(cell.count),
            "link": links.report_list(
                status="all", cell=cell.cell, created_from=_iso(cell_from), created_to=_iso(cell_to)
            ),
        }
        for index, cell in enumerate(cells, start=1)
    ]
    map_points = [
        {
            "lat": cell.latitude,
            "lng": cell.longitude,
            "count": cell.count,
            "label": ngettext("%(count)s report", "%(count)s reports", cell.count) % {"count": _count(cell.count)},
        }
        for cell in cells
    ]
    context.update(
        date_from=date_from,
        date_to=date_to,
        overall=overall,
        overall_rows=[_report_row(agency.display_name, overall, links)],
        category_rows=category_rows,
        area_rows=area_rows,
        month_rows=month_rows,
        cell_rows=cell_rows,
        cell_from=cell_from,
        cell_to=cell_to,
        map_points=map_points,
    )
    return render(request, "analytics/staff/reports.html", context)


# --- workload -----------------------------------------------------------------------------------------


@login_required
@require_GET
def workload(request: HttpRequest) -> HttpResponse:
    """Each caseworker's open cases, overdue ones and their age, as of the last rollup: for the
    agency's admins (and platform admins) only."""
    agency, agencies = _choose_agency(request, workload_agencies(request.user))
    snapshots = list(
        workload_policy.scope(request.user, "view")
        .filter(agency=agency)
        .select_related("assignee")
        .order_by("-open_count", "assignee__email")
    )
    bucket_keys = sorted({key for row in snapshots for key in row.ages}, key=_bucket_order)
    today = timezone.localdate()
    links = Links(agency, today, today, cases=case_agencies(request.user).filter(pk=agency.pk).exists())
    # The queue filters by people who still work its cases; a former caseworker's row has no link.
    workers = set(Membership.objects.filter(agency=agency, role__in=CASE_ROLES).values_list("user_id", flat=True))
    rows = [
        {
            "email": row.assignee.email,
            "open": _count(row.open_count),
            "open_link": links.case_list(assignee=row.assignee_id) if row.assignee_id in workers else "",
            "overdue": _count(row.overdue),
            "overdue_link": links.case_list(assignee=row.assignee_id, overdue=1)
            if row.assignee_id in workers and row.overdue
            else "",
            "ages": [(key, _count(row.ages.get(key, 0))) for key in bucket_keys],
            "oldest": row.oldest_queued_at,
            "has_open": row.open_count > 0,
        }
        for row in snapshots
    ]
    context = {
        "agency": agency,
        "agencies": agencies,
        "nav": _nav(request, agency, "workload"),
        "rows": rows,
        "bucket_keys": bucket_keys,
        "taken_at": max((row.taken_at for row in snapshots), default=None),
    }
    return render(request, "analytics/staff/workload.html", context)


# --- costs per channel ----------------------------------------------------------------------------------


def _service_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
@require_http_methods(["GET", "POST"])
def costs(request: HttpRequest) -> HttpResponse:
    """What one transaction through each channel costs the agency: the basis of cost per
    transaction. Agency admins only."""
    agency, agencies = _choose_agency(request, settings_agencies(request.user))
    current = {row.channel: row for row in channel_cost_policy.scope(request.user, "change").filter(agency=agency)}
    if request.method == "POST":
        form = CostForm(request.POST)
        if form.is_valid():
            try:
                saved = services.channel_costs_save(
                    actor=request.user,
                    agency=agency,
                    amounts=form.cleaned_data["amounts"],
                    currency=form.cleaned_data["currency"],
                )
            except ValidationError as exc:
                _service_errors(form, exc)
            else:
                if saved:
                    messages.success(request, _("The costs per channel are saved."))
                else:
                    messages.info(request, _("Nothing changed: the costs were already these."))
                return redirect(f"{reverse('analytics_staff:costs')}?agency={agency.pk}")
        status = 400
    else:
        currency = next(iter(current.values())).currency if current else "GBP"
        form = CostForm(
            initial={
                "currency": currency,
                **{ch: format_amount(row.amount, row.currency) for ch, row in current.items()},
            }
        )
        status = 200
    rows = [
        {
            "label": channel.label,
            "cost": format_money(current[channel.value].amount, current[channel.value].currency)
            if channel.value in current
            else _("Not set"),
            "updated_at": current[channel.value].updated_at if channel.value in current else None,
        }
        for channel in Channel
    ]
    context = {
        "agency": agency,
        "agencies": agencies,
        "nav": _nav(request, agency, "costs"),
        "form": form,
        "rows": rows,
    }
    return render(request, "analytics/staff/costs.html", context, status=status)


# --- alerts ------------------------------------------------------------------------------------------------


def _alert_services(agency: Agency, user) -> list[tuple[int, str]]:
    return [
        (service.pk, service.display_title())
        for service in dashboard_service_policy.scope(user, "view").filter(agency=agency).order_by("slug")
    ]


@login_required
@require_http_methods(["GET", "POST"])
def alerts(request: HttpRequest) -> HttpResponse:
    """The agency's alert rules, and a form to add one (or change the threshold of one)."""
    agency, agencies = _choose_agency(request, settings_agencies(request.user))
    service_choices = _alert_services(agency, request.user)
    status = 200
    if request.method == "POST":
        form = AlertForm(request.POST, services=service_choices)
        if form.is_valid():
            data = form.cleaned_data
            service = (
                dashboard_service_policy.scope(request.user, "view").filter(agency=agency, pk=data["service"]).first()
                if data["service"]
                else None
            )
            try:
                _rule, created = services.alert_rule_save(
                    actor=request.user,
                    agency=agency,
                    service=service,
                    metric=data["metric"],
                    threshold=data["threshold"],
                )
            except ValidationError as exc:
                _service_errors(form, exc)
            else:
                messages.success(request, _("The alert is set.") if created else _("The alert's threshold is changed."))
                return redirect(f"{reverse('analytics_staff:alerts')}?agency={agency.pk}")
        status = 400
    else:
        form = AlertForm(services=service_choices)
    rules = [
        {
            "rule": rule,
            "scope": rule.service.display_title() if rule.service_id else _("All services together"),
            "metric": Metric(rule.metric).label,
            "threshold": _count(rule.threshold),
            "last_value": _decimal(rule.last_value, 0) if rule.last_value is not None else _("Not checked yet"),
        }
        for rule in alert_rule_policy.scope(request.user, "view")
        .filter(agency=agency)
        .select_related("service")
        .order_by("service__slug", "metric", "pk")
    ]
    context = {
        "agency": agency,
        "agencies": agencies,
        "nav": _nav(request, agency, "alerts"),
        "form": form,
        "rules": rules,
    }
    return render(request, "analytics/staff/alerts.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def alert_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask, then delete one alert rule (POST)."""
    rule = access(
        alert_rule_policy, request.user, "delete", pk=pk, narrow=lambda qs: qs.select_related("agency", "service")
    )
    if request.method == "POST":
        services.alert_rule_delete(actor=request.user, rule=rule)
        messages.success(request, _("The alert is deleted."))
        return redirect(f"{reverse('analytics_staff:alerts')}?agency={rule.agency_id}")
    context = {
        "rule": rule,
        "agency": rule.agency,
        "scope": rule.service.display_title() if rule.service_id else _("All services together"),
        "metric": Metric(rule.metric).label,
        "threshold": _count(rule.threshold),
    }
    return render(request, "analytics/staff/alert_delete.html", context)
