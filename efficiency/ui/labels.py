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

:func:`place_labels` is greedy: labels in the order given (the caller's priority), each takes
the first candidate offset (:func:`candidate_offsets`) clear of the markers, of the labels
already placed and of the area's edges; a label with no such candidate is left out (None)
rather than drawn on top of something.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Area", "Offset", "place_labels", "text_box", "clear_over_range", "candidate_offsets"]

# an average glyph of the sans-serif fonts plotly falls back to is ~0.55 em wide; 0.62 em errs on
# the side of boxes a little larger than the text (a false "overlap" costs a label, not a collision)
CHAR_WIDTH_EM = 0.62
LINE_HEIGHT_EM = 1.3
PAD_PX = 4.0
RINGS = 5
NEAR_DIRECTIONS = ((-1, 1), (0, 1), (-1, 0), (1, 0), (0, -1), (1, 1), (-1, -1), (1, -1))
FAR_DIRECTIONS = ((0, 1), (-1, 1), (-1, 0))


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


def _interval_clear(a0, a1, half) -> np.ndarray:
    """The gap between two centres is ``a0`` at one end of the size range and ``a1`` at the other
    (linear between): True where it never comes within ``half`` (the joint half-extent)."""
    lo, hi = np.minimum(a0, a1), np.maximum(a0, a1)
    return (lo >= half) | (hi <= -half)


def clear_over_range(uv_a, off_a, size_a, uv_b, off_b, size_b, area: Area) -> np.ndarray:
    """True where box a and box b do not overlap at any plotting-area size in ``area``'s ranges.

    Each argument broadcasts (numpy): ``uv`` point fractions ``(..., 2)``, ``off`` offsets in px
    ``(..., 2)``, ``size`` box width and height in px ``(..., 2)``. Touching edges do not overlap."""
    uv_a, uv_b = np.asarray(uv_a, float), np.asarray(uv_b, float)
    off = np.asarray(off_a, float) - np.asarray(off_b, float)
    half = (np.asarray(size_a, float) + np.asarray(size_b, float)) / 2
    du = uv_a - uv_b
    clear = np.zeros(np.broadcast_shapes(du.shape, off.shape, half.shape)[:-1], dtype=bool)
    for axis, (s0, s1) in enumerate((area.widths, area.heights)):
        clear |= _interval_clear(du[..., axis] * s0 + off[..., axis], du[..., axis] * s1 + off[..., axis],
                                 half[..., axis])
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
    and a short line beats a label dropped)."""
    w, h = size
    out = []
    for ring in range(RINGS + 1):
        d = radius + gap + ring * h
        dirs = NEAR_DIRECTIONS if ring < 2 else FAR_DIRECTIONS
        out.extend((ux * (d + w / 2), uy * (d + h / 2)) for ux, uy in dirs)
    return out


def place_labels(anchors, sizes, markers, marker_radii, area: Area, anchor_radii=None,
                 gap: float = 3.0) -> list[Offset | None]:
    """One :class:`Offset` per label, or None where no candidate is clear (see the module docstring).

    ``anchors``: ``(n, 2)`` label points in axis coordinates; ``sizes``: ``(n, 2)`` box width and
    height in px; ``markers``: ``(m, 2)`` every drawn marker in axis coordinates (the anchors'
    own markers included); ``marker_radii``: ``(m,)`` px (a marker is the square around its
    circle); ``anchor_radii``: ``(n,)`` px of the anchors' markers (default: the largest radius)."""
    anchors = np.asarray(anchors, dtype=float).reshape(-1, 2)
    sizes = np.asarray(sizes, dtype=float).reshape(-1, 2)
    m_uv = area.fractions(np.asarray(markers, dtype=float).reshape(-1, 2))
    radii = np.broadcast_to(np.asarray(marker_radii, dtype=float), (len(m_uv),))
    m_size = np.stack([2 * radii, 2 * radii], axis=1)
    keep = np.isfinite(m_uv).all(axis=1)
    m_uv, m_size = m_uv[keep], m_size[keep]
    a_uv = area.fractions(anchors)
    if anchor_radii is None:
        anchor_radii = np.full(len(anchors), float(radii.max()) if len(radii) else 0.0)
    placed_uv, placed_off, placed_size = [], [], []
    out: list[Offset | None] = []
    for i in range(len(anchors)):
        choice = None
        if np.isfinite(a_uv[i]).all():
            for off in candidate_offsets(tuple(sizes[i]), float(anchor_radii[i]), gap):
                if not inside_over_range(a_uv[i], off, sizes[i], area):
                    continue
                if len(m_uv) and not clear_over_range(a_uv[i], off, sizes[i], m_uv, (0.0, 0.0), m_size, area).all():
                    continue
                if placed_uv and not clear_over_range(a_uv[i], off, sizes[i], np.array(placed_uv),
                                                      np.array(placed_off), np.array(placed_size), area).all():
                    continue
                choice = Offset(*off)
                break
        if choice is not None:
            placed_uv.append(a_uv[i])
            placed_off.append((choice.dx, choice.dy))
            placed_size.append(sizes[i])
        out.append(choice)
    return out
