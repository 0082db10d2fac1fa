"""The payments back office: payment pages and refunds (four eyes), counter payments,
reconciliation, the takings dashboard and the agency's payment settings.

Every page is under /staff/, where MFA is enforced. Objects of another agency
answer 404; actions the person may see but not take answer 403. Reading pages
use GET and change nothing; every change is a POST to a service.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecitizen.agencies.conflicts import ConflictOfInterest, conflict_reasons_by_citizen
from ecitizen.core.access_purposes import AccessPurpose
from ecitizen.core.money import format_amount, format_money
from ecitizen.core.pagination import CappedPaginator
from ecitizen.core.policies import access
from ecitizen.payments import dashboards, refunds
from ecitizen.payments.models import BillStatus, Payment, PaymentStatus, RefundStatus
from ecitizen.payments.providers.base import ProviderUnavailable
from ecitizen.payments.reconciliation import reconcile, report_csv
from ecitizen.payments.services import PROVIDER_UNAVAILABLE
from ecitizen.payments.staff_forms import (
    BillLookupForm,
    CounterPaymentForm,
    DashboardForm,
    PaymentFilterForm,
    ProposalDecisionForm,
    ReconciliationForm,
    RefundForm,
    RejectRefundForm,
    ThresholdForm,
)
from ecitizen.payments.staff_policies import (
    payment_agencies,
    report_agencies,
    settings_agencies,
    settings_confirm_agencies,
    staff_bill_policy,
    staff_payment_policy,
    staff_refund_policy,
)

PROVIDER_DOWN = gettext_lazy("The payment provider cannot be reached just now. Nothing has changed: try again later.")


def _add_errors(form, exc: ValidationError, fields: dict[str, str] | None = None) -> None:
    """Show a service's ValidationError at the form's fields (``fields`` maps service keys to form fields)."""
    fields = fields or {}
    if hasattr(exc, "error_dict"):
        for key, errors in exc.error_dict.items():
            name = fields.get(key, key)
            for error in errors:
                form.add_error(name if name in form.fields else None, error)
    else:
        form.add_error(None, exc)


def _record_access(request, *, agency, citizen, purpose, reference, subject) -> None:
    """Staff opening a payer's data leave a trace the payer can see ("who looked at my data")."""
    if citizen is None:
        return
    from ecitizen.privacy.services import access_record

    access_record(
        staff=request.user, agency=agency, citizen=citizen, purpose=purpose, reference=reference, subject=subject
    )


def _require_any(*querysets) -> None:
    if not any(qs.exists() for qs in querysets):
        raise PermissionDenied


# --- home: the agency's payments ------------------------------------------------------


@login_required
@require_GET
def index(request):
    user = request.user
    can_work = payment_agencies(user).exists()
    can_report = report_agencies(user).exists()
    if not (can_work or can_report):
        raise PermissionDenied
    form = PaymentFilterForm(request.GET or None)
    page = None
    if can_work:
        payments = (
            staff_payment_policy.scope(user, "view").select_related("bill", "bill__agency").order_by("-created_at")
        )
        if form.is_valid() and form.cleaned_data["reference"]:
            ref = form.cleaned_data["reference"].strip().upper()
            payments = payments.filter(Q(reference=ref) | Q(bill__reference=ref))
        page = CappedPaginator(payments, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    awaiting = (
        staff_refund_policy.scope(user, "view").filter(status=RefundStatus.AWAITING_APPROVAL).count() if can_work else 0
    )
    return render(
        request,
        "payments/staff/index.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_work": can_work,
            "can_report": can_report,
            "can_settings": settings_confirm_agencies(user).exists(),
            "awaiting": awaiting,
        },
    )


# --- one payment, and refunds ------------------------------------------------------------


def _payment_page(request, payment: Payment, *, refund_form=None, status=200):
    bill = payment.bill
    headroom = refunds.refund_headroom(payment) if payment.status == PaymentStatus.SUCCESS else 0
    settings = refunds.payment_settings_for(bill.agency)
    refunded = refunds.refunded_total(payment)
    return render(
        request,
        "payments/staff/payment.html",
        {
            "payment": payment,
            "bill": bill,
            "lines": bill.lines.all(),
            "events": payment.events.all(),
            "refunds": payment.refunds.select_related("requested_by", "approved_by"),
            "headroom": headroom,
            "pending_total": refunds.pending_refund_total(payment),
            "refunded_total": refunded,
            "threshold": settings.four_eyes_threshold,
            "threshold_left": max(0, settings.four_eyes_threshold - refunded),
            "refund_form": refund_form
            or RefundForm(currency=payment.currency, initial={"amount": format_amount(headroom, payment.currency)}),
            "can_refund": headroom > 0,
            # Staff never refund their own payments: the page says why instead of offering the form.
            "conflict": refunds.refund_conflict(request.user, payment),
        },
        status=status,
    )


def _access_payment(request, reference: str) -> Payment:
    payment = access(staff_payment_policy, request.user, "view", reference=reference)
    _record_access(
        request,
        agency=payment.bill.agency,
        citizen=payment.payer or payment.bill.payer,
        purpose=AccessPurpose.PAYMENT,
        reference=payment.reference,
        subject=payment,
    )
    return payment


@login_required
@require_GET
def payment_detail(request, reference):
    return _payment_page(request, _access_payment(request, reference))


@login_required
@require_POST
def refund_request(request, reference):
    payment = access(staff_payment_policy, request.user, "view", reference=reference)
    form = RefundForm(request.POST, currency=payment.currency)
    if not form.is_valid():
        return _payment_page(request, payment, refund_form=form, status=400)
    try:
        refund = refunds.refund_request(
            actor=request.user,
            payment=payment,
            amount=form.cleaned_data["amount_minor"],
            reason=form.cleaned_data["reason"],
        )
    except ConflictOfInterest:
        return _payment_page(request, payment, status=403)  # the page says why, instead of the form
    except ValidationError as exc:
        _add_errors(form, exc)
        return _payment_page(request, payment, refund_form=form, status=400)
    amount = format_money(refund.amount, payment.currency)
    if refund.status == RefundStatus.AWAITING_APPROVAL:
        messages.success(
            request,
            _("Refund of %(amount)s requested. Another member of staff must approve it before any money is returned.")
            % {"amount": amount},
        )
    else:
        _refund_outcome_message(request, refund, amount)
    return redirect("payments_staff:payment", reference=payment.reference)


def _refund_outcome_message(request, refund, amount: str) -> None:
    """Tell staff what the provider answered for a refund just sent."""
    if refund.status == RefundStatus.PENDING and refund.failure_code == PROVIDER_UNAVAILABLE:
        messages.warning(
            request,
            _(
                "The payment provider did not answer, so the refund of %(amount)s is waiting for the provider. "
                "It will be sent again automatically with the same reference; do not ask for it again."
            )
            % {"amount": amount},
        )
    elif refund.status == RefundStatus.FAILED:
        messages.error(request, _("The provider refused the refund of %(amount)s.") % {"amount": amount})
    elif refund.status == RefundStatus.SUCCESS:
        messages.success(request, _("Refund of %(amount)s issued.") % {"amount": amount})
    else:
        messages.success(
            request,
            _("Refund of %(amount)s sent to the provider. It will show as refunded once the provider confirms it.")
            % {"amount": amount},
        )


@login_required
@require_GET
def payment_receipt(request, reference):
    payment = _access_payment(request, reference)
    if payment.status != PaymentStatus.SUCCESS:
        messages.error(request, _("Only a successful payment has a receipt."))
        return redirect("payments_staff:payment", reference=payment.reference)
    return render(
        request,
        "payments/staff/receipt.html",
        {"payment": payment, "bill": payment.bill, "lines": payment.bill.lines.all()},
    )


def _awaiting_page(request, *, reject_forms=None, status=200):
    pending = (
        staff_refund_policy.scope(request.user, "view")
        .filter(status=RefundStatus.AWAITING_APPROVAL)
        .select_related(
            "payment",
            "payment__payer",
            "payment__bill",
            "payment__bill__agency",
            "payment__bill__payer",
            "requested_by",
        )
        .order_by("created_at", "pk")
    )
    page = CappedPaginator(pending, 25).get_page(request.GET.get("page"))
    reject_forms = reject_forms or {}
    conflicts = _payer_conflicts(request.user, page)
    rows = [
        (
            refund,
            reject_forms.get(refund.pk) or RejectRefundForm(prefix=f"r{refund.pk}"),
            _approve_blocked(request.user, refund, conflicts),
        )
        for refund in page
    ]
    error_form = next(iter(reject_forms.values()), None)
    return render(
        request,
        "payments/staff/refunds_awaiting.html",
        {"page": page, "rows": rows, "form": error_form, "query": ""},
        status=status,
    )


def _payer_id(refund) -> int | None:
    payment = refund.payment
    return payment.payer_id or payment.bill.payer_id


def _payer_conflicts(user, refunds_on_page) -> dict:
    """``{(agency_id, payer_id): reason}`` for the payers on the page whom *user* may not refund:
    the bulk form of :func:`refunds.refund_conflict`, two queries per agency on the page (a member's
    own agencies), not per row."""
    payers_by_agency: dict = {}
    for refund in refunds_on_page:
        payers_by_agency.setdefault(refund.payment.bill.agency_id, set()).add(_payer_id(refund))
    return {
        (agency_id, payer_id): reason
        for agency_id, payer_ids in payers_by_agency.items()
        for payer_id, reason in conflict_reasons_by_citizen(staff=user, citizen_ids=payer_ids, agency=agency_id).items()
    }


def _approve_blocked(user, refund, conflicts: dict) -> str | None:
    """Why *user* may not approve *refund* (shown instead of the Approve button), or None."""
    if refund.requested_by_id == user.pk:
        return _("You asked for this refund: someone else must approve it.")
    return conflicts.get((refund.payment.bill.agency_id, _payer_id(refund)))


@login_required
@require_GET
def refunds_awaiting(request):
    if not staff_refund_policy.can(request.user, "view"):
        raise PermissionDenied
    return _awaiting_page(request)


@login_required
@require_POST
def refund_approve(request, pk):
    refund = access(staff_refund_policy, request.user, "approve", pk=pk)
    try:
        issued = refunds.refund_approve(actor=request.user, refund=refund)
    except ConflictOfInterest as exc:
        messages.error(request, exc.reason)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        amount = format_money(issued.amount, issued.payment.currency)
        if issued.status in (RefundStatus.SUCCESS, RefundStatus.SUBMITTED):
            messages.success(
                request,
                _("Refund of %(amount)s for payment %(reference)s approved and issued.")
                % {"amount": amount, "reference": issued.payment.reference},
            )
        else:
            _refund_outcome_message(request, issued, amount)
    return redirect("payments_staff:refunds_awaiting")


@login_required
@require_POST
def refund_reject(request, pk):
    refund = access(staff_refund_policy, request.user, "view", pk=pk)
    form = RejectRefundForm(request.POST, prefix=f"r{refund.pk}")
    if not form.is_valid():
        return _awaiting_page(request, reject_forms={refund.pk: form}, status=400)
    try:
        refunds.refund_reject(actor=request.user, refund=refund, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Refund of %(amount)s for payment %(reference)s rejected.")
            % {"amount": format_money(refund.amount, refund.payment.currency), "reference": refund.payment.reference},
        )
    return redirect("payments_staff:refunds_awaiting")


# --- the agency's payment settings ----------------------------------------------------------


def _settings_rows(user):
    """(agency, settings, may_decide) for the agencies whose settings *user* sees: the agencies
    where they are agency admin, and for a platform admin every agency with a change waiting."""
    mine = settings_agencies(user)
    visible = settings_confirm_agencies(user)
    if not user.is_superuser:
        visible = visible.filter(pk__in=mine)
    else:
        from django.db.models import Q

        visible = visible.filter(Q(pk__in=mine) | Q(payment_settings__proposed_threshold__isnull=False))
    rows = []
    for agency in visible.distinct().order_by("name"):
        settings = refunds.payment_settings_for(agency)
        rows.append((agency, settings, settings.has_proposal and settings.proposed_by_id != user.pk))
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def payment_settings(request):
    """The four-eyes threshold: agency admins propose a change; another admin or a platform admin confirms."""
    user = request.user
    agencies = settings_agencies(user).order_by("name")
    if not agencies.exists() and not settings_confirm_agencies(user).exists():
        raise PermissionDenied
    form = None
    if agencies.exists():
        first = agencies.first()
        form = ThresholdForm(
            request.POST if request.method == "POST" else None,
            agencies=agencies,
            currency="GBP",
            initial={
                "agency": first.pk,
                "threshold": format_amount(refunds.payment_settings_for(first).four_eyes_threshold, "GBP"),
            },
        )
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            agency = form.cleaned_data["agency"]
            try:
                refunds.payment_settings_propose(
                    actor=user, agency=agency, four_eyes_threshold=form.cleaned_data["threshold_minor"]
                )
            except ValidationError as exc:
                _add_errors(form, exc, {"four_eyes_threshold": "threshold"})
            else:
                messages.success(
                    request,
                    _(
                        "Change proposed for %(agency)s. It takes effect when another agency admin "
                        "or a platform admin confirms it."
                    )
                    % {"agency": agency.display_name},
                )
                return redirect("payments_staff:settings")
        status = 400
    return render(
        request,
        "payments/staff/settings.html",
        {"form": form, "current": _settings_rows(user)},
        status=status,
    )


def _proposal_agency(request, agency_id):
    """The agency whose proposed change *request.user* may decide on (404 outside their scope)."""
    agency = settings_confirm_agencies(request.user).filter(pk=agency_id).first()
    if agency is None:
        raise Http404
    return agency


@login_required
@require_POST
def payment_settings_confirm(request, agency_id):
    agency = _proposal_agency(request, agency_id)
    form = ProposalDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The proposed change was withdrawn or replaced. Check it again before you confirm."))
        return redirect("payments_staff:settings")
    try:
        settings = refunds.payment_settings_confirm(
            actor=request.user, agency=agency, expected_threshold=form.cleaned_data["expected"]
        )
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You cannot confirm this change."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Refunds of %(agency)s above %(amount)s now need a second approval.")
            % {"agency": agency.display_name, "amount": format_money(settings.four_eyes_threshold, "GBP")},
        )
    return redirect("payments_staff:settings")


@login_required
@require_POST
def payment_settings_withdraw(request, agency_id):
    agency = _proposal_agency(request, agency_id)
    try:
        refunds.payment_settings_withdraw(actor=request.user, agency=agency)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The proposed change for %(agency)s was withdrawn.") % {"agency": agency.display_name}
        )
    return redirect("payments_staff:settings")


# --- reconciliation --------------------------------------------------------------------------


def _reconciliation_report(request, form):
    """Run the check for a valid form; the report scoped to what the person may see."""
    report = reconcile(day=form.cleaned_data["day"], provider_name=form.cleaned_data["provider"])
    if not request.user.is_superuser:
        report = report.for_agencies(report_agencies(request.user).values_list("pk", flat=True))
    return report


@login_required
@require_GET
def reconciliation(request):
    _require_any(report_agencies(request.user))
    yesterday = timezone.now().date() - datetime.timedelta(days=1)
    form = ReconciliationForm(request.GET or None, initial={"day": yesterday})
    report, status = None, 200
    if request.GET:
        if form.is_valid():
            try:
                report = _reconciliation_report(request, form)
            except ProviderUnavailable:
                form.add_error(None, PROVIDER_DOWN)
                status = 503
        else:
            status = 400
    return render(
        request,
        "payments/staff/reconciliation.html",
        {"form": form, "report": report, "query": request.GET.urlencode()},
        status=status,
    )


@login_required
@require_GET
def reconciliation_csv(request):
    _require_any(report_agencies(request.user))
    form = ReconciliationForm(request.GET)
    if not form.is_valid():
        return render(request, "payments/staff/reconciliation.html", {"form": form, "report": None}, status=400)
    try:
        report = _reconciliation_report(request, form)
    except ProviderUnavailable:
        form.add_error(None, PROVIDER_DOWN)
        return render(request, "payments/staff/reconciliation.html", {"form": form, "report": None}, status=503)
    filename = f"reconciliation-{report.provider_name}-{report.day.isoformat()}.csv"
    return HttpResponse(
        report_csv(report),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# --- dashboard -------------------------------------------------------------------------------


@login_required
@require_GET
def dashboard(request):
    agencies = report_agencies(request.user)
    _require_any(agencies)
    today = timezone.localdate()
    form = DashboardForm(request.GET or {"date_from": today.replace(day=1), "date_to": today, "by": "agency"})
    context = {"form": form, "owed": dashboards.bills_owed(agencies=agencies, today=today), "today": today}
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        rows = dashboards.takings(
            agencies=agencies, date_from=data["date_from"], date_to=data["date_to"], by=data["by"]
        )
        context.update(rows=rows, totals=dashboards.takings_totals(rows), by=data["by"])
    else:
        status = 400
    return render(request, "payments/staff/dashboard.html", context, status=status)


# --- counter payments ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def counter(request):
    if not staff_bill_policy.can(request.user, "view"):
        raise PermissionDenied
    form = BillLookupForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            reference = form.cleaned_data["reference"]
            bill = staff_bill_policy.scope(request.user, "view").filter(reference=reference).first()
            if bill is not None:
                return redirect("payments_staff:counter_bill", reference=bill.reference)
            # Bills of other agencies read exactly like bills that do not exist.
            form.add_error("reference", _("No bill of your agency has this reference. Check it and try again."))
            status = 404
        else:
            status = 400
    return render(request, "payments/staff/counter_find.html", {"form": form}, status=status)


def _counter_page(request, bill, *, form=None, status=200):
    from ecitizen.agencies.conflicts import conflict_reason

    conflict = conflict_reason(
        staff=request.user, citizen=bill.payer, agency=bill.agency, national_id_index=bill.payer_national_id_index
    )
    return render(
        request,
        "payments/staff/counter_bill.html",
        {
            "bill": bill,
            "lines": bill.lines.all(),
            "payments": bill.payments.order_by("-created_at"),
            "payable": bill.status == BillStatus.OPEN,
            "conflict": conflict,
            "form": form
            or CounterPaymentForm(currency=bill.currency, initial={"amount": format_amount(bill.total, bill.currency)}),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def counter_bill(request, reference):
    bill = access(staff_bill_policy, request.user, "view", reference=reference)
    if request.method == "GET":
        _record_access(
            request,
            agency=bill.agency,
            citizen=bill.payer,
            purpose=AccessPurpose.COUNTER_PAYMENT,
            reference=bill.reference,
            subject=bill,
        )
        return _counter_page(request, bill)
    from ecitizen.payments.services import counter_payment_record

    form = CounterPaymentForm(request.POST, currency=bill.currency)
    if not form.is_valid():
        return _counter_page(request, bill, form=form, status=400)
    try:
        payment = counter_payment_record(
            actor=request.user,
            bill=bill,
            method=form.cleaned_data["method"],
            amount=form.cleaned_data["amount_minor"],
            reference_note=form.cleaned_data["reference_note"],
        )
    except ConflictOfInterest:
        return _counter_page(request, bill, status=403)  # the page says why, instead of the form
    except ValidationError as exc:
        _add_errors(form, exc)
        bill.refresh_from_db()
        return _counter_page(request, bill, form=form, status=400)
    messages.success(
        request,
        _("%(amount)s received for bill %(bill)s. Payment reference: %(reference)s.")
        % {
            "amount": format_money(payment.amount, payment.currency),
            "bill": bill.reference,
            "reference": payment.reference,
        },
    )
    return redirect(reverse("payments_staff:payment", kwargs={"reference": payment.reference}))
