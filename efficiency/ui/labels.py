"""Where to put point labels so that they cover neither each other nor any marker (pure numpy, no
plotly, no Streamlit).

The figure is drawn at a size the server does not know (a browser column, a phone, the 1100 px
export), so a placement is checked for every plotting-area size in a range, not one: a label's
box centre, in pixels from the area's lower-left corner, is ``u * W + dx`` across and
``v * H + dy`` up, where ``(u, v)`` is its point's position as a fraction of the axis ranges,
``(dx, dy)`` the chosen offset (pixels, fixed) and ``W``, ``H`` the area's width and height.
Each coordinate is linear in ``W`` (``H``), so the gap between two boxes over a size range is
an interval whose ends are the gaps at the range's ends: two boxes are clear of each other for
every size in the range exactly when, along one axis, that interval stays outside the boxes'
joint half-extent (:func:`clear_over_range`). Markers are boxes with offset 0.

A line drawn on the chart (the Pareto front's step line) is an obstacle too: each of its
axis-parallel segments is a box whose extent along the segment is a fraction of the area's size
(``span``) plus the line's width in px, so its half-extent is linear in the size as well, and the
same end-point argument holds (:func:`clear_over_range`, :func:`step_segments`).

:func:`place_labels` is greedy: labels in the order given (the caller's priority), each takes
the first candidate offset (:func:`candidate_offsets`) clear of the markers, of the labels
already placed and of the area's edges; a label with no such candidate is left out (None)
rather than drawn on top of something. Of those candidates it takes the first that is clear of
the lines too at every size; where each crosses a line at some size, the first that keeps off the
lines over a narrower, likelier size range (``prefer``: a wide screen, the export); failing that,
the first anyway (a line through a label's half-transparent box is still legible, a marker under
it is not).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Area", "Offset", "place_labels", "text_box", "clear_over_range", "candidate_offsets",
           "step_segments"]

# an average glyph of the sans-serif fonts plotly falls back to is ~0.55 em wide; 0.62 em errs on
# the side of boxes a little larger than the text (a false "overlap" costs a label, not a collision)
CHAR_WIDTH_EM = 0.62
LINE_HEIGHT_EM = 1.3
PAD_PX = 4.0
RINGS = 5
NEAR_DIRECTIONS = ((-1, 1), (0, 1), (-1, 0), (1, 0), (0, -1), (1, 1), (-1, -1), (1, -1))
FAR_DIRECTIONS = ((0, 1), (-1, 1), (-1, 0))
SLIDES = (-0.25, 0.25, -0.5, 0.5)
# a line's box is its stroke width plus 1 px either side: a label whose edge grazes the stroke's
# antialiased fringe reads as touching it
LINE_MARGIN_PX = 2.0


@dataclass(frozen=True)
class Area:
    """The plotting area: axis ranges (in axis coordinates: log10 of the value on a log axis) and
    the ranges of pixel widths and heights the figure may be drawn at."""
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    widths: tuple[float, float]
    heights: tuple[float, float]

    def fractions(self, xy: np.ndarray) -> np.ndarray:
        """``(n, 2)`` axis coordinates -> fractions of the ranges (0 at the lower-left corner)."""
        lo = np.array([self.x_range[0], self.y_range[0]], dtype=float)
        span = np.array([self.x_range[1] - self.x_range[0], self.y_range[1] - self.y_range[0]], dtype=float)
        span[span == 0] = 1.0
        return (np.asarray(xy, dtype=float).reshape(-1, 2) - lo) / span


@dataclass(frozen=True)
class Offset:
    """A placed label: its box centre is ``dx`` px right of and ``dy`` px above its point."""
    dx: float
    dy: float


def text_box(text: str, font_px: float) -> tuple[float, float]:
    """Width and height in pixels of a one-line label (see :data:`CHAR_WIDTH_EM`)."""
    return len(text) * CHAR_WIDTH_EM * font_px + PAD_PX, LINE_HEIGHT_EM * font_px + PAD_PX


def _interval_clear(a0, a1, half0, half1) -> np.ndarray:
    """The gap between two centres is ``a0`` at one end of the size range and ``a1`` at the other,
    their joint half-extent ``half0`` and ``half1`` (both linear between): True where the gap never
    comes within the half-extent. With a positive half-extent the boxes cannot swap sides without
    overlapping on the way, so they are clear throughout exactly when one side holds at both ends."""
    return ((a0 >= half0) & (a1 >= half1)) | ((a0 <= -half0) & (a1 <= -half1))


def clear_over_range(uv_a, off_a, size_a, uv_b, off_b, size_b, area: Area, span_b=None) -> np.ndarray:
    """True where box a and box b do not overlap at any plotting-area size in ``area``'s ranges.

    Each argument broadcasts (numpy): ``uv`` point fractions ``(..., 2)``, ``off`` offsets in px
    ``(..., 2)``, ``size`` box width and height in px ``(..., 2)``; ``span_b`` ``(..., 2)``: the
    part of box b's width and height that is a fraction of the area's (a line segment's length;
    default 0). Touching edges do not overlap."""
    uv_a, uv_b = np.asarray(uv_a, float), np.asarray(uv_b, float)
    off = np.asarray(off_a, float) - np.asarray(off_b, float)
    half = (np.asarray(size_a, float) + np.asarray(size_b, float)) / 2
    span = np.zeros(2) if span_b is None else np.asarray(span_b, float) / 2
    du = uv_a - uv_b
    shape = np.broadcast_shapes(du.shape, off.shape, half.shape, span.shape)[:-1]
    clear = np.zeros(shape, dtype=bool)
    for axis, (s0, s1) in enumerate((area.widths, area.heights)):
        clear |= _interval_clear(du[..., axis] * s0 + off[..., axis], du[..., axis] * s1 + off[..., axis],
                                 half[..., axis] + span[..., axis] * s0, half[..., axis] + span[..., axis] * s1)
    return clear


def inside_over_range(uv, off, size, area: Area) -> bool:
    """True when the box stays inside the plotting area at every size in the ranges."""
    for axis, (s0, s1) in enumerate((area.widths, area.heights)):
        for s in (s0, s1):                    # linear in the size: the ends decide
            centre = uv[axis] * s + off[axis]
            if centre - size[axis] / 2 < 0 or centre + size[axis] / 2 > s:
                return False
    return True


def candidate_offsets(size: tuple[float, float], radius: float, gap: float = 3.0) -> list[tuple[float, float]]:
    """Offsets to try for a box of ``size`` beside a marker of ``radius`` px, nearest first:
    above-left (where the eye expects a front label), above, left, right, below, the other
    diagonals; then up, above-left and left only, one label height farther out each ring up to
    :data:`RINGS` (a thin line joins a label to its marker: the space above a front is empty,
    and a short line beats a label dropped). After each ring's directions, the boxes above (and
    in the near rings below) slid sideways by :data:`SLIDES` of their width: the room between a
    step's rise and the plot's edge is often narrower than a box beside the marker needs."""
    w, h = size
    out = []
    for ring in range(RINGS + 1):
        d = radius + gap + ring * h
        dirs = NEAR_DIRECTIONS if ring < 2 else FAR_DIRECTIONS
        out.extend((ux * (d + w / 2), uy * (d + h / 2)) for ux, uy in dirs)
        out.extend((f * w, uy * (d + h / 2)) for uy in ((1, -1) if ring < 2 else (1,)) for f in SLIDES)
    return out


def step_segments(xy, shape: str = "hv") -> np.ndarray:
    """The axis-parallel segments ``(k, 4)`` (x0, y0, x1, y1, axis coordinates) of the step line
    plotly draws through ``xy`` ``(n, 2)`` in the given order with ``line.shape``: "hv" goes across
    to the next point's x, then up or down to it; "vh" the other way round. Zero-length segments
    and those with a non-finite end (a value plotly cannot show on a log axis) are left out."""
    if shape not in ("hv", "vh"):
        raise ValueError(f"only step shapes are axis-parallel, not {shape!r}")
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    a, b = xy[:-1], xy[1:]
    corner = np.stack([b[:, 0], a[:, 1]] if shape == "hv" else [a[:, 0], b[:, 1]], axis=1)
    seg = np.concatenate([np.hstack([a, corner]), np.hstack([corner, b])])
    ok = np.isfinite(seg).all(axis=1) & ((seg[:, 0] != seg[:, 2]) | (seg[:, 1] != seg[:, 3]))
    return seg[ok]


@dataclass(frozen=True)
class _Obstacles:
    """Everything a label must keep off, as fractions of the area: markers (hard), the labels
    placed so far (hard, grown by :meth:`add`) and line segments (kept off where possible)."""
    m_uv: np.ndarray
    m_size: np.ndarray
    l_uv: np.ndarray
    l_span: np.ndarray
    l_size: np.ndarray
    placed: list

    def hard_clear(self, uv, off, size, area: Area) -> bool:
        if not inside_over_range(uv, off, size, area):
            return False
        if len(self.m_uv) and not clear_over_range(uv, off, size, self.m_uv, (0.0, 0.0), self.m_size, area).all():
            return False
        if self.placed:
            p_uv, p_off, p_size = (np.array(c) for c in zip(*self.placed))
            return bool(clear_over_range(uv, off, size, p_uv, p_off, p_size, area).all())
        return True

    def lines_clear(self, uv, off, size, area: Area) -> bool:
        return not len(self.l_uv) or bool(
            clear_over_range(uv, off, size, self.l_uv, (0.0, 0.0), self.l_size, area, span_b=self.l_span).all())

    def add(self, uv, off, size) -> None:
        self.placed.append((uv, off, size))


def _line_boxes(lines, line_px: float, area: Area):
    """Segments ``(k, 4)`` in axis coordinates -> centres, spans (fractions) and px sizes."""
    seg = np.asarray(lines, dtype=float).reshape(-1, 4) if lines is not None else np.zeros((0, 4))
    p0, p1 = area.fractions(seg[:, :2]), area.fractions(seg[:, 2:])
    ok = np.isfinite(p0).all(axis=1) & np.isfinite(p1).all(axis=1)
    p0, p1 = p0[ok], p1[ok]
    return (p0 + p1) / 2, np.abs(p1 - p0), np.full((len(p0), 2), line_px + LINE_MARGIN_PX)


def _choose(uv, size, radius: float, gap: float, obstacles: _Obstacles, area: Area,
            prefer: tuple[Area, ...]) -> Offset | None:
    """The first candidate clear of everything; else the first clear of the lines over the first
    of the ``prefer`` size ranges that has one; else the first clear of all but the lines."""
    best, rank = None, len(prefer) + 1
    for off in candidate_offsets(tuple(size), radius, gap):
        if not obstacles.hard_clear(uv, off, size, area):
            continue
        if obstacles.lines_clear(uv, off, size, area):
            return Offset(*off)
        r = next((k + 1 for k, a in enumerate(prefer[:rank - 1]) if obstacles.lines_clear(uv, off, size, a)), rank)
        if best is None or r < rank:
            best, rank = Offset(*off), r
    return best


def place_labels(anchors, sizes, markers, marker_radii, area: Area, anchor_radii=None,
                 gap: float = 3.0, lines=None, line_px: float = 2.5,
                 prefer: tuple[Area, ...] = ()) -> list[Offset | None]:
    """One :class:`Offset` per label, or None where no candidate is clear (see the module docstring).

    ``anchors``: ``(n, 2)`` label points in axis coordinates; ``sizes``: ``(n, 2)`` box width and
    height in px; ``markers``: ``(m, 2)`` every drawn marker in axis coordinates (the anchors'
    own markers included); ``marker_radii``: ``(m,)`` px (a marker is the square around its
    circle); ``anchor_radii``: ``(n,)`` px of the anchors' markers (default: the largest radius);
    ``lines``: ``(k, 4)`` axis-parallel segments drawn ``line_px`` wide (:func:`step_segments`),
    kept off where a candidate allows; ``prefer``: narrower size ranges within ``area``'s (the
    likeliest drawing sizes first): where no candidate keeps off the lines at every size, one that
    does over the first of these that allows it (markers, labels and edges are kept off over the
    whole range regardless)."""
    anchors = np.asarray(anchors, dtype=float).reshape(-1, 2)
    sizes = np.asarray(sizes, dtype=float).reshape(-1, 2)
    m_uv = area.fractions(np.asarray(markers, dtype=float).reshape(-1, 2))
    radii = np.broadcast_to(np.asarray(marker_radii, dtype=float), (len(m_uv),))
    keep = np.isfinite(m_uv).all(axis=1)
    obstacles = _Obstacles(m_uv[keep], np.stack([2 * radii, 2 * radii], axis=1)[keep],
                           *_line_boxes(lines, line_px, area), placed=[])
    a_uv = area.fractions(anchors)
    if anchor_radii is None:
        anchor_radii = np.full(len(anchors), float(radii.max()) if len(radii) else 0.0)
    out: list[Offset | None] = []
    for i in range(len(anchors)):
        choice = None
        if np.isfinite(a_uv[i]).all():
            choice = _choose(a_uv[i], sizes[i], float(anchor_radii[i]), gap, obstacles, area, tuple(prefer))
        if choice is not None:
            obstacles.add(a_uv[i], (choice.dx, choice.dy), sizes[i])
        out.append(choice)
    return out
