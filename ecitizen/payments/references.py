"""How bills, payments and refunds read in the audit log (registered in PaymentsConfig.ready())."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from ecitizen.core.references import ObjectReference, int_keys, register_reference, visible_keys
from ecitizen.payments.models import Bill, Payment, Refund
from ecitizen.payments.staff_policies import staff_payment_policy


def bill_references(viewer: Any, pks: Sequence[str]) -> dict[str, ObjectReference]:
    """The bill's reference. No link: the back office has no page for a bill as such (only the counter)."""
    keys = int_keys(pks)
    return {
        str(pk): ObjectReference(kind=_("Bill"), text=reference)
        for pk, reference in Bill.objects.filter(pk__in=keys).values_list("pk", "reference")
    }


def payment_references(viewer: Any, pks: Sequence[str]) -> dict[str, ObjectReference]:
    keys = int_keys(pks)
    visible = visible_keys(staff_payment_policy.scope(viewer, "view"), keys)
    return {
        str(pk): ObjectReference(
            kind=_("Payment"),
            text=reference,
            url=reverse("payments_staff:payment", args=[reference]) if pk in visible else "",
        )
        for pk, reference in Payment.objects.filter(pk__in=keys).values_list("pk", "reference")
    }


def refund_references(viewer: Any, pks: Sequence[str]) -> dict[str, ObjectReference]:
    """A refund reads as the payment it gives back, linked to that payment's page."""
    keys = int_keys(pks)
    visible = visible_keys(staff_payment_policy.scope(viewer, "view"), keys, via="refunds__pk")
    return {
        str(pk): ObjectReference(
            kind=_("Refund"),
            text=_("Refund of %(payment)s") % {"payment": reference},
            url=reverse("payments_staff:payment", args=[reference]) if payment_pk in visible else "",
        )
        for pk, payment_pk, reference in Refund.objects.filter(pk__in=keys).values_list(
            "pk", "payment_id", "payment__reference"
        )
    }


def register() -> None:
    register_reference("payments.bill", bill_references)
    register_reference("payments.payment", payment_references)
    register_reference("payments.refund", refund_references)
