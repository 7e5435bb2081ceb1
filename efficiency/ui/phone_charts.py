"""A chart of two plots side by side, redrawn for a phone: the plots one above the other (no Streamlit).

Model detail's and Compare's latency-versus-resolution charts (make_subplots(1, 2): latency and GMACs against
input size) get a stacked twin here, and :func:`twin_chart` draws both, the page's CSS showing the one that
fits (the same container query as the phone tables of :mod:`efficiency.ui.phone`).
"""
from __future__ import annotations

import math
import textwrap

import plotly.graph_objects as go

from efficiency.ui.chart_view import DESKTOP_CHART_PX, legend_height
from efficiency.ui.phone import PHONE_PX, swap_css


# A chart of two plots side by side (make_subplots(1, 2): latency and GMACs against input resolution, on
# Model detail and Compare) at 390 px had ~110 px per plot, its tick labels turned on end over each other and
# the right plot's y title over the left plot (UX13B). Narrow, its twin stacks them: each the full width, the
# x axis shared (ticks and title under the lower one), short titles, every tick label at least TICK_GAP_PX apart.
STACK_PLOT_PX, STACK_GAP_PX = 190, 16      # each plot's height; between them (no tick labels there)
STACK_LEFT_PX, TICK_GAP_PX, PLOT_PX = 64, 34, 280   # y ticks and a 2-line title; label spacing on a 280 px plot
TITLE_LINE_PX = 17


def short_title(text: str, chars: int) -> str:
    """An axis or chart title for a phone: "log scale" said "log", "ms per batch" "ms/batch", a chart title's
    machine (" on ...") and a long title's brackets on a line of their own, wrapped at ``chars`` (plotly's <br>)."""
    flat = str(text or "").replace("<br>", " ").replace("; log scale)", "; log)").replace(" on ", "\non ", 1)
    lines = flat.replace(" per ", "/").replace("multiply-add", "mult-add").split("\n")
    lines = [p for line in lines for p in (line.replace(" (", "\n(", 1) if len(line) > chars else line).split("\n")]
    return "<br>".join(w for line in lines for w in textwrap.wrap(line, chars, break_on_hyphens=False))


def spaced_ticks(values, px: int = PLOT_PX, gap: int = TICK_GAP_PX) -> list:
    """``values`` (ticks of a log axis over its range), both ends kept, without those closer than ``gap`` px
    to a kept one."""
    lo, hi = math.log(min(values)), math.log(max(values))
    at = lambda v: (math.log(v) - lo) / ((hi - lo) or 1) * px     # noqa: E731
    kept = [min(values)]
    for v in sorted(values)[1:-1]:
        if at(v) - at(kept[-1]) >= gap and px - at(v) >= gap:
            kept.append(v)
    return kept + [max(values)] if len(values) > 1 else kept


def phone_legend_px(fig: go.Figure) -> int:
    """How much taller ``fig``'s legend is on a phone than in the margin legend_below gave it (sized for a
    desktop's rows): Compare's three resolution lines, each name on two lines, took 193 px at 390 px, not
    119, and plotly took the 74 px from the stacked plots (163 px high each, not 190)."""
    names = [t.name for t in fig.data if t.showlegend is not False and t.name]     # as legend_below counts
    return max(0, legend_height(names) - legend_height(names, DESKTOP_CHART_PX))


def stacked(fig: go.Figure) -> go.Figure:
    """A copy of ``fig`` (two plots side by side, their x axes alike: after chart_view.legend_below) with the
    plots one above the other for a narrow column (:func:`twin_chart`); the legend stays below them."""
    out = go.Figure(fig)
    lay, m = out.layout, out.layout.margin
    title = short_title(lay.title.text, 46) if lay.title.text else None
    extra = TITLE_LINE_PX * (title or "").count("<br>")
    area = 2 * STACK_PLOT_PX + STACK_GAP_PX
    below = m.b + phone_legend_px(out)
    out.update_layout(title_text=title, height=m.t + below + area + extra,
                      margin=dict(l=STACK_LEFT_PX, t=m.t + extra, b=below))
    lay.xaxis.update(domain=[0, 1], matches="x2", showticklabels=False, title_text="")
    ticks = spaced_ticks(list(lay.xaxis2.tickvals)) if lay.xaxis2.tickvals else None
    lay.xaxis2.update(domain=[0, 1], title_text=short_title(lay.xaxis2.title.text, 44))
    if ticks:
        lay.xaxis2.update(tickvals=ticks, ticktext=[f"{t:g}" for t in ticks])
    lay.yaxis.update(domain=[(STACK_PLOT_PX + STACK_GAP_PX) / area, 1], title_text=short_title(lay.yaxis.title.text, 28))
    lay.yaxis2.update(domain=[0, STACK_PLOT_PX / area], title_text=short_title(lay.yaxis2.title.text, 28))
    return out


def twin_chart(st, fig: go.Figure, name: str, draw, px: int = PHONE_PX) -> None:
    """``draw(st, fig, name)`` (chart_view.on_page) where the page's column is wider than ``px``, and its
    :func:`stacked` twin where it is not (:func:`swap_css`: the server never learns the width)."""
    narrow = stacked(fig)
    with st.container(key=f"{name}_box"):
        with st.container(key=f"{name}_wide"):
            draw(st, fig, name)
        with st.container(key=f"{name}_narrow"):
            st.html(swap_css(f"{name}_box", f"{name}_wide", f"{name}_narrow", px))
            draw(st, narrow, name)
