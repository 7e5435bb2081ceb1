"""Compare's normalised bars and its sentences about which machine holds the compared models' latency
(no torch, no Streamlit).

The page reads latency from ONE machine (:func:`efficiency.ui.detail.latency_machine`). An audit
(UXCHECK6 #3) found two models where one had latency on that machine and the other only on another
one: the normalised chart drew the first model's latency, throughput, memory and energy as a full bar
(1.0, the worst under "lower is better") and nothing for the second, which read as the best; the
coverage line counted any machine ("2 of 2") and the hint under it asked to measure both. Here a
quantity is drawn only where two or more models have it, a missing value is said as "n/a" at 0, and
the coverage line and the hint count on the page's machine, the hint naming the others as
:func:`efficiency.ui.machines.short_names` names them (once: :func:`missing_hint`)."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from efficiency.ui.commands import measure_hint
from efficiency.ui import language, view_machine
from efficiency.ui.configs import HwConfig, config_of, widest
from efficiency.ui.configs import machine_coverage as machine_counts
from efficiency.ui.models_table import escape_markdown
from efficiency.ui.state import ViewState
from efficiency.ui.tables import config_rows

NA = "n/a"


def _names(items) -> str:
    """``a``, ``a and b``, ``a, b and c`` (shown as written in markdown: ids hold underscores)."""
    items = [escape_markdown(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# --------------------------------------------------------------------------- normalised bars

@dataclass(frozen=True)
class NormalisedBars:
    """The quantities the chart draws (``metrics``, two or more models have each), each model's
    fraction of the largest per metric (None: the model has no value, drawn as "n/a"), and the
    quantities left out with the models holding them (``left_out``: key -> the one holder or none)."""
    metrics: tuple[str, ...]
    fractions: tuple[tuple[float | None, ...], ...]     # per row of the table, per metric
    left_out: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def has_gaps(self) -> bool:
        return any(f is None for row in self.fractions for f in row)


def normalised(table: pd.DataFrame, keys, names: list[str]) -> NormalisedBars:
    """Each of ``keys`` (columns of ``table``, one row per model; ``names``: the rows' names as the
    chart's legend gives them) divided by its largest value among the models, kept only where two or
    more models have a value: one value has nothing to be compared with, and beside a model without
    one its full bar read as the worst (or the best) of the two (UXCHECK6 #3)."""
    kept, left, cols = [], [], []
    for k in keys:
        v = pd.to_numeric(table[k], errors="coerce").astype(float)
        holders = tuple(n for n, ok in zip(names, v.notna()) if ok)
        largest = v.max()
        if len(holders) < 2 or not largest > 0:   # a largest of 0 divides nothing
            left.append((k, holders))
            continue
        kept.append(k)
        cols.append([None if pd.isna(x) else float(x) / largest for x in v])
    rows = tuple(tuple(c[i] for c in cols) for i in range(len(table)))
    return NormalisedBars(tuple(kept), rows, tuple(left))


def left_out_text(bars: NormalisedBars, labels: dict[str, str]) -> str:
    """The caption naming the quantities not drawn and why, and what "n/a" means; empty if neither."""
    parts, by_holder = [], {}
    for k, holders in bars.left_out:
        by_holder.setdefault(holders, []).append(labels[k])
    for holders, quantities in by_holder.items():
        why = (f"only {_names(holders)} has a value (one value has nothing to be compared with: it is in the table)"
               if holders else "none of these models has a value")
        parts.append(f"{_names(quantities)}: {why}")
    text = f"Not drawn: {'; '.join(parts)}." if parts else ""
    if bars.has_gaps:
        text += (" " if text else "") + f"{NA}: that model has no value for the quantity (no bar is drawn for it)."
    return text


def normalised_figure(table: pd.DataFrame, bars: NormalisedBars, labels: dict[str, str], names: list[str],
                      colours: list[str]) -> go.Figure:
    """Horizontal grouped bars, a trace per model (``names``, ``colours``: per row of ``table``), one
    group per drawn quantity (``labels``: its header); a missing value is no bar and "n/a" at 0."""
    fig = go.Figure()
    ticks = [labels[k].split(" (")[0] for k in bars.metrics]
    for i, (_, r) in enumerate(table.iterrows()):
        fr = bars.fractions[i]
        # horizontal bars: the quantities' names read across (on a phone, upright bars were slivers under
        # names turned on end and cut off)
        fig.add_trace(go.Bar(name=names[i], orientation="h", y=ticks, x=[f or 0.0 for f in fr],
                             text=[NA if f is None else "" for f in fr], textposition="outside",
                             cliponaxis=False, marker_color=colours[i],
                             hovertext=[f"{r['model']}<br>{labels[k]}: "
                                        + (f"{r[k]:.4g}" if f is not None else f"{NA} (no value)")
                                        for k, f in zip(bars.metrics, fr)],
                             hovertemplate="%{hovertext}<extra></extra>"))
    fig.update_layout(barmode="group", template="plotly_white", font=dict(size=14),
                      xaxis=dict(title="fraction of the largest", range=[0, 1.05]),
                      yaxis=dict(autorange="reversed", automargin=True))
    return fig


# --------------------------------------------------------------------------- one machine's coverage

@dataclass(frozen=True)
class MachineCoverage:
    """Of the compared ``models`` in the page's configuration: those with latency on the page's
    machine (``here``, named ``machine``), those with it only on others (``elsewhere``: model -> the
    short name of the other machine holding the most of them), those with none on any machine
    (``nowhere``), and the other machines holding some of ``elsewhere`` (``others``: identity, short
    name, how many of the models it measured; most first), which the page offers to switch to."""
    machine: str
    here: tuple[str, ...]
    elsewhere: tuple[tuple[str, tuple[str, ...]], ...]
    nowhere: tuple[str, ...]
    others: tuple[tuple[str, str, int], ...] = ()

    @property
    def total(self) -> int:
        return len(self.here) + len(self.elsewhere) + len(self.nowhere)

    @property
    def other_machines(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m for _, names in self.elsewhere for m in names))


def machine_coverage(results: pd.DataFrame, models: list[str], state: ViewState,
                     hardware: str | None) -> MachineCoverage:
    """:class:`MachineCoverage` of ``models`` in ``state``'s configuration, ``hardware`` being the page's
    machine (:attr:`efficiency.ui.detail.LatencyMachine.hardware`; None: no row of these models). The
    other machines and their names are the explorer's (:func:`efficiency.ui.view_machine.elsewhere`,
    :func:`~efficiency.ui.view_machine.machine_names`): one rule, one name per machine on every page."""
    rows = config_rows(results, state.device, state.batch, state.dtype, state.mode)
    rows = rows[rows["model"].isin(set(models))]
    names = view_machine.machine_names(results, state.device)
    hw = rows["hardware"].astype(str) if "hardware" in rows else pd.Series("", index=rows.index)
    here = set(rows.loc[hw == hardware, "model"]) if hardware is not None else set()
    where = view_machine.elsewhere(rows, hardware, models, names)
    ordered = list(dict.fromkeys(models))
    others = [(h, names.get(h, h), int(rows.loc[hw == h, "model"].nunique())) for h in sorted(set(hw) - {hardware})
              if rows.loc[hw == h, "model"].isin(set(where)).any()]
    return MachineCoverage(names.get(hardware, "") if hardware is not None and here else "",
                           tuple(m for m in ordered if m in here),
                           tuple((m, (where[m],)) for m in ordered if m in where),
                           tuple(m for m in ordered if m not in here and m not in where),
                           tuple(sorted(others, key=lambda o: (-o[2], o[0]))))


def widest_on_one_machine(results: pd.DataFrame, models) -> tuple[HwConfig, int] | None:
    """The configuration where one machine measured the most of ``models``, and how many
    (:func:`efficiency.ui.configs.machine_coverage`): the configuration switch's target (counted over
    every machine, it offered "2 models" where the page then showed one, the other on another machine)."""
    return widest(machine_counts(results, models=models))


def missing_hint(cov: MachineCoverage, state: ViewState, switch: str = "", results: pd.DataFrame | None = None) -> str:
    """The note for the models without latency on the page's machine, the one place the page says which
    other machine holds them (``switch``: the short name of the machine the page's button reads latency
    from, said beside the models it holds), then the command measuring only the models missing on the
    page's machine; empty when none is missing. The coverage line above it gives the count and the caption
    under the table only the machine read: the other machine was named three times (FIX7A)."""
    missing = [m for m, _ in cov.elsewhere] + list(cov.nowhere)
    if not missing:
        return ""
    cfg, parts = config_of(state).text, []
    for machines in dict.fromkeys(names for _, names in cov.elsewhere):
        them = [m for m, names in cov.elsewhere if names == machines]
        its = "its" if len(them) == 1 else "their"
        way = f": the button below shows {its} latency there" if switch in machines else ""
        parts.append(f"{_names(them)} {'is' if len(them) == 1 else 'are'} measured in {cfg} only on "
                     f"{_names(machines)}, not mixed in{way}.")
    if cov.nowhere:
        parts.append(f"{_names(cov.nowhere)} {'has' if len(cov.nowhere) == 1 else 'have'} no latency in {cfg} "
                     "on any machine.")
    unfit = _unfit(results, cov.nowhere, state)
    if unfit:                   # a re-run on the GPU that refused them only repeats its error rows (AUDIT7 F5)
        parts.append(f"{_names(unfit)} cannot be measured on this GPU (the weights do not fit): that needs a GPU "
                     "with more memory.")
    todo = [m for m in missing if m not in unfit]
    if not todo:
        return " ".join(parts)
    command = measure_hint(state, todo)
    if len(todo) == 1:          # measure_hint speaks of "them" (a view's missing models): one model is "it"
        command = command.replace("Measure them", "Measure it", 1)
    return " ".join([*parts, f"{command}."])


def _unfit(results: pd.DataFrame | None, models, state: ViewState) -> list[str]:
    """Of ``models`` (language models with no latency anywhere), those whose rows say the weights do not fit."""
    if results is None or state.task != "language" or not len(models):
        return []
    gaps = language.speed_gaps(results, models, state.device, state.dtype, state.mode, state.batch)
    return [m for m in models if language.cannot_fit(gaps.get(m, ""))]
