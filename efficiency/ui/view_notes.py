"""What a Pareto view lacks, in words (no torch, no Streamlit): models of the task without the chosen
accuracy, models without latency (or energy) in the view's hardware configuration, and why. Each
function returns :data:`Note` tuples that :func:`efficiency.ui.explorer.build_view` collects and the
pages show as they are.
"""
from __future__ import annotations

import pandas as pd

from efficiency.ui import language
from efficiency.ui.axes import AXES, LANGUAGE, hw_text
from efficiency.ui.commands import measure_hint
from efficiency.ui.state import ViewState

Note = tuple[str, str]      # (level "info" | "warning", text)


def data_notes(state: ViewState, n_task: int, n_joined: int, have_accuracy: bool) -> list[Note]:
    """What the caches lack for the view: models of the task, the accuracy metric, models'
    accuracy (``n_task`` models of the task, ``n_joined`` of them with accuracy)."""
    notes: list[Note] = []
    if not n_task:
        notes.append(("warning", "The results cache has no models for task "
                      f"'{state.task}'. Compute some with `python -m efficiency.refresh --task {state.task}`."))
    if not have_accuracy:
        notes.append(("warning", f"No published accuracy for {state.y_dataset} {state.y_metric}. "
                      "Pick another dataset/metric in the sidebar, or rebuild the table with "
                      "`python -m efficiency.reference.accuracy_build`."))
    elif n_task - n_joined:
        notes.append(("info", f"{n_task - n_joined:,} of {n_task:,} models have no {state.y_dataset} {state.y_metric} "
                      "and are not plotted."))
    return notes


def latency_notes(state: ViewState, pts: pd.DataFrame, results: pd.DataFrame | None = None) -> list[Note]:
    """On a hardware axis: no model, or some models, lack latency for the configuration (with a
    command only when the refresh accepts the configuration; for language models, each one's
    reason: the error its row recorded, such as "does not fit", or "not measured")."""
    if not AXES[state.x].needs_hw:
        return []
    have = pts["lat_p50_ms"].notna()
    if state.task == LANGUAGE and results is not None and (~have).any():
        gaps = language.speed_gaps(results, pts.loc[~have, "model"], state.device, state.dtype, state.mode,
                                   state.batch)
        return [("info", f"{int((~have).sum()):,} of {len(pts):,} models have no speed row for {hw_text(state)} "
                 f"and are not plotted: {language.gaps_note(gaps)}. {measure_hint(state, sorted(gaps))}.")]
    if not have.any() and len(pts):
        return [("warning", f"No latency rows for {hw_text(state)}. {measure_hint(state)}, "
                 "or pick a measured configuration in the sidebar.")]
    if (~have).sum():
        n = int((~have).sum())
        return [("info", f"{n} model{'s have' if n != 1 else ' has'} no latency for {hw_text(state)} and "
                 f"{'are' if n != 1 else 'is'} not plotted. {measure_hint(state)}.")]
    return []


def energy_notes(state: ViewState, pts: pd.DataFrame) -> list[Note]:
    """On the energy axis: how many models with latency in the configuration have no energy, and why
    (NVML reads a GPU's board counter; GPU rows measured before it was recorded have none)."""
    lacking = pts["y"].notna() & pts["lat_p50_ms"].notna() & pts["x"].isna()
    if not lacking.any():
        return []
    have = int((pts["y"].notna() & pts["x"].notna()).sum())
    why = ("energy is NVML's GPU board counter: CPU rows have none" if state.device == "cpu" else
           "their rows were measured before energy was recorded, or NVML could not read the counter")
    return [("info", f"{have:,} of {have + int(lacking.sum()):,} models with latency for {hw_text(state)} have an "
             f"energy figure; {int(lacking.sum()):,} have none ({why}) and are not plotted.")]
