"""Leftovers of issue 13 and a review: the screen legend's layout rule (every entry fits a phone),
typed text (a highlight or name pattern like ``*net*``) shown literally in Streamlit's markdown,
and one samples-per-second formula for the explorer's table and the batch curves."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from efficiency.ui import chart_view, curves, tables
from efficiency.ui import data as uidata
from efficiency.ui import figures as plot
from efficiency.ui import models_table as mt
from efficiency.ui.budget import add_budget, budget_answer
from efficiency.ui.explorer import build_view
from efficiency.ui.state import DEFAULT, PAGES
from test_ui_curves import _frame, _lat

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"
LONG = "best within 5 ms p50: vit_base_patch16_224 (85.10)"     # cut at a phone's edge before


@pytest.fixture(scope="module")
def fixture_tables():
    res = uidata.read_results(FIX / "results.parquet").df
    return res, uidata.read_accuracy(FIX / "accuracy.parquet", res).df


# --------------------------------------------------------------------------- the screen legend

def test_legend_names_wrap_to_fit_a_phone():
    out = chart_view.legend_name(LONG)
    assert out.count("<br>") == 1 and out.replace("<br>", " ") == LONG
    assert all(len(line) <= chart_view.LEGEND_CHARS for line in out.split("<br>"))
    assert chart_view.legend_name("resnet (4)") == "resnet (4)"
    token = chart_view.legend_name("x" * 90)            # one word longer than a line is cut into lines
    assert [len(line) for line in token.split("<br>")] == [38, 38, 14]


def test_legend_height_packs_entries_into_rows_at_the_phone_width():
    row, line = chart_view.ROW_PX, chart_view.LINE_PX
    assert chart_view.legend_height(["vit (3)"] * 3) == row + row            # title, then one row of three
    assert chart_view.legend_height(["vit (3)"] * 4) == row + 2 * row        # (97 px each: 4 > 350 px)
    wide = ["MetaFormer Baselines for Vision (37)", "Fast and Accurate Model Scaling (18)"]
    assert chart_view.legend_height(wide) == row + 2 * row                   # too wide to share a row
    assert chart_view.legend_height(wide, width_px=1000) == row + row        # a desktop puts them side by side
    two_lines = chart_view.legend_name(LONG)
    assert chart_view.legend_height([two_lines]) == row + row + line         # a wrapped name's second line
    more = [chart_view.legend_height(["family name (1)"] * n) for n in range(1, 30)]
    assert more == sorted(more) and more[-1] > more[0]


def _screen(fixture_tables, **view) -> tuple[go.Figure, list[str]]:
    v = build_view(*fixture_tables, replace(DEFAULT, **view))
    fig = plot.build_figure(v)
    add_budget(fig, v, budget_answer(v, 5.0))
    built = [t.name for t in fig.data]
    return chart_view.for_screen(fig, dark=False), built


def test_screen_figure_grows_by_its_legend_and_print_restores_it(fixture_tables):
    fig, built = _screen(fixture_tables, color="paper")
    assert LONG in built
    shown = [t.name for t in fig.data]
    assert all(len(line) <= chart_view.LEGEND_CHARS for n in shown for line in n.split("<br>"))
    assert [n.replace("<br>", " ") for n in shown] == built
    room = fig.layout.height - fig.layout.margin.t - chart_view.SCREEN_FRAME_PX - chart_view.legend_height(shown)
    assert fig.layout.height > plot.HEIGHT and room >= chart_view.SCREEN_PLOT_PX   # the plot keeps its height
    legend = fig.layout.legend
    assert (legend.xref, legend.yref, legend.maxheight, legend.title.side) == ("container", "container", 1, "top")
    # the export goes through the page's dict (pages/pareto.py: for_print(go.Figure(spec)))
    out = chart_view.for_print(go.Figure(fig.to_dict()))
    assert [t.name for t in out.data] == built and out.layout.height == plot.HEIGHT
    assert (out.layout.legend.orientation, out.layout.legend.title.side, out.layout.legend.maxheight) == ("v", "top", None)


def test_a_short_legend_keeps_the_figure_height(fixture_tables):
    v = build_view(*fixture_tables, replace(DEFAULT, color="source"))
    fig = chart_view.for_screen(plot.build_figure(v), dark=True)
    assert fig.layout.height == plot.HEIGHT


# --------------------------------------------------------------------------- typed text shown as typed

def _html(markdown: str) -> str:
    """``markdown`` as CommonMark renders it (Streamlit's markdown is CommonMark with GitHub's extensions)."""
    md = pytest.importorskip("markdown_it").MarkdownIt("commonmark").enable("strikethrough")
    return md.render(markdown)


def test_active_filters_show_a_name_pattern_as_typed():
    s = replace(DEFAULT, search="*net*", families=("mobile_net", "vit"), sources=("timm",))
    assert "<em>" in _html("; ".join(mt.active_filters(s)))       # plain words: italics in markdown
    html = _html("; ".join(mt.active_filters(s, markdown=True)))
    assert "<em>" not in html and "'*net*'" in html and "families: mobile_net, vit" in html


def test_models_page_caption_shows_the_pattern_as_typed(fixture_env):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["q"] = "*net*"
    at.run()
    at.switch_page(PAGES["models"][1]).run()
    assert not at.exception, at.exception
    said = next(c.value for c in at.caption if c.value.startswith("Explorer filters in effect"))
    html = _html(said)
    assert "<em>" not in html and "name matches '*net*'" in html


def test_detail_says_an_unknown_link_name_as_typed(fixture_env):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["sel"] = "*net*"
    at.run()
    at.switch_page(PAGES["detail"][1]).run()
    assert not at.exception, at.exception
    warning = next(w.value for w in at.warning if w.value.startswith("No model"))
    html = _html(warning)
    assert "<em>" not in html and "No model '*net*' in the results cache" in html


# --------------------------------------------------------------------------- one samples/s formula

def test_batch_curves_use_the_explorers_samples_per_second():
    # p50 1.3 ms and 0.123 ms without a stored throughput: batch * 1e3 / p50 (the curves' own formula
    # before) and batch / (p50 / 1e3) (the explorer's) differ in the last bit there
    rows = [_lat("timm/a.w@224", 1, 1.3), _lat("timm/a.w@224", 2, 0.123), _lat("timm/a.w@224", 8, 2.0, throughput=3900.0)]
    frame = _frame(rows)
    got = curves.latency_rows(frame).sort_values("batch")
    want = tables.latency_derived(frame[frame["kind"] == "latency"]).sort_values("batch_size")
    assert list(got["samples_per_s"]) == list(want["throughput_sps"]) == [1 / (1.3 / 1e3), 2 / (0.123 / 1e3), 3900.0]


def test_pareto_page_shows_the_highlight_and_filter_patterns_as_typed(fixture_env):
    md = pytest.importorskip("markdown_it").MarkdownIt("commonmark").enable("strikethrough")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["hl"] = "*net*"
    at.query_params["q"] = "*net*"
    at.run()
    assert not at.exception, at.exception
    echoed = [e.value for kind in ("markdown", "caption") for e in getattr(at, kind)
              if "*net*" in str(e.value) or r"\*net\*" in str(e.value)]   # the pattern, as sent or escaped
    assert any("match" in t and "net" in t for t in echoed)                     # the highlight's answer
    assert any(t.startswith("Filters in effect") for t in echoed)               # the sidebar's filters
    for text in echoed:
        html = md.render(text)
        assert "<em>" not in html and "*net*" in html, text


def test_models_without_a_paper_are_grey_beneath_the_papers(fixture_tables):
    # colour by paper gave the strongest palette colour to the 1,556 models of no seed paper (UXCHECK3 7)
    fig, _ = _screen(fixture_tables, color="paper")
    markers = [t for t in fig.data if t.mode == "markers" and t.legendgroup]
    none = [t for t in markers if t.legendgroup == plot.NO_PAPER]
    papers = [t for t in markers if t.legendgroup not in plot.QUIET_GROUPS and t.legendgroup != plot.REST_NAME]
    assert none and papers
    assert none[0].marker.color == plot.QUIET_GROUPS[plot.NO_PAPER]
    assert all(t.marker.color not in plot.QUIET_GROUPS.values() for t in papers)
    assert markers.index(none[0]) < min(markers.index(t) for t in papers)    # drawn beneath
    assert none[0].legendrank > max(t.legendrank for t in papers)            # listed last
