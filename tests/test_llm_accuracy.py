"""data/llm_accuracy.csv (issue 11 items 4-5): the shipped table is valid and sourced, a malformed one
fails naming file and line, and load_accuracy() carries the language rows with their protocol group."""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest

from efficiency.reference import llm_accuracy as la
from efficiency.reference.accuracy import ACCURACY_COLUMNS
from efficiency.store import query
from efficiency.zoo import hf

REPO = Path(__file__).resolve().parent.parent
FIX = REPO / "tests" / "fixtures"


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return la.read_llm_accuracy()


def test_shipped_table_is_valid_and_every_row_is_sourced(rows):
    assert la.DEFAULT_PATH == REPO / "data" / "llm_accuracy.csv"
    assert len(rows) >= 50
    assert rows["source_url"].str.startswith("https://").all()
    for col in ("source_quote", "read_at", "harness", "protocol_group"):
        assert (rows[col].str.strip() != "").all(), col
    # a quote names the value it was read as
    for value, quote in zip(rows["value"], rows["source_quote"]):
        assert f"{value:g}" in quote or f"{value:.1f}" in quote, (value, quote)


def test_every_model_id_is_a_zoo_language_model(rows):
    names = {p.stem for p in hf.spec_paths()}
    ids = set(rows["model"])
    assert all(m.startswith("hf/") and m[3:] in names for m in ids), ids - {f"hf/{n}" for n in names}
    assert len(ids) >= 20


def test_groups_are_single_protocol_and_cover_many_models(rows):
    for group, sub in rows.groupby("protocol_group"):
        for key in la.GROUP_KEYS:
            assert sub[key].nunique() == 1, (group, key)
        assert not sub.duplicated(["model", "metric"]).any(), group
    # the OLMo 2 claim's comparison: OLMo 2 against Llama 3.1 and Qwen 2.5 in one group
    olmo = set(rows.loc[rows["protocol_group"] == "average-base-olmo2-card", "model"])
    assert {"hf/olmo-2-7b", "hf/olmo-2-13b", "hf/llama-3.1-8b", "hf/qwen2.5-7b"} <= olmo
    mmlu = rows[rows["benchmark"] == "mmlu"]
    assert mmlu.groupby("protocol_group")["model"].nunique().max() >= 10


def test_every_zoo_language_model_has_a_score(rows):
    """Each spec has at least one published score, and the models added from their own papers sit in
    groups of one source table each (Mistral's two papers report Mistral 7B differently: two groups)."""
    names = {f"hf/{p.stem}" for p in hf.spec_paths()}
    assert names - set(rows["model"]) == set()
    mistral = rows[(rows["model"] == "hf/mistral-7b") & (rows["benchmark"] == "mmlu")].set_index("protocol_group")
    assert mistral["value"].to_dict() == {"mmlu-5shot-base-mistral7b-paper": 60.1, "mmlu-5shot-base-mixtral-paper": 62.5}
    mixtral = set(rows.loc[rows["protocol_group"] == "mmlu-5shot-base-mixtral-paper", "model"])
    assert {"hf/mixtral-8x7b", "hf/mistral-7b", "hf/llama-2-70b"} <= mixtral
    k2 = set(rows.loc[rows["protocol_group"] == "mmlu-base-llm360-eval-page", "model"])
    assert k2 == {"hf/k2-65b", "hf/llama-2-70b"}
    # Phi-3's report scores its aligned models: an instruct group, never merged with base models
    phi = rows[rows["model"].str.startswith("hf/phi-3")]
    assert (phi["variant"] == "instruct").all() and set(phi["protocol_group"]) == {"mmlu-instruct-phi3-report-abstract"}
    assert (rows.loc[rows["variant"] == "instruct", "model"].str.startswith("hf/phi-3")).all()
    bert = rows[rows["protocol_group"] == "glue_average-test-finetuned-bert-paper"].set_index("model")["value"]
    assert bert.to_dict() == {"hf/bert-base-uncased": 79.6, "hf/bert-large-uncased": 82.1}


def test_merging_two_papers_rows_into_one_group_fails(tmp_path):
    """Moving the Mistral 7B paper's rows into the Mixtral paper's group (same benchmark, shots and
    harness wording) is caught: the model then has two MMLU values in one group."""
    with la.DEFAULT_PATH.open(newline="") as fh:
        recs = list(csv.DictReader(fh))
    line = next(i for i, r in enumerate(recs, start=2)
                if r["model"] == "hf/mistral-7b" and r["protocol_group"] == "mmlu-5shot-base-mistral7b-paper")
    bad = _write(tmp_path / "llm_accuracy.csv", {"protocol_group": "mmlu-5shot-base-mixtral-paper"}, line)
    with pytest.raises(la.LLMAccuracyError, match="repeats line"):
        la.read_llm_accuracy(bad)


def _write(path: Path, edits: dict[str, str], line: int = 2) -> Path:
    """A copy of the shipped CSV with ``edits`` applied to the record on file line ``line``."""
    with la.DEFAULT_PATH.open(newline="") as fh:
        recs = list(csv.DictReader(fh))
    recs[line - 2].update(edits)
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=la.CSV_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(recs)
    return path


@pytest.mark.parametrize("edits, line, words", [
    ({"model": "hf/not-a-model"}, 2, "unknown model id"),
    ({"model": "timm/resnet50"}, 5, "unknown model id"),
    ({"value": "high"}, 3, "is not a number"),
    ({"value": "130"}, 3, "percentage"),
    ({"source_url": ""}, 4, "source_url is empty"),
    ({"source_url": "http://example.org/card"}, 4, "not an https://"),
    ({"source_quote": "  "}, 6, "source_quote is empty"),
    ({"variant": "chat"}, 2, "variant"),
    ({"shots": "five"}, 2, "shots"),
    ({"shots": "3"}, 3, "differs from line 2 in shots"),
])
def test_malformed_csv_names_file_and_line(tmp_path, edits, line, words):
    bad = _write(tmp_path / "llm_accuracy.csv", edits, line)
    with pytest.raises(la.LLMAccuracyError, match=words) as err:
        la.read_llm_accuracy(bad)
    assert f"{bad}:{line}:" in str(err.value)


def test_duplicate_row_and_bad_header_are_named(tmp_path):
    bad = tmp_path / "dup.csv"
    text = la.DEFAULT_PATH.read_text().splitlines()
    bad.write_text("\n".join(text[:3] + [text[2]]) + "\n")
    with pytest.raises(la.LLMAccuracyError, match=rf"{bad}:4: .* repeats line 3"):
        la.read_llm_accuracy(bad)
    bad.write_text("model,value\nhf/gpt2,45\n")
    with pytest.raises(la.LLMAccuracyError, match=rf"{bad}:1: header"):
        la.read_llm_accuracy(bad)
    with pytest.raises(la.LLMAccuracyError, match="cannot be read"):
        la.read_llm_accuracy(tmp_path / "absent.csv")


def test_long_format_rows(rows):
    long = la.to_accuracy_rows(rows)
    assert list(long.columns) == ACCURACY_COLUMNS + la.EXTRA_COLUMNS
    assert (long["dataset"] == long["protocol_group"]).all()
    assert long["higher_is_better"].all() and long["img_size"].isna().all()
    # a published total where the spec has one (Gemma 2's published count is non-embedding only)
    spec = hf.load_spec("llama-3.1-8b")
    assert long.loc[long["model"] == "hf/llama-3.1-8b", "param_count_m"].eq(spec.published_params / 1e6).all()
    assert long.loc[long["model"] == "hf/gemma-2-9b", "param_count_m"].isna().all()


def test_load_accuracy_includes_language_rows_with_their_group(tmp_path):
    acc = query.load_accuracy(results=pd.DataFrame())
    lang = acc[acc["model"].str.startswith("hf/")]
    assert len(lang) == len(la.read_llm_accuracy())
    assert (lang["protocol_group"] != "").all() and (lang["dataset"] == lang["protocol_group"]).all()
    vision = acc[~acc["model"].str.startswith("hf/")]
    assert len(vision) and (vision["protocol_group"] == "").all() and (vision["source_url"] == "").all()
    hit = lang[(lang["model"] == "hf/olmo-2-7b") & (lang["dataset"] == "mmlu-base-olmo2-card")]
    assert hit["value"].tolist() == [63.7]
    # the CSV beside the accuracy table is the one read; a fixture folder without one has none
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(FIX / "accuracy.parquet", folder / "accuracy.parquet")
    assert not query.load_accuracy(folder / "accuracy.parquet", results=pd.DataFrame())["model"].str.startswith("hf/").any()
    _write(folder / "llm_accuracy.csv", {"value": "x"})
    with pytest.raises(la.LLMAccuracyError, match=r"llm_accuracy.csv:2:"):
        query.load_accuracy(folder / "accuracy.parquet", results=pd.DataFrame())
