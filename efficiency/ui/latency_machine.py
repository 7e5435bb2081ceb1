"""The one machine Model detail and Compare read their models' latency from (no torch, no Streamlit).

Its automatic choice is the explorer's (:func:`efficiency.ui.view_machine.auto_machine`): the machine that
measured the most of the view's *plottable* models in the sidebar's configuration. It used to be the
configuration's machine with the most models of any task, so on detection at CUDA b1 bf16 eager a Compare of
a Faster R-CNN (H100 rows only) and a RetinaNet (H200 rows only) read the H200 (1,174 classification models)
while the explorer, the sidebar's coverage line and the Machine box read the H100, which measured 6 of the
plotted detectors to the H200's 5 (MACHINEFIX's leftover, FIX7A).
"""
from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from efficiency.ui import machines
from efficiency.ui.state import ViewState
from efficiency.ui.tables import config_rows
from efficiency.ui.view_machine import auto_machine


class LatencyMachine(NamedTuple):
    """The one machine a page reads its models' latency from in the sidebar's configuration: its
    ``hardware`` identity (None: no row of these models there), ``name`` in words, whether the user
    ``chosen`` it (ViewState.hw_id), and ``notes``: a fallback, models measured only elsewhere;
    ``automatic``: the automatic machine's name where it measured none of the models and latency is from
    another machine (its note, ``automatic_note``, is one of ``notes``: Model detail folds it into one
    statement, efficiency.ui.detail_notes.machine_statement); ``elsewhere_note``: the note naming the models
    measured only on another machine, also one of ``notes`` (Compare leaves it out of its statement: its
    hint under the table says it once, beside the button that switches machine)."""
    hardware: str | None
    name: str
    chosen: bool
    notes: tuple[str, ...]
    automatic: str = ""
    automatic_note: str = ""
    elsewhere_note: str = ""


def latency_machine(results: pd.DataFrame, state: ViewState, models, plottable=None) -> LatencyMachine:
    """The machine Model detail and Compare read ``models``' latency from, as the explorer does: the
    chosen one (``state.hw_id``) when it measured some of them in ``state``'s configuration, else the
    automatic one when it measured some of them, else the machine that measured the most of them. The
    automatic machine is the explorer's: the one that measured the most of ``plottable`` (the view's
    plottable models, :func:`efficiency.ui.hw_sidebar.plottable`); with ``plottable`` None, the
    configuration's machine with the most models of any task. Rows of two machines are never mixed."""
    rows = config_rows(results, state.device, state.batch, state.dtype, state.mode)
    options = machines.machine_options(results, state, models, rows)
    if not options:
        return LatencyMachine(None, "", False, ())
    these = "this model" if len(set(models)) == 1 else "these models"
    chosen, fallback = machines.resolve(state, options, these)
    view = auto_machine(rows, () if plottable is None else plottable)
    auto = next((m for m in options if m.hardware == view), None)
    pick = next(m for m in options if m.hardware == chosen) if chosen else (auto or options[0])
    notes, skipped, skipped_note = [fallback] if fallback else [], "", ""
    if not chosen and auto is None:
        skipped = next((m.name for m in machines.machines_in(rows) if m.hardware == view), str(view))
        skipped_note = (f"The automatic machine ({skipped}) did not measure {these} in this configuration: "
                        f"latency is from {pick.name}.")
        notes.append(skipped_note)
    mine = set(rows.loc[rows["hardware"].astype(str) == pick.hardware, "model"])
    elsewhere = sorted(set(models) & set(rows["model"]) - mine)
    other_note = ""
    if elsewhere:
        names = ", ".join(m.name for m in options if m.hardware != pick.hardware)
        other_note = (f"Measured in this configuration only on another machine ({names}), not mixed in: "
                      + ", ".join(elsewhere) + ".")
        notes.append(other_note)
    return LatencyMachine(pick.hardware, pick.name, bool(chosen), tuple(notes), skipped, skipped_note, other_note)
