"""Hardware: the same models across devices, modes and batch sizes; achieved TFLOP/s vs peak."""
import numpy as np
import plotly.graph_objects as go
import streamlit as st

from efficiency.ui import figures as plot
from efficiency.ui import router
from efficiency.ui.chart_view import legend_below, on_page
from efficiency.ui.log_ticks import label_log_axes
from efficiency.ui import session as ui
from efficiency.ui.commands import refresh_command
from efficiency.ui.configs import config_of, machines
from efficiency.ui.detail import models_coverage
from efficiency.ui.hw_sidebar import plottable
from efficiency.ui.tables import config_rows
from efficiency.ui.view_machine import auto_machine
from efficiency.ui.hardware import (HARDWARE_CONFIG_HEADERS, failed_only, failed_only_note, hardware_configs,
                                   hardware_table, machine_order, measured_matmul_peaks, peak_notes,
                                   read_measured_peaks, speedup_frame, speedups)
from efficiency.ui.coverage_note import coverage_note
from efficiency.ui.cross_machine import HOST_BOUND, bandwidth_line, cross_frame, cross_rows, machine_pairs, \
    summaries, summary_line
from efficiency.ui.hw_tables import decode_rows, decode_view, marked, p50_pivot, symbols
from efficiency.ui.tables import STABILITY_RULE, stability
from efficiency.vocab import ALL_TASKS

router.ensure_routed()


@st.cache_data(max_entries=2, show_spinner=False)
def _measured_peaks() -> dict[str, float]:      # a few rows, read once per server
    return measured_matmul_peaks(read_measured_peaks())


def _machine_vs_machine(rows, order: tuple[str, ...]) -> None:
    """The same model in the same configuration on two machines (efficiency.ui.cross_machine), one block a
    pair of machines: a line per configuration, the measured bandwidths beside decode rows, then the table."""
    st.subheader("Machine vs machine (same model, same configuration)")
    pairs = machine_pairs(rows, order)
    if not pairs:
        st.info("None of these models was measured in the same configuration on two machines.")
        return
    st.caption("A ratio sets one model's row on one machine against its row in the very same configuration "
               "(device, batch, dtype, mode) on another: CUDA graph is never set against eager. Ratio = the other "
               "machine's p50 / the first's (decode rows: the first's tokens/s / the other's); above 1, the first "
               "is faster. A ratio with a noisy side may be noise: stability per the rule on the Data and method "
               f"page ({STABILITY_RULE}). {HOST_BOUND[0].upper() + HOST_BOUND[1:]}.")
    for pair in pairs:
        both = cross_rows(rows, pair)
        st.markdown(f"**{pair.other_name} vs {pair.base_name}**: {pair.rows} model-configuration"
                    f"{'s' * (pair.rows != 1)} measured on both")
        st.markdown("\n".join(f"* {summary_line(s, pair)}" for s in summaries(both)))
        if both["decode"].any() and (note := bandwidth_line(rows[rows["decode_tps"].notna()], pair)):
            st.caption(note)
        st.dataframe(cross_frame(both, pair), hide_index=True, width="stretch", placeholder="")


d = ui.data()
s = ui.state()
st.title("Hardware")
st.caption("Achieved TFLOP/s = 2 x MACs per sample x batch / p50 latency (true FLOPs); a language model's decode "
           "row does one token per sequence: decode FLOPs per token (context 512) x batch / p50. Peak: the vendor's "
           "dense number for the GPU and dtype, drawn only where its source is recorded (below the chart); dotted: the "
           "bf16 matmul peak measured on the machine itself. A model "
           "far below peak is latency- or memory-bound, not compute-bound.")
if ui.no_results_message(d):
    ui.stop()

hw = hardware_table(d.results, measured=_measured_peaks())
if hw.empty:
    st.info("No latency rows in the cache yet. Measure some with "
            f"`{refresh_command('resnet50', s)}`.")
    ui.stop()

measured = sorted(hw["model"].unique())
default = [m for m in s.selection if m in measured]
if not default:
    front = ui.view(d, s).front["model"].tolist()
    default = [m for m in front if m in measured][:5] or measured[:5]
ui.seed("w_hw_models", default)
chosen = st.multiselect("Models", measured, key="w_hw_models", placeholder="all measured models")
if chosen:
    s = ui.update(selection=tuple(chosen))
sub = hw[hw["model"].isin(chosen)] if chosen else hw

have, total, best = models_coverage(d.results, chosen or measured, s)
coverage_note(st, config_of(s), have, total, best, "chosen models", "cov_hardware")

st.subheader("Machines measured")
st.dataframe(machines(d.results), hide_index=True, width="stretch", placeholder="")
st.subheader("Configurations measured")
# one task's configurations (the sidebar's Task): a count over every task had added the language models to the
# vision ones (AUDIT8 L2: "239 models" = 225 classification + 14 language)
scoped = d.results if s.task == ALL_TASKS else d.results[d.results["task"] == s.task]
configs = hardware_configs(scoped)
st.dataframe(configs[~failed_only(configs)].rename(columns=HARDWARE_CONFIG_HEADERS), hide_index=True, width="stretch",
             placeholder="")
st.caption(" ".join([f"Task: {s.task} (the sidebar's Task). One line per machine and configuration with a good row; "
                     "counts are models with a good row. "
                     "Energy: NVML's board energy counter over at least 2 s of the timed calls (GPU rows only). "
                     "Noisy: the timed calls' spread, a clock drop or an average power above the board's limit "
                     "failed the stability rule (Data and method). Failed rows recorded an error (out of memory, a "
                     "graph that cannot be captured) and are never plotted.", failed_only_note(configs)]))
if not (hw["device"] == "cuda").any():
    st.info("No GPU rows in the cache: run the refresh on a machine with CUDA, e.g. "
            f"`{refresh_command('resnet50')} --device cuda`.")

st.subheader("Achieved throughput vs peak (roofline-style)")
fig = go.Figure()
configs = sorted(sub["config"].unique())
for i, cfg in enumerate(configs):
    r = sub[sub["config"] == cfg]
    fig.add_trace(go.Scatter(
        x=r["gmacs"], y=r["achieved_tflops"], mode="markers", name=cfg,
        marker=dict(size=10, color=plot.PALETTE[i % len(plot.PALETTE)], symbol=symbols(r),     # hollow: noisy
                    line=dict(color=plot.PALETTE[i % len(plot.PALETTE)], width=1.5)),
        hovertext=[f"<b>{m}</b><br>{c}<br>{g:.3g} GMACs/sample<br>p50 {p:.3g} ms/batch ({w})<br>"
                   f"{a:.3g} TFLOP/s achieved"
                   + (f" = {pp:.1f} % of the {pk:g} TFLOP/s peak" if np.isfinite(pp) else "")
                   + (f"<br>{mq:.1f} % of the {mk:.0f} TFLOP/s matmul peak measured here" if np.isfinite(mq) else "")
                   for m, c, g, p, w, a, pp, pk, mq, mk in zip(
                       r["model"], r["config"], r["gmacs"], r["lat_p50_ms"], stability(r),
                       r["achieved_tflops"], r["pct_of_peak"],
                       r["peak_tflops"], r["pct_of_measured_peak"], r["measured_peak_tflops"])],
        hovertemplate="%{hovertext}<extra></extra>"))
for (name, dtype), peak in sub.groupby(["device_name", "dtype"])["peak_tflops"].first().dropna().items():
    fig.add_hline(y=peak, line=dict(dash="dash", color="#888"))
    # the label as its own annotation: add_hline's would sit at y = peak in log10 units (10^989) on a log axis;
    # short lines (the whole story is in the notes below the chart): a phone's plot is ~250 px wide
    fig.add_annotation(text=f"{name.split(',')[0]} {dtype} dense peak,<br>{peak:g} TFLOP/s (vendor's figure)",
                       xref="x domain", x=0, xanchor="left", yref="y", y=float(np.log10(peak)), yanchor="bottom",
                       showarrow=False, font=dict(size=12, color="#555"))
for (name, dtype), peak in sub.groupby(["hardware_name", "dtype"])["measured_peak_tflops"].max().dropna().items():
    fig.add_hline(y=peak, line=dict(dash="dot", color="#888"))
    fig.add_annotation(text=f"{name.split(',')[0]}: measured bf16<br>matmul peak, {peak:.0f} TFLOP/s",
                       xref="x domain", x=1, xanchor="right", yref="y", align="right",
                       y=float(np.log10(peak)), yanchor="top", showarrow=False, font=dict(size=12, color="#555"))
fig.update_layout(template="plotly_white", font=dict(size=14),
                  xaxis=dict(type="log", title="GMACs per sample (1 multiply-add = 1)<br>"
                                                "decode rows: per generated token"),
                  yaxis=dict(type="log", title="achieved TFLOP/s (2 x MACs)"),
                  legend=dict(title="machine: device, batch, dtype, mode"))
on_page(st, legend_below(label_log_axes(fig), 400), "hardware_roofline")
st.caption("Hollow markers: the row failed the stability rule (noisy); its figure may not hold on a rerun.")
for note in peak_notes(sub):
    st.caption(note)

decode = decode_rows(sub)
if len(decode):     # language models: decoding is bound by memory bandwidth, not by FLOP/s
    st.subheader("Language models: decode speed against the memory-bandwidth bound")
    fig = go.Figure()
    for i, (cfg, r) in enumerate(decode.groupby("config", sort=True)):
        fig.add_trace(go.Scatter(
            x=r["weight_gib"], y=r["bound_fraction"], mode="markers", name=cfg,
            marker=dict(size=10, color=plot.PALETTE[i % len(plot.PALETTE)], symbol=symbols(r),     # hollow: noisy
                        line=dict(color=plot.PALETTE[i % len(plot.PALETTE)], width=1.5)),
            hovertext=[f"<b>{m}</b><br>{c}<br>{t:,.0f} tokens/s of a {b:,.0f} bound ({f:.1%})<br>step: {w}"
                       for m, c, t, b, f, w in zip(r["model"], r["config"], r["decode_tps"], r["bound_tps"],
                                                   r["bound_fraction"], r["stability"])],
            hovertemplate="%{hovertext}<extra></extra>"))
    fig.update_layout(template="plotly_white", font=dict(size=14),
                      xaxis=dict(type="log", title="weights in bf16 (GiB = 2^30 bytes)"),
                      yaxis=dict(title="fraction of the bandwidth bound<br>(higher is better)"),
                      legend=dict(title="machine · batch, dtype, mode"))
    on_page(st, legend_below(label_log_axes(fig), 340), "hardware_decode_vs_bandwidth_bound")
    st.dataframe(decode_view(decode), hide_index=True, width="stretch", placeholder="")
    st.caption("Bound = batch / (bytes one decode step reads: weights + the batch's KV cache at the mean context, "
               "/ the memory bandwidth measured in the same run). Hollow markers and *noisy*: the step's row failed "
               "the stability rule; its figure may not hold on a rerun. Numbers to 3 significant digits.")

# the explorer's automatic machine first (Detail's and Compare's too), then by every model's rows
order = machine_order(hw, s, auto_machine(config_rows(d.results, s.device, s.batch, s.dtype, s.mode), plottable(d, s)))
_machine_vs_machine(sub, order)

st.subheader("Latency p50 (ms per batch) by configuration")
p50, noisy = p50_pivot(sub)
# 3 significant digits, as elsewhere. At 390 px the whole id had filled the screen and the right-aligned numbers sat
# off it (AUDIT8 L3): the model column is at most 250 px (ids up to ~34 characters whole; the rest on hover) and the
# numbers sit at the left of their cells, so the first one is in view on a phone
st.dataframe(marked(p50, noisy), width="stretch", placeholder="", column_config={
    "_index": st.column_config.TextColumn("model", width=250),
    **{c: st.column_config.NumberColumn(alignment="left") for c in p50.columns}})
st.caption("One column per machine and configuration (graph: CUDA graph). *noisy* on a tinted cell: that row failed "
           f"the stability rule ({STABILITY_RULE}); {int(noisy.to_numpy().sum())} of "
           f"{int(p50.notna().to_numpy().sum())} cells here.")

st.subheader("Speed-ups")
st.caption("Each ratio is one machine's (the CPU/GPU ratio: one CPU's and one GPU's), named after it: the machine "
           "chosen under Machine in the Pareto explorer's or Models page's sidebar (this page has no such box) where "
           "it measured both sides, else the one that measured both for the most of these models; ties go to the "
           "automatic machine Model detail, Compare and the Pareto explorer read (the one that measured the most of "
           "the task's plotted models in the sidebar's configuration). Machine against machine: the section above.")
# the CPU side only where the task has CPU rows (no language model was measured on a CPU: AUDIT8 L4)
cpu = (scoped["kind"] == "latency") & (scoped["device"] == "cpu")
# one under the other, the ratio first: side by side, a third of 1440 px held only the long model ids
for label, r in speedups(sub, s, order):
    if label.startswith("CPU") and not cpu.any():
        continue
    st.markdown(f"**{label}**")
    if r.empty:
        st.info("Not measured for these models: no machine has both sides' rows.")
    else:
        table = speedup_frame(r)
        st.dataframe(table, hide_index=True, width="content", placeholder="", column_config={     # no gap in between
            table.columns[0]: st.column_config.NumberColumn(width="small")})     # already 3 significant digits
