"""The machines a view's latency can come from (no torch, no Streamlit).

A view takes its latency from ONE machine (a row's ``hardware`` identity,
:mod:`efficiency.ui.tables`): by default the one that measured the most of the view's plottable models
in the hardware configuration (:func:`efficiency.ui.view_machine.auto_machine`), or the one the user
picked (``ViewState.hw_id``).
:func:`machine_options` lists the machines that hold good latency rows of the view's device, batch,
dtype and mode for the view's models, each with its readable name and how many of those models it
measured; :func:`resolve` turns the state's choice into the machine to read, falling back to the
automatic one (with a note) when no row of the configuration comes from the chosen machine: a link
from another cache, a garbled id, or a device switched since the choice.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from efficiency.ui.configs import config_of
from efficiency.ui.models_table import escape_markdown
from efficiency.ui.state import ViewState
from efficiency.ui.tables import config_rows

AUTOMATIC = ""      # ViewState.hw_id of the automatic choice


@dataclass(frozen=True)
class Machine:
    hardware: str       # the rows' identity (``hardware`` key column): what ViewState.hw_id holds
    name: str           # the same in words (``hardware_name``)
    models: int         # models it measured in the configuration

    @property
    def label(self) -> str:
        """``NVIDIA H200, 140 GiB, 700 W limit (932 models)``: the chooser's text."""
        return f"{self.name} ({self.models:,} model{'s' if self.models != 1 else ''})"


def machine_options(results: pd.DataFrame, state: ViewState, models=None,
                    rows: pd.DataFrame | None = None) -> list[Machine]:
    """The machines with good latency rows in ``state``'s configuration for ``models`` (None: every
    model), most models first, ties by identity (the order :func:`~efficiency.ui.tables.main_machine`
    uses, so over every model the first is the automatic one); ``rows``: the configuration's
    :func:`~efficiency.ui.tables.config_rows` when the caller has them."""
    if rows is None:
        rows = config_rows(results, state.device, state.batch, state.dtype, state.mode)
    return machines_in(rows if models is None else rows[rows["model"].isin(set(models))])


def machines_in(rows: pd.DataFrame) -> list[Machine]:
    """:func:`machine_options` of latency ``rows`` already narrowed to one configuration."""
    if rows.empty or "hardware" not in rows:
        return []
    hw = rows["hardware"].astype(str)
    name = rows["hardware_name"].fillna("").astype(str) if "hardware_name" in rows else hw
    name = name.where(name != "", hw)          # a row without a name is still told apart by its identity
    n = rows.groupby(hw)["model"].nunique()
    names = name.groupby(hw).first()
    out = [Machine(str(h), str(names[h]), int(n[h])) for h in n.index]
    return sorted(out, key=lambda m: (-m.models, m.hardware))


def resolve(state: ViewState, options: list[Machine], these: str = "these models") -> tuple[str | None, str]:
    """``(machine, note)``: the ``hardware`` to read latency from (None: the automatic choice) and, when
    the state's choice is not among ``options``, a note saying the automatic one is shown instead
    (``these``: what the note calls the models, "this model" on one model's detail)."""
    if state.hw_id == AUTOMATIC:
        return None, ""
    if any(m.hardware == state.hw_id for m in options):
        return state.hw_id, ""
    shown = escape_markdown(state.hw_id[:80])
    return None, (f"No latency rows come from the chosen machine '{shown}' in {config_of(state).text} for "
                  f"{these}: latency is from the automatic choice, the machine with the most models.")


UNRECORDED = ("", "unknown", "nan", "None")     # a row's ``hardware`` when its machine was not recorded


def short_names(rows: pd.DataFrame) -> pd.Series:
    """Per latency row, its machine in a few words, the one name every page gives it (axis titles, notes,
    the Hardware page's tables): the readable name up to its first comma ("Intel(R) Xeon(R) Processor"),
    with the next part when two machines of the rows' device share that ("AMD EPYC, family 25 model 1"),
    and "(machine not recorded)" after the device's name for rows that did not record theirs (the
    explorer had said "AMD EPYC" and the Hardware page "AMD EPYC (family, model, ... not recorded)")."""
    text = lambda c: rows[c].astype(object).where(rows[c].notna(), "").astype(str) if c in rows \
        else pd.Series("", index=rows.index)  # noqa: E731
    hw, device, dev_name = text("hardware"), text("device"), text("device_name")
    name = text("hardware_name").where(text("hardware_name") != "", hw)
    unknown = hw.isin(UNRECORDED)
    head = name.map(lambda n: n.split(",")[0].split(" (")[0].strip())
    # two machines of one device with the same first words ("AMD EPYC"): the next words tell them apart
    shared = hw.groupby([device, head.where(~unknown, dev_name)]).transform("nunique") > 1
    label = head.where(~shared, name.map(lambda n: ", ".join(n.split(", ")[:2])))
    return label.where(~unknown, dev_name.where(dev_name != "", device.str.upper()) + " (machine not recorded)")
