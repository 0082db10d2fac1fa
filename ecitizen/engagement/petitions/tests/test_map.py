"""The district map is drawn on the server: every circle and every name inside the picture."""

from ecitizen.engagement.petitions import selectors
from ecitizen.engagement.petitions.selectors import MAP_HEIGHT, MAP_WIDTH, DistrictCount, district_map
from ecitizen.exchange.selectors import District


def test_no_circle_or_name_is_cut_at_the_edges(monkeypatch):
    # Four districts at the corners of the frame, one of them with every signature: the largest
    # circle sits on an edge, with its name below it.
    corners = {
        "North West": District("North West", 10, 52.2, 0.0),
        "North East": District("North East", 10, 52.2, 0.4),
        "South West": District("South West", 10, 52.0, 0.0),
        "South East": District("South East", 10, 52.0, 0.4),
    }
    monkeypatch.setattr(selectors, "district_centres", lambda: corners)
    counts = [DistrictCount(name, n, 0) for name, n in (("South West", 900), ("South East", 1), ("North West", 5))]
    bubbles = district_map(counts)
    assert {b.name for b in bubbles} == {"South West", "South East", "North West"}
    for b in bubbles:
        assert b.r <= b.x <= MAP_WIDTH - b.r and b.r <= b.y <= MAP_HEIGHT - b.r
        assert b.label_y <= MAP_HEIGHT - 2  # the name's baseline, with room for letters below it
