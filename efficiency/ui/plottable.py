"""Which models a Pareto view can plot, and the hardware configurations and machines counted over them
(no torch, no Streamlit).

A view plots a model only when it has the view's accuracy (reference table) and is not one of timm's
test networks (unless asked for); with "seed claims" on, the seed architectures whose paper claims an
accuracy in that metric are drawn too. Counting anything else (the task's seed architectures, which
nobody published an accuracy for) made the sidebar offer configurations and machines that draw an empty
chart: detection on the CUDA-graph rows of two seed detectors, a CPU measured only for seed
architectures. :func:`plottable_models` is that population; :func:`scoped_coverage` and
:func:`machine_counts` count configurations and machines over it.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from efficiency.ui import configs, machines
from efficiency.ui.axes import gpu_only_text, lower_bound_axis
from efficiency.ui.machines import Machine, machines_in
from efficiency.ui.state import ViewState
from efficiency.ui.tables import accuracy_values
from efficiency.vocab import ALL_TASKS


def is_test_network(df: pd.DataFrame) -> pd.Series:
    """timm's ``test_*`` networks: tiny architectures for timm's own unit tests, not models anyone
    would pick, whose made-up accuracies would otherwise sit among the real ones."""
    arch = df["arch"].fillna("").astype(str)
    family = df["family"].fillna("").astype(str)
    return arch.str.startswith("test_") | family.str.startswith("test_") | (family == "test")


def plottable_models(counts: pd.DataFrame, accuracy: pd.DataFrame, state: ViewState,
                     claimed: pd.DataFrame | None = None) -> set[str]:
    """The models of ``state``'s task that its view can draw: those with the view's accuracy (timm's
    test networks only with ``show_test``), plus, with ``seed_claims``, the seed architectures whose
    paper claims an accuracy in that metric (``claimed``: :func:`efficiency.ui.seed_claims.claimed_accuracy`)."""
    task = counts if state.task == ALL_TASKS else counts[counts["task"] == state.task]
    if not state.show_test:
        task = task[~is_test_network(task)]
    acc, _ = accuracy_values(accuracy, state.y_dataset, state.y_metric)
    models = set(task.loc[task["model"].isin(set(acc.loc[acc["acc"].notna(), "model"])), "model"].astype(str))
    if state.seed_claims and claimed is not None and len(claimed):
        mine = claimed[(claimed["dataset"] == state.y_dataset) & (claimed["metric"] == state.y_metric)]
        seed = task[task["source"] == "seed"]
        models |= set(seed.loc[seed["model"].isin(set(mine["model"])), "model"].astype(str))
    return models


def scoped_coverage(results: pd.DataFrame, task: str, models: set[str]) -> tuple[dict[configs.HwConfig, int], bool]:
    """``(configuration -> models measured among models, True)``, widest first; when none of
    ``models`` was measured anywhere, ``(the task's whole coverage, False)``, so the sidebar still
    offers what the cache holds (and the page says that no plottable model has latency)."""
    scoped = configs.available(configs.coverage(results, task, models))
    return (scoped, True) if scoped else (configs.available(configs.coverage(results, task)), False)


@dataclass(frozen=True)
class MachineCounts:
    """The machines of one configuration: those that measured plottable models (the chooser's
    options, counted over those models) and every machine with rows for the task (to say why a
    chosen machine draws nothing)."""
    plottable: list[Machine]
    task: list[Machine]


def machine_counts(rows: pd.DataFrame, task_models: set[str], plottable: set[str]) -> MachineCounts:
    """:class:`MachineCounts` of one configuration's latency ``rows``."""
    return MachineCounts(machines_in(rows[rows["model"].isin(plottable)]),
                         machines_in(rows[rows["model"].isin(task_models)]))


def unplottable_machine_text(m: Machine, config_text: str, seed_claims: bool) -> str:
    """Why a machine that measured models of the task draws nothing in this view: its models lack the
    view's accuracy (seed architectures have none published; their papers' claims are drawn with
    "seed claims")."""
    hint = "" if seed_claims else " Turn on 'seed claims' (Chart options) to draw the seed architectures at their papers' claimed accuracy."
    return (f"{m.name} measured {m.models:,} model{'s' if m.models != 1 else ''} of this task in {config_text}, "
            f"none with the chosen accuracy (seed architectures have no published accuracy of their own), so "
            f"it has nothing to plot here.{hint}")


def gpu_configuration(results: pd.DataFrame, task: str, models: set[str],
                      column: str) -> tuple[configs.HwConfig, int] | None:
    """The CUDA configuration whose latency rows hold ``column`` (energy, GPU peak memory) for the most
    of ``models``, and how many: where a CPU view of a GPU-only quantity sends the reader."""
    if column not in results:
        return None
    cov = configs.available(configs.coverage(results[results[column].notna()], task, models))
    return next(((c, n) for c, n in cov.items() if c.device == "cuda"), None)


def choose_machine(results: pd.DataFrame, accuracy: pd.DataFrame, state: ViewState, counts: pd.DataFrame,
                   claimed: pd.DataFrame | None, rows: pd.DataFrame) -> tuple[str | None, str]:
    """``(machine, note)`` of :func:`efficiency.ui.machines.resolve`, the machines counted over the
    models the view can plot (a machine that measured only seed architectures without published
    accuracy draws nothing: the automatic one is used, and the note says why)."""
    if not state.hw_id:     # automatic: latency_table's own main machine, the machines are not read
        return None, ""
    plotted = plottable_models(counts, accuracy, state, claimed)
    counted = machine_counts(rows, set(counts["model"].astype(str)), plotted)
    machine, note = machines.resolve(state, counted.plottable, "the models this view can plot")
    unplottable = next((m for m in counted.task if m.hardware == state.hw_id), None)
    if note and unplottable is not None:
        note = (unplottable_machine_text(unplottable, configs.config_of(state).text, state.seed_claims)
                + " Latency is from the automatic choice, the machine with the most models.")
    return machine, note


def gpu_switch(results: pd.DataFrame, state: ViewState, pts: pd.DataFrame) -> tuple | None:
    """Where the axis' quantity is measured when ``state``'s device lacks it (:attr:`View.switch`)."""
    column = {"energy_sample": "energy_j_per_sample", "energy_token": "energy_j_per_token",
              "memory": "mem_gpu_max_allocated_bytes"}.get(state.x)
    if column is None or not (gpu_only_text(state) or lower_bound_axis(state)):
        return None
    keep = pts["y"].notna() & (state.show_test | ~is_test_network(pts))
    return gpu_configuration(results, state.task, set(pts.loc[keep, "model"]), column)
