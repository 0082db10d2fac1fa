"""Forms of processes, ideas and their review: they read and check input; services decide."""

from __future__ import annotations

import datetime
import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecitizen.accounts.models import IdentityLevel
from ecitizen.core.forms import DatePartsInput
from ecitizen.voting.budgeting.idea_selectors import SORTS
from ecitizen.voting.budgeting.idea_services import ALT_MAX_LENGTH, LOCATION_MAX_LENGTH, IdeaData
from ecitizen.voting.budgeting.models import (
    DESCRIPTION_MAX_LENGTH,
    REASON_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    BallotStyle,
    Budget,
    Process,
    Project,
    Rule,
)
from ecitizen.voting.budgeting.process_services import MAX_AMOUNT, SUMMARY_MAX_LENGTH, ProcessData

WHOLE, DISTRICTS = "whole", "districts"
_AMOUNT_ERRORS = {
    "invalid": _("Enter a whole number"),
    "min_value": _("Enter a whole number of 1 or more"),
    "max_value": _("Enter a whole number of %(limit_value)s or less"),
}
_DATE_ERRORS = {"required": _("Enter a date"), "invalid": _("Enter a real date, for example 27 3 2027")}


DATE_FIELDS = ("ideas_open_at", "ideas_close_at", "voting_open_at", "voting_close_at")
YEARS = (2000, 2200)  # the years a process's dates may fall in


def _start_of(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of *day* in the deployment's timezone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _day_of(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def budget_label(budget: Budget) -> str:
    return budget.area.display_name() if budget.area_id else str(_("The whole area"))


class ProcessForm(forms.Form):
    """A process: the dates are days (ideas and voting open at the start of the first day and close
    at the end of the last day, in the deployment's timezone)."""

    # The service's error names that are a different field here (see idea_views.add_errors).
    SERVICE_NAMES = {"budgets": "budget_scope"}

    title = forms.CharField(
        label=_("Title"), max_length=TITLE_MAX_LENGTH, error_messages={"required": _("Enter a title")}
    )
    summary = forms.CharField(
        label=_("Summary"),
        help_text=_("One or two sentences, shown in lists."),
        max_length=SUMMARY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Enter a summary")},
    )
    description = forms.CharField(
        label=_("Description (optional)"),
        max_length=DESCRIPTION_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    ideas_open_at = forms.DateField(label=_("Ideas open on"), widget=DatePartsInput(), error_messages=_DATE_ERRORS)
    ideas_close_at = forms.DateField(
        label=_("Last day for ideas"), widget=DatePartsInput(), error_messages=_DATE_ERRORS
    )
    voting_open_at = forms.DateField(label=_("Voting opens on"), widget=DatePartsInput(), error_messages=_DATE_ERRORS)
    voting_close_at = forms.DateField(
        label=_("Last day of voting"), widget=DatePartsInput(), error_messages=_DATE_ERRORS
    )
    budget_scope = forms.ChoiceField(
        label=_("How is the money divided?"),
        choices=[(WHOLE, _("One budget for the whole area")), (DISTRICTS, _("One budget for each district"))],
        widget=forms.RadioSelect,
        initial=WHOLE,
        error_messages={"required": _("Select how the money is divided")},
    )
    whole_amount = forms.IntegerField(
        label=_("Budget for the whole area"),
        help_text=_("Whole units of money, with no pence or cents."),
        min_value=1,
        max_value=MAX_AMOUNT,
        required=False,
        error_messages=_AMOUNT_ERRORS,
    )
    ballot_style = forms.ChoiceField(
        label=_("How people vote"),
        choices=BallotStyle.choices,
        widget=forms.RadioSelect,
        initial=BallotStyle.APPROVAL,
        error_messages={"required": _("Select how people vote")},
    )
    max_choices = forms.IntegerField(
        label=_("Most projects a voter may choose (when choosing up to a number)"),
        min_value=1,
        max_value=1000,
        required=False,
        error_messages=_AMOUNT_ERRORS,
    )
    points = forms.IntegerField(
        label=_("Points each voter shares out (when sharing out points)"),
        min_value=1,
        max_value=1000,
        required=False,
        error_messages=_AMOUNT_ERRORS,
    )
    max_points_per_project = forms.IntegerField(
        label=_("Most points on one project (when sharing out points)"),
        min_value=1,
        max_value=1000,
        required=False,
        error_messages=_AMOUNT_ERRORS,
    )
    rule = forms.ChoiceField(
        label=_("Counting rule"),
        help_text=_("Shown to voters before they vote. It cannot change once voting opens."),
        choices=Rule.choices,
        widget=forms.RadioSelect,
        initial=Rule.MES,
        error_messages={"required": _("Select the counting rule")},
    )
    min_age = forms.IntegerField(
        label=_("Minimum age to vote (optional)"),
        min_value=0,
        max_value=120,
        required=False,
        error_messages=_AMOUNT_ERRORS,
    )
    residents_only = forms.BooleanField(label=_("Only residents of the area or district may vote"), required=False)
    identity_level = forms.ChoiceField(
        label=_("Identity needed to vote"),
        choices=IdentityLevel.choices,
        widget=forms.RadioSelect,
        initial=IdentityLevel.VERIFIED,
        error_messages={"required": _("Select the identity needed to vote")},
    )
    paper_voting = forms.BooleanField(label=_("Paper ballots at service counters"), required=False)

    def __init__(self, *args, areas=(), process: Process | None = None, **kwargs):
        if process is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(process)
        kwargs.setdefault("initial", {}).setdefault("residents_only", True)
        kwargs["initial"].setdefault("paper_voting", True)
        super().__init__(*args, **kwargs)
        self.areas = list(areas)
        for area in self.areas:
            self.fields[f"amount_{area.pk}"] = forms.IntegerField(
                label=_("Budget for %(district)s") % {"district": area.display_name()},
                min_value=1,
                max_value=MAX_AMOUNT,
                required=False,
                error_messages=_AMOUNT_ERRORS,
            )
        if not self.areas:
            self.fields["budget_scope"].choices = self.fields["budget_scope"].choices[:1]

    @staticmethod
    def initial_for(process: Process) -> dict:
        initial = {name: getattr(process, name) for name in ProcessData.__dataclass_fields__}
        initial["ideas_open_at"] = _day_of(process.ideas_open_at)
        initial["ideas_close_at"] = _day_of(process.ideas_close_at) - datetime.timedelta(days=1)
        initial["voting_open_at"] = _day_of(process.voting_open_at)
        initial["voting_close_at"] = _day_of(process.voting_close_at) - datetime.timedelta(days=1)
        budgets = list(process.budgets.all())
        if any(b.area_id for b in budgets):
            initial["budget_scope"] = DISTRICTS
            for b in budgets:
                initial[f"amount_{b.area_id}"] = b.amount
        else:
            initial["budget_scope"] = WHOLE
            initial["whole_amount"] = budgets[0].amount if budgets else None
        return initial

    def district_fields(self):
        return [self[f"amount_{area.pk}"] for area in self.areas]

    def clean(self):
        data = super().clean()
        for name in DATE_FIELDS:
            day = data.get(name)
            if day is not None and not YEARS[0] <= day.year <= YEARS[1]:
                # Also keeps the day after the last day (and its time in UTC) within what dates can hold.
                self.add_error(
                    name, _("Enter a year from %(first)s to %(last)s") % {"first": YEARS[0], "last": YEARS[1]}
                )
        if data.get("budget_scope") == WHOLE and data.get("whole_amount") is None and "whole_amount" not in self.errors:
            self.add_error("whole_amount", _("Enter the budget for the whole area"))
        if data.get("budget_scope") == DISTRICTS and not any(
            data.get(f"amount_{a.pk}") is not None for a in self.areas
        ):
            self.add_error("budget_scope", _("Enter the budget of at least one district"))
        return data

    def process_data(self) -> ProcessData:
        d = self.cleaned_data
        return ProcessData(
            title=d["title"],
            summary=d["summary"],
            description=d.get("description", ""),
            ideas_open_at=_start_of(d["ideas_open_at"]),
            ideas_close_at=_start_of(d["ideas_close_at"] + datetime.timedelta(days=1)),
            voting_open_at=_start_of(d["voting_open_at"]),
            voting_close_at=_start_of(d["voting_close_at"] + datetime.timedelta(days=1)),
            ballot_style=d["ballot_style"],
            max_choices=d.get("max_choices"),
            points=d.get("points"),
            max_points_per_project=d.get("max_points_per_project"),
            rule=d["rule"],
            min_age=d.get("min_age"),
            residents_only=bool(d.get("residents_only")),
            identity_level=d["identity_level"],
            paper_voting=bool(d.get("paper_voting")),
        )

    def budgets(self) -> list[tuple]:
        d = self.cleaned_data
        if d.get("budget_scope") == DISTRICTS:
            return [(a, d[f"amount_{a.pk}"]) for a in self.areas if d.get(f"amount_{a.pk}") is not None]
        return [(None, d.get("whole_amount"))]


class BudgetChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Budget) -> str:
        return budget_label(obj)


class IdeaForm(forms.Form):
    budget = BudgetChoiceField(
        label=_("Which district is your idea for?"),
        queryset=Budget.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": _("Select the district your idea is for"),
            "invalid_choice": _("Select the district your idea is for"),
        },
    )
    title = forms.CharField(
        label=_("Title"),
        help_text=_("A few words, for example “Benches along the river path”."),
        max_length=TITLE_MAX_LENGTH,
        error_messages={"required": _("Enter a title for your idea")},
    )
    description = forms.CharField(
        label=_("Describe your idea"),
        help_text=_("What should be built or done, and who would it help?"),
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Describe your idea")},
    )
    location_text = forms.CharField(
        label=_("Where (optional)"),
        help_text=_("A street, a park or a landmark."),
        max_length=LOCATION_MAX_LENGTH,
        required=False,
    )
    lat = forms.FloatField(
        label=_("Latitude (optional)"),
        required=False,
        error_messages={"invalid": _("Enter the latitude as a number, for example 52.03")},
    )
    lng = forms.FloatField(
        label=_("Longitude (optional)"),
        required=False,
        error_messages={"invalid": _("Enter the longitude as a number, for example 0.005")},
    )
    estimated_cost = forms.IntegerField(
        label=_("Estimated cost"),
        help_text=_("Your best guess, in whole units of money. Staff will check it."),
        min_value=1,
        max_value=MAX_AMOUNT,
        error_messages={"required": _("Enter the estimated cost"), **_AMOUNT_ERRORS},
    )

    def __init__(self, *args, process: Process, **kwargs):
        super().__init__(*args, **kwargs)
        self.process = process
        budgets = Budget.objects.filter(process=process).select_related("area").order_by("pk")
        self.fields["budget"].queryset = budgets
        if len(budgets) == 1:
            self.fields["budget"].widget = forms.HiddenInput()
            self.fields["budget"].initial = budgets[0].pk
        for name in ("lat", "lng"):
            self.fields[name].widget.attrs.update({"class": "govuk-input--width-10", "inputmode": "decimal"})
        self.fields["estimated_cost"].widget.attrs.update({"class": "govuk-input--width-10", "inputmode": "numeric"})

    # The service's names of the fields whose form names differ (the map script reads "lat" and "lng").
    SERVICE_NAMES = {"latitude": "lat", "longitude": "lng"}

    @staticmethod
    def initial_for(project: Project) -> dict:
        initial = {name: getattr(project, name) for name in IdeaData.__dataclass_fields__}
        initial["lat"], initial["lng"] = initial.pop("latitude"), initial.pop("longitude")
        return initial

    def idea_data(self) -> IdeaData:
        d = self.cleaned_data
        return IdeaData(
            budget=d["budget"],
            title=d["title"],
            description=d["description"],
            estimated_cost=d["estimated_cost"],
            location_text=d.get("location_text", ""),
            latitude=d.get("lat"),
            longitude=d.get("lng"),
        )


class ProposeForm(IdeaForm):
    create_token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    photo = forms.FileField(
        label=_("Add a photo (optional)"),
        help_text=_("JPG or PNG. Location and camera details are removed from photos."),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )
    photo_alt = forms.CharField(
        label=_("Describe the photo (optional)"),
        help_text=_("For people who cannot see it."),
        max_length=ALT_MAX_LENGTH,
        required=False,
    )


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("Photo"),
        help_text=_("JPG or PNG. Location and camera details are removed from photos."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
        error_messages={"required": _("Select a photo")},
    )
    photo_alt = forms.CharField(
        label=_("Describe the photo (optional)"),
        help_text=_("For people who cannot see it."),
        max_length=ALT_MAX_LENGTH,
        required=False,
    )


class IdeasFilterForm(forms.Form):
    budget = forms.TypedChoiceField(label=_("District"), required=False, coerce=int, empty_value=None)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[(SORTS[0], _("Most supported")), (SORTS[1], _("Newest"))],
    )

    def __init__(self, *args, budgets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["budget"].choices = [("", _("All districts"))] + [(b.pk, budget_label(b)) for b in budgets]


class AcceptForm(forms.Form):
    official_cost = forms.IntegerField(
        label=_("Official cost"),
        help_text=_("What the project will cost, checked by staff. It is shown on the ballot."),
        min_value=1,
        max_value=MAX_AMOUNT,
        error_messages={"required": _("Enter the official cost"), **_AMOUNT_ERRORS},
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_("The author and the public will see it."),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Enter the reason, which the author and the public will see")},
    )


class MergeForm(forms.Form):
    into = forms.ModelChoiceField(
        label=_("Merge this idea into"),
        help_text=_("Its supporters will support that idea instead, and its author will be told."),
        queryset=Project.objects.none(),
        empty_label=_("Select an idea"),
        error_messages={"required": _("Select an idea"), "invalid_choice": _("Select an idea")},
    )

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if candidates is not None:
            self.fields["into"].queryset = candidates
        self.fields["into"].label_from_instance = lambda p: f"#{p.pk} {p.title}"
