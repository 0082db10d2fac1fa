"""Public performance pages (``/performance/``): the platform, each agency and each service, their
embeddable versions, and the open data (CSV and JSON) with the page that documents it.

Thin views: the figures come from :mod:`ecitizen.analytics.public_selectors` (which also decides
what small numbers to hide); this module only lays them out as sections of a chart and its table.
Nothing here needs a signed-in user, and nothing writes.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from csp.decorators import csp_replace
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from ecitizen.analytics import charts, conf
from ecitizen.analytics import public_selectors as figures
from ecitizen.analytics.public_selectors import Figure, Measures, MonthFigures, Report
from ecitizen.cases.models import Channel
from ecitizen.catalogue.models import Service
from ecitizen.core.money import currency_exponent, format_money
from ecitizen.core.site import absolute_url
from ecitizen.core.spreadsheets import spreadsheet_cell

#: Open data may be cached this long by browsers and shared caches (the rollups run hourly).
DATA_MAX_AGE = 300
#: Other sites may frame the embeds: any origin (they show only public, suppressed figures).
EMBED_FRAME_ANCESTORS = ["*"]
MONTH_PATTERN = re.compile(r"([0-9]{4})-([0-9]{2})")
#: The first month open data may ask for: before it there is nothing, and year 1 has no year before it.
FIRST_MONTH = datetime.date(2000, 1, 1)


# --- sections: a chart and the table behind it ------------------------------------------------


@dataclass(frozen=True)
class Section:
    """One measure month by month: a heading, a chart and its table (``columns`` after the month;
    ``rows`` are ``(month name, [(column, cell text)])``, the column repeated for small screens,
    where each row becomes a card). ``id`` is unique on the page."""

    id: str
    heading: str
    intro: str
    chart: SafeString
    caption: str
    columns: list[str]
    rows: list[tuple[str, list[tuple[str, str]]]]


def _month_label(month: MonthFigures) -> str:
    if month.complete:
        return month.name
    return _("%(month)s (so far)") % {"month": month.name}


def _axis(month: MonthFigures) -> tuple[str, str]:
    """The month's label under a chart: short name, then the year (drawn where it changes)."""
    return (formats.date_format(month.month, "M"), formats.date_format(month.month, "Y"))


def _points(report: Report, pick: Callable[[Measures], Figure]) -> list[charts.Point]:
    return [
        charts.Point(
            label=_month_label(month),
            value=pick(month.measures).value,
            text=pick(month.measures).text,
            axis=_axis(month),
            partial=not month.complete,
        )
        for month in report.months
    ]


def _share_tick(value: float) -> str:
    return figures.format_share(value)


def _count_tick(value: float) -> str:
    return figures.format_count(int(value) if value == int(value) else value)


def sections_for(report: Report, prefix: str) -> list[Section]:
    """The sections of a page, ids starting with *prefix* (unique on the page)."""
    rtl = translation.get_language_bidi()
    note = _("The table that follows gives every value.")
    months = report.months
    currency = next((month.measures.currency for month in months if month.measures.currency), "")

    def money_tick(value: float) -> str:
        return format_money(round(value * 10 ** currency_exponent(currency)), currency) if currency else ""

    def rows(columns: list[str], cells: Callable[[Measures], list[Figure]]) -> list[tuple[str, list[tuple[str, str]]]]:
        return [
            (
                _month_label(month),
                [(column, figure.text) for column, figure in zip(columns, cells(month.measures), strict=True)],
            )
            for month in months
        ]

    def section(name, heading, intro, kind, pick, tick, columns, cells, top=None) -> Section:
        chart_id = f"{prefix}-{name}"
        drawing = kind(
            _points(report, pick), chart_id=chart_id, title=heading, tick_text=tick, top_value=top, note=note, rtl=rtl
        )
        return Section(chart_id, heading, intro, drawing, heading, columns, rows(columns, cells))

    channels = [Channel(channel).label for channel in figures.CHANNELS]
    return [
        section(
            "transactions",
            _("Transactions per month"),
            _("Applications sent, through every channel. The month so far is drawn hollow."),
            charts.bar_chart,
            lambda m: m.transactions,
            _count_tick,
            [*channels, _("All channels")],
            lambda m: [*m.by_channel.values(), m.transactions],
        ),
        section(
            "cost",
            _("Cost per transaction"),
            _("What an application cost on average, from what the agency says each channel costs it."),
            charts.line_chart,
            lambda m: m.cost_per_transaction,
            money_tick,
            [_("Transactions"), _("Cost per transaction")],
            lambda m: [m.transactions, m.cost_per_transaction],
        ),
        section(
            "satisfaction",
            _("User satisfaction"),
            _("The share of people who answered “satisfied” or “very satisfied” when asked after using the service."),
            charts.line_chart,
            lambda m: m.satisfaction,
            _share_tick,
            [_("Answers"), _("Satisfied or very satisfied")],
            lambda m: [m.satisfaction_answers, m.satisfaction],
            top=1,
        ),
        section(
            "completion",
            _("Completion rate"),
            _("The share of applications begun online that were sent."),
            charts.line_chart,
            lambda m: m.completion_rate,
            _share_tick,
            [_("Begun online"), _("Sent online"), _("Completion rate")],
            lambda m: [m.started, m.by_channel[Channel.ONLINE], m.completion_rate],
            top=1,
        ),
        section(
            "take-up",
            _("Digital take-up"),
            _("The share of applications sent online rather than at a counter or through a helper."),
            charts.line_chart,
            lambda m: m.digital_take_up,
            _share_tick,
            [_("Sent online"), _("Sent through every channel"), _("Digital take-up")],
            lambda m: [m.by_channel[Channel.ONLINE], m.transactions, m.digital_take_up],
            top=1,
        ),
        section(
            "decisions",
            _("Decisions made in time"),
            _("The share of decisions made within the service's deadline, and the median time to decide."),
            charts.line_chart,
            lambda m: m.in_time_share,
            _share_tick,
            [_("Decisions"), _("Median decision time"), _("Decided in time")],
            lambda m: [m.decided, m.median_days, m.in_time_share],
            top=1,
        ),
    ]


def _page_context(report: Report, prefix: str) -> dict:
    return {
        "report": report,
        "headline": report.headline,
        "sections": sections_for(report, prefix),
        "suppress_below": conf.suppress_below(),
        "fewer_than": figures.fewer_than_text(),
    }


def _embed_code(request: HttpRequest, url_name: str, slug: str, title: str) -> str:
    """The HTML another site pastes to frame the embed, in the reader's language (as text: the
    template escapes it once more to show it)."""
    src = absolute_url(reverse(url_name, args=[slug]), request) + f"?lang={translation.get_language()}"
    return f'<iframe src="{escape(src)}" title="{escape(title)}" width="100%" height="720" loading="lazy"></iframe>'


# --- pages ----------------------------------------------------------------------------------------


@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    """``/performance/``: the platform's measures, and every agency and service publishing figures."""
    services = list(figures.public_services())
    report = figures.report_for(services=services)
    context = _page_context(report, "platform")
    context.update(
        agencies=figures.rows_by(services=services, key="agency", period=report.period, source=report.source),
        services=figures.rows_by(services=services, key="service", period=report.period, source=report.source),
    )
    return render(request, "analytics/public/overview.html", context)


def _agency_context(agency_slug: str) -> dict:
    agency = figures.public_agency(agency_slug)
    services = list(figures.public_services(agency))
    report = figures.report_for(services=services)
    context = _page_context(report, "agency")
    context.update(agency=agency, agency_services=services, title=agency.display_name)
    return context


def _service_context(service_slug: str) -> dict:
    service = figures.public_service(service_slug)
    report = figures.report_for(services=[service])
    context = _page_context(report, "service")
    context.update(service=service, agency=service.agency, title=figures.service_title(service))
    return context


@require_safe
def agency(request: HttpRequest, agency: str) -> HttpResponse:
    """``/performance/agencies/<agency>/``: an agency's measures and its services."""
    context = _agency_context(agency)
    context.update(
        services=figures.rows_by(
            services=context["agency_services"],
            key="service",
            period=context["report"].period,
            source=context["report"].source,
        ),
        embed_code=_embed_code(request, "performance:agency_embed", agency, context["title"]),
        embed_url=reverse("performance:agency_embed", args=[agency]),
        data_query="?" + urlencode({"agency": agency}),
    )
    return render(request, "analytics/public/agency.html", context)


@require_safe
def service(request: HttpRequest, service: str) -> HttpResponse:
    """``/performance/services/<service>/``: one service's measures."""
    context = _service_context(service)
    context.update(
        embed_code=_embed_code(request, "performance:service_embed", service, context["title"]),
        embed_url=reverse("performance:service_embed", args=[service]),
        data_query="?" + urlencode({"agency": context["agency"].slug, "service": service}),
    )
    return render(request, "analytics/public/service.html", context)


def _embeddable(view):
    """Let any site frame *view*: no ``X-Frame-Options`` and a CSP ``frame-ancestors`` of any
    origin, for this response only (every other page keeps refusing to be framed)."""
    return xframe_options_exempt(csp_replace({"frame-ancestors": EMBED_FRAME_ANCESTORS})(view))


@require_safe
@_embeddable
def agency_embed(request: HttpRequest, agency: str) -> HttpResponse:
    """``/performance/agencies/<agency>/embed/``: the agency's headline figures for other sites to frame."""
    context = _agency_context(agency)
    context["full_url"] = absolute_url(reverse("performance:agency", args=[agency]), request)
    return render(request, "analytics/public/embed.html", context)


@require_safe
@_embeddable
def service_embed(request: HttpRequest, service: str) -> HttpResponse:
    """``/performance/services/<service>/embed/``: the service's headline figures for other sites."""
    context = _service_context(service)
    context["full_url"] = absolute_url(reverse("performance:service", args=[service]), request)
    return render(request, "analytics/public/embed.html", context)


# --- open data ------------------------------------------------------------------------------------


class BadFilter(ValueError):
    """A query parameter of the open data that cannot be used; ``field`` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _month(value: str, field: str) -> datetime.date:
    found = MONTH_PATTERN.fullmatch(value)
    if found is None or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 1:
        raise BadFilter(field, _("“%(field)s” must be a month written YYYY-MM, like 2026-01.") % {"field": field})
    month = datetime.date(int(found.group(1)), int(found.group(2)), 1)
    if month < FIRST_MONTH:
        raise BadFilter(field, _("“%(field)s” must be 2000-01 or later.") % {"field": field})
    return month


def _data_request(request: HttpRequest) -> tuple[list[Service], figures.Period]:
    """The services and months an open-data request asks for; :class:`BadFilter` if it cannot be met."""
    today = timezone.localdate()
    current = today.replace(day=1)
    last = _month(request.GET["to"], "to") if request.GET.get("to") else current
    first = (
        _month(request.GET["from"], "from")
        if request.GET.get("from")
        else figures.month_add(last, -figures.COMPLETE_MONTHS)
    )
    if last > current:
        raise BadFilter("to", _("“to” cannot be later than the current month."))
    if first > last:
        raise BadFilter("from", _("“from” must not be later than “to”."))
    if figures.month_add(first, figures.MAX_DATA_MONTHS) <= last:
        raise BadFilter("from", _("Ask for at most %(n)s months at a time.") % {"n": figures.MAX_DATA_MONTHS})
    services = figures.public_services()
    if request.GET.get("agency"):
        agency = figures.public_agencies().filter(slug=request.GET["agency"]).first()
        if agency is None:
            raise BadFilter("agency", _("No agency with that name publishes performance data."))
        services = services.filter(agency=agency)
    if request.GET.get("service"):
        services = services.filter(slug=request.GET["service"])
    found = list(services)
    if request.GET.get("service") and not found:
        raise BadFilter("service", _("No published service with that name (of that agency) was found."))
    return found, figures.data_period(first, last, today)


def _cached(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, public=True, max_age=DATA_MAX_AGE)
    return response


def data_fields() -> list[tuple[str, str, str, str]]:
    """``(name, meaning, unit, how it is suppressed)`` for each of
    :data:`~ecitizen.analytics.public_selectors.DATA_FIELDS`, as the data page documents them."""
    threshold, round_to = conf.suppress_below(), conf.public_round_to()
    count_rule = _("Empty (null) when below %(n)s; otherwise rounded to the nearest %(r)s.") % {
        "n": threshold,
        "r": round_to,
    }
    channel_rule = _(
        "Empty (null) when below %(n)s, or when the channels left out of the row had between 1 and %(m)s "
        "applications between them (the total stays); otherwise rounded to the nearest %(r)s."
    ) % {"n": threshold, "m": threshold - 1, "r": round_to}
    rate_rule = _(
        "Empty (null) when the part, the whole or what is left over (unless nothing is) is below %(n)s. "
        "A whole percentage, such as 0.67."
    ) % {"n": threshold}
    share = _("A share from 0 to 1")
    count = _("A whole number")
    never = _("Never.")
    channel_rows = [
        (
            f"transactions_{channel}",
            _("Applications sent through this channel: %(channel)s.") % {"channel": label},
            count,
            channel_rule,
        )
        for channel, label in ((channel, Channel(channel).label) for channel in figures.CHANNELS)
    ]
    return [
        ("agency", _("The agency's web address name, as in its performance page address."), _("Text"), never),
        ("service", _("The service's web address name, as in its page address."), _("Text"), never),
        ("title", _("The service's title in the site's default language."), _("Text"), never),
        ("month", _("The month the figures are for."), _("YYYY-MM"), never),
        (
            "month_complete",
            _("Whether the month has ended; the month so far changes every hour."),
            _("true or false"),
            never,
        ),
        ("transactions", _("Applications sent, through every channel."), count, count_rule),
        *channel_rows,
        ("started", _("Applications begun online."), count, count_rule),
        ("completion_rate", _("Applications sent online ÷ applications begun online."), share, rate_rule),
        ("digital_take_up", _("Applications sent online ÷ applications sent through every channel."), share, rate_rule),
        (
            "cost_per_transaction",
            _(
                "What an application cost on average: each channel's transactions at the cost the agency sets for "
                "that channel (today's costs, for every month). Empty when the agency has not set a cost for a "
                "channel in use."
            ),
            _("Major units of the currency (pounds, euros)"),
            _(
                "Empty (null) when transactions, or those of any channel in use, are below %(n)s. Worked out "
                "from the rounded numbers of each channel, as shown."
            )
            % {"n": threshold},
        ),
        ("currency", _("The currency of the cost per transaction."), _("ISO 4217 code"), never),
        (
            "satisfaction",
            _("Answers “satisfied” or “very satisfied” ÷ every answer to the feedback question."),
            share,
            rate_rule,
        ),
        ("satisfaction_answers", _("Answers to the feedback question."), count, count_rule),
        (
            "median_decision_days",
            _("The median time from an application joining the agency's queue to its decision."),
            _("Working days"),
            _("Empty (null) when fewer than %(n)s decisions were made.") % {"n": threshold},
        ),
        (
            "in_time_share",
            _("Decisions made within the service's deadline ÷ every decision."),
            share,
            rate_rule,
        ),
        (
            "suppressed",
            _("Whether any figure in the row is hidden because of small numbers."),
            _("true or false"),
            never,
        ),
        (
            "suppressed_fields",
            _("The names of the hidden figures (separated by spaces in the CSV, a list in JSON)."),
            _("Field names"),
            never,
        ),
    ]


@require_safe
def data(request: HttpRequest) -> HttpResponse:
    """``/performance/data/``: what the open data holds, its licence and how often it changes."""
    example = figures.page_period()
    return render(
        request,
        "analytics/public/data.html",
        {
            "suppress_below": conf.suppress_below(),
            "round_to": conf.public_round_to(),
            "fewer_than": figures.fewer_than_text(),
            "recheck_days": conf.recheck_days(),
            "max_months": figures.MAX_DATA_MONTHS,
            "fields": data_fields(),
            "example_from": figures.month_code(example.first_day),
            "example_to": figures.month_code(example.months[-1]),
            "default_language": dict(settings.LANGUAGES).get(settings.LANGUAGE_CODE, settings.LANGUAGE_CODE),
            "csv_url": absolute_url(reverse("performance:data_csv"), request),
            "json_url": absolute_url(reverse("performance:data_json"), request),
            "cache_minutes": DATA_MAX_AGE // 60,
        },
    )


@require_safe
def data_json(request: HttpRequest) -> HttpResponse:
    """``/performance/data/services.json``: one object per service per month."""
    try:
        services, period = _data_request(request)
    except BadFilter as error:
        return JsonResponse({"error": error.message, "field": error.field}, status=400)
    document = {
        "documentation": absolute_url(reverse("performance:data"), request),
        "from": figures.month_code(period.first_day),
        "to": figures.month_code(period.months[-1]),
        "suppress_below": conf.suppress_below(),
        "round_to": conf.public_round_to(),
        "fields": list(figures.DATA_FIELDS),
        "rows": figures.open_data_rows(services=services, period=period),
    }
    return _cached(JsonResponse(document, json_dumps_params={"ensure_ascii": False}))


def _csv_cell(name: str, value: object, currency: str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if name == "suppressed_fields":
        return " ".join(value)  # type: ignore[arg-type]
    if name == "cost_per_transaction" and currency:
        return f"{value:.{currency_exponent(currency)}f}"
    return spreadsheet_cell(value)


@require_safe
def data_csv(request: HttpRequest) -> HttpResponse:
    """``/performance/data/services.csv``: the JSON's rows as a spreadsheet, a column per field."""
    try:
        services, period = _data_request(request)
    except BadFilter as error:
        return HttpResponse(error.message, status=400, content_type="text/plain; charset=utf-8")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(figures.DATA_FIELDS)
    for row in figures.open_data_rows(services=services, period=period):
        writer.writerow(_csv_cell(name, row[name], row["currency"]) for name in figures.DATA_FIELDS)  # type: ignore[arg-type]
    return _cached(HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8"))
