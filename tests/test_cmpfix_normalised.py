"""UXCHECK6 #3 (CMPFIX): Compare's "Normalised" chart drew a quantity only one model had as that model's full
bar (1.0) and nothing for the other, so under "lower is better" the slower model read as the best; the
coverage line counted any machine ("2 of 2 have latency") while the latency column is one machine's, and the
hint under it asked to measure both models though one had its row on the page's machine.

Pure tests of efficiency.ui.compare_notes on a synthetic cache (test_ui_machine_choice's: two CPUs, ZEN3
measured net1-net4, ZEN4 net1-net3) and the page under AppTest on the shipped data with the audit's link."""
from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd

from conftest import run_app
from efficiency.ui import compare_notes as cn
from efficiency.ui.configs import config_of, coverage_text
from efficiency.ui.detail import latency_machine
from test_ui_machine_choice import CPU, MODELS, ZEN3, ZEN4, results

NET1, NET2, NET4 = MODELS[0], MODELS[1], MODELS[3]       # net4: measured on ZEN3 only
LABELS = {"gmacs": "GMACs", "lat_p50_ms": "latency p50 (ms)", "mem_mib": "peak memory (MiB)"}


# --------------------------------------------------------------------------- the normalised bars

def _table(lat: list, mem: list) -> pd.DataFrame:
    n = len(lat)
    return pd.DataFrame({"model": [f"m{i}" for i in range(n)], "gmacs": [4.0, 2.0, 1.0][:n],
                         "lat_p50_ms": lat, "mem_mib": mem})


def test_a_quantity_one_model_has_is_not_drawn_and_the_caption_says_why():
    t = _table([16.3, np.nan], [900.0, np.nan])         # the audit: fcos on the page's machine, fasterrcnn not
    bars = cn.normalised(t, list(LABELS), ["fcos", "frcnn"])
    assert bars.metrics == ("gmacs",)                    # the old page drew latency and memory at 1.0 for fcos
    assert bars.fractions == ((1.0,), (0.5,))
    assert dict(bars.left_out) == {"lat_p50_ms": ("fcos",), "mem_mib": ("fcos",)}
    text = cn.left_out_text(bars, LABELS)
    assert text.startswith("Not drawn: latency p50 (ms) and peak memory (MiB): only fcos has a value")
    assert "n/a" not in text                             # no gap among the drawn quantities


def test_a_missing_value_among_drawn_ones_is_na_at_zero_never_a_bar():
    t = _table([10.0, np.nan, 5.0], [np.nan, np.nan, np.nan])
    bars = cn.normalised(t, list(LABELS), ["a", "b", "c"])
    assert bars.metrics == ("gmacs", "lat_p50_ms") and bars.has_gaps
    assert [row[1] for row in bars.fractions] == [1.0, None, 0.5]
    assert dict(bars.left_out) == {"mem_mib": ()}
    assert "peak memory (MiB): none of these models has a value" in cn.left_out_text(bars, LABELS)
    fig = cn.normalised_figure(t, bars, LABELS, ["a", "b", "c"], ["#111111", "#222222", "#333333"])
    b = fig.data[1]
    assert list(b.y) == ["GMACs", "latency p50"] and list(b.x) == [0.5, 0.0] and list(b.text) == ["", "n/a"]
    assert "n/a (no value)" in b.hovertext[1] and b.textposition == "outside"
    assert [list(d.x) for d in (fig.data[0], fig.data[2])] == [[1.0, 1.0], [0.25, 0.5]]


def test_a_largest_of_zero_is_not_divided():
    bars = cn.normalised(_table([0.0, 0.0], [1.0, 2.0]), ["lat_p50_ms", "mem_mib"], ["a", "b"])
    assert bars.metrics == ("mem_mib",) and bars.left_out == (("lat_p50_ms", ("a", "b")),)


# --------------------------------------------------------------------------- coverage on the page's machine

def test_coverage_counts_on_the_pages_machine_and_names_the_other():
    res, state = results(), replace(CPU, hw_id=ZEN4[0])
    machine = latency_machine(res, state, [NET2, NET4])
    assert machine.hardware == ZEN4[0]
    cov = cn.machine_coverage(res, [NET2, NET4], state, machine.hardware)
    assert cov.here == (NET2,) and cov.nowhere == () and cov.total == 2
    assert cov.elsewhere == ((NET4, ("AMD EPYC, family 25 model 1",)),)     # short_names' words for ZEN3
    assert cov.machine == "AMD EPYC, family 25 model 17"
    assert cov.others == ((ZEN3[0], "AMD EPYC, family 25 model 1", 2),)
    # the coverage line only counts (FIX7A): the hint under it names the other machine, once
    line = coverage_text(config_of(state), len(cov.here), cov.total, cn.widest_on_one_machine(res, [NET2, NET4]),
                         "compared models", cov.machine)
    assert line == "1 of 2 compared models have latency for CPU, batch 1, fp32, eager on AMD EPYC, family 25 model 17."


def test_the_hint_measures_only_the_models_missing_on_the_pages_machine():
    res, state = results(), replace(CPU, hw_id=ZEN4[0])
    cov = cn.machine_coverage(res, [NET1, NET2, NET4], state, ZEN4[0])
    hint = cn.missing_hint(cov, state, "AMD EPYC, family 25 model 1")
    assert hint.startswith("timm/net4.a1\\_in1k@224 is measured in CPU, batch 1, fp32, eager only on AMD EPYC, family 25 "
                           "model 1, not mixed in: the button below shows its latency there. Measure it with")
    assert f"--models '{NET4}'" in hint and "net1" not in hint and "net2" not in hint
    assert cn.missing_hint(cn.machine_coverage(res, [NET1, NET2], state, ZEN4[0]), state) == ""
    # a model no machine measured in the configuration: said so, and measured
    no_net2 = res[(res["model"] != NET2) | (res["kind"] == "count")]
    cov = cn.machine_coverage(no_net2, [NET1, NET2], state, ZEN4[0])
    assert cov.nowhere == (NET2,) and cov.others == ()
    assert "has no latency in CPU, batch 1, fp32, eager on any machine" in cn.missing_hint(cov, state)


def test_widest_counts_one_machine_not_every_machine():
    res = results()
    # net4 on ZEN3 only, net3 on ZEN4 only, in the CPU configuration; both on ZEN3 at batch 8
    cpu = res[~((res["model"] == MODELS[2]) & (res["hardware"] == ZEN3[0]))]
    b8 = cpu[(cpu["hardware"] == ZEN3[0]) & cpu["model"].isin(MODELS[2:])].assign(batch_size=8)
    both = pd.concat([cpu, b8, b8.assign(model=MODELS[2])], ignore_index=True)
    best = cn.widest_on_one_machine(both, MODELS[2:])
    assert best is not None and (best[0].batch, best[1]) == (8, 2)
    assert cn.widest_on_one_machine(cpu, MODELS[2:])[1] == 1      # counted over both machines it was 2


# --------------------------------------------------------------------------- the page, the audit's link

FCOS, FRCNN = "torchvision/fcos_resnet50_fpn.COCO_V1", "torchvision/fasterrcnn_resnet50_fpn_v2.COCO_V1"


def test_the_audits_link_draws_no_one_model_bar_and_counts_on_the_pages_machine(shipped_env):
    at = run_app({"task": "detection", "sel": f"{FCOS},{FRCNN}", "mode": "eager"}, "compare", timeout=180)
    bars = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                if json.loads(c.proto.spec)["data"][0]["type"] == "bar")
    drawn = bars["data"][0]["y"]
    assert "latency p50" not in drawn and "samples/s" not in drawn and "GMACs" in drawn
    for trace in bars["data"]:                # every drawn quantity: both models have a value
        assert all(x > 0 for x in trace["x"]) and not any(trace.get("text") or []), trace["name"]
    captions = "\n".join(str(c.value) for c in at.caption)
    assert "Not drawn: latency p50 (ms), samples/s, peak memory (MiB), latency p90 (ms) and energy" in captions
    # the page reads the explorer's automatic machine, the H100 (6 plotted detectors to the H200's 5): FIX7A
    assert "only fasterrcnn\\_resnet50\\_fpn\\_v2 has a value" in captions
    assert "1 of 2 compared models have latency for CUDA, batch 1, bf16, eager on NVIDIA H100 80GB HBM3.\n" in captions
    hint = next(str(i.value) for i in at.info if "only on NVIDIA H200" in str(i.value))
    assert f"--models '{FCOS}'" in hint and "fasterrcnn" not in hint
    assert "only on NVIDIA H200, not mixed in: the button below shows its latency there" in hint
    switch = next(b for b in at.button if b.key == "cmp_machine")
    assert switch.label == "Show latency from NVIDIA H200 (1 of 2 models)"
    switch.click().run()                         # the button reads H200's latency: fcos now, fasterrcnn not
    assert not at.exception
    captions = "\n".join(str(c.value) for c in at.caption)
    assert "Latency from the chosen machine, NVIDIA H200" in captions and "on NVIDIA H200" in captions
