"""Charts drawn as SVG on the server: text alternative, gaps for hidden values, escaping, no inline
styles, and right-to-left mirroring."""

from __future__ import annotations

import re

import pytest

from ecitizen.analytics import charts


def bars(svg: str) -> list[dict[str, float]]:
    """The bars of a chart (rectangles other than the white background), as numbers."""
    found = []
    for attributes in re.findall(r"<rect ([^>]*)/>", svg):
        values = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', attributes))
        if values.get("stroke"):
            found.append({name: float(values[name]) for name in ("x", "y", "width", "height")})
    return found


def test_a_bar_per_shown_value_scaled_to_a_round_axis():
    svg = str(charts.bar_chart([("Jan", 10), ("Feb", None), ("Mar", 40)], chart_id="c", title="Sent"))

    drawn = bars(svg)
    assert len(drawn) == 2  # February is a gap
    # The axis tops at 40 (four steps of 10): March fills the plot, January a quarter of it.
    assert drawn[1]["height"] == pytest.approx(4 * drawn[0]["height"])
    assert drawn[0]["x"] < drawn[1]["x"]


def test_the_text_alternative_names_the_chart_and_sums_it_up():
    points = [
        charts.Point("January 2026", 0.5, "50%"),
        charts.Point("February 2026", None, "not enough data"),
        charts.Point("March 2026", 0.8, "80%", partial=True),
    ]
    svg = str(charts.line_chart(points, chart_id="rate", title="Completion rate", top_value=1, note="See the table."))

    assert re.search(r'<svg [^>]*role="img"[^>]*aria-labelledby="rate-title rate-desc"', svg)
    assert '<title id="rate-title">Completion rate</title>' in svg
    description = re.search(r'<desc id="rate-desc">([^<]*)</desc>', svg).group(1)
    assert description == (
        "Line chart. Highest: 80% in March 2026. Lowest: 50% in January 2026. Latest: 80% in March 2026. "
        "1 of 3 are not shown. See the table."
    )
    # A gap breaks the line: two dots and no line between them.
    assert svg.count("<circle") == 2 and "<polyline" not in svg
    assert 'fill="#ffffff" stroke="#1d70b8"' in svg.split("<circle")[2]  # the month so far is hollow


def test_an_empty_chart_says_so():
    svg = str(charts.bar_chart([("Jan", None)], chart_id="e", title="Nothing"))

    assert "There is nothing to show yet." in svg
    assert bars(svg) == []


def test_texts_are_escaped_and_no_inline_style_or_script_is_used():
    svg = str(charts.bar_chart([('<b onclick="x">', 3)], chart_id='a"b', title="<script>x</script>"))

    assert "<script>" not in svg and "<b " not in svg
    assert "&lt;script&gt;" in svg and "&lt;b onclick=&quot;x&quot;&gt;" in svg
    assert 'id="a&quot;b-title"' in svg
    assert "style=" not in svg


def test_right_to_left_mirrors_the_time_axis():
    points = [("Jan", 10), ("Feb", 20)]

    ltr = bars(str(charts.bar_chart(points, chart_id="l", title="t")))
    rtl = bars(str(charts.bar_chart(points, chart_id="r", title="t", rtl=True)))

    assert ltr[0]["x"] < ltr[1]["x"] and rtl[0]["x"] > rtl[1]["x"]
    assert rtl[0]["x"] + rtl[0]["width"] == pytest.approx(charts.WIDTH - ltr[0]["x"])


@pytest.mark.parametrize(("value", "top"), [(0, 1), (0.3, 0.5), (1, 1), (7, 10), (23, 25), (60, 100), (1234, 2000)])
def test_nice_ceiling(value, top):
    assert charts.nice_ceiling(value) == pytest.approx(top)


def axis_labels(svg: str) -> list[list[str]]:
    return [
        re.findall(r"<tspan[^>]*>([^<]*)</tspan>", text) for text in re.findall(r"<text[^>]*>(<tspan.*?)</text>", svg)
    ]


def test_years_are_written_where_they_change_and_long_labels_are_thinned():
    months = [("Nov", "2025"), ("Dec", "2025"), ("Jan", "2026"), ("Feb", "2026")]
    points = [charts.Point(f"{m} {y}", 1, "1", axis=(m, y)) for m, y in months]

    assert axis_labels(str(charts.bar_chart(points, chart_id="y", title="t"))) == [
        ["Nov", "2025"],
        ["Dec"],
        ["Jan", "2026"],
        ["Feb"],
    ]

    long = [charts.Point(str(n), 1, "1", axis=("September-ish", "2026")) for n in range(13)]
    labels = axis_labels(str(charts.bar_chart(long, chart_id="l", title="t")))
    assert 1 < len(labels) < 13
    assert labels[0][1:] == ["2026"]  # the first label shown still gets the year
