"""The printable document: a one-page A4 PDF with a QR code that proves it.

The QR code holds the verify address with the signed token in it, so a
phone camera opens the check page, and an offline verifier can check the
token against the published JWKS without asking us.

Rendered with the PDF standard fonts (no font files to ship), which cover
Western European scripts; right-to-left languages are rendered in the
default language until a shaping engine and an Arabic font are bundled.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode
from xml.sax.saxutils import escape

import qrcode
from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ecitizen.documents.models import IssuedDocument

QR_SIZE = 55 * mm


def verify_url(token: str) -> str:
    """The public check page for *token*, as an absolute address."""
    return f"{settings.SITE_URL.rstrip('/')}{reverse('documents:verify')}?{urlencode({'t': token})}"


def qr_payload(document: IssuedDocument) -> str:
    """What the document's QR code encodes: the check address with the signed token."""
    return verify_url(document.token)


def _qr_drawing(data: str, size: float = QR_SIZE) -> Drawing:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    cell = size / len(matrix)
    drawing = Drawing(size, size)
    for row_index, row in enumerate(matrix):
        y = size - (row_index + 1) * cell
        for col_index, dark in enumerate(row):
            if dark:
                drawing.add(Rect(col_index * cell, y, cell, cell, fillColor=colors.black, strokeColor=None))
    return drawing


def _pdf_language(language: str | None) -> str:
    language = (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return settings.LANGUAGE_CODE if language in settings.LANGUAGES_BIDI else language


def _date(value) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def render_document_pdf(document: IssuedDocument, *, language: str | None = None) -> bytes:
    """The document as PDF bytes, in *language* (default: the active one)."""
    language = _pdf_language(language)
    with translation.override(language):
        return _render(document, language)


def _render(document: IssuedDocument, language: str) -> bytes:
    styles = getSampleStyleSheet()
    small = ParagraphStyle(
        "small", parent=styles["Normal"], fontSize=9, leading=12, textColor=colors.HexColor("#505a5f")
    )
    label = ParagraphStyle("label", parent=styles["Normal"], fontName="Helvetica-Bold", fontSize=10, leading=13)
    value = ParagraphStyle("value", parent=styles["Normal"], fontSize=11, leading=14)
    warning = ParagraphStyle("warning", parent=styles["Heading2"], textColor=colors.HexColor("#d4351c"))

    kind = document.get_kind_display()
    title = document.display_title(language)
    rows = [
        (_("Holder"), document.holder_name),
        (_("What is permitted"), document.display_permitted(language) or title),
        (_("Valid from"), _date(document.valid_from)),
        (_("Valid until"), _date(document.valid_until) if document.valid_until else _("Does not expire")),
        (_("Document number"), document.number),
        (_("Application reference"), document.reference),
        (_("Issued by"), document.agency.name),
        (_("Issued on"), _date(timezone.localdate(document.issued_at))),
    ]
    table = Table(
        [[Paragraph(escape(str(k)), label), Paragraph(escape(str(v)), value)] for k, v in rows],
        colWidths=[50 * mm, 115 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.HexColor("#b1b4b6")),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    check_text = _(
        "Scan the code to check this %(kind)s is genuine and still valid, or go to %(url)s and enter the "
        "document number %(number)s."
    ) % {
        "kind": kind.lower(),
        "url": f"{settings.SITE_URL.rstrip('/')}{reverse('documents:verify')}",
        "number": document.number,
    }
    story = [
        Paragraph(escape(settings.PLATFORM_NAME), small),
        Spacer(1, 4 * mm),
        Paragraph(escape(kind), styles["Heading3"]),
        Paragraph(escape(title), ParagraphStyle("title", parent=styles["Title"], alignment=TA_LEFT)),
        Spacer(1, 4 * mm),
    ]
    if document.revoked_at is not None:
        story.append(
            Paragraph(
                escape(_("Revoked on %(date)s") % {"date": _date(timezone.localdate(document.revoked_at))}), warning
            )
        )
    story += [
        table,
        Spacer(1, 8 * mm),
        Table(
            [[_qr_drawing(qr_payload(document)), Paragraph(escape(check_text), small)]],
            colWidths=[QR_SIZE + 6 * mm, 109 * mm],
            style=TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]),
        ),
    ]
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=f"{kind} {document.number}",
        author=settings.PLATFORM_NAME,
        subject=title,
        creator=settings.PLATFORM_NAME,
        lang=language,
    )
    pdf.build(story)
    return buffer.getvalue()
