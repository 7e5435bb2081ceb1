"""FIX7B (UXCHECK6 9, 10): the Models page lists, on request, the task's models without the view's
accuracy (the LeYOLO seeds and keypoint R-CNNs on detection, 24 of 34 language models under
ARC-Challenge were unreachable from it), the switch travels in the share link, and without it a line
says how many are left out; its "Open its detail" button no longer shows the open-in-new-tab icon."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from streamlit.testing.v1 import AppTest

from efficiency.ui import data as uidata
from efficiency.ui import models_table as mt
from efficiency.ui.explorer import build_view
from efficiency.ui.state import DEFAULT, from_query, parse_query, to_query
from efficiency.ui.tables import accuracy_values, count_table
from efficiency.ui.unrated import unrated_points
from conftest import models_page
from test_viewstate import states

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"


@settings(max_examples=200, deadline=None)
@given(states, st.booleans())
def test_the_switch_round_trips_through_the_link(state, on):
    s = replace(state, table_unrated=on)
    q = to_query(s)
    assert ("unrated" in q) == on and from_query(q) == s and parse_query(q)[1] == []


def test_the_switch_in_the_link_and_bad_values():
    assert to_query(replace(DEFAULT, table_unrated=True)) == {"unrated": "1"}
    state, problems = parse_query({"unrated": "yes"})
    assert state == DEFAULT and len(problems) == 1


@pytest.fixture(scope="module")
def fixture_tables():
    res = uidata.read_results(FIX / "results.parquet").df
    return res, uidata.read_accuracy(FIX / "accuracy.parquet", res).df


@pytest.mark.parametrize("changes", [{}, {"acc_min": 80.0}, {"families": ("resnet",)}, {"x": "latency_p50"},
                                     {"search": "tiny"}])
def test_unrated_rows_are_the_tasks_models_the_view_leaves_out_for_lack_of_accuracy(fixture_tables, changes):
    res, acc = fixture_tables
    s = replace(DEFAULT, y_dataset="imagenet-real", **changes)      # a metric fewer models publish
    view, got = build_view(res, acc, s), unrated_points(res, acc, s)
    rated = set(accuracy_values(acc, s.y_dataset, s.y_metric)[0].dropna(subset=["acc"])["model"])
    assert not set(got["model"]) & rated and not set(got["model"]) & set(view.points["model"])
    assert got["acc"].isna().all() and not got["on_front"].any()
    if "x" in changes:      # a cost unknown on this axis (no latency here) leaves the row in, blank
        assert got["x"].isna().any() or got.empty
    # every model of the task with its cost on this axis is in one of the two, but those the
    # filters (other than the accuracy bounds) drop
    everyone = build_view(res, acc, replace(s, y_dataset="imagenet-1k", acc_min=None))
    task = count_table(res).query("task == 'classification'")
    if not changes:
        assert set(got["model"]) | set(view.points["model"]) >= set(everyone.points["model"])
        assert len(got) >= 5
    if "families" in changes:
        assert set(got["family"]) <= {"resnet"}
    if "acc_min" in changes:       # a bound on accuracy leaves the unrated in (they have none to compare)
        assert set(got["model"]) == set(unrated_points(res, acc, replace(s, acc_min=None))["model"])
    if "search" in changes:
        assert got["model"].str.contains("tiny").all()
    assert set(got["model"]) <= set(task["model"])
    # the table lists them after the rated ones (accuracy blank, last)
    table = mt.models_table(pd.concat([view.points, got], ignore_index=True))
    assert table["acc"].tail(len(got)).isna().all()


_models_page = models_page   # tests/conftest.py


def _ids(at: AppTest) -> list[str]:
    return at.dataframe[0].value["model (zoo id)"].tolist()


def test_the_models_page_lists_the_unrated_on_request_and_says_how_many_otherwise(fixture_env):
    at = _models_page({"ds": "imagenet-real"})
    assert not at.exception, at.exception
    rated = _ids(at)
    toggle = at.toggle(key="w_models_unrated")
    assert toggle.value is False and "Include models without this accuracy" in toggle.label
    n = int(toggle.label.rsplit("(", 1)[1].rstrip(")"))
    assert n >= 5
    assert any(f"{n:,} more of this task have no ImageNet-ReaL top-1" in c.value and "Model detail lists every model"
               in c.value for c in at.caption), [c.value for c in at.caption]
    toggle.set_value(True).run()
    assert not at.exception, at.exception
    both = at.dataframe[0].value
    assert len(both) == len(rated) + n and both["model (zoo id)"].tolist()[:len(rated)] == rated
    assert both.iloc[len(rated):, 1].isna().all()                       # their accuracy blank, listed last
    assert not any("more of this task have no" in c.value for c in at.caption)
    assert at.query_params["unrated"] in ("1", ["1"])                    # the link carries the switch ...
    again = _models_page({"ds": "imagenet-real", "unrated": "1"})        # ... and restores it
    assert again.toggle(key="w_models_unrated").value is True and len(again.dataframe[0].value) == len(both)


def test_open_its_detail_shows_no_new_tab_icon(fixture_env):
    at = _models_page()
    button = next(b for b in at.button if b.label == "Open its detail")
    assert "open_in_new" not in button.proto.icon and button.proto.icon == ":material/arrow_forward:"
