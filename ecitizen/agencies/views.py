from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecitizen.accounts.selectors import identity_level_for, user_by_email
from ecitizen.accounts.services import identity_verify_in_person
from ecitizen.agencies.conflicts import ConflictOfInterest, conflict_reason
from ecitizen.agencies.forms import (
    AuditFilterForm,
    InPersonCitizenForm,
    InPersonVerifyForm,
    RelativeDeclareForm,
    ReviewCloseForm,
)
from ecitizen.agencies.models import Role
from ecitizen.agencies.policies import (
    audit_log_policy,
    identity_check_policy,
    identity_review_policy,
    staff_relative_policy,
)
from ecitizen.agencies.selectors import agencies_where, memberships_for, user_is_staff
from ecitizen.agencies.services import (
    audit_log_viewed_record,
    citizen_access_record,
    identity_review_close,
    staff_relative_declare,
    staff_relative_remove,
)
from ecitizen.core.access_purposes import AccessPurpose
from ecitizen.core.pagination import CappedPaginator
from ecitizen.core.policies import access
from ecitizen.core.ratelimits import rate_limited
from ecitizen.core.references import resolve_references


def _staff_required(request):
    if not user_is_staff(request.user):
        raise PermissionDenied


@login_required
def home(request):
    _staff_required(request)
    return render(
        request,
        "agencies/home.html",
        {
            "memberships": memberships_for(request.user),
            "can_audit": audit_log_policy.can(request.user, "view"),
            "can_check_identity": identity_check_policy.can(request.user),
            "can_work_cases": agencies_where(request.user, Role.CASEWORKER, Role.AGENCY_ADMIN).exists(),
            "can_edit_services": agencies_where(request.user, Role.AGENCY_ADMIN).exists(),
            "can_declare_relatives": staff_relative_policy.can(request.user, "view"),
            "can_review_identities": identity_review_policy.can(request.user, "view"),
        },
    )


@login_required
def audit_log(request):
    if not audit_log_policy.can(request.user, "view"):
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None)
    rows = audit_log_policy.scope(request.user, "view").select_related("agency")
    if form.is_valid():
        data = form.cleaned_data
        if data["action"]:
            rows = rows.filter(action=data["action"])
        if data["actor"]:
            rows = rows.filter(actor_email__iexact=data["actor"].strip())
        tz = timezone.get_current_timezone()
        if data["date_from"]:
            rows = rows.filter(created_at__gte=datetime.datetime.combine(data["date_from"], datetime.time.min, tz))
        if data["date_to"]:
            end = data["date_to"] + datetime.timedelta(days=1)
            rows = rows.filter(created_at__lt=datetime.datetime.combine(end, datetime.time.min, tz))
    page = CappedPaginator(rows, 50).get_page(request.GET.get("page"))
    references = resolve_references(request.user, ((row.subject_type, row.subject_id) for row in page))
    for row in page:
        row.reference = references.get((row.subject_type, row.subject_id))
    audit_log_viewed_record(
        actor=request.user,
        filters={k: v for k, v in request.GET.items() if k != "page" and v},
        page_number=page.number,
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "agencies/audit_log.html", {"form": form, "page": page, "query": query.urlencode()})


def _sole_check_agency(user):
    """The agency *user* checks identities for, when there is exactly one (else None)."""
    agencies = list(identity_check_policy.agencies(user)[:2])
    return agencies[0] if len(agencies) == 1 else None


@login_required
@require_http_methods(["GET", "POST"])
def identity_check_start(request):
    if not identity_check_policy.can(request.user):
        raise PermissionDenied
    form = InPersonCitizenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        limited = rate_limited(request, "staff_citizen_lookup", "60/h/user")
        if limited is not None:
            return limited
        if form.is_valid():
            citizen = user_by_email(form.cleaned_data["email"])
            agency = _sole_check_agency(request.user)
            conflict = citizen and conflict_reason(staff=request.user, citizen=citizen, agency=agency)
            if citizen is None:
                form.add_error("email", _("No account uses this email address."))
            elif conflict:
                form.add_error("email", conflict)
            else:
                citizen_access_record(
                    staff=request.user,
                    agency=agency,
                    citizen=citizen,
                    purpose=AccessPurpose.IDENTITY_CHECK,
                    subject=citizen,
                )
                request.session["identity_check_user"] = citizen.pk
                return redirect("staff:identity_check_details")
    return render(
        request,
        "agencies/identity_check_start.html",
        {"form": form, "can_review": identity_review_policy.can(request.user, "view")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def identity_check_details(request):
    if not identity_check_policy.can(request.user):
        raise PermissionDenied
    from ecitizen.accounts.models import User

    citizen = User.objects.filter(pk=request.session.get("identity_check_user")).first()
    if citizen is None:
        return redirect("staff:identity_check_start")
    agencies = identity_check_policy.agencies(request.user)
    form = InPersonVerifyForm(request.POST if request.method == "POST" else None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            identity_verify_in_person(
                actor=request.user,
                agency=data["agency"],
                user=citizen,
                given_name=data["given_name"],
                family_name=data["family_name"],
                date_of_birth=data["date_of_birth"],
                national_id=data["national_id"],
                document_type=data["document_type"],
                document_reference=data["document_reference"],
                document_only=data["document_only"],
            )
        except ConflictOfInterest as exc:
            form.add_error(None, exc.reason)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            del request.session["identity_check_user"]
            if data["document_only"]:
                message = _("The documents of %(email)s are recorded as checked (document only).")
            else:
                message = _("%(email)s is now verified.")
            messages.success(request, message % {"email": citizen.email})
            return redirect("staff:home")
    return render(
        request,
        "agencies/identity_check_details.html",
        {
            "form": form,
            "citizen": citizen,
            "level": identity_level_for(citizen),
            "conflict": conflict_reason(staff=request.user, citizen=citizen, agency=_sole_check_agency(request.user)),
        },
    )


@login_required
@require_GET
def identity_reviews(request):
    """Refused identity checks flagged for review: agency admins and auditors of the agency."""
    if not identity_review_policy.can(request.user, "view"):
        raise PermissionDenied
    show_closed = request.GET.get("closed") == "1"
    rows = identity_review_policy.scope(request.user, "view").select_related(
        "agency", "account", "holder", "raised_by", "closed_by"
    )
    rows = rows.filter(closed_at__isnull=not show_closed)
    page = CappedPaginator(rows, 25).get_page(request.GET.get("page"))
    closable = set(
        identity_review_policy.scope(request.user, "close")
        .filter(pk__in=[r.pk for r in page])
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "agencies/identity_reviews.html",
        {"page": page, "closable": closable, "show_closed": show_closed, "close_form": ReviewCloseForm()},
    )


@login_required
@require_POST
def identity_review_close_view(request, pk):
    review = access(identity_review_policy, request.user, "close", pk=pk)
    form = ReviewCloseForm(request.POST)
    if form.is_valid():
        try:
            identity_review_close(actor=request.user, review=review, outcome=form.cleaned_data["outcome"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The review is closed."))
    else:
        messages.error(request, _("Say what you found and what was done."))
    return redirect("staff:identity_reviews")


@login_required
@require_http_methods(["GET", "POST"])
def relatives(request):
    """Declared relatives: staff declare their own; agency admins manage their staff's."""
    if not staff_relative_policy.can(request.user, "view"):
        raise PermissionDenied
    staff_choices = staff_relative_policy.staff_managed_by(request.user)
    form = RelativeDeclareForm(
        request.POST if request.method == "POST" else None,
        staff_choices=staff_choices,
        initial={"staff": request.user.pk},
    )
    if request.method == "POST":
        limited = rate_limited(request, "staff_relative_declare", "30/h/user")
        if limited is not None:
            return limited
        if form.is_valid():
            data = form.cleaned_data
            try:
                staff_relative_declare(
                    actor=request.user,
                    staff=data.get("staff") or request.user,
                    relative=user_by_email(data["email"]),
                    relationship=data["relationship"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The relative is declared."))
                return redirect("staff:relatives")
    declarations = (
        staff_relative_policy.scope(request.user, "view")
        .select_related("staff", "relative")
        .order_by("staff__email", "relative__email")
    )
    removable = set(staff_relative_policy.scope(request.user, "remove").values_list("pk", flat=True))
    return render(
        request,
        "agencies/relatives.html",
        {"form": form, "declarations": declarations, "removable": removable},
    )


@login_required
@require_POST
def relative_remove(request, pk):
    declaration = access(staff_relative_policy, request.user, "remove", pk=pk)
    staff_relative_remove(actor=request.user, declaration=declaration)
    messages.success(request, _("The declaration is removed."))
    return redirect("staff:relatives")
