"""The Hardware page's p50 and decode tables with stability marks, rounded as the app's other tables
(no torch, no Streamlit; AUDIT8 F6, L3).

* The p50 table: one row per model, one column per machine and configuration, in short headers
  ("H100 · b1 bf16 graph"): at 390 px the full ones ("NVIDIA H100 80GB HBM3: cuda b1 bf16 cuda_graph")
  made the first column wider than the screen, and its right-aligned numbers sat off-screen. A cell whose row
  failed the stability rule reads "8.49 noisy" on a tinted background (a word, not only a colour).
* The decode table: the language rows against the bandwidth bound, 3 significant digits, the step's
  stability, one model's rows together (the same configuration on two machines side by side).
"""
from __future__ import annotations

import pandas as pd

from efficiency.ui.language import mode_label
from efficiency.ui.machines import short_names
from efficiency.ui.models_table import round_column, round_sig
from efficiency.ui.tables import GIB, stability

NOISY_TINT = "background-color: rgba(255, 170, 0, 0.18)"
NOISY_WORD = "noisy"
SHORT_MODES = {"cuda_graph": "graph", "eager": "eager"}


def tiny_names(rows: pd.DataFrame) -> pd.Series:
    """Per latency row, its machine's :func:`~efficiency.ui.machines.short_names` without the vendor's prefix,
    the memory words ("80GB HBM3") and "(machine not recorded)": "H100", "AMD EPYC"; the short name where that
    would give two machines one name (an H200 and an H200 NVL stay apart: their names differ before the cut)."""
    short = short_names(rows)
    tiny = short.str.replace(r"^NVIDIA ", "", regex=True).str.replace(r" \d+GB\b.*$| \(machine not recorded\)$", "",
                                                                       regex=True)
    pairs = pd.DataFrame({"short": short, "tiny": tiny}).drop_duplicates()
    return tiny if pairs["tiny"].is_unique else short


def short_config(rows: pd.DataFrame, decode: bool = False) -> pd.Series:
    """Per latency row, its machine and configuration in few words: "H100 · b1 bf16 graph" (:func:`tiny_names`),
    the device named only for CPUs ("AMD EPYC · cpu b1 fp32 eager"); decode rows name their KV cache."""
    machine = tiny_names(rows)
    device = rows["device"].astype(str).map(lambda d: "" if d == "cuda" else f"{d} ")
    mode = rows["mode"].astype(str).map(lambda m: mode_label(m) if decode else SHORT_MODES.get(m, m))
    return (machine + " · " + device + "b" + rows["batch_size"].astype(int).astype(str) + " "
            + rows["dtype"].astype(str) + " " + mode)


def _fastest(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per ``keys``, the row with the smallest p50 (the p50 table's cell, as before: ``aggfunc="min"``)."""
    return rows.sort_values("lat_p50_ms", kind="stable").drop_duplicates(keys)


def p50_pivot(hw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(p50, noisy)`` of :func:`~efficiency.ui.hardware.hardware_table` rows ``hw``: model x short
    configuration, the smallest p50 (ms per batch, 3 significant digits) and whether that row is noisy."""
    rows = hw[hw["lat_p50_ms"].notna()]
    if rows.empty:
        empty = pd.DataFrame(index=pd.Index([], name="model"))
        return empty, empty.astype(bool)
    rows = rows.assign(column=short_config(rows), noisy=stability(rows).eq("noisy"))
    rows = _fastest(rows, ["model", "column"])
    p50 = rows.pivot(index="model", columns="column", values="lat_p50_ms").sort_index(axis=1)
    noisy = rows.pivot(index="model", columns="column", values="noisy").reindex_like(p50)
    p50.columns.name = noisy.columns.name = None
    return p50.apply(round_column), noisy.fillna(False).astype(bool)


def number_text(value) -> str:
    """A rounded number as a table shows it: 3 significant digits, no exponent, thousands separated."""
    v = round_sig(value)
    if pd.isna(v):
        return ""
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:g}"


def marked(p50: pd.DataFrame, noisy: pd.DataFrame):
    """``p50`` as a Styler: numbers via :func:`number_text`, noisy cells "<number> noisy" on a tint; the
    cells' values stay the numbers (the column sorts numerically)."""
    style = p50.style.format(number_text, na_rep="")
    for col in p50.columns:
        rows = noisy.index[noisy[col]]
        if len(rows):
            style = style.format(lambda v: f"{number_text(v)} {NOISY_WORD}", subset=pd.IndexSlice[rows, [col]])
    return style.apply(lambda _: noisy.replace({True: NOISY_TINT, False: ""}), axis=None)


DECODE_VIEW_HEADERS = {"model": "model", "config": "configuration", "stability": "stability (step)",
                       "decode_tps": "decode tokens/s (whole batch)", "bound_fraction": "fraction of bound",
                       "bound_tps": "bandwidth bound (tokens/s)", "weight_gib": "weights bf16 (GiB)",
                       "ttft_ms": "TTFT p50 (ms, batch 1)", "energy_j_token": "energy (J/token)"}
DECODE_NUMBERS = ("decode_tps", "bound_fraction", "bound_tps", "weight_gib", "ttft_ms", "energy_j_token")


def decode_rows(hw: pd.DataFrame) -> pd.DataFrame:
    """The language decode rows of ``hw`` with ``config`` (:func:`short_config`), ``stability`` (the step's:
    :func:`efficiency.ui.tables.stability`) and ``weight_gib``, at full precision, one model's rows together
    (by batch, mode, then machine), for the chart and :func:`decode_view`."""
    rows = hw[hw["decode_tps"].notna()] if "decode_tps" in hw else hw.iloc[:0]
    if rows.empty:
        return rows.assign(config=[], stability=[], weight_gib=[])
    rows = rows.assign(config=short_config(rows, decode=True), stability=stability(rows),
                       weight_gib=pd.to_numeric(rows["weight_bytes_bf16"], errors="coerce").astype(float) / GIB)
    return rows.sort_values(["model", "batch_size", "mode", "config"], kind="stable").reset_index(drop=True)


def decode_view(rows: pd.DataFrame) -> pd.DataFrame:
    """:func:`decode_rows` as the page's table: :data:`DECODE_VIEW_HEADERS`, 3 significant digits (it had
    shown "28297.3488" tokens/s beside the app's 3-digit tables)."""
    out = rows.reindex(columns=list(DECODE_VIEW_HEADERS))
    for name in DECODE_NUMBERS:
        out[name] = round_column(pd.to_numeric(out[name], errors="coerce"))
    return out.rename(columns=DECODE_VIEW_HEADERS)


def symbols(rows: pd.DataFrame) -> list[str]:
    """Per row, the chart marker: hollow where the row is noisy, filled otherwise (as the explorer's)."""
    return ["circle-open" if w == "noisy" else "circle" for w in stability(rows)]
