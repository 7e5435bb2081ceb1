"""The sidebar's machine chooser (Streamlit glue; the choice itself is :mod:`efficiency.ui.machines`).

A view's latency comes from one machine. Where the configuration holds rows of two or more machines
for the task's models and the x axis depends on the hardware, the sidebar offers them by name, with
how many of the models the view can plot each measured, beside "Automatic" (the machine with the most models).
The choice is ``ViewState.hw_id`` (URL key ``hw``): it also decides the latency of the budget answer,
the hover cards and the Models page, whose notes name the chosen machine.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from efficiency.ui import session as ui
from efficiency.ui.axes import AXES
from efficiency.ui.configs import config_of
from efficiency.ui.hw_sidebar import plottable, plottable_scope
from efficiency.ui.machines import AUTOMATIC, Machine, machines_in
from efficiency.ui.plottable import MachineCounts, machine_counts, unplottable_machine_text
from efficiency.ui.state import ViewState
from efficiency.ui.tables import config_rows
from efficiency.vocab import ALL_TASKS

KEY = "w_hw"
HELP = ("Latency comes from one machine: rows of two machines are never mixed in one chart. Automatic: "
        "the machine with the most models in this configuration. The count is of the models this chart can "
        "plot (with the chosen accuracy); a machine that measured none of them is not offered.")


@st.cache_data(max_entries=16, show_spinner=False)
def _options(key: tuple, state: ViewState, scope: ViewState, _plotted: frozenset, _results: pd.DataFrame,
             _counts: pd.DataFrame) -> tuple[MachineCounts, Machine | None]:
    # _plotted is plottable(scope): keyed on the small scope, not hashed (1,700 ids cost ~18 ms)
    models = _counts["model"] if state.task == ALL_TASKS else _counts.loc[_counts["task"] == state.task, "model"]
    rows = config_rows(_results, state.device, state.batch, state.dtype, state.mode)
    every = machines_in(rows)
    return machine_counts(rows, set(models), set(_plotted)), (every[0] if every else None)


def options(d: ui.Data, s: ViewState) -> tuple[MachineCounts, Machine | None]:
    """The machines with latency rows in ``s``'s configuration, counted over the models its view can
    plot (:func:`efficiency.ui.plottable.plottable_models`) and over the task's models, most first, and
    the automatic one (most models of any task: :func:`efficiency.ui.tables.main_machine`); memoised
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


def machine_sidebar(d: ui.Data, s: ViewState, x: str) -> ViewState:
    """The machine chooser under the hardware configuration, when axis ``x`` depends on the hardware
    and two or more machines measured the task's models; returns the updated state. A choice the
    configuration does not hold (a link from another cache, a device switched since) falls back to
    automatic, and the sidebar says so."""
    sb = st.sidebar
    wanted = st.session_state.get(KEY, s.hw_id)     # the widget's value when it was drawn last run
    if wanted == AUTOMATIC and not AXES[x].needs_hw:
        return ui.update(hw_id=AUTOMATIC)           # nothing to offer or name: the machines are not read
    counted, auto = options(d, s)
    opts = counted.plottable
    known = {m.hardware: m for m in opts}
    if wanted != AUTOMATIC and wanted not in known:
        sb.info(_fallback_text(wanted, counted, auto, s), icon=":material/info:")
        wanted = AUTOMATIC
    if not (AXES[x].needs_hw and len(opts) >= 2):
        if wanted != AUTOMATIC:
            sb.caption(f"Latency from the chosen machine, {known[wanted].name} (choose it on a latency axis).")
        return ui.update(hw_id=wanted)
    labels = {m.hardware: m.label for m in opts}
    labels[AUTOMATIC] = f"Automatic: {auto.name}" if auto else "Automatic"
    st.session_state[KEY] = wanted                  # before the widget exists in this run, which Streamlit allows
    hw = sb.selectbox("Machine", [AUTOMATIC, *known], key=KEY, format_func=lambda h: labels.get(h, h), help=HELP)
    return ui.update(hw_id=hw)
