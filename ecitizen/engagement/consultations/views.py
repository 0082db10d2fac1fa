"""Public pages: the list, a consultation, responding page by page, passage comments, results.

A survey that is not listed is reached through its link (``link/<token>/``), which remembers it in
the session; without it the survey answers 404. A person without an account responds to a
consultation open to anyone by confirming their email address: the link in the email puts the
address in the session (one response per address).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ecitizen.catalogue.formdef import PageForm
from ecitizen.core.ratelimits import rate_limited
from ecitizen.engagement.consultations import conf, selectors, services
from ecitizen.engagement.consultations.forms import EmailForm, PassageCommentForm, PublicationForm
from ecitizen.engagement.consultations.models import Consultation, Eligibility
from ecitizen.engagement.consultations.policies import eligibility_problem, may_publish_named
from ecitizen.engagement.consultations.svg import bar_chart

_LINKS = "consultations_links"
PUBLISHED_PER_PAGE = 20
_EMAILS = "consultations_emails"


def _consultation(request: HttpRequest, slug: str) -> Consultation:
    consultation = selectors.public_consultation(slug)
    if consultation is None:
        raise Http404
    if not consultation.listed and consultation.pk not in request.session.get(_LINKS, []):
        # an unlisted survey is also open to whoever has responded to it (the dashboard links here)
        if not (request.user.is_authenticated and selectors.response_for(consultation, user=request.user)):
            raise Http404
    return consultation


def _email(request: HttpRequest, consultation: Consultation) -> str:
    if request.user.is_authenticated:
        return ""
    return request.session.get(_EMAILS, {}).get(str(consultation.pk), "")


def _response(request: HttpRequest, consultation: Consultation):
    return selectors.response_for(consultation, user=request.user, email=_email(request, consultation))


def discussions_ready() -> bool:
    """Whether the discussions' template tags exist yet (they are another app's, added separately)."""
    from django.template import engines

    return "discussions" in engines["django"].engine.template_libraries


def _base_context(request: HttpRequest, consultation: Consultation) -> dict:
    return {
        "discussions_ready": discussions_ready(),
        "consultation": consultation,
        "closes_on": services.last_day(consultation),
        "is_open": consultation.is_open(),
        "is_closed": consultation.is_closed(),
    }


@require_http_methods(["GET"])
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "consultations/index.html",
        {
            "open": selectors.open_consultations(),
            "upcoming": selectors.upcoming_consultations(),
            "closed": selectors.closed_consultations()[:50],
        },
    )


@require_http_methods(["GET"])
def link(request: HttpRequest, token: str) -> HttpResponse:
    consultation = selectors.consultation_by_link(token)
    if consultation is None:
        raise Http404
    links = request.session.get(_LINKS, [])
    if consultation.pk not in links:
        request.session[_LINKS] = [*links, consultation.pk]
    return redirect("consultations:detail", consultation.slug)


@require_http_methods(["GET"])
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = _consultation(request, slug)
    response = _response(request, consultation)
    problem = None
    if consultation.is_open() and (request.user.is_authenticated or consultation.eligibility != Eligibility.ANYONE):
        problem = eligibility_problem(consultation, request.user, email_confirmed=bool(_email(request, consultation)))
    return render(
        request,
        "consultations/detail.html",
        {
            **_base_context(request, consultation),
            "documents": consultation.documents.all(),
            "response": response,
            "problem": problem,
            "has_questions": selectors.definition_for(consultation) is not None,
            "passage_total": selectors.passage_count(consultation),
            "outcome": services.outcome_text(consultation),
        },
    )


@require_http_methods(["GET"])
def document(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    consultation = _consultation(request, slug)
    doc = consultation.documents.filter(pk=pk).first()
    if doc is None:
        raise Http404
    try:
        handle = doc.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, content_type="application/pdf", filename=f"{consultation.slug}-{doc.pk}.pdf")


def _next_url(consultation: Consultation, response) -> str:
    definition = selectors.definition_for(consultation)
    working = (response.draft or response.answers) if response else {}
    page = definition.first_unanswered_page(working) if definition else None
    if page is not None:
        return reverse("consultations:page", args=[consultation.slug, page.id])
    return reverse("consultations:check", args=[consultation.slug])


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, slug: str) -> HttpResponse:
    """Where "Respond" leads: sign in, confirm an email address, or the next page to answer."""
    consultation = _consultation(request, slug)
    if not consultation.is_open() or selectors.definition_for(consultation) is None:
        return redirect("consultations:detail", consultation.slug)
    email = _email(request, consultation)
    if not request.user.is_authenticated and not email:
        if consultation.eligibility != Eligibility.ANYONE or consultation.min_age:
            return redirect_to_login(request.get_full_path())
        form = EmailForm(request.POST if request.method == "POST" else None)
        account_exists = False
        if request.method == "POST" and form.is_valid():
            if limited := rate_limited(request, "consultations.email_link", conf.email_link_rate()):
                return limited
            try:
                services.respondent_email_link_send(consultation=consultation, email=form.cleaned_data["email"])
            except ValidationError as exc:
                form.add_error("email", exc.message_dict.get("email", exc.messages))
                account_exists = str(services.ACCOUNT_EXISTS) in exc.message_dict.get("email", [])
            else:
                return render(
                    request,
                    "consultations/email_sent.html",
                    {**_base_context(request, consultation), "email": form.cleaned_data["email"]},
                )
        return render(
            request,
            "consultations/start.html",
            {**_base_context(request, consultation), "form": form, "account_exists": account_exists},
        )
    problem = eligibility_problem(consultation, request.user, email_confirmed=bool(email))
    if problem:
        return render(
            request,
            "consultations/not_eligible.html",
            {**_base_context(request, consultation), "problem": problem},
            status=403,
        )
    return redirect(_next_url(consultation, _response(request, consultation)))


@require_http_methods(["GET"])
def email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        response = services.response_start_by_email(token=token)
    except ValidationError as exc:
        return render(
            request,
            "consultations/link_problem.html",
            {"problem": exc.messages[0], "sign_in": exc.messages[0] == str(services.ACCOUNT_EXISTS)},
            status=400,
        )
    consultation = response.consultation
    emails = dict(request.session.get(_EMAILS, {}))
    emails[str(consultation.pk)] = response.email
    request.session[_EMAILS] = emails
    links = request.session.get(_LINKS, [])
    if consultation.pk not in links:
        request.session[_LINKS] = [*links, consultation.pk]
    return redirect(_next_url(consultation, response))


def _respondent_or_start(request: HttpRequest, consultation: Consultation):
    """None if the person may answer now; else where to send them."""
    if not consultation.is_open():
        messages.info(request, _("This consultation is closed."))
        return redirect("consultations:detail", consultation.slug)
    email = _email(request, consultation)
    if not request.user.is_authenticated and not email:
        return redirect("consultations:start", consultation.slug)
    if eligibility_problem(consultation, request.user, email_confirmed=bool(email)):
        return redirect("consultations:start", consultation.slug)
    return None


@require_http_methods(["GET", "POST"])
def page(request: HttpRequest, slug: str, page_id: str) -> HttpResponse:
    consultation = _consultation(request, slug)
    if (elsewhere := _respondent_or_start(request, consultation)) is not None:
        return elsewhere
    definition = selectors.definition_for(consultation)
    this = definition.page(page_id) if definition else None
    if this is None:
        raise Http404
    response = _response(request, consultation)
    working = dict((response.draft or response.answers) if response else {})
    if not this.visible_questions(working):
        return redirect(_next_url(consultation, response))
    language = get_language()
    form = PageForm(request.POST if request.method == "POST" else None, page=this, answers=working, language=language)
    if request.method == "POST" and form.is_valid():
        try:
            response = services.response_save_page(
                actor=request.user,
                consultation=consultation,
                page_id=this.id,
                answers=form.answers(),
                email=_email(request, consultation),
            )
        except (ValidationError, PermissionDenied):
            return redirect("consultations:start", consultation.slug)
        if request.POST.get("save_and_exit"):
            messages.success(
                request, _("Your answers are saved. Come back before the consultation closes to send them.")
            )
            return redirect("consultations:detail", consultation.slug)
        answers = response.draft
        if request.GET.get("change"):
            nxt = definition.first_unanswered_page(answers)
        else:
            nxt = definition.next_page(this.id, answers)
            nxt = nxt if nxt is not None else definition.first_unanswered_page(answers)
        if nxt is None:
            return redirect("consultations:check", consultation.slug)
        return redirect("consultations:page", consultation.slug, nxt.id)
    step, steps = definition.step_of(this, working)
    previous = definition.previous_page(this.id, working)
    return render(
        request,
        "consultations/page.html",
        {
            **_base_context(request, consultation),
            "form": form,
            "page_title": this.title,
            "step": step,
            "steps": steps,
            "previous": previous,
        },
    )


@require_http_methods(["GET", "POST"])
def check(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = _consultation(request, slug)
    if (elsewhere := _respondent_or_start(request, consultation)) is not None:
        return elsewhere
    definition = selectors.definition_for(consultation)
    if definition is None:
        raise Http404
    response = _response(request, consultation)
    working = dict((response.draft or response.answers) if response else {})
    initial = {"publication": response.publication} if response and response.is_sent else None
    form = PublicationForm(
        request.POST if request.method == "POST" else None, initial=initial, named=may_publish_named(request.user)
    )
    missing = definition.missing(working)
    if request.method == "POST" and form.is_valid() and not missing:
        try:
            services.response_submit(
                actor=request.user,
                consultation=consultation,
                publication=form.cleaned_data["publication"],
                email=_email(request, consultation),
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        except PermissionDenied:
            return redirect("consultations:start", consultation.slug)
        else:
            return redirect("consultations:sent", consultation.slug)
    if request.method == "POST" and missing and not form.errors:
        form.add_error(None, _("Some questions still need an answer."))
    return render(
        request,
        "consultations/check.html",
        {
            **_base_context(request, consultation),
            "rows": definition.summary(working, get_language()),
            "missing": missing,
            "form": form,
            "response": response,
        },
    )


@require_http_methods(["GET"])
def sent(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = _consultation(request, slug)
    response = _response(request, consultation)
    if response is None or not response.is_sent:
        return redirect("consultations:detail", consultation.slug)
    return render(request, "consultations/sent.html", {**_base_context(request, consultation), "response": response})


@require_http_methods(["GET"])
def text(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = _consultation(request, slug)
    comments = selectors.public_passage_comments(consultation)
    texts, passages_language = selectors.passages_with_language(consultation, get_language())
    rows = [{"number": n, "text": body, "comments": comments.get(n, [])} for n, body in enumerate(texts, start=1)]
    if not rows:
        raise Http404
    return render(
        request,
        "consultations/text.html",
        {**_base_context(request, consultation), "passages": rows, "passages_language": passages_language},
    )


@require_http_methods(["GET", "POST"])
def comment(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    consultation = _consultation(request, slug)
    all_passages, passages_language = selectors.passages_with_language(consultation, get_language())
    if not 1 <= number <= len(all_passages):
        raise Http404
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not consultation.is_open():
        messages.info(request, _("This consultation is closed."))
        return redirect(reverse("consultations:text", args=[consultation.slug]) + f"#passage-{number}")
    problem = eligibility_problem(consultation, request.user)
    if problem:
        return render(
            request,
            "consultations/not_eligible.html",
            {**_base_context(request, consultation), "problem": problem},
            status=403,
        )
    form = PassageCommentForm(request.POST if request.method == "POST" else None, named=may_publish_named(request.user))
    if request.method == "POST" and form.is_valid():
        if limited := rate_limited(request, "consultations.comment", conf.comment_rate(), key=str(request.user.pk)):
            return limited
        try:
            services.passage_comment_add(
                actor=request.user,
                consultation=consultation,
                passage=number,
                text=form.cleaned_data["text"],
                publication=form.cleaned_data["publication"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Thank you: your comment is saved."))
            return redirect(reverse("consultations:text", args=[consultation.slug]) + f"#passage-{number}")
    return render(
        request,
        "consultations/comment.html",
        {
            **_base_context(request, consultation),
            "form": form,
            "number": number,
            "passage": all_passages[number - 1],
            "passages_language": passages_language,
        },
    )


@require_http_methods(["GET"])
def results(request: HttpRequest, slug: str) -> HttpResponse:
    """Aggregate counts and the responses their authors let us publish, once the outcome is out."""
    consultation = _consultation(request, slug)
    if not consultation.outcome_published_at:
        raise Http404
    language = get_language()
    show_counts = selectors.results_public(consultation)
    paginator = Paginator(selectors.publishable_responses(consultation), PUBLISHED_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "consultations/results.html",
        {
            **_base_context(request, consultation),
            "charts": [
                {"r": r, "chart": bar_chart(r)}
                for r in (selectors.results(consultation, language=language) if show_counts else [])
                if r.is_choice
            ],
            "show_counts": show_counts,
            "min_responses": conf.results_min_responses(),
            "total": selectors.sent_responses(consultation).count(),
            "published": selectors.published_responses(consultation, language, responses=page.object_list),
            "page": page,
            "outcome": services.outcome_text(consultation, language),
        },
    )
