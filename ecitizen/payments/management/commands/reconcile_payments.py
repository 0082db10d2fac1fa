"""``manage.py reconcile_payments --day 2026-03-31 --provider sandbox``

Compares our payments of one UTC day with the provider's records and prints
every difference, one per line. Exits 0 when everything matches, 1 when
there are differences (so cron or CI can alert), 2 when the provider could
not be reached. ``--day`` defaults to yesterday (UTC).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ecitizen.payments.providers.base import ProviderUnavailable
from ecitizen.payments.reconciliation import reconcile


def _day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--day must be a date like 2026-03-31, not {text!r}") from exc


class Command(BaseCommand):
    help = "Compare one UTC day of payments with the provider's records; exit 1 if they differ."

    def add_arguments(self, parser):
        parser.add_argument("--day", type=_day, default=None, help="YYYY-MM-DD, a UTC day (default: yesterday)")
        parser.add_argument("--provider", default=settings.PAYMENT_PROVIDER, help="a name in PAYMENT_PROVIDERS")

    def handle(self, *args, day: datetime.date | None, provider: str, **options):
        day = day or (timezone.now().date() - datetime.timedelta(days=1))
        if provider not in settings.PAYMENT_PROVIDERS:
            names = ", ".join(settings.PAYMENT_PROVIDERS)
            raise CommandError(f"Unknown provider {provider!r}; configured: {names}")
        try:
            report = reconcile(day=day, provider_name=provider)
        except ProviderUnavailable as exc:
            raise CommandError(f"The provider {provider} could not be reached: {exc}", returncode=2) from exc
        self.stdout.write(
            f"{provider} {day.isoformat()} (UTC): {report.ours} payments here, {report.theirs} at the provider, "
            f"{len(report.mismatches)} differences"
        )
        for m in report.mismatches:
            self.stdout.write(
                "  ".join(
                    [
                        m.kind,
                        f"payment={m.reference or '-'}",
                        f"bill={m.bill_reference or '-'}",
                        f"provider_id={m.provider_id or '-'}",
                        f"ours={_side(m.our_amount, m.currency, m.our_status)}",
                        f"theirs={_side(m.their_amount, m.their_currency, m.their_status)}",
                        f"agency={m.agency_name or '-'}",
                    ]
                )
            )
        if report.mismatches:
            raise CommandError(f"{len(report.mismatches)} differences found", returncode=1)


def _side(amount: int | None, currency: str, status: str) -> str:
    if amount is None:
        return "-"
    return f"{amount}{currency and ' ' + currency}/{status or '-'}"
