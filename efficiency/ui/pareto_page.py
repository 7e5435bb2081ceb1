"""Streamlit glue of the Pareto page (pages/pareto.py) that is memoised: what the page draws on
every run is read from small cached values rather than from copies of whole tables."""
from __future__ import annotations

import streamlit as st

from efficiency.ui import session as ui


@st.cache_data(max_entries=4, show_spinner=False)
def _filter_choices(key: tuple, _d: ui.Data) -> tuple[list[str], list[str]]:
    counts = ui.counts(_d)
    return (sorted(counts["source"].dropna().astype(str).unique()),
            sorted(counts["family"].dropna().astype(str).unique()))


def filter_choices(d: ui.Data) -> tuple[list[str], list[str]]:
    """The sources and the families offered by the filters: two short lists, where the count table
    they come from is a 2.5 MB copy on every run (st.cache_data unpickles what it returns)."""
    return _filter_choices(d.key, d)
