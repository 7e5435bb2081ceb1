"""Model detail's sentences about what a configuration holds (no torch, no Streamlit): a configuration
whose rows *failed* (said as a failure with its error, never as "not measured", UXCHECK5 #2), the one
machine the latency comes from (one statement, UXCHECK5 #5), the configurations where this weight has a
latency-versus-resolution curve (UXCHECK5 #4) and a paper claim's line with its missing values in words
and its source beside the seed table's (UXCHECK5 #3)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from efficiency.ui.configs import HwConfig
from efficiency.ui.curves import resolution_curves, resolution_lines, short_error
from efficiency.ui.machines import short_names
from efficiency.ui.models_table import escape_markdown

# the error's first line, long enough to keep the cause: a CUDA-graph capture error names its reason
# ("Cannot copy between CPU and CUDA tensors") after ~110 characters of wrapper text
ERROR_WIDTH = 240


@dataclass(frozen=True)
class Failure:
    machine: str     # its short name (efficiency.ui.machines.short_names), as other pages give it
    error: str       # the error's first line, shortened


def _text(col: pd.Series) -> pd.Series:
    return col.astype(object).where(col.notna(), "").astype(str)


def failures(results: pd.DataFrame, model: str, cfg: HwConfig) -> list[Failure]:
    """The failed latency rows (``error`` set) of ``model`` in ``cfg``, one per machine and error."""
    rows = results[(results["model"] == model) & (results["kind"] == "latency")]
    err = _text(rows["error"])
    keep = ((err != "") & (_text(rows["device"]) == cfg.device) & (_text(rows["dtype"]) == cfg.dtype)
            & (_text(rows["mode"]) == cfg.mode) & (pd.to_numeric(rows["batch_size"], errors="coerce") == cfg.batch))
    rows, err = rows[keep], err[keep]
    out = dict.fromkeys(Failure(str(n), short_error(e, ERROR_WIDTH)) for n, e in zip(short_names(rows), err))
    return list(out)


def failure_text(cfg: HwConfig, failed: list[Failure]) -> str:
    """"Latency failed for <cfg> on <machines>: <error>" (markdown), one clause per distinct error."""
    by_error: dict[str, list[str]] = {}
    for f in failed:
        by_error.setdefault(f.error, []).append(f.machine)
    clauses = [f"on {' and '.join(escape_markdown(m) for m in names)}: *{escape_markdown(e)}*"
               for e, names in by_error.items()]
    return (f"Latency **failed** for {cfg.short} (no time was measured: the run stopped with an error) "
            + "; ".join(clauses) + ".")


def machine_statement(machine, these: str = "this model", others: bool = True) -> str:
    """Which machine ``machine`` (:class:`efficiency.ui.latency_machine.LatencyMachine`) reads latency from,
    and why, in one statement: where the automatic machine measured none of ``these``, latency is from
    another, and the sentence says so instead of calling that other machine "the automatic machine".
    ``others`` False leaves out the note on models measured only on another machine (Compare says that
    once, in its hint beside the button switching machine)."""
    if machine.hardware is None:
        return ""
    if machine.chosen:
        head = f"Latency from the chosen machine, {machine.name}."
    elif machine.automatic:
        head = (f"Latency from {machine.name}: the automatic machine (Machine in the Pareto sidebar), "
                f"{machine.automatic}, did not measure {these} in this configuration.")
    else:
        head = f"Latency from the automatic machine (Machine in the Pareto sidebar), {machine.name}."
    dropped = {machine.automatic_note} | (set() if others else {machine.elsewhere_note})
    return " ".join([head, *(n for n in machine.notes if n not in dropped)])


@dataclass(frozen=True)
class CurveWhere:
    config: HwConfig
    sizes: int       # input sizes of this weight measured there
    machine: str     # the machine that measured them, in a few words


def curve_configs(rows: pd.DataFrame, model: str) -> list[CurveWhere]:
    """The configurations in which ``model``'s weight has a latency-versus-resolution curve (two or more
    sizes measured) in ``rows`` (the results with the resolution sweep), most sizes first."""
    lat = rows[(rows["kind"] == "latency") & (rows["arch"].isin(set(rows.loc[rows["model"] == model, "arch"])))]
    if "error" in lat:
        lat = lat[_text(lat["error"]) == ""]
    keys = lat[["device", "dtype", "mode", "batch_size"]].dropna().drop_duplicates()
    out = []
    for k in keys.itertuples(index=False):
        cfg = HwConfig(str(k.device), str(k.dtype), str(k.mode), int(k.batch_size))
        curves = resolution_curves(rows, [model], cfg.device, cfg.dtype, cfg.mode, cfg.batch)
        for line in resolution_lines(curves):
            sub = curves[curves["line"] == line]
            if sub["current"].any():     # the machine in a few words, as other pages name it
                out.append(CurveWhere(cfg, int(sub["resolution"].nunique()), str(short_names(sub).iloc[0])))
    return sorted(out, key=lambda w: (-w.sizes, w.config.text))


def curve_elsewhere_text(where: list[CurveWhere]) -> str:
    """Where this weight has a resolution curve, for the note under a configuration without one."""
    if not where:
        return ""
    return "A curve exists on " + "; ".join(f"{w.config.text} ({w.sizes} sizes, {w.machine})" for w in where[:3]) + "."


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() in ("", "nan")


def claim_line(cl, seed: bool, seed_claim: tuple[float, str] | None) -> str:
    """One paper claim of the detail page (markdown): the claimed accuracy and where it was read, the
    published reference and the claim's compute, each missing value said in words; ``seed``: the model is a
    seed architecture (no trained weights, so no reference of its own); ``seed_claim``: the seed table's
    (data/seed/<paper>.csv) claim of the same model and where it was read, stated beside a different number."""
    acc = cl["claimed_accuracy"]
    text = f"**{cl['paper_title']}** ({cl['claim_model']}): {cl['dataset']} {cl['metric']} claimed "
    text += ("no accuracy" if _missing(acc) else f"**{acc:.2f}**") + " in the paper's text (quoted below)"
    if seed_claim is not None and not _missing(acc) and abs(seed_claim[0] - float(acc)) > 1e-9:
        text += (f"; the seed table ({seed_claim[1]}, under *Paper's claimed accuracy* above) reads "
                 f"**{seed_claim[0]:.2f}** for this model from its own source: the two sources print different numbers")
    ref = cl["reference_accuracy"]
    text += ("; no published reference (seed architecture: no trained weights)" if seed and _missing(ref) else
             "; no published reference accuracy" if _missing(ref) else f" vs published reference **{ref:.2f}**")
    if _missing(cl["claimed_compute"]):
        text += "; the claim gives no compute"
    else:
        gm = cl["claimed_macs"] / 1e9 if not _missing(cl["claimed_macs"]) else None
        text += (f"; compute {cl['claimed_compute']} {cl['compute_unit']} "
                 f"({str(cl['compute_convention']).replace('_', ' ')})")
        if gm and not _missing(cl["measured_macs"]):
            text += f" = **{gm:.3g} GMACs** vs measured **{cl['measured_macs'] / 1e9:.3g} GMACs**"
    return text + (f" · flags: `{cl['flags']}`" if cl["flags"] else "")


# how far our count may sit from torchvision's published one before the page calls it a difference: its
# figures are printed with 3 decimals, and 147 of 152 weights agree within 5 % (data/README.md)
PUBLISHED_TOLERANCE = 0.05

def heads_reason(arch: str) -> str:
    """Why an R-CNN's count is above torchvision's: the convention data/README.md states, in one sentence
    (the ``_320_fpn`` model keeps 150 proposals after NMS at test time, the others 1,000)."""
    proposals = "150" if "_320_" in arch else "1,000"
    return (f"the heads run here on the most regions the test-time configuration allows ({proposals} proposals, "
            "100 detections; `efficiency.zoo.torchvision.heads_at_their_maximum`), while torchvision's figure "
            "was counted with them on 0 or 1 region (data/README.md)")


def published_counts_note(gmacs: float, params: float, arch: str, published) -> str:
    """Our MACs and parameters beside torchvision's published ``_ops`` and ``num_params`` for the same
    weights (an audit found R-CNNs at 3.5x torchvision's figure with nothing on the page saying so);
    ``published`` is the weight's row of data/torchvision_meta.parquet or None (then "")."""
    if published is None or _missing(published.get("published_gmacs")):
        return ""
    pub_g, pub_p = float(published["published_gmacs"]), published.get("num_params")
    text = (f"torchvision publishes **{pub_g:,.3f} GFLOPS** for these weights (its `_ops`, which counts one "
            f"multiply-add as one flop: {pub_g:,.3f} GMACs in this page's terms)")
    if not _missing(pub_p):
        text += f" and **{int(pub_p):,}** parameters"
    parts = []
    if pub_g > 0 and not _missing(gmacs):
        ratio = float(gmacs) / pub_g
        parts.append(f"our count, {float(gmacs):,.3f} GMACs, agrees within {PUBLISHED_TOLERANCE:.0%}"
                     if abs(ratio - 1) <= PUBLISHED_TOLERANCE else
                     f"our count, {float(gmacs):,.3f} GMACs, is {ratio:.2f}x its figure: "
                     + (heads_reason(arch) if "rcnn" in arch else "a difference not explained yet"))
    if not _missing(pub_p) and not _missing(params):
        parts.append("our parameter count is the same" if int(pub_p) == int(params) else
                     f"our parameter count differs ({int(params):,})")
    return text + (": " + "; ".join(parts) if parts else "") + "."
