"""Compare 2 to 6 models side by side: a table with units and normalised bars."""
from dataclasses import replace

import pandas as pd
import streamlit as st

from efficiency.ui import compare_table as ctab      # the desktop grids (detail.compare_table: the rows)
from efficiency.ui import figures as plot
from efficiency.ui import router
from efficiency.ui.chart_view import legend_below, on_page, recolour
from efficiency.ui.log_ticks import label_log_axes
from efficiency.ui import data as uidata
from efficiency.ui import session as ui
from efficiency.ui.axes import LANGUAGE, PRETTY_DATASETS, hw_text, y_label
from efficiency.ui.configs import config_of
from efficiency.ui.curves import (batch_curves, batch_notes, by_model, configurations, drawn_lines, of_config,
                                  resolution_curves, resolution_lines, resolution_notes, resolution_table)
from efficiency.ui import language_detail as ld
from efficiency.ui import models_table as mt
from efficiency.ui.detail import (batch_figure, compare_shown, compare_table, latency_machine,
                                  on_machine, preferred_config, resolution_figure)
from efficiency.ui.phone import swap_css
from efficiency.ui.phone_charts import twin_chart
from efficiency.ui.language import group_info, group_words, group_y_label
from efficiency.ui.tables import MEMORY_WORDS
from efficiency.ui import compare_notes as cn
from efficiency.ui.compare_groups import groups_text, shared_groups
from efficiency.ui.coverage_note import coverage_note
from efficiency.ui.hw_sidebar import plottable
from efficiency.ui.machine_choice import KEY as MACHINE_KEY
from efficiency.ui.detail_notes import machine_statement
from efficiency.ui.view_notes import accuracy_words

router.ensure_routed()

SHORT_MEMORY = {"cuda": "peak memory (MiB)", "cpu": "RSS growth (MiB)"}   # tables.MEMORY_HEADER, shortened

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
tasks = set(counts.loc[counts["model"].isin(chosen), "task"].astype(str))
lang = tasks == {LANGUAGE}
ui.follow_models_task("compare", tuple(chosen), tasks, s.task)   # models of one task picked under another
# one machine for every model's latency, never two mixed; automatic: the explorer's (most plottable models)
machine = latency_machine(d.results, s, chosen, plottable(d, s))
t = compare_table(d.results, d.accuracy, chosen, s, columns=ld.COMPARE_COLUMNS if lang else None, machine=machine)
hw = hw_text(s, machine.name or None)
group = group_info(d.accuracy, s.y_dataset, s.y_metric)
ylab = group_y_label(group) if group else y_label(s.y_dataset, s.y_metric)
# short headers, units kept: the machine and configuration are said once, in the caption under the table
# (in the latency header they made it ~430 px wide)
if lang:
    cols = {**ld.COMPARE_HEADERS, "acc": ylab, "decode_gflops_512": "decode GFLOPs/token"}
else:
    # the first six fit beside a long id at 1440 px; the memory's full name is in the caption
    cols = {"acc": ylab, "gmacs": "GMACs", "params_m": "params (M)", "lat_p50_ms": "latency p50 (ms)",
            "throughput_sps": "samples/s", "mem_mib": SHORT_MEMORY.get(s.device, SHORT_MEMORY["cuda"]),
            "lat_p90_ms": "latency p90 (ms)", "gflops": "GFLOPs (2 x MACs)",
            "energy_j_per_sample": "energy (J/sample, NVML)"}
if group:
    st.caption(f"Accuracy: protocol group {group['protocol_group']} ({group_words(group)}).")
shown = compare_shown(t).rename(columns=cols)
formats = {ylab: "%.2f", cols.get("training_flops"): "%.3g"}       # training FLOPs: 3.14e+22, not 23 digits


def desktop_grids(table, number_formats: dict[str, str], acc_label: str) -> None:
    """The Compare table on a desktop, every column in view where the page's column is as narrow as it gets
    there (1280 px windows, sidebar open): one grid was 1393 to 1797 px wide in 818 to 978 px and hid p90,
    GFLOPs, energy and family (for language models most columns) behind a sideways scroll. The columns come
    in grids of the widths ctab.layout computes, one under the other, each led by the ids; the
    first grid holds every column (those of the grids below hidden), so its data is the whole table.
    ``acc_label``: the accuracy's header without its dataset (said once above the grids), or the header."""
    lay = ctab.layout(table, number_formats, short={ylab: acc_label})
    if acc_label != ylab:
        st.caption(f"Accuracy: {ylab}.")

    def config(grid, hide: bool) -> dict:
        cfg = {lay.id_column: st.column_config.TextColumn(width=lay.id_px)}
        for c, w in zip(grid.columns, grid.widths):
            label, full = lay.labels.get(c, c), c
            cfg[c] = st.column_config.NumberColumn(label, help=full if label != full else None, width=w,
                                                   format=number_formats.get(c)) \
                if c in number_formats or pd.api.types.is_numeric_dtype(table[c]) \
                else st.column_config.TextColumn(label, width=w)
        if hide:
            cfg.update({c: None for g in lay.grids[1:] for c in g.columns})
        return cfg

    for i, grid in enumerate(lay.grids):
        shown = table if i == 0 else table[[lay.id_column, *grid.columns]]
        st.dataframe(ctab.drawn(shown, lay), hide_index=True, width="stretch", placeholder="",
                     row_height=lay.row_height, height=lay.height or "auto", column_config=config(grid, i == 0))


# on a phone the grid showed the id and half the accuracy header, the numbers behind a sideways swipe:
# where the table's place is narrow (swap_css: a container query) the same rows are an HTML table, each
# id above its numbers, every number in view (the family left out: the id names it, and it took a line
# of its own under each model's numbers); the keys name the containers for that CSS
with st.container(key="cmp_table"):
    with st.container(key="cmp_grid"):
        desktop_grids(shown, {c: f for c, f in formats.items() if c in shown},
                      ylab if group else ylab.removeprefix(PRETTY_DATASETS.get(s.y_dataset, s.y_dataset) + " "))
    with st.container(key="cmp_phone"):
        st.html(swap_css("cmp_table", "cmp_grid", "cmp_phone")
                + mt.html_table(shown.drop(columns=["family"], errors="ignore"), {ylab: 2}, phone=True))
units = ("TTFT: a 512-token prompt at batch 1; decode GFLOPs per token at context 512 (2 x MACs)" if lang else
         f"GMACs and GFLOPs per sample (1 multiply-add = 1 MAC); latency per batch of {s.batch}; samples/s: "
         f"throughput = batch / p50; memory: {MEMORY_WORDS.get(s.device, MEMORY_WORDS['cuda'])}")
if machine.hardware is not None:   # one statement of the machine (it contradicted itself, as detail's did: UXCHECK5 #5)
    st.caption(" ".join([machine_statement(machine, "these models", others=False),   # the hint below names them
                          f"Configuration: {hw}. {units}."]))
else:
    st.caption(f"{units}.")


def switch_accuracy(key: str) -> None:
    """Show the accuracy ``key`` ("dataset:metric") from the next run on: the sidebar's box and the state (a
    button's ``on_click``, which runs before the sidebar's widget exists)."""
    st.session_state["w_acc"] = key
    ds, _, metric = key.partition(":")
    ui.update(y_dataset=ds, y_metric=metric)


if t["acc"].isna().any() and lang:
    # language scores compare only within a protocol group: name the groups the compared models share (AUDIT7 F8)
    shared = shared_groups(d.accuracy, chosen, benchmark=group["benchmark"] if group else "")
    st.info(groups_text(shared, len(chosen), f"{s.y_dataset}:{s.y_metric}", accuracy_words(s, ylab)))
    if best := next((g for g in shared if g.key != f"{s.y_dataset}:{s.y_metric}"), None):
        st.button(f"Show {best.words} ({best.covered} of {len(chosen)} models)", key="cmp_group",
                  on_click=switch_accuracy, args=(best.key,), icon=":material/swap_horiz:")
elif t["acc"].isna().any():
    st.info(f"Some models have no published {accuracy_words(s, ylab)}: pick another metric in the sidebar.")


def switch_machine(hardware: str) -> None:
    """Read latency from ``hardware`` from the next run on (the Pareto sidebar's Machine choice too): a
    button's ``on_click``, which runs before the script, when a widget's value may still be set."""
    st.session_state[MACHINE_KEY] = hardware
    st.session_state["view"] = replace(ui.state(), hw_id=hardware)


def coverage_line(cov: cn.MachineCoverage) -> None:
    """The coverage line, counted on the page's machine as the latency column is (with its button to the
    configuration where one machine measured more of the models), and the note on the models this machine
    lacks with a button to the machine holding them."""
    coverage_note(st, config_of(s), len(cov.here), cov.total, cn.widest_on_one_machine(d.results, chosen),
                  "compared models", "cov_compare", cov.machine or None)     # the others: the hint names them
    other = cov.others[0] if cov.others else None
    if hint := cn.missing_hint(cov, s, other[1] if other else "", d.results):
        st.info(hint)
    if other:
        st.button(f"Show latency from {other[1]} ({other[2]} of {cov.total} models)", key="cmp_machine",
                  on_click=switch_machine, args=(other[0],), icon=":material/swap_horiz:")


coverage_line(cn.machine_coverage(d.results, chosen, s, machine.hardware))   # the latency column's machine

st.subheader("Normalised (each quantity divided by its largest value among these models)")
# one colour per model on every chart of the page (the curves below take theirs from here)
colour_of = {r["model"]: plot.PALETTE[i % len(plot.PALETTE)] for i, (_, r) in enumerate(t.iterrows())}
names = [str(r["arch"] if t["arch"].nunique() == len(t) else r["model"]) for _, r in t.iterrows()]
# only quantities two or more models have; a language row's flags are words (ld.COMPARE_TEXT), not quantities
bars = cn.normalised(t, [k for k in cols if k in t and k not in ld.COMPARE_TEXT], names)
if bars.metrics:
    fig = cn.normalised_figure(t, bars, cols, names, [colour_of[m] for m in t["model"]])
    on_page(st, legend_below(fig, len(bars.metrics) * (11 * len(t) + 14)), "compare_normalised")
else:
    st.info("No quantity has a value for two or more of these models: nothing to draw.", icon=":material/info:")
if text := cn.left_out_text(bars, cols):
    st.caption(text)
st.caption("Higher is better for accuracy, decode tokens/s and the fraction of the bandwidth bound; lower for "
           "compute, parameters, bytes, TTFT, decode step time and energy." if lang else
           "Lower is better for compute, parameters, latency and memory; higher for accuracy and throughput.")


def batch_section(models: list[str]) -> None:
    """One line per compared model, samples/s against batch size, in one chosen configuration."""
    st.subheader("Throughput versus batch size")
    curves = batch_curves(d.results, models)
    options = configurations(curves, min_batches=2)
    if not options:
        st.info("No configuration has two or more batch sizes measured for these models: no curve to compare.",
                icon=":material/info:")
        return
    pick = st.selectbox("Configuration (machine, dtype, mode)", options, format_func=lambda c: c.text,
                        index=options.index(preferred_config(options, s, machine.hardware)),
                        help="Configurations where at least one of these models has two or more batch sizes.")
    one = by_model(of_config(curves, pick))
    if drawn_lines(one):
        fig = recolour(batch_figure(one), colour_of)     # lines are named by model (by_model)
        fig.update_yaxes(title="Throughput (samples/s = batch / p50)")   # the machine: the configuration above
        on_page(st, legend_below(label_log_axes(fig), 320), "compare_throughput_vs_batch")
    notes = batch_notes(one) + [f"{m}: not measured in this configuration." for m in models
                                if m not in set(one["model"])]
    if notes:
        st.caption("  \n".join(notes))


def line_colours(curves) -> dict[str, str]:
    """Each resolution line in the colour of the compared model it holds."""
    mine = curves[curves["current"]].drop_duplicates("line")
    return {line: colour_of[m] for line, m in zip(mine["line"], mine["model"]) if m in colour_of}


def resolution_section(models: list[str]) -> None:
    """Latency and GMACs against input size for the compared models' weights, in the sidebar's configuration."""
    st.subheader("Latency versus input resolution")
    current = config_of(s)
    hw = machine.hardware if machine.chosen else None     # a chosen machine's lines only; else each machine's own
    curves = resolution_curves(on_machine(uidata.with_sweep(d.results, d.sweep), hw), models, s.device, s.dtype,
                               s.mode, s.batch)
    lines = resolution_lines(curves)
    if lines:
        fig = recolour(resolution_figure(curves, current.text), line_colours(curves))
        fig.update_yaxes(title="Latency p50 (ms per batch)", row=1, col=1)
        fig.update_yaxes(title="GMACs per sample (1 mult-add = 1)", row=1, col=2)
        twin_chart(st, legend_below(label_log_axes(fig), 320), "compare_latency_vs_resolution",
                   on_page)     # on a phone, its plots one above the other (115 px wide each side by side)
        table = resolution_table(curves, lines)
        st.dataframe(table, hide_index=True, width="stretch", placeholder="",
                     column_config={c: st.column_config.NumberColumn(format="%.4g") for c in table.columns[2:-1]})
    notes = resolution_notes(d.results, models, curves, hw_text(s, machine.name) if hw else current.text)
    if notes or not lines:
        st.caption("  \n".join(notes) or "None of these entries has an image input size: no resolution curve.")


if not lang:     # a language model's speed rows are decode steps: its own tables on its detail page
    batch_section(chosen)
    resolution_section(chosen)
