"""LLMUI (AUDIT7 F2-F5, F7, F8, L1, L4, L5): language rows' stability from their stored spread, TTFT flags,
no futile sweep commands, the closest batch, group labels, shared protocol groups, claims on Model detail."""
import math

import pandas as pd
import pytest

from efficiency import paths
from efficiency.store.query import good_rows
from efficiency.ui import configs, language
from efficiency.ui.compare_groups import groups_text, shared_groups
from efficiency.ui.lang_stability import LAUNCH_BOUND, TTFT_NOISY, fill_noisy, ttft_flags, ttft_note
from efficiency.ui.tables import latency_derived, stability, stability_text

SHIPPED = paths.DATA / "results.parquet"


def _lat(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    base = {"model": [f"hf/m{i}" for i in range(n)], "kind": ["latency"] * n, "device": ["cuda"] * n,
            "hardware": ["gpu/X"] * n, "batch_size": [1] * n}
    return pd.DataFrame({**base, **cols})


def test_spread_decides_a_row_without_a_flag_iqr_first_and_a_stored_flag_is_kept():
    rows = _lat(latency_ms_p50=[10.0, 10.0, 10.0, 10.0, 10.0], latency_ms_std=[1.0, 0.2, 1.0, 0.1, math.nan],
                latency_ms_iqr=[math.nan, math.nan, 0.3, math.nan, math.nan],
                noisy=pd.array([pd.NA, pd.NA, pd.NA, True, pd.NA], dtype="boolean"))
    got = fill_noisy(rows.copy())
    # std 10 % -> noisy; std 2 % -> stable; IQR 3 % wins over std 10 %; stored True kept; nothing stored -> NA
    assert got["noisy"].tolist()[:4] == [True, False, False, True] and pd.isna(got["noisy"].iloc[4])
    assert list(stability(latency_derived(rows))) == ["noisy", "stable", "stable", "noisy", "not assessed"]
    assert stability_text(latency_derived(rows).iloc[0].to_dict()) == "noisy row: spread (std, no IQR stored) 10.0 % of p50"


def test_ttft_launch_bound_and_noisy():
    lat = _lat(ttft_ms_p50=[30.0, 20.0, 40.0, math.nan], ttft_ms_p90=[30.3, 20.2, 44.0, math.nan],
               latency_ms_p50=[1.0] * 4)
    counts = pd.DataFrame({"model": lat["model"], "kind": "count",
                           # 1e12 FLOPs in 30 ms: 33 TFLOP/s; 1e13 in 20 ms: 500 (the best); 1e13 in 40 ms: 250
                           "prefill_flops_512": [1e12, 1e13, 1e13, 1e12]})
    results = pd.concat([lat, counts], ignore_index=True)
    flags = ttft_flags(lat, results)
    assert flags.tolist() == [LAUNCH_BOUND, "", TTFT_NOISY, ""]     # 33 < 25 % of 500; 44/40 = 1.10 > 1.05
    note = ttft_note(lat.assign(ttft_ms=lat["ttft_ms_p50"], ttft_flag=flags))
    assert "launch-bound" in note and "m0" in note and "noisy" in note and "m2" in note and "1 model:" in note


@pytest.mark.skipif(not SHIPPED.exists(), reason="shipped results not present")
def test_shipped_language_rows_all_assessed_and_bert_base_is_noisy():
    res = pd.read_parquet(SHIPPED)
    lang = good_rows(res)
    lang = latency_derived(lang[(lang["source"] == "hf") & (lang["kind"] == "latency")])
    words = stability(lang)
    assert (words == "not assessed").sum() == 0
    by_model = dict(zip(lang["model"], words))
    assert by_model["hf/bert-base-uncased"] == "noisy" and by_model["hf/bert-large-uncased"] == "stable"
    first = configs.HwConfig("cuda", "bf16", "eager", 1)
    from efficiency.ui.tables import latency_table
    t = latency_table(res, *first[:1], 1, "bf16", "cuda_graph").set_index("model")
    assert t.at["hf/qwen2.5-0.5b", "ttft_flag"] == LAUNCH_BOUND and t.at["hf/qwen2.5-7b", "ttft_flag"] == ""


def test_closest_configuration_takes_the_nearest_batch():
    h = configs.HwConfig
    options = {h("cuda", "bf16", "eager", 1): 1, h("cuda", "bf16", "eager", 16): 1,
               h("cuda", "bf16", "cuda_graph", 1): 1, h("cuda", "bf16", "cuda_graph", 16): 1}
    assert configs.closest_configuration(options, h("cuda", "bf16", "eager", 64)) == h("cuda", "bf16", "eager", 16)


def test_no_sweep_command_for_models_that_cannot_fit():
    from efficiency.ui.state import DEFAULT
    from dataclasses import replace
    from efficiency.ui.view_notes import _language_hint
    s = replace(DEFAULT, task="language")
    fit = {"hf/a": "does not fit: 810 GB of bf16 weights", "hf/b": "batch 64 does not fit; largest that fits: 16 "
           "(measured at batch 16 only: pick batch 16 to see it)"}
    assert "llm_sweep" not in _language_hint(s, fit) and "more memory" in _language_hint(s, fit)
    hint = _language_hint(s, {**fit, "hf/c": "not measured"})
    assert "'c'" in hint and "'a'" not in hint and "'b'" not in hint and hint.startswith(" Measure it ")


def test_bert_group_label_reads_as_words():
    info = {"protocol_group": "g", "benchmark": "glue_average", "metric": "average_excl_wnli", "shots": "",
            "harness": "GLUE test server", "average": "macro", "variant": "finetuned"}
    assert language.group_y_label(info) == "GLUE fine-tuned average excluding WNLI (%)"


def test_shared_groups_name_the_groups_scoring_most_compared_models():
    acc = pd.DataFrame({"model": ["a", "b", "c", "a", "b", "a"], "dataset": ["g1", "g1", "g1", "g2", "g2", "g3"],
                        "metric": "score", "value": [1.0] * 6, "protocol_group": ["g1"] * 3 + ["g2"] * 2 + ["g3"],
                        "benchmark": ["mmlu"] * 3 + ["arc_challenge"] * 2 + ["mmlu"], "shots": "5",
                        "harness": "h", "average": "", "variant": "base"})
    got = shared_groups(acc, ["a", "b", "c"])
    assert [(g.key, g.covered) for g in got] == [("g1:score", 3), ("g2:score", 2)]      # g3 scores one only
    assert "3 of 3" in groups_text(got, 3, "g3:score", "MMLU score")
    assert "no other protocol group" in groups_text(got[:1], 3, "g1:score", "MMLU score")


def test_front_metric_label_is_no_speed_for_a_fraction():
    from efficiency.ui.pareto_notes import front_metric_label
    assert front_metric_label("bound_fraction", "fraction") == "Highest on front (fraction)"
    assert front_metric_label("decode_tps", "tokens/s") == "Fastest on front (tokens/s)"
    assert front_metric_label("gmacs", "GMACs").startswith("Cheapest")


@pytest.mark.skipif(not SHIPPED.exists(), reason="shipped results not present")
def test_model_detail_claims_for_olmo_and_k2():
    from efficiency.reference.llm_claims import load_peaks, spec_vocab
    from efficiency.ui import data as uidata
    from efficiency.ui.language_claims import claim_lines, model_claims
    res = pd.read_parquet(SHIPPED)
    claims = uidata.read_claims(uidata.path_for("claims")).df
    acc = uidata.read_accuracy(uidata.path_for("accuracy"), res).df
    for model in ("hf/olmo-2-7b", "hf/k2-65b"):
        found = model_claims(claims, res, acc, load_peaks(), spec_vocab, model)
        assert len(found) >= 1 and (found["role"] == "claimed model").all()
        assert all(line.startswith("*") for line in claim_lines(found))
    assert model_claims(claims, res, acc, load_peaks(), spec_vocab, "hf/gpt2").empty
