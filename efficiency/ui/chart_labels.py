"""Names on the Pareto chart (no Streamlit): which models get one, the axes' ranges the placement
needs, and the plotly annotations, placed by :func:`efficiency.ui.labels.place_labels` so that no
label covers another or a marker, in the browser (any width from a phone column to a wide
screen) and in the 1100 px exports alike.

Highlighted models (the explorer's highlight box) are named first, then the front's models,
spread out along it; at most :data:`MAX_LABELS`. A label that fits nowhere is left out. Labels
keep off the front's step line too where they can (:func:`front_segments`).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from efficiency.ui.explorer import View, search_mask
from efficiency.ui.labels import Area, place_labels, step_segments, text_box

MAX_LABELS = 14
FONT_PX = 11
# the plotting area's sizes, in px, a label placement must hold for: from a phone-width column
# of about 500 px to a wide screen (the export's is about 790 x 480); on a phone the page hides them
PLOT_WIDTHS = (420.0, 1000.0)
PLOT_HEIGHTS = (340.0, 520.0)
# the likelier widths, a desktop window (649 px at 1440) and the export: where a label cannot keep
# off the front's line at every width (a point near the left edge, whose only room is to the right,
# up to the next step), it keeps off it at these
PREFER_WIDTHS = (560.0, 1000.0)
# the front's line as efficiency.ui.figures draws it (line.shape, line.width): the labels must
# keep off the line as drawn, so a change there is a change here
FRONT_SHAPE = "hv"
FRONT_LINE_PX = 2.5


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


def label_rows(view: View) -> pd.DataFrame:
    """The models to name, in priority order: highlighted matches (front first, best first), then
    the front, spread out."""
    pts, hl = view.points, view.state.highlight.strip()
    parts = []
    if hl and len(pts):
        hit = pts[search_mask(pts, hl)]
        parts.append(hit.sort_values(["on_front", "y"], ascending=[False, not view.higher_is_better]))
    parts.append(view.front.iloc[_spread_order(view.front, view.state.log_x)])
    rows = pd.concat(parts) if parts else pts.iloc[:0]
    return rows.drop_duplicates("model").head(MAX_LABELS)


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
    wide = Area(area.x_range, area.y_range, PREFER_WIDTHS, PLOT_HEIGHTS)
    markers = [_axis_xy(view.points["x"], view.points["y"], s.log_x, s.log_y),
               _axis_xy(view.front["x"], view.front["y"], s.log_x, s.log_y)]
    radii = [np.asarray(point_radii, dtype=float), np.full(len(view.front), front_radius)]
    if claims is not None:
        markers.append(_axis_xy(claims["x"], claims["y"], s.log_x, s.log_y))
        radii.append(np.full(len(claims), claim_radius))
    anchors = _axis_xy(rows["x"], rows["y"], s.log_x, s.log_y)
    by_model = dict(zip(view.points["model"], radii[0]))
    own = np.array([front_radius if on else by_model.get(m, front_radius)
                    for m, on in zip(rows["model"], rows["on_front"].astype(bool))])
    offsets = place_labels(anchors, [text_box(t, FONT_PX) for t in texts], np.vstack(markers),
                           np.concatenate(radii), area, anchor_radii=own,
                           lines=front_segments(view), line_px=FRONT_LINE_PX, prefer=(wide,))
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
