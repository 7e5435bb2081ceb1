"""Issue 13 (CMPGRID): the Compare table on a desktop fits its column. One grid of every quantity was 1393 px
(3 ImageNet models) to 1797 px (language models) wide in the 978 px a 1440 px window leaves beside the sidebar,
818 px at 1280 px: p90, GFLOPs, energy and family were behind a sideways scroll. Now the columns come in grids
one under the other, each led by the ids and each as wide as the narrowest column the grid is shown in.

Unit tests of efficiency.ui.compare_table, the page under AppTest, and the page in headless Chromium at 1280
and 1440 px measuring every grid's scrollWidth against its clientWidth.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from conftest import run_app
from efficiency.ui import compare_table as ct
from efficiency.ui.phone import COMPARE_GRID_PX

AUDIT = ["timm/mobilenetv3_small_050.lamb_in1k@224", "timm/tinynet_e.in1k@106",
         "torchvision/shufflenet_v2_x0_5.IMAGENET1K_V1"]
LONG = "timm/vit_mediumd_patch16_reg4_gap_256.sbb2_e200_in12k_ft_in1k@256"     # 65 characters, the zoo's longest
HEADS = ["ImageNet-1k top-1 (%)", "GMACs", "params (M)", "latency p50 (ms)", "samples/s", "peak memory (MiB)",
         "latency p90 (ms)", "GFLOPs (2 x MACs)", "energy (J/sample, NVML)", "family"]


def _frame(ids: list[str]) -> pd.DataFrame:
    n = len(ids)
    nums = {h: [57.92, 0.0242, 1.59, 0.58, 1720.0, 108.0, 0.582, 0.0484, None][i:i + 1] * n
            for i, h in enumerate(HEADS[:-1])}
    return pd.DataFrame({"model": ids, **nums, "family": ["mobilenetv3"] * n})


def _fits(lay: ct.CompareLayout, px: int) -> None:
    for g in lay.grids:
        assert lay.id_px + g.px <= px, (lay.id_px, g)


def test_text_px_counts_wide_letters_wider():
    assert ct.text_px("mmm") > ct.text_px("iii") and ct.text_px("") == 0
    assert ct.text_px("µ") == 11.9                      # an unknown character counts as the widest


def test_audit_selection_fits_in_two_grids_key_numbers_first_ids_on_one_line():
    lay = ct.layout(_frame(AUDIT), {HEADS[0]: "%.2f"}, short={HEADS[0]: "top-1 (%)"})
    _fits(lay, ct.GRID_PX)
    assert [list(g.columns) for g in lay.grids] == [HEADS[:5], HEADS[5:]]
    assert lay.row_height is None and lay.height is None                 # no id wraps
    assert lay.id_px >= max(ct.text_px(i) for i in AUDIT) + ct.PAD_PX
    assert len({lay.id_px + g.px for g in lay.grids}) == 1               # equally wide: ids one above the other
    assert lay.labels[HEADS[0]] == "top-1 (%)" and lay.labels["GFLOPs (2 x MACs)"] == "GFLOPs"


def test_an_id_longer_than_the_cap_wraps_and_every_row_stays_in_view():
    lay = ct.layout(_frame(AUDIT + [LONG, "timm/resnet50.a1_in1k@224", "torchvision/efficientnet_b0.IMAGENET1K_V1"]))
    _fits(lay, ct.GRID_PX)
    assert lay.id_px <= ct.ID_CAP_PX and lay.row_height >= ct.WRAP_ROW_PX
    assert lay.height == ct.HEAD_PX + 6 * lay.row_height
    assert sum(len(g.columns) for g in lay.grids) == len(HEADS)        # every column, once


def test_groups_cut_in_order_and_spread_fills_the_room():
    assert ct.groups({"a": 50, "b": 60, "c": 30, "d": 100}, 120) == [["a", "b"], ["c"], ["d"]]
    assert ct.spread([50, 60], 120) == (54, 66) and sum(ct.spread([33, 33, 33], 100)) == 100
    assert ct.spread([80, 60], 120) == (80, 60)


# --------------------------------------------------------------------------- the page

def _config(el) -> dict:
    return json.loads(el.proto.columns)


def test_compare_page_grids_hold_every_column_once_and_fit(shipped_env):
    at = run_app({"sel": ",".join(AUDIT), "dev": "cuda", "mode": "cuda_graph", "bs": "1"}, "compare", timeout=120)
    table = at.dataframe[0].value
    cfg = _config(at.dataframe[0])
    shown = [c for c in table.columns if not cfg.get(c, {}).get("hidden")]
    below = [c for d in at.dataframe[1:] if d.value.columns[0] == "model"
             and set(d.value.columns) <= set(table.columns) for c in d.value.columns[1:]]
    assert shown[:6] == list(table.columns[:6]) and below                 # the key numbers in the first grid
    assert sorted(shown[1:] + below) == sorted(table.columns[1:])         # nothing lost, nothing twice
    for d in [at.dataframe[0]] + [d for d in at.dataframe[1:] if set(d.value.columns) <= set(table.columns)]:
        widths = [v["width"] for k, v in _config(d).items() if not v.get("hidden") and "width" in v]
        assert sum(widths) <= COMPARE_GRID_PX, widths
    assert any("Accuracy: ImageNet-1k top-1 (%)" in str(c.value) for c in at.caption)


# --------------------------------------------------------------------------- headless Chromium

GRIDS_JS = """() => Array.from(document.querySelectorAll('.st-key-cmp_grid [data-testid="stDataFrame"]'))
  .filter(g => g.getBoundingClientRect().width > 0).map(g => { const s = g.querySelector('.dvn-scroller');
    return {client: s ? s.clientWidth : 0, scroll: s ? s.scrollWidth : 0,
            heads: Array.from(g.querySelectorAll('thead th')).map(t => t.textContent)}; })"""


@pytest.mark.parametrize("width,height", [(1280, 800), (1440, 900)])
def test_compare_grids_have_no_sideways_scroll(width, height):
    from test_browser import ART, CHROMIUM, browser_page, streamlit_server, wait_for
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with streamlit_server() as base, browser_page(width=width, height=height) as page:
        page.goto(f"{base}/compare")
        grids = wait_for(page, GRIDS_JS, lambda v: v and all(len(g["heads"]) > 1 for g in v), timeout_s=90)
        page.wait_for_timeout(800)
        grids = page.evaluate(GRIDS_JS)
        for g in grids:
            assert 0 < g["client"] and g["scroll"] <= g["client"] + 1, grids
        heads = [h for g in grids for h in g["heads"][1:]]
        assert {"GMACs", "latency p50 (ms)", "samples/s", "p90 (ms)", "GFLOPs", "family"} <= set(heads), heads
        assert set(grids[0]["heads"]) >= {"GMACs", "params (M)", "latency p50 (ms)", "samples/s"}, grids
        page.locator(".st-key-cmp_grid").screenshot(path=str(ART / f"compare_grid_{width}px.png"))
