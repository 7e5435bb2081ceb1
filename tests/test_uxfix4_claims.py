"""UXCHECK4 #2: the paper-claims overlay follows the view's filters (efficiency.ui.claims_view), so no
diamond sits outside the filtered range and the axes are not stretched to reach one."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from efficiency.ui import data as uidata
from efficiency.ui import figures as plot
from efficiency.ui.claims_view import OVERLAY_COLUMNS, claims_overlay
from efficiency.ui.explorer import build_view
from efficiency.ui.state import ViewState
from efficiency.ui.tables import count_table

FIX = Path(__file__).resolve().parent / "fixtures"
S = ViewState()       # GMACs x, ImageNet-1k top-1 y


def _claim(label: str, model: str, arch: str, gmacs: float, acc: float, flags: str = "") -> dict:
    return dict(claim_model=label, model=model, zoo_arch=arch, dataset="imagenet-1k", metric="top1",
                claimed_macs=gmacs * 1e9, claimed_accuracy=acc, measured_macs=gmacs * 1e9, paper_title="P",
                quote="q", claimed_compute=gmacs, compute_unit="GMACs", compute_convention="macs", derived=False,
                accuracy_derived=False, flags=flags, accuracy_basis="")


# a timm entry, a seed entry, a torchvision entry and a claim about an architecture no zoo holds
CVM = pd.DataFrame([
    _claim("TinyNet-E", "timm/tinynet_e.in1k@106", "tinynet_e", 0.024, 59.9),
    _claim("FBNet-B", "seed/fbnet.fbnet_b@3x224x224", "", 0.295, 74.1),
    _claim("ResNet-18 (paper)", "torchvision/resnet18.IMAGENET1K_V1", "resnet18", 1.8, 69.8),
    _claim("DeiT-S + MCTF", "", "", 2.6, 80.2, "no_zoo_arch"),
])
ZOO = pd.DataFrame({"model": ["timm/tinynet_e.in1k@106", "seed/fbnet.fbnet_b@3x224x224",
                              "torchvision/resnet18.IMAGENET1K_V1"],
                    "source": ["timm", "seed", "torchvision"], "family": ["tinynet", "fbnet", "resnet"]})


def _labels(**changes) -> set[str]:
    return set(claims_overlay(CVM, replace(S, **changes), ZOO)["label"])


def test_no_filter_keeps_every_claim_of_the_metric():
    out = claims_overlay(CVM, S, ZOO)
    assert list(out.columns) == OVERLAY_COLUMNS and len(out) == 4
    assert claims_overlay(CVM, replace(S, y_metric="top5"), ZOO).empty


@pytest.mark.parametrize("changes,kept", [
    (dict(cost_max=0.5), {"TinyNet-E", "FBNet-B"}),
    (dict(cost_min=1.0), {"ResNet-18 (paper)", "DeiT-S + MCTF"}),
    (dict(acc_min=70.0), {"FBNet-B", "DeiT-S + MCTF"}),
    (dict(acc_max=70.0), {"TinyNet-E", "ResNet-18 (paper)"}),
    (dict(cost_min=0.1, cost_max=2.0, acc_min=70.0), {"FBNet-B"}),
])
def test_numeric_filters_apply_to_the_plotted_position(changes, kept):
    assert _labels(**changes) == kept


def test_sources_follow_the_claims_zoo_model_and_a_claim_without_one_is_in_none():
    assert _labels(sources=("torchvision",)) == {"ResNet-18 (paper)"}
    assert _labels(sources=("timm", "torchvision")) == {"TinyNet-E", "ResNet-18 (paper)"}
    # a source filter without seed hides the seed entry's claim; with seed only, only it
    assert "FBNet-B" not in _labels(sources=("timm",)) and _labels(sources=("seed",)) == {"FBNet-B"}
    # without the count table the source is the id's prefix (efficiency.zoo.ids)
    assert set(claims_overlay(CVM, replace(S, sources=("seed",)))["label"]) == {"FBNet-B"}


def test_families_follow_the_claims_zoo_model():
    assert _labels(families=("resnet",)) == {"ResNet-18 (paper)"}
    assert _labels(families=("resnet", "fbnet")) == {"ResNet-18 (paper)", "FBNet-B"}
    # no count table: no family is known, a family filter hides every claim rather than guess
    assert claims_overlay(CVM, replace(S, families=("resnet",))).empty


@pytest.mark.parametrize("search,kept", [
    ("resnet*", {"ResNet-18 (paper)"}),           # the claim's name (a glob, case-insensitive)
    ("mctf", {"DeiT-S + MCTF"}),                  # a claim without a zoo model: its name only
    ("tinynet_e", {"TinyNet-E"}),                 # the zoo architecture
    ("fbnet.fbnet_b", {"FBNet-B"}),               # the zoo id
    ("convnext", set()),                          # matches no claim: none drawn
])
def test_the_name_filter_matches_the_claims_name_id_or_arch(search, kept):
    assert _labels(search=search) == kept


def test_seed_only_and_test_networks_keep_every_claim():
    assert len(_labels(seed_only=True)) == 4 and len(_labels(show_test=True)) == 4


def test_log_axes_drop_claims_at_or_below_zero():
    cvm = pd.concat([CVM, pd.DataFrame([_claim("Zero", "", "", 0.1, 0.0)])], ignore_index=True)
    assert "Zero" in set(claims_overlay(cvm, S, ZOO)["label"])
    assert "Zero" not in set(claims_overlay(cvm, replace(S, log_y=True), ZOO)["label"])


def test_a_cost_filter_no_longer_stretches_the_figure_to_the_claims():
    """UXCHECK4's state /?cmax=...: the x axis ran to the farthest claim, the points filling part of it."""
    res = uidata.read_results(FIX / "results.parquet").df
    acc = uidata.read_accuracy(FIX / "accuracy.parquet", res).df
    cvm = uidata.claimed_vs_measured(uidata.read_claims(FIX / "paper_claims.csv").df, res, acc)
    state = replace(S, cost_max=5.0)
    v = build_view(res, acc, state)
    claims = claims_overlay(cvm, state, count_table(res))
    assert len(claims_overlay(cvm, S, count_table(res))) > len(claims)      # the fixture has a claim beyond 5
    assert (claims["x"] <= 5.0).all()
    fig = plot.build_figure(v, claims)
    # the axis ends a margin past the last point (4.61 GMACs here; the claim at 17.55 took it to 22.8)
    assert v.points["x"].max() <= 5.0 < 10 ** fig.layout.xaxis.range[1] < 1.5 * 5.0
    drawn = [t for t in fig.data if t.meta == "claims"]
    assert drawn and max(drawn[0].x) <= 5.0
