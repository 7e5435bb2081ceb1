"""Names on the Pareto chart (no Streamlit): which models get one, the axes' ranges the placement
needs, and the plotly annotations, placed so that no label covers another label, a marker or the
front's step line, in the browser (any plot width from a 1024 px window's to a wide screen's) and
in the exports alike.

Highlighted models (the explorer's highlight box) are named first, then the front's two ends, then
its other models, spread out along it; at most :data:`MAX_LABELS`. A label that fits nowhere is left
out; an end's label tries farther and line-crossing positions first (:data:`PREFER_WIDTHS`).

The placement (:func:`place`) is :func:`efficiency.ui.labels.place_labels`' greedy rule and its
exact test over a range of drawing sizes (:func:`efficiency.ui.labels.clear_over_range`, here on
box edges computed once, :func:`box_edges`), with three differences: the front's segments are hard
obstacles (a label that cannot keep off them is left out rather than drawn across the line); more
candidate positions (:func:`candidates`, :func:`_at_edges`); and up to :data:`MAX_TRIED` models are
tried for the :data:`MAX_LABELS` places. The range starts at a 1024 px window's plot, where the
positions next to a point alone left too few labels.
"""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from efficiency.ui.explorer import View, search_mask
from efficiency.ui.labels import LINE_MARGIN_PX, RINGS, Area, Offset, candidate_offsets, step_segments, text_box

MAX_LABELS = 14
# models tried, in priority order, until MAX_LABELS are placed: on a crowded chart most of the first
# 14 have no free position at every width, and the later ones name more of the front
MAX_TRIED = 50
FONT_PX = 11
# the plotting area's sizes, in px, a placement holds for, measured in Chromium (out/labels1024/widths.py,
# export.py). Explorer, sidebar open: a 1024 px window draws a 331 - 337 px wide plot, 1280 px 529, 1440
# px 649, 1920 px 1009, 2560 px 1489; the PNG/SVG export (1100 x 680) 684 - 871; the HTML export, as
# wide as the window it is opened in, 593 - 1667 from 1024 to 1920 px. Heights 345 - 481, and up to
# 579 coloured by paper (a long legend: the figure grows for a phone's, a desktop gives it to the plot).
# Narrower plots (a phone; 800 - 1000 px windows with the sidebar open: 244 - 265 px) are the page's
# to hide the labels on
PLOT_WIDTHS = (330.0, 1700.0)
PLOT_HEIGHTS = (340.0, 600.0)
# the front's line as efficiency.ui.figures draws it (line.shape, line.width): the labels must
# keep off the line as drawn, so a change there is a change here
FRONT_SHAPE = "hv"
FRONT_LINE_PX = 2.5
# candidates beyond labels.candidate_offsets': in its farther rings, the directions it tries near the
# point only, and the box above slid further sideways (a point at the plot's edge, a long name).
# Rings beyond its RINGS named fewer models (out/labels1024: 66 labels on 11 charts with 7 rings, 69
# with 5): a far label takes the room of several near ones, and its leader line crosses the front
FAR_RINGS = range(2, RINGS + 1)
FAR_DIRECTIONS = ((1, 1), (1, 0), (0, -1), (-1, -1), (1, -1))
FAR_SLIDES = (-0.75, 0.75, -1.0, 1.0)
BELOW_SLIDES = (-0.25, 0.25, -0.5, 0.5)
CHUNK = 16        # candidates tested together: most labels take one of the first few
# the front's two ends (its cheapest and its most accurate model) are named on every chart: a paper
# figure's reader asks about them first. Where no position keeps off the front's line at every plot
# size (the cheapest detector's 202 px name at a 330 px plot, with the front rising 180 px to its right)
# one that keeps off it over the likelier sizes, the widest range first: a 1280 px window (529 px plot)
# and wider, a 1440 px window (649) and wider, the PNG/SVG export (684 - 871)
PREFER_WIDTHS = ((520.0, 1700.0), (649.0, 1700.0), (684.0, 871.0))
# and before that, positions farther up (or down: a lower-is-better front) than candidates' rings, up to
# a label's height short of the tallest plot, with a long leader line: the space above-left of a front
# holds no marker, but a long name beside its cheapest end reaches over the front's first rises
TALL_RINGS = range(RINGS + 1, int(PLOT_HEIGHTS[1] // (FONT_PX * 1.3)))
TALL_SLIDES = (0.0, -0.25, 0.25, -0.5, 0.5, -0.75, 0.75, -1.0, 1.0)


def _span(values: list[float], log: bool, pad_lo: float, pad_hi: float) -> tuple[float, float] | None:
    vals = [v for v in values if isinstance(v, (int, float)) and math.isfinite(v) and (v > 0 or not log)]
    if not vals:
        return None
    lo, hi = min(vals), max(vals)
    if log:
        lo, hi = math.log10(lo), math.log10(hi)
        span = max(hi - lo, 0.5)
    else:
        span = (hi - lo) or abs(hi) or 1.0
    return lo - pad_lo * span, hi + pad_hi * span


def axis_ranges(points: pd.DataFrame, claims: pd.DataFrame | None, log_x: bool, log_y: bool):
    """``((x0, x1), (y0, y1))`` in axis coordinates (log10 on a log axis) holding every point and
    claim with a margin for labels; None when nothing is plottable."""
    xs = list(points["x"]) + (list(claims["x"]) if claims is not None else [])
    ys = list(points["y"]) + (list(claims["y"]) if claims is not None else [])
    x, y = _span(xs, log_x, 0.08, 0.06), _span(ys, log_y, 0.06, 0.20)   # room above the front
    return None if x is None or y is None else (x, y)


def _axis_xy(x, y, log_x: bool, log_y: bool) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.stack([np.log10(x) if log_x else x, np.log10(y) if log_y else y], axis=1).reshape(-1, 2)


def _spread_order(front: pd.DataFrame, log_x: bool) -> list[int]:
    """Front rows in an order that spreads the first labels along the front: each next one the
    farthest (along x) from those already taken."""
    if front.empty:
        return []
    pos = _axis_xy(front["x"], front["y"], log_x, False)[:, 0]
    taken = [int(np.nanargmax(front["y"].to_numpy()))]
    while len(taken) < len(front):
        dist = np.min(np.abs(pos[:, None] - pos[taken][None, :]), axis=1)
        dist[taken] = -1
        taken.append(int(np.argmax(dist)))
    return taken


def front_segments(view: View) -> np.ndarray:
    """The front's step line, ``(k, 4)`` segments in axis coordinates: plotly draws it through the
    front's rows in their order (cost ascending; on a benefit axis such as tokens/s largest
    first, which mirrors the step), across then up or down (:data:`FRONT_SHAPE`)."""
    s = view.state
    return step_segments(_axis_xy(view.front["x"], view.front["y"], s.log_x, s.log_y), FRONT_SHAPE)


def candidates(size: tuple[float, float], radius: float, gap: float = 3.0) -> np.ndarray:
    """Offsets ``(k, 2)`` px to try, nearest and likeliest first: those of
    :func:`efficiency.ui.labels.candidate_offsets`, then :data:`FAR_DIRECTIONS` and the slid boxes
    above (:data:`FAR_SLIDES`) and below (:data:`BELOW_SLIDES`) in :data:`FAR_RINGS`."""
    base = candidate_offsets(size, radius, gap)
    w, h = size
    extra = []
    for ring in FAR_RINGS:
        d = radius + gap + ring * h
        extra += [(ux * (d + w / 2), uy * (d + h / 2)) for ux, uy in FAR_DIRECTIONS]
        extra += [(f * w, d + h / 2) for f in FAR_SLIDES] + [(f * w, -(d + h / 2)) for f in BELOW_SLIDES]
    seen = set(base)
    return np.array(base + [o for o in extra if o not in seen], dtype=float)


def tall_candidates(size: tuple[float, float], radius: float, gap: float = 3.0) -> np.ndarray:
    """Offsets ``(k, 2)`` px straight above and below the point, slid sideways by :data:`TALL_SLIDES`
    of the box's width, in :data:`TALL_RINGS` (nearest first): tried for a front end's label only."""
    w, h = size
    return np.array([(f * w, uy * (radius + gap + ring * h + h / 2)) for ring in TALL_RINGS for uy in (1, -1)
                     for f in TALL_SLIDES], dtype=float).reshape(-1, 2)


def _at_edges(offs: np.ndarray, uv, size, area: Area) -> np.ndarray:
    """``offs`` and, last, the boxes straight above and below the point moved sideways until they
    touch the plot's left or right edge at its narrowest width (where they still span the point):
    a point near an edge with a step rising close by leaves exactly that room, narrower than any
    fixed slide hits."""
    w, w0 = float(size[0]), float(area.widths[0])
    dys = np.unique(offs[offs[:, 0] == 0, 1])
    dxs = [dx for dx in (w / 2 - uv[0] * w0, (1 - uv[0]) * w0 - w / 2) if abs(dx) < w / 2]
    return np.vstack([offs] + [np.column_stack([np.full(len(dys), dx), dys]) for dx in dxs])


def box_edges(uv, off, size, span, area: Area) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper edges ``(axis, end, n)`` in px of boxes at the smallest and the largest
    drawing size of ``area``: centre ``uv * S + off``, half-extent ``size / 2 + span * S / 2``
    (``uv``, ``span`` fractions of the area, ``off``, ``size`` px; ``(n, 2)`` each). Both are linear
    in the size S, so two boxes are clear of each other at every size exactly when along one axis
    one stays on the same side at both ends (:func:`efficiency.ui.labels.clear_over_range`'s test,
    with each box's edges computed once)."""
    ends = np.array([area.widths, area.heights], dtype=float)[:, :, None]
    uv, off, size, span = (np.asarray(a, dtype=float).reshape(-1, 2).T[:, None, :] for a in (uv, off, size, span))
    centre, half = uv * ends + off, size / 2 + span * ends / 2
    return np.ascontiguousarray(centre - half), np.ascontiguousarray(centre + half)


def _clear_of(c_lo, c_hi, lo, hi) -> np.ndarray:
    """Per candidate box (edges ``(axis, end, k)``): clear of every obstacle box (``(axis, end, m)``)."""
    clear = np.zeros((c_lo.shape[2], lo.shape[2]), dtype=bool)
    for a in (0, 1):
        clear |= (c_lo[a, 0][:, None] >= hi[a, 0]) & (c_lo[a, 1][:, None] >= hi[a, 1])
        clear |= (c_hi[a, 0][:, None] <= lo[a, 0]) & (c_hi[a, 1][:, None] <= lo[a, 1])
    return clear.all(axis=1)


def _beside(c_lo, c_hi, lo, hi) -> np.ndarray:
    """The obstacles wholly to one side of every candidate box at both ends along an axis: clear
    of them all, so they need no pairwise test."""
    out = np.zeros(lo.shape[2], dtype=bool)
    for a in (0, 1):
        low, high = c_lo[a].min(axis=1), c_hi[a].max(axis=1)
        out |= ((hi[a, 0] <= low[0]) & (hi[a, 1] <= low[1])) | ((lo[a, 0] >= high[0]) & (lo[a, 1] >= high[1]))
    return out


def _first_clear(c_lo, c_hi, ends, lo, hi) -> int | None:
    """The index of the first candidate box inside the area and clear of the obstacles, in chunks
    of :data:`CHUNK` (most labels take one of the first few); None where none is."""
    inside = np.flatnonzero(((c_lo >= 0) & (c_hi <= ends[:, :, None])).all(axis=(0, 1)))
    if not len(inside):
        return None
    keep = ~_beside(c_lo[:, :, inside], c_hi[:, :, inside], lo, hi)
    lo, hi = lo[:, :, keep], hi[:, :, keep]
    for k in range(0, len(inside), CHUNK):
        idx = inside[k:k + CHUNK]
        a_lo, a_hi = c_lo[:, :, idx], c_hi[:, :, idx]
        near = ~_beside(a_lo, a_hi, lo, hi)
        ok = _clear_of(a_lo, a_hi, lo[:, :, near], hi[:, :, near])
        if ok.any():
            return int(idx[int(np.argmax(ok))])
    return None


def _across_front(offs, uv, size, c, ends, hard, segs, area: Area, anyway: bool = True) -> int | None:
    """For a front end's label where no candidate keeps off the front's line at every size: the first
    candidate inside the area and clear of the ``hard`` obstacles (markers, placed labels; edges
    ``(axis, end, m)``) at every size that keeps off the line segments (``segs``: ``(uv, off, size,
    span)``) over the first of :data:`PREFER_WIDTHS` that has one; else (``anyway``) the first clear
    of the hard ones alone (a line through a label's half-transparent box still reads, a marker
    under it does not); None where none is."""
    c_lo, c_hi = c
    ok = ((c_lo >= 0) & (c_hi <= ends[:, :, None])).all(axis=(0, 1)) & _clear_of(c_lo, c_hi, *hard)
    if not ok.any():
        return None
    for widths in PREFER_WIDTHS:
        narrow = replace(area, widths=widths)
        p_lo, p_hi = box_edges(np.broadcast_to(uv, offs.shape), offs, np.broadcast_to(size, offs.shape),
                               np.zeros_like(offs), narrow)
        hit = ok & _clear_of(p_lo, p_hi, *box_edges(*segs, narrow))
        if hit.any():
            return int(np.argmax(hit))
    return int(np.argmax(ok)) if anyway else None


def _position(uv, size, r: float, area: Area, obstacles, is_seg, segs, end: bool):
    """``(k, offs, (c_lo, c_hi))``: the index of :func:`place`'s choice among the candidate offsets
    ``offs`` (None where none), and their box edges. A front end's label (``end``) that finds none
    tries, in turn: the near candidates keeping off the line over :data:`PREFER_WIDTHS` only (a far
    label would take the room of several near ones); :func:`tall_candidates` clear of everything;
    and near or tall ones across the line (:func:`_across_front`)."""
    lo, hi = obstacles
    ends = np.array([area.widths, area.heights], dtype=float)
    hard = (lo[:, :, ~is_seg], hi[:, :, ~is_seg])
    near = candidates((float(size[0]), float(size[1])), r)
    for step in range(4 if end else 1):
        offs = _at_edges(np.vstack([near, tall_candidates(tuple(size), r)]) if step >= 2 else near, uv, size, area)
        c = box_edges(np.broadcast_to(uv, offs.shape), offs, np.broadcast_to(size, offs.shape), np.zeros_like(offs), area)
        if step in (0, 2):
            k = _first_clear(*c, ends, lo, hi)
        else:
            k = _across_front(offs, uv, size, c, ends, hard, segs, area, anyway=step == 3)
        if k is not None:
            break
    return k, offs, c


def place(anchors_uv, sizes, radii, obstacles, area: Area, most: int | None = None,
          must=()) -> list[Offset | None]:
    """Greedy, in the order given: each label takes the first :func:`candidates` offset whose box
    stays inside the area and clear of the ``obstacles`` (``(uv, off, size, span)``, ``(m, 2)``
    each: centres as fractions of the area, offsets and sizes in px, spans as fractions: markers,
    line segments) and of the labels placed before it, at every drawing size in ``area``'s ranges;
    None where none is, and for every label after the ``most``-th placed. The labels at the indices
    ``must`` (the front's ends) that find no such offset try :func:`tall_candidates` too, then may cross a
    line segment (an obstacle with a span): :func:`_across_front`."""
    lo, hi = box_edges(*obstacles, area)
    is_seg = np.asarray(obstacles[3], dtype=float).reshape(-1, 2).any(axis=1)
    segs = tuple(np.asarray(o, dtype=float).reshape(-1, 2)[is_seg] for o in obstacles)
    out: list[Offset | None] = []
    anchors_uv, sizes = np.asarray(anchors_uv, float).reshape(-1, 2), np.asarray(sizes, float).reshape(-1, 2)
    for i, (uv, size, r) in enumerate(zip(anchors_uv, sizes, radii)):
        if not np.isfinite(uv).all() or (most is not None and sum(o is not None for o in out) >= most):
            out.append(None)
            continue
        k, offs, c = _position(uv, size, float(r), area, (lo, hi), is_seg, segs, i in must)
        out.append(None if k is None else Offset(float(offs[k, 0]), float(offs[k, 1])))
        if k is not None:
            lo, hi = (np.concatenate([b, e[:, :, k:k + 1]], axis=2) for b, e in ((lo, c[0]), (hi, c[1])))
            is_seg = np.append(is_seg, False)
    return out


def _obstacles(view: View, claims, area: Area, point_radii, front_radius: float, claim_radius: float):
    """Every marker (a square around its circle) and the front's segments (:func:`front_segments`,
    as wide as the stroke plus labels.LINE_MARGIN_PX), as :func:`place` takes them."""
    s = view.state
    xy = [_axis_xy(view.points["x"], view.points["y"], s.log_x, s.log_y),
          _axis_xy(view.front["x"], view.front["y"], s.log_x, s.log_y)]
    radii = [np.asarray(point_radii, dtype=float), np.full(len(view.front), front_radius)]
    if claims is not None:
        xy.append(_axis_xy(claims["x"], claims["y"], s.log_x, s.log_y))
        radii.append(np.full(len(claims), claim_radius))
    m_uv, m_r = area.fractions(np.vstack(xy)), np.concatenate(radii)
    keep = np.isfinite(m_uv).all(axis=1)
    seg = front_segments(view)
    p0, p1 = area.fractions(seg[:, :2]), area.fractions(seg[:, 2:])
    n, stroke = int(keep.sum()), FRONT_LINE_PX + LINE_MARGIN_PX
    return (np.vstack([m_uv[keep], (p0 + p1) / 2]), np.zeros((n + len(seg), 2)),
            np.vstack([np.repeat(2 * m_r[keep, None], 2, axis=1), np.full((len(seg), 2), stroke)]),
            np.vstack([np.zeros((n, 2)), np.abs(p1 - p0)]))


def front_ends(front: pd.DataFrame) -> pd.DataFrame:
    """The front's two ends as drawn (its first and last rows: the cheapest model and the most
    accurate; one row for a front of one)."""
    return front.iloc[sorted({0, len(front) - 1})] if len(front) else front


def label_rows(view: View) -> pd.DataFrame:
    """The models to name, in priority order, the first :data:`MAX_TRIED`: highlighted matches
    (front first, best first), the front's ends (:func:`front_ends`), then the front, spread out."""
    pts, hl = view.points, view.state.highlight.strip()
    parts = []
    if hl and len(pts):
        hit = pts[search_mask(pts, hl)]
        parts.append(hit.sort_values(["on_front", "y"], ascending=[False, not view.higher_is_better]))
    parts += [front_ends(view.front), view.front.iloc[_spread_order(view.front, view.state.log_x)]]
    rows = pd.concat(parts) if parts else pts.iloc[:0]
    return rows.drop_duplicates("model").head(MAX_TRIED)


def label_texts(rows: pd.DataFrame) -> list[str]:
    """The architecture's name; where two share one, the weight's id (without its source), and its
    input size only where the weights are shared too."""
    arch = rows["arch"].where(rows["arch"].notna() & (rows["arch"].astype(str) != ""), rows["model"]).astype(str)
    full = rows["model"].astype(str).str.replace(r"^[^/]*/", "", regex=True)
    tag = full.str.replace(r"@\d+$", "", regex=True)
    out = arch.where(~arch.duplicated(keep=False), tag)
    return out.where(~out.duplicated(keep=False), full).tolist()


def label_annotations(view: View, claims: pd.DataFrame | None, ranges, point_radii, front_radius: float,
                      claim_radius: float) -> list[dict]:
    """Plotly annotations naming :func:`label_rows`, each joined to its marker by a thin line."""
    rows = label_rows(view)
    if rows.empty:
        return []
    s = view.state
    texts = label_texts(rows)
    area = Area(tuple(ranges[0]), tuple(ranges[1]), PLOT_WIDTHS, PLOT_HEIGHTS)
    anchors = _axis_xy(rows["x"], rows["y"], s.log_x, s.log_y)
    by_model = dict(zip(view.points["model"], np.asarray(point_radii, dtype=float)))
    own = np.array([front_radius if on else by_model.get(m, front_radius)
                    for m, on in zip(rows["model"], rows["on_front"].astype(bool))])
    obstacles = _obstacles(view, claims, area, point_radii, front_radius, claim_radius)
    offsets = place(area.fractions(anchors), [text_box(t, FONT_PX) for t in texts], own, obstacles, area,
                    most=MAX_LABELS, must=set(np.flatnonzero(rows["model"].isin(front_ends(view.front)["model"]))))
    notes = []
    for (ax, ay), text, off, model, r in zip(anchors, texts, offsets, rows["model"], own):
        if off is None:
            continue
        # ax/ay: the text's centre relative to the point, in px, y pointing down
        notes.append(dict(x=ax, y=ay, xref="x", yref="y", text=text, showarrow=True, arrowhead=0, arrowwidth=0.8,
                          arrowcolor="#888", standoff=float(r), ax=off.dx, ay=-off.dy, xanchor="center", yanchor="middle",
                          font=dict(size=FONT_PX, color="#333"), bgcolor="rgba(255,255,255,0.6)", borderpad=1,
                          name=f"label:{model}"))
    return notes
