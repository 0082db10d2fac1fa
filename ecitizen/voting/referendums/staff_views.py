"""Referendums' back office, under /staff/referendums/ (MFA enforced by middleware): the list,
creating and changing a referendum and its questions, the referendum's page (stage, what is next,
who must act), the trustee's page (download what the trustee tool needs, upload what it wrote),
the sign-offs of the setup and of the result, the counter (hand out a paper ballot), typing in
ballot papers, and the result with its publication.

Referendums are fetched through the policy (404 outside the user's agencies, 403 for a missing
role); every change is a POST to an audited service; a service's ``ValidationError`` goes onto the
form, at the field concerned.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecitizen.accounts.models import IdentityLevel
from ecitizen.core.policies import access
from ecitizen.voting.budgeting.idea_views import add_errors
from ecitizen.voting.referendums import (
    counter_services,
    result_services,
    setup_services,
    staff_selectors,
    trustee_services,
)
from ecitizen.voting.referendums.models import (
    PaperSheet,
    Question,
    Referendum,
    SignOffStage,
    Stage,
    Trustee,
)
from ecitizen.voting.referendums.policies import (
    MANAGE_ROLES,
    referendum_policy,
    staff_agencies,
    trustee_policy,
)
from ecitizen.voting.referendums.staff_forms import (
    CounterForm,
    PublishForm,
    QuestionForm,
    ReferendumForm,
    SheetForm,
    SignOffForm,
    UploadForm,
)

TRUSTEE_STEPS = ("register", "deal", "confirm", "decrypt")


def _staff_only(request: HttpRequest) -> None:
    if not referendum_policy.can(request.user, "staff"):
        raise Http404


def _referendum(request: HttpRequest, pk: int, action: str = "staff") -> Referendum:
    _staff_only(request)
    return access(referendum_policy, request.user, action, view_action="staff", pk=pk)


def _identity_label(referendum: Referendum) -> str:
    try:
        return str(IdentityLevel(referendum.identity_level).label)
    except ValueError:
        return referendum.identity_level


def _may(request: HttpRequest, action: str, referendum: Referendum) -> bool:
    return referendum_policy.can_for(request.user, action, referendum)


# --- list, create, change ----------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    return render(
        request,
        "referendums/staff/index.html",
        {
            "referendums": staff_selectors.staff_referendums(request.user),
            "may_create": referendum_policy.can(request.user, "create"),
        },
    )


def _form(request: HttpRequest, agency, referendum: Referendum | None = None) -> ReferendumForm:
    return ReferendumForm(
        request.POST or None,
        areas=staff_selectors.agency_areas(agency),
        officers=staff_selectors.officers(agency),
        staff=staff_selectors.agency_people(agency),
        referendum=referendum,
    )


@login_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    agencies = list(staff_agencies(request.user, *MANAGE_ROLES).order_by("name"))
    if not agencies:
        raise Http404
    agency = agencies[0]
    chosen = request.GET.get("agency") or request.POST.get("agency")
    agency = next((a for a in agencies if str(a.pk) == chosen), agency)
    form = _form(request, agency)
    if request.method == "POST" and form.is_valid():
        try:
            created = setup_services.referendum_create(actor=request.user, agency=agency, data=form.referendum_data())
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The referendum is saved as a draft. Now add its questions."))
            return redirect("referendums_staff:detail", pk=created.pk)
    return render(
        request,
        "referendums/staff/form.html",
        {"form": form, "agency": agency, "agencies": agencies, "referendum": None},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    found = _referendum(request, pk, "manage")
    if found.stage not in setup_services.EDITABLE_STAGES:
        messages.error(request, _("Voting has opened: the setup can no longer change."))
        return redirect("referendums_staff:detail", pk=found.pk)
    form = _form(request, found.agency, found)
    if request.method == "POST" and form.is_valid():
        try:
            setup_services.referendum_update(actor=request.user, referendum=found, data=form.referendum_data())
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The referendum is saved."))
            return redirect("referendums_staff:detail", pk=found.pk)
    return render(
        request,
        "referendums/staff/form.html",
        {"form": form, "agency": found.agency, "referendum": found},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    found = _referendum(request, pk)
    trustee = Trustee.objects.filter(referendum=found, user=request.user).first()
    return render(
        request,
        "referendums/staff/detail.html",
        {
            "referendum": found,
            "Stage": Stage,
            "questions": setup_services.questions_of(found),
            "trustees": staff_selectors.trustees_of(found),
            "districts": list(found.districts.all()),
            "identity_label": _identity_label(found),
            "steps": staff_selectors.next_steps(found),
            "board_size": staff_selectors.board_size(found) if found.stage != Stage.DRAFT else 0,
            "paper_marks": result_services.paper_marks(found) if found.electorate_size is not None else 0,
            "editable": found.stage in setup_services.EDITABLE_STAGES,
            "may_manage": _may(request, "manage", found),
            "may_sign": _may(request, "sign_off", found),
            "may_counter": _may(request, "counter", found),
            "trustee": trustee if trustee and trustee_policy.can_for(request.user, "act", trustee) else None,
            "counter_open": counter_services.counter_open(found),
            "sheets_open": counter_services.sheets_open(found),
        },
    )


# --- questions ---------------------------------------------------------------------------------


def _question_page(request: HttpRequest, found: Referendum, question: Question | None) -> HttpResponse:
    if found.stage not in setup_services.EDITABLE_STAGES:
        messages.error(request, _("Voting has opened: the setup can no longer change."))
        return redirect("referendums_staff:detail", pk=found.pk)
    form = QuestionForm(request.POST or None, question=question)
    if request.method == "POST" and form.is_valid():
        try:
            setup_services.question_save(
                actor=request.user, referendum=found, data=form.question_data(), question=question
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The question is saved."))
            return redirect("referendums_staff:detail", pk=found.pk)
    return render(
        request,
        "referendums/staff/question_form.html",
        {"form": form, "referendum": found, "question": question},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_new(request: HttpRequest, pk: int) -> HttpResponse:
    return _question_page(request, _referendum(request, pk, "manage"), None)


def _question(found: Referendum, question_pk: int) -> Question:
    question = Question.objects.filter(referendum=found, pk=question_pk).prefetch_related("options").first()
    if question is None:
        raise Http404
    return question


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    found = _referendum(request, pk, "manage")
    return _question_page(request, found, _question(found, question_pk))


@login_required
@require_POST
def question_delete(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    found = _referendum(request, pk, "manage")
    question = _question(found, question_pk)
    return _act(
        request,
        found,
        lambda: setup_services.question_delete(actor=request.user, question=question),
        _("The question is removed."),
    )


def _act(request: HttpRequest, found: Referendum, act, done: str) -> HttpResponse:
    """Run a service call that is a button on the referendum's page, say how it went there."""
    try:
        act()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("referendums_staff:detail", pk=found.pk)


# --- key generation ----------------------------------------------------------------------------


@login_required
@require_POST
def keys_start(request: HttpRequest, pk: int) -> HttpResponse:
    found = _referendum(request, pk, "manage")
    return _act(
        request,
        found,
        lambda: setup_services.key_generation_start(actor=request.user, referendum=found),
        _("Key generation has started. The trustees can now register their keys."),
    )


@login_required
@require_POST
def keys_restart(request: HttpRequest, pk: int) -> HttpResponse:
    found = _referendum(request, pk, "manage")
    return _act(
        request,
        found,
        lambda: setup_services.key_generation_restart(actor=request.user, referendum=found),
        _("Key generation is cancelled. Change the trustees if needed, then start it again."),
    )


# --- sign-offs ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def setup_sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    found = _referendum(request, pk, "sign_off")
    digest = setup_services.setup_digest(found)
    form = SignOffForm(request.POST or None, initial={"digest": digest})
    if request.method == "POST" and form.is_valid():
        try:
            setup_services.setup_sign_off(actor=request.user, referendum=found, digest=form.cleaned_data["digest"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("You have signed off the setup."))
            return redirect("referendums_staff:detail", pk=found.pk)
    return render(
        request,
        "referendums/staff/setup_sign_off.html",
        {
            "referendum": found,
            "form": form,
            "digest": digest,
            "summary": setup_services.setup_summary(found),
            "questions": setup_services.questions_of(found),
            "trustees": staff_selectors.trustees_of(found),
            "districts": list(found.districts.all()),
            "identity_label": _identity_label(found),
            "signed": staff_selectors.sign_offs(found, SignOffStage.SETUP, digest),
            "missing": setup_services.missing_signatures(found, SignOffStage.SETUP, digest),
            "open": found.stage in (Stage.DRAFT, Stage.KEYS),
        },
        status=400 if form.errors else 200,
    )


# --- trustees ----------------------------------------------------------------------------------


def _trustee(request: HttpRequest, pk: int) -> Trustee:
    _staff_only(request)
    trustee = trustee_policy.scope(request.user, "act").filter(referendum_id=pk).first()
    if trustee is None:
        if referendum_policy.scope(request.user, "staff").filter(pk=pk).exists():
            raise PermissionDenied
        raise Http404
    return trustee


def _trustee_step(trustee: Trustee) -> str:
    """The step the trustee is at (or "" when there is nothing for them to do now)."""
    referendum = trustee.referendum
    if referendum.stage == Stage.KEYS:
        if trustee_services.deals_json(trustee) is not None:
            return "confirm"
        if trustee_services.setup_json(trustee) is not None:
            return "deal"
        return "register"
    if referendum.stage == Stage.COUNTING:
        return "decrypt"
    return ""


def _trustee_page(
    request: HttpRequest, trustee: Trustee, form: UploadForm | None = None, step: str = ""
) -> HttpResponse:
    referendum = trustee.referendum
    current = _trustee_step(trustee)
    return render(
        request,
        "referendums/staff/trustee.html",
        {
            "referendum": referendum,
            "trustee": trustee,
            "trustees": staff_selectors.trustees_of(referendum),
            "step": current,
            "form": form if form is not None and step == current else UploadForm(),
            # Errors of an upload for a step that is not the current one (its form is not shown).
            "other_errors": [e for errors in form.errors.values() for e in errors]
            if form is not None and step != current
            else [],
            "registered_all": trustee_services.setup_json(trustee) is not None,
            "dealt_all": trustee_services.deals_json(trustee) is not None,
            # The public board, for the tool's --board check before decrypting.
            "board_url": reverse("referendums:board_json", args=[referendum.pk]) if current == "decrypt" else "",
            "Stage": Stage,
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_GET
def trustee(request: HttpRequest, pk: int) -> HttpResponse:
    return _trustee_page(request, _trustee(request, pk))


@login_required
@require_POST
def trustee_upload(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    found = _trustee(request, pk)
    if step not in TRUSTEE_STEPS:
        raise Http404
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        service = {
            "register": (trustee_services.trustee_register, "registration"),
            "deal": (trustee_services.trustee_deal, "deal"),
            "confirm": (trustee_services.trustee_confirm, "confirmation"),
            "decrypt": (trustee_services.trustee_decrypt, "decryption"),
        }[step]
        try:
            service[0](actor=request.user, trustee=found, **{service[1]: form.cleaned_data["document"]})
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            done = {
                "register": _("Your sealing key is registered."),
                "deal": _("Your deal is checked and saved."),
                "confirm": _("Your key share is confirmed."),
                "decrypt": _("Your decryption is checked and saved."),
            }
            messages.success(request, done[step])
            return redirect("referendums_staff:trustee", pk=found.referendum_id)
    found.refresh_from_db()
    return _trustee_page(request, found, form, step)


def _json_download(document: dict | None, filename: str) -> HttpResponse:
    if document is None:
        raise Http404
    response = HttpResponse(json.dumps(document, indent=1, sort_keys=True), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def trustee_setup_json(request: HttpRequest, pk: int) -> HttpResponse:
    found = _trustee(request, pk)
    return _json_download(trustee_services.setup_json(found), f"setup-{found.referendum_id}-{found.index}.json")


@login_required
@require_GET
def trustee_deals_json(request: HttpRequest, pk: int) -> HttpResponse:
    found = _trustee(request, pk)
    return _json_download(trustee_services.deals_json(found), f"deals-{found.referendum_id}-{found.index}.json")


@login_required
@require_GET
def trustee_tally_json(request: HttpRequest, pk: int) -> HttpResponse:
    found = _trustee(request, pk)
    return _json_download(trustee_services.tally_json(found), f"tally-{found.referendum_id}-{found.index}.json")


# --- counters ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def counter(request: HttpRequest, pk: int) -> HttpResponse:
    found = _referendum(request, pk, "counter")
    form = CounterForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            issued = counter_services.paper_issue(
                actor=request.user, referendum=found, national_id=form.cleaned_data["national_id"]
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Marked as voting on paper. Hand the voter one ballot paper and show them to the booth."),
            )
            return redirect("referendums_staff:counter", pk=found.pk)
    return render(
        request,
        "referendums/staff/counter.html",
        {
            "referendum": found,
            "form": form,
            "issued": issued,
            "open": counter_services.counter_open(found),
            "paper_marks": result_services.paper_marks(found) if found.electorate_size is not None else 0,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def sheets(request: HttpRequest, pk: int) -> HttpResponse:
    found = _referendum(request, pk, "counter")
    questions = setup_services.questions_of(found)
    form = SheetForm(request.POST or None, questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            sheet = counter_services.sheet_enter(
                actor=request.user,
                referendum=found,
                sheet_number=form.cleaned_data["sheet_number"],
                choices=form.marks(),
                spoilt=form.cleaned_data.get("spoilt", False),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            _sheet_message(request, sheet)
            return redirect("referendums_staff:sheets", pk=found.pk)
    return render(
        request,
        "referendums/staff/sheets.html",
        {
            "referendum": found,
            "form": form,
            "question_fields": [form[f"q{i}"] for i in range(len(questions))],
            "sheets": PaperSheet.objects.filter(referendum=found).select_related("entered_by").order_by("sheet_number"),
            "counts": result_services.sheet_counts(found),
            "paper_marks": result_services.paper_marks(found) if found.electorate_size is not None else 0,
            "open": counter_services.sheets_open(found),
            "may_supervise": _may(request, "supervise", found),
        },
        status=400 if form.errors else 200,
    )


def _sheet_message(request: HttpRequest, sheet: PaperSheet) -> None:
    if sheet.state == "confirmed":
        messages.success(request, _("The two entries agree: ballot paper %(n)s counts.") % {"n": sheet.sheet_number})
    elif sheet.state == "mismatch":
        messages.error(
            request,
            _("The two entries of ballot paper %(n)s differ. A supervisor must look at it and type it in again.")
            % {"n": sheet.sheet_number},
        )
    else:
        messages.success(
            request,
            _("Ballot paper %(n)s is saved. A different person must now type it in again.") % {"n": sheet.sheet_number},
        )


# --- the result --------------------------------------------------------------------------------


def _result_page(request: HttpRequest, found: Referendum, *, sign_form=None, publish_form=None) -> HttpResponse:
    published = found.stage == Stage.PUBLISHED
    result = found.result if published else result_services.current_result(found)
    turnout = found.turnout if published else (result_services.turnout(found) if result else {})
    digest = result_services.result_digest(found) if result and not published else ""
    forms_bad = (sign_form is not None and sign_form.errors) or (publish_form is not None and publish_form.errors)
    return render(
        request,
        "referendums/staff/result.html",
        {
            "referendum": found,
            "result": result,
            "rows": staff_selectors.result_rows(found, result),
            "turnout": turnout,
            "digest": digest,
            "problems": result_services.result_problems(found) if not published else [],
            "signed": staff_selectors.sign_offs(found, SignOffStage.RESULT, digest) if digest else [],
            "missing": setup_services.missing_signatures(found, SignOffStage.RESULT, digest) if digest else "",
            "sign_form": sign_form or SignOffForm(initial={"digest": digest}),
            "publish_form": publish_form or PublishForm(),
            "may_sign": _may(request, "sign_off", found),
            "may_publish": _may(request, "publish", found),
            "published": published,
            "paper_marks": result_services.paper_marks(found) if found.electorate_size is not None else 0,
            "sheet_counts": result_services.sheet_counts(found),
        },
        status=400 if forms_bad else 200,
    )


@login_required
@require_GET
def result(request: HttpRequest, pk: int) -> HttpResponse:
    return _result_page(request, _referendum(request, pk))


@login_required
@require_POST
def result_sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    found = _referendum(request, pk, "sign_off")
    form = SignOffForm(request.POST)
    if form.is_valid():
        try:
            result_services.result_sign_off(actor=request.user, referendum=found, digest=form.cleaned_data["digest"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("You have signed off the result."))
            return redirect("referendums_staff:result", pk=found.pk)
    return _result_page(request, found, sign_form=form)


@login_required
@require_POST
def result_publish(request: HttpRequest, pk: int) -> HttpResponse:
    found = _referendum(request, pk, "publish")
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            result_services.result_publish(actor=request.user, referendum=found, now=timezone.now())
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The result is published."))
            return redirect("referendums_staff:result", pk=found.pk)
    return _result_page(request, found, publish_form=form)
