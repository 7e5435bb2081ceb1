"""Label placement (efficiency.ui.labels): placed boxes never overlap each other or a marker, and
stay inside the plotting area, at every drawing size in the area's ranges (hypothesis), checked
by brute force at sampled sizes independently of the interval argument the placement uses."""
from __future__ import annotations

import numpy as np
import pytest
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


# --------------------------------------------------------------------------- chart_labels.place (LABELS1024)
# The explorer's own greedy placement: the front's segments are hard obstacles, more candidates, and
# the exact over-the-range test on box edges computed once. Checked by brute force at sampled sizes
# and against labels.clear_over_range as an independent oracle of the exact test.

from efficiency.ui import chart_labels as cl                        # noqa: E402
from efficiency.ui.labels import LINE_MARGIN_PX, inside_over_range, step_segments   # noqa: E402

STROKE = cl.FRONT_LINE_PX + LINE_MARGIN_PX


def _obstacles(area: Area, markers, radius: float, seg):
    """(uv, off, size, span) as chart_labels.place takes them: markers, then segments."""
    m_uv = area.fractions(np.asarray(markers, float).reshape(-1, 2))
    p0, p1 = area.fractions(seg[:, :2]), area.fractions(seg[:, 2:])
    uv = np.vstack([m_uv, (p0 + p1) / 2])
    size = np.vstack([np.full((len(m_uv), 2), 2 * radius), np.full((len(seg), 2), STROKE)])
    span = np.vstack([np.zeros((len(m_uv), 2)), np.abs(p1 - p0)])
    return uv, np.zeros_like(uv), size, span


def _oracle_clear(uv, off, size, placed, obstacles, area: Area) -> bool:
    """labels.clear_over_range and inside_over_range: inside, clear of every obstacle and earlier label."""
    o_uv, o_off, o_size, o_span = obstacles
    if not inside_over_range(uv, off, size, area):
        return False
    if len(o_uv) and not clear_over_range(uv, off, size, o_uv, o_off, o_size, area, span_b=o_span).all():
        return False
    return all(clear_over_range(uv, off, size, p_uv, p_off, p_size, area) for p_uv, p_off, p_size in placed)


@settings(max_examples=120, deadline=None)
@given(area=AREA, front=st.lists(point, min_size=2, max_size=10), others=st.lists(point, max_size=30),
       sizes=st.lists(box, min_size=10, max_size=10), radius=st.floats(2.0, 9.0), shape=st.sampled_from(["hv", "vh"]),
       fractions=st.lists(st.floats(0, 1), min_size=4, max_size=4))
def test_chart_placement_keeps_off_markers_lines_labels_and_edges_at_every_size(area, front, others, sizes, radius,
                                                                               shape, fractions):
    pts = np.array(sorted(front))
    seg = step_segments(pts, shape)
    markers = np.vstack([pts, np.array(others).reshape(-1, 2)])
    obstacles = _obstacles(area, markers, radius, seg)
    size = np.array(sizes[:len(pts)])
    uv = area.fractions(pts)
    got = cl.place(uv, size, [radius] * len(pts), obstacles, area)
    (w0, w1), (h0, h1) = area.widths, area.heights
    o_uv, _, o_size, o_span = obstacles
    placed = []
    for i, off in enumerate(got):
        if off is None:       # left out only where no candidate passes the independent exact test
            cands = cl._at_edges(cl.candidates(tuple(size[i]), radius), uv[i], size[i], area)
            assert not any(_oracle_clear(uv[i], c, size[i], placed, obstacles, area) for c in cands)
            continue
        o = np.array([off.dx, off.dy])
        for fw, fh in [(0, 0), (1, 1), (0, 1), (1, 0), tuple(fractions[:2]), tuple(fractions[2:])]:
            w, h = w0 + fw * (w1 - w0), h0 + fh * (h1 - h0)
            lab = _boxes(area, w, h, uv[i:i + 1], o[None], size[i:i + 1])[0]
            assert lab[0] >= -1e-6 and lab[1] >= -1e-6 and lab[2] <= w + 1e-6 and lab[3] <= h + 1e-6
            ext = o_size / 2 + o_span * (w, h) / 2            # a segment's box grows with the size
            obs = np.column_stack([o_uv * (w, h) - ext, o_uv * (w, h) + ext])
            assert not any(_overlap(lab, b) for b in obs), (w, h)
            assert not any(_overlap(lab, _boxes(area, w, h, p_uv[None], np.array(p_off)[None], p_size[None])[0])
                           for p_uv, p_off, p_size in placed), (w, h)
        placed.append((uv[i], o, size[i]))


@settings(max_examples=300, deadline=None)
@given(area=AREA, a=point, off=st.tuples(st.floats(-300, 300), st.floats(-300, 300)), size=box, b=point,
       b_size=box, span=st.tuples(st.floats(0, 1), st.floats(0, 1)))
def test_box_edges_test_agrees_with_clear_over_range(area, a, off, size, b, b_size, span):
    uv_a, uv_b = area.fractions(np.array([a]))[0], area.fractions(np.array([b]))[0]
    want = bool(clear_over_range(uv_a, off, size, uv_b, (0, 0), b_size, area, span_b=span))
    c_lo, c_hi = cl.box_edges([uv_a], [off], [size], [(0, 0)], area)
    lo, hi = cl.box_edges([uv_b], [(0, 0)], [b_size], [span], area)
    got = bool(cl._clear_of(c_lo, c_hi, lo, hi)[0])
    # the same inequalities on differently rounded sums: they may differ only at a touch
    margin = np.min(np.abs(np.concatenate([(c_lo - hi).ravel(), (lo - c_hi).ravel()])))
    assert got == want or margin < 1e-6


def test_chart_placement_stops_at_most_labels():
    area = Area((0, 1), (0, 1), (330, 1700), (340, 600))
    uv = np.array([(0.2, 0.2), (0.5, 0.5), (0.8, 0.8)])
    empty = tuple(np.zeros((0, 2)) for _ in range(4))
    got = cl.place(uv, [(40, 16)] * 3, [5.0] * 3, empty, area, most=2)
    assert [o is not None for o in got] == [True, True, False]


def test_a_label_flush_with_the_plot_edge_fits_the_room_before_a_step():
    # a point 7 % in from the left edge whose step rises at 26.8 %: at the narrowest plot (330 px) the
    # room left of the rise is 88.4 px less half the stroke; an 86 px box fits only flush with the edge
    area = Area((0.0, 1.0), (0.0, 1.0), (330.0, 1700.0), (340.0, 600.0))
    front = np.array([(0.07, 0.05), (0.268, 0.55), (0.9, 0.7)])
    seg = step_segments(front, "hv")
    obstacles = _obstacles(area, front, 8.0, seg)
    size = np.array([86.0, 18.3])
    uv = area.fractions(front[:1])[0]
    fixed = cl.candidates(tuple(size), 8.0)
    assert not any(_oracle_clear(uv, c, size, [], obstacles, area) for c in fixed)
    got = cl.place(area.fractions(front[:1]), [size], [8.0], obstacles, area)[0]
    assert got is not None and _oracle_clear(uv, (got.dx, got.dy), size, [], obstacles, area)
    assert got.dx - size[0] / 2 + uv[0] * 330 == pytest.approx(0.0)        # its left edge on the plot's
