"""AUDIT7 F6, F9, L7: the plot's default accuracy follows the task, refresh takes ``source/arch`` as the
dashboard writes it, and the command lines count in the right number."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from efficiency.run.summary import counted
from efficiency.ui.plot_cli import main as plot_main
from efficiency.zoo.registry import UnknownModelError, Zoo, ZooEntry

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures"
TABLES = ["--cache", str(FIX / "results.parquet"), "--accuracy-file", str(FIX / "accuracy.parquet")]


def _entry(source: str, name: str, arch: str, size: int = 224) -> ZooEntry:
    zoo_id = f"{source}/{name}" + (f"@{size}" if source == "timm" else "")
    return ZooEntry(id=zoo_id, source=source, name=name, arch=arch, weights=name.partition(".")[2],
                    task="classification", family="", input_size=(3, size, size))


ZOO = Zoo([_entry("timm", "resnet50.a1_in1k", "resnet50"), _entry("timm", "resnet50.a1_in1k", "resnet50", 288),
           _entry("timm", "resnet50d.ra2_in1k", "resnet50d"),
           _entry("torchvision", "resnet50.IMAGENET1K_V2", "resnet50"),
           _entry("torchvision", "mobilenet_v3_small.IMAGENET1K_V1", "mobilenet_v3_small")])


@pytest.mark.parametrize("pattern, ids", [
    ("torchvision/mobilenet_v3_small", {"torchvision/mobilenet_v3_small.IMAGENET1K_V1"}),
    # every weight and size of that source's architecture, not resnet50d, not torchvision's
    ("timm/resnet50", {"timm/resnet50.a1_in1k@224", "timm/resnet50.a1_in1k@288"}),
    ("TIMM/ResNet50", {"timm/resnet50.a1_in1k@224", "timm/resnet50.a1_in1k@288"}),
    ("timm/resnet50.a1_in1k", {"timm/resnet50.a1_in1k@224", "timm/resnet50.a1_in1k@288"}),   # source/name
    # the bare name still reaches both sources
    ("resnet50", {"timm/resnet50.a1_in1k@224", "timm/resnet50.a1_in1k@288", "torchvision/resnet50.IMAGENET1K_V2"}),
])
def test_source_slash_arch_selects_that_sources_weights(pattern, ids):
    assert {e.id for e in ZOO.select([pattern])} == ids


def test_an_unknown_source_slash_name_is_refused_with_close_names_in_that_form():
    with pytest.raises(UnknownModelError) as info:
        ZOO.select(["timm/resnt50"])
    assert "no zoo model matches 'timm/resnt50'" in str(info.value)
    assert info.value.suggestions[0] == "timm/resnet50"
    with pytest.raises(UnknownModelError):       # the source is part of the match, not dropped
        ZOO.select(["torchvision/resnet50d"])


def test_counted_takes_the_number_of_its_count():
    assert counted(1, "row") == "1 row" and counted(0, "row") == "0 rows" and counted(2, "build") == "2 builds"
    assert counted(1, "entry", "entries") == "1 entry" and counted(3, "entry", "entries") == "3 entries"


def _refresh(tmp_path, *args):
    return subprocess.run([sys.executable, "-m", "efficiency.refresh", *args, "--list", "--skip-latency",
                           "--cache", str(tmp_path / "c.parquet")], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_refresh_lists_a_source_slash_arch_model_in_the_singular(tmp_path):
    out = _refresh(tmp_path, "--models", "torchvision/mobilenet_v3_small")
    assert out.returncode == 0, out.stderr
    assert "torchvision/mobilenet_v3_small.IMAGENET1K_V1" in out.stdout
    assert "1 model selected, 1 build to run" in out.stdout
    bad = _refresh(tmp_path, "--models", "torchvision/mobilenet_v3_smal")
    assert bad.returncode == 2 and "Close matches: torchvision/mobilenet_v3_small" in bad.stderr


@pytest.fixture
def nowhere(tmp_path, monkeypatch):
    monkeypatch.setenv("EFFICIENCY_RESULTS", str(tmp_path / "missing_results.parquet"))
    monkeypatch.setenv("EFFICIENCY_ACCURACY", str(tmp_path / "missing_accuracy.parquet"))
    monkeypatch.setenv("EFFICIENCY_CLAIMS", str(FIX / "paper_claims.csv"))
    monkeypatch.chdir(ROOT)
    return tmp_path


def test_the_default_accuracy_follows_the_task(nowhere, capsys):
    """The fixture's detection models have COCO box mAP and no ImageNet top-1: without --y the plot takes
    the task's pair as the sidebar does (efficiency.ui.language.pair_for_task); it exited 1 "nothing to plot"."""
    out = nowhere / "det.csv"
    assert plot_main([*TABLES, "--task", "detection", "--no-claims", "--out", str(out)]) == 0
    y = [c for c in pd.read_csv(out).columns if c.startswith("y: ")]
    assert len(y) == 1 and "box" in y[0].lower() and "imagenet" not in y[0].lower()
    assert len(pd.read_csv(out)) == 3
    # classification keeps ImageNet top-1
    cls = nowhere / "cls.csv"
    assert plot_main([*TABLES, "--no-claims", "--out", str(cls)]) == 0
    assert any("imagenet" in c.lower() for c in pd.read_csv(cls).columns if c.startswith("y: "))


def test_an_explicit_accuracy_the_task_lacks_names_the_tasks_own(nowhere, capsys):
    out = nowhere / "det.csv"
    assert plot_main([*TABLES, "--task", "detection", "--y", "imagenet-1k:top1", "--no-claims",
                      "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "nothing to plot" in err and "The detection models' accuracies, most covered first: coco-val2017:box_map" in err
    assert not out.exists()
