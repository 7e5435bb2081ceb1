"""Plotly's first (cold) draw of the explorer's default figure, and of variants without one of its parts,
each in a fresh static page of headless Chromium: what each part of the figure costs the browser.

    python bench/figure_draw.py                       # base and every variant, 5 rounds
    python bench/figure_draw.py --variants base,no-labels,no-legend --rounds 9

The page holds plotly.js (the copy plotly.py ships, the version the dashboard sends) and the figure as
``st.plotly_chart`` gets it (``session.chart_figure``); time = ``Plotly.newPlot`` resolving, from a fresh
browser context each time (nothing compiled yet, as on a first visit). Variants: no-labels (the front's
name annotations), no-legend, no-minor (the log axis' minor ticks and grid), no-rims (every white marker
rim), no-hover (hover templates and per-point data), and combinations joined with "+".
"""
from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from efficiency.ui import session as ui  # noqa: E402
from efficiency.ui.state import from_query  # noqa: E402

PARTS = ("no-labels", "no-legend", "no-minor", "no-rims", "no-hover")


def without(fig: dict, part: str) -> None:
    """Removes one part from the figure dict ``fig`` in place."""
    layout = fig["layout"]
    if part == "no-labels":
        layout["annotations"] = [a for a in layout.get("annotations", []) if not str(a.get("name", "")).startswith("label:")]
    elif part == "no-legend":
        layout["showlegend"] = False
    elif part == "no-minor":
        for axis in ("xaxis", "yaxis"):
            layout.get(axis, {}).pop("minor", None)
    elif part == "no-rims":
        for t in fig["data"]:
            if t.get("marker", {}).get("line", {}).get("color") == "white":
                t["marker"].pop("line")
    elif part == "no-hover":
        for t in fig["data"]:
            for key in ("hovertemplate", "customdata", "hovertext"):
                t.pop(key, None)
    else:
        raise SystemExit(f"unknown variant part {part!r}: one of {', '.join(PARTS)}")


def variant(base: dict, name: str) -> dict:
    fig = copy.deepcopy(base)
    for part in name.split("+"):
        if part != "base":
            without(fig, part)
    return fig


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--variants", default=",".join(("base",) + PARTS + ("+".join(PARTS[:4]),)))
    p.add_argument("--rounds", type=int, default=5, help="fresh-page draws per variant (they take turns)")
    args = p.parse_args()
    import plotly
    from playwright.sync_api import sync_playwright
    names = args.variants.split(",")
    base = json.loads(ui.chart_figure(ui.screen_figure(ui.data(), from_query({}), False, None)).to_json())
    plotly_js = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text()
    times: dict[str, list[float]] = {n: [] for n in names}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        pages = {}
        for n in names:
            pages[n] = Path(tmp) / f"{n}.html"
            pages[n].write_text(f"<html><body><div id=g style='width:1000px'></div><script>{plotly_js}</script>"
                                f"<script>window.F = {json.dumps(variant(base, n))};</script></body></html>")
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        try:
            for _ in range(args.rounds):
                for n in names:
                    ctx = browser.new_context(viewport={"width": 1440, "height": 900})
                    page = ctx.new_page()
                    page.goto(pages[n].as_uri())
                    times[n].append(page.evaluate("""async () => { const t0 = performance.now();
                        await Plotly.newPlot(document.getElementById('g'), F.data, F.layout, {responsive: true});
                        return performance.now() - t0; }"""))
                    ctx.close()
        finally:
            browser.close()
    ref = statistics.median(times[names[0]])
    print(f"plotly {plotly.__version__}, first newPlot in a fresh page, {args.rounds} rounds (ms)")
    for n in names:
        med = statistics.median(times[n])
        print(f"  {n:40s} median {med:6.0f}  min {min(times[n]):6.0f}  ({med - ref:+.0f} against {names[0]})")


if __name__ == "__main__":
    main()
