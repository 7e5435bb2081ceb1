"""AUDIT7 F10, L8 and L6: the Paper claims page's verdicts as a word and a wrapped reason, a reason in a
baseline's blank latency cell, and ``/pareto`` reaching the explorer."""
from __future__ import annotations

import pandas as pd

from efficiency.reference.claims import EXPLAINED, HOLDS, NOT_MEASURABLE, OFF
from efficiency.ui.claims_view import VERDICT_WORDS, untimed_cell, with_verdict_word


def test_the_verdict_word_and_its_reason():
    frame = pd.DataFrame({"kind": [HOLDS, NOT_MEASURABLE, EXPLAINED, OFF, NOT_MEASURABLE],
                          "verdict": ["compute holds (0.99x ours)", "not measurable: LLM pre-training FLOPs",
                                      "off by +5.2 % (compute), explained: rounding", "off: 1.2x its FLOPs",
                                      "not measurable"]})
    out = with_verdict_word(frame)
    assert out["verdict"].tolist() == ["holds", "not measurable", "off (explained)", "off (unexplained)",
                                       "not measurable"]
    # the kind said by the word is not said twice; any other text is kept whole
    assert out["why"].tolist() == ["compute holds (0.99x ours)", "LLM pre-training FLOPs",
                                   "off by +5.2 % (compute), explained: rounding", "1.2x its FLOPs", "not measurable"]


def test_a_blank_baseline_latency_says_why():
    results = pd.DataFrame({"model": ["a", "b", "b", "c"], "kind": ["count", "count", "latency", "latency"],
                            "error": ["", "", "", "CUDA out of memory"]})
    assert untimed_cell(results, "a") == "never timed (count only)"
    assert untimed_cell(results, "b") == "other config (note)"
    assert untimed_cell(results, "c") == "never timed (count only)"      # a failed row is no timing
    assert untimed_cell(results, "") == "not in the zoo (note)"


def test_every_verdict_table_starts_with_the_word(claims_page):
    tables = [d.value for d in claims_page.dataframe if "why" in d.value.columns]
    assert len(tables) == 4          # per paper, every claim, language models, details
    for table in tables:
        assert table.columns[0] == "verdict"
        assert set(table["verdict"]) <= set(VERDICT_WORDS.values()), set(table["verdict"])
        assert (table["why"].astype(str) != "").all()
    for d in claims_page.dataframe:
        if "why" in d.value.columns:
            assert d.proto.row_height > 64        # Streamlit wraps a cell's text only in a row over 4 rem


def test_no_baseline_latency_cell_is_blank(claims_page):
    tables = [d.value for d in claims_page.dataframe if "baseline H200 p50 (ms)" in d.value.columns]
    assert len(tables) >= 5
    cells = pd.concat([t["baseline H200 p50 (ms)"].astype(str) for t in tables])
    assert (cells.str.strip() != "").all() and (cells != "nan").all(), cells.tolist()
