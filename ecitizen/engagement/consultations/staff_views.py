"""The back office of consultations and surveys.

Agency admins create, edit (details, questions, documents), publish, close early and publish the
outcome; caseworkers and admins read results (live while open), tag free-text answers, export and
read passage comments. Every view fetches the consultation through
:func:`~ecitizen.core.policies.access`, so staff of another agency get 404.
"""

from __future__ import annotations

import dataclasses

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecitizen.catalogue import formbuilder
from ecitizen.catalogue.formdef import QUESTION_TYPES, PageForm, display_answer
from ecitizen.catalogue.forms import PageDetailsForm, QuestionForm, QuestionTypeForm, language_initial, question_type
from ecitizen.core.i18n import pick
from ecitizen.core.policies import access
from ecitizen.engagement.consultations import selectors, services
from ecitizen.engagement.consultations.forms import (
    ConsultationDetailsForm,
    DocumentForm,
    OutcomeForm,
    TagForm,
    TokenForm,
)
from ecitizen.engagement.consultations.models import Consultation, Response
from ecitizen.engagement.consultations.policies import staff_consultation_policy as policy
from ecitizen.engagement.consultations.svg import bar_chart

TEXTS_PER_PAGE = 50
ALLOWED_TYPES = [(k, v) for k, v in QUESTION_TYPES.items() if k not in services.NOT_ALLOWED_TYPES]


def _posted(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _get(request: HttpRequest, pk: int, action: str = "view") -> Consultation:
    if not policy.can(request.user, "view"):
        raise PermissionDenied
    return access(policy, request.user, action, pk=pk, narrow=lambda qs: qs.select_related("agency"))


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _district_names() -> list[str]:
    from ecitizen.exchange.selectors import districts

    return [d.name for d in districts()]


@login_required
@require_http_methods(["GET"])
def index(request: HttpRequest) -> HttpResponse:
    if not policy.can(request.user, "view"):
        raise PermissionDenied
    return render(
        request,
        "consultations/staff/index.html",
        {
            "consultations": selectors.staff_list(policy.scope(request.user, "view")),
            "can_create": policy.can(request.user, "create"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    if not policy.can(request.user, "create"):
        raise PermissionDenied
    agencies = policy.agencies(request.user, "create").order_by("name")
    form = ConsultationDetailsForm(
        _posted(request), districts=_district_names(), agencies=agencies, initial={"eligibility": "signed_in"}
    )
    if request.method == "POST" and form.is_valid():
        try:
            consultation = services.consultation_create(
                actor=request.user, agency=form.chosen_agency(), data=form.data_for_service()
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Saved as a draft. Now add its questions."))
            return redirect("consultations_staff:builder", consultation.pk)
    return render(request, "consultations/staff/details_form.html", {"form": form})


@login_required
@require_http_methods(["GET"])
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = _get(request, pk)
    return render(
        request,
        "consultations/staff/detail.html",
        {
            "consultation": consultation,
            "can_edit": policy.can_for(request.user, "edit", consultation),
            "responses": selectors.sent_responses(consultation).count(),
            "drafts": consultation.responses.filter(submitted_at__isnull=True).count(),
            "comments": consultation.passage_comments.count(),
            "closes_on": services.last_day(consultation),
            "problems": services.publish_problems(consultation) if consultation.status == "draft" else [],
            "link": reverse("consultations:link", args=[consultation.link_token]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = _get(request, pk, "edit")
    form = ConsultationDetailsForm(
        _posted(request), districts=_district_names(), initial=ConsultationDetailsForm.initial_from(consultation)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.consultation_update(actor=request.user, consultation=consultation, data=form.data_for_service())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Details saved."))
            return redirect("consultations_staff:detail", consultation.pk)
    return render(request, "consultations/staff/details_form.html", {"form": form, "consultation": consultation})


# --- questions -------------------------------------------------------------------------------


def _builder_url(consultation: Consultation, anchor: str = "") -> str:
    url = reverse("consultations_staff:builder", args=[consultation.pk])
    return f"{url}#{anchor}" if anchor else url


def _save_form(request: HttpRequest, consultation: Consultation, change) -> list[str]:
    """Apply *change* (stored form -> changed form) to the locked row: two admins editing at once
    each keep their change. Raises Http404 when what the change acts on is gone."""
    try:
        services.consultation_form_update(actor=request.user, consultation=consultation, change=change)
    except ValidationError as exc:
        return exc.message_dict.get("form", []) if hasattr(exc, "error_dict") else exc.messages
    except LookupError as exc:
        raise Http404 from exc
    return []


def _render_builder(request: HttpRequest, consultation: Consultation, problems=None) -> HttpResponse:
    definition = formbuilder.normalise(consultation.form)
    pages = [
        {
            "page": p,
            "title": pick(p.get("title")),
            "questions": [
                {"q": q, "label": pick(q.get("label")), "type": QUESTION_TYPES.get(q.get("type"), "")}
                for q in p["questions"]
            ],
        }
        for p in definition["pages"]
    ]
    locked = selectors.sent_responses(consultation).exists()
    return render(
        request,
        "consultations/staff/builder.html",
        {"consultation": consultation, "pages": pages, "problems": problems, "locked": locked},
    )


@login_required
@require_http_methods(["GET"])
def builder(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_builder(request, _get(request, pk, "edit"))


@login_required
@require_http_methods(["GET", "POST"])
def page_add(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = _get(request, pk, "edit")
    form = PageDetailsForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        title = form.title()
        page_id = formbuilder.make_id(
            title.get("en") or next(iter(title.values())), formbuilder.page_ids(consultation.form), "page"
        )
        problems = _save_form(
            request,
            consultation,
            lambda stored: formbuilder.page_add(
                stored, page_id=formbuilder.make_id(page_id, formbuilder.page_ids(stored), "page"), title=title
            ),
        )
        if not problems:
            return redirect(_builder_url(consultation, f"page-{page_id}"))
        form.add_error(None, problems)
    return render(request, "consultations/staff/page_form.html", {"form": form, "consultation": consultation})


@login_required
@require_http_methods(["GET", "POST"])
def page_edit(request: HttpRequest, pk: int, page_id: str) -> HttpResponse:
    """Rename a page: its title in each language, while the questions may still change."""
    consultation = _get(request, pk, "edit")
    try:
        page = formbuilder.find_page(formbuilder.normalise(consultation.form), page_id)
    except LookupError as exc:
        raise Http404 from exc
    if request.method == "GET" and selectors.sent_responses(consultation).exists():
        messages.info(request, _("People have responded: the questions can no longer change."))
        return redirect(_builder_url(consultation, f"page-{page_id}"))
    form = PageDetailsForm(_posted(request), initial=language_initial(page.get("title"), "title"))
    if request.method == "POST" and form.is_valid():
        try:
            services.consultation_page_rename(
                actor=request.user, consultation=consultation, page_id=page_id, title=form.title()
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except LookupError as exc:
            raise Http404 from exc
        else:
            messages.success(request, _("Page renamed."))
            return redirect(_builder_url(consultation, f"page-{page_id}"))
    return render(
        request, "consultations/staff/page_form.html", {"form": form, "consultation": consultation, "page": page}
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_add(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = _get(request, pk, "edit")
    definition = formbuilder.normalise(consultation.form)
    if not definition["pages"]:
        messages.info(request, _("Add a page first: every question belongs to a page."))
        return redirect("consultations_staff:page_add", consultation.pk)
    kind = question_type(request.GET.get("type"))
    if kind in services.NOT_ALLOWED_TYPES:
        kind = None
    if request.method == "GET" and kind is None:
        pages = [(p["id"], pick(p.get("title")) or p["id"]) for p in definition["pages"]]
        chosen = "type" in request.GET
        type_form = QuestionTypeForm(
            request.GET if chosen else None, pages=pages, initial={"page": request.GET.get("page")}
        )
        type_form.fields["type"].choices = ALLOWED_TYPES
        if chosen:
            type_form.is_valid()
        return render(
            request,
            "consultations/staff/question_type.html",
            {"form": type_form, "consultation": consultation},
            status=400 if chosen else 200,
        )
    initial = {"page": request.GET.get("page"), "required": True, "type": kind}
    form = QuestionForm(_posted(request), initial=initial, definition=definition)
    form.fields.pop("prefill", None)
    if request.method == "POST" and form.is_valid():
        question = form.question()
        if question.get("type") in services.NOT_ALLOWED_TYPES:
            raise Http404
        page_id = form.cleaned_data["page"]
        problems = _save_form(
            request,
            consultation,
            lambda stored: formbuilder.question_add(formbuilder.normalise(stored), page_id, question),
        )
        if not problems:
            return redirect(_builder_url(consultation, f"question-{question['id']}"))
        form.add_error(None, problems)
    return render(
        request,
        "consultations/staff/question_form.html",
        {"form": form, "consultation": consultation, "type_label": QUESTION_TYPES[form.kind]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, pk: int, question_id: str) -> HttpResponse:
    consultation = _get(request, pk, "edit")
    definition = formbuilder.normalise(consultation.form)
    try:
        page, _index, question = formbuilder.find_question(definition, question_id)
    except LookupError as exc:
        raise Http404 from exc
    form = QuestionForm(
        _posted(request),
        initial=QuestionForm.initial_from(question, page["id"]),
        definition=definition,
        editing=question_id,
    )
    form.fields.pop("prefill", None)
    if request.method == "POST" and form.is_valid():
        new_question = form.question()
        page_id = form.cleaned_data["page"]
        problems = _save_form(
            request,
            consultation,
            lambda stored: formbuilder.question_update(
                formbuilder.normalise(stored), question_id, new_question, page_id=page_id
            ),
        )
        if not problems:
            return redirect(_builder_url(consultation, f"question-{new_question['id']}"))
        form.add_error(None, problems)
    return render(
        request,
        "consultations/staff/question_form.html",
        {"form": form, "consultation": consultation, "question": question, "type_label": QUESTION_TYPES[form.kind]},
    )


@login_required
@require_POST
def question_remove(request: HttpRequest, pk: int, question_id: str) -> HttpResponse:
    consultation = _get(request, pk, "edit")
    if problems := _save_form(request, consultation, lambda stored: formbuilder.question_remove(stored, question_id)):
        return _render_builder(request, consultation, problems)
    messages.success(request, _("Question removed."))
    return redirect(_builder_url(consultation))


@login_required
@require_POST
def page_remove(request: HttpRequest, pk: int, page_id: str) -> HttpResponse:
    consultation = _get(request, pk, "edit")
    if problems := _save_form(request, consultation, lambda stored: formbuilder.page_remove(stored, page_id)):
        return _render_builder(request, consultation, problems)
    messages.success(request, _("Page removed."))
    return redirect(_builder_url(consultation))


@login_required
@require_POST
def question_move(request: HttpRequest, pk: int, question_id: str) -> HttpResponse:
    consultation = _get(request, pk, "edit")
    direction = request.POST.get("direction", "")
    if problems := _save_form(
        request, consultation, lambda stored: formbuilder.question_move(stored, question_id, direction)
    ):
        return _render_builder(request, consultation, problems)
    return redirect(_builder_url(consultation, f"question-{question_id}"))


# --- documents, publishing, closing --------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def documents(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = _get(request, pk, "edit")
    form = DocumentForm(_posted(request), request.FILES if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consultation_document_add(
                actor=request.user,
                consultation=consultation,
                title=form.cleaned_data["title"],
                upload=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Document added."))
            return redirect("consultations_staff:documents", consultation.pk)
    return render(
        request,
        "consultations/staff/documents.html",
        {"form": form, "consultation": consultation, "documents": consultation.documents.all()},
    )


@login_required
@require_POST
def document_remove(request: HttpRequest, pk: int, document_id: int) -> HttpResponse:
    consultation = _get(request, pk, "edit")
    document = consultation.documents.filter(pk=document_id).first()
    if document is None:
        raise Http404
    services.consultation_document_remove(actor=request.user, document=document)
    messages.success(request, _("Document removed."))
    return redirect("consultations_staff:documents", consultation.pk)


def _confirm(request: HttpRequest, pk: int, action: str, template: str, do, done: str) -> HttpResponse:
    consultation = _get(request, pk, action)
    form = TokenForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            do(actor=request.user, consultation=consultation)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, done)
            return redirect("consultations_staff:detail", consultation.pk)
    return render(
        request,
        template,
        {
            "form": form,
            "consultation": consultation,
            "problems": services.publish_problems(consultation) if action == "publish" else [],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _confirm(
        request, pk, "publish", "consultations/staff/publish.html", services.consultation_publish, _("Published.")
    )


@login_required
@require_http_methods(["GET", "POST"])
def close(request: HttpRequest, pk: int) -> HttpResponse:
    return _confirm(
        request,
        pk,
        "close",
        "consultations/staff/close.html",
        services.consultation_close_early,
        _("Closed: no more responses are taken."),
    )


# --- results ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def results(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = _get(request, pk)
    tag = (request.GET.get("tag") or "").strip().lower()[:40]
    rows = selectors.results(consultation, with_texts=True, tag=tag, language=get_language())
    charts = {r.id: bar_chart(r) for r in rows if r.is_choice}
    # free-text answers: one page of each question's answers at a time
    longest = max([len(r.texts) for r in rows] or [0])
    page = Paginator(range(longest), TEXTS_PER_PAGE).get_page(request.GET.get("page"))
    for r in rows:
        r.texts = r.texts[page.start_index() - 1 : page.end_index()] if longest else []
    published = Paginator(selectors.publishable_responses(consultation), TEXTS_PER_PAGE).get_page(
        request.GET.get("published")
    )
    return render(
        request,
        "consultations/staff/results.html",
        {
            "consultation": consultation,
            "results": [{"r": r, "chart": charts.get(r.id)} for r in rows],
            "total": selectors.sent_responses(consultation).count(),
            "tags": selectors.all_tags(consultation),
            "tag": tag,
            "tag_form": TagForm(auto_id=False),
            "page": page,
            "query": urlencode({"tag": tag}) if tag else "",
            # exactly what the public results page shows of the responses people let us publish
            "published": selectors.published_responses(consultation, get_language(), responses=published.object_list),
            "published_page": published,
        },
    )


@login_required
@require_POST
def tag(request: HttpRequest, pk: int, response_id: int, question_id: str) -> HttpResponse:
    consultation = _get(request, pk, "tag")
    response = Response.objects.filter(consultation=consultation, pk=response_id).first()
    if response is None:
        raise Http404
    form = TagForm(request.POST)
    url = reverse("consultations_staff:results", args=[consultation.pk]) + f"#answer-{response.pk}-{question_id}"
    if not form.is_valid():
        messages.error(request, _("Enter a tag of 40 characters or fewer."))
        return redirect(url)
    try:
        services.answer_tag(
            actor=request.user,
            response=response,
            question_id=question_id,
            tag=form.cleaned_data["tag"],
            remove=bool(request.POST.get("remove")),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(url)


@login_required
@require_http_methods(["GET"])
def export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in {"csv", "json"}:
        raise Http404
    consultation = _get(request, pk, "export")
    text = services.results_export(actor=request.user, consultation=consultation, fmt=fmt)
    content_type = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    response = HttpResponse(text, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{consultation.slug}-responses.{fmt}"'
    return response


@login_required
@require_http_methods(["GET"])
def comments(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = _get(request, pk)
    language = get_language()
    return render(
        request,
        "consultations/staff/comments.html",
        {
            "consultation": consultation,
            # each passage in the reader's language (the same passage as in every other language)
            "passages": selectors.passage_comments_for_staff(consultation, language),
            "passages_language": selectors.passages_with_language(consultation, language)[1],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def outcome(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = _get(request, pk, "outcome")
    form = OutcomeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.outcome_publish(actor=request.user, consultation=consultation, outcome=form.outcome())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Outcome published. Everyone who responded is being told."))
            return redirect("consultations_staff:detail", consultation.pk)
    return render(request, "consultations/staff/outcome.html", {"form": form, "consultation": consultation})


# --- preview ---------------------------------------------------------------------------------
# What respondents will see, for the agency's staff, before it opens too. The preview pages only
# read: they are GET only, the question pages have no form to send, and nothing is saved.


def _preview_context(consultation: Consultation) -> dict:
    return {
        "preview": True,
        "consultation": consultation,
        "closes_on": services.last_day(consultation),
        "is_open": consultation.is_open(),
        "is_closed": consultation.is_closed(),
        "discussions_ready": False,  # a preview offers no discussion to post in
    }


@login_required
@require_http_methods(["GET"])
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The consultation's public page, as people will see it."""
    consultation = _get(request, pk)
    definition, problems = selectors.preview_definition(consultation)
    return render(
        request,
        "consultations/detail.html",
        {
            **_preview_context(consultation),
            "documents": consultation.documents.all(),
            "response": None,
            "problem": None,
            "has_questions": definition is not None,
            "first_page": definition.pages[0] if definition else None,
            "preview_problems": problems,
            "passage_total": selectors.passage_count(consultation),
            "outcome": services.outcome_text(consultation),
        },
    )


@login_required
@require_http_methods(["GET"])
def preview_document(request: HttpRequest, pk: int, document_id: int) -> FileResponse:
    consultation = _get(request, pk)
    document = consultation.documents.filter(pk=document_id).first()
    if document is None:
        raise Http404
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, content_type="application/pdf", filename=f"{consultation.slug}-{document.pk}.pdf")


@login_required
@require_http_methods(["GET"])
def preview_text(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft text, passage by passage, with the comments published so far."""
    consultation = _get(request, pk)
    language = get_language()
    texts, passages_language = selectors.passages_with_language(consultation, language)
    if not texts:
        raise Http404
    comments = selectors.public_passage_comments(consultation)
    rows = [{"number": n, "text": body, "comments": comments.get(n, [])} for n, body in enumerate(texts, start=1)]
    return render(
        request,
        "consultations/text.html",
        {**_preview_context(consultation), "passages": rows, "passages_language": passages_language},
    )


def _condition_notes(definition, questions, language: str) -> list[dict]:
    """For each question asked only on a condition: which answer to which question shows it."""
    by_id = {q.id: q for q in definition.questions}
    notes = []
    for q in questions:
        parent = by_id.get((q.condition or {}).get("question"))
        if parent is None:
            continue
        value = q.condition.get("equals")
        answer = display_answer(parent, [value] if parent.type == "multi_choice" else value, language)
        notes.append({"question": pick(q.label, language), "parent": pick(parent.label, language), "answer": answer})
    return notes


@login_required
@require_http_methods(["GET"])
def preview_page(request: HttpRequest, pk: int, page_id: str) -> HttpResponse:
    """One page of questions as respondents see it, every question shown (those asked only on a
    condition say so), with links to the pages before and after instead of a form to send."""
    consultation = _get(request, pk)
    definition, _problems = selectors.preview_definition(consultation)
    this = definition.page(page_id) if definition else None
    if this is None:
        raise Http404
    language = get_language()
    unconditional = tuple(dataclasses.replace(q, condition=None) for q in this.questions)
    shown = dataclasses.replace(this, questions=unconditional, form_questions=())
    ids = [p.id for p in definition.pages]
    index = ids.index(this.id)
    return render(
        request,
        "consultations/staff/preview_page.html",
        {
            **_preview_context(consultation),
            "form": PageForm(None, page=shown, answers={}, language=language),
            "page_title": this.title,
            "step": index + 1,
            "steps": len(ids),
            "previous": definition.pages[index - 1] if index > 0 else None,
            "next": definition.pages[index + 1] if index + 1 < len(ids) else None,
            "conditions": _condition_notes(definition, this.questions, language),
        },
    )
