"""Every page runs under AppTest on the fixture cache, and degrades to messages on missing data."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from efficiency.ui.state import PAGES

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"
TIMEOUT = 60


def _app(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at.run()


def _text(at: AppTest) -> str:
    parts = []
    for kind in ("title", "markdown", "caption", "info", "warning", "success", "subheader", "code"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)


EXPECT = {
    "pareto": "Pareto explorer",
    "models": "Models",
    "detail": "Model detail",
    "compare": "Compare models",
    "claims": "Paper claims vs measurements",
    "hardware": "Hardware",
    "data": "Data and method",
}


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_runs(fixture_env, page):
    at = _app()
    assert not at.exception, at.exception
    if page != "pareto":
        at.switch_page(PAGES[page][1]).run()
    assert not at.exception, at.exception
    assert at.title[0].value == EXPECT[page]
    assert not [e for e in at.error], [e.value for e in at.error]


def test_pareto_content(fixture_env):
    at = _app()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Models plotted"] == "18"
    assert metrics["On the front"] == "6"
    front = next((h.proto.body for h in at.get("html") if 'class="fp-table"' in h.proto.body), "")
    # an HTML table: ids as written (the <wbr> break points are for narrow screens, efficiency.ui.phone)
    assert "<td>timm/mobilenetv3_large_100.ra_in1k@224</td>" in front.replace("<wbr>", "")
    # the caption is printed once under the chart (the page wraps it at any width), not in the plot
    assert _text(at).count("GMACs count 1 multiply-add as 1") == 1


def test_budget_query_answers(fixture_env):
    at = _app({"x": "latency_p50", "bs": "256", "budget": "5"})
    assert not at.exception
    assert any("efficientnet_b0" in s.value for s in at.success), [s.value for s in at.success]


def test_shared_link_restores_view(fixture_env):
    at = _app({"x": "params", "logx": "0", "fam": "resnet,vit", "ds": "imagenet-real"})
    assert not at.exception
    assert at.selectbox(key="w_x").value == "params"
    assert at.toggle(key="w_logx").value is False
    assert at.multiselect(key="w_families").value == ["resnet", "vit"]
    assert at.selectbox(key="w_acc").value == "imagenet-real:top1"
    assert at.metric[0].value == "6"       # resnet x3 + vit x3 from timm have imagenet-real
    assert dict(at.query_params)["fam"] == ["resnet,vit"] or at.query_params["fam"] == "resnet,vit"


def test_malformed_query_params_warn_not_crash(fixture_env):
    at = _app({"x": "__import__('os')", "bs": "-1", "zzz": "1", "sel": "../../etc/passwd", "budget": "inf"})
    assert not at.exception
    assert any("Ignored in the link" in w.value for w in at.sidebar.warning)
    at.switch_page(PAGES["detail"][1]).run()
    assert not at.exception
    assert any("No model '../../etc/passwd'" in w.value for w in at.warning)


def test_detail_shows_numbers_and_refresh_command(fixture_env):
    at = _app({"sel": "timm/vit_base_patch16_224.augreg2_in21k_ft_in1k@224"})
    at.switch_page(PAGES["detail"][1]).run()
    assert not at.exception
    text = _text(at)
    assert "python -m efficiency.refresh --models 'timm/vit_base_patch16_224.augreg2_in21k_ft_in1k@224'" in text
    assert "aten.scaled_dot_product_attention" in str([d.value for d in at.dataframe])
    labels = {m.label: m.value for m in at.metric}
    assert labels["GMACs / sample"] == "17.580" and labels["GFLOPs / sample"] == "35.160"


def test_unmeasured_config_in_link_lands_on_a_measured_one(fixture_env):
    # the link asks for compile, never measured: the sidebar says so and shows a measured mode
    at = _app({"x": "latency_p50", "mode": "compile"})
    assert not at.exception
    assert at.segmented_control(key="w_mode").value in ("eager", "cuda_graph")
    assert any("was not measured for this task" in str(c.value) for c in at.sidebar.caption)
    assert not any("No latency rows" in w.value for w in at.warning)


def test_eager_small_batch_gpu_view_says_it_measures_the_host(fixture_env):
    from efficiency.ui.session import EAGER_GPU_NOTE

    captions = lambda at: [str(c.value) for c in at.sidebar.caption]  # noqa: E731
    assert EAGER_GPU_NOTE in captions(_app({"dev": "cuda", "mode": "eager", "bs": "1"}))
    assert EAGER_GPU_NOTE not in captions(_app({"dev": "cuda", "mode": "cuda_graph", "bs": "1"}))
    assert EAGER_GPU_NOTE not in captions(_app({"dev": "cpu", "mode": "eager", "dtype": "fp32"}))


def test_unknown_metric(fixture_env):
    at = _app({"ds": "imagenet-sketch", "metric": "top1"})
    assert not at.exception
    assert any("No published accuracy for imagenet-sketch top1" in w.value for w in at.warning)


@pytest.mark.parametrize("page", list(PAGES))
def test_empty_cache_every_page(tmp_path, monkeypatch, page):
    monkeypatch.setenv("EFFICIENCY_RESULTS", str(tmp_path / "absent.parquet"))
    monkeypatch.setenv("EFFICIENCY_ACCURACY", str(tmp_path / "absent_acc.parquet"))
    monkeypatch.setenv("EFFICIENCY_CLAIMS", str(tmp_path / "absent.csv"))
    monkeypatch.chdir(ROOT)
    at = _app()
    if page != "pareto":
        at.switch_page(PAGES[page][1]).run()
    assert not at.exception, at.exception
    msgs = " ".join(e.value for e in list(at.info) + list(at.warning))
    assert msgs, "an empty cache must say what is missing"
    if page in ("pareto", "detail", "compare", "hardware"):
        assert "python -m efficiency.refresh" in msgs
    # pages that stop early still get the copy-link box
    assert any(c.value.startswith("http") for c in at.sidebar.code)


def test_corrupt_cache_is_a_message(tmp_path, monkeypatch):
    bad = tmp_path / "results.parquet"
    bad.write_text("not parquet")
    monkeypatch.setenv("EFFICIENCY_RESULTS", str(bad))
    monkeypatch.setenv("EFFICIENCY_ACCURACY", str(FIX / "accuracy.parquet"))
    monkeypatch.setenv("EFFICIENCY_CLAIMS", str(FIX / "paper_claims.csv"))
    at = _app()
    assert not at.exception
    assert any("cannot be read" in w.value and "--quarantine-corrupt" in w.value and str(bad) in w.value
               for w in at.warning)
    # no second hint whose command would refuse that same file
    assert not any("Fill it with" in i.value for i in at.info)


def test_copy_link_carries_the_view(fixture_env):
    at = _app({"x": "params", "sel": "timm/resnet50.a1_in1k@224"})
    codes = [c.value for c in at.sidebar.code]
    assert any("x=params" in c and c.startswith("http") for c in codes), codes
    at.switch_page(PAGES["detail"][1]).run()
    codes = [c.value for c in at.sidebar.code]
    assert any("/detail?" in c and "sel=timm%2Fresnet50.a1_in1k%40224" in c for c in codes), codes


def test_compare_opens_on_two_models_when_the_front_has_one(fixture_env):
    at = _app({"q": "resnet50.a1"})
    at.switch_page(PAGES["compare"][1]).run()
    assert not at.exception, at.exception
    assert len(at.multiselect[0].value) >= 2
    assert not any("at least two" in i.value for i in at.info)
