"""The dashboard for language models (issue 11 item 6) and seed architectures' claimed accuracy (issue
12 item 4), as pure functions: axes, protocol groups, the front on a benefit axis, seed claims kept
off the front, the URL keys, the figure and CSV, the detail and hardware tables. The pages under
AppTest: tests/test_ui_language_pages.py; the tables: tests/language_fixture.py.
"""
from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from efficiency.ui import axes, language, seed_claims
from efficiency.ui import data as uidata
from efficiency.ui import language_detail as ld
from efficiency.ui.explorer import build_view, mark_front
from efficiency.ui.figures import build_figure, points_frame
from efficiency.ui.hardware import achieved_tflops, hardware_table
from efficiency.ui.pareto import dominated_by
from efficiency.ui.state import DEFAULT, from_query, parse_query, to_query
from efficiency.ui.tables import count_table, latency_table
from efficiency.vocab import X_AXES
from conftest import run_app
from language_fixture import LAMBADA, MMLU, MMLU_METRIC, SEEDS, write_language_fixture


@pytest.fixture(scope="module")
def lang_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lang")
    return folder, write_language_fixture(folder)


@pytest.fixture(scope="module")
def tables(lang_dir):
    folder, _ = lang_dir
    res = uidata.read_results(folder / "results.parquet").df
    acc = uidata.read_accuracy(folder / "accuracy.parquet", res).df
    return res, acc


LANG = replace(DEFAULT, task="language", x="decode_gflops_512", y_dataset=MMLU, y_metric=MMLU_METRIC)


# --------------------------------------------------------------------------- axes and tables

def test_language_axes_are_offered_for_language_and_state_their_units():
    assert tuple(axes.AXES) == X_AXES
    assert axes.axes_for_task("language") == axes.LANGUAGE_AXES
    assert axes.axes_for_task("classification") == axes.VISION_AXES
    assert set(axes.axes_for_task("all")) == set(X_AXES)
    assert axes.x_for_task("gmacs", "language") == "decode_gflops_512"
    assert axes.x_for_task("decode_tps", "detection") == "gmacs"
    assert axes.x_for_task("train_flops", "language") == "train_flops"
    for key in axes.LANGUAGE_AXES:
        spec = axes.AXES[key]
        assert spec.unit and "(" in spec.label, key
        assert ("higher is better" in spec.label) == spec.benefit, key
    assert {k for k in X_AXES if axes.AXES[k].benefit} == {"decode_tps", "bound_fraction"}
    assert "2 x MACs" in axes.AXES["decode_gflops_512"].label and "bf16" in axes.AXES["weight_gib"].label


def test_ttft_axis_names_batch_1_whatever_the_batch_shown():
    s = replace(LANG, x="ttft", batch=64)
    assert "batch 1" in axes.x_label(s, "NVIDIA H200") and "batch 64" not in axes.x_label(s, "NVIDIA H200")
    assert "batch 64" in axes.x_label(replace(s, x="decode_tps"), "NVIDIA H200")


def test_count_and_latency_tables_carry_the_language_columns(tables):
    res, _ = tables
    c = count_table(res).set_index("model")
    r = c.loc["hf/llama-3.2-1b"]
    assert r["decode_gflops_512"] == pytest.approx(2.54)
    assert r["weight_gib"] == pytest.approx(2 * 1.236e9 / 2 ** 30)
    assert r["kv_kib_token"] == pytest.approx(32.0)
    assert r["training_flops"] == pytest.approx(6 * 1.236e9 * 9e12)
    assert np.isnan(c.loc["hf/gpt2", "training_flops"]) and np.isnan(c.loc["timm/resnet50.a1_in1k@224", "weight_gib"])
    lat = latency_table(res, "cuda", 64, "bf16", "cuda_graph").set_index("model")
    b1 = latency_table(res, "cuda", 1, "bf16", "cuda_graph").set_index("model")
    # TTFT is measured at batch 1 only: the batch-64 view shows the batch-1 value
    assert lat.loc["hf/gpt2", "ttft_ms"] == b1.loc["hf/gpt2", "ttft_ms"] > 0
    assert lat.loc["hf/gpt2", "decode_ms_token"] == pytest.approx(1e3 / lat.loc["hf/gpt2", "decode_tps"])


# --------------------------------------------------------------------------- protocol groups

def test_protocol_group_in_words_and_in_the_selector(tables):
    _, acc = tables
    info = language.group_info(acc, MMLU, MMLU_METRIC)
    assert info["protocol_group"] == MMLU and info["shots"] == "5"
    words = language.group_words(info)
    assert words.startswith("MMLU, 5-shot, macro_avg/acc_char") and "Meta internal evaluations library" in words
    assert language.group_y_label(info) == "MMLU 5-shot macro_avg/acc_char (%)"
    assert language.group_info(acc, "imagenet-1k", "top1") is None
    labels = language.choice_labels(acc, [(MMLU, MMLU_METRIC), ("imagenet-1k", "top1")])
    assert labels["imagenet-1k:top1"] == "imagenet-1k:top1"
    assert "4 models" in labels[f"{MMLU}:{MMLU_METRIC}"] and MMLU in labels[f"{MMLU}:{MMLU_METRIC}"]


def test_pair_for_task_moves_only_to_a_known_pair_of_the_task():
    offered = [f"{MMLU}:{MMLU_METRIC}", f"{LAMBADA}:acc"]
    known = offered + ["imagenet-1k:top1"]
    assert language.pair_for_task(offered, "imagenet-1k:top1", known) == offered[0]   # a switch to language
    assert language.pair_for_task(offered, offered[1], known) == offered[1]
    assert language.pair_for_task(offered, "imagenet-sketch:top1", known) == "imagenet-sketch:top1"  # unknown: said


def test_language_view_plots_one_group_and_names_it(tables):
    res, acc = tables
    v = build_view(res, acc, LANG)
    assert set(v.points["model"]) == {"hf/llama-3.2-1b", "hf/llama-3.2-3b", "hf/llama-3.1-8b", "hf/llama-3.1-405b"}
    assert v.group["protocol_group"] == MMLU and v.y_label == "MMLU 5-shot macro_avg/acc_char (%)"
    assert MMLU in v.caption and "comparable only within one group" in v.caption
    assert v.x_label.startswith("Decode GFLOPs per generated token at context 512")
    other = build_view(res, acc, replace(LANG, y_dataset=LAMBADA, y_metric="acc"))
    assert set(other.points["model"]) == {"hf/gpt2", "hf/gpt2-medium"}        # never mixed with MMLU


def test_benefit_axis_front_maximises_tokens_per_second(tables):
    res, acc = tables
    v = build_view(res, acc, replace(LANG, x="decode_tps", batch=64))
    pts = v.points
    # brute force: a point is on the front iff no point has both more tokens/s and more accuracy
    for i, r in pts.iterrows():
        better = ((pts["x"] >= r["x"]) & (pts["y"] >= r["y"]) & ((pts["x"] > r["x"]) | (pts["y"] > r["y"]))).any()
        assert bool(r["on_front"]) == (not better), r["model"]
    assert list(v.front["x"]) == sorted(v.front["x"], reverse=True)      # cost-ascending: fastest first
    assert "higher is better" in v.x_label and "the front maximises it" in v.caption


def test_mark_front_on_a_benefit_axis_is_the_mirror_of_a_cost_axis():
    pts = pd.DataFrame({"x": [1.0, 2.0, 3.0, 2.5], "y": [90.0, 80.0, 70.0, 60.0]})
    _, cost_front = mark_front(pts, True)
    _, benefit_front = mark_front(pts, True, benefit=True)
    assert list(cost_front["x"]) == [1.0]
    assert list(benefit_front["x"]) == [3.0, 2.0, 1.0]
    neg = pts.assign(x=-pts["x"])
    assert len(dominated_by(neg["x"], neg["y"], 3)) == 1          # (2.5, 60) is beaten by (3, 70) only


def test_speed_gaps_give_the_error_or_not_measured(tables):
    res, acc = tables
    v = build_view(res, acc, replace(LANG, x="decode_tps"))
    note = " ".join(text for _, text in v.notes)
    assert "llama-3.1-405b" in note and "does not fit" in note
    # no sweep command for a model that cannot fit on the GPU that refused it (LLMUI, AUDIT7 F5)
    assert "efficiency.run.llm_sweep" not in note and "needs a GPU with more memory" in note
    gaps = language.speed_gaps(res, ["hf/mixtral-8x7b", "hf/gpt2"], "cuda", "bf16", "cuda_graph", 1)
    assert gaps == {"hf/mixtral-8x7b": "not measured"}


def test_axis_without_a_value_says_why(tables):
    res, acc = tables
    v = build_view(res, acc, replace(LANG, x="train_flops", y_dataset=LAMBADA, y_metric="acc"))
    assert v.points.empty
    assert any("no pre-training token count" in text for _, text in v.notes)


# --------------------------------------------------------------------------- seed claims

def _seed_table(folder: Path) -> Path:
    from efficiency.reference.seed_tables import TABLE_COLUMNS
    folder.mkdir(parents=True, exist_ok=True)
    rows = [dict(variant="fbnet_b", builder="fbnet_b", task="classification", input_size="3x224x224", paper_top1="74.1",
                 paper_metric="top1", source_url="https://arxiv.org/abs/1812.03443", table="abstract"),
            dict(variant="det", builder="det", task="detection", input_size="3x320x320", paper_top1="25.2",
                 paper_metric="map50_95", source_url="https://arxiv.org/abs/2406.14239", table="abstract"),
            dict(variant="vid", builder="vid", task="video", input_size="3x32x32", paper_top1="5.9",
                 paper_metric="error", source_url="https://arxiv.org/abs/2311.14775", table="abstract"),
            dict(variant="none", builder="none", task="classification", input_size="3x224x224", paper_top1="",
                 paper_metric="top1", source_url="https://arxiv.org/abs/1", table="")]
    with (folder / "fbnet.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=TABLE_COLUMNS)
        w.writeheader()
        for r in rows:
            # a paper parameter figure is required unless params_gap_reason says why there is none
            w.writerow({c: r.get(c, {"paper_params_scope": "parameters", "paper_params_m": "1"}.get(c, ""))
                        for c in TABLE_COLUMNS})
    return folder


def test_claimed_accuracy_reads_the_seed_tables(tmp_path):
    claimed = seed_claims.claimed_accuracy(_seed_table(tmp_path / "seed"))
    assert list(claimed["model"]) == ["seed/fbnet.fbnet_b@3x224x224", "seed/fbnet.det@3x320x320"]
    assert list(zip(claimed["dataset"], claimed["metric"])) == [("imagenet-1k", "top1"), ("coco-val2017", "box_map")]
    assert list(claimed["claimed"]) == [74.1, 25.2]           # the video error and the empty claim are left out
    acc = seed_claims.for_metric(claimed, "imagenet-1k", "top1")
    assert list(acc["model"]) == ["seed/fbnet.fbnet_b@3x224x224"] and acc["acc_source"][0].startswith("paper claim")


def test_the_real_seed_tables_name_zoo_ids():
    claimed = seed_claims.claimed_accuracy()
    assert len(claimed) and claimed["model"].str.match(r"^seed/[a-z0-9_]+\.[a-z0-9_]+@\d+x\d+x\d+$").all()


def test_seed_claims_are_drawn_but_never_join_the_front(tables):
    res, acc = tables
    plain = build_view(res, acc, DEFAULT)
    v = build_view(res, acc, replace(DEFAULT, seed_claims=True))
    assert set(v.seed["model"]) == set(SEEDS)
    assert not set(v.points["model"]) & set(SEEDS)
    pd.testing.assert_frame_equal(v.front, plain.front)          # the front is the reference front, unchanged
    row = v.seed.set_index("model").loc["seed/fbnet.fbnet_b@3x224x224"]
    assert row["y"] == 74.1 and row["x"] == pytest.approx(0.30)   # the paper's claim at our count
    assert "not on the front" in v.caption
    assert build_view(res, acc, DEFAULT).seed.empty               # off by default


def test_beyond_front_is_dominance_by_a_reference_point():
    ref = pd.DataFrame({"x": [1.0, 4.0], "y": [70.0, 80.0]})
    claims = pd.DataFrame({"x": [2.0, 0.5, 4.0], "y": [75.0, 60.0, 79.0]})
    assert list(seed_claims.beyond_front(claims, ref)) == [True, True, False]
    assert list(seed_claims.beyond_front(claims, ref, benefit=True)) == [False, False, False]


def test_figure_marks_seed_claims_with_their_own_marker_and_legend(tables):
    res, acc = tables
    fig = build_figure(build_view(res, acc, replace(DEFAULT, seed_claims=True)))
    seed = [t for t in fig.data if t.meta == "seed-claims"]
    assert len(seed) == 1 and len(seed[0].x) == 2
    assert seed[0].name.startswith("paper's claimed accuracy, our measured compute")
    others = {t.marker.symbol for t in fig.data if t.meta != "seed-claims" and t.marker is not None}
    assert seed[0].marker.symbol not in others
    front = next(t for t in fig.data if t.meta == "front")
    assert not set(np.asarray(front.customdata).ravel()) & set(SEEDS)


def test_exports_cover_language_columns_and_seed_rows(tables):
    res, acc = tables
    df = points_frame(build_view(res, acc, replace(LANG, x="decode_tps")))
    assert {"decode tokens / s (whole batch)", "TTFT p50 (ms, 512 tokens, batch 1)", "fraction of bandwidth bound",
            "weights bf16 (GiB)"} <= set(df)
    assert any(c.startswith("x: Decode tokens/s, higher is better") for c in df)
    seeded = points_frame(build_view(res, acc, replace(DEFAULT, seed_claims=True)))
    kinds = seeded["accuracy kind"].value_counts()
    assert kinds[seed_claims.LEGEND] == 2 and not seeded.loc[seeded["accuracy kind"] == seed_claims.LEGEND,
                                                             "on Pareto front"].any()


def test_language_hover_card_speaks_of_decode(tables):
    res, acc = tables
    fig = build_figure(build_view(res, acc, replace(LANG, x="decode_tps")))
    pts = next(t for t in fig.data if t.meta == "points")
    assert "GFLOPs/token" in pts.hovertemplate and "TTFT" in pts.hovertemplate and "bandwidth bound" in pts.hovertemplate


# --------------------------------------------------------------------------- URL state

def test_url_keys_for_language_and_seed_claims_round_trip():
    s = replace(LANG, x="bound_fraction", batch=64, mode="eager", seed_claims=True)
    q = to_query(s)
    assert q["seedacc"] == "1" and q["x"] == "bound_fraction" and q["metric"] == MMLU_METRIC and q["task"] == "language"
    assert from_query(q) == s
    for x in axes.LANGUAGE_AXES:
        assert from_query(to_query(replace(LANG, x=x))) == replace(LANG, x=x)


def test_old_links_keep_working():
    old = {"x": "latency_p50", "bs": "256", "ds": "imagenet-real", "seed": "1", "hl": "resnet*"}
    state, problems = parse_query(old)
    assert problems == [] and state.seed_claims is False and state.seed_only is True
    state, problems = parse_query({"seedacc": "yes", "metric": "../etc"})
    assert state == DEFAULT and len(problems) == 2


# --------------------------------------------------------------------------- detail, compare, hardware tables

def test_detail_tables_for_a_language_model(tables):
    res, acc = tables
    row = count_table(res).set_index("model").loc["hf/llama-3.2-1b"].to_dict() | {"model": "hf/llama-3.2-1b"}
    assert ld.is_language(row)
    facts = ld.count_facts(row).set_index("quantity")["value"]
    assert facts["Decode, per token at context 512"] == "2.54 GFLOPs" and facts["Weights in bf16"].endswith("GiB")
    speed = ld.speed_table(res, "hf/llama-3.2-1b")
    assert len(speed) == 4 and "TTFT p50 (ms)" in speed
    ttft, achieved = speed["TTFT p50 (ms)"], speed["prefill TFLOP/s"]
    prefill = count_table(res).set_index("model").loc["hf/llama-3.2-1b", "prefill_flops_512"]
    assert ttft.notna().any()
    for t, a in zip(ttft, achieved):       # prefill FLOPs over TTFT, where there is a TTFT (both to 3 digits)
        assert (a != a) if t != t else a == pytest.approx(prefill / (t / 1e3) / 1e12, rel=1e-2)
    assert ld.speed_table(res, "hf/llama-3.1-405b").empty
    errors = ld.speed_errors(res, "hf/llama-3.1-405b")
    assert len(errors) == 2 and errors["error"].str.startswith("does not fit").all()
    scores = ld.accuracy_rows(acc, "hf/llama-3.2-1b")
    assert scores["source"].tolist() == ["https://example.org/llama-3.2-1b"] and scores["score (%)"][0] == 32.2


def test_decode_rows_count_decode_flops_not_the_prefill(tables):
    res, _ = tables
    hw = hardware_table(res, ["hf/llama-3.2-1b"])
    r = hw[(hw["batch_size"] == 64) & (hw["mode"] == "cuda_graph")].iloc[0]
    assert achieved_tflops(hw.loc[[r.name]]).iloc[0] == pytest.approx(2.54e9 * 64 / (r["lat_p50_ms"] / 1e3) / 1e12)
    assert r["gmacs"] == pytest.approx(2.54 / 2)
    from efficiency.ui.hw_tables import decode_rows
    dec = decode_rows(hw)
    assert len(dec) == 4 and dec["bound_fraction"].between(0, 1).all()


def test_speed_gaps_name_the_smaller_batch_a_large_model_was_measured_at(tables):
    """A 70B-class model measured at the largest batch that fits (its row's note says which) is not
    "not measured" at batch 64: the gap names the batch it was measured at."""
    res, _ = tables
    gpt2 = res[(res["model"] == "hf/gpt2") & (res["kind"] == "latency") & (res["mode"] == "cuda_graph")
               & (res["batch_size"] == 64)]
    assert len(gpt2) == 1
    big = gpt2.assign(model="hf/mixtral-8x7b", batch_size=8,
                      latency_notes="batch 64 does not fit; largest that fits: 8")
    res = pd.concat([res, big], ignore_index=True)
    gaps = language.speed_gaps(res, ["hf/mixtral-8x7b", "hf/gpt2"], "cuda", "bf16", "cuda_graph", 64)
    assert gaps == {"hf/mixtral-8x7b": "batch 64 does not fit; largest that fits: 8 (measured at batch 8 only: "
                                         "pick batch 8 to see it)"}
    # in eager, where it has no row at all, it stays "not measured"
    assert language.speed_gaps(res, ["hf/mixtral-8x7b"], "cuda", "bf16", "eager", 64) == {
        "hf/mixtral-8x7b": "not measured"}


def test_language_hover_names_the_decode_mode_with_its_cache_and_ttft_as_eager():
    from types import SimpleNamespace

    from efficiency.ui.overlays import language_hover_template
    from efficiency.ui.state import ViewState
    for mode, words in (("cuda_graph", "CUDA graph (static KV cache)"), ("eager", "eager (dynamic KV cache)")):
        view = SimpleNamespace(state=ViewState(task="language", device="cuda", dtype="bf16", mode=mode, batch=1),
                               device_name="NVIDIA H200", y_label="MMLU")
        text = language_hover_template(view)
        assert f"decode step p50 ({words})" in text
        assert "TTFT p50 (512-token prompt, batch 1, eager prefill in both modes)" in text


def test_sidebar_names_the_language_decode_modes_with_their_cache(shipped_env):
    # the sidebar's mode control speaks as the hover and the detail page do; vision keeps "CUDA graph"
    def modes(query):
        at = run_app(query, timeout=120)
        return [b.proto.options for b in at.sidebar.get("button_group") if b.key == "w_mode"][0]

    language = [o.content for o in modes({"task": "language"})]
    assert "CUDA graph (static KV cache)" in language and "eager (dynamic KV cache)" in language
    vision = [o.content for o in modes({})]
    assert "CUDA graph" in vision and not any("KV cache" in m for m in vision)
