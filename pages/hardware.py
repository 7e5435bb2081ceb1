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
from efficiency.ui.models_table import round_column
from efficiency.ui.language_detail import DECODE_HEADERS, decode_table
from efficiency.ui.coverage_note import coverage_note

router.ensure_routed()


@st.cache_data(max_entries=2, show_spinner=False)
def _measured_peaks() -> dict[str, float]:      # a few rows, read once per server
    return measured_matmul_peaks(read_measured_peaks())


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
configs = hardware_configs(d.results)
st.dataframe(configs[~failed_only(configs)].rename(columns=HARDWARE_CONFIG_HEADERS), hide_index=True, width="stretch",
             placeholder="")
st.caption(" ".join(["One line per machine and configuration with a good row; counts are models with a good row. "
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
        marker=dict(size=10, color=plot.PALETTE[i % len(plot.PALETTE)], line=dict(color="white", width=0.5)),
        hovertext=[f"<b>{m}</b><br>{c}<br>{g:.3g} GMACs/sample<br>p50 {p:.3g} ms/batch<br>{a:.3g} TFLOP/s achieved"
                   + (f" = {pp:.1f} % of the {pk:g} TFLOP/s peak" if np.isfinite(pp) else "")
                   + (f"<br>{mq:.1f} % of the {mk:.0f} TFLOP/s matmul peak measured here" if np.isfinite(mq) else "")
                   for m, c, g, p, a, pp, pk, mq, mk in zip(
                       r["model"], r["config"], r["gmacs"], r["lat_p50_ms"], r["achieved_tflops"], r["pct_of_peak"],
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
for note in peak_notes(sub):
    st.caption(note)

decode = decode_table(sub)
if len(decode):     # language models: decoding is bound by memory bandwidth, not by FLOP/s
    st.subheader("Language models: decode speed against the memory-bandwidth bound")
    fig = go.Figure()
    for i, (cfg, r) in enumerate(decode.groupby("config", sort=True)):
        fig.add_trace(go.Scatter(
            x=r["weight_gib"], y=r["bound_fraction"], mode="markers", name=cfg,
            marker=dict(size=10, color=plot.PALETTE[i % len(plot.PALETTE)], line=dict(color="white", width=0.5)),
            hovertext=[f"<b>{m}</b><br>{c}<br>{t:,.0f} tokens/s of a {b:,.0f} bound ({f:.1%})"
                       for m, c, t, b, f in zip(r["model"], r["config"], r["decode_tps"], r["bound_tps"],
                                                r["bound_fraction"])],
            hovertemplate="%{hovertext}<extra></extra>"))
    fig.update_layout(template="plotly_white", font=dict(size=14),
                      xaxis=dict(type="log", title="weights in bf16 (GiB = 2^30 bytes)"),
                      yaxis=dict(title="fraction of the bandwidth bound<br>(higher is better)"),
                      legend=dict(title="machine: device, batch, dtype, mode"))
    on_page(st, legend_below(label_log_axes(fig), 340), "hardware_decode_vs_bandwidth_bound")
    st.dataframe(decode.rename(columns=DECODE_HEADERS), hide_index=True, width="stretch", placeholder="")
    st.caption("Bound = batch / (bytes one decode step reads: weights + the batch's KV cache at the mean context, "
               "/ the memory bandwidth measured in the same run).")

st.subheader("Latency p50 (ms per batch) by configuration")
pivot = sub.pivot_table(index="model", columns="config", values="lat_p50_ms", aggfunc="min")
st.dataframe(pivot.apply(round_column), width="stretch", placeholder="")     # 3 significant digits, as elsewhere


st.subheader("Speed-ups")
st.caption("Each ratio is one machine's (the CPU/GPU ratio: one CPU's and one GPU's), named after it: the machine "
           "chosen in the sidebar where it measured both sides, else the one that measured both for the most of these "
           "models; ties go to the automatic machine Model detail, Compare and the Pareto explorer read (the one "
           "that measured the most of the task's plotted models in the sidebar's configuration).")
# the explorer's automatic machine first (Detail's and Compare's too), then by every model's rows
order = machine_order(hw, s, auto_machine(config_rows(d.results, s.device, s.batch, s.dtype, s.mode), plottable(d, s)))
# one under the other, the ratio first: side by side, a third of 1440 px held only the long model ids
for label, r in speedups(sub, s, order):
    st.markdown(f"**{label}**")
    if r.empty:
        st.info("Not measured for these models: no machine has both sides' rows.")
    else:
        table = speedup_frame(r)
        st.dataframe(table, hide_index=True, width="content", placeholder="", column_config={     # no gap in between
            table.columns[0]: st.column_config.NumberColumn(width="small")})     # already 3 significant digits
