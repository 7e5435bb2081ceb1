"""The Paper claims page after the UX audit (out/notes/UXCHECK3.md, defect 8): the verdict summary
names explained and unexplained gaps apart, the details table is rounded and has readable headers,
the seed table's "ours, as the paper counts" says its unit in every cell, and the details chart's
names do not cover each other or a marker."""
import base64
import json
import math
import re

import numpy as np
import pandas as pd

from efficiency.ui.claims_view import (DETAILS_FONT_PX, DETAILS_HEIGHTS, DETAILS_WIDE, DETAILS_WIDTHS, counted,
                                       details_labels, details_table, phone_hidden_css, verdict_summary, with_unit)
from efficiency.ui.labels import text_box

UNITS = ("GFLOPs", "MFLOPs", "GMACs", "MMACs")
MARKER_PX = 13


def _boxes(notes, x_range, y_range, w: float, h: float):
    """Each annotation's text box (left, bottom, right, top) in px from the plot's lower-left corner at
    plot size ``w`` x ``h``: its point's position plus its offset (ay points down)."""
    out = []
    for n in notes:
        px = (n["x"] - x_range[0]) / (x_range[1] - x_range[0]) * w + n["ax"]
        py = (n["y"] - y_range[0]) / (y_range[1] - y_range[0]) * h - n["ay"]
        bw, bh = text_box(n["text"], DETAILS_FONT_PX)
        out.append((px - bw / 2, py - bh / 2, px + bw / 2, py + bh / 2))
    return out


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _assert_clear(notes, points, x_range, y_range, w, h):
    """No two name boxes overlap, no box covers a marker, every box is inside the plot."""
    boxes = _boxes(notes, x_range, y_range, w, h)
    for i, a in enumerate(boxes):
        assert a[0] >= -0.5 and a[1] >= -0.5 and a[2] <= w + 0.5 and a[3] <= h + 0.5, (notes[i]["text"], w, h)
        for j in range(i + 1, len(boxes)):
            assert not _overlap(a, boxes[j]), (notes[i]["text"], notes[j]["text"], w, h)
        for x, y in points:
            mx = (x - x_range[0]) / (x_range[1] - x_range[0]) * w
            my = (y - y_range[0]) / (y_range[1] - y_range[0]) * h
            r = MARKER_PX / 2
            assert not _overlap(a, (mx - r, my - r, mx + r, my + r)), (notes[i]["text"], w, h)


# --------------------------------------------------------------------------- pure helpers

def test_verdict_summary_names_explained_and_unexplained_gaps():
    text = verdict_summary({"holds": 22, "off, explained": 6, "not measurable": 145}, 131, 173)
    assert text == ("131 seed papers, 173 claims: 22 holds, 0 convention mismatch, 6 off (explained), "
                    "0 off (unexplained), 145 not measurable")
    assert verdict_summary({"holds": 1}, 1, 1).startswith("1 seed paper, 1 claim: 1 holds")


def test_counted_singular_and_plural():
    assert counted(1, "variant") == "1 variant"
    assert counted(0, "variant") == "0 variants"
    assert counted(3, "variant") == "3 variants"


def test_with_unit_rounds_and_names_each_unit():
    assert with_unit([4.3241, 64.93, math.nan, 101.88, 0.68712], ["GFLOPs", "MFLOPs", "GFLOPs", "GMACs", "GFLOPs"]) \
        == ["4.32 GFLOPs", "64.9 MFLOPs", "", "102 GMACs", "0.687 GFLOPs"]


def test_details_table_rounds_to_three_significant_digits_and_renames():
    t = pd.DataFrame({"claim_model": ["A"], "macs_ratio": [1.81412], "accuracy_diff": [-0.3333],
                      "claimed GMACs": [46.9637], "measured GMACs": [101.8819], "model": ["m"],
                      "claimed_accuracy": [80.123], "reference_accuracy": [np.nan], "claimed_compute": ["47"],
                      "compute_unit": ["GFLOPs"], "compute_convention": ["macs_called_flops"], "flags": [""],
                      "paper_title": ["P"], "dataset": ["imagenet-1k"], "metric": ["top1"], "quote": ["q"]})
    out = details_table(t)
    assert not any("_" in c for c in out.columns), list(out.columns)
    assert "claim about" in out.columns and "measured (GMACs)" in out.columns
    row = out.iloc[0]
    assert row["claimed (GMACs)"] == 47.0 and row["measured (GMACs)"] == 102.0
    assert row["claimed / measured MACs"] == 1.81 and row["claimed - reference (points)"] == -0.333
    assert row["claimed accuracy (%)"] == 80.1 and math.isnan(row["reference accuracy (%)"])
    assert row["convention"] == "macs called flops"


def test_details_labels_separate_a_crowded_pair():
    """The audit's case: two claims 0.05 decade apart (LeYOLO (largest) at 4.02 and ConvNeXt-T at
    4.46 GMACs) were printed over each other; now both are named, clear of each other and of the
    markers at every plot size the page draws, and the placement is deterministic."""
    x = np.array([0.024, 0.065, 0.167, 0.306, 0.308, 0.825, 1.18, 2.13, 4.02, 4.46, 23.8])
    y = x * np.array([1.0, 1.0, 1.05, 1.0, 1.07, 0.97, 1.1, 1.05, 1.1, 0.92, 1.0])
    texts = ["TinyNet-E", "ElasticViT (smallest)", "GhostNetV2 1.0x", "FBNet-B", "LeYOLO (smallest)",
             "ElasticViT (largest)", "EfficientVMamba-S", "LeYOLO-Small", "LeYOLO (largest)", "ConvNeXt-T",
             "NASNet-A Large"]
    lo, hi = x.min() / 3, x.max() * 3
    xr, yr = (math.log10(lo), math.log10(hi)), (math.log10(lo / 2), math.log10(2 * hi))
    notes, n_everywhere = details_labels(x, y, texts, xr, yr, MARKER_PX)
    assert {"LeYOLO (largest)", "ConvNeXt-T"} <= {n["text"] for n in notes}
    assert len(notes) >= 10
    points = np.log10(np.column_stack([x, y]))
    for w in (DETAILS_WIDTHS[0], 880.0, DETAILS_WIDTHS[1]):
        for h in DETAILS_HEIGHTS:
            _assert_clear(notes[:n_everywhere], points, xr, yr, w, h)
    for w in (DETAILS_WIDE[0], 880.0, DETAILS_WIDE[1]):
        for h in DETAILS_HEIGHTS:
            _assert_clear(notes, points, xr, yr, w, h)
    assert details_labels(x, y, texts, xr, yr, MARKER_PX) == (notes, n_everywhere)


def test_phone_css_hides_only_the_desktop_names():
    assert "display" not in phone_hidden_css(3, 3)
    css = phone_hidden_css(2, 4)
    assert 'data-index="2"' in css and 'data-index="3"' in css and 'data-index="1"' not in css
    assert "max-width" in css


# --------------------------------------------------------------------------- the page, shipped tables

def test_page_summary_and_latency_caption_wording(claims_page):
    captions = [c.value for c in claims_page.caption]
    summary = next(c for c in captions if " seed papers, " in c)
    assert re.search(r"\d+ off \(explained\), \d+ off \(unexplained\), \d+ not measurable", summary), summary
    assert "off, explained, " not in summary
    latency = next(c for c in captions if "H200 latency (blank" in c)
    n, noun = re.match(r"(\d+) (variants?) without an H200 latency", latency).groups()
    assert noun == ("variant" if n == "1" else "variants"), latency


def test_page_details_table_rounded_with_readable_headers(claims_page):
    table = next(d.value for d in claims_page.dataframe if "measured (GMACs)" in d.value.columns)
    assert not any("_" in c for c in table.columns), list(table.columns)
    for col in ("claimed / measured MACs", "claimed - reference (points)", "claimed (GMACs)", "measured (GMACs)"):
        vals = pd.to_numeric(table[col], errors="coerce").dropna()
        assert len(vals), col
        digits = vals.map(lambda v: len(f"{abs(v):.10g}".replace(".", "").lstrip("0").rstrip("0")) if v else 0)
        assert (digits <= 3).all(), (col, vals[digits > 3].tolist())


def test_page_seed_column_says_its_unit_in_every_cell(claims_page):
    table = next(d.value for d in claims_page.dataframe if "ours, as the paper counts" in d.value.columns)
    filled = table[table["ours, as the paper counts"].astype(str) != ""]
    assert len(filled) >= 30
    for ours, printed in zip(filled["ours, as the paper counts"], filled["paper compute (as printed)"]):
        m = re.fullmatch(r"(\d+(?:\.\d+)?) (\S+)", ours)
        assert m and m.group(2) in UNITS, ours
        assert printed.split(" (")[0].split()[1] == m.group(2), (ours, printed)   # the paper's own unit
        assert len(m.group(1).replace(".", "").lstrip("0").rstrip("0")) <= 3, ours


def test_page_chart_names_do_not_overlap(claims_page):
    spec = json.loads(claims_page.get("plotly_chart")[-1].proto.spec)
    trace = next(t for t in spec["data"] if t.get("name") == "claims")
    assert "text" not in trace["mode"]                    # names are placed annotations, not "top center" text
    notes = [a for a in spec["layout"]["annotations"] if a.get("name", "").startswith("label:")]
    assert {"LeYOLO (largest)", "ConvNeXt-T", "LeYOLO (smallest)", "FBNet-B"} <= {a["text"] for a in notes}
    xr, yr = spec["layout"]["xaxis"]["range"], spec["layout"]["yaxis"]["range"]
    xy = [np.frombuffer(base64.b64decode(trace[k]["bdata"]), dtype=trace[k]["dtype"]) if isinstance(trace[k], dict)
          else np.asarray(trace[k], dtype=float) for k in ("x", "y")]
    points = np.log10(np.column_stack(xy))                  # every marker, named or not (log axes)
    assert len(points) == len(trace["hovertext"]) >= len(notes)
    for w in (DETAILS_WIDE[0], 880.0, 2000.0):
        for h in DETAILS_HEIGHTS:
            _assert_clear(notes, points, xr, yr, w, h)
