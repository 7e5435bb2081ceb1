"""The pages for language models and seed claims under AppTest (issue 11 item 6, issue 12 item 4):
``?task=language`` draws a chart of one protocol group with its own x axis, the seed toggle adds
claimed-accuracy stars, and the detail, models, compare and hardware pages run for language models.
Tables: :func:`language_fixture.write_language_fixture`."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from language_fixture import MMLU, MMLU_METRIC

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 90


# --------------------------------------------------------------------------- pages (AppTest)

def _app(query: dict | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(page).run()
    return at


def _figure(at: AppTest, n: int = 0) -> dict:
    return json.loads(at.get("plotly_chart")[n].proto.spec)


def _n(values) -> int:
    """Length of a plotly JSON array, plain or typed (``{"dtype": ..., "bdata": base64}``)."""
    if isinstance(values, dict) and "bdata" in values:
        return len(np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"])))
    return len(values)


def _texts(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("title", "subheader", "markdown", "caption", "info", "warning")
                     for e in getattr(at, kind))


def test_explorer_with_task_language_draws_the_group(lang_env):
    at = _app({"task": "language"})
    assert not at.exception, at.exception
    assert at.selectbox(key="w_x").value == "decode_gflops_512"
    assert at.selectbox(key="w_acc").value == f"{MMLU}:{MMLU_METRIC}"     # the most covered group
    fig = _figure(at)
    points = [t for t in fig["data"] if t.get("meta") == "points"]
    assert sum(_n(t["x"]) for t in points) == 4
    assert fig["layout"]["title"]["subtitle"]["text"] == f"protocol group {MMLU}"
    text = _texts(at)
    assert f"protocol group **{MMLU}**" in text and "Meta internal evaluations library" in text
    assert at.query_params["task"] in ("language", ["language"])


def test_explorer_language_tokens_per_second_at_batch_64(lang_env):
    at = _app({"task": "language", "x": "decode_tps", "bs": "64", "mode": "eager"})
    assert not at.exception, at.exception
    fig = _figure(at)
    assert "higher is better" in fig["layout"]["xaxis"]["title"]["text"].replace("<br>", " ")   # wrapped for phones
    assert at.segmented_control(key="w_mode").value == "eager" and at.selectbox(key="w_batch").value == 64
    assert "does not fit" in _texts(at)


def test_seed_toggle_adds_star_points(lang_env):
    at = _app()
    assert not [t for t in _figure(at)["data"] if t.get("meta") == "seed-claims"]     # off by default
    at.toggle(key="w_seedacc").set_value(True).run()
    assert not at.exception, at.exception
    seed = [t for t in _figure(at)["data"] if t.get("meta") == "seed-claims"]
    assert len(seed) == 1 and _n(seed[0]["x"]) == 2
    assert seed[0]["marker"]["symbol"] == "star-triangle-up"
    # on screen a long legend name is wrapped onto lines (chart_view.legend_name): read it unwrapped
    assert seed[0]["name"].replace("<br>", " ").startswith("paper's claimed accuracy, our measured compute")
    assert at.query_params["seedacc"] in ("1", ["1"])


def test_detail_of_a_language_model_shows_speed_sources_and_why_not(lang_env):
    at = _app({"task": "language", "sel": "hf/llama-3.2-1b"}, "pages/detail.py")
    assert not at.exception, at.exception
    headers = [list(d.value.columns) for d in at.dataframe]
    assert any("decode tokens/s" in h and "energy (J/token)" in h for h in headers)
    assert any("tokens of the whole batch per second" in c.value for c in at.caption)   # the short header, explained
    assert any("protocol group" in h and "source" in h for h in headers)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Decode GFLOPs / token"] == "2.54"
    big = _app({"task": "language", "sel": "hf/llama-3.1-405b"}, "pages/detail.py")
    assert any("does not fit" in w.value for w in big.warning)
    never = _app({"task": "language", "sel": "hf/mixtral-8x7b"}, "pages/detail.py")
    assert any("not measured" in i.value and "llm_sweep" in i.value for i in never.info)


@pytest.mark.parametrize("page", ["pages/models.py", "pages/compare.py", "pages/hardware.py"])
def test_other_pages_run_for_language(lang_env, page):
    at = _app({"task": "language", "bs": "64"}, page)
    assert not at.exception, at.exception
    assert not [e.value for e in at.error]
    if page == "pages/compare.py":
        assert any("decode tokens/s" in c for c in at.dataframe[0].value.columns)
    if page == "pages/hardware.py":
        assert "memory-bandwidth bound" in _texts(at)


def test_compare_of_language_models_under_another_task_moves_to_language(lang_env):
    """Language models picked (or linked) while the task is classification were compared under ImageNet-1k
    top-1, which they have no number for: the page moves to the language task, its accuracy and columns."""
    from efficiency.ui.axes import LANGUAGE
    import pandas as pd
    import os
    ids = sorted(m for m in pd.read_parquet(os.environ["EFFICIENCY_RESULTS"], columns=["model", "task"])
                 .query("task == 'language'")["model"].unique())[:2]
    at = _app({"sel": ",".join(ids)}, "pages/compare.py")
    assert not at.exception, at.exception
    assert at.selectbox(key="w_task").value == LANGUAGE
    cols = list(at.dataframe[0].value.columns)
    assert any("decode tokens/s" in c for c in cols), cols
    assert not any("ImageNet" in c for c in cols) and "ImageNet" not in _texts(at)
