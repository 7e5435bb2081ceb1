"""Issue 14 item 4: the refresh's --resolution derives zoo entries at other square input sizes
(efficiency.zoo.resolution); derived rows are marked ``derived_from`` in the cache, kept out of the
dashboard's model set (efficiency.ui.data) and used by the latency-versus-resolution curves."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from efficiency.run.options import UsageError, build_parser, check_options
from efficiency.run.plan import stale_labels
from efficiency.store import cache
from efficiency.ui import curves
from efficiency.ui import data as uidata
from efficiency.ui.explorer import build_view
from efficiency.ui.state import DEFAULT
from efficiency.zoo import Zoo, ZooEntry
from efficiency.zoo.resolution import at_size, derive

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"
ARGS_FILE = ROOT / "bench" / "sweeps" / "resolution_curve.args"


def timm_entry(name: str, size: int) -> ZooEntry:
    arch, _, tag = name.partition(".")
    return ZooEntry(id=f"timm/{name}@{size}", source="timm", name=name, arch=arch, weights=tag,
                    task="classification", family="test", input_size=(3, size, size))


VIT = timm_entry("test_vit.r160_in1k", 160)            # timm's 6-block, 64-wide ViT, patch 16
TV_VIT = ZooEntry(id="torchvision/vit_b_16.IMAGENET1K_V1", source="torchvision", name="vit_b_16.IMAGENET1K_V1",
                  arch="vit_b_16", weights="IMAGENET1K_V1", task="classification", family="vit",
                  input_size=(3, 224, 224))
SEED = ZooEntry(id="seed/p.v@3x224x224", source="seed", name="p.v", arch="v", weights="", task="classification",
                family="v", input_size=(3, 224, 224), paper="P")


# --------------------------------------------------------------------------- derivation


def test_derived_ids_sizes_and_zoo_sizes():
    at_224 = timm_entry("test_vit.r160_in1k", 224)    # a size the zoo publishes for the same weights
    zoo = Zoo([VIT, at_224, TV_VIT, SEED])
    got = derive([VIT, TV_VIT, SEED], [320, 128, 160, 224, 320], zoo)
    ids = [e.id for e in got.entries]
    assert ids == ["timm/test_vit.r160_in1k@160", "timm/test_vit.r160_in1k@128", "timm/test_vit.r160_in1k@224",
                   "timm/test_vit.r160_in1k@320", "torchvision/vit_b_16.IMAGENET1K_V1",
                   "torchvision/vit_b_16.IMAGENET1K_V1@128", "torchvision/vit_b_16.IMAGENET1K_V1@160",
                   "torchvision/vit_b_16.IMAGENET1K_V1@320", "seed/p.v@3x224x224"]
    by_id = {e.id: e for e in got.entries}
    assert by_id["timm/test_vit.r160_in1k@320"].input_size == (3, 320, 320)
    assert by_id["timm/test_vit.r160_in1k@320"].derived_from == VIT.id
    assert by_id["torchvision/vit_b_16.IMAGENET1K_V1@128"].derived_from == TV_VIT.id
    # the zoo's own size is the zoo entry, not a derived duplicate
    assert by_id["timm/test_vit.r160_in1k@224"] is at_224 and not at_224.derived_from
    assert [e.id for e in got.from_zoo] == [at_224.id]
    assert len(got.derived) == 5 and all(e.derived_from for e in got.derived)
    assert got.ineligible == [SEED]
    # arch, weights, source unchanged: the curves group them with the zoo entry
    assert {(e.source, e.arch, e.weights) for e in got.entries if e.id.startswith("timm/")} == {
        ("timm", "test_vit", "r160_in1k")}


def test_selected_zoo_sizes_are_not_repeated_nor_called_derived():
    at_224 = timm_entry("test_vit.r160_in1k", 224)
    got = derive([VIT, at_224], [160, 224, 256], Zoo([VIT, at_224]))
    assert [e.id for e in got.entries] == [VIT.id, "timm/test_vit.r160_in1k@224", "timm/test_vit.r160_in1k@256"]
    assert got.from_zoo == [] and [e.id for e in got.derived] == ["timm/test_vit.r160_in1k@256"]


def test_entries_that_cannot_be_derived_are_refused_by_at_size():
    with pytest.raises(ValueError, match="only timm and torchvision classification"):
        at_size(SEED, 320)
    with pytest.raises(ValueError, match="between 32 and 2048"):
        derive([VIT], [16])


# --------------------------------------------------------------------------- building at a size


def test_vit_at_320_counts_the_tokens_it_has():
    # test_vit: 6 blocks of width 64 (MLP 192), a class token, patch 16. Per block qkv + proj 4 d^2 and
    # MLP 2 d h MACs per token, attention 2 N^2 d; patch embedding 3*16*16*d per patch; head d*1000.
    from efficiency.run.worker import measure_count

    def expected(size: int) -> int:
        patches = (size // 16) ** 2
        n, d, h = patches + 1, 64, 192
        return 6 * (n * (4 * d * d + 2 * d * h) + 2 * n * n * d) + patches * 3 * 16 * 16 * d + d * 1000

    macs = {}
    for size in (224, 320):
        values, error = measure_count(at_size(VIT, size))
        assert error == ""
        macs[size] = values["macs"]
        assert macs[size] == expected(size)
    ratio = macs[320] / macs[224]
    # between the token ratio (linear layers) and its square (attention): position embeddings resized
    assert (401 / 197) < ratio < (401 / 197) ** 2, ratio


def test_torchvision_vit_is_built_with_the_derived_size():
    from efficiency.zoo import torchvision

    model = torchvision.create(at_size(TV_VIT, 128))
    assert tuple(model.encoder.pos_embedding.shape) == (1, (128 // 16) ** 2 + 1, 768)
    assert model.image_size == 128


def test_a_size_the_network_cannot_take_is_an_error_row_saying_why():
    from efficiency.measure.environment import library_versions
    from efficiency.run.plan import plan
    from efficiency.run.worker import run_job

    odd = at_size(VIT, 136)          # 136 px is 8.5 patches of 16
    jobs = plan([odd], cache.empty_frame(), library_versions(), count=True, specs=[], force=False,
                retry_errors=False, device_names={"cpu": "cpu"}, latency_max_macs=None, threads=1)
    rows = run_job(jobs[0])
    assert len(rows) == 1 and rows[0]["model"] == "timm/test_vit.r160_in1k@136"
    assert "divisible by patch size" in rows[0]["error"] and rows[0]["input_size"] == "3x136x136"


# --------------------------------------------------------------------------- the cache and the dashboard


def test_old_cache_reads_with_no_derived_rows(tmp_path):
    df = cache.read(FIX / "results.parquet").drop(columns=["derived_from"])
    db = tmp_path / "v2.parquet"
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False).replace_schema_metadata(
        {b"efficiency.schema_version": b"2"}), db)
    back = cache.read(db)
    assert len(back) == len(df) and set(back["derived_from"]) == {""}


def test_unmarked_derived_rows_are_relabelled():
    # rows merged from a side file written before they were marked: the next refresh marks them
    derived = at_size(VIT, 320)
    rows = cache.normalise(pd.DataFrame([{"model": derived.id, "family": "test", "paper": "", "kind": "count",
                                          "macs": 5, "error": ""}]))
    out = stale_labels(rows, [derived])
    assert list(out["derived_from"]) == [VIT.id] and list(out["macs"]) == [5]
    assert stale_labels(out, [derived]).empty


def _with_derived(tmp_path) -> tuple[Path, str]:
    """The fixture cache plus resnet50.a1_in1k's rows copied at 320 px, marked derived."""
    df = cache.read(FIX / "results.parquet")
    base = "timm/resnet50.a1_in1k@224"
    copy = df[df["model"] == base].assign(model="timm/resnet50.a1_in1k@320", input_size="3x320x320",
                                          derived_from=base)
    copy["macs"] = copy["macs"] * 2   # a larger input costs more: the curve must go up
    copy["latency_ms_p50"] = copy["latency_ms_p50"] * 2
    copy["throughput"] = copy["throughput"] / 2
    db = tmp_path / "c.parquet"
    cache.write_atomic(pd.concat([df, copy], ignore_index=True), db)
    return db, base


def test_explorer_model_set_ignores_derived_rows(tmp_path):
    db, base = _with_derived(tmp_path)
    plain = uidata.read_results(FIX / "results.parquet")
    loaded = uidata.read_results(db)
    assert set(loaded.df["model"]) == set(plain.df["model"])
    assert set(loaded.sweep["model"]) == {"timm/resnet50.a1_in1k@320"} and len(loaded.sweep) > 1
    acc = uidata.read_accuracy(FIX / "accuracy.parquet", loaded.df).df
    for state in (DEFAULT, replace(DEFAULT, x="latency_p50")):
        ours, theirs = build_view(loaded.df, acc, state), build_view(plain.df, acc, state)
        assert ours.notes == theirs.notes                   # "N of M models have no ..." unchanged
        assert (ours.n_candidates, ours.lat_total) == (theirs.n_candidates, theirs.lat_total)
        assert list(ours.points["model"]) == list(theirs.points["model"])


def test_resolution_curves_use_derived_rows(tmp_path):
    db, base = _with_derived(tmp_path)
    loaded = uidata.read_results(db)
    lat = loaded.df[(loaded.df["model"] == base) & (loaded.df["kind"] == "latency")
                    & (loaded.df["error"] == "")].iloc[0]
    cfg = (lat["device"], lat["dtype"], lat["mode"], int(lat["batch_size"]))
    alone = curves.resolution_curves(loaded.df, [base], *cfg)
    together = curves.resolution_curves(uidata.with_sweep(loaded.df, loaded.sweep), [base], *cfg)
    assert curves.resolution_lines(alone) == []
    line = curves.resolution_lines(together)[0]
    points = together[together["line"] == line]
    assert list(points["resolution"]) == [224.0, 320.0]
    assert points["gmacs"].is_monotonic_increasing and points["lat_p50_ms"].is_monotonic_increasing


# --------------------------------------------------------------------------- the command


def _parse(*argv):
    args = build_parser().parse_args(list(argv))
    check_options(args)
    return args


def test_resolution_options_are_checked_before_any_work():
    assert _parse("--models", "x", "--resolution", "128", "512").resolution == [128, 512]
    with pytest.raises(UsageError, match="--resolution needs --models"):
        _parse("--resolution", "224")
    with pytest.raises(UsageError, match="between 32 and 2048"):
        _parse("--models", "x", "--resolution", "0")


def test_argument_file_names_twenty_zoo_entries_at_ten_sizes():
    lines = ARGS_FILE.read_text().split()
    args = build_parser().parse_args([f"@{ARGS_FILE}"])
    assert args.resolution == [128, 160, 192, 224, 256, 288, 320, 384, 448, 512]
    assert len(args.models) == 20 and len(set(m.split(".")[0] for m in args.models)) == 20
    known = set(pd.read_csv(ROOT / "data" / "reference" / "timm" / "results-imagenet.csv")
                .apply(lambda r: f"timm/{r['model']}@{r['img_size']}", axis=1))
    assert set(args.models) <= known, set(args.models) - known
    assert lines[0] == "--models"


def run(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "efficiency.refresh", "--no-progress", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, env=dict(os.environ))


def test_refresh_end_to_end_on_tiny_models(tmp_path):
    db = tmp_path / "c.parquet"
    sweep = ["--models", "timm/test_vit.r160_in1k@160", "timm/test_convnext.r160_in1k@160",
             "--resolution", "128", "136", "160", "224", "--batch-size", "1", "--min-time", "0.02",
             "--max-time", "0.2", "--threads", "1", "--cache", str(db)]
    listed = run(*sweep, "--list")
    assert listed.returncode == 0, listed.stderr
    assert "timm/test_vit.r160_in1k@224  (+0 sharing it)  count cpu/b1/fp32/eager  [derived from " \
           "timm/test_vit.r160_in1k@160]" in listed.stdout
    assert "8 models selected, 8 builds to run (6 derived entries at other input sizes among them)" in listed.stdout
    assert not db.exists()

    done = run(*sweep)
    assert done.returncode == 0, done.stderr
    df = cache.read(db)
    assert len(df) == 16 and set(df["kind"]) == {"count", "latency"}
    marks = df.drop_duplicates("model").set_index("model")["derived_from"]
    assert marks["timm/test_vit.r160_in1k@160"] == "" and marks["timm/test_convnext.r160_in1k@160"] == ""
    assert marks["timm/test_vit.r160_in1k@136"] == "timm/test_vit.r160_in1k@160"
    assert marks["timm/test_convnext.r160_in1k@224"] == "timm/test_convnext.r160_in1k@160"
    odd = df[df["model"] == "timm/test_vit.r160_in1k@136"]
    assert len(odd) == 2 and odd["error"].str.contains("divisible by patch size").all()
    assert (df.loc[df["model"] != "timm/test_vit.r160_in1k@136", "error"] == "").all()

    loaded = uidata.read_results(db)
    assert set(loaded.df["model"]) == {"timm/test_vit.r160_in1k@160", "timm/test_convnext.r160_in1k@160"}
    got = curves.resolution_curves(uidata.with_sweep(loaded.df, loaded.sweep), ["timm/test_vit.r160_in1k@160"],
                                   "cpu", "fp32", "eager", 1)
    assert list(got["resolution"]) == [128.0, 160.0, 224.0]   # 136 failed: no point
    assert got["gmacs"].is_monotonic_increasing

    again = run(*sweep)
    assert again.returncode == 0 and "Nothing to do" in again.stdout, again.stdout + again.stderr
