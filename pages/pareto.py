"""Pareto explorer: accuracy vs a cost, the front, a latency budget query, exports."""
import math

import streamlit as st

from efficiency.ui import figures as plot
from efficiency.ui import router
from efficiency.ui import session as ui
from efficiency.ui.axes import AXES, hw_text
from efficiency.ui.claims_view import CLAIM_AXES
from efficiency.ui.commands import measure_hint
from efficiency.ui.configs import config_of
from efficiency.ui.explorer import budget_query
from efficiency.vocab import COLOR_BY, X_AXES

router.ensure_routed()

d = ui.data()
s = ui.state()
st.title("Pareto explorer")
st.caption("Each marker is one zoo entry; the black step line is the Pareto front (no other model is both "
           "cheaper and more accurate). Click a marker to open its detail; box-select several to compare.")
if ui.no_results_message(d):
    ui.stop()

# ---- axis controls
c1, c2, c3, c4, c5 = st.columns([3, 1, 1, 2, 1.3], vertical_alignment="bottom")
ui.seed("w_x", s.x)
x = c1.selectbox("Cost (x axis)", X_AXES, key="w_x",
                 format_func=lambda k: AXES[k].label.format(batch=s.batch, hw="the sidebar's hardware"))
ui.seed("w_logx", s.log_x)
log_x = c2.toggle("log x", key="w_logx")
ui.seed("w_logy", s.log_y)
log_y = c3.toggle("log y", key="w_logy")
ui.seed("w_color", s.color)
color = c4.segmented_control("Colour by", COLOR_BY, key="w_color") or s.color
ui.seed("w_claims", s.claims)
claims_on = c5.toggle("paper claims", key="w_claims", help="Overlay the papers' own numbers as hollow diamonds, "
                      "at their compute corrected to this axis' convention.")

# ---- filters (sidebar)
counts = ui.counts(d)
sb = st.sidebar
sb.header("Filters")
srcs = sorted(counts["source"].dropna().astype(str).unique())
fams = sorted(counts["family"].dropna().astype(str).unique())
ui.seed("w_sources", [v for v in s.sources if v in srcs])
sources = sb.multiselect("Sources", srcs, key="w_sources", placeholder="all sources")
ui.seed("w_families", [v for v in s.families if v in fams])
families = sb.multiselect("Families", fams, key="w_families", placeholder="all families")
ui.seed("w_search", s.search)
search = sb.text_input("Name contains (or glob like resnet*)", key="w_search", max_chars=200)
ui.seed("w_seed", s.seed_only)
seed_only = sb.checkbox("Seed-paper architectures only", key="w_seed")
ui.seed("w_test", s.show_test)
show_test = sb.checkbox("Show timm's test networks", key="w_test",
                        help="timm's tiny test_* architectures exist for timm's unit tests; hidden by default.")
a1, a2 = sb.columns(2)
ui.seed("w_amin", s.acc_min)
acc_min = a1.number_input("accuracy ≥", value=None, key="w_amin", format="%.2f")
ui.seed("w_amax", s.acc_max)
acc_max = a2.number_input("accuracy ≤", value=None, key="w_amax", format="%.2f")
unit = AXES[x].unit
ui.seed("w_cmin", s.cost_min)
cost_min = a1.number_input(f"cost ≥ ({unit})", value=None, key="w_cmin", format="%g")
ui.seed("w_cmax", s.cost_max)
cost_max = a2.number_input(f"cost ≤ ({unit})", value=None, key="w_cmax", format="%g")

s = ui.update(x=x, log_x=log_x, log_y=log_y, color=color, claims=claims_on, sources=tuple(sources),
              families=tuple(families), search=search, seed_only=seed_only, show_test=show_test, acc_min=acc_min, acc_max=acc_max,
              cost_min=cost_min, cost_max=cost_max)

# ---- the view
v = ui.view(d, s)
for msg in [m for level, m in v.notes if level == "warning"]:
    st.warning(msg)
infos = [m for level, m in v.notes if level != "warning"]
if infos:
    st.info("  \n".join(infos), icon=":material/info:")
if s.claims and s.x not in CLAIM_AXES:
    st.caption("Paper claims are drawn on the GMACs and GFLOPs axes only (papers report compute, not this hardware).")
fig = ui.figure(d, s)
current = config_of(s)
if AXES[s.x].needs_hw:
    ui.coverage_note(st, current, v.lat_have, v.lat_total, v.widest, f"models with {v.y_label}", "cov_chart")

m1, m2, m3, m4 = st.columns(4)
m1.metric("Models plotted", len(v.points), help=f"{v.n_candidates} before the filters")
m2.metric("On the front", len(v.front))
if len(v.points):
    best = v.points.loc[v.points["y"].idxmax() if v.higher_is_better else v.points["y"].idxmin()]
    m3.metric(f"Best {v.y_label}", f"{best['y']:.2f}", help=best["model"])
    cheapest = v.front.iloc[0]
    m4.metric(f"Cheapest on front ({unit})", f"{cheapest['x']:.3g}", help=cheapest["model"])

event = st.plotly_chart(fig, key="pareto_chart", on_select="rerun", selection_mode=("points", "box", "lasso"),
                        theme=None, config={"displaylogo": False, "scrollZoom": True,
                                            "toImageButtonOptions": {"format": "svg", "filename": "pareto"}})
picked = []
if event and getattr(event, "selection", None):
    for p in event.selection.get("points", []):
        cd = p.get("customdata")
        mid = cd[0] if isinstance(cd, (list, tuple)) and cd else cd
        if isinstance(mid, str) and mid in set(v.points["model"]) and mid not in picked:
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

# ---- budget query
st.subheader("Best accuracy under a latency budget")
hw = hw_text(s, v.device_name)
have_lat = v.points["lat_p50_ms"].notna().any() if len(v.points) else False
if not AXES[s.x].needs_hw:   # on a latency axis the same line sits above the chart
    ui.coverage_note(st, current, v.lat_have, v.lat_total, v.widest, f"models with {v.y_label}", "cov_budget")
if not have_lat:
    st.info(f"No latency measured for {hw} among the plotted models. {measure_hint(s)}, "
            "or pick another hardware configuration in the sidebar.")
else:
    b1, b2 = st.columns([1, 3])
    ui.seed("w_budget", s.budget_ms)
    budget = b1.number_input("Latency p50 ≤ (ms per batch)", min_value=0.0, value=None, key="w_budget",
                             format="%g", help=f"On {hw}; among the models plotted with the current filters.")
    s = ui.update(budget_ms=budget)
    if budget is not None and math.isfinite(budget):
        best, runners = budget_query(v.points, budget, k=5, higher_is_better=v.higher_is_better)
        if best is None:
            fastest = v.points.loc[v.points["lat_p50_ms"].idxmin()]
            b2.warning(f"No plotted model runs within {budget:g} ms on {hw}. The fastest is "
                       f"{fastest['model']} at {fastest['lat_p50_ms']:.3g} ms.")
        else:
            b2.success(f"**{best['model']}**: {v.y_label} **{best['y']:.2f}** at **{best['lat_p50_ms']:.3g} ms** "
                       f"p50 per batch of {s.batch} on {hw} ({best['gmacs']:.3g} GMACs, {best['params_m']:.1f} M params).")
            if len(runners):
                st.caption("Runners-up")
                st.dataframe(runners[["model", "y", "lat_p50_ms", "gmacs", "params_m"]].rename(columns={
                    "y": v.y_label, "lat_p50_ms": "latency p50 (ms/batch)", "gmacs": "GMACs", "params_m": "params (M)"}),
                    hide_index=True, width="stretch")

# ---- the front as a table
st.subheader("The front")
if len(v.front):
    cols = ["model", "family", "x", "y"] + [c for c in ("gmacs", "params_m", "lat_p50_ms", "throughput_sps")
                                            if c != AXES[s.x].column]
    front = v.front[cols].rename(
        columns={"x": f"x: {AXES[s.x].short} ({unit})", "y": v.y_label,
                 "gmacs": "GMACs (1 mult-add = 1)", "params_m": "params (M)",
                 "lat_p50_ms": "latency p50 (ms/batch)", "throughput_sps": "throughput (samples/s)"})
    st.dataframe(front, hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="%.4g") for c in front.columns[2:]})
    st.caption(f"Latency and throughput on {hw}. Cost-ascending; every model here beats all cheaper ones.")
else:
    st.info("No front: nothing is plotted for this view.")

# ---- exports
st.subheader("Export")
e1, e2, e3, e4 = st.columns(4)
e1.download_button("Figure (HTML)", data=lambda: plot.figure_bytes(fig, "html"), file_name="pareto.html",
                   mime="text/html", on_click="ignore", icon=":material/download:")
e2.download_button("Figure (PNG)", data=lambda: plot.figure_bytes(fig, "png"), file_name="pareto.png",
                   mime="image/png", on_click="ignore", icon=":material/download:")
e3.download_button("Figure (SVG)", data=lambda: plot.figure_bytes(fig, "svg"), file_name="pareto.svg",
                   mime="image/svg+xml", on_click="ignore", icon=":material/download:")
e4.download_button("Points (CSV)", data=plot.points_csv(v), file_name="pareto_points.csv", mime="text/csv",
                   on_click="ignore", icon=":material/download:")
st.caption(f"Same figure from the command line: `python -m efficiency.plot --x {s.x} --y {s.y_dataset}:{s.y_metric}"
           f" --task {s.task} --device {s.device} --batch {s.batch} --dtype {s.dtype} --mode {s.mode}"
           f"{' --models ' + repr(s.search) if s.search else ''} --out pareto.svg`")
