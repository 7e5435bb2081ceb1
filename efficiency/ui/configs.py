"""Which hardware configurations the cache holds, and moving between them (no torch, no Streamlit).

A configuration is (device, dtype, mode, batch): what the sidebar chooses and what a latency row
was measured under. The sidebar offers only configurations with good latency rows for the task
(:func:`coverage`), so a device switch can never land on an empty chart: when the combination the
user asked for was not measured, :func:`closest_configuration` picks the measured one sharing the
most settings with it, ties going to the one covering the most models.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import pandas as pd

from efficiency.store.query import good_rows
from efficiency.vocab import ALL_TASKS

FIELDS = ("device", "dtype", "mode", "batch")
COVERAGE_COLUMNS = [*FIELDS, "models"]


class HwConfig(NamedTuple):
    device: str
    dtype: str
    mode: str
    batch: int

    @property
    def text(self) -> str:
        """The configuration in words, as the sidebar and the notes name it."""
        return f"{self.device.upper()}, batch {self.batch}, {self.dtype}, {self.mode.replace('_', ' ')}"

    @property
    def short(self) -> str:
        """A compact form for lists (hover cards, captions)."""
        return f"{self.device} b{self.batch} {self.dtype} {self.mode}"


def config_of(state) -> HwConfig:
    """The configuration a :class:`~efficiency.ui.state.ViewState` (or any object with the four
    fields) shows."""
    return HwConfig(str(state.device), str(state.dtype), str(state.mode), int(state.batch))


_LATENCY_KEYS = ["model", "task", "kind", "error", "device", "dtype", "mode", "batch_size", "hardware"]


def _latency_rows(results: pd.DataFrame, attempted: bool = False) -> pd.DataFrame:
    # only the key columns: filtering every column of the cache is most of the cost
    rows = results[[c for c in _LATENCY_KEYS if c in results.columns]]
    rows = rows if attempted else good_rows(rows)
    rows = rows[rows["kind"] == "latency"]
    batch = pd.to_numeric(rows["batch_size"], errors="coerce")
    return rows[batch.notna()].assign(batch=batch[batch.notna()].astype(int))


def coverage(results: pd.DataFrame, task: str = ALL_TASKS, models=None, attempted: bool = False) -> pd.DataFrame:
    """Every configuration with good latency rows for ``task`` (optionally among ``models``) and
    its number of models, widest first (ties: device, dtype, mode, batch order); ``attempted``: failed
    rows count too (a model's detail shows why its configuration failed)."""
    rows = _latency_rows(results, attempted)
    if task != ALL_TASKS:
        rows = rows[rows["task"] == task]
    if models is not None:
        rows = rows[rows["model"].isin(set(models))]
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype=object if c in FIELDS[:3] else int) for c in COVERAGE_COLUMNS})
    out = rows.groupby(list(FIELDS))["model"].nunique().reset_index(name="models")
    out = out.sort_values(["models", *FIELDS], ascending=[False, True, True, True, True], kind="stable")
    return out.reset_index(drop=True)


def _per_machine(results: pd.DataFrame, task: str, models, hardware: str | None) -> pd.DataFrame:
    """``FIELDS, _hw, models``: each configuration's models per machine (``hardware``: that machine's only),
    widest first, ties to the configuration order, then to the machine's identity by name
    (:func:`efficiency.ui.tables.main_machine`'s rule)."""
    rows = _latency_rows(results)
    if task != ALL_TASKS:
        rows = rows[rows["task"] == task]
    if models is not None:
        rows = rows[rows["model"].isin(set(models))]
    hw = rows["hardware"].astype(str) if "hardware" in rows else pd.Series("", index=rows.index, dtype=object)
    if hardware is not None:
        rows, hw = rows[hw == hardware], hw[hw == hardware]
    if rows.empty:
        return pd.DataFrame(columns=[*FIELDS, "_hw", "models"])
    per = rows.assign(_hw=hw).groupby([*FIELDS, "_hw"])["model"].nunique().reset_index(name="models")
    return per.sort_values(["models", *FIELDS, "_hw"], ascending=[False, True, True, True, True, True], kind="stable")


def machine_coverage(results: pd.DataFrame, task: str = ALL_TASKS, models=None,
                     hardware: str | None = None) -> dict[HwConfig, int]:
    """``configuration -> models`` as :func:`available` of :func:`coverage`, each configuration counted on
    its best machine (the one that measured the most of ``models`` there), widest first: a view reads
    latency from one machine, so "11 models" measured 5 on one GPU and 6 on another is 6 for a view.
    ``hardware``: count that machine's rows only (the machine the user chose stays chosen when the
    configuration changes, so another machine's count is not what a switch would show, AUDIT8 F2)."""
    per = _per_machine(results, task, models, hardware)
    return {} if per.empty else available(per.drop_duplicates(list(FIELDS)))


def widest_machine(results: pd.DataFrame, task: str = ALL_TASKS, models=None,
                   hardware: str | None = None) -> tuple[HwConfig, int, str] | None:
    """:func:`widest` of :func:`machine_coverage` and the machine it was counted on (``hardware`` when given;
    else the one that measured the most of ``models`` there, ties to the first identity by name, as the
    view's automatic machine is picked)."""
    per = _per_machine(results, task, models, hardware)
    if per.empty:
        return None
    r = per.iloc[0]
    return HwConfig(str(r["device"]), str(r["dtype"]), str(r["mode"]), int(r["batch"])), int(r["models"]), str(r["_hw"])


def available(cov: pd.DataFrame) -> dict[HwConfig, int]:
    """``configuration -> models`` of a :func:`coverage` table, widest first."""
    return {HwConfig(str(r.device), str(r.dtype), str(r.mode), int(r.batch)): int(r.models)
            for r in cov.itertuples(index=False)}


def closest_configuration(options: dict[HwConfig, int], previous: HwConfig,
                          fixed: str | None = None) -> HwConfig | None:
    """The measured configuration nearest ``previous``: ``previous`` itself when measured; else,
    among those keeping the ``fixed`` field's value (all of them if that value was never measured),
    the one sharing the most of the other settings, ties to the widest coverage, then to the nearest batch
    (a 70B measured at batch 1 and 16, asked at batch 64: batch 16, AUDIT7 L1). None without options.
    """
    if not options:
        return None
    if previous in options:
        return previous
    pool = [c for c in options if fixed is None or getattr(c, fixed) == getattr(previous, fixed)] or list(options)

    def rank(c: HwConfig) -> tuple[int, int, float]:
        # batches double (1, 4, 16, 64): their distance is the ratio's logarithm, not the difference
        far = abs(math.log2(max(int(c.batch), 1)) - math.log2(max(int(previous.batch), 1)))
        return sum(getattr(c, f) == getattr(previous, f) for f in FIELDS), options[c], -far
    return max(pool, key=rank)   # max keeps the first of equals: options are widest first


def changed_field(previous: HwConfig, wanted: HwConfig) -> str | None:
    """The first field (device, dtype, mode, batch order) where ``wanted`` differs from ``previous``."""
    return next((f for f in FIELDS if getattr(previous, f) != getattr(wanted, f)), None)


def resolve(options: dict[HwConfig, int], previous: HwConfig, wanted: HwConfig) -> HwConfig:
    """What the sidebar shows after the user asked for ``wanted`` coming from ``previous``: ``wanted``
    when measured, else the closest measured configuration keeping the setting the user changed.
    Without any measured configuration, ``wanted`` as is (the pages then say nothing is measured)."""
    return closest_configuration(options, wanted, changed_field(previous, wanted)) or wanted


def field_options(options: dict[HwConfig, int], current: HwConfig) -> dict[str, list]:
    """The values each sidebar control offers: every measured device, the dtypes measured on the
    current device, the modes of that device and dtype, the batches of all three (sorted)."""
    out: dict[str, list] = {}
    for i, f in enumerate(FIELDS):
        above = FIELDS[:i]
        vals = {getattr(c, f) for c in options if all(getattr(c, a) == getattr(current, a) for a in above)}
        out[f] = sorted(vals)
    return out


def widest(options: dict[HwConfig, int]) -> tuple[HwConfig, int] | None:
    """The configuration covering the most models, and how many."""
    return next(iter(options.items()), None)


def coverage_text(current: HwConfig, have: int, total: int, best: tuple[HwConfig, int] | None,
                  population: str = "models", machine: str | None = None, elsewhere: str = "") -> str:
    """"N of M <population> have latency for <current>" (on ``machine``, the one the page shows, when
    named: the count is that machine's, UXCHECK6 #2), then ``elsewhere`` (what other machines measured
    there, :func:`efficiency.ui.view_machine.other_machine_hint`), naming the widest configuration when
    it covers more."""
    on = f" on {machine}" if machine else ""
    text = f"{have:,} of {total:,} {population} have latency for {current.text}{on}."
    if elsewhere:
        text += f" Of the others, {elsewhere}"
    if best is not None and best[0] != current and best[1] > have:
        text += f" Widest coverage: {best[0].text} ({widest_count(best)}).{host_bound(best[0])}"
    return text


def widest_count(best: tuple) -> str:
    """"228 models on NVIDIA H100 80GB HBM3": a :func:`widest` pair, or a triple naming the machine it was
    counted on (:func:`efficiency.ui.view_machine.widest_on`), so a count is never read as another
    machine's (AUDIT8 F2: the H200's 981 beside the chosen H100's 224)."""
    n = best[1]
    on = f" on {best[2]}" if len(best) > 2 and best[2] else ""
    return f"{n:,} model{'s' * (n != 1)}{on}"


def host_bound(cfg: HwConfig) -> str:
    """Why the widest configuration, batch-1 eager on a GPU in most caches, is no GPU comparison: a switch to it
    pulled the reader off CUDA graph (AUDIT8 F2, LOW). The words of ``efficiency.ui.session.EAGER_GPU_NOTE``,
    which the view shows once there (that module imports Streamlit and this one, so it cannot be imported)."""
    if (cfg.device, cfg.mode, cfg.batch) != ("cuda", "eager", 1):
        return ""
    return (" Batch-1 eager GPU latency mostly measures the host CPU launching kernels, not the GPU: compare GPUs "
            "on CUDA graph or large-batch rows.")


def measured_by_model(results: pd.DataFrame) -> dict[str, list[HwConfig]]:
    """``model -> configurations with a good latency row`` (sorted), for every measured model."""
    rows = _latency_rows(results).drop_duplicates(["model", *FIELDS]).sort_values([*FIELDS], kind="stable")
    out: dict[str, list[HwConfig]] = {}
    # plain lists: row-by-row iteration of arrow-backed columns is what made this slow
    cols = [rows[c].astype(object).tolist() for c in ("model", *FIELDS)]
    made: dict[tuple, HwConfig] = {}   # a few configurations shared by thousands of rows
    for model, *key in zip(*cols):
        key = tuple(key)
        if key not in made:
            made[key] = HwConfig(str(key[0]), str(key[1]), str(key[2]), int(key[3]))
        out.setdefault(str(model), []).append(made[key])
    return out


MACHINE_COLUMNS = ["device", "hardware", "hardware_name", "models"]


def machines(results: pd.DataFrame) -> pd.DataFrame:
    """The machines with good latency rows (schema ``hardware``, one per measured machine) with their
    readable names and number of models, most models first: rows of two machines never merge here."""
    cols = [c for c in ("model", "kind", "error", "device", "hardware", "hardware_name") if c in results]
    rows = good_rows(results[cols])
    rows = rows[rows["kind"] == "latency"]
    if rows.empty or "hardware" not in rows:
        return pd.DataFrame({c: pd.Series(dtype=int if c == "models" else object) for c in MACHINE_COLUMNS})
    out = rows.groupby(["device", "hardware", "hardware_name"], dropna=False)["model"].nunique()
    out = out.reset_index(name="models").sort_values(["models", "device", "hardware_name"], ascending=[False, True, True],
                                              kind="stable")
    return out.reset_index(drop=True)


def other_implementations(counts: pd.DataFrame, model: str) -> list[str]:
    """Models of the same ``arch`` from another ``source`` (timm's resnet50 for torchvision's): a
    different implementation of the architecture, never a stand-in for ``model``'s own numbers."""
    row = counts[counts["model"] == model]
    if row.empty or not str(row["arch"].iloc[0] or ""):
        return []
    arch, source = row["arch"].iloc[0], row["source"].iloc[0]
    same = counts[(counts["arch"] == arch) & (counts["source"] != source)]
    return sorted(same["model"].astype(str).unique())


MAX_OTHERS = 3   # a torchvision model can have a dozen timm weights of its arch: name a few


def gap_text(current: HwConfig, mine: list[HwConfig], others: dict[str, list[HwConfig]],
             sep: str = "; ") -> str:
    """Why a model has no latency in ``current``: where it was measured (``mine``), and where a
    different implementation of its architecture was (``others``: model -> configurations)."""
    text = f"not measured for {current.short}"
    text += f"{sep}measured: {', '.join(c.short for c in mine)}" if mine else f"{sep}no latency measured at all"
    named = [(m, cfgs) for m, cfgs in others.items() if cfgs]
    for other, cfgs in named[:MAX_OTHERS]:
        text += (f"{sep}a different implementation, {other}, was measured: "
                 f"{', '.join(c.short for c in cfgs)}")
    if len(named) > MAX_OTHERS:
        text += f"{sep}(and {len(named) - MAX_OTHERS} more implementations of this architecture)"
    return text


def hover_gap_text(mine: list[HwConfig], others: dict[str, list[HwConfig]]) -> str:
    """:func:`gap_text` short enough for a hover card on hundreds of points (the configuration
    shown is in the figure's caption; the other implementation's configurations are on its
    detail page): the figure's payload grows by what every card repeats."""
    text = "not measured in this configuration<br>"
    text += f"measured: {', '.join(c.short for c in mine)}" if mine else "no latency measured at all"
    named = [m for m, cfgs in others.items() if cfgs]
    if named:
        more = f" (+{len(named) - 1} more)" if len(named) > 1 else ""
        text += f"<br>a different implementation was measured: {named[0]}{more}"
    return text


def gap_notes(points: pd.DataFrame, counts: pd.DataFrame, measured: dict[str, list[HwConfig]]) -> pd.Series:
    """Per point, :func:`hover_gap_text` where ``lat_p50_ms`` is missing, else "" (for the hover card)."""
    missing = points["lat_p50_ms"].isna().tolist()
    by_arch = counts[["model", "arch", "source"]].dropna(subset=["arch"])
    by_arch = by_arch[by_arch["model"].isin(measured)]   # only measured implementations are worth naming
    implementations: dict[str, list[tuple[str, str]]] = {}   # arch -> [(model, source)], plain lists
    for model, arch, source in zip(*(by_arch[c].astype(object).tolist() for c in ("model", "arch", "source"))):
        implementations.setdefault(arch, []).append((model, source))
    notes = []
    for model, arch, source, miss in zip(points["model"].astype(object).tolist(),
                                         points["arch"].astype(object).tolist(),
                                         points["source"].astype(object).tolist(), missing):
        if not miss:
            notes.append("")
            continue
        others = {m: measured[m] for m, src in implementations.get(arch, []) if src != source}
        notes.append(hover_gap_text(measured.get(model, []), others))
    return pd.Series(notes, index=points.index, dtype=object)
