"""The seed source: every variant of every paper table in data/seed/ builds, has the paper's
parameter count (2 %) or says why the paper gives none, counts with both counters agreeing (1 %) and
nothing uncovered, and either reproduces the paper's compute figure within 5 % in the paper's
convention or says why not."""
from __future__ import annotations

import csv
import re

import pytest
import torch

from efficiency.measure.counting import count_model, count_params
from efficiency.reference.seed_tables import paper_params
from efficiency.zoo import build, seed

ENTRIES = seed.entries()
ROWS = {e.id: r for e in ENTRIES
        for r in seed.read_table(seed.TABLES / f"{e.family}.csv") if r["variant"] == e.arch}


def _row(entry):
    return ROWS[entry.id]


def test_the_dashboards_id_rule_is_the_zoos():
    from efficiency.reference import seed_tables

    for e in ENTRIES:
        assert seed_tables.model_id(e.family, _row(e)) == e.id


def test_tables_are_well_formed():
    names = [e.id for e in ENTRIES]
    assert len(names) == len(set(names))
    for e in ENTRIES:
        row = _row(e)
        # source_url is where the figures can be seen (arXiv or the authors' README/card: test_sources2.py)
        assert row["paper_title"] and row["source_url"].startswith("https://"), e.id
        assert row["table"], f"{e.id}: the table or quote the numbers come from"
        # the paper's count, or none with the reason (ElasticViT: its results table could not be read)
        figure = paper_params(row)
        assert figure > 0 if figure is not None else row["params_gap_reason"].strip(), e.id


def test_malformed_table_names_the_file(tmp_path):
    (tmp_path / "bad.csv").write_text("variant,builder\nx,y\n")
    with pytest.raises(seed.SeedTableError, match="bad.csv"):
        seed.entries(tmp_path)


def _one_row_table(folder, **values) -> None:
    row = {c: "" for c in seed.TABLE_COLUMNS}
    row.update(variant="v", builder="b", input_size="3x224x224", paper_params_scope="parameters", **values)
    with open(folder / "p.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=seed.TABLE_COLUMNS)
        writer.writeheader()
        writer.writerow(row)


@pytest.mark.parametrize("params, reason, error", [
    ("", "", "paper_params_m is empty: give the paper's count, or say why"),
    ("", "   ", "paper_params_m is empty"),             # blank is no reason
    ("0", "", "'0' is not a positive number"),
    ("about 5", "", "'about 5' is not a number"),
])
def test_a_missing_or_bad_paper_params_figure_is_refused(tmp_path, params, reason, error):
    _one_row_table(tmp_path, paper_params_m=params, params_gap_reason=reason)
    with pytest.raises(seed.SeedTableError, match=re.escape("p.csv:2: ") + ".*" + re.escape(error)):
        seed.entries(tmp_path)


def test_no_paper_params_figure_is_allowed_only_with_its_reason(tmp_path):
    _one_row_table(tmp_path, paper_params_m="", params_gap_reason="the paper's table could not be read")
    (row,) = seed.read_table(tmp_path / "p.csv")
    assert paper_params(row) is None and [e.id for e in seed.entries(tmp_path)] == ["seed/p.v@3x224x224"]
    _one_row_table(tmp_path, paper_params_m="4.8")
    assert paper_params(seed.read_table(tmp_path / "p.csv")[0]) == 4.8


def _params_in_scope(model, scope: str) -> int:
    if scope == "state_dict":   # every stored tensor, BatchNorm running statistics included
        return count_params(model) + sum(b.numel() for b in model.buffers())
    return count_params(model)


def test_params_tolerance_follows_the_printed_digits():
    assert seed.params_tolerance("1.4") == pytest.approx(0.05)      # 1.35 .. 1.45
    assert seed.params_tolerance("23") == pytest.approx(0.5)         # 22.5 .. 23.5
    assert seed.params_tolerance("88.0") == pytest.approx(1.76)      # 2 % is wider than the rounding


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_params_match_the_paper_or_say_why(entry):
    with torch.device("meta"):
        model = seed.create(entry)
    row = _row(entry)
    ours = _params_in_scope(model, row["paper_params_scope"]) / 1e6
    paper = row["paper_params_m"]
    if paper_params(row) is None:
        # nothing to compare with: the table says why (read_table refuses an empty figure without a reason)
        assert row["params_gap_reason"].strip(), f"{entry.id}: no paper count and no reason"
        return
    off = abs(ours - float(paper)) > seed.params_tolerance(paper)
    msg = f"{entry.id}: {ours:.3f} M ({row['paper_params_scope']}), paper {paper} M"
    if row["params_gap_reason"].strip():
        assert off, f"{msg}: agrees, but data/seed/{entry.family}.csv gives a params_gap_reason"
    else:
        assert not off, f"{msg}, and data/seed/{entry.family}.csv gives no params_gap_reason"


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_counts_agree_and_match_the_paper_or_say_why(entry):
    built = build.build(entry)
    result = count_model(built.model, built.inputs, built.list_input)
    assert result.uncovered_ops == {}, f"{entry.id}: uncovered {result.uncovered_ops}"
    assert result.rel_diff is not None and result.rel_diff <= 0.01, \
        f"{entry.id}: fvcore {result.macs_fvcore} vs torch {result.macs_torch} ({result.notes})"
    row = _row(entry)
    expected = seed.paper_macs(row)
    if expected is None:
        return
    gap = abs(result.macs - expected) / expected
    reason = row["compute_gap_reason"].strip()
    if gap > 0.05:
        assert reason, f"{entry.id}: {result.macs / 1e6:.1f} M MACs vs paper {expected / 1e6:.1f} M " \
                       f"({gap:.1%}) and data/seed/{entry.family}.csv gives no compute_gap_reason"
    else:
        assert not reason, f"{entry.id}: agrees within 5 % ({gap:.1%}) but a gap reason is given"
