"""Paper ballots in the back office, under /staff/budgeting/<process>/paper/ (MFA enforced by
middleware): the list of entries with their states, the first entry of a ballot paper, the second
entry (typed by someone else, without seeing the first), and a supervisor's discarding of entries
that did not agree. Processes are fetched through the paper policy (404 outside the user's
agencies); every change is a POST to an audited service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecitizen.voting.budgeting.ballot_forms import DistrictForm, PaperBallotForm
from ecitizen.voting.budgeting.ballot_selectors import ballot_projects, paper_entries, paper_entry_counts
from ecitizen.voting.budgeting.ballot_services import (
    CHOICES,
    paper_entry_confirm,
    paper_entry_discard,
    paper_entry_enter,
)
from ecitizen.voting.budgeting.ballot_views import ballot_page_context
from ecitizen.voting.budgeting.eligibility import paper_phase_open, paper_policy
from ecitizen.voting.budgeting.models import Budget, PaperEntry, PaperEntryState, Process


def _process(request: HttpRequest, process_id: int) -> Process:
    process = (
        paper_policy.processes(request.user, "view")
        .select_related("agency")
        .prefetch_related("budgets__area")
        .filter(pk=process_id)
        .first()
    )
    if process is None:
        raise Http404
    return process


@login_required
@require_GET
def paper_list(request: HttpRequest, process_id: int) -> HttpResponse:
    process = _process(request, process_id)
    may_discard = paper_policy.processes(request.user, "discard").filter(pk=process.pk).exists()
    entries = list(paper_entries(process))
    for entry in entries:
        entry.may_confirm = entry.state == PaperEntryState.WAITING and entry.entered_by_id != request.user.pk
        entry.may_discard = may_discard and entry.state in (PaperEntryState.WAITING, PaperEntryState.MISMATCH)
    return render(
        request,
        "budgeting/staff/paper_list.html",
        {
            "process": process,
            "entries": entries,
            "counts": paper_entry_counts(process),
            "open": paper_phase_open(process),
            "districts": len(process.budgets.all()) > 1,
        },
    )


def _budget(request: HttpRequest, process: Process) -> tuple[Budget | None, DistrictForm | None]:
    """The budget the paper is for: the only one, or the district chosen (a GET form first)."""
    budgets = list(process.budgets.all())
    if len(budgets) == 1:
        return budgets[0], None
    source = request.POST if request.method == "POST" else request.GET
    form = DistrictForm(source if "budget" in source else None, process=process)
    if form.is_bound and form.is_valid():
        return form.cleaned_data["budget"], None
    return None, form


def _paper_page(request: HttpRequest, process: Process, entry: PaperEntry | None) -> HttpResponse:
    if not paper_phase_open(process):
        messages.error(request, _("Paper ballots can be entered only while voting is open or being counted."))
        return redirect("budgeting_staff:paper_list", process_id=process.pk)
    budget, district_form = _budget(request, process)
    if budget is None:
        return render(
            request,
            "budgeting/staff/paper_district.html",
            {"process": process, "entry": entry, "form": district_form},
        )
    projects = ballot_projects(budget)
    kwargs = {"process": process, "projects": projects, "sheet_number": entry.sheet_number if entry else None}
    choice_errors: list[str] = []
    if request.method == "POST":
        form = PaperBallotForm(request.POST, **kwargs)
        if form.is_valid() and "update" not in request.POST:
            data = form.cleaned_data
            try:
                if entry is None:
                    paper_entry_enter(
                        actor=request.user,
                        process=process,
                        sheet_number=data["sheet_number"],
                        national_id=data["national_id"],
                        budget=budget,
                        choices=form.chosen(),
                    )
                    messages.success(
                        request, _("First entry saved. Another person must now enter the same ballot paper.")
                    )
                else:
                    result = paper_entry_confirm(
                        actor=request.user,
                        entry=entry,
                        national_id=data["national_id"],
                        budget=budget,
                        choices=form.chosen(),
                    )
                    if result.state == PaperEntryState.CONFIRMED:
                        messages.success(request, _("The two entries agree: the paper ballot counts."))
                    else:
                        messages.error(
                            request, _("The two entries do not agree. A supervisor must check the ballot paper.")
                        )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    if field == CHOICES:
                        choice_errors.extend(errors)
                    else:
                        form.add_error(field if field in form.fields else None, errors)
            else:
                return redirect("budgeting_staff:paper_list", process_id=process.pk)
    else:
        form = PaperBallotForm(**kwargs)
    context = ballot_page_context(
        process=process, budget=budget, projects=projects, form=form, choice_errors=choice_errors
    )
    # Field errors of the paper form's own fields link to those fields.
    context["form_errors"] = list(form.non_field_errors())
    context["field_errors"] = [
        (form[name].auto_id, error)
        for name in ("sheet_number", "national_id")
        if name in form.fields
        for error in form.errors.get(name, [])
    ]
    context.update(
        entry=entry,
        districts=len(process.budgets.all()) > 1,
        error_count=len(context["form_errors"]) + len(context["field_errors"]) + len(context["choice_errors"]),
        first_field=form["sheet_number"].auto_id if "sheet_number" in form.fields else form["national_id"].auto_id,
    )
    return render(request, "budgeting/staff/paper_entry.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def paper_enter(request: HttpRequest, process_id: int) -> HttpResponse:
    process = _process(request, process_id)
    return _paper_page(request, process, None)


@login_required
@require_http_methods(["GET", "POST"])
def paper_confirm(request: HttpRequest, process_id: int, entry_id: int) -> HttpResponse:
    process = _process(request, process_id)
    entry = paper_policy.scope(request.user, "confirm").filter(process=process, pk=entry_id).first()
    if entry is None:
        raise Http404
    try:
        return _paper_page(request, process, entry)
    except PermissionDenied:
        raise Http404 from None


@login_required
@require_POST
def paper_discard(request: HttpRequest, process_id: int, entry_id: int) -> HttpResponse:
    process = _process(request, process_id)
    entry = paper_policy.scope(request.user, "discard").filter(process=process, pk=entry_id).first()
    if entry is None:
        raise Http404
    try:
        n = paper_entry_discard(actor=request.user, entry=entry)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.message_dict.get(NON_FIELD_ERRORS, exc.messages)))
    else:
        messages.success(request, _("Discarded. The ballot paper can be entered again (%(n)s entries).") % {"n": n})
    return redirect("budgeting_staff:paper_list", process_id=process.pk)
