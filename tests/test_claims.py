"""data/paper_claims.csv against the seed abstracts, and efficiency.reference.claims on hand-computed cases."""
from __future__ import annotations

import math
from fnmatch import fnmatchcase
from pathlib import Path

import pandas as pd
import pytest

from efficiency.reference.accuracy import load_reference_accuracy as load_accuracy
from efficiency.reference.claim_baseline import BASELINE_COLUMNS
from efficiency.reference.claims import (CLAIM_STATUSES, SEED_CHECKED, baseline_arch_of, claimed_vs_measured,
                                         pick_model, unit_scale)
from efficiency.reference.llm_claims import model_ids
from efficiency.reference.llm_specs import hf_id, spec_paths
from efficiency.reference.papers import (CLAIMS_TABLE_COLUMNS, COMPUTE_CONVENTIONS, ClaimsTableError,
                               load_claims, paper_arch_patterns, seed_paper_for_arch)
from efficiency.zoo import seed

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO.parent / "shared" / "seeds"
HEADER = {"new", "Get trending papers in your email inbox!", "Subscribe",
          "byAK and the research community", "Mar 14"}


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    return load_claims()


@pytest.fixture(scope="module")
def abstracts() -> dict[str, str]:
    """{title: abstract} from the scraped listing: a title line, then one abstract line."""
    if not SEEDS.is_dir():
        pytest.skip(f"seed folder {SEEDS} is absent")
    out = {}
    for path in sorted(SEEDS.glob("*.txt")):
        lines = [ln.rstrip("\n") for ln in path.read_text().splitlines() if ln.strip()]
        lines = [ln for ln in lines if ln not in HEADER]
        assert len(lines) % 2 == 0, path
        out.update(zip(lines[0::2], lines[1::2]))
    return out


def test_columns_and_vocabulary(claims):
    # papers.CLAIMS_TABLE_COLUMNS, then the paper's own baseline figure of a delta claim (claim_baseline)
    assert [c for c in claims.columns if c not in BASELINE_COLUMNS] == \
        [c for c in CLAIMS_TABLE_COLUMNS if c not in BASELINE_COLUMNS]
    assert set(BASELINE_COLUMNS) <= set(claims.columns)
    assert set(claims["compute_convention"]) <= set(COMPUTE_CONVENTIONS)
    assert set(claims["status"]) <= set(CLAIM_STATUSES)
    assert (claims["quote"] != "").all()
    npc = claims[claims["status"] == "no_per_image_claim"]
    assert (npc["reason"] != "").all()
    # a figure with a convention has a value; a relative figure names its baseline
    conv = claims[claims["compute_convention"].isin(["macs_called_flops", "true_flops"])]
    assert conv["compute_value"].notna().all() and (conv["compute_unit"] != "").all()
    assert conv["compute_unit"].map(unit_scale).notna().all()
    assert (conv["note"] != "").all()  # the evidence for the convention
    rel = claims[claims["compute_convention"] == "relative_to_baseline"]
    assert (rel["baseline"] != "").sum() >= 0.9 * len(rel)
    lat = claims[claims["compute_convention"] == "latency"]
    assert (lat.loc[lat["status"] != "no_per_image_claim", "hardware"] != "").all()


def test_every_seed_paper_has_a_row_and_quotes_are_exact(claims, abstracts):
    assert len(abstracts) == 131
    assert set(claims["paper_title"]) == set(abstracts)
    for title, quote in zip(claims["paper_title"], claims["quote"]):
        assert quote in abstracts[title], (title, quote)


# the figures that are not written in their quote but read from its words, keyed by (paper_title, model,
# column, figure) -> the quote's words; each row's note must say how the figure was derived. Every other
# value, compute_value and params_m must be written in its quote, so a new row whose figure is not fails.
DERIVED = {
    ("Multi-Scale Representations by Varying Window Attention for Semantic Segmentation", "VWFormer",
     "compute_value", 0.5): "nearly half",
    ("ColBERT: Efficient and Effective Passage Search via Contextualized Late Interaction over BERT",
     "ColBERT", "compute_value", 10000): "four orders-of-magnitude",
    ("MATES: Model-Aware Data Selection for Efficient Pretraining with Data Influence Models", "",
     "compute_value", 0.5): "by half",
    ("Making Vision Transformers Efficient from A Token Sparsification View",
     "DeiT + STViT (16 semantic tokens)", "value", 0): "the same accuracy",
    ("Pruning-aware Sparse Regularization for Network Pruning", "ResNet-110 + MaskSparsity", "value", 0):
        "no top-1 accuracy loss",
    ("Learning Transferable Architectures for Scalable Image Recognition", "NASNet-A Large",
     "compute_value", 23.14): "9 billion fewer FLOPS",
    ("InceptionNeXt: When Inception Meets ConvNeXt", "ConvNeXt-T", "compute_value", 1): "similar FLOPs",
    ("InceptionNeXt: When Inception Meets ConvNeXt", "ConvNeXt-T", "compute_value", 0.6): "60% throughputs",
    ("LLM360 K2: Building a 65B 360-Open-Source Large Language Model from Scratch", "K2 DIAMOND",
     "params_m", 65000): "65 billion-parameter",
    ("KV Prediction for Improved Time to First Token", "KV Prediction", "compute_value", 1):
        "at fixed TTFT FLOPs budgets",
}


def _written(x: float, quote: str) -> bool:
    forms = {f"{x:g}", f"{x:g}".replace("e+", "e"), f"{x:.1f}", f"{x:.2f}",
             f"{int(x)}" if x == int(x) else f"{x:g}"}
    return any(f in quote for f in forms)


def test_numbers_appear_in_their_quote(claims):
    """value, compute_value and params_m are written in the quote, or the row is one of DERIVED: then the
    quote holds the words the figure was read from and the note says how it was derived. A zero counts as
    derived ("the same accuracy"): "0" is in almost any quote, so it proves nothing."""
    used = set()
    for _, r in claims.iterrows():
        for col in ("value", "compute_value", "params_m"):
            x = r[col]
            if math.isnan(x) or (x != 0 and _written(abs(x), r["quote"])):
                continue
            key = (r["paper_title"], r["model"], col, x)
            assert key in DERIVED, (key, r["quote"])
            assert DERIVED[key] in r["quote"], key
            # the note says how: it names the figure (InceptionNeXt's: "read as relative_factor 1.0")
            assert f"{x:g}" in r["note"] or "relative_factor 1.0" in r["note"], (key, r["note"])
            used.add(key)
    assert used == set(DERIVED), set(DERIVED) - used


def test_zoo_archs_are_real_architectures(claims):
    timm = pytest.importorskip("timm")
    tvm = pytest.importorskip("torchvision.models")
    archs = set(timm.list_models()) | set(tvm.list_models())
    patterns = {p for ps in paper_arch_patterns().values() for p in ps}
    assert len(patterns) >= 15
    for p in patterns:
        assert any(fnmatchcase(a, p) for a in archs), p
    for col in ("zoo_arch", "baseline_arch"):
        for a in set(claims[col]) - {""}:
            assert a in archs, a
    mapped = claims[claims["status"] == "mapped"]
    assert (mapped["zoo_archs"] != "").all()
    assert (claims.loc[claims["zoo_arch"] != "", "status"] == "mapped").all()
    # a claim's architecture belongs to its paper, except a named baseline (ConvNeXt-T)
    for _, r in mapped[mapped["zoo_arch"] != ""].iterrows():
        if r["zoo_arch"] != "convnext_tiny":
            assert seed_paper_for_arch(r["zoo_arch"]) == r["paper_title"], r["zoo_arch"]


def test_pinned_zoo_models_have_reference_accuracy(claims):
    acc = load_accuracy()
    models = set(acc["model"])
    library = claims[claims["status"] != SEED_CHECKED]
    # a language model's id (hf/<name>, several ";"-separated for a list of baselines) must have a
    # spec in data/llm; its scores live in protocol groups, not in the image reference table
    llm = {hf_id(p.stem) for p in spec_paths()}
    for col in ("zoo_model", "baseline_model"):
        for cell in set(library[col]) - {""}:
            ids = model_ids(cell)
            if all(m.startswith("hf/") for m in ids):
                assert set(ids) <= llm, cell
            else:
                assert cell in models, cell
    for m, arch in zip(library["zoo_model"], library["zoo_arch"]):
        if m and not m.startswith("hf/"):
            assert m.startswith(f"timm/{arch}.") or m.startswith(f"torchvision/{arch}.")


def test_seed_checked_claims_pin_a_variant_of_their_own_paper(claims):
    """A claim about a variant we built pins its seed id (a row of data/seed/<paper>.csv, of the
    same paper) and names no timm architecture; its paper keeps its other rows' zoo_archs."""
    entries = {e.id: e for e in seed.entries()}
    checked = claims[claims["status"] == SEED_CHECKED]
    assert len(checked) >= 12
    for _, r in checked.iterrows():
        assert r["zoo_model"] in entries, r["zoo_model"]
        assert entries[r["zoo_model"]].paper == r["paper_title"], r["zoo_model"]
        assert r["zoo_arch"] == "" and r["note"], r["model"]
    # every paper with a built variant has at least one claim checked on it, unless none of its rows
    # carries a paper figure (MCUNetV2: the built network is TinyEngine's example model, which no
    # paper describes, so the paper's 71.8 % claim about MCUNetV2-H7 cannot be about it)
    described = {r["paper_title"] for path in seed.table_paths() for r in seed.read_table(path)
                 if r["paper_top1"] or r["paper_compute"]}
    titles = {e.paper for e in entries.values()} & described
    assert titles <= set(checked["paper_title"]), titles - set(checked["paper_title"])


@pytest.mark.parametrize("arch, fragment", [
    ("ghostnetv2_160", "GhostNetV2"), ("tinynet_a", "TinyNets"), ("caformer_s18", "MetaFormer"),
    ("poolformerv2_s12", "MetaFormer"), ("semnasnet_100", "MnasNet"), ("mnasnet1_0", "MnasNet"),
    ("mnasnet_100", "MnasNet"), ("fbnetc_100", "FBNet: Hardware"), ("fbnetv3_b", "FBNetV3"),
    ("inception_next_tiny", "InceptionNeXt"), ("crossvit_9_240", "CrossViT"),
    ("nasnetalarge", "Learning Transferable"), ("regnetz_b16", "Fast and Accurate Model Scaling"),
    ("ese_vovnet19b_dw", "Energy and GPU-Computation"), ("vovnet39a", "Energy and GPU-Computation"),
])
def test_seed_paper_for_arch(arch, fragment):
    assert fragment in seed_paper_for_arch(arch)


@pytest.mark.parametrize("arch", ["resnet50", "poolformer_s12", "haloregnetz_b", "ghostnet_100",
                                  "convnext_tiny", "spnasnet_100", ""])
def test_seed_paper_for_unrelated_arch_is_empty(arch):
    assert seed_paper_for_arch(arch) == ""


def test_load_claims_errors(tmp_path):
    with pytest.raises(ClaimsTableError, match="missing"):
        load_claims(tmp_path / "none.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("paper_title,quote\nx,y\n")
    with pytest.raises(ClaimsTableError, match="lacks columns"):
        load_claims(bad)


def test_unit_scale():
    assert unit_scale("M FLOPs") == 1e6
    assert unit_scale("G FLOPS (implied)") == 1e9
    assert unit_scale("FLOP(G)") == 1e9
    assert unit_scale("ms") is None


# --- claimed_vs_measured on a synthetic frame -----------------------------------------------

def _claim(**kw) -> dict:
    row = {c: "" for c in CLAIMS_TABLE_COLUMNS}
    row.update(status="mapped", dataset="imagenet-1k", compute_convention="none")
    row.update(value=math.nan, compute_value=math.nan, params_m=math.nan, relative_factor=math.nan)
    row.update(kw)
    return row


@pytest.fixture()
def synthetic():
    claims = pd.DataFrame([
        # 1. MACs called FLOPs, matches: 167e6 / 160e6
        _claim(paper_title="P1", model="A", zoo_arch="arch_a", metric="top1", value=75.0,
               compute_value=167, compute_unit="M FLOPs", compute_convention="macs_called_flops"),
        # 2. labelled MACs-called-FLOPs but really true FLOPs: 2e9 claimed vs 1e9 measured
        _claim(paper_title="P2", model="B", zoo_arch="arch_b", metric="top1", value=70.0,
               compute_value=2.0, compute_unit="G FLOPs", compute_convention="macs_called_flops"),
        # 3. true FLOPs: 2.1 G / 2 = 1.05e9 claimed MACs vs 1e9
        _claim(paper_title="P3", model="B", zoo_arch="arch_b", metric="top5", value=90.0,
               compute_value=2.1, compute_unit="G FLOPs", compute_convention="true_flops"),
        # 4. relative: 0.5 x baseline (arch_a at 224: 160e6) = 80e6 claimed vs 100e6 measured;
        #    top1_delta +2 on the baseline's reference 74.0 -> 76.0 vs reference 80.0
        _claim(paper_title="P4", model="C", zoo_arch="arch_c", metric="top1_delta", value=2.0,
               compute_value=2, compute_unit="x fewer FLOPs", compute_convention="relative_to_baseline",
               relative_factor=0.5, baseline_arch="arch_a"),
        # 5. latency claim about an architecture the results lack
        _claim(paper_title="P5", model="D", zoo_arch="arch_d", metric="top1", value=60.0,
               compute_value=5, compute_unit="ms", compute_convention="latency"),
        # not mapped: ignored
        _claim(paper_title="P6", model="E", status="no_zoo_arch", metric="top1", value=1.0),
        # 7. MACs called FLOPs at half the measured count: true FLOPs would be 4x off, not a match
        _claim(paper_title="P7", model="B", zoo_arch="arch_b", metric="top1", value=70.0,
               compute_value=0.5, compute_unit="G FLOPs", compute_convention="macs_called_flops"),
        # 8. true FLOPs of 1 G against 1e9 MACs: read as MACs called FLOPs it matches
        _claim(paper_title="P8", model="B", zoo_arch="arch_b", metric="top1", value=70.0,
               compute_value=1.0, compute_unit="G FLOPs", compute_convention="true_flops"),
    ])
    results = pd.DataFrame({
        "model": ["x/arch_a@192", "x/arch_a@224", "x/arch_a@256", "x/arch_b@224", "x/arch_c@224",
                  "x/arch_c@224"],
        "arch": ["arch_a", "arch_a", "arch_a", "arch_b", "arch_c", "arch_c"],
        "macs": [120e6, 160e6, 210e6, 1e9, 100e6, 100e6],
        "kind": ["count", "count", "count", "count", "count", "latency"],
    })
    accuracy = pd.DataFrame({
        "model": ["x/arch_a@224", "x/arch_b@224", "x/arch_b@224", "x/arch_c@224"],
        "dataset": "imagenet-1k",
        "metric": ["top1", "top1", "top5", "top1"],
        "value": [74.0, 70.5, 89.0, 80.0],
    })
    return claims, results, accuracy


def test_pick_model_prefers_pin_then_224(synthetic):
    _, results, _ = synthetic
    assert pick_model(results, "arch_a") == "x/arch_a@224"
    assert pick_model(results, "arch_a", pinned="x/arch_a@256") == "x/arch_a@256"
    assert pick_model(results, "arch_a", pinned="x/absent@224") == "x/arch_a@224"
    assert pick_model(results, "nope") == ""


def test_claimed_vs_measured_hand_computed(synthetic):
    out = claimed_vs_measured(*synthetic).set_index("paper_title")
    assert list(out.index) == ["P1", "P2", "P3", "P4", "P5", "P7", "P8"]
    assert out.loc["P7", "macs_ratio"] == pytest.approx(0.5)
    assert out.loc["P7", "flags"] == "macs_gt10pct_apart"            # the other convention is worse
    assert out.loc["P8", "macs_ratio"] == pytest.approx(0.5)
    assert out.loc["P8", "flags"] == "macs_gt10pct_apart;convention_mismatch"

    p1 = out.loc["P1"]
    assert p1["model"] == "x/arch_a@224"
    assert p1["claimed_macs"] == pytest.approx(167e6)
    assert p1["macs_ratio"] == pytest.approx(167 / 160)
    assert not p1["derived"]
    assert p1["accuracy_diff"] == pytest.approx(1.0)
    assert p1["flags"] == ""

    p2 = out.loc["P2"]
    assert p2["macs_ratio"] == pytest.approx(2.0)
    assert p2["flags"] == "macs_gt10pct_apart;convention_mismatch"
    assert p2["accuracy_diff"] == pytest.approx(-0.5)

    p3 = out.loc["P3"]
    assert p3["claimed_macs"] == pytest.approx(1.05e9)
    assert p3["macs_ratio"] == pytest.approx(1.05)
    assert p3["reference_accuracy"] == 89.0 and p3["accuracy_diff"] == pytest.approx(1.0)
    assert p3["flags"] == ""

    p4 = out.loc["P4"]
    assert p4["derived"] and p4["accuracy_derived"]
    assert p4["baseline_model"] == "x/arch_a@224"
    assert p4["claimed_macs"] == pytest.approx(80e6)
    assert p4["macs_ratio"] == pytest.approx(0.8)
    assert p4["claimed_accuracy"] == pytest.approx(76.0)
    assert p4["accuracy_diff"] == pytest.approx(-4.0)
    assert p4["flags"] == "macs_gt10pct_apart;accuracy_gt1pt_apart"  # derived: no convention flag

    p5 = out.loc["P5"]
    assert p5["model"] == "" and math.isnan(p5["measured_macs"]) and math.isnan(p5["claimed_macs"])
    assert p5["flags"] == "no_measurement"


def test_real_claims_run_against_reference(claims):
    """Every pinned claim model scores within tolerance of what its paper says (no results needed)."""
    acc = load_accuracy()
    results = pd.DataFrame({"model": [], "arch": [], "macs": [], "kind": []})
    out = claimed_vs_measured(claims, results, acc)
    with_baseline = claims.apply(baseline_arch_of, axis=1) != ""
    seeded = (claims["status"] == SEED_CHECKED) & (claims["zoo_model"] != "")
    assert len(out) == (((claims["status"] == "mapped") & (claims["zoo_arch"] != "")) | seeded | with_baseline).sum()
    assert len(out) >= 24
    # a seed variant has random weights, so no reference accuracy: only library models are compared here
    direct = out[out["metric"].isin(["top1", "top5"]) & out["claimed_accuracy"].notna()
                 & out["reference_accuracy"].notna()]
    assert len(direct) >= 5
    assert (direct["accuracy_diff"].abs() <= 1.0).all(), direct[["claim_model", "accuracy_diff"]]
