"""Streamlit glue shared by app.py and the pages: cached loading, view state, shared sidebar.

No torch. The view state lives in ``st.session_state["view"]`` (survives page changes,
which clear ``st.query_params``) and is mirrored into ``st.query_params`` on every run,
so the URL always restores the view. A fresh session reads the URL once.

Widgets are keyed ``w_<field>`` and seeded from the state only when their key is
absent (first run, or after a page change cleaned them up), the pattern Streamlit
recommends instead of passing ``value=`` to a keyed widget.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode, urlsplit

import pandas as pd
import streamlit as st

from efficiency.ui import data as uidata
from efficiency.ui import views
from efficiency.ui.state import PAGES, ViewState, parse_query, to_query

ALL = views.ALL
MODE_LABELS = {"cuda_graph": "CUDA graph", "compile": "compile", "cpu": "CPU", "cuda": "GPU (CUDA)"}


# --------------------------------------------------------------------------- data

@st.cache_data(show_spinner="Reading the results cache ...", max_entries=4)
def _results(path: str, mtime: float) -> uidata.Loaded:   # mtime is the cache key: a refresh shows up
    return uidata.read_results(uidata.Path(path))


@st.cache_data(show_spinner="Reading the accuracy table ...", max_entries=4)
def _accuracy(path: str, mtime: float, results_key: tuple) -> uidata.Loaded:
    # custom models' user-given accuracy lives in the results cache, hence its key too
    return uidata.read_accuracy(uidata.Path(path), _results(*results_key).df)


@st.cache_data(max_entries=4)
def _claims(path: str, mtime: float) -> uidata.Loaded:
    return uidata.read_claims(uidata.Path(path))


@dataclass
class Data:
    results: pd.DataFrame
    accuracy: pd.DataFrame
    claims: pd.DataFrame
    problems: list[str]
    key: tuple            # (path, mtime) of each table: the key of everything derived

    @property
    def empty(self) -> bool:
        return counts(self).empty


def data() -> Data:
    out, problems, key = {}, [], []
    for kind, fn in (("results", _results), ("accuracy", _accuracy), ("claims", _claims)):
        path = uidata.path_for(kind)
        mt = uidata.mtime(path)
        loaded = fn(str(path), mt, key[0]) if kind == "accuracy" else fn(str(path), mt)
        out[kind] = loaded.df
        problems += loaded.problems
        key.append((str(path), mt))
    return Data(out["results"], out["accuracy"], out["claims"], problems, tuple(key))


@st.cache_data(max_entries=8, show_spinner=False)
def _cvm(key: tuple):
    d = data()
    return uidata.claimed_vs_measured(d.claims, d.results, d.accuracy)


def claims_vs_measured(d: Data):
    """``efficiency.reference.claims.claimed_vs_measured`` for the loaded tables (None if the module is absent)."""
    return _cvm(d.key)


@st.cache_data(max_entries=64, show_spinner=False)
def _view(key: tuple, state: ViewState) -> views.View:
    d = data()
    return views.build_view(d.results, d.accuracy, state)


def view(d: Data, state: ViewState) -> views.View:
    """``views.build_view`` memoised on (table mtimes, the state's view fields): reruns with an
    unchanged view, or that only change the page, selection or budget, are free."""
    return _view(d.key, views.view_key(state))


@st.cache_data(max_entries=32, show_spinner=False)
def _figure(key: tuple, state: ViewState):
    from efficiency.ui import figures as plot# plotly is only needed once a figure is drawn
    v = _view(key, state)
    claims = views.claims_overlay(_cvm(key), state) if state.claims else None
    return plot.build_figure(v, claims)


def figure(d: Data, state: ViewState):
    """The Pareto figure of ``state`` (memoised like :func:`view`)."""
    return _figure(d.key, views.view_key(state))


@st.cache_data(max_entries=8, show_spinner=False)
def _derived(key: tuple, what: str, *args):
    d = data()
    if what == "counts":
        return views.count_table(d.results)
    if what == "hw":
        return views.hardware_options(d.results)
    if what == "acc_options":
        c = _derived(key, "counts")
        models = c["model"] if args[0] == ALL else c.loc[c["task"] == args[0], "model"]
        return views.accuracy_options(d.accuracy, set(models))
    if what == "latency":
        return views.latency_table(d.results, *args)
    raise ValueError(what)


def counts(d: Data) -> pd.DataFrame:
    """``views.count_table`` of the loaded results (memoised)."""
    return _derived(d.key, "counts")


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


def share_url(s: ViewState) -> str:
    """The link that restores ``s``: this server, the page's path, the state as query params."""
    base = ""
    try:
        base = st.context.url or ""
    except Exception:  # noqa: BLE001 - no browser context (tests, bare mode)
        base = ""
    parts = urlsplit(base) if base else None
    host = f"{parts.scheme}://{parts.netloc}" if parts and parts.netloc else "http://localhost:8501"
    path = "" if s.page == "pareto" else s.page
    q = to_query(replace(s, page="pareto"))        # the path says the page
    return f"{host}/{path}" + (f"?{urlencode(q)}" if q else "")


# --------------------------------------------------------------------------- shared sidebar

def _options(values: list, current) -> list:
    return values if current in values else [current] + values


def sidebar(d: Data, page: str) -> ViewState:
    """Task, accuracy dataset/metric and hardware configuration; returns the updated state."""
    s = update(page=page)
    sb = st.sidebar
    problems = st.session_state.pop("url_problems", [])
    if problems:
        sb.warning("Ignored in the link: " + "; ".join(problems))
    cnt = counts(d)
    sb.header("View")
    tasks = sorted(cnt["task"].dropna().astype(str).unique().tolist())
    seed("w_task", s.task)
    task = sb.selectbox("Task", _options([ALL] + tasks, s.task) if tasks else [s.task], key="w_task",
                        help="Which zoo entries to show; 'all' mixes tasks.")
    models = cnt["model"] if task == ALL else cnt.loc[cnt["task"] == task, "model"]
    pairs = _derived(d.key, "acc_options", task)
    labels = [f"{ds}:{m}" for ds, m in pairs]
    seed("w_acc", f"{s.y_dataset}:{s.y_metric}")
    acc = sb.selectbox("Accuracy (dataset : metric)", _options(labels, f"{s.y_dataset}:{s.y_metric}"),
                       key="w_acc", help="Published accuracy; most-covered metrics first.")
    ds, _, metric = acc.partition(":")
    sb.header("Hardware configuration")
    hw = _derived(d.key, "hw")
    for field, label, opts, widget in (("device", "Device", hw["device"], "seg"), ("dtype", "Dtype", hw["dtype"], "seg"),
                                       ("mode", "Mode", hw["mode"], "seg"), ("batch", "Batch size", hw["batch"], "select")):
        seed(f"w_{field}", getattr(s, field))
        opts = _options(opts, getattr(s, field))
        if widget == "seg":
            sb.segmented_control(label, opts, key=f"w_{field}", format_func=lambda m: MODE_LABELS.get(m, m))
            if st.session_state[f"w_{field}"] is None:       # clicking the active option deselects it
                st.session_state[f"w_{field}"] = getattr(s, field)
        else:
            sb.selectbox(label, opts, key=f"w_{field}")
    s = update(task=task, y_dataset=ds, y_metric=metric, device=st.session_state["w_device"],
               batch=int(st.session_state["w_batch"]), dtype=st.session_state["w_dtype"],
               mode=st.session_state["w_mode"])
    lat = _derived(d.key, "latency", s.device, s.batch, s.dtype, s.mode)
    measured = int(lat["model"].isin(models).sum())
    sb.caption(f"{measured} of {len(models)} models measured in this configuration." if measured else
               "No latency rows for this configuration: latency axes stay empty.")
    if s.device == "cuda" and s.mode == "eager" and s.batch <= 8:
        sb.caption(EAGER_GPU_NOTE)
    return s


# Measured (bench/RESULTS.md): the same models' eager batch-1 p50 moved by up to 78 % between two
# H200 machines while CUDA-graph and batch-256 rows agreed within 1-7 %.
EAGER_GPU_NOTE = ("Eager GPU latency at small batch mostly measures the host CPU launching kernels, "
                  "not the GPU: compare GPUs on CUDA graph or large-batch rows.")


CSS = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.2rem; }
[data-testid="stMetricValue"] { font-size: 1.9rem; }
</style>"""


def style() -> None:
    st.html(CSS)


def share_box(s: ViewState) -> None:
    """Copy-link control: the URL that restores the current view (st.code has a copy button)."""
    with st.sidebar.expander("Share this view", expanded=False):
        st.code(share_url(s), language=None, wrap_lines=True)
        st.caption("Opening the link restores page, axes, filters, selection and hardware.")


def stop() -> None:
    """``st.stop()`` for pages, with the copy-link box drawn first (nothing renders after a stop)."""
    share_box(state())
    st.stop()


def no_results_message(d: Data) -> bool:
    """Show what is missing when the results cache is empty; True if the page should stop."""
    for p in d.problems:
        st.warning(p)
    if d.empty:
        st.info("The results cache has no model yet. Fill it with\n\n"
                f"`{views.refresh_command('resnet*')}`\n\n(one pattern or id per run; see *Data and method*).")
        return True
    return False


def page_file(key: str) -> str:
    return PAGES[key][1]
