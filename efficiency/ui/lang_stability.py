"""Stability of a speed row that stores no noisy flag (the language sweep's rows), from what the row stores
(no torch, no Streamlit).

The vision rows carry the measurement's flag (IQR over 5 % of p50, clock, power, energy window;
efficiency.ui.tables.STABILITY_RULE). The language sweep (efficiency.run.llm_sweep) stores only the energy part
of it, and an IQR on 16 of 122 rows, so 97 rows read "not assessed" while their stored spread was 5-30 % of p50
(AUDIT7 F3/F4). Their stability is decided here from the spread each row stores, with the same 5 % threshold:

* decode step (and BERT's forward): the IQR where the row stores one, else the standard deviation, as a share of
  p50. For a normal spread the std is 0.74 IQR, so the std test is no looser than the IQR test it stands in for;
  one outlier raises the std more, which is the side a flag should err on.
* TTFT (one eager 512-token prefill, 10 timed calls, p50 and p90 stored): p90 − p50 over 5 % of p50 (for a
  normal spread p90 − p50 is 0.95 IQR, so again about the IQR test), or *launch-bound*: its prefill reached under
  a quarter of the best prefill TFLOP/s any model reached on the same machine. There the figure times the host
  launching kernels, not the GPU's arithmetic, and does not rank models by size (qwen2.5-0.5b 28.9 ms against
  qwen2.5-7b 18.7 ms on the H200). The best prefill rather than the vendor's peak: the H200's is not recorded
  (efficiency.ui.hardware.PEAK_TFLOPS), and the best prefill is what this code path reaches there.

A stored flag is kept as is (a row the energy rule marked noisy stays noisy). No measured number is changed:
the rows gain a flag and the columns saying why.
"""
from __future__ import annotations

import pandas as pd

from efficiency.ui.numbers import floats as _num

SPREAD_PCT = 5.0              # as efficiency.ui.tables.NOISY_IQR_PCT (the vision rows' IQR threshold)
LAUNCH_FRACTION = 0.25        # TTFT launch-bound: prefill TFLOP/s under this share of the machine's best
RULE = ("rows without a stored flag (language models): the step's IQR, or its std where no IQR is stored, over "
        "5 % of p50")
TTFT_RULE = ("TTFT: *noisy* where p90 − p50 is over 5 % of p50 (10 timed prefills); *launch-bound* where the "
             "prefill reached under 25 % of the best prefill TFLOP/s any model reached on the same machine (the "
             "figure times the host launching kernels, so it does not rank models by size)")
LAUNCH_BOUND, TTFT_NOISY = "launch-bound", "noisy"


def step_spread_pct(rows: pd.DataFrame) -> pd.Series:
    """Per latency row: its stored IQR as % of p50, else its stored std as % of p50 (NaN with neither)."""
    p50 = _num(rows, "latency_ms_p50")
    return (100 * _num(rows, "latency_ms_iqr") / p50).fillna(100 * _num(rows, "latency_ms_std") / p50)


def fill_noisy(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` (latency rows, a copy the caller owns) with ``noisy`` decided by :data:`RULE` where the row
    stores no flag and a spread; ``step_spread_pct`` added. Stored flags are kept."""
    spread = rows["step_spread_pct"] = step_spread_pct(rows)
    stored = rows["noisy"] if "noisy" in rows else pd.Series(pd.NA, index=rows.index, dtype="boolean")
    derived = (spread > SPREAD_PCT).astype("boolean").mask(spread.isna())
    rows["noisy"] = stored.astype("boolean").fillna(derived)
    return rows


def ttft_flags(rows: pd.DataFrame, results: pd.DataFrame) -> pd.Series:
    """Per latency row: "launch-bound", "noisy" or "" for its TTFT (:data:`TTFT_RULE`; "" without TTFT).
    ``results``: the whole table, for the count rows' prefill FLOPs and every row of the same machine."""
    ttft = _num(rows, "ttft_ms_p50")
    spread = 100 * (_num(rows, "ttft_ms_p90") - ttft) / ttft
    tflops = prefill_tflops_rows(rows, results)
    best = prefill_tflops_rows(results[results["kind"] == "latency"], results).groupby(
        results.loc[results["kind"] == "latency", "hardware"].astype(str)).max()
    ceiling = rows["hardware"].astype(str).map(best) if "hardware" in rows else pd.Series(float("nan"), rows.index)
    launch = tflops < LAUNCH_FRACTION * ceiling.astype(float)
    out = pd.Series("", index=rows.index, dtype=object)
    out[ttft.notna() & (spread > SPREAD_PCT)] = TTFT_NOISY
    out[ttft.notna() & launch] = LAUNCH_BOUND          # the stronger statement wins: its figure is not the GPU's
    return out


def prefill_tflops_rows(rows: pd.DataFrame, results: pd.DataFrame) -> pd.Series:
    """Per latency row: the model's 512-token prefill FLOPs (its count row) / the row's TTFT p50, in TFLOP/s."""
    counts = results[results["kind"] == "count"] if "prefill_flops_512" in results else results.iloc[:0]
    flops = (pd.Series(_num(counts, "prefill_flops_512").to_numpy(), index=counts["model"].to_numpy())
             .dropna().groupby(level=0).first()) if len(counts) else pd.Series(dtype=float)
    per_row = rows["model"].map(flops).astype(float)
    return per_row / (_num(rows, "ttft_ms_p50") / 1e3) / 1e12


def ttft_words(flag) -> str:
    """A TTFT flag in a table cell ("launch-bound", "noisy"; "" for an unflagged or missing TTFT): short, so the
    speed table keeps memory and stability in view at 1440 px; the caption says what each means."""
    return "" if flag is None or (isinstance(flag, float) and pd.isna(flag)) else str(flag)


def ttft_note(points: pd.DataFrame) -> str:
    """One line for a view with TTFT figures: which models' TTFT is launch-bound or noisy ("" when none is)."""
    if "ttft_flag" not in points or "ttft_ms" not in points:
        return ""
    shown = points[points["ttft_ms"].notna()]
    parts = []
    for flag, words in ((LAUNCH_BOUND, "launch-bound (the prefill reached under 25 % of the best prefill TFLOP/s "
                         "on this machine: the figure times the host launching kernels, not the model's arithmetic, "
                         "and does not rank models by size)"),
                        (TTFT_NOISY, "noisy (p90 over p50 by more than 5 %, 10 timed prefills)")):
        names = sorted(str(m).split("/", 1)[-1] for m in shown.loc[shown["ttft_flag"] == flag, "model"])
        if names:
            more = f" and {len(names) - 8} more" if len(names) > 8 else ""
            parts.append(f"{words} for {len(names)} model{'s' * (len(names) != 1)}: {', '.join(names[:8])}{more}")
    return ("TTFT is " + "; ".join(parts) + ".") if parts else ""
