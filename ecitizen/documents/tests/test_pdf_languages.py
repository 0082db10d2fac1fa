"""PDFs in the holder's language: Arabic shaped and in right-to-left order, names in any script.

Coverage of the bundled font (DejaVu Sans): Latin, Greek, Cyrillic, Armenian, Georgian, Hebrew and
Arabic. Chinese, Japanese and Korean need a font listed in PDF_FALLBACK_FONTS; without one those
characters print as empty boxes, and rendering never fails.
"""

from __future__ import annotations

import io
import unicodedata

import pytest
from pypdf import PdfReader

from ecitizen.documents.pdf import render_document_pdf
from ecitizen.documents.pdftext import base_direction, display_order, ltr, shape, visual_markup

pytestmark = pytest.mark.django_db

ARABIC_NAME = "تصريح وقوف السيارات للمقيمين"


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def logical(text: str) -> str:
    """Extracted text with Arabic presentation forms folded back to plain letters."""
    return unicodedata.normalize("NFKC", text)


def contains_arabic(text: str, wanted: str) -> bool:
    """*wanted* is in *text* in reading order, or in the visual order a PDF draws it."""
    folded = logical(text)
    return wanted in folded or wanted[::-1] in folded


def is_shaped(text: str) -> bool:
    """Arabic letters in their joined (presentation) forms, as drawn."""
    return any("\ufb50" <= char <= "\ufeff" for char in text)


@pytest.fixture
def arabic_holder(citizen):
    citizen.profile.preferred_language = "ar"
    citizen.profile.given_name = "أمينة"
    citizen.profile.family_name = "حداد"
    citizen.profile.save()
    return citizen


@pytest.fixture
def arabic_document(document):
    document.title = {"en": "Resident parking permit", "ar": ARABIC_NAME}
    document.holder_name = "أمينة حداد (Amina Haddad)"
    document.save(update_fields=["title", "holder_name"])
    return document


def test_the_pdf_is_in_the_holders_account_language(arabic_holder, arabic_document):
    data = render_document_pdf(arabic_document)  # no language given: the holder's, Arabic

    text = pdf_text(data)
    assert is_shaped(text)
    assert contains_arabic(text, ARABIC_NAME)
    assert contains_arabic(text, "أمينة حداد")
    assert "Amina Haddad" in text
    assert "CC-2026-000123" in text
    assert b"/Lang (ar)" in data
    assert b"DejaVuSans" in data  # the bundled font is embedded


def test_an_explicit_language_wins_over_the_account_language(arabic_holder, arabic_document):
    text = pdf_text(render_document_pdf(arabic_document, language="en"))

    assert "Resident parking permit" in text
    assert "Holder" in text


def test_greek_and_cyrillic_names_render(document):
    document.holder_name = "Ζωή Παπαδοπούλου / Жанна Иванова"
    document.save(update_fields=["holder_name"])

    text = pdf_text(render_document_pdf(document, language="en"))

    assert "Ζωή Παπαδοπούλου" in text
    assert "Жанна Иванова" in text


def test_a_name_the_font_lacks_never_breaks_the_pdf(document):
    document.holder_name = "王小明 Wang Xiaoming 김민준"
    document.save(update_fields=["holder_name"])

    data = render_document_pdf(document, language="ar")

    assert data.startswith(b"%PDF")
    assert "Wang Xiaoming" in pdf_text(data)


# --- Shaping and bidi ---------------------------------------------------------------


def test_shaping_joins_arabic_letters():
    assert shape("سلام") != "سلام"
    assert unicodedata.normalize("NFKC", shape("سلام")) == "سلام"
    assert shape("Hello") == "Hello"


def test_arabic_is_drawn_right_to_left_with_brackets_mirrored():
    drawn = display_order(shape("الوثيقة (تصريح) أصلية"), base="R")

    # The first word read is drawn last (rightmost); the brackets still open towards the word.
    assert unicodedata.normalize("NFKC", drawn).endswith("الوثيقة"[::-1])
    assert "(" in drawn and drawn.index("(") < drawn.index(")")


def test_latin_text_keeps_its_order_in_an_arabic_document():
    assert base_direction("Sell goods.", rtl=True) == "L"
    assert display_order("Sell goods.", base="L") == "Sell goods."


def test_an_address_stays_left_to_right_inside_arabic():
    drawn = display_order(shape(f"انتقل إلى {ltr('http://x.example/verify/')} الآن"), base="R")

    assert "http://x.example/verify/" in drawn
    assert "\u202a" not in drawn and "\u202c" not in drawn


def test_long_arabic_text_wraps_in_reading_order():
    text = " ".join(["كلمة", "ثانية", "ثالثة", "رابعة"] * 10)

    markup = visual_markup(text, font_name="ECitizenSans", font_size=11, width=150, rtl=True)

    lines = markup.split("<br/>")
    assert len(lines) > 2
    # Each line is one stretch of the text reversed for drawing: the first line holds the first words.
    assert unicodedata.normalize("NFKC", lines[0])[::-1].strip().startswith("كلمة ثانية")


def test_a_fallback_font_draws_what_the_bundled_font_lacks(settings, tmp_path):
    from pathlib import Path

    from ecitizen.documents import pdftext

    candidates = [
        Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
        Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    ]
    font = next((p for p in candidates if p.suffix == ".ttf" and p.exists()), None)
    if font is None:
        pytest.skip("no CJK TrueType font installed here (Debian: fonts-droid-fallback)")
    settings.PDF_FALLBACK_FONTS = [str(font)]
    pdftext._registered.cache_clear()
    try:
        markup = visual_markup("王 Wang", font_name="ECitizenSans", font_size=11, width=300, rtl=False)
    finally:
        settings.PDF_FALLBACK_FONTS = []
        pdftext._registered.cache_clear()

    assert markup.startswith('<font face="ECitizenFallback0">王</font>')
