"""A language model's Model detail tables on a phone (no Streamlit).

At 390 px the Counts grid showed quantity and value with the convention behind a sideways swipe, and the
published scores showed the protocol group id with the score behind it (AUDIT7 L11). Here each table is an
HTML table that stacks where it is narrow (efficiency.ui.models_table.html_table(phone=True), the layout of
efficiency.ui.phone): the row's name on a line of its own, its numbers beneath, each under its header. The
page swaps it in for the grid under :data:`SWAP_PX` (efficiency.ui.phone.swap_css), as the latency table does.
"""
from __future__ import annotations

import html
import re

import pandas as pd

from efficiency.ui.language import BENCHMARKS, METRIC_WORDS, shots_text
from efficiency.ui.models_table import html_table
from efficiency.ui.phone import PHONE_PX

# the grid gives way where the stacked layout starts (phone.PHONE_CSS), so no width shows a grid that scrolls
# sideways or a table that stacks in a wide place
SWAP_PX = PHONE_PX
SCORE_COLUMNS = ["benchmark", "score (%)", "protocol group", "harness", "source", "where in the source"]


def _full_line(key: str, columns: tuple[int, ...]) -> str:
    """CSS giving the ``columns``-th cells (1-based) of the stacked table inside the container keyed ``key`` a
    line of their own: a sentence ("K and V of every layer, one sequence; KiB = 2^10") in two narrow tracks ran
    to five lines. Outside the narrow layout the cells are table cells and ``grid-column`` does nothing."""
    cells = ", ".join(f".st-key-{key} div.fp-stack table td:nth-child({c})" for c in columns)
    return f"<style>{cells} {{ grid-column: 1 / -1; }}</style>"


def counts_html(facts: pd.DataFrame, key: str) -> str:
    """:func:`efficiency.ui.language_detail.count_facts` as a stacked table: the quantity on a line, then its
    value, then the convention on a line of its own (``key``: the page's container, for the CSS)."""
    return _full_line(key, (3,)) + html_table(facts, phone=True)


def _shots(value) -> str:
    """"5" for 5, 5.0 or "5"; "" where none is stated."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() in ("", "nan"):
        return ""
    text = str(value).strip()
    return text[:-2] if text.endswith(".0") else text


def score_rows(acc: pd.DataFrame) -> pd.DataFrame:
    """:func:`efficiency.ui.language_detail.accuracy_rows`'s rows (its headers) for a phone: the benchmark in
    words first ("MMLU, 5-shot, macro_avg/acc_char", the line above the row), the score next, then where it is
    comparable (protocol group, harness) and where it was read (source, where in the source)."""
    if acc.empty:
        return pd.DataFrame(columns=SCORE_COLUMNS)
    bench = [f"{BENCHMARKS.get(str(b), str(b))}, {shots_text(_shots(s), str(v))}, "
             f"{METRIC_WORDS.get(str(m), str(m))}"
             for b, s, v, m in zip(acc["benchmark"], acc["shots"], acc["variant"], acc["metric"])]
    out = acc.assign(benchmark=bench)
    out["score (%)"] = pd.to_numeric(acc["score (%)"], errors="coerce")
    return out.reindex(columns=SCORE_COLUMNS).reset_index(drop=True)


def _links(body: str, urls) -> str:
    """``body`` with each http(s) address of ``urls`` that stands as a cell's whole text made a link showing its
    host, as the grid's LinkColumn shows it: a 60-character address took three lines of a phone's row."""
    for url in sorted({str(u) for u in urls if re.match(r"https?://[^/\s]+", str(u))}, key=len, reverse=True):
        shown = html.escape(url)
        host = html.escape(re.match(r"https?://([^/\s]+)", url).group(1))
        body = body.replace(f">{shown}</td>", f'><a href="{shown}" target="_blank" rel="noopener">{host}</a></td>')
    return body


def scores_html(acc: pd.DataFrame, key: str) -> str:
    """The published scores (:func:`score_rows`) as a stacked table whose sources are links, scores to 2 decimals
    as the headline gives them (3 significant digits read 45.99 as 46); the quote of where the score was read on
    a line of its own."""
    rows = score_rows(acc)
    return _full_line(key, (SCORE_COLUMNS.index("where in the source") + 1,)) + _links(
        html_table(rows, decimals={"score (%)": 2}, phone=True), rows["source"])
