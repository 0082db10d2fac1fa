"""Bar charts drawn on the server as SVG: they need no JavaScript, and the table beside each
chart carries the same figures for screen readers (the chart itself is ``aria-hidden``)."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from ecitizen.engagement.consultations.selectors import QuestionResult

ROW = 28
LABEL_WIDTH = 200
BAR_WIDTH = 300


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(result: QuestionResult) -> SafeString:
    """One horizontal bar per choice, its length the share of the people who answered."""
    height = ROW * max(len(result.choices), 1) + 4
    width = LABEL_WIDTH + BAR_WIDTH + 80
    bars = format_html_join(
        "",
        '<text x="0" y="{}" class="consultation-chart__label">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" class="consultation-chart__bar"></rect>'
        '<text x="{}" y="{}" class="consultation-chart__value">{}%</text>',
        (
            (
                i * ROW + 18,
                _short(row.label),
                LABEL_WIDTH,
                i * ROW + 4,
                max(round(BAR_WIDTH * row.percent / 100), 1 if row.count else 0),
                ROW - 8,
                LABEL_WIDTH + max(round(BAR_WIDTH * row.percent / 100), 1) + 6,
                i * ROW + 18,
                row.percent,
            )
            for i, row in enumerate(result.choices)
        ),
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="consultation-chart" viewBox="0 0 {} {}" width="{}" height="{}"'
        ' aria-hidden="true" focusable="false" fill="currentColor" font-size="14">{}</svg>',
        width,
        height,
        width,
        height,
        bars,
    )
