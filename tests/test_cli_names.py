"""``python -m efficiency.plot`` names what ``python -m efficiency.refresh`` names as refresh does (CLICHECK F7):
``--cache FILE``, ``--batch-size N``, ``--models P [P ...]``; the older ``--results``, ``--batch`` and
``--accuracy`` keep working and give the same figure. Several ``--models`` patterns select their union, and a
pattern that matches no model exits 2 naming it, as refresh's selection does. Everything runs the real
parsers and ``main`` functions on the fixture tables (tests/fixtures)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from efficiency.run.options import build_parser as refresh_parser
from efficiency.ui import data as uidata
from efficiency.ui.explorer import search_mask
from efficiency.ui.plot_cli import _parser as plot_parser
from efficiency.ui.plot_cli import main as plot_main
from efficiency.ui.plot_cli import state_from_args
from efficiency.ui.tables import count_table
from efficiency.zoo.registry import UnknownModelError, Zoo, ZooEntry

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"
ID = "model (zoo id)"          # the points csv's model column (efficiency.ui.figures.points_csv)


@pytest.fixture
def nowhere(tmp_path, monkeypatch):
    """The default tables point at files that do not exist: a run that ignored --cache / --accuracy-file
    (or their old names) would fail instead of reading the fixtures."""
    monkeypatch.setenv("EFFICIENCY_RESULTS", str(tmp_path / "missing_results.parquet"))
    monkeypatch.setenv("EFFICIENCY_ACCURACY", str(tmp_path / "missing_accuracy.parquet"))
    monkeypatch.setenv("EFFICIENCY_CLAIMS", str(FIX / "paper_claims.csv"))
    monkeypatch.chdir(ROOT)
    return tmp_path


def _plot(tmp: Path, name: str, *args: str) -> tuple[int, pd.DataFrame | None]:
    out = tmp / f"{name}.csv"
    rc = plot_main([*args, "--out", str(out)])
    return rc, (pd.read_csv(out) if out.exists() else None)


def _tables(new: bool) -> list[str]:
    return (["--cache", str(FIX / "results.parquet"), "--accuracy-file", str(FIX / "accuracy.parquet")] if new
            else ["--results", str(FIX / "results.parquet"), "--accuracy", str(FIX / "accuracy.parquet")])


LATENCY = ["--x", "latency_p50", "--device", "cuda", "--dtype", "bf16", "--mode", "cuda_graph"]


def test_old_and_new_names_parse_to_the_same_options():
    new = plot_parser().parse_args(["--cache", "r.parquet", "--batch-size", "256", "--accuracy-file", "a.parquet"])
    old = plot_parser().parse_args(["--results", "r.parquet", "--batch", "256", "--accuracy", "a.parquet"])
    assert vars(new) == vars(old)
    assert (new.results, new.batch, new.accuracy) == (Path("r.parquet"), 256, Path("a.parquet"))
    # abbreviations that meant the old names still do (not "ambiguous" between an option's two names)
    short = plot_parser().parse_args(["--res", "r.parquet", "--bat", "256", "--acc", "a.parquet"])
    assert vars(short) == vars(old)


def test_old_and_new_names_draw_the_same_figure(nowhere):
    rc_new, new = _plot(nowhere, "new", *_tables(True), *LATENCY, "--batch-size", "256")
    rc_old, old = _plot(nowhere, "old", *_tables(False), *LATENCY, "--batch", "256")
    assert rc_new == rc_old == 0
    pd.testing.assert_frame_equal(new, old)
    # the batch option is read, under either name: batch 1 is another figure
    rc_one, one = _plot(nowhere, "one", *_tables(True), *LATENCY, "--batch-size", "1")
    assert rc_one == 0 and not one.equals(new)
    assert "256" in " ".join(new.columns) and "256" not in " ".join(one.columns)


def test_several_patterns_select_the_union(nowhere):
    runs = {}
    for key, patterns in {"a": ["resnet18*"], "b": ["resnet50*"], "c": ["vit_*"],
                          "abc": ["resnet18*", "resnet50*", "vit_*"]}.items():
        rc, df = _plot(nowhere, key, *_tables(True), "--models", *patterns)
        assert rc == 0, key
        runs[key] = set(df[ID])
    assert runs["a"] and runs["b"] and runs["c"]
    assert runs["abc"] == runs["a"] | runs["b"] | runs["c"]
    assert len(runs["abc"]) > max(len(runs["a"]), len(runs["b"]), len(runs["c"]))


def test_the_union_has_its_own_front(nowhere):
    # the front is the union's, not a pattern's: vit_base (more accurate, larger) joins resnet18's front
    rc, df = _plot(nowhere, "u", *_tables(True), "--models", "resnet18*", "vit_base*")
    assert rc == 0
    front = set(df.loc[df["on Pareto front"], ID])
    assert front == set(df[ID]) and len(front) == 2


def test_an_unknown_pattern_among_several_exits_2_naming_it(nowhere, capsys):
    rc, df = _plot(nowhere, "x", *_tables(True), "--models", "resnet18*", "resnt50*", "vit_*")
    err = capsys.readouterr().err.strip()
    assert rc == 2 and df is None
    assert "\n" not in err and err.startswith("error: --models: ")
    assert "'resnt50*'" in err and "'resnet18*'" not in err and "'vit_*'" not in err
    assert "Close matches: resnet50" in err


def test_a_pattern_of_another_task_says_so(nowhere, capsys):
    rc, _ = _plot(nowhere, "x", *_tables(True), "--models", "resnet18*", "fcos*")
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "no classification model" in err and "'fcos*'" in err and "--task all" in err
    rc, df = _plot(nowhere, "y", *_tables(True), "--task", "all", "--models", "resnet18*", "fcos*")
    # with --task all fcos is selected (2 models), and only resnet18 has an ImageNet accuracy to plot
    assert rc == 0 and list(df[ID]) == ["timm/resnet18.a1_in1k@224"]
    assert "1 of 2 models have no ImageNet-1k top-1" in capsys.readouterr().err


def test_one_pattern_is_still_the_dashboards_name_filter():
    # the command the dashboard shows carries its search box as one --models value: it must come back as is
    for text in ("net*", "resnet", "RESNET5*", ""):
        assert state_from_args(plot_parser().parse_args(["--models", text])).search == text
    assert state_from_args(plot_parser().parse_args([])).search == ""
    assert state_from_args(plot_parser().parse_args(["--models", "a*", "b*"])).search == ""


def test_help_shows_the_primary_names():
    out = subprocess.run([sys.executable, "-m", "efficiency.plot", "--help"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0
    text = " ".join(out.stdout.split())      # argparse wraps lines where the terminal ends
    usage = text.split("options:")[0]
    for primary in ("[--cache FILE]", "[--batch-size N]", "[--models PATTERN [PATTERN ...]]", "[--accuracy-file FILE]"):
        assert primary in usage, primary
    for old in ("[--results", "[--batch N]", "[--accuracy FILE]"):
        assert old not in usage, old
    for both in ("--cache FILE, --results FILE", "--batch-size N, --batch N", "--accuracy-file FILE, --accuracy FILE"):
        assert both in text, both


def test_errors_use_the_primary_names(nowhere, capsys):
    rc, _ = _plot(nowhere, "x", "--results", str(nowhere / "none.parquet"))
    err = capsys.readouterr().err
    assert rc == 2 and "pass --cache with" in err and "--results" not in err
    with pytest.raises(SystemExit) as stop:
        plot_parser().parse_args(["--batch", "0"])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "argument --batch-size/--batch: batch sizes are at least 1" in err
    assert err.startswith("error: ") and err.count("\n") == 1       # one line, as refresh's errors


@pytest.mark.parametrize("option", ["--cache", "--batch-size", "--models", "--device", "--dtype", "--mode", "--task"])
def test_the_shared_options_have_refreshs_names(option):
    refresh = refresh_parser()._option_string_actions
    plot = plot_parser()._option_string_actions
    assert option in refresh and option in plot
    if option == "--models":
        assert refresh[option].nargs == plot[option].nargs == "+"


def _zoo_of(counts: pd.DataFrame) -> Zoo:
    """The fixture's models as zoo entries (name: the id without source and size, as efficiency.zoo.ids
    builds timm ids), so refresh's selection can be run on what the plot sees."""
    return Zoo(ZooEntry(id=m, source=m.split("/")[0], name=m.split("/")[1].split("@")[0], arch=a, weights="",
                        task=t, family="", input_size=(3, 224, 224))
               for m, a, t in zip(counts["model"], counts["arch"], counts["task"]))


@pytest.mark.parametrize("pattern", ["resnet5*", "RESNET18*", "timm/vit_*", "*mobilenet*", "torchvision/*",
                                     "efficientnet_b?", "resnet50.a1*", "resnet18.a1_in1k*", "no_such*"])
def test_a_glob_selects_what_refresh_selects(pattern):
    """On ids, architectures and names without their source (``resnet50.a1*``), plot's rule (the dashboard's
    search_mask) and refresh's (Zoo.select) agree on globs."""
    counts = count_table(uidata.read_results(FIX / "results.parquet").df)
    plot = set(counts.loc[search_mask(counts, pattern), "model"])
    try:
        refresh = {e.id for e in _zoo_of(counts).select([pattern])}
    except UnknownModelError:
        refresh = set()
    assert plot == refresh
    assert bool(plot) == (pattern != "no_such*")


def test_several_patterns_draw_the_claims_of_each():
    """The paper claims beside the points go through the same name filter: one pattern keeps its claims,
    several keep the claims of any (the overlay's own filter, once per pattern), never all of them."""
    from efficiency.ui.plot_cli import claims_of
    res = uidata.read_results(FIX / "results.parquet").df
    acc = uidata.read_accuracy(FIX / "accuracy.parquet", res).df
    cvm = uidata.claimed_vs_measured(uidata.read_claims(FIX / "paper_claims.csv").df, res, acc)
    labels = {}
    for patterns in (["resnet*"], ["mobilenet*"], ["resnet*", "mobilenet*"], []):
        state = state_from_args(plot_parser().parse_args(["--models", *patterns] if patterns else []))
        labels[len(patterns), patterns[0] if patterns else ""] = set(claims_of(cvm, state, count_table(res),
                                                                               patterns)["label"])
    one, two, both, every = labels[1, "resnet*"], labels[1, "mobilenet*"], labels[2, "resnet*"], labels[0, ""]
    assert one and two and not one & two
    assert both == one | two and both < every


def test_a_glob_on_the_weights_name_selects_as_refresh_does(nowhere, capsys):
    # refresh selects 'resnet50.a1*' by the timm name; plot's rule reads the id without its source too
    rc, df = _plot(nowhere, "x", *_tables(True), "--models", "resnet18*", "resnet50.a1*")
    assert rc == 0 and set(df[ID]) == {"timm/resnet18.a1_in1k@224", "timm/resnet50.a1_in1k@224"}


@pytest.mark.parametrize("argv, want", [
    (["--device", "cpu"], ("fp32", "eager")),                  # was bf16 cuda_graph: no CPU row has either
    (["--device", "cuda"], ("bf16", "cuda_graph")),
    ([], ("bf16", "cuda_graph")),
    (["--device", "cpu", "--dtype", "bf16"], ("bf16", "eager")),     # what is given is kept
    (["--device", "cuda", "--mode", "eager"], ("bf16", "eager")),
])
def test_dtype_and_mode_defaults_follow_the_device(argv, want):
    from efficiency.ui.plot_cli import _parser, state_from_args
    s = state_from_args(_parser().parse_args(argv))
    assert (s.dtype, s.mode) == want
