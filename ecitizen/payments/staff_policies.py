"""Who in the back office may see and act on payments.

Caseworkers and agency admins work their agency's bills and payments: they
look payments up, take counter payments and request refunds; a second one of
them approves a large refund. Auditors of the agency may read the reports
(reconciliation, takings) but act on nothing. Platform admins (superusers)
read every agency's reports. Staff of another agency get 404: an object
outside someone's scope is never revealed.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ecitizen.agencies.models import Agency, Role
from ecitizen.agencies.selectors import agencies_where
from ecitizen.core.policies import Policy
from ecitizen.payments.models import Bill, Payment, Refund, RefundStatus

#: Roles that may take payments, request refunds and approve other people's refunds.
PAYMENT_ROLES = (Role.CASEWORKER, Role.AGENCY_ADMIN)
#: Roles that may read the agency's payment reports.
REPORT_ROLES = (Role.CASEWORKER, Role.AGENCY_ADMIN, Role.AUDITOR)


def payment_agencies(user: Any) -> QuerySet[Agency]:
    """Agencies whose payments *user* may work (take, refund, approve)."""
    return agencies_where(user, *PAYMENT_ROLES)


def report_agencies(user: Any) -> QuerySet[Agency]:
    """Agencies whose payment reports *user* may read; every active agency for a platform admin."""
    if not user.is_authenticated:
        return Agency.objects.none()
    if user.is_superuser:
        return Agency.objects.filter(is_active=True)
    return agencies_where(user, *REPORT_ROLES)


def settings_agencies(user: Any) -> QuerySet[Agency]:
    """Agencies whose payment settings (the four-eyes threshold) *user* may propose to change."""
    return agencies_where(user, Role.AGENCY_ADMIN)


def settings_confirm_agencies(user: Any) -> QuerySet[Agency]:
    """Agencies where *user* may confirm (or withdraw) a proposed change of the payment settings:
    their agency admins, and platform admins for every active agency. Whether they proposed it
    themselves is checked on the proposal (nobody confirms their own)."""
    if not user.is_authenticated:
        return Agency.objects.none()
    if user.is_superuser:
        return Agency.objects.filter(is_active=True)
    return settings_agencies(user)


def is_payment_staff(user: Any, agency: Agency) -> bool:
    return payment_agencies(user).filter(pk=agency.pk).exists()


class StaffPaymentPolicy(Policy[Payment]):
    model = Payment

    def can(self, user: Any, action: str) -> bool:
        return bool(user.is_authenticated) and payment_agencies(user).exists()

    def scope(self, user: Any, action: str) -> QuerySet[Payment]:
        if not user.is_authenticated:
            return Payment.objects.none()
        return Payment.objects.filter(bill__agency__in=payment_agencies(user))


class StaffBillPolicy(Policy[Bill]):
    model = Bill

    def can(self, user: Any, action: str) -> bool:
        return bool(user.is_authenticated) and payment_agencies(user).exists()

    def scope(self, user: Any, action: str) -> QuerySet[Bill]:
        if not user.is_authenticated:
            return Bill.objects.none()
        return Bill.objects.filter(agency__in=payment_agencies(user))


class StaffRefundPolicy(Policy[Refund]):
    """Refunds of the agency's payments. ``approve``: requests still awaiting approval, except the
    requester's own (whether the approver is the payer is checked by the service)."""

    model = Refund

    def can(self, user: Any, action: str) -> bool:
        return bool(user.is_authenticated) and payment_agencies(user).exists()

    def scope(self, user: Any, action: str) -> QuerySet[Refund]:
        if not user.is_authenticated:
            return Refund.objects.none()
        refunds = Refund.objects.filter(payment__bill__agency__in=payment_agencies(user))
        if action == "approve":
            return refunds.filter(status=RefundStatus.AWAITING_APPROVAL).exclude(requested_by=user)
        return refunds


staff_payment_policy = StaffPaymentPolicy()
staff_bill_policy = StaffBillPolicy()
staff_refund_policy = StaffRefundPolicy()
