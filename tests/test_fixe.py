"""UXCHECK5 #6 - #8: the Data page counts every row of the results file; the Paper claims page's
filters say what they keep, say when the chart has nothing to draw and travel in the share link;
the Models page's columns and order travel in the link and its CSV follows that order under a name
that says the view."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from efficiency.reference.claims import EXPLAINED, HOLDS, NOT_MEASURABLE, OFF, OUTPUT_COLUMNS
from efficiency.store import cache
from efficiency.ui import models_table as mt
from efficiency.ui.claims_view import FLAGGED_LABEL, chart_note, details_rows, details_table, shown_papers
from efficiency.ui.export_names import models_file_name
from efficiency.ui.state import DEFAULT, from_query, parse_query, to_query
from tests.conftest import FIX, ROOT, run_app


def _qp(at, key: str):
    """A query param's value from AppTest (a list there, a string in a browser), None if absent."""
    if key not in at.query_params:
        return None
    v = at.query_params[key]
    return v[-1] if isinstance(v, list) else v


# --------------------------------------------------------------------------- 6. Data and method

@pytest.fixture()
def sweep_env(tmp_path, monkeypatch):
    """The fixture cache plus three rows of entries derived at another input size (refresh --resolution)."""
    df = cache.read(FIX / "results.parquet")
    base = df[df["kind"] == "count"].head(3).copy()
    derived = base.assign(derived_from=base["model"], model=base["model"].str.replace("@224", "@288", regex=False))
    path = tmp_path / "results.parquet"
    cache.write_atomic(pd.concat([df, derived], ignore_index=True), path)
    monkeypatch.setenv("EFFICIENCY_RESULTS", str(path))
    monkeypatch.setenv("EFFICIENCY_ACCURACY", str(FIX / "accuracy.parquet"))
    monkeypatch.setenv("EFFICIENCY_CLAIMS", str(FIX / "paper_claims.csv"))
    monkeypatch.chdir(ROOT)
    return len(df), len(derived)


def test_data_page_counts_every_row_of_the_results_file(sweep_env):
    n_zoo, n_sweep = sweep_env
    at = run_app({}, page="data")
    files = at.dataframe[0].value
    results = files[files["table"] == "results"].iloc[0]
    assert results["rows"] == n_zoo + n_sweep             # the file's rows, as pandas counts them
    caption = next(c.value for c in at.caption if c.value.startswith("results: "))
    assert f"{n_zoo + n_sweep:,} rows in the file" in caption and f"{n_zoo:,} are of zoo entries" in caption
    assert f"{n_sweep:,} are of {n_sweep} entries" in caption and "resolution" in caption
    fresh = next(d.value for d in at.dataframe if "newest" in d.value.columns)
    assert fresh["rows"].sum() == n_zoo + n_sweep
    assert fresh.loc[fresh["entries"] == "derived input sizes", "rows"].sum() == n_sweep
    assert fresh.loc[fresh["entries"] == "zoo entries", "rows"].sum() == n_zoo


def test_data_page_without_derived_rows_says_nothing_of_them(fixture_env):
    at = run_app({}, page="data")
    assert not [c for c in at.caption if c.value.startswith("results: ")]
    fresh = next(d.value for d in at.dataframe if "newest" in d.value.columns)
    assert set(fresh["entries"]) == {"zoo entries"}


# --------------------------------------------------------------------------- 7. Paper claims

def test_claims_controls_round_trip_in_the_link():
    s = replace(DEFAULT, claims_show="off", claims_flagged=True)
    assert to_query(s) == {"cshow": "off", "cflag": "1"}
    assert from_query(to_query(s)) == s
    state, problems = parse_query({"cshow": "off or mismatched", "cflag": "yes"})
    assert state == DEFAULT and len(problems) == 2


def _cvm_and_verdicts():
    cvm = pd.DataFrame({"claim_row": [0, 1, 2, 3], "claim_model": list("ABCD"),
                        "flags": ["", "no_zoo_arch", "", ""], "compute_convention": [""] * 4, "claimed_macs": [1e9, 2e9, 3e9, np.nan],
                        "measured_macs": [1.05e9, np.nan, 2.7e9, 4e9]}).reindex(columns=OUTPUT_COLUMNS)
    verdicts = pd.DataFrame({"claim_row": [0, 1, 2, 3], "kind": [HOLDS, NOT_MEASURABLE, EXPLAINED, OFF],
                             "verdict": ["holds", "not measurable", "off by -10 %, explained", "off by +9 %"]})
    return cvm, verdicts


def test_flagged_means_off_mismatched_or_flagged():
    """An "off by" claim within the 10 % flag (the seed check's 5 %) is what the page calls off: the
    toggle keeps it with the flagged ones, as "Show: off or mismatched" does (UXCHECK5 #7)."""
    cvm, verdicts = _cvm_and_verdicts()
    assert details_rows(cvm, verdicts, False)["claim_model"].tolist() == list("ABCD")
    t = details_rows(cvm, verdicts, True)
    assert t["claim_model"].tolist() == list("BCD")
    assert t["verdict"].tolist() == ["not measurable", "off by -10 %, explained", "off by +9 %"]
    assert t["claimed GMACs"].tolist()[:2] == [2.0, 3.0]
    # the verdict's word first, its text beside it (AUDIT7 F10, tests/test_clifix7_claims.py)
    assert details_table(t)["verdict"].tolist() == ["not measurable", "off (explained)", "off (unexplained)"]
    assert details_table(t)["why"].tolist() == t["verdict"].tolist()
    papers = pd.DataFrame({"ours": ["x", "", "y"], "kind": [HOLDS, EXPLAINED, OFF]})
    assert len(shown_papers(papers, "all")) == 3 and len(shown_papers(papers, "ours")) == 2
    assert shown_papers(papers, "off")["kind"].tolist() == [EXPLAINED, OFF]


def test_chart_note_says_why_nothing_or_less_is_drawn():
    cvm, verdicts = _cvm_and_verdicts()
    t = details_rows(cvm, verdicts, True)
    nothing = chart_note(t.iloc[:1], 0, True)
    assert nothing.startswith("Nothing to plot: of the 1 off, mismatched or flagged claim listed above, none") \
        and "no_zoo_arch" in nothing
    assert chart_note(t.iloc[:0], 0, True).startswith("Nothing to plot: no off, mismatched or flagged claim.")
    assert chart_note(t, 1, True).startswith("1 of the 3 claims listed are plotted")
    assert chart_note(t, 3, True) == ""


@pytest.fixture(scope="module")
def claims_page():
    mp = pytest.MonkeyPatch()
    for env, name in (("EFFICIENCY_RESULTS", "results.parquet"), ("EFFICIENCY_ACCURACY", "accuracy.parquet"),
                      ("EFFICIENCY_CLAIMS", "paper_claims.csv")):
        mp.setenv(env, str(ROOT / "data" / name))
    mp.chdir(ROOT)
    try:
        yield run_app({}, page="claims", timeout=180)
    finally:
        mp.undo()


def test_claims_page_controls_go_into_the_link_and_come_back(claims_page):
    at = claims_page
    assert at.toggle(key="w_claims_flagged").label == FLAGGED_LABEL
    at.segmented_control(key="w_claims_show").set_value("off").run()
    at.toggle(key="w_claims_flagged").set_value(True).run()
    assert not at.exception, at.exception
    assert _qp(at, "cshow") == "off" and _qp(at, "cflag") == "1"
    details = next(d.value for d in at.dataframe if "measured (GMACs)" in d.value.columns)
    # the shipped claims the page calls off (VSViG, EfficientVMamba-S ...) are in the flagged set
    assert {"VSViG", "EfficientVMamba-S", "LeYOLO-Small"} <= set(details["claim about"])
    assert set(details["verdict"].str.split(" ").str[0]) <= {"off", "off,", "convention", "not"}
    again = run_app({"cshow": "off", "cflag": "1"}, page="claims", timeout=180)
    assert again.segmented_control(key="w_claims_show").value == "off"
    assert again.toggle(key="w_claims_flagged").value is True
    verdicts = next(d.value for d in again.dataframe if "claimed / our MACs" in d.value.columns)
    assert len(verdicts) and not verdicts["verdict"].str.startswith("holds").any()


def test_claims_page_says_why_the_chart_is_missing(fixture_env, tmp_path, monkeypatch):
    """The fixture's two claims off in accuracy, their compute figures taken out: the flagged set has
    nothing to plot, and the page says so where the chart was (it vanished without a word)."""
    claims = pd.read_csv(FIX / "paper_claims.csv", dtype=str, keep_default_na=False)
    off = claims["model"].isin(["ResNet-50", "ViT-B/16"])
    claims.loc[off, ["compute_value", "compute_unit", "compute_convention"]] = ["", "", "none"]
    claims.to_csv(tmp_path / "claims.csv", index=False)
    monkeypatch.setenv("EFFICIENCY_CLAIMS", str(tmp_path / "claims.csv"))
    at = run_app({}, page="claims")
    assert len(at.get("plotly_chart")) == 1 and not [i for i in at.info if i.value.startswith("Nothing to plot")]
    at.toggle(key="w_claims_flagged").set_value(True).run()
    details = next(d.value for d in at.dataframe if "measured (GMACs)" in d.value.columns)
    assert set(details["claim about"]) == {"ResNet-50", "ViT-B/16"}
    assert len(at.get("plotly_chart")) == 0
    assert any(i.value.startswith("Nothing to plot: of the 2 off, mismatched or flagged claims listed") for i in at.info)


# --------------------------------------------------------------------------- 8. Models

def test_models_columns_and_sort_round_trip():
    for s in (replace(DEFAULT, table_columns=("mem_mib", "arxiv"), table_sort="gmacs"),
              replace(DEFAULT, table_columns=(), table_sort="-lat_p50_ms")):
        assert from_query(to_query(s)) == s
    assert to_query(replace(DEFAULT, table_columns=())) == {"cols": ""}      # key columns only, not the defaults
    state, problems = parse_query({"sort": "--acc", "cols": "mem_mib,../x"})
    assert state == DEFAULT and len(problems) == 2


def test_sort_table_orders_blanks_last_and_ties_by_id():
    t = pd.DataFrame({"model": ["b", "a", "c", "d"], "acc": [80.0, 80.0, np.nan, 70.0],
                      "gmacs": [2.0, 1.0, 3.0, np.nan], "family": ["Res", "eff", None, "dei"]})
    assert mt.sort_table(t, "-acc")["model"].tolist() == ["a", "b", "d", "c"]
    assert mt.sort_table(t, "gmacs")["model"].tolist() == ["a", "b", "c", "d"]
    assert mt.sort_table(t, "-gmacs")["model"].tolist() == ["c", "b", "a", "d"]
    assert mt.sort_table(t, "family")["model"].tolist() == ["d", "a", "b", "c"]     # case-blind, blank last
    assert mt.sort_table(t, "nope")["model"].tolist() == t["model"].tolist()


def test_models_csv_name_says_the_view():
    name = models_file_name(replace(DEFAULT, table_filter="ResNet50", table_sort="gmacs"), "NVIDIA H200")
    assert name == "models_classification_imagenet-1k-top1_nvidia-h200_b1_bf16_cuda-graph_resnet50_by-gmacs.csv"
    assert models_file_name(DEFAULT).endswith("_cuda_b1_bf16_cuda-graph_by-acc-desc.csv")
    assert len(models_file_name(replace(DEFAULT, table_filter="x" * 200, y_metric="m" * 60))) <= 104


def _download(at):
    return next(e for e in at.get("download_button"))


def test_models_page_link_carries_columns_and_sort_and_csv_follows(fixture_env):
    from tests.test_models_table import _models_page
    at = _models_page()
    at.multiselect(key="w_models_cols").set_value(["mem_mib", "paper"]).run()
    at.selectbox(key="w_models_sort").set_value("gmacs").run()
    at.segmented_control(key="w_models_order").set_value("ascending").run()
    assert not at.exception, at.exception
    assert _qp(at, "cols") == "mem_mib,paper" and _qp(at, "sort") == "gmacs"
    shown = at.dataframe[0].value
    g = shown[mt.headers("")["gmacs"]].tolist()
    assert g == sorted(g, key=lambda v: (np.isnan(v), v))                 # the screen in the page's order
    button = _download(at)
    assert button.proto.label == "Shown table (CSV)" and "sorts the screen only" in button.proto.help
    again = _models_page({"cols": "mem_mib,paper", "sort": "gmacs"})
    assert again.multiselect(key="w_models_cols").value == ["mem_mib", "paper"]
    assert again.selectbox(key="w_models_sort").value == "gmacs"
    assert again.segmented_control(key="w_models_order").value == "ascending"
    assert again.dataframe[0].value["model (zoo id)"].tolist() == shown["model (zoo id)"].tolist()
    assert list(again.dataframe[0].value.columns) == list(shown.columns)


def test_models_csv_rows_follow_the_sort(fixture_env):
    """The CSV the page hands out: the shown rows in the Sort by order (csv_bytes of sort_table)."""
    table = pd.DataFrame({"model": ["x", "y", "z"], "acc": [1.0, 3.0, 2.0], "gmacs": [0.3, 0.1, 0.2]})
    out = mt.csv_bytes(mt.sort_table(table, "gmacs"), "acc").decode().splitlines()
    assert [line.split(",")[0] for line in out[1:]] == ["y", "z", "x"]
