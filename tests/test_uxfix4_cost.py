"""UXCHECK4 #4: the explorer's cost bounds are numbers in the x axis' unit. A change of x (the selectbox, or a
task switch that moves it) clears them, in the state, the URL and the Filters' inputs, and a toast says so
(before: ``?cmax=0.5`` then x = latency kept 0.5 as 0.5 ms, 13 models instead of 123); "Filters in effect"
names the unit; a link with x and cost bounds still restores both."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest


ROOT = Path(__file__).resolve().parent.parent


def _app(query: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for k, v in query.items():
        at.query_params[k] = v
    return _ran(at.run())


def _ran(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    return at


def _filters_caption(at: AppTest) -> str:
    return next(c.value for c in at.sidebar.caption if "ilter" in c.value)


def _param(at: AppTest, key: str):
    value = at.query_params.get(key)
    return value[-1] if isinstance(value, list) else value


def _plotted(at: AppTest) -> str:
    return next(m.value for m in at.metric if m.label == "Models plotted")


def test_a_new_x_axis_clears_the_cost_bounds_and_says_so(fixture_env):
    at = _app({"cmax": "0.5", "cmin": "0.1"})
    assert at.number_input(key="w_cmax").value == 0.5 and _param(at, "cmax") == "0.5"
    assert _filters_caption(at) == "Filters in effect: 0.1 ≤ cost ≤ 0.5 GMACs."
    at.selectbox(key="w_x").set_value("latency_p50")
    at = _ran(at.run())
    assert at.number_input(key="w_cmax").value is None and at.number_input(key="w_cmin").value is None
    assert _param(at, "cmax") is None and _param(at, "cmin") is None and _param(at, "x") == "latency_p50"
    assert [t.value for t in at.toast] == ["Cost filter cleared: it was 0.1 ≤ cost ≤ 0.5 GMACs, and the x axis "
                                           "is now in ms."]
    assert "cost" not in _filters_caption(at)
    assert _plotted(at) == _plotted(_app({"x": "latency_p50"}))          # every model with a latency
    at = _ran(at.run())                          # said once
    assert not at.toast and at.number_input(key="w_cmax").value is None


def test_a_bound_typed_on_the_new_axis_stays(fixture_env):
    at = _app({"cmax": "0.5"})
    at.selectbox(key="w_x").set_value("latency_p50")
    at = _ran(at.run())
    at.number_input(key="w_cmax").set_value(2.0)
    at = _ran(at.run())
    assert _param(at, "cmax") == "2.0" and not at.toast
    assert _filters_caption(at) == "Filters in effect: cost ≤ 2 ms."


def test_a_link_with_x_and_cost_bounds_restores_both(fixture_env):
    at = _app({"x": "latency_p50", "cmax": "5", "cmin": "0.5"})
    assert at.selectbox(key="w_x").value == "latency_p50"
    assert at.number_input(key="w_cmax").value == 5.0 and at.number_input(key="w_cmin").value == 0.5
    assert _param(at, "cmax") == "5.0" and _param(at, "cmin") == "0.5" and not at.toast
    assert _filters_caption(at) == "Filters in effect: 0.5 ≤ cost ≤ 5 ms."
    share = at.query_params.to_dict() if hasattr(at.query_params, "to_dict") else dict(at.query_params)
    again = _app({k: (v[-1] if isinstance(v, list) else v) for k, v in share.items()})
    assert again.number_input(key="w_cmax").value == 5.0 and again.selectbox(key="w_x").value == "latency_p50"
    assert _plotted(again) == _plotted(at)


def test_a_task_switch_that_moves_x_clears_the_cost_bounds(lang_env):
    at = _app({"cmax": "0.5"})
    at.selectbox(key="w_task").set_value("language")
    at = _ran(at.run())
    assert _param(at, "task") == "language" and _param(at, "cmax") is None
    assert at.number_input(key="w_cmax").value is None
    assert len(at.toast) == 1 and at.toast[0].value.startswith("Cost filter cleared: it was cost ≤ 0.5 GMACs")
    assert at.toast[0].value.endswith("now in GFLOPs/token.")


def test_the_lower_bound_alone_names_its_unit(fixture_env):
    assert _filters_caption(_app({"cmin": "1"})) == "Filters in effect: cost ≥ 1 GMACs."
