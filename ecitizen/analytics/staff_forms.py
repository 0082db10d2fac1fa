"""Forms of the staff dashboards: the period a page covers, costs per channel, alert rules.

They validate input only; the views call :mod:`ecitizen.analytics.services` to write.
"""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecitizen.analytics.models import Metric
from ecitizen.analytics.services import COST_MAX, THRESHOLD_MAX
from ecitizen.cases.models import Channel
from ecitizen.core.dates import format_date
from ecitizen.core.forms import DateInput
from ecitizen.core.money import CURRENCIES, MoneyError, example_amount, parse_amount

#: The longest period a page covers: three years (leap days included).
MAX_PERIOD_DAYS = 3 * 365 + 1
#: The first day a period may start: there is nothing to show before it, and a date far off
#: either way (year 1, year 9999) has no month before or after it to count in.
FIRST_DAY = datetime.date(2000, 1, 1)


def last_day() -> datetime.date:
    """The last day a period may end: the end of next year."""
    return datetime.date(timezone.localdate().year + 1, 12, 31)


#: The period a page covers when none is chosen.
DEFAULT_PERIOD_DAYS = 90


def default_period(today: datetime.date, days: int = DEFAULT_PERIOD_DAYS) -> tuple[datetime.date, datetime.date]:
    """The last *days* days, today included."""
    return today - datetime.timedelta(days=days - 1), today


class PeriodForm(forms.Form):
    """From and to (local days, inclusive), and optionally one service of the agency."""

    date_from = forms.DateField(
        label=_("From"),
        widget=DateInput(),
        help_text=_("For example, 1 3 2026"),
        error_messages={
            "required": _("Enter the first day of the period"),
            "invalid": _("Enter a real date, for example 1 3 2026"),
        },
    )
    date_to = forms.DateField(
        label=_("To"),
        widget=DateInput(),
        help_text=_("For example, 31 3 2026"),
        error_messages={
            "required": _("Enter the last day of the period"),
            "invalid": _("Enter a real date, for example 31 3 2026"),
        },
    )
    service = forms.TypedChoiceField(label=_("Service"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, services: list[tuple[int, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if services is None:
            del self.fields["service"]
        else:
            self.fields["service"].choices = [("", _("Every service"))] + list(services)
            self.fields["service"].error_messages["invalid_choice"] = _("Choose one of your agency's services")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        latest = last_day()
        for name in ("date_from", "date_to"):
            day = cleaned.get(name)
            if day and day < FIRST_DAY:
                self.add_error(name, _("Enter a date on or after %(day)s") % {"day": format_date(FIRST_DAY)})
            elif day and day > latest:
                self.add_error(name, _("Enter a date on or before %(day)s") % {"day": format_date(latest)})
        if self.errors:
            return cleaned
        if start and end:
            if end < start:
                self.add_error("date_to", _("The last day must be the same as or after the first day"))
            elif (end - start).days + 1 > MAX_PERIOD_DAYS:
                self.add_error("date_from", _("Choose a period of 3 years or less"))
        return cleaned


class CostForm(forms.Form):
    """The cost of one transaction through each channel, in major units ("2.50"); blank keeps the
    cost as it is. ``amounts`` (``{channel: minor units}``) holds the ones given."""

    currency = forms.ChoiceField(
        label=_("Currency"),
        choices=[(code, code) for code in CURRENCIES],
        error_messages={
            "required": _("Choose the currency"),
            "invalid_choice": _("Choose one of the currencies offered"),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for channel in Channel:
            self.fields[channel.value] = forms.CharField(
                label=channel.label,
                required=False,
                max_length=20,
                help_text=_(
                    "Cost of one application made this way, like %(example)s. Leave it empty to keep it as it is."
                )
                % {"example": example_amount("GBP")},
                widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-10"}),
            )

    def clean(self):
        cleaned = super().clean()
        currency = cleaned.get("currency")
        amounts: dict[str, int] = {}
        for channel in Channel.values:
            text = (cleaned.get(channel) or "").strip()
            if not text or currency is None:
                continue
            try:
                amounts[channel] = parse_amount(text, currency, maximum=COST_MAX)
            except MoneyError as exc:
                self.add_error(channel, exc.message)
        if currency and not amounts and not self.errors:
            raise forms.ValidationError(_("Enter the cost of at least one channel"))
        cleaned["amounts"] = amounts
        return cleaned


class AlertForm(forms.Form):
    """A figure of a service (or of the whole agency) and the value above which admins are told."""

    service = forms.TypedChoiceField(label=_("Service"), required=False, coerce=int, empty_value=None)
    metric = forms.ChoiceField(
        label=_("Figure"),
        choices=Metric.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the figure to watch"), "invalid_choice": _("Choose the figure to watch")},
    )
    threshold = forms.IntegerField(
        label=_("Alert when it goes above"),
        help_text=_("In working days for decision times, in cases for open cases."),
        min_value=0,
        max_value=THRESHOLD_MAX,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-5"}),
        error_messages={
            "required": _("Enter the number above which to alert"),
            "invalid": _("Enter a whole number, like 20"),
            "min_value": _("Enter a number of 0 or more"),
            "max_value": _("Enter a number of 1,000,000 or less"),
        },
    )

    def __init__(self, *args, services: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", _("All services of the agency together"))] + list(services)
        self.fields["service"].error_messages["invalid_choice"] = _("Choose one of your agency's services")
