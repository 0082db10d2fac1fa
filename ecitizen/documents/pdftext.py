"""Text in PDFs in any of our languages: a bundled font, Arabic shaping and bidi.

reportlab draws glyphs left to right exactly as given, so before a text is
drawn it is made *visual*: Arabic letters are joined into their contextual
forms (``arabic-reshaper``), the text is wrapped into lines at the width it
will be drawn at, and each line is put in display order by the Unicode
bidirectional algorithm (``python-bidi``). Wrapping before reordering keeps
the lines of a long right-to-left paragraph in reading order.

The bundled font is DejaVu Sans (``fonts/``, Bitstream Vera licence with
public-domain changes, see ``fonts/LICENSE-DejaVu.txt``). It covers Latin
(with the accents of Spanish and French), Greek, Cyrillic, Armenian,
Georgian, Hebrew and Arabic. It has no Chinese, Japanese or Korean glyphs:
list TrueType fonts that have them in ``PDF_FALLBACK_FONTS`` (for example
Debian's ``fonts-droid-fallback``), and characters the bundled font lacks are
drawn with the first of them that has them. Without one, such characters
print as empty boxes; rendering never fails because of a name.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import arabic_reshaper
from bidi.algorithm import get_display  # python-bidi's full algorithm: it also mirrors brackets
from django.conf import settings
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "ECitizenSans"
FONT_BOLD = "ECitizenSans-Bold"
CELL_PADDING = 6  # points each side of a table cell


@functools.cache
def _registered() -> tuple[str, ...]:
    """Register the bundled fonts (once per process); the names of the fallback fonts."""
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)
    fallbacks = []
    for index, path in enumerate(getattr(settings, "PDF_FALLBACK_FONTS", []) or []):
        name = f"ECitizenFallback{index}"
        try:
            pdfmetrics.registerFont(TTFont(name, str(path)))
        except Exception:  # noqa: S112 - a missing or unreadable optional font is skipped, never fatal
            continue
        fallbacks.append(name)
    return tuple(fallbacks)


def register_fonts() -> tuple[str, str]:
    """The (regular, bold) font names to draw text with, registered."""
    _registered()
    return FONT, FONT_BOLD


@functools.cache
def _has_glyph(font_name: str, char: str) -> bool:
    font = pdfmetrics.getFont(font_name)
    return ord(char) in font.face.charToGlyph


def is_rtl(language: str | None) -> bool:
    return (language or "").split("-")[0] in settings.LANGUAGES_BIDI


def _has_strong_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)


def shape(text: str) -> str:
    """*text* with Arabic letters in their joined forms (logical order kept)."""
    return arabic_reshaper.reshape(text) if _has_strong_rtl(text) else text


# Explicit direction marks (LRE/RLE/PDF/LRO/RLO, isolates, LRM/RLM): they steer the bidi
# algorithm and are then dropped, since the font has no glyph for them.
_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"))
LTR_EMBED, POP = "\u202a", "\u202c"


def ltr(text: str) -> str:
    """*text* (an address, a number) kept left to right inside a right-to-left sentence."""
    return f"{LTR_EMBED}{text}{POP}"


def base_direction(text: str, *, rtl: bool) -> str:
    """The direction, "L" or "R", of the first letter that has one (Unicode rules P2-P3), else the document's."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "L"
        if kind in ("R", "AL"):
            return "R"
    return "R" if rtl else "L"


def display_order(line: str, *, base: str) -> str:
    """One line, already shaped, in the order its glyphs are drawn from left to right."""
    if base == "L" and not _has_strong_rtl(line):
        return line.translate(_CONTROLS)
    return get_display(line, base_dir=base).translate(_CONTROLS)


def _markup(line: str, font_name: str) -> str:
    """Escape *line* for a Paragraph, putting characters the font lacks in a fallback font that has them."""
    fallbacks = _registered()
    if not fallbacks:
        return escape(line)
    out: list[str] = []
    current: str | None = None
    for char in line:
        face = None
        if not char.isspace() and not _has_glyph(font_name, char):
            face = next((f for f in fallbacks if _has_glyph(f, char)), None)
        if face != current:
            if current is not None:
                out.append("</font>")
            if face is not None:
                out.append(f'<font face="{face}">')
            current = face
        out.append(escape(char))
    if current is not None:
        out.append("</font>")
    return "".join(out)


def visual_markup(text: str, *, font_name: str, font_size: float, width: float, rtl: bool) -> str:
    """*text* as Paragraph markup ready to draw: shaped, wrapped to *width* points, each line in display order.

    Newlines in *text* start new lines.
    """
    register_fonts()
    lines: list[str] = []
    for paragraph in str(text).splitlines() or [""]:
        shaped = shape(paragraph)
        base = base_direction(shaped, rtl=rtl)
        wrapped = simpleSplit(shaped, font_name, font_size, width) if shaped.strip() else [""]
        lines.extend(_markup(display_order(line, base=base), font_name) for line in wrapped)
    return "<br/>".join(lines)


class Layout:
    """Paragraphs and label/value tables in one language: the bundled font, aligned and
    ordered for the language's direction (labels on the right in right-to-left languages)."""

    GREY = "#505a5f"
    RED = "#d4351c"
    RULE = "#b1b4b6"

    def __init__(self, language: str):
        from reportlab.lib import colors
        from reportlab.lib.enums import TA_LEFT, TA_RIGHT
        from reportlab.lib.styles import ParagraphStyle

        self.language = language
        self.rtl = is_rtl(language)
        regular, bold = register_fonts()
        align = TA_RIGHT if self.rtl else TA_LEFT

        def style(name: str, font: str, size: float, leading: float, color: str = "#0b0c0c") -> ParagraphStyle:
            return ParagraphStyle(
                name,
                fontName=font,
                fontSize=size,
                leading=leading,
                alignment=align,
                textColor=colors.HexColor(color),
                spaceAfter=0,
            )

        self.styles = {
            "small": style("small", regular, 9, 12, self.GREY),
            "label": style("label", bold, 10, 13),
            "value": style("value", regular, 11, 14),
            "caption": style("caption", bold, 13, 17, self.GREY),
            "title": style("title", bold, 22, 28),
            "warning": style("warning", bold, 15, 19, self.RED),
        }

    def para(self, text: Any, style: str, width: float) -> Any:
        from reportlab.platypus import Paragraph

        chosen = self.styles[style]
        markup = visual_markup(
            str(text), font_name=chosen.fontName, font_size=chosen.fontSize, width=width, rtl=self.rtl
        )
        return Paragraph(markup, chosen)

    def table(self, rows: list[list[tuple[Any, str]]], widths: list[float], *, rules: bool = True) -> Any:
        """A table of (text, style) cells; columns run right to left in a right-to-left language."""
        from reportlab.lib import colors
        from reportlab.platypus import Table, TableStyle

        if self.rtl:
            rows = [list(reversed(row)) for row in rows]
            widths = list(reversed(widths))
        data = [
            [
                cell if not isinstance(cell, tuple) else self.para(cell[0], cell[1], width - 2 * CELL_PADDING)
                for cell, width in zip(row, widths, strict=True)
            ]
            for row in rows
        ]
        commands = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BOTTOMPADDING", (0, 0), (-1, -1), CELL_PADDING),
            ("TOPPADDING", (0, 0), (-1, -1), CELL_PADDING),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ]
        if rules:
            commands.append(("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.HexColor(self.RULE)))
        # splitInRow: a row taller than a page (a long answer) continues on the next page.
        return Table(
            data,
            colWidths=widths,
            style=TableStyle(commands),
            hAlign="RIGHT" if self.rtl else "LEFT",
            splitInRow=1,
        )
