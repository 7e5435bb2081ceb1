"""What a Pareto view lacks, in words (no torch, no Streamlit): models of the task without the chosen
accuracy, models without latency (or energy) in the view's hardware configuration, and why. Each
function returns :data:`Note` tuples that :func:`efficiency.ui.explorer.build_view` collects and the
pages show as they are.
"""
from __future__ import annotations

import re
from dataclasses import replace

import pandas as pd

from efficiency.ui import language
from efficiency.ui.axes import (AXES, LANGUAGE, PRETTY_DATASETS, PRETTY_METRICS, X_COLUMN, gpu_only_text, hw_text,
                                lower_bound_axis)
from efficiency.ui.commands import measure_hint
from efficiency.ui.plottable import is_test_network
from efficiency.ui.state import ViewState
from efficiency.ui.view_machine import other_machine_hint, population_mask

Note = tuple[str, str]      # (level "info" | "warning", text)


def accuracy_words(state: ViewState, acc_label: str | None = None) -> str:
    """The view's accuracy in a note's words: ``acc_label`` (the chart's accuracy title, "ARC-Challenge
    25-shot score (%)") without its unit, else the pretty dataset and metric ("COCO val2017 box mAP"),
    never the stored keys ("coco-val2017 box_map")."""
    if acc_label:
        return re.sub(r" \([^()]*\)$", "", acc_label.strip())
    dataset, metric = state.y_dataset, state.y_metric
    return f"{PRETTY_DATASETS.get(dataset, dataset)} {PRETTY_METRICS.get(metric, metric)}"


def data_notes(state: ViewState, n_task: int, n_joined: int, have_accuracy: bool,
               acc_label: str | None = None) -> list[Note]:
    """What the caches lack for the view: models of the task, the accuracy metric, models'
    accuracy (``n_task`` models of the task, ``n_joined`` of them with accuracy; ``acc_label``: the
    chart's accuracy title, :func:`accuracy_words`)."""
    notes: list[Note] = []
    if not n_task:      # the one thing to say: an accuracy or latency gap among no models is noise
        how = ("Add one with `python -m efficiency.refresh --custom package.module:callable --input-size C,H,W "
               "--accuracy TOP1`" if state.task == "custom" else
               f"Compute some with `python -m efficiency.refresh --task {state.task}`")
        return [("warning", f"The results cache has no models for task '{state.task}'. {how}.")]
    if not have_accuracy:
        notes.append(("warning", f"No published accuracy for {state.y_dataset} {state.y_metric}. "
                      "Pick another dataset/metric in the sidebar, or rebuild the table with "
                      "`python -m efficiency.reference.accuracy_build`."))
    elif n_task - n_joined:
        notes.append(("info", f"{n_task - n_joined:,} of {n_task:,} models have no "
                      f"{accuracy_words(state, acc_label)} and are not plotted."))
    return notes


def latency_notes(state: ViewState, pts: pd.DataFrame, results: pd.DataFrame | None = None,
                  elsewhere: dict[str, str] | None = None, machine: str | None = None) -> list[Note]:
    """On a hardware axis: no model, or some models, lack latency for the configuration (with a
    command only when the refresh accepts the configuration; for language models, each one's
    reason: the error its row recorded, such as "does not fit", or "not measured"). ``elsewhere``
    (:func:`efficiency.ui.view_machine.elsewhere`): the models another machine than ``machine`` (the
    one shown) measured here; they are no gap to measure, and the machine note names them."""
    if not AXES[state.x].needs_hw:
        return []
    # the view's plottable models only, as the coverage line and the machine note count them: the models
    # without the accuracy, and hidden test networks, are accounted for by their own notes (AUDIT8 F3)
    pts = pts[population_mask(pts, state.show_test)]
    where = elsewhere or {}
    have = pts["lat_p50_ms"].notna()
    if state.task == LANGUAGE and results is not None and (~have).any():
        gaps = language.speed_gaps(results, pts.loc[~have, "model"], state.device, state.dtype, state.mode,
                                   state.batch)
        return [("info", f"{int((~have).sum()):,} of {len(pts):,} models have no speed row for {hw_text(state)} "
                 f"and are not plotted: {language.gaps_note(gaps)}.{_language_hint(state, gaps)}")]
    missing = sorted(pts.loc[~have, "model"].astype(str))
    unmeasured = [m for m in missing if m not in where]     # no machine measured them: these need a refresh
    if not have.any() and len(pts):
        on = f" on {machine}" if machine else ""
        subject = f"None of the {len(pts):,} models" if len(pts) != 1 else "The one model"   # FIX7A: no "1 models"
        text = f"{subject} with this accuracy has {'no ' * (len(pts) == 1)}latency for {hw_text(state)}{on}."
        if len(unmeasured) < len(missing):
            text += f" {other_machine_hint(missing, where)}"
        if unmeasured:
            text += (f" {_none_anywhere(unmeasured)} {measure_hint(state, unmeasured)}, or pick a "
                     "measured configuration in the sidebar.")
        return [("warning", text)]
    if unmeasured:
        n = len(unmeasured)
        return [("info", f"{n:,} model{'s have' if n != 1 else ' has'} no latency for {hw_text(state)} on any machine "
                 f"and {'are' if n != 1 else 'is'} not plotted. {measure_hint(state, unmeasured)}.")]
    return []


def _language_hint(state: ViewState, gaps: dict[str, str]) -> str:
    """The command for the language models a sweep can measure; none for those that cannot fit on the GPU that
    refused them (a re-run only writes the same error rows, AUDIT7 F5): their reason already says so."""
    todo = sorted(m for m, reason in gaps.items() if not language.cannot_fit(reason))
    if not todo:
        return " A re-run on this GPU would not fit them: that needs a GPU with more memory."
    hint = measure_hint(state, todo)
    return f" {hint.replace('Measure them', 'Measure it', 1) if len(todo) == 1 else hint}."


def _none_anywhere(models: list[str]) -> str:
    """"3 have none on any machine." (the models a refresh command lists)."""
    return f"{len(models):,} {'has' if len(models) == 1 else 'have'} none on any machine."


def memory_notes(state: ViewState, pts: pd.DataFrame) -> list[Note]:
    """On the memory axis of a CPU view (:func:`efficiency.ui.axes.lower_bound_axis`): what the figure
    is, how many models read 0 (and whether the log axis drops them), and that no front is drawn."""
    if not lower_bound_axis(state):
        return []
    pts = pts[population_mask(pts, state.show_test)]     # hidden test networks are no zero a reader can see
    mem = pd.to_numeric(pts.loc[pts["lat_p50_ms"].notna(), "x"], errors="coerce")
    zero = int((mem == 0).sum())
    where = ("are not drawn on this log axis (turn 'log x' off in Chart options to see them at 0)"
             if state.log_x else "sit at 0")
    return [("warning", "On CPU this axis is not peak memory: a CPU row records the growth of the measuring "
             "process' RSS high-water mark (ru_maxrss) during the run, a lower bound that reads 0 when the "
             f"process had peaked higher earlier. {zero:,} of {len(mem):,} models with latency read 0 and {where}. "
             "No Pareto front is drawn on a lower bound. Peak memory proper (CUDA max_memory_allocated) is "
             "measured on GPU rows.")]


def seed_only_machine_text(state: ViewState, device_name: str | None) -> str:
    """The chosen machine measured none of the reference-accuracy models, only seed architectures
    (drawn at their papers' claims): nothing to rank or draw a front from."""
    return (f"The chosen machine, {device_name or 'this machine'}, measured none of the models with published "
            f"accuracy in {hw_text(state)}, only seed architectures, drawn at their papers' claimed accuracy "
            "(purple triangles), which never join the front or a budget answer. Pick 'Automatic' under "
            "Machine in the sidebar for the machine with the most models.")


def budget_gap_text(view, hw: str) -> str:
    """What the latency-budget box says when no plotted model has latency (``view``: an
    :class:`efficiency.ui.explorer.View`): the axis cannot be measured on this device, the chosen
    machine measured only seed architectures, the filters leave nothing, nothing is plotted, or the
    plotted models were not measured (with a command for those models or their task)."""
    state, pts = view.state, view.points
    if gpu_only_text(state):      # the warning above the chart says why, with the switch
        return f"Nothing to rank: energy is measured on CUDA GPUs only, not on {state.device.upper()}."
    if state.hw_id and len(view.seed) and not len(pts.get("lat_p50_ms", pd.Series(dtype=float)).dropna()):
        return ("Nothing to rank: the chosen machine measured only seed architectures here, whose papers' "
                "claims never join a budget answer (see above the chart).")
    if view.n_candidates and not len(pts):
        return "The filters leave no model to rank. Widen them in the sidebar."
    if not len(pts):
        return "Nothing is plotted in this view, so nothing can be ranked."
    models = sorted(pts["model"].astype(str))
    unmeasured = [m for m in models if m not in view.elsewhere]    # another machine's rows need no refresh
    there = other_machine_hint(models, view.elsewhere)
    text = f"None of the plotted models has latency on {hw}." + (f" Of them, {there}" if there else "")
    if unmeasured:
        text += (f" {measure_hint(state, unmeasured)}, or pick another hardware configuration in the sidebar."
                 if len(unmeasured) == len(models) else
                 f" {_none_anywhere(unmeasured)} {measure_hint(state, unmeasured)}.")
    return text


def energy_notes(state: ViewState, pts: pd.DataFrame) -> list[Note]:
    """On the energy axis: how many models with latency in the configuration have no energy, and why
    (NVML reads a GPU's board counter; GPU rows measured before it was recorded have none)."""
    pts = pts[population_mask(pts, state.show_test)]     # the drawn population: "137 of 985" beside 124 drawn
    lacking = pts["lat_p50_ms"].notna() & pts["x"].isna()
    if not lacking.any():
        return []
    have = int(pts["x"].notna().sum())
    why = ("energy is NVML's GPU board counter: CPU rows have none" if state.device == "cpu" else
           "their rows were measured before energy was recorded, or NVML could not read the counter")
    return [("info", f"{have:,} of {have + int(lacking.sum()):,} models with latency for {hw_text(state)} have an "
             f"energy figure; {int(lacking.sum()):,} have none ({why}) and are not plotted.")]


def incomplete_top_notes(state: ViewState, pts: pd.DataFrame, higher_is_better: bool,
                         elsewhere: dict[str, str] | None = None, machine: str | None = None) -> list[Note]:
    """On a hardware axis, models more accurate than every measured one but not measured here: the
    top of the front is then not the state of the art, only the best of what was timed (the zoo's
    largest models are the least covered), and a reader must be told which model tops the zoo. Those
    another machine measured (``elsewhere``; ``machine``: the one shown) are said to be there."""
    if not AXES[state.x].needs_hw or "y" not in pts or pts.empty:
        return []
    scored = pts[pts["y"].notna() & (state.show_test | ~is_test_network(pts))]   # hidden test networks: never named
    timed, untimed = scored[scored["x"].notna()], scored[scored["x"].isna()]
    if timed.empty or untimed.empty:
        return []
    best = timed["y"].max() if higher_is_better else timed["y"].min()
    better = untimed[untimed["y"] > best] if higher_is_better else untimed[untimed["y"] < best]
    if better.empty:
        return []
    top = better.sort_values(["y", "model"], ascending=[not higher_is_better, True]).iloc[0]
    n = len(better)
    return [("warning", f"The front's top is incomplete: {n:,} model{'s' if n != 1 else ''} "
             f"{'beat' if n != 1 else 'beats'} the best one measured here ({best:.4g}) but "
             f"{'have' if n != 1 else 'has'} no value for {hw_text(state)}{f' on {machine}' if machine else ''}; "
             f"the best of them is {top['model']} ({top['y']:.4g}).{_there(better['model'], elsewhere)}")]


def _there(models, elsewhere: dict[str, str] | None) -> str:
    """" Of them, 2 measured on NVIDIA H100 ...: pick it under Machine" ("" when no other machine has any)."""
    hint = other_machine_hint(list(models), elsewhere or {})
    return f" Of them, {hint}" if hint else ""


def collect_notes(state: ViewState, counts: pd.DataFrame, pts: pd.DataFrame, have_accuracy: bool,
                  results: pd.DataFrame, extra: list[Note], chosen: str | None = None,
                  acc_label: str | None = None, elsewhere: dict[str, str] | None = None,
                  machine_name: str | None = None) -> list[Note]:
    """The notes of a view before its filters: data gaps, then the axis' own (an axis this device
    cannot measure says only that: a latency gap or a refresh command would not help), then ``extra``;
    ``chosen``: the name of the machine the user chose (None: automatic); ``acc_label``: the chart's
    accuracy title (a language protocol group in words), :func:`accuracy_words`; ``elsewhere`` and
    ``machine_name``: the models another machine measured, and the machine shown (:func:`latency_notes`)."""
    notes = data_notes(state, len(counts), int(pts["y"].notna().sum()), have_accuracy,   # a NaN value is none
                       acc_label)
    gpu_only = gpu_only_text(state)
    if gpu_only:
        return notes + [("warning", gpu_only)] if len(counts) else notes
    if chosen and len(pts) and not pts["lat_p50_ms"].notna().any():
        # a chosen machine is offered only for models the view can plot: here only seed claims
        return notes + [("warning", seed_only_machine_text(state, chosen))] + extra
    axis = (energy_notes(state, pts) if X_COLUMN[state.x] == "energy_j_per_sample" else
            language.axis_gap_notes(state, pts))
    return notes + test_network_notes(state, pts) + count_gap_notes(state, pts) \
        + latency_notes(state, pts, results, elsewhere, machine_name) \
        + memory_notes(state, pts) + axis + extra


def count_gap_notes(state: ViewState, pts: pd.DataFrame) -> list[Note]:
    """On an axis that is no measurement (GMACs, parameters): models with the accuracy but no value
    (their count failed or is missing), so the notes account for every model not plotted."""
    if AXES[state.x].needs_hw or pts.empty:
        return []
    n = int((pts["y"].notna() & pts["x"].isna() & (state.show_test | ~is_test_network(pts))).sum())
    return [("info", f"{n:,} model{'s' if n != 1 else ''} with this accuracy {'have' if n != 1 else 'has'} no "
             f"{AXES[state.x].short} (no count in the cache) and {'are' if n != 1 else 'is'} not plotted.")] if n else []


def test_network_notes(state: ViewState, pts: pd.DataFrame) -> list[Note]:
    """timm's test networks are hidden by default: say how many, so the notes account for every model
    of the task that is not plotted; only those the other filters keep count (with a source filter that
    excludes timm, "13 ... are hidden" spoke of networks no switch would show, UXCHECK4 #12)."""
    n = 0 if state.show_test or pts.empty else int(hidden_test_networks(state, pts).sum())
    return [("info", f"{n:,} of timm's test networks (tiny architectures for timm's unit tests) are hidden; "
             "Filters > Show timm's test networks shows them.")] if n else []


def hidden_test_networks(state: ViewState, pts: pd.DataFrame) -> pd.Series:
    """The rows of ``pts`` (before the filters) that are test networks with the accuracy and that
    every user filter but the test-network one keeps (the log axes' rule, a value above 0, belongs to
    the axis and is left out, so with no filter set every test network with the accuracy counts)."""
    from efficiency.ui.explorer import FILTERS, rules_mask     # explorer imports this module: at call time
    others = replace(state, show_test=True, log_x=False, log_y=False)
    return is_test_network(pts) & pts["y"].notna() & rules_mask(pts, others, FILTERS)
