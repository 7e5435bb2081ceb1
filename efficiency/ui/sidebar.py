"""The shared sidebar (task, accuracy, hardware configuration) in two steps: the view state it
decides, then the widgets it draws (Streamlit glue; no torch).

Why two steps, and why the order matters: Streamlit sends elements to the browser in the order the
script draws them, and the browser loads plotly (4.7 MB) only once the chart's element arrives.
app.py drew the sidebar's widgets before the page, so a first visit rendered all of them before the
explorer's chart (bench/bench_first_paint.py). Now app.py runs the page inside :func:`deferred`:

1. :func:`decide` computes the view state from the state in ``st.session_state["view"]``, the
   widgets' keyed values (Streamlit writes a changed widget's value into ``st.session_state``
   before the rerun) and the URL, with the same fallbacks as the widgets had (a task's accuracy
   pair, a hardware configuration that was measured), and writes each widget's value under its key.
   It draws nothing.
2. An empty container at the top of the sidebar keeps the sidebar's place, so what the page draws
   into the sidebar (the explorer's machine and filters) stays under it.
3. After the page, :func:`draw` renders the widgets into that container, with the same keys; they
   show the values step 1 wrote.

Step 3 must happen on every script run: Streamlit forgets the state of a keyed widget that a
completed run did not draw, which would lose the user's choices, and a run's elements replace the
previous run's. ``deferred`` draws in a ``finally``; a page stopping early calls
``session.stop()``, which draws first via :func:`draw_pending` (nothing can be sent after
``st.stop()``).
"""
from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from efficiency.ui import language, tables
from efficiency.ui import session as ui
from efficiency.ui.axes import AXES, LANGUAGE, axes_for_task, x_for_task
from efficiency.ui.hw_sidebar import HardwarePlan, draw_hardware, hardware_state
from efficiency.ui.models_table import bound_words
from efficiency.ui.state import ViewState
from efficiency.vocab import ALL_TASKS

TASK_HELP = "Which zoo entries to show; 'all' mixes tasks."
ACCURACY_HELP = ("Published accuracy; most-covered first. Language scores are comparable only within one "
                 "protocol group (benchmark, shots, metric, harness).")


@dataclass(frozen=True)
class SidebarPlan:
    """What :func:`draw` renders: the choices :func:`decide` made and the texts it worked out."""
    problems: tuple[str, ...]          # parts of the URL that were ignored
    tasks: tuple[str, ...]             # the task box's options
    accuracy_label: str
    accuracy_options: tuple[str, ...]  # "dataset:metric"
    accuracy_words: dict[str, str] = field(hash=False)   # option -> its label (language protocol groups)
    hardware: HardwarePlan = field(hash=False)
    eager_note: bool = False           # eager GPU latency at small batch: the launch-bound caveat


@st.cache_data(max_entries=8, show_spinner=False)
def _accuracy_options(key: tuple, task: str, _counts: pd.DataFrame, _accuracy: pd.DataFrame) -> list:
    models = _counts["model"] if task == ALL_TASKS else _counts.loc[_counts["task"] == task, "model"]
    return tables.accuracy_options(_accuracy, set(models))


@st.cache_data(max_entries=16, show_spinner=False)
def _choice_labels(key: tuple, pairs: tuple, _accuracy: pd.DataFrame) -> dict[str, str]:
    return language.choice_labels(_accuracy, list(pairs))      # a groupby: not on every rerun


def _options(values: list, current) -> list:
    return values if current in values else [current] + values


def _chosen(key: str, options: list):
    """The value a selectbox keyed ``key`` over ``options`` will show: its state, or its first option
    where the state is not one of them (as Streamlit resets it), written back so both agree."""
    value = st.session_state.get(key)
    if value not in options:
        value = options[0]
        st.session_state[key] = value      # before the widget exists in this run, which Streamlit allows
    return value


def _x_and_cost(s: ViewState, task: str, page: str) -> dict:
    """The state's new x axis, and its cost bounds cleared when x moved (returned as the changes to make).

    x moves here for every page: a task that does not offer it moves it to its default, and on the
    explorer its x box (Streamlit writes the box's new value under ``w_x`` before the rerun; on other
    pages the box does not exist and a leftover key is ignored). The bounds are numbers in x's unit,
    so 0.5 GMACs must not silently become 0.5 ms (UXCHECK4 #4); clearing them only on the explorer
    left a switch made on Models or Compare filtering in the new unit there, and in the link, until
    the explorer was opened (issue 13). The state's x is the unit of its bounds, a link's first run
    included (its x and bounds are read together), so the old x names the old unit."""
    offered = axes_for_task(task)
    picked = st.session_state.get("w_x") if page == "pareto" else None
    x = picked if picked in offered else x_for_task(s.x, task)
    if x == s.x:
        return {"x": x}
    # the explorer's Filters inputs, before they exist in this run (a stale value would set the bound again)
    st.session_state["w_cmin"] = st.session_state["w_cmax"] = None
    was = bound_words("cost", s.cost_min, s.cost_max, AXES[s.x].unit)
    if was:
        st.toast(f"Cost filter cleared: it was {was}, and the x axis is now in {AXES[x].unit}.",
                 icon=":material/filter_alt_off:")
    return {"x": x, "cost_min": None, "cost_max": None}


def decide(d: ui.Data, page: str) -> tuple[ViewState, SidebarPlan]:
    """Step 1 (module docstring): the view state after the sidebar's widgets, and what to draw."""
    s = ui.update(page=page)
    problems = tuple(st.session_state.pop("url_problems", []))
    cnt = ui.counts(d)
    tasks = sorted(cnt["task"].dropna().astype(str).unique().tolist())
    task_options = _options([ALL_TASKS] + tasks, s.task) if tasks else [s.task]
    ui.seed("w_task", s.task)
    task = _chosen("w_task", task_options)
    pairs = _accuracy_options(d.key, task, cnt, d.accuracy)
    labels = [f"{ds}:{m}" for ds, m in pairs]
    current = f"{s.y_dataset}:{s.y_metric}"
    known = [f"{a}:{b}" for a, b in _accuracy_options(d.key, ALL_TASKS, cnt, d.accuracy)]
    pair = language.pair_for_task(labels, current, known)
    if pair != current:       # set before the widget exists in this run, which Streamlit allows
        st.session_state["w_acc"] = pair
    ui.seed("w_acc", pair)
    acc_options = _options(labels, pair)
    ds, _, metric = _chosen("w_acc", acc_options).partition(":")
    s = ui.update(task=task, y_dataset=ds, y_metric=metric, **_x_and_cost(s, task, page))
    s, hardware = hardware_state(d, s, page)
    plan = SidebarPlan(problems, tuple(task_options),
                       "Accuracy (protocol group)" if task == LANGUAGE else "Accuracy (dataset : metric)",
                       tuple(acc_options), _choice_labels(d.key, tuple(pairs), d.accuracy), hardware,
                       s.device == "cuda" and s.mode == "eager" and s.batch <= 8)
    return s, plan


def draw(plan: SidebarPlan, where) -> None:
    """Step 3 (module docstring): the widgets, keyed as :func:`decide` wrote them, into ``where``."""
    if plan.problems:
        where.warning("Ignored in the link: " + "; ".join(plan.problems))
    where.header("View")
    where.selectbox("Task", list(plan.tasks), key="w_task", help=TASK_HELP)
    words = plan.accuracy_words
    where.selectbox(plan.accuracy_label, list(plan.accuracy_options), key="w_acc",
                    format_func=lambda k: words.get(k, k), help=ACCURACY_HELP)
    draw_hardware(plan.hardware, where)
    if plan.eager_note:
        where.caption(ui.EAGER_GPU_NOTE)


# the plan and the sidebar's container while a page runs inside deferred(), until drawn; a context
# variable because each session's script runs in a thread of its own
_PENDING: contextvars.ContextVar[tuple[SidebarPlan, object] | None] = contextvars.ContextVar(
    "efficiency_sidebar", default=None)


def draw_pending() -> None:
    """Draw the sidebar now if a page runs inside :func:`deferred` and it is not drawn yet (called by
    ``session.stop()`` before ``st.stop()``)."""
    pending = _PENDING.get()
    if pending is not None:
        _PENDING.set(None)
        draw(*pending)


@contextlib.contextmanager
def deferred(d: ui.Data, page: str):
    """app.py runs the page inside this (module docstring); yields the decided view state."""
    s, plan = decide(d, page)
    token = _PENDING.set((plan, st.sidebar.container()))    # the sidebar's place, above the page's
    try:
        yield s
    finally:
        try:
            draw_pending()
        finally:
            _PENDING.reset(token)
