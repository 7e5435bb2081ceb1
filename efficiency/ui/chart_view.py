"""The Pareto figure on screen and on paper (no Streamlit): :func:`for_screen` turns the
publication figure of :func:`efficiency.ui.figures.build_figure` into the page's (legend below the
plot so the plot keeps the full width of a phone, caption left to the page, which wraps it, the
viewer's light or dark theme); :func:`for_print` turns it back (legend at the right, caption
beneath, light) for the PNG/SVG/HTML exports. Both edit the figure in place and return it. The other
pages' charts take the same theme through :func:`on_page` (the module itself never imports Streamlit)."""
from __future__ import annotations

import math
import textwrap

import numpy as np
import plotly.graph_objects as go

from efficiency.ui import figures as plot
from efficiency.ui import phone

# Streamlit's dark background (its default dark theme's bgColor: "#171614" in the installed 1.67's bundle,
# static/js/utils.*.js, and its config.py's theme.backgroundColor help; .streamlit/config.toml keeps it),
# which the legend and label boxes and the marker rims match, so nothing draws a bluish patch on the page;
# it was "#0e1117", older Streamlit's (UXCHECK4 #11). tests/test_uxfix4_dark.py reads it from the bundle.
DARK_BG = "#171614"
# colours that carry meaning by contrast with the background: light theme -> dark theme
DARK_SWAPS = {plot.FRONT_COLOR: "#f2f2f2", "#000000": "#ffffff", plot.REST_COLOR: "#4a4f5a",
              plot.OTHER_COLOR: "#6b7080", "#222": "#e8e8e8"}
LIGHT_SWAPS = {v: k for k, v in DARK_SWAPS.items()}

# The screen legend sits below the plot and must fit a phone (390 px viewport: a 358 px wide chart),
# whose width the server never learns. So an entry's name wraps at LEGEND_CHARS characters (a 7 px
# character, wider than the 12 px font's average, plus the symbol: under 330 px), and the figure grows
# by the legend's height at that width (rows packed as plotly packs them), which a wider screen gives
# to the plot instead. A longer name was cut at the chart's edge, and a legend past half the figure's
# height scrolled inside it, hiding entries.
PHONE_CHART_PX = 350        # a 390 px viewport's chart, less the legend's border and padding
LEGEND_CHARS = 38           # per line of an entry's name
CHAR_PX, SYMBOL_PX = 7, 48  # a 12 px character at most; the symbol, its gap and the gap to the next entry
ROW_PX, LINE_PX = 29, 16    # one entry row; each further line of a wrapped name
SCREEN_PLOT_PX = 320        # the plot's height at the phone width, under the title and above the x axis
SCREEN_FRAME_PX = 70        # x axis ticks and title, bottom margin (measured: 58 px at 390 px)
# Margins that already hold the axes and the legend, so plotly lays the figure out once: when an
# axis' automargin has to widen a margin, plotly draws every trace, measures, and draws them all
# again (0.4 s of a 0.9 s first draw of the explorer's figure in headless Chromium,
# bench/bench_first_paint.py). automargin stays on, so a label the estimate misses still gets its
# room (and the second pass). The legend's rows depend on the chart's width, which the server never
# learns: the margin is sized for the chart of a 1440 px window; narrower charts (phones) get the
# second pass, wider ones a gap of a row or two between the x axis title and the legend.
DESKTOP_CHART_PX = 727      # the chart's width in a 1440 px window (sidebar open, the answers panel beside it)
X_AXIS_PX = 62              # x tick labels and title (13 px fonts) under the plot: 57 - 61 px measured
Y_TITLE_PX, Y_CHAR_PX = 46, 8   # y title and ticks; per character of the widest y tick label (59 px for "90")
RIGHT_PX = 16               # the last x tick label's overhang past the plot (9 - 13 px measured)
# plotly's modebar (its icons, 28 px high, at the top right of the figure) covered the left-aligned title
# once a phone made the title reach the right edge: a screen title starts below the modebar's band
MODEBAR_PX = 30
AXIS_TITLE_CHARS = 46       # a 13 px axis title's line on a phone's ~320 px plot
TITLE_PX = 26               # a 17 px title line and its gap to the plot
# a 13 px subtitle line (the language view's protocol group) and its descenders' gap to the plot: 22 px let
# the plot's top border run through its "g", "p" and "q" (UXCHECK4 #9)
SUBTITLE_PX = 30


def legend_name(name: str, chars: int = LEGEND_CHARS) -> str:
    """``name`` wrapped onto lines of at most ``chars`` characters (plotly's ``<br>``) at spaces; a word
    longer than a line (a model id) breaks between its parts (:func:`id_lines`); a name that is already
    broken into lines stays as it is."""
    if "<br>" in name:
        return name
    lines = textwrap.wrap(name, chars, break_on_hyphens=False, break_long_words=False)
    return "<br>".join(part for line in lines for part in id_lines(line, chars)) or name


def id_lines(word: str, chars: int) -> list[str]:
    """``word`` cut into lines of at most ``chars`` characters at its separators (after "/" and "_", before
    "." and "@": "shufflenet_v2_x0_5" / ".IMAGENET1K_V1", not "IMAGENE" / "T1K_V1"), each line as full as
    it can be; a part longer than a line is cut where the line ends."""
    lines = [""]
    for part in phone.id_parts(word):
        if lines[-1] and len(lines[-1]) + len(part) > chars:
            lines.append("")
        lines[-1] += part
        while len(lines[-1]) > chars:
            lines[-1:] = [lines[-1][:chars], lines[-1][chars:]]
    return lines


def legend_height(names: list[str], width_px: int = PHONE_CHART_PX) -> int:
    """The screen legend's height in px at ``width_px``: its title row, then the entries (names as
    :func:`legend_name` wraps them) packed left to right into rows, as plotly packs a horizontal legend."""
    rows, used, lines = [], width_px, 0        # lines: the most lines of any entry in the current row
    for name in names:
        parts = name.split("<br>")
        w = SYMBOL_PX + CHAR_PX * max(len(p) for p in parts)
        if used + w > width_px:                # does not fit beside the row's last entry: a new row
            rows.append(lines)
            used, lines = 0, 0
        used, lines = used + w, max(lines, len(parts))
    rows.append(lines)
    return ROW_PX + sum(ROW_PX + LINE_PX * (n - 1) for n in rows if n)


def y_tick_chars(fig: go.Figure) -> int:
    """Characters of the widest y tick label plotly will write for the figure's y range (an estimate:
    a round step of about a seventh of the range, its decimals, the wider end)."""
    y = fig.layout.yaxis
    if y.type == "log" or not y.range:
        return 4                            # "0.01", "100", "1k"
    lo, hi = y.range
    step = abs(hi - lo) / 7 or 1.0
    decimals = max(0, -math.floor(math.log10(step)))
    return max(len(f"{v:.{decimals}f}") for v in (lo, hi))


def screen_margin(fig: go.Figure, names: list[str], top: int) -> dict:
    """The screen figure's margins (see :data:`DESKTOP_CHART_PX`)."""
    return dict(l=Y_TITLE_PX + Y_CHAR_PX * y_tick_chars(fig), r=RIGHT_PX, t=top,
                b=X_AXIS_PX + legend_height(names, DESKTOP_CHART_PX))


def _shown_in_legend(t) -> bool:
    return t.showlegend is not False and bool(t.name)


def _swap(color, swaps: dict):
    if isinstance(color, str):
        return swaps.get(color, color)
    if isinstance(color, (list, tuple)):
        return [swaps.get(c, c) if isinstance(c, str) else c for c in color]
    return color


def _page_rgba(dark: bool, alpha: float) -> str:
    """The page's background (:data:`DARK_BG` or white) at ``alpha``, for boxes drawn over the plot."""
    r, g, b = (int(DARK_BG[i:i + 2], 16) for i in (1, 3, 5)) if dark else (255, 255, 255)
    return f"rgba({r},{g},{b},{alpha})"


# grey text (notes, captions, the language subtitle) in each theme: #555 on #171614 was a contrast of 2.4:1
NOTE_DARK, NOTE_LIGHT = "#aaa", "#555"


def _rims(t, dark: bool) -> None:
    """A marker's thin rim in the page's colour, which parts touching markers (the explorer's points, the
    Hardware page's dots drawn with white rims); left white, a dark page showed a white ring round each dot."""
    marker = getattr(t, "marker", None)
    if marker is None or marker.line is None:
        return
    if t.meta == "points" or marker.line.color in ("white", DARK_BG):
        marker.line.color = DARK_BG if dark else "white"


def apply_theme(fig: go.Figure, dark: bool) -> go.Figure:
    """Background, text, grid, the front, grey notes, the subtitle and the label boxes for a light or a dark
    page: every chart drawn on a page goes through it (:func:`on_page`; the explorer's :func:`for_screen`)."""
    swaps = DARK_SWAPS if dark else LIGHT_SWAPS
    bg = "rgba(0,0,0,0)" if dark else "white"     # dark: the page's own background shows through
    text = "#e8e8e8" if dark else "#222"
    grid, line = ("#34322e", "#9aa0a6") if dark else ("#e6e6e6", "#444")
    fig.update_layout(template="plotly_dark" if dark else "plotly_white", paper_bgcolor=bg, plot_bgcolor=bg,
                      font_color=text, legend_bgcolor=_page_rgba(dark, 0.85),
                      legend_bordercolor="#555" if dark else "#ccc")
    if fig.layout.title.subtitle.text:
        fig.layout.title.subtitle.font.color = NOTE_DARK if dark else NOTE_LIGHT
    fig.update_xaxes(gridcolor=grid, linecolor=line)
    fig.update_yaxes(gridcolor=grid, linecolor=line)
    for t in fig.data:      # a bar has no line, a heatmap no marker
        marker, trace_line = getattr(t, "marker", None), getattr(t, "line", None)
        if marker is not None and marker.color is not None:
            marker.color = _swap(marker.color, swaps)
        _rims(t, dark)
        if trace_line is not None and trace_line.color is not None:
            trace_line.color = _swap(trace_line.color, swaps)
    for a in fig.layout.annotations:
        if (a.name or "").startswith("label:"):
            a.font.color = "#d8d8d8" if dark else "#333"
            a.bgcolor = _page_rgba(dark, 0.6)
        elif a.name == "caption" or a.font.color in (NOTE_DARK, NOTE_LIGHT):   # the Hardware page's peak lines' notes
            a.font.color = NOTE_DARK if dark else NOTE_LIGHT
    return fig


def is_dark(theme) -> bool:
    """Whether ``theme`` (``st.context.theme``: the browser's theme, None before it has said) is dark."""
    return getattr(theme, "type", None) == "dark"


def on_page(st, fig: go.Figure, name: str) -> None:
    """Draw ``fig`` with ``st.plotly_chart`` in the browser's theme (``st.context.theme``; ``st``: the
    streamlit module, passed in so that this module needs no Streamlit): the Compare, Model detail and
    Hardware pages' charts were light boxes on a dark page (UXCHECK4 #1). Their modebar camera (their only
    export) saves ``name``.png as drawn: on a dark page the background is the page's own, opaque, so the
    image reads anywhere (transparent, its near-white text vanished on paper, #3)."""
    dark = is_dark(st.context.theme)
    apply_theme(fig, dark)
    if dark:
        fig.update_layout(paper_bgcolor=DARK_BG, plot_bgcolor=DARK_BG)
    st.plotly_chart(fig, theme=None, config={"displaylogo": False, "toImageButtonOptions": {"filename": name}})


def caption_of(fig: go.Figure) -> str:
    """The caption annotation's text ("" when the figure has none)."""
    return next((a.text for a in fig.layout.annotations if a.name == "caption"), "") or ""


def _has_subtitle(fig: go.Figure) -> bool:
    """A language figure names its protocol group under the title: the top margin makes room for it."""
    return bool(fig.layout.title.subtitle.text)


def plain_object_arrays(fig: go.Figure) -> None:
    """Object arrays (a trace's model ids as ``customdata``) as lists: orjson, which
    ``st.plotly_chart`` serialises with, rejects them, and plotly then cleans the whole figure in
    Python first (30 - 40 ms of every page run for the explorer's figure)."""
    for t in fig.data:
        for name in ("customdata", "hovertext", "text"):
            value = getattr(t, name, None)
            if isinstance(value, np.ndarray) and value.dtype == object:
                setattr(t, name, None)      # else plotly keeps the new value an array like the old
                setattr(t, name, value.tolist())


def recolour(fig: go.Figure, colours: dict[str, str]) -> go.Figure:
    """Each line (a trace with meta "curve", by name) in its colour of ``colours``, and every mark drawn
    in a line's former colour (its noisy rings, failed crosses, stars) with it: one colour per model
    across a page's charts (the Compare page's bars and curves). Edits ``fig`` in place and returns it."""
    swaps = {t.line.color: colours[t.name] for t in fig.data
             if t.meta == "curve" and t.name in colours and t.line is not None and t.line.color}
    for t in fig.data:
        if t.marker is not None:
            t.marker.color = _swap(t.marker.color, swaps)
            if t.marker.line is not None:
                t.marker.line.color = _swap(t.marker.line.color, swaps)
        if t.line is not None:
            t.line.color = _swap(t.line.color, swaps)
    return fig


def _axis_names(fig: go.Figure) -> list[str]:
    return [k for k in fig.layout.to_plotly_json() if k.startswith(("xaxis", "yaxis"))]


def wrap_axis_titles(fig: go.Figure, chars: int = AXIS_TITLE_CHARS) -> dict[str, str]:
    """Axis titles wrapped at ``chars`` characters (one wider than a phone's plot was cut at both ends);
    returns the titles as they were, by axis (``xaxis``, ``yaxis2``)."""
    before = {}
    for name in _axis_names(fig):
        text = fig.layout[name].title.text
        if text:
            before[name] = text
            fig.layout[name].title.text = legend_name(text, chars)
    return before


def title_below_modebar(fig: go.Figure) -> int:
    """Put the figure's title (and subtitle) under the modebar's band; returns the top margin that holds
    them (without a title: the band alone, so the modebar never sits on the plot either)."""
    if not fig.layout.title.text:
        return MODEBAR_PX
    fig.update_layout(title=dict(yref="container", y=1, yanchor="top", pad=dict(t=MODEBAR_PX)))
    return MODEBAR_PX + TITLE_PX + SUBTITLE_PX * _has_subtitle(fig)


def legend_below(fig: go.Figure, plot_px: int) -> go.Figure:
    """For the Compare and Hardware pages' charts, as :func:`for_screen` does for the explorer's: legend in
    rows under the plot, its entries' names wrapped, the figure as tall as ``plot_px`` of plot plus its
    frame and the legend at a phone's width (a legend at the right left a phone ~40 px of plot), the
    title under the modebar; the legend is always drawn, even for one line (plotly hides it then)."""
    shown = [t for t in fig.data if _shown_in_legend(t)]
    for t in shown:
        t.name = legend_name(t.name)
    names = [t.name for t in shown]
    wrap_axis_titles(fig, AXIS_TITLE_CHARS - 8)     # these charts' 13 px titles centre on a narrower plot
    fig.update_xaxes(title_font_size=13)
    fig.update_yaxes(title_font_size=13)
    top = title_below_modebar(fig)
    fig.update_layout(showlegend=True, height=top + plot_px + SCREEN_FRAME_PX + legend_height(names),
                      legend=dict(orientation="h", x=0, xanchor="left", xref="container", y=0, yanchor="bottom",
                                  yref="container", maxheight=1, title_side="top"),
                      margin=dict(t=top, r=RIGHT_PX, b=X_AXIS_PX + legend_height(names, DESKTOP_CHART_PX)))
    return fig


def for_screen(fig: go.Figure, dark: bool) -> go.Figure:
    """Legend in rows below the plot, caption out (the page prints it), the viewer's theme."""
    plain_object_arrays(fig)
    shown = [t for t in fig.data if _shown_in_legend(t)]
    fig.layout.meta = {"caption": caption_of(fig), "legend_names": [t.name for t in shown],
                       "axis_titles": wrap_axis_titles(fig)}     # the export unwraps them
    fig.layout.annotations = [a for a in fig.layout.annotations if a.name != "caption"]
    for t in shown:
        t.name = legend_name(t.name)
    # the legend sits at the bottom of the whole figure (not a fraction of the plot's height, which
    # a phone shrinks), across its full width, its title above the entries (side "top": "top left" still
    # indented every row by the title's width), and pushes the plot up; smaller axis titles fit a 320 px plot
    top = title_below_modebar(fig)
    frame = SCREEN_FRAME_PX + LINE_PX * (fig.layout.xaxis.title.text or "").count("<br>")   # a wrapped x title
    height = max(plot.HEIGHT, top + SCREEN_PLOT_PX + frame + legend_height([t.name for t in shown]))
    fig.update_layout(legend=dict(orientation="h", x=0, xanchor="left", xref="container", y=0, yanchor="bottom",
                                  yref="container", maxheight=1, title_side="top"),
                      height=height, margin=screen_margin(fig, [t.name for t in shown], top), title_font_size=17,
                      font_size=13)
    fig.update_xaxes(title_font_size=13)
    fig.update_yaxes(title_font_size=13)
    return apply_theme(fig, dark)


def for_print(fig: go.Figure) -> go.Figure:
    """Undo :func:`for_screen`: legend at the right, caption beneath, light theme."""
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    caption, names = meta.get("caption", ""), meta.get("legend_names")
    shown = [t for t in fig.data if _shown_in_legend(t)]
    if names and len(names) == len(shown):      # the names as built, unwrapped (traces added since: none)
        for t, name in zip(shown, names):
            t.name = name
    for name, text in (meta.get("axis_titles") or {}).items():
        if name in fig.layout:
            fig.layout[name].title.text = text
    # no modebar on paper: the title back in the top margin's middle
    fig.update_layout(title=dict(yref="container", y=None, yanchor=None, pad=dict(t=None)))
    fig.update_layout(legend=dict(orientation="v", x=1.01, xanchor="left", xref="paper", y=1, yanchor="top",
                                  yref="paper", maxheight=None, title_side="top"),
                      height=plot.HEIGHT, margin=dict(l=80, r=20, t=60 + 24 * _has_subtitle(fig), b=140),
                      title_font_size=20, font_size=15)
    fig.update_xaxes(title_font_size=15)
    fig.update_yaxes(title_font_size=15)
    if caption and not caption_of(fig):
        fig.add_annotation(text=caption, xref="paper", yref="paper", x=0, y=-0.17, xanchor="left", yanchor="top",
                           showarrow=False, align="left", font=dict(size=11, color="#555"), name="caption")
    return apply_theme(fig, False)
