"""Seed-paper claims against our measured MACs and the reference accuracy table (no torch import).

:func:`claimed_vs_measured` compares every claim that names a zoo architecture (``status ==
"mapped"`` and ``zoo_arch`` set), or a variant we built in the seed source (``status ==
"seed_checked"``, ``zoo_model`` its seed id), with the ``kind == "count"`` rows of the results
cache. A seed-checked claim's verdict is :mod:`efficiency.reference.seed_check`'s (5 %, with the
gap reasons of ``data/seed/<paper>.csv``).

Claimed compute is converted to MACs (multiply-accumulates, the package convention):

* ``macs_called_flops``: the number as written, scaled by its unit (M, G, ...);
* ``true_flops``: the number / 2;
* ``relative_to_baseline`` with ``relative_factor`` and ``baseline_arch``: ``relative_factor`` x our
  measured MACs of the baseline model; such points are marked ``derived = True``;
* anything else (latency, throughput, no figure): no claimed MACs (NaN).

Claimed accuracy is ``value`` for ``top1``/``top5`` claims; a ``top1_delta``/``top5_delta`` claim
becomes the paper's own stated baseline figure + delta (``baseline_value``, quoted in
``baseline_quote``), else, with a ``baseline_arch``, the baseline weights' reference accuracy + delta
(``accuracy_derived = True``; ``accuracy_basis`` names which: "= timm/resnet50.tv_in1k@224 76.16 - 0.76").

Which zoo model stands for a claim: the pinned ``zoo_model`` (``baseline_model``) if the results have
it, else the weights of that architecture at the size closest to 224; where accuracy is read, weights
more than a point apart are never chosen among silently (:mod:`efficiency.reference.claim_baseline`:
the original recipe, else ``baseline_ambiguous``). The same rule picks baseline models.

Flags (``;``-separated): ``macs_gt10pct_apart`` when claimed and measured MACs differ by more than 10 %;
``convention_mismatch`` when they do but the other convention (x2 or /2) would be within 10 %;
``accuracy_gt1pt_apart`` when claimed and reference accuracy differ by more than one point;
``no_measurement`` when the results have no count row for the architecture; ``baseline_ambiguous`` when
the weights standing for the claim's (or its baseline's) accuracy cannot be chosen.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd

from efficiency.reference.accuracy import lookup
from efficiency.reference.claim_baseline import Pick, delta_accuracy, pick, pick_model, stated_baseline
from efficiency.reference.papers import STATUSES
from efficiency.store.query import good_rows

MACS_TOLERANCE = 0.10      # relative
ACCURACY_TOLERANCE = 1.0   # percentage points

# a claim about a variant of the paper we built ourselves (source seed): ``zoo_model`` pins its seed
# id (``seed/<paper>.<variant>@<size>``); papers.STATUSES lists the statuses of timm/torchvision claims
SEED_CHECKED = "seed_checked"
CLAIM_STATUSES = (*STATUSES, SEED_CHECKED)

OUTPUT_COLUMNS = [
    "paper_title", "claim_model", "zoo_arch", "model", "dataset", "metric", "compute_convention", "claimed_compute",
    "compute_unit", "claimed_macs", "measured_macs", "macs_ratio", "derived", "baseline_model", "claimed_accuracy",
    "reference_accuracy", "accuracy_diff", "accuracy_derived", "flags", "quote", "status", "baseline_arch",
    "claim_row", "accuracy_basis"]

_SCALES = {"k": 1e3, "m": 1e6, "million": 1e6, "g": 1e9, "b": 1e9, "billion": 1e9, "t": 1e12}


def unit_scale(unit: str) -> float | None:
    """Multiplier of a compute unit as written: "M FLOPs" -> 1e6, "FLOP(G)" -> 1e9, "FLOPs" -> 1."""
    text = unit.strip()
    m = re.match(r"^(k|m|million|g|b|billion|t)\b", text, flags=re.IGNORECASE)
    if m:
        return _SCALES[m.group(1).lower()]
    m = re.search(r"\((k|m|g|t)\)", text, flags=re.IGNORECASE)
    if m:
        return _SCALES[m.group(1).lower()]
    if re.match(r"^(g|m|t)?flops?\b", text, flags=re.IGNORECASE):
        return 1e9 if text[:1] in "gG" else 1e6 if text[:1] in "mM" else 1e12 if text[:1] in "tT" else 1.0
    return None


def _reference(accuracy: pd.DataFrame, model: str, dataset: str, metric: str) -> float:
    value = lookup(accuracy, model, dataset, metric)
    return math.nan if value is None else value   # NaN propagates through the accuracy arithmetic


def _claimed_macs(row, counts_macs: dict[str, float], baseline_model: str) -> tuple[float, bool]:
    conv = row["compute_convention"]
    value = row["compute_value"]
    if conv in ("macs_called_flops", "true_flops") and not pd.isna(value):
        scale = unit_scale(row["compute_unit"])
        if scale is None:
            return math.nan, False
        macs = value * scale
        return (macs / 2 if conv == "true_flops" else macs), False
    if conv == "relative_to_baseline" and not pd.isna(row["relative_factor"]) and baseline_model:
        base = counts_macs.get(baseline_model, math.nan)
        return row["relative_factor"] * base, True
    return math.nan, False


_TIMM_NAME = re.compile(r"\(timm ([a-z0-9_]+)\)")
# relative compute units that speak of the whole model's inference compute, and how the written
# value becomes "claimed = factor x baseline"; units about part of a model (attention, backbone,
# activations), about training, ranges and "up to" figures are left out (no factor)
_PARTIAL = re.compile(r"train|fine-tun|test-time|MHSA|backbone|activation|segmenter|per query|more FLOPs|"
                      r"up to|\(\d[\d.]*-\d", re.IGNORECASE)
_FACTORS = (
    (re.compile(r"^% (inference )?(FLOPs? (reduced|reduction|removed|saved)|fewer FLOPs?)$", re.I),
     lambda v: 1 - v / 100),
    (re.compile(r"^x (fewer FLOPs?|FLOPs? (reduction|savings?))$", re.I), lambda v: 1 / v if v else math.nan),
    (re.compile(r"^% of ([\w-]+ )?FLOPs?$", re.I), lambda v: v / 100),
    (re.compile(r"^x ([\w-]+ )?FLOPs? \((same|similar|iso-FLOP)\)$", re.I), lambda v: v),
)


def relative_factor_of(claim: pd.Series) -> float:
    """``claimed compute = factor x baseline compute`` of a ``relative_to_baseline`` claim: the
    table's ``relative_factor`` where set, else read off the unit as written ("44 % FLOPs reduced"
    -> 0.56, "2.6 x FLOPs reduction" -> 1 / 2.6, "20 % of DeiT-B FLOPs" -> 0.2); NaN when the unit
    is about part of a model, about training, a range, or anything else."""
    if not pd.isna(claim["relative_factor"]):
        return float(claim["relative_factor"])
    value, unit = claim["compute_value"], str(claim["compute_unit"]).strip()
    if claim["compute_convention"] != "relative_to_baseline" or pd.isna(value) or _PARTIAL.search(unit):
        return math.nan
    for pattern, factor in _FACTORS:
        if pattern.match(unit):
            return float(factor(float(value)))
    return math.nan


def baseline_arch_of(claim: pd.Series) -> str:
    """The zoo architecture a claim is relative to: the table's ``baseline_arch``, else one the
    ``baseline`` text names as ``(timm <arch>)``; "" when neither."""
    if claim["baseline_arch"]:
        return str(claim["baseline_arch"])
    m = _TIMM_NAME.search(str(claim["baseline"]))
    return m.group(1) if m else ""


def claimed_vs_measured(claims: pd.DataFrame, results: pd.DataFrame,
                        accuracy: pd.DataFrame) -> pd.DataFrame:
    """One row per claim with a zoo architecture or a zoo baseline (:func:`baseline_arch_of`):
    claimed vs measured MACs and claimed vs reference accuracy; a claim about a model outside the
    zoo gets its compute and accuracy implied from the measured baseline (flag ``no_zoo_arch``).

    ``claims``: :func:`efficiency.reference.papers.load_claims`; ``results``: the results cache (columns model,
    arch, macs, kind; rows with a non-empty ``error`` are ignored); ``accuracy``:
    :func:`efficiency.reference.accuracy.load_reference_accuracy`. Columns: :data:`OUTPUT_COLUMNS`.
    """
    counts = results
    if "kind" in counts.columns:
        counts = counts[counts["kind"] == "count"]
    counts = good_rows(counts).drop_duplicates("model")
    counts_macs = dict(zip(counts["model"], counts["macs"].astype(float)))

    rows = []
    claims = claims.assign(baseline_arch=claims.apply(baseline_arch_of, axis=1),
                           relative_factor=claims.apply(relative_factor_of, axis=1))
    seeded = (claims["status"] == SEED_CHECKED) & (claims["zoo_model"] != "")
    compared = claims[((claims["status"] == "mapped") & (claims["zoo_arch"] != "")) | seeded
                      | (claims["baseline_arch"] != "")]
    for idx, c in compared.iterrows():
        metric = c["metric"]
        base_metric = metric[: -len("_delta")] if metric.endswith("_delta") else metric
        # accuracy is read in top1/top5 only: there weights of one architecture differ (claim_baseline)
        acc_args = (accuracy, c["dataset"], base_metric) if base_metric in ("top1", "top5") else ()
        # a seed variant has no timm architecture name: its pinned id is the only way to it
        own = pick(counts, c["zoo_arch"], c["zoo_model"], *acc_args) if c["zoo_arch"] or seeded[idx] else Pick("")
        # compute needs a count row only: any weights of the architecture have the same MACs
        model = own.model or (pick_model(counts, c["zoo_arch"], c["zoo_model"]) if c["zoo_arch"] else "")
        base = pick(counts, c["baseline_arch"], c["baseline_model"],
                    *(acc_args if metric.endswith("_delta") else ())) if c["baseline_arch"] else Pick("")
        base_model = base.model or (pick_model(counts, c["baseline_arch"]) if c["baseline_arch"] else "")
        measured = counts_macs.get(model, math.nan)
        claimed, derived = _claimed_macs(c, counts_macs, base_model)
        ratio = claimed / measured if measured and not math.isnan(measured) else math.nan

        claimed_acc, acc_derived, basis = math.nan, False, ""
        if metric in ("top1", "top5"):
            claimed_acc = c["value"]
        elif metric in ("top1_delta", "top5_delta") and (
                base.model or base.ambiguous or c["baseline_model"] or not math.isnan(stated_baseline(c))):
            # accuracy needs no count row: fall back to the pinned baseline id
            derived_acc = delta_accuracy(c, base if base.model or base.ambiguous else Pick(c["baseline_model"]),
                                         accuracy, base_metric)
            claimed_acc, basis = derived_acc.value, derived_acc.basis
            acc_derived = not math.isnan(claimed_acc)
        # reference accuracy: the picked model, else the pinned id (accuracy exists without a count)
        ref_model = "" if own.ambiguous else own.model or c["zoo_model"]
        reference = _reference(accuracy, ref_model, c["dataset"], base_metric) if acc_args and ref_model else math.nan
        diff = claimed_acc - reference

        flags = []
        if own.ambiguous or (base.ambiguous and not acc_derived):
            flags.append("baseline_ambiguous")
            basis = basis or own.ambiguous
        if not c["zoo_arch"] and not seeded[idx]:
            flags.append("no_zoo_arch")      # compared through its baseline only
        elif not model:
            flags.append("no_measurement")
        if not math.isnan(ratio) and abs(ratio - 1) > MACS_TOLERANCE:
            flags.append("macs_gt10pct_apart")
            # read under the other convention, the claim would be claimed/2 (MACs called FLOPs
            # that were really true FLOPs) or claimed*2 (true FLOPs that were really MACs)
            other = {"macs_called_flops": ratio / 2, "true_flops": ratio * 2}.get(c["compute_convention"], math.nan)
            if not derived and abs(other - 1) <= MACS_TOLERANCE:
                flags.append("convention_mismatch")
        if not math.isnan(diff) and abs(diff) > ACCURACY_TOLERANCE:
            flags.append("accuracy_gt1pt_apart")
        rows.append({
            "paper_title": c["paper_title"], "claim_model": c["model"], "zoo_arch": c["zoo_arch"],
            "model": model, "dataset": c["dataset"], "metric": metric,
            "compute_convention": c["compute_convention"], "claimed_compute": c["compute_value"],
            "compute_unit": c["compute_unit"], "claimed_macs": claimed, "measured_macs": measured,
            "macs_ratio": ratio, "derived": derived, "baseline_model": base_model,
            "claimed_accuracy": claimed_acc, "reference_accuracy": reference, "accuracy_diff": diff,
            "accuracy_derived": acc_derived, "flags": ";".join(flags), "quote": c["quote"],
            "status": c["status"], "baseline_arch": c["baseline_arch"], "claim_row": idx,
            "accuracy_basis": basis,
        })
    return pd.DataFrame(rows, columns=OUTPUT_COLUMNS)


# --------------------------------------------------------------------------- verdicts

HOLDS, CONVENTION, OFF, NOT_MEASURABLE = "holds", "convention mismatch", "off", "not measurable"
# off, and data/seed/<paper>.csv says why (seed_check): a finding, ranked below an unexplained one
EXPLAINED = "off, explained"
SEVERITY = {OFF: 0, EXPLAINED: 1, CONVENTION: 2, HOLDS: 3, NOT_MEASURABLE: 4}   # a paper's line shows its worst


@dataclass(frozen=True)
class Verdict:
    kind: str     # HOLDS | CONVENTION | OFF | NOT_MEASURABLE
    text: str     # the verdict in words ("off by +12 % (compute)", "not measurable: ...")


def _num(row, key) -> float:
    v = row.get(key, math.nan) if hasattr(row, "get") else math.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _unmeasured_reason(row) -> str:
    """Why a claim has no number of ours to stand beside it."""
    conv, status = row.get("compute_convention", ""), row.get("status", "")
    if status == "no_per_image_claim":
        return row.get("reason") or "no per-image accuracy or compute claim"
    if status == "no_zoo_arch" and row.get("reason"):
        # the table says why (a seed paper's model we have not built: "not implemented yet")
        return f"{row.get('model') or 'the model'}, {row['reason']}"
    if status == SEED_CHECKED and not row.get("measured_model"):
        return f"{row.get('zoo_model') or 'the seed variant'} has no count in the results cache"
    if conv in ("latency", "throughput"):
        hw = f" on {row['hardware']}" if row.get("hardware") else ""
        return f"a {conv} claim{hw}, not a count we can recompute"
    if status == "no_zoo_arch":
        if row.get("baseline_arch") and not math.isnan(_num(row, "claimed_macs")):
            return f"{row.get('model') or 'the model'} is not in the zoo (compute implied from our {row['baseline_arch']})"
        return f"{row.get('model') or 'the model'} is not in the zoo" + (
            f"; its baseline ({row['baseline']}) is not a zoo model" if row.get("baseline") else "")
    if not row.get("zoo_arch"):
        return "the claim names no single zoo architecture"
    if not row.get("measured_model"):
        return f"{row['zoo_arch']} has no count in the results cache"
    if conv in ("unknown", "none", "params_only"):
        return "no compute figure with a known convention" if conv != "none" else "no compute figure and no accuracy to compare"
    return "no compute figure or accuracy to compare"


def claim_verdict(row) -> Verdict:
    """The verdict on one claim: ``row`` is a claims-table row with, where the claim was compared,
    :func:`claimed_vs_measured`'s columns (``measured_model`` standing for its ``model``).

    Compute: claimed / measured MACs within :data:`MACS_TOLERANCE` holds; off but within it under
    the other FLOP convention is a convention mismatch; else off by the difference. Accuracy:
    within :data:`ACCURACY_TOLERANCE` points of the reference holds, else off. A claim with both
    takes the worse; one with neither is not measurable, and says why."""
    parts: list[Verdict] = []
    ratio, diff = _num(row, "macs_ratio"), _num(row, "accuracy_diff")
    if not math.isnan(ratio):
        if abs(ratio - 1) <= MACS_TOLERANCE:
            parts.append(Verdict(HOLDS, f"compute holds ({ratio:.2f}x ours)"))
        elif "convention_mismatch" in str(row.get("flags", "")):
            parts.append(Verdict(CONVENTION, f"convention mismatch: {ratio:.2f}x our MACs, the other FLOP convention agrees"))
        else:
            parts.append(Verdict(OFF, f"off by {100 * (ratio - 1):+.0f} % (compute)"))
    basis, ambiguous = str(row.get("accuracy_basis") or ""), "baseline_ambiguous" in str(row.get("flags", ""))
    if not math.isnan(diff):
        # a derived claimed accuracy names what it was derived from ("75.20 = paper's baseline 74.7 + 0.5")
        pts = f"{diff:+.1f} points" + (f"; claimed {_num(row, 'claimed_accuracy'):.2f} {basis}" if basis else "")
        parts.append(Verdict(HOLDS, f"accuracy holds ({pts})") if abs(diff) <= ACCURACY_TOLERANCE
                     else Verdict(OFF, f"off by {pts} (accuracy)"))
    if not parts:
        return Verdict(NOT_MEASURABLE, "not measurable: " + (basis if ambiguous else _unmeasured_reason(row)))
    if ambiguous:
        parts.append(Verdict(NOT_MEASURABLE, f"accuracy not measurable: {basis}"))
    worst = min(SEVERITY[v.kind] for v in parts)
    kind = next(v.kind for v in parts if SEVERITY[v.kind] == worst)
    return Verdict(kind, "; ".join(v.text for v in sorted(parts, key=lambda v: SEVERITY[v.kind])))


def claim_text(row) -> str:
    """The claim in a few words: model, accuracy and compute as the paper writes them."""
    bits = []
    if not math.isnan(_num(row, "value")) and row.get("metric"):
        delta = str(row["metric"]).endswith("_delta")
        bits.append(f"{row['value']:+g} points {row['metric'][:-6]}" if delta else f"{row['value']:g} {row['metric']}")
    if not math.isnan(_num(row, "compute_value")):
        bits.append(f"{row['compute_value']:g} {row['compute_unit']}".strip()
                    + (f" vs {row['baseline']}" if row.get("baseline") and row["compute_convention"] == "relative_to_baseline" else ""))
    return f"{row.get('model') or '(no model)'}: " + (", ".join(bits) if bits else "no number")


def ours_text(row) -> str:
    """Our number in both conventions: measured MACs (or, through a baseline, implied) and 2x."""
    measured, claimed = _num(row, "measured_macs"), _num(row, "claimed_macs")
    if not math.isnan(measured):
        return f"{measured / 1e9:.3g} GMACs = {2 * measured / 1e9:.3g} GFLOPs ({row['measured_model']})"
    if not math.isnan(claimed) and row.get("baseline_model_used"):
        return f"implied {claimed / 1e9:.3g} GMACs = {2 * claimed / 1e9:.3g} GFLOPs (from {row['baseline_model_used']})"
    return ""


def claim_verdicts(claims: pd.DataFrame, cvm: pd.DataFrame) -> pd.DataFrame:
    """Every claim with its verdict: paper_title, claim, ours, ratio, accuracy_diff, kind, verdict."""
    cmp = cvm.set_index("claim_row") if "claim_row" in cvm else pd.DataFrame()
    rows = []
    for idx, c in claims.iterrows():
        row = c.to_dict()
        if idx in cmp.index:
            m = cmp.loc[idx]
            row.update(measured_model=m["model"], baseline_model_used=m["baseline_model"],
                       baseline_arch=m["baseline_arch"], **{k: m[k] for k in (
                           "claimed_macs", "measured_macs", "macs_ratio", "accuracy_diff", "flags", "claimed_accuracy",
                           "accuracy_basis") if k in m})
        v = claim_verdict(row)
        rows.append({"paper_title": c["paper_title"], "claim": claim_text(row), "ours": ours_text(row),
                     "ratio": _num(row, "macs_ratio"), "accuracy_diff": _num(row, "accuracy_diff"),
                     "kind": v.kind, "verdict": v.text, "claim_row": idx})
    return pd.DataFrame(rows, columns=["paper_title", "claim", "ours", "ratio", "accuracy_diff", "kind", "verdict",
                                       "claim_row"])


def paper_verdicts(verdicts: pd.DataFrame) -> pd.DataFrame:
    """One line per paper (file order): its worst-verdict claim, and how many claims it has."""
    v = verdicts.assign(_sev=verdicts["kind"].map(SEVERITY), _order=range(len(verdicts)))
    head = v.sort_values(["_sev", "_order"], kind="stable").drop_duplicates("paper_title")
    head = head.sort_values("_order", kind="stable")
    n = verdicts.groupby("paper_title").size()
    return head.assign(claims=head["paper_title"].map(n).astype(int)).drop(columns=["_sev", "_order"]).reset_index(drop=True)
