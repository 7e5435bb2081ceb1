"""Issue 13 item 6: the verdict on each claim and the one line per seed paper
(efficiency.reference.claims.claim_verdict / claim_verdicts / paper_verdicts), on hand-made cases."""
from __future__ import annotations

import math

import re

import pandas as pd
import pytest

from efficiency.reference.claims import (CLAIM_STATUSES, CONVENTION, EXPLAINED, HOLDS, NOT_MEASURABLE, OFF,
                                         SEED_CHECKED, claim_verdict, claim_verdicts, claimed_vs_measured,
                                         paper_verdicts, relative_factor_of)
from test_claims import _claim   # the one synthetic claim row of the claims tests


@pytest.mark.parametrize("row, kind, words", [
    (dict(macs_ratio=1.04), HOLDS, "compute holds (1.04x ours)"),
    (dict(macs_ratio=1.25), OFF, "off by +25 % (compute)"),
    (dict(macs_ratio=0.7), OFF, "off by -30 % (compute)"),
    (dict(macs_ratio=2.0, flags="macs_gt10pct_apart;convention_mismatch"), CONVENTION, "other FLOP convention"),
    (dict(accuracy_diff=0.4), HOLDS, "accuracy holds (+0.4 points)"),
    (dict(accuracy_diff=-1.6), OFF, "off by -1.6 points (accuracy)"),
    # both: the worse decides, both are said
    (dict(macs_ratio=1.0, accuracy_diff=2.0), OFF, "off by +2.0 points (accuracy); compute holds"),
    (dict(macs_ratio=2.0, flags="convention_mismatch", accuracy_diff=0.1), CONVENTION, "accuracy holds"),
])
def test_verdict_on_compared_claims(row, kind, words):
    v = claim_verdict(_claim(**row))
    assert v.kind == kind and words in v.text


@pytest.mark.parametrize("row, why", [
    (dict(status="no_per_image_claim", reason="LLM training FLOPs"), "LLM training FLOPs"),
    (dict(status="no_zoo_arch", model="CSWin-T"), "CSWin-T is not in the zoo"),
    (dict(status="no_zoo_arch", model="X", baseline_arch="resnet50", claimed_macs=2e9), "implied from our resnet50"),
    (dict(compute_convention="latency", hardware="Pixel 1", zoo_arch="a"), "latency claim on Pixel 1"),
    (dict(zoo_arch=""), "names no single zoo architecture"),
    (dict(zoo_arch="arch_a", measured_model=""), "arch_a has no count in the results cache"),
])
def test_not_measurable_says_why(row, why):
    v = claim_verdict(_claim(**row))
    assert v.kind == NOT_MEASURABLE and v.text.startswith("not measurable: ") and why in v.text


@pytest.mark.parametrize("value, unit, factor", [
    (44, "% FLOPs reduced", 0.56), (2.6, "x FLOPs reduction", 1 / 2.6), (20, "% of DeiT-B FLOPs", 0.2),
    (3.4, "x fewer FLOPs", 1 / 3.4), (1.0, "x FLOPs (iso-FLOP)", 1.0), (33.2, "% FLOPs removed", 0.668),
    (48, "% MHSA FLOPs reduced (48-69)", math.nan), (3.4, "x backbone FLOPs compressed (3.4-5.3)", math.nan),
    (30, "% of training FLOPs", math.nan), (40, "% FLOPs saved (40-60)", math.nan), (2, "x faster", math.nan),
])
def test_relative_factor_read_off_the_unit(value, unit, factor):
    got = relative_factor_of(pd.Series(_claim(compute_convention="relative_to_baseline", compute_value=value,
                                              compute_unit=unit)))
    assert (math.isnan(got) and math.isnan(factor)) or got == pytest.approx(factor)
    # the table's own factor wins
    assert relative_factor_of(pd.Series(_claim(compute_convention="relative_to_baseline", compute_value=value,
                                               compute_unit=unit, relative_factor=0.5))) == 0.5


def test_one_line_per_paper_with_its_worst_verdict_and_a_baseline_only_comparison():
    claims = pd.DataFrame([
        _claim(paper_title="P1", model="A", zoo_arch="arch_a", metric="top1", value=75.0, compute_value=160,
               compute_unit="M FLOPs", compute_convention="macs_called_flops"),
        _claim(paper_title="P1", model="A", zoo_arch="arch_a", metric="top1", value=90.0),
        _claim(paper_title="P2", model="pruned B", status="no_zoo_arch", metric="top1_delta", value=-0.5,
               compute_value=50, compute_unit="% FLOPs reduced", compute_convention="relative_to_baseline",
               baseline="B (timm arch_b)"),
        _claim(paper_title="P3", status="no_per_image_claim", reason="off-topic"),
    ])
    results = pd.DataFrame({"model": ["x/arch_a@224", "x/arch_b@224"], "arch": ["arch_a", "arch_b"],
                            "macs": [160e6, 1e9], "kind": "count"})
    accuracy = pd.DataFrame({"model": ["x/arch_a@224", "x/arch_b@224"], "dataset": "imagenet-1k",
                             "metric": "top1", "value": [75.2, 80.0]})
    cvm = claimed_vs_measured(claims, results, accuracy)
    assert len(cvm) == 3                                # two with a zoo architecture, one through its baseline
    v = claim_verdicts(claims, cvm)
    assert list(v["kind"]) == [HOLDS, OFF, NOT_MEASURABLE, NOT_MEASURABLE]
    assert v.loc[2, "ours"].startswith("implied 0.5 GMACs = 1 GFLOPs (from x/arch_b@224)")
    assert v.loc[0, "ours"] == "0.16 GMACs = 0.32 GFLOPs (x/arch_a@224)"
    papers = paper_verdicts(v)
    assert list(papers["paper_title"]) == ["P1", "P2", "P3"]
    assert papers.loc[0, "kind"] == OFF and papers.loc[0, "claims"] == 2       # the worse of P1's two
    assert "off-topic" in papers.loc[2, "verdict"]


def test_claims_page_leads_with_one_verdict_line_per_paper(fixture_env, monkeypatch):
    from pathlib import Path

    from efficiency.reference import papers

    from streamlit.testing.v1 import AppTest

    from efficiency.ui.state import PAGES

    root = Path(__file__).resolve().parent.parent
    # a synthetic id for one fixture paper: the page must link exactly the papers whose id is recorded
    monkeypatch.setitem(papers.PAPER_ARXIV, "Searching for MobileNetV3", "2101.00001")
    at = AppTest.from_file(str(root / "app.py"), default_timeout=60).run()
    at.switch_page(PAGES["claims"][1]).run()
    assert not at.exception, at.exception
    assert at.subheader[0].value == "Verdict per paper"
    first = at.dataframe[0].value
    claims = pd.read_csv(root / "tests" / "fixtures" / "paper_claims.csv", dtype=str, keep_default_na=False)
    # the verdict in a word first, then the paper and the reason (CLIFIX7 F10: the reason was cut off)
    assert list(first.columns[:3]) == ["verdict", "paper", "why"] and len(first) == claims["paper_title"].nunique()
    assert set(first["verdict"]) <= {"holds", "off (explained)", "off (unexplained)", "convention mismatch",
                                     "not measurable"}
    judged = first[first["verdict"] != "not measurable"]     # those say why not ("NoNet, not in timm/torchvision")
    assert judged["why"].str.match(r"^(compute holds|accuracy holds|off by|convention mismatch)").all()
    assert (first.loc[first["verdict"] == "not measurable", "why"].str.len() > 0).all()
    # each paper links to its arXiv page where its id was read (efficiency.reference.papers), else blank
    links = first.set_index("paper")["link"]
    assert links["Searching for MobileNetV3"] == "https://arxiv.org/abs/2101.00001"
    for paper, link in links.items():
        link = link if isinstance(link, str) else ""            # a blank cell reads back as None / NaN
        assert link == papers.paper_url(paper), paper
        assert link == "" or re.fullmatch(r"https://arxiv\.org/abs/\d{4}\.\d{4,5}", link), link


# --- issue 12: claims about the variants we built (status seed_checked) and the papers we did not build

def test_seed_checked_claim_is_compared_through_its_pinned_seed_id():
    claims = pd.DataFrame([
        _claim(paper_title="P", model="V-S", status=SEED_CHECKED, zoo_model="seed/p.s@3x224x224", metric="top1",
               value=78.0, compute_value=1.3, compute_unit="G FLOPs", compute_convention="macs_called_flops"),
        _claim(paper_title="P", model="V-B", status=SEED_CHECKED, zoo_model="seed/p.b@3x224x224", metric="top1",
               value=80.0),
    ])
    # the seed variant's arch ("s") is no timm name: only the pinned id finds it
    results = pd.DataFrame({"model": ["seed/p.s@3x224x224", "timm/s.x@224"], "arch": ["s", "s"],
                            "macs": [1.183e9, 5e9], "kind": "count"})
    accuracy = pd.DataFrame(columns=["model", "dataset", "metric", "value"])
    cvm = claimed_vs_measured(claims, results, accuracy).set_index("claim_model")
    assert cvm.loc["V-S", "model"] == "seed/p.s@3x224x224"
    assert cvm.loc["V-S", "macs_ratio"] == pytest.approx(1.3 / 1.183)
    assert "no_zoo_arch" not in cvm.loc["V-S", "flags"]
    assert cvm.loc["V-B", "model"] == "" and cvm.loc["V-B", "flags"] == "no_measurement"
    v = claim_verdict(_claim(status=SEED_CHECKED, zoo_model="seed/p.b@3x224x224", measured_model=""))
    assert v.kind == NOT_MEASURABLE and "seed/p.b@3x224x224 has no count" in v.text


def test_a_seed_paper_we_did_not_build_says_not_implemented_yet():
    v = claim_verdict(_claim(status="no_zoo_arch", model="ElasticViT-S1", compute_convention="latency",
                             hardware="phone", reason="not implemented yet: no seed build"))
    assert v.kind == NOT_MEASURABLE and v.text == "not measurable: ElasticViT-S1, not implemented yet: no seed build"
    assert set(CLAIM_STATUSES) == {"mapped", "no_zoo_arch", "no_per_image_claim", SEED_CHECKED}


def test_an_explained_gap_ranks_between_unexplained_and_convention():
    def line(*kinds):
        v = pd.DataFrame({"paper_title": "P", "claim": "c", "ours": "", "ratio": math.nan,
                          "accuracy_diff": math.nan, "kind": list(kinds), "verdict": list(kinds),
                          "claim_row": range(len(kinds))})
        return paper_verdicts(v).loc[0, "kind"]
    assert line(HOLDS, EXPLAINED, CONVENTION, NOT_MEASURABLE) == EXPLAINED
    assert line(EXPLAINED, OFF) == OFF
