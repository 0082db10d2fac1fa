"""A payment receipt as a one-page A4 PDF (reportlab).

Rendered in the payer's account language with the bundled font, Arabic
shaping and bidi, like issued documents (see :mod:`ecitizen.documents.pdftext`).
"""

from __future__ import annotations

import io
import re

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer

from ecitizen.accounts.selectors import preferred_language_for
from ecitizen.core.dates import format_datetime
from ecitizen.core.i18n import pick
from ecitizen.core.money import format_money
from ecitizen.documents.pdftext import Layout
from ecitizen.payments.models import Payment
from ecitizen.payments.selectors import receipt_context


def _pdf_language(payment: Payment, language: str | None) -> str:
    """*language* if given, else the payer's account language, else the active one (one of LANGUAGES)."""
    payer = payment.payer if payment.payer_id else None
    chosen = language or (preferred_language_for(payer) if payer is not None else "") or translation.get_language()
    chosen = (chosen or settings.LANGUAGE_CODE).split("-")[0]
    return chosen if chosen in {code for code, _name in settings.LANGUAGES} else settings.LANGUAGE_CODE


def receipt_filename(payment: Payment) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", f"receipt-{payment.reference}").strip("-.") + ".pdf"


def render_receipt_pdf(payment: Payment, *, language: str | None = None) -> bytes:
    """The receipt for a successful *payment* as PDF bytes, in *language* (default: the payer's language)."""
    language = _pdf_language(payment, language)
    with translation.override(language):
        return _render(payment, language)


def _render(payment: Payment, language: str) -> bytes:
    layout = Layout(language)
    width = A4[0] - 40 * mm
    receipt = receipt_context(payment)

    def money(amount: int) -> str:
        return format_money(amount, payment.currency, language)

    paid_at = timezone.localtime(payment.finished_at) if payment.finished_at else None
    rows = [
        (_("Receipt number"), payment.reference),
        (_("Bill reference"), receipt["bill_reference"]),
        (_("Paid to"), receipt["agency"]),
        (_("Paid by"), receipt["payer_name"] or "—"),
        (_("Amount paid"), money(payment.amount)),
        (_("Payment method"), str(receipt["method"])),
        (_("Date and time"), format_datetime(paid_at) if paid_at else "—"),
    ]
    if receipt["refunded"]:
        rows.append((_("Refunded"), money(receipt["refunded"]["amount"])))

    lines = [[(_("What you paid for"), "label"), (_("Amount"), "label")]] + [
        [(f"{pick(line['description'], language)} ({line['kind']})", "value"), (money(line["amount"]), "value")]
        for line in receipt["lines"]
    ]
    story = [
        layout.para(settings.PLATFORM_NAME, "small", width),
        Spacer(1, 4 * mm),
        layout.para(_("Payment receipt"), "title", width),
        Spacer(1, 6 * mm),
        layout.table([[(k, "label"), (v, "value")] for k, v in rows], [50 * mm, width - 50 * mm]),
        Spacer(1, 8 * mm),
        layout.table(lines, [width - 40 * mm, 40 * mm]),
        Spacer(1, 8 * mm),
        layout.para(
            _("Keep this receipt. Quote the receipt number if you contact us about this payment."), "small", width
        ),
    ]
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=f"{_('Payment receipt')} {payment.reference}",
        author=settings.PLATFORM_NAME,
        creator=settings.PLATFORM_NAME,
        lang=language,
    ).build(story)
    return buffer.getvalue()
