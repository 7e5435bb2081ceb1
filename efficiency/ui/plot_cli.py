"""The ``python -m efficiency.plot`` command line: the dashboard's Pareto figure without the UI (no torch).

    python -m efficiency.plot                          # ImageNet top-1 vs GMACs, classification zoo
    python -m efficiency.plot --task language --x decode_tps --out lang.csv   # the best-covered protocol group
    python -m efficiency.plot --x latency_p50 --device cuda --batch-size 256 --out front.svg
    python -m efficiency.plot --models 'resnet*' --y imagenet-real:top1 --out resnets.csv
    python -m efficiency.plot --models 'resnet18*' 'resnet50*' --cache out/mine.parquet --out two.csv
    python -m efficiency.plot --x latency_p50 --device cpu --hw '?'      # CPU rows (fp32 eager); lists the machines

The view is built exactly as the Pareto page builds it (:func:`efficiency.ui.explorer.build_view`),
the figure and the exports are :mod:`efficiency.ui.figures`. The options that name what
``python -m efficiency.refresh`` names have its names (``--cache``, ``--batch-size``, ``--models P [P ...]``);
the older ``--results``, ``--batch`` and ``--accuracy`` stay accepted as aliases (CLICHECK F7).
"""
from __future__ import annotations

import argparse
import difflib
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd

from efficiency.ui import data as uidata
from efficiency.ui import seed_claims
from efficiency.ui.axes import AXES
from efficiency.ui.claims_view import claims_overlay
from efficiency.ui.cli_notes import cli_note
from efficiency.ui.configs import config_of
from efficiency.ui.explorer import build_view, search_mask
from efficiency.ui.figures import build_figure, figure_bytes, points_csv
from efficiency.ui.plottable import machine_counts, plottable_models, unplottable_machine_text
from efficiency.ui.state import BUBBLES, ViewState
from efficiency.ui.language import pair_for_task
from efficiency.ui.tables import accuracy_options, config_rows, count_table
from efficiency.vocab import ALL_TASKS, COLOR_BY, DEVICES, DTYPES, MODES, TASKS, X_AXES

DESCRIPTION = "Publication-ready Pareto figures (plotly), their exports, and a command line (no torch)."
FIGURE_FORMATS = ("html", "png", "svg", "pdf")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):   # one line, as refresh's (the usage block ran to 17 lines above it)
        self.exit(2, f"error: {message} (see --help)\n")

    def _get_option_tuples(self, option_string):
        """Prefixes matching only names of one option are that option: ``--bat`` and ``--acc`` meant
        ``--batch`` and ``--accuracy`` before those got their refresh-like names beside them, and would
        otherwise be refused as ambiguous between an option's two names."""
        one = {}
        for match in super()._get_option_tuples(option_string):
            one.setdefault(id(match[0]), match)
        return list(one.values())


def _batch(text: str) -> int:
    """A batch size: a whole number of at least 1 (0 drew an empty figure and advised a refresh that
    refuses it)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"batch sizes are at least 1, not {value}")
    return value


def input_problem(a: argparse.Namespace) -> str | None:
    """What makes the command line unusable before anything is read or drawn (CLICHECK F4, F6): an output
    type we cannot write, a folder that is not there, a results file that is not there."""
    fmt = a.out.suffix.lower().lstrip(".")
    if fmt != "csv" and fmt not in FIGURE_FORMATS:
        return f"unknown output type {a.out.suffix!r}: use .svg .png .pdf .html or .csv"
    if not a.out.parent.resolve().is_dir():
        return f"--out {a.out}: the folder {a.out.parent} does not exist; create it or write elsewhere"
    results = a.results or uidata.path_for("results")
    if not Path(results).exists():
        return (f"no results cache at {results}; build one with `python -m efficiency.refresh --models "
                f"'resnet*' --cache {results}` or pass --cache with an existing file")
    return None


def metric_problem(results, accuracy, state: ViewState) -> str | None:
    """An accuracy the table does not hold (``--y imagenet-1k:top7`` drew an empty figure), with the ones
    it holds for the task's models."""
    if accuracy.empty or not {"model", "dataset", "metric"} <= set(accuracy.columns):
        return None
    if ((accuracy["dataset"] == state.y_dataset) & (accuracy["metric"] == state.y_metric)).any():
        return None
    counts = count_table(results)
    task = counts if state.task == ALL_TASKS else counts[counts["task"] == state.task]
    mine = accuracy[accuracy["model"].isin(set(task["model"].astype(str)))]
    pairs = sorted(set(zip(mine["dataset"].astype(str), mine["metric"].astype(str))))
    return (f"--y {state.y_dataset}:{state.y_metric}: no such accuracy in the accuracy table; for {state.task} "
            "models: " + (", ".join(f"{d}:{m}" for d, m in pairs[:20]) + (" ..." if len(pairs) > 20 else "")
                          if pairs else "none"))


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="python -m efficiency.plot",
        description=DESCRIPTION + "\n\nWith no options: ImageNet-1k top-1 vs GMACs for the whole "
        "classification zoo, written to pareto.svg.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="x metrics:\n" + "\n".join(
            f"  {k:18s} {m.label.format(batch='B', hw='<device config>', hw1='<device config at batch 1>')}"
            for k, m in AXES.items())
        + "\n\nConventions: 1 MAC = 1 multiply-add (what timm/torchvision/fvcore call FLOPs); GFLOPs = 2 x GMACs."
        "\nTables: --cache/--accuracy-file/--claims-file, else $EFFICIENCY_RESULTS etc., else data/."
        "\nOption names are refresh's (--cache, --batch-size, --models P [P ...]); the older --results,"
        "\n--batch and --accuracy are still accepted.")
    p.add_argument("--x", choices=X_AXES, default="gmacs", help="cost axis (default gmacs)")
    p.add_argument("--y", default=None, metavar="DATASET:METRIC",
                   help="accuracy axis as dataset:metric (default: the task's, as the dashboard picks it: "
                   "imagenet-1k:top1 where the task's models have it, else their most covered pair, e.g. a "
                   "protocol group for --task language)")
    p.add_argument("--models", nargs="+", default=[], metavar="PATTERN",
                   help="only models whose id or arch matches one of these patterns (each: glob with * ? [, "
                   "else substring; case-insensitive; the dashboard's name filter), e.g. 'resnet18*' 'vit_*'; "
                   "a pattern that matches no model of the task exits 2 naming it")
    p.add_argument("--task", default="classification", choices=(*TASKS, ALL_TASKS),
                   help="task, or 'all' (default classification)")
    p.add_argument("--source", action="append", default=[], help="timm / torchvision / custom (repeatable)")
    p.add_argument("--family", action="append", default=[], help="model family (repeatable)")
    p.add_argument("--seed-only", action="store_true", help="only architectures of a seed paper")
    p.add_argument("--device", choices=DEVICES, default="cuda", help="latency device (default cuda)")
    p.add_argument("--batch-size", "--batch", dest="batch", type=_batch, default=1, metavar="N",
                   help="latency batch size (default 1)")
    # defaults follow the device, as refresh's do: every CPU row is fp32 eager, every GPU row bf16
    p.add_argument("--dtype", choices=DTYPES, default=None, help="latency dtype (default bf16 on cuda, fp32 on cpu)")
    p.add_argument("--mode", choices=MODES, default=None,
                   help="latency mode (default cuda_graph on cuda, eager on cpu)")
    p.add_argument("--hw", default="", metavar="IDENTITY",
                   help="the machine latency is read from: its identity as the results' `hardware` column holds it "
                   "(e.g. 'gpu/NVIDIA H200/140GiB/700W'; the dashboard's Machine choice, URL key hw). Default: the "
                   "machine with the most models in the configuration. One that measured none of the models this view "
                   "can plot there (the chosen accuracy's; seed architectures need --seed-claims) exits 2 listing "
                   "those that did, so --hw '?' lists them")
    p.add_argument("--linear-x", action="store_true", help="linear x axis (default log)")
    p.add_argument("--log-y", action="store_true", help="log y axis")
    p.add_argument("--color", choices=COLOR_BY, default="family", help="colour by (default family)")
    p.add_argument("--no-claims", action="store_true", help="do not overlay paper claims")
    p.add_argument("--highlight", default="", metavar="PATTERN",
                   help="models drawn in colour and named, the rest of the zoo kept in grey (name or glob)")
    p.add_argument("--no-labels", action="store_true", help="do not name the front's models on the chart")
    p.add_argument("--bubble", choices=BUBBLES, default="none", help="marker area by a third quantity")
    p.add_argument("--seed-claims", action="store_true",
                   help="draw seed architectures at their paper's claimed accuracy and our measured compute")
    p.add_argument("--title", default=None, help="figure title")
    p.add_argument("--cache", "--results", dest="results", type=Path, default=None, metavar="FILE",
                   help="results cache, the parquet file refresh's --cache writes")
    p.add_argument("--accuracy-file", "--accuracy", dest="accuracy", type=Path, default=None, metavar="FILE",
                   help="accuracy parquet (refresh's --accuracy is a custom model's top-1, not a file)")
    p.add_argument("--claims-file", type=Path, default=None, metavar="FILE", help="paper claims csv")
    p.add_argument("--out", type=Path, default=Path("pareto.svg"),
                   help="output: .svg .png .pdf (kaleido + Chromium), .html (standalone), .csv (points)")
    return p


# (dtype, mode) when --dtype / --mode are not given: the configuration each device's rows were measured in
DEVICE_DEFAULTS = {"cuda": ("bf16", "cuda_graph"), "cpu": ("fp32", "eager")}


def state_from_args(a: argparse.Namespace) -> ViewState:
    ds, _, metric = (a.y or f"{ViewState.y_dataset}:{ViewState.y_metric}").partition(":")
    return replace(ViewState(), x=a.x, y_dataset=ds, y_metric=metric or "top1", task=a.task,
                   sources=tuple(a.source), families=tuple(a.family), search=_search(a.models),
                   seed_only=a.seed_only,
                   device=a.device, batch=a.batch, dtype=a.dtype or DEVICE_DEFAULTS[a.device][0],
                   mode=a.mode or DEVICE_DEFAULTS[a.device][1], log_x=not a.linear_x,
                   log_y=a.log_y, color=a.color, claims=not a.no_claims, highlight=a.highlight,
                   labels=not a.no_labels, bubble=a.bubble, seed_claims=a.seed_claims, hw_id=a.hw)


def _task_pairs(results: pd.DataFrame, accuracy: pd.DataFrame, task: str) -> list[str]:
    """"dataset:metric" of the task's models, most covered first (the sidebar's accuracy options)."""
    return [f"{d}:{m}" for d, m in accuracy_options(accuracy, set(_task_models(results, task)["model"]))]


def task_accuracy(results: pd.DataFrame, accuracy: pd.DataFrame, state: ViewState) -> ViewState:
    """``state`` with the accuracy the dashboard's sidebar shows for its task when ``--y`` is not given
    (:func:`efficiency.ui.language.pair_for_task` over the task's pairs, most covered first): ImageNet
    top-1 stayed the default for ``--task language`` and nothing was drawn (AUDIT7 F6)."""
    if accuracy.empty or not {"model", "dataset", "metric"} <= set(accuracy.columns):
        return state
    offered = _task_pairs(results, accuracy, state.task)
    known = [f"{d}:{m}" for d, m in accuracy_options(accuracy)]
    ds, _, metric = pair_for_task(offered, f"{state.y_dataset}:{state.y_metric}", known).partition(":")
    return replace(state, y_dataset=ds, y_metric=metric)


def _other_pairs(results: pd.DataFrame, accuracy: pd.DataFrame, state: ViewState) -> str:
    """The accuracies the task's models do have, most covered first, when the chosen one is none of them
    (``--task language --y imagenet-1k:top1``): the empty figure's error names where to look."""
    if accuracy.empty or "model" not in accuracy:
        return ""
    offered = _task_pairs(results, accuracy, state.task)
    if not offered or f"{state.y_dataset}:{state.y_metric}" in offered:
        return ""
    return f". The {state.task} models' accuracies, most covered first: {', '.join(offered[:5])}" + (
        f" and {len(offered) - 5} more" if len(offered) > 5 else "") + " (without --y: the first)"


def _search(patterns: list[str]) -> str:
    """The view's name filter (the dashboard's search box holds one pattern): the pattern when one is
    given, so the command the dashboard shows (efficiency.ui.commands.plot_command) draws its very view;
    with several, none (:func:`selected_results` selects their union before the view)."""
    return patterns[0] if len(patterns) == 1 else ""


def _task_models(results: pd.DataFrame, task: str) -> pd.DataFrame:
    counts = count_table(results)
    return counts if task == ALL_TASKS else counts[counts["task"] == task]


def pattern_problem(results: pd.DataFrame, patterns: list[str], task: str, where) -> str | None:
    """The first of ``patterns`` that matches no model of ``task`` in ``results`` (read from ``where``),
    in one line with close names, as refresh refuses a pattern that matches no zoo model; None when each
    matches. A pattern matches by the view's own rule (:func:`efficiency.ui.explorer.search_mask`); the
    zoo's selection (efficiency.zoo.registry) cannot be imported here (ui never reaches the zoo package:
    tests/test_architecture.py)."""
    mine = _task_models(results, task)
    for pattern in patterns:
        if search_mask(mine, pattern).any():
            continue
        names = sorted(set(mine["arch"].dropna().astype(str)) | set(mine["model"].astype(str)))
        close = difflib.get_close_matches(pattern.strip("*?").lower(), names, n=5, cutoff=0.6)
        elsewhere = int(search_mask(_task_models(results, ALL_TASKS), pattern).sum()) if task != ALL_TASKS else 0
        # refresh also reads a glob against the weight's name ('resnet50.a1*'); here it is the whole id
        unanchored = int(search_mask(mine, "*" + pattern).sum()) if any(c in pattern for c in "*?[") else 0
        return (f"--models: no {'' if task == ALL_TASKS else task + ' '}model in {where} matches {pattern!r}."
                + (f" A glob matches the whole id (timm/..., torchvision/...): {'*' + pattern!r} matches "
                   f"{unanchored}." if unanchored else "")
                + (f" Close matches: {', '.join(close)}." if close else "")
                + (f" It matches {elsewhere} model{'s' if elsewhere > 1 else ''} of other tasks (--task all)."
                   if elsewhere else ""))
    return None


def selected_results(results: pd.DataFrame, patterns: list[str]) -> pd.DataFrame:
    """``results`` the view is built from: with several ``--models`` patterns, without the count rows of
    the models none of them matches (a model without a count is no point of the view), so the view holds
    their union; the latency rows stay, so the automatic machine is the one the unfiltered view takes.
    With one pattern or none, ``results`` itself (the view's name filter is that pattern)."""
    if len(patterns) < 2:
        return results
    names = results[["model", "arch"]]
    keep = pd.Series(False, index=results.index)
    for pattern in patterns:
        keep |= search_mask(names, pattern)
    return results[keep | (results["kind"] != "count")]


def claims_of(cvm: pd.DataFrame, state: ViewState, counts: pd.DataFrame, patterns: list[str]) -> pd.DataFrame:
    """The claims overlay of the view; with several ``--models`` patterns, the claims any of them keeps
    (the overlay's own name filter, once per pattern)."""
    if len(patterns) < 2:
        return claims_overlay(cvm, state, counts)
    parts = [claims_overlay(cvm, replace(state, search=p), counts) for p in patterns]
    return pd.concat(parts, ignore_index=True).drop_duplicates(["label", "paper", "model", "x", "y"],
                                                                ignore_index=True)


def unknown_machine(results, accuracy, state: ViewState, claimed=None) -> str | None:
    """Why ``state.hw_id`` cannot be plotted, in one line naming the machines that can; None when it can (or
    is unset). The machines are judged by the dashboard's own rule (:func:`efficiency.ui.plottable.machine_counts`
    over :func:`~efficiency.ui.plottable.plottable_models`): a machine counts only for the task's models this
    view can draw (the chosen accuracy; seed architectures only with ``--seed-claims`` and a claim in that
    metric). Counting every model of the task accepted a machine that measured only seed architectures, and the
    figure then fell back to the automatic machine with a note; ``claimed``: the seed claims table
    (:func:`efficiency.ui.seed_claims.claimed_accuracy`) when ``state.seed_claims``."""
    if not state.hw_id:
        return None
    counts = count_table(results)
    if state.task != ALL_TASKS:
        counts = counts[counts["task"] == state.task]
    plotted = plottable_models(counts, accuracy, state, claimed if state.seed_claims else None)
    rows = config_rows(results, state.device, state.batch, state.dtype, state.mode)
    counted = machine_counts(rows, set(counts["model"].astype(str)), plotted)
    if any(m.hardware == state.hw_id for m in counted.plottable):
        return None
    where = config_of(state).text
    measured = next((m for m in counted.task if m.hardware == state.hw_id), None)
    if measured is None:
        why = f"no latency row from that machine in {where} for {'all' if state.task == ALL_TASKS else state.task} models."
    else:   # seed_claims=True: the dashboard's hint names its toggle; the command line's is --seed-claims
        why = unplottable_machine_text(measured, where, True) + ("" if state.seed_claims else
              " --seed-claims draws seed architectures at their papers' claimed accuracy.")
    listed = "; ".join(f"{m.hardware!r} ({m.label})" for m in counted.plottable) or "none"
    return f"--hw {state.hw_id!r}: {why} Machines that measured models this view can plot there: {listed}"


def main(argv: list[str] | None = None) -> int:
    a = _parser().parse_args(argv)
    if problem := input_problem(a):
        print(f"error: {problem}", file=sys.stderr)
        return 2
    state = state_from_args(a)
    path = a.results or uidata.path_for("results")
    res = uidata.read_results(path)
    acc = uidata.read_accuracy(a.accuracy or uidata.path_for("accuracy"), res.df)
    for msg in res.problems + acc.problems:
        print(msg, file=sys.stderr)
    if res.problems:          # unreadable: an empty figure exited 0
        return 2
    if a.y is None:
        state = task_accuracy(res.df, acc.df, state)
    if problem := (pattern_problem(res.df, a.models, state.task, path) or metric_problem(res.df, acc.df, state)):
        print(f"error: {problem}", file=sys.stderr)
        return 2
    viewed = selected_results(res.df, a.models)
    claimed = seed_claims.claimed_accuracy() if state.seed_claims else None
    if problem := unknown_machine(viewed, acc.df, state, claimed):
        print(problem, file=sys.stderr)
        return 2
    view = build_view(viewed, acc.df, state, claimed)
    for level, msg in view.notes:     # the page's notes (cli_notes): its Machine box is --hw here, its batch --batch-size
        print(f"{level}: {cli_note(msg)}", file=sys.stderr)
    claims = None
    if state.claims:
        raw = uidata.read_claims(a.claims_file or uidata.path_for("claims"))
        claims = claims_of(uidata.claimed_vs_measured(raw.df, res.df, acc.df), state, count_table(res.df), a.models)
    if view.points.empty and (view.seed is None or view.seed.empty):
        print(f"error: nothing to plot, so {a.out} was not written: no model has {state.y_dataset}:{state.y_metric} "
              f"and a {AXES[state.x].short} in this view (see the notes above; --task, --y, --models, --source, "
              "--family choose the models)" + _other_pairs(res.df, acc.df, state), file=sys.stderr)
        return 1
    fig = build_figure(view, claims, title=a.title)
    fmt = a.out.suffix.lower().lstrip(".")
    a.out.write_bytes(points_csv(view) if fmt == "csv" else figure_bytes(fig, fmt))
    print(f"wrote {a.out} ({len(view.points)} models, {len(view.front)} on the front)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
