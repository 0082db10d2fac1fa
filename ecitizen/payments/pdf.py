"""A payment receipt as a one-page A4 PDF (reportlab, the PDF standard fonts).

Like issued documents, right-to-left languages are rendered in the default
language until a shaping engine and an Arabic font are bundled.
"""

from __future__ import annotations

import io
import re
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ecitizen.core.i18n import pick
from ecitizen.core.money import format_money
from ecitizen.payments.models import Payment
from ecitizen.payments.selectors import receipt_context


def _pdf_language(language: str | None) -> str:
    language = (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return settings.LANGUAGE_CODE if language in settings.LANGUAGES_BIDI else language


def receipt_filename(payment: Payment) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", f"receipt-{payment.reference}").strip("-.") + ".pdf"


def render_receipt_pdf(payment: Payment, *, language: str | None = None) -> bytes:
    """The receipt for a successful *payment* as PDF bytes, in *language* (default: the active one)."""
    language = _pdf_language(language)
    with translation.override(language):
        return _render(payment, language)


def _render(payment: Payment, language: str) -> bytes:
    styles = getSampleStyleSheet()
    small = ParagraphStyle(
        "small", parent=styles["Normal"], fontSize=9, leading=12, textColor=colors.HexColor("#505a5f")
    )
    label = ParagraphStyle("label", parent=styles["Normal"], fontName="Helvetica-Bold", fontSize=10, leading=13)
    value = ParagraphStyle("value", parent=styles["Normal"], fontSize=11, leading=14)
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
        (_("Date and time"), formats.date_format(paid_at, "DATETIME_FORMAT") if paid_at else "—"),
    ]
    if receipt["refunded"]:
        rows.append((_("Refunded"), money(receipt["refunded"]["amount"])))

    def table(data, widths):
        grid = Table(data, colWidths=widths)
        grid.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.HexColor("#b1b4b6")),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                    ("TOPPADDING", (0, 0), (-1, -1), 6),
                ]
            )
        )
        return grid

    lines = [[Paragraph(escape(_("What you paid for")), label), Paragraph(escape(_("Amount")), label)]] + [
        [
            Paragraph(escape(f"{pick(line['description'], language)} ({line['kind']})"), value),
            Paragraph(escape(money(line["amount"])), value),
        ]
        for line in receipt["lines"]
    ]
    story = [
        Paragraph(escape(settings.PLATFORM_NAME), small),
        Spacer(1, 4 * mm),
        Paragraph(escape(_("Payment receipt")), ParagraphStyle("title", parent=styles["Title"], alignment=TA_LEFT)),
        Spacer(1, 4 * mm),
        table(
            [[Paragraph(escape(str(k)), label), Paragraph(escape(str(v)), value)] for k, v in rows], [50 * mm, 115 * mm]
        ),
        Spacer(1, 8 * mm),
        table(lines, [125 * mm, 40 * mm]),
        Spacer(1, 8 * mm),
        Paragraph(
            escape(_("Keep this receipt. Quote the receipt number if you contact us about this payment.")), small
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
