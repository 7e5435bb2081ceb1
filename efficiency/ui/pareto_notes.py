"""The explorer's notes on its view, and where they go (Streamlit glue; no torch).

What the notes say comes from :func:`efficiency.ui.view_notes.collect_notes` (through the view) and
the coverage line of :mod:`efficiency.ui.coverage_note`. Placement: all of them above the chart
pushed it below the first screen of a 1440x900 window (a latency view had a warning, three lines
of information, a caption and a coverage line with its button, about 330 px, ahead of it). So:

- warnings, and the switch to a configuration that measures the axis, stay above the chart: they
  qualify what it draws (the front's top is incomplete, an axis is a lower bound);
- the other notes (models not plotted and why, the language protocol group, the hardware coverage
  and its button) go under the chart, with a one-line pointer above it, when the chart draws
  points; when it draws none they stay above it, as they explain the empty chart.

Notes under the chart also reach the browser after it (Streamlit sends elements in the order the
script draws them), which helps the first paint (bench/bench_first_paint.py).
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from efficiency.ui.axes import AXES, LANGUAGE
from efficiency.ui.claims_view import CLAIM_AXES
from efficiency.ui.configs import HwConfig
from efficiency.ui.coverage_note import coverage_note, switch_configuration
from efficiency.ui.explorer import View
from efficiency.ui.language import group_words
from efficiency.ui.view_machine import other_machine_hint


def draws_points(v: View) -> bool:
    """The chart draws at least one model (both coordinates known)."""
    pts = v.points
    return bool(len(pts)) and bool((pd.to_numeric(pts["x"], errors="coerce").notna() & pts["y"].notna()).any())


def show_warnings(v: View) -> None:
    """Above the chart: the view's warnings, then the switch to a configuration measuring the axis."""
    for msg in [m for level, m in v.notes if level == "warning"]:
        st.warning(msg)
    if v.switch is not None:   # this device lacks the axis' quantity (energy) or holds only a lower bound (CPU memory)
        n = v.switch[1]
        st.button(f"Show {v.switch[0].text} ({n:,} model{'s' * (n != 1)} with {AXES[v.state.x].short.lower()})",
                  key="cov_switch", on_click=switch_configuration, args=(v.switch[0],), icon=":material/swap_horiz:",
                  type="primary")


def front_metric_label(x: str, unit_x: str) -> str:
    """The title of the metric naming the front's first point: the cheapest on a cost axis; on a benefit axis the
    fastest where x is a speed (tokens/s), else the highest (a fraction of the bandwidth bound is no speed)."""
    spec = AXES[x]
    word = ("Fastest" if spec.unit.endswith("/s") else "Highest") if spec.benefit else "Cheapest"
    return f"{word} on front ({unit_x})"


def _infos(v: View) -> list[str]:
    return [m for level, m in v.notes if level != "warning"]


def _claims_off_axis(v: View) -> bool:
    s = v.state
    return s.claims and s.x not in CLAIM_AXES and s.task != LANGUAGE


def _coverage_here(v: View) -> bool:
    """The coverage line goes with the notes on a hardware axis (with a switch, its button says it)."""
    return AXES[v.state.x].needs_hw and v.switch is None


def count(v: View) -> int:
    """How many elements :func:`show_details` draws (the coverage line and its button as one)."""
    return (bool(_infos(v)) + (v.group is not None) + _claims_off_axis(v) + _coverage_here(v))


def show_details(v: View, current: HwConfig) -> None:
    """The notes other than warnings: what is not plotted and why, the language protocol group, paper
    claims off their axes, and on a hardware axis the configuration's coverage with its switch."""
    infos = _infos(v)
    if infos:
        st.info("  \n".join(infos), icon=":material/info:")
    if v.group is not None:     # language: say which protocol group every plotted score (and the front) comes from
        st.info(f"Accuracy: protocol group **{v.group['protocol_group']}**: {group_words(v.group)}. Scores of other "
                "groups (other shots, metric or harness) are not comparable and are not on this chart; the front is "
                "drawn within this group only.", icon=":material/rule:")
    if _claims_off_axis(v):
        st.caption("Paper claims are drawn on the GMACs and GFLOPs axes only (papers report compute, not this "
                   "hardware).")
    if _coverage_here(v):
        view_coverage(v, current, "cov_chart")


def view_coverage(v: View, current: HwConfig, key: str) -> None:
    """The view's coverage line, counted on the machine the view shows, naming it and what other machines
    measured (UXCHECK6 #2: "11 of 11 have latency" sat beside blank latency of models measured elsewhere)."""
    there = other_machine_hint(list(v.lat_elsewhere), v.lat_elsewhere)
    coverage_note(st, current, v.lat_have, v.lat_total, v.widest, f"models with {v.y_label}", key,
                  v.device_name, there)


def pointer(n: int) -> str:
    """The line above the chart saying that ``n`` notes wait under it."""
    return f":material/south: {n} note{'s' if n != 1 else ''} on this view {'are' if n != 1 else 'is'} under the chart."
