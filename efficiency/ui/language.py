"""Language models in the dashboard (no torch, no Streamlit): accuracy protocol groups in words, and
why a model has no speed row.

Language benchmark scores move by several points with the shot count, the prompt format, the metric
and the harness, so ``data/llm_accuracy.csv`` puts every score in a *protocol group*
(efficiency.reference.llm_accuracy); the accuracy table's ``dataset`` is that group's id. The
explorer shows one (dataset, metric) pair at a time, so a front never mixes groups; these helpers
say which group is shown in words a reader knows (benchmark, shots, metric, harness).
"""
from __future__ import annotations

import re

import pandas as pd

from efficiency.store.query import good_rows
from efficiency.ui.axes import AXES
from efficiency.ui.byte_units import binary_bytes
from efficiency.ui.lang_stability import ttft_note

BENCHMARKS = {"mmlu": "MMLU", "mmlu_cloze": "MMLU (cloze form)", "arc_challenge": "ARC-Challenge",
              "arc_average": "ARC (Easy and Challenge averaged)", "hellaswag": "HellaSwag", "gsm8k": "GSM8K",
              "lambada": "LAMBADA", "cbt_cn": "CBT common nouns", "glue": "GLUE", "glue_average": "GLUE",
              "mnli_m": "MNLI-matched", "sst2": "SST-2", "truthfulqa": "TruthfulQA", "winogrande": "WinoGrande",
              "average": "average"}
# a metric id in words where the id alone reads as code (AUDIT7 L4: "average_excl_wnli")
METRIC_WORDS = {"average_excl_wnli": "average excluding WNLI", "glue_score": "GLUE score"}
GROUP_FIELDS = ("protocol_group", "benchmark", "metric", "shots", "harness", "average", "variant")

# The two decode modes differ in more than the launch: ``cuda_graph`` replays one captured step over a
# transformers StaticCache (efficiency.measure.llm_latency._graph_decoder), eager steps a DynamicCache. At
# batch 64 the graph rows are slower than eager for 14 of 59 (model, batch) pairs (AUDIT2 D6); bench/RESULTS.md
# (language models, finding 2; measured on an H100 with bench/llm_graph_vs_eager.py): the static cache's masked
# attention over all its slots is the cause: eager over the same static cache is slower still than the graph.
# So a language row's mode is named with its cache; the stored ``mode`` value stays "cuda_graph".
MODE_LABELS = {"eager": "eager (dynamic KV cache)", "cuda_graph": "CUDA graph (static KV cache)"}
STATIC_CACHE_NOTE = ("decode modes differ in their KV cache too: CUDA graph replays one step over a static cache "
                     "(attention over all its slots with a mask), eager steps a dynamic one; where the graph is "
                     "slower (batch 64), the cache is the cause, not the graph (eager over the static cache is "
                     "slower still: Llama 3.1 8B at batch 64, 45 ms against 30 ms a step, measured on an H100)")
# time to first token is one eager prefill at batch 1 with a fresh dynamic cache (llm_latency.time_ttft),
# copied onto both modes' batch-1 rows: the same figure whichever mode the view shows
TTFT_MODE = "eager"


def mode_label(mode) -> str:
    """A language decode row's mode in words, its KV cache named (:data:`MODE_LABELS`)."""
    return MODE_LABELS.get(str(mode), str(mode).replace("_", " "))


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()


def group_info(accuracy: pd.DataFrame, dataset: str, metric: str) -> dict | None:
    """The protocol group of ``dataset`` / ``metric`` (its id, benchmark, metric, shots, harness,
    average, variant), or None when those rows have no group (vision accuracy)."""
    if "protocol_group" not in accuracy:
        return None
    rows = accuracy[(accuracy["dataset"] == dataset) & (accuracy["metric"] == metric)]
    rows = rows[rows["protocol_group"].fillna("").astype(str) != ""]
    if rows.empty:
        return None
    first = rows.iloc[0]
    return {f: _text(first.get(f)) for f in GROUP_FIELDS}


def shots_text(shots: str, variant: str = "") -> str:
    """"5-shot"; a fine-tuned model's score has no shots ("fine-tuned"); else "shots not stated"."""
    if shots:
        return f"{shots}-shot"
    return "fine-tuned" if variant == "finetuned" else "shots not stated"


def group_words(info: dict) -> str:
    """"MMLU, 5-shot, macro_avg/acc_char (macro average), base models, Meta internal evaluations
    library": what makes the group's scores comparable with each other and with no other group's."""
    bench = BENCHMARKS.get(info["benchmark"], info["benchmark"])
    metric = info["metric"] + (f" ({info['average']} average)" if info.get("average") else "")
    return (f"{bench}, {shots_text(info['shots'], info.get('variant', ''))}, {metric}, {info['variant']} models, "
            f"{info['harness']}")


def group_y_label(info: dict) -> str:
    """The accuracy axis title of a protocol group: benchmark, shots, metric, unit."""
    bench = BENCHMARKS.get(info["benchmark"], info["benchmark"])
    metric = METRIC_WORDS.get(info["metric"], info["metric"])
    return f"{bench} {shots_text(info['shots'], info.get('variant', ''))} {metric} (%)"


def choice_labels(accuracy: pd.DataFrame, pairs: list[tuple[str, str]]) -> dict[str, str]:
    """``"dataset:metric" -> text`` for the accuracy selector: a protocol group in words with its
    number of models and its id; a vision pair as is. One pass over the language rows only (the
    selector is drawn on every rerun)."""
    out = {f"{ds}:{m}": f"{ds}:{m}" for ds, m in pairs}
    if "protocol_group" not in accuracy:
        return out
    rows = accuracy[accuracy["protocol_group"].fillna("").astype(str) != ""]
    for (ds, metric), g in rows.groupby(["dataset", "metric"], sort=False):
        key = f"{ds}:{metric}"
        if key in out:
            info = {f: _text(g.iloc[0].get(f)) for f in GROUP_FIELDS}
            out[key] = f"{group_words(info)} · {g['model'].nunique()} models · group {ds}"
    return out


def pair_for_task(offered: list[str], current: str, known: list[str]) -> str:
    """The accuracy ("dataset:metric") a task shows: ``current`` when the task offers it, or when no
    table has it at all (the page then says it is unknown); else the task's most covered pair (a
    switch to language lands on a protocol group, a switch back on ImageNet)."""
    if current in offered or current not in known or not offered:
        return current
    return offered[0]


def speed_gaps(results: pd.DataFrame, models, device: str, dtype: str, mode: str, batch: int) -> dict[str, str]:
    """``model -> why it has no good latency row`` in the configuration, for each of ``models``
    without one: the error its failed row recorded there (or in any configuration: a model that
    does not fit fails everywhere); where the batch did not fit and a smaller one was measured
    instead (70B-class models), the row's note naming that batch; else "not measured"."""
    cols = [c for c in ("model", "kind", "error", "device", "dtype", "mode", "batch_size", "latency_notes")
            if c in results]
    rows = results[cols]
    rows = rows[(rows["kind"] == "latency") & rows["model"].isin(set(models))]
    same = (rows["device"] == device) & (rows["dtype"] == dtype) & (rows["mode"] == mode)
    in_cfg = same & (pd.to_numeric(rows["batch_size"], errors="coerce") == batch)
    good = set(good_rows(rows[in_cfg])["model"])
    errors = rows[rows["error"].fillna("").astype(str) != ""]
    here = dict(zip(errors[in_cfg.loc[errors.index]]["model"], errors[in_cfg.loc[errors.index]]["error"]))
    anywhere = dict(zip(errors["model"], errors["error"]))
    smaller = {}
    if "latency_notes" in rows:
        notes = good_rows(rows[same]).dropna(subset=["latency_notes"])
        notes = notes[notes["latency_notes"].astype(str).str.startswith(f"batch {batch} does not fit")]
        # the smaller batch is another view: say which batch to pick, not that it is shown (AUDIT7 F5)
        smaller = {m: f"{n} (measured at batch {_fits(n)} only: pick batch {_fits(n)} to see it)"
                   for m, n in zip(notes["model"], notes["latency_notes"])}
    # stored texts say decimal GB: shown in the dashboard's binary units, the stored figure beside (AUDIT7 L3)
    return {m: binary_bytes(str(here.get(m) or smaller.get(m) or anywhere.get(m) or "not measured"))
            for m in sorted(set(models)) if m not in good}


def _fits(note: str) -> str:
    """The batch a "batch 64 does not fit; largest that fits: 16" note names ("16"; "a smaller one" if none)."""
    found = re.search(r"largest that fits: (\d+)", str(note))
    return found.group(1) if found else "a smaller one"


def cannot_fit(reason: str) -> bool:
    """A :func:`speed_gaps` reason that a re-run on the same GPU would only repeat: the weights do not fit, or
    the batch does not (and the largest that fits was measured). No "Measure them" command for these."""
    text = str(reason)
    return text.startswith("does not fit") or bool(re.match(r"batch \d+ does not fit", text))


def gaps_note(gaps: dict[str, str], limit: int = 6) -> str:
    """The models of :func:`speed_gaps` grouped by reason, in one line ("does not fit: 754.4 GiB (810 GB) ...:
    llama-3.1-405b; not measured: mixtral-8x7b, k2-65b")."""
    by_reason: dict[str, list[str]] = {}
    for model, reason in gaps.items():
        by_reason.setdefault(reason, []).append(model.split("/", 1)[-1])
    parts = []
    for reason, names in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
        more = f" and {len(names) - limit} more" if len(names) > limit else ""
        parts.append(f"{reason}: {', '.join(names[:limit])}{more}")
    return "; ".join(parts)


def axis_gap_notes(state, pts: pd.DataFrame) -> list[tuple[str, str]]:
    """Models with the accuracy and their latency row (when the axis needs one) but no value on the
    x axis: a language axis the model lacks (a masked LM has no decode, a model card may give no
    training tokens, a model too short for context 4096)."""
    spec = AXES[state.x]
    lacking = pts["y"].notna() & pts["x"].isna()
    if spec.needs_hw:
        lacking &= pts["lat_p50_ms"].notna()
    if not lacking.any():
        return ttft_notes(state, pts)
    names = [str(m).split("/", 1)[-1] for m in pts.loc[lacking, "model"]]
    why = {"train_flops": " (no pre-training token count read from their paper or card: data/llm)",
           "decode_gflops_4096": " (their context is shorter than 4096 tokens)"}.get(state.x, "")
    return [("info", f"{len(names):,} of {len(pts):,} models have no {spec.short}{why} and are not plotted: "
             f"{', '.join(sorted(names)[:8])}{' ...' if len(names) > 8 else ''}.")] + ttft_notes(state, pts)


def ttft_notes(state, pts: pd.DataFrame) -> list[tuple[str, str]]:
    """On the TTFT axis: the plotted models whose TTFT is launch-bound or noisy (efficiency.ui.lang_stability),
    a warning, since a small model's TTFT there times the host and would read as "faster" than a 7B's."""
    if state.x != "ttft" or "ttft_flag" not in pts:
        return []
    text = ttft_note(pts[pts["x"].notna() & pts["y"].notna()])
    return [("warning", f"{text} Do not rank the flagged models by TTFT (the front table's "
             "TTFT flag column marks them).")] if text else []
