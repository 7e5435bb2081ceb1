"""Seed-paper claims as the dashboard shows them (no torch, no Streamlit): on the Pareto figure's
axes, and beside one model. The comparison itself is :mod:`efficiency.reference.claims`."""
from __future__ import annotations

import math
import textwrap
from typing import Mapping

import numpy as np
import pandas as pd

from efficiency.reference.claims import (ACCURACY_TOLERANCE, CONVENTION, EXPLAINED, HOLDS, MACS_TOLERANCE,
                                         NOT_MEASURABLE, OFF)
from efficiency.reference.seed_check import TOLERANCE as SEED_TOLERANCE
from efficiency.ui.explorer import MEMBER_FILTERS, RANGE_FILTERS, rules_mask, search_mask
from efficiency.ui.labels import Area, Offset, candidate_offsets, clear_over_range, place_labels, text_box
from efficiency.ui.labels import inside_over_range
from efficiency.ui.models_table import round_sig
from efficiency.ui.numbers import fmt
from efficiency.ui.state import ViewState

# the columns of claims_overlay's frame (what the figure's claim markers read)
OVERLAY_COLUMNS = ["x", "y", "label", "paper", "quote", "claimed_compute", "compute_unit", "compute_convention",
                   "model", "measured_x", "derived", "accuracy_derived", "flags", "accuracy_basis"]
# the cost axes a claim can sit on: papers report compute, not our hardware
CLAIM_AXES = {"gmacs": 1e9, "gflops": 0.5e9}     # axis -> MACs per axis unit


def claims_overlay(cvm: pd.DataFrame | None, state: ViewState, zoo: pd.DataFrame | None = None) -> pd.DataFrame:
    """Paper claims at their convention-corrected position on the view's axes, through the view's
    filters (:func:`claim_filter_mask`; ``zoo``: the count table, whose family and source of a
    claim's zoo model the family and source filters read).

    ``cvm`` is :func:`efficiency.reference.claims.claimed_vs_measured` output: ``claimed_macs`` already
    applies the paper's convention (MACs called FLOPs, true FLOPs = 2 x MACs, or a factor of
    a measured baseline). Only compute axes (GMACs, GFLOPs) can show claims; a ``*_delta``
    accuracy claim appears on its base metric with the baseline's accuracy added, ``accuracy_basis``
    saying which baseline ("= timm/resnet50.tv_in1k@224 76.16 - 0.76", "= paper's baseline 74.7 + 0.5").
    """
    if cvm is None or cvm.empty or state.x not in CLAIM_AXES:
        return pd.DataFrame(columns=OVERLAY_COLUMNS)
    base_metric = cvm["metric"].astype(str).str.replace(r"_delta$", "", regex=True)
    sub = cvm[(cvm["dataset"].astype(str) == state.y_dataset) & (base_metric == state.y_metric)]
    macs = pd.to_numeric(sub["claimed_macs"], errors="coerce").astype(float)
    acc = pd.to_numeric(sub["claimed_accuracy"], errors="coerce").astype(float)
    ok = macs.notna() & acc.notna() & (macs > 0)
    sub, macs, acc = sub[ok], macs[ok], acc[ok]
    scale = CLAIM_AXES[state.x]
    measured = pd.to_numeric(sub["measured_macs"], errors="coerce").astype(float) / scale
    out = pd.DataFrame({
        "x": macs / scale, "y": acc, "label": sub["claim_model"].astype(str), "paper": sub["paper_title"].astype(str),
        "quote": sub["quote"].fillna("").astype(str), "claimed_compute": sub["claimed_compute"],
        "compute_unit": sub["compute_unit"].astype(str), "compute_convention": sub["compute_convention"].astype(str),
        "model": sub["model"].fillna("").astype(str), "measured_x": measured, "derived": sub["derived"],
        "accuracy_derived": sub["accuracy_derived"], "flags": sub["flags"].fillna("").astype(str),
        # older claimed_vs_measured frames (a cached session) lack the column: no basis to name
        "accuracy_basis": sub.get("accuracy_basis", pd.Series("", index=sub.index)).fillna("").astype(str),
    }, columns=OVERLAY_COLUMNS)
    arch = sub.get("zoo_arch", pd.Series("", index=sub.index)).fillna("").astype(str)
    return out[claim_filter_mask(out, arch, state, zoo)].reset_index(drop=True)


def claim_filter_mask(claims: pd.DataFrame, arch: pd.Series, state: ViewState,
                      zoo: pd.DataFrame | None = None) -> pd.Series:
    """The overlay rows (``claims``: x, y, label, model; ``arch``: each claim's zoo architecture) that
    the view's filters keep, so that no diamond sits outside the filtered range nor stretches the axes
    to reach it (UXCHECK4 #2). Each filter, as it applies to a paper's claim:

    * accuracy and cost bounds, and the log axes' positivity: on the claim's plotted y and x;
    * sources and families: through the claim's own zoo model (``model``, the entry implementing the
      claimed architecture: timm's tinynet_e, our seed/fbnet...). A claim without one (compared through
      a baseline only, flag ``no_zoo_arch``) is in no source nor family: such a filter hides it. The
      family and source are read from ``zoo`` (the count table); without it no family is known (a family
      filter hides every claim) and the source is the zoo id's prefix (efficiency.zoo.ids: ``<source>/...``);
    * the name filter (:func:`efficiency.ui.explorer.search_mask`'s rule): on the claim's name
      ("ResNet-18 + Sparse-IFT"), its zoo model's id and its architecture; matching none hides it;
    * "seed-paper architectures only" keeps every claim (each comes from a seed paper), and no claim
      is one of timm's test networks.
    """
    model = claims["model"].astype(str)
    entry = zoo.drop_duplicates("model").set_index("model") if zoo is not None else None
    source = model.map(entry["source"]) if entry is not None else \
        model.where(model.str.contains("/", regex=False), "").str.split("/").str[0]
    family = model.map(entry["family"]) if entry is not None else pd.Series(np.nan, index=claims.index)
    # the explorer's own rules for the points: the same bounds, log-axis positivity, source and family
    keep = rules_mask(claims.assign(source=source, family=family), state, MEMBER_FILTERS + RANGE_FILTERS)
    if state.search.strip():
        arch = arch.reindex(claims.index).fillna("")
        keep &= (search_mask(pd.DataFrame({"model": claims["label"], "arch": arch}), state.search)
                 | search_mask(pd.DataFrame({"model": model, "arch": arch}), state.search))
    return keep


def claim_hover(c, y_label: str, unit: str) -> str:
    """The hover card of one overlay row ``c`` (an itertuples row of :func:`claims_overlay`): what
    the paper claims and where it is plotted. A claimed accuracy derived from a delta names its
    baseline and that baseline's figure, so it does not read as the paper's own number."""
    derived = getattr(c, "accuracy_derived", False) is True
    basis = str(getattr(c, "accuracy_basis", "") or "")
    acc = f"{c.y:.2f} {basis}" if derived and basis else f"{c.y:.2f}" + (" (baseline + delta)" if derived else "")
    return (f"<b>{c.label}</b> (paper claim)<br>{textwrap.shorten(c.paper, 80)}<br>"
            f"claimed {y_label}: {acc}<br>"
            f"claimed compute: {c.claimed_compute} {c.compute_unit} ({c.compute_convention.replace('_', ' ')})"
            f"<br>-> plotted at {c.x:.3g} {unit}; measured {c.model or 'n/a'}: {fmt(c.measured_x, '.3g', unit)}"
            + (f"<br>flags: {c.flags}" if c.flags else "") + "<br>"
            + "<br>".join(textwrap.wrap('"' + c.quote + '"', 70)[:6]))


def claims_for_model(cvm: pd.DataFrame | None, model: str, arch: str) -> pd.DataFrame:
    """Rows of ``claimed_vs_measured`` output about ``model`` (or, failing that, its ``arch``)."""
    if cvm is None or cvm.empty:
        return pd.DataFrame(columns=[] if cvm is None else cvm.columns)
    hit = cvm[cvm["model"].astype(str) == model]
    return hit if len(hit) else cvm[cvm["zoo_arch"].astype(str) == arch]


# ---- the Paper claims page: its summary line, its details table and the names on its chart

def counted(n: int, singular: str, plural: str | None = None) -> str:
    """``n`` and the noun in the number it needs: "1 variant", "2 variants"."""
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


# a verdict kind in a word or two, named so that none reads as a count of its own ("6 off, explained,
# 0 off" read as three counts): explained and unexplained gaps side by side
VERDICT_WORDS = {HOLDS: "holds", CONVENTION: "convention mismatch", EXPLAINED: "off (explained)",
                 OFF: "off (unexplained)", NOT_MEASURABLE: "not measurable"}


def verdict_summary(kinds: Mapping[str, int], n_papers: int, n_claims: int) -> str:
    """The count of claims per verdict kind (:data:`VERDICT_WORDS`)."""
    return (f"{counted(n_papers, 'seed paper')}, {counted(n_claims, 'claim')}: "
            + ", ".join(f"{int(kinds.get(k, 0))} {w}" for k, w in VERDICT_WORDS.items()))


def with_verdict_word(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (columns kind, verdict) with ``verdict`` the kind in words (:data:`VERDICT_WORDS`) and
    ``why`` the verdict's text, less a leading "not measurable: " that the word already says. The
    tables showed the text alone, cut to about 40 characters ("off by +5.2 % (compute, ours vs th…",
    AUDIT7 F10): the word reads at any width, the reason wraps beside it."""
    kind = frame["kind"].fillna("").astype(str)
    text = frame["verdict"].fillna("").astype(str)
    why = [t[len(k) + 2:] if k and t.startswith(k + ": ") else t for k, t in zip(kind, text)]
    return frame.assign(verdict=kind.map(VERDICT_WORDS).fillna(kind), why=why)


def untimed_cell(results: pd.DataFrame, model: str) -> str:
    """The text of a baseline's blank H200 p50 cell (AUDIT7 L8: Swin-L at 384 px showed an empty cell, its
    reason at the far end of the row): never timed at all (its count only), or timed in another
    configuration, which the row's note names (efficiency.reference.seed_check.h200_latency)."""
    if not model:
        return "not in the zoo (note)"      # the note says which library lacks it
    rows = results[(results["model"] == model) & (results["kind"] == "latency")] if "kind" in results else results[:0]
    good = rows[rows["error"].fillna("").astype(str) == ""] if "error" in rows else rows
    return "never timed (count only)" if good.empty else "other config (note)"


def with_unit(values, units) -> list[str]:
    """Each value at 3 significant digits followed by its own unit ("64.9 MFLOPs", "4.32 GFLOPs");
    empty where the value is missing. A column whose unit changes per row says it in every cell."""
    out = []
    for v, u in zip(values, units):
        r = round_sig(v)
        out.append("" if math.isnan(r) else f"{r:g} {u}".strip())
    return out


# the details table: source column -> header (units in the header; MACs = 1 multiply-add)
DETAILS_COLUMNS = {
    "verdict": "verdict", "claim_model": "claim about", "why": "why", "macs_ratio": "claimed / measured MACs",
    "accuracy_diff": "claimed - reference (points)", "claimed GMACs": "claimed (GMACs)",
    "measured GMACs": "measured (GMACs)", "model": "measured zoo model", "claimed_accuracy": "claimed accuracy (%)",
    "reference_accuracy": "reference accuracy (%)", "claimed_compute": "claimed compute (as printed)",
    "compute_unit": "printed unit", "compute_convention": "convention", "flags": "flags",
    "paper_title": "paper", "dataset": "dataset", "metric": "metric", "quote": "quote (abstract)",
}
DETAILS_NUMBERS = ("macs_ratio", "accuracy_diff", "claimed GMACs", "measured GMACs", "claimed_accuracy",
                   "reference_accuracy")

DETAILS_NUMBER_HEADERS = tuple(DETAILS_COLUMNS[c] for c in DETAILS_NUMBERS)


def details_table(t: pd.DataFrame) -> pd.DataFrame:
    """The claimed-vs-measured rows as the page shows them: numbers at 3 significant digits,
    readable headers with units (:data:`DETAILS_COLUMNS`)."""
    if "verdict" in t and "kind" in t:      # the verdict when joined: its word first, its reason beside it
        t = with_verdict_word(t)
    out = t[[c for c in DETAILS_COLUMNS if c not in ("verdict", "why") or c in t]].copy()
    for c in DETAILS_NUMBERS:
        out[c] = pd.to_numeric(out[c], errors="coerce").map(round_sig)
    out["compute_convention"] = out["compute_convention"].fillna("").astype(str).str.replace("_", " ")
    return out.rename(columns=DETAILS_COLUMNS)


# ---- the page's filters: which papers' verdicts it lists (ViewState.claims_show) and which claims
# its details show (ViewState.claims_flagged); both travel in the share link

SHOW_LABELS = {"all": "all papers", "ours": "with a number of ours", "off": "off or mismatched"}
OFF_KINDS = (OFF, EXPLAINED, CONVENTION)        # what "off or mismatched" keeps, by verdict kind
FLAGGED_LABEL = "Only claims off, mismatched or flagged"
FLAGGED_HELP = ("Keeps a claim whose verdict is off (explained or not) or a convention mismatch, as 'Show: off or "
                "mismatched' does above, and one the comparison flagged (the flags under the chart; no_zoo_arch: a "
                "model not in the zoo, its compute implied from its baseline). A gap within the verdicts' tolerance "
                f"(compute within {MACS_TOLERANCE:.0%} of our count, {SEED_TOLERANCE:.0%} for a variant we built; "
                f"accuracy within {ACCURACY_TOLERANCE:g} point) is neither off nor flagged.")
# why a listed claim has no point on the chart
NOT_DRAWN = ("A claim whose abstract gives no compute figure (accuracy only, or checked against its paper's table) "
             "has no claimed compute; one about a model not in the zoo (flag no_zoo_arch) has no measured compute, "
             "only one implied from its baseline.")


def shown_papers(papers: pd.DataFrame, show: str) -> pd.DataFrame:
    """The per-paper verdicts that the "Show" choice ``show`` (a key of :data:`SHOW_LABELS`) keeps."""
    if show == "ours":
        return papers[papers["ours"] != ""]
    return papers[papers["kind"].isin(OFF_KINDS)] if show == "off" else papers


def details_rows(cvm: pd.DataFrame, verdicts: pd.DataFrame, flagged_only: bool) -> pd.DataFrame:
    """The claimed-vs-measured rows (``cvm``) with their verdict (``verdicts``: kind, verdict by claim_row)
    and their compute in GMACs; ``flagged_only``: those off, mismatched or flagged (:data:`FLAGGED_HELP`)."""
    v = verdicts.drop_duplicates("claim_row").set_index("claim_row")
    t = cvm.assign(kind=cvm["claim_row"].map(v["kind"]), verdict=cvm["claim_row"].map(v["verdict"]).fillna(""),
                   **{"claimed GMACs": pd.to_numeric(cvm["claimed_macs"], errors="coerce") / 1e9,
                      "measured GMACs": pd.to_numeric(cvm["measured_macs"], errors="coerce") / 1e9})
    if flagged_only:
        t = t[t["kind"].isin(OFF_KINDS) | (t["flags"].fillna("").astype(str) != "")]
    return t


def chart_note(t: pd.DataFrame, drawn: int, flagged_only: bool) -> str:
    """What the chart leaves out of the ``t`` rows listed, ``drawn`` of them plotted: in place of the
    chart when it has nothing to draw (it vanished without a word, UXCHECK5 #7), else under it; "" if none."""
    kind, other = ("off, mismatched or flagged claim", " Turn the filter off to plot the other claims.") \
        if flagged_only else ("claim", "")
    if len(t) == 0:
        return f"Nothing to plot: no {kind}.{other}"
    if drawn == len(t):
        return ""
    if drawn == 0:
        return (f"Nothing to plot: of the {counted(len(t), kind)} listed above, none has both a claimed and a "
                f"measured compute. {NOT_DRAWN}{other}")
    return f"{drawn} of the {len(t)} claims listed are plotted; the others lack a claimed or a measured compute. " + NOT_DRAWN


# the claims chart's plotting area, px (measured in Chromium: 258 x 256 on a 390 px phone, 320 - 390
# wide between 800 and 950 px with the sidebar open, 880 x 305 at 1440, 2000 at 2560). Names that
# fit at every width are drawn everywhere; the rest only from DETAILS_WIDE's lower end up (the page
# hides them on a phone, PHONE_MAX_PX), so a crowded pair is still named on a desktop
DETAILS_WIDTHS, DETAILS_WIDE, DETAILS_HEIGHTS = (240.0, 2600.0), (300.0, 2600.0), (250.0, 320.0)
PHONE_MAX_PX = 440        # viewport: a plot under DETAILS_WIDE's 300 px (the plot is the viewport less 132 px)
DETAILS_FONT_PX = 11


def _place_more(uv, rest, sizes, placed, radius: float, area: Area) -> list[tuple[int, Offset]]:
    """Offsets for the labels ``rest`` (indices into ``uv``, point fractions) clear of every marker
    (all of ``uv``), of the ``placed`` ``(index, Offset)`` labels and of each other, over ``area``'s
    sizes: :func:`efficiency.ui.labels.place_labels`' greedy rule with labels already standing."""
    boxes = [(uv[i], (o.dx, o.dy), sizes[i]) for i, o in placed]
    m_size = np.full((len(uv), 2), 2 * radius)
    out = []
    for i in rest:
        for off in candidate_offsets(tuple(sizes[i]), radius):
            if not inside_over_range(uv[i], off, sizes[i], area) or \
                    not clear_over_range(uv[i], off, sizes[i], uv, (0.0, 0.0), m_size, area).all():
                continue
            b_uv, b_off, b_size = (np.array([b[k] for b in boxes]) for k in range(3)) if boxes else (None,) * 3
            if boxes and not clear_over_range(uv[i], off, sizes[i], b_uv, b_off, b_size, area).all():
                continue
            boxes.append((uv[i], off, sizes[i]))
            out.append((i, Offset(*off)))
            break
    return out


def _crowded_first(xy: np.ndarray) -> list[int]:
    """Point indices, the one nearest another first (a crowded pair takes the free places
    before its lone neighbours do), ties left to right: a deterministic priority."""
    d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    np.fill_diagonal(d, np.inf)
    nearest = d.min(axis=1) if len(xy) > 1 else np.zeros(len(xy))
    return [int(i) for i in np.lexsort((xy[:, 0], nearest))]


def _note(x: float, y: float, text: str, off: Offset, radius: float) -> dict:
    """One name as a plotly annotation (log axes: ``x``, ``y`` in log10), joined to its marker by a
    thin line; ``name`` "label:..." lets :func:`efficiency.ui.chart_view.apply_theme` recolour it."""
    return dict(x=x, y=y, xref="x", yref="y", text=text, showarrow=True, arrowhead=0, arrowwidth=0.8,
                arrowcolor="#888", standoff=radius, ax=off.dx, ay=-off.dy, xanchor="center", yanchor="middle",
                font=dict(size=DETAILS_FONT_PX, color="#333"), bgcolor="rgba(255,255,255,0.6)", borderpad=1,
                name=f"label:{text}")


def _placed(xy, sizes, order, radius: float, areas: tuple[Area, Area]):
    """The two passes of :func:`details_labels` in one priority ``order``: ``(index, Offset)`` of
    the names that hold everywhere, then of those that hold on the wide area only."""
    first = place_labels(xy[order], sizes[order], xy, radius, areas[0])
    placed = [(i, off) for i, off in zip(order, first) if off is not None]
    rest = [i for i, off in zip(order, first) if off is None]
    return placed, _place_more(areas[0].fractions(xy), rest, sizes, placed, radius, areas[1])


def details_labels(x, y, texts, x_range, y_range, marker_px: float, widths=DETAILS_WIDTHS, wide=DETAILS_WIDE,
                   heights=DETAILS_HEIGHTS) -> tuple[list[dict], int]:
    """Plotly annotations naming the claims chart's points (log axes: ``x``, ``y`` in GMACs, ranges
    in log10) clear of each other and of every marker, and how many of them (the first) hold at
    every plot size in ``widths`` x ``heights`` (:func:`efficiency.ui.labels.place_labels`); the
    others hold from ``wide``'s lower end up. A name that fits nowhere is left to the hover card.
    The greedy placer depends on its order: from three deterministic orders (left to right, right
    to left, the most crowded first), each repaired by moving the first name left out to the front,
    the placement naming the most points wins, then the one naming the most everywhere."""
    xy = np.log10(np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)]))
    texts = [str(t) for t in texts]
    sizes = np.array([text_box(t, DETAILS_FONT_PX) for t in texts], dtype=float).reshape(-1, 2)
    areas = (Area(tuple(x_range), tuple(y_range), tuple(widths), tuple(heights)),
             Area(tuple(x_range), tuple(y_range), tuple(wide), tuple(heights)))
    ltr = [int(i) for i in np.argsort(xy[:, 0], kind="stable")]
    best, score = None, (-1, -1)
    for start in (ltr, ltr[::-1], _crowded_first(xy)):
        order = list(start)
        for _ in range(len(order) + 1):       # repair: a name left out moves to the front, once each
            placed, more = _placed(xy, sizes, order, marker_px / 2, areas)
            if (len(placed) + len(more), len(placed)) > score:
                best, score = (placed, more), (len(placed) + len(more), len(placed))
            named = {i for i, _ in placed + more}
            out = [i for i in order if i not in named]
            if not out or out[0] == order[0]:
                break
            order = [out[0]] + [i for i in order if i != out[0]]
    placed, more = best
    return [_note(xy[i, 0], xy[i, 1], texts[i], off, marker_px / 2) for i, off in placed + more], len(placed)


def phone_hidden_css(n_everywhere: int, n_notes: int, max_px: int = PHONE_MAX_PX) -> str:
    """A style that hides the annotations from index ``n_everywhere`` on (the names placed for a
    desktop's plot, :func:`details_labels`) on a viewport up to ``max_px`` wide; empty if none."""
    if n_notes <= n_everywhere:
        return "<style></style>"
    sel = ", ".join(f'.js-plotly-plot .annotation[data-index="{i}"]' for i in range(n_everywhere, n_notes))
    return f"<style>@media (max-width: {max_px}px) {{ {sel} {{ display: none; }} }}</style>"
