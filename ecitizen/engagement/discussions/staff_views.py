"""Discussions' back office: the moderation queue (moderators) and boards (agency admins)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from ecitizen.engagement.discussions import forms, policies, selectors, services
from ecitizen.engagement.discussions.models import Board, Comment, CommentState
from ecitizen.engagement.discussions.views import form_errors


def _moderated_comment(request: HttpRequest, pk: int) -> Comment:
    comment = get_object_or_404(Comment.objects.select_related("thread", "thread__agency", "author"), pk=pk)
    if not policies.can_moderate(request.user, comment):
        raise Http404
    return comment


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    if not policies.moderated_agencies(request.user).exists():
        if policies.board_admin_agencies(request.user).exists():
            return redirect("discussions_staff:boards")
        if policies.official_agencies(request.user).exists():
            return redirect("discussions_staff:questions")
        raise Http404
    page = Paginator(selectors.moderation_queue(request.user), 50).get_page(request.GET.get("page"))
    titles = selectors.thread_titles({c.thread_id: c.thread for c in page.object_list}.values())
    return render(request, "discussions/staff/queue.html", {"page": page, "titles": titles})


@login_required
def questions(request: HttpRequest) -> HttpResponse:
    """The questions waiting for an official answer from the user's agencies."""
    if not policies.official_agencies(request.user).exists():
        raise Http404
    page = Paginator(selectors.questions_to_answer(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "discussions/staff/questions.html", {"page": page})


def _review_context(comment: Comment, **extra) -> dict:
    return {
        "comment": comment,
        "title": selectors.thread_title(comment.thread),
        "flags": comment.flags.select_related(None).order_by("created_at"),
        "events": comment.moderation_events.all(),
        "revisions": comment.revisions.all(),
        **extra,
    }


@login_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _moderated_comment(request, pk)
    return render(
        request,
        "discussions/staff/review.html",
        _review_context(
            comment, hide_form=forms.HideForm(auto_id="hide_%s"), restore_form=forms.RestoreForm(auto_id="restore_%s")
        ),
    )


@login_required
def hide(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _moderated_comment(request, pk)
    if request.method != "POST":
        return redirect("discussions_staff:review", pk)
    form = forms.HideForm(request.POST, auto_id="hide_%s")
    if form.is_valid():
        try:
            services.comment_hide(
                actor=request.user,
                comment=comment,
                reason=form.cleaned_data["reason"],
                explanation=form.cleaned_data["explanation"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The comment is hidden. Its author has been told why."))
            return redirect("discussions_staff:queue")
    context = _review_context(comment, hide_form=form, restore_form=forms.RestoreForm(auto_id="restore_%s"), form=form)
    return render(request, "discussions/staff/review.html", context, status=400)


@login_required
def restore(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _moderated_comment(request, pk)
    if request.method != "POST":
        return redirect("discussions_staff:review", pk)
    form = forms.RestoreForm(request.POST, auto_id="restore_%s")
    was_hidden = comment.state != CommentState.VISIBLE
    if form.is_valid():
        try:
            services.comment_restore(actor=request.user, comment=comment, explanation=form.cleaned_data["explanation"])
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            if was_hidden:
                messages.success(request, _("The comment is shown again. Its author has been told."))
            else:
                messages.success(request, _("The reports are closed and the comment stays shown."))
            return redirect("discussions_staff:queue")
    context = _review_context(comment, hide_form=forms.HideForm(auto_id="hide_%s"), restore_form=form, form=form)
    return render(request, "discussions/staff/review.html", context, status=400)


# --- boards --------------------------------------------------------------------------------


@login_required
def boards(request: HttpRequest) -> HttpResponse:
    agencies = policies.board_admin_agencies(request.user)
    if not agencies.exists():
        raise Http404
    rows = selectors.boards_public().filter(agency__in=agencies)
    return render(request, "discussions/staff/boards.html", {"boards": rows})


@login_required
def board_new(request: HttpRequest) -> HttpResponse:
    agencies = list(policies.board_admin_agencies(request.user))
    if not agencies:
        raise Http404
    form = forms.BoardForm(
        request.POST if request.method == "POST" else None, agencies=agencies, initial={"is_open": True}
    )
    if request.method == "POST" and form.is_valid():
        agency = next(a for a in agencies if a.pk == form.cleaned_data["agency"])
        try:
            board = services.board_save(
                actor=request.user,
                agency=agency,
                title=form.cleaned_data["title"],
                slug=form.cleaned_data["slug"],
                description=form.cleaned_data["description"],
                is_open=form.cleaned_data["is_open"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The board “%(title)s” is saved.") % {"title": board.title})
            return redirect("discussions_staff:boards")
    return render(request, "discussions/staff/board_form.html", {"form": form, "board": None})


@login_required
def board_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agencies = policies.board_admin_agencies(request.user)
    board = get_object_or_404(Board.objects.filter(agency__in=agencies), pk=pk)
    initial = {"title": board.title, "slug": board.slug, "description": board.description, "is_open": board.is_open}
    form = forms.BoardForm(request.POST if request.method == "POST" else None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.board_save(
                actor=request.user,
                agency=board.agency,
                board=board,
                title=form.cleaned_data["title"],
                slug=form.cleaned_data["slug"],
                description=form.cleaned_data["description"],
                is_open=form.cleaned_data["is_open"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The board “%(title)s” is saved.") % {"title": form.cleaned_data["title"]})
            return redirect("discussions_staff:boards")
    return render(request, "discussions/staff/board_form.html", {"form": form, "board": board})
