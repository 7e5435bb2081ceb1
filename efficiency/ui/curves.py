"""Scaling curves read from the measured rows (no torch, no Streamlit): throughput against batch size per
measured configuration, and latency and MACs against input resolution over one architecture's weights
measured at several input sizes. Nothing is interpolated or extrapolated: every point is a cached row.

* A **batch curve** is one model in one configuration, which is every key column of a latency row
  except the batch (:data:`CURVE_KEYS`; efficiency.store.schema.KEY_COLUMNS). samples/s is the row's
  ``throughput`` (= batch x 1000 / ``latency_ms_p50``), batch / p50 where a row lacks it. A row with an
  ``error`` (CUDA out of memory at batch 1024, say) stays in its curve without a speed and with its
  error: where the curve stops, and why.
* A **resolution group** is one (source, arch, weights) with the same non-spatial input dimensions
  (channels, video frames) at several input sizes (zoo ids ``timm/<name>@<size>``), in one configuration
  including the batch and the machine: a line never mixes weights, machines or configurations.

The figures are :func:`efficiency.ui.detail.batch_figure` and :func:`~efficiency.ui.detail.resolution_figure`.
"""
from __future__ import annotations

import math
import textwrap
from typing import NamedTuple

import pandas as pd

from efficiency.ui.machines import UNRECORDED, short_names
from efficiency.ui.numbers import floats, fmt
from efficiency.ui.tables import samples_per_s

# a batch curve's configuration: the latency row's key columns but model, kind and batch
CURVE_KEYS = ["hardware", "device", "dtype", "mode", "channels_last"]
# a resolution group: the zoo entry's identity but its input size (``frame``: the non-spatial dims)
GROUP_KEYS = ["source", "arch", "weights", "frame"]
ROW_COLUMNS = ["model", "source", "arch", "weights", "input_size", *CURVE_KEYS, "hardware_name", "device_name",
               "batch", "samples_per_s", "lat_p50_ms", "noisy", "energy_j_per_sample", "power_w_avg", "gmacs", "error"]
LANGUAGE = "language"     # a language model's latency row is one decode step: its speed has its own tables


class CurveConfig(NamedTuple):
    """One measured configuration of a batch curve (a row's key but the batch)."""
    hardware: str
    hardware_name: str
    device: str
    dtype: str
    mode: str
    channels_last: bool

    @property
    def text(self) -> str:
        """The configuration in words, with the machine's full readable name."""
        return f"{self.hardware_name}: {self.short_settings}"

    @property
    def short_settings(self) -> str:
        return f"{self.dtype}, {self.mode.replace('_', ' ')}" + (", channels last" if self.channels_last else "")


def _text(series: pd.Series) -> pd.Series:
    return series.astype(object).where(series.notna(), "").astype(str)


def latency_rows(results: pd.DataFrame, models=None) -> pd.DataFrame:
    """The vision latency rows, good and failed, of ``models`` (every model when None) in plain types
    (:data:`ROW_COLUMNS`): ``batch`` int, ``channels_last`` and ``noisy`` bool, speeds and energy NaN on a
    failed row, ``error`` "" on a good one, ``gmacs`` per sample (1 multiply-add = 1)."""
    rows = results.reindex(columns=[*ROW_COLUMNS, "kind", "task", "batch_size", "latency_ms_p50", "throughput",
                                    "macs"])
    keep = (rows["kind"] == "latency") & (rows["task"] != LANGUAGE) & floats(rows, "batch_size").notna()
    if models is not None:
        keep &= rows["model"].isin(set(models))
    rows = rows[keep.fillna(False).astype(bool)]
    error = _text(rows["error"])
    good = error == ""
    batch = floats(rows, "batch_size")
    name = _text(rows["hardware_name"])
    out = pd.DataFrame({c: _text(rows[c]) for c in ("model", "source", "arch", "weights", "input_size", "hardware",
                                                    "device", "device_name", "dtype", "mode")})
    out["channels_last"] = rows["channels_last"].astype(object).where(rows["channels_last"].notna(), False).astype(bool)
    out["hardware_name"] = name.where(name != "", out["hardware"].where(out["hardware"] != "", out["device"]))
    out["batch"] = batch.astype(int)
    out["samples_per_s"] = samples_per_s(rows).where(good)   # the explorer's formula (tables)
    out["lat_p50_ms"] = floats(rows, "latency_ms_p50").where(good)
    out["noisy"] = rows["noisy"].astype(object).where(rows["noisy"].notna(), False).astype(bool) & good
    out["energy_j_per_sample"] = floats(rows, "energy_j_per_sample").where(good)
    out["power_w_avg"] = floats(rows, "power_w_avg").where(good)
    out["gmacs"] = floats(rows, "macs") / 1e9
    out["error"] = error
    return out[ROW_COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------- throughput against batch

def batch_curves(results: pd.DataFrame, models) -> pd.DataFrame:
    """Every latency row of ``models`` (:func:`latency_rows`), ordered by configuration, model, batch:
    each (configuration, model) is one curve of samples/s against batch size."""
    rows = latency_rows(results, models)
    return rows.sort_values([*CURVE_KEYS, "model", "batch"], kind="stable").reset_index(drop=True)


def config_of(row) -> CurveConfig:
    """The :class:`CurveConfig` of a row of :func:`latency_rows` (a Series or a namedtuple)."""
    get = row.get if isinstance(row, pd.Series) else lambda k: getattr(row, k)
    return CurveConfig(str(get("hardware")), str(get("hardware_name")), str(get("device")), str(get("dtype")),
                       str(get("mode")), bool(get("channels_last")))


def configurations(curves: pd.DataFrame, min_batches: int = 1) -> list[CurveConfig]:
    """The configurations of ``curves`` in which some model has at least ``min_batches`` good batch
    sizes, those with the most good batch sizes first (ties: most models, then the configuration)."""
    good = curves[curves["error"] == ""]
    if good.empty:
        return []
    per = good.groupby([*CURVE_KEYS, "hardware_name", "model"])["batch"].nunique().reset_index()
    per = per[per["batch"] >= min_batches]
    stats = per.groupby([*CURVE_KEYS, "hardware_name"]).agg(batches=("batch", "max"), models=("model", "nunique"))
    stats = stats.reset_index().sort_values(["batches", "models", *CURVE_KEYS], ascending=[False, False, True, True,
                                                                                             True, True, True])
    return [config_of(r) for r in stats.itertuples(index=False)]


def of_config(curves: pd.DataFrame, cfg: CurveConfig) -> pd.DataFrame:
    """The rows of ``curves`` measured in ``cfg``."""
    keep = pd.Series(True, index=curves.index)
    for key in CURVE_KEYS:
        keep &= curves[key] == getattr(cfg, key)
    return curves[keep]


def preferred(options: list[CurveConfig], device: str, dtype: str, mode: str) -> CurveConfig | None:
    """The first of ``options`` sharing the most of (device, dtype, mode) with the sidebar's."""
    if not options:
        return None
    return max(options, key=lambda c: (c.device == device) + (c.dtype == dtype) + (c.mode == mode))


def by_config(curves: pd.DataFrame) -> pd.DataFrame:
    """``curves`` with ``line`` naming each configuration (one model's curves: a line per configuration), the
    machine, where they come from several, as every page names it (:func:`~efficiency.ui.machines.short_names`:
    "CUDA (machine not recorded)" for a row that did not record its machine, never a machine of its own)."""
    names = short_names(curves) if curves["hardware"].nunique() > 1 else pd.Series("", index=curves.index)
    return curves.assign(line=[f"{n} {config_of(r).short_settings}".strip()
                               for n, r in zip(names, curves.itertuples(index=False))])


def by_model(curves: pd.DataFrame) -> pd.DataFrame:
    """``curves`` with ``line`` naming each model (one configuration's curves: a line per model)."""
    return curves.assign(line=curves["model"])


def short_error(text: str, width: int = 110) -> str:
    """The first line of an error, shortened: the cause, not the traceback."""
    return textwrap.shorten(str(text).strip().splitlines()[0] if str(text).strip() else "", width, placeholder=" ...")


class LineSummary(NamedTuple):
    line: str
    good: list[int]            # batch sizes with a good row, ascending
    failed: list[tuple[int, str]]   # (batch, error) of the failed rows, ascending


def summaries(curves: pd.DataFrame) -> list[LineSummary]:
    """Per ``line`` of ``curves`` (:func:`by_config` / :func:`by_model`): its good and failed batch sizes."""
    out = []
    for line, sub in curves.groupby("line", sort=False):
        good = sorted(int(b) for b in sub.loc[sub["error"] == "", "batch"].unique())
        bad = sub[sub["error"] != ""].sort_values("batch")
        out.append(LineSummary(str(line), good, [(int(b), str(e)) for b, e in zip(bad["batch"], bad["error"])]))
    return out


def drawn_lines(curves: pd.DataFrame) -> list[str]:
    """The lines worth a chart: two or more good batch sizes (one point is no curve)."""
    return [s.line for s in summaries(curves) if len(s.good) >= 2]


NO_CURVE = "One batch size measured per configuration: no curve to draw."
_NO_CURVE_TAIL = "; no curve to draw."


def batch_messages(curves: pd.DataFrame) -> tuple[str | None, list[str]]:
    """``(box, caption lines)`` beside the batch chart: with a curve drawn, no box and :func:`batch_notes`;
    with none, one box that says so once and holds each line's single batch and speed (a box and a
    caption repeating "no curve to draw" under it read as two findings)."""
    notes = batch_notes(curves)
    if drawn_lines(curves):
        return None, notes
    lines = [n[: -len(_NO_CURVE_TAIL)] + "." if n.endswith(_NO_CURVE_TAIL) else n for n in notes]
    return "  \n".join([NO_CURVE, *lines]), []


def batch_notes(curves: pd.DataFrame) -> list[str]:
    """What the chart cannot show, a line each: a curve with one good batch size (its speed stated
    instead), a curve without a good row, a failed batch below a good one, and where a curve stops
    because the next batch failed (out of memory, say), with the error."""
    notes = []
    for s in summaries(curves):
        if len(s.good) == 1:
            sps = curves.loc[(curves["line"] == s.line) & (curves["error"] == ""), "samples_per_s"].iloc[0]
            notes.append(f"{s.line}: only batch {s.good[0]} measured ({fmt(sps, ',.0f', 'samples/s')}); "
                         "no curve to draw.")
        if not s.good:
            notes += [f"{s.line}: no good row; batch {b} failed: {short_error(e)}" for b, e in s.failed[:1]]
            continue
        notes += [f"{s.line}: batch {b} failed ({short_error(e)}); larger batches ran."
                  for b, e in s.failed if b < s.good[-1]]
        beyond = [(b, e) for b, e in s.failed if b > s.good[-1]]
        if beyond:
            more = "".join(f", {b}" for b, _ in beyond[1:])
            notes.append(f"{s.line}: stops after batch {s.good[-1]}: batch {beyond[0][0]}{more} failed: "
                         f"{short_error(beyond[0][1])}")
    return notes + unrecorded_notes(curves)


def unrecorded_notes(curves: pd.DataFrame) -> list[str]:
    """Per line holding rows that did not record their machine (``hardware`` "unknown"), which rows: they
    belong to no identified machine, and the caption says so (it had said "GPU not recorded", as if a machine)."""
    notes = []
    for line, sub in curves[curves["hardware"].isin(UNRECORDED)].groupby("line", sort=False):
        one = len(sub) == 1
        notes.append(f"{line}: the row{'' if one else 's'} of batch {', '.join(str(b) for b in sorted(set(sub['batch'])))}"
                     f" {'does' if one else 'do'} not identify the machine that ran {'it' if one else 'them'}: "
                     "kept apart from every identified machine's rows.")
    return notes


def level_of_failure(good: pd.DataFrame, batch: int) -> float:
    """Where a failed batch is drawn on its line: level with the good point of the largest batch below
    it, else with the smallest good batch (a failure below every good batch)."""
    below = good[good["batch"] < batch]
    row = below.iloc[below["batch"].argmax()] if len(below) else good.iloc[good["batch"].argmin()]
    return float(row["samples_per_s"])


# --------------------------------------------------------------------------- latency against resolution

def spatial(input_size) -> tuple[str, int, int] | None:
    """``("3x16", 224, 224)`` of ``"3x16x224x224"``: the non-spatial dims, height and width; None for
    an input without two spatial dims (a language model's token count)."""
    parts = str(input_size).split("x")
    if len(parts) < 3 or not all(p.isdigit() for p in parts):
        return None
    return "x".join(parts[:-2]), int(parts[-2]), int(parts[-1])


def resolution_px(h: int, w: int) -> float:
    """The side of a square input (px); for an h x w input the side of the square with as many pixels."""
    return float(h) if h == w else math.sqrt(h * w)


def with_groups(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` (with ``input_size``) whose input is an image or a clip, with ``frame`` (the non-spatial
    dims), ``resolution`` (px, :func:`resolution_px`) and ``group`` (the zoo entry without its size)."""
    sp = rows["input_size"].map(spatial)
    rows = rows[sp.notna()].copy()
    sp = sp[sp.notna()]
    rows["frame"] = [s[0] for s in sp]
    rows["resolution"] = [resolution_px(s[1], s[2]) for s in sp]
    rows["group"] = [f"{src}/{arch}" + (f".{w}" if w else "") + (f" ({f} x H x W)" if f != "3" else "")
                     for src, arch, w, f in zip(rows["source"], rows["arch"], rows["weights"], rows["frame"])]
    return rows


def _identities(results: pd.DataFrame, models) -> pd.DataFrame:
    """One row per model of ``models`` with its zoo identity (source, arch, weights, input_size, frame)."""
    cols = ["model", "source", "arch", "weights", "input_size"]
    rows = results.reindex(columns=cols)
    rows = rows[rows["model"].isin(set(models))].drop_duplicates("model")
    return with_groups(pd.DataFrame({c: _text(rows[c]) for c in cols}))


def resolution_curves(results: pd.DataFrame, models, device: str, dtype: str, mode: str,
                      batch: int) -> pd.DataFrame:
    """For the resolution group of each of ``models``: every member with a good latency row in the
    configuration (``device``, ``dtype``, ``mode``, ``batch``; each machine and channels-last setting its
    own line), with ``group``, ``resolution`` (px), ``lat_p50_ms`` (ms per batch), ``gmacs`` (per
    sample), ``current`` (one of ``models``) and ``line``; ordered by line, then resolution."""
    wanted = _identities(results, models)
    rows = latency_rows(_same_arch(results, wanted))
    rows = rows[(rows["error"] == "") & (rows["device"] == device) & (rows["dtype"] == dtype)
                & (rows["mode"] == mode) & (rows["batch"] == int(batch))]
    rows = with_groups(rows).merge(wanted[GROUP_KEYS].drop_duplicates(), on=GROUP_KEYS, how="inner")
    rows["current"] = rows["model"].isin(set(models))
    several = rows[CURVE_KEYS].drop_duplicates().shape[0] > 1
    rows["line"] = [g + (f" · {n} {config_of(r).short_settings}" if several else "") for g, n, r in
                    zip(rows["group"], short_names(rows), rows.itertuples(index=False))]
    # one row per line and resolution: two zoo ids of one weight at one size would be a duplicate entry
    rows = rows.sort_values(["line", "resolution", "current"], ascending=[True, True, False], kind="stable")
    return rows.drop_duplicates(["line", "resolution"]).reset_index(drop=True)


def resolution_lines(curves: pd.DataFrame) -> list[str]:
    """The lines of :func:`resolution_curves` with two or more resolutions (worth a chart)."""
    if curves.empty:
        return []
    n = curves.groupby("line", sort=False)["resolution"].nunique()
    return [str(line) for line in n.index[n >= 2]]


def _same_arch(results: pd.DataFrame, identities: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``results`` whose ``arch`` is one of ``identities``' (a cheap first cut: the
    groups are matched on every key afterwards)."""
    return results[results["arch"].isin(set(identities["arch"]))] if "arch" in results else results


def zoo_sizes(results: pd.DataFrame, model: str) -> list[float]:
    """The resolutions (px) the results hold for ``model``'s group, measured or only counted."""
    me = _identities(results, [model])
    if me.empty:
        return []
    near = _same_arch(results, me)
    everyone = _identities(near, near["model"].dropna().unique())
    sizes = everyone.merge(me[GROUP_KEYS], on=GROUP_KEYS, how="inner")["resolution"]
    return sorted(set(float(v) for v in sizes))


def resolution_notes(results: pd.DataFrame, models, curves: pd.DataFrame, config_text: str) -> list[str]:
    """A line for each of ``models`` whose group has fewer than two sizes measured in the configuration
    of ``curves`` (:func:`resolution_curves`): the sizes that were, and the sizes the zoo holds."""
    drawn = set(curves.loc[curves["line"].isin(resolution_lines(curves)) & curves["current"], "model"])
    words = lambda v: ", ".join(f"{x:g}" for x in v) + " px"  # noqa: E731
    notes = []
    for me in _identities(results, [m for m in models if m not in drawn]).itertuples(index=False):
        timed = sorted(set(curves.loc[curves["group"] == me.group, "resolution"])) if len(curves) else []
        held = zoo_sizes(results, me.model)
        text = (f"{me.group}: {len(timed)} input size measured on {config_text} ({words(timed)})" if timed else
                f"{me.group}: no latency row on {config_text}")
        notes.append(text + (f"; the zoo holds it at {words(held)}: a curve needs two of them measured in one "
                             "configuration." if len(held) > 1 else "; the zoo holds this weight at one input size."))
    return notes


RESOLUTION_HEADERS = {"group": "source/arch.weights", "input_size": "input (C x H x W)",
                      "resolution": "resolution (px)",
                      "gmacs": "GMACs / sample (1 mult-add = 1)", "lat_p50_ms": "latency p50 (ms/batch)",
                      "samples_per_s": "throughput (samples/s)", "gmacs_x": "GMACs / smallest size's",
                      "lat_x": "p50 / smallest size's", "current": "this model"}


def resolution_table(curves: pd.DataFrame, lines: list[str]) -> pd.DataFrame:
    """The points of ``lines`` with each line's growth over its smallest size (compute and latency,
    as ratios: latency growing slower than GMACs means the small sizes underuse the device), under
    unit-bearing headers."""
    sub = curves[curves["line"].isin(lines)].copy()
    first = sub.groupby("line")[["gmacs", "lat_p50_ms"]].transform("first")   # sorted by resolution
    sub["gmacs_x"], sub["lat_x"] = sub["gmacs"] / first["gmacs"], sub["lat_p50_ms"] / first["lat_p50_ms"]
    return sub.reindex(columns=list(RESOLUTION_HEADERS)).rename(columns=RESOLUTION_HEADERS)
