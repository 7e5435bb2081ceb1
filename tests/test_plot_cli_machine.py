"""``python -m efficiency.plot --hw`` judges the machine by the models its view can plot, by the dashboard's
own rule (:func:`efficiency.ui.plottable.plottable_models` and :func:`~efficiency.ui.plottable.machine_counts`):
a CPU that measured only seed-paper architectures (no published accuracy), or only models without the
chosen accuracy, exits 2 naming the machines that did measure plottable models there, instead of drawing
the automatic machine's figure with a note. The synthetic cache is test_ui_machine_choice's (ZEN3 measured
net1-4, ZEN4 net1-3, accuracy imagenet-1k top-1 for all four) plus a third CPU, SEED, that measured two
seed architectures only."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from efficiency.store import cache
from efficiency.ui.plot_cli import main, unknown_machine
from test_ui_machine_choice import CPU, MODELS, ZEN3, ZEN4, _row, accuracy, results
from conftest import use_tables

SEED = ("cpu/GenuineIntel/6-143/avx512f/4c", "Intel Xeon, family 6 model 143, avx512f, 4 cores")
SEED_MODELS = ["seed/tinynet_a@224", "seed/tinynet_b@224"]


def _seed_row(model: str, kind: str, p50: float | None = None) -> dict:
    """A row of a seed architecture (source 'seed', no accuracy of its own), measured on SEED."""
    row = _row(MODELS[0], kind, SEED, "cpu", p50)
    arch = model.split("/")[1].split("@")[0]
    return {**row, "model": model, "source": "seed", "arch": arch, "weights": "", "family": arch}


def seed_results(with_timm_on_seed: bool = False) -> pd.DataFrame:
    rows = [_seed_row(m, "count") for m in SEED_MODELS] + [_seed_row(m, "latency", 5.0) for m in SEED_MODELS]
    if with_timm_on_seed:           # SEED also measured one model with an accuracy: then it can be plotted
        rows.append(_row(MODELS[0], "latency", SEED, "cpu", 7.0))
    return cache.normalise(pd.concat([results(), pd.DataFrame(rows)], ignore_index=True))


@pytest.fixture
def seed_env(tmp_path, monkeypatch):
    return use_tables(tmp_path, monkeypatch, seed_results(), accuracy())


def _cli(tmp: Path, *args: str) -> int:
    return main(["--results", str(tmp / "results.parquet"), "--accuracy", str(tmp / "accuracy.parquet"),
                 "--no-claims", "--x", "latency_p50", "--device", "cpu", "--dtype", "fp32", "--mode", "eager",
                 *args])


def test_a_machine_of_seed_architectures_only_exits_2_listing_the_plottable_ones(seed_env, capsys):
    tmp = seed_env
    assert _cli(tmp, "--hw", SEED[0], "--out", str(tmp / "no.csv")) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith(f"--hw {SEED[0]!r}: ")
    assert f"{SEED[1]} measured 2 models of this task in" in err          # why: it measured, but nothing plottable
    assert "none with the chosen accuracy" in err and "--seed-claims" in err
    assert "Turn on 'seed claims'" not in err                              # the dashboard's toggle is not ours
    listed = err.split("Machines that measured models this view can plot there: ")[1]
    assert listed == f"{ZEN3[0]!r} ({ZEN3[1]} (4 models)); {ZEN4[0]!r} ({ZEN4[1]} (3 models))"
    assert SEED[0] not in listed
    assert not (tmp / "no.csv").exists()


def test_the_same_machine_is_accepted_once_it_measured_a_plottable_model(tmp_path, monkeypatch, capsys):
    tmp = use_tables(tmp_path, monkeypatch, seed_results(with_timm_on_seed=True), accuracy())
    assert _cli(tmp, "--hw", SEED[0], "--out", str(tmp / "seed.csv")) == 0
    out = pd.read_csv(tmp / "seed.csv")
    x = next(c for c in out.columns if c.startswith("x: "))
    assert out.set_index("model (zoo id)")[x].dropna().to_dict() == {MODELS[0]: 7.0}    # SEED's own latency, no fallback
    assert "automatic choice" not in capsys.readouterr().err


def test_the_machine_is_judged_by_the_chosen_accuracy():
    res = results()
    acc = accuracy()
    real = acc[acc["model"] == MODELS[3]].assign(dataset="imagenet-real")   # only net4 has ImageNet-ReaL
    acc = pd.concat([acc, real], ignore_index=True)
    assert unknown_machine(res, acc, replace(CPU, hw_id=ZEN4[0])) is None   # ImageNet-1k: net1-3 plottable
    on_real = replace(CPU, hw_id=ZEN4[0], y_dataset="imagenet-real")
    problem = unknown_machine(res, acc, on_real)                            # net4: measured on ZEN3 only
    assert problem is not None and f"{ZEN4[1]} measured 3 models of this task" in problem
    assert problem.endswith(f"there: {ZEN3[0]!r} ({ZEN3[1]} (1 model))")   # counted over plottable models
    assert unknown_machine(res, acc, replace(on_real, hw_id=ZEN3[0])) is None


def test_seed_claims_make_a_seed_machine_plottable_when_its_paper_claims_the_metric():
    res, acc = seed_results(), accuracy()
    claimed = pd.DataFrame({"model": [SEED_MODELS[0]], "dataset": ["imagenet-1k"], "metric": ["top1"]})
    state = replace(CPU, hw_id=SEED[0])
    assert unknown_machine(res, acc, state, claimed) is not None              # seed claims off: nothing to plot
    on = replace(state, seed_claims=True)
    assert unknown_machine(res, acc, on, claimed) is None
    other = claimed.assign(metric="top5")                                     # a claim in another metric
    problem = unknown_machine(res, acc, on, other)
    assert problem is not None and "--seed-claims draws" not in problem       # already on: no hint


def test_unset_and_unmeasured_machines():
    res, acc = seed_results(), accuracy()
    assert unknown_machine(res, acc, CPU) is None                             # automatic: never refused
    problem = unknown_machine(res, acc, replace(CPU, hw_id="cpu/No Such CPU/1c"))
    assert "no latency row from that machine in" in problem and "for classification models." in problem
    assert f"{ZEN3[0]!r} ({ZEN3[1]} (4 models)); {ZEN4[0]!r}" in problem
    nothing = unknown_machine(res, acc, replace(CPU, hw_id=ZEN3[0], batch=64))    # nobody measured batch 64
    assert nothing.endswith("there: none")
