"""The seed papers' own architectures (zoo source ``seed``) checked against their papers (no torch).

:func:`seed_check` gives one row per variant of ``data/seed/<paper>.csv``: the paper's parameter
count and compute as printed (with the table named), ours beside them in the paper's convention and
in both of ours (MACs = multiply-adds, FLOPs = 2 x MACs), the verdicts, and the H200 latency
(p50, batch 1, bf16, CUDA graph). :func:`baseline_table` sets each variant beside the baselines its
paper names, timed in the same configuration; :func:`with_seed_verdicts` gives the claims of
``data/paper_claims.csv`` with status ``seed_checked`` their verdict from this check.

Compute is compared as ``tests/test_seed.py`` compares it: ours in the paper's convention against
the printed figure, relative to the printed figure, within :data:`TOLERANCE`; beyond it the gap is
explained when the table's ``compute_gap_reason`` says why, else it is a finding, never tuned away.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from efficiency.reference.claims import (CONVENTION, EXPLAINED, HOLDS, NOT_MEASURABLE, OFF, SEED_CHECKED, SEVERITY,
                                         Verdict, unit_scale)
from efficiency.store.query import good_rows
from efficiency.reference import seed_tables as seed   # the tables, torch-free (never the zoo)

TOLERANCE = 0.05                    # compute, relative to the paper's figure (tests/test_seed.py)
H200 = "gpu/NVIDIA H200/"           # hardware prefix; the baselines were timed on the same board
LATENCY_CONFIG = {"device": "cuda", "dtype": "bf16", "batch_size": 1, "mode": "cuda_graph"}
CONVENTION_WORDS = {"macs_called_flops": "FLOPs counting multiply-adds", "true_flops": "FLOPs = 2 x multiply-adds"}


def convention_words(unit: str, convention: str) -> str:
    """What a printed figure counts, in words: a unit printed as MACs says it; else the convention."""
    return "multiply-adds" if unit.replace(" ", "").endswith("MACs") else CONVENTION_WORDS.get(convention, convention)

# a claim of data/paper_claims.csv about a seed paper's model we have not built says so in `reason`
NOT_BUILT_PREFIX = "not implemented yet"
# latency times our implementation; where it is not the authors' kind of kernel, the page says so
IMPLEMENTATION_NOTES = {
    paper: "our selective scan is a plain-PyTorch loop over the sequence (efficiency/zoo/seed/selective_scan.py), "
           "not the authors' fused CUDA kernel: this times our implementation"
    for paper in ("efficientvmamba", "mobilemamba")
}

COLUMNS = [
    "paper", "paper_title", "variant", "model", "task", "input_size",
    "paper_params_m", "params_scope", "our_params_m", "params_kind", "params_verdict",
    "paper_compute", "paper_compute_unit", "paper_convention", "paper_compute_text",
    "our_macs", "our_flops", "ours_in_paper_convention", "ratio", "compute_kind", "compute_verdict",
    "compute_gap_reason",
    "latency_ms", "energy_j", "latency_note", "paper_accuracy", "paper_metric", "table", "source_url",
]


@dataclass(frozen=True)
class Baseline:
    paper: str       # the seed table's stem (``cswin``)
    variant: str     # the seed variant compared with it
    name: str        # the baseline as the paper names it
    model: str       # its zoo id, "" when the zoo has no such model
    named: str       # where the paper names it
    note: str = ""   # which weights, or why it is not in the zoo


_ABSTRACT = "abstract"
_SWIN = "abstract: 'surpassing previous state-of-the-art Swin Transformer backbone ... under the similar FLOPs setting'"
_FBNET_V2 = "abstract: 'FBNets achieve 1.5% to 6.4% higher accuracy than MobileNetV2'"
_MNAS = "abstract: 'higher accuracy and lower latency than MnasNet'"
_RAND = "abstract: 'RandFormer yields an accuracy of >81%, outperforming IdentityFormer'"
# only baselines the papers name (abstract quotes in data/paper_claims.csv); the pairs follow the
# papers' tables, which compare sizes of similar compute
BASELINES = (
    Baseline("cswin", "cswin_t", "Swin-T", "timm/swin_tiny_patch4_window7_224.ms_in1k@224", _SWIN),
    Baseline("cswin", "cswin_s", "Swin-S", "timm/swin_small_patch4_window7_224.ms_in1k@224", _SWIN),
    Baseline("cswin", "cswin_b", "Swin-B", "timm/swin_base_patch4_window7_224.ms_in1k@224", _SWIN),
    Baseline("cswin", "cswin_b_384", "Swin-B (384)", "timm/swin_base_patch4_window12_384.ms_in1k@384", _SWIN,
             "the abstract's 85.4 % (+1.2 over Swin) is the ImageNet-1K-only model at 384"),
    Baseline("cswin", "cswin_l", "Swin-L", "timm/swin_large_patch4_window7_224.ms_in22k_ft_in1k@224", _SWIN,
             "both ImageNet-22K pre-trained"),
    Baseline("cswin", "cswin_l_384", "Swin-L (384)", "timm/swin_large_patch4_window12_384.ms_in22k_ft_in1k@384",
             _SWIN, "both ImageNet-22K pre-trained"),
    Baseline("efficientvmamba", "s", "Vim-Ti", "", "abstract: 'improves Vim-Ti with 1.5G FLOPs'",
             "Vision Mamba is in neither timm nor torchvision"),
    Baseline("elasticvit", "s1", "EfficientNet-B0", "torchvision/efficientnet_b0.IMAGENET1K_V1",
             "abstract: 'ElasticViT-S1 runs 2.62x faster than EfficientNet-B0'",
             "the paper's 2.62x is latency on mobile phones, not this board"),
    Baseline("fbnet", "fbnet_b", "MobileNetV2-1.3", "", "abstract: '2.4x smaller and 1.5x faster than MobileNetV2-1.3'",
             "width 1.3 is not in the zoo (timm has 1.0, 1.1d, 1.2d, 1.4)"),
    Baseline("fbnet", "fbnet_b", "MobileNetV2", "timm/mobilenetv2_100.ra_in1k@224", _FBNET_V2, "width 1.0"),
    Baseline("fbnet", "fbnet_b", "MnasNet", "timm/mnasnet_100.rmsp_in1k@224", _MNAS,
             "the MnasNet without SE (the paper's 74.0 %, 317M); we count 314 M MACs for timm mnasnet_100"),
    Baseline("leyolo", "small_640", "YOLOv9-Tiny", "", "abstract: 'a 42% reduction ... compared to the latest "
             "state-of-the-art YOLOv9-Tiny'", "YOLO detectors are in neither timm nor torchvision"),
    Baseline("mobilemamba", "b4", "LocalVim", "", "abstract: 'maximum x21 faster than LocalVim on GPU'",
             "LocalVim is in neither timm nor torchvision"),
    *(Baseline("metaformer_baselines", f"randformer_{s}", f"IdentityFormer-{s.upper()}",
               f"seed/metaformer_baselines.identityformer_{s}@3x224x224", _RAND, "our seed build")
      for s in ("s12", "s24", "s36", "m36", "m48")),
)


def load_tables(folder: Path = seed.TABLES) -> dict[str, list[dict[str, str]]]:
    """{paper (table stem): its rows} of every ``data/seed/<paper>.csv`` (torch-free)."""
    return {path.stem: seed.read_table(path) for path in seed.table_paths(folder)}


def _counts(results: pd.DataFrame) -> pd.DataFrame:
    if results.empty or "model" not in results:
        return pd.DataFrame(columns=["macs", "params"])
    rows = good_rows(results[results["kind"] == "count"]) if "kind" in results else good_rows(results)
    return rows.drop_duplicates("model", keep="last").set_index("model")[["macs", "params"]]


def _latency_rows(results: pd.DataFrame, models: set[str]) -> pd.DataFrame:
    """The latency rows of ``models``, key and result columns only: every look-up then filters a
    few dozen rows, not the whole cache."""
    if "kind" not in results:
        return results.iloc[:0]
    keep = ["model", "kind", *LATENCY_CONFIG, "hardware", "channels_last", "measured_at", "latency_ms_p50",
            "energy_j_per_sample", "noisy", "error"]
    mask = (results["kind"] == "latency") & results["model"].isin(models)
    return results.loc[mask, [c for c in keep if c in results]]


def _config_mask(df: pd.DataFrame) -> pd.Series:
    if any(c not in df for c in ("hardware", *LATENCY_CONFIG)):
        return pd.Series(False, index=df.index)     # a cache without the key columns holds no such row
    mask = df["hardware"].astype(str).str.startswith(H200)
    for col, value in LATENCY_CONFIG.items():
        mask &= df[col] == value
    return mask


def h200_latency(results: pd.DataFrame, model: str) -> tuple[float, float, str]:
    """(p50 ms, J per sample, note) of ``model`` on the H200 at batch 1, bf16, CUDA graph; NaNs and
    the reason when it was not timed so (failed there, timed only elsewhere, or never)."""
    if "kind" not in results:
        return math.nan, math.nan, "not timed on the H200 yet"
    rows = results[(results["model"] == model) & (results["kind"] == "latency")]
    here = rows[_config_mask(rows)]
    good = good_rows(here)
    if len(good):
        # one row per key; should an older channels_last row sit beside it, take the default layout
        sort = [c for c in ("channels_last", "measured_at") if c in good]
        best = good.sort_values(sort, ascending=[c == "channels_last" for c in sort]).iloc[0] if sort else good.iloc[0]
        noisy = best.get("noisy")
        return (float(best["latency_ms_p50"]), float(best.get("energy_j_per_sample", math.nan)),
                "noisy (the cache's flag: IQR over 5 % of p50, a clock drop or power over the limit)"
                if pd.notna(noisy) and bool(noisy) else "")
    if len(here):
        return math.nan, math.nan, "failed on the H200: " + str(here["error"].iloc[0]).strip().splitlines()[0][:160]
    if len(rows):
        seen = sorted({" ".join(str(r.get(c, "")) for c in ("hardware", "dtype", "batch_size", "mode"))
                       for r in rows.to_dict("records")})
        return math.nan, math.nan, "not timed at batch 1, bf16, CUDA graph on the H200 (timed: " + "; ".join(seen) + ")"
    return math.nan, math.nan, "not timed on the H200 yet"


def params_verdict(row: dict[str, str], our_params: float) -> tuple[str, str]:
    """(kind, words) for our parameter count against the paper's, in the paper's scope; no paper
    figure (the table says why) is not measurable, never "holds"."""
    paper, ours_m, reason = row["paper_params_m"], our_params / 1e6, row["params_gap_reason"].strip()
    if seed.paper_params(row) is None:
        return NOT_MEASURABLE, f"no paper figure: {reason}"
    if math.isnan(our_params):
        return NOT_MEASURABLE, "not counted (no count row)"
    diff = ours_m / float(paper) - 1
    if row["paper_params_scope"] == "state_dict":
        # the cache counts parameters only; buffers (BatchNorm statistics) are counted by tests/test_seed.py
        return (EXPLAINED, f"off by {100 * diff:+.1f} %: {reason}") if reason else (
            HOLDS, f"agrees as the paper counts (every stored tensor, BatchNorm statistics included: "
                   f"tests/test_seed.py); parameters alone {100 * diff:+.1f} %")
    if abs(ours_m - float(paper)) <= seed.params_tolerance(paper):
        return HOLDS, "agrees"
    return (EXPLAINED, f"off by {100 * diff:+.1f} %: {reason}") if reason else (
        OFF, f"unexplained: off by {100 * diff:+.1f} %")


def ours_in_convention(macs: float, unit: str, convention: str) -> float:
    """Our multiply-adds expressed as the paper counts, in its unit: a "FLOPs" figure in the
    ``true_flops`` convention is 2 x MACs; MACs called FLOPs, or a unit printed as MACs, is MACs."""
    if unit.endswith("MACs") or convention == "macs_called_flops":
        return macs / seed.UNITS[unit]
    if convention == "true_flops":
        return 2 * macs / seed.UNITS[unit]
    return math.nan


def compute_verdict(paper: float, ours: float, other: float, reason: str) -> tuple[str, str]:
    """(kind, words) for ``ours`` (in the paper's convention) against the printed ``paper`` figure;
    ``other`` is ours in the other FLOP convention (NaN where the unit fixes it)."""
    gap = ours / paper - 1
    if abs(gap) <= TOLERANCE:
        return HOLDS, "holds"
    if reason:
        return EXPLAINED, f"off by {100 * gap:+.1f} %: {reason}"
    if not math.isnan(other) and abs(other / paper - 1) <= TOLERANCE:
        return CONVENTION, f"convention mismatch: off by {100 * gap:+.1f} %, the other FLOP convention agrees"
    return OFF, f"unexplained: off by {100 * gap:+.1f} %"


def _compute(row: dict[str, str], macs: float) -> dict:
    unit, conv = row["paper_compute_unit"], row["paper_convention"]
    paper = float(row["paper_compute"]) if row["paper_compute"] else math.nan
    ours = ours_in_convention(macs, unit, conv) if unit in seed.UNITS else math.nan
    other = math.nan
    if unit.endswith("FLOPs") and conv in CONVENTION_WORDS:
        other = ours * 2 if conv == "macs_called_flops" else ours / 2
    if math.isnan(paper) or math.isnan(macs):
        kind, words = NOT_MEASURABLE, "no compute figure" if math.isnan(paper) else "not counted (no count row)"
    elif math.isnan(ours):
        kind, words = NOT_MEASURABLE, f"the paper's convention ({conv}) is not known, so ours cannot be set beside it"
    else:
        kind, words = compute_verdict(paper, ours, other, row["compute_gap_reason"].strip())
    return {"paper_compute": paper, "paper_compute_unit": unit, "paper_convention": conv,
            "paper_compute_text": f"{row['paper_compute']} {unit} ({convention_words(unit, conv)})"
            if row["paper_compute"] else "", "ours_in_paper_convention": ours,
            "ratio": ours / paper if paper else math.nan, "compute_kind": kind, "compute_verdict": words,
            "compute_gap_reason": row["compute_gap_reason"].strip()}


def check_row(paper: str, row: dict[str, str], counts: pd.DataFrame, results: pd.DataFrame) -> dict:
    """One variant of one paper's table against the results cache."""
    model = seed.model_id(paper, row)
    macs, params = (float(counts.at[model, "macs"]), float(counts.at[model, "params"])) \
        if model in counts.index else (math.nan, math.nan)
    p_kind, p_words = params_verdict(row, params)
    latency, energy, note = h200_latency(results, model)
    if math.isnan(macs) and math.isnan(latency):
        note = "not in the results cache (neither counted nor timed)"
    if not math.isnan(latency) and paper in IMPLEMENTATION_NOTES:
        note = "; ".join(x for x in (note, IMPLEMENTATION_NOTES[paper]) if x)
    return {"paper": paper, "paper_title": row["paper_title"], "variant": row["variant"], "model": model,
            "task": row["task"], "input_size": row["input_size"], "paper_params_m": seed.paper_params(row) or math.nan,
            "params_scope": row["paper_params_scope"], "our_params_m": params / 1e6, "params_kind": p_kind,
            "params_verdict": p_words, **_compute(row, macs), "our_macs": macs, "our_flops": 2 * macs,
            "latency_ms": latency, "energy_j": energy, "latency_note": note,
            "paper_accuracy": float(row["paper_top1"]) if row["paper_top1"] else math.nan,
            "paper_metric": row["paper_metric"], "table": row["table"], "source_url": row["source_url"]}


def seed_check(tables: dict[str, list[dict[str, str]]], results: pd.DataFrame) -> pd.DataFrame:
    """One row per seed variant (columns :data:`COLUMNS`, table order); ``tables`` as
    :func:`load_tables` gives them, ``results`` the results cache (``load_results()``)."""
    models = {seed.model_id(p, r)
              for p, t in tables.items() for r in t}
    counts, lat = _counts(results), _latency_rows(results, models)
    rows = [check_row(paper, row, counts, lat) for paper, table in tables.items() for row in table]
    return pd.DataFrame(rows, columns=COLUMNS)


def baseline_table(check: pd.DataFrame, results: pd.DataFrame,
                   baselines: tuple[Baseline, ...] = BASELINES) -> pd.DataFrame:
    """Each seed variant beside a baseline its paper names: both H200 latencies (same
    configuration), our MACs of both, and latency and MACs ratios (seed / baseline)."""
    counts, lat = _counts(results), _latency_rows(results, {b.model for b in baselines})
    variants = {(r["paper"], r["variant"]): r for r in check.to_dict("records")}
    rows = []
    for b in baselines:
        s = variants.get((b.paper, b.variant))
        if s is None:
            continue
        ms, _, note = h200_latency(lat, b.model) if b.model else (math.nan, math.nan, b.note)
        macs = float(counts.at[b.model, "macs"]) if b.model in counts.index else math.nan
        rows.append({"paper": b.paper, "paper_title": s["paper_title"], "variant": b.variant, "model": s["model"],
                     "latency_ms": s["latency_ms"], "our_macs": s["our_macs"], "baseline": b.name,
                     "baseline_model": b.model, "baseline_latency_ms": ms, "baseline_macs": macs,
                     "latency_ratio": s["latency_ms"] / ms, "macs_ratio": s["our_macs"] / macs,
                     "named": b.named, "note": "; ".join(x for x in (b.note if b.model else "", note) if x)})
    return pd.DataFrame(rows, columns=["paper", "paper_title", "variant", "model", "latency_ms", "our_macs",
                                       "baseline", "baseline_model", "baseline_latency_ms", "baseline_macs",
                                       "latency_ratio", "macs_ratio", "named", "note"])


def _claim_figure(claim: dict, check: dict) -> tuple[float, str, float, str, str]:
    """(value, unit, unit scale, convention, "claim" | "table") of the figure a seed claim is judged on:
    the claim's own where it has one with a known convention, else the variant's table figure."""
    conv, value, unit = claim.get("compute_convention"), claim.get("compute_value"), str(claim.get("compute_unit"))
    scale = unit_scale(unit) if conv in CONVENTION_WORDS and not pd.isna(value) else None
    if scale is not None:
        return float(value), unit, scale, conv, "claim"
    unit = check["paper_compute_unit"]
    return check["paper_compute"], unit, seed.UNITS.get(unit, math.nan), check["paper_convention"], "table"


def claim_seed_verdict(claim: dict, check: dict | None) -> tuple[Verdict, float]:
    """The verdict on a ``seed_checked`` claim, and its claimed / our MACs: the claim's compute figure
    (:func:`_claim_figure`) judged as :func:`compute_verdict` judges a table's, with the table's gap
    reason; a parameter count in the claim is judged as well."""
    if check is None or math.isnan(check["our_macs"]):
        return Verdict(NOT_MEASURABLE, f"not measurable: {claim.get('zoo_model')} has no count in the results "
                                       "cache"), math.nan
    value, unit, scale, conv, source = _claim_figure(claim, check)
    macs, figure = check["our_macs"], value * scale
    printed_macs = unit.replace(" ", "").endswith("MACs")
    if math.isnan(figure) or not (printed_macs or conv in CONVENTION_WORDS):
        return Verdict(NOT_MEASURABLE, "not measurable: no compute figure with a known convention in the claim "
                                       "or the paper's table"), math.nan
    # ours as the figure counts, and in the other FLOP convention (none when the unit says MACs)
    as_macs = printed_macs or conv == "macs_called_flops"
    ours, other = (macs, math.nan if printed_macs else 2 * macs) if as_macs else (2 * macs, macs)
    reason = check["compute_gap_reason"]
    kind, text = compute_verdict(figure, ours, other, reason)
    said = f"ours vs the {source}'s {value:g} {unit}, {convention_words(unit, conv)}"
    gap = 100 * (ours / figure - 1)
    parts = [Verdict(kind, {HOLDS: f"compute holds ({said}: {gap:+.1f} %)",
                            EXPLAINED: f"off by {gap:+.1f} % (compute, {said}), explained: {reason}",
                            OFF: f"off by {gap:+.1f} % (compute, {said}), unexplained"}.get(kind, text))]
    if source == "table" and not pd.isna(claim.get("value", math.nan)):
        # the claim states an accuracy only: the verdict is on the compute the paper's table gives for that
        # model, never on the accuracy, which our weightless build cannot reproduce (DATACHECK L2)
        parts[0] = Verdict(parts[0].kind, f"{parts[0].text}; the claimed {claim['value']:g} "
                                          f"{claim.get('metric', '')} itself is not checked (no trained weights)")
    if not pd.isna(claim.get("params_m", math.nan)):
        printed = f"{claim['params_m']:g}"
        ok = abs(check["our_params_m"] - float(printed)) <= seed.params_tolerance(printed)
        parts.append(Verdict(HOLDS if ok else OFF, f"params {'agree' if ok else 'off'} "
                                                   f"({printed} M vs ours {check['our_params_m']:.3g} M)"))
    worst = min(SEVERITY[v.kind] for v in parts)
    text = "; ".join(v.text for v in sorted(parts, key=lambda v: SEVERITY[v.kind]))
    claimed_macs = figure if as_macs else figure / 2
    return Verdict(next(v.kind for v in parts if SEVERITY[v.kind] == worst), text), claimed_macs / macs


def with_seed_verdicts(verdicts: pd.DataFrame, claims: pd.DataFrame, check: pd.DataFrame) -> pd.DataFrame:
    """:func:`efficiency.reference.claims.claim_verdicts`'s frame with every ``seed_checked`` claim
    judged by :func:`claim_seed_verdict` (ratio: claimed / ours in the claim's convention)."""
    by_model = {r["model"]: r for r in check.to_dict("records")}
    out = verdicts.copy()
    for i, row in out.iterrows():
        claim = claims.loc[row["claim_row"]].to_dict()
        if claim.get("status") != SEED_CHECKED:
            continue
        v, ratio = claim_seed_verdict(claim, by_model.get(claim.get("zoo_model")))
        out.loc[i, ["kind", "verdict", "ratio"]] = [v.kind, v.text, ratio]
    return out


def not_built(claims: pd.DataFrame) -> pd.DataFrame:
    """The claims about a seed paper's model we have not built (``reason`` starts with
    :data:`NOT_BUILT_PREFIX`): paper_title, model, reason."""
    rows = claims[(claims["status"] == "no_zoo_arch") & claims["reason"].str.startswith(NOT_BUILT_PREFIX)]
    return rows[["paper_title", "model", "reason"]].reset_index(drop=True)
