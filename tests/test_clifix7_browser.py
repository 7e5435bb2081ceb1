"""AUDIT7 L6, in a real browser: a typed ``/pareto`` (the explorer's page name) reaches the explorer at
``/`` with its query kept, on a fresh server's first visit and on a later one; it answered "Page not found"."""
from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.test_browser import ARGS, CHROMIUM, streamlit_server

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")


def _open(page, url: str) -> str:
    page.goto(url, timeout=120000)
    page.wait_for_selector('[data-testid="stApp"]', timeout=120000)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:      # the explorer's title once the run (and the redirect) is done
        if page.locator("h1", has_text="Pareto explorer").count() and urlsplit(page.url).path == "/":
            break
        time.sleep(0.5)
    return page.inner_text("body")


def test_pareto_path_reaches_the_explorer_with_its_query():
    from playwright.sync_api import sync_playwright
    with streamlit_server() as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for visit in ("first", "later"):
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                text = _open(page, f"{base}/pareto?x=params&logx=0")
                assert "Page not found" not in text, visit
                assert urlsplit(page.url).path == "/", (visit, page.url)
                query = parse_qs(urlsplit(page.url).query)
                assert query.get("x") == ["params"] and query.get("logx") == ["0"], (visit, page.url)
                assert page.locator("h1", has_text="Pareto explorer").count() == 1, visit
                page.close()
        finally:
            browser.close()
