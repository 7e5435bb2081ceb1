"""FIX8 (AUDIT7 L11): at 390 px the language Model detail's Counts table hid its convention column and the
published scores their score column behind a sideways swipe. Where the page is narrow both are now stacked HTML
tables (efficiency.ui.detail_phone): each row's name on a line, its value/score beneath with its header.

The pieces, the page under AppTest (language fixture), and the page in headless Chromium at 390 and 1440 px.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from conftest import run_app
from efficiency.ui import data as uidata
from efficiency.ui import detail_phone
from efficiency.ui.language_detail import accuracy_rows, count_facts
from efficiency.ui.phone import PHONE_PX, ZWSP


@pytest.fixture(scope="module")
def tables(lang_tables):
    res = uidata.read_results(Path(lang_tables["EFFICIENCY_RESULTS"])).df
    acc = uidata.read_accuracy(Path(lang_tables["EFFICIENCY_ACCURACY"]), res).df
    return res, acc


def _labels(body: str) -> list[str]:
    return [html.unescape(x).replace(ZWSP, "") for x in re.findall(r'data-label="([^"]*)"', body)]


def test_counts_stack_quantity_then_value_then_convention_on_its_own_line(tables):
    res, _ = tables
    row = res[(res["model"] == "hf/llama-3.1-8b") & (res["kind"] == "count")].iloc[0]
    facts = count_facts(row)
    body = detail_phone.counts_html(facts, "det_counts_phone")
    assert 'class="fp-stack"' in body and set(_labels(body)) == {"value", "convention"}
    assert ".st-key-det_counts_phone div.fp-stack table td:nth-child(3) { grid-column: 1 / -1; }" in body
    first = re.search(r"<tbody><tr>(.*?)</tr>", body).group(1)
    cells = [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", first)]
    assert cells == list(facts.iloc[0])          # every fact, each cell: nothing dropped for the phone


def test_scores_lead_with_benchmark_and_score_and_link_their_source(tables):
    _, acc = tables
    rows = accuracy_rows(acc, "hf/llama-3.1-8b")
    phone = detail_phone.score_rows(rows)
    assert list(phone.columns) == detail_phone.SCORE_COLUMNS and len(phone) == len(rows)
    assert phone["benchmark"].iloc[0] == "MMLU, 5-shot, macro_avg/acc_char" and phone["score (%)"].iloc[0] == 66.7
    body = detail_phone.scores_html(rows, "det_scores_phone")
    assert _labels(body)[:2] == ["score (%)", "protocol group"]
    assert '>66.70</td>' in body                                   # 2 decimals, as the headline
    assert '<a href="https://example.org/llama-3.1-8b" target="_blank" rel="noopener">example.org</a>' in body
    # a source that is no address stays text; an address inside other text is not made a link
    odd = rows.assign(source=["see the paper"] * len(rows))
    assert "<a " not in detail_phone.scores_html(odd, "k") and "see the paper" in detail_phone.scores_html(odd, "k")
    assert detail_phone.score_rows(rows.iloc[:0]).empty


def test_detail_page_has_the_grid_and_its_phone_twin(lang_env):
    at = run_app({"task": "language", "sel": "hf/llama-3.1-8b"}, "detail")
    body = " ".join(str(h.proto.body) for h in at.get("html"))
    for key in ("det_counts", "det_scores"):
        assert f"@container {key} (max-width: {detail_phone.SWAP_PX}px)" in body, key
        assert f".st-key-{key}_phone" in body
    headers = [list(d.value.columns) for d in at.dataframe]
    assert ["quantity", "value", "convention"] in headers and any("score (%)" in h for h in headers)


MEASURE = """(key) => {
  const shown = el => el && getComputedStyle(el).display !== 'none' && el.getBoundingClientRect().height > 0;
  const phone = document.querySelector('.st-key-' + key + '_phone'), grid = document.querySelector('.st-key-' + key + '_grid');
  if (!phone || !grid) return null;
  const box = phone.querySelector('div.fp-table-box');
  const want = key === 'det_counts' ? ['value', 'convention'] : ['score (%)'];
  const cells = Array.from(phone.querySelectorAll('td[data-label]'))
      .filter(td => want.includes(td.getAttribute('data-label').replace(/\\u200b/g, '')))
      .map(td => td.getBoundingClientRect());
  return {phone: shown(phone), grid: shown(grid), scroll: box ? box.scrollWidth : 0, client: box ? box.clientWidth : 0,
          n: cells.length, right: cells.length ? Math.max(...cells.map(r => r.right)) : 0,
          left: cells.length ? Math.min(...cells.map(r => r.left)) : 0, view: document.documentElement.clientWidth};
}"""


@pytest.fixture(scope="module")
def lang_url(lang_tables):
    from test_browser import CHROMIUM, streamlit_server
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with streamlit_server(lang_tables) as base:
        yield base


@pytest.mark.parametrize("width,height", [(390, 844), (1440, 900)])
def test_key_columns_in_view_at_390_px(lang_url, width, height):
    from test_browser import ART, browser_page, wait_for
    with browser_page(width=width, height=height) as page:
        page.goto(f"{lang_url}/detail?task=language&sel=hf/llama-3.1-8b")
        for key in ("det_counts", "det_scores"):
            m = wait_for(page, f"() => ({MEASURE})('{key}')", lambda v: v["phone"] or v["grid"], timeout_s=90)
            narrow = width < 2 * PHONE_PX        # the main column at 390 px is 358 px wide
            assert (m["phone"], m["grid"]) == (narrow, not narrow), m
            if narrow:     # every value, convention and score drawn inside the page: nothing to swipe to
                assert m["n"] == {"det_counts": 22, "det_scores": 1}[key] and m["scroll"] <= m["client"] + 1, m
                assert 0 <= m["left"] and m["right"] <= m["view"] + 1, m
            page.locator(f".st-key-{key}").screenshot(path=str(ART / f"fix8_{key}_{width}px.png"))
