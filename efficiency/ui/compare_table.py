"""How the Compare page's table fits a desktop column (no Streamlit).

One grid of every compared quantity was 1393 px wide (3 ImageNet models) to 1797 px (language models) in the
978 px column a 1440 px window leaves beside the sidebar, and in 818 px at 1280 px: p90, GFLOPs, energy and
family (for language models most of the columns) were behind a sideways scroll. Here the columns are cut
into consecutive groups, each drawn as its own grid beside the model ids, so that each grid fits the
narrowest column the desktop grid is shown in (:data:`efficiency.ui.phone.COMPARE_GRID_PX`; narrower, the
page shows its phone table). The key numbers are the first group; the id column is capped and long ids wrap
onto a second line instead of widening the grid. Widths are computed from the text the grid draws, in its
font (14 px Source Sans: :data:`_CHAR_PX`), since the grid, a canvas, cannot wrap its headers.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd

from efficiency.ui.phone import COMPARE_GRID_PX, id_parts

# what a grid may take: the room the desktop grid gets at least (phone.swap_css shows it where the page's
# column is wider than COMPARE_GRID_PX), less its 1 px borders and a 2 px margin for rounding in the browser
GRID_PX = COMPARE_GRID_PX - 4
PAD_PX = 16       # a cell's padding either side and its border: the grid draws "GMACs" whole in its text + 14 px
ID_CAP_PX = 360   # the id column's widest (~50 characters: 9 ids in 10): longer ones wrap rather than push numbers off
ID_MIN_PX = 140
LINE_PX = 20      # one line of wrapped text in a grid row
WRAP_ROW_PX = 66  # the grid wraps text only in rows taller than 4rem (64 px)
HEAD_PX = 38      # the grid's header row and borders: a grid of taller rows is given its full height (by default
                  # it stopped at 400 px and hid the 6th model behind a scroll of its own)

# advance widths of 14 px Source Sans (the grid's font), in px, measured with canvas measureText in Chromium
# (out/cmpgrid/fontw.py) and rounded up by at most 0.4 px within each group; anything else counts as the widest
_CHAR_PX = {2.8: " ", 3.5: "|',.:;ij", 3.7: "lI", 4.1: "!f", 4.4: "()[]{}-", 4.9: "t/\\r", 6.0: '*s"?z',
            6.4: "xc", 6.8: "vyYJL", 7.1: "0123456789#$+<=>F^_ek~ag", 7.4: "XVE", 7.8: "STZ`oAhnubdpq",
            8.3: "CPRKB", 8.7: "&DG", 9.3: "NUHOQ", 10.2: "wM", 11.1: "W", 11.9: "%m@"}
_WIDTH = {c: w for w, chars in _CHAR_PX.items() for c in chars}

# headers too long for a column beside the others: a shorter label, the whole header in its tooltip (help),
# the part left out said in the caption under the table (GFLOPs per sample, memory's kind, TTFT at batch 1)
# or by the grid before (p90 follows p50 and samples/s)
SHORT = {"GFLOPs (2 x MACs)": "GFLOPs", "energy (J/sample, NVML)": "energy (J/sample)", "latency p90 (ms)": "p90 (ms)",
         "peak memory (MiB)": "memory (MiB)", "TTFT p50 (ms, batch 1)": "TTFT p50 (ms)"}


def text_px(text) -> float:
    """The width of ``text`` drawn in the grid's font."""
    return sum(_WIDTH.get(c, 11.9) for c in str(text))


@dataclass(frozen=True)
class Grid:
    """One grid of the Compare table: the id column and ``columns`` (headers of the shown frame)."""
    columns: tuple[str, ...]
    widths: tuple[int, ...]         # px, one per column, the id's not included

    @property
    def px(self) -> int:
        return sum(self.widths)


@dataclass(frozen=True)
class CompareLayout:
    """The Compare table on a desktop: ``grids`` one under the other, each led by the id column."""
    id_column: str
    id_px: int
    row_height: int | None          # None: one line a row (no id wraps)
    grids: tuple[Grid, ...]
    labels: dict[str, str]          # header -> the label drawn (only where it differs)
    height: int | None              # px, every row in view; None: the grid's own (rows one line high)


def _cell_text(value, fmt: str | None) -> str:
    """About the text the grid draws for ``value`` (commas counted: they take room if the grid adds them)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (int, float)):
        return fmt % value if fmt else f"{value:,.6g}"
    return str(value)


def column_px(frame: pd.DataFrame, column: str, label: str, fmt: str | None = None) -> int:
    """The width a grid column needs to show its label and every cell on one line."""
    cells = [text_px(_cell_text(v, fmt)) for v in frame[column].tolist()]
    return math.ceil(max([text_px(label), *cells])) + PAD_PX


def groups(widths: dict[str, int], room: int) -> list[list[str]]:
    """``widths``' columns, in order, cut into consecutive groups of at most ``room`` px (a column wider
    than ``room`` is a group of its own)."""
    out: list[list[str]] = []
    used = room + 1
    for col, w in widths.items():
        if used + w > room:
            out.append([])
            used = 0
        out[-1].append(col)
        used += w
    return out


def spread(widths: list[int], room: int) -> tuple[int, ...]:
    """``widths`` widened in proportion to fill ``room`` px (unchanged where they fill it): every grid is then
    as wide as the others, so the grids, stretched alike to the page's column, keep their ids one above the
    other (one grid 60 px narrower had its id column 20 px wider)."""
    total = sum(widths)
    if total >= room:
        return tuple(widths)
    out = [w * room // total for w in widths]
    out[-1] += room - sum(out)
    return tuple(out)


def id_break(text, px: float) -> list[str]:
    """``text`` (an id) in lines of at most ``px`` of the grid's text, cut between its parts: before its weight
    tag (".") and input size ("@") where that takes no more lines, else also after "/", "_" and "-"
    (:func:`efficiency.ui.phone.id_parts`), each line as full as it can be; a part wider than a line is cut
    where the line ends. The grid breaks a line only at a space, else inside a word ("...sbb2_e20" /
    "0_in12k..."), so the lines reach it as separate lines (:func:`drawn`)."""
    fine = _packed([p for q in id_parts(text) for p in re.split(r"(?<=-)(?=.)", q)], px)
    big = re.split(r"(?=[.@])", str(text))
    coarse = _packed(big, px)
    return coarse if len(coarse) <= len(fine) and max(text_px(p) for p in big) <= px else fine


def _packed(parts: list[str], px: float) -> list[str]:
    lines = [""]
    for part in parts:
        if lines[-1] and text_px(lines[-1] + part) > px:
            lines.append("")
        lines[-1] += part
        while text_px(lines[-1]) > px and len(lines[-1]) > 1:
            cut = max(1, max((i for i in range(1, len(lines[-1])) if text_px(lines[-1][:i]) <= px), default=1))
            lines[-1:] = [lines[-1][:cut], lines[-1][cut:]]
    return lines


def id_lines(frame: pd.DataFrame, column: str, px: int) -> int:
    """The lines the longest id takes in a column ``px`` wide (:func:`id_break`)."""
    return max([1, *(len(id_break(v, px - PAD_PX)) for v in frame[column].astype(str))])


def auto_number(value) -> str:
    """``value`` as the grid writes a number without a format: up to 4 decimals, trailing zeros trimmed, no
    thousands separator (Streamlit 1.67's formatNumber), more decimals below 1e-4 (its exponent's digits)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    digits = 4 if value == 0 or abs(value) >= 1e-4 else abs(int(f"{value:e}".split("e")[1]))
    text = f"{value:.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def drawn(frame: pd.DataFrame, lay: CompareLayout):
    """``frame`` (one grid's columns, the ids first) as st.dataframe is given it: where ids wrap, a Styler
    whose id cells are their :func:`id_break` lines (its display text; the cells' values stay the ids);
    a number column without a format shows a Styler's text too, so it is the grid's own (:func:`auto_number`)."""
    if lay.row_height is None:
        return frame
    px = lay.id_px - PAD_PX
    fmt = {c: (lambda v: "\n".join(id_break(v, px))) if c == lay.id_column else
           auto_number if pd.api.types.is_numeric_dtype(frame[c]) else str for c in frame.columns}
    return frame.style.format(fmt, na_rep="")


def layout(frame: pd.DataFrame, formats: dict[str, str] | None = None, px: int = GRID_PX,
           keep: int = 5, short: dict[str, str] | None = None) -> CompareLayout:
    """Grids for ``frame`` (the shown table, its first column the ids) that each fit ``px``: the other
    columns in order, a new grid where the next one would not fit beside the ids. The id column is as wide
    as it may be (at most the longest id, :data:`ID_CAP_PX`) while the first ``keep`` columns (the key
    numbers) share the first grid and no id wraps, then the fewest grids hold the rest; ids longer than
    that wrap. ``formats``: printf formats of number columns, by header; ``short``: labels to draw for
    headers, besides :data:`SHORT`."""
    formats = formats or {}
    id_col, cols = frame.columns[0], list(frame.columns[1:])
    short = {**SHORT, **(short or {})}
    labels = {c: short[c] for c in cols if c in short}
    widths = {c: column_px(frame, c, labels.get(c, c), formats.get(c)) for c in cols}
    widest = min(column_px(frame, id_col, id_col), ID_CAP_PX)

    def worse(id_px: int) -> tuple:        # key numbers split, ids wrapped, more grids, narrower ids: worse
        cut = groups(widths, px - id_px)   # in that order (a wrapped id breaks inside a word, rows double)
        return len(cut[0]) < min(keep, len(cols)), id_lines(frame, id_col, id_px) > 1, len(cut), -id_px
    id_px = min(range(widest, min(ID_MIN_PX, widest) - 1, -1), key=worse)
    lines = id_lines(frame, id_col, id_px)
    grids = tuple(Grid(tuple(g), spread([widths[c] for c in g], px - id_px)) for g in groups(widths, px - id_px))
    row = None if lines == 1 else max(WRAP_ROW_PX, LINE_PX * lines + 26)      # 26: the cell's padding
    return CompareLayout(id_col, id_px, row, grids, labels, None if row is None else HEAD_PX + row * len(frame))
