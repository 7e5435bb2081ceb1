"""The sidebar's machine chooser (Streamlit glue; the choice itself is :mod:`efficiency.ui.machines`).

A view's latency comes from one machine. Where the configuration holds rows of two or more machines
for the models the view can plot, the sidebar offers them by name, with how many of those models each
measured, beside "Automatic" (the machine that measured the most of them,
:func:`efficiency.ui.view_machine.auto_machine`). It is offered on every x axis: the front table, the
budget answer and the Models page show latency whatever the axis, and on the GMACs axis the detectors
measured only on the H100 had blank latency with no way to reach it (UXCHECK6 #2).
The choice is ``ViewState.hw_id`` (URL key ``hw``): it also decides the latency of the budget answer,
the hover cards and the Models page, whose notes name the chosen machine.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from efficiency.ui import session as ui
from efficiency.ui.configs import config_of
from efficiency.ui.hw_sidebar import plottable, plottable_scope
from efficiency.ui.machines import AUTOMATIC, Machine, machines_in
from efficiency.ui.plottable import MachineCounts, machine_counts, unplottable_machine_text
from efficiency.ui.state import ViewState
from efficiency.ui.tables import config_rows
from efficiency.vocab import ALL_TASKS

KEY = "w_hw"
HELP = ("Latency comes from one machine: rows of two machines are never mixed in one chart. Automatic: "
        "the machine that measured the most of the models this chart can plot (with the chosen accuracy) in "
        "this configuration. The counts are of those models; a machine that measured none of them is not "
        "offered. It also sets the latency of the front table, the budget answer and the Models page.")


@st.cache_data(max_entries=16, show_spinner=False)
def _options(key: tuple, state: ViewState, scope: ViewState, _plotted: frozenset, _results: pd.DataFrame,
             _counts: pd.DataFrame) -> tuple[MachineCounts, Machine | None]:
    # _plotted is plottable(scope): keyed on the small scope, not hashed (1,700 ids cost ~18 ms)
    models = _counts["model"] if state.task == ALL_TASKS else _counts.loc[_counts["task"] == state.task, "model"]
    rows = config_rows(_results, state.device, state.batch, state.dtype, state.mode)
    counted = machine_counts(rows, set(models), set(_plotted))
    # the automatic machine as the view picks it (efficiency.ui.view_machine.auto_machine): most plottable models
    every = counted.plottable or machines_in(rows)
    return counted, (every[0] if every else None)


def options(d: ui.Data, s: ViewState) -> tuple[MachineCounts, Machine | None]:
    """The machines with latency rows in ``s``'s configuration, counted over the models its view can
    plot (:func:`efficiency.ui.plottable.plottable_models`) and over the task's models, most first, and
    the automatic one (:func:`efficiency.ui.view_machine.auto_machine`: the most plottable models); memoised
    on the tables' key, the task, the configuration and the plottable models."""
    cfg = ViewState(task=s.task, device=s.device, batch=s.batch, dtype=s.dtype, mode=s.mode)
    return _options(d.key, cfg, plottable_scope(s), plottable(d, s), d.results, ui.counts(d))


def _fallback_text(wanted: str, counted: MachineCounts, auto: Machine | None, s: ViewState) -> str:
    """Why the chosen machine is not used: it measured only models this view cannot plot, or none."""
    auto_text = f"latency is from the automatic choice{f', {auto.name}' if auto else ''}."
    other = next((m for m in counted.task if m.hardware == wanted), None)
    if other is not None:
        return unplottable_machine_text(other, config_of(s).text, s.seed_claims) + " Here " + auto_text
    return f"The chosen machine has no latency rows for this task in {config_of(s).text}: {auto_text}"


def machine_sidebar(d: ui.Data, s: ViewState) -> ViewState:
    """The machine chooser under the hardware configuration, when two or more machines measured the
    models the view can plot (on any x axis: the page shows their latency in its tables and answers);
    returns the updated state. A choice the configuration does not hold (a link from another cache, a
    device switched since) falls back to automatic, and the sidebar says so."""
    sb = st.sidebar
    wanted = st.session_state.get(KEY, s.hw_id)     # the widget's value when it was drawn last run
    counted, auto = options(d, s)
    opts = counted.plottable
    known = {m.hardware: m for m in opts}
    if wanted != AUTOMATIC and wanted not in known:
        sb.info(_fallback_text(wanted, counted, auto, s), icon=":material/info:")
        wanted = AUTOMATIC
    if len(opts) < 2:
        if wanted != AUTOMATIC:
            sb.caption(f"Latency from the chosen machine, {known[wanted].name} (the only one that measured "
                       "these models here).")
        return ui.update(hw_id=wanted)
    labels = {m.hardware: m.label for m in opts}
    labels[AUTOMATIC] = f"Automatic: {auto.name}" if auto else "Automatic"
    st.session_state[KEY] = wanted                  # before the widget exists in this run, which Streamlit allows
    hw = sb.selectbox("Machine", [AUTOMATIC, *known], key=KEY, format_func=lambda h: labels.get(h, h), help=HELP)
    return ui.update(hw_id=hw)
