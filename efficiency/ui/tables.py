"""The per-model tables every view starts from (no torch, no Streamlit): counts, latency per
hardware configuration with its derived columns, accuracy per metric, and what the caches hold.

Only rows without an error enter a view (:func:`efficiency.store.query.good_rows`). A view's latency
comes from one machine (the row key's ``hardware``): two CPUs, or two GPU models, measured in the same
configuration are never mixed in one chart (a view passes the machine it reads,
:mod:`efficiency.ui.view_machine`; without one, :func:`main_machine` picks the one with the most models;
:func:`machine_note` says what the others hold). When several latency rows match one hardware configuration for a model on that machine
(channels-last on and off, say), the table keeps the fastest p50 and says which in ``channels_last``.
Units: see :mod:`efficiency.ui.axes`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from efficiency.reference.accuracy import metrics_available

from efficiency.store.query import good_rows
from efficiency.ui.lang_stability import RULE as LANGUAGE_RULE, fill_noisy, ttft_flags, ttft_words
from efficiency.ui.numbers import floats as _num

MIB = 2 ** 20

GIB, KIB = 2 ** 30, 2 ** 10

# the latency columns a view joins onto the count table (the language ones are NaN on vision rows)
LAT_KEEP = ["model", "device_name", "channels_last", "lat_p50_ms", "lat_p90_ms", "throughput_sps",
            "ms_per_sample", "mem_mib", "noisy", "energy_noisy", "n_samples", "lat_iqr_pct", "ttft_ms",
            "decode_tps", "decode_ms_token", "bound_fraction", "bound_tps", "energy_j_token", "ttft_flag",
            "step_spread_pct", "stability"]

# A row timed fewer calls than this shows no p90 / p99 (blank in tables, hover, CSV and the p90 axis):
# with 3 to 9 samples the "90th percentile" is an interpolation between the two largest samples, and
# the 99th is the largest one, not an estimate of the tail (122 shipped rows had 3 to 9, AUDIT2 D8).
MIN_SAMPLES_TAIL = 10
# the stability rule's threshold, as efficiency.measure.latency.NOISY_IQR_REL (that module imports torch)
NOISY_IQR_PCT = 5.0
# with efficiency.measure.latency.NOISY_CLOCK_DROP, energy.OVER_LIMIT and store.noisy.ENERGY_SPEED_TOL
STABILITY_RULE = ("IQR over 5 % of p50, an SM clock drop over 10 %, power over the board limit or an energy "
                  f"window more than 10 % off p50; {LANGUAGE_RULE}")

# what a latency row's memory figure is, by device: a GPU's is CUDA's peak allocated bytes; a CPU's is the
# growth of the process' RSS high-water mark during the run, a lower bound that reads 0 for most models
MEMORY_HEADER = {"cuda": "peak memory allocated (MiB)", "cpu": "RSS growth, lower bound (MiB)"}
MEMORY_WORDS = {"cuda": "Peak memory (allocated)", "cpu": "RSS growth (lower bound of peak memory)"}


def memory_header(device: str) -> str:
    """The header of a view's memory column on ``device`` (cuda | cpu)."""
    return MEMORY_HEADER.get(device, MEMORY_HEADER["cuda"])


def language_counts(rows: pd.DataFrame) -> pd.DataFrame:
    """Count ``rows`` with the language axes' columns (efficiency.ui.axes) added: decode GFLOPs per
    token at context 512 / 4096, active params in billions, bf16 weights in GiB, KV cache in KiB per
    token, training FLOPs as float (NaN on vision rows, and where the source gives no token count)."""
    rows = rows.copy()
    rows["decode_gflops_512"] = _num(rows, "decode_flops_per_token_512") / 1e9
    rows["decode_gflops_4096"] = _num(rows, "decode_flops_per_token_4096") / 1e9
    rows["params_active_b"] = _num(rows, "params_active") / 1e9
    rows["weight_gib"] = _num(rows, "weight_bytes_bf16") / GIB
    rows["kv_kib_token"] = _num(rows, "kv_cache_bytes_per_token_bf16") / KIB
    rows["training_flops"] = _num(rows, "training_flops")
    return rows


def count_table(results: pd.DataFrame) -> pd.DataFrame:
    """One good count row per model (the newest), with gmacs / gflops / params_m added."""
    rows = good_rows(results)
    rows = rows[rows["kind"] == "count"]
    if "measured_at" in rows:
        rows = rows.sort_values("measured_at", kind="stable", na_position="first")
    rows = rows.drop_duplicates("model", keep="last").copy()
    macs = pd.to_numeric(rows["macs"], errors="coerce").astype(float)
    flops = pd.to_numeric(rows["flops"], errors="coerce").astype(float)
    rows["gmacs"] = macs / 1e9
    rows["gflops"] = flops.fillna(2 * macs) / 1e9
    rows["params_m"] = pd.to_numeric(rows["params"], errors="coerce").astype(float) / 1e6
    return language_counts(rows).reset_index(drop=True)


def config_rows(results: pd.DataFrame, device: str, batch: int, dtype: str, mode: str) -> pd.DataFrame:
    """The good latency rows of one configuration, on every machine."""
    rows = good_rows(results)
    rows = rows[(rows["kind"] == "latency") & (rows["device"] == device) & (rows["dtype"] == dtype)
                & (rows["mode"] == mode)]
    return rows[pd.to_numeric(rows["batch_size"], errors="coerce") == batch]


def main_machine(rows: pd.DataFrame) -> str | None:
    """The ``hardware`` holding the most models among latency ``rows`` (ties: the first by name), or
    None when the rows have no machine column or no rows."""
    if "hardware" not in rows or rows.empty:
        return None
    n = rows.groupby(rows["hardware"].astype(str))["model"].nunique()
    return str(sorted(n.index, key=lambda h: (-n[h], h))[0])


def machine_note(results: pd.DataFrame, device: str, batch: int, dtype: str, mode: str, models,
                 hardware: str | None = None, rows: pd.DataFrame | None = None, main: str | None = None) -> str:
    """Which machine the latency of ``models`` (the view's plottable ones, as every note counts them: the task's
    models counted 972 here beside 958 in the coverage line, AUDIT8 F3) comes from, and what other machines hold in
    this configuration for them, in words. ``hardware``: the machine the user chose (it is always
    named); else ``main``, the automatic machine the view reads (:func:`efficiency.ui.view_machine.auto_machine`,
    computed once by the view: counted here over ``models`` it named the H100 under a chart drawn from
    the H200, UXCHECK6 #1), :func:`main_machine` of the configuration when None (what
    :func:`latency_table` reads then), named only when another machine holds some of the models.
    ``rows``: :func:`config_rows` of this configuration when the caller already has them."""
    every = config_rows(results, device, batch, dtype, mode) if rows is None else rows
    rows = every[every["model"].isin(set(models))]
    main = hardware if hardware is not None else (main if main is not None else main_machine(every))
    if main is None or "hardware" not in every:
        return ""
    mine = every[every["hardware"].astype(str) == main]
    name = str(mine["hardware_name"].iloc[0]) if len(mine) else main
    other = rows[~rows["model"].isin(set(mine["model"]))]
    said = f"Latency is from the chosen machine, {name}" if hardware is not None else ""
    if other.empty:
        return f"{said}." if said else ""
    others = ", ".join(sorted(set(other["hardware_name"].astype(str))))
    n = other["model"].nunique()
    return (f"{said or f'Latency is from one machine, {name}'}; {n} model{'s' if n != 1 else ''} measured in "
            f"this configuration only on another ({others}) {'are' if n != 1 else 'is'} not mixed in: pick that "
            "machine under Machine in the sidebar to see their latency (model detail and the Hardware page show "
            "their rows).")


def latency_table(results: pd.DataFrame, device: str, batch: int, dtype: str, mode: str,
                  hardware: str | None = None, rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """The fastest good latency row per model for one hardware configuration on one machine
    (``hardware``; None: :func:`main_machine`); ``rows`` as in :func:`machine_note`."""
    rows = config_rows(results, device, batch, dtype, mode) if rows is None else rows
    machine = hardware if hardware is not None else main_machine(rows)
    if machine is not None:
        rows = rows[rows["hardware"].astype(str) == machine]
    rows = rows.sort_values("latency_ms_p50", kind="stable").drop_duplicates("model", keep="first").copy()
    rows = latency_derived(rows)
    rows["ttft_flag"] = ttft_flags(rows, results)        # launch-bound or noisy TTFT (efficiency.ui.lang_stability)
    rows["stability"] = stability(rows) if len(rows) else pd.Series(dtype=object)   # in words, for the tables
    if batch != 1 and rows["decode_tps"].notna().any():
        # time to first token is measured at batch 1 only: a larger batch's view shows that one, and its flag
        first = latency_table(results, device, 1, dtype, mode, hardware=machine).set_index("model")   # same machine
        rows["ttft_ms"] = rows["model"].map(first["ttft_ms"])
        rows["ttft_flag"] = rows["model"].map(first["ttft_flag"]).fillna("")
    return rows


def latency_derived(rows: pd.DataFrame) -> pd.DataFrame:
    """A copy of latency ``rows`` with lat_p50_ms, lat_p90_ms and lat_p99_ms (NaN below
    :data:`MIN_SAMPLES_TAIL` timed calls), lat_iqr_pct (IQR in % of p50), throughput_sps (batch / p50
    when the row has none), ms_per_sample and mem_mib (CUDA max allocated, else CPU RSS growth) added."""
    rows = rows.copy()
    rows["lat_p50_ms"] = _num(rows, "latency_ms_p50")
    few = _num(rows, "n_samples") < MIN_SAMPLES_TAIL     # unknown counts (NaN) keep their tail
    rows["lat_p90_ms"] = _num(rows, "latency_ms_p90").mask(few)
    rows["lat_p99_ms"] = _num(rows, "latency_ms_p99").mask(few)
    rows["lat_iqr_pct"] = 100 * _num(rows, "latency_ms_iqr") / rows["lat_p50_ms"]
    thr = rows["throughput_sps"] = samples_per_s(rows)
    rows["ms_per_sample"] = 1e3 / thr
    gpu, cpu = _num(rows, "mem_gpu_max_allocated_bytes"), _num(rows, "mem_cpu_rss_growth_bytes")
    rows["mem_mib"] = np.where(rows["device"] == "cuda", gpu, cpu) / MIB
    # rows that store no noisy flag (the language sweep's) get one from their stored spread (lang_stability.RULE)
    return decode_derived(fill_noisy(rows))


def samples_per_s(rows: pd.DataFrame) -> pd.Series:
    """Samples per second of latency ``rows``: the row's stored ``throughput``, batch / p50 where it
    has none (the one formula: the explorer's table and the batch curves both use it)."""
    return _num(rows, "throughput").fillna(_num(rows, "batch_size") / (_num(rows, "latency_ms_p50") / 1e3))


def decode_derived(rows: pd.DataFrame) -> pd.DataFrame:
    """Latency ``rows`` with the language models' decode columns (NaN on other rows): ttft_ms,
    decode_tps (tokens of the whole batch per second), decode_ms_token (1000 / decode_tps), bound_tps
    (the memory-bandwidth bound), bound_fraction, energy_j_token."""
    rows["ttft_ms"] = _num(rows, "ttft_ms_p50")
    rows["decode_tps"] = _num(rows, "decode_tokens_per_s")
    rows["decode_ms_token"] = 1e3 / rows["decode_tps"]
    rows["bound_tps"] = _num(rows, "decode_bound_tokens_per_s")
    rows["bound_fraction"] = _num(rows, "decode_fraction_of_bound")
    rows["energy_j_token"] = _num(rows, "energy_j_per_token")
    return rows


def _stability_word(noisy, has_latency: bool) -> str | None:
    if not has_latency:
        return None
    if noisy is None or pd.isna(noisy):
        return "not assessed"
    return "noisy" if bool(noisy) else "stable"


def stability(rows: pd.DataFrame) -> pd.Series:
    """Per row of latency ``rows`` (or a view's points): "noisy" or "stable" where the row carries the
    stability rule's flag (``noisy``, :data:`STABILITY_RULE`; a language row's is decided from its stored spread
    in :func:`latency_derived`), "not assessed" where it carries none, None without latency."""
    flag = rows["noisy"] if "noisy" in rows else pd.Series(None, index=rows.index, dtype=object)
    has = _num(rows, "lat_p50_ms" if "lat_p50_ms" in rows else "latency_ms_p50").notna()
    return pd.Series([_stability_word(f, h) for f, h in zip(flag, has)], index=rows.index, dtype=object)


def stability_text(row: dict) -> str:
    """The stability of one point's latency row in words, for a hover card or an answer ("" when stable
    or without latency): "noisy row: IQR 7.3 % of p50" (or the other part of the rule that fired), or
    "latency stability not assessed" where the row has no flag."""
    p50 = row.get("lat_p50_ms")
    word = _stability_word(row.get("noisy"), p50 is not None and not pd.isna(p50))
    if word == "not assessed":
        return "latency stability not assessed (the row stores no noisy flag)"
    if word != "noisy":
        return ""
    iqr, spread = row.get("lat_iqr_pct"), row.get("step_spread_pct")
    if (iqr is None or pd.isna(iqr)) and spread is not None and not pd.isna(spread) and spread > NOISY_IQR_PCT:
        return f"noisy row: spread (std, no IQR stored) {spread:.1f} % of p50"
    if iqr is None or pd.isna(iqr):
        return f"noisy row ({STABILITY_RULE})"
    if iqr > NOISY_IQR_PCT:
        return f"noisy row: IQR {iqr:.1f} % of p50"
    energy = row.get("energy_noisy")
    if energy is not None and not pd.isna(energy) and bool(energy):
        return f"noisy row: its energy window ran off p50 or over the power limit (IQR {iqr:.1f} % of p50)"
    return f"noisy row: IQR {iqr:.1f} % of p50, so its clock, power or energy window failed the rule"


def join_latency(counts: pd.DataFrame, lat: pd.DataFrame) -> pd.DataFrame:
    """``counts`` with ``lat``'s columns (a left join on model). A count row carries the latency-only
    columns (``noisy``, ``channels_last``, energy: all NA there) too; they are dropped first, else the
    latency row's values would arrive suffixed (``noisy_y``) and every reader of ``noisy`` get NA."""
    lat_only = [c for c in lat.columns if c != "model"]
    return counts.drop(columns=lat_only, errors="ignore").merge(lat, on="model", how="left")


def accuracy_options(accuracy: pd.DataFrame, models=None) -> list[tuple[str, str]]:
    """(dataset, metric) pairs, most models first; restricted to ``models`` when given."""
    acc = accuracy if models is None else accuracy[accuracy["model"].isin(models)]
    return [] if acc.empty else metrics_available(acc)


def accuracy_values(accuracy: pd.DataFrame, dataset: str, metric: str) -> tuple[pd.DataFrame, bool]:
    """``(frame model -> acc, acc_img_size, acc_source)`` for one metric, and higher_is_better."""
    sub = accuracy[(accuracy["dataset"] == dataset) & (accuracy["metric"] == metric)]
    hib = True
    if len(sub) and "higher_is_better" in sub:
        hib = bool(sub["higher_is_better"].fillna(True).astype(bool).mode().iloc[0])
    sub = sub.sort_values("value", ascending=not hib).drop_duplicates("model")
    out = pd.DataFrame({"model": sub["model"], "acc": pd.to_numeric(sub["value"], errors="coerce"),
                        "acc_img_size": sub.get("img_size"), "acc_source": sub.get("source")})
    return out.reset_index(drop=True), hib


def freshness(results: pd.DataFrame) -> pd.DataFrame:
    """Per (kind, device): rows, models, errors, oldest and newest ``measured_at``."""
    if results.empty:
        return pd.DataFrame(columns=["kind", "device", "rows", "models", "errors", "oldest", "newest"])
    err = results["error"].fillna("").astype(str) != ""
    df = results.assign(_err=err)
    g = df.groupby(["kind", "device"], dropna=False)
    return pd.DataFrame({"rows": g.size(), "models": g["model"].nunique(), "errors": g["_err"].sum(),
                         "oldest": g["measured_at"].min(), "newest": g["measured_at"].max()}).reset_index()


# the front table's extra columns (besides model, family, y and x), with unit-bearing headers, speed first:
# with accuracy and the x axis they are the key columns, the ones a phone shows on its first line of numbers
FRONT_EXTRA = {"lat_p50_ms": "latency p50 (ms/batch)", "throughput_sps": "throughput (samples/s)",
               "gmacs": "GMACs (1 mult-add = 1)", "params_m": "params (M)"}
FRONT_EXTRA_LANGUAGE = {"ttft_ms": "TTFT p50 (ms, 512 tokens, batch 1)", "ttft_flag": "TTFT flag",
                        "decode_tps": "decode tokens/s", "stability": "decode step stability",
                        "decode_gflops_512": "decode GFLOPs/token @512 (= 2 x MACs)",
                        "params_active_b": "active params (B)", "bound_fraction": "fraction of bandwidth bound"}


def front_table(front: pd.DataFrame, x_column: str, x_header: str, y_label: str, language: bool) -> pd.DataFrame:
    """The Pareto page's table of the front: model, family, then accuracy and x under their axis titles,
    then the view's usual quantities (language ones for language models), speed first, the x axis' own
    column left out (accuracy first, as on the Compare and Models pages)."""
    extra = FRONT_EXTRA_LANGUAGE if language else FRONT_EXTRA
    if language:        # a flagged TTFT or a noisy step in words beside the figure (efficiency.ui.lang_stability)
        front = front.assign(stability=stability(front) if len(front) else None,
                             ttft_flag=[ttft_words(f) for f in front.get("ttft_flag", pd.Series("", front.index))])
    cols = ["model", "family", "y", "x"] + [c for c in extra if c != x_column and c in front]
    return front[cols].rename(columns={"x": x_header, "y": y_label, **extra})
