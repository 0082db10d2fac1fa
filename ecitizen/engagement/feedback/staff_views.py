"""The back office of service feedback, under /staff/feedback/ (MFA enforced by middleware).

Staff of an agency (any role) read their agency's satisfaction per service and month and
the comments people left, filtered, and download both as CSV. The rater is never shown.
The month that is not over yet is shown apart, as figures so far that are not final, so
that no one reads half a month as a result.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ecitizen.core.numbers import parse_id as parse_number
from ecitizen.core.pagination import CappedPaginator
from ecitizen.engagement.feedback import exports, selectors
from ecitizen.engagement.feedback.forms import CommentFilterForm
from ecitizen.engagement.feedback.policies import feedback_agencies

PAGE_SIZE = 25
TABLE_MONTHS = 12  # months that are over; the one that is not comes on top, apart


def _agencies(request: HttpRequest) -> list:
    agencies = list(feedback_agencies(request.user))
    if not agencies:
        raise PermissionDenied
    return agencies


def _chosen_agency(request: HttpRequest, agencies: list) -> int | None:
    value = parse_number(request.GET.get("agency", ""))
    return value if value in {agency.pk for agency in agencies} else None


def _table(request: HttpRequest, agencies: list) -> tuple[int | None, selectors.StaffTable]:
    agency = _chosen_agency(request, agencies)
    return agency, selectors.staff_satisfaction(request.user, agency=agency, months=TABLE_MONTHS)


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    agencies = _agencies(request)
    agency, table = _table(request, agencies)
    return render(
        request,
        "feedback/staff/index.html",
        {
            "agencies": agencies,
            "agency": agency,
            "final_rows": table.final_rows,
            "current_rows": table.current_rows,
            "months": TABLE_MONTHS,
            "answers": selectors.ANSWERS_BEST_FIRST,
            "query": f"agency={agency}" if agency else "",
        },
    )


@login_required
@require_GET
def index_csv(request: HttpRequest) -> HttpResponse:
    agencies = _agencies(request)
    _, table = _table(request, agencies)
    return HttpResponse(
        exports.satisfaction_csv(table.rows),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="satisfaction.csv"'},
    )


def _comments(request: HttpRequest, agencies: list):
    agency = _chosen_agency(request, agencies)
    form = CommentFilterForm(
        request.GET or None,
        agencies=agencies,
        topics=selectors.staff_topics(request.user, agency=agency),
        months=selectors.staff_months(request.user, agency=agency),
    )
    filters = selectors.CommentFilters(agency=agency)
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.CommentFilters(
            agency=agency, topic=data["topic"], month=data["month"], answer=data["answer"]
        )
    return form, selectors.staff_comments(request.user, filters)


@login_required
@require_GET
def comments(request: HttpRequest) -> HttpResponse:
    agencies = _agencies(request)
    form, ratings = _comments(request, agencies)
    page = CappedPaginator(ratings, PAGE_SIZE).get_page(request.GET.get("page"))
    for rating in page:
        rating.topic_title = selectors.rating_topic_title(rating)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "feedback/staff/comments.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
        },
        status=200 if not form.errors else 400,
    )


@login_required
@require_GET
def comments_csv(request: HttpRequest) -> HttpResponse:
    agencies = _agencies(request)
    _form, ratings = _comments(request, agencies)
    return HttpResponse(
        exports.comments_csv(ratings[:10_000], selectors.rating_topic_title),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="feedback-comments.csv"'},
    )
