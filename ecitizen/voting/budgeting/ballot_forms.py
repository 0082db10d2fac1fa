"""Ballot forms: they read what the voter (or staff typing a paper ballot) chose; the services
check it against the ballot's rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ecitizen.voting.budgeting.models import BallotStyle, Budget, Process, Project

MAX_POINTS_INPUT = 999


def points_field_name(project: Project) -> str:
    return f"points-{project.pk}"


class BallotForm(forms.Form):
    """The projects of one budget's ballot: checkboxes (``choices``) for approval and knapsack
    ballots, a number of points per project (``points-<id>``) for cumulative ones."""

    cast_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, process: Process, projects: list[Project], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.process = process
        self.projects = projects
        self.cumulative = process.ballot_style == BallotStyle.CUMULATIVE
        if self.cumulative:
            for project in projects:
                self.fields[points_field_name(project)] = forms.IntegerField(
                    label=project.title,
                    required=False,
                    min_value=0,
                    max_value=MAX_POINTS_INPUT,
                    error_messages={
                        "invalid": _("Enter the points as a whole number, for example 2"),
                        "min_value": _("Points must be 0 or more"),
                        "max_value": _("That is more points than you have"),
                    },
                )
        else:
            self.fields["choices"] = forms.TypedMultipleChoiceField(
                label=_("Projects"),
                coerce=int,
                required=False,
                choices=[(str(p.pk), p.title) for p in projects],
                widget=forms.CheckboxSelectMultiple,
                error_messages={"invalid_choice": _("Choose only projects on this ballot.")},
            )

    @staticmethod
    def initial_for(process: Process, choices: dict[int, int]) -> dict[str, Any]:
        if process.ballot_style == BallotStyle.CUMULATIVE:
            return {f"points-{pk}": n for pk, n in choices.items()}
        return {"choices": [str(pk) for pk in choices]}

    def chosen(self) -> dict[int, int]:
        """{project id: points} from what was valid in the form (also when part of it was not)."""
        data = getattr(self, "cleaned_data", {})
        if self.cumulative:
            chosen = {}
            for project in self.projects:
                n = data.get(points_field_name(project))
                if n:
                    chosen[project.pk] = n
            return chosen
        return dict.fromkeys(data.get("choices") or [], 1)

    def raw_chosen(self) -> dict[int, int]:
        """What the submitted data chose, read leniently, for showing the form again."""
        if not self.is_bound:
            initial = self.initial
            if self.cumulative:
                return {
                    p.pk: int(initial.get(points_field_name(p)) or 0)
                    for p in self.projects
                    if initial.get(points_field_name(p))
                }
            return dict.fromkeys((int(pk) for pk in initial.get("choices") or []), 1)
        chosen = {}
        for project in self.projects:
            if self.cumulative:
                value = self.data.get(self.add_prefix(points_field_name(project)), "")
                chosen[project.pk] = int(value) if str(value).strip().isdigit() else 0
            elif str(project.pk) in self.data.getlist(self.add_prefix("choices")):
                chosen[project.pk] = 1
        return {pk: n for pk, n in chosen.items() if n}


class PaperBallotForm(BallotForm):
    """A paper ballot as staff type it: the sheet's number, the voter's national ID (from the
    identity document shown at the counter) and the choices marked on the paper."""

    sheet_number = forms.CharField(
        label=_("Ballot paper number"),
        help_text=_("Printed at the top of the ballot paper"),
        max_length=30,
        error_messages={"required": _("Enter the number printed on the ballot paper")},
    )
    national_id = forms.RegexField(
        label=_("Voter’s national ID number"),
        help_text=_("From the identity document the voter showed, for example AB-123456-C"),
        regex=r"^[A-Za-z0-9 -]{6,20}$",
        error_messages={
            "required": _("Enter the voter’s national ID number"),
            "invalid": _("Enter the national ID number as printed on the identity document"),
        },
    )

    field_order = ["sheet_number", "national_id"]

    def __init__(self, *args: Any, sheet_number: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["national_id"].widget.attrs.update(autocomplete="off", spellcheck="false")
        self.fields["sheet_number"].widget.attrs.update(autocomplete="off", spellcheck="false")
        if sheet_number is not None:
            # Confirming: the sheet is the one chosen from the list.
            del self.fields["sheet_number"]


class DistrictForm(forms.Form):
    """Which district's ballot paper this is (processes with a budget per district)."""

    budget = forms.ModelChoiceField(
        label=_("Which district is the ballot paper for?"),
        help_text=_("As printed on the ballot paper, and where the voter lives"),
        queryset=Budget.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Choose the district"), "invalid_choice": _("Choose the district")},
    )

    def __init__(self, *args: Any, process: Process, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["budget"].queryset = process.budgets.select_related("area").order_by("pk")
        self.fields["budget"].label_from_instance = lambda budget: budget.area.display_name() if budget.area else "-"


class VoteDistrictForm(forms.Form):
    """Which district a voter from outside every district votes in (a process open to everyone,
    with a budget per district)."""

    budget = forms.TypedChoiceField(
        label=_("Which district do you want to vote in?"),
        help_text=_("Your address is not in any of the districts, so you can choose one."),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the district"), "invalid_choice": _("Choose the district")},
    )

    def __init__(self, *args: Any, budgets: tuple[Budget, ...] | list[Budget], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["budget"].choices = [
            (str(b.pk), b.area.display_name() if b.area else str(_("The whole area"))) for b in budgets
        ]
