"""FIX8 (AUDIT7 L3, F5's command line): bytes shown in one convention on the language detail, and the plot
CLI's language notes the dashboard's.

L3: the language detail read "Weights (bf16) 756 GiB" and "H200, 140 GiB" beside the stored error "810 GB of
bf16 weights ... on a GPU with 151 GB in all". The stored rows are not rewritten: the pages show their sizes in
GiB with the stored GB beside (efficiency.ui.byte_units), and the sweep writes both for new rows.
F5: ``python -m efficiency.plot --task language`` prints the dashboard's notes (the same build_view): no sweep
command for a model that cannot fit, and the batch that was measured named as ``--batch-size``.
"""
from __future__ import annotations

import pandas as pd
import pytest

from efficiency.run import llm_sweep
from efficiency.store import cache
from efficiency.ui import data as uidata
from efficiency.ui import language, plot_cli
from efficiency.ui.byte_units import binary_bytes
from efficiency.ui.cli_notes import cli_note
from efficiency.ui.language_detail import speed_errors, speed_table
from language_fixture import MMLU, MMLU_METRIC, write_language_fixture

STORED_405B = ("does not fit: 810 GB of bf16 weights (published 405,000,000,000 params) on a GPU with 151 GB "
               "in all")       # the shipped rows' text (data/results.parquet, llm_sweep before FIX8)


def test_stored_decimal_sizes_are_shown_in_gib_with_the_stored_figure_beside():
    shown = binary_bytes(STORED_405B)
    # 810e9 / 2^30 = 754.37; 151e9 / 2^30 = 140.63 (the sidebar's "NVIDIA H200, 140 GiB")
    assert shown == ("does not fit: 754.4 GiB (810 GB) of bf16 weights (published 405,000,000,000 params) on a "
                     "GPU with 140.6 GiB (151 GB) in all")
    assert binary_bytes(shown) == shown                      # rewritten once, however often a page shows it
    note = "measured with an untied copy (11.58 GB allocated); one table (129 MB) subtracted"
    assert binary_bytes(note) == ("measured with an untied copy (10.8 GiB (11.58 GB) allocated); one table "
                                  "(123 MiB (129 MB)) subtracted")
    assert binary_bytes("2,359 MB") == "2,250 MiB (2,359 MB)"
    for same in ("NVIDIA H100 80GB HBM3", "1 GiB free", "batch 64 does not fit; largest that fits: 16", ""):
        assert binary_bytes(same) == same
    assert binary_bytes(None) is None and pd.isna(binary_bytes(float("nan")))


def test_the_sweep_writes_gib_first_and_the_page_leaves_it_as_written():
    why = llm_sweep._fits({"published_params": 405 * 10**9}, 151 * 10**9)
    assert why.startswith("does not fit: 754.4 GiB (810.0 GB) of bf16 weights") and \
        "exceed the 140.6 GiB (151.0 GB) free on the GPU" in why
    assert binary_bytes(why) == why and language.cannot_fit(why)


@pytest.fixture(scope="module")
def lang(tmp_path_factory):
    """The language fixture, with llama-3.1-8b's batch-64 rows made the sweep's "largest that fits" rows
    (batch 16, as the 70B's on the H200) and a latency note in decimal units."""
    folder = tmp_path_factory.mktemp("fix8")
    env = write_language_fixture(folder)
    res = cache.read(folder / "results.parquet")
    big = (res["model"] == "hf/llama-3.1-8b") & (res["kind"] == "latency") & (res["batch_size"] == 64)
    res.loc[big, "batch_size"] = 16
    res.loc[big, "latency_notes"] = "batch 64 does not fit; largest that fits: 16"
    one = (res["model"] == "hf/llama-3.1-8b") & (res["kind"] == "latency") & (res["batch_size"] == 1)
    res.loc[one, "latency_notes"] = "peak memory corrected: (11.58 GB allocated); one table (129 MB) subtracted"
    res.loc[(res["model"] == "hf/llama-3.1-405b") & (res["error"] != ""), "error"] = STORED_405B
    cache.write_atomic(res, folder / "results.parquet")
    return folder, env, uidata.read_results(folder / "results.parquet").df


def test_detail_errors_notes_and_explorer_reasons_speak_gib(lang):
    _, _, res = lang
    errors = speed_errors(res, "hf/llama-3.1-405b")
    assert len(errors) == 2 and set(errors["error"]) == {binary_bytes(STORED_405B)}
    notes = speed_table(res, "hf/llama-3.1-8b")["notes"]
    assert notes.str.contains(r"10\.8 GiB \(11\.58 GB\) allocated", regex=True).sum() == 2, notes.tolist()
    gaps = language.speed_gaps(res, ["hf/llama-3.1-405b"], "cuda", "bf16", "cuda_graph", 1)
    assert gaps == {"hf/llama-3.1-405b": binary_bytes(STORED_405B)}
    assert language.cannot_fit(gaps["hf/llama-3.1-405b"])          # still no sweep command for it


def test_cli_note_names_the_command_lines_options():
    page = ("batch 64 does not fit; largest that fits: 16 (measured at batch 16 only: pick batch 16 to see it): "
            "llama-3.1-70b. Pick it under Machine in the sidebar.")
    assert cli_note(page) == ("batch 64 does not fit; largest that fits: 16 (measured at batch 16 only: "
                              "--batch-size 16 draws it): llama-3.1-70b. Pick it with --hw (--hw ? lists them).")
    assert cli_note("Pick NVIDIA H100 under Machine in the sidebar") == \
        "Pick NVIDIA H100 with --hw (--hw ? lists them)"


def _plot(folder, capsys, *args) -> tuple[int, str]:
    code = plot_cli.main(["--task", "language", "--y", f"{MMLU}:{MMLU_METRIC}", "--x", "decode_tps",
                          "--cache", str(folder / "results.parquet"), "--accuracy-file",
                          str(folder / "accuracy.parquet"), "--no-claims", "--out", str(folder / "p.csv"), *args])
    return code, capsys.readouterr().err


def test_plot_cli_gives_no_sweep_command_for_models_that_cannot_fit(lang, capsys):
    folder, _, _ = lang
    code, err = _plot(folder, capsys)
    assert code == 0, err
    line = next(x for x in err.splitlines() if "no speed row" in x)
    assert "does not fit: 754.4 GiB (810 GB) of bf16 weights" in line and "llama-3.1-405b" in line
    assert "efficiency.run.llm_sweep" not in err and "needs a GPU with more memory" in line
    code, err = _plot(folder, capsys, "--batch-size", "64")
    assert code == 0, err
    line = next(x for x in err.splitlines() if "no speed row" in x)
    # the 8B stands for the 70B: batch 64 did not fit, 16 was measured; the CLI says which option draws it
    assert "largest that fits: 16 (measured at batch 16 only: --batch-size 16 draws it): llama-3.1-8b" in line
    assert "pick batch" not in line and "efficiency.run.llm_sweep" not in err, err
    code, err = _plot(folder, capsys, "--batch-size", "16")
    assert code == 0 and "llama-3.1-8b" in (folder / "p.csv").read_text(), err
