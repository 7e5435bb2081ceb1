"""First paint of the explorer against the floor Streamlit and plotly set (issue 13 item 8).

    python bench/bench_first_paint.py                  # warm servers (default), 5 runs each, alternating
    python bench/bench_first_paint.py --cold           # fresh servers for every run: the first script run
    python bench/bench_first_paint.py --before /tmp/old/app.py --runs 8   # before/after in the same runs
    python bench/bench_first_paint.py --variant nochart=/tmp/v1/app.py --variant html=/tmp/v2/app.py

Servers: ``streamlit run app.py`` on the shipped cache (its default view is the Pareto page), a
bare page written to a temporary folder (``st.set_page_config`` plus one ``st.plotly_chart`` of a
plotly scatter of the same points as the explorer's default view), and with ``--before`` another
checkout's app.py (``git archive <commit> app.py pages efficiency .streamlit`` unpacked beside a
link to data/). Each run opens every page in a fresh browser context (no HTTP cache, cookies or
storage) of one headless Chromium, the pages taking turns to lead. "Warm": each server served
one untimed visit first (imports and Streamlit caches loaded); "cold": new servers every run.

First paint: navigation start (the page's ``performance.timeOrigin``) to the first
``.js-plotly-plot .scatterlayer .point`` in the DOM (all pages draw SVG ``scatter`` traces, not
``scattergl``), recorded in the page by a MutationObserver installed before any page script, so
Playwright's round trips are not in it. Title: navigation start to ``document.title`` becoming
the configured title (set by the first script run's page config). Where the time goes (medians
per page): the HTML, Streamlit's JavaScript (files, bytes, when the last one before the first
websocket message ended), the websocket (opened, first message, the message carrying the figure
and its size), the lazily loaded plotly chunk, the points; and the CPU time spent by then: the
page's server process, every Chromium process (the page's renderer apart), and the renderer main
thread's busy wall time. On a shared machine the CPU times move less than the wall times.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from efficiency.ui import data as uidata  # noqa: E402

TITLE = {"explorer": "Model efficiency: accuracy vs compute", "before": "Model efficiency: accuracy vs compute",
         "bare": "Bare plotly scatter"}
POINT = ".js-plotly-plot .scatterlayer .point"

# Installed before any page script: records, in the page's own clock, when the title and the
# first plotted point appear, and every websocket message (time, size; large ones kept to find
# the figure afterwards).
PROBE = """(() => {
  const rec = window.__fp = {title: null, points: null, ws_open: null, msgs: [], big: []};
  const want = %s;
  const check = () => {
    const t = performance.now();
    if (rec.title === null && document.title === want) rec.title = t;
    if (rec.points === null && document.querySelector(%s)) rec.points = t;
    if (rec.title !== null && rec.points !== null) obs.disconnect();
  };
  const obs = new MutationObserver(check);
  obs.observe(document, {childList: true, subtree: true, characterData: true});
  const WS = window.WebSocket;
  function Probe(...a) {
    const ws = new WS(...a);
    ws.addEventListener('open', () => { rec.ws_open = performance.now(); });
    ws.addEventListener('message', e => {
      const n = e.data.byteLength !== undefined ? e.data.byteLength : (e.data.size || e.data.length || 0);
      rec.msgs.push([performance.now(), n]);
      if (n > 20000 && e.data.byteLength !== undefined) rec.big.push([performance.now(), e.data]);
    });
    return ws;
  }
  Probe.prototype = WS.prototype;
  Object.assign(Probe, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  window.WebSocket = Probe;
})();"""

# Read after the points are in: navigation and resource timing, and which websocket message
# carried the figure (the first large one holding a plotly scatter spec).
REPORT = """() => {
  const rec = window.__fp;
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  const js = res.filter(r => r.name.endsWith('.js'));
  const before = js.filter(r => r.startTime < rec.points);
  const plotly = js.filter(r => /plotly/i.test(r.name));
  let fig = null;
  for (const [t, buf] of rec.big) {
    const text = new TextDecoder().decode(buf);
    if (text.includes('"scatter"')) { fig = [t, buf.byteLength]; break; }
  }
  return {title: rec.title, points: rec.points, html: nav.responseEnd, dcl: nav.domContentLoadedEventEnd,
          ws_open: rec.ws_open, first_msg: rec.msgs.length ? rec.msgs[0][0] : null,
          n_msgs: rec.msgs.length, ws_bytes: rec.msgs.reduce((a, m) => a + m[1], 0),
          fig_at: fig ? fig[0] : null, fig_bytes: fig ? fig[1] : null,
          js_files: before.length, js_bytes: before.reduce((a, r) => a + (r.decodedBodySize || 0), 0),
          js_wire: before.reduce((a, r) => a + (r.transferSize || 0), 0),
          js_end: Math.max(0, ...js.filter(r => !/plotly/i.test(r.name)
                                           && r.startTime < (rec.msgs.length ? rec.msgs[0][0] : 1e9))
                                     .map(r => r.responseEnd)),
          plotly_start: plotly.length ? plotly[0].startTime : null,
          plotly_end: plotly.length ? Math.max(...plotly.map(r => r.responseEnd)) : null,
          plotly_bytes: plotly.reduce((a, r) => a + (r.decodedBodySize || 0), 0),
          n_points: document.querySelectorAll(%s).length};
}"""

BARE = '''"""The floor: one plotly scatter in a bare Streamlit page (written by bench/bench_first_paint.py)."""
import json
from pathlib import Path

import plotly.graph_objects as go
import streamlit as st

st.set_page_config(page_title=%r)
pts = json.loads((Path(__file__).parent / "points.json").read_text())
st.plotly_chart(go.Figure(go.Scatter(x=pts["x"], y=pts["y"], mode="markers")), theme=None)
'''


def browser_helpers():
    """tests/test_browser.py's server and Chromium settings (one definition of both)."""
    spec = importlib.util.spec_from_file_location("browser_helpers", ROOT / "tests" / "test_browser.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def default_points(results: Path, accuracy: Path):
    """x, y of the explorer's default view (the page a fresh visit of ``/`` shows)."""
    from efficiency.ui.explorer import build_view
    from efficiency.ui.state import from_query
    res = uidata.read_results(results).df
    v = build_view(res, uidata.read_accuracy(accuracy, res).df, from_query({}))
    return v.points["x"].tolist(), v.points["y"].tolist()


def write_bare(folder: Path, x: list, y: list) -> Path:
    (folder / "points.json").write_text(json.dumps({"x": x, "y": y}))
    page = folder / "bare_scatter.py"
    page.write_text(BARE % TITLE["bare"])
    return page


def server_pid(url: str) -> int | None:
    """The process serving ``url`` (found by its ``--server.port`` argument), for its CPU time."""
    port = url.rsplit(":", 1)[1].strip("/")
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in b" ".join(args) and port.encode() in args and b"--server.port" in args:
            return int(cmdline.parent.name)
    return None


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of ``pid`` so far (0 when it cannot be read)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def chromium_cpu(bcdp) -> dict[int, tuple[str, float]]:
    """CPU seconds of every Chromium process so far (pid -> (type, seconds))."""
    return {p["id"]: (p["type"], p["cpuTime"]) for p in bcdp.send("SystemInfo.getProcessInfo")["processInfo"]}


def visit(browser, url: str, which: str, timeout_s: float, verbose: bool = False) -> dict:
    """One first paint in a fresh context: the page's own timings (ms from navigation start) and
    the CPU time the server and Chromium spent on it (what a loaded machine stretches, not counts)."""
    ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    bcdp = browser.new_browser_cdp_session()
    pid = server_pid(url)
    try:
        ctx.add_init_script(PROBE % (json.dumps(TITLE[which]), json.dumps(POINT)))
        page = ctx.new_page()
        cdp = ctx.new_cdp_session(page)
        cdp.send("Performance.enable")
        cpu0, server0 = chromium_cpu(bcdp), cpu_seconds(pid)
        page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
        page.wait_for_function("() => window.__fp && window.__fp.points !== null && window.__fp.title !== null",
                               timeout=timeout_s * 1000, polling=100)
        cpu1, server1 = chromium_cpu(bcdp), cpu_seconds(pid)
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        row = page.evaluate(REPORT % json.dumps(POINT))
        spent = {k: t - cpu0.get(k, (t, 0.0))[1] for k, (kind, t) in cpu1.items()}
        row.update(busy=metrics.get("TaskDuration", 0) * 1e3, script=metrics.get("ScriptDuration", 0) * 1e3,
                   layout=(metrics.get("LayoutDuration", 0) + metrics.get("RecalcStyleDuration", 0)) * 1e3,
                   renderer_cpu=sum(v for k, v in spent.items() if cpu1[k][0] == "renderer") * 1e3,
                   chromium_cpu=sum(spent.values()) * 1e3, server_cpu=(server1 - server0) * 1e3)
        if verbose:
            print("    JS chunks:", " ".join(sorted(n.rsplit("/", 1)[-1].split(".")[0] for n in page.evaluate(
                "() => performance.getEntriesByType('resource').map(r => r.name).filter(n => n.endsWith('.js'))"))))
        return row
    finally:
        bcdp.detach()
        ctx.close()


def summary(values: list[float]) -> str:
    return f"min {min(values):6.0f}  median {statistics.median(values):6.0f}  max {max(values):6.0f} ms"


def breakdown(rows: list[dict]) -> str:
    """Medians of the page's milestones: where the first paint's time goes."""
    def med(k):
        vals = [r[k] for r in rows if r.get(k) is not None]
        return statistics.median(vals) if vals else float("nan")
    return (f"    HTML {med('html'):.0f} ms; Streamlit JS ({med('js_files'):.0f} files, {med('js_bytes') / 1e6:.1f} MB "
            f"decoded, {med('js_wire') / 1e6:.1f} MB on the wire) loaded by {med('js_end'):.0f} ms; websocket open "
            f"{med('ws_open'):.0f} ms, first message {med('first_msg'):.0f} ms; figure message at "
            f"{med('fig_at'):.0f} ms "
            f"({med('fig_bytes') / 1e3:.0f} KB; {med('n_msgs'):.0f} messages, {med('ws_bytes') / 1e3:.0f} KB before "
            f"the points); plotly chunk {med('plotly_bytes') / 1e6:.1f} MB, {med('plotly_start'):.0f} -> "
            f"{med('plotly_end'):.0f} ms; points in the DOM {med('points'):.0f} ms ({med('n_points'):.0f} points)\n"
            f"    CPU by then: server {med('server_cpu'):.0f} ms, Chromium {med('chromium_cpu'):.0f} ms (the page's "
            f"renderer {med('renderer_cpu'):.0f} ms; its main thread busy {med('busy'):.0f} ms of wall time, "
            f"script {med('script'):.0f} ms, style and layout {med('layout'):.0f} ms)")


@contextlib.contextmanager
def servers(helpers, env: dict, scripts: dict[str, Path]):
    """One Streamlit server per page; yields page -> URL."""
    with contextlib.ExitStack() as stack:
        yield {k: stack.enter_context(helpers.streamlit_server(env, script=v)) + "/" for k, v in scripts.items()}


def measure(args) -> dict[str, list[dict]]:
    from playwright.sync_api import sync_playwright
    helpers = browser_helpers()
    env = {"EFFICIENCY_RESULTS": str(args.results), "EFFICIENCY_ACCURACY": str(args.accuracy),
           "EFFICIENCY_CLAIMS": str(uidata.DEFAULTS["claims"])}
    x, y = default_points(args.results, args.accuracy)
    print(f"explorer's default view: {len(x)} points; the bare page plots the same {len(x)} (x, y)")
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        scripts = {"explorer": args.app, "bare": write_bare(Path(tmp), x, y)}
        if args.before:
            scripts["before"] = args.before
        for name, path in args.variant:
            scripts[name] = path
            TITLE.setdefault(name, TITLE["explorer"])
        rows: dict[str, list[dict]] = {k: [] for k in scripts}
        browser = p.chromium.launch(executable_path=helpers.CHROMIUM, args=helpers.ARGS)
        try:
            with contextlib.ExitStack() if args.cold else servers(helpers, env, scripts) as urls:
                if not args.cold:
                    for which in scripts:       # the untimed visit that warms each server
                        visit(browser, urls[which], which, args.timeout, verbose=args.chunks)
                for i in range(args.runs):
                    k = i % len(scripts)                  # each page leads in turn
                    order = list(scripts)[k:] + list(scripts)[:k]
                    with servers(helpers, env, scripts) if args.cold else contextlib.nullcontext(urls) as run_urls:
                        for which in order:
                            rows[which].append(visit(browser, run_urls[which], which, args.timeout))
                    print(f"  run {i + 1}: " + ", ".join(f"{w} {rows[w][-1]['points']:.0f} ms" for w in order),
                          flush=True)
        finally:
            browser.close()
    return rows


def variant_arg(text: str) -> tuple[str, Path]:
    name, sep, path = text.partition("=")
    if not sep or not name or name in TITLE:
        raise argparse.ArgumentTypeError(f"expected NAME=PATH/app.py with a new NAME, got {text!r}")
    return name, Path(path).resolve()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--cold", action="store_true", help="fresh servers for every run")
    p.add_argument("--results", type=Path, default=uidata.DEFAULTS["results"])
    p.add_argument("--accuracy", type=Path, default=uidata.DEFAULTS["accuracy"])
    p.add_argument("--timeout", type=float, default=180.0, help="seconds per page (a loaded 2-core machine is slow)")
    p.add_argument("--app", type=Path, default=ROOT / "app.py", help="the explorer's app.py")
    p.add_argument("--before", type=Path, help="another checkout's app.py, measured in the same runs (before/after)")
    p.add_argument("--variant", action="append", default=[], metavar="NAME=APP", type=variant_arg,
                   help="a further version of the explorer (its app.py), measured in the same runs; repeatable")
    p.add_argument("--chunks", action="store_true", help="list the JavaScript files each page loads (warm-up visit)")
    p.add_argument("--json", type=Path, help="also write every run's timings here")
    args = p.parse_args()
    if not Path(browser_helpers().CHROMIUM).exists():
        sys.exit("no Chromium at /usr/bin/chromium")
    t0 = time.perf_counter()
    rows = measure(args)
    state = "cold (fresh servers for every run)" if args.cold else "warm (one untimed visit per server first)"
    print(f"\nfirst paint, fresh browser context, {args.runs} runs each, pages alternating, servers {state}:")
    for which in rows:
        print(f"  {which:8s} points: {summary([r['points'] for r in rows[which]])}")
        print(f"  {which:8s} title:  {summary([r['title'] for r in rows[which]])}")
        print(breakdown(rows[which]))
    floor = statistics.median(r["points"] for r in rows["bare"])
    for which in [k for k in rows if k != "bare"]:
        ratio = statistics.median(r["points"] for r in rows[which]) / floor
        print(f"  ratio of medians ({which} / bare): {ratio:.2f}x (goal <= 1.15x)")
    print(f"  bench took {time.perf_counter() - t0:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
