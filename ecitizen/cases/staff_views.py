"""The back office: an agency's queue and the case page where caseworkers act."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecitizen.agencies.conflicts import ConflictOfInterest, conflict_reason
from ecitizen.agencies.models import Membership
from ecitizen.cases import selectors, services
from ecitizen.cases.forms import NoteForm, QueueFilterForm, RefuseForm, RequestInfoForm, VersionedForm
from ecitizen.cases.models import Channel, RefusalCategory, Status, Upload
from ecitizen.cases.policies import CASE_ROLES, case_policy
from ecitizen.cases.signals import approval_preview_requested
from ecitizen.catalogue.models import Service
from ecitizen.core.forms import DateInput
from ecitizen.core.i18n import pick
from ecitizen.core.pagination import CappedPaginator
from ecitizen.core.policies import access


def _agency_for(request):
    agencies = list(selectors.case_agencies(request.user))
    if not agencies:
        raise PermissionDenied
    wanted = request.GET.get("agency") or request.POST.get("agency")
    for agency in agencies:
        if wanted and str(agency.pk) == wanted:
            return agency, agencies
    return agencies[0], agencies


def _staff_of(agency):
    user_ids = Membership.objects.filter(agency=agency, role__in=CASE_ROLES).values("user_id")
    return get_user_model().objects.filter(pk__in=user_ids).order_by("email")


_DATE_MESSAGES = {"invalid": gettext_lazy("Enter a real date, for example 31 3 2026")}


class FigureFilterForm(QueueFilterForm):
    """The queue's filters and those the analytics dashboards link to: the cases behind a figure
    (sent or decided in a period, refused for one kind of reason, made through one channel).

    Kept with the view while ``cases/forms.py`` is being changed by other work; it belongs there.
    """

    #: Shown under "More filters" on the page (open when one is used).
    FIGURE_FIELDS = ("sent_from", "sent_to", "decided_from", "decided_to", "refusal", "channel")

    sent_from = forms.DateField(
        label=gettext_lazy("Sent on or after"), required=False, widget=DateInput(), error_messages=_DATE_MESSAGES
    )
    sent_to = forms.DateField(
        label=gettext_lazy("Sent on or before"), required=False, widget=DateInput(), error_messages=_DATE_MESSAGES
    )
    decided_from = forms.DateField(
        label=gettext_lazy("Decided on or after"), required=False, widget=DateInput(), error_messages=_DATE_MESSAGES
    )
    decided_to = forms.DateField(
        label=gettext_lazy("Decided on or before"), required=False, widget=DateInput(), error_messages=_DATE_MESSAGES
    )
    refusal = forms.ChoiceField(label=gettext_lazy("Kind of refusal"), required=False)
    channel = forms.ChoiceField(label=gettext_lazy("Made"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["refusal"].choices = [("", gettext_lazy("Any"))] + list(RefusalCategory.choices)
        self.fields["channel"].choices = [("", gettext_lazy("Any way"))] + list(Channel.choices)
        for name in ("refusal", "channel"):
            self.fields[name].error_messages["invalid_choice"] = gettext_lazy("Choose one of the options")

    def clean(self):
        data = super().clean()
        for start, end in (("sent_from", "sent_to"), ("decided_from", "decided_to")):
            if data.get(start) and data.get(end) and data[end] < data[start]:
                self.add_error(end, _("The end date must be the same as or after the start date"))
        return data

    def figure_filters_used(self) -> bool:
        return any(self[name].value() for name in self.FIGURE_FIELDS)

    def main_fields(self):
        return [field for field in self if field.name not in self.FIGURE_FIELDS]

    def figure_fields(self):
        return [self[name] for name in self.FIGURE_FIELDS]


@login_required
@require_GET
def queue(request):
    agency, agencies = _agency_for(request)
    statuses = [(s.value, s.label) for s in (Status.SUBMITTED, Status.IN_REVIEW, Status.INFO_REQUESTED)]
    statuses += [
        (s.value, s.label) for s in (Status.AWAITING_PAYMENT, Status.APPROVED, Status.REFUSED, Status.WITHDRAWN)
    ]
    statuses += [
        (selectors.STATUS_DECIDED, _("Decided (approved or refused)")),
        (selectors.STATUS_ANY, _("Any status")),
    ]
    services_list = [
        (s.pk, s.display_title()) for s in Service.objects.filter(agency=agency).only("id", "title").order_by("slug")
    ]
    staff = _staff_of(agency).only("id", "email")  # the filter's and the bulk-assign select's options
    form = FigureFilterForm(request.GET or None, services=services_list, statuses=statuses, staff=staff)
    filters = selectors.QueueFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.QueueFilters(
            service=data["service"],
            status=data["status"] or None,
            assignee=data["assignee"] or None,
            overdue=data["overdue"],
            sort=data["sort"] or "due",
            sent_from=data["sent_from"],
            sent_to=data["sent_to"],
            decided_from=data["decided_from"],
            decided_to=data["decided_to"],
            refusal=data["refusal"] or None,
            channel=data["channel"] or None,
        )
    page = CappedPaginator(selectors.case_queue(request.user, agency, filters), 25).get_page(request.GET.get("page"))
    page.object_list = list(selectors.with_service_titles(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/staff/queue.html",
        {
            "agency": agency,
            "agencies": agencies,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "today": timezone.localdate(),
            "staff": staff,
        },
    )


@login_required
@require_POST
def bulk_assign(request):
    agency, _agencies = _agency_for(request)
    assignee = _staff_of(agency).filter(pk=request.POST.get("assignee") or 0).first()
    ids = [int(i) for i in request.POST.getlist("case") if i.isdigit()]
    if assignee is None or not ids:
        messages.error(request, _("Select at least one case and the person to assign them to."))
        return redirect(f"{request.path.rsplit('bulk-assign/', 1)[0]}?agency={agency.pk}")
    cases = list(case_policy.scope(request.user, "view").filter(agency=agency, pk__in=ids))
    done = services.case_bulk_assign(actor=request.user, applications=cases, assignee=assignee)
    messages.success(
        request,
        _("%(done)d of %(total)d cases assigned to %(email)s.")
        % {"done": done, "total": len(ids), "email": assignee.email},
    )
    return redirect(f"/staff/cases/?agency={agency.pk}")


def _record_access(request, application):
    from ecitizen.core.access_purposes import AccessPurpose
    from ecitizen.privacy.services import access_record

    access_record(
        staff=request.user,
        agency=application.agency,
        citizen=application.citizen,
        purpose=AccessPurpose.APPLICATION,
        reference=application.reference,
        subject=application,
    )


def _case_page(request, application, *, forms=None, status=200, conflict=False):
    definition = selectors.form_for(application)
    forms = forms or {}
    context = {
        "application": application,
        "service_title": pick(application.service_version.snapshot["title"]),
        "rows": definition.summary(application.answers),
        "uploads": Upload.objects.filter(application=application).order_by("created_at"),
        "events": selectors.timeline_for(application, for_citizen=False),
        "notes": application.notes.select_related("author"),
        "info_requests": application.info_requests.all(),
        "request_form": forms.get("request") or RequestInfoForm(initial={"version": application.version}),
        "refuse_form": forms.get("refuse") or RefuseForm(initial={"version": application.version}),
        "note_form": forms.get("note") or NoteForm(),
        "version_form": VersionedForm(initial={"version": application.version}),
        "conflict": conflict,
        "issues_document": _issues_document(application),
        # Why this person may not act on this case at all (their own or a relative's), or None.
        "conflict_of_interest": conflict_reason(
            staff=request.user, citizen=application.citizen, agency=application.agency
        ),
        "overdue": application.is_open and application.due_date and application.due_date < timezone.localdate(),
        "citizen_name": application.citizen.profile.full_name if hasattr(application.citizen, "profile") else "",
    }
    return render(request, "cases/staff/case.html", context, status=status)


@login_required
@require_GET
def case_detail(request, pk):
    application = access(case_policy, request.user, "view", pk=pk)
    _record_access(request, application)
    return _case_page(request, application)


def _act(request, pk, action, run, form_key=None, form_class=VersionedForm):
    """Shared shape of every case action: fetch with a policy, validate, call the service,
    and on a conflict show the current state with a clear message."""
    application = access(case_policy, request.user, "view", pk=pk)
    form = form_class(request.POST)
    if not form.is_valid():
        return _case_page(request, application, forms={form_key: form} if form_key else None, status=400)
    try:
        if form.cleaned_data["version"] != application.version:
            raise services.StaleCase(application)
        if not case_policy.can_for(request.user, action, application):
            raise PermissionDenied
        run(application, form.cleaned_data)
    except services.StaleCase as exc:
        messages.error(
            request,
            _("Someone else changed this case while you were looking at it. Check its current state below."),
        )
        return _case_page(request, exc.current, status=409, conflict=True)
    except ConflictOfInterest:
        return _case_page(request, application, status=403)
    except ValidationError as exc:
        if form_key:
            form.add_error(None, exc)
            return _case_page(request, application, forms={form_key: form}, status=400)
        messages.error(request, " ".join(exc.messages))
    return redirect("cases_staff:case", pk=application.pk)


@login_required
@require_POST
def assign_to_me(request, pk):
    def run(application, data):
        services.case_assign(
            actor=request.user, application=application, assignee=request.user, expected_version=data["version"]
        )
        messages.success(request, _("The case is assigned to you."))

    return _act(request, pk, "assign", run)


@login_required
@require_POST
def request_info(request, pk):
    def run(application, data):
        services.case_request_info(
            actor=request.user, application=application, message=data["message"], expected_version=data["version"]
        )
        messages.success(request, _("Your request has been sent to the applicant."))

    return _act(request, pk, "request_info", run, form_key="request", form_class=RequestInfoForm)


def _document_preview(application):
    """The document approving *application* would issue (unsaved), or None if its service issues none."""
    responses = approval_preview_requested.send(sender=type(application), application=application)
    return next((document for _receiver, document in responses if document is not None), None)


def _approve_confirmation(request, pk):
    """What approving will issue (the document name, holder, answers shown, validity dates), to
    confirm before anything is decided or signed. Reads only."""
    application = access(case_policy, request.user, "view", pk=pk)
    if not case_policy.can_for(request.user, "decide", application):
        messages.info(request, _("This application has already been decided."))
        return redirect("cases_staff:case", pk=application.pk)
    if conflict_reason(staff=request.user, citizen=application.citizen, agency=application.agency):
        # Refused, as the decision itself would be: the case page says why (403).
        return _case_page(request, application, status=403)
    if application.status == Status.INFO_REQUESTED:
        messages.error(request, _("Wait for the applicant's answer before you decide."))
        return redirect("cases_staff:case", pk=application.pk)
    _record_access(request, application)
    return render(
        request,
        "cases/staff/approve_confirm.html",
        {
            "application": application,
            "service_title": pick(application.service_version.snapshot["title"]),
            "document": _document_preview(application),
            "version_form": VersionedForm(initial={"version": application.version}),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def approve(request, pk):
    """GET: the confirmation page. POST from it (with ``confirm``): approve, issuing the document.
    A POST without ``confirm`` decides nothing and shows the confirmation page."""
    if request.method == "GET" or request.POST.get("confirm") != "yes":
        return _approve_confirmation(request, pk)

    def run(application, data):
        services.case_approve(actor=request.user, application=application, expected_version=data["version"])
        if _issues_document(application):
            messages.success(request, _("Approved. The document has been issued to the applicant."))
        else:
            messages.success(request, _("Approved. The applicant has been told."))

    return _act(request, pk, "decide", run)


def _issues_document(application) -> bool:
    return bool((application.service_version.snapshot or {}).get("issues"))


@login_required
@require_POST
def refuse(request, pk):
    def run(application, data):
        services.case_refuse(
            actor=request.user,
            application=application,
            reason=data["reason"],
            category=data["category"],
            expected_version=data["version"],
        )
        messages.success(request, _("Refused. The applicant has been told why."))

    return _act(request, pk, "decide", run, form_key="refuse", form_class=RefuseForm)


@login_required
@require_POST
def add_note(request, pk):
    application = access(case_policy, request.user, "view", pk=pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _case_page(request, application, forms={"note": form}, status=400)
    services.case_add_note(actor=request.user, application=application, text=form.cleaned_data["text"])
    messages.success(request, _("Note added."))
    return redirect("cases_staff:case", pk=application.pk)


@login_required
@require_GET
def upload_download(request, pk, upload_id):
    from ecitizen.cases.uploads import upload_response

    application = access(case_policy, request.user, "view", pk=pk)
    upload = Upload.objects.filter(pk=upload_id, application=application).first()
    if upload is None:
        raise Http404
    _record_access(request, application)
    return upload_response(upload)
