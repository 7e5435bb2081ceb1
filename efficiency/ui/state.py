"""The whole shareable view of the dashboard as one frozen dataclass, and its URL codec.

``to_query(state)`` gives the ``st.query_params`` dict (strings only, defaults left
out so links stay short); ``from_query(params)`` reads it back. ``from_query`` never
raises: an unknown key or a malformed value is ignored (the default is kept) and
reported in ``ViewState``-independent ``problems`` by :func:`parse_query`. URL values
are only compared against fixed choices or parsed as numbers; they are never used
as a path, a module name, or evaluated.

Lists (sources, families, selection) are comma-separated; a literal ``,`` or ``%``
inside an item is percent-escaped so any string round-trips.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields, replace
from urllib.parse import quote, unquote

from efficiency.vocab import COLOR_BY, DEVICES, DTYPES, MODES, X_AXES

__all__ = ["ViewState", "PAGES", "to_query", "from_query", "parse_query", "DEFAULT"]

# page key -> (title, file); the router uses this table. Each file is named for its key (its
# URL path): Streamlit runs a pages/ file by that name when a link is the first visit of a fresh
# server (efficiency.ui.session.ensure_routed)
PAGES = {
    "pareto": ("Pareto explorer", "pages/pareto.py"),
    "models": ("Models", "pages/models.py"),
    "detail": ("Model detail", "pages/detail.py"),
    "compare": ("Compare", "pages/compare.py"),
    "claims": ("Paper claims", "pages/claims.py"),
    "hardware": ("Hardware", "pages/hardware.py"),
    "data": ("Data and method", "pages/data.py"),
}

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+\-]{0,63}$")   # task / family / source
# dataset / metric: language benchmarks name metrics like "macro_avg/acc_char" (compared, never a path)
_METRIC_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+/\-]{0,63}$")
MAX_ITEMS = 64
MAX_TEXT = 200
# what a marker's area can show besides x and y ("none": all markers one size)
BUBBLES = ("none", "params", "memory")
# the Paper claims page's "Show" choice: every paper, those with a number of ours, those off or mismatched
CLAIMS_SHOW = ("all", "ours", "off")
# a Models-page column or sort key: a table column's internal name (the page ignores one it has not)
_COLUMN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class ViewState:
    page: str = "pareto"
    x: str = "gmacs"
    y_dataset: str = "imagenet-1k"
    y_metric: str = "top1"
    log_x: bool = True
    log_y: bool = False
    color: str = "family"
    claims: bool = True                      # overlay paper claims
    task: str = "classification"
    sources: tuple[str, ...] = ()            # empty = all
    families: tuple[str, ...] = ()           # empty = all
    search: str = ""                         # case-insensitive substring of the id, or a glob with * ?
    acc_min: float | None = None
    acc_max: float | None = None
    cost_min: float | None = None
    cost_max: float | None = None
    seed_only: bool = False                  # only architectures of a seed paper
    show_test: bool = False                  # timm's tiny test_* networks (not real models: hidden by default)
    selection: tuple[str, ...] = ()          # model ids: detail shows the first, compare shows all
    device: str = "cuda"
    batch: int = 1
    dtype: str = "bf16"
    mode: str = "cuda_graph"
    budget_ms: float | None = None           # "best accuracy with latency p50 <= budget_ms"
    highlight: str = ""                      # models drawn in colour, the rest of the zoo in grey (like search)
    labels: bool = True                      # name the front's (and highlighted) models on the chart
    bubble: str = "none"                     # marker area by a third quantity: one of BUBBLES
    # seed architectures at their paper's claimed accuracy and our measured compute (never on the front)
    seed_claims: bool = False
    # the machine a view's latency comes from: a row's ``hardware`` identity; "" = automatic (the
    # machine with the most models in the configuration, efficiency.ui.tables.main_machine)
    hw_id: str = ""
    table_filter: str = ""                   # the Models page's text filter (id, family or paper contains)
    # the Models page's optional columns (None: the page's defaults; (): key columns only) and its sort:
    # a column's internal name, "-" first for descending (the CSV's order; a header click sorts the screen only)
    table_columns: tuple[str, ...] | None = None
    table_sort: str = "-acc"
    # the Models page also lists the task's models without the view's accuracy (accuracy blank; UXCHECK6 10)
    table_unrated: bool = False
    claims_show: str = "all"                 # Paper claims: which papers' verdicts are listed (CLAIMS_SHOW)
    claims_flagged: bool = False             # Paper claims: details table and chart of off or flagged claims only


DEFAULT = ViewState()

# URL key for each field (short, stable; changing one breaks old links)
_KEYS = {
    "page": "page", "x": "x", "y_dataset": "ds", "y_metric": "metric", "log_x": "logx", "log_y": "logy",
    "color": "color", "claims": "claims", "task": "task", "sources": "src", "families": "fam",
    "search": "q", "acc_min": "amin", "acc_max": "amax", "cost_min": "cmin", "cost_max": "cmax",
    "seed_only": "seed", "selection": "sel", "device": "dev", "batch": "bs", "dtype": "dtype",
    "mode": "mode", "budget_ms": "budget", "show_test": "test", "highlight": "hl", "labels": "labels",
    "bubble": "size", "seed_claims": "seedacc", "hw_id": "hw", "table_filter": "tf",
    "table_columns": "cols", "table_sort": "sort", "claims_show": "cshow", "claims_flagged": "cflag",
    "table_unrated": "unrated",
}
# fields whose value must be one of a fixed vocabulary (efficiency.vocab; axis labels: efficiency.ui.axes)
_CHOICES = {"page": tuple(PAGES), "x": X_AXES, "color": COLOR_BY, "device": DEVICES, "dtype": DTYPES,
            "mode": MODES, "bubble": BUBBLES, "claims_show": CLAIMS_SHOW}
_NAMES = ("y_dataset", "y_metric", "task")
_BOOLS = ("log_x", "log_y", "claims", "seed_only", "show_test", "labels", "seed_claims", "claims_flagged",
          "table_unrated")
_FLOATS = ("acc_min", "acc_max", "cost_min", "cost_max", "budget_ms")
_LISTS = ("sources", "families", "selection", "table_columns")


def _enc_list(items) -> str:
    return ",".join(quote(s, safe="/@:+=!*()[]'$;~ ") for s in items)


def _dec_list(text: str) -> tuple[str, ...]:
    if text == "":
        return ()
    return tuple(unquote(s) for s in text.split(","))


def _enc_float(v: float) -> str:
    return repr(float(v))


def to_query(state: ViewState) -> dict[str, str]:
    """Query params for ``state``: only the fields that differ from the default."""
    out: dict[str, str] = {}
    for f in fields(ViewState):
        v = getattr(state, f.name)
        if v == getattr(DEFAULT, f.name):
            continue
        key = _KEYS[f.name]
        if f.name in _BOOLS:
            out[key] = "1" if v else "0"
        elif f.name in _FLOATS:
            out[key] = "" if v is None else _enc_float(v)
        elif f.name in _LISTS:
            out[key] = _enc_list(v)
        else:
            out[key] = str(v)
    return out


def _parse_value(name: str, raw: str):
    """The typed value of field ``name`` from its URL text; raises ValueError if malformed."""
    if name in _CHOICES:
        if raw not in _CHOICES[name]:
            raise ValueError(f"not one of {', '.join(_CHOICES[name])}")
        return raw
    if name in _NAMES:
        if not (_METRIC_NAME if name in ("y_dataset", "y_metric") else _NAME).match(raw):
            raise ValueError("not a plain name")
        return raw
    if name in _BOOLS:
        if raw not in ("0", "1", "true", "false"):
            raise ValueError("not 0 or 1")
        return raw in ("1", "true")
    if name in _FLOATS:
        if raw == "":
            return None
        v = float(raw)                       # ValueError on garbage
        if not math.isfinite(v):
            raise ValueError("not a finite number")
        return v
    if name == "batch":
        if not raw.isdigit() or not 1 <= int(raw) <= 1 << 20:
            raise ValueError("not a batch size")
        return int(raw)
    if name == "hw_id":
        # an identity is only compared with the rows' ``hardware`` column; one no row holds falls back
        # to the automatic machine where the view is built (efficiency.ui.machines.resolve)
        if len(raw) > MAX_TEXT or not raw.isprintable() or raw != raw.strip():
            raise ValueError("not a machine identity")
        return raw
    if name == "table_sort":
        if not _COLUMN.match(raw.removeprefix("-")):
            raise ValueError("not a column name")
        return raw
    if name in ("search", "highlight", "table_filter"):
        if len(raw) > MAX_TEXT:
            raise ValueError("too long")
        return raw
    if name in _LISTS:
        items = _dec_list(raw)
        if len(items) > MAX_ITEMS or any(len(s) > MAX_TEXT or s == "" for s in items):
            raise ValueError("too many or malformed items")
        if name == "table_columns" and not all(_COLUMN.match(s) for s in items):
            raise ValueError("not column names")
        if name != "selection" and not all(_NAME.match(s) for s in items):
            raise ValueError("not plain names")
        return items
    raise ValueError("unknown field")


def parse_query(params) -> tuple[ViewState, list[str]]:
    """``(state, problems)``: the view described by ``params`` and one line per ignored entry.

    ``params`` is any mapping of str to str (``st.query_params`` included); a value
    that is a list (multi-valued key) uses its last element, like Streamlit.
    """
    by_key = {v: k for k, v in _KEYS.items()}
    values: dict = {}
    problems: list[str] = []
    try:
        items = list(params.items())
    except Exception:  # noqa: BLE001 - anything not mapping-like is simply ignored
        return DEFAULT, ["query parameters unreadable"]
    for key, raw in items:
        if isinstance(raw, (list, tuple)):
            raw = raw[-1] if raw else ""
        if not isinstance(key, str) or not isinstance(raw, str):
            problems.append(f"{key!r}: not text")
            continue
        name = by_key.get(key)
        if name is None:
            problems.append(f"unknown parameter {key!r}")
            continue
        try:
            values[name] = _parse_value(name, raw)
        except (ValueError, OverflowError) as e:
            problems.append(f"{key}={raw[:40]!r} ignored: {e}")
    return replace(DEFAULT, **values), problems


def from_query(params) -> ViewState:
    """The view described by ``params``; malformed or unknown entries are ignored."""
    return parse_query(params)[0]
