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
def streamlit_server(env_extra: dict | None = None):
    port = free_port()
    env = {**os.environ, "EFFICIENCY_RESULTS": str(FIX / "results.parquet"),
           "EFFICIENCY_ACCURACY": str(FIX / "accuracy.parquet"), "EFFICIENCY_CLAIMS": str(FIX / "paper_claims.csv"),
           **(env_extra or {})}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                             "--server.port", str(port), "--server.address", "127.0.0.1",
                             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("streamlit did not start: " + (proc.stdout.read().decode()[-2000:] if proc.stdout else ""))
            time.sleep(0.3)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextlib.contextmanager
def browser_page(width=1500, height=1100):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
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
