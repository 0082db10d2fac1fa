"""Charts drawn on the server as inline SVG: they need no JavaScript and no stylesheet.

A chart is a picture of a table that sits beside it on the page; the table is the source of
truth (a point's value is the one its cell writes: rounded or hidden by
:mod:`ecitizen.analytics.public_selectors`, never the exact count), and the chart's text
alternative (its ``<title>`` and ``<desc>``, named by ``aria-labelledby`` on an element with
``role="img"``) says what the picture shows and where its numbers are written. Colours are SVG
presentation attributes, not ``style`` attributes, so the site's Content Security Policy (no
inline styles) is kept; they are the GOV.UK palette's blue and black on white, above 3:1 contrast
for the bars and lines and 4.5:1 for the text.

Every text is escaped here (labels may come from staff-written titles). On right-to-left pages
the time axis runs from right to left and the value axis sits on the right.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH = 560
HEIGHT = 260
AXIS_WIDTH = 64  # room for the value labels
TOP = 16
BOTTOM = 44  # room for two lines of category labels
INK = "#0b0c0c"  # text and axes: 19.4:1 on white
GRID = "#b1b4b6"  # guide lines only, never the only carrier of meaning
MARK = "#1d70b8"  # bars, lines and points: 5.2:1 on white


@dataclass(frozen=True)
class Point:
    """One category of a chart: its ``label`` as people read it ("June 2026"), its ``value``
    (None: not shown, e.g. suppressed), ``text`` (the value as the table writes it), ``axis``
    (a shorter label under the axis, one line per item, e.g. ``("Jun", "2026")``: the lines after
    the first are drawn only where they change) and ``partial`` (drawn hollow: the month so far)."""

    label: str
    value: float | None
    text: str = ""
    axis: tuple[str, ...] = ()
    partial: bool = False


def _points(points: Sequence[Point | tuple]) -> list[Point]:
    result = []
    for point in points:
        if isinstance(point, Point):
            result.append(point)
        else:
            label, value = point[0], point[1]
            result.append(Point(str(label), value, "" if value is None else str(value)))
    return result


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 or 10 times a power of ten that is at least *value*
    (0 and below give 1): a round top for the value axis."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value - 1e-12:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def _axis_top(values: list[float]) -> float:
    """The top of the value axis: four equal, round steps above the highest value."""
    return 4 * nice_ceiling(max(values, default=0) / 4)


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _describe(kind: str, points: list[Point], note: str) -> str:
    shown = [point for point in points if point.value is not None]
    parts = [kind]
    if shown:
        high = max(shown, key=lambda point: point.value)
        low = min(shown, key=lambda point: point.value)
        parts.append(_("Highest: %(value)s in %(label)s.") % {"value": high.text, "label": high.label})
        parts.append(_("Lowest: %(value)s in %(label)s.") % {"value": low.text, "label": low.label})
        parts.append(_("Latest: %(value)s in %(label)s.") % {"value": shown[-1].text, "label": shown[-1].label})
    else:
        parts.append(_("There is nothing to show yet."))
    hidden = len(points) - len(shown)
    if hidden:
        parts.append(_("%(count)s of %(total)s are not shown.") % {"count": hidden, "total": len(points)})
    if note:
        parts.append(note)
    return " ".join(parts)


class _Frame:
    """Positions on the drawing, mirrored for right-to-left pages."""

    def __init__(self, count: int, top_value: float, rtl: bool):
        self.count = max(count, 1)
        self.top_value = top_value or 1
        self.rtl = rtl
        self.plot_left = AXIS_WIDTH
        self.plot_width = WIDTH - AXIS_WIDTH - 8
        self.plot_bottom = HEIGHT - BOTTOM
        self.plot_height = self.plot_bottom - TOP

    def x(self, ltr_x: float) -> float:
        return WIDTH - ltr_x if self.rtl else ltr_x

    def slot(self, index: int) -> tuple[float, float]:
        """The left edge (left-to-right) and width of category *index*."""
        width = self.plot_width / self.count
        return self.plot_left + index * width, width

    def y(self, value: float) -> float:
        share = max(0.0, min(value / self.top_value, 1.0))
        return self.plot_bottom - share * self.plot_height


def _axes(frame: _Frame, points: list[Point], tick_text: Callable[[float], str]) -> list[str]:
    parts = []
    value_anchor = "start" if frame.rtl else "end"
    for step in range(5):
        value = frame.top_value * step / 4
        y = frame.y(value)
        x1, x2 = frame.x(frame.plot_left), frame.x(frame.plot_left + frame.plot_width)
        colour = INK if step == 0 else GRID
        parts.append(
            f'<line x1="{_number(x1)}" y1="{_number(y)}" x2="{_number(x2)}" y2="{_number(y)}" '
            f'stroke="{colour}" stroke-width="1"/>'
        )
        label_x = frame.x(frame.plot_left - 6)
        parts.append(
            f'<text x="{_number(label_x)}" y="{_number(y + 4)}" text-anchor="{value_anchor}" font-size="12" '
            f'fill="{INK}">{escape(tick_text(value))}</text>'
        )
    labelled = _labelled(points, frame.slot(0)[1])
    previous: tuple[str, ...] = ()
    for index, point in enumerate(points):
        if index not in labelled:
            continue
        left, width = frame.slot(index)
        centre = frame.x(left + width / 2)
        lines = point.axis or (point.label,)
        # Lines after the first (a year) are written only where they change, like a group heading.
        shown = [lines[0], *(line for n, line in enumerate(lines[1:], 1) if previous[n : n + 1] != (line,))]
        previous = tuple(lines)
        spans = "".join(
            f'<tspan x="{_number(centre)}" dy="{0 if n == 0 else 14}">{escape(line)}</tspan>'
            for n, line in enumerate(shown)
        )
        parts.append(
            f'<text x="{_number(centre)}" y="{_number(frame.plot_bottom + 16)}" text-anchor="middle" '
            f'font-size="12" fill="{INK}">{spans}</text>'
        )
    return parts


def _labelled(points: list[Point], slot_width: float) -> set[int]:
    """Which categories get a label under the axis: all of them when they fit, else every second
    or third one counted back from the latest (a rough width: 0.6 em a character)."""
    longest = max((len((point.axis or (point.label,))[0]) for point in points), default=0)
    step = max(1, math.ceil(longest * 12 * 0.6 / max(slot_width - 4, 1)))
    last = len(points) - 1
    return {index for index in range(len(points)) if (last - index) % step == 0}


def _svg(chart_id: str, title: str, description: str, body: list[str]) -> SafeString:
    chart_id = escape(chart_id)
    return mark_safe(  # noqa: S308 - every text above and here is escaped
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ec-chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false" direction="ltr">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>' + "".join(body) + "</svg>"
    )


def bar_chart(
    points: Sequence[Point | tuple[str, float | None]],
    *,
    chart_id: str,
    title: str,
    tick_text: Callable[[float], str] = _number,
    top_value: float | None = None,
    note: str = "",
    rtl: bool = False,
) -> SafeString:
    """A bar per point, as an SVG image with a text alternative.

    *points* are :class:`Point` or ``(label, value or None)``; a None value leaves a gap.
    *tick_text* writes the value axis' numbers; *top_value* fixes the top of that axis (else a
    round number above the highest value); *note* ends the text alternative (where the table is).
    """
    items = _points(points)
    values = [point.value for point in items if point.value is not None]
    frame = _Frame(len(items), top_value or _axis_top(values), rtl)
    body = _axes(frame, items, tick_text)
    for index, point in enumerate(items):
        if point.value is None:
            continue
        left, width = frame.slot(index)
        bar_width = width * 0.6
        x = frame.x(left + (width - bar_width) / 2 + (bar_width if rtl else 0))
        y = frame.y(point.value)
        height = frame.plot_bottom - y
        fill = "#ffffff" if point.partial else MARK
        body.append(
            f'<rect x="{_number(x)}" y="{_number(y)}" width="{_number(bar_width)}" height="{_number(height)}" '
            f'fill="{fill}" stroke="{MARK}" stroke-width="2"/>'
        )
    return _svg(chart_id, title, _describe(_("Bar chart."), items, note), body)


def line_chart(
    points: Sequence[Point | tuple[str, float | None]],
    *,
    chart_id: str,
    title: str,
    tick_text: Callable[[float], str] = _number,
    top_value: float | None = None,
    note: str = "",
    rtl: bool = False,
) -> SafeString:
    """A line through the points, as an SVG image with a text alternative (arguments as
    :func:`bar_chart`). A None value breaks the line; every shown value also gets a dot, so a
    value between two gaps is still seen."""
    items = _points(points)
    values = [point.value for point in items if point.value is not None]
    frame = _Frame(len(items), top_value or _axis_top(values), rtl)
    body = _axes(frame, items, tick_text)
    segment: list[str] = []
    segments: list[list[str]] = []
    dots = []
    for index, point in enumerate(items):
        if point.value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        left, width = frame.slot(index)
        x, y = frame.x(left + width / 2), frame.y(point.value)
        segment.append(f"{_number(x)},{_number(y)}")
        fill = "#ffffff" if point.partial else MARK
        dots.append(
            f'<circle cx="{_number(x)}" cy="{_number(y)}" r="4" fill="{fill}" stroke="{MARK}" stroke-width="2"/>'
        )
    if segment:
        segments.append(segment)
    for line in segments:
        if len(line) > 1:
            body.append(f'<polyline points="{" ".join(line)}" fill="none" stroke="{MARK}" stroke-width="3"/>')
    body.extend(dots)
    return _svg(chart_id, title, _describe(_("Line chart."), items, note), body)
