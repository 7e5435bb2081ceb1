"""FIX7A: Model detail and Compare read latency from the explorer's automatic machine; Compare names the
other machine once; the sidebar's coverage caption asks for a Machine box only where one is drawn.

The shipped tables (data/) split detection's CUDA b1 bf16 eager latency: the R-CNNs on the H100 only, fcos,
RetinaNet and the SSDs on the H200 only. The explorer's automatic machine there is the H100 (6 plotted detectors
to the H200's 5). ``latency_machine`` counted every task's rows (1,174 classification models on the H200), so a
Compare of a Faster R-CNN and a RetinaNet read the H200 while the sidebar beside it and the explorer read the
H100."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from conftest import ROOT, run_app
from efficiency.ui.detail import LatencyMachine, latency_machine
from efficiency.ui.detail_notes import machine_statement
from efficiency.ui.explorer import build_view
from efficiency.ui.hardware import hardware_table, machine_order
from efficiency.ui.plottable import plottable_models
from efficiency.ui.state import DEFAULT
from efficiency.ui.tables import config_rows, count_table
from efficiency.ui.hw_sidebar import action
from efficiency.ui.view_machine import ELSEWHERE_ACTION, PICK, auto_machine, other_machine_hint

H100 = "gpu/NVIDIA H100 80GB HBM3/79GiB/700W"
H200 = "gpu/NVIDIA H200/140GiB/700W"
FRCNN, RETINA = "torchvision/fasterrcnn_resnet50_fpn.COCO_V1", "torchvision/retinanet_resnet50_fpn.COCO_V1"
DET = replace(DEFAULT, task="detection", mode="eager", y_dataset="coco-val2017", y_metric="box_map")


@pytest.fixture(scope="module")
def shipped():
    res = pd.read_parquet(ROOT / "data" / "results.parquet")
    acc = pd.read_parquet(ROOT / "data" / "accuracy.parquet")
    return res, acc, plottable_models(count_table(res), acc, DET)


def _texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


# --------------------------------------------------------------------------- the rule (pure)

def test_compare_reads_the_explorers_automatic_machine(shipped):
    res, acc, plotted = shipped
    view = build_view(res, acc, replace(DET, x="latency_p50"))
    assert view.device_name.startswith("NVIDIA H100")                      # the explorer's machine
    got = latency_machine(res, DET, [FRCNN, RETINA], plotted)
    assert (got.hardware, got.chosen, got.automatic) == (H100, False, "")  # not the H200 (every task's rows)
    assert got.elsewhere_note.startswith("Measured in this configuration only on another machine (NVIDIA H200")
    assert got.elsewhere_note.endswith(f": {RETINA}.") and got.elsewhere_note in got.notes
    # without the view's models: the configuration's machine with the most models of any task, as before
    assert latency_machine(res, DET, [FRCNN, RETINA]).hardware == H200


def test_detail_of_a_model_the_automatic_machine_missed_names_it(shipped):
    res, _, plotted = shipped
    retina = latency_machine(res, DET, [RETINA], plotted)
    assert retina.hardware == H200 and retina.automatic.startswith("NVIDIA H100")
    assert machine_statement(retina).startswith("Latency from NVIDIA H200, 140 GiB, 700 W limit: the automatic "
                                                "machine (Machine in the Pareto sidebar), NVIDIA H100")
    frcnn = latency_machine(res, DET, [FRCNN], plotted)
    assert (frcnn.hardware, frcnn.automatic, frcnn.notes) == (H100, "", ())
    chosen = latency_machine(res, replace(DET, hw_id=H200), [FRCNN, RETINA], plotted)
    assert chosen.hardware == H200 and chosen.chosen                        # the user's choice still wins


def test_compares_statement_leaves_the_other_machine_to_the_hint():
    m = LatencyMachine("hw/a", "A", False, ("Measured in this configuration only on another machine (B), not mixed "
                                            "in: x.",), elsewhere_note="Measured in this configuration only on "
                                                                           "another machine (B), not mixed in: x.")
    assert machine_statement(m, "these models") == ("Latency from the automatic machine (Machine in the Pareto "
                                                    "sidebar), A. Measured in this configuration only on another "
                                                    "machine (B), not mixed in: x.")
    assert machine_statement(m, "these models", others=False) == ("Latency from the automatic machine (Machine in "
                                                                  "the Pareto sidebar), A.")


def test_the_hint_names_the_action_the_page_offers():
    where = {"m1": "NVIDIA H200", "m2": "NVIDIA H200"}
    assert other_machine_hint(["m1", "m2"], where) == f"2 measured on NVIDIA H200 in this configuration: {PICK}."
    assert other_machine_hint(["m1"], where, "use the button").endswith("in this configuration: use the button.")


# --------------------------------------------------------------------------- the pages (AppTest, data/)

def test_compare_and_its_sidebar_agree_and_name_the_other_machine_once(shipped_env):
    at = run_app({"task": "detection", "sel": f"{FRCNN},{RETINA}", "mode": "eager"}, "compare", timeout=240)
    body = _texts(at.main.caption) + "\n" + _texts(at.main.info)
    assert "Latency from the automatic machine (Machine in the Pareto sidebar), NVIDIA H100" in body
    assert "1 of 2 compared models have latency for CUDA, batch 1, bf16, eager on NVIDIA H100 80GB HBM3." in body
    sidebar = _texts(at.sidebar.caption)
    assert "1 of 2 picked models have latency for CUDA, batch 1, bf16, eager on NVIDIA H100 80GB HBM3" in sidebar
    # the other machine: one statement in the page (the hint), beside its button; no "Machine in the sidebar"
    said = [line for line in body.split("\n") if "H200" in line]
    assert len(said) == 1 and "the button below shows its latency there" in said[0], said
    assert f"--models '{RETINA}'" in said[0] and "Measure it with" in said[0]
    assert "Machine in the sidebar" not in sidebar + body
    assert "Of the others, 1 measured on NVIDIA H200 in this configuration: the button under the table" in sidebar
    switch = next(b for b in at.button if b.key == "cmp_machine")
    assert switch.label == "Show latency from NVIDIA H200 (1 of 2 models)"


def test_detail_and_the_explorer_keep_their_wording(shipped_env):
    at = run_app({"task": "detection", "sel": RETINA, "mode": "eager"}, "detail", timeout=240)
    assert ("Latency from NVIDIA H200, 140 GiB, 700 W limit: the automatic machine (Machine in the Pareto "
            "sidebar), NVIDIA H100") in _texts(at.main.caption)
    at = run_app({"task": "detection", "mode": "eager", "x": "latency_p50"})
    assert f"{PICK}." in _texts(at.sidebar.caption)                        # the Pareto sidebar has the box


def test_hardware_says_one_model_and_points_at_its_tables(shipped_env):
    at = run_app({"task": "classification", "sel": FRCNN}, "hardware", timeout=240)
    main = _texts(at.main.caption)
    assert "Widest coverage: CUDA, batch 1, bf16, eager (1 model)." in main and "(1 models)" not in main
    assert next(b for b in at.button if b.key == "cov_hardware").label == "Show CUDA, batch 1, bf16, eager (1 model)"
    # the detector is not of the sidebar's task: the caption counts the classification view's models, which the
    # tables below do not list, and this page has no Machine box
    assert "pick it under Machine on the Pareto explorer or Models page." in _texts(at.sidebar.caption)
    at = run_app({"task": "detection", "mode": "eager", "sel": f"{FRCNN},{RETINA}"}, "hardware", timeout=240)
    assert ("1 of 2 picked models have latency for CUDA, batch 1, bf16, eager on NVIDIA H100 80GB HBM3. Of the "
            "others, 1 measured on NVIDIA H200 in this configuration: the tables below list every machine's rows."
            ) in _texts(at.sidebar.caption)


def test_each_page_gets_its_own_action():
    assert action("pareto", False) == action("models", True) == PICK
    assert action("compare", True).startswith("the button under the table")
    assert action("hardware", True).startswith("the tables below")
    for page, picked in (("compare", False), ("hardware", False), ("detail", True), ("claims", False)):
        assert action(page, picked) == ELSEWHERE_ACTION and "Pareto explorer" in action(page, picked)


def test_the_hardware_pages_ties_go_to_the_explorers_machine(shipped):
    res, _, plotted = shipped
    hw = hardware_table(res)
    plain = machine_order(hw, DET)
    assert plain[0] == H200                                  # the configuration's rows of every task
    auto = auto_machine(config_rows(res, DET.device, DET.batch, DET.dtype, DET.mode), plotted)
    first = machine_order(hw, DET, auto)
    assert first[0] == H100 and sorted(first) == sorted(plain)
