"""The same model in the same configuration on two machines (no torch, no Streamlit): the Hardware page's
"machine vs machine" ratios (AUDIT8 F1: its other speed-ups are within one machine only).

A pair of rows is compared only where everything but the machine is equal: model, device, dtype, mode, batch
and channels-last. A CUDA-graph row is never set against an eager one. The ratio is the other machine's time
over the base machine's: p50 latency per call, or on a language model's decode rows the base's decode
tokens/s over the other's (the same quotient, from the stored tokens/s). Above 1, the base machine is faster.
The base is the first of the pair in the page's machine order (the automatic machine first).

Each side's stability comes with it (:func:`efficiency.ui.tables.stability`; the language rows' flag is
decided from their stored spread, :mod:`efficiency.ui.lang_stability`). A ratio of two noisy rows can reflect
the noise rather than the hardware. A batch-1 eager call times the host launching kernels one by one more than the
GPU's work, so such a ratio compares the hosts' CPUs and drivers as much as the GPUs (:data:`HOST_BOUND`).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from efficiency.ui.hw_tables import tiny_names
from efficiency.ui.language import mode_label
from efficiency.ui.machines import short_names
from efficiency.ui.models_table import round_column
from efficiency.ui.tables import stability

KEY = ["model", "device", "dtype", "mode", "batch_size", "channels_last"]
CONFIG = ["device", "batch_size", "dtype", "mode", "channels_last"]     # config_text's order
HOST_BOUND = ("batch-1 eager rows time the host launching kernels one at a time more than the GPU's work: "
              "a ratio of them compares the hosts more than the GPUs and says little about the GPU")
HOST_WORDS = "host-bound"


@dataclass(frozen=True)
class Pair:
    """Two machines (``hardware`` identities) with rows of the same model and configuration."""
    base: str           # the ratio's denominator machine (first in the page's order)
    other: str
    base_name: str      # a few words (machines.short_names)
    other_name: str
    rows: int           # (model, configuration) measured on both
    base_tiny: str = ""     # fewer words, for headers and cells (hw_tables.tiny_names; "" : compact(name))
    other_tiny: str = ""

    @property
    def tiny(self) -> tuple[str, str]:
        """(base, other) in the fewest words: the names the p50 table's headers use."""
        return self.base_tiny or compact(self.base_name), self.other_tiny or compact(self.other_name)


@dataclass(frozen=True)
class Summary:
    """One configuration's ratios over a pair's models (:func:`summaries`)."""
    config: str         # "cuda b1 bf16 cuda_graph"
    decode: bool        # language decode rows (tokens/s) rather than p50 per call
    models: int
    lo: float
    median: float
    hi: float
    noisy: int          # ratios with a noisy or unassessed side
    stable_lo: float    # the same over ratios with both sides stable (NaN when none)
    stable_hi: float
    host_bound: bool    # batch-1 eager


def _sides(hw: pd.DataFrame) -> pd.DataFrame:
    """Per model, configuration and machine, the row with the smallest p50 (as the page's other tables read),
    with its stability word and short machine name."""
    rows = hw[hw["lat_p50_ms"].notna()] if len(hw) else hw
    if rows.empty or "hardware" not in rows:
        return pd.DataFrame(columns=[*KEY, "hardware", "name", "tiny", "lat_p50_ms", "decode_tps", "stab", "bandwidth"])
    out = rows.assign(hardware=rows["hardware"].astype(str), name=short_names(rows), tiny=tiny_names(rows),
                      stab=stability(rows),
                      channels_last=rows["channels_last"].fillna(False).astype(bool),
                      decode_tps=pd.to_numeric(rows.get("decode_tps"), errors="coerce"),
                      bandwidth=pd.to_numeric(rows.get("memory_bandwidth_gb_s"), errors="coerce"))
    out = out.sort_values("lat_p50_ms", kind="stable").drop_duplicates([*KEY, "hardware"])
    return out[[*KEY, "hardware", "name", "tiny", "lat_p50_ms", "decode_tps", "stab", "bandwidth"]]


def machine_pairs(hw: pd.DataFrame, order: tuple[str, ...] = ()) -> list[Pair]:
    """The pairs of machines of :func:`~efficiency.ui.hardware.hardware_table` rows ``hw`` that measured a
    model in the same configuration, most shared rows first; in each, the base is the one first in ``order``
    (identities; machines not in it follow, by identity)."""
    sides = _sides(hw)
    rank = lambda h: (order.index(h) if h in order else len(order), h)  # noqa: E731
    names, tiny = dict(zip(sides["hardware"], sides["name"])), dict(zip(sides["hardware"], sides["tiny"]))
    count: dict[tuple[str, str], int] = {}
    for _, machines in sides.groupby(KEY, dropna=False)["hardware"]:
        ms = sorted(set(machines), key=rank)
        for i, a in enumerate(ms):
            for b in ms[i + 1:]:
                count[(a, b)] = count.get((a, b), 0) + 1
    pairs = [Pair(a, b, names[a], names[b], n, tiny[a], tiny[b]) for (a, b), n in count.items()]
    return sorted(pairs, key=lambda p: (-p.rows, rank(p.base), rank(p.other)))


def config_text(device, batch, dtype, mode, channels_last=False, decode: bool = False) -> str:
    """``cuda b1 bf16 cuda_graph`` (a decode row's mode names its KV cache: language.MODE_LABELS)."""
    shown = mode_label(mode) if decode else mode
    return f"{device} b{int(batch)} {dtype} {shown}" + (" channels-last" if channels_last else "")


def compact(name: str) -> str:
    """A machine's short name without the vendor's prefix, for table headers and cells a phone can hold."""
    return name.removeprefix("NVIDIA ")


def _stability_words(base: str, other: str, base_name: str, other_name: str) -> str:
    """"stable" when both are, else which side is not ("noisy: H100", "noisy: both", "not assessed: H200")."""
    if base == other:
        return base if base != "noisy" else "noisy: both"
    bad = [(w, n) for w, n in ((base, base_name), (other, other_name)) if w != "stable"]
    return "; ".join(f"{w}: {n}" for w, n in bad)


def cross_rows(hw: pd.DataFrame, pair: Pair) -> pd.DataFrame:
    """Per model and configuration measured on both machines of ``pair``: ``ratio`` (the other's time over
    the base's; decode rows: base tokens/s over the other's), both sides' p50, tokens/s and stability words,
    ``decode``, ``host_bound`` and ``config``; full precision, largest ratio first within a configuration."""
    sides = _sides(hw)
    base, other = (sides[sides["hardware"] == h].drop(columns="hardware") for h in (pair.base, pair.other))
    both = base.merge(other, on=KEY, suffixes=("_base", "_other"))
    decode = both["decode_tps_base"].notna() & both["decode_tps_other"].notna()
    ratio = (both["lat_p50_ms_other"] / both["lat_p50_ms_base"]).where(
        ~decode, both["decode_tps_base"] / both["decode_tps_other"])
    host = (both["batch_size"].astype(int) == 1) & (both["mode"] == "eager") & (both["device"] == "cuda")
    config = [config_text(*c, decode=d) for c, d in zip(both[CONFIG].itertuples(index=False), decode)]
    words = [_stability_words(b, o, *pair.tiny)
             for b, o in zip(both["stab_base"], both["stab_other"])]
    out = both.assign(ratio=ratio.astype(float), decode=decode, host_bound=host, config=config, stability=words,
                      both_stable=(both["stab_base"] == "stable") & (both["stab_other"] == "stable"))
    out = out.sort_values(["device", "batch_size", "mode", "dtype", "ratio"], ascending=[True, True, True, True,
                                                                                       False], kind="stable")
    return out.reset_index(drop=True)


def summaries(rows: pd.DataFrame) -> list[Summary]:
    """Per configuration of :func:`cross_rows` ``rows``: how many models, the ratios' range and median, how
    many have a side that is not stable, and the range over the stable ones."""
    out = []
    for (config, decode), g in rows.groupby(["config", "decode"], sort=False):
        stable = g.loc[g["both_stable"], "ratio"]
        out.append(Summary(str(config), bool(decode), int(g["model"].nunique()), float(g["ratio"].min()),
                           float(g["ratio"].median()), float(g["ratio"].max()), int((~g["both_stable"]).sum()),
                           float(stable.min()) if len(stable) else float("nan"),
                           float(stable.max()) if len(stable) else float("nan"), bool(g["host_bound"].all())))
    return out


def _range(lo: float, hi: float) -> str:
    return f"{lo:.2f}" if f"{lo:.2f}" == f"{hi:.2f}" else f"{lo:.2f}–{hi:.2f}"


def summary_line(s: Summary, pair: Pair) -> str:
    """``cuda b1 bf16 cuda_graph: H100 1.00–1.05x the H200's p50 (median 1.02) over 14 models; all stable``."""
    what = "time per decode step (from tokens/s)" if s.decode else "p50"
    text = (f"**{s.config}**: {pair.other_name} {_range(s.lo, s.hi)}x the {pair.base_name}'s {what} (median "
            f"{s.median:.2f}) over {s.models} model{'s' * (s.models != 1)}")
    sure = s.noisy == 0 and not s.host_bound        # a verdict only from stable rows that time the GPU
    if sure and s.lo > 1:
        text += f": the {pair.base_name} faster"
    elif sure and s.hi < 1:
        text += f": the {pair.other_name} faster"
    if s.noisy == 0:
        text += "; both sides stable"
    elif s.noisy == s.models:
        text += "; every one has a noisy or unassessed side: the ratios may be noise"
    else:
        text += (f"; {s.noisy} with a noisy or unassessed side, the stable ones "
                 f"{_range(s.stable_lo, s.stable_hi)}x")
    return text + (f". *Host-bound*: {HOST_BOUND}." if s.host_bound else ".")


def bandwidth_line(hw: pd.DataFrame, pair: Pair) -> str:
    """The two machines' memory bandwidth as measured in the language sweep's runs (median over the rows
    that store one), and their ratio: what a decode step bound by bandwidth alone would gain ("" unless both
    machines stored one)."""
    sides = _sides(hw)
    bw = sides[sides["hardware"].isin([pair.base, pair.other])].groupby("hardware")["bandwidth"].median().dropna()
    if len(bw) < 2:
        return ""
    a, b = float(bw[pair.base]), float(bw[pair.other])
    return (f"Memory bandwidth measured in the same runs: {pair.base_name} {a:,.0f} GB/s, {pair.other_name} "
            f"{b:,.0f} GB/s ({a / b:.2f}x): a decode step bound by bandwidth alone would differ by that ratio; "
            "a ratio nearer 1 says the step reaches only part of the bound.")


def cross_frame(rows: pd.DataFrame, pair: Pair) -> pd.DataFrame:
    """:func:`cross_rows` as the page shows them: the ratio first (3 significant digits), the model, the
    configuration, stability, then both sides' p50 (ms) and, where a row has them, tokens/s."""
    b, o = pair.tiny        # short headers for phones, as the p50 table's
    frame = pd.DataFrame({
        f"{o} / {b} (x)": round_column(rows["ratio"]),
        "model": rows["model"].astype(str), "configuration": rows["config"],
        f"{o} p50 (ms)": round_column(rows["lat_p50_ms_other"]),
        f"{b} p50 (ms)": round_column(rows["lat_p50_ms_base"]),
        f"{o} tokens/s": round_column(rows["decode_tps_other"]),
        f"{b} tokens/s": round_column(rows["decode_tps_base"]),
        "stability": rows["stability"], "what it times": rows["host_bound"].map({True: HOST_WORDS, False: ""})})
    if not rows["decode"].any():
        frame = frame.drop(columns=[f"{b} tokens/s", f"{o} tokens/s"])
    elif rows["decode"].all():      # decode rows' ratio is of tokens/s: their p50 says the same, once more
        frame = frame.drop(columns=[f"{b} p50 (ms)", f"{o} p50 (ms)"])
    if not rows["host_bound"].any():
        frame = frame.drop(columns="what it times")
    return frame.reset_index(drop=True)
