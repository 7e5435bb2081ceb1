"""Model detail: every number of one zoo entry, with units, conventions and provenance."""
import json
from dataclasses import replace

import pandas as pd
import plotly.express as px
import streamlit as st

from efficiency.ui import router
from efficiency.ui import data as uidata
from efficiency.ui import session as ui
from efficiency.ui.axes import hw_text, y_label
from efficiency.reference.llm_claims import load_peaks, spec_vocab
from efficiency.ui.claims_view import claims_for_model
from efficiency.ui.language_claims import claim_lines, model_claims
from efficiency.ui.commands import accuracy_command, llm_measure_command, refresh_command
from efficiency.ui.configs import HwConfig, config_of, gap_text, other_implementations
from efficiency.ui.curves import (batch_curves, batch_messages, by_config, resolution_curves,
                                  resolution_lines, resolution_notes, resolution_table)
from efficiency.ui.detail import (batch_figure, default_model, find_model, headline_row, latency_machine, on_machine,
                                  op_breakdown, op_counts, random_weights_note, resolution_figure, similar_models)
from efficiency.ui.detail_notes import (claim_line, curve_configs, curve_elsewhere_text, failure_text, failures,
                                        machine_statement, published_counts_note)
from efficiency.ui.detail_phone import SWAP_PX, counts_html, scores_html
from efficiency.ui.latency_rows import latency_display, model_latencies, phone_latency
from efficiency.ui.models_table import html_table
from efficiency.ui.phone import swap_css
from efficiency.ui.phone_charts import twin_chart
from efficiency.ui.language import STATIC_CACHE_NOTE as LANGUAGE_STATIC_CACHE_NOTE, group_info, group_y_label
from efficiency.ui.language_detail import (SPEED_CAPTION, SPEED_HEADERS, SPEED_NUMBERS, accuracy_rows, count_facts,
                                          is_language, speed_errors, speed_table)
from efficiency.ui.models_table import escape_markdown
from efficiency.ui.seed_claims import claimed_accuracy
from efficiency.ui.coverage_note import switch_configuration
from efficiency.ui.hw_sidebar import plottable
from efficiency.ui.chart_view import legend_below, on_page
from efficiency.ui.log_ticks import label_log_axes

router.ensure_routed()


def latency_gap(model: str, current: HwConfig, measured: dict, others: list[str]) -> None:
    """Where the sidebar's configuration has no row for ``model``: that it failed there (with the error)
    or was not measured, where it, and a different implementation of its architecture, were measured, and
    a button to the first of its own."""
    mine = measured.get(model, [])
    text = gap_text(current, mine, {o: measured.get(o, []) for o in others}, sep="\n- ")
    note = "\n\nA different implementation's numbers are its own, not this model's." if others else ""
    if failed:      # a failure is a finding, not a gap: "not measured" sent readers to measure it again
        st.warning(failure_text(current, failed) + "\n- " + text.split("\n- ", 1)[-1] + note,
                   icon=":material/error:")
    else:
        st.info(f"Latency {text}{note}", icon=":material/info:")
    if mine:
        st.button(f"Show {mine[0].text}", on_click=switch_configuration, args=(mine[0],),
                  icon=":material/swap_horiz:", key="detail_switch")


def vision_headline(row, mine, acc_all) -> None:
    """Compute, parameters, the sidebar's accuracy and latency of a vision model."""
    c = st.columns(5)
    c[0].metric("GMACs / sample", f"{row['gmacs']:.3f}",
                help="1 multiply-add = 1 MAC; timm/torchvision call this 'GFLOPs'")
    c[1].metric("GFLOPs / sample", f"{row['gflops']:.3f}", help="true FLOPs = 2 x MACs")
    fp32 = row.get("param_bytes_fp32")     # absent from a row without it: said nothing rather than "0 MiB"
    c[2].metric("Parameters", f"{row['params_m']:.2f} M", help=f"{int(row['params']):,} exactly"
                + (f"; {int(fp32) / 2**20:,.1f} MiB in fp32" if pd.notna(fp32) and fp32 else "")
                if pd.notna(row["params"]) else None)
    top = acc_all[(acc_all["dataset"] == s.y_dataset) & (acc_all["metric"] == s.y_metric)]
    if top.empty and len(acc_all):   # its own published figure (a person-keypoint R-CNN has COCO-person mAPs
        own = acc_all[acc_all["metric"] == s.y_metric]                            # only), named as what it is
        top = own if len(own) else acc_all
        c[3].metric(y_label(top["dataset"].iloc[0], top["metric"].iloc[0]), f"{top['value'].iloc[0]:.2f}",
                    help=f"{y_label(s.y_dataset, s.y_metric)} (the sidebar's accuracy) was not published for it")
    else:
        c[3].metric(y_label(s.y_dataset, s.y_metric), f"{top['value'].iloc[0]:.2f}" if len(top) else "n/a")
    c[4].metric("Latency p50", f"{mine['lat_p50_ms'].min():.3g} ms" if len(mine) else
                "failed" if failed else "not measured",
                help=f"milliseconds per forward call of one batch on {hw_text(s, machine.name or None)} (sidebar)")


def vision_accuracy(acc_all, source: str) -> None:
    st.markdown("#### Published accuracy")
    if acc_all.empty and source == "custom":   # the reference table cannot hold a user's model: refresh takes it
        results = uidata.path_for("results")
        own = None if results.resolve() == uidata.DEFAULTS["results"].resolve() else str(results)
        st.info("No accuracy for this custom model: none was given when it was measured. Give its ImageNet-1k "
                f"top-1 (%) with `{accuracy_command(model, own)}`; its cached rows are updated, not remeasured.")
        return
    if acc_all.empty:
        st.info("Seed architectures are our own implementations, without trained weights: no accuracy of their "
                "own. The paper's claim is below." if source == "seed" else
                "No published accuracy for this entry (timm/torchvision tables may lack it). Rebuild the table "
                "with `python -m efficiency.reference.accuracy_build`.")
        return
    st.dataframe(acc_all[["dataset", "metric", "value", "higher_is_better", "img_size", "crop_pct", "interpolation",
                          "source"]].rename(columns={"value": "value (% unless EPE: px)"}),
                 hide_index=True, width="stretch", placeholder="")


def language_headline(row, mine, acc_all) -> None:
    """Decode compute, size, the sidebar's accuracy group and the decode speed in the sidebar's configuration."""
    c = st.columns(5)
    c[0].metric("Decode GFLOPs / token", f"{row['decode_gflops_512']:.3g}" if pd.notna(row["decode_gflops_512"])
                else "n/a", help="at context 512; true FLOPs = 2 x MACs")
    c[1].metric("Active params", f"{row['params_active_b']:.3g} B", help=f"{int(row['params']):,} in all")
    c[2].metric("Weights (bf16)", f"{row['weight_gib']:.3g} GiB", help="2 bytes per parameter; GiB = 2^30 bytes")
    top = acc_all[(acc_all["dataset"] == s.y_dataset) & (acc_all["metric"] == s.y_metric)]
    top = top if len(top) else acc_all.sort_values("benchmark", key=lambda b: b != "mmlu", kind="stable")
    info = group_info(top, top["dataset"].iloc[0], top["metric"].iloc[0]) if len(top) else None
    c[3].metric(group_y_label(info) if info else "Published score", f"{top['value'].iloc[0]:.2f}" if len(top)
                else "none", help=f"protocol group {info['protocol_group']}" if info else None)
    tps = mine["decode_tps"].max() if len(mine) else float("nan")
    failed = speed_errors(d.results, row["model"])
    none = ("no decode (masked LM)" if pd.isna(row["decode_gflops_512"]) else
            str(failed["error"].iloc[0]).split(":")[0] if len(failed) else "not measured")
    c[4].metric("Decode tokens/s", f"{tps:,.0f}" if pd.notna(tps) else none,
                help=f"tokens of the whole batch per second on {hw_text(s, machine.name or None)} (sidebar)")


def language_sections(model: str, row, acc_all) -> None:
    """Counts, speed rows (or why there are none) and published scores with their sources."""
    st.markdown("#### Counts (each with its convention)")   # a column on a desktop, a line on a phone
    facts = count_facts(row)
    # on a phone the convention column was behind a sideways swipe (AUDIT7 L11): a stacked table there
    with st.container(key="det_counts"):
        with st.container(key="det_counts_grid"):
            st.dataframe(facts, hide_index=True, width="stretch", height=36 * (len(facts) + 1),   # every line in view
                         placeholder="")
        with st.container(key="det_counts_phone"):
            st.html(swap_css("det_counts", "det_counts_grid", "det_counts_phone", SWAP_PX)
                    + counts_html(facts, "det_counts_phone"))
    st.markdown("#### Speed on the GPU: TTFT, decode against the bandwidth bound, energy")
    speed, errors = speed_table(d.results, model), speed_errors(d.results, model)
    if len(speed):
        # the cells hold 3 significant digits already: "%g" shows them as they are (12300, 0.195)
        st.dataframe(speed, hide_index=True, width="stretch", column_config={
            SPEED_HEADERS[c]: st.column_config.NumberColumn(format="%g") for c in SPEED_NUMBERS}, placeholder="")
        st.caption(f"{SPEED_CAPTION} One decode step generates one token per sequence of the batch, after a "
                   "512-token prompt "
                   "(128 steps timed). Bound = batch / (bytes one step reads / measured memory bandwidth). "
                   "TTFT is one eager prefill: where its achieved TFLOP/s is a small part of the GPU's matmul "
                   "peak (H200: 758 TFLOP/s measured, data/gpu_peaks.parquet), it times the host launching "
                   f"kernels, not the GPU's arithmetic. The {LANGUAGE_STATIC_CACHE_NOTE}.")
    for e in errors.itertuples():
        st.warning(f"No speed row for {e.device} batch {e.batch_size} {e.dtype} {e.mode}: {e.error}")
    if speed.empty and errors.empty:
        st.info(f"No speed row: this model was not measured. Measure it with `{llm_measure_command(model)}`.")
    st.markdown("#### Published scores (each comparable only within its protocol group)")
    acc = accuracy_rows(d.accuracy, model)
    if acc.empty:
        st.info("No published score in data/llm_accuracy.csv for this model.")
        return
    with st.container(key="det_scores"):       # on a phone: the score beside its benchmark, no sideways swipe
        with st.container(key="det_scores_grid"):
            st.dataframe(acc, hide_index=True, width="stretch", placeholder="", column_config={
                "source": st.column_config.LinkColumn("source", display_text=r"https?://([^/]+)/")})
        with st.container(key="det_scores_phone"):
            st.html(swap_css("det_scores", "det_scores_grid", "det_scores_phone", SWAP_PX)
                    + scores_html(acc, "det_scores_phone"))


def gmacs_text(macs) -> str:
    # language models are counted by torch alone (fvcore does not trace transformers' generation code)
    return f"{macs / 1e9:.4f} GMACs" if pd.notna(macs) else "not run"


def machine_caption() -> None:
    """Which machine the headline's latency comes from, and why, in one statement."""
    if text := machine_statement(machine):
        st.caption(text)


def latency_rows(lat_all, row) -> None:
    st.markdown("#### Latency per hardware configuration")
    if lat_all.empty:
        st.info(f"No latency rows for this model. Measure them with `{refresh_command(row['arch'], s)}`.")
        return
    head = headline_row(lat_all, s, machine.hardware)
    # on a phone the grid showed the machine column alone, p50 behind a sideways swipe: where the table's
    # place is narrow (swap_css: a container query) the rows are a stacked HTML table, configuration on a
    # line above its numbers, p50 and throughput first
    with st.container(key="det_lat"):
        with st.container(key="det_lat_grid"):
            st.dataframe(latency_display(lat_all, head), hide_index=True, width="stretch", placeholder="")
        with st.container(key="det_lat_phone"):
            st.html(swap_css("det_lat", "det_lat_grid", "det_lat_phone")
                    + html_table(phone_latency(lat_all, head), phone=True))
    if machine.hardware is not None:
        st.caption(f"Every machine's rows; ticked under *headline*: the row the latency above shows "
                   f"({machine.name}).")


def batch_section(model: str) -> None:
    """Samples/s against batch size, a line per measured configuration, and what the chart cannot show."""
    st.markdown("#### Throughput versus batch size")
    curves = by_config(batch_curves(d.results, [model]))
    if curves.empty:
        st.caption("No latency rows: no batch curve.")
        return
    box, notes = batch_messages(curves)
    if box:
        st.info(box, icon=":material/info:")
    else:
        on_page(st, legend_below(label_log_axes(batch_figure(curves)), 320), "detail_throughput_vs_batch")
    if notes:
        st.caption("  \n".join(notes))


def resolution_section(model: str) -> None:
    """Latency and GMACs against input size over this weight's zoo entries at other sizes, in the
    sidebar's configuration; a one-line note when fewer than two sizes were measured there."""
    st.markdown("#### Latency versus input resolution")
    # a chosen machine's lines only; automatic: each machine measured its own line
    hw = machine.hardware if machine.chosen else None
    rows = on_machine(uidata.with_sweep(d.results, d.sweep), hw)     # the sweep's sizes too, for notes as for the curve
    curves = resolution_curves(rows, [model], s.device, s.dtype, s.mode, s.batch)
    lines = resolution_lines(curves)
    if not lines:
        where = hw_text(s, machine.name) if hw else current.text
        elsewhere = [w for w in curve_configs(rows, model) if w.config != current]
        st.caption(" ".join(resolution_notes(rows, [model], curves, where) + [curve_elsewhere_text(elsewhere)])
                   .strip() or "This entry's input has no image size (a curve needs one).")
        if elsewhere:
            st.button(f"Show {elsewhere[0].config.text}", on_click=switch_configuration, args=(elsewhere[0].config,),
                      icon=":material/swap_horiz:", key="detail_resolution_switch")
        return
    twin_chart(st, legend_below(label_log_axes(resolution_figure(curves, current.text)), 320),
               "detail_latency_vs_resolution", on_page)     # on a phone, its plots one above the other
    table = resolution_table(curves, lines)
    st.dataframe(table, hide_index=True, width="stretch", placeholder="",
                 column_config={c: st.column_config.NumberColumn(format="%.4g") for c in table.columns[2:-1]})
    st.caption("The same architecture and weights at the other input sizes the zoo holds, each timed in the sidebar's "
               "configuration (the star: this entry). Nothing is interpolated: a size without a row is not drawn.")


def seed_claim(model: str) -> None:
    """A seed architecture has no accuracy of its own: the paper's claim, and where it was read."""
    claim = claimed_accuracy()
    claim = claim[claim["model"] == model]
    st.markdown("#### Paper's claimed accuracy (our implementation has no weights of its own)")
    if claim.empty:
        st.caption("The paper's table gives no claim in a metric the dashboard can place (data/seed).")
    quoted = ui.claims_vs_measured(d)
    quoted = quoted[(quoted["model"].astype(str) == model) & quoted["claimed_accuracy"].notna()]
    for c in claim.itertuples():
        st.markdown(f"**{c.claimed:.1f}** {c.paper_metric} claimed by *{c.paper}* "
                    f"([source]({c.source_url})); read in: {c.table}")
        other = quoted[(quoted["metric"] == c.metric) & (quoted["claimed_accuracy"].astype(float) != c.claimed)]
        for q in other.itertuples():    # the same claim read elsewhere: each number with its source
            st.caption(f"data/paper_claims.csv quotes the paper's text at {q.claimed_accuracy:.2f} for "
                       f"{q.claim_model} (*Paper claims about this architecture*, below); this table and that text "
                       "print different numbers.")


d = ui.data()
s = ui.state()
st.title("Model detail")
if ui.no_results_message(d):
    ui.stop()

counts = ui.counts(d)
ids = sorted(counts["model"].astype(str))
current = config_of(s)
measured = ui.measured_by_model(d)
wanted = s.selection[0] if s.selection else None
# with nothing selected, open on a model of the sidebar's task (a language view opens on a language model)
of_task = counts[counts["task"] == s.task] if (counts["task"] == s.task).any() else counts
model = find_model(counts, wanted) if wanted else default_model(of_task, measured, current)
if wanted and model is None:     # say so; never open another model in its place
    near = similar_models(counts, wanted)
    # the link's text shown as typed: markdown would read "*net*" as emphasis
    st.warning(f"No model '{escape_markdown(wanted)}' in the results cache (the link names it). "
               + (f"Similar ids: {', '.join(f'`{m}`' for m in near)}. " if near else "")
               + f"If it is a zoo entry, measure it with `{refresh_command(wanted)}`.")
elif wanted and model != wanted:
    st.caption(f"'{escape_markdown(wanted)}' is an architecture: showing its first entry, {escape_markdown(model)}.")
if model is not None:
    ui.seed("w_model", model)
    if st.session_state["w_model"] not in ids:
        st.session_state["w_model"] = model
picked = st.selectbox("Model (zoo id)", ids, key="w_model", placeholder="Pick a model",
                      **({} if "w_model" in st.session_state else {"index": None}))
if picked is None:
    ui.stop()
model = picked
s = ui.update(selection=(model,) + tuple(m for m in s.selection[1:] if m != model))
row = counts[counts["model"] == model].iloc[0]
ui.follow_models_task("detail", (model,), {str(row["task"])}, s.task)   # a model linked under another task

lang = is_language(row)
st.subheader(model)
st.caption(f"arch `{row['arch']}` · weights `{row['weights'] or '-'}` · {row['source']} · task {row['task']} · "
           f"family {row['family']} · input {row['input_size']}{' tokens' if lang else ''} per sample"
           + (f" · seed paper: *{row['paper']}*" if row.get("paper") else ""))
if note := random_weights_note(str(row["task"]), str(row["arch"]), str(row["source"])):
    st.caption(note)
if row["source"] == "torchvision" and (note := published_counts_note(row["gmacs"], row["params"], str(row["arch"]),
                                                                     ui.torchvision_published(model))):
    st.caption(note)

acc_all = d.accuracy[d.accuracy["model"] == model]
lat_all = model_latencies(d.results, model)
# the one machine the headline reads (never two mixed); automatic: the explorer's (most plottable models)
machine = latency_machine(d.results, s, [model], plottable(d, s))
mine = lat_all[(lat_all["device"] == s.device) & (lat_all["batch_size"] == s.batch) & (lat_all["dtype"] == s.dtype)
               & (lat_all["mode"] == s.mode) & (lat_all["hardware"].astype(str) == machine.hardware)
               ] if len(lat_all) else lat_all
failed = failures(d.results, model, current) if mine.empty and not lang else []   # the configuration's errors
if lang:
    language_headline(row, mine, acc_all)
    machine_caption()
    language_sections(model, row, acc_all)
else:
    vision_headline(row, mine, acc_all)
    machine_caption()
    if mine.empty:
        latency_gap(model, current, measured, other_implementations(counts, model))
    vision_accuracy(acc_all, str(row["source"]))
if row["source"] == "seed":
    seed_claim(model)

# ---- MACs by operator
left, right = st.columns([3, 2])
with left:
    st.markdown("#### MACs by operator")
    ops = op_breakdown(row)
    if ops.empty:
        st.info("No per-operator breakdown stored for this row (`macs_by_op` is empty).")
    else:
        unit = "GMACs of a 512-token prefill" if lang else "GMACs per sample"
        fig = px.bar(ops.head(15)[::-1], x="gmacs", y="op", orientation="h", text=ops.head(15)[::-1]["share"]
                     # the convention on a line of its own: at 390 px the one-line title lost it off the edge
                     .map(lambda v: f"{v:.1%}"), labels={"gmacs": f"{unit}<br>(1 multiply-add = 1)", "op": ""},
                     template="plotly_white")
        fig.update_traces(marker_color="#0072B2", textposition="outside", cliponaxis=False)
        fig.update_layout(height=90 + 32 * min(len(ops), 15), margin=dict(l=10, r=40, t=10, b=50),
                          font=dict(size=14))
        on_page(st, fig, "detail_macs_by_operator")
with right:
    st.markdown("#### Coverage")
    unc = op_counts(row, "uncovered_ops")
    ign = op_counts(row, "ignored_ops")
    rel = row.get("macs_rel_diff")
    st.markdown(
        f"- fvcore count: **{gmacs_text(row['macs_fvcore'])}**\n"
        f"- torch FlopCounterMode / 2: **{gmacs_text(row['macs_torch'])}**\n"
        f"- relative difference: **{rel:.2%}**" + (" (over 1 %: check the breakdown)" if row.get("macs_mismatch") else "")
        if pd.notna(rel) else "- cross-check: not stored")
    if unc.empty:
        st.success("Every operator with arithmetic has a MAC formula (no uncovered ops).")
    else:
        st.warning(f"{len(unc)} operator kind(s), {int(unc['occurrences'].sum())} call(s) have no formula: their "
                   "MACs are **not** counted, so the total is a lower bound.")
        st.dataframe(unc, hide_index=True, width="stretch", placeholder="")
    if len(ign):
        with st.expander(f"Deliberately 0 MACs: {len(ign)} element-wise / norm / pool op kinds"):
            st.dataframe(ign, hide_index=True, width="stretch", placeholder="")

# ---- latency per configuration (a language model's speed rows are above, with their decode columns)
if not lang:
    latency_rows(lat_all, row)
    batch_section(model)
    resolution_section(model)

# ---- paper claims
st.markdown("#### Paper claims about this architecture")
mine_claims = claims_for_model(ui.claims_vs_measured(d), model, str(row["arch"]))
# language models' claims are judged by llm_claims (the Paper claims page's language table), not the vision map
llm_claims = model_claims(d.claims, d.results, d.accuracy, load_peaks(), spec_vocab, model) \
    if row["source"] == "hf" else pd.DataFrame()
for line, quote in zip(claim_lines(llm_claims), llm_claims.get("claim", [])):
    st.markdown(line)
    if quote:
        st.caption(f"> {quote}")
if mine_claims.empty and llm_claims.empty:
    st.caption("No mapped seed-paper claim names this architecture (data/paper_claims.csv).")
elif not mine_claims.empty:
    seeded = claimed_accuracy()
    seeded = seeded[seeded["model"] == model]
    for _, cl in mine_claims.iterrows():
        same = seeded[seeded["metric"] == cl["metric"]]
        table = (float(same["claimed"].iloc[0]), f"data/seed/{model.split('/')[1].split('.')[0]}.csv") \
            if len(same) else None
        st.markdown(claim_line(cl, row["source"] == "seed", table))
        if cl.get("quote"):
            st.caption(f"> {cl['quote']}")

# ---- provenance and the refresh command
st.markdown("#### Environment and provenance")
env_cols = ["torch_version", "torchvision_version", "timm_version", "fvcore_version", "python_version", "cpu_model",
            "gpu_name", "gpu_driver", "cuda_version", "host", "measured_at", "duration_s", "input_key"]
st.dataframe(pd.DataFrame({"field": env_cols, "count row": [str(row.get(k, "")) for k in env_cols]}),
             hide_index=True, width="stretch", placeholder="")
st.markdown("Reproduce this entry's rows:")
# the refresh counts a language model; its speed comes from the GPU sweep (efficiency.run.llm_sweep); a
# configuration that failed is not offered again as "reproduce": its command reproduces the error
ran = next(iter(measured.get(model, [])), None)
if failed and not lang:
    st.caption(f"{current.text} failed (above): its command would reproduce the error, not a latency. "
               + (f"The command below reproduces the measured {ran.text} rows." if ran else
                  "The command below recomputes the count only."))
st.code(f"{refresh_command(model)}\n{llm_measure_command(model)}" if lang else
        refresh_command(model, replace(s, **ran._asdict()) if ran else None) if failed else refresh_command(model, s),
        language="bash", wrap_lines=True)
with st.expander("Raw count row (JSON)"):
    st.code(json.dumps({k: (None if pd.isna(v) else v) if not isinstance(v, (list, dict)) else v
                        for k, v in row.items()}, default=str, indent=1), language="json")
