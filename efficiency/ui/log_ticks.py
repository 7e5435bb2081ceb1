"""Ticks for log axes that no reader can misread (no Streamlit).

plotly labels a log axis whose range starts after a power of ten with bare digits ("3 4 5 ... 1 2"), the
"3" meaning 0.3 when the decade's own label is off-screen. :func:`log_ticks` instead picks, from an axis'
range alone, tick values whose labels are the whole number ("0.3", "2", "10", "1k", "20k"): the densest
of 1..9, 1-2-5, 1-3 and 1 per decade that stays within :data:`MAX_TICKS` labels (so a 350 px phone
axis still fits them), every power of ten in range among them while the range spans fewer than
:data:`MAX_TICKS` decades, and nice linear steps when the range is too narrow to hold two of those.
:func:`label_log_axes` applies it to every log axis of a plotly figure, the 1..9 positions between the
labels kept as unlabelled minor ticks (they show where 3 or 7 lie without a label to misread).

Labels: plain decimals from 0.0001 to 999, then k, M, G, T (as plotly's own "10k") up to 999T, "2e-5"
below 0.0001 and "3e22" from 1e15; :func:`parse_label` reads one back.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

MAX_TICKS = 7                  # labels of up to 5 characters: fits a phone's ~300 px axis
# per decade, densest first; the first whose tick count fits MAX_TICKS wins
MANTISSAS = ((1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 5), (1, 3), (1,))
SI = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))
EXPONENT_FROM = 1e15           # "1e15", "3e22": past "999T" a suffix would need thousands of T
PAD_DECADES = 2                # ticks beyond the range, so panning a screen chart keeps labels
MINOR_GRID = "rgba(128,128,128,0.14)"   # faint on the light and the dark theme alike
# an axis whose first label lies past this fraction of its length gets one at its start (a detection
# latency axis from 29 ms labelled only 50 and 100 left its first 30 % unread, UXCHECK6 9) ...
START_WITHIN = 0.2
# ... within this fraction: so at least 0.1 of the axis (33 px of a 330 px plot) apart from the next
START_AT = 0.1


@dataclass(frozen=True)
class LogTicks:
    values: tuple[float, ...]      # labelled ticks, strictly increasing
    labels: tuple[str, ...]        # one per value, the whole number
    minor: tuple[float, ...]       # unlabelled 1..9 positions between them (none on a linear fallback)


def _trim(text: str) -> str:
    """``1e-05`` -> ``1e-5``; ``2e+15`` -> ``2e15``."""
    if "e" not in text:
        return text
    mant, exp = text.split("e")
    return f"{mant}e{int(exp)}"


def tick_label(v: float) -> str:
    """``v`` as a tick label: 0.3, 2, 10, 1k, 2.5M, 1e-5, 3e22 (12 significant digits at most, zeros
    trimmed). From :data:`EXPONENT_FROM` on, an exponent: training FLOPs (1e20 - 1e26) read "30000000000T"
    with suffixes alone."""
    if abs(v) >= EXPONENT_FROM:
        return _trim(f"{v:.12g}")
    for scale, suffix in SI:
        if abs(v) >= scale:
            return _trim(f"{v / scale:.12g}") + suffix
    return _trim(f"{v:.12g}")


def parse_label(text: str) -> float:
    """The number a :func:`tick_label` stands for."""
    for scale, suffix in SI:
        if text.endswith(suffix):
            return float(text[:-1]) * scale
    return float(text)


def _decade_ticks(lo: float, hi: float, mantissas: tuple[int, ...], every: int = 1, phase: int = 0) -> list[float]:
    """``m x 10^e`` for ``m`` in ``mantissas`` and ``e`` a multiple of ``every`` (plus ``phase``), within [lo, hi]
    (each value the double nearest the decimal, so 0.3 is 0.3, not 3 x 0.1)."""
    out = []
    for e in range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1):
        if (e - phase) % every:
            continue
        out += [v for m in mantissas if lo <= (v := float(f"{m}e{e}")) <= hi]
    return sorted(out)


def _linear_ticks(lo: float, hi: float) -> list[float]:
    """At least two ticks inside [lo, hi] on a 1-2-5 step, for a range narrower than two of the
    1..9 positions (2.1 to 2.9): the largest such step that leaves two ticks in range."""
    e = math.floor(math.log10((hi - lo) / 2))
    steps = sorted((float(f"{m}e{k}") for k in range(e - 2, e + 1) for m in (1, 2, 5)), reverse=True)
    vals: list[float] = []
    for step in [s for s in steps if s <= (hi - lo) / 2]:
        decimals = max(0, -math.floor(math.log10(step)))
        vals = [round(k * step, decimals) for k in range(math.floor(lo / step), math.ceil(hi / step) + 1)]
        vals = [v for v in vals if lo <= v <= hi]
        if len(vals) >= 2:      # (rounding at the range's ends can drop one: then the next step down)
            break
    return vals


def _frac(v: float, lo: float, hi: float) -> float:
    """Where ``v`` lies on a log axis from ``lo`` to ``hi``, as a fraction of its length."""
    return math.log10(v / lo) / math.log10(hi / lo)


def start_tick(lo: float, hi: float, first: float | None) -> float | None:
    """A tick for the axis' left end where its first labelled one (``first``) lies past
    :data:`START_WITHIN` of the axis: the coarsest whole number at or just above ``lo`` (30 for 29.04,
    then 31, 29.1 ...) within :data:`START_AT`; None where ``first`` is near enough."""
    if first is not None and _frac(first, lo, hi) <= START_WITHIN:
        return None
    top = math.floor(math.log10(lo))
    for e in range(top, top - 13, -1):        # 1, 2, ... significant digits (labels carry 12 at most)
        v = float(f"{math.ceil(round(lo / 10 ** e, 9))}e{e}")
        if v < lo:                             # (the rounding above guards against 2.9999999 -> 3)
            v = float(f"{math.ceil(lo / 10 ** e) + 1}e{e}")
        if _frac(v, lo, hi) <= START_AT:
            return v
    return None


def _with_start(values: list[float], lo: float, hi: float) -> list[float]:
    """``values`` plus :func:`start_tick`'s tick, less the padded ticks (below ``lo``) so near it
    that their labels would touch when a screen chart is panned."""
    start = start_tick(lo, hi, next((v for v in values if v >= lo), None))
    if start is None:
        return values
    near = START_AT * math.log10(hi / lo)
    return sorted([v for v in values if not (v < lo and math.log10(start / v) < near)] + [start])


def log_ticks(lo: float, hi: float, max_ticks: int = MAX_TICKS, pad: float = 0.0) -> LogTicks:
    """Labelled ticks for a log axis showing [``lo``, ``hi``] (0 < lo < hi, data units): the density
    is chosen on that range (see the module docstring); ``pad`` decades beyond it on each side get
    ticks of the same density too (a screen chart that is panned keeps its labels)."""
    if not (0 < lo < hi and math.isfinite(hi)):
        raise ValueError(f"a log axis needs 0 < lo < hi, got {lo!r}, {hi!r}")
    wide_lo, wide_hi = lo / 10 ** pad, hi * 10 ** pad
    for mantissas in MANTISSAS:
        shown = _decade_ticks(lo, hi, mantissas)
        if len(shown) < 2 or len(_with_start(shown, lo, hi)) <= max_ticks:
            break
    else:                          # more decades than labels: every few decades, none of the in-between,
        every = math.ceil(len(shown) / max_ticks)   # counted from the first in range (so it is near the start)
        phase = round(math.log10(shown[0])) % every     # shown: the powers of ten in range
        return _ticks(_decade_ticks(wide_lo, wide_hi, (1,), every, phase), _decade_ticks(wide_lo, wide_hi, (1,)))
    if len(shown) < 2:             # too narrow for two 1..9 positions: a linear step
        return _ticks(_with_start(_linear_ticks(lo, hi), lo, hi), [])
    return _ticks(_with_start(_decade_ticks(wide_lo, wide_hi, mantissas), lo, hi),
                  _decade_ticks(wide_lo, wide_hi, MANTISSAS[0]))


def _ticks(values: list[float], candidates: list[float]) -> LogTicks:
    have = set(values)
    return LogTicks(tuple(values), tuple(tick_label(v) for v in values), tuple(v for v in candidates if v not in have))


# --------------------------------------------------------------------------- plotly figures

def _axis_ref(layout_name: str) -> str:
    """``xaxis2`` -> ``x2``: the name traces and shapes use for a layout axis."""
    return layout_name.replace("axis", "")


def _values_on(fig, ref: str) -> list[float]:
    """The positive finite values plotted against axis ``ref`` (``x``, ``y2``): traces' coordinates
    and straight shapes' (a peak line drawn with ``add_hline``)."""
    letter = ref[0]
    out = []
    for t in fig.data:
        if (getattr(t, f"{letter}axis", None) or letter) == ref and getattr(t, letter, None) is not None:
            out.append(pd.to_numeric(pd.Series(list(getattr(t, letter))), errors="coerce").to_numpy(dtype=float))
    for s in fig.layout.shapes or ():
        if (getattr(s, f"{letter}ref", None) or letter) == ref:
            out.append(np.array([getattr(s, f"{letter}0"), getattr(s, f"{letter}1")], dtype=float))
    v = np.concatenate(out) if out else np.array([])
    return [float(x) for x in v[np.isfinite(v) & (v > 0)]]


def _shown_range(axis, values: list[float]) -> tuple[float, float] | None:
    """The axis' range in data units: its fixed range (log10 in plotly), else the data's, widened to
    a factor of 2 when the data is one value."""
    if axis.range is not None and axis.autorange is not True:
        lo, hi = sorted(10 ** float(r) for r in axis.range)
        return (lo, hi) if lo < hi else None
    if not values:
        return None
    lo, hi = min(values), max(values)
    return (lo, hi) if lo < hi else (lo / 2, hi * 2)


def label_log_axes(fig, max_ticks: int = MAX_TICKS, pad: float = PAD_DECADES):
    """Every log axis of ``fig`` without ticks of its own gets :func:`log_ticks` of its range (fixed
    range, else the data plotted on it) as labels, and the other 1..9 positions as unlabelled minor
    ticks with a faint grid. Edits ``fig`` in place and returns it."""
    for name in [k for k in fig.layout.to_plotly_json() if k.startswith(("xaxis", "yaxis"))]:
        axis = fig.layout[name]
        if axis.type != "log" or axis.tickvals is not None:
            continue                    # a chart's own ticks (a tick per measured batch) stay
        shown = _shown_range(axis, _values_on(fig, _axis_ref(name)))
        if shown is None:
            continue
        t = log_ticks(*shown, max_ticks=max_ticks, pad=pad)
        axis.update(tickmode="array", tickvals=list(t.values), ticktext=list(t.labels),
                    minor=dict(tickmode="array", tickvals=list(t.minor), ticks="outside", ticklen=3,
                               showgrid=True, gridcolor=MINOR_GRID))
    return fig
