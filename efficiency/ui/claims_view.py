"""Seed-paper claims as the dashboard shows them (no torch, no Streamlit): on the Pareto figure's
axes, and beside one model. The comparison itself is :mod:`efficiency.reference.claims`."""
from __future__ import annotations

import textwrap

import pandas as pd

from efficiency.ui.numbers import fmt
from efficiency.ui.state import ViewState

# the columns of claims_overlay's frame (what the figure's claim markers read)
OVERLAY_COLUMNS = ["x", "y", "label", "paper", "quote", "claimed_compute", "compute_unit", "compute_convention",
                   "model", "measured_x", "derived", "accuracy_derived", "flags", "accuracy_basis"]
# the cost axes a claim can sit on: papers report compute, not our hardware
CLAIM_AXES = {"gmacs": 1e9, "gflops": 0.5e9}     # axis -> MACs per axis unit


def claims_overlay(cvm: pd.DataFrame | None, state: ViewState) -> pd.DataFrame:
    """Paper claims at their convention-corrected position on the view's axes.

    ``cvm`` is :func:`efficiency.reference.claims.claimed_vs_measured` output: ``claimed_macs`` already
    applies the paper's convention (MACs called FLOPs, true FLOPs = 2 x MACs, or a factor of
    a measured baseline). Only compute axes (GMACs, GFLOPs) can show claims; a ``*_delta``
    accuracy claim appears on its base metric with the baseline's accuracy added, ``accuracy_basis``
    saying which baseline ("= timm/resnet50.tv_in1k@224 76.16 - 0.76", "= paper's baseline 74.7 + 0.5").
    """
    if cvm is None or cvm.empty or state.x not in CLAIM_AXES:
        return pd.DataFrame(columns=OVERLAY_COLUMNS)
    base_metric = cvm["metric"].astype(str).str.replace(r"_delta$", "", regex=True)
    sub = cvm[(cvm["dataset"].astype(str) == state.y_dataset) & (base_metric == state.y_metric)]
    macs = pd.to_numeric(sub["claimed_macs"], errors="coerce").astype(float)
    acc = pd.to_numeric(sub["claimed_accuracy"], errors="coerce").astype(float)
    ok = macs.notna() & acc.notna() & (macs > 0)
    sub, macs, acc = sub[ok], macs[ok], acc[ok]
    scale = CLAIM_AXES[state.x]
    measured = pd.to_numeric(sub["measured_macs"], errors="coerce").astype(float) / scale
    return pd.DataFrame({
        "x": macs / scale, "y": acc, "label": sub["claim_model"].astype(str), "paper": sub["paper_title"].astype(str),
        "quote": sub["quote"].fillna("").astype(str), "claimed_compute": sub["claimed_compute"],
        "compute_unit": sub["compute_unit"].astype(str), "compute_convention": sub["compute_convention"].astype(str),
        "model": sub["model"].astype(str), "measured_x": measured, "derived": sub["derived"],
        "accuracy_derived": sub["accuracy_derived"], "flags": sub["flags"].fillna("").astype(str),
        # older claimed_vs_measured frames (a cached session) lack the column: no basis to name
        "accuracy_basis": sub.get("accuracy_basis", pd.Series("", index=sub.index)).fillna("").astype(str),
    }, columns=OVERLAY_COLUMNS).reset_index(drop=True)


def claim_hover(c, y_label: str, unit: str) -> str:
    """The hover card of one overlay row ``c`` (an itertuples row of :func:`claims_overlay`): what
    the paper claims and where it is plotted. A claimed accuracy derived from a delta names its
    baseline and that baseline's figure, so it does not read as the paper's own number."""
    derived = getattr(c, "accuracy_derived", False) is True
    basis = str(getattr(c, "accuracy_basis", "") or "")
    acc = f"{c.y:.2f} {basis}" if derived and basis else f"{c.y:.2f}" + (" (baseline + delta)" if derived else "")
    return (f"<b>{c.label}</b> (paper claim)<br>{textwrap.shorten(c.paper, 80)}<br>"
            f"claimed {y_label}: {acc}<br>"
            f"claimed compute: {c.claimed_compute} {c.compute_unit} ({c.compute_convention.replace('_', ' ')})"
            f"<br>-> plotted at {c.x:.3g} {unit}; measured {c.model or 'n/a'}: {fmt(c.measured_x, '.3g', unit)}"
            + (f"<br>flags: {c.flags}" if c.flags else "") + "<br>"
            + "<br>".join(textwrap.wrap('"' + c.quote + '"', 70)[:6]))


def claims_for_model(cvm: pd.DataFrame | None, model: str, arch: str) -> pd.DataFrame:
    """Rows of ``claimed_vs_measured`` output about ``model`` (or, failing that, its ``arch``)."""
    if cvm is None or cvm.empty:
        return pd.DataFrame(columns=[] if cvm is None else cvm.columns)
    hit = cvm[cvm["model"].astype(str) == model]
    return hit if len(hit) else cvm[cvm["zoo_arch"].astype(str) == arch]
