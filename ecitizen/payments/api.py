"""The citizen's payments API: their bills, their payments, and paying a bill.

Session-authenticated (the signed-in citizen); unsafe methods need the CSRF
token (``X-CSRFToken`` header). Amounts are integer minor units with an ISO
4217 currency. Creating a payment needs an ``Idempotency-Key`` header: the
same key with the same body returns the same payment, the same key with a
different body is refused (422). The provider tells the platform how a payment
ended through its webhook, ``POST /payments/callback/<provider>/`` (signed by
the provider; not part of this API), so poll ``GET /payments/{reference}``
until ``finished`` is true.
"""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Header, Router, Schema, Status
from ninja.pagination import paginate
from ninja.security import SessionAuth

from ecitizen.api.errors import ErrorOut
from ecitizen.api.pagination import BoundedLimitOffsetPagination
from ecitizen.core.i18n import pick
from ecitizen.core.money import format_money
from ecitizen.core.site_paths import site_path
from ecitizen.payments.models import Bill, BillStatus, Payment, PaymentStatus

router = Router(auth=SessionAuth(), tags=["payments"])

_KEY = re.compile(r"^[\x21-\x7e]{1,100}$")  # printable ASCII, as Stripe and GOV.UK Pay accept
_CONFLICT_CODES = {"already_paid", "not_payable", "in_progress"}


class BillLineOut(Schema):
    kind: str
    description: str
    amount: int = Field(description="Minor units (pence, cents).")


class BillOut(Schema):
    reference: str
    agency: str
    description: str
    currency: str
    total: int = Field(description="Minor units.")
    due_date: datetime.date
    status: str = Field(description="open, paid or cancelled.")
    overdue: bool
    paid_at: datetime.datetime | None
    lines: list[BillLineOut]


class PaymentOut(Schema):
    reference: str
    bill_reference: str
    status: str = Field(description="created, started, submitted, success, failed, cancelled or error.")
    finished: bool = Field(description="True once the status can no longer change.")
    amount: int = Field(description="Minor units.")
    currency: str
    method: str
    created_at: datetime.datetime
    finished_at: datetime.datetime | None


class PaymentStatusOut(PaymentOut):
    failure_code: str = ""
    failure_message: str = Field("", description="Why it did not go through, for the payer, in their language.")
    next_url: str = Field("", description="Where to send the payer to enter card details (while in progress).")


class PaymentCreateIn(Schema):
    amount: int = Field(
        gt=0,
        le=999_999_999,
        description="What the payer agreed to pay, in minor units: must be the amount due.",
        examples=[3000],
    )
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code; must be the bill's.", examples=["GBP"])
    return_url: str = Field(
        "",
        max_length=300,
        description="A path on this site to come back to afterwards (no other site's address).",
        examples=["/payments/"],
    )


def _error(status: int, code: str, detail: str) -> Status:
    return Status(status, {"detail": str(detail), "code": code})


def _bill_out(bill: Bill) -> dict:
    from ecitizen.payments.selectors import is_overdue

    return {
        "reference": bill.reference,
        "agency": bill.agency.name,
        "description": bill.display_description(),
        "currency": bill.currency,
        "total": bill.total,
        "due_date": bill.due_date,
        "status": bill.status,
        "overdue": is_overdue(bill),
        "paid_at": bill.paid_at,
        "lines": [
            {"kind": line.kind, "description": pick(line.description), "amount": line.amount}
            for line in bill.lines.all()
        ],
    }


def _payment_out(payment: Payment) -> dict:
    return {
        "reference": payment.reference,
        "bill_reference": payment.bill.reference,
        "status": payment.status,
        "finished": payment.finished,
        "amount": payment.amount,
        "currency": payment.currency,
        "method": payment.method,
        "created_at": payment.created_at,
        "finished_at": payment.finished_at,
    }


def _status_out(payment: Payment) -> dict:
    from ecitizen.payments.selectors import failure_reason

    failed = payment.finished and payment.status != PaymentStatus.SUCCESS
    return {
        **_payment_out(payment),
        "failure_code": payment.failure_code if failed else "",
        "failure_message": failure_reason(payment) if failed else "",
        "next_url": payment.next_url if not payment.finished else "",
    }


class _LazyRows:
    """A queryset seen through a row mapper: the paginator counts and slices in the database,
    and only the rows of the requested page are turned into API objects."""

    def __init__(self, queryset, to_row):
        self.queryset = queryset
        self.to_row = to_row

    def all(self):
        return self

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window):
        return [self.to_row(item) for item in self.queryset[window]]


@router.get("/bills", response=list[BillOut], summary="The signed-in citizen's bills")
@paginate(BoundedLimitOffsetPagination)
def list_bills(request):
    """Open bills first (soonest due first), then paid and cancelled ones, newest first."""
    from ecitizen.payments.selectors import bills_for_citizen

    return _LazyRows(bills_for_citizen(request.auth), _bill_out)


@router.get("/payments", response=list[PaymentOut], summary="The signed-in citizen's payments")
@paginate(BoundedLimitOffsetPagination)
def list_payments(request):
    """Every payment the citizen started, newest first."""
    from ecitizen.payments.selectors import payments_for_citizen

    return _LazyRows(payments_for_citizen(request.auth), _payment_out)


@router.get(
    "/payments/{reference}",
    response={200: PaymentStatusOut, 404: ErrorOut},
    summary="The state of one of the citizen's payments",
)
def payment_status(request, reference: str):
    """Poll this after sending the payer to ``next_url`` until ``finished`` is true. The provider's
    webhook (``POST /payments/callback/<provider>/``) is what moves the state on. 404 for a
    payment that is not the citizen's."""
    payment = Payment.objects.filter(payer=request.auth, reference=reference).select_related("bill").first()
    if payment is None:
        return _error(404, "not_found", _("You have no payment with this reference."))
    return Status(200, _status_out(payment))


@router.post(
    "/bills/{reference}/payments",
    response={201: PaymentStatusOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 503: ErrorOut},
    summary="Start paying one of the citizen's bills",
)
def payment_start(
    request,
    response: HttpResponse,
    reference: str,
    body: PaymentCreateIn,
    idempotency_key: str = Header(
        ...,
        alias="Idempotency-Key",
        description="1 to 100 printable ASCII characters, without spaces.",
        example="a3f1c2e4-pay-1",
    ),
):
    """Open a payment of the whole amount due through the platform's card provider and answer
    ``201`` with ``next_url``, where the payer enters their card details.

    * The same ``Idempotency-Key`` with the same body returns the same payment (``201`` again,
      with the header ``Idempotent-Replayed: true``); with a different body (another bill,
      amount, currency or return_url): ``422``, code ``idempotency_conflict``.
    * ``amount`` and ``currency`` must be the bill's amount due and currency (``400``).
    * A paid or cancelled bill, or one someone else is paying: ``409``.
    * The provider unreachable: ``503``; nothing was charged and the bill can be paid again.

    How the payment ends reaches the platform through the provider's signed webhook,
    ``POST /payments/callback/<provider>/``; poll ``GET /api/payments/payments/{reference}``.
    """
    from ecitizen.payments.services import amount_due, payment_create

    user = request.auth
    bill = Bill.objects.filter(payer=user, reference=reference).select_related("agency").first()
    if bill is None:
        return _error(404, "not_found", _("You have no bill with this reference."))
    if not _KEY.match(idempotency_key or ""):
        return _error(
            400,
            "invalid_idempotency_key",
            _("The Idempotency-Key header must be 1 to 100 printable characters, without spaces."),
        )
    return_url = site_path(body.return_url)
    if return_url is None:
        return _error(400, "invalid_return_url", _("return_url must be a path on this site, starting with /."))

    earlier = Payment.objects.filter(payer=user, idempotency_key=idempotency_key).select_related("bill").first()
    if earlier is not None:
        same = (
            earlier.bill_id == bill.pk
            and earlier.amount == body.amount
            and earlier.currency == body.currency
            and earlier.return_url == return_url
        )
        if not same:
            return _error(
                422,
                "idempotency_conflict",
                _("This Idempotency-Key was already used for a different request. Use a new key for a new payment."),
            )
        response["Idempotent-Replayed"] = "true"
        return Status(201, _status_out(earlier))

    if body.currency != bill.currency:
        return _error(400, "invalid_currency", _("This bill is in %(currency)s.") % {"currency": bill.currency})
    due = amount_due(bill)
    if bill.status == BillStatus.OPEN and body.amount != due:
        return _error(
            400,
            "invalid_amount",
            _("The amount must be the amount due: %(amount)s (%(minor)d in minor units).")
            % {"amount": format_money(due, bill.currency), "minor": due},
        )
    try:
        payment = payment_create(payer=user, bill=bill, idempotency_key=idempotency_key, return_url=return_url)
    except PermissionDenied:
        return _error(404, "not_found", _("You have no bill with this reference."))
    except ValidationError as exc:
        code = exc.code or "invalid"
        message = " ".join(exc.messages)
        if code == "idempotency_conflict":
            return _error(422, code, message)
        if code in _CONFLICT_CODES:
            return _error(409, code, message)
        if code == "provider_unavailable":
            return _error(503, code, message)
        return _error(400, code, message)
    # Also the payer's own payment already in progress for this bill, if one was opened with another key.
    return Status(201, _status_out(payment))
