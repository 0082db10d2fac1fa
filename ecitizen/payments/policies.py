"""Who may see and pay bills and payments on the citizen's side.

A citizen sees the bills addressed to them and the payments they made; only
an open bill may be paid. Anyone else's are 404 (never revealed). Staff
access is in staff_policies.py.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ecitizen.core.policies import Policy
from ecitizen.payments.models import Bill, BillStatus, Payment


class CitizenBillPolicy(Policy[Bill]):
    model = Bill

    def can(self, user: Any, action: str) -> bool:
        return bool(user.is_authenticated)

    def scope(self, user: Any, action: str) -> QuerySet[Bill]:
        if not user.is_authenticated:
            return Bill.objects.none()
        mine = Bill.objects.filter(payer=user)
        if action == "pay":
            return mine.filter(status=BillStatus.OPEN)
        return mine


class CitizenPaymentPolicy(Policy[Payment]):
    model = Payment

    def can(self, user: Any, action: str) -> bool:
        return bool(user.is_authenticated)

    def scope(self, user: Any, action: str) -> QuerySet[Payment]:
        if not user.is_authenticated:
            return Payment.objects.none()
        return Payment.objects.filter(payer=user)


citizen_bill_policy = CitizenBillPolicy()
citizen_payment_policy = CitizenPaymentPolicy()
