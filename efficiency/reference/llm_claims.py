"""The seed papers' language-model claims against our counts (no torch import).

One pure function per kind of claim, each returning one row (a dict of :data:`ROW_KEYS`): what we
count, a ratio where one is meaningful, the verdict kind in :mod:`efficiency.reference.claims`'
vocabulary and the verdict in words, with the source of every number.

* :func:`pareto_claim`: a model at the performance-to-training-compute Pareto frontier of a list
  of compared models (OLMo 2), scores from ONE protocol group so that they are comparable;
  :func:`frontier_claim`: several models on the frontier of every zoo model scored in that group;
* :func:`fewer_compute_claim`: fewer training FLOPs and tokens than a baseline (LLM360 K2);
* :func:`binarized_saving_claim`: an "N x FLOPs saving" of a binarised model (BiBERT);
* :func:`attention_utilisation_claim`: a kernel's fraction of the peak FLOP/s (FlashAttention-2);
* :func:`vocabulary_claim` and :func:`unmeasurable_claim`: the rest.

Training FLOPs are the count rows' ``training_flops``: 6 x active params x training tokens (the
tokens from ``data/llm/<name>.json``); NaN where the spec gives no tokens.
:func:`llm_claim_rows` wires them to ``data/paper_claims.csv`` (the ``zoo_model``/``baseline_model``
ids of each claim, ``;``-separated) and :func:`with_llm_verdicts` puts their verdicts into
:func:`efficiency.reference.claims.claim_verdicts`' table.
"""
from __future__ import annotations

import math
from typing import Callable

import pandas as pd

from efficiency import paths
from efficiency.reference.claims import HOLDS, NOT_MEASURABLE, OFF
from efficiency.reference.llm_specs import PROMPT_TOKENS, LLMSpecError, load_spec

ROW_KEYS = ("claim_model", "ours", "ratio", "ratio_of", "kind", "verdict", "source")
COLUMNS = ["paper_title", "claim_model", "kind", "verdict", "ours", "ratio", "ratio_of", "claim", "source",
           "claim_row"]
CARDS = "data/llm_accuracy.csv"
PEAKS = paths.DATA / "gpu_peaks.parquet"


def model_ids(cell) -> list[str]:
    """The zoo ids of a ``zoo_model``/``baseline_model`` cell: ``;``-separated, blanks dropped."""
    return [m.strip() for m in str(cell or "").split(";") if m.strip()]


def _spec_file(model: str) -> str:
    return f"data/llm/{model.removeprefix('hf/')}.json"


def _e(x: float) -> str:
    return f"{x:.3g}".replace("e+", "e")


def _row(claim_model, kind, verdict, ours="", ratio=math.nan, ratio_of="", source="") -> dict:
    return dict(zip(ROW_KEYS, (claim_model, ours, ratio, ratio_of, kind, verdict, source)))


def hf_counts(results: pd.DataFrame) -> pd.DataFrame:
    """The results' count rows of language models (``hf/`` ids), one per model, indexed by model."""
    c = results[(results.get("kind", "count") == "count") & results["model"].astype(str).str.startswith("hf/")]
    if "error" in c.columns:
        c = c[c["error"].fillna("").astype(str) == ""]
    return c.drop_duplicates("model").set_index("model")


def _num(counts: pd.DataFrame, model: str, col: str) -> float:
    if model not in counts.index or col not in counts.columns or pd.isna(counts.at[model, col]):
        return math.nan
    return float(counts.at[model, col])


def score(accuracy: pd.DataFrame, model: str, group: str) -> float:
    """``model``'s score in protocol group ``group`` (the accuracy table's ``dataset``), NaN if none."""
    v = accuracy.loc[(accuracy["model"] == model) & (accuracy["dataset"] == group), "value"]
    return float(v.iloc[0]) if len(v) else math.nan


def _no_tokens(models: list[str]) -> str:
    return "; ".join(f"{m} has no training tokens ({_spec_file(m)}: training_tokens is null), so no training FLOPs"
                     for m in models)


def _versus(model: str, others: list[str], flops: dict, scores: dict) -> str:
    """Per other model: ``model``'s training FLOPs as a multiple of its, and the score difference."""
    return "; ".join(f"{flops[model] / flops[m]:.2f}x {m}'s FLOPs, {scores[model] - scores[m]:+.1f} points"
                     for m in others)


def pareto_claim(model: str, compared: list[str], counts: pd.DataFrame, accuracy: pd.DataFrame,
                 group: str) -> dict:
    """``model`` is on the training-compute/score Pareto frontier of ``compared``: holds if no compared
    model has both training FLOPs <= ours and a higher score in ``group``; off naming the one that
    dominates; not measurable if any model lacks training FLOPs or a score in ``group`` (what can be
    said about the others is kept in the text)."""
    everyone = [model, *compared]
    flops = {m: _num(counts, m, "training_flops") for m in everyone}
    scores = {m: score(accuracy, m, group) for m in everyone}
    ours = "; ".join(f"{m}: {'no tokens' if math.isnan(flops[m]) else _e(flops[m]) + ' FLOPs'}, "
                     f"{'no score' if math.isnan(scores[m]) else f'{scores[m]:.1f}'}" for m in everyone)
    source = (f"training FLOPs = 6 x params_active x training_tokens (count rows; tokens from data/llm/<name>.json); "
              f"scores: {CARDS} group {group}")
    ok = [m for m in compared if not (math.isnan(flops[m]) or math.isnan(scores[m]))]
    dominating = [m for m in ok if flops[m] <= flops[model] and scores[m] > scores[model]]
    base = next((m for m in compared if not math.isnan(flops[m])), "")
    ratio = flops[model] / flops[base] if base else math.nan
    args = dict(ours=ours, ratio=ratio, ratio_of=f"training FLOPs {model} / {base}", source=source)
    if math.isnan(flops[model]) or math.isnan(scores[model]):
        return _row(model, NOT_MEASURABLE, f"not measurable: {model} lacks training FLOPs or a {group} score", **args)
    if dominating:
        d = dominating[0]
        return _row(model, OFF, f"off: {d} dominates ({_e(flops[d])} <= {_e(flops[model])} training FLOPs, "
                                f"{scores[d]:.1f} > {scores[model]:.1f} in {group})", **args)
    lacking = [m for m in compared if m not in ok]
    if lacking:
        no_tok = [m for m in lacking if math.isnan(flops[m])]
        no_score = [f"{m} has no {group} score" for m in lacking if m not in no_tok]
        rest = f"; against {', '.join(ok)} it holds (none has fewer-or-equal FLOPs and a higher score)" if ok else ""
        return _row(model, NOT_MEASURABLE, "not measurable: " + "; ".join(filter(None, [_no_tokens(no_tok), *no_score]))
                    + rest, **args)
    return _row(model, HOLDS, f"holds: no compared model has fewer-or-equal training FLOPs and a higher {group} "
                              f"score ({model}: {_e(flops[model])} FLOPs, {scores[model]:.1f}; "
                              f"{_versus(model, compared, flops, scores)})", **args)


def frontier_claim(models: list[str], counts: pd.DataFrame, accuracy: pd.DataFrame, group: str) -> dict:
    """Every one of ``models`` on the training-FLOPs/score Pareto frontier of ALL the zoo models scored
    in ``group`` (:func:`pareto_claim` of each against the rest): off if any is dominated, not
    measurable if any lacks FLOPs or a score (or a scored model lacks FLOPs), else holds."""
    scored = list(dict.fromkeys(accuracy.loc[accuracy["dataset"] == group, "model"]))
    rows = [pareto_claim(m, [o for o in scored if o != m], counts, accuracy, group) for m in models]
    kinds = {r["kind"] for r in rows}
    kind = OFF if OFF in kinds else NOT_MEASURABLE if NOT_MEASURABLE in kinds else HOLDS
    text = (f"{kind}: each of {', '.join(models)} against the other {len(scored) - 1} zoo models scored in {group} "
            f"(its source table may list models outside the zoo): " + " | ".join(r["verdict"] for r in rows))
    return _row("; ".join(models), kind, text, ours=rows[0]["ours"] if rows else "",
                source=rows[0]["source"] if rows else "")


def fewer_compute_claim(model: str, baseline: str, counts: pd.DataFrame, accuracy: pd.DataFrame,
                        not_in_zoo: str = "") -> dict:
    """``model`` needs fewer training FLOPs and tokens than ``baseline``: holds if both are lower, off
    if either is not, not measurable if either lacks tokens. Scores are compared only in a protocol
    group where both have one; ``not_in_zoo`` names a compared model we do not have."""
    f = {m: _num(counts, m, "training_flops") for m in (model, baseline)}
    t = {m: _num(counts, m, "training_tokens") for m in (model, baseline)}
    groups = sorted(set(accuracy.loc[accuracy["model"] == model, "dataset"])
                    & set(accuracy.loc[accuracy["model"] == baseline, "dataset"]))
    if groups:
        acc = "; ".join(f"{g}: {model} {score(accuracy, model, g):.1f}, {baseline} {score(accuracy, baseline, g):.1f}"
                        for g in groups)
    else:
        acc = f"scores not compared: no protocol group in {CARDS} scores both ({model} has " + \
              ("none" if not (accuracy["model"] == model).any() else "no shared group") + ")"
    extra = "; ".join(filter(None, [acc, f"{not_in_zoo} is not in the zoo" if not_in_zoo else ""]))
    ours = "; ".join(f"{m}: {_e(f[m])} training FLOPs, {_e(t[m])} tokens" for m in (model, baseline))
    args = dict(ours=ours, ratio=f[model] / f[baseline], ratio_of=f"training FLOPs {model} / {baseline}",
                source="training FLOPs = 6 x params_active x training_tokens (count rows); tokens: "
                       f"{_spec_file(model)}, {_spec_file(baseline)}")
    missing = [m for m in (model, baseline) if math.isnan(t[m])]
    if missing:
        return _row(model, NOT_MEASURABLE, f"not measurable: {_no_tokens(missing)}; {extra}", **args)
    fr, tr = f[model] / f[baseline], t[model] / t[baseline]
    kind = HOLDS if fr < 1 and tr < 1 else OFF
    return _row(model, kind, f"{kind}: {fr:.2f}x {baseline}'s training FLOPs and {tr:.2f}x its tokens; {extra}",
                **args)


def binarized_saving_claim(claim_model: str, baseline: str, factor: float, counts: pd.DataFrame,
                           prompt_tokens: int, paper_seq_len: int | None = None) -> dict:
    """"``factor`` x FLOPs saving" of a binarised model over ``baseline``: we count the full-precision
    baseline but not 1-bit operations (how the paper weighs a bitwise op against a FLOP is its own
    convention), so the verdict is not measurable with the baseline's count and the implied figure."""
    macs = _num(counts, baseline, "macs")
    seq = f"{paper_seq_len} tokens" if paper_seq_len else "not given in the abstract"
    ours = (f"{baseline} at {prompt_tokens} tokens: {macs / 1e9:.4g} GMACs = {2 * macs / 1e9:.4g} GFLOPs; "
            f"/ {factor:g} = {macs / factor / 1e9:.3g} GMACs = {2 * macs / factor / 1e9:.3g} GFLOPs")
    if math.isnan(macs):
        return _row(claim_model, NOT_MEASURABLE, f"not measurable: {baseline} has no count row",
                    source="results count rows")
    return _row(claim_model, NOT_MEASURABLE,
                f"not measurable: we count {baseline}'s full-precision FLOPs but not {claim_model}'s 1-bit "
                f"operations (the paper's weight of a bitwise op is its own convention); the paper's sequence "
                f"length is {seq}, ours {prompt_tokens}", ours=ours,
                source=f"{baseline} count row (macs, flops: a {prompt_tokens}-token prefill)")


def attention_utilisation_claim(claim_model: str, peaks: pd.DataFrame, claimed_lo: float, claimed_hi: float,
                                paper_gpu: str) -> dict:
    """A kernel's "``claimed_lo``-``claimed_hi`` % of theoretical max FLOP/s on ``paper_gpu``" against our
    flash SDPA FLOP/s as a fraction of our MEASURED bf16 matmul peak: another GPU and another
    denominator (a measured peak is below the vendor's theoretical one), so not measurable, our
    fraction shown beside it. Not a convention mismatch: in claims.claim_verdict that kind means
    "the other FLOP convention agrees", and no FLOP convention is at issue here."""
    flash = peaks[peaks["what"] == "sdpa_flash"].dropna(subset=["fraction_of_matmul_peak"])
    peak = peaks.loc[peaks["what"] == "matmul_peak_bf16", "tflops"]
    if flash.empty or peak.empty:
        return _row(claim_model, NOT_MEASURABLE, "not measurable: data/gpu_peaks.parquet has no flash SDPA rows",
                    source="data/gpu_peaks.parquet")
    gpu = str(flash["gpu_name"].iloc[0]) if "gpu_name" in flash else "our GPU"
    fr = flash["fraction_of_matmul_peak"]
    lo, hi = flash.loc[fr.idxmin()], flash.loc[fr.idxmax()]

    def at(r) -> str:
        return f"head dim {int(r['head_dim'])}, {int(r['seq_len'])} tokens, {'causal' if r['causal'] else 'not causal'}"
    ours = (f"{100 * fr.min():.0f}-{100 * fr.max():.0f} % of the measured bf16 matmul peak "
            f"({float(peak.iloc[0]):.0f} TFLOP/s) on {gpu}: {flash['tflops'].min():.0f}-{flash['tflops'].max():.0f} "
            f"TFLOP/s, forward ({at(lo)} to {at(hi)})")
    return _row(claim_model, NOT_MEASURABLE,
                f"not measurable: the paper's {claimed_lo:g}-{claimed_hi:g} % is of {paper_gpu}'s theoretical "
                f"peak; ours is of the matmul peak we measured on {gpu} (another GPU, another denominator)",
                ours=ours, ratio=fr.max() / (claimed_lo / 100),
                ratio_of=f"our best fraction / the paper's {claimed_lo:g} %",
                source="data/gpu_peaks.parquet what=sdpa_flash (torch SDPA, flash backend; causal FLOPs halved) "
                       "and what=matmul_peak_bf16")


def vocabulary_claim(model: str, vocab_size: int | None, claimed_vocab: int, prediction: str) -> dict:
    """A predicted optimal vocabulary (``prediction``, a scaling-law result: not measurable) that also
    states the model's vocabulary; that stated fact is checked against the spec's ``vocab_size``."""
    if vocab_size is None:
        fact = f"{_spec_file(model)} has no vocab_size"
    else:
        agree = "matches" if abs(vocab_size - claimed_vocab) <= 0.05 * claimed_vocab else "differs from"
        fact = f"{_spec_file(model)} config vocab_size {vocab_size} {agree} the paper's {claimed_vocab // 1000}K"
    return _row(model, NOT_MEASURABLE,
                f"not measurable: {prediction} is a scaling-law prediction (it would need models trained at "
                f"several vocabulary sizes); the stated fact: {fact}",
                ours=f"vocab_size {vocab_size}" if vocab_size else "", source=f"{_spec_file(model)} config")


def unmeasurable_claim(claim_model: str, need: str, ours: str = "", source: str = "") -> dict:
    """A claim none of our numbers answers: ``need`` says what we would need."""
    return _row(claim_model, NOT_MEASURABLE, f"not measurable: {need}", ours=ours, source=source)


def match_claim(claims: pd.DataFrame, paper: str, model: str, unit: str | None = None,
                convention: str | None = None) -> int:
    """The index of the first claim of ``paper`` about ``model`` (and, if given, whose compute_unit
    contains ``unit`` and whose compute_convention is ``convention``); -1 if none."""
    m = claims[(claims["paper_title"].str.startswith(paper)) & (claims["model"] == model)]
    if unit is not None:
        m = m[m["compute_unit"].astype(str).str.contains(unit, regex=False)]
    if convention is not None:
        m = m[m["compute_convention"] == convention]
    return int(m.index[0]) if len(m) else -1


def _ids(claims: pd.DataFrame, i: int, col: str, default: str) -> str:
    """The first zoo id in claim ``i``'s ``col``, else ``default`` (the id the paper's text names)."""
    return ((model_ids(claims.at[i, col]) if i >= 0 else []) or [default])[0]


def _other_claims(claims: pd.DataFrame, counts: pd.DataFrame, vocab_of: Callable[[str], int | None]) -> list:
    """(claim row, check) of the claims no count of ours answers (KV Prediction, AdaMoE, MemoryFormer)
    and of the vocabulary claim, whose stated fact a spec answers."""
    mix = _ids(claims, match_claim(claims, "AdaMoE", "Mixtral-8x7B + AdaMoE", "expert"), "baseline_model",
               "hf/mixtral-8x7b")
    act, tot, macs = (_num(counts, mix, c) for c in ("params_active", "params", "macs"))
    vocab_model = _ids(claims, match_claim(claims, "Scaling Laws with Vocabulary", "Llama2-70B"), "zoo_model",
                       "hf/llama-2-70b")
    return [
        (match_claim(claims, "KV Prediction", "KV Prediction", "TTFT"), unmeasurable_claim(
            "KV Prediction", "the abstract names no model; we would need the base and auxiliary models' prompt-"
            "processing FLOPs and their HumanEval scores at equal TTFT FLOPs budgets")),
        (match_claim(claims, "KV Prediction", "KV Prediction", convention="latency"), unmeasurable_claim(
            "KV Prediction", "a TTFT speed-up on an Apple M2 Pro CPU with no figure in the abstract; we time H200 "
            "GPUs only, and no KV Prediction model is in the zoo")),
        (match_claim(claims, "Scaling Laws with Vocabulary", "Llama2-70B"), vocabulary_claim(
            vocab_model, vocab_of(vocab_model), 32000, "the 216K optimal vocabulary")),
        (match_claim(claims, "AdaMoE", "Mixtral-8x7B + AdaMoE", "expert"), unmeasurable_claim(
            "Mixtral-8x7B + AdaMoE", "the 14.5 % is AdaMoE's average expert load after fine-tuning (null experts "
            "per token); we would need its routing statistics on ARC-Challenge and its score; we count only the "
            "top-2 baseline", ours=f"{mix}: {act / 1e9:.3g}B of {tot / 1e9:.3g}B params active per token; "
            f"{macs / 1e12:.3g} TMACs per 512-token prefill (top-2 routing)", source=f"{mix} count row")),
        (match_claim(claims, "MemoryFormer", "MemoryFormer"), unmeasurable_claim(
            "MemoryFormer", "MemoryFormer is not in the zoo and the abstract gives no figure; we would need its "
            "hashed-lookup layers built and counted")),
    ]


def llm_claim_rows(claims: pd.DataFrame, results: pd.DataFrame, accuracy: pd.DataFrame, peaks: pd.DataFrame,
                   vocab_of: Callable[[str], int | None], prompt_tokens: int = PROMPT_TOKENS,
                   group: str = "average-base-olmo2-card") -> pd.DataFrame:
    """Every language-model claim of the seed papers with its check (:data:`COLUMNS`); ``claim_row``
    is the claims-table index it judges (-1 when the table has no such claim). Model ids come from
    the claims' ``zoo_model``/``baseline_model``; ``vocab_of(id)`` reads a spec's vocab_size."""
    counts = hf_counts(results)
    checks, olmo = [], []
    for name in ("OLMo 2 7B", "OLMo 2 13B"):
        i = match_claim(claims, "2 OLMo 2 Furious", name)
        if i >= 0:
            c = claims.loc[i]
            olmo.append(model_ids(c["zoo_model"])[0])
            checks.append((i, pareto_claim(olmo[-1], model_ids(c["baseline_model"]), counts, accuracy, group)))
    i = match_claim(claims, "2 OLMo 2 Furious", "")     # the abstract's "base models sit at the Pareto frontier"
    if i >= 0 and olmo:
        checks.append((i, frontier_claim(olmo, counts, accuracy, group)))
    i = match_claim(claims, "LLM360 K2", "K2 DIAMOND")
    if i >= 0:
        c = claims.loc[i]
        checks.append((i, fewer_compute_claim(model_ids(c["zoo_model"])[0], model_ids(c["baseline_model"])[0],
                                              counts, accuracy, not_in_zoo="LLaMA-65B (v1)")))
    i = match_claim(claims, "BiBERT", "BiBERT")
    if i >= 0:
        c = claims.loc[i]
        checks.append((i, binarized_saving_claim("BiBERT", model_ids(c["baseline_model"])[0],
                                                 float(c["compute_value"]), counts, prompt_tokens)))
    checks.append((match_claim(claims, "FlashAttention-2", "FlashAttention-2", "theoretical"),
                   attention_utilisation_claim("FlashAttention-2", peaks, 50, 73, "A100")))
    checks += _other_claims(claims, counts, vocab_of)
    rows = [{**r, "paper_title": claims.at[i, "paper_title"] if i >= 0 else "", "claim_row": i,
             "claim": claims.at[i, "quote"] if i >= 0 else ""} for i, r in checks]
    return pd.DataFrame(rows, columns=COLUMNS)


def with_llm_verdicts(verdicts: pd.DataFrame, llm: pd.DataFrame) -> pd.DataFrame:
    """``verdicts`` (:func:`efficiency.reference.claims.claim_verdicts`) with the claims that ``llm``
    judges taking its kind, verdict and our numbers (not its ratio: the verdicts' ratio is claimed /
    our MACs, ours here is of training FLOPs or FLOP/s, and the verdict says it)."""
    out = verdicts.copy()
    by_row = llm[llm["claim_row"] >= 0].set_index("claim_row")
    hit = out["claim_row"].isin(by_row.index)
    for col in ("kind", "verdict", "ours"):
        out.loc[hit, col] = out.loc[hit, "claim_row"].map(by_row[col]).values
    return out


def spec_vocab(model: str) -> int | None:
    """``model``'s vocab_size in its ``data/llm`` spec, None without a spec or the key."""
    try:
        v = load_spec(model).config.get("vocab_size")
    except LLMSpecError:
        return None
    return int(v) if v else None


def load_peaks(path=PEAKS) -> pd.DataFrame:
    """``data/gpu_peaks.parquet`` (the H200 matmul peak and flash SDPA runs); empty if absent."""
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError):
        return pd.DataFrame(columns=["what", "tflops", "fraction_of_matmul_peak"])
