"""The printable document: a one-page A4 PDF with a QR code that proves it.

The QR code holds the verify address with the signed token in it, so a
phone camera opens the check page, and an offline verifier can check the
token against the published JWKS without asking us.

Rendered in the holder's language (their account language) with a bundled
font, Arabic shaping and bidi (see :mod:`ecitizen.documents.pdftext`), laid
out right to left for right-to-left languages.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlencode

import qrcode
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer

from ecitizen.accounts.selectors import preferred_language_for
from ecitizen.core.dates import format_date
from ecitizen.core.site import site_url
from ecitizen.documents.models import IssuedDocument
from ecitizen.documents.pdftext import Layout, ltr

QR_SIZE = 55 * mm


def verify_url(token: str, request: Any | None = None) -> str:
    """The public check page for *token*, as an absolute address on the site
    *request* came to (SITE_URL outside a request)."""
    return f"{site_url(request)}{reverse('documents:verify')}?{urlencode({'t': token})}"


def qr_payload(document: IssuedDocument, request: Any | None = None) -> str:
    """What the document's QR code encodes: the check address with the signed token."""
    # A PDF outlives the request: it names the site's public address (SITE_URL), never the host
    # this copy happened to be downloaded through (an internal name, say).
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


def pdf_language(holder: Any, language: str | None = None) -> str:
    """The language to print in: *language* if given, else the holder's account language,
    else the active one, else the default (always one of LANGUAGES)."""
    chosen = language or (preferred_language_for(holder) if holder is not None else "") or translation.get_language()
    chosen = (chosen or settings.LANGUAGE_CODE).split("-")[0]
    return chosen if chosen in {code for code, _name in settings.LANGUAGES} else settings.LANGUAGE_CODE


def render_document_pdf(document: IssuedDocument, *, language: str | None = None, request: Any | None = None) -> bytes:
    """The document as PDF bytes, in *language* (default: the holder's account language).

    The QR code and the check address point at the site *request* came to
    (SITE_URL when there is no request).
    """
    language = pdf_language(document.holder, language)
    with translation.override(language):
        return _render(document, language, request)


def _render(document: IssuedDocument, language: str, request: Any | None) -> bytes:
    layout = Layout(language)
    width = A4[0] - 40 * mm
    kind = document.get_kind_display()
    title = document.display_title(language)
    rows = [(_("Holder"), document.holder_name)]
    rows += document.display_fields(language)
    permitted = document.display_permitted(language)
    if permitted:
        rows.append((_("What is permitted"), permitted))
    rows += [
        (_("Valid from"), format_date(document.valid_from)),
        (_("Valid until"), format_date(document.valid_until) if document.valid_until else _("Does not expire")),
        (_("Document number"), document.number),
        (_("Application reference"), document.reference),
        (_("Issued by"), document.agency.display_name),
        (_("Issued on"), format_date(document.issued_at)),
    ]
    table = layout.table([[(k, "label"), (v, "value")] for k, v in rows], [50 * mm, width - 50 * mm])
    check_text = _(
        "Scan the code to check this %(kind)s is genuine and still valid, or go to %(url)s and enter the "
        "document number %(number)s."
    ) % {
        "kind": kind.lower(),
        "url": ltr(f"{site_url()}{reverse('documents:verify')}"),
        "number": ltr(document.number),
    }
    story = [
        layout.para(settings.PLATFORM_NAME, "small", width),
        Spacer(1, 4 * mm),
        layout.para(kind, "caption", width),
        Spacer(1, 2 * mm),
        layout.para(title, "title", width),
        Spacer(1, 6 * mm),
    ]
    if document.revoked_at is not None:
        story += [
            layout.para(_("Revoked on %(date)s") % {"date": format_date(document.revoked_at)}, "warning", width),
            Spacer(1, 4 * mm),
        ]
    story += [
        table,
        Spacer(1, 8 * mm),
        layout.table(
            [[_qr_drawing(qr_payload(document, request)), (check_text, "small")]],
            [QR_SIZE + 6 * mm, width - QR_SIZE - 6 * mm],
            rules=False,
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
