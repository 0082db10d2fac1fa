"""The citizen's side of payments: bills, paying, the return page, receipts; and the provider callback.

Also the sandbox gateway's card page, which stands for a provider's hosted
payment page (see providers/sandbox.py).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecitizen.core.ratelimits import rate_limited
from ecitizen.payments import selectors, services
from ecitizen.payments.forms import PayForm, SandboxCardForm
from ecitizen.payments.models import BillStatus, PaymentStatus
from ecitizen.payments.pdf import receipt_filename, render_receipt_pdf
from ecitizen.payments.providers import sandbox
from ecitizen.payments.providers.base import BadSignature, IgnoredCallback, ProviderUnavailable

#: How often the "being confirmed" page checks again (with JavaScript; without, the payer follows a link).
POLL_SECONDS = 5


def _bill_context(bill, form: PayForm) -> dict:
    """The bill page. Every showing gets a fresh one-time key for its "Pay now" button."""
    paid_by = bill.payments.filter(status=PaymentStatus.SUCCESS).order_by("finished_at").first()
    return {
        "bill": bill,
        "lines": bill.lines.all(),
        "overdue": selectors.is_overdue(bill),
        "in_progress": selectors.in_progress_payment(bill),
        "paid_by": paid_by,
        "form": form,
        "idempotency_key": uuid.uuid4(),
    }


@login_required
@require_GET
def my_payments(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.receipts_for_citizen(request.user), 20).get_page(request.GET.get("page"))
    bills = [
        {"bill": bill, "overdue": selectors.is_overdue(bill)} for bill in selectors.open_bills_for_citizen(request.user)
    ]
    return render(request, "payments/mine.html", {"bills": bills, "page": page})


@login_required
@require_GET
def bill_detail(request: HttpRequest, reference: str) -> HttpResponse:
    bill = selectors.bill_for_citizen(request.user, reference)
    return render(request, "payments/bill.html", _bill_context(bill, PayForm()))


def _return_url_for(bill) -> str:
    if bill.application_id:
        return f"/applications/{bill.application_id}/"
    return reverse("payments:bill", kwargs={"reference": bill.reference})


@login_required
@require_POST
def pay(request: HttpRequest, reference: str) -> HttpResponse:
    bill = selectors.bill_for_citizen(request.user, reference)
    limited = rate_limited(request, "payment_create", "30/m/user")
    if limited is not None:
        return limited
    form = PayForm(request.POST)
    if form.is_valid():
        try:
            payment = services.payment_create(
                payer=request.user,
                bill=bill,
                idempotency_key=str(form.cleaned_data["idempotency_key"]),
                return_url=_return_url_for(bill),
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
            if getattr(exc, "code", "") == "already_paid":
                bill.refresh_from_db()
        else:
            if payment.status == PaymentStatus.SUCCESS:
                return redirect("payments:receipt", reference=payment.reference)
            if payment.finished or not payment.next_url:
                return redirect("payments:return", reference=payment.reference)
            return redirect(payment.next_url)
    else:
        form.errors.clear()  # a tampered or missing hidden key: say what to do, not what the field was
        form.add_error(None, _("Something went wrong with your request. Press “Pay now” again."))
    return render(request, "payments/bill.html", _bill_context(bill, form), status=400)


@login_required
@require_GET
def payment_return(request: HttpRequest, reference: str) -> HttpResponse:
    """Where the provider sends the payer back. Shows the outcome, or "being confirmed" until it is known.

    If the provider's callback has not arrived yet, this asks the provider for
    the payment's state and records it: that syncs our record with what has
    already happened at the provider (idempotent, like the callback would),
    it does not make anything happen.
    """
    payment = selectors.payment_for_citizen(request.user, reference)
    if not payment.finished:
        payment = services.payment_sync(payment=payment)
    bill = payment.bill
    context = {"payment": payment, "bill": bill, "continue_url": payment.return_url}
    if payment.status == PaymentStatus.SUCCESS:
        return render(request, "payments/return_success.html", context)
    if payment.finished:
        context.update(
            reason=selectors.failure_reason(payment),
            can_retry=bill.status == BillStatus.OPEN,
            idempotency_key=uuid.uuid4(),
        )
        return render(request, "payments/return_failed.html", context)
    context.update(
        poll_seconds=POLL_SECONDS,
        next_url=payment.next_url if payment.status != PaymentStatus.SUBMITTED else "",
    )
    return render(request, "payments/return_pending.html", context)


@login_required
@require_GET
def payment_status_json(request: HttpRequest, reference: str) -> HttpResponse:
    """Polled by the "being confirmed" page: ``version`` becomes 1 once the payment has finished."""
    payment = selectors.payment_for_citizen(request.user, reference)
    if not payment.finished:
        payment = services.payment_sync(payment=payment)
    return JsonResponse(
        {"version": int(payment.finished), "status": payment.status, "label": payment.get_status_display()}
    )


def _receipt_payment(request: HttpRequest, reference: str):
    payment = selectors.payment_for_citizen(request.user, reference)
    if payment.status != PaymentStatus.SUCCESS:
        raise Http404
    return payment


@login_required
@require_GET
def receipt(request: HttpRequest, reference: str) -> HttpResponse:
    payment = _receipt_payment(request, reference)
    return render(request, "payments/receipt.html", selectors.receipt_context(payment))


@login_required
@require_GET
def receipt_pdf(request: HttpRequest, reference: str) -> HttpResponse:
    payment = _receipt_payment(request, reference)
    response = HttpResponse(render_receipt_pdf(payment), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{receipt_filename(payment)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@csrf_exempt
@require_POST
def provider_callback(request: HttpRequest, provider_name: str) -> HttpResponse:
    """A provider's notification: 200 once handled (or a replay, or not ours), 400 if unsigned,
    503 if we could not ask the provider about it (it will retry), 404 if unknown provider."""
    if provider_name not in settings.PAYMENT_PROVIDERS:
        raise Http404
    try:
        services.callback_handle(provider_name=provider_name, body=request.body, headers=dict(request.headers))
    except BadSignature:
        return HttpResponseBadRequest("bad signature", content_type="text/plain")
    except IgnoredCallback:
        return HttpResponse("ignored", content_type="text/plain")
    except ProviderUnavailable:
        return HttpResponse("try again later", content_type="text/plain", status=503)
    return HttpResponse("ok", content_type="text/plain")


# --- the sandbox gateway's hosted card page -------------------------------------------------


def _sandbox_charge(provider_id: str):
    if "sandbox" not in settings.PAYMENT_PROVIDERS:
        raise Http404
    charge = sandbox.charge_for_page(provider_id)
    if charge is None:
        raise Http404
    return charge


@require_http_methods(["GET", "POST"])
def sandbox_pay(request: HttpRequest, provider_id: str) -> HttpResponse:
    charge = _sandbox_charge(provider_id)
    if charge.status not in (PaymentStatus.CREATED, PaymentStatus.STARTED):
        return redirect(charge.return_url)
    form = SandboxCardForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        sandbox.submit_card(provider_id=provider_id, card_number=form.cleaned_data["card_number"])
        return redirect(charge.return_url)
    return render(
        request,
        "payments/sandbox_pay.html",
        {"charge": charge, "form": form, "amount": {"amount": charge.amount, "currency": charge.currency}},
        status=400 if form.errors else 200,
    )


@require_POST
def sandbox_cancel(request: HttpRequest, provider_id: str) -> HttpResponse:
    charge = _sandbox_charge(provider_id)
    sandbox.cancel_by_payer(provider_id=provider_id)
    return redirect(charge.return_url)
