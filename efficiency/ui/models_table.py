"""The Models page's table (no torch, no Streamlit): every model of the explorer's view with its
counts, accuracy, latency, throughput, memory, paper and links out, rounded for reading.

:func:`models_table` turns a view's points into the table (internal column names, key columns first);
:func:`text_filter` narrows it; :func:`headers` gives the shown header of each column (units and
conventions in the header, so the cells stay bare numbers that sort as numbers); :func:`csv_bytes`
is the download of what is shown. Missing values stay NaN/None: the page shows them blank.
"""
from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd

from efficiency.ui import phone as narrow
from efficiency.ui.axes import AXES, METRIC_UNITS
from efficiency.ui.links import LABELS, model_links
from efficiency.ui.state import ViewState
from efficiency.ui.tables import memory_header, stability

# always shown, in this order: the id, the answer (accuracy) and what it costs
KEY_COLUMNS = ("model", "acc", "gmacs", "params_m", "lat_p50_ms", "throughput_sps")
# language models' own quantities (NaN for vision models): offered after the others
LANGUAGE_COLUMNS = ("decode_gflops_512", "params_active_b", "weight_gib", "kv_kib_token", "training_flops",
                    "ttft_ms", "decode_tps", "bound_fraction", "energy_j_token")
# offered in the column chooser, in this order after the key columns
OPTIONAL_COLUMNS = ("noisy", "gflops", "mem_mib", "lat_p90_ms", "on_front", "family", "source", "task", "paper",
                    "card", "arxiv", "code") + LANGUAGE_COLUMNS
# the latency row's stability is shown by default: a noisy p50 may rank differently on a rerun
DEFAULT_OPTIONAL = ("noisy", "gflops", "mem_mib", "paper", "card", "arxiv")
DEFAULT_LANGUAGE_OPTIONAL = ("noisy", "decode_gflops_512", "params_active_b", "ttft_ms", "bound_fraction", "card")
# in a language view the key throughput column is the decode tokens/s: the optional one would repeat it
LANGUAGE_REPEATS = ("decode_tps",)
LINK_COLUMNS = ("card", "arxiv", "code")

# columns shown with 3 significant digits: counts and timings are not known better than that
# (latency varies by several % between runs, MAC counts differ by convention at the 1 % level)
SIG3 = ("gmacs", "gflops", "params_m", "lat_p50_ms", "lat_p90_ms", "throughput_sps", "mem_mib") + LANGUAGE_COLUMNS
# accuracy is published with 2 decimals and differences of 0.1 point matter: 2 decimals, not 3 digits
ACC_DECIMALS = 2
LARGE = 1e15       # from here a cell is written with an exponent (training FLOPs are 1e20 - 1e26)

_HEADERS = {
    "model": "model (zoo id)",
    "gmacs": "GMACs / sample (1 multiply-add = 1 MAC)",
    "gflops": "GFLOPs / sample (= 2 × GMACs)",
    "params_m": "params (M)",
    "lat_p50_ms": "latency p50 (ms / batch)",
    "throughput_sps": "throughput (samples / s)",
    "mem_mib": memory_header("cuda"),         # a CPU view's: headers(device="cpu")
    "noisy": "latency stability (noisy / stable / not assessed)",
    "lat_p90_ms": "latency p90 (ms / batch; blank under 10 timed calls)",
    "on_front": "on Pareto front",
    "family": "family",
    "source": "library",
    "task": "task",
    "paper": "seed paper",
    "card": "card / docs",
    "arxiv": "paper (arXiv)",
    "code": "source code",
    "decode_gflops_512": "decode GFLOPs / token @512 (= 2 × MACs)",
    "params_active_b": "active params (B)",
    "weight_gib": "weights bf16 (GiB)",
    "kv_kib_token": "KV cache bf16 (KiB / token)",
    "training_flops": "training FLOPs (6 × N × D)",
    "ttft_ms": "TTFT p50 (ms, 512 tokens, batch 1)",
    "decode_tps": "decode tokens / s (whole batch)",
    "bound_fraction": "fraction of bandwidth bound",
    "energy_j_token": "energy (J / token)",
}


def round_sig(value: float | None, digits: int = 3) -> float:
    """``value`` rounded to ``digits`` significant digits; NaN for missing or non-finite values."""
    if value is None:
        return math.nan
    try:
        v = float(value)
    except (TypeError, ValueError):
        return math.nan
    if not math.isfinite(v):
        return math.nan
    if v == 0:
        return 0.0
    return round(v, digits - 1 - int(math.floor(math.log10(abs(v)))))


def round_column(values: pd.Series, digits: int = 3) -> pd.Series:
    """:func:`round_sig` of each value, as float (NaN where missing)."""
    return pd.Series([round_sig(v, digits) for v in values], index=values.index, dtype=float)


# a language row's counts are a 512-token prefill and its latency row one decode step (efficiency.ui.axes):
# the vision headers ("GMACs / sample") would name another quantity over the same cells
_LANGUAGE_HEADERS = {
    "gmacs": "prefill GMACs, 512-token prompt (1 multiply-add = 1 MAC)",
    "gflops": "prefill GFLOPs, 512-token prompt (= 2 × GMACs)",
    "lat_p50_ms": "decode step p50 (ms)",
    "lat_p90_ms": "decode step p90 (ms; blank under 10 timed calls)",
    "throughput_sps": "throughput (tokens / s)",
}


def headers(acc_label: str, device: str = "cuda", language: bool = False) -> dict[str, str]:
    """Internal column name -> shown header; ``acc_label`` is the view's accuracy title with unit;
    ``device``: the view's (a CPU row's memory is RSS growth, a lower bound: :func:`memory_header`);
    ``language``: a language view's (prefill counts, decode steps: :data:`_LANGUAGE_HEADERS`)."""
    return {**_HEADERS, **(_LANGUAGE_HEADERS if language else {}), "acc": acc_label,
            "mem_mib": memory_header(device)}


# the column chooser's chips: a chip row does not wrap, so the full headers (units, conventions) would
# show two of the six default chips at 1440 px; the table's headers keep the full text
CHIP_LABELS = {
    "noisy": "stability", "gflops": "GFLOPs", "mem_mib": "memory", "lat_p90_ms": "latency p90",
    "on_front": "on front", "family": "family", "source": "library", "task": "task", "paper": "seed paper",
    "card": "card", "arxiv": "arXiv", "code": "code", "decode_gflops_512": "decode GFLOPs @512",
    "params_active_b": "active params", "weight_gib": "weights", "kv_kib_token": "KV cache",
    "training_flops": "training FLOPs", "ttft_ms": "TTFT", "decode_tps": "decode tokens/s",
    "bound_fraction": "fraction of bound", "energy_j_token": "energy/token",
}
assert set(CHIP_LABELS) == set(OPTIONAL_COLUMNS), "every optional column needs a chip label"


# the key numbers' headers on the screen: the full ones (:func:`headers`, the CSV's and the header's hover
# text) are wider than their numbers, and at 1440 px the last key column was cut ("throughput (samples /")
_SCREEN_LABELS = {"gmacs": "GMACs / sample", "lat_p50_ms": "latency p50 (ms)", "throughput_sps": "samples / s"}
_SCREEN_LANGUAGE = {"gmacs": "prefill GMACs @512", "lat_p50_ms": "decode step p50 (ms)",
                    "throughput_sps": "tokens / s"}


def screen_labels(language: bool = False) -> dict[str, str]:
    """Internal name -> the short header shown over a key number column (the full one goes in its help)."""
    return dict(_SCREEN_LANGUAGE if language else _SCREEN_LABELS)


def id_width(ids, cap: int = 400) -> int:
    """Pixels for an id column to show the longest of ``ids`` whole (7.1 px a character of the grid's
    14 px font, measured in Chromium, plus padding), between 160 and ``cap`` (400: 57 characters,
    what leaves the key numbers in view at 1440 px; 29 of the 1,878 vision ids are longer)."""
    longest = max((len(str(i)) for i in ids), default=0)
    return int(min(cap, max(160, 7.1 * longest + 24)))


def grid_height(rows: int, cap: int = 560, row_px: int = 35) -> int:
    """The pixel height of a data grid showing ``rows`` rows under its header and no empty rows below
    them, at most ``cap`` (then it scrolls); ``row_px``: Streamlit's row height (35 px)."""
    return min(cap, row_px * (max(rows, 1) + 1) + 3)      # + 3: the grid's border, else a scrollbar shows


def _links(points: pd.DataFrame) -> pd.DataFrame:
    """One column per link kind: card (timm) or docs (torchvision), arXiv, source; None where absent."""
    cols = {"card": [], "arxiv": [], "code": []}
    # only the fields model_links reads: converting the whole points frame costs 10x more
    fields = [c for c in ("source", "arch", "weights", "task", "paper", "module") if c in points]
    for row in points[fields].to_dict("records"):
        links = model_links(row)
        cols["card"].append(links.get(LABELS["card"]) or links.get(LABELS["docs"]))
        cols["arxiv"].append(links.get(LABELS["paper"]))
        cols["code"].append(links.get(LABELS["source"]))
    return pd.DataFrame(cols, index=points.index, dtype=object)


def _text_column(points: pd.DataFrame, name: str) -> pd.Series:
    """``points[name]`` as text with missing values None (blank on the page, never "nan")."""
    if name not in points:
        return pd.Series([None] * len(points), index=points.index, dtype=object)
    col = points[name].astype(object)
    return col.where(col.notna() & (col.astype(str).str.strip() != ""), None)


def _number(points: pd.DataFrame, name: str) -> pd.Series:
    if name not in points:
        return pd.Series(np.nan, index=points.index, dtype=float)
    return pd.to_numeric(points[name], errors="coerce").astype(float)


def models_table(points: pd.DataFrame, rounded: bool = True) -> pd.DataFrame:
    """The table of ``points`` (a view's points: model, acc, gmacs, params_m, lat_p50_ms, ...): key
    columns then optional ones, numbers rounded (:data:`SIG3`, :data:`ACC_DECIMALS`; ``rounded=False``:
    as stored, for the CSV a figure is redrawn from), GFLOPs as 2 × GMACs, links out, ordered by
    accuracy (best first, as the explorer's question is)."""
    gmacs = _number(points, "gmacs")
    out = pd.DataFrame(index=points.index)
    out["model"] = _text_column(points, "model")
    out["acc"] = _number(points, "acc").round(ACC_DECIMALS) if rounded else _number(points, "acc")
    for name in SIG3:
        value = gmacs if name == "gmacs" else _number(points, name)
        out[name] = round_column(value) if rounded else value.astype(float)
    # the convention, not a second measurement; doubling the shown GMACs keeps the shown relation exact
    out["gflops"] = 2 * out["gmacs"]
    out["on_front"] = points["on_front"].astype(bool) if "on_front" in points else False
    # "noisy" / "stable" / "not assessed" (no flag stored, the language rows so far); blank without latency
    out["noisy"] = stability(points) if len(points) else pd.Series(dtype=object)
    for name in ("family", "source", "task", "paper"):
        out[name] = _text_column(points, name)
    out = out.join(_links(points))
    out = out[list(KEY_COLUMNS) + list(OPTIONAL_COLUMNS)]
    return out.sort_values(["acc", "model"], ascending=[False, True], na_position="last",
                           kind="stable").reset_index(drop=True)


def shown_columns(optional: list[str] | tuple[str, ...], language: bool = False) -> list[str]:
    """Key columns, then the chosen optional ones in :data:`OPTIONAL_COLUMNS` order (unknown names
    and key columns among ``optional`` are ignored, so the key columns always lead, once); in a
    ``language`` view without the optional columns that repeat a key one (:data:`LANGUAGE_REPEATS`)."""
    chosen = set(optional) - (set(LANGUAGE_REPEATS) if language else set())
    return list(KEY_COLUMNS) + [c for c in OPTIONAL_COLUMNS if c in chosen]


def column_options(language: bool = False) -> list[str]:
    """The column chooser's choices: :data:`OPTIONAL_COLUMNS`, less those a ``language`` view repeats."""
    return [c for c in OPTIONAL_COLUMNS if not (language and c in LANGUAGE_REPEATS)]


def text_filter(table: pd.DataFrame, text: str) -> pd.DataFrame:
    """Rows whose model id, family or seed paper contains ``text`` (case-insensitive, plain text)."""
    text = text.strip().lower()
    if not text:
        return table
    keep = pd.Series(False, index=table.index)
    for name in ("model", "family", "paper"):
        if name in table:
            keep |= table[name].fillna("").astype(str).str.lower().str.contains(text, regex=False)
    return table[keep]


def sort_table(table: pd.DataFrame, key: str) -> pd.DataFrame:
    """``table`` in the page's order ``key`` (a column, "-" first for descending; ties by model id, blanks
    last, text case-blind); a key naming no column of ``table`` leaves it as it is (accuracy first)."""
    column, descending = key.removeprefix("-"), key.startswith("-")
    if column not in table:
        return table
    by = list(dict.fromkeys([column, "model"]))
    return table.sort_values(by, ascending=[not descending, True][:len(by)], na_position="last", kind="stable",
                             key=lambda c: c.str.lower() if pd.api.types.is_string_dtype(c) else c)


def csv_bytes(table: pd.DataFrame, acc_label: str, device: str = "cuda", language: bool = False) -> bytes:
    """``table`` as UTF-8 CSV with the shown headers (``device``, ``language``: :func:`headers`); missing
    values are empty cells."""
    return table.rename(columns=headers(acc_label, device, language)).to_csv(index=False, na_rep="").encode("utf-8")


def active_filters(state: ViewState, markdown: bool = False) -> list[str]:
    """The explorer's filters that ``state`` applies, in words (the Models page shows the same view,
    so a table with fewer rows than the zoo must say why); ``markdown``: the typed text (a name
    pattern like ``*net*``, family and source names) escaped for Streamlit's markdown (captions),
    where it showed in italics with its stars gone."""
    out, lit = [], (escape_markdown if markdown else str)
    for label, items in (("sources", state.sources), ("families", state.families)):
        if items:
            out.append(f"{label}: {', '.join(lit(i) for i in items)}")
    if state.search:
        out.append(f"name matches '{lit(state.search)}'")
    if state.seed_only:
        out.append("seed-paper architectures only")
    # with the unit: a bound means nothing without it (UXCHECK4 #4)
    for label, lo, hi, unit in (("accuracy", state.acc_min, state.acc_max, METRIC_UNITS.get(state.y_metric, "%")),
                                ("cost", state.cost_min, state.cost_max, AXES[state.x].unit if state.x in AXES else "")):
        words = bound_words(label, lo, hi, unit)
        if words:
            out.append(words)
    return out


def bound_words(label: str, lo: float | None, hi: float | None, unit: str) -> str:
    """A filter's bounds with their unit ("0.1 ≤ cost ≤ 0.5 GMACs", "accuracy ≥ 75 %"); "" without a bound."""
    u = f" {unit}" if unit else ""
    if lo is not None and hi is not None:
        return f"{lo:g} ≤ {label} ≤ {hi:g}{u}"
    if lo is not None:
        return f"{label} ≥ {lo:g}{u}"
    return "" if hi is None else f"{label} ≤ {hi:g}{u}"


# characters that Streamlit's markdown would read as markup (emphasis, links, tables, HTML, LaTeX)
_MARKDOWN_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|$~"})


def escape_markdown(text) -> str:
    """``text`` shown as written in Streamlit's markdown (a highlight like ``resnet*`` is no emphasis)."""
    return str(text).translate(_MARKDOWN_SPECIAL)


def _cell(value, decimals: int | None) -> str:
    """One cell as plain text: numbers rounded (``decimals`` fixed, else 3 significant digits,
    :func:`round_sig`), missing values blank, booleans in words."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, float, np.integer, np.floating)):
        v = float(value)
        if not math.isfinite(v):
            return ""
        if decimals is not None:
            return f"{v:,.{decimals}f}"
        r = round_sig(v)
        if abs(r) >= LARGE:   # "3.14e+22", not the 23 digits of the float nearest 3.14e22
            return f"{r:.3g}"
        return f"{r:,.0f}" if abs(r) >= 1e5 else f"{r:,g}"
    return str(value)


# The front table's look in either theme: text keeps the page's colour, rules are a grey that reads
# on light and dark backgrounds, numbers right-aligned in figures of equal width; headers and ids
# wrap so that the key columns (first) stay in view, and what is still wider scrolls in its box.
TABLE_CSS = """<style>
div.fp-table-box { overflow: auto; }
table.fp-table { border-collapse: collapse; font-size: 0.875rem; width: 100%; }
table.fp-table th, table.fp-table td { padding: 0.3rem 0.6rem; text-align: left; vertical-align: top;
  border-bottom: 1px solid rgba(128, 128, 128, 0.3); }
table.fp-table th { font-weight: 600; vertical-align: bottom; min-width: 4.5rem; }
table.fp-table td:first-child { overflow-wrap: anywhere; min-width: 12rem; }
table.fp-table .num { text-align: right; font-variant-numeric: tabular-nums; }
table.fp-table td.num { white-space: nowrap; }
</style>"""


def html_table(table: pd.DataFrame, decimals: dict[str, int] | None = None, max_height_px: int | None = None,
               phone: bool = False) -> str:
    """``table`` as an HTML table for ``st.html``: the light way to show a short table. The browser
    builds no data grid (Streamlit's loads 1.2 MB of JavaScript, about 0.9 s of CPU on a first
    visit) and parses no markdown (a 43-row markdown table cost the explorer's first paint about
    0.3 s, bench/bench_first_paint.py). Text escaped, numeric columns right-aligned, ``decimals``
    fixing the decimals of named columns; ``max_height_px``: a scrolling box of that height;
    ``phone``: where the table is narrow (a phone) each row stacks, its first column (the id, given
    break opportunities at its separators) on a line above the numbers (:mod:`efficiency.ui.phone`)."""
    decimals = decimals or {}
    numeric = [pd.api.types.is_numeric_dtype(table[c]) and not pd.api.types.is_bool_dtype(table[c])
               for c in table.columns]
    cls = [' class="num"' if n else "" for n in numeric]
    text = [narrow.breakable if phone and i == 0 else html.escape for i in range(len(table.columns))]
    # stacked, each cell but the id carries its header (the header row is hidden there): cls + label
    attrs = [k + (narrow.label_attr(c) if phone and i else "") for i, (c, k) in enumerate(zip(table.columns, cls))]
    head = "".join(f"<th{k}>{html.escape(str(c))}</th>" for c, k in zip(table.columns, cls))
    rows = ["<tr>" + "".join(f"<td{k}>{t(_cell(v, decimals.get(c)))}</td>"
                             for c, v, k, t in zip(table.columns, row, attrs, text)) + "</tr>"
            for row in table.itertuples(index=False)]
    box = f' style="max-height: {max_height_px}px"' if max_height_px else ""
    out = (f'<div class="fp-table-box"{box}><table class="fp-table"><thead><tr>{head}</tr></thead>'
           f'<tbody>{"".join(rows)}</tbody></table></div>')
    if not phone:
        return TABLE_CSS + out
    return f'{TABLE_CSS}{narrow.PHONE_CSS}<div class="fp-stack" style="--fp-n: {narrow.tracks(numeric)}">{out}</div>'
