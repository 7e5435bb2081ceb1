"""Streamlit glue of the Pareto page (pages/pareto.py) that is memoised: what the page draws on
every run is read from small cached values rather than from copies of whole tables."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from efficiency.ui import session as ui
from efficiency.ui.state import ViewState
from efficiency.vocab import ALL_TASKS


def choices_of(counts: pd.DataFrame, task: str) -> tuple[list[str], list[str]]:
    """The sources and the families of ``task``'s models in the count table (every task's for
    :data:`~efficiency.vocab.ALL_TASKS`): the language view offered timm's and torchvision's sources and
    all 185 vision families, none of which holds a language model (UXCHECK4 #7)."""
    if task != ALL_TASKS:
        counts = counts[counts["task"].astype(str) == task]
    return (sorted(counts["source"].dropna().astype(str).unique()),
            sorted(counts["family"].dropna().astype(str).unique()))


def dropped_filters(state: ViewState, sources: list[str], families: list[str]) -> str:
    """What the Filters popover drops from ``state`` because its task has no such source or family
    (a filter set under another task, or in a link), in words; "" when nothing. Kept, such a filter
    left the chart empty without a word; the popover keeps its values to ``sources`` and
    ``families`` (:func:`efficiency.ui.session.seed_in_popover`) and the URL follows."""
    gone = [(kind, [v for v in values if v not in offered]) for kind, values, offered in
            (("source", state.sources, sources), ("family", state.families, families))]
    plural = {"source": "sources", "family": "families"}
    words = [f"{kind if len(v) == 1 else plural[kind]} {', '.join(v)}" for kind, v in gone if v]
    if not words:
        return ""
    task = "" if state.task == ALL_TASKS else f"{state.task} "
    return f"Filter dropped: no {task}model is of {' or '.join(words)}."


@st.cache_data(max_entries=8, show_spinner=False)
def _filter_choices(key: tuple, task: str, _d: ui.Data) -> tuple[list[str], list[str]]:
    return choices_of(ui.counts(_d), task)


def filter_choices(d: ui.Data, task: str | None = None) -> tuple[list[str], list[str]]:
    """The sources and the families the filters offer for ``task`` (None: the view state's): two short
    lists, where the count table they come from is a 2.5 MB copy on every run (st.cache_data unpickles
    what it returns). A source or family of the state that the task lacks is dropped by the popover
    (:func:`dropped_filters`): a toast says so, on the run that drops it."""
    s = ui.state()
    srcs, fams = _filter_choices(d.key, s.task if task is None else task, d)
    note = dropped_filters(s, srcs, fams)
    if note:
        st.toast(note, icon=":material/filter_alt_off:")
    return srcs, fams
