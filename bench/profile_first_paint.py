"""Where the explorer's first paint spends the browser's CPU: a sampling profile of the page's renderer
(Chrome DevTools ``Profiler``) from navigation to the first plotted point, the explorer against the bare
page of bench_first_paint.py, summed per JavaScript file and per plotly function (inclusive).

    python bench/profile_first_paint.py                 # this checkout's app.py, 3 profiled visits each
    python bench/profile_first_paint.py --app /tmp/other/app.py --visits 5

Servers warm (one untimed visit each first); every visit in a fresh browser context. A sampling profile
at 200 us: self times are estimates, good for ranking, and the profiler itself slows the page down.
"""
from __future__ import annotations

import argparse
import collections
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_first_paint as fp  # noqa: E402  (the servers, the page probe, the bare page)

from efficiency.ui import data as uidata  # noqa: E402


def profile_visit(browser, url: str, which: str, timeout_s: float) -> dict:
    """One visit's CPU profile, from navigation to the first point in the DOM."""
    ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        ctx.add_init_script(fp.PROBE % (json.dumps(fp.TITLE[which]), json.dumps(fp.POINT)))
        page = ctx.new_page()
        cdp = ctx.new_cdp_session(page)
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 200})
        cdp.send("Profiler.start")
        page.goto(url, wait_until="commit")
        page.wait_for_function("() => window.__fp && window.__fp.points !== null", timeout=timeout_s * 1000,
                               polling=100)
        return cdp.send("Profiler.stop")["profile"]
    finally:
        ctx.close()


def _samples(profile: dict):
    """(node id, ms) per sample: each sample's time is the delta to the next one."""
    deltas = profile["timeDeltas"][1:] + [0]
    return zip(profile["samples"], (d / 1000 for d in deltas))


def per_file(profile: dict) -> collections.Counter:
    """Self time per script file (or V8's own categories: program, idle, garbage collector)."""
    nodes = {n["id"]: n["callFrame"] for n in profile["nodes"]}
    out = collections.Counter()
    for node, ms in _samples(profile):
        cf = nodes[node]
        out[cf["url"].rsplit("/", 1)[-1] or cf["functionName"]] += ms
    return out


def plotly_inclusive(profile: dict) -> collections.Counter:
    """Inclusive time of the named functions in plotly's chunk (its minified bundle keeps property names
    such as ``drawData`` or ``singlePointStyle``), each counted once per sample."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    parent = {c: n["id"] for n in profile["nodes"] for c in n.get("children", [])}
    out = collections.Counter()
    for node, ms in _samples(profile):
        seen = set()
        while node is not None:
            cf = nodes[node]["callFrame"]
            name = cf["functionName"]
            if "Plotly" in cf["url"] and len(name) > 2 and name not in seen:
                seen.add(name)
                out[name] += ms
            node = parent.get(node)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--app", type=Path, default=fp.ROOT / "app.py", help="the explorer's app.py")
    p.add_argument("--visits", type=int, default=3, help="profiled visits per page")
    p.add_argument("--top", type=int, default=15)
    p.add_argument("--timeout", type=float, default=180.0)
    args = p.parse_args()
    from playwright.sync_api import sync_playwright
    helpers = fp.browser_helpers()
    results, accuracy = uidata.DEFAULTS["results"], uidata.DEFAULTS["accuracy"]
    env = {"EFFICIENCY_RESULTS": str(results), "EFFICIENCY_ACCURACY": str(accuracy),
           "EFFICIENCY_CLAIMS": str(uidata.DEFAULTS["claims"])}
    x, y = fp.default_points(results, accuracy)
    files, plotly = {}, {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        scripts = {"explorer": args.app, "bare": fp.write_bare(Path(tmp), x, y)}
        browser = pw.chromium.launch(executable_path=helpers.CHROMIUM, args=helpers.ARGS)
        try:
            with fp.servers(helpers, env, scripts) as urls:
                for which in scripts:                       # warm each server
                    profile_visit(browser, urls[which], which, args.timeout)
                for which in scripts:
                    files[which], plotly[which] = collections.Counter(), collections.Counter()
                    for _ in range(args.visits):
                        prof = profile_visit(browser, urls[which], which, args.timeout)
                        files[which].update(per_file(prof))
                        plotly[which].update(plotly_inclusive(prof))
        finally:
            browser.close()
    n = args.visits
    for which in files:
        print(f"{which}: self time per file, ms per visit (sampled total {sum(files[which].values()) / n:.0f} ms)")
        for name, ms in files[which].most_common(args.top):
            print(f"  {ms / n:8.1f}  {name}")
    print("plotly functions, inclusive ms per visit: explorer / bare")
    for name, ms in plotly["explorer"].most_common(args.top * 2):
        print(f"  {ms / n:8.1f} {plotly['bare'].get(name, 0) / n:8.1f}  {name}")


if __name__ == "__main__":
    main()
