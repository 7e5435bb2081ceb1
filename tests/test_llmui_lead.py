"""AUDIT7's language findings wired into the pages: Model detail of OLMo 2 lists the claims the Paper
claims page judges for it (F7); the TTFT axis rings the TTFT's own flag and its legend says so (F2); the
front metric on the fraction-of-bound axis is not worded as a speed (L5)."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from conftest import ROOT, run_app
from efficiency.ui import data as uidata
from efficiency.ui.explorer import build_view
from efficiency.ui.figures import build_figure
from efficiency.ui.plot_cli import task_accuracy
from efficiency.ui.state import DEFAULT


def _texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def test_detail_of_olmo_2_shows_its_papers_claims(shipped_env):
    at = run_app({"task": "language", "sel": "hf/olmo-2-7b"}, "detail", timeout=240)
    body = _texts(at.main.markdown) + "\n" + _texts(at.main.caption)
    assert "No mapped seed-paper claim" not in body
    assert "OLMo 2" in body and "holds" in body


def test_the_ttft_axis_rings_the_ttft_flag_not_the_decode_step():
    res = pd.read_parquet(ROOT / "data" / "results.parquet")
    acc = uidata.read_accuracy(ROOT / "data" / "accuracy.parquet", res).df    # with data/llm_accuracy.csv
    lang = task_accuracy(res, acc, replace(DEFAULT, task="language", x="ttft", mode="eager"))   # the sidebar's
    view = build_view(res, acc, lang)
    flagged = view.points["ttft_flag"].fillna("").astype(str) != ""
    assert flagged.any() and (~flagged).any()
    legend = [t.name for t in build_figure(view).data if t.meta == "noisy"]
    assert legend == [f"hollow: TTFT launch-bound or noisy ({int(flagged.sum())})"]


def test_the_fraction_of_bound_front_metric_is_not_called_fastest(shipped_env):
    at = run_app({"task": "language", "x": "bound_fraction"})
    labels = [m.label for m in at.main.metric]
    assert any(label.startswith("Highest on front") for label in labels), labels
    assert not any(label.startswith("Fastest on front") for label in labels)
