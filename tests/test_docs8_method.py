"""The Data and method page states the stability rules the other pages point to, the machines measured and their
GPU coverage, and the language rows' conventions (AUDIT8 F4), from the data and the code's own constants."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from efficiency import paths
from efficiency.run.llm_sweep import NEW_TOKENS, PROMPT_LEN
from efficiency.ui import method_text
from efficiency.ui.lang_stability import RULE as LANGUAGE_RULE, SPREAD_PCT, TTFT_RULE
from efficiency.ui.tables import MIN_SAMPLES_TAIL, NOISY_IQR_PCT, STABILITY_RULE

from conftest import bench_module, run_app

ROOT = Path(__file__).resolve().parent.parent


def _bench():
    return bench_module("h200_coverage")


@pytest.fixture(scope="module")
def results() -> pd.DataFrame:
    return pd.read_parquet(paths.RESULTS)


def test_page_coverage_is_bench_h200_coverage_s_on_the_shipped_cache(results):
    bench = _bench()
    assert method_text.CONFIGS == tuple(bench.CONFIGS)
    cov = method_text.gpu_coverage(results)
    assert len(cov.machines) >= 2
    for gpu in ("H200", "H100"):
        n, by = bench.per_config(results, gpu)
        (machine,) = [m for m in cov.machines if gpu in m.name]
        assert cov.architectures == n
        assert machine.counts == tuple(by[c] for c in bench.CONFIGS)
    # the page reads the zoo entries only (derived sizes split off on load): the same figures
    from efficiency.ui import data as uidata
    assert method_text.gpu_coverage(uidata.read_results(paths.RESULTS).df) == cov


def _row(arch: str, hw: str, batch: int, mode: str, **kw) -> dict:
    return {**dict(model=f"timm/{arch}.x@224", source="timm", arch=arch, task="classification", kind="latency",
                   device="cuda", dtype="bf16", error="", derived_from="", hardware=hw, hardware_name=f"{hw} words",
                   batch_size=batch, mode=mode, measured_at="2026-12-08T00:00:00+00:00"), **kw}


def test_three_configurations_count_only_on_one_machine_and_any_gpu_is_the_union():
    three = [(1, "eager"), (1, "cuda_graph"), (256, "eager")]
    df = pd.DataFrame([_row("a", "gpu/A", b, m) for b, m in three]                  # all three on A
                      + [_row("b", "gpu/A", 1, "eager"), _row("b", "gpu/B", 1, "cuda_graph"),
                         _row("b", "gpu/B", 256, "eager")]                          # split over A and B
                      + [_row("c", "gpu/B", 1, "eager"), _row("c", "gpu/B", 256, "eager", error="OOM")]
                      + [_row("d", "any", 1, "count", kind="count", device="")])    # counted, never timed
    cov = method_text.gpu_coverage(df)
    assert cov.architectures == 4 and cov.three_on_one == 1
    assert cov.any_gpu == (3, 2, 2, 0)
    assert [(m.name, m.counts) for m in cov.machines] == [("gpu/A words", (2, 1, 1, 0)), ("gpu/B words", (1, 1, 1, 0))]
    text = method_text.coverage_sentence(cov)
    assert "2 GPUs: gpu/A words and gpu/B words" in text and "Of the 4 timm" in text
    assert "3 have a batch 1 eager row on one of them, and 1 (25.0 %)" in text
    table = method_text.coverage_table(cov)
    assert table["machine"].tolist()[-1] == method_text.ANY_GPU
    machines = method_text.machines_table(df).set_index("machine")
    assert machines.loc["gpu/B words", ["good rows", "models", "errors"]].tolist() == [3, 2, 1]
    assert machines.loc["gpu/A words", ["good rows", "models", "errors"]].tolist() == [4, 2, 0]


def test_stability_rule_text_is_the_measurement_s():
    # the UI cannot import efficiency.measure (torch): its rule text must carry the measurement's constants
    from efficiency.measure.energy import OVER_LIMIT
    from efficiency.measure.latency import NOISY_CLOCK_DROP, NOISY_IQR_REL
    from efficiency.store.noisy import ENERGY_SPEED_TOL

    assert NOISY_IQR_PCT == 100 * NOISY_IQR_REL == SPREAD_PCT
    assert f"IQR over {NOISY_IQR_PCT:g} % of p50" in STABILITY_RULE
    assert f"SM clock drop over {100 * NOISY_CLOCK_DROP:g} %" in STABILITY_RULE
    assert f"energy window more than {100 * ENERGY_SPEED_TOL:g} % off p50" in STABILITY_RULE
    assert OVER_LIMIT > 1 and "power over the board limit" in STABILITY_RULE
    text = method_text.stability_markdown()
    for part in (STABILITY_RULE.partition("; ")[0], LANGUAGE_RULE, TTFT_RULE.removeprefix("TTFT: "),
                 f"fewer than {MIN_SAMPLES_TAIL} timed calls"):
        assert part in text


def test_data_page_states_the_rules_machines_and_language_conventions():
    at = run_app({}, page="data")
    text = " ".join(m.value for m in at.markdown)
    assert "Stability rule" in text and LANGUAGE_RULE in text and "is_noisy" in text
    cov = method_text.gpu_coverage(pd.read_parquet(paths.RESULTS))
    assert method_text.coverage_sentence(cov) in text
    assert "NVIDIA H100" in text and "NVIDIA H200" in text
    assert "one **decode step**" in text and f"context {PROMPT_LEN} to {PROMPT_LEN + NEW_TOKENS}" in text
    assert "llm_accuracy.csv" in text
    frames = [df.value for df in at.dataframe]
    assert any("batch 256 eager" in f.columns for f in frames)
