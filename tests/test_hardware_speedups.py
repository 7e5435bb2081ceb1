"""The Hardware page's speed-ups (UXCHECK5 #1): each ratio comes from one machine, named in its label; the
sidebar's machine where it measured both sides, else the machine that measured both for the most of the
models, ties to the machine Model detail reads (the most models in the sidebar's configuration), never the
first identity of a tie; "Not measured" only when no machine holds both sides.

Synthetic cache: four models. The H200 measured all four at b1 cuda_graph (the automatic machine) and net1
also eager and at b256; the H100 measured net1 at b1 (eager and cuda_graph) and at b256 eager only: with
net1 chosen the two GPUs tie, and the H100's identity sorts first."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from efficiency.store import cache
from efficiency.ui.detail import latency_machine
from efficiency.ui.hardware import hardware_table, machine_order, speedups
from efficiency.ui.state import DEFAULT
from test_ui_machine_choice import H200, MODELS, ZEN3, _row, accuracy
from conftest import run_app, use_tables

H100 = ("gpu/NVIDIA H100 80GB HBM3/79GiB/700W", "NVIDIA H100 80GB HBM3, 79 GiB, 700 W limit")
NET1 = MODELS[0]
GAIN = "GPU throughput gain, batch 256 vs 1"
# (machine, model, batch, mode) -> p50 ms
P50 = {(H200, NET1, 1, "cuda_graph"): 1.0, (H200, NET1, 1, "eager"): 5.0, (H200, NET1, 256, "cuda_graph"): 25.6,
       (H100, NET1, 1, "cuda_graph"): 1.1, (H100, NET1, 1, "eager"): 6.6, (H100, NET1, 256, "eager"): 28.0,
       **{(H200, m, 1, "cuda_graph"): 2.0 + i for i, m in enumerate(MODELS[1:])}}


def results(p50: dict = P50) -> pd.DataFrame:
    rows = [_row(m, "count") for m in MODELS] + [_row(NET1, "latency", ZEN3, "cpu", 100.0)]
    for (machine, model, batch, mode), p in p50.items():
        rows.append({**_row(model, "latency", machine, "cuda", p), "batch_size": batch, "mode": mode})
    return cache.normalise(pd.DataFrame(rows))


def _speedups(res: pd.DataFrame, state=DEFAULT, models=(NET1,)):
    hw = hardware_table(res)
    return speedups(hw[hw["model"].isin(models)], state, machine_order(hw, state))


def test_the_gain_batch_is_the_largest_measured_in_the_gpu_sides_mode():
    """All models shipped: 1024 held 7 models in eager only, and the cuda_graph gain read "Not measured"."""
    *_, (label, gain) = _speedups(results({**P50, (H200, NET1, 1024, "eager"): 80.0}))
    assert label.startswith(GAIN) and gain[NET1] == pytest.approx(10.0)
    *_, (label, gain) = _speedups(results({**P50, (H200, NET1, 1024, "eager"): 80.0}), replace(DEFAULT, mode="eager"))
    assert label.startswith("GPU throughput gain, batch 1024 vs 1") and gain[NET1] == pytest.approx(1024 * 5.0 / 80.0)


def test_a_tie_goes_to_the_machine_detail_reads_and_the_gain_to_the_gpu_that_measured_both_batches():
    res = results()
    assert latency_machine(res, DEFAULT, [NET1]).hardware == H200[0]       # what Model detail shows
    (l1, cpu_gpu), (l2, graph), (l3, gain) = _speedups(res)
    assert gain.to_dict() == {NET1: pytest.approx(256 * 1.0 / 25.6)}      # the H100 has no b256 cuda_graph row
    assert graph.to_dict() == {NET1: pytest.approx(5.0)} and cpu_gpu.to_dict() == {NET1: pytest.approx(100.0)}
    for label in (l1, l2, l3):                                            # each names its machine: the H200
        assert H200[1] in label and H100[1] not in label
    assert l1.endswith(f"({ZEN3[1]} / {H200[1]})") and l3.startswith(GAIN)


def test_the_chosen_machine_gives_the_ratios_it_measured_and_the_label_says_where_the_others_come_from():
    (l1, cpu_gpu), (l2, graph), (l3, gain) = _speedups(results(), replace(DEFAULT, hw_id=H100[0]))
    assert cpu_gpu[NET1] == pytest.approx(100.0 / 1.1) and graph[NET1] == pytest.approx(6.6 / 1.1)
    assert H100[1] in l1 and H100[1] in l2 and H200[1] not in l2
    assert gain[NET1] == pytest.approx(10.0)                              # from the H200, and said so
    assert l3.endswith(f"({H200[1]}; the chosen {H100[1]} did not measure both sides)")


def test_the_machine_with_both_sides_for_the_most_models_wins_and_two_machines_never_mix():
    p50 = {(H200, m, 1, "cuda_graph"): 1.0 for m in MODELS}               # the automatic machine ...
    p50[(H200, NET1, 1, "eager")] = 4.0                                    # ... has eager for one model
    p50.update({(H100, m, 1, "eager"): 3.0 for m in MODELS[:2]})
    p50.update({(H100, m, 1, "cuda_graph"): 1.5 for m in MODELS[:2]})      # the H100: both sides for two
    p50[(H100, MODELS[2], 1, "eager")] = 9.0                               # net3: eager on H100, graph on H200 only
    _, (label, graph), _ = _speedups(results(p50), models=MODELS)
    assert graph.to_dict() == {MODELS[0]: 2.0, MODELS[1]: 2.0} and H100[1] in label
    assert MODELS[2] not in graph                                          # never H100 eager / H200 graph


def test_not_measured_only_where_no_machine_has_both_sides(tmp_path, monkeypatch):
    p50 = {k: v for k, v in P50.items() if k != (H200, NET1, 256, "cuda_graph")}
    (_, graph), *_, (label, gain) = _speedups(results(p50))
    assert gain.empty and label.startswith(GAIN) and label.endswith("p50(b256)")      # no machine named
    assert len(graph) == 1                                                # the other ratios still stand
    use_tables(tmp_path, monkeypatch, results(p50), accuracy())
    at = run_app({"sel": NET1}, "hardware", timeout=120)
    assert [i.value for i in at.info if i.value.startswith("Not measured")] == [
        "Not measured for these models: no machine has both sides' rows."]


def test_hardware_page_shows_the_gain_measured_on_the_h200_for_one_chosen_model(tmp_path, monkeypatch):
    use_tables(tmp_path, monkeypatch, results(), accuracy())
    at = run_app({"sel": NET1}, "hardware", timeout=120)
    labels = [m.value for m in at.markdown if m.value.startswith("**") and "(" in m.value]
    gain = next(v for v in labels if v.startswith(f"**{GAIN}"))
    assert H200[1] in gain and not [i.value for i in at.info if i.value.startswith("Not measured")]
    ratios = [t.value for t in at.dataframe if "ratio (x)" in t.value.columns]
    assert [float(t["ratio (x)"].iloc[0]) for t in ratios] == [100.0, 5.0, 10.0]
    assert any("Each ratio is one machine's" in c.value for c in at.caption)


def test_shipped_resnet50_v2_gain_comes_from_the_machine_that_measured_both_batches(shipped_env):
    """The audit's case: the shipped cache's H200 holds resnet50.IMAGENET1K_V2 at b1 and b256 cuda_graph, the
    H100 at b1 only; the gain had read "Not measured" and the other ratios the H100's."""
    model = "torchvision/resnet50.IMAGENET1K_V2"
    res = pd.read_parquet("data/results.parquet")
    hw = hardware_table(res)
    rows = hw[(hw["model"] == model) & (hw["device"] == "cuda") & (hw["dtype"] == "bf16")
              & (hw["mode"] == "cuda_graph")]
    both = {h for h, g in rows.groupby("hardware") if {1, 256} <= set(g["batch_size"])}
    assert both, "the shipped cache lost this model's b1 and b256 cuda_graph rows on one GPU"
    *_, (label, gain) = speedups(hw[hw["model"] == model], DEFAULT, machine_order(hw, DEFAULT))
    machine = next(h for h in sorted(both) if hw.loc[hw["hardware"] == h, "hardware_name"].iloc[0] in label)
    mine = rows[rows["hardware"] == machine].set_index("batch_size")["lat_p50_ms"]
    assert gain[model] == pytest.approx(256 * mine[1] / mine[256])
    detail = latency_machine(res, DEFAULT, [model])           # the machine Model detail's headline reads
    mine = hw[(hw["model"] == model) & (hw["hardware"] == detail.hardware)]
    assert {(1, "eager"), (1, "cuda_graph"), (256, "cuda_graph")} <= set(zip(mine["batch_size"], mine["mode"])), \
        "the shipped cache no longer holds every side of this model's ratios on Detail's machine"
    at = run_app({"sel": model}, "hardware", timeout=180)
    shown = [m.value for m in at.markdown if m.value.startswith("**") and ("latency" in m.value or GAIN in m.value)]
    assert len(shown) == 3 and all(detail.name in v for v in shown), shown   # one machine, the one Detail reads
    assert not [i.value for i in at.info if i.value.startswith("Not measured")]
