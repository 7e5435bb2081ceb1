"""Paper claims: what the seed papers' abstracts claim vs what we measure."""
import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from efficiency.ui import router
from efficiency.ui import session as ui
from efficiency.reference.claims import SEED_CHECKED, claim_verdicts, paper_verdicts
from efficiency.reference.papers import paper_url
from efficiency.reference.llm_claims import llm_claim_rows, load_peaks, spec_vocab, with_llm_verdicts
from efficiency.reference.seed_check import (IMPLEMENTATION_NOTES, TOLERANCE, baseline_table, load_tables, not_built,
                                             seed_check, with_seed_verdicts)
from efficiency.ui.chart_view import on_page
from efficiency.ui.claims_view import (DETAILS_NUMBER_HEADERS, FLAGGED_HELP, FLAGGED_LABEL, OFF_KINDS, SHOW_LABELS, chart_note,
                                       counted, details_labels, details_rows, details_table, phone_hidden_css,
                                       shown_papers, untimed_cell, verdict_summary, with_unit, with_verdict_word)
from efficiency.ui.commands import refresh_command
from efficiency.ui.log_ticks import label_log_axes

router.ensure_routed()
CLAIM_MARKER = 11    # px, the details chart's diamonds (their 2 px outline comes on top)
# verdict tables: a row this tall wraps its text (Streamlit wraps a cell over 4 rem, 64 px), so a reason
# reads over four lines where one line cut it to about 40 characters (AUDIT7 F10); a longer one opens in full
# on a click. The verdict word comes first, wide enough for "not measurable" on two lines (not pinned: a
# pinned column's text is drawn faded), so a 390 px phone shows it and the paper.
WRAPPED_ROW_PX = 88
VERDICT_COLUMNS = {"verdict": st.column_config.TextColumn(width=112),
                   "why": st.column_config.TextColumn(width="large")}


def blank_missing(df: pd.DataFrame, formats: dict[str, str]) -> tuple[pd.DataFrame, dict]:
    """``df`` to show and its column_config: numbers in the printf ``formats`` (significant digits).
    Streamlit draws a missing number as "None", so a column with one is shown as text, the missing
    cell empty; a complete column stays a number (it sorts as one)."""
    df, config = df.copy(), {}
    for col, fmt in formats.items():
        if df[col].isna().any():
            df[col] = [("" if pd.isna(v) else fmt % v) for v in df[col]]
            config[col] = st.column_config.TextColumn(alignment="right")   # numbers, as text
        else:
            config[col] = st.column_config.NumberColumn(format=fmt)
    return df, config


d = ui.data()
s = ui.state()
st.title("Paper claims vs measurements")
st.caption("Every numeric claim in the seed papers' abstracts (data/paper_claims.csv). Claimed compute is converted "
           "to MACs by its convention: 'MACs called FLOPs' as written, true FLOPs / 2, or a factor of our measured "
           "baseline. Accuracy is compared with the published reference (timm/torchvision tables).")
cvm = ui.claims_vs_measured(d)
claims = d.claims
if claims.empty:
    for p in d.problems:
        st.warning(p)
    st.info("No paper claims loaded: data/paper_claims.csv is missing or empty.")
    ui.stop()

n_papers = claims["paper_title"].nunique()
# claims about a variant we built (status seed_checked) take the seed check's verdict (5 %, with the
# gap reasons of data/seed/<paper>.csv)
check = seed_check(load_tables(), d.results)
verdicts = with_seed_verdicts(claim_verdicts(claims, cvm), claims, check)
# the language-model claims take the verdicts checked against our LLM counts (section below)
llm = llm_claim_rows(claims, d.results, d.accuracy, load_peaks(), spec_vocab)
verdicts = with_llm_verdicts(verdicts, llm)
if d.empty:
    st.info("The results cache is empty, so nothing is measured yet: "
            f"`{refresh_command('resnet*')}` fills it.")

# ---- the verdict first: one line per seed paper (its worst claim), then the details
st.subheader("Verdict per paper")
papers = paper_verdicts(verdicts)
kinds = verdicts["kind"].value_counts()
st.caption(verdict_summary(kinds, n_papers, len(claims))
    + f". {int(verdicts['ours'].ne('').sum())} claims have a number of ours beside them (a measured zoo model, "
    "a variant we built from the paper, or compute implied from a measured baseline). Each paper's line shows its "
    f"worst verdict. A claim about a variant we built ({int((claims['status'] == SEED_CHECKED).sum())} claims) is "
    f"judged within {TOLERANCE:.0%} of the claim's figure, or of the paper's table where the claim gives none; "
    "'off (explained)' means the gap's cause is known (the seed section below says it).")
ui.seed("w_claims_show", s.claims_show)           # a share link restores the choice
only = st.segmented_control("Show", list(SHOW_LABELS), format_func=SHOW_LABELS.get, key="w_claims_show",
                            required=True) or "all"
s = ui.update(claims_show=only)
shown = shown_papers(papers, only)
links = shown["paper_title"].map(paper_url)
shown = shown.assign(link=links.where(links != "", None))   # arXiv where its id was read, else blank
st.dataframe(with_verdict_word(shown)[["verdict", "paper_title", "why", "claim", "ours", "ratio", "claims", "link"]].rename(
    columns={"paper_title": "paper", "ours": "ours (MACs = 1 multiply-add; FLOPs = 2 x MACs)",
             "ratio": "claimed / our MACs", "claims": "claims"}), hide_index=True, width="stretch",
    row_height=WRAPPED_ROW_PX, height=7 * WRAPPED_ROW_PX + 38, column_config={   # 7 papers in view, not 4
        **VERDICT_COLUMNS, "paper": st.column_config.TextColumn(width="medium"),
        "claim": st.column_config.TextColumn(width="medium"),
        "link": st.column_config.LinkColumn("arXiv", display_text="arXiv", width="small"),
        "claimed / our MACs": st.column_config.NumberColumn(format="%.2f")}, placeholder="")
with st.expander(f"Every claim ({len(verdicts)}) with its verdict"):
    st.dataframe(with_verdict_word(verdicts)[["verdict", "paper_title", "why", "claim", "ours", "ratio", "accuracy_diff"]]
                 .rename(columns={"paper_title": "paper", "ratio": "claimed / our MACs",
                                  "accuracy_diff": "claimed - reference (points)"}),
        hide_index=True, width="stretch", row_height=WRAPPED_ROW_PX,
        column_config={**VERDICT_COLUMNS, "paper": st.column_config.TextColumn(width="medium"),
                       "claim": st.column_config.TextColumn(width="medium"),
                       "claimed / our MACs": st.column_config.NumberColumn(format="%.2f"),
                       "claimed - reference (points)": st.column_config.NumberColumn(format="%+.1f")}, placeholder="")

# ---- the seed papers' own architectures (zoo source "seed"): paper vs our count, and H200 latency
st.subheader("Seed architectures: paper versus our count and H200 latency")
st.caption(f"{len(check)} variants of {check['paper'].nunique()} seed papers that no library has, built from the "
           "papers (data/seed/<paper>.csv names the table each figure comes from; random weights, so accuracy is the "
           "paper's, not checked). Compute: ours expressed the way the paper counts (multiply-adds, or FLOPs = 2 x "
           f"multiply-adds), 'holds' within {TOLERANCE:.0%} of the printed figure; a larger gap is 'off by' with its "
           "cause, or 'unexplained' (a finding, not tuned away). Parameters: within 2 % or the printed rounding. "
           "Latency: H200, batch 1, bf16, CUDA graph, p50, the configuration the baselines below were timed in.")
# ours in the paper's own unit, which changes per row (MFLOPs, GFLOPs, GMACs): each cell says it
t = check.assign(our_gmacs=check["our_macs"] / 1e9, our_gflops=check["our_flops"] / 1e9,
                 ours_in_paper_convention=with_unit(check["ours_in_paper_convention"], check["paper_compute_unit"]))
SEED_COLUMNS = {
    "paper": "paper", "variant": "variant", "compute_verdict": "compute verdict (ours vs paper)",
    "paper_compute_text": "paper compute (as printed)", "ours_in_paper_convention": "ours, as the paper counts",
    "ratio": "ours / paper", "our_gmacs": "our GMACs", "our_gflops": "our GFLOPs (2 x MACs)",
    "latency_ms": "H200 p50 (ms)", "energy_j": "H200 energy (J/sample)", "latency_note": "latency note",
    "params_verdict": "params verdict", "paper_params_m": "paper params (M)", "params_scope": "paper counts",
    "our_params_m": "our params (M)", "paper_accuracy": "paper accuracy (%)", "paper_metric": "metric",
    "input_size": "input", "table": "where in the paper", "model": "zoo id",
}
shown, config = blank_missing(t[list(SEED_COLUMNS)].rename(columns=SEED_COLUMNS), {
    **{c: "%.4g" for c in ("our GMACs", "our GFLOPs (2 x MACs)", "our params (M)")},
    "H200 p50 (ms)": "%.3g", "H200 energy (J/sample)": "%.3g", "ours / paper": "%.3f", "paper params (M)": "%g",
    "paper accuracy (%)": "%.1f"})
st.dataframe(shown, hide_index=True, width="stretch", column_config={
    **config, "compute verdict (ours vs paper)": st.column_config.TextColumn(width="medium"),
    "params verdict": st.column_config.TextColumn(width="small")}, placeholder="")
st.caption(f"{counted(int(check['latency_ms'].isna().sum()), 'variant')} without an H200 latency (blank; the "
           "latency note says why). Latency times our implementation: " + " ".join(f"{p}: {n}." for p, n in IMPLEMENTATION_NOTES.items()))

st.markdown("**Against the baselines each paper names** (H200, batch 1, bf16, CUDA graph; ratios seed / baseline: "
            "below 1 the seed model is faster or cheaper)")
base = baseline_table(check, d.results).assign(our_gmacs=lambda b: b["our_macs"] / 1e9,
                                               baseline_gmacs=lambda b: b["baseline_macs"] / 1e9)
BASE_COLUMNS = {
    "variant": "variant", "latency_ms": "H200 p50 (ms)", "baseline": "baseline (as the paper names it)",
    "baseline_latency_ms": "baseline H200 p50 (ms)", "latency_ratio": "latency seed / baseline",
    "our_gmacs": "our GMACs", "baseline_gmacs": "baseline GMACs", "macs_ratio": "MACs seed / baseline",
    "baseline_model": "baseline zoo id", "named": "where the paper names it", "note": "note",
}
for title, rows in base.groupby("paper_title", sort=False):
    st.markdown(f"*{title}*")
    shown, config = blank_missing(rows[list(BASE_COLUMNS)].rename(columns=BASE_COLUMNS), {c: "%.3g" for c in (
        "H200 p50 (ms)", "baseline H200 p50 (ms)", "latency seed / baseline", "our GMACs", "baseline GMACs",
        "MACs seed / baseline")})
    # a blank baseline latency says why in its cell (never timed, or timed elsewhere: the note names where)
    gaps = [untimed_cell(d.results, m) if pd.isna(v) else "" for m, v in zip(rows["baseline_model"],
                                                                             rows["baseline_latency_ms"])]
    if any(gaps):
        shown["baseline H200 p50 (ms)"] = [g or v for g, v in zip(gaps, shown["baseline H200 p50 (ms)"])]
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config, placeholder="")
missing = not_built(claims)
if len(missing):
    st.markdown("**Not built**: the claims below stay not measurable.")
    st.dataframe(missing.rename(columns={"paper_title": "paper", "model": "claim about"}), hide_index=True,
                 width="stretch", placeholder="")

st.subheader("Language models: the seed papers' claims against our counts")
st.caption("Training FLOPs are ours: 6 x active parameters x training tokens (the tokens from data/llm/<name>.json; "
           "none where the spec gives none). Scores come from one protocol group of data/llm_accuracy.csv, so that "
           "they compare. Per-input compute is a 512-token prefill (MACs = 1 multiply-add; FLOPs = 2 x MACs). "
           "The FlashAttention-2 check uses data/gpu_peaks.parquet (H200: torch's flash SDPA, forward, against the "
           "bf16 matmul peak we measured). Each row's verdict also sets its claim's line in the verdicts above.")
LLM_COLUMNS = {"verdict": "verdict", "paper_title": "paper", "claim_model": "claim about", "why": "why",
               "ours": "ours (training FLOPs, tokens, scores; or GMACs / GFLOPs at 512 tokens; or TFLOP/s)",
               "ratio": "ratio", "ratio_of": "ratio of", "claim": "claim (abstract)", "source": "source of our numbers"}
shown, config = blank_missing(with_verdict_word(llm)[list(LLM_COLUMNS)].rename(columns=LLM_COLUMNS), {"ratio": "%.2f"})
st.dataframe(shown, hide_index=True, width="stretch", row_height=WRAPPED_ROW_PX, column_config={
    **config, **VERDICT_COLUMNS, "paper": st.column_config.TextColumn(width="medium"),
    "claim (abstract)": st.column_config.TextColumn(width="medium")})

st.subheader("Details: claimed vs measured")
if cvm.empty:
    st.info("No mapped claim to compare.")
else:
    ui.seed("w_claims_flagged", s.claims_flagged)
    flagged_only = st.toggle(FLAGGED_LABEL, key="w_claims_flagged", help=FLAGGED_HELP)
    s = ui.update(claims_flagged=flagged_only)
    t = details_rows(cvm, verdicts, flagged_only)
    # 3 significant digits (46.9637 read as precision we do not have), headers with their units
    st.dataframe(details_table(t), hide_index=True, width="stretch", placeholder="", row_height=WRAPPED_ROW_PX,
                 column_config={**VERDICT_COLUMNS, "quote (abstract)": st.column_config.TextColumn(width="large"),
        **{c: st.column_config.NumberColumn(format="%.3g") for c in DETAILS_NUMBER_HEADERS}})
    both = t[t["claimed GMACs"].notna() & t["measured GMACs"].notna()]
    if len(both):
        lo, hi = both[["claimed GMACs", "measured GMACs"]].min().min() / 3, both[["claimed GMACs", "measured GMACs"]].max().max() * 3
        # fixed ranges (the reference lines' extent): the label placement works in them
        x_range, y_range = (np.log10(lo), np.log10(hi)), (np.log10(lo / 2), np.log10(2 * hi))
        # names as annotations clear of each other and of the markers (they were "top center" text,
        # printed over each other where two claims sit close); the first n_everywhere hold on a phone too
        notes, n_everywhere = details_labels(both["measured GMACs"], both["claimed GMACs"], both["claim_model"],
                                             x_range, y_range, CLAIM_MARKER + 2)
        fig = go.Figure()
        for k, dash, name in ((1, "solid", "claimed = measured"), (2, "dot", "claimed = 2 x measured (true FLOPs)"),
                              (0.5, "dash", "claimed = measured / 2")):
            fig.add_trace(go.Scatter(x=[lo, hi], y=[k * lo, k * hi], mode="lines", name=name,
                                     line=dict(color="#888", dash=dash, width=1.5), hoverinfo="skip"))
        # red: a claim whose verdict is off (explained or not) or a mismatch, or whose MACs are over 10 % apart
        flagged = both["kind"].isin(OFF_KINDS) | both["flags"].astype(str).str.contains("macs")
        fig.add_trace(go.Scatter(
            x=both["measured GMACs"], y=both["claimed GMACs"], mode="markers", name="claims",
            marker=dict(size=CLAIM_MARKER, color=["#C0392B" if f else "#0072B2" for f in flagged], symbol="diamond-open",
                        line=dict(width=2)),
            hovertext=[f"<b>{m}</b><br>{p}<br>claimed {v} {u} ({c.replace('_', ' ')}) = {g:.3g} GMACs<br>"
                       f"measured {z}: {mg:.3g} GMACs<br>{textwrap.shorten(verdict, 90)}"
                       for m, p, v, u, c, g, z, mg, verdict in zip(both["claim_model"], both["paper_title"],
                                                           both["claimed_compute"], both["compute_unit"],
                                                           both["compute_convention"].astype(str), both["claimed GMACs"],
                                                           both["model"], both["measured GMACs"], both["verdict"])],
            hovertemplate="%{hovertext}<extra></extra>"))
        fig.update_layout(template="plotly_white", height=460, font=dict(size=14), margin=dict(t=20, r=20),
                          xaxis=dict(type="log", title="measured GMACs per sample<br>(1 multiply-add = 1)", range=x_range),
                          yaxis=dict(type="log", title="claimed compute converted to GMACs", range=y_range),
                          legend=dict(orientation="h", y=-0.3), annotations=notes)
        on_page(st, label_log_axes(fig), "paper_claims_compute")   # themed; its camera saves an opaque image
        # the names placed for a desktop's plot only would touch on a phone's: hidden there (exports keep them)
        st.html(phone_hidden_css(n_everywhere, len(notes)))
    # said in place of the chart when it has nothing to draw, else under it: which claims it leaves out
    if note := chart_note(t, len(both), flagged_only):
        (st.caption if len(both) else st.info)(note)
    st.caption("Red diamonds: claims whose verdict is off or a convention mismatch. Flags: `macs_gt10pct_apart` claimed and measured MACs differ by over 10 %; `convention_mismatch` "
               "they would agree under the other FLOP convention (x2 or /2); `accuracy_gt1pt_apart` over one point "
               "from the published reference; `no_measurement` the architecture is not in the results cache; "
               "`no_zoo_arch` the claimed model is not in the zoo, its compute is implied from the measured baseline.")

st.subheader("Which seed papers are covered")
measured_papers = set(ui.counts(d)["paper"].astype(str)) - {""}
g = claims.groupby("paper_title")
cov = pd.DataFrame({"claims": g.size(), "mapped to a zoo arch": g["status"].apply(lambda x: int((x == "mapped").sum())),
                    "checked on a variant we built": g["status"].apply(lambda x: int((x == SEED_CHECKED).sum())),
                    "zoo archs": g["zoo_archs"].first()}).reset_index()
cov["measured in the cache"] = cov["paper_title"].isin(measured_papers)
cov = cov.sort_values(["measured in the cache", "mapped to a zoo arch", "checked on a variant we built"],
                      ascending=False)
st.dataframe(cov, hide_index=True, width="stretch", placeholder="")
st.caption(f"{int(cov['measured in the cache'].sum())} of {len(cov)} seed papers have at least one measured "
           "zoo model or a variant we built. Unmapped papers are not in timm/torchvision (see the `reason` "
           "column of the CSV).")
