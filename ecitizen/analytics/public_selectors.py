"""What the public performance pages and the open data show, read from the rollups only.

The public sees the GOV.UK service standard's four measures (cost per transaction, user
satisfaction, completion rate, digital take-up) with transactions, decision times and the share
decided in time, for the *published* services of *active* agencies. Draft and retired services
are left out everywhere (their figures are staff tests or history nobody can apply to any more),
so an agency's figures are always the sum of the services its page lists.

Small numbers are suppressed so that no one can be picked out: a count below
:func:`ecitizen.analytics.conf.suppress_below` is "fewer than N", and a rate, average or median
built on such a count is not shown at all (:class:`Figure`). So that a hidden count cannot be
worked out from the figures that are shown (a year minus its months, an agency minus its services,
a total minus its channels, a share of a known number), the public also never sees an exact count:

* every count shown is rounded to the nearest multiple of
  :func:`~ecitizen.analytics.conf.public_round_to` (5; halves up), the total as well as its parts,
  each rounded on its own (:func:`count_figure`);
* a share is worked out from the rounded counts and shown as a whole percentage, and not at all when
  the part, the whole or what is left (whole − part, unless it is 0) is below the threshold
  (:func:`share_figure`): "95% of 20" would otherwise tell that one was late;
* the cost per transaction is not shown when any channel in use (of any agency in it) has fewer
  than the threshold (:func:`cost_figure`): with the channels' costs it would give their split;
* when the channels hidden in a row add up to between 1 and the threshold − 1, the other channels'
  counts are hidden too, as the total minus them would give the small sum (:func:`channel_figures`).

This module is the one place that decides it, for the pages, the charts, the embeds, the CSV and
the JSON alike; staff pages show exact figures and do not come here.

Every function costs a fixed number of queries, however many services there are: figures are
summed by the database per service and month (:func:`service_months`, read once per page), added
up here per month or agency, and measures are worked out from the sums.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_decimal, format_percent
from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ecitizen.agencies.models import Agency
from ecitizen.analytics import conf
from ecitizen.analytics.models import ChannelCost, SatisfactionMonth
from ecitizen.analytics.selectors import SATISFIED, Satisfaction, Totals, add_into, regroup, service_days, totals_by
from ecitizen.cases.models import Channel
from ecitizen.catalogue.models import Service, ServiceStatus
from ecitizen.core.i18n import pick
from ecitizen.core.money import babel_locale, currency_exponent, format_money

#: Months of history on a page: twelve complete months, then the month so far.
COMPLETE_MONTHS = 12
#: The most months one open-data request may ask for (keeps every request a bounded read).
MAX_DATA_MONTHS = 36
CHANNELS = [choice.value for choice in Channel]


# --- months ---------------------------------------------------------------------------------------


def month_add(month: datetime.date, months: int) -> datetime.date:
    """The first day of the month *months* after (or before) the month of *month*."""
    index = month.year * 12 + month.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_last_day(month: datetime.date) -> datetime.date:
    return month_add(month, 1) - datetime.timedelta(days=1)


def month_name(month: datetime.date) -> str:
    """The month as the reader's language writes it ("June 2026": ``YEAR_MONTH_FORMAT``)."""
    return formats.date_format(month, "YEAR_MONTH_FORMAT")


def month_code(month: datetime.date) -> str:
    """``2026-06``: how open data names a month (ISO 8601)."""
    return f"{month.year:04d}-{month.month:02d}"


@dataclass(frozen=True)
class Period:
    """Months to show (first days, oldest first), and *today*, which says which have ended."""

    months: tuple[datetime.date, ...]
    today: datetime.date

    @property
    def first_day(self) -> datetime.date:
        return self.months[0]

    @property
    def last_day(self) -> datetime.date:
        return month_last_day(self.months[-1])

    @property
    def complete_months(self) -> tuple[datetime.date, ...]:
        """The months that have ended (all but the month of *today*)."""
        return tuple(month for month in self.months if self.is_complete(month))

    def is_complete(self, month: datetime.date) -> bool:
        return month < self.today.replace(day=1)


def page_period(today: datetime.date | None = None) -> Period:
    """The last :data:`COMPLETE_MONTHS` complete months and the month so far (deployment's days)."""
    today = today or timezone.localdate()
    current = today.replace(day=1)
    return Period(tuple(month_add(current, n) for n in range(-COMPLETE_MONTHS, 1)), today)


def data_period(first: datetime.date, last: datetime.date, today: datetime.date | None = None) -> Period:
    """Every month from *first* to *last* (first days of months)."""
    months = []
    month = first
    while month <= last:
        months.append(month)
        month = month_add(month, 1)
    return Period(tuple(months), today or timezone.localdate())


# --- figures as the public reads them -------------------------------------------------------------


def _locale():
    return babel_locale(translation.get_language() or settings.LANGUAGE_CODE)


def format_count(value: int) -> str:
    return format_decimal(value, locale=_locale())


def round_count(value: int) -> int:
    """*value* to the nearest multiple of :func:`~ecitizen.analytics.conf.public_round_to`, halves
    up (12 → 10, 13 → 15 with 5), never 0 (a count shown is one at or above the threshold)."""
    base = conf.public_round_to()
    if base <= 1:
        return value
    return max(base, (value + base // 2) // base * base)


def whole_percent(part: int, whole: int) -> int:
    """*part* ÷ *whole* as a whole percentage, halves up (1 of 8 is 13)."""
    return (200 * part + whole) // (2 * whole)


def format_share(value: float) -> str:
    """A share between 0 and 1 as a whole percentage (halves up), in the language's own style:
    "75%", "67%" in English, "67 %" in French."""
    percent = Decimal(str(value)).scaleb(2).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return format_percent(percent.scaleb(-2), locale=_locale())


def fewer_than_text() -> str:
    threshold = conf.suppress_below()
    return ngettext("fewer than %(n)s", "fewer than %(n)s", threshold) % {"n": format_count(threshold)}


@dataclass(frozen=True)
class Figure:
    """One number on a public page or in open data.

    ``value`` is what open data publishes (None when not shown); ``suppressed`` says that it is
    hidden because it is, or rests on, a count below the threshold (as opposed to not known, such
    as a cost per transaction when the agency has not set its costs); ``text`` is how the page
    writes it in the reader's language.
    """

    value: float | int | None
    text: str
    suppressed: bool = False

    @property
    def shown(self) -> bool:
        return self.value is not None


def count_figure(value: int) -> Figure:
    """A count, shown as "fewer than N" when below the threshold (zero included: a page that
    shows 0 but hides 1–4 would tell apart "nobody" from "a few people"), and otherwise rounded
    (:func:`round_count`): a total and its parts are each rounded, so that one minus the others
    does not give a hidden count."""
    if value < conf.suppress_below():
        return Figure(None, fewer_than_text(), suppressed=True)
    rounded = round_count(value)
    return Figure(rounded, format_count(rounded))


def _not_enough() -> Figure:
    return Figure(None, _("not enough data"), suppressed=True)


def _not_available() -> Figure:
    return Figure(None, _("not available"))


def share_figure(part: int, whole: int) -> Figure:
    """*part* ÷ *whole*, each rounded as shown, as a whole percentage (the value is that percentage
    ÷ 100, so a chart draws what the table writes), not shown when the part, the whole or the rest (whole − part,
    unless none is left) is below the threshold: "95% of 20" would tell that one was not."""
    threshold = conf.suppress_below()
    rest = whole - part
    if part < threshold or whole < threshold or 0 < rest < threshold:
        return _not_enough()
    # Of the rounded counts, as shown: a percentage of the exact ones would, with the rounded whole
    # beside it, often give the exact part (67% of a whole shown as 30 can only be 20 of 30).
    percent = whole_percent(round_count(part), round_count(whole))
    return Figure(percent / 100, format_percent(Decimal(percent).scaleb(-2), locale=_locale()))


def days_figure(days: int | None, decided: int) -> Figure:
    """A median of *decided* decision times in working days, not shown when too few were decided."""
    if decided < conf.suppress_below():
        return _not_enough()
    if days is None:
        return _not_available()
    return Figure(days, ngettext("%(n)s working day", "%(n)s working days", days) % {"n": format_count(days)})


def cost_figure(average: float | None, currency: str, transactions: int, *, small_channel: bool = False) -> Figure:
    """An average cost in minor units of *currency*; the value published is in major units.

    Not shown when *transactions* or, with *small_channel*, any channel in use is below the
    threshold: with each channel's cost, the average would give that channel's count."""
    if transactions < conf.suppress_below() or small_channel:
        return _not_enough()
    if average is None or not currency:
        return _not_available()
    minor = int(Decimal(str(average)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    major = float(Decimal(minor).scaleb(-currency_exponent(currency)))
    return Figure(major, format_money(minor, currency))


# --- cost per channel ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgencyCosts:
    """What one transaction costs an agency per channel (minor units), in one ``currency`` (None
    when its admins set costs in different currencies: then no average can be made)."""

    amounts: dict[str, int]
    currency: str | None


def agency_costs(agency_ids: Iterable[int]) -> dict[int, AgencyCosts]:
    """The agencies' costs per channel, one query. (Costs are today's: the rollups keep no
    history of them, so past months are costed at today's rates.)"""
    amounts: dict[int, dict[str, int]] = {}
    currencies: dict[int, set[str]] = {}
    for cost in ChannelCost.objects.filter(agency_id__in=list(agency_ids)).order_by():
        amounts.setdefault(cost.agency_id, {})[cost.channel] = cost.amount
        currencies.setdefault(cost.agency_id, set()).add(cost.currency)
    return {
        agency_id: AgencyCosts(amounts[agency_id], next(iter(found)) if len(found) == 1 else None)
        for agency_id, found in currencies.items()
    }


@dataclass(frozen=True)
class Cost:
    """An average cost per transaction (:func:`average_cost`, None when it cannot be made) and
    ``small_channel``: whether any agency's channel in use had fewer transactions than the threshold."""

    average: float | None = None
    currency: str = ""
    small_channel: bool = False


def cost_of(by_agency: dict[int, Counter], costs: dict[int, AgencyCosts]) -> Cost:
    """The :class:`Cost` of the transactions ``{agency id: {channel: sent}}`` (each agency's channels
    are checked on their own: the platform's average weighs each agency by its own costs)."""
    threshold = conf.suppress_below()
    small = any(0 < sent < threshold for channels in by_agency.values() for sent in channels.values())
    # Weighed by the rounded counts, as the pages show them: an exact average, with each channel's
    # cost known, would give the exact ratio of the channels and undo the rounding.
    rounded = {
        agency_id: Counter({channel: round_count(sent) for channel, sent in channels.items() if sent})
        for agency_id, channels in by_agency.items()
    }
    average, currency = average_cost(rounded, costs)
    return Cost(average, currency, small)


def average_cost(by_agency: dict[int, Counter], costs: dict[int, AgencyCosts]) -> tuple[float | None, str]:
    """The average cost of the transactions ``{agency id: {channel: sent}}``, and its currency.

    ``(None, "")`` when a channel in use has no cost, or the agencies count in different currencies
    (adding pounds to euros would be meaningless)."""
    total = 0
    sent = 0
    currencies = set()
    for agency_id, channels in by_agency.items():
        count = sum(channels.values())
        if not count:
            continue
        agency = costs.get(agency_id)
        if agency is None or agency.currency is None:
            return None, ""
        for channel, n in channels.items():
            if n and channel not in agency.amounts:
                return None, ""
            total += n * agency.amounts.get(channel, 0)
        sent += count
        currencies.add(agency.currency)
    if not sent or len(currencies) != 1:
        return None, ""
    return total / sent, currencies.pop()


# --- the measures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measures:
    """Everything a public page shows about one service, agency or the platform over a period."""

    transactions: Figure
    by_channel: dict[str, Figure]
    started: Figure
    completion_rate: Figure
    digital_take_up: Figure
    cost_per_transaction: Figure
    currency: str
    satisfaction: Figure
    satisfaction_answers: Figure
    decided: Figure
    median_days: Figure
    in_time_share: Figure

    @property
    def suppressed_fields(self) -> list[str]:
        """The open-data fields hidden because of small numbers (not those merely unknown)."""
        names = [
            ("transactions", self.transactions),
            *((f"transactions_{channel}", figure) for channel, figure in self.by_channel.items()),
            ("started", self.started),
            ("completion_rate", self.completion_rate),
            ("digital_take_up", self.digital_take_up),
            ("cost_per_transaction", self.cost_per_transaction),
            ("satisfaction", self.satisfaction),
            ("satisfaction_answers", self.satisfaction_answers),
            ("median_decision_days", self.median_days),
            ("in_time_share", self.in_time_share),
        ]
        return [name for name, figure in names if figure.suppressed]


def channel_figures(by_channel: Counter) -> dict[str, Figure]:
    """The count of each channel (:func:`count_figure`); when the channels hidden as small add up
    to between 1 and the threshold − 1, every channel is hidden ("not enough data" for those not
    small themselves), since the total minus the channels shown would give that small sum. When
    they add up to 0 (channels nobody used) or to the threshold or more, the others stay."""
    figures = {channel: count_figure(by_channel[channel]) for channel in CHANNELS}
    hidden = sum(by_channel[channel] for channel, figure in figures.items() if figure.suppressed)
    if 0 < hidden < conf.suppress_below():
        return {channel: figure if figure.suppressed else _not_enough() for channel, figure in figures.items()}
    return figures


def measures_of(totals: Totals, satisfaction: Satisfaction | None, cost: Cost | None = None) -> Measures:
    """The public figures of *totals* (rollup sums), *satisfaction* (feedback answers) and *cost*
    (from :func:`cost_of`), each suppressed and rounded as :class:`Figure` says."""
    sent = totals.submitted
    online = totals.submitted_by_channel[Channel.ONLINE]
    answers = satisfaction.count if satisfaction else 0
    satisfied = sum(satisfaction.answers[value] for value in SATISFIED) if satisfaction else 0
    cost = cost or Cost()
    average, currency = cost.average, cost.currency
    return Measures(
        transactions=count_figure(sent),
        by_channel=channel_figures(totals.submitted_by_channel),
        started=count_figure(totals.started_by_channel[Channel.ONLINE]),
        # Of the journeys begun online, how many were sent (GOV.UK's completion rate).
        completion_rate=share_figure(online, totals.started_by_channel[Channel.ONLINE]),
        digital_take_up=share_figure(online, sum(totals.submitted_by_channel.values())),
        cost_per_transaction=cost_figure(average, currency, sent, small_channel=cost.small_channel),
        currency=currency if average is not None else "",
        satisfaction=share_figure(satisfied, answers),
        satisfaction_answers=count_figure(answers),
        decided=count_figure(totals.decided),
        median_days=days_figure(totals.median_days, totals.decided),
        in_time_share=share_figure(totals.decided_in_time, totals.decided),
    )


def merge_totals(items: Iterable[Totals]) -> Totals:
    """Several :class:`Totals` added into one (months into a year, without asking the database again)."""
    merged = Totals()
    for item in items:
        add_into(merged, item)
    return merged


def merge_satisfaction(items: Iterable[Satisfaction | None]) -> Satisfaction:
    merged = Satisfaction()
    for item in items:
        if item is not None:
            merged.answers.update(item.answers)
    return merged


# --- who is public --------------------------------------------------------------------------------


def public_services(agency: Agency | None = None) -> QuerySet[Service]:
    """Published services of active agencies (of *agency* only, when given), agency loaded."""
    services = Service.objects.filter(
        status=ServiceStatus.PUBLISHED, current_version__isnull=False, agency__is_active=True
    ).select_related("agency")
    if agency is not None:
        services = services.filter(agency=agency)
    return services.order_by("agency__name", "slug")


def public_agencies() -> QuerySet[Agency]:
    """Active agencies with at least one published service."""
    published = Q(services__status=ServiceStatus.PUBLISHED, services__current_version__isnull=False)
    return Agency.objects.filter(published, is_active=True).distinct().order_by("name")


def public_agency(slug: str) -> Agency:
    """The active agency called *slug* that publishes a service; Http404 otherwise."""
    agency = public_agencies().filter(slug=slug).first()
    if agency is None:
        raise Http404
    return agency


def public_service(slug: str) -> Service:
    """The published service called *slug* of an active agency; Http404 otherwise (a draft or
    retired service is not told apart from one that does not exist)."""
    service = public_services().filter(slug=slug).first()
    if service is None:
        raise Http404
    return service


def service_title(service: Service) -> str:
    return pick(service.title)


# --- a page's report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthFigures:
    month: datetime.date
    name: str  # "June 2026"
    complete: bool
    measures: Measures


@dataclass(frozen=True)
class ServiceMonths:
    """Some services' figures month by month, read once (``{(service id, month): ...}``): every
    public page and the open data are made of them, so a page that shows them several ways (the
    platform, each agency, each service) reads the rollups once."""

    totals: dict[tuple[int, datetime.date], Totals]
    satisfaction: dict[tuple[int, datetime.date], Satisfaction]


def service_months(*, services: list[Service], period: Period) -> ServiceMonths:
    """The figures of *services* per service and month of *period*: four queries (three when the
    period is whole months, as a page's always is) whatever the number of services and months."""
    service_ids = [service.pk for service in services]
    rows = service_days(service_ids=service_ids, date_from=period.first_day, date_to=period.last_day)
    return ServiceMonths(
        totals=totals_by(rows, ("service", "month")),
        satisfaction=_service_month_satisfaction(service_ids, period.first_day, period.months[-1]),
    )


@dataclass
class Report:
    """The figures of one page: the complete months together (``headline``) and month by month;
    ``source`` is what they were made from (for the lists beside them, :func:`rows_by`)."""

    period: Period
    headline: Measures
    months: list[MonthFigures]
    source: ServiceMonths | None = None

    @property
    def first_name(self) -> str:
        return month_name(self.period.complete_months[0])

    @property
    def round_to(self) -> int:
        """What every count shown is rounded to (for the pages' note on small numbers)."""
        return conf.public_round_to()

    @property
    def last_name(self) -> str:
        return month_name(self.period.complete_months[-1])


def _channels_by_month_and_agency(
    by_month_and_agency: dict[tuple[datetime.date, int], Totals],
) -> dict[datetime.date, dict[int, Counter]]:
    """``{month: {agency id: {channel: sent}}}`` from totals per month and agency (as
    ``totals_by(rows, ("month", "agency"))`` gives them): what costing several agencies together
    needs (each agency's transactions at its own costs)."""
    result: dict[datetime.date, dict[int, Counter]] = {}
    for (month, agency_id), totals in by_month_and_agency.items():
        for channel, sent in totals.submitted_by_channel.items():
            if sent:
                result.setdefault(month, {}).setdefault(agency_id, Counter())[channel] += sent
    return result


def report_for(*, services: list[Service], period: Period | None = None, source: ServiceMonths | None = None) -> Report:
    """The figures of *services* (already public) over *period*: per month and for the complete
    months together, in a fixed number of queries whatever the number of services (the rollups
    are not read again when *source*, their :func:`service_months` of *period*, is given).

    When the services belong to several agencies (the platform overview), the cost per
    transaction weighs each agency's transactions by that agency's own costs."""
    period = period or page_period()
    source = source or service_months(services=services, period=period)
    agency_of = {service.pk: service.agency_id for service in services}
    agency_ids = sorted(set(agency_of.values()))
    by_month = regroup(source.totals, lambda key: key[1])
    channels = _channels_by_month_and_agency(regroup(source.totals, lambda key: (key[1], agency_of[key[0]])))
    satisfaction = regroup(source.satisfaction, lambda key: key[1], make=Satisfaction)
    costs = agency_costs(agency_ids)

    months = []
    for month in period.months:
        totals = by_month.get(month) or Totals(key=month)
        cost = cost_of(channels.get(month, {}), costs)
        months.append(
            MonthFigures(
                month, month_name(month), period.is_complete(month), measures_of(totals, satisfaction.get(month), cost)
            )
        )
    complete = period.complete_months
    headline_channels: dict[int, Counter] = {}
    for month in complete:
        for agency_id, counter in channels.get(month, {}).items():
            headline_channels.setdefault(agency_id, Counter()).update(counter)
    headline = measures_of(
        merge_totals(by_month[month] for month in complete if month in by_month),
        merge_satisfaction(satisfaction.get(month) for month in complete),
        cost_of(headline_channels, costs),
    )
    return Report(period, headline, months, source)


def rows_by(
    *, services: list[Service], key: str, period: Period | None = None, source: ServiceMonths | None = None
) -> list[tuple[object, Measures]]:
    """The complete months' figures of each of *services* (``key="service"``) or of each of
    their agencies (``key="agency"``): one line each for the overview's lists, in a fixed number
    of queries (the rollups are not read again when *source*, their :func:`service_months` of a
    period that holds *period*'s complete months, is given: a page's :attr:`Report.source`)."""
    period = period or page_period()
    complete = set(period.complete_months)
    if source is None:
        months = sorted(complete)
        source = service_months(services=services, period=Period(tuple(months), period.today))
    agency_of = {service.pk: service.agency_id for service in services}
    key_of = (lambda found: found[0]) if key == "service" else (lambda found: agency_of[found[0]])
    totals = regroup({found: t for found, t in source.totals.items() if found[1] in complete}, key_of)
    satisfaction = regroup(
        {found: a for found, a in source.satisfaction.items() if found[1] in complete}, key_of, make=Satisfaction
    )
    costs = agency_costs(set(agency_of.values()))
    result = []
    if key == "service":
        for service in services:
            found = totals.get(service.pk) or Totals(key=service.pk)
            cost = cost_of({service.agency_id: found.submitted_by_channel}, costs)
            result.append((service, measures_of(found, satisfaction.get(service.pk), cost)))
    else:
        agencies = {service.agency_id: service.agency for service in services}
        for agency_id, agency in sorted(agencies.items(), key=lambda item: item[1].name):
            found = totals.get(agency_id) or Totals(key=agency_id)
            cost = cost_of({agency_id: found.submitted_by_channel}, costs)
            result.append((agency, measures_of(found, satisfaction.get(agency_id), cost)))
    return result


# --- open data ------------------------------------------------------------------------------------


def _service_month_satisfaction(
    service_ids: list[int], first: datetime.date, last: datetime.date
) -> dict[tuple[int, datetime.date], Satisfaction]:
    result: dict[tuple[int, datetime.date], Satisfaction] = {}
    rows = SatisfactionMonth.objects.filter(service_id__in=service_ids, month__gte=first, month__lte=last)
    for item in rows.order_by().values("service_id", "month", "answers"):
        key = (item["service_id"], item["month"])
        result.setdefault(key, Satisfaction(key=key)).answers.update(item["answers"])
    return result


#: The open-data fields, in the order of the CSV columns and of each JSON row.
DATA_FIELDS = (
    "agency",
    "service",
    "title",
    "month",
    "month_complete",
    "transactions",
    *(f"transactions_{channel}" for channel in CHANNELS),
    "started",
    "completion_rate",
    "digital_take_up",
    "cost_per_transaction",
    "currency",
    "satisfaction",
    "satisfaction_answers",
    "median_decision_days",
    "in_time_share",
    "suppressed",
    "suppressed_fields",
)


def _rate(figure: Figure) -> float | None:
    """A share as open data gives it: from 0 to 1, a whole percentage (0.67) as on the pages."""
    return None if figure.value is None else round(figure.value, 2)


def open_data_rows(*, services: list[Service], period: Period) -> list[dict[str, object]]:
    """One row per service per month of *period* (:data:`DATA_FIELDS`), suppressed figures null.

    Titles are in the default language (``LANGUAGE_CODE``), so the file is the same for everyone.
    A fixed number of queries whatever the number of services and months.

    The issue asks for this data set to be published in the public records catalogue as well;
    that catalogue does not exist yet (the ``records`` app is still to come), so for now the data
    is published here only.
    """
    source = service_months(services=services, period=period)
    totals, satisfaction = source.totals, source.satisfaction
    costs = agency_costs({service.agency_id for service in services})
    result = []
    for service in services:
        title = pick(service.title, settings.LANGUAGE_CODE)
        for month in period.months:
            found = totals.get((service.pk, month)) or Totals()
            cost = cost_of({service.agency_id: found.submitted_by_channel}, costs)
            measures = measures_of(found, satisfaction.get((service.pk, month)), cost)
            suppressed = measures.suppressed_fields
            row: dict[str, object] = {
                "agency": service.agency.slug,
                "service": service.slug,
                "title": title,
                "month": month_code(month),
                "month_complete": period.is_complete(month),
                "transactions": measures.transactions.value,
                **{f"transactions_{channel}": figure.value for channel, figure in measures.by_channel.items()},
                "started": measures.started.value,
                "completion_rate": _rate(measures.completion_rate),
                "digital_take_up": _rate(measures.digital_take_up),
                "cost_per_transaction": measures.cost_per_transaction.value,
                "currency": measures.currency or None,
                "satisfaction": _rate(measures.satisfaction),
                "satisfaction_answers": measures.satisfaction_answers.value,
                "median_decision_days": measures.median_days.value,
                "in_time_share": _rate(measures.in_time_share),
                "suppressed": bool(suppressed),
                "suppressed_fields": suppressed,
            }
            result.append(row)
    return result
