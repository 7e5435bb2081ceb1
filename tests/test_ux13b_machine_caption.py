"""UX13B (issue 13 leftovers) #1: Model detail's throughput-versus-batch caption names each machine as the rest
of the page does (efficiency.ui.machines.short_names) and says which rows do not identify their machine; it
had called a row without a recorded machine "GPU not recorded" (the version-1 upgrade's placeholder name), as
if that were a machine, and two AMD EPYC machines, one unrecorded, shared one line."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from efficiency.store import cache
from efficiency.ui import curves
from efficiency.ui.machines import short_names

ROOT = Path(__file__).resolve().parent.parent
H200 = ("gpu/NVIDIA H200/140GiB/700W", "NVIDIA H200, 140 GiB, 700 W limit", "NVIDIA H200")
BLIND_GPU = ("unknown", "GPU not recorded", "")          # what efficiency.store.upgrade gives a v1 row without names
EPYC = ("cpu/AuthenticAMD/25-1/avx2/2c", "AMD EPYC, family 25 model 1, avx2, 2 cores", "AMD EPYC")
BLIND_EPYC = ("unknown", "AMD EPYC (family, model, instruction sets and cores not recorded)", "AMD EPYC")
CAPTURE = "cannot be captured as a CUDA graph: CudaGraphError: capture failed"


def _lat(batch: int, p50: float | None, machine, device="cuda", dtype="bf16", mode="eager", error="") -> dict:
    return {"model": "timm/a.w@224", "source": "timm", "arch": "a", "weights": "w", "task": "classification",
            "input_size": "3x224x224", "kind": "latency", "batch_size": batch, "device": device, "dtype": dtype,
            "mode": mode, "channels_last": False, "hardware": machine[0], "hardware_name": machine[1],
            "device_name": machine[2], "latency_ms_p50": p50, "error": error, "noisy": False}


def _curves(rows: list[dict]) -> pd.DataFrame:
    return curves.by_config(curves.batch_curves(cache.normalise(pd.DataFrame(rows)), ["timm/a.w@224"]))


def test_a_row_without_its_machine_is_named_as_the_page_names_it_and_said_to_be_unidentified():
    got = _curves([_lat(1, 1.0, H200), _lat(8, 4.0, H200), _lat(1, None, BLIND_GPU, mode="cuda_graph", error=CAPTURE)])
    assert sorted(set(got["line"])) == ["CUDA (machine not recorded) bf16, cuda graph", "NVIDIA H200 bf16, eager"]
    # the line's machine is the name the latency table's phone twin and the failure sentence give the row
    blind = got[got["hardware"] == "unknown"]
    assert blind["line"].iloc[0].startswith(short_names(blind).iloc[0] + " ")
    notes = curves.batch_notes(got)
    assert not any("GPU not recorded" in n for n in notes), notes
    assert notes[-1] == ("CUDA (machine not recorded) bf16, cuda graph: the row of batch 1 does not identify the "
                         "machine that ran it: kept apart from every identified machine's rows.")
    assert not any("NVIDIA H200" in n and "identify" in n for n in notes)      # identified rows: no such note


def test_an_unrecorded_machine_is_not_merged_with_a_recorded_one_of_the_same_name():
    rows = [_lat(b, 10.0 * b, EPYC, device="cpu", dtype="fp32") for b in (1, 8)]
    rows += [_lat(b, 12.0 * b, BLIND_EPYC, device="cpu", dtype="fp32") for b in (1, 8, 32)]
    got = _curves(rows)
    # both had read "AMD EPYC fp32, eager": one line of five points from two machines
    assert sorted(set(got["line"])) == ["AMD EPYC (machine not recorded) fp32, eager",
                                        "AMD EPYC, family 25 model 1 fp32, eager"]
    assert sorted(curves.drawn_lines(got)) == sorted(set(got["line"]))      # a curve each
    assert curves.unrecorded_notes(got) == ["AMD EPYC (machine not recorded) fp32, eager: the rows of batch 1, 8, 32 "
                                            "do not identify the machine that ran them: kept apart from every "
                                            "identified machine's rows."]


def test_one_machine_only_keeps_the_settings_alone_and_still_says_so():
    got = _curves([_lat(1, None, BLIND_GPU, mode="cuda_graph", error=CAPTURE)])
    assert set(got["line"]) == {"bf16, cuda graph"}
    assert "does not identify the machine" in curves.batch_notes(got)[-1]


def test_the_shipped_rows_without_a_machine_read_honestly():
    # the six shipped edgenext rows at 256 px: bf16 CUDA-graph capture failures stored without a GPU name
    res = pd.read_parquet(ROOT / "data" / "results.parquet")
    blind = res[(res["kind"] == "latency") & (res["hardware_name"] == "GPU not recorded")]
    assert len(blind) and set(blind["arch"].str.startswith("edgenext")) == {True}
    model = blind["model"].iloc[0]
    box, notes = curves.batch_messages(curves.by_config(curves.batch_curves(res, [model])))
    text = "\n".join([box or "", *notes])
    assert "GPU not recorded" not in text and "CUDA (machine not recorded) bf16, cuda graph" in text
    assert "does not identify the machine" in text
