"""Compare 2 to 6 models side by side: a table with units and normalised bars."""
import plotly.graph_objects as go
import streamlit as st

from efficiency.ui import figures as plot
from efficiency.ui import router
from efficiency.ui import session as ui
from efficiency.ui.axes import hw_text, y_label
from efficiency.ui.commands import measure_hint
from efficiency.ui.configs import config_of
from efficiency.ui import language_detail as ld
from efficiency.ui.detail import compare_table, models_coverage
from efficiency.ui.language import group_info, group_words, group_y_label

router.ensure_routed()

d = ui.data()
s = ui.state()
st.title("Compare models")
if ui.no_results_message(d):
    ui.stop()

counts = ui.counts(d)
ids = sorted(counts["model"].astype(str))
default = [m for m in s.selection if m in ids][:6]
if len(default) < 2:   # start from the current front: the interesting trade-offs
    front = ui.view(d, s).front["model"].tolist()
    default = (default + [m for m in front if m not in default])[:3]
    default += [m for m in ids if m not in default][:max(0, 2 - len(default))]   # always two to compare
ui.seed("w_compare", default)
chosen = st.multiselect("Models (2 to 6)", ids, key="w_compare", max_selections=6)
s = ui.update(selection=tuple(chosen))
if len(chosen) < 2:
    st.info("Pick at least two models to compare.")
    ui.stop()

# language models compare on decode compute and speed, not on images per second
lang = set(counts.loc[counts["model"].isin(chosen), "task"]) == {"language"}
t = compare_table(d.results, d.accuracy, chosen, s, columns=ld.COMPARE_COLUMNS if lang else None)
hw = hw_text(s)
group = group_info(d.accuracy, s.y_dataset, s.y_metric)
ylab = group_y_label(group) if group else y_label(s.y_dataset, s.y_metric)
if lang:
    cols = {**ld.COMPARE_HEADERS, "acc": ylab, "lat_p50_ms": f"decode step p50 (ms, {hw})"}
else:
    cols = {"gmacs": "GMACs / sample (1 mult-add = 1)", "gflops": "GFLOPs / sample (= 2 x MACs)",
            "params_m": "params (M)", "acc": ylab, "lat_p50_ms": f"latency p50 (ms/batch, {hw})",
            "lat_p90_ms": "latency p90 (ms/batch)", "throughput_sps": "throughput (samples/s)",
            "mem_mib": "peak memory (MiB)"}
if group:
    st.caption(f"Accuracy: protocol group {group['protocol_group']} ({group_words(group)}).")
st.dataframe(t.rename(columns=cols), hide_index=True, width="stretch", placeholder="")
if t["acc"].isna().any():
    st.info(f"Some models have no published {s.y_dataset} {s.y_metric}: pick another metric in the sidebar.")
have, total, best = models_coverage(d.results, chosen, s)
ui.coverage_note(st, config_of(s), have, total, best, "compared models", "cov_compare")
if t["lat_p50_ms"].isna().any():
    st.info(f"Some models have no latency for {hw}. {measure_hint(s, chosen)}.")

st.subheader("Normalised (each quantity divided by its largest value among these models)")
metrics = [k for k in cols if t[k].notna().any()]
fig = go.Figure()
for i, r in t.iterrows():
    vals = [r[k] / t[k].max() if t[k].max() else None for k in metrics]
    fig.add_trace(go.Bar(name=r["arch"] if t["arch"].nunique() == len(t) else r["model"],
                         x=[cols[k].split(" (")[0] for k in metrics], y=vals,
                         marker_color=plot.PALETTE[i % len(plot.PALETTE)],
                         hovertext=[f"{r['model']}<br>{cols[k]}: {r[k]:.4g}" for k in metrics],
                         hovertemplate="%{hovertext}<extra></extra>"))
fig.update_layout(barmode="group", template="plotly_white", height=460, font=dict(size=14),
                  yaxis=dict(title="fraction of the largest", range=[0, 1.05]),
                  legend=dict(orientation="h", y=-0.2), margin=dict(t=20))
st.plotly_chart(fig, theme=None, config={"displaylogo": False})
st.caption("Higher is better for accuracy, decode tokens/s and the fraction of the bandwidth bound; lower for "
           "compute, parameters, bytes, TTFT, decode step time and energy." if lang else
           "Lower is better for compute, parameters, latency and memory; higher for accuracy and throughput.")
