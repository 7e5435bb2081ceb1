"""The models of a view's task that lack its accuracy (no Streamlit): the Models page lists them on
request ("Include models without this accuracy"), their accuracy cell blank.

The explorer's view (:func:`efficiency.ui.explorer.build_view`) holds only the models with the chosen
accuracy, as a chart must; a reader using Models as the list of models missed the rest (24 of 34
language models under ARC-Challenge, the LeYOLO seeds and keypoint R-CNNs on detection: UXCHECK6 10).
These rows are built as the view's points are (count table, the configuration's latency from the
machine the view picks), with the view's filters but those on accuracy; they are never on the front.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from efficiency.ui import seed_claims
from efficiency.ui.axes import X_COLUMN
from efficiency.ui.explorer import ENERGY_COLUMNS, FILTERS, rules_mask
from efficiency.ui.plottable import choose_machine, plottable_models
from efficiency.ui.state import ViewState
from efficiency.ui.tables import LAT_KEEP, accuracy_values, config_rows, count_table, join_latency, latency_table
from efficiency.ui.view_machine import auto_machine
from efficiency.vocab import ALL_TASKS

__all__ = ["unrated_points"]


def _machine(results: pd.DataFrame, accuracy: pd.DataFrame, state: ViewState, counts: pd.DataFrame,
             rows: pd.DataFrame) -> str | None:
    """The machine the view's latency comes from, picked as build_view picks it (the same functions on
    the same inputs), so these rows' latency cells and the view's come from one machine."""
    claims = seed_claims.claimed_accuracy() if state.seed_claims else None
    chosen, _ = choose_machine(results, accuracy, state, counts, claims, rows)
    return chosen if chosen is not None else auto_machine(rows, plottable_models(counts, accuracy, state, claims))


def unrated_points(results: pd.DataFrame, accuracy: pd.DataFrame, state: ViewState) -> pd.DataFrame:
    """Rows like a view's points (model, counts, latency columns, ``acc``/``y`` NaN, ``x``, ``on_front``
    False) for the task's models with no value of the view's accuracy, kept by the view's filters but
    those on accuracy (an accuracy bound or a log accuracy axis would drop every one of them). One
    whose cost on the x axis is unknown here (no latency on this machine, no decode FLOPs for BERT)
    is listed too, that cell blank: the view's note counts every model without the accuracy, and
    this list is that count's; a cost bound drops it, as it would drop it from the view."""
    counts = count_table(results)
    if state.task != ALL_TASKS:
        counts = counts[counts["task"] == state.task]
    acc, _ = accuracy_values(accuracy, state.y_dataset, state.y_metric)
    rest = counts[~counts["model"].isin(set(acc.loc[acc["acc"].notna(), "model"]))]
    if rest.empty:
        return rest.assign(acc=np.nan, x=np.nan, y=np.nan, on_front=False).reset_index(drop=True)
    rows = config_rows(results, state.device, state.batch, state.dtype, state.mode)
    lat = latency_table(results, state.device, state.batch, state.dtype, state.mode,
                        hardware=_machine(results, accuracy, state, counts, rows), rows=rows)
    pts = join_latency(rest, lat.reindex(columns=LAT_KEEP + ENERGY_COLUMNS).drop(columns=["device_name"]))
    pts = pts.assign(acc=np.nan, y=np.nan, on_front=False)
    pts["x"] = pd.to_numeric(pts[X_COLUMN[state.x]], errors="coerce").astype(float)
    keep = rules_mask(pts, replace(state, acc_min=None, acc_max=None, log_x=False, log_y=False), FILTERS)
    if state.log_x:     # the log axis' rule (a cost <= 0 cannot be drawn there), but a blank cost stays
        keep &= pts["x"].isna() | (pts["x"] > 0)
    return pts[keep].reset_index(drop=True)
