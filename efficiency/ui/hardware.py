"""The Hardware page's tables (no torch, no Streamlit): every measured configuration, achieved
TFLOP/s against the vendor's peak where its source is recorded and against the bf16 matmul peak
measured on the machine itself, and latency ratios between configurations.

achieved TFLOP/s = 2 x MACs per sample x batch / p50 latency (true FLOPs; :func:`achieved_tflops`).
A language model's latency row is one decode step, which generates one token per sequence: its work
is the decode FLOPs per token at context 512 x batch, not the 512-token prefill its ``macs`` count
(:func:`flops_per_item`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from efficiency import paths
from efficiency.store.query import good_rows
from efficiency.ui.machines import machines_in, short_names
from efficiency.ui.models_table import round_column
from efficiency.ui.state import ViewState
from efficiency.ui.tables import latency_derived

# The repository NVIDIA's benchmarking recipes live in; its README's "Peak Theoretical Throughput" table is the
# only NVIDIA-published peak whose text could be read where this table was written (see data/README.md).
NVIDIA_EXEMPLAR = "https://github.com/NVIDIA/exemplar-performance#peak-theoretical-throughput"


@dataclass(frozen=True)
class DatasheetPeak:
    """A vendor's dense peak (TFLOP/s, true FLOPs: 1 multiply-add = 2) for one GPU and dtype, with where the
    vendor states it and the words that state it: a roofline line is drawn only from a number one can check."""
    gpu: str                        # the part as the source names it
    contains: str                   # torch's device_name holds this ...
    excludes: tuple[str, ...]       # ... and none of these (variants of the name with other clocks and peaks)
    dtype: str
    tflops: float
    url: str                        # the vendor's own page
    quote: str                      # the table cell or sentence, as the page words it

    def matches(self, device_name: str, dtype: str) -> bool:
        name = device_name.lower()
        return (dtype == self.dtype and self.contains.lower() in name
                and not any(x.lower() in name for x in self.excludes))


# Only peaks whose vendor page was read (data/README.md, Hardware page). None for the H200: NVIDIA's
# H200 page and datasheet could not be read here, so its rows show no peak line and no % of peak.
PEAK_TFLOPS: tuple[DatasheetPeak, ...] = (
    # the table's H100 is the DGX H100 reference system's GPU ("8x H100 80 GB HBM3", TDP 700 W): the SXM part;
    # the H100 PCIe and NVL cards are other parts, which the table does not name: their names are excluded
    DatasheetPeak("NVIDIA H100 (DGX H100: H100 80 GB HBM3, 700 W)", "H100", ("PCIe", "NVL"), "bf16", 989.0,
                  NVIDIA_EXEMPLAR,
                  "table 'Peak Theoretical Throughput' (in TFLOPS), row BF16, column H100: 989; below it: 'These "
                  "peak theoretical throughput values are based on non-sparse specifications'"),
)


def peak_source(device_name, dtype: str) -> DatasheetPeak | None:
    """The recorded vendor peak of ``device_name`` (torch's name of the GPU) for ``dtype``, else None."""
    return next((p for p in PEAK_TFLOPS if p.matches(str(device_name or ""), str(dtype))), None)


def peak_tflops(device_name, dtype: str) -> float | None:
    """The vendor's dense peak (TFLOP/s) of a GPU for ``dtype`` (:data:`PEAK_TFLOPS`), else None."""
    peak = peak_source(device_name, dtype)
    return None if peak is None else peak.tflops


def peak_notes(rows: pd.DataFrame) -> list[str]:
    """One markdown line per GPU and dtype among :func:`hardware_table` ``rows``: the vendor peak drawn and its
    source, or that none is recorded; then the matmul peak measured on each machine, where there is one."""
    gpu = rows[rows["device"] == "cuda"] if len(rows) else rows
    out = []
    for (name, dtype), _ in gpu.groupby(["device_name", "dtype"], sort=True):
        peak = peak_source(name, dtype)
        if peak is None:
            out.append(f"No datasheet peak recorded for {name} ({dtype}): no dashed peak line and no % of the "
                       "vendor's peak for its rows.")
        else:
            out.append(f"{name} {dtype} peak: {peak.tflops:g} TFLOP/s dense, {peak.gpu}, from [{peak.url}]"
                       f"({peak.url}) ({peak.quote})")
    if "measured_peak_tflops" in gpu:
        for (name, dtype), mp in gpu.groupby(["hardware_name", "dtype"], sort=True)["measured_peak_tflops"]:
            if mp.notna().any():
                out.append(f"{name} {dtype}: the dotted line, {mp.max():.0f} TFLOP/s, is the {MEASURED_PEAK_WHAT}; "
                           "the % of it in the hover is the share of what a plain GEMM reaches there.")
    return out


# Our own peak, measured where the rows were: efficiency.run.llm_sweep times an 8192 x 8192 x 8192 bf16 GEMM
# (efficiency.measure.gpu_peaks.matmul_peak) on the GPU and stores it with the machine's identity. It needs no
# outside source, and it is the ceiling a PyTorch model can reach there, not the vendor's marketing figure.
MEASURED_PEAKS = paths.DATA / "gpu_peaks.parquet"
MEASURED_PEAK_DTYPE = "bf16"
MEASURED_PEAK_WHAT = "bf16 matmul peak measured on this machine (8192^3 GEMM, data/gpu_peaks.parquet)"


def read_measured_peaks(path=MEASURED_PEAKS) -> pd.DataFrame:
    """The GPU peaks table (``what``, ``tflops``, ``hardware``, ``measured_at``, ...); empty if it is absent or
    unreadable: the roofline then draws the vendor peaks only."""
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError):
        return pd.DataFrame(columns=["what", "tflops", "hardware", "measured_at"])


def measured_matmul_peaks(peaks: pd.DataFrame) -> dict[str, float]:
    """Hardware identity -> the bf16 matmul TFLOP/s last measured on it (``what == matmul_peak_bf16``)."""
    if not {"what", "tflops", "hardware"} <= set(peaks.columns):
        return {}
    mm = peaks[(peaks["what"] == "matmul_peak_bf16") & peaks["tflops"].gt(0) & peaks["hardware"].notna()]
    if "measured_at" in mm:
        mm = mm.sort_values("measured_at", kind="stable")
    return {str(h): float(t) for h, t in zip(mm["hardware"], mm["tflops"])}   # the latest run of a machine wins


def _measured_peak_column(rows: pd.DataFrame, measured: dict[str, float]) -> pd.Series:
    """Per row, the matmul peak measured on its machine, for bf16 GPU rows only (the GEMM ran in bf16)."""
    if not measured or "hardware" not in rows:
        return pd.Series(np.nan, index=rows.index, dtype=float)
    peak = rows["hardware"].astype(str).map(measured).astype(float)
    return peak.where((rows["device"] == "cuda") & (rows["dtype"] == MEASURED_PEAK_DTYPE))


# a configuration's key, the machine by its readable name first (rows of two machines are two lines;
# ``hardware``, the identity the name is made from, closes the table)
HARDWARE_CONFIG_COLUMNS = ["hardware_name", "device", "dtype", "mode", "batch_size", "channels_last"]
HARDWARE_CONFIG_HEADERS = {"hardware_name": "machine", "batch_size": "batch (samples per call)",
                           "channels_last": "channels last", "models": "models measured",
                           "energy_models": "models with energy (NVML)", "noisy_rows": "noisy rows",
                           "failed_rows": "failed rows (error)", "first_measured": "first measured (UTC date)",
                           "last_measured": "last measured (UTC date)", "torch_versions": "torch",
                           "hardware": "machine identity"}
HARDWARE_CONFIG_TABLE = list(dict.fromkeys([*HARDWARE_CONFIG_COLUMNS, *HARDWARE_CONFIG_HEADERS]))


def flops_per_item(rows: pd.DataFrame) -> pd.Series:
    """True FLOPs one call spends per batch item: 2 x MACs per sample, or on a language model's
    decode row (``decode_tokens_per_s`` set) the decode FLOPs of one token at context 512 (the
    step's context runs from 512 to 640: a lower bound by under 10 % of the attention share)."""
    flops = 2 * pd.to_numeric(rows["macs"], errors="coerce").astype(float)
    if "decode_tokens_per_s" not in rows or "decode_flops_per_token_512" not in rows:
        return flops
    decode = pd.to_numeric(rows["decode_tokens_per_s"], errors="coerce").notna()
    per_token = pd.to_numeric(rows["decode_flops_per_token_512"], errors="coerce").astype(float)
    return flops.where(~decode, per_token)


def achieved_tflops(rows: pd.DataFrame) -> pd.Series:
    """FLOPs per item x batch / p50 latency, in TFLOP/s (true FLOPs), of latency rows that carry
    ``macs``, ``batch_size`` and ``lat_p50_ms`` (:func:`efficiency.ui.tables.latency_derived`)."""
    batch = pd.to_numeric(rows["batch_size"], errors="coerce").astype(float)
    return flops_per_item(rows) * batch / (rows["lat_p50_ms"] / 1e3) / 1e12


def _joined(values: pd.Series) -> str:
    """The distinct non-empty values, sorted, comma-separated ("" when none)."""
    return ", ".join(sorted({str(v) for v in values.dropna() if str(v)}))


def hardware_configs(results: pd.DataFrame) -> pd.DataFrame:
    """Every measured latency configuration (:data:`HARDWARE_CONFIG_COLUMNS`, and the machine's identity)
    with its number of models with a good row, of those with an NVML energy figure, its noisy and its
    failed rows, the dates of its first and last row, and the torch versions that measured it; failed rows
    count even where no good row exists (a configuration tried and lost is still one measured)."""
    keys = [*HARDWARE_CONFIG_COLUMNS, "hardware"]
    rows = results.reindex(columns=[*keys, "kind", "model", "error", "noisy", "device_name", "energy_j_per_sample",
                                    "energy_j_per_token", "measured_at", "torch_version"])
    rows = rows[rows["kind"] == "latency"]
    if rows.empty:
        return pd.DataFrame(columns=HARDWARE_CONFIG_TABLE)
    good = rows["error"].fillna("").astype(str) == ""
    energy = pd.to_numeric(rows["energy_j_per_sample"], errors="coerce").notna() | pd.to_numeric(
        rows["energy_j_per_token"], errors="coerce").notna()
    name = rows["hardware_name"].astype(object).where(rows["hardware_name"].notna() & (rows["hardware_name"] != ""),
                                                      rows["device_name"])
    day = rows["measured_at"].astype(object).where(rows["measured_at"].notna(), None).map(
        lambda t: str(t)[:10] if t else None)
    rows = rows.assign(hardware_name=name.fillna(""), hardware=rows["hardware"].fillna(""),
                       channels_last=rows["channels_last"].astype(object).where(rows["channels_last"].notna(), False)
                       .astype(bool), batch_size=pd.to_numeric(rows["batch_size"], errors="coerce").astype("Int64"),
                       _good_model=rows["model"].where(good), _energy_model=rows["model"].where(good & energy),
                       _noisy=(rows["noisy"].astype(object).where(rows["noisy"].notna(), False).astype(bool) & good),
                       _failed=~good, _day=day)
    g = rows.groupby(keys, dropna=False)
    out = pd.DataFrame({"models": g["_good_model"].nunique(), "energy_models": g["_energy_model"].nunique(),
                        "noisy_rows": g["_noisy"].sum(), "failed_rows": g["_failed"].sum(),
                        "first_measured": g["_day"].min(), "last_measured": g["_day"].max(),
                        "torch_versions": g["torch_version"].agg(_joined)}).reset_index()
    out = out.sort_values(["device", "hardware_name", "dtype", "mode", "batch_size", "channels_last"], kind="stable")
    return out.reindex(columns=HARDWARE_CONFIG_TABLE).reset_index(drop=True)


def failed_only(configs: pd.DataFrame) -> pd.Series:
    """Per :func:`hardware_configs` line, whether it holds failed rows only (no model with a good row):
    the page lists those under the table, not as lines reading "0 models measured" (6 capture errors
    whose machine was not recorded had read as a machine of their own)."""
    return configs["models"].eq(0) & configs["failed_rows"].gt(0)


def failed_only_note(configs: pd.DataFrame) -> str:
    """One sentence naming :func:`hardware_configs` lines with failed rows only ("" when none)."""
    lost = configs[failed_only(configs)]
    if lost.empty:
        return ""
    each = [f"{r.hardware_name or r.device}, {r.device} batch {r.batch_size} {r.dtype} {r.mode} "
            f"({r.failed_rows} failed row{'s' if r.failed_rows != 1 else ''})" for r in lost.itertuples()]
    return "Not listed, failed runs only (no model measured): " + "; ".join(each) + "."


def speedup_frame(ratio: pd.Series) -> pd.DataFrame:
    """A :func:`speedups` ratio as the page shows it: the ratio first, to 3 significant digits, largest
    first, the model id second (in a narrow column a long id as the index had pushed the ratio off)."""
    out = pd.DataFrame({ratio.name or "ratio (x)": round_column(ratio), "model": ratio.index.astype(str)})
    return out.sort_values(out.columns[0], ascending=False, kind="stable").reset_index(drop=True)


def machine_labels(rows: pd.DataFrame) -> pd.Series:
    """Per latency row, its machine in a few words (:func:`~efficiency.ui.machines.short_names`) where the
    rows hold several machines of its device, else ""."""
    names = short_names(rows)
    hw = rows["hardware"].astype(object).where(rows["hardware"].notna(), "").astype(str) if "hardware" in rows \
        else pd.Series("", index=rows.index)
    device = rows["device"].astype(str) if "device" in rows else pd.Series("", index=rows.index)
    several = hw.groupby(device).transform("nunique") > 1
    return names.where(several, "")


def hardware_table(results: pd.DataFrame, models: list[str] | None = None,
                   measured: dict[str, float] | None = None) -> pd.DataFrame:
    """All good latency rows (optionally of ``models``) with achieved TFLOP/s and % of peak, and
    ``config`` naming device, batch, dtype and mode, after the machine where the cache holds several
    machines of that device (:func:`machine_labels`; three CPUs were all "cpu b1 fp32 eager").

    The peak is the vendor's dense number for the device and dtype where one is recorded with its source
    (:data:`PEAK_TFLOPS`), else NaN (CPUs, and GPUs whose vendor page could not be read).
    ``measured_peak_tflops`` / ``pct_of_measured_peak``: against the bf16 matmul peak measured on the row's
    own machine (``measured``: :func:`measured_matmul_peaks`), NaN where none was measured.
    """
    rows = good_rows(results)
    rows = rows[rows["kind"] == "latency"]
    rows = rows.assign(machine=machine_labels(rows)) if len(rows) else rows.assign(machine=[])
    if models:
        rows = rows[rows["model"].isin(models)]
    rows = latency_derived(rows)
    if rows.empty:
        return rows.assign(achieved_tflops=[], peak_tflops=[], pct_of_peak=[], measured_peak_tflops=[],
                           pct_of_measured_peak=[], config=[])
    rows["gmacs"] = flops_per_item(rows) / 2e9      # per sample; per generated token on decode rows
    rows["achieved_tflops"] = achieved_tflops(rows)
    rows["peak_tflops"] = [peak_tflops(n, d) for n, d in zip(rows["device_name"], rows["dtype"])]
    rows["peak_tflops"] = rows["peak_tflops"].astype(float)
    rows["pct_of_peak"] = 100 * rows["achieved_tflops"] / rows["peak_tflops"]
    rows["measured_peak_tflops"] = _measured_peak_column(rows, measured or {})
    rows["pct_of_measured_peak"] = 100 * rows["achieved_tflops"] / rows["measured_peak_tflops"]
    rows["config"] = (rows["machine"].where(rows["machine"] == "", rows["machine"] + ": ")
                      + rows["device"].astype(str) + " b" + rows["batch_size"].astype(str) + " "
                      + rows["dtype"].astype(str) + " " + rows["mode"].astype(str))
    return rows.reset_index(drop=True)


def machine_order(hw: pd.DataFrame, state: ViewState, first: str | None = None) -> tuple[str, ...]:
    """Identities of the machines of :func:`hardware_table` rows ``hw`` in the order a tie between them goes:
    ``first`` (the automatic machine Model detail, Compare and the explorer read:
    :func:`efficiency.ui.view_machine.auto_machine` over the view's plottable models), then those of
    ``state``'s configuration, most models first, then the others, most models over every configuration first."""
    cfg = hw[(hw["device"] == state.device) & (hw["batch_size"] == state.batch) & (hw["dtype"] == state.dtype)
             & (hw["mode"] == state.mode)] if len(hw) else hw
    every = (m.hardware for rows in (cfg, hw) for m in machines_in(rows))
    return tuple(dict.fromkeys([first, *every] if first else every))


def _p50_by_machine(hw: pd.DataFrame, **cfg) -> dict[str, pd.Series]:
    """Machine identity -> per model, the smallest p50 among its ``hw`` rows matching every ``column=value``."""
    m = np.ones(len(hw), bool)
    for k, v in cfg.items():
        m &= (hw[k] == v).to_numpy()
    rows = hw.loc[m, ["model", "lat_p50_ms"]]       # two columns: a copy of the wide table took ~0.3 s a call
    machine = hw.loc[m, "hardware"].astype(str) if "hardware" in hw else pd.Series("", index=rows.index)
    return {str(h): g.groupby("model")["lat_p50_ms"].min() for h, g in rows.groupby(machine)}


def _ratio(a: pd.Series, b: pd.Series, scale: float = 1.0) -> pd.Series:
    both = a.index.intersection(b.index)
    return (scale * a[both] / b[both]).rename("ratio (x)")


def _one_machine_ratio(a: dict, b: dict, same: bool, chosen: str, order: tuple[str, ...],
                       scale: float = 1.0) -> tuple[pd.Series, tuple[str, ...]]:
    """(ratio, machines) of the pair of machines (one machine when ``same``) that gives a :func:`_ratio` of
    ``a``'s over ``b``'s p50 (:func:`_p50_by_machine`): the ``chosen`` one where it has both sides for some
    model, else the pair with both sides for the most models, ties in ``order``; empty and () when none has."""
    pairs = [(x, y) for x in a for y in b if x == y or not same]
    ratios = {p: _ratio(a[p[0]], b[p[1]], scale) for p in pairs}
    pairs = [p for p in pairs if len(ratios[p])]
    if not pairs:
        return pd.Series(dtype=float, name="ratio (x)"), ()
    rank = lambda h: order.index(h) if h in order else len(order)  # noqa: E731
    best = min(pairs, key=lambda p: (not (chosen and chosen in p), -len(ratios[p]), rank(p[0]), rank(p[1]), p))
    return ratios[best], tuple(dict.fromkeys(best))


def _on(machines: tuple[str, ...], names: dict[str, str], chosen: str) -> str:
    """`` (H200 ...)`` / `` (CPU / GPU)``: where a ratio comes from, and that the sidebar's machine (``chosen``:
    "" when automatic, or when it is of a device the ratio does not read) is not it."""
    if not machines:
        return ""
    missed = f"; the chosen {names.get(chosen, chosen)} did not measure both sides" if chosen not in ("", *machines) \
        else ""
    return f" ({' / '.join(names.get(h, h) for h in machines)}{missed})"


def speedups(hw: pd.DataFrame, state: ViewState, order: tuple[str, ...] | None = None) -> list[tuple[str, pd.Series]]:
    """Per-model latency ratios between configurations of ``hw`` (:func:`hardware_table` rows), each
    labelled with both sides' device, batch, dtype and mode and the machine it comes from. The GPU side uses
    the sidebar's dtype and mode when the sidebar shows the GPU, else the GPU's most measured dtype and eager.
    Each ratio is one machine's (one CPU's and one GPU's), never two GPUs' (:func:`_one_machine_ratio`): the
    sidebar's machine where it measured both sides, else the one that did for the most models, ties in
    ``order`` (:func:`machine_order` of every model's rows; of ``hw``'s when None)."""
    gpu = hw[hw["device"] == "cuda"]
    on_gpu = state.device == "cuda"
    gd = state.dtype if on_gpu else (str(gpu["dtype"].mode().iloc[0]) if len(gpu) else "bf16")
    gm = state.mode if on_gpu else "eager"
    # the largest GPU batch measured for these models in the GPU side's dtype and mode (256 for the vision zoo,
    # 64 for language models), else in any: 1024 held 7 models in eager only, and read "Not measured" for cuda_graph
    batch = pd.to_numeric(gpu["batch_size"], errors="coerce")
    sized = batch[(gpu["dtype"] == gd) & (gpu["mode"] == gm) & (batch > 1)]
    big = int((sized if len(sized) else batch).max()) if len(gpu) else 256
    order = machine_order(hw, state) if order is None else order
    names = {m.hardware: m.name for m in machines_in(hw)} if "hardware" in hw else {}
    p50 = lambda **cfg: _p50_by_machine(hw, **cfg)  # noqa: E731
    b1 = p50(device="cuda", batch_size=1, dtype=gd, mode=gm)
    sides = [  # (label, numerator, denominator, one machine on both sides, scale)
        (f"CPU fp32 / GPU {gd} {gm} latency, batch 1", p50(device="cpu", batch_size=1, dtype="fp32"), b1, False, 1.0),
        (f"GPU eager / cuda_graph latency, batch {state.batch}, {gd}",
         p50(device="cuda", batch_size=state.batch, dtype=gd, mode="eager"),
         p50(device="cuda", batch_size=state.batch, dtype=gd, mode="cuda_graph"), True, 1.0),
        (f"GPU throughput gain, batch {big} vs 1, {gd} {gm} = {big} x p50(b1) / p50(b{big})", b1,
         p50(device="cuda", batch_size=big, dtype=gd, mode=gm), True, float(big))]
    out = []
    for label, a, b, same, scale in sides:
        chosen = state.hw_id if on_gpu or not same else ""     # a CPU chosen in the sidebar: the CPU side only
        ratio, machines = _one_machine_ratio(a, b, same, chosen, order, scale)
        out.append((label + _on(machines, names, chosen), ratio))
    return out
