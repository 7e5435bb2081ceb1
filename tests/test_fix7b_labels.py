"""FIX7B (UXCHECK6 9): the Pareto front's two ends (its cheapest and its most accurate model) are named
on the chart. On the shipped tables the cheapest detector (ssdlite320, and on a latency axis
fasterrcnn_mobilenet_v3_large_320_fpn), segmenter (lraspp) and classifier by latency (alexnet,
0.27 ms) had no label: their long names found no place clear of the front's rising line at every plot
width. They now take one farther out, or one that crosses the line at the narrowest plots only, and
still never cover a marker, another label or the plot's edge (checked here by brute force at the
plot sizes measured in Chromium, independently of the placement's end-point argument)."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from efficiency.ui import chart_labels as cl
from efficiency.ui import data as uidata
from efficiency.ui import figures as plot
from efficiency.ui.explorer import build_view
from efficiency.ui.labels import Area, step_segments, text_box
from efficiency.ui.state import DEFAULT

ROOT = Path(__file__).resolve().parent.parent
# plot sizes measured in Chromium (out/labels1024, as tests/test_uxfix_labels.py): 1024 px windows to
# 2560 px, the PNG export, the HTML export at 1920 px
MEASURED = [(331, 455), (337, 345), (337, 367), (529, 452), (649, 473), (649, 579), (1009, 566), (1489, 473),
            (684, 480), (871, 456), (1667, 480)]
DET = replace(DEFAULT, task="detection", y_dataset="coco-val2017", y_metric="box_map", mode="eager")
CASES = {  # UXCHECK6's unlabelled cheapest ends
    "detection, GMACs": (DET, "torchvision/ssdlite320_mobilenet_v3_large.COCO_V1"),
    "detection, latency": (replace(DET, x="latency_p50"), "torchvision/fasterrcnn_mobilenet_v3_large_320_fpn.COCO_V1"),
    "segmentation, GMACs": (replace(DEFAULT, task="segmentation", y_dataset="coco-val2017-voc-labels",
                                    y_metric="miou", mode="eager"),
                            "torchvision/lraspp_mobilenet_v3_large.COCO_WITH_VOC_LABELS_V1"),
    "classification, latency": (replace(DEFAULT, x="latency_p50"), "torchvision/alexnet.IMAGENET1K_V1"),
}


@pytest.fixture(scope="module")
def shipped():
    res = uidata.read_results(ROOT / "data" / "results.parquet").df
    return res, uidata.read_accuracy(ROOT / "data" / "accuracy.parquet", res).df


def _box(uv, off, size, w, h):
    cx, cy = uv[0] * w + off[0], uv[1] * h + off[1]
    return cx - size[0] / 2, cy - size[1] / 2, cx + size[0] / 2, cy + size[1] / 2


def _overlap(a, b, eps=1e-6) -> bool:
    return a[0] < b[2] - eps and b[0] < a[2] - eps and a[1] < b[3] - eps and b[1] < a[3] - eps


def _clashes(v, notes, w, h, ranges) -> list[str]:
    """Labels (labels.text_box) at plot size (w, h) that leave the plot or cover a marker or each other."""
    area = Area(tuple(ranges[0]), tuple(ranges[1]), (w, w), (h, h))
    lx = (lambda s: np.log10(s.astype(float))) if v.state.log_x else (lambda s: s.astype(float))
    xy = np.vstack([np.column_stack([lx(v.points["x"]), v.points["y"]]), np.column_stack([lx(v.front["x"]), v.front["y"]])])
    r = np.concatenate([plot.marker_sizes(v.points, v.state.bubble) / 2, np.full(len(v.front), plot.FRONT_MARKER_PX / 2)])
    ok = np.isfinite(xy).all(axis=1)
    marks = [_box(m, (0, 0), (2 * rr, 2 * rr), w, h) for m, rr in zip(area.fractions(xy[ok]), r[ok])]
    boxes = [_box(area.fractions(np.array([(n["x"], n["y"])]))[0], (n["ax"], -n["ay"]), text_box(n["text"], cl.FONT_PX),
                  w, h) for n in notes]
    bad = [n["text"] for n, b in zip(notes, boxes)
           if b[0] < -1e-6 or b[1] < -1e-6 or b[2] > w + 1e-6 or b[3] > h + 1e-6 or any(_overlap(b, m) for m in marks)]
    return bad + [f"{notes[i]['text']}/{notes[j]['text']}" for i in range(len(boxes)) for j in range(i + 1, len(boxes))
                  if _overlap(boxes[i], boxes[j])]


@pytest.mark.parametrize("case", list(CASES))
def test_both_ends_of_the_shipped_fronts_are_named_and_clear(shipped, case):
    state, cheapest = CASES[case]
    v = build_view(*shipped, state)
    ends = list(cl.front_ends(v.front)["model"])
    assert ends[0] == cheapest and len(ends) == 2
    fig = plot.build_figure(v)
    notes = [a.to_plotly_json() for a in fig.layout.annotations if (a.name or "").startswith("label:")]
    assert {f"label:{m}" for m in ends} <= {n["name"] for n in notes}
    ranges = (tuple(fig.layout.xaxis.range), tuple(fig.layout.yaxis.range))
    for w, h in MEASURED:
        assert _clashes(v, notes, w, h, ranges) == [], (w, h)


AREA = Area((0.0, 1.0), (0.0, 1.0), (330.0, 1700.0), (340.0, 600.0))


def _obstacles(markers, radius, seg):
    """Markers and segments as chart_labels.place takes them (as tests/test_labels.py builds them)."""
    m_uv = AREA.fractions(np.asarray(markers, float))
    p0, p1 = AREA.fractions(seg[:, :2]), AREA.fractions(seg[:, 2:])
    stroke = cl.FRONT_LINE_PX + 2.0
    return (np.vstack([m_uv, (p0 + p1) / 2]), np.zeros((len(m_uv) + len(seg), 2)),
            np.vstack([np.full((len(m_uv), 2), 2 * radius), np.full((len(seg), 2), stroke)]),
            np.vstack([np.zeros((len(m_uv), 2)), np.abs(p1 - p0)]))


def test_an_end_label_with_no_room_off_the_line_crosses_it_only_at_narrow_plots():
    # ssdlite's geometry: the cheapest point 7 % in, the front rising at 30 % and 55 % of the width,
    # and a 202 px name: at a 330 px plot no box beside it keeps off the line
    front = np.array([(0.07, 0.05), (0.30, 0.10), (0.55, 0.40), (0.9, 0.85)])
    seg = step_segments(front, "hv")
    obstacles = _obstacles(front, 9.0, seg)
    size = [(202.0, 18.3)]
    assert cl.place(AREA.fractions(front[:1]), size, [9.0], obstacles, AREA) == [None]
    got = cl.place(AREA.fractions(front[:1]), size, [9.0], obstacles, AREA, must={0})[0]
    assert got is not None
    uv = AREA.fractions(front[:1])[0]
    for w in np.linspace(330, 1700, 12):
        for h in np.linspace(340, 600, 5):
            lab = _box(uv, (got.dx, got.dy), size[0], w, h)
            assert 0 <= lab[0] and lab[2] <= w + 1e-6 and 0 <= lab[1] and lab[3] <= h + 1e-6
            assert not any(_overlap(lab, _box(m, (0, 0), (18, 18), w, h)) for m in AREA.fractions(front))
            if w >= cl.PREFER_WIDTHS[0][0]:       # off the line from a 1280 px window's plot up
                for s in seg:
                    x0, x1 = sorted((s[0] * w, s[2] * w))
                    y0, y1 = sorted((s[1] * h, s[3] * h))
                    t = (cl.FRONT_LINE_PX + 2.0) / 2
                    assert not _overlap(lab, (x0 - t, y0 - t, x1 + t, y1 + t)), (w, h)


def test_an_end_label_never_covers_a_marker_or_an_earlier_label():
    # the end's point boxed in by markers on every side, at every distance a candidate reaches: no label
    grid = [(x, y) for x in np.linspace(0.0, 1.0, 41) for y in np.linspace(0.0, 1.0, 41)]
    obstacles = _obstacles(grid, 4.0, np.zeros((0, 4)))
    assert cl.place(AREA.fractions(np.array([(0.5, 0.5)])), [(80.0, 18.3)], [4.0], obstacles, AREA, must={0}) == [None]


def test_the_ends_are_named_after_highlights_and_before_the_rest(shipped):
    v = build_view(*shipped, replace(DET, highlight="retinanet*"))
    rows = cl.label_rows(v)
    hit = int(rows["model"].str.contains("retinanet").sum())
    ends = set(cl.front_ends(v.front)["model"])
    assert hit and set(rows["model"].iloc[hit:hit + 2]) == ends - set(rows["model"].iloc[:hit])
