"""Model detail, Compare and the plot command line follow the machine chosen in the Pareto sidebar
(ViewState.hw_id): with two CPUs measured in one configuration, detail's headline latency, Compare's
table and the ``python -m efficiency.plot --hw`` figure take the chosen machine's rows, never the
automatic one's; an unknown machine falls back (pages) or exits 2 (command line); the command shown under
the chart carries the machine. The synthetic cache is test_ui_machine_choice's (four models, two CPUs:
ZEN3 measured all four at 100/200/300/400 ms, ZEN4 three at 10/20/30 ms)."""
from __future__ import annotations

import shlex
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from efficiency.ui.commands import plot_command
from efficiency.ui.curves import CurveConfig, resolution_curves
from efficiency.ui.detail import compare_table, headline_row, latency_machine, on_machine, preferred_config
from efficiency.ui.latency_rows import latency_display, model_latencies
from efficiency.ui.plot_cli import _parser, main, state_from_args
from efficiency.ui.state import PAGES
from test_ui_machine_choice import CPU, CPU_LINK, GPU, H200, MODELS, NVL, P50, ZEN3, ZEN4, accuracy, results
from conftest import use_tables

ROOT = Path(__file__).resolve().parent.parent
NET2, NET4 = MODELS[1], MODELS[3]      # net2: on both CPUs; net4: on ZEN3 only


# --------------------------------------------------------------------------- the machine a page reads

def test_the_pages_machine_is_the_chosen_one_else_the_automatic_one():
    res = results()
    auto = latency_machine(res, CPU, [NET2])
    assert (auto.hardware, auto.name, auto.chosen, auto.notes) == (ZEN3[0], ZEN3[1], False, ())
    chosen = latency_machine(res, replace(CPU, hw_id=ZEN4[0]), [NET2])
    assert (chosen.hardware, chosen.name, chosen.chosen, chosen.notes) == (ZEN4[0], ZEN4[1], True, ())
    # a machine that did not measure the model (ZEN4 and net4; a GPU in a CPU view): automatic, with a note
    for hw in (ZEN4[0], H200[0], "cpu/No Such CPU/1c"):
        back = latency_machine(res, replace(CPU, hw_id=hw), [NET4])
        assert (back.hardware, back.chosen) == (ZEN3[0], False)
        assert "No latency rows come from the chosen machine" in back.notes[0]
        assert "for this model:" in back.notes[0]                   # one model: not "these models"
    two = latency_machine(res, replace(CPU, hw_id="cpu/No Such CPU/1c"), [NET2, NET4])
    assert "for these models:" in two.notes[0]
    assert latency_machine(res, replace(CPU, batch=64), [NET2]).hardware is None     # nobody measured it there


def test_a_model_the_automatic_machine_missed_reads_the_one_that_measured_it():
    res = results()
    # net1 on the GPU: NVL only; the H200 keeps the most models (net2, net3 against NVL's net1)
    res = res[~((res["model"] == MODELS[0]) & (res["hardware"] == H200[0]))
              & ~((res["model"] == MODELS[1]) & (res["hardware"] == NVL[0]))]
    got = latency_machine(res, GPU, [MODELS[0]])
    assert got.hardware == NVL[0] and not got.chosen
    assert got.notes == (f"The automatic machine ({H200[1]}) did not measure this model in this configuration: "
                         f"latency is from {NVL[1]}.",)


def test_compare_table_takes_the_chosen_machines_latency():
    res, acc = results(), accuracy()
    models = [MODELS[0], NET2, NET4]
    auto = compare_table(res, acc, models, CPU).set_index("model")["lat_p50_ms"]
    assert auto.to_dict() == {MODELS[0]: 100.0, NET2: 200.0, NET4: 400.0}
    chosen = compare_table(res, acc, models, replace(CPU, hw_id=ZEN4[0])).set_index("model")["lat_p50_ms"]
    assert chosen[[MODELS[0], NET2]].to_dict() == {MODELS[0]: 10.0, NET2: 20.0}
    assert pd.isna(chosen[NET4])                       # measured on ZEN3 only: not mixed into ZEN4's column
    note = latency_machine(res, replace(CPU, hw_id=ZEN4[0]), models).notes
    assert note == (f"Measured in this configuration only on another machine ({ZEN3[1]}), not mixed in: {NET4}.",)


def test_detail_table_ticks_the_row_the_headline_shows():
    res = results()
    lat = model_latencies(res, NET2)
    for state, machine in ((CPU, ZEN3), (replace(CPU, hw_id=ZEN4[0]), ZEN4)):
        shown = latency_display(lat, headline_row(lat, state, latency_machine(res, state, [NET2]).hardware))
        assert shown.loc[shown["headline"], "machine"].tolist() == [machine[1]]
        assert len(shown) == 4                                      # every machine's rows stay listed


def test_curves_default_to_the_chosen_machine():
    res = results()
    kept = on_machine(res, ZEN4[0])
    assert set(kept.loc[kept["kind"] == "latency", "hardware"]) == {ZEN4[0]}
    assert (kept["kind"] == "count").sum() == len(MODELS)                   # counts (identities, GMACs) kept
    assert on_machine(res, None) is res
    curves = resolution_curves(kept, [NET2], "cpu", "fp32", "eager", 1)
    assert set(curves["hardware"]) == {ZEN4[0]} and curves.loc[curves["current"], "lat_p50_ms"].tolist() == [20.0]
    options = [CurveConfig(h, n, "cpu", "fp32", "eager", False) for h, n in (ZEN3, ZEN4)]
    assert preferred_config(options, CPU, ZEN4[0]).hardware == ZEN4[0]       # the batch curves' default
    assert preferred_config(options, CPU, None).hardware == ZEN3[0]          # no machine: curves.preferred's


# --------------------------------------------------------------------------- the pages

@pytest.fixture()
def machines_env(tmp_path, monkeypatch):
    return use_tables(tmp_path, monkeypatch, results(), accuracy())


def _page(page: str, query: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    at.switch_page(PAGES[page][1]).run()
    assert not at.exception, at.exception
    return at


def _captions(at: AppTest) -> str:
    return "\n".join(str(c.value) for c in at.caption)


@pytest.mark.parametrize("hw,p50,name", [(None, 200, ZEN3[1]), (ZEN4[0], 20, ZEN4[1])])
def test_detail_headline_takes_the_chosen_machine(machines_env, hw, p50, name):
    at = _page("detail", {**CPU_LINK, "sel": NET2, **({"hw": hw} if hw else {})})
    metric = {m.label: m for m in at.metric}["Latency p50"]
    assert metric.value == f"{p50} ms"
    assert name in metric.proto.help                        # "... on <machine>, batch 1, fp32, eager (sidebar)"
    assert f"Latency from {'the chosen machine' if hw else 'the automatic machine'}" in _captions(at)
    table = next(d.value for d in at.dataframe if "headline" in d.value.columns)
    assert table.loc[table["headline"], "machine"].tolist() == [name]


def test_detail_falls_back_with_a_note_when_the_chosen_machine_missed_the_model(machines_env):
    at = _page("detail", {**CPU_LINK, "sel": NET4, "hw": ZEN4[0]})
    assert {m.label: m.value for m in at.metric}["Latency p50"] == "400 ms"        # ZEN3's, the only row
    assert "No latency rows come from the chosen machine" in _captions(at)


def test_compare_page_table_takes_the_chosen_machine(machines_env):
    at = _page("compare", {**CPU_LINK, "sel": f"{MODELS[0]},{NET2}", "hw": ZEN4[0]})
    table = at.dataframe[0].value
    col = next(c for c in table.columns if c.startswith("latency p50"))
    assert table[col].tolist() == [10.0, 20.0]
    # the caption names the machine (the header no longer does: it made the column ~430 px wide)
    assert f"Latency from the chosen machine, {ZEN4[1]}" in _captions(at)


# --------------------------------------------------------------------------- the command line

def _cli(tmp: Path, *args: str) -> int:
    return main(["--results", str(tmp / "results.parquet"), "--accuracy", str(tmp / "accuracy.parquet"),
                 "--no-claims", "--x", "latency_p50", "--device", "cpu", "--dtype", "fp32", "--mode", "eager",
                 *args])


def test_plot_cli_hw_plots_the_chosen_machine(machines_env, capsys):
    tmp = machines_env
    assert _cli(tmp, "--out", str(tmp / "auto.csv")) == 0
    assert _cli(tmp, "--hw", ZEN4[0], "--out", str(tmp / "zen4.csv")) == 0
    def x_of(name):     # the x column names the machine, told apart from the other EPYC by its family/model
        frame = pd.read_csv(tmp / name)
        x = next(c for c in frame.columns if c.startswith("x: "))
        return x, frame.set_index("model (zoo id)")[x].dropna().to_dict()
    x4, got = x_of("zen4.csv")
    assert got == dict(zip(MODELS, P50[ZEN4])) and "AMD EPYC, family 25 model 17" in x4
    x3, auto = x_of("auto.csv")
    assert auto == dict(zip(MODELS, P50[ZEN3])) and "AMD EPYC, family 25 model 1," in x3
    assert _cli(tmp, "--hw", ZEN4[0], "--out", str(tmp / "zen4.html")) == 0      # the figure itself
    html = (tmp / "zen4.html").read_text()
    assert "plotly" in html.lower() and ZEN4[1] in capsys.readouterr().err     # its note names the machine


def test_plot_cli_refuses_an_unknown_machine_listing_the_measured_ones(machines_env, capsys):
    tmp = machines_env
    for hw in ("?", H200[0]):                          # garbage; a GPU in a CPU configuration
        capsys.readouterr()
        assert _cli(tmp, "--hw", hw, "--out", str(tmp / "no.csv")) == 2
        err = capsys.readouterr().err.strip()
        assert "\n" not in err and f"--hw {hw!r}" in err
        assert f"{ZEN3[0]!r} ({ZEN3[1]} (4 models))" in err and f"{ZEN4[0]!r} ({ZEN4[1]} (3 models))" in err
        assert not (tmp / "no.csv").exists()


def test_the_shown_command_carries_the_machine_and_parses_back_to_the_view():
    for state in (replace(CPU, hw_id=ZEN4[0], search="net*"), replace(GPU, hw_id=H200[0]), CPU):
        cmd = plot_command(state)
        assert (f"--hw {shlex.quote(state.hw_id)}" in cmd) == bool(state.hw_id)
        argv = shlex.split(cmd)
        assert argv[:3] == ["python", "-m", "efficiency.plot"]
        back = state_from_args(_parser().parse_args(argv[3:]))
        fields = ("x", "y_dataset", "y_metric", "task", "device", "batch", "dtype", "mode", "search", "hw_id")
        assert [getattr(back, f) for f in fields] == [getattr(state, f) for f in fields]


def test_pareto_page_shows_the_command_with_the_machine(machines_env):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, v in {**CPU_LINK, "hw": ZEN4[0]}.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    assert f"--hw {shlex.quote(ZEN4[0])}" in _captions(at)
