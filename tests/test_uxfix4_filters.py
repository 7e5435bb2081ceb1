"""UXCHECK4 #7 and #12: the Filters popover offers the current task's sources and families only, and a
family or source filter the task lacks is dropped with a word rather than emptying the chart
(efficiency.ui.pareto_page); the test-network note counts only the test networks the other filters
would keep (efficiency.ui.view_notes)."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from efficiency.ui import data as uidata
from efficiency.ui.explorer import build_view
from efficiency.ui.pareto_page import choices_of, dropped_filters
from efficiency.ui.state import DEFAULT, ViewState
from efficiency.ui.tables import count_table
from efficiency.ui.view_notes import test_network_notes as network_notes

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def counts(lang_tables):
    return count_table(uidata.read_results(Path(lang_tables["EFFICIENCY_RESULTS"])).df)


# --------------------------------------------------------------------------- #7 choices of the task

def test_choices_are_the_tasks_own(counts):
    srcs, fams = choices_of(counts, "language")
    lang = counts[counts["task"] == "language"]
    assert srcs == ["hf"] and fams == sorted(lang["family"].unique())
    vsrcs, vfams = choices_of(counts, "classification")
    assert "hf" not in vsrcs and not set(fams) & set(vfams)
    every_src, every_fam = choices_of(counts, "all")
    assert set(every_src) == set(counts["source"]) and set(every_fam) == set(counts["family"])


def test_a_filter_the_task_lacks_is_named():
    s = replace(DEFAULT, task="language", families=("resnet", "llama"), sources=("timm",))
    note = dropped_filters(s, ["hf"], ["gpt2", "llama"])
    assert note == "Filter dropped: no language model is of source timm or family resnet."
    assert "families resnet, vit" in dropped_filters(replace(s, families=("resnet", "vit"), sources=()), [], ["gpt2"])
    assert dropped_filters(replace(s, families=("llama",), sources=("hf",)), ["hf"], ["llama"]) == ""
    assert dropped_filters(DEFAULT, [], []) == ""


def _app(query: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_family_of_another_task_is_dropped_and_said(lang_env):
    """UXCHECK4's state: Families = resnet, then Task = language: "The filters leave no model" and an
    empty plot. Now the popover offers the language families, drops resnet, says so, and draws."""
    at = _app({"task": "language", "fam": "resnet50,llama"})
    assert at.multiselect(key="w_families").value == ["llama"]
    assert "hf" in at.multiselect(key="w_sources").options and "timm" not in at.multiselect(key="w_sources").options
    assert "resnet" not in at.multiselect(key="w_families").options
    assert [t.value for t in at.toast] == ["Filter dropped: no language model is of family resnet50."]
    assert at.query_params.get("fam") in (["llama"], "llama")
    assert not any("leave no model" in w.value for w in at.warning)
    at.run()                                   # said once: the filter is gone from the state
    assert not at.toast


def test_a_valid_family_link_still_round_trips(lang_env):
    at = _app({"task": "language", "fam": "llama"})
    assert at.multiselect(key="w_families").value == ["llama"] and not at.toast
    assert at.query_params.get("fam") in (["llama"], "llama")


# --------------------------------------------------------------------------- #12 the test-network note

def _pts(**cols) -> pd.DataFrame:
    n = len(cols["model"])
    base = dict(arch=[m.split("/")[1] for m in cols["model"]], family=["f"] * n, paper=[""] * n, x=[1.0] * n,
                y=[50.0] * n)
    return pd.DataFrame({**base, **cols})


def _said(state: ViewState, pts: pd.DataFrame) -> int:
    """The number the test-network note gives (0: no note)."""
    notes = network_notes(state, pts)
    return int(notes[0][1].split()[0]) if notes else 0


def test_the_note_counts_only_test_networks_the_other_filters_keep():
    pts = _pts(model=["timm/test_vit.r160_in1k@160", "timm/test_convnext.r160_in1k@160", "timm/resnet18.a1_in1k@224",
                      "torchvision/resnet18.IMAGENET1K_V1"],
               source=["timm", "timm", "timm", "torchvision"], x=[0.01, 0.5, 1.8, 1.8])
    s = ViewState()
    assert _said(s, pts) == 2
    assert _said(replace(s, sources=("torchvision",)), pts) == 0     # the audit's ?src=torchvision: no note
    assert _said(replace(s, cost_min=0.1), pts) == 1 and _said(replace(s, search="vit"), pts) == 1
    assert _said(replace(s, acc_min=60.0), pts) == 0 and _said(replace(s, show_test=True), pts) == 0


@pytest.mark.parametrize("changes", [{}, {"sources": ("torchvision",)}, {"cost_max": 0.5}, {"search": "vit"}])
def test_the_note_says_what_the_switch_adds_on_the_shipped_tables(shipped, changes):
    """With timm's 13 test networks of the shipped cache: the note's number is what showing them adds."""
    state = replace(ViewState(), **changes)
    v, shown = build_view(*shipped, state), build_view(*shipped, replace(state, show_test=True))
    said = [n for n in v.notes if "test networks" in n[1]]
    assert (int(said[0][1].split()[0]) if said else 0) == len(shown.points) - len(v.points)


@pytest.fixture(scope="module")
def shipped():
    res = uidata.read_results(ROOT / "data" / "results.parquet").df
    return res, uidata.read_accuracy(ROOT / "data" / "accuracy.parquet", res).df
