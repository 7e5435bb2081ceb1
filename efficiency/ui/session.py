"""Streamlit glue shared by app.py and the pages: cached loading, view state, stopping a page.
(The shared sidebar is :mod:`efficiency.ui.sidebar`.)

No torch. The view state lives in ``st.session_state["view"]`` (survives page changes,
which clear ``st.query_params``) and is mirrored into ``st.query_params`` on every run,
so the URL always restores the view. A fresh session reads the URL once.

Caching: each table is read once per (path, mtime) and shared, never modified (unpickling a copy cost ~0.1 s a run).
Everything derived is a typed memo function: ``@st.cache_data`` keyed on ``key`` (the tables'
(path, mtime) pairs, :attr:`Data.key`) plus the arguments that change its result, with the
tables it reads passed as underscore-prefixed arguments, which Streamlit does not hash. Views
and figures are keyed on :func:`efficiency.ui.explorer.view_key`, so reruns that only change the
page, the selection or the budget reuse them.

Widgets are keyed ``w_<field>`` and seeded from the state only when their key is absent (first
run, or after a page change cleaned them up), as Streamlit recommends over ``value=`` on a keyed widget.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from efficiency import paths
from efficiency.vocab import ALL_TASKS
from efficiency.ui import configs, router
from efficiency.ui import data as uidata
from efficiency.ui import tables
from efficiency.ui.claims_view import claims_overlay
from efficiency.ui.commands import refresh_command
from efficiency.ui.explorer import View, build_view, view_key
from efficiency.ui.state import PAGES, ViewState, parse_query, to_query

if TYPE_CHECKING:
    import plotly.graph_objects as go

MODE_LABELS = {"cuda_graph": "CUDA graph", "compile": "compile", "cpu": "CPU", "cuda": "GPU (CUDA)"}
BUDGET_RUNNERS = 4      # models a latency-budget answer names (the best and runners-up), in words and drawn


# --------------------------------------------------------------------------- data

@st.cache_resource(show_spinner="Reading the results cache ...", max_entries=4)
def _read_results(path: str, mtime: float) -> uidata.Loaded:   # mtime is the cache key: a refresh shows up
    return uidata.read_results(uidata.Path(path))


@st.cache_resource(show_spinner="Reading the accuracy table ...", max_entries=4)
def _read_accuracy(path: str, mtime: float, results_key: tuple, _results: pd.DataFrame) -> uidata.Loaded:
    # custom models' user-given accuracy lives in the results cache, hence its key too
    return uidata.read_accuracy(uidata.Path(path), _results)


@st.cache_resource(max_entries=4)
def _read_claims(path: str, mtime: float) -> uidata.Loaded:
    return uidata.read_claims(uidata.Path(path))


@st.cache_resource(max_entries=2)
def _torchvision_meta(path: str, mtime: float) -> pd.DataFrame:
    from efficiency.reference.accuracy import load_torchvision_meta
    try:
        return load_torchvision_meta(path).set_index("model")
    except Exception:  # noqa: BLE001 - the published figures are a comparison only: absent, the page says nothing
        return pd.DataFrame()


def torchvision_published(model: str) -> pd.Series | None:
    """torchvision's published figures for one weight (data/torchvision_meta.parquet), or None."""
    path = paths.TORCHVISION_META
    meta = _torchvision_meta(str(path), uidata.mtime(path))
    return meta.loc[model] if model in meta.index else None


@dataclass
class Data:
    """The loaded tables, the problems met reading them, and their key."""
    results: pd.DataFrame
    accuracy: pd.DataFrame
    claims: pd.DataFrame
    problems: list[str]
    key: tuple            # (path, mtime) of each table: the key of everything derived
    sweep: pd.DataFrame = field(default_factory=pd.DataFrame)  # refresh --resolution's derived sizes: curves only
    # what one run already took out of the memo functions: a page and its sidebar ask for the count
    # table 2-4 times a run, and each st.cache_data hit unpickles a fresh 2.5 MB copy. Read-only.
    _run_memo: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def empty(self) -> bool:
        return counts(self).empty


def _located(kind: str) -> tuple[str, float]:
    path = uidata.path_for(kind)
    return str(path), uidata.mtime(path)


def data() -> Data:
    """The three tables (each re-read only when its file's mtime changes) and what went wrong."""
    res_key, acc_key, claims_key = _located("results"), _located("accuracy"), _located("claims")
    res = _read_results(*res_key)
    acc = _read_accuracy(*acc_key, res_key, res.df)
    claims = _read_claims(*claims_key)
    return Data(res.df, acc.df, claims.df, res.problems + acc.problems + claims.problems,
                (res_key, acc_key, claims_key), res.sweep)


# --------------------------------------------------------------------------- memo functions

@st.cache_data(max_entries=8, show_spinner=False)
def _claims_vs_measured(key: tuple, _claims: pd.DataFrame, _results: pd.DataFrame,
                        _accuracy: pd.DataFrame) -> pd.DataFrame:
    return uidata.claimed_vs_measured(_claims, _results, _accuracy)


@st.cache_data(max_entries=64, show_spinner=False)
def _view(key: tuple, state: ViewState, _results: pd.DataFrame, _accuracy: pd.DataFrame) -> View:
    return build_view(_results, _accuracy, state)


@st.cache_data(max_entries=32, show_spinner=False)
def _figure(key: tuple, state: ViewState, _results: pd.DataFrame, _accuracy: pd.DataFrame,
            _claims: pd.DataFrame) -> go.Figure:
    from efficiency.ui import figures   # plotly is only needed once a figure is drawn
    v = _view(key, state, _results, _accuracy)
    overlay = (claims_overlay(_claims_vs_measured(key, _claims, _results, _accuracy), state, _counts(key, _results))
               if state.claims else None)   # the count table: a claim's family, for the family filter
    return figures.build_figure(v, overlay)


@st.cache_data(max_entries=32, show_spinner=False)
def _screen_figure(key: tuple, state: ViewState, dark: bool, budget_ms: float | None, _results: pd.DataFrame,
                   _accuracy: pd.DataFrame, _claims: pd.DataFrame) -> dict:
    # a dict, not a go.Figure: unpickling a Figure rebuilds and validates it, and theming it costs as
    # much again (0.35 s a run together, bench/bench_first_paint.py); a dict unpickles in milliseconds
    from efficiency.ui.budget import add_budget, budget_answer
    from efficiency.ui.chart_view import for_screen
    fig, v = _figure(key, state, _results, _accuracy, _claims), _view(key, state, _results, _accuracy)
    if budget_ms is not None:
        add_budget(fig, v, budget_answer(v, budget_ms, k=BUDGET_RUNNERS))
    return for_screen(fig, dark).to_dict()


@st.cache_data(max_entries=4, show_spinner=False)
def _counts(key: tuple, _results: pd.DataFrame) -> pd.DataFrame:
    return tables.count_table(_results)


def claims_vs_measured(d: Data) -> pd.DataFrame:
    """:func:`efficiency.reference.claims.claimed_vs_measured` for the loaded tables (memoised)."""
    return _claims_vs_measured(d.key, d.claims, d.results, d.accuracy)


def view(d: Data, state: ViewState) -> View:
    """:func:`efficiency.ui.explorer.build_view` memoised on (table mtimes, the state's view fields):
    reruns with an unchanged view, or that only change the page, selection or budget, are free."""
    return _view(d.key, view_key(state), d.results, d.accuracy)


def screen_figure(d: Data, state: ViewState, dark: bool, budget_ms: float | None = None) -> dict:
    """The Pareto figure as shown (:func:`efficiency.ui.chart_view.for_screen`, theme, budget drawn), a
    plotly dict of its own, memoised like :func:`view`; :func:`chart_figure` hands it to st.plotly_chart."""
    return _screen_figure(d.key, view_key(state), dark, budget_ms, d.results, d.accuracy, d.claims)


@functools.cache
def _built_figure_type() -> type:
    import plotly.graph_objects as go   # plotly is only needed once a figure is drawn

    class BuiltFigure(go.Figure):
        """``st.plotly_chart`` serialises a figure's ``to_dict()``: this one returns the dict it was
        given, where a Figure built from it would validate and deep-copy it again (0.1 - 0.2 s)."""
        def __init__(self, spec: dict):
            super().__init__()
            self._spec = spec

        def to_dict(self) -> dict:
            return self._spec
    return BuiltFigure


def chart_figure(spec: dict) -> go.Figure:
    """``spec`` (:func:`screen_figure`) for ``st.plotly_chart`` only: anything else needs ``go.Figure(spec)``."""
    return _built_figure_type()(spec)


def counts(d: Data) -> pd.DataFrame:
    """:func:`efficiency.ui.tables.count_table` of the loaded results (memoised; one copy a run, shared
    by its callers, who only read it)."""
    if "counts" not in d._run_memo:
        d._run_memo["counts"] = _counts(d.key, d.results)
    return d._run_memo["counts"]


# --------------------------------------------------------------------------- state

def state() -> ViewState:
    if "view" not in st.session_state:
        s, problems = parse_query(st.query_params.to_dict())
        st.session_state["view"] = s
        st.session_state["url_problems"] = problems
    return st.session_state["view"]


def update(**changes) -> ViewState:
    """Replace fields of the view state and mirror it into the URL."""
    s = replace(state(), **changes)
    st.session_state["view"] = s
    q = to_query(s)
    if st.query_params.to_dict() != q:
        st.query_params.from_dict(q)
    return s


def seed(key: str, value) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


def seed_in_popover(key: str, value, options: list | None = None) -> None:
    """:func:`seed` for a widget in a popover, whose widgets the browser builds only when it is
    opened; Streamlit sends a value only on the run that set it, so one first opened after a rerun
    showed defaults (labels off while drawn). Written back every run, it is sent every run;
    ``options``: a multiselect's choices (they change with the task), which the value keeps to."""
    seed(key, value)
    kept = st.session_state[key]
    st.session_state[key] = [v for v in kept if v in options] if options is not None else kept


# --------------------------------------------------------------------------- shared sidebar

def sidebar(d: Data, page: str) -> ViewState:
    """Task, accuracy dataset/metric and hardware configuration, drawn at once; returns the updated state.
    app.py draws them after the page instead (:func:`efficiency.ui.sidebar.deferred` says why)."""
    from efficiency.ui import sidebar as shared   # imported here: it builds on this module
    s, plan = shared.decide(d, page)
    shared.draw(plan, st.sidebar)
    return s


@st.cache_data(max_entries=4, show_spinner=False)
def _measured_by_model(key: tuple, _results: pd.DataFrame) -> dict:
    return configs.measured_by_model(_results)


def measured_by_model(d: Data) -> dict:
    """:func:`efficiency.ui.configs.measured_by_model` of the loaded results (memoised)."""
    return _measured_by_model(d.key, d.results)


# Measured (bench/RESULTS.md): the same models' eager batch-1 p50 moved by up to 78 % between two
# H200 machines while CUDA-graph and batch-256 rows agreed within 1-7 %.
EAGER_GPU_NOTE = ("Eager GPU latency at small batch mostly measures the host CPU launching kernels, "
                  "not the GPU: compare GPUs on CUDA graph or large-batch rows.")


def follow_models_task(page: str, models: tuple[str, ...], tasks: set[str], task_now: str) -> None:
    """Move the sidebar to the task of the models a page shows when they share one and the sidebar has another:
    a link or a pick made under another task (ImageNet top-1 has no number for a detector or a language model;
    the sidebar then decides the task's own accuracy and axes). Never undo the user: a task changed in the
    sidebar since this page's last run is kept for these models until another model is picked."""
    seen_key, kept_key = f"_task_seen_{page}", f"_task_kept_{page}"
    seen = st.session_state.get(seen_key)
    st.session_state[seen_key] = task_now
    if seen is not None and seen != task_now:
        st.session_state[kept_key] = (models, task_now)
    if (len(tasks) != 1 or task_now in tasks or task_now == ALL_TASKS
            or st.session_state.get(kept_key) == (models, task_now)):
        return
    task = next(iter(tasks))
    st.session_state["w_task"] = st.session_state[seen_key] = task
    st.toast(f"{'This is a' if len(models) == 1 else 'These are'} {task} model{'s' * (len(models) > 1)}: "
             f"the task is now {task}.", icon=":material/swap_horiz:")
    st.rerun()


def stop() -> None:
    """``st.stop()`` for pages, with the shared sidebar (if app.py has not drawn it yet) and the copy-link
    box drawn first: nothing renders after a stop."""
    from efficiency.ui.sidebar import draw_pending   # imported here: it builds on this module
    draw_pending()
    router.share_box(state())
    st.stop()


def no_results_message(d: Data) -> bool:
    """Show what is missing when the results cache is empty; True if the page should stop."""
    for p in d.problems:
        st.warning(p)
    if d.empty:
        if not d.problems:   # a missing or unreadable cache already has its own command above
            st.info("The results cache has no model yet. Fill it with\n\n"
                    f"`{refresh_command('resnet*')}`\n\n(one pattern or id per run; see *Data and method*).")
        return True
    return False


def page_file(key: str) -> str:
    return PAGES[key][1]
