"""Taxes in the back office (agency admins), and the public fee schedule.

The staff pages live under ``/staff/taxes/`` so the back office's MFA rule
covers them. Every view fetches the tax with
:func:`~ecitizen.core.policies.access`: anyone who is not an agency admin gets
403, an admin asking for another agency's tax gets 404. Changes are POSTs
through the services in :mod:`ecitizen.payments.taxes`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from ecitizen.core.pagination import CappedPaginator
from ecitizen.core.policies import access
from ecitizen.payments import taxes
from ecitizen.payments.models import Tax
from ecitizen.payments.tax_forms import AssessmentUploadForm, GenerateBillsForm, TaxForm

BILLS_PER_PAGE = 50
# Service field names → the form's.
_FIELD_FOR = {
    "name": "name_en",
    "rate_basis_points": "rate",
    "penalty_basis_points_per_month": "penalty",
    "code": "name_en",
}


def _require_admin(request: HttpRequest, action: str = "view") -> None:
    if not taxes.tax_policy.can(request.user, action):
        raise PermissionDenied


def _tax(request: HttpRequest, pk: int, action: str = "view") -> Tax:
    _require_admin(request, action)
    return access(taxes.tax_policy, request.user, action, pk=pk)


def _posted(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            target = _FIELD_FOR.get(name, name)
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
@require_GET
def tax_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    return render(
        request,
        "payments/tax/list.html",
        {"taxes": taxes.taxes_for_admin(request.user), "agencies": taxes.tax_policy.agencies(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def tax_new(request: HttpRequest) -> HttpResponse:
    _require_admin(request, "create")
    agencies = taxes.tax_policy.agencies(request.user)
    form = TaxForm(_posted(request), agencies=agencies, creating=True)
    if request.method == "POST" and form.is_valid():
        agency = form.cleaned_data.get("agency") or agencies.first()
        try:
            tax = taxes.tax_save(actor=request.user, agency=agency, data=form.data_for_service())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Tax created. Now upload its assessments."))
            return redirect("taxes_staff:detail", tax.pk)
    return render(request, "payments/tax/form.html", {"form": form, "creating": True})


@login_required
@require_GET
def tax_detail(request: HttpRequest, pk: int) -> HttpResponse:
    tax = _tax(request, pk)
    return render(
        request,
        "payments/tax/detail.html",
        {
            "tax": tax,
            "years": taxes.assessment_years(tax),
            "rate": taxes.rate_text(tax.rate_basis_points),
            "penalty_rate": taxes.rate_text(tax.penalty_basis_points_per_month),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def tax_edit(request: HttpRequest, pk: int) -> HttpResponse:
    tax = _tax(request, pk, "edit")
    form = TaxForm(_posted(request), initial=TaxForm.initial_from(tax))
    if request.method == "POST" and form.is_valid():
        try:
            taxes.tax_save(actor=request.user, agency=tax.agency, tax=tax, data=form.data_for_service())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Tax saved."))
            return redirect("taxes_staff:detail", tax.pk)
    return render(request, "payments/tax/form.html", {"form": form, "tax": tax})


@login_required
@require_http_methods(["GET", "POST"])
def assessments_upload(request: HttpRequest, pk: int) -> HttpResponse:
    tax = _tax(request, pk, "import")
    form = AssessmentUploadForm(_posted(request), request.FILES if request.method == "POST" else None)
    result = None
    if request.method == "POST" and form.is_valid():
        year = form.cleaned_data["year"]
        result = taxes.assessments_import_csv(actor=request.user, tax=tax, year=year, file=form.cleaned_data["file"])
        if result.ok:
            messages.success(
                request,
                _("Assessments for %(year)s: %(created)s added, %(updated)s changed, %(unchanged)s unchanged.")
                % {"year": year, "created": result.created, "updated": result.updated, "unchanged": result.unchanged},
            )
            return redirect("taxes_staff:detail", tax.pk)
        form.add_error(
            "file",
            ngettext(
                "The file has %(count)s problem, so nothing was imported. Correct it and upload the file again.",
                "The file has %(count)s problems, so nothing was imported. Correct them and upload the file again.",
                len(result.errors) + result.more_errors,
            )
            % {"count": len(result.errors) + result.more_errors},
        )
    status = 400 if form.errors else 200
    return render(
        request,
        "payments/tax/upload.html",
        {"form": form, "tax": tax, "result": result, "columns": taxes.REQUIRED_COLUMNS + taxes.OPTIONAL_COLUMNS},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def bills_generate(request: HttpRequest, pk: int) -> HttpResponse:
    tax = _tax(request, pk, "generate")
    years = [row["year"] for row in taxes.assessment_years(tax)]
    form = GenerateBillsForm(_posted(request), years=years, initial={"year": years[0] if years else None})
    if request.method == "POST" and form.is_valid():
        year = form.cleaned_data["year"]
        try:
            created = taxes.bills_generate(actor=request.user, tax=tax, year=year)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            if created:
                text = ngettext(
                    "%(count)s bill created for %(year)s.", "%(count)s bills created for %(year)s.", created
                ) % {"count": created, "year": year}
            else:
                text = _("No new bills: every assessment for %(year)s already has its bills.") % {"year": year}
            messages.success(request, text)
            return redirect(f"{reverse('taxes_staff:bills', args=[tax.pk])}?year={year}")
    return render(
        request,
        "payments/tax/generate.html",
        {"form": form, "tax": tax, "years": years},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def bill_list(request: HttpRequest, pk: int) -> HttpResponse:
    tax = _tax(request, pk)
    years = [row["year"] for row in taxes.assessment_years(tax)]
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = years[0] if years else None
    page = CappedPaginator(taxes.tax_bills(tax, year=year), BILLS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "payments/tax/bills.html",
        {"tax": tax, "page": page, "year": year, "years": years, "query": f"year={year}" if year else ""},
    )


@require_GET
def fee_schedule(request: HttpRequest) -> HttpResponse:
    """Every fee and tax the public can be charged, in plain words. No sign-in."""
    return render(request, "payments/fees/schedule.html", {"groups": taxes.fee_schedule()})
