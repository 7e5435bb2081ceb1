"""One H100 view of the shipped classification data counts the same population everywhere (AUDIT8 F2, F3).

On data/results.parquet at CUDA b1 bf16 cuda_graph with the H100 chosen, the sidebar offered "Widest coverage:
CUDA, batch 1, bf16, eager (981 models)" (the H200's count; the click showed 228 on the H100), and the notes said
958, 971 and 972 models were "measured only on the H200" and 476 had no latency "on any machine" (475 on the H200
view): the caption counted hidden timm test networks, the machine note every model of the task, and the "any
machine" note torchvision/vgg16.IMAGENET1K_FEATURES, which has no top-1 (torchvision publishes none for the
feature-extractor weights) yet an H200 row.

The expected figures are recomputed from the cache with plain pandas here, not copied from the page."""
from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pytest

from efficiency.ui import configs
from efficiency.ui import data as D
from efficiency.ui.explorer import build_view
from efficiency.ui.plottable import is_test_network
from efficiency.ui.state import DEFAULT
from efficiency.ui.view_machine import machine_names, widest_on

ROOT = Path(__file__).resolve().parents[1]
H100 = "gpu/NVIDIA H100 80GB HBM3/79GiB/700W"
H200 = "gpu/NVIDIA H200/140GiB/700W"
VGG_FEATURES = "torchvision/vgg16.IMAGENET1K_FEATURES"
GRAPH = replace(DEFAULT, task="classification", x="latency_p50", device="cuda", batch=1, dtype="bf16",
                mode="cuda_graph")


@lru_cache(maxsize=1)
def _tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    res = D.read_results(ROOT / "data" / "results.parquet").df
    return res, D.read_accuracy(ROOT / "data" / "accuracy.parquet", res).df


@lru_cache(maxsize=4)
def _view(hw: str, mode: str = "cuda_graph"):
    res, acc = _tables()
    return build_view(res, acc, replace(GRAPH, hw_id=hw, mode=mode))


def _good_latency(res: pd.DataFrame) -> pd.DataFrame:
    ok = res[(res["kind"] == "latency") & (res["error"].fillna("").astype(str) == "")
             & (res["task"] == "classification") & (res["device"] == "cuda") & (res["dtype"] == "bf16")]
    return ok.assign(batch=pd.to_numeric(ok["batch_size"], errors="coerce"))


def _plottable() -> set[str]:
    """Classification models with a published top-1, timm's test networks left out (the sidebar's 1,657)."""
    res, acc = _tables()
    top1 = set(acc.loc[(acc["dataset"] == "imagenet-1k") & (acc["metric"] == "top1") & acc["value"].notna(), "model"])
    task = res[(res["task"] == "classification")].drop_duplicates("model")
    task = task[~is_test_network(task)]
    return set(task["model"]) & top1


def _on(hw: str, mode: str, batch: int = 1) -> set[str]:
    rows = _good_latency(_tables()[0])
    rows = rows[(rows["hardware"] == hw) & (rows["mode"] == mode) & (rows["batch"] == batch)]
    return set(rows["model"]) & _plottable()


def _numbers(pattern: str, text: str) -> list[int]:
    return [int(n.replace(",", "")) for n in re.findall(pattern, text)]


def test_widest_on_the_chosen_h100_is_what_the_switch_shows():
    v = _view(H100)
    cfg, n, name = v.widest
    on_h100 = max(len(_on(H100, m, b)) for m in ("eager", "cuda_graph") for b in (1, 256))
    assert n == on_h100 == len(_on(H100, cfg.mode, cfg.batch))     # 228, never the H200's 981
    assert name.startswith("NVIDIA H100")
    clicked = _view(H100, cfg.mode)                                  # the button keeps the chosen machine
    assert clicked.state.hw_id == H100 and clicked.lat_have == n


def test_widest_without_a_choice_names_the_machine_it_counts():
    res, _ = _tables()
    population = _plottable()
    cfg, n, name = widest_on(res, "classification", population, None)
    assert n == max(len(_on(hw, m, b)) for hw in (H100, H200) for m in ("eager", "cuda_graph") for b in (1, 256))
    assert name == machine_names(res, "cuda")[H200]
    text = configs.coverage_text(configs.config_of(GRAPH), 224, len(population), (cfg, n, name))
    assert f"Widest coverage: {cfg.text} ({n:,} models on {name}" in text


def test_every_note_of_the_h100_view_counts_the_same_models_measured_only_on_the_h200():
    v = _view(H100)
    only_h200 = len(_on(H200, "cuda_graph") - _on(H100, "cuda_graph"))
    assert len(v.lat_elsewhere) == len(v.elsewhere) == only_h200          # sidebar coverage / the View
    assert _numbers(r"not drawn: ([\d,]+) measured on NVIDIA H200", v.caption) == [only_h200]
    mixed = [t for _, t in v.notes if "only on another" in t]
    assert len(mixed) == 1 and _numbers(r"; ([\d,]+) models measured in this configuration only on", mixed[0]) \
        == [only_h200]


def test_no_latency_on_any_machine_is_the_same_count_on_both_machines():
    measured = _on(H100, "cuda_graph") | _on(H200, "cuda_graph")
    expected = len(_plottable() - measured)
    for hw in (H100, H200):
        notes = [t for _, t in _view(hw).notes if "on any machine" in t]
        assert len(notes) == 1 and _numbers(r"^([\d,]+) models have no latency", notes[0]) == [expected], hw
        assert VGG_FEATURES not in notes[0]      # no top-1: never listed in the command as unmeasured


def test_vgg16_features_has_no_top1_and_an_h200_row():
    res, acc = _tables()
    assert VGG_FEATURES not in _plottable()
    rows = _good_latency(res)
    assert ((rows["model"] == VGG_FEATURES) & (rows["hardware"] == H200) & (rows["mode"] == "cuda_graph")).any()
    v = _view(H100)
    assert VGG_FEATURES not in v.elsewhere and VGG_FEATURES not in set(v.points["model"])


@pytest.mark.parametrize("hw", [H100, H200])
def test_the_notes_account_for_every_plottable_model(hw):
    v = _view(hw)
    none = [t for _, t in v.notes if "on any machine" in t]
    nowhere = _numbers(r"^([\d,]+) models have no latency", none[0])[0] if none else 0
    assert v.lat_have + len(v.lat_elsewhere) + nowhere == v.lat_total == len(_plottable())


def test_the_sidebar_counts_the_widest_on_the_chosen_machine_too():
    from efficiency.ui.hw_sidebar import _on_machine      # the sidebar's own path (cached; plain call here)
    res, _ = _tables()
    population = frozenset(_plottable())
    cfg = configs.config_of(GRAPH)
    name, have, where, best = _on_machine(("mach8",), ("plottable",), "classification", cfg, H100, (), population,
                                          frozenset(), res)
    assert name.startswith("NVIDIA H100") and have == len(_on(H100, "cuda_graph"))
    assert best[1] == len(_on(H100, best[0].mode, best[0].batch)) and best[2] == name
    auto = _on_machine(("mach8",), ("plottable",), "classification", cfg, "", (), population, frozenset(), res)[3]
    assert auto[1] == len(_on(H200, auto[0].mode, auto[0].batch)) and auto[2].startswith("NVIDIA H200")


def test_a_batch1_eager_target_says_it_does_not_compare_gpus():
    eager, graph = configs.HwConfig("cuda", "bf16", "eager", 1), configs.HwConfig("cuda", "bf16", "cuda_graph", 1)
    assert "host CPU launching kernels" in configs.coverage_text(graph, 224, 1657, (eager, 228, "NVIDIA H100"))
    assert "host CPU" not in configs.coverage_text(eager, 228, 1657, (graph, 972, "NVIDIA H200"))


def test_the_energy_note_counts_the_models_the_chart_can_draw():
    res, acc = _tables()
    v = build_view(res, acc, replace(GRAPH, x="energy_sample"))        # automatic: the H200
    note = next(t for _, t in v.notes if "have an energy figure" in t)
    found = re.match(r"([\d,]+) of ([\d,]+) models with latency", note)
    have, total = (int(n.replace(",", "")) for n in found.groups())
    assert have == len(v.points) and total == v.lat_have                 # 137 of 985 counted hidden test networks
