"""Bills, the payments that settle them, refunds, and taxes.

Money is always integer minor units (pence, cents) with an ISO 4217 currency.
Payment states follow GOV.UK Pay: created → started → submitted → success,
or failed / cancelled / error; the last four are *finished*.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ecitizen.core.i18n import pick

CURRENCY_VALIDATOR = RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter currency code such as GBP."))


class BillStatus(models.TextChoices):
    OPEN = "open", _("To pay")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


class Bill(models.Model):
    """Something owed to an agency: an application's fee or a tax instalment.

    ``payer`` is the account that owes it; a tax bill imported before its
    payer has an account has no payer yet and is matched later through
    ``payer_national_id_index`` (the blind index of the national ID).
    ``total`` is the sum of the lines, penalties included.
    """

    reference = models.CharField(max_length=24, unique=True)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="bills")
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="bills"
    )
    payer_name = models.CharField(max_length=200, blank=True)
    payer_national_id_index = models.CharField(max_length=64, blank=True, db_index=True)
    application = models.OneToOneField(
        "cases.Application", null=True, blank=True, on_delete=models.PROTECT, related_name="bill"
    )
    assessment = models.ForeignKey(
        "TaxAssessment", null=True, blank=True, on_delete=models.PROTECT, related_name="bills"
    )
    instalment = models.PositiveSmallIntegerField(null=True, blank=True)
    description = models.JSONField(default=dict)
    currency = models.CharField(max_length=3, validators=[CURRENCY_VALIDATOR])
    total = models.PositiveBigIntegerField()
    due_date = models.DateField()
    status = models.CharField(max_length=10, choices=BillStatus.choices, default=BillStatus.OPEN)
    paid_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["payer", "status", "due_date"], name="bill_payer_status"),
            models.Index(fields=["agency", "status", "due_date"], name="bill_agency_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "instalment"],
                condition=Q(assessment__isnull=False),
                name="bill_one_per_instalment",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    def display_description(self, language: str | None = None) -> str:
        return pick(self.description, language)


class LineKind(models.TextChoices):
    FEE = "fee", _("Fee")
    TAX = "tax", _("Tax")
    PENALTY = "penalty", _("Late payment penalty")


class BillLine(models.Model):
    """One item of a bill. ``amount`` is positive, in the bill's currency."""

    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=10, choices=LineKind.choices)
    description = models.JSONField(default=dict)
    amount = models.PositiveBigIntegerField(validators=[MinValueValidator(1)])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.bill} {self.kind} {self.amount}"


class PaymentStatus(models.TextChoices):
    CREATED = "created", _("Created")
    STARTED = "started", _("Started")
    SUBMITTED = "submitted", _("Submitted")
    SUCCESS = "success", _("Successful")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    ERROR = "error", _("Error")


IN_PROGRESS = (PaymentStatus.CREATED, PaymentStatus.STARTED, PaymentStatus.SUBMITTED)
FINISHED = (PaymentStatus.SUCCESS, PaymentStatus.FAILED, PaymentStatus.CANCELLED, PaymentStatus.ERROR)


class Method(models.TextChoices):
    SANDBOX = "sandbox", _("Card (sandbox)")
    STRIPE = "stripe", _("Card")
    CASH = "cash", _("Cash at a counter")
    CARD_TERMINAL = "card_terminal", _("Card terminal at a counter")


class Payment(models.Model):
    """One attempt to pay one bill, through a provider or at a counter.

    At most one payment per bill is in progress at a time (a partial unique
    constraint). ``idempotency_key`` and ``request_hash`` make creation
    idempotent per payer; ``provider_id`` is the provider's own id.
    ``recorded_by`` is the staff member for counter payments.
    """

    reference = models.CharField(max_length=32, unique=True)
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="payments")
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    amount = models.PositiveBigIntegerField(validators=[MinValueValidator(1)])
    currency = models.CharField(max_length=3, validators=[CURRENCY_VALIDATOR])
    method = models.CharField(max_length=16, choices=Method.choices)
    provider_id = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.CREATED)
    failure_code = models.CharField(max_length=40, blank=True)
    failure_message = models.CharField(max_length=300, blank=True)
    next_url = models.URLField(max_length=500, blank=True)
    return_url = models.CharField(max_length=300, blank=True)
    idempotency_key = models.CharField(max_length=100, blank=True)
    request_hash = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "expires_at"], name="payment_expiry"),
            models.Index(fields=["bill", "status"], name="payment_bill_status"),
            models.Index(fields=["method", "created_at"], name="payment_method_day"),
            # The analytics rollups read a day's payments by when they finished.
            models.Index(fields=["finished_at"], name="payment_finished"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["bill"],
                condition=Q(status__in=["created", "started", "submitted"]),
                name="payment_one_in_progress_per_bill",
            ),
            models.UniqueConstraint(
                fields=["payer", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="payment_idempotency_key_per_payer",
            ),
            models.UniqueConstraint(
                fields=["method", "provider_id"],
                condition=~Q(provider_id=""),
                name="payment_provider_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


class PaymentEvent(models.Model):
    """A change of a payment's state, and what caused it (the payer, a callback, a task, staff)."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    source = models.CharField(max_length=20)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.payment} {self.from_status}→{self.to_status}"


class ProviderCallback(models.Model):
    """A provider notification already handled: replays and duplicates change nothing."""

    provider = models.CharField(max_length=16)
    event_id = models.CharField(max_length=100)
    received_at = models.DateTimeField(auto_now_add=True)
    payload = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="callback_once")]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id}"


class RefundStatus(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting a second approval")
    PENDING = "pending", _("Being sent to the provider")
    SUBMITTED = "submitted", _("Submitted")
    SUCCESS = "success", _("Refunded")
    FAILED = "failed", _("Failed")
    REJECTED = "rejected", _("Rejected")


class Refund(models.Model):
    """Money returned from a successful payment.

    ``automatic`` marks a refund the platform made on its own (a duplicate payment, or a payment
    for a cancelled bill). A refund is written as ``pending`` before the provider is asked (the
    money is spoken for), then records the provider's answer; ``failure_code`` says why one failed
    or is waiting (``provider_unavailable``).
    """

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.PositiveBigIntegerField(validators=[MinValueValidator(1)])
    reason = models.CharField(max_length=500)
    status = models.CharField(max_length=20, choices=RefundStatus.choices)
    automatic = models.BooleanField(default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    provider_refund_id = models.CharField(max_length=100, blank=True)
    failure_code = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Refund {self.amount} of {self.payment}"

    @property
    def provider_reference(self) -> str:
        """Our reference for this one refund at the provider (its idempotency key): never reused."""
        return f"{self.payment.reference}-R{self.pk}"


class AgencyPaymentSettings(models.Model):
    """Per-agency payment rules.

    When the refunds of one payment would add up to more than ``four_eyes_threshold`` (minor
    units), a second staff member must approve. A change of the threshold proposed by one agency
    admin (``proposed_threshold``, ``proposed_by``) takes effect only when another agency admin of
    the agency or a platform admin confirms it.
    """

    agency = models.OneToOneField("agencies.Agency", on_delete=models.CASCADE, related_name="payment_settings")
    four_eyes_threshold = models.PositiveBigIntegerField(default=10000)
    proposed_threshold = models.PositiveBigIntegerField(null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Payment settings of {self.agency}"

    @property
    def has_proposal(self) -> bool:
        return self.proposed_threshold is not None


class Tax(models.Model):
    """A tax an agency levies: ``rate_basis_points`` of an assessed value, per year, in
    ``instalments`` equal parts, with a monthly late penalty after ``grace_days``."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="taxes")
    code = models.SlugField(max_length=40)
    name = models.JSONField(default=dict)
    description = models.JSONField(default=dict, blank=True)
    currency = models.CharField(max_length=3, validators=[CURRENCY_VALIDATOR], default="GBP")
    # xgettext:no-python-format
    rate_basis_points = models.PositiveIntegerField(help_text=_("1% is 100 basis points."))
    instalments = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    first_due_month = models.PositiveSmallIntegerField(default=4)
    penalty_basis_points_per_month = models.PositiveIntegerField(default=0)
    penalty_grace_days = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "code"], name="tax_code_per_agency")]

    def __str__(self) -> str:
        return pick(self.name)


class TaxAssessment(models.Model):
    """What one subject (a property, a business) owes a tax for a year, before instalments."""

    tax = models.ForeignKey(Tax, on_delete=models.PROTECT, related_name="assessments")
    year = models.PositiveSmallIntegerField()
    subject_ref = models.CharField(max_length=64)
    subject_description = models.CharField(max_length=300, blank=True)
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payer_name = models.CharField(max_length=200)
    payer_national_id_index = models.CharField(max_length=64, blank=True, db_index=True)
    assessed_value = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tax", "year", "subject_ref"], name="assessment_once_per_year")]

    def __str__(self) -> str:
        return f"{self.tax.code} {self.year} {self.subject_ref}"


class BillReferenceCounter(models.Model):
    """The last bill number an agency gave in a year (CC-B-2026-000123)."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="bill_reference_counter_unique")]

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.year}: {self.last_number}"


class SandboxCharge(models.Model):
    """The sandbox gateway's own record of a charge (see providers/sandbox.py).

    This is the *gateway's* side, kept apart from :class:`Payment` on purpose:
    our services only learn about it through the provider interface, as they
    would from a real gateway. ``outcome`` is what the card entered decided,
    applied when the charge settles; ``refunds`` lists the refunds it made.
    """

    provider_id = models.CharField(max_length=64, unique=True)
    reference = models.CharField(max_length=32)
    amount = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    description = models.CharField(max_length=300, blank=True)
    return_url = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.CREATED)
    outcome = models.JSONField(default=dict, blank=True)
    failure_code = models.CharField(max_length=40, blank=True)
    failure_message = models.CharField(max_length=300, blank=True)
    card_brand = models.CharField(max_length=20, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    refunds = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.provider_id
