"""Voting pages: the ballot of a participatory budget and the confirmation once cast.

Without JavaScript a knapsack or cumulative ballot has an "Update total" button that shows the
form again with the total and keeps the choices; ``budget-ballot.mjs`` keeps the total up to date
as the voter ticks projects.
"""

from __future__ import annotations

import math
import uuid

from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from ecitizen.core import ratelimits
from ecitizen.voting.budgeting import conf
from ecitizen.voting.budgeting.ballot_forms import BallotForm, VoteDistrictForm, points_field_name
from ecitizen.voting.budgeting.ballot_selectors import (
    ballot_choice_map,
    ballot_choices,
    ballot_projects,
    vote_box,
)
from ecitizen.voting.budgeting.ballot_services import CHOICES, ballot_cast, ballot_check, ballot_total
from ecitizen.voting.budgeting.models import BallotStyle, Budget, Process, Project


def published_process(process_id: int) -> Process:
    """A published process (404 for drafts and unknown numbers)."""
    process = (
        Process.objects.filter(pk=process_id, published_at__isnull=False)
        .select_related("agency")
        .prefetch_related("budgets__area")
        .first()
    )
    if process is None:
        raise Http404
    return process


def process_url(process: Process) -> str:
    """The process's page (the vote page while that page is not mounted)."""
    try:
        return process.get_absolute_url()
    except NoReverseMatch:
        return reverse("budgeting:vote", args=[process.pk])


def cast_hit(request: HttpRequest) -> tuple[int, ratelimits.Hit | None]:
    """Count one cast against the account's limit (``conf.cast_rate()``): each cast writes an audit
    row, so one account must not grow the audit log without bound. ``(0, hit)`` when allowed (the
    hit is given back if nothing is cast), ``(seconds to wait, None)`` when refused."""
    if not ratelimits.enabled():
        return 0, None
    rate = ratelimits.Rate.parse(conf.cast_rate())
    return ratelimits.bucket_hit(ratelimits.bucket_name("budgeting-cast", rate, f"user:{request.user.pk}"), rate)


def too_many_casts(wait: int) -> str:
    minutes = max(1, math.ceil(wait / 60))
    return ngettext(
        "You have sent your ballot too many times in a short time. Your last ballot is kept. "
        "Wait %(n)s minute, then try again.",
        "You have sent your ballot too many times in a short time. Your last ballot is kept. "
        "Wait %(n)s minutes, then try again.",
        minutes,
    ) % {"n": minutes}


def ballot_rows(form: BallotForm, projects: list[Project], chosen: dict[int, int]) -> list[dict]:
    """One row per project for the ballot template (the inputs are written out there, with the
    cost the live total reads)."""
    return [
        {
            "project": project,
            "id": f"choices-{i}" if not form.cumulative else f"id_{points_field_name(project)}",
            "name": points_field_name(project) if form.cumulative else "choices",
            "checked": project.pk in chosen,
            "points": chosen.get(project.pk, 0),
            "errors": form.errors.get(points_field_name(project), []) if form.cumulative else [],
        }
        for i, project in enumerate(projects)
    ]


def ballot_summary(process: Process, budget: Budget, projects: list[Project], chosen: dict[int, int]) -> dict:
    total = ballot_total({p.pk: p.cost for p in projects}, chosen)
    return {
        "count": len(chosen),
        "total": total,
        "left": budget.amount - total,
        "over": process.ballot_style == BallotStyle.KNAPSACK and total > budget.amount,
        "points_used": sum(chosen.values()) if process.ballot_style == BallotStyle.CUMULATIVE else 0,
    }


def ballot_page_context(
    *, process: Process, budget: Budget, projects: list[Project], form: BallotForm, choice_errors: list[str]
) -> dict:
    chosen = form.raw_chosen()
    errors = list(choice_errors) + list(form.non_field_errors())
    for name, field_errors in form.errors.items():
        if name not in (NON_FIELD_ERRORS, CHOICES) and not name.startswith("points-"):
            errors.extend(field_errors)
    point_errors = [
        (f"id_{points_field_name(p)}", e) for p in projects for e in form.errors.get(points_field_name(p), [])
    ]
    return {
        "process": process,
        "budget": budget,
        "currency": conf.currency(),
        "form": form,
        "rows": ballot_rows(form, projects, chosen),
        "summary": ballot_summary(process, budget, projects, chosen),
        "choice_errors": list(choice_errors) + list(form.errors.get(CHOICES, [])),
        "form_errors": errors,
        "point_errors": point_errors,
        "first_input": "choices-0"
        if not form.cumulative
        else (f"id_{points_field_name(projects[0])}" if projects else ""),
    }


@login_required
@require_http_methods(["GET", "POST"])
def vote(request: HttpRequest, process_id: int) -> HttpResponse:
    process = published_process(process_id)
    box = vote_box(process=process, user=request.user)
    if not box.open or box.voted_on_paper or not box.eligibility.ok:
        return render(
            request, "budgeting/vote_cannot.html", {"process": process, "box": box, "process_url": process_url(process)}
        )
    eligibility = box.eligibility
    budget = eligibility.budget
    choosing = budget is None  # a voter from outside every district chooses one (JS off: a step first)
    if choosing:
        source = request.POST if request.method == "POST" else request.GET
        district_form = VoteDistrictForm(
            source if "budget" in source else None,
            budgets=eligibility.choose_from,
            initial={"budget": box.ballot.budget_id if box.ballot else None},
        )
        if district_form.is_bound:
            if district_form.is_valid():
                budget = eligibility.budget_for(district_form.cleaned_data["budget"])
        elif box.ballot is not None and "change" not in request.GET:
            budget = eligibility.budget_for(box.ballot.budget_id)
        if budget is None:
            return render(
                request,
                "budgeting/vote_district.html",
                {"process": process, "box": box, "form": district_form, "process_url": process_url(process)},
                status=400 if district_form.errors else 200,
            )
    projects = ballot_projects(budget)
    choice_errors: list[str] = []
    retry_after = 0
    if request.method == "POST":
        form = BallotForm(request.POST, process=process, projects=projects)
        valid = form.is_valid()
        if valid and "update" not in request.POST:
            token = form.cleaned_data.get("cast_token")
            # The same form sent again casts nothing (see ballot_cast), so it is not counted.
            repeat = token is not None and box.ballot is not None and box.ballot.cast_token == token
            wait, hit = (0, None) if repeat else cast_hit(request)
            if wait:
                form.add_error(None, too_many_casts(wait))
                retry_after = wait
        if valid and "update" not in request.POST and not retry_after:
            try:
                ballot_cast(
                    actor=request.user,
                    process=process,
                    choices=form.chosen(),
                    cast_token=token,
                    budget=budget,
                )
            except ValidationError as exc:
                if hit is not None:
                    ratelimits.bucket_release(hit)  # nothing was cast
                for field, messages in exc.message_dict.items():
                    if field == CHOICES:
                        choice_errors.extend(messages)
                    else:
                        form.add_error(None, messages)
            else:
                return redirect("budgeting:vote_done", process_id=process.pk)
        elif valid and not retry_after:
            # "Update total" (no JavaScript): show the form again, with what is wrong if anything.
            try:
                ballot_check(
                    process=process, budget=budget, costs={p.pk: p.cost for p in projects}, choices=form.chosen()
                )
            except ValidationError as exc:
                choice_errors.extend(exc.message_dict.get(CHOICES, []))
    else:
        initial = BallotForm.initial_for(process, ballot_choice_map(box.ballot))
        form = BallotForm(initial={**initial, "cast_token": uuid.uuid4()}, process=process, projects=projects)
    context = ballot_page_context(
        process=process, budget=budget, projects=projects, form=form, choice_errors=choice_errors
    )
    context.update(
        box=box,
        choosing=choosing,
        process_url=process_url(process),
        error_count=len(context["form_errors"]) + len(context["choice_errors"]) + len(context["point_errors"]),
    )
    response = render(request, "budgeting/vote.html", context, status=429 if retry_after else 200)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@login_required
@require_GET
def vote_done(request: HttpRequest, process_id: int) -> HttpResponse:
    process = published_process(process_id)
    box = vote_box(process=process, user=request.user)
    if box.ballot is None:
        return redirect("budgeting:vote", process_id=process.pk)
    choices = ballot_choices(box.ballot)
    return render(
        request,
        "budgeting/vote_done.html",
        {
            "process": process,
            "box": box,
            "ballot": box.ballot,
            "choices": choices,
            "total": sum(c.project.cost for c in choices),
            "process_url": process_url(process),
        },
    )
