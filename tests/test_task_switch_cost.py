"""Issue 13 #1: the cost bounds are numbers in the x axis' unit, and a task switch made on another page than the
explorer (Models, Compare) moves x too. Before, only the explorer cleared the bounds (when it was next opened):
after 'cost ≤ 10 GMACs' on the explorer and a switch to language on the Models page, Models filtered by 10
GFLOPs/token (2 of the 4 language models) and the share link kept ``cmax=10`` with ``x=decode_gflops_512``.
The shared sidebar's decision now clears them wherever x moves; a switch that keeps x keeps them, and so do a
link's x and bounds."""
from __future__ import annotations

import pytest

from conftest import run_app
from efficiency.ui.state import PAGES

TOAST = "Cost filter cleared: it was cost ≤ 10 GMACs, and the x axis is now in GFLOPs/token."


def _ok(at):
    assert not at.exception, at.exception
    return at


def _param(at, key: str):
    value = at.query_params.get(key)
    return value[-1] if isinstance(value, list) else value


def _bounds(at) -> tuple:
    s = at.session_state["view"]
    return s.cost_min, s.cost_max


def _models_filters(at) -> list[str]:
    return [c.value for c in at.caption if c.value.startswith("Explorer filters in effect")]


def _models_count(at) -> str:
    # "N of M models.[ K without this accuracy ...] Latency, ..." (FIX7B put the left-out count between)
    return next(c.value for c in at.caption if " models." in c.value and "Latency, throughput" in c.value
                ).split(" models.")[0]


def _switch(at, page: str):
    return _ok(at.switch_page(PAGES[page][1]).run())


def _explorer_with_bound(x: str | None = None):
    """The explorer with 'cost ≤ 10' typed into its Filters (in GMACs, or on ``x`` picked in its box first)."""
    at = run_app({}, timeout=120)
    if x is not None:
        at.selectbox(key="w_x").set_value(x)
        _ok(at.run())
    at.number_input(key="w_cmax").set_value(10.0)
    return _ok(at.run())


@pytest.mark.parametrize("page", ["models", "compare"])
def test_a_task_switch_on_another_page_clears_the_cost_bounds(lang_env, page):
    at = _switch(_explorer_with_bound(), page)
    assert _bounds(at) == (None, 10.0) and _param(at, "cmax") == "10.0"
    at.selectbox(key="w_task").set_value("language")
    at = _ok(at.run())
    assert at.session_state["view"].x == _param(at, "x") == "decode_gflops_512"
    assert _bounds(at) == (None, None) and _param(at, "cmax") is None and _param(at, "cmin") is None
    assert [t.value for t in at.toast] == [TOAST]             # the explorer's wording, said where it happened
    at = _switch(at, "pareto")
    assert not at.toast and at.number_input(key="w_cmax").value is None      # said once, the input empty too
    assert _bounds(at) == (None, None)


def test_the_models_page_shows_every_model_of_the_new_task(lang_env):
    at = _switch(_explorer_with_bound(), "models")
    assert _models_filters(at) == ["Explorer filters in effect: cost ≤ 10 GMACs."]
    at.selectbox(key="w_task").set_value("language")
    at = _ok(at.run())
    assert _models_filters(at) == []                          # was 'cost ≤ 10 GFLOPs/token'
    fresh = run_app({"task": "language"}, page="models", timeout=120)
    assert _models_count(at) == _models_count(fresh) == "4 of 4"      # was 2 of 2


def test_a_task_switch_that_keeps_x_keeps_the_bounds(fixture_env):
    # detection offers the same axes: the bound is still in GMACs, so it means what it meant
    at = _switch(_explorer_with_bound(), "models")
    at.selectbox(key="w_task").set_value("detection")
    at = _ok(at.run())
    assert _bounds(at) == (None, 10.0) and _param(at, "cmax") == "10.0" and not at.toast
    assert _models_filters(at) == ["Explorer filters in effect: cost ≤ 10 GMACs."]


def test_bounds_on_a_picked_axis_survive_a_page_change(fixture_env):
    at = _switch(_explorer_with_bound("latency_p50"), "models")
    assert _models_filters(at) == ["Explorer filters in effect: cost ≤ 10 ms."] and not at.toast
    at = _switch(at, "pareto")
    assert at.selectbox(key="w_x").value == "latency_p50" and at.number_input(key="w_cmax").value == 10.0
    assert _bounds(at) == (None, 10.0) and not at.toast


def test_a_leftover_x_box_does_not_bring_its_axis_back(lang_env):
    # latency picked on the explorer; on Models the task goes to language and back, which lands x on GMACs:
    # the explorer opened again shows GMACs, not the box's old latency
    at = _switch(_explorer_with_bound("latency_p50"), "models")
    at.selectbox(key="w_task").set_value("language")
    at = _ok(at.run())
    at.selectbox(key="w_task").set_value("classification")
    at = _ok(at.run())
    at = _switch(at, "pareto")
    assert at.session_state["view"].x == at.selectbox(key="w_x").value == "gmacs"


def test_a_link_keeps_its_x_and_bounds_on_the_models_page(fixture_env):
    at = run_app({"x": "latency_p50", "cmin": "0.5", "cmax": "5"}, page="models", timeout=120)
    assert _models_filters(at) == ["Explorer filters in effect: 0.5 ≤ cost ≤ 5 ms."] and not at.toast
    assert _param(at, "x") == "latency_p50" and _param(at, "cmax") == "5.0"
