"""The sidebar's hardware configuration: device, dtype, mode and batch (Streamlit glue; the choice itself
is :mod:`efficiency.ui.configs`).

Only measured configurations are offered, and "measured" means measured for the models the page shows:
on the pages that draw the explorer's view (the Pareto explorer and the Models table), and on the
Hardware page before a model is picked, the models the view can plot
(:func:`efficiency.ui.plottable.plottable_models`); on Detail, Compare and Hardware, the models picked by
name. A detection view on the default CUDA-graph rows, which only two seed detectors without published
accuracy have, drew an empty chart and suggested re-measuring the zoo; it now lands on the closest
configuration that measured the plotted detectors, as segmentation always did. Detail, Compare and
Hardware counted the task's whole model set, so they opened a detector on "cuda graph: not measured"
(UXCHECK6 #8); they now follow the same rule over their models.

The coverage caption counts on the machine the page shows (the chosen one, else the one that measured the
most of those models: :func:`efficiency.ui.view_machine.auto_machine`) and says what other machines hold:
"11 of 11 have latency" sat beside blank latency of detectors measured on another GPU (UXCHECK6 #2).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from efficiency.ui import configs, language
from efficiency.ui import session as ui
from efficiency.ui.plottable import plottable_models, scoped_coverage
from efficiency.ui.seed_claims import claimed_accuracy
from efficiency.ui.state import ViewState
from efficiency.ui.tables import config_rows
from efficiency.ui.view_machine import (ELSEWHERE_ACTION, PAGE_ACTIONS, PICK, auto_machine, elsewhere, machine_names,
                                        other_machine_hint, widest_on)
from efficiency.vocab import ALL_TASKS

VIEW_PAGES = ("pareto", "models")     # pages drawing efficiency.ui.explorer's view
PLOTTABLE = "plottable models"


@st.cache_data(max_entries=16, show_spinner=False)
def _plottable(key: tuple, scope: ViewState, _counts: pd.DataFrame, _accuracy: pd.DataFrame) -> frozenset:
    claimed = claimed_accuracy() if scope.seed_claims else None
    return frozenset(plottable_models(_counts, _accuracy, scope, claimed))


def plottable_scope(s: ViewState) -> ViewState:
    """The fields :func:`plottable` depends on (a small memo key: hashing the 1,700 model ids themselves
    cost ~18 ms a call). The explorer's toggles (test networks, seed claims) are read as this run will read
    them: the sidebar runs before the page's widgets."""
    return ViewState(task=s.task, y_dataset=s.y_dataset, y_metric=s.y_metric,
                     show_test=bool(st.session_state.get("w_test", s.show_test)),
                     seed_claims=bool(st.session_state.get("w_seedacc", s.seed_claims)))


def plottable(d: ui.Data, s: ViewState) -> frozenset:
    """:func:`efficiency.ui.plottable.plottable_models` for ``s`` (memoised on the tables' key and
    :func:`plottable_scope`)."""
    return _plottable(d.key, plottable_scope(s), ui.counts(d), d.accuracy)


@st.cache_data(max_entries=16, show_spinner=False)
def _scoped(key: tuple, memo: tuple, task: str, _models: frozenset, _results: pd.DataFrame) -> tuple[dict, bool]:
    if memo[0] == "picked":     # a picked model's failed configuration stays offered: its detail says why
        tried = configs.available(configs.coverage(_results, task, set(_models), attempted=True))
        return (tried, True) if tried else scoped_coverage(_results, task, set(_models))
    return scoped_coverage(_results, task, set(_models))     # _models: named by memo, not hashed


@st.cache_data(max_entries=8, show_spinner=False)
def _coverage(key: tuple, task: str, _results: pd.DataFrame) -> pd.DataFrame:
    return configs.coverage(_results, task)


def configuration_options(d: ui.Data, task: str) -> dict:
    """``HwConfig -> models`` measured for ``task``, widest first (memoised)."""
    return configs.available(_coverage(d.key, task, d.results))


# the widget holding the models a page picked by name (its value when drawn last run, which Streamlit
# writes before the rerun, so the sidebar counts what the page is about to show)
SELECTION_KEYS = {"detail": "w_model", "compare": "w_compare", "hardware": "w_hw_models"}


def _selected(d: ui.Data, s: ViewState, page: str) -> frozenset:
    """The models of ``s``'s task that ``page`` picked by name (empty on the view pages)."""
    if page in VIEW_PAGES:
        return frozenset()
    key = SELECTION_KEYS.get(page)         # other pages (claims, data) show no models picked by name
    value = st.session_state.get(key) if key else None
    picked = [value] if isinstance(value, str) else list(value or s.selection)
    counts = ui.counts(d)
    task = counts if s.task == ALL_TASKS else counts[counts["task"] == s.task]
    return frozenset(task.loc[task["model"].isin(picked), "model"].astype(str))


@dataclass(frozen=True)
class Scope:
    """The models a page's configurations are counted over (:func:`_scope`)."""
    options: dict = field(hash=False)     # HwConfig -> models measured, widest first
    n_models: int
    population: str                       # those models' name in the coverage line
    memo: tuple = ()                      # a small key naming them (() : the task's whole set)
    models: frozenset = field(default=frozenset(), hash=False)


def _scope(d: ui.Data, s: ViewState, page: str) -> Scope:
    """The configurations offered and the models they are counted over: the models picked by name on
    Detail, Compare and Hardware, else those the view can plot; the task's whole set when none of them
    was measured anywhere (so the sidebar still offers what the cache holds)."""
    counts = ui.counts(d)
    picked = _selected(d, s, page)
    if picked:
        memo, models, population = ("picked", *sorted(picked)), picked, "picked models"
    else:
        memo, models, population = ("plottable", plottable_scope(s)), plottable(d, s), PLOTTABLE
    options, scoped = _scoped(d.key, memo, s.task, models, d.results)
    if scoped:
        return Scope(options, len(models), population, memo, models)
    return Scope(configuration_options(d, s.task), len(counts) if s.task == ALL_TASKS else
                 int((counts["task"] == s.task).sum()), "models of the task")


def _shown_machine(every: pd.DataFrame, rows: pd.DataFrame, wanted: str, models: frozenset,
                   prefer: frozenset) -> str | None:
    """The machine a page reads ``models``' latency from among one configuration's rows (``every``; ``rows``:
    those of ``models``): the chosen one (``wanted``) when it measured some of them, else the view's
    automatic machine (over ``prefer``, the view's plottable models) when it did, else the one that
    measured the most of them (Detail's and Compare's rule, efficiency.ui.detail.latency_machine)."""
    hw = rows["hardware"].astype(str)
    if wanted and (hw == wanted).any():
        return wanted
    view = auto_machine(every, prefer) if prefer else None
    return view if view is not None and (hw == view).any() else auto_machine(rows, models)


@st.cache_data(max_entries=32, show_spinner=False)
def _on_machine(key: tuple, memo: tuple, task: str, cfg: configs.HwConfig, wanted: str, prefer_memo: tuple,
                _models: frozenset, _prefer: frozenset,
                _results: pd.DataFrame) -> tuple[str | None, int, dict, tuple | None]:
    every = config_rows(_results, cfg.device, cfg.batch, cfg.dtype, cfg.mode)
    rows = every[every["model"].isin(_models)]
    if "hardware" not in rows:      # a cache without machine identities: one machine
        return None, int(rows["model"].nunique()), {}, configs.widest(configs.machine_coverage(_results, task, _models))
    machine = _shown_machine(every, rows, wanted, _models, _prefer)
    names = machine_names(_results, cfg.device)
    have = rows.loc[rows["hardware"].astype(str) == machine, "model"].nunique() if machine is not None else 0
    # the widest configuration counted on the machine shown when the user chose it (it stays chosen after
    # the switch), else on each configuration's automatic machine, and named (AUDIT8 F2)
    best = widest_on(_results, task, _models, machine if wanted and machine == wanted else None, names)
    return names.get(machine, machine), int(have), elsewhere(rows, machine, _models, names), best


def coverage_caption(d: ui.Data, s: ViewState, scope: Scope, cfg: configs.HwConfig, page: str = "pareto") -> str:
    """The sidebar's coverage line, counted on the machine the page shows (module docstring); what it
    asks the reader to do about another machine's models fits ``page``: only the Pareto explorer and
    Models have the Machine box."""
    if not scope.options:
        return "No latency measured for this task: latency axes stay empty."
    if not scope.memo:
        return configs.coverage_text(cfg, scope.options.get(cfg, 0), scope.n_models,
                                     configs.widest(scope.options), scope.population)
    wanted = st.session_state.get("w_hw", s.hw_id) or ""     # the Machine box's value, as the page will read it
    picked = scope.memo[0] == "picked"                        # the view's own machine first, as Detail reads it
    prefer, prefer_memo = (plottable(d, s), ("plottable", plottable_scope(s))) if picked else (frozenset(), ())
    name, have, where, best = _on_machine(d.key, scope.memo, s.task, cfg, wanted, prefer_memo, scope.models,
                                          prefer, d.results)
    return configs.coverage_text(cfg, have, scope.n_models, best, scope.population, name,
                                 other_machine_hint(list(where), where, action(page, picked)))


def action(page: str, picked: bool) -> str:
    """How a reader of ``page`` sees another machine's latency (:data:`~efficiency.ui.view_machine.PAGE_ACTIONS`:
    Compare's button and the Hardware page's tables show the ``picked`` models only)."""
    if page in VIEW_PAGES:
        return PICK
    return PAGE_ACTIONS.get(page, ELSEWHERE_ACTION) if picked else ELSEWHERE_ACTION


@dataclass(frozen=True)
class HardwarePlan:
    """What :func:`draw_hardware` renders: each control's options and the captions under them."""
    offered: dict[str, list] = field(hash=False)      # configs.FIELDS -> the values offered
    captions: tuple[str, ...] = ()
    # the words for a value: a language model's decode mode names its KV cache too (language.MODE_LABELS)
    labels: dict[str, str] = field(default_factory=lambda: dict(ui.MODE_LABELS), hash=False)


def hardware_state(d: ui.Data, s: ViewState, page: str) -> tuple[ViewState, HardwarePlan]:
    """Device, dtype, mode and batch, offering only configurations measured for what ``page`` shows; a
    choice that was not measured (a device switch from a GPU-only mode, an old link, a task whose
    plotted models the default configuration lacks) lands on the closest measured configuration
    (:func:`efficiency.ui.configs.resolve`). Draws nothing: the widgets' values are written under
    their keys, and :func:`draw_hardware` draws them later (:mod:`efficiency.ui.sidebar` says why)."""
    scope = _scope(d, s, page)
    options = scope.options
    previous = configs.config_of(s)
    widgets = {f: st.session_state.get(f"w_{f}") for f in configs.FIELDS}
    # a segmented control clicked on its active option deselects it (None): keep the previous value
    wanted = configs.HwConfig(*(previous[i] if widgets[f] is None else widgets[f]
                                for i, f in enumerate(configs.FIELDS)))
    cfg = configs.resolve(options, previous, wanted)
    for f in configs.FIELDS:       # before the widgets exist in this run, so Streamlit allows it
        st.session_state[f"w_{f}"] = getattr(cfg, f)
    offered = configs.field_options(options, cfg) if options else {f: [getattr(cfg, f)] for f in configs.FIELDS}
    captions = []
    if cfg != wanted:
        whose = {PLOTTABLE: "this task's plottable models (with the chosen accuracy)",
                 "picked models": "the picked models"}.get(scope.population, "this task")
        captions.append(f"{wanted.text} was not measured for {whose}: showing the closest measured "
                        f"configuration, {cfg.text}.")
    s = ui.update(**cfg._asdict())
    captions.append(coverage_caption(d, s, scope, cfg, page))
    labels = {**ui.MODE_LABELS, **(language.MODE_LABELS if s.task == "language" else {})}
    return s, HardwarePlan(offered, tuple(captions), labels)


def draw_hardware(plan: HardwarePlan, where) -> None:
    """The controls :func:`hardware_state` decided, into ``where`` (the sidebar's container)."""
    where.header("Hardware configuration")
    for f, label in (("device", "Device"), ("dtype", "Dtype"), ("mode", "Mode")):
        where.segmented_control(label, plan.offered[f], key=f"w_{f}", format_func=lambda m: plan.labels.get(m, m))
    where.selectbox("Batch size", plan.offered["batch"], key="w_batch")
    for text in plan.captions:
        where.caption(text)
