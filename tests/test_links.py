"""Links out of the dashboard (efficiency.ui.links): the URL of each source, and their format."""
from __future__ import annotations

import math
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from efficiency.reference.papers import PAPER_ARXIV
from efficiency.ui.links import LABELS, model_links

ROOT = Path(__file__).resolve().parent.parent
HOSTS = {"huggingface.co", "docs.pytorch.org", "arxiv.org", "github.com"}
CARD, DOCS, PAPER, SOURCE = LABELS["card"], LABELS["docs"], LABELS["paper"], LABELS["source"]


def well_formed(url: str) -> bool:
    """https, a known host, no whitespace or control characters, nothing but a path."""
    parts = urlsplit(url)
    return (parts.scheme == "https" and parts.netloc in HOSTS and not parts.query and not parts.fragment
            and not re.search(r"[\s\x00-\x1f\x7f]", url) and parts.path.startswith("/"))


def row(**kw) -> dict:
    base = {"source": "timm", "arch": "resnet50", "weights": "a1_in1k", "task": "classification", "paper": ""}
    return {**base, **kw}


def test_timm_card_is_the_hub_repo_of_arch_and_tag():
    assert model_links(row()) == {CARD: "https://huggingface.co/timm/resnet50.a1_in1k"}


def test_timm_without_a_tag_has_no_card():
    assert CARD not in model_links(row(weights=""))
    assert CARD not in model_links(row(weights=math.nan))   # parquet's missing value


@pytest.mark.parametrize("task, arch, page", [
    ("classification", "resnet50", "torchvision.models.resnet50.html"),
    ("detection", "fasterrcnn_resnet50_fpn_v2", "torchvision.models.detection.fasterrcnn_resnet50_fpn_v2.html"),
    ("segmentation", "deeplabv3_resnet50", "torchvision.models.segmentation.deeplabv3_resnet50.html"),
    ("video", "r3d_18", "torchvision.models.video.r3d_18.html"),
    ("optical_flow", "raft_large", "torchvision.models.optical_flow.raft_large.html"),
])
def test_torchvision_docs_page_is_the_builder_in_its_subpackage(task, arch, page):
    links = model_links(row(source="torchvision", arch=arch, weights="DEFAULT_V1", task=task))
    assert links == {DOCS: "https://docs.pytorch.org/vision/main/models/generated/" + page}


def test_torchvision_task_outside_the_zoo_has_no_docs_link():
    assert model_links(row(source="torchvision", task="quantization")) == {}


def test_seed_paper_gets_its_arxiv_page_and_an_unknown_paper_none():
    links = model_links(row(arch="caformer_s18", weights="sail_in1k", paper="MetaFormer Baselines for Vision"))
    assert links[PAPER] == "https://arxiv.org/abs/2210.13452"
    assert PAPER not in model_links(row(paper="A paper nobody mapped"))


def test_source_file_only_from_a_fully_qualified_module():
    timm = model_links(row(module="timm.models.resnet"))
    assert timm[SOURCE] == "https://github.com/huggingface/pytorch-image-models/blob/main/timm/models/resnet.py"
    tv = model_links(row(source="torchvision", arch="fasterrcnn_resnet50_fpn", task="detection",
                         module="torchvision.models.detection.faster_rcnn"))
    assert tv[SOURCE] == "https://github.com/pytorch/vision/blob/main/torchvision/models/detection/faster_rcnn.py"
    # no module, a bare or foreign module, or anything that is not a dotted name: no guess
    for module in ("", None, "resnet", "torchvision.models.resnet", "timm.models.../etc", "timm.models.a b"):
        assert SOURCE not in model_links(row(module=module)), module


def test_custom_models_and_rows_without_arch_get_no_links():
    assert model_links(row(source="custom", arch="mypkg.models:build")) == {}
    assert model_links(row(arch="")) == {}
    assert model_links(row(arch=None)) == {}
    assert model_links({}) == {}


def test_links_come_in_label_order():
    links = model_links(row(paper="MetaFormer Baselines for Vision", module="timm.models.metaformer"))
    assert list(links) == [CARD, PAPER, SOURCE]


def test_special_characters_are_escaped_not_passed_through():
    links = model_links(row(arch="res net/50?x#y", weights="a1 in1k%"))
    url = links[CARD]
    assert well_formed(url), url
    assert url == "https://huggingface.co/timm/res%20net%2F50%3Fx%23y.a1%20in1k%25"
    docs = model_links(row(source="torchvision", arch="../../evil", task="classification"))[DOCS]
    plain = model_links(row(source="torchvision", arch="resnet50", task="classification"))[DOCS]
    assert well_formed(docs) and "/../" not in docs and docs.count("/") == plain.count("/"), docs


names = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40).filter(str.strip)


@settings(max_examples=200, deadline=None)
@given(source=st.sampled_from(["timm", "torchvision"]), arch=names, weights=names,
       task=st.sampled_from(["classification", "detection", "video", "segmentation", "optical_flow"]),
       paper=st.sampled_from(list(PAPER_ARXIV) + ["", "unknown"]))
def test_every_link_is_well_formed_and_keeps_the_id(source, arch, weights, task, paper):
    links = model_links({"source": source, "arch": arch, "weights": weights, "task": task, "paper": paper})
    assert links, "a timm or torchvision row with an arch always gets a card or docs page"
    for url in links.values():
        assert well_formed(url), url
    # escaping is lossless: the last path segment decodes back to the id it was built from
    if source == "timm":
        assert unquote(links[CARD].rsplit("/", 1)[1]) == f"{arch.strip()}.{weights.strip()}"
    else:
        assert unquote(links[DOCS].rsplit("/", 1)[1]).endswith(f"{arch.strip()}.html")


def test_arxiv_table_covers_the_zoo_named_papers_and_only_claims_table_titles():
    claims = pd.read_csv(ROOT / "data" / "paper_claims.csv", dtype=str, keep_default_na=False)
    with_archs = set(claims.loc[claims["zoo_archs"] != "", "paper_title"])
    assert with_archs <= set(PAPER_ARXIV)   # a renamed or new zoo-named paper must be added here
    assert set(PAPER_ARXIV) <= set(claims["paper_title"]), set(PAPER_ARXIV) - set(claims["paper_title"])
    assert all(re.fullmatch(r"\d{4}\.\d{4,5}", i) for i in PAPER_ARXIV.values())
    assert len(set(PAPER_ARXIV.values())) == len(PAPER_ARXIV)


def test_arxiv_table_agrees_with_the_seed_tables_and_language_model_specs():
    """The same paper must not get two ids: the seed tables' `arxiv` column and the specs' `paper` (for a
    spec whose `seed_paper` names a claims paper) must match the table wherever both have one."""
    from efficiency.reference import llm_specs, seed_tables

    seen = {r["paper_title"]: r["arxiv"] for path in seed_tables.table_paths() for r in seed_tables.read_table(path)}
    for path in llm_specs.spec_paths():
        spec = llm_specs.read_spec(path)
        if spec.seed_paper and spec.paper:
            seen[spec.seed_paper] = spec.paper.removeprefix("https://arxiv.org/abs/")
    shared = set(seen) & set(PAPER_ARXIV)
    assert shared, "no paper in both: the comparison would test nothing"
    assert {t: seen[t] for t in shared} == {t: PAPER_ARXIV[t] for t in shared}


def test_paper_url_links_only_papers_with_a_read_id():
    from efficiency.reference.papers import paper_url

    title = "MAXIM: Multi-Axis MLP for Image Processing"
    assert paper_url(title) == "https://arxiv.org/abs/2201.02973"
    assert paper_url(f"  {title} ") == paper_url(title)
    assert paper_url("A paper nobody read") == ""


def test_every_shipped_row_gets_its_card_or_docs_and_well_formed_links():
    from efficiency.store.query import load_results

    results = load_results(ROOT / "data" / "results.parquet")
    counts = results[results["kind"] == "count"].drop_duplicates("model")
    for r in counts[["source", "arch", "weights", "task", "paper"]].to_dict("records"):
        links = model_links(r)
        want = {"timm": CARD, "torchvision": DOCS, "hf": CARD, "seed": PAPER}[r["source"]]
        assert want in links, r
        assert all(well_formed(u) for u in links.values()), links
        if r["source"] != "hf":   # a language model's paper comes from its spec, not the row
            assert (PAPER in links) == bool(r["paper"]), r   # every seed paper a row names has its arXiv id


def test_language_models_link_to_their_hub_card_and_paper():
    links = model_links({"source": "hf", "arch": "llama-3.1-8b", "weights": "", "task": "language", "paper": ""})
    assert links[CARD] == "https://huggingface.co/meta-llama/Llama-3.1-8B"
    assert links[PAPER] == "https://arxiv.org/abs/2407.21783"
    assert model_links({"source": "hf", "arch": "no-such-model", "task": "language"}) == {}
