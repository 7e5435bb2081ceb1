"""Which machine a view's latency comes from, and what the other machines hold for its models (no torch,
no Streamlit).

A view reads latency from ONE machine (:mod:`efficiency.ui.tables`). The automatic one is
:func:`auto_machine`: the machine that measured the most of the view's *plottable* models
(:func:`efficiency.ui.plottable.plottable_models`: the task's models with the chosen accuracy) in the
configuration. It used to be counted over every row of the configuration, all tasks: on detection at CUDA
b1 bf16 eager that picked the H200 (1,174 classification models) though the H100 measured more of the
plotted detectors, while the note under the chart, counted over the view's models, named the H100
(UXCHECK6 #1, #2). The machine is now computed once per view and passed to everything that names it.

:func:`elsewhere` lists the view's models that the machine shown did not measure in the configuration
but another machine did, so the notes can say "measured on <other>: pick it under Machine" instead of
"not measured" (and a refresh command lists only the models no machine measured).
"""
from __future__ import annotations

from collections import Counter

import pandas as pd

from efficiency.store.query import good_rows
from efficiency.ui import configs
from efficiency.ui.machines import machines_in, short_names
from efficiency.ui.plottable import is_test_network
from efficiency.ui.tables import main_machine

PICK = "pick it under Machine in the sidebar"
# the pages without the Machine box (efficiency.ui.machine_choice: the Pareto explorer and Models) say how to
# see the other machine's latency there: Compare's sidebar read "pick it under Machine in the sidebar" above
# no such box (CMPFIX, FIX7A); the Hardware page lists every machine's rows side by side
PAGE_ACTIONS = {"compare": "the button under the table shows that machine's latency",
                "hardware": "the tables below list every machine's rows"}
ELSEWHERE_ACTION = "pick it under Machine on the Pareto explorer or Models page"


def auto_machine(rows: pd.DataFrame, models) -> str | None:
    """The automatic machine of one configuration's latency ``rows``: the ``hardware`` holding the most
    of ``models`` (the view's plottable models), ties to the first identity by name
    (:func:`~efficiency.ui.tables.main_machine`); when none of ``models`` was measured, the machine with
    the most models of any kind (the view then has no latency to show anyway). None without rows."""
    mine = rows[rows["model"].isin(set(models))] if len(rows) else rows
    return main_machine(mine if len(mine) else rows)


def device_label(lat: pd.DataFrame, device: str, results: pd.DataFrame | None = None) -> str | None:
    """The machine of the latency rows in the words every page uses for it
    (:func:`~efficiency.ui.machines.short_names` over ``results``' good latency rows, as the Hardware
    page names them; without ``results``, over ``lat`` alone); a CPU's also names its thread count (CPU
    latency depends on it as much as on the chip). None without rows or names."""
    if not len(lat):
        return None
    hw = str(lat["hardware"].astype(str).mode().iloc[0]) if "hardware" in lat else None
    every = lat if results is None else good_rows(results)
    every = every[(every["kind"] == "latency") & (every["device"] == device)] if "kind" in every else every
    names = short_names(every)
    mine = names[every["hardware"].astype(str) == hw] if hw is not None and "hardware" in every else names
    name = str(mine.mode().iloc[0]) if len(mine) else ""
    threads = pd.to_numeric(lat["num_threads"], errors="coerce").dropna() if "num_threads" in lat else None
    if device == "cpu" and name and threads is not None and len(threads):
        n = int(threads.mode().iloc[0])
        name += f", {n} thread{'s' if n != 1 else ''}"
    return name or None


def machine_names(results: pd.DataFrame, device: str) -> dict[str, str]:
    """``hardware -> its short name`` (:func:`~efficiency.ui.machines.short_names`, the words the chart and
    the Hardware page use) for every machine with good latency rows on ``device``."""
    cols = [c for c in ("kind", "error", "device", "device_name", "hardware", "hardware_name") if c in results]
    if "hardware" not in cols:
        return {}
    rows = good_rows(results[cols])
    rows = rows[(rows["kind"] == "latency") & (rows["device"] == device)]
    names = short_names(rows)
    return dict(zip(rows["hardware"].astype(str), names.astype(str)))


def elsewhere(rows: pd.DataFrame, machine: str | None, models, names: dict[str, str]) -> dict[str, str]:
    """``model -> the short name of another machine`` for each of ``models`` that has no row from
    ``machine`` among one configuration's latency ``rows`` but has one from another machine (the other
    machine holding the most of ``models`` when several do)."""
    if machine is None or rows.empty or "hardware" not in rows:
        return {}
    rows = rows[rows["model"].isin(set(models))]
    hw = rows["hardware"].astype(str)
    other = rows[~rows["model"].isin(set(rows.loc[hw == machine, "model"]))]
    if other.empty:
        return {}
    rank = {m.hardware: i for i, m in enumerate(machines_in(other))}
    other = other.assign(_rank=other["hardware"].astype(str).map(rank)).sort_values("_rank", kind="stable")
    other = other.drop_duplicates("model")
    return {str(m): names.get(str(h), str(h)) for m, h in zip(other["model"], other["hardware"].astype(str))}


def elsewhere_words(models, where: dict[str, str]) -> str:
    """"6 measured on NVIDIA H100" (per other machine, most first) for those of ``models`` that
    :func:`elsewhere` lists in ``where``; "" when none."""
    n = Counter(where[m] for m in models if m in where)
    return ", ".join(f"{k:,} measured on {name}" for name, k in sorted(n.items(), key=lambda t: (-t[1], t[0])))


def other_machine_hint(models, where: dict[str, str], action: str = PICK) -> str:
    """Where the latency of ``models`` is, for a text that has just named the machine shown: "6 measured on
    NVIDIA H100 in this configuration: pick it under Machine in the sidebar." ("" when no other machine
    measured any of them); ``action``: what the reader does to see it, where the page has no Machine box
    (:data:`PAGE_ACTIONS`)."""
    words = elsewhere_words(models, where)
    return f"{words} in this configuration: {action}." if words else ""


def population_mask(pts: pd.DataFrame, show_test: bool) -> pd.Series:
    """The rows of a view's points (before the user's filters) that every count of the view is over: those
    with the accuracy, timm's test networks only when shown (the sidebar's "plottable models",
    :func:`efficiency.ui.plottable.plottable_models`). The caption counted the hidden test networks too, the
    machine note every model of the task and the "on any machine" note the models without the accuracy,
    so one H100 view said 958, 971 and 972 models were measured only on the H200 and called vgg16's
    feature-extractor weights (no top-1, an H200 row) unmeasured anywhere (AUDIT8 F3)."""
    keep = pts["y"].notna()
    return keep if show_test or pts.empty else keep & ~is_test_network(pts)


def widest_on(results: pd.DataFrame, task: str, population, chosen: str | None,
              names: dict[str, str] | None = None) -> tuple[configs.HwConfig, int, str | None] | None:
    """The configuration covering the most of ``population`` on the machine a view would read there, how
    many, and that machine's short name (from ``names`` when it holds it, else :func:`machine_names` of the
    configuration's device): with a ``chosen`` machine, counted on it alone (the choice stays when the
    configuration switches: the H200's 981 was offered to the H100's view, whose switch then showed 228,
    AUDIT8 F2); else counted on each configuration's automatic machine (:func:`auto_machine`, the one that
    measured the most)."""
    best = configs.widest_machine(results, task, population, hardware=chosen or None)
    if best is None:
        return None
    cfg, n, hw = best
    if not hw:
        return cfg, n, None
    # the view's names when they hold this machine (the widest configuration is mostly on the view's device)
    return cfg, n, (names or {}).get(hw) or machine_names(results, cfg.device).get(hw, hw)


def latency_coverage(results: pd.DataFrame, state, population: set[str], rows: pd.DataFrame,
                     machine: str | None, chosen: str | None, where: dict[str, str],
                     names: dict[str, str] | None = None) -> dict:
    """The View's coverage fields: of ``population`` (the view's plottable models, :func:`population_mask`),
    how many have latency in the view's configuration *on the machine shown* (``machine``; ``rows``: the
    configuration's latency rows), how many of the others another machine measured there (``where``, counted
    over the same models), and the configuration covering the most of them on the machine the view would
    read there (:func:`widest_on`; ``chosen``: the user's choice, None when automatic; ``names``:
    :func:`machine_names` of the view's device)."""
    mine = rows[rows["model"].isin(population)] if len(rows) else rows
    if machine is not None and "hardware" in mine:
        mine = mine[mine["hardware"].astype(str) == machine]
    return {"lat_have": int(mine["model"].nunique()) if len(mine) else 0, "lat_total": len(population),
            "widest": widest_on(results, state.task, population, chosen, names),
            "lat_elsewhere": {m: n for m, n in where.items() if m in population}}
