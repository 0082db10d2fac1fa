"""The interface every payment provider implements (card gateways, the sandbox).

A provider knows nothing of bills or the database: the payments services
call it and record what it answers. Every call may raise ProviderUnavailable
(network down, timeout, 5xx); the services then keep the bill payable and
record nothing as taken.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field


class ProviderUnavailable(Exception):
    """The provider could not be reached or answered with an error of its own."""


class BadSignature(Exception):
    """A callback whose signature does not verify: forged or corrupted."""


class IgnoredCallback(ValueError):
    """A genuine, correctly signed callback that concerns none of our payments.

    Answered with 200 so the provider stops resending it; nothing is recorded.
    """


@dataclass(frozen=True)
class ProviderPayment:
    """What a provider says about one payment. ``status`` uses our PaymentStatus values."""

    provider_id: str
    status: str
    amount: int
    currency: str
    next_url: str = ""
    failure_code: str = ""
    failure_message: str = ""
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ProviderRefund:
    provider_refund_id: str
    status: str  # "success", "submitted" or "failed"
    amount: int


@dataclass(frozen=True)
class CallbackEvent:
    """A verified provider notification: which payment, its new state, and the event's own id."""

    event_id: str
    provider_id: str
    payment: ProviderPayment


class PaymentProvider(ABC):
    name: str

    @abstractmethod
    def create(
        self, *, reference: str, amount: int, currency: str, description: str, return_url: str
    ) -> ProviderPayment:
        """Open a payment; ``next_url`` is where the payer goes to enter card details."""

    @abstractmethod
    def get_status(self, provider_id: str) -> ProviderPayment:
        """Ask the provider for the payment's current state."""

    @abstractmethod
    def capture(self, provider_id: str) -> ProviderPayment:
        """Take money that was only authorised (a no-op for providers that capture at once)."""

    @abstractmethod
    def cancel(self, provider_id: str) -> ProviderPayment:
        """Cancel a payment that has not finished."""

    @abstractmethod
    def refund(self, provider_id: str, *, amount: int, reference: str) -> ProviderRefund:
        """Return *amount* of a successful payment."""

    @abstractmethod
    def parse_callback(self, *, body: bytes, headers: dict[str, str]) -> CallbackEvent:
        """Verify a callback's signature (raise BadSignature) and read it."""

    @abstractmethod
    def list_payments(self, day) -> list[ProviderPayment]:
        """The provider's own record of payments made on *day*, for reconciliation."""
