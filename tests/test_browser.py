"""Real browser: a shared link opened in headless Chromium shows what the backend computes.

Starts ``streamlit run app.py`` on a free port with the fixture cache, opens a link with a
view in its query string, waits for the plotly figure, reads the plotted points and the
front from the page, and compares them with ``efficiency.ui.explorer.build_view`` for the same
view. Saves screenshots under tests/artifacts/.
"""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest

from efficiency.ui import data as uidata
from efficiency.ui.explorer import build_view
from efficiency.ui.state import from_query

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"
ART = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")

FIGURE_JS = """() => {
  const gd = document.querySelector('.js-plotly-plot');
  if (!gd || !gd._fullData) return null;
  return gd._fullData.map(t => ({meta: t.meta, name: t.name, x: Array.from(t.x || []), y: Array.from(t.y || []),
                                  ids: Array.from(t.customdata || []).map(c => Array.isArray(c) ? c[0] : c),
                                  shape: t.line ? t.line.shape : null}));
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(env_extra: dict | None = None, script: Path | None = None):
    """``streamlit run`` of app.py (or ``script``) on a free port; yields its base URL.

    The server's output goes to a temporary file, not a pipe: a pipe nobody reads fills up and
    blocks the server after enough log lines (long benchmarks)."""
    port = free_port()
    env = {**os.environ, "EFFICIENCY_RESULTS": str(FIX / "results.parquet"),
           "EFFICIENCY_ACCURACY": str(FIX / "accuracy.parquet"), "EFFICIENCY_CLAIMS": str(FIX / "paper_claims.csv"),
           **(env_extra or {})}
    script = Path(script) if script else ROOT / "app.py"
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
                                 "--server.port", str(port), "--server.address", "127.0.0.1",
                                 "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
                                cwd=script.parent, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120       # a loaded 2-core machine imports slowly
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError("streamlit did not start: " + log.read().decode(errors="replace")[-2000:])
                time.sleep(0.3)
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextlib.contextmanager
def browser_page(width=1500, height=1100, color_scheme="light"):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height}, color_scheme=color_scheme)
            yield page
        finally:
            browser.close()


def read_figure(page, timeout_s=60):
    page.wait_for_selector(".js-plotly-plot", timeout=timeout_s * 1000)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        data = page.evaluate(FIGURE_JS)
        if data and any(t["meta"] == "points" for t in data):
            return data
        time.sleep(0.2)
    raise AssertionError("the figure never got its points")


def expected(query: dict):
    res = uidata.read_results(FIX / "results.parquet").df
    acc = uidata.read_accuracy(FIX / "accuracy.parquet", res).df
    return build_view(res, acc, from_query(query))


def test_shared_link_shows_backend_front():
    query = {"x": "latency_p50", "bs": "256", "color": "source", "budget": "5"}
    want = expected(query)
    ART.mkdir(exist_ok=True)
    with streamlit_server() as base, browser_page() as page:
        page.goto(f"{base}/?{urlencode(query)}")
        data = read_figure(page)
        pts = {(i, round(x, 9), round(y, 9)) for t in data if t["meta"] == "points"
               for i, x, y in zip(t["ids"], t["x"], t["y"])}
        assert pts == {(m, round(x, 9), round(y, 9)) for m, x, y in want.points[["model", "x", "y"]].itertuples(index=False)}
        front = next(t for t in data if t["meta"] == "front")
        assert front["ids"] == list(want.front["model"])
        assert front["shape"] == "hv"
        names = {t["name"].split(" (")[0] for t in data if t["meta"] == "points"}
        assert names == {"timm", "torchvision"}            # colour by source came from the link
        page.get_by_text("Best accuracy under a latency budget").wait_for()
        page.wait_for_timeout(800)
        page.screenshot(path=str(ART / "pareto_shared_link.png"), full_page=True)
        # the URL keeps the view (the app mirrors its state into the query string)
        assert "x=latency_p50" in page.url and "bs=256" in page.url


def test_detail_page_link():
    sel = "timm/convnext_tiny.fb_in1k@224"
    with streamlit_server() as base, browser_page() as page:
        page.goto(f"{base}/detail?{urlencode({'sel': sel})}")
        page.get_by_text("MACs by operator").wait_for(timeout=60000)
        page.get_by_text("python -m efficiency.refresh --models '" + sel).first.wait_for(timeout=30000)
        # the first visit of a fresh server opened a page's own URL: the router (app.py) ran it, with
        # the shared sidebar, on its own path (Streamlit would otherwise run pages/ files alone)
        page.get_by_text("Hardware configuration").first.wait_for(timeout=30000)
        assert "/detail" in page.url and "sel=" in page.url
        assert page.get_by_text("Page not found").count() == 0
        assert page.get_by_text("model detail", exact=True).count() == 0   # the pages/ file list
        page.wait_for_timeout(800)
        page.screenshot(path=str(ART / "model_detail.png"), full_page=True)


def test_language_link_shows_the_protocol_group(tmp_path):
    """Issue 11 item 6: ``?task=language`` opens the explorer on language models, with their own x axis
    and the protocol group named on the chart and above it."""
    from language_fixture import MMLU, write_language_fixture   # the language fixture tables
    env = write_language_fixture(tmp_path / "lang")
    ART.mkdir(exist_ok=True)
    with streamlit_server(env) as base, browser_page() as page:
        page.goto(f"{base}/?task=language")
        data = read_figure(page)
        assert sum(len(t["x"]) for t in data if t["meta"] == "points") == 4
        layout = wait_for(page, LAYOUT_JS, lambda v: "Decode GFLOPs" in (v["xtitle"] or ""))
        assert "2 x MACs" in layout["xtitle"]
        page.get_by_text(f"protocol group {MMLU}").first.wait_for(timeout=30000)
        assert "task=language" in page.url and "x=decode_gflops_512" in page.url
        page.wait_for_timeout(800)
        page.screenshot(path=str(ART / "pareto_language.png"), full_page=True)


# --------------------------------------------------------------------------- issue 13 (items 1, 4, 9)

LAYOUT_JS = """() => {
  const gd = document.querySelector('.js-plotly-plot');
  if (!gd || !gd._fullLayout) return null;
  const L = gd._fullLayout;
  return {shapes: (gd.layout.shapes || []).map(s => ({name: s.name, type: s.type, x0: s.x0, x1: s.x1})),
          xtitle: (L.xaxis.title.text || '').replaceAll('<br>', ' '), font: L.font.color, paper: L.paper_bgcolor,
          width: gd.getBoundingClientRect().width, plotw: L._size.w,
          labels: (gd.layout.annotations || []).filter(a => (a.name || '').startsWith('label:')).length};
}"""


@pytest.fixture(scope="module")
def base_url():
    with streamlit_server() as base:
        yield base


def wait_for(page, js, test, timeout_s=60):
    deadline = time.monotonic() + timeout_s
    value = None
    while time.monotonic() < deadline:
        value = page.evaluate(js)
        if value and test(value):
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out; last value {str(value)[:500]}")


def test_device_switch_lands_on_a_measured_configuration(base_url):
    with browser_page() as page:
        page.goto(f"{base_url}/?x=latency_p50")
        read_figure(page)
        page.locator('[data-testid="stSidebar"]').get_by_text("CPU", exact=True).click()
        layout = wait_for(page, LAYOUT_JS, lambda v: "Xeon" in v["xtitle"] or "CPU" in v["xtitle"])
        data = wait_for(page, FIGURE_JS, lambda d: any(t["meta"] == "points" and t["x"] for t in d))
        assert "cuda graph" not in layout["xtitle"]            # a CPU configuration that was measured
        assert sum(len(t["x"]) for t in data if t["meta"] == "points") > 0
        assert page.get_by_text("No latency rows").count() == 0
        assert "dev=cpu" in page.url and "cuda_graph" not in page.url


def test_budget_line_and_answer_beside_the_chart(base_url):
    want = expected({"x": "latency_p50", "bs": "256"})
    with browser_page() as page:
        page.goto(f"{base_url}/?x=latency_p50&bs=256&budget=5")
        layout = wait_for(page, LAYOUT_JS, lambda v: any(s["name"] == "budget-line" for s in v["shapes"]))
        line = next(s for s in layout["shapes"] if s["name"] == "budget-line")
        assert line["x0"] == line["x1"] == 5
        assert any(s["name"] == "budget-region" and s["x1"] == 5 for s in layout["shapes"])
        data = read_figure(page)
        best = next(t for t in data if t["meta"] == "budget-best")
        assert "efficientnet_b0" in best["ids"][0]
        answer = page.get_by_text("within 5 ms:").first
        answer.wait_for(timeout=30000)
        assert "efficientnet_b0" in answer.inner_text()
        lacking = want.lat_total - want.lat_have
        page.get_by_text(f"{lacking} of {want.lat_total} models have no latency").first.wait_for(timeout=30000)
        ART.mkdir(exist_ok=True)
        page.screenshot(path=str(ART / "pareto_budget.png"), full_page=False)


def test_highlight_keeps_the_zoo_in_grey(base_url):
    everything = set(expected({}).points["model"])
    with browser_page() as page:
        page.goto(base_url)
        read_figure(page)
        box = page.get_by_label("Highlight models (name or glob like resnet5*)", exact=True)
        box.fill("resnet*")
        box.press("Enter")
        data = wait_for(page, FIGURE_JS, lambda d: any((t["name"] or "").startswith("rest of the zoo") for t in d))
        pts = [t for t in data if t["meta"] == "points"]
        rest = [t for t in pts if t["name"].startswith("rest of the zoo")]
        coloured = {i for t in pts if t not in rest for i in t["ids"]}
        assert coloured and all("resnet" in i for i in coloured)
        assert coloured | set(rest[0]["ids"]) == everything     # nothing filtered away
        assert "hl=resnet" in page.url
        page.screenshot(path=str(ART / "pareto_highlight.png"), full_page=False)


def test_dark_theme_follows_the_browser(base_url):
    with browser_page(color_scheme="dark") as page:
        page.goto(f"{base_url}/?x=latency_p50&bs=256&budget=5")
        layout = wait_for(page, LAYOUT_JS, lambda v: v["font"] == "#e8e8e8", timeout_s=60)
        bg = page.evaluate("() => getComputedStyle(document.querySelector('.stApp')).backgroundColor")
        rgb = [int(c) for c in bg[bg.index("(") + 1:bg.index(")")].split(",")[:3]]
        assert sum(rgb) < 150, bg                                # the page itself is dark
        assert layout["paper"] in ("rgba(0, 0, 0, 0)", "rgba(0,0,0,0)")
        page.wait_for_timeout(800)
        page.screenshot(path=str(ART / "pareto_dark.png"), full_page=False)


def test_phone_width_chart_uses_the_width(base_url):
    with browser_page(width=390, height=1400) as page:
        page.goto(f"{base_url}/?budget=5")
        layout = wait_for(page, LAYOUT_JS, lambda v: v["width"] > 0)
        assert layout["width"] > 300, layout                     # the chart spans the phone's width
        assert layout["plotw"] > 250, layout                     # and the plot inside it (legend below)
        assert page.locator('[data-testid="stSidebar"][aria-expanded="true"]').count() == 0   # controls collapsed
        page.wait_for_timeout(800)
        page.screenshot(path=str(ART / "pareto_390px.png"), full_page=True)


# --------------------------------------------------------------------------- issue 13 item 10: the models table

GRID = '[data-testid="stDataFrame"]'
# the data grid draws on a canvas; its accessible twin (a <table> inside the canvas) holds the
# header texts (an arrow marks the sorted column) and the rows in their shown order
GRID_JS = """() => {
  const g = document.querySelector('[data-testid="stDataFrame"]');
  if (!g) return null;
  const heads = Array.from(g.querySelectorAll('thead th')).map(t => t.textContent);
  const rows = Array.from(g.querySelectorAll('tbody tr'))
                    .map(r => Array.from(r.querySelectorAll('td')).map(c => c.textContent));
  return heads.length && rows.length ? {heads, rows} : null;
}"""


def models_page_table():
    """What the Models page lists for the default view, as the page builds it."""
    from efficiency.ui import models_table as mt
    v = expected({})
    return mt.models_table(v.points).rename(columns=mt.headers(v.y_label))


def test_models_table_sorts_by_a_clicked_header(base_url):
    from efficiency.ui import models_table as mt
    table = models_page_table()
    model = table.columns[0]
    ART.mkdir(exist_ok=True)
    with browser_page() as page:
        page.goto(f"{base_url}/models")
        canvas = page.locator(f'{GRID} [data-testid="data-grid-canvas"]')
        canvas.wait_for(timeout=90000)
        grid = wait_for(page, GRID_JS, lambda g: g["rows"][0][0] == table[model].iloc[0])   # best accuracy first
        # the key number columns show short headers, the full one (units, convention) on hover
        full = mt.headers(expected({}).y_label)
        short = {full[c]: label for c, label in mt.screen_labels(language=False).items()}
        assert [h.lstrip("↑↓ ") for h in grid["heads"]][:3] == [short.get(c, c) for c in table.columns[:3]]
        box = canvas.bounding_box()
        header = (box["x"] + 40, box["y"] + 17)           # inside the pinned model column's header cell
        page.mouse.click(*header)
        grid = wait_for(page, GRID_JS, lambda g: g["heads"][0].startswith("↑"))
        wait_for(page, GRID_JS, lambda g: g["rows"][0][0] == min(table[model]))
        page.mouse.click(*header)                         # a second click sorts descending
        wait_for(page, GRID_JS, lambda g: g["heads"][0].startswith("↓") and g["rows"][0][0] == max(table[model]))
        # a number column: whichever header lies under the click, its smallest value comes first
        page.mouse.click(box["x"] + mt.id_width(table[model]) + 60, header[1])   # past the model column
        grid = wait_for(page, GRID_JS, lambda g: any(h.startswith("↑") for h in g["heads"][1:]))
        col = next(i for i, h in enumerate(grid["heads"]) if h.startswith("↑"))
        values = table[table.columns[col]].dropna()
        assert abs(float(grid["rows"][0][col].replace(",", "")) - values.min()) <= 0.01 * abs(values.min()) + 0.01
        page.wait_for_timeout(500)
        page.screenshot(path=str(ART / "models_sorted.png"), full_page=False)


TOGGLES_JS = """() => Object.fromEntries(
  Array.from(document.querySelectorAll('[data-testid="stPopoverBody"] input[type=checkbox]'))
       .map(i => [i.closest('label').textContent.trim(), i.checked]))"""


def test_popovers_show_the_state_after_reruns(base_url):
    """The Pareto page's filters and chart options sit in popovers, which the browser builds only
    when opened: a filter from the link stays in effect across a rerun that never opened them,
    and opening them afterwards shows the state in effect, not the widgets' defaults."""
    resnets = {m for m in expected({}).points["model"] if "resnet" in m}
    with browser_page() as page:
        page.goto(f"{base_url}/?fam=resnet")
        read_figure(page)
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("Filters in effect: families: resnet").wait_for(timeout=60000)
        sidebar.get_by_text("CPU", exact=True).click()          # a rerun that never opened the popover
        data = wait_for(page, FIGURE_JS, lambda d: "dev=cpu" in page.url and any(t["meta"] == "points" for t in d))
        plotted = {i for t in data if t["meta"] == "points" for i in t["ids"]}
        assert plotted and plotted <= resnets and "fam=resnet" in page.url
        sidebar.get_by_role("button", name="Filters").click()
        popover = page.get_by_test_id("stPopoverBody")
        popover.get_by_label("Keep only names containing (or glob like resnet*)", exact=True).wait_for(timeout=30000)
        popover.get_by_text("resnet", exact=True).first.wait_for(timeout=30000)   # the family's chip
        page.keyboard.press("Escape")
        page.get_by_role("button", name="Chart options").click()       # first opened after the rerun too
        toggles = wait_for(page, TOGGLES_JS, lambda t: "labels" in t)
        assert toggles["log x"] is True and toggles["labels"] is True and toggles["log y"] is False, toggles
