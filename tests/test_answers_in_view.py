"""Issue 13 items 4 and 9: the budget drawn on the chart and answered beside it, highlighted models in
place with the rest of the zoo in grey, labels on/off, bubble size, the screen/print layouts and the
dark theme (figures, budget, chart_view; the page under AppTest)."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from efficiency.ui import chart_view
from efficiency.ui import data as uidata
from efficiency.ui import figures as plot
from efficiency.ui.budget import add_budget, answer_lines, budget_answer
from efficiency.ui.chart_labels import label_rows
from efficiency.ui.explorer import build_view, search_mask
from efficiency.ui.state import DEFAULT

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="module")
def tables():
    res = uidata.read_results(FIX / "results.parquet").df
    return res, uidata.read_accuracy(FIX / "accuracy.parquet", res).df


def _labels(fig):
    return [a for a in fig.layout.annotations if (a.name or "").startswith("label:")]


def test_highlight_keeps_the_zoo_in_grey_and_colours_the_matches(tables):
    v = build_view(*tables, replace(DEFAULT, highlight="resnet*"))
    plain = build_view(*tables, DEFAULT)
    assert len(v.points) == len(plain.points)                 # nothing filtered away
    fig = plot.build_figure(v)
    pts = [t for t in fig.data if t.meta == "points"]
    rest = [t for t in pts if t.name.startswith(plot.REST_NAME)]
    assert len(rest) == 1 and rest[0].marker.color == plot.REST_COLOR
    hit = set(v.points.loc[search_mask(v.points, "resnet*"), "model"])
    coloured = {c[0] for t in pts if t not in rest for c in t.customdata}
    assert coloured == hit and hit
    assert {c[0] for c in rest[0].customdata} == set(v.points["model"]) - hit
    # the highlighted models are named before the front's
    rows = label_rows(v)
    assert set(rows["model"].head(len(hit))) == hit


def test_labels_toggle_and_label_names(tables):
    on = plot.build_figure(build_view(*tables, DEFAULT))
    off = plot.build_figure(build_view(*tables, replace(DEFAULT, labels=False)))
    assert _labels(on) and not _labels(off)
    front = set(build_view(*tables, DEFAULT).front["model"])
    assert {a.name.split(":", 1)[1] for a in _labels(on)} <= front
    assert all(a.showarrow and a.ax is not None for a in _labels(on))


def test_bubble_size_follows_params_and_missing_values_are_smallest(tables):
    v = build_view(*tables, replace(DEFAULT, bubble="params"))
    d = plot.marker_sizes(v.points, "params")
    p = v.points["params_m"].to_numpy()
    i, j = int(np.nanargmax(p)), int(np.nanargmin(p))
    assert d[i] == plot.BUBBLE_MAX_PX and d[j] < d[i]
    # area proportional: diameter ratio is the square root of the value ratio (above the floor)
    big = d > plot.BUBBLE_MIN_PX
    assert np.allclose((d[big] / d[i]) ** 2, p[big] / p[i])
    v.points.loc[0, "params_m"] = np.nan
    assert plot.marker_sizes(v.points, "params")[0] == plot.BUBBLE_MIN_PX
    assert (plot.marker_sizes(v.points, "none") == plot.MARKER_PX).all()
    assert "marker area proportional to parameters" in plot.caption_text(v)


def test_budget_answer_and_what_it_cannot_rank(tables):
    v = build_view(*tables, replace(DEFAULT, x="latency_p50", batch=256))
    a = budget_answer(v, 5.0)
    assert "efficientnet_b0" in a.best["model"]
    assert (a.runners["lat_p50_ms"] <= 5.0).all() and a.n_within >= 1 + len(a.runners)
    assert a.n_lacking == v.lat_total - v.lat_have and a.n_lacking > 0
    text = "\n".join(answer_lines(a, "H200", "top-1"))
    assert f"{a.n_lacking} of {a.n_scope} models have no latency on H200" in text
    none = budget_answer(v, 1e-6)
    assert none.best is None and "The fastest is" in answer_lines(none, "H200", "top-1")[0]
    # on a compute axis the models lacking latency are plotted ones
    g = build_view(*tables, replace(DEFAULT, batch=256))
    assert budget_answer(g, 5.0).n_lacking == int(g.points["lat_p50_ms"].isna().sum())


def test_budget_drawn_on_a_latency_axis_and_on_a_compute_axis(tables):
    v = build_view(*tables, replace(DEFAULT, x="latency_p50", batch=256))
    fig = plot.build_figure(v)
    add_budget(fig, v, budget_answer(v, 5.0))
    kinds = {(s.type, s.name) for s in fig.layout.shapes}
    assert ("line", "budget-line") in kinds and ("rect", "budget-region") in kinds
    line = next(s for s in fig.layout.shapes if s.name == "budget-line")
    assert line.x0 == line.x1 == 5.0
    best = next(t for t in fig.data if t.meta == "budget-best")
    assert "efficientnet_b0" in best.customdata[0][0] and best.marker.symbol == "star"
    g = build_view(*tables, replace(DEFAULT, batch=256))
    fig = plot.build_figure(g)
    a = budget_answer(g, 5.0)
    add_budget(fig, g, a)
    assert not fig.layout.shapes
    rings = next(t for t in fig.data if t.meta == "budget")
    assert [c[0] for c in rings.customdata] == list(a.runners["model"])


def test_screen_layout_and_dark_theme_round_trip_to_print(tables):
    v = build_view(*tables, DEFAULT)
    fig = chart_view.for_screen(plot.build_figure(v), dark=True)
    assert fig.layout.legend.orientation == "h" and fig.layout.legend.yref == "container"
    assert chart_view.caption_of(fig) == "" and "GFLOPs = 2 x GMACs" in fig.layout.meta["caption"]
    front = next(t for t in fig.data if t.meta == "front")
    assert front.line.color == chart_view.DARK_SWAPS[plot.FRONT_COLOR]
    assert fig.layout.template.layout.paper_bgcolor is not None and fig.layout.font.color == "#e8e8e8"
    out = chart_view.for_print(fig)
    assert out.layout.legend.orientation == "v" and "GFLOPs = 2 x GMACs" in chart_view.caption_of(out)
    assert next(t for t in out.data if t.meta == "front").line.color == plot.FRONT_COLOR
    assert out.layout.paper_bgcolor == "white"


def test_page_restores_view_options_and_answers_beside_the_chart(fixture_env):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, val in {"hl": "resnet*", "labels": "0", "size": "params", "x": "latency_p50", "bs": "256",
                   "budget": "5"}.items():
        at.query_params[k] = val
    at.run()
    assert not at.exception, at.exception
    assert at.text_input(key="w_highlight").value == "resnet*"
    assert at.toggle(key="w_labels").value is False
    assert at.segmented_control(key="w_bubble").value == "params"
    answer = " ".join(s.value for s in at.success)
    assert "efficientnet_b0" in answer and "within 5 ms" in answer
    md = " ".join(m.value for m in at.markdown)
    assert "models have no latency on" in md and "plotted models match 'resnet\\*'" in md  # escaped: shown literally, not as emphasis
    q = dict(at.query_params)
    assert q.get("hl") in ("resnet*", ["resnet*"]) and q.get("size") in ("params", ["params"])
