"""The zoo registry: coverage of the reference tables, ids, selection, natural sort."""
import csv

import pytest

from efficiency.zoo import ids
from efficiency.zoo import UnknownModelError, Zoo, ZooEntry, family_of, load_zoo, natural_key
from efficiency.zoo.timm import TABLE as TIMM_TABLE


@pytest.fixture(scope="module")
def zoo():
    return load_zoo()


def test_every_timm_table_row_is_an_entry(zoo):
    with open(TIMM_TABLE, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 1556
    for r in rows:
        e = zoo.get(ids.timm_id(r["model"], int(r["img_size"])))
        assert e.input_size == (3, int(r["img_size"]), int(r["img_size"]))
        assert e.arch == r["model"].split(".")[0]
    assert len({r["model"].split(".")[0] for r in rows}) == 900


def test_every_torchvision_weight_is_an_entry(zoo):
    import torchvision.models as tvm

    n = 0
    for sub in ("", "detection", "segmentation", "video", "optical_flow"):
        module = getattr(tvm, sub) if sub else tvm
        for builder in tvm.list_models(module=module):
            for w in tvm.get_model_weights(builder):
                assert ids.torchvision_id(builder, w.name) in zoo
                n += 1
    assert sum(1 for e in zoo if e.source == "torchvision") == n


def test_entries_are_frozen_and_registry_refuses_duplicates():
    e = ZooEntry("timm/x@224", "timm", "x", "x", "", "classification", "x", (3, 224, 224))
    with pytest.raises(Exception):
        e.arch = "y"  # frozen dataclass
    z = Zoo([e])
    with pytest.raises(ValueError):
        z.register(e)


def test_select_patterns_and_natural_sort(zoo):
    got = [e.arch for e in zoo.select(["resnet18", "resnet50", "resnet101"], task="classification")
           if e.source == "torchvision"]
    assert got == ["resnet18", "resnet50", "resnet50", "resnet101", "resnet101"]
    assert sorted(["resnet101", "resnet50", "resnet18"], key=natural_key) == ["resnet18", "resnet50", "resnet101"]
    assert all(e.task == "detection" for e in zoo.select(["*"], task="detection"))


def test_unknown_pattern_suggests_close_names(zoo):
    with pytest.raises(UnknownModelError) as info:
        zoo.select(["resnt50"])
    assert "resnet50" in info.value.suggestions


def test_family():
    assert family_of("resnet50d") == "resnet"
    assert family_of("convnextv2_tiny") == "convnextv2"
    assert family_of("tf_efficientnet_b0") == "efficientnet"
    assert family_of("vit_base_patch16_224") == "vit"


def test_seed_paper_archs_carry_their_paper(zoo):
    e = zoo.get(next(x.id for x in zoo if x.arch == "ghostnetv2_100"))
    assert "GhostNetV2" in e.paper
    assert zoo.get(next(x.id for x in zoo if x.arch == "resnet50")).paper == ""
