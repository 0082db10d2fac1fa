"""Discussions: the public pages. Thin: parse, check, call one service, answer."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecitizen.agencies.middleware import session_used_mfa
from ecitizen.core.numbers import parse_id
from ecitizen.core.ratelimits import rate_limited, seconds_until_allowed
from ecitizen.core.site_paths import is_site_path
from ecitizen.engagement.discussions import conf, forms, policies, selectors, services, subjects
from ecitizen.engagement.discussions.models import Comment, CommentState


def form_errors(form: Any, exc: ValidationError) -> None:
    """Put a service's errors on the form's fields (or on the form when it has no such field)."""
    for name, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if is_site_path(target) else fallback


def _second_factor_used(request: HttpRequest) -> bool:
    """Speaking for an agency is a back-office act: it needs a session opened with MFA."""
    return session_used_mfa(request)


def _subject_or_404(kind: str, key: str) -> subjects.Subject:
    subject = subjects.resolve(kind, key)
    if subject is None:
        raise Http404
    return subject


def _public_comment(pk: int) -> Comment:
    """A comment on a subject the public can see (404 otherwise)."""
    return _public_comment_and_subject(pk)[0]


def _public_comment_and_subject(pk: int) -> tuple[Comment, subjects.Subject]:
    comment = get_object_or_404(Comment.objects.select_related("thread", "thread__agency", "official_agency"), pk=pk)
    subj = subjects.resolve(comment.thread.kind, comment.thread.key)
    if subj is None:
        raise Http404
    return comment, subj


# --- boards --------------------------------------------------------------------------------


def boards(request: HttpRequest) -> HttpResponse:
    return render(request, "discussions/boards.html", {"boards": selectors.boards_public()})


def board(request: HttpRequest, slug: str) -> HttpResponse:
    board = selectors.board_by_slug(slug)
    if board is None:
        raise Http404
    show = request.GET.get("show", "all")
    if show not in selectors.TOPIC_FILTERS:
        show = "all"
    page = Paginator(selectors.board_topics(board, show), conf.page_size()).get_page(request.GET.get("page"))
    filters = [
        ("all", _("All topics")),
        ("questions", _("Questions")),
        ("unanswered", _("Questions waiting for an answer")),
        ("answered", _("Answered questions")),
    ]
    return render(
        request,
        "discussions/board.html",
        {
            "board": board,
            "page": page,
            "show": show,
            "filters": filters,
            "query": f"show={show}" if show != "all" else "",
            "can_take_part": policies.can_take_part(request.user),
        },
    )


@login_required
def topic_new(request: HttpRequest, slug: str) -> HttpResponse:
    board = selectors.board_by_slug(slug)
    if board is None:
        raise Http404
    if not policies.can_take_part(request.user):
        return render(request, "discussions/confirm_email.html", status=403)
    form = forms.TopicForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if limited := rate_limited(request, "discussions.post", conf.post_rate()):
            return limited
        try:
            thread = services.topic_start(
                actor=request.user,
                board=board,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                is_question=form.cleaned_data["is_question"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Your topic has been posted. We will tell you about replies."))
            return redirect("discussions:subject", "topic", thread.key)
    return render(request, "discussions/topic_new.html", {"board": board, "form": form})


# --- a subject's discussion ----------------------------------------------------------------


def subject(request: HttpRequest, kind: str, key: str) -> HttpResponse:
    """The discussion of any registered subject; posting a comment or a reply (POST)."""
    subj = _subject_or_404(kind, key)
    if kind == "board":
        return redirect("discussions:board", key)
    thread = selectors.thread_for(kind, key)
    user = request.user
    can_take_part = policies.can_take_part(user)
    can_official = thread is not None and policies.can_answer_officially(user, thread)
    if thread is None and subj.agency_id is not None and getattr(user, "is_authenticated", False):
        can_official = policies.official_agencies(user).filter(pk=subj.agency_id).exists()
    agency = None
    if can_official and _second_factor_used(request):
        # the subject's agency answers (a thread follows its subject to another agency on the next post)
        agency = policies.official_agencies(user).filter(pk=subj.agency_id).first()
    can_official = agency is not None
    agency_name = agency.name if agency is not None else ""
    reply_to = None
    reply_pk = request.POST.get("parent") or request.GET.get("reply")
    reply_id = parse_id(reply_pk)
    if thread is not None and reply_id is not None:
        reply_to = thread.comments.filter(pk=reply_id, state=CommentState.VISIBLE).first()
    form = forms.CommentForm(
        request.POST if request.method == "POST" else None,
        initial={"parent": reply_to.pk if reply_to else None},
        can_answer_officially=can_official,
        agency_name=agency_name,
    )
    if request.method == "POST":
        if not getattr(user, "is_authenticated", False):
            return redirect(f"{reverse('account_login')}?next={request.path}")
        if not can_take_part:
            return render(request, "discussions/confirm_email.html", status=403)
        if request.POST.get("parent") and reply_to is None:
            form.add_error("body", _("You can only reply to a shown comment in this discussion"))
        if form.is_valid():
            if limited := rate_limited(request, "discussions.post", conf.post_rate()):
                return limited
            try:
                comment = services.comment_post(
                    actor=user,
                    kind=kind,
                    key=key,
                    body=form.cleaned_data["body"],
                    parent=reply_to,
                    as_official=can_official and bool(form.cleaned_data.get("as_official")),
                )
            except ValidationError as exc:
                form_errors(form, exc)
            except PermissionDenied:
                form.add_error(None, _("You cannot post an official answer here"))
            else:
                messages.success(request, _("Your comment has been posted."))
                return redirect(services.comment_url(comment))
    first, page = selectors.discussion_page(thread, parse_id(request.GET.get("page")), conf.comments_page_size())
    moderator = (
        thread is not None
        and thread.agency_id
        and policies.moderated_agencies(user).filter(pk=thread.agency_id).exists()
    )
    # a topic's title goes with its opening post: when that is hidden or removed, only its author
    # and the moderators read the title (and are told that others do not)
    title, title_seen_by_few = subj.title, False
    if thread is not None and not thread.title_is_shown and policies.can_read_hidden_title(user, thread):
        title, title_seen_by_few = thread.title, True
    return render(
        request,
        "discussions/subject.html",
        {
            "subject": subj,
            "title": title,
            "title_seen_by_few": title_seen_by_few,
            "kind": kind,
            "key": key,
            "thread": thread,
            "first": first,
            "tree": page.object_list,
            "page": page,
            "form": form,
            "reply_to": reply_to,
            "can_take_part": can_take_part,
            "can_official": can_official,
            "is_moderator": moderator,
            "flagged": selectors.flagged_by(user, thread, among=[first, *page.object_list]),
            "max_depth": conf.max_depth(),
        },
        status=400 if request.method == "POST" else 200,
    )


def _follow_limited(request: HttpRequest, subj: subjects.Subject) -> HttpResponse | None:
    """A 429 page if this person has followed and unfollowed too often (each one a write and an
    audit row), else None."""
    wait = seconds_until_allowed(request, "discussions.follow", conf.follow_rate())
    if not wait:
        return None
    context = {"retry_minutes": max(1, math.ceil(wait / 60)), "subject": subj, "back": _safe_next(request, subj.url)}
    response = render(request, "discussions/follow_limited.html", context, status=429)
    response["Retry-After"] = str(wait)
    return response


@require_POST
@login_required
def follow(request: HttpRequest, kind: str, key: str) -> HttpResponse:
    subj = _subject_or_404(kind, key)
    if not policies.can_take_part(request.user):
        return render(request, "discussions/confirm_email.html", status=403)
    if limited := _follow_limited(request, subj):
        return limited
    services.follow_start(actor=request.user, kind=kind, key=key)
    messages.success(request, _("You now follow “%(title)s”.") % {"title": subj.title})
    return redirect(_safe_next(request, subj.url))


@require_POST
@login_required
def unfollow(request: HttpRequest, kind: str, key: str) -> HttpResponse:
    subj = _subject_or_404(kind, key)
    if limited := _follow_limited(request, subj):
        return limited
    services.follow_stop(actor=request.user, kind=kind, key=key)
    messages.success(request, _("You no longer follow “%(title)s”.") % {"title": subj.title})
    return redirect(_safe_next(request, subj.url))


@login_required
def follows(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "discussions/follows.html",
        {"follows": selectors.follows_for(request.user), "participant": selectors.participant_for(request.user)},
    )


@login_required
def participant_settings(request: HttpRequest) -> HttpResponse:
    participant = selectors.participant_for(request.user)
    initial = {
        "display_name": participant.display_name if participant else "",
        "daily_digest": "1" if participant and participant.daily_digest else "0",
    }
    form = forms.ParticipantForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.participant_save(
                actor=request.user,
                display_name=form.cleaned_data["display_name"],
                daily_digest=form.cleaned_data["daily_digest"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Your discussion settings have been saved."))
            return redirect("discussions:follows")
    return render(
        request,
        "discussions/settings.html",
        {"form": form, "default_name": services.default_display_name(request.user)},
    )


# --- one comment ---------------------------------------------------------------------------


def _back(comment: Comment) -> str:
    return services.comment_url(comment)


@login_required
def comment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    comment, subj = _public_comment_and_subject(pk)
    if comment.author_id != request.user.pk or comment.state != CommentState.VISIBLE:
        raise Http404
    if not subj.is_open and request.method != "POST":
        # the service refuses the change; say so now rather than after the person has typed it
        context = {"comment": comment, "closed": True, "back": _back(comment)}
        return render(request, "discussions/comment_edit.html", context)
    form = forms.EditForm(request.POST if request.method == "POST" else None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        # each edit keeps a revision: without a limit one person could pile up versions without end
        if limited := rate_limited(request, "discussions.edit", conf.post_rate()):
            return limited
        try:
            services.comment_edit(actor=request.user, comment=comment, body=form.cleaned_data["body"])
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Your comment has been changed."))
            return redirect(_back(comment))
    return render(request, "discussions/comment_edit.html", {"comment": comment, "form": form, "back": _back(comment)})


@login_required
def comment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _public_comment(pk)
    if comment.author_id != request.user.pk:
        raise Http404
    if request.method == "POST":
        services.comment_delete(actor=request.user, comment=comment)
        messages.success(request, _("Your comment has been removed."))
        return redirect(_back(comment))
    if comment.state == CommentState.DELETED:
        return redirect(_back(comment))
    return render(request, "discussions/comment_delete.html", {"comment": comment, "back": _back(comment)})


@login_required
def comment_flag(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _public_comment(pk)
    # only a shown comment: the page quotes it, and a hidden one's text is for its moderators
    if comment.state != CommentState.VISIBLE or comment.author_id == request.user.pk:
        raise Http404
    if not policies.can_take_part(request.user):
        return render(request, "discussions/confirm_email.html", status=403)
    form = forms.FlagForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if limited := rate_limited(request, "discussions.flag", conf.flag_rate()):
            return limited
        try:
            services.comment_flag(
                actor=request.user,
                comment=comment,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Thank you. Moderators will review this comment."))
            return redirect(_back(comment))
    return render(request, "discussions/comment_flag.html", {"comment": comment, "form": form, "back": _back(comment)})


def comment_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Earlier versions of a comment: for its author and the moderators of its agency only."""
    comment = _public_comment(pk)
    user = request.user
    is_author = comment.author_id == getattr(user, "pk", None)
    if not (is_author or policies.can_moderate(user, comment)):
        raise Http404
    return render(
        request,
        "discussions/comment_history.html",
        {"comment": comment, "revisions": comment.revisions.all(), "back": _back(comment)},
    )


@require_POST
@login_required
def comment_answer(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _public_comment(pk)
    if not policies.can_answer_officially(request.user, comment.thread):
        raise Http404
    if not _second_factor_used(request):
        return redirect(f"{reverse('mfa_reauthenticate')}?{urlencode({'next': _back(comment)})}")
    try:
        services.comment_mark_answer(actor=request.user, comment=comment)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied:
        messages.error(request, _("Only an official reply of the agency can be the answer."))
    else:
        messages.success(request, _("The question is marked as answered."))
    return redirect(_back(comment))


def moderation_log(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.moderation_log(), 50).get_page(request.GET.get("page"))
    return render(request, "discussions/moderation_log.html", {"page": page})
