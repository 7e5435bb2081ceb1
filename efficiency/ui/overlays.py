"""What the Pareto figure adds for language models and seed architectures (plotly, no Streamlit):
the language models' hover card (decode FLOPs per token, TTFT, tokens/s against the bandwidth bound,
energy per token) and the seed architectures' claimed-accuracy markers.

The seed markers are a trace of their own (``meta`` "seed-claims"): a purple triangle, a legend entry
naming what they are (:data:`efficiency.ui.seed_claims.LEGEND`), and a hover card with the paper, the
claim's source and whether the claim would sit beyond the reference front. They are drawn, never
joined to the front (efficiency.ui.explorer computes the front before they exist).
"""
from __future__ import annotations

import textwrap

import pandas as pd
import plotly.graph_objects as go

from efficiency.ui.axes import AXES, hw_text
from efficiency.ui.language import mode_label
from efficiency.ui.numbers import fmt as _fmt
from efficiency.ui.seed_claims import LEGEND

SEED_COLOR = "#6A3D9A"
SEED_SYMBOL = "star-triangle-up"
SEED_MARKER_PX = 14

LANGUAGE_HOVER_COLUMNS = ["model", "family", "y", "decode_gflops_512", "gflops", "params_active_b", "weight_gib",
                          "kv_kib_token", "training_flops", "ttft_ms", "lat_p50_ms", "decode_tps", "bound_tps",
                          "bound_fraction", "energy_j_token", "on_front", "lat_note"]


def language_hover_values(p: dict) -> list[str]:
    """The per-point strings of :func:`language_hover_template` (index 0 is the model id, what a
    click selects, as on the vision card)."""
    note = p["lat_note"] if isinstance(p.get("lat_note"), str) else ""
    gap = "not measured (see below)" if note else "n/a"
    extra = ("<br><i>on the Pareto front</i>" if p.get("on_front") else "") + (f"<br>Speed {note}" if note else "")
    return [
        str(p["model"]), str(p.get("family", "")), _fmt(p["y"], ".2f"),
        _fmt(p.get("decode_gflops_512"), ".3g"), _fmt(p.get("gflops"), ",.0f"),
        _fmt(p.get("params_active_b"), ".3g", "B"), _fmt(p.get("weight_gib"), ".3g", "GiB"),
        _fmt(p.get("kv_kib_token"), ",.0f", "KiB"), _fmt(p.get("training_flops"), ".2e", "FLOPs"),
        _fmt(p.get("ttft_ms"), ".3g", "ms", missing=gap), _fmt(p.get("lat_p50_ms"), ".3g", "ms", missing=gap),
        _fmt(p.get("decode_tps"), ",.0f", "tokens/s", missing=gap), _fmt(p.get("bound_tps"), ",.0f", "tokens/s"),
        _fmt(p.get("bound_fraction"), ".1%"), _fmt(p.get("energy_j_token"), ".3g", "J"), extra,
    ]


def language_hover_template(view) -> str:
    """One template per trace, the shared text (labels, units, the hardware) sent once."""
    hw = hw_text(view.state, view.device_name)
    return ("<b>%{customdata[0]}</b><br>family %{customdata[1]}<br>"
            f"{view.y_label}: <b>%{{customdata[2]}}</b><br>"
            "Decode: %{customdata[3]} GFLOPs/token at context 512 (= 2 x MACs)<br>"
            "Prefill of 512 tokens: %{customdata[4]} GFLOPs<br>"
            "Active params: %{customdata[5]} · weights bf16: %{customdata[6]} · KV cache: %{customdata[7]}/token<br>"
            "Training compute: %{customdata[8]} (6 x active params x tokens)<br>"
            f"On {hw}:<br>"
            "  TTFT p50 (512-token prompt, batch 1, eager prefill in both modes): %{customdata[9]}<br>"
            f"  decode step p50 ({mode_label(view.state.mode)}): %{{customdata[10]}} · %{{customdata[11]}}<br>"
            "  bandwidth bound: %{customdata[12]} (reached %{customdata[13]})<br>"
            "  energy: %{customdata[14]} per token%{customdata[15]}<extra></extra>")


def language_customdata(points: pd.DataFrame) -> list[list[str]]:
    return [language_hover_values(p) for p in points.reindex(columns=LANGUAGE_HOVER_COLUMNS).to_dict("records")]


def _seed_hover(r: dict, view) -> str:
    unit = AXES[view.state.x].unit
    verdict = ("beyond the reference front (no plotted model is both cheaper and more accurate)"
               if r.get("beyond_front") else "behind the reference front")
    return (f"<b>{r['model']}</b> (seed architecture, our implementation)<br>"
            f"{textwrap.shorten(str(r.get('paper', '')), 80)}<br>"
            f"paper's claimed {view.y_label}: <b>{r['y']:.2f}</b><br>"
            f"our measured x: {_fmt(r['x'], '.4g', unit)}<br>"
            f"claim read at {r.get('claim_url', '')}<br>"
            + "<br>".join(textwrap.wrap(str(r.get("claim_table", "")), 80)[:3])
            + f"<br><i>not on the front: {verdict}</i>")


def seed_trace(view) -> go.Scatter:
    """The seed architectures' claimed points: a purple triangle-star each, one legend entry, always shown."""
    seed = view.seed
    return go.Scatter(
        x=seed["x"], y=seed["y"], mode="markers", name=f"{LEGEND} ({len(seed)})", legendrank=900,
        # plotly hides the legend of a figure with one trace: alone (a machine that measured only
        # seed architectures) the triangles would have no key
        showlegend=True,
        marker=dict(symbol=SEED_SYMBOL, size=SEED_MARKER_PX, color=SEED_COLOR, line=dict(color="white", width=1)),
        hovertext=[_seed_hover(r, view) for r in seed.to_dict("records")],
        hovertemplate="%{hovertext}<extra></extra>", customdata=seed[["model"]].to_numpy(), meta="seed-claims")
