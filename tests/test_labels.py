"""Label placement (efficiency.ui.labels): placed boxes never overlap each other or a marker, and
stay inside the plotting area, at every drawing size in the area's ranges (hypothesis), checked
by brute force at sampled sizes independently of the interval argument the placement uses."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st

from efficiency.ui.labels import Area, clear_over_range, place_labels, text_box

coords = st.floats(0.0, 10.0, allow_nan=False)
point = st.tuples(coords, coords)
box = st.tuples(st.floats(8.0, 160.0), st.floats(8.0, 30.0))


def _boxes(area: Area, w: float, h: float, uv, off, size):
    """(x0, y0, x1, y1) in px at drawing size (w, h)."""
    cx, cy = uv[:, 0] * w + off[:, 0], uv[:, 1] * h + off[:, 1]
    return np.stack([cx - size[:, 0] / 2, cy - size[:, 1] / 2, cx + size[:, 0] / 2, cy + size[:, 1] / 2], axis=1)


def _overlap(a, b, eps=1e-6) -> bool:
    return a[0] < b[2] - eps and b[0] < a[2] - eps and a[1] < b[3] - eps and b[1] < a[3] - eps


AREA = st.builds(lambda w0, dw, h0, dh: Area((0.0, 10.0), (0.0, 10.0), (w0, w0 + dw), (h0, h0 + dh)),
                 st.floats(200, 800), st.floats(0, 600), st.floats(200, 500), st.floats(0, 300))


@settings(max_examples=150, deadline=None)
@given(area=AREA, anchors=st.lists(point, min_size=1, max_size=14), others=st.lists(point, max_size=40),
       sizes=st.lists(box, min_size=14, max_size=14), radius=st.floats(2.0, 12.0),
       fractions=st.lists(st.floats(0, 1), min_size=3, max_size=3))
def test_placed_boxes_never_overlap_each_other_markers_or_edges(area, anchors, others, sizes, radius, fractions):
    anchors = np.array(anchors)
    markers = np.vstack([anchors, np.array(others).reshape(-1, 2)])
    size = np.array(sizes[:len(anchors)])
    got = place_labels(anchors, size, markers, radius, area)
    assert len(got) == len(anchors)
    idx = [i for i, o in enumerate(got) if o is not None]
    uv = area.fractions(anchors[idx])
    off = np.array([(got[i].dx, got[i].dy) for i in idx]).reshape(-1, 2)
    m_uv = area.fractions(markers)
    m_box = np.full((len(markers), 2), 2 * radius)
    (w0, w1), (h0, h1) = area.widths, area.heights
    for fw, fh in [(0, 0), (1, 1), (0, 1), (1, 0), tuple(fractions[:2]), (fractions[2], 1 - fractions[2])]:
        w, h = w0 + fw * (w1 - w0), h0 + fh * (h1 - h0)
        labels = _boxes(area, w, h, uv, off, size[idx])
        marks = _boxes(area, w, h, m_uv, np.zeros_like(m_uv), m_box)
        for a in range(len(labels)):
            assert labels[a][0] >= -1e-6 and labels[a][1] >= -1e-6 and labels[a][2] <= w + 1e-6 and labels[a][3] <= h + 1e-6
            assert not any(_overlap(labels[a], labels[b]) for b in range(a + 1, len(labels))), (w, h)
            assert not any(_overlap(labels[a], m) for m in marks), (w, h)


def test_a_lone_label_is_always_placed_and_prefers_above_left():
    area = Area((0, 1), (0, 1), (400, 900), (300, 500))
    got = place_labels([(0.5, 0.5)], [(60, 16)], [(0.5, 0.5)], 5.0, area)
    assert got[0] is not None and got[0].dx < 0 and got[0].dy > 0


def test_crowded_labels_move_apart_or_drop():
    # thirty labels on one point: each placed one is clear of the others, the rest are dropped
    area = Area((0, 1), (0, 1), (500, 500), (400, 400))
    anchors = [(0.5, 0.5)] * 30
    got = place_labels(anchors, [(80, 16)] * 30, anchors, 4.0, area)
    placed = [o for o in got if o is not None]
    assert 2 <= len(placed) < 30
    assert len({(o.dx, o.dy) for o in placed}) == len(placed)


def test_a_label_that_fits_nowhere_is_left_out():
    area = Area((0, 1), (0, 1), (100, 100), (40, 40))
    assert place_labels([(0.5, 0.5)], [(300, 16)], [(0.5, 0.5)], 4.0, area) == [None]


def test_clear_over_range_sees_a_crossing_between_the_ends():
    # box a is left of b at width 100 and right of it at width 300: they cross in between
    area = Area((0, 1), (0, 1), (100, 300), (100, 100))
    a = clear_over_range((0.5, 0.5), (0, 0), (10, 10), (0.0, 0.5), (100, 0), (10, 10), area)
    assert not a
    assert clear_over_range((0.5, 0.5), (0, 0), (10, 10), (0.0, 0.5), (0, 0), (10, 10), area)


def test_text_box_grows_with_the_text():
    assert text_box("resnet50", 11)[0] < text_box("resnet50_gn.a1h_in1k", 11)[0]
    assert text_box("x", 11)[1] == text_box("long text", 11)[1]
