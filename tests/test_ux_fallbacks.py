"""Issue 13 items 1, 2 and 7: the sidebar offers only measured hardware configurations and lands a
device switch on the closest one; a missing latency says where the model (and another library's
implementation of its architecture) was measured; model detail's defaults and fallbacks; timm's
test networks hidden; colours for the families near the front."""
from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from efficiency.store import cache
from efficiency.ui import configs
from efficiency.ui import data as uidata
from efficiency.ui import figures as plot
from efficiency.ui.commands import measure_hint, refresh_command
from efficiency.ui.configs import HwConfig
from efficiency.ui.detail import default_model, find_model, similar_models
from efficiency.ui.explorer import build_view, colour_order, is_test_network
from efficiency.ui.state import DEFAULT, PAGES, from_query, to_query
from efficiency.ui.tables import count_table
from efficiency.vocab import DEVICES, DTYPES, MODES, unsupported_configuration

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"
TIMM_R50 = "timm/resnet50.a1_in1k@224"
TV_R50 = "torchvision/resnet50.IMAGENET1K_V2"
GRAPH_B1 = HwConfig("cuda", "bf16", "cuda_graph", 1)


@pytest.fixture(scope="module")
def tables():
    res = uidata.read_results(FIX / "results.parquet").df
    return res, uidata.read_accuracy(FIX / "accuracy.parquet", res).df


@pytest.fixture(scope="module")
def options(tables):
    return configs.available(configs.coverage(tables[0], "classification"))


def _without_cuda_rows(res: pd.DataFrame, model: str) -> pd.DataFrame:
    return res[~((res["model"] == model) & (res["kind"] == "latency") & (res["device"] == "cuda"))]


# --------------------------------------------------------------------------- configurations

def test_coverage_counts_good_rows_per_configuration(tables, options):
    # fixture classification: 19 models on the CPU (the broken model's error rows excluded),
    # 17 on each GPU configuration (the custom model and densenet121 have no GPU rows)
    assert options[HwConfig("cpu", "fp32", "eager", 1)] == 19
    assert options[GRAPH_B1] == 17
    assert len(options) == 6 and list(options.values()) == sorted(options.values(), reverse=True)
    assert configs.coverage(tables[0], "detection").empty is False
    assert configs.coverage(tables[0], "no_such_task").empty


def test_switching_to_cpu_from_cuda_graph_lands_on_a_measured_cpu_configuration(options):
    wanted = GRAPH_B1._replace(device="cpu")
    got = configs.resolve(options, GRAPH_B1, wanted)
    # cuda_graph is GPU-only: keeps the device, dtype and batch asked for
    assert got == HwConfig("cpu", "bf16", "eager", 1)
    assert unsupported_configuration(got.device, got.dtype, got.mode) is None


def test_switching_back_to_the_gpu_keeps_dtype_mode_and_batch_where_measured(options):
    start = HwConfig("cpu", "fp32", "eager", 1)
    assert configs.resolve(options, start, start._replace(device="cuda")) == HwConfig("cuda", "bf16", "eager", 1)
    asked = HwConfig("cuda", "bf16", "eager", 256)
    assert configs.resolve(options, HwConfig("cuda", "bf16", "eager", 1), asked) == asked


def test_closest_falls_back_to_the_widest_coverage():
    opts = {HwConfig("cpu", "fp32", "eager", 1): 5, HwConfig("cpu", "bf16", "eager", 1): 9}
    assert configs.closest_configuration(opts, HwConfig("cuda", "fp16", "compile", 64)) == HwConfig(
        "cpu", "bf16", "eager", 1)
    assert configs.closest_configuration({}, GRAPH_B1) is None
    assert configs.resolve({}, GRAPH_B1, GRAPH_B1._replace(device="cpu")).device == "cpu"


def test_field_options_offer_only_what_was_measured_with_the_choices_above(options):
    cpu = configs.field_options(options, HwConfig("cpu", "fp32", "eager", 1))
    assert cpu == {"device": ["cpu", "cuda"], "dtype": ["bf16", "fp32"], "mode": ["eager"], "batch": [1]}
    gpu = configs.field_options(options, GRAPH_B1)
    assert gpu["mode"] == ["cuda_graph", "eager"] and gpu["batch"] == [1, 256]


def test_coverage_text_names_the_widest_configuration():
    best = (HwConfig("cuda", "bf16", "eager", 1), 885)
    text = configs.coverage_text(GRAPH_B1, 879, 1671, best)
    assert "879 of 1,671 models have latency for CUDA, batch 1, bf16, cuda graph" in text
    assert "Widest coverage: CUDA, batch 1, bf16, eager (885 models)" in text
    assert "Widest" not in configs.coverage_text(best[0], 885, 1671, best)


@pytest.mark.parametrize("device,dtype,mode", itertools.product(DEVICES, DTYPES, MODES))
def test_no_suggested_command_is_one_the_refresh_refuses(device, dtype, mode):
    s = replace(DEFAULT, device=device, dtype=dtype, mode=mode)
    cmd = refresh_command("resnet50", s)
    refused = unsupported_configuration(device, dtype, mode)
    if refused:
        assert "--device" not in cmd and "cannot measure" in measure_hint(s)
    else:
        assert f"--device {device} --batch-size 1 --dtype {dtype} --mode {mode}" in cmd
        assert cmd in measure_hint(s, "resnet50")


# --------------------------------------------------------------------------- missing latency

def test_missing_latency_names_measured_configurations_and_the_other_implementation(tables):
    res, acc = tables
    v = build_view(_without_cuda_rows(res, TIMM_R50), acc, DEFAULT)
    row = v.points.set_index("model").loc[TIMM_R50]
    assert pd.isna(row["lat_p50_ms"])                     # never substituted by torchvision's
    assert "not measured in this configuration" in row["lat_note"]
    assert "measured: cpu b1 bf16 eager, cpu b1 fp32 eager" in row["lat_note"]
    assert f"a different implementation was measured: {TV_R50}" in row["lat_note"]
    assert v.points.set_index("model").loc[TV_R50, "lat_note"] == ""


def test_hover_says_not_measured_instead_of_na(tables):
    res, acc = tables
    v = build_view(_without_cuda_rows(res, TIMM_R50), acc, DEFAULT)
    p = v.points[v.points["model"] == TIMM_R50].reindex(columns=plot.HOVER_COLUMNS).iloc[0].to_dict()
    card = plot.fill_hover(plot.hover_template(v), plot.hover_values(p))
    assert "n/a" not in card and "not measured" in card and TV_R50 in card


def test_other_implementations_are_another_source_of_the_same_arch(tables):
    counts = count_table(tables[0])
    assert configs.other_implementations(counts, TIMM_R50) == [TV_R50]
    assert configs.other_implementations(counts, "timm/resnet18.a1_in1k@224") == []


def test_gap_text_caps_the_other_implementations():
    others = {f"timm/resnet50.w{i}": [GRAPH_B1] for i in range(5)}
    text = configs.gap_text(HwConfig("cpu", "fp32", "eager", 1), [], others)
    assert "no latency measured at all" in text and text.count("a different implementation") == 3
    assert "and 2 more" in text


# --------------------------------------------------------------------------- defaults and fallbacks

def test_default_model_prefers_a_well_known_measured_model(tables):
    res, _ = tables
    counts, measured = count_table(res), configs.measured_by_model(res)
    assert default_model(counts, measured, GRAPH_B1) == TV_R50
    # torchvision's resnet50 not measured on the GPU: timm's is
    measured2 = configs.measured_by_model(_without_cuda_rows(res, TV_R50))
    assert default_model(counts, measured2, GRAPH_B1) == TIMM_R50
    # no resnet50 at all: the measured model with the most configurations, not the first id
    rest = counts[counts["arch"] != "resnet50"]
    got = default_model(rest, measured, GRAPH_B1)
    assert got != sorted(rest["model"])[0] and len(measured[got]) == 6


def test_unknown_names_are_not_resolved_to_another_model(tables):
    counts = count_table(tables[0])
    assert find_model(counts, "nonexistent") is None
    assert find_model(counts, "resnet5") is None          # a substring is not a name
    assert find_model(counts, "resnet50") in (TIMM_R50, TV_R50)
    assert similar_models(counts, "timm/resnet50.zz")[0] in (TIMM_R50, TV_R50)


def _with_test_network(res: pd.DataFrame, acc: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = res[res["model"] == TIMM_R50].assign(model="timm/test_vit.r160_in1k@160", arch="test_vit",
                                                family="test")
    accs = acc[acc["model"] == TIMM_R50].assign(model="timm/test_vit.r160_in1k@160", value=99.0)
    return pd.concat([res, rows], ignore_index=True), pd.concat([acc, accs], ignore_index=True)


def test_test_networks_hidden_unless_asked_for(tables):
    res, acc = _with_test_network(*tables)
    assert is_test_network(count_table(res)).sum() == 1
    hidden = build_view(res, acc, DEFAULT)
    shown = build_view(res, acc, replace(DEFAULT, show_test=True))
    assert "timm/test_vit.r160_in1k@160" not in set(hidden.points["model"])
    assert "timm/test_vit.r160_in1k@160" in set(shown.front["model"])


def test_show_test_round_trips_through_the_url():
    s = replace(DEFAULT, show_test=True)
    assert to_query(s) == {"test": "1"} and from_query(to_query(s)) == s
    assert from_query({"test": "0"}).show_test is False


def test_colours_go_to_the_families_near_the_front():
    # "big" has many points, all far behind the front; "a" and "b" make the front
    pts = pd.DataFrame({"x": [1, 2] + [5.0] * 10 + [3.0], "y": [70, 80] + [60.0] * 10 + [75.0]})
    groups = pd.Series(["a", "b"] + ["big"] * 10 + ["c"])
    assert colour_order(pts, groups, 2) == ["a", "b"]
    assert colour_order(pts, groups, 3) == ["a", "b", "c"]
    # accuracy where lower is better (an error rate): the same ranks come from the other end
    err = pts.assign(y=100 - pts["y"])
    assert colour_order(err, groups, 2, higher_is_better=False) == ["a", "b"]
    assert "big" in colour_order(err, groups, 2, higher_is_better=True)


# --------------------------------------------------------------------------- the app

def _app(query: dict | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(PAGES[page][1]).run()
    assert not at.exception, at.exception
    return at


def _control(at: AppTest, key: str):
    """A sidebar segmented control (AppTest calls them button groups) by its key."""
    return next(b for b in at.button_group if b.key == key)


def _texts(at: AppTest, kinds=("markdown", "caption", "info", "warning", "success", "subheader")) -> str:
    return "\n".join(str(e.value) for k in kinds for e in getattr(at, k))


# AppTest re-runs only the page script after the first run of a st.navigation app, so the
# sidebar's reruns are driven through this harness: the shared sidebar, then a page, every run
HARNESS = """
import runpy, sys
from efficiency.ui import router, session as ui
ui.sidebar(ui.data(), "pareto")
with router.routed():
    runpy.run_path("pages/pareto.py")
"""


def _harness(query: dict) -> AppTest:
    at = AppTest.from_string(HARNESS, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def test_device_switch_in_the_sidebar_lands_on_a_measured_configuration(fixture_env):
    at = _harness({"x": "latency_p50"})
    assert [_control(at, f"w_{f}").value for f in ("device", "dtype", "mode")] == ["cuda", "bf16", "cuda_graph"]
    _control(at, "w_device").set_value("cpu").run()
    assert not at.exception, at.exception
    got = [_control(at, f"w_{f}").value for f in ("device", "dtype", "mode")]
    assert got == ["cpu", "bf16", "eager"]
    assert _control(at, "w_mode").options == ["eager"]       # offered: measured on the CPU only
    assert any("was not measured for this task" in str(c.value) for c in at.sidebar.caption)
    assert not any("No latency rows" in w.value for w in at.warning)
    assert "--mode cuda_graph" not in _texts(at, ("markdown", "caption", "info", "warning", "code"))
    _control(at, "w_device").set_value("cuda").run()     # and back: bf16 eager batch 1 was measured
    assert [_control(at, f"w_{f}").value for f in ("device", "dtype", "mode")] == ["cuda", "bf16", "eager"]


def test_latency_view_states_coverage_and_offers_the_widest(fixture_env):
    at = _harness({"x": "latency_p50"})
    assert "17 of 18 models with ImageNet-1k top-1 (%) have latency for CUDA" in _texts(at)
    button = next(b for b in at.button if str(b.label).startswith("Show CPU"))
    button.click().run()
    assert not at.exception
    assert _control(at, "w_device").value == "cpu"
    assert at.session_state["view"].device == "cpu"


def test_detail_without_selection_opens_a_well_known_model(fixture_env):
    at = _app(page="detail")
    assert at.selectbox(key="w_model").value == TV_R50


def test_detail_with_an_unknown_model_says_so_and_shows_no_other(fixture_env):
    at = _app({"sel": "timm/nonexistent.x@224"}, page="detail")
    assert any("No model 'timm/nonexistent.x@224'" in w.value for w in at.warning)
    assert at.selectbox(key="w_model").value is None
    assert not at.subheader and not at.metric


def test_detail_of_an_unmeasured_configuration_lands_where_it_was_measured(fixture_env, tmp_path, monkeypatch):
    # the sidebar counts the configurations of the picked model on Detail (MACHINEFIX, UXCHECK6 #8): a model
    # without CUDA rows opens on its CPU rows, not on "not measured"
    res = pd.read_parquet(FIX / "results.parquet")
    path = tmp_path / "results.parquet"
    cache.write_atomic(_without_cuda_rows(res, TIMM_R50), path)   # with the marker cache.read wants
    monkeypatch.setenv("EFFICIENCY_RESULTS", str(path))
    at = _app({"sel": TIMM_R50}, page="detail")
    assert _control(at, "w_device").value == "cpu"
    assert {m.label: m.value for m in at.metric}["Latency p50"] != "not measured"
    assert any("was not measured for the picked models" in str(c.value) for c in at.sidebar.caption)


def test_detail_of_a_model_without_latency_names_another_implementation(fixture_env, tmp_path, monkeypatch):
    res = pd.read_parquet(FIX / "results.parquet")
    path = tmp_path / "results.parquet"
    cache.write_atomic(res[~((res["model"] == TIMM_R50) & (res["kind"] == "latency"))], path)
    monkeypatch.setenv("EFFICIENCY_RESULTS", str(path))
    at = _app({"sel": TIMM_R50}, page="detail")
    assert {m.label: m.value for m in at.metric}["Latency p50"] == "not measured"
    info = _texts(at, ("info",))
    assert "no latency measured at all" in info
    assert f"a different implementation, {TV_R50}" in info and "not this model's" in info
