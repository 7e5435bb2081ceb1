"""The Pareto explorer's view (no torch, no Streamlit): for one :class:`ViewState`, the points
(count table joined with the configuration's latency and the chosen accuracy), the user's
filters, the front, and notes saying what is missing; plus the latency-budget query.

:func:`build_view` is a pipeline of small pure steps: the machine the latency comes from
(:mod:`efficiency.ui.view_machine`), :func:`device_label`, :func:`join_points`, the notes
(:mod:`efficiency.ui.view_notes`), :func:`filter_mask` (the table :data:`FILTERS`), :func:`mark_front`.
"""
from __future__ import annotations

import fnmatch
import operator
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np
import pandas as pd

from efficiency.ui.axes import AXES, LANGUAGE, X_COLUMN, hw_text, lower_bound_axis, x_label, y_label
from efficiency.ui import configs, language, seed_claims
from efficiency.ui.pareto import pareto_mask
from efficiency.ui.plottable import choose_machine, gpu_switch, is_test_network, plottable_models
from efficiency.ui.state import DEFAULT, ViewState
from efficiency.ui.tables import (LAT_KEEP, MIN_SAMPLES_TAIL, accuracy_values, config_rows, count_table, join_latency,
                                  latency_table, machine_note, stability)
from efficiency.ui.view_machine import (auto_machine, device_label, elsewhere, elsewhere_words, latency_coverage,
                                       machine_names, population_mask)
from efficiency.ui.view_notes import Note, collect_notes, incomplete_top_notes
from efficiency.vocab import ALL_TASKS



@dataclass
class View:
    """Everything the Pareto page and the figure need for one :class:`ViewState`."""
    state: ViewState
    points: pd.DataFrame                 # filtered points: model ..., x, y, on_front
    front: pd.DataFrame                  # the front, cost ascending
    x_label: str
    y_label: str
    higher_is_better: bool
    device_name: str | None
    notes: list[Note] = field(default_factory=list)
    n_candidates: int = 0                # models of the task before the user's filters
    lat_have: int = 0                    # of the task's models with the accuracy, how many have latency
    lat_total: int = 0                   # ... in the view's configuration, out of how many
    widest: tuple | None = None          # (HwConfig, models, machine name): view_machine.widest_on
    lat_elsewhere: dict = field(default_factory=dict)   # of those without latency, those another machine measured
    # model -> another machine's short name, for the view's plottable models (view_machine.population_mask) that
    # the machine shown did not measure in this configuration but another did (efficiency.ui.view_machine.elsewhere)
    elsewhere: dict = field(default_factory=dict)
    # seed architectures at their paper's claimed accuracy (state.seed_claims): x, y, beyond_front, ...;
    # never part of ``points`` or ``front``
    seed: pd.DataFrame = field(default_factory=pd.DataFrame)
    group: dict | None = None            # the accuracy's protocol group (language), None for vision
    # (HwConfig, models) where the axis' quantity is measured when this device has none or only a
    # lower bound of it (energy, memory on a CPU): the page offers a switch there
    switch: tuple | None = None

    @property
    def benefit(self) -> bool:
        """The x axis is a benefit (tokens/s): the front maximises it."""
        return AXES[self.state.x].benefit

    @property
    def caption(self) -> str:
        s = self.state
        if self.group is not None:
            parts = [f"accuracy: protocol group {self.group['protocol_group']} ({language.group_words(self.group)}) "
                     "as published; scores are comparable only within one group and the front uses this group only",
                     "FLOPs are true FLOPs = 2 x MACs; a latency row is one decode step"]
        else:
            parts = ["GMACs count 1 multiply-add as 1 (timm/torchvision 'FLOPs'); GFLOPs = 2 x GMACs",
                     f"accuracy: {self.y_label} as published"]
        if AXES[s.x].needs_hw or "lat_p50_ms" in self.points and self.points["lat_p50_ms"].notna().any():
            parts.append(f"latency: {hw_text(s, self.device_name)}, p50 of timed calls")
            if self.group is not None:      # the mode's KV cache (language.MODE_LABELS)
                parts.append(language.STATIC_CACHE_NOTE)
            left = [m for m in self.elsewhere if m not in set(self.points["model"])] if AXES[s.x].needs_hw else []
            if left:                        # the export says who is missing, not only the page's notes
                parts.append(f"not drawn: {elsewhere_words(left, self.elsewhere)} only (one machine per chart)")
            unflagged = int((stability(self.points) == "not assessed").sum())
            if unflagged:                   # rows with neither a noisy flag nor a spread: never "stable"
                parts.append(f"latency stability not assessed for {unflagged} models "
                             "(their rows store neither a noisy flag nor a spread)")
        if self.benefit:
            parts.append(f"{AXES[s.x].short}: higher is better, the front maximises it")
        parts.append(f"{len(self.points)} models; no Pareto front: the x values are lower bounds" if
                     lower_bound_axis(s) else f"{len(self.points)} models, {len(self.front)} on the front")
        if len(self.seed):
            parts.append(f"{len(self.seed)} seed architectures drawn at their {seed_claims.LEGEND} "
                         "(not on the front, which uses reference accuracy only)")
        return "; ".join(parts)


# ViewState fields that build_view and the figure never read (navigation, the picked models,
# the latency budget): a cache keyed on the state drops them, so changing them reuses the view
# the pages' own controls (the Models table's filter, columns and sort; the claims page's choices) change
# no view: in its key, each of them rebuilt the view (0.25 s) and missed the figure's memo
NOT_IN_VIEW = ("page", "selection", "budget_ms", "table_filter", "table_columns", "table_sort", "claims_show",
               "claims_flagged", "table_unrated")


def view_key(state: ViewState) -> ViewState:
    """``state`` with the fields the view does not depend on reset: the memo key for views."""
    return replace(state, **{f: getattr(DEFAULT, f) for f in NOT_IN_VIEW})


# --------------------------------------------------------------------------- the steps

ENERGY_COLUMNS = ["energy_j_per_sample", "power_w_avg"]   # a GPU row's NVML energy, beside LAT_KEEP


def join_points(counts: pd.DataFrame, lat: pd.DataFrame, acc: pd.DataFrame, x: str) -> pd.DataFrame:
    """Counts with the configuration's latency (left join) and the accuracy (inner join), and the
    plotted coordinates ``x`` (the axis' column) and ``y`` (the accuracy) added."""
    keep = lat.reindex(columns=LAT_KEEP + ENERGY_COLUMNS).drop(columns=["device_name"])
    pts = join_latency(counts, keep).merge(acc, on="model", how="inner").copy()   # ``noisy`` is the latency row's
    pts["x"] = pts[X_COLUMN[x]].astype(float)
    pts["y"] = pts["acc"].astype(float)
    return pts


def view_x_label(state: ViewState, device_name: str | None) -> str:
    """The x axis title; on the TTFT axis it names the eager mode whatever the view's mode, since every
    row's TTFT is the same eager prefill (:data:`efficiency.ui.language.TTFT_MODE`)."""
    return x_label(replace(state, mode=language.TTFT_MODE) if state.x == "ttft" else state, device_name)


def tail_notes(state: ViewState, pts: pd.DataFrame) -> list[Note]:
    """On the p90 axis: the models whose row has a p50 but too few timed calls for a p90
    (:data:`~efficiency.ui.tables.MIN_SAMPLES_TAIL`), which are therefore not plotted."""
    if state.x != "latency_p90" or pts.empty:
        return []
    few = pts["lat_p50_ms"].notna() & pts["lat_p90_ms"].isna() & pts["y"].notna()
    if not few.any():
        return []
    return [("info", f"{int(few.sum()):,} models timed fewer than {MIN_SAMPLES_TAIL} calls in this configuration: "
             "their p90 is not shown (with so few samples it is one of the largest, not a tail estimate), so they "
             "are not plotted on this axis.")]


def search_mask(df: pd.DataFrame, text: str) -> pd.Series:
    """Rows whose id or arch contains ``text`` (case-insensitive), or matches it as a glob (* ? [)."""
    text = text.strip().lower()
    if not text:
        return pd.Series(True, index=df.index)
    hay = df["model"].astype(str).str.lower()
    arch = df["arch"].fillna("").astype(str).str.lower()
    if any(c in text for c in "*?["):
        # the id without its source too: 'resnet50.a1*' names timm's weights as refresh --models reads it
        name = hay.str.split("/", n=1).str[-1]
        return (hay.map(lambda s: fnmatch.fnmatchcase(s, text)) | arch.map(lambda s: fnmatch.fnmatchcase(s, text))
                | name.map(lambda s: fnmatch.fnmatchcase(s, text)))
    return hay.str.contains(text, regex=False) | arch.str.contains(text, regex=False)


# a filter: (points, state) -> the rows it keeps, or None when the state leaves it off
Filter = Callable[[pd.DataFrame, ViewState], "pd.Series | None"]


def _member(column: str, field_name: str) -> Filter:
    """Keep rows whose ``column`` is one of the state's ``field_name`` values (empty: off)."""
    return lambda p, s: p[column].isin(getattr(s, field_name)) if getattr(s, field_name) else None


def _bound(column: str, field_name: str, cmp) -> Filter:
    """Keep rows with ``cmp(column, state.field_name)`` (None: off)."""
    return lambda p, s: None if getattr(s, field_name) is None else cmp(p[column], getattr(s, field_name))


def _positive(column: str, field_name: str) -> Filter:
    """On a log axis (``state.field_name`` true) keep rows with ``column > 0``."""
    return lambda p, s: p[column] > 0 if getattr(s, field_name) else None


# the user's filters (all are ANDed): on what a row is (its library and family), on where it is plotted,
# and the rest; paper claims drawn beside the points take the first two (efficiency.ui.claims_view)
MEMBER_FILTERS: tuple[Filter, ...] = (_member("source", "sources"), _member("family", "families"))
RANGE_FILTERS: tuple[Filter, ...] = (
    _bound("y", "acc_min", operator.ge),
    _bound("y", "acc_max", operator.le),
    _bound("x", "cost_min", operator.ge),
    _bound("x", "cost_max", operator.le),
    _positive("x", "log_x"),
    _positive("y", "log_y"),
)
FILTERS: tuple[Filter, ...] = MEMBER_FILTERS + (
    lambda p, s: None if s.show_test else ~is_test_network(p),
    lambda p, s: p["paper"].fillna("").astype(str) != "" if s.seed_only else None,
    lambda p, s: search_mask(p, s.search),
) + RANGE_FILTERS


def rules_mask(rows: pd.DataFrame, state: ViewState, rules: tuple[Filter, ...]) -> pd.Series:
    """The rows that every active rule of ``rules`` keeps."""
    keep = pd.Series(True, index=rows.index)
    for rule in rules:
        mask = rule(rows, state)
        if mask is not None:
            keep &= mask
    return keep


def filter_mask(pts: pd.DataFrame, state: ViewState) -> pd.Series:
    """The plottable rows (x and y known) that every active filter of :data:`FILTERS` keeps."""
    return pts["x"].notna() & pts["y"].notna() & rules_mask(pts, state, FILTERS)


def mark_front(pts: pd.DataFrame, higher_is_better: bool,
               benefit: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``pts`` with ``on_front`` set (best x: the smallest cost, or the largest ``benefit`` such as
    tokens/s; best y), and the front sorted cost-ascending (a benefit: largest first, so the front's
    step line keeps its shape)."""
    score = pts["y"].to_numpy() if higher_is_better else -pts["y"].to_numpy()
    cost = -pts["x"].to_numpy(dtype=float) if benefit else pts["x"].to_numpy(dtype=float)
    pts = pts.assign(on_front=pareto_mask(cost, score) if len(pts) else np.zeros(0, bool))
    front = pts[pts["on_front"]].sort_values(["x", "y"], ascending=[not benefit, not higher_is_better],
                                             kind="stable")
    return pts, front.reset_index(drop=True)


# --------------------------------------------------------------------------- the view

def with_gap_notes(pts: pd.DataFrame, results: pd.DataFrame, counts: pd.DataFrame,
                   state: ViewState) -> pd.DataFrame:
    """``pts`` with ``lat_note``: for models without latency in the view's configuration, where
    they (and other implementations of their architecture) were measured; "" otherwise."""
    if pts.empty:
        return pts.assign(lat_note=pd.Series(dtype=object))
    measured = configs.measured_by_model(results)
    notes = configs.gap_notes(pts, counts, measured)
    if state.task == LANGUAGE and (notes != "").any():
        # a language model's failed row says why ("does not fit: 810 GB ..."): the card shows that
        gaps = language.speed_gaps(results, pts.loc[notes != "", "model"], state.device, state.dtype, state.mode,
                                   state.batch)
        why = pts["model"].map(gaps).fillna("")
        notes = notes.where((why == "") | (why == "not measured"), "in this configuration: " + why)
    return pts.assign(lat_note=notes)


def seed_points(counts: pd.DataFrame, lat: pd.DataFrame, claimed: pd.DataFrame, state: ViewState,
                reference: pd.DataFrame, higher_is_better: bool) -> pd.DataFrame:
    """The seed architectures of ``counts`` at their paper's claimed accuracy in the view's metric
    (:mod:`efficiency.ui.seed_claims`) and our measured x, through the user's filters, with
    ``beyond_front``: no point of ``reference`` (the plotted reference accuracy) dominates the claim."""
    acc = seed_claims.for_metric(claimed, state.y_dataset, state.y_metric)
    pts = join_points(counts[counts["source"] == "seed"], lat, acc, state.x)
    pts = pts[filter_mask(pts, state)].reset_index(drop=True)
    return pts.assign(beyond_front=seed_claims.beyond_front(pts, reference, higher_is_better, AXES[state.x].benefit))


def build_view(results: pd.DataFrame, accuracy: pd.DataFrame, state: ViewState,
               claimed: pd.DataFrame | None = None) -> View:
    """Join results and accuracy for ``state``, apply its filters and compute the front (none on a
    lower bound: :func:`~efficiency.ui.axes.lower_bound_axis`); with ``state.seed_claims``, the seed
    architectures' claimed points too (``claimed``: the :func:`~efficiency.ui.seed_claims.claimed_accuracy`
    table, read from data/seed when None)."""
    counts = count_table(results)
    if state.task != ALL_TASKS:
        counts = counts[counts["task"] == state.task]
    if state.seed_claims and claimed is None:
        claimed = seed_claims.claimed_accuracy()
    # the configuration's rows, filtered once for the machine choice, the latency and the machine note;
    # the machine is decided once here and passed to all three (UXCHECK6 #1)
    rows = config_rows(results, state.device, state.batch, state.dtype, state.mode)
    claims = claimed if state.seed_claims else None
    chosen, fallback = choose_machine(results, accuracy, state, counts, claims, rows)
    machine = chosen if chosen is not None else auto_machine(rows, plottable_models(counts, accuracy, state, claims))
    lat = latency_table(results, state.device, state.batch, state.dtype, state.mode, hardware=machine, rows=rows)
    device_name = device_label(lat, state.device, results)
    acc, hib = accuracy_values(accuracy, state.y_dataset, state.y_metric)
    group = language.group_info(accuracy, state.y_dataset, state.y_metric)
    pts = join_points(counts, lat, acc, state.x)
    population = set(pts.loc[population_mask(pts, state.show_test), "model"].astype(str))   # every count's models
    names = machine_names(results, state.device)
    where = elsewhere(rows, machine, population, names)
    mixed = machine_note(results, state.device, state.batch, state.dtype, state.mode, population, chosen, rows,
                         main=machine)
    notes = collect_notes(state, counts, pts, not acc.empty, results, ([("info", fallback)] if fallback else [])
                          + ([("info", mixed)] if mixed else []), device_name if chosen is not None else None,
                          acc_label=language.group_y_label(group) if group else None, elsewhere=where,
                          machine_name=device_name)
    notes += incomplete_top_notes(state, pts, hib, where, device_name) + tail_notes(state, pts)
    coverage = latency_coverage(results, state, population, rows, machine, chosen, where, names)
    switch = gpu_switch(results, state, pts)
    n_candidates = int((pts["x"].notna() & pts["y"].notna()).sum())
    pts = pts[filter_mask(pts, state)].reset_index(drop=True)
    if n_candidates and pts.empty:
        notes.append(("warning", "The filters leave no model. Widen them in the sidebar."))
    pts, front = mark_front(with_gap_notes(pts, results, counts, state), hib, AXES[state.x].benefit)
    if lower_bound_axis(state):     # never a front on a lower bound (see efficiency.ui.axes.CPU_MEMORY)
        pts, front = pts.assign(on_front=False), front.iloc[0:0]
    seed = seed_points(counts, lat, claimed, state, pts, hib) if state.seed_claims else pd.DataFrame()
    return View(state=state, points=pts, front=front, x_label=view_x_label(state, device_name),
                y_label=language.group_y_label(group) if group else y_label(state.y_dataset, state.y_metric, hib),
                higher_is_better=hib, device_name=device_name, notes=notes, n_candidates=n_candidates,
                seed=seed, group=group, switch=switch, elsewhere=where, **coverage)


def colour_order(points: pd.DataFrame, groups: pd.Series, limit: int, higher_is_better: bool = True,
                 layers: int = 8, benefit: bool = False) -> list[str]:
    """Up to ``limit`` group names to colour, those nearest the front first: groups are ranked by
    the first Pareto layer (front = 0, the front of the rest = 1, ...) holding one of their points,
    then by size; points beyond ``layers`` layers count as one far layer. The largest families are
    mostly far from the front, and colour is for telling apart the models a reader compares."""
    layer = pd.Series(layers, index=points.index, dtype=int)
    rest = points[["x", "y"]].dropna()
    for k in range(layers):
        if rest.empty:
            break
        score = rest["y"].to_numpy() if higher_is_better else -rest["y"].to_numpy()
        on = pareto_mask(-rest["x"].to_numpy() if benefit else rest["x"].to_numpy(), score)
        layer[rest.index[on]] = k
        rest = rest[~on]
    stats = pd.DataFrame({"g": groups, "layer": layer}).groupby("g")["layer"].agg(["min", "size"])
    stats = stats.sort_values(["min", "size"], ascending=[True, False], kind="stable")
    return [str(g) for g in stats.index[:limit]]


def budget_query(points: pd.DataFrame, budget_ms: float, k: int = 5, higher_is_better: bool = True,
                 column: str = "lat_p50_ms") -> tuple[pd.Series | None, pd.DataFrame]:
    """Best accuracy among points with ``column <= budget_ms``, and the next ``k`` runners-up.

    Ties on accuracy go to the faster model.
    """
    ok = points[pd.to_numeric(points[column], errors="coerce") <= budget_ms]
    if ok.empty:
        return None, ok
    ranked = ok.sort_values(["y", column], ascending=[not higher_is_better, True], kind="stable")
    return ranked.iloc[0], ranked.iloc[1:k + 1]
