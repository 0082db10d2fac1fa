from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from ecitizen.accounts.selectors import identity_level_for, user_by_email
from ecitizen.accounts.services import identity_verify_in_person
from ecitizen.agencies.forms import AuditFilterForm, InPersonCitizenForm, InPersonVerifyForm
from ecitizen.agencies.models import Role
from ecitizen.agencies.policies import audit_log_policy, identity_check_policy
from ecitizen.agencies.selectors import agencies_where, memberships_for, user_is_staff
from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.core.pagination import CappedPaginator
from ecitizen.core.ratelimits import rate_limited
from ecitizen.privacy.services import access_record


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
    audit_record(
        actor=request.user,
        action=AuditAction.AUDIT_LOG_VIEWED,
        extra={"filters": {k: v for k, v in request.GET.items() if k != "page" and v}, "page": page.number},
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "agencies/audit_log.html", {"form": form, "page": page, "query": query.urlencode()})


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
            if citizen is None:
                form.add_error("email", _("No account uses this email address."))
            else:
                agencies = list(identity_check_policy.agencies(request.user)[:2])
                access_record(
                    staff=request.user,
                    agency=agencies[0] if len(agencies) == 1 else None,
                    citizen=citizen,
                    purpose=gettext_lazy("In-person identity check"),
                    subject=citizen,
                )
                request.session["identity_check_user"] = citizen.pk
                return redirect("staff:identity_check_details")
    return render(request, "agencies/identity_check_start.html", {"form": form})


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
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            del request.session["identity_check_user"]
            messages.success(request, _("%(email)s is now verified.") % {"email": citizen.email})
            return redirect("staff:home")
    return render(
        request,
        "agencies/identity_check_details.html",
        {"form": form, "citizen": citizen, "level": identity_level_for(citizen)},
    )
