"""The automatic machine is the one that measured the most of the view's plottable models, and every
text of a view counts on that machine (UXCHECK6 #1, #2), on a small synthetic cache shaped like the
shipped detection split: four classification models measured on the H200 only, three detectors on the
H100, one detector on the H200 and one detector on no machine, all in CUDA b1 bf16 eager.

Counted over every row of the configuration the H200 wins (5 models to 3) and the chart drew one
detector; the note under it, counted over the detectors, named the H100."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from efficiency.store import cache
from efficiency.ui import configs
from efficiency.ui.budget import answer_lines, budget_answer
from efficiency.ui.explorer import build_view
from efficiency.ui.state import DEFAULT
from efficiency.ui.tables import config_rows
from efficiency.ui.view_machine import auto_machine, elsewhere
from efficiency.ui.view_notes import budget_gap_text

H100 = ("gpu/NVIDIA H100 80GB HBM3/79GiB/700W", "NVIDIA H100 80GB HBM3, 79 GiB, 700 W limit")
H200 = ("gpu/NVIDIA H200/140GiB/700W", "NVIDIA H200, 140 GiB, 700 W limit")
CLS = [f"timm/cls{i}.a1_in1k@224" for i in range(1, 5)]
DET = [f"torchvision/det{i}.COCO_V1" for i in range(1, 6)]
# detector -> (machine, p50 ms, box mAP): det4, the most accurate, only on the H200; det5 on no machine
DETECTORS = {DET[0]: (H100, 10.0, 30.0), DET[1]: (H100, 20.0, 35.0), DET[2]: (H100, 40.0, 40.0),
             DET[3]: (H200, 15.0, 45.0), DET[4]: (None, None, 42.0)}
LAT = replace(DEFAULT, task="detection", y_dataset="coco-val2017", y_metric="box_map", x="latency_p50",
              device="cuda", dtype="bf16", mode="eager", batch=1)


def _row(model: str, task: str, kind: str, machine=None, p50=None, i: int = 1) -> dict:
    source, rest = model.split("/")
    arch = rest.split(".")[0]
    machine = machine or ("any", "any machine (counts do not depend on it)")
    return {"model": model, "source": source, "arch": arch, "weights": rest.split(".")[1], "family": arch,
            "task": task, "input_size": "3x224x224", "kind": kind, "batch_size": 1,
            "device": "cuda" if kind == "latency" else "cpu", "dtype": "bf16" if kind == "latency" else "fp32",
            "mode": "eager" if kind == "latency" else "count", "channels_last": False, "hardware": machine[0],
            "hardware_name": machine[1], "device_name": machine[1].split(",")[0], "latency_ms_p50": p50,
            "latency_ms_p90": p50, "throughput": None if p50 is None else 1e3 / p50, "error": "", "noisy": False,
            "n_samples": 50, "macs": int(i * 1e9), "flops": int(2 * i * 1e9), "params": 1_000_000,
            "measured_at": "2026-12-02T10:00:00+00:00", "torch_version": "2.11.0"}


def results() -> pd.DataFrame:
    rows = [_row(m, "classification", "count", i=i) for i, m in enumerate(CLS, 1)]
    rows += [_row(m, "classification", "latency", H200, 1.0 + i) for i, m in enumerate(CLS)]
    rows += [_row(m, "detection", "count", i=10 + i) for i, m in enumerate(DET)]
    rows += [_row(m, "detection", "latency", hw, p50) for m, (hw, p50, _) in DETECTORS.items() if hw]
    return cache.normalise(pd.DataFrame(rows))


def accuracy() -> pd.DataFrame:
    base = {"higher_is_better": True, "img_size": 224, "crop_pct": 0.875, "interpolation": "bicubic",
            "source": "test", "param_count_m": 1.0}
    cls = pd.DataFrame({"model": CLS, "dataset": "imagenet-1k", "metric": "top1", "value": 70.0, **base})
    det = pd.DataFrame({"model": DET, "dataset": "coco-val2017", "metric": "box_map",
                        "value": [a for _, _, a in DETECTORS.values()], **base})
    return pd.concat([cls, det], ignore_index=True)


def _texts(view) -> str:
    return "\n".join(text for _, text in view.notes)


def test_the_automatic_machine_counts_the_views_plottable_models_not_the_whole_configuration():
    rows = config_rows(results(), "cuda", 1, "bf16", "eager")
    assert auto_machine(rows, DET[:4]) == H100[0]               # 3 detectors to 1, though the H200 has 5 rows
    assert auto_machine(rows, CLS) == H200[0]
    assert auto_machine(rows, [DET[0], DET[3]]) == H100[0]       # a tie: the first identity by name, as before
    assert auto_machine(rows, [DET[4]]) == H200[0]               # none measured: the configuration's machine
    assert auto_machine(rows.iloc[0:0], DET) is None
    assert elsewhere(rows, H100[0], DET, {H200[0]: "NVIDIA H200"}) == {DET[3]: "NVIDIA H200"}


def test_the_chart_and_the_note_under_it_name_the_same_machine():
    v = build_view(results(), accuracy(), LAT)
    assert dict(zip(v.points["model"], v.points["x"])) == {DET[0]: 10.0, DET[1]: 20.0, DET[2]: 40.0}
    assert v.device_name.startswith("NVIDIA H100")
    assert f"Latency is from one machine, {H100[1]}; 1 model measured in this configuration only on another " \
           f"({H200[1]})" in _texts(v)
    assert "pick that machine under Machine in the sidebar" in _texts(v)
    assert "not drawn: 1 measured on NVIDIA H200 only" in v.caption          # the exported figure says it too


def test_no_latency_texts_tell_other_machine_rows_from_unmeasured_ones():
    v = build_view(results(), accuracy(), LAT)
    text = _texts(v)
    # det5 alone needs measuring; det4 has its row on the H200
    assert "1 model has no latency for CUDA, batch 1, bf16, eager on any machine" in text
    unmeasured = next(t for _, t in v.notes if "on any machine" in t)
    assert "'torchvision/det5.COCO_V1'" in unmeasured and "det4" not in unmeasured      # the command: det5 only
    top = next(t for level, t in v.notes if level == "warning" and "front's top is incomplete" in t)
    assert "2 models beat the best one measured here (40) but have no value for CUDA, batch 1, bf16, eager on " \
           "NVIDIA H100 80GB HBM3" in top
    assert "Of them, 1 measured on NVIDIA H200 in this configuration: pick it under Machine in the " \
           "sidebar." in top
    assert (v.lat_have, v.lat_total, v.lat_elsewhere) == (3, 5, {DET[3]: "NVIDIA H200"})
    line = configs.coverage_text(configs.config_of(LAT), v.lat_have, v.lat_total, v.widest, "models", v.device_name)
    assert line.startswith("3 of 5 models have latency for CUDA, batch 1, bf16, eager on NVIDIA H100 80GB HBM3.")


def test_a_gmacs_view_says_whose_latency_is_blank_and_the_budget_names_the_other_machine():
    v = build_view(results(), accuracy(), replace(LAT, x="gmacs"))
    assert len(v.points) == 5 and v.points.set_index("model")["lat_p50_ms"].isna()[[DET[3], DET[4]]].all()
    assert "1 model measured in this configuration only on another" in _texts(v)   # no note here before
    lines = answer_lines(budget_answer(v, 100.0), "NVIDIA H100, batch 1, bf16, eager", "COCO val2017 box mAP")
    assert lines[0].startswith("Best COCO val2017 box mAP within 100 ms: **torchvision/det3.COCO_V1**")
    assert ("2 of 5 models have no latency on NVIDIA H100, batch 1, bf16, eager: not ranked. Of them, 1 measured "
            "on NVIDIA H200 in this configuration: pick it under Machine in the sidebar to rank those.") in lines


def test_the_budget_gap_sends_other_machine_rows_to_the_machine_choice_and_measures_only_the_rest():
    # the H200 chosen, the filters keeping det1-3 (H100 rows) and det5 (none): no plotted model has latency
    v = build_view(results(), accuracy(), replace(LAT, x="gmacs", hw_id=H200[0], search="*det[1235]*"))
    assert len(v.points) == 4 and v.points["lat_p50_ms"].isna().all()
    gap = budget_gap_text(v, "NVIDIA H200, batch 1, bf16, eager")
    assert gap.startswith("None of the plotted models has latency on NVIDIA H200, batch 1, bf16, eager. Of them, 3 "
                          "measured on NVIDIA H100 80GB HBM3 in this configuration: pick it under Machine")
    assert "1 has none on any machine. Measure them" in gap
    assert "det5" in gap and "det1" not in gap.split("any machine")[1]             # the command: det5 only


def test_machine_coverage_counts_each_configuration_on_its_best_machine():
    res = results()
    assert configs.available(configs.coverage(res, "detection"))[configs.config_of(LAT)] == 4    # any machine
    assert configs.machine_coverage(res, "detection")[configs.config_of(LAT)] == 3               # one machine
    assert configs.machine_coverage(res, "detection", [DET[3]])[configs.config_of(LAT)] == 1
    assert configs.machine_coverage(res.iloc[0:0], "detection") == {}
