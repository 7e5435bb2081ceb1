"""What the Data and method page states about the measurements: the machines, the GPU coverage of the
classification zoo, the stability rules and the language rows' conventions (no torch, no Streamlit).

Every figure is computed from the loaded results and every threshold is the code's own constant or rule
text (efficiency.ui.tables.STABILITY_RULE, efficiency.ui.lang_stability, the language sweep's settings in efficiency.vocab), so the
page cannot drift from the data or the code (AUDIT8 F4: other pages sent readers here for a stability rule
the page did not state, and it named neither GPU). The coverage count is the one
``bench/h200_coverage.py::per_config`` makes, per machine instead of per GPU name
(tests/test_docs8_method.py holds the two equal on the shipped cache).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from efficiency.vocab import LLM_LARGE_BATCH as LARGE_BATCH
from efficiency.vocab import LLM_NEW_TOKENS as NEW_TOKENS
from efficiency.vocab import LLM_PROMPT_LEN as PROMPT_LEN
from efficiency.ui.lang_stability import TTFT_RULE
from efficiency.ui.tables import MIN_SAMPLES_TAIL, STABILITY_RULE

# bench/h200_coverage.py's configurations (GPU, bf16): batch 1 and 256, eager and CUDA graph
CONFIGS: tuple[tuple[int, str], ...] = ((1, "eager"), (1, "cuda_graph"), (256, "eager"), (256, "cuda_graph"))
CONFIG_WORDS = {(1, "eager"): "batch 1 eager", (1, "cuda_graph"): "batch 1 CUDA graph",
                (256, "eager"): "batch 256 eager", (256, "cuda_graph"): "batch 256 CUDA graph"}
ANY_GPU = "any of these GPUs"


@dataclass(frozen=True)
class MachineCoverage:
    """One GPU machine's classification architectures with a good bf16 row, per :data:`CONFIGS`."""
    name: str
    counts: tuple[int, ...]


@dataclass(frozen=True)
class Coverage:
    """GPU coverage of the timm and torchvision classification architectures (``source/arch``; one counts when
    any of its input sizes has a good row), per machine and on any GPU."""
    architectures: int
    machines: tuple[MachineCoverage, ...]
    any_gpu: tuple[int, ...]
    three_on_one: int     # architectures with b1 eager, b1 CUDA graph and b256 eager all on one machine


def _classification(results: pd.DataFrame) -> pd.DataFrame:
    # as bench/h200_coverage.py: the zoo's own timm / torchvision classification entries, derived sizes left out
    derived = results["derived_from"].fillna("") if "derived_from" in results else ""
    cls = results[(results["task"] == "classification") & results["source"].isin(["timm", "torchvision"])
                  & (derived == "")]
    return cls.assign(a=cls["source"].astype(str) + "/" + cls["arch"].astype(str))


def gpu_coverage(results: pd.DataFrame) -> Coverage:
    """:class:`Coverage` of ``results`` (every row of the cache, or the zoo entries' rows: derived sizes
    are left out either way). Machines with most architectures at batch 1 eager first."""
    cls = _classification(results)
    good = cls[(cls["kind"] == "latency") & (cls["device"] == "cuda") & (cls["error"].fillna("") == "")
               & (cls["dtype"] == "bf16")]
    archs: dict[str, list[set]] = {}
    names: dict[str, str] = {}
    for hw, rows in good.groupby(good["hardware"].astype(str)):
        names[hw] = str(rows["hardware_name"].iloc[0]) if "hardware_name" in rows else hw
        archs[hw] = [set(rows.loc[(rows["batch_size"] == b) & (rows["mode"] == m), "a"]) for b, m in CONFIGS]
    machines = sorted((MachineCoverage(names[hw], tuple(len(s) for s in sets)) for hw, sets in archs.items()),
                      key=lambda m: (-m.counts[0], m.name))
    any_gpu = tuple(len(set().union(*(sets[i] for sets in archs.values()))) for i in range(len(CONFIGS)))
    three = set().union(*(set.intersection(*sets[:3]) for sets in archs.values())) if archs else set()
    return Coverage(cls["a"].nunique(), tuple(machines), any_gpu, len(three))


def coverage_table(cov: Coverage) -> pd.DataFrame:
    """One row per GPU machine and one for any of them; a column per configuration (architectures)."""
    rows = [(m.name, *m.counts) for m in cov.machines]
    if len(cov.machines) > 1:
        rows.append((ANY_GPU, *cov.any_gpu))
    return pd.DataFrame(rows, columns=["machine", *(CONFIG_WORDS[c] for c in CONFIGS)])


def coverage_sentence(cov: Coverage) -> str:
    """The coverage in words: the machines and how much of the zoo has rows on one of them."""
    if not cov.machines or not cov.architectures:
        return "No GPU latency row of a timm or torchvision classification architecture is in the cache."
    n = cov.architectures
    names = " and ".join(m.name.split(",")[0] for m in cov.machines)
    pct = 100 * cov.three_on_one / n
    # one identity (the rows' ``hardware``: GPU, memory, power limit) may be several lent hosts of that kind
    return (f"GPU rows come from {len(cov.machines)} GPU{'s' * (len(cov.machines) > 1)}: {names} (each one "
            "machine identity, `hardware`: GPU, memory and power limit). "
            f"Of the {n:,} timm and torchvision classification architectures (an architecture counts when one of "
            f"its input sizes has a good bf16 row), {cov.any_gpu[0]:,} have a batch 1 eager row on "
            f"{'one of them' if len(cov.machines) > 1 else 'it'}, and {cov.three_on_one:,} ({pct:.1f} %) have all "
            "three of batch 1 eager, batch 1 CUDA graph and batch 256 eager on one machine. A chart reads one "
            "machine's rows (the Machine box of the Pareto explorer and Models page); the table below says how "
            "many each one holds. `python bench/h200_coverage.py` prints the same counts.")


def machines_table(results: pd.DataFrame) -> pd.DataFrame:
    """Per machine that measured latency: device, good rows, models, error rows, oldest and newest row (UTC,
    to the minute)."""
    lat = results[results["kind"] == "latency"]
    if lat.empty:
        return pd.DataFrame(columns=["machine", "device", "good rows", "models", "errors", "first (UTC)", "last (UTC)"])
    err = lat["error"].fillna("").astype(str) != ""
    name = lat["hardware_name"].fillna(lat["hardware"]).astype(str) if "hardware_name" in lat else lat["hardware"]
    # minutes are enough to tell runs apart and keep the table within 1440 px
    when = lat["measured_at"].astype(str).str[:16].str.replace("T", " ")
    df = lat.assign(_err=err, machine=name, measured_at=when)
    g = df.groupby(["machine", "device"], dropna=False)
    out = pd.DataFrame({"good rows": g.size() - g["_err"].sum(), "models": g["model"].nunique(),
                        "errors": g["_err"].sum(), "first (UTC)": g["measured_at"].min(),
                        "last (UTC)": g["measured_at"].max()}).reset_index()
    return out.sort_values(["device", "good rows"], ascending=[False, False], ignore_index=True)


def stability_markdown() -> str:
    """The stability rules as the code applies them (the rule texts are the ones the other pages quote)."""
    vision, _, language = STABILITY_RULE.partition("; ")
    return (
        "A latency row is **noisy** when its p50 may differ on a rerun; the pages ring or mark such rows and "
        "keep them.\n\n"
        f"- **Vision rows** (the refresh's timing loop): {vision}. The measurement sets the flag from the IQR and "
        "the SM clock (`efficiency/measure/latency.py`, `is_noisy`) and from the board's power "
        "(`efficiency/measure/energy.py`); the energy window's speed is checked again whenever the cache is read "
        "(`efficiency/store/noisy.py`), so rows written before that check are flagged too.\n"
        "- **Language rows** (the language sweep) store only the energy part of that flag. The rule for "
        f"{language} (`efficiency/ui/lang_stability.py`); a stored flag is kept as it is. A row with neither a "
        "flag nor a spread reads *not assessed*.\n"
        f"- **Language TTFT**: {TTFT_RULE.removeprefix('TTFT: ')}.\n"
        f"- A row with fewer than {MIN_SAMPLES_TAIL} timed calls shows no p90 / p99.\n"
        "- Batch-1 *eager* GPU rows time the host's kernel launches more than the GPU: compare GPUs on "
        "CUDA-graph or large-batch rows.")


def language_markdown() -> str:
    """The language rows' conventions (decode step, TTFT, bound, accuracy), from the sweep's constants."""
    return (
        "- **Latency of a language row** is one **decode step** (batch *b* generates *b* tokens) after a "
        f"{PROMPT_LEN}-token prompt, timed over {NEW_TOKENS} generated tokens (context {PROMPT_LEN} to "
        f"{PROMPT_LEN + NEW_TOKENS}), at batch 1 and {LARGE_BATCH}, eager and as a CUDA graph, bf16. "
        "**Decode tokens/s** = batch / step p50; BERT's rows are one forward of "
        f"{PROMPT_LEN} tokens.\n"
        f"- **TTFT**: time to first token, one eager {PROMPT_LEN}-token prefill at batch 1 (batch-1 rows).\n"
        "- **Bandwidth bound**: batch × the memory bandwidth measured on the same machine in the same run / the "
        "bytes one step reads (bf16 weights plus the batch's KV cache at the mean context); **fraction of "
        "bound** = decode tokens/s / bound.\n"
        "- **Decode FLOPs** per generated token at context 512 or 4096 are true FLOPs (2 × MACs); training "
        "FLOPs = 6 × active parameters × pre-training tokens.\n"
        "- **Accuracy of a language model**: benchmark scores from its papers, model cards and the vendor's "
        "evaluation page (`data/llm_accuracy.csv`, each with URL and quote), in protocol groups (one source "
        "table, benchmark, shot count, metric and harness); only scores of one group are compared.")
