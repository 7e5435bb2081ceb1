"""FIX7A: the points CSV's "latency machine" column is blank on rows without latency.

It held the view's machine on every row, so on the shipped detection view (latency from the H100) the
RetinaNet, fcos and SSD rows, measured on the H200 only, read "NVIDIA H100 80GB HBM3" beside a blank latency,
as if that machine had measured them (MACHINEFIX's leftover)."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from conftest import ROOT
from efficiency.ui.explorer import build_view
from efficiency.ui.export_names import CONFIG_HEADERS, measured, points_frame
from efficiency.ui.state import DEFAULT

DET = replace(DEFAULT, task="detection", mode="eager", y_dataset="coco-val2017", y_metric="box_map")
MACHINE = CONFIG_HEADERS["machine"]


@pytest.fixture(scope="module")
def shipped():
    return (pd.read_parquet(ROOT / "data" / "results.parquet"), pd.read_parquet(ROOT / "data" / "accuracy.parquet"))


def _p50(df: pd.DataFrame) -> str:
    return next(c for c in df if c.startswith("latency p50"))


def test_the_machine_is_blank_where_the_latency_is(shipped):
    v = build_view(*shipped, DET)                         # GMACs axis: every detector with mAP is plotted
    df = points_frame(v)
    p50 = _p50(df)
    blank = df[p50].isna()
    assert blank.sum() == 5 and (~blank).sum() == 6       # the H200's 5, the H100's 6
    assert df.loc[blank, MACHINE].eq("").all()
    assert df.loc[~blank, MACHINE].eq(v.device_name).all() and v.device_name.startswith("NVIDIA H100")
    # the other configuration columns stay: they say which configuration the blank cell is of
    assert df["latency mode"].eq("eager").all() and df["latency batch size"].eq(1).all()


def test_seed_rows_follow_the_same_rule(shipped):
    v = build_view(*shipped, replace(DET, seed_claims=True))
    df = points_frame(v)
    assert (df["accuracy kind"] != "reference table").any()
    filled = df[_p50(df)].notna()
    assert filled.any() and (~filled).any()
    assert df.loc[filled, MACHINE].eq(v.device_name).all() and df.loc[~filled, MACHINE].eq("").all()


def test_measured_reads_any_latency_cell():
    pts = pd.DataFrame({"lat_p50_ms": [1.0, None, None], "decode_tps": [None, 5.0, None]})
    assert measured(pts).tolist() == [True, True, False]
    assert measured(pd.DataFrame({"gmacs": [1.0]})).tolist() == [False]
