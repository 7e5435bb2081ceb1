"""The sidebar's hardware configuration: device, dtype, mode and batch (Streamlit glue; the choice itself
is :mod:`efficiency.ui.configs`).

Only measured configurations are offered. On the pages that draw the explorer's view (the Pareto
explorer and the Models table) "measured" means measured for a model the view can plot
(:func:`efficiency.ui.plottable.plottable_models`): a detection view on the default CUDA-graph rows,
which only two seed detectors without published accuracy have, drew an empty chart and suggested
re-measuring the zoo; it now lands on the closest configuration that measured the plotted detectors,
as segmentation always did. The other pages show models picked by name, so they keep every
configuration measured for the task.
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
def _scoped(key: tuple, scope: ViewState, _models: frozenset, _results: pd.DataFrame) -> tuple[dict, bool]:
    return scoped_coverage(_results, scope.task, set(_models))     # _models: plottable(scope), not hashed


@st.cache_data(max_entries=8, show_spinner=False)
def _coverage(key: tuple, task: str, _results: pd.DataFrame) -> pd.DataFrame:
    return configs.coverage(_results, task)


def configuration_options(d: ui.Data, task: str) -> dict:
    """``HwConfig -> models`` measured for ``task``, widest first (memoised)."""
    return configs.available(_coverage(d.key, task, d.results))


def _scope(d: ui.Data, s: ViewState, page: str) -> tuple[dict, int, str]:
    """The configurations offered, the number of models they are counted over and those models' name."""
    counts = ui.counts(d)
    whole = (configuration_options(d, s.task), len(counts) if s.task == ALL_TASKS else
             int((counts["task"] == s.task).sum()), "models of the task")
    if page not in VIEW_PAGES:
        return whole
    models = plottable(d, s)
    options, scoped = _scoped(d.key, plottable_scope(s), models, d.results)
    return (options, len(models), PLOTTABLE) if scoped else whole


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
    options, n_models, population = _scope(d, s, page)
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
        whose = "'s plottable models (with the chosen accuracy)" if population == PLOTTABLE else ""
        captions.append(f"{wanted.text} was not measured for this task{whose}: showing the closest measured "
                        f"configuration, {cfg.text}.")
    s = ui.update(**cfg._asdict())
    captions.append(configs.coverage_text(cfg, options.get(cfg, 0), n_models, configs.widest(options), population)
                    if options else "No latency measured for this task: latency axes stay empty.")
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
