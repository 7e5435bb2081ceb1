"""Pareto explorer: accuracy vs a cost, the front, a latency budget query, exports."""
import math
from dataclasses import replace

import plotly.graph_objects as go
import streamlit as st

from efficiency.ui import figures as plot
from efficiency.ui import models_table as mt
from efficiency.ui import pareto_notes as notes
from efficiency.ui import router
from efficiency.ui import session as ui
from efficiency.ui.axes import (AXES, LANGUAGE, METRIC_UNITS, axes_for_task, axis_for, axis_title, hw_text,
                               lower_bound_axis)
from efficiency.ui.budget import answer_lines, budget_answer
from efficiency.ui.chart_labels import PLOT_WIDTHS
from efficiency.ui.chart_view import for_print, is_dark
from efficiency.ui.commands import plot_command, plot_command_gaps
from efficiency.ui.configs import config_of
from efficiency.ui.explorer import search_mask
from efficiency.ui.export_names import export_file_name
from efficiency.ui.machine_choice import machine_sidebar
from efficiency.ui.pareto_page import filter_choices
from efficiency.ui.seed_claims import LEGEND as SEED_LEGEND
from efficiency.ui.state import BUBBLES
from efficiency.ui.tables import front_table
from efficiency.ui.view_machine import other_machine_hint
from efficiency.ui.view_notes import budget_gap_text
from efficiency.vocab import COLOR_BY

router.ensure_routed()

d = ui.data()
s = ui.state()
st.title("Pareto explorer")
# the front is black on a light page and white on a dark one: its shape names it in either
st.caption("Each marker is one zoo entry; the thick step line with open circles is the Pareto front (no other "
           "model is both cheaper and more accurate). Click a marker to open its detail; box-select several to "
           "compare.")
if ui.no_results_message(d):
    ui.stop()

# ---- axis controls: the x axis and the highlight in view, the rest in a popover (one row on a phone too)
c1, c2, c3 = st.columns([3, 3, 1.4], vertical_alignment="bottom")
offered = axes_for_task(s.task)               # language models get their own axes
if st.session_state.get("w_x") not in offered:   # the task changed: the sidebar moved x to its default
    st.session_state["w_x"] = s.x
x = c1.selectbox("Cost (x axis)", offered, key="w_x",       # on CPU, memory under its own name (axes.CPU_MEMORY)
                 format_func=lambda k: axis_title(axis_for(replace(s, x=k)), s.batch, "the sidebar's hardware",
                                                  "the sidebar's hardware at batch 1"))
ui.seed("w_highlight", s.highlight)
highlight = c2.text_input("Highlight models (name or glob like resnet5*)", key="w_highlight", max_chars=200,
                          help="Matching models are drawn in colour and named; the rest of the zoo stays in grey.")
opts = c3.popover("Chart options", icon=":material/tune:", width="stretch")
ui.seed_in_popover("w_logx", s.log_x)
log_x = opts.toggle("log x", key="w_logx")
ui.seed_in_popover("w_logy", s.log_y)
log_y = opts.toggle("log y", key="w_logy")
ui.seed_in_popover("w_labels", s.labels)
labels_on = opts.toggle("labels", key="w_labels", help="Name the front's and the highlighted models on the chart "
                        "(placed clear of each other and of every marker; on a phone they are hidden).")
ui.seed_in_popover("w_claims", s.claims)
claims_on = opts.toggle("paper claims", key="w_claims", help="Overlay the papers' own numbers as hollow diamonds, "
                        "at their compute corrected to this axis' convention.")
ui.seed_in_popover("w_seedacc", s.seed_claims)
seed_claims = opts.toggle("seed claims", key="w_seedacc", help=f"Off by default. Seed architectures (our own "
                          f"implementations of papers' models, no published accuracy of their own) drawn as purple "
                          f"triangles: {SEED_LEGEND}. They never join the Pareto front, which uses reference-table "
                          "accuracy only; the hover says whether a claim would sit beyond it.")
ui.seed_in_popover("w_color", s.color)
color = opts.segmented_control("Colour by", COLOR_BY, key="w_color") or s.color
ui.seed_in_popover("w_bubble", s.bubble)
bubble = opts.segmented_control("Marker size", BUBBLES, key="w_bubble",
                                help="Marker area proportional to parameters or to peak memory "
                                     "(memory of the sidebar's hardware configuration).") or s.bubble

# ---- the machine the latency comes from (sidebar, under the hardware configuration): the front table and the
# budget box show latency on every axis, so it is offered whenever two machines measured the view's models
s = machine_sidebar(d, s)

# ---- filters (sidebar)
# in a popover: the browser builds its nine widgets only when it is opened, not on every first
# visit (bench/bench_first_paint.py); the filters in effect are listed under it
sb = st.sidebar.popover("Filters", icon=":material/filter_list:", width="stretch")
srcs, fams = filter_choices(d, s.task)
ui.seed_in_popover("w_sources", list(s.sources), srcs)
sources = sb.multiselect("Sources", srcs, key="w_sources", placeholder="all sources")
ui.seed_in_popover("w_families", list(s.families), fams)
families = sb.multiselect("Families", fams, key="w_families", placeholder="all families")
ui.seed_in_popover("w_search", s.search)
search = sb.text_input("Keep only names containing (or glob like resnet*)", key="w_search", max_chars=200,
                       help="A filter: models that do not match leave the chart. To see models in place, "
                            "highlight them above the chart instead.")
ui.seed_in_popover("w_seed", s.seed_only)
seed_only = sb.checkbox("Seed-paper architectures only", key="w_seed")
ui.seed_in_popover("w_test", s.show_test)
show_test = sb.checkbox("Show timm's test networks", key="w_test",
                        help="timm's tiny test_* architectures exist for timm's unit tests; hidden by default.")
a1, a2 = sb.columns(2)
ui.seed_in_popover("w_amin", s.acc_min)
acc_unit = METRIC_UNITS.get(s.y_metric, "%")      # the y axis' unit (efficiency.ui.axes.y_label): px for EPE
acc_min = a1.number_input(f"accuracy ≥ ({acc_unit})", value=None, key="w_amin", format="%.2f")
ui.seed_in_popover("w_amax", s.acc_max)
acc_max = a2.number_input(f"accuracy ≤ ({acc_unit})", value=None, key="w_amax", format="%.2f")
unit_x = AXES[x].unit
ui.seed_in_popover("w_cmin", s.cost_min)
cost_min = a1.number_input(f"cost ≥ ({unit_x})", value=None, key="w_cmin", format="%g")
ui.seed_in_popover("w_cmax", s.cost_max)
cost_max = a2.number_input(f"cost ≤ ({unit_x})", value=None, key="w_cmax", format="%g")

s = ui.update(x=x, log_x=log_x, log_y=log_y, color=color, claims=claims_on, sources=tuple(sources),
              families=tuple(families), search=search, seed_only=seed_only, show_test=show_test, acc_min=acc_min,
              acc_max=acc_max, cost_min=cost_min, cost_max=cost_max, highlight=highlight, labels=labels_on,
              bubble=bubble, seed_claims=seed_claims)
active = mt.active_filters(s, markdown=True) + (["timm's test networks shown"] if s.show_test else [])
st.sidebar.caption("Filters in effect: " + "; ".join(active) + "." if active else
                   "No filter: every model of the task (timm's test networks aside; shown on request).")

# ---- the view
v = ui.view(d, s)
current = config_of(s)
# warnings above the chart; the other notes under it when it draws points (efficiency/ui/pareto_notes.py)
notes.show_warnings(v)
details_below = notes.draws_points(v) and notes.count(v) > 0
if details_below:
    st.caption(notes.pointer(notes.count(v)))
else:
    notes.show_details(v, current)
hw = hw_text(s, v.device_name)
chart_col, panel = st.columns([3, 1])

# ---- the chart before the answers beside it: Streamlit sends elements in the order the script
# draws them, and the browser loads plotly (4.7 MB) only once the chart's element arrives, so the
# chart goes first (bench/bench_first_paint.py). Its budget comes from the budget box's state,
# which the box drawn below returns unchanged.
have_lat = bool(v.points["lat_p50_ms"].notna().any()) if len(v.points) else False
answer = None
if have_lat:
    ui.seed("w_budget", s.budget_ms)
    budget = st.session_state["w_budget"]
    s = ui.update(budget_ms=budget)
    if budget is not None and math.isfinite(budget):
        answer = budget_answer(v, budget, k=ui.BUDGET_RUNNERS)
dark = is_dark(st.context.theme)
spec = ui.screen_figure(d, s, dark, answer.budget_ms if answer is not None else None)   # the budget drawn on it
with chart_col:
    event = st.plotly_chart(ui.chart_figure(spec), key="pareto_chart", on_select="rerun",
                            selection_mode=("points", "box", "lasso"),
                            # no camera: it saved the screen figure (legend below, no caption; on a dark page
                            # transparent with near-white text) as pareto.svg, the name of the Export popover's
                            # paper figure (UXCHECK4 #3); that popover makes the figure to publish
                            theme=None, config={"displaylogo": False, "scrollZoom": True, "responsive": True,
                                                "modeBarButtonsToRemove": ["toImage"]})
    st.caption(spec["layout"].get("meta", {}).get("caption", "").replace("<br>", " "))
# labels are placed for plots PLOT_WIDTHS[0] (330 px) wide and wider; a narrower chart hides them: a phone, and
# an 800 - 1000 px window with the sidebar open (244 - 265 px), which a media query on the window cannot tell
# from a 700 px one with the sidebar closed (415 px). A container query on the chart's own width, less the
# figure's side margins (out/notes/LABELS1024.md)
_margin = spec["layout"].get("margin", {})
_narrow = int(PLOT_WIDTHS[0] + _margin.get("l", 0) + _margin.get("r", 0)) - 1
st.html('<style>[data-testid="stPlotlyChart"] { container-type: inline-size; } '
        f"@container (max-width: {_narrow}px) {{ .js-plotly-plot .annotation {{ display: none; }} }}</style>")

if details_below:
    notes.show_details(v, current)

# ---- the answers beside the chart: the latency budget, the highlighted models
panel.markdown("**Best accuracy under a latency budget**")
if not have_lat:
    panel.info(budget_gap_text(v, hw))
else:
    panel.number_input("Decode step p50 ≤ (ms per step of the batch)" if s.task == LANGUAGE else
                       "Latency p50 ≤ (ms per batch)", min_value=0.0, value=None, key="w_budget",
                       format="%g", help=f"On {hw}; among the models plotted with the current filters.")
    if answer is not None:
        unit = f" {METRIC_UNITS.get(s.y_metric, '%')}"
        lines = answer_lines(answer, hw, v.y_label.split(" (")[0], unit)
        (panel.success if answer.best is not None else panel.warning)(lines[0])
        panel.markdown("  \n".join(lines[1:]))
    else:
        panel.caption(f"Type a budget: the chart shades it and names the best models within it ({hw}).")
if s.highlight.strip() and len(v.points):
    hits = v.points[search_mask(v.points, s.highlight)]
    hits = hits.sort_values("y", ascending=not v.higher_is_better)
    # the pattern stays out of the bold: "**... 'resnet*'**" showed as italics with a stray star
    panel.markdown(f"**{len(hits):,} of {len(v.points):,}** plotted models match '{mt.escape_markdown(s.highlight)}'"
                   + ("" if hits.empty else " (in colour; the rest in grey)"))
    panel.markdown("  \n".join(f"{mt.escape_markdown(r.model)}: {r.y:.2f}" for r in hits.head(5).itertuples()))

picked = []
if event and getattr(event, "selection", None):
    for p in event.selection.get("points", []):
        cd = p.get("customdata")
        mid = cd[0] if isinstance(cd, (list, tuple)) and cd else cd
        known = set(v.points["model"]) | set(v.seed["model"] if len(v.seed) else [])   # seed triangles open too
        if isinstance(mid, str) and mid in known and mid not in picked:
            picked.append(mid)
if len(picked) == 1:
    ui.update(selection=(picked[0],), page="detail")
    st.session_state["w_model"] = picked[0]
    st.switch_page(ui.page_file("detail"))
elif len(picked) > 1:
    st.info(f"{len(picked)} models selected.")
    if st.button(f"Compare the {min(len(picked), 6)} first selected", type="primary"):
        ui.update(selection=tuple(picked[:6]), page="compare")
        st.session_state["w_compare"] = picked[:6]
        st.switch_page(ui.page_file("compare"))

m1, m2, m3, m4 = st.columns(4)
m1.metric("Models plotted", len(v.points), help=f"{v.n_candidates} before the filters")
m2.metric("On the front", len(v.front))
if len(v.points):
    best = v.points.loc[v.points["y"].idxmax() if v.higher_is_better else v.points["y"].idxmin()]
    m3.metric(f"Best {v.y_label}", f"{best['y']:.2f}", help=best["model"])
    if len(v.front):                 # none on a lower bound (CPU memory)
        cheapest = v.front.iloc[0]   # cost-ascending: on a benefit axis (tokens/s) the fastest
        m4.metric(notes.front_metric_label(s.x, unit_x), f"{cheapest['x']:.3g}",
                  help=cheapest["model"])
if not AXES[s.x].needs_hw and v.lat_total:   # on a latency axis the same line sits above the chart
    notes.view_coverage(v, current, "cov_budget")

# ---- the front as a table
st.subheader("The front")
if len(v.front):
    short = AXES[s.x].short
    front = front_table(v.front, AXES[s.x].column, short if unit_x in short else f"{short} ({unit_x})", v.y_label,
                        v.group is not None).drop(columns="family")     # the id names the family
    # HTML, not st.dataframe nor markdown: the front is short, and a data grid or a markdown
    # table costs the first visit's browser CPU ahead of the chart (bench/bench_first_paint.py);
    # the sortable table of every model is the Models page
    # phone=True: where the table is 640 px or narrower each row stacks, the id above its numbers, the key
    # ones (accuracy, x, speed) first on a line (efficiency.ui.phone)
    st.html(mt.html_table(front, {v.y_label: 2}, max_height_px=420 if len(front) > 12 else None, phone=True))
    blank = [m for m in v.front["model"] if m in v.elsewhere]      # measured on another machine only
    there = other_machine_hint(blank, v.elsewhere)
    st.caption(f"Speed on {hw}." + (f" Blank speed: {there}" if there else "") + " "
               + (f"Highest {AXES[s.x].short} first; each model here is more accurate than "
               f"every model with a higher {AXES[s.x].short}." if v.benefit else
               "Cost-ascending; every model here beats all cheaper ones."))
elif lower_bound_axis(s) and len(v.points):
    st.info(f"No front: on CPU this axis is {axis_for(s).short}, not peak memory, and a lower bound ranks "
            "nothing. See the note above the chart.")
elif v.seed.empty:
    st.info("No front: nothing is plotted for this view.")
else:
    st.info("No front: only seed architectures are drawn, at their papers' claimed accuracy, and they never "
            "join the front (it uses published reference accuracy only).")

# ---- exports: in a popover, whose buttons the browser builds only when it is opened (four
# download buttons drawn on every first visit competed with the chart, bench/bench_first_paint.py)


def printed(fmt: str) -> bytes:
    """The figure as published (legend at the right, caption beneath, light), budget included."""
    return plot.figure_bytes(for_print(go.Figure(spec)), fmt)


exports = st.popover("Export the figure or its points", icon=":material/download:")
name = {kind: export_file_name(s, kind, v.device_name) for kind in ("html", "png", "svg", "csv")}   # names the view
exports.download_button("Figure (HTML)", data=lambda: printed("html"), file_name=name["html"], mime="text/html",
                        on_click="ignore", icon=":material/download:", width="stretch")
exports.download_button("Figure (PNG)", data=lambda: printed("png"), file_name=name["png"], mime="image/png",
                        on_click="ignore", icon=":material/download:", width="stretch")
exports.download_button("Figure (SVG)", data=lambda: printed("svg"), file_name=name["svg"], mime="image/svg+xml",
                        on_click="ignore", icon=":material/download:", width="stretch")
exports.download_button("Points (CSV)", data=lambda: plot.points_csv(v), file_name=name["csv"],
                        mime="text/csv", on_click="ignore", icon=":material/download:", width="stretch")
gaps = plot_command_gaps(s)
st.caption(f"Same figure from the command line: `{plot_command(s)}`"
           + (f" (the command line cannot set {' or '.join(gaps)}: not in it)" if gaps else ""))
