"""UXCHECK3: on a 390 px phone the explorer's front table and the Compare page's table hid their key numbers
behind a sideways swipe, the front's box cut its last row mid-line, and ids broke inside a word
("…_320_fpn.COC" / "O_V1" in the front table, "IMAGENE" / "T1K_V1" in the Compare legend).

Unit tests of the pieces (efficiency.ui.phone, models_table.html_table(phone=True), tables.front_table,
chart_view.legend_name), the pages under AppTest, and both pages in headless Chromium at 390x844 and
1440x900, measuring where the key columns are drawn.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest

from conftest import run_app
from efficiency.ui import chart_view
from efficiency.ui import models_table as mt
from efficiency.ui import phone
from efficiency.ui.phone import short_label
from efficiency.ui.tables import front_table

DET_ID = "torchvision/fasterrcnn_mobilenet_v3_large_320_fpn.COCO_V1"     # the audit's front-table id
CMP_ID = "torchvision/shufflenet_v2_x0_5.IMAGENET1K_V1"                  # the audit's legend id


def _headers(body: str) -> list[str]:
    """The header texts of an HTML table, as a reader sees them (break opportunities gone)."""
    return [html.unescape(h.replace("<wbr>", ""))
            for h in re.findall(r"<th(?: [^>]*)?>(.*?)</th>", body)]


# --------------------------------------------------------------------------- ids break between their parts

def test_id_parts_cut_at_separators_and_join_back():
    assert phone.id_parts(DET_ID) == ["torchvision/", "fasterrcnn_", "mobilenet_", "v3_", "large_", "320_",
                                      "fpn", ".COCO_", "V1"]
    assert phone.id_parts("timm/resnet50.a1_in1k@224") == ["timm/", "resnet50", ".a1_", "in1k", "@224"]
    for text in (DET_ID, CMP_ID, "hf/qwen2.5-0.5b", "a", "", "_x_", ".@/"):
        assert "".join(phone.id_parts(text)) == text


def test_breakable_escapes_and_adds_only_invisible_break_opportunities():
    out = phone.breakable("timm/a_b<i>.w@224")
    assert out == "timm/<wbr>a_<wbr>b&lt;i&gt;<wbr>.w<wbr>@224"
    assert html.unescape(out.replace("<wbr>", "")) == "timm/a_b<i>.w@224"


def test_legend_name_breaks_a_long_id_between_its_parts():
    lines = chart_view.legend_name(CMP_ID).split("<br>")
    assert lines == ["torchvision/shufflenet_v2_x0_5", ".IMAGENET1K_V1"]          # was "…IMAGENE" / "T1K_V1"
    lines = chart_view.legend_name(DET_ID).split("<br>")
    assert "".join(lines) == DET_ID and all(len(x) <= chart_view.LEGEND_CHARS for x in lines)
    assert all(line.endswith(("/", "_")) or line == lines[-1] for line in lines), lines
    # words still wrap at spaces first: an id that fits a line is not cut
    assert chart_view.legend_name("best within 5 ms p50: vit_base_patch16_224 (85.10)") == \
        "best within 5 ms p50:<br>vit_base_patch16_224 (85.10)"


# --------------------------------------------------------------------------- the front table's columns

def _front(**extra) -> pd.DataFrame:
    base = {"model": ["timm/a.w@224"], "family": ["a"], "x": [1.0], "y": [70.0], "gmacs": [1.0], "params_m": [2.0],
            "lat_p50_ms": [0.5], "throughput_sps": [2000.0]}
    return pd.DataFrame({**base, **extra})


def test_front_table_puts_accuracy_the_x_axis_and_speed_first():
    got = front_table(_front(), "gmacs", "GMACs", "top-1 (%)", language=False)
    assert list(got.columns) == ["model", "family", "top-1 (%)", "GMACs", "latency p50 (ms/batch)",
                                 "throughput (samples/s)", "params (M)"]
    got = front_table(_front(), "lat_p50_ms", "Latency p50 (ms)", "top-1 (%)", language=False)
    assert list(got.columns)[2:5] == ["top-1 (%)", "Latency p50 (ms)", "throughput (samples/s)"]
    assert "latency p50 (ms/batch)" not in got                       # the x axis' own column, once
    lang = _front(ttft_ms=[20.0], decode_tps=[300.0], decode_gflops_512=[1.0], params_active_b=[0.5],
                  bound_fraction=[0.1])
    got = front_table(lang, "decode_gflops_512", "Decode GFLOPs/token @512", "ARC (%)", language=True)
    # each figure's flag beside it (LLMUI: TTFT launch-bound or noisy, the step's stability; lang_stability)
    assert list(got.columns)[2:8] == ["ARC (%)", "Decode GFLOPs/token @512", "TTFT p50 (ms, 512 tokens, batch 1)",
                                      "TTFT flag", "decode tokens/s", "decode step stability"]


# --------------------------------------------------------------------------- the HTML table on a phone

def test_html_table_for_a_phone_stacks_rows_under_a_container_query():
    df = pd.DataFrame({"model": [DET_ID], "top-1 (%)": [57.918], "GMACs/token": [0.024189],
                       "params (M)": [float("nan")], "family": ["fasterrcnn"]})
    out = mt.html_table(df, {"top-1 (%)": 2}, max_height_px=420, phone=True)
    assert f"@container fp-stack (max-width: {phone.PHONE_PX}px)" in out
    assert '<div class="fp-stack" style="--fp-n: 5"><div class="fp-table-box" style="max-height: 420px">' in out
    assert "max-height: none !important" in out                     # the page scrolls there, not the box
    assert "<td>torchvision/<wbr>fasterrcnn_<wbr>" in out and "<wbr>fpn<wbr>.COCO_<wbr>V1</td>" in out
    # the header row is the wide table's own (hidden where stacked: each cell carries its header there)
    assert '<th class="num">GMACs/token</th>' in out
    assert _headers(out) == list(df.columns)
    assert ('<td class="num" data-label="top-1 (%)">57.92</td>'
            '<td class="num" data-label="GMACs/\u200btoken">0.0242</td>'
            '<td class="num" data-label="params (M)"></td>') in out
    plain = mt.html_table(df, {"top-1 (%)": 2})                       # the default is unchanged
    assert "<wbr>" not in plain and "@container" not in plain and f"<td>{DET_ID}</td>" in plain


def _labels(body: str) -> list[list[str | None]]:
    """Per row of an HTML table, each cell's data-label as a reader sees it (None: the cell has none)."""
    label = re.compile(r' data-label="([^"]*)"')
    rows = re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>")[1])
    return [[html.unescape(m.group(1).replace(phone.ZWSP, "")) if m else None
             for m in map(label.search, re.findall(r"<td[^>]*>", row))] for row in rows]


def test_every_stacked_cell_carries_its_header_escaped():
    """Issue 13: stacked, the header row printed once at the top had scrolled away by row 30 (2,640 px of page
    on a 390 px phone); each cell now carries its header, shown above its number only in the narrow layout."""
    heads = ["model", 'acc "top-1" <b> (%)', "latency p50 (ms/batch)", "cost ≤ 5 GFLOPs/token & more", "family"]
    df = pd.DataFrame([[DET_ID, 57.9, 1.0, 2.0, "f"], ["a/b", 60.0, None, 3.0, "g"]], columns=heads)
    out = mt.html_table(df, phone=True)
    assert _labels(out) == [[None] + [short_label(h) for h in heads[1:]]] * 2                  # every cell but the id, in every row
    assert 'data-label="acc &quot;top-1&quot; &lt;b&gt; (%)"' in out   # a quote cannot end the attribute early
    assert 'data-label="cost ≤ 5 GFLOPs/\u200btoken &amp; more"' in out  # breaks at "/" in a 70 px track
    assert "<b>" not in out.split("<tbody>")[1]
    # shown (and the header row hidden) only inside the container query: the wide table looks as before
    query = out.index(f"@container fp-stack (max-width: {phone.PHONE_PX}px)")
    for rule in ("content: attr(data-label)", "div.fp-stack table thead { display: none; }"):
        assert rule in out and out.index(rule) > query, rule
    assert "data-label" not in mt.html_table(df)


def test_tracks_count_a_word_column_twice_and_skip_the_id():
    assert phone.tracks([False, True, True, True, True, True]) == 5
    assert phone.tracks([False, True, False]) == 3
    assert phone.tracks([False]) == 0


def test_swap_css_hides_the_grid_where_narrow_and_the_twin_elsewhere():
    css = phone.swap_css("outer", "wide", "narrow", px=700)
    assert ".st-key-outer { container: outer / inline-size; }" in css
    wide_rule, narrow_rule = css.split("@container outer (max-width: 700px)")
    assert "@container outer (min-width: 701px)" in wide_rule and ".st-key-narrow," in wide_rule
    assert ".st-key-wide," in narrow_rule and "div:has(> .st-key-wide)" in narrow_rule   # its wrapper too
    assert "st-key-wide" not in wide_rule and "st-key-narrow" not in narrow_rule


# --------------------------------------------------------------------------- the pages (AppTest)

def test_explorer_front_table_is_built_for_a_phone(fixture_env):
    at = run_app({})
    front = next(h.proto.body for h in at.get("html") if 'class="fp-table"' in h.proto.body)
    assert 'class="fp-stack"' in front and f"(max-width: {phone.PHONE_PX}px)" in front
    heads = _headers(front)
    assert heads[0] == "model" and heads[1].startswith("ImageNet-1k top-1") and heads[2] == "GMACs", heads
    assert heads[3:5] == ["latency p50 (ms/batch)", "throughput (samples/s)"], heads
    assert "<td>timm/<wbr>mobilenetv3_<wbr>large_<wbr>100<wbr>.ra_<wbr>in1k<wbr>@224</td>" in front
    assert _labels(front) and all(row == [None] + [short_label(h) for h in heads[1:]] for row in _labels(front)), _labels(front)[:2]


def test_compare_page_draws_its_rows_twice_one_for_phones(fixture_env):
    at = run_app({}, "compare", timeout=120)
    grid = at.dataframe[0].value                                    # the desktop grid, as before
    twin = next(h.proto.body for h in at.get("html") if "fp-stack" in h.proto.body)
    assert all(f"st-key-{k}" in twin for k in ("cmp_table", "cmp_grid", "cmp_phone"))   # CSS picks one
    assert _headers(twin) == [c for c in grid.columns if c != "family"]  # same columns, key ones first
    ids = [html.unescape(i.replace("<wbr>", "")) for i in re.findall(r"<tr><td>(.*?)</td>", twin)]
    assert ids == grid["model"].tolist()
    assert all(row == [None] + [short_label(h) for h in _headers(twin)[1:]] for row in _labels(twin))      # its numbers are labelled too


# --------------------------------------------------------------------------- headless Chromium

MEASURE_JS = """(sel) => {
  const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const box = Array.from(document.querySelectorAll(sel)).find(shown);
  if (!box) return null;
  const b = box.getBoundingClientRect();
  const cells = els => els.filter(shown).map(e => { const r = e.getBoundingClientRect();
    return {text: e.innerText.replace(/\\n/g, ' '), left: r.left, right: r.right, label: e.dataset.label || null,
            before: getComputedStyle(e, '::before').content}; });
  const row = box.querySelector('tbody tr');
  return {client: box.clientWidth, scroll: box.scrollWidth, clientH: box.clientHeight, scrollH: box.scrollHeight,
          left: b.left, right: b.right, stack: box.closest('div.fp-stack').clientWidth,
          view: document.documentElement.clientWidth, heads: cells(Array.from(box.querySelectorAll('thead th'))),
          cells: row ? cells(Array.from(row.querySelectorAll('td'))) : []};
}"""
GRID_HEADS_JS = """() => { const g = document.querySelector('.st-key-cmp_grid [data-testid="stDataFrame"]');
  return g && g.getBoundingClientRect().width > 0 ? Array.from(g.querySelectorAll('thead th')).map(t => t.textContent)
                                                  : null; }"""
TWIN = ".st-key-cmp_phone div.fp-table-box"


@pytest.fixture(scope="module")
def base_url():
    from test_browser import CHROMIUM, streamlit_server
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with streamlit_server() as base:
        yield base


def _in_view(m: dict, n: int) -> None:
    """The first ``n`` headers and the first row's first ``n`` numbers lie inside the box and the viewport."""
    assert m["scroll"] <= m["client"] + 1, m                        # nothing to swipe to
    for c in m["heads"][:n] + m["cells"][:n + 1]:
        assert m["left"] - 1 <= c["left"] and c["right"] <= min(m["right"], m["view"]) + 1, (c, m)


# 1024 px: a desktop with the sidebar open gives the tables a 564 px column, so both take the narrow layout
@pytest.mark.parametrize("width,height", [(390, 844), (1024, 768), (1440, 900)])
def test_key_columns_show_without_a_sideways_swipe(base_url, width, height):
    from test_browser import ART, browser_page, wait_for
    with browser_page(width=width, height=height) as page:
        page.goto(f"{base_url}/")
        m = wait_for(page, f"() => ({MEASURE_JS})('div.fp-table-box')", lambda v: v["heads"] or v["cells"],
                     timeout_s=90)
        _in_view(m, 4)                 # accuracy, GMACs, latency, throughput (stacked: the id above them)
        heads = [h["text"] for h in m["heads"]]
        labels = [c["label"].replace(phone.ZWSP, "") for c in m["cells"][1:]]
        assert labels == ["ImageNet-1k top-1 (%)", "GMACs", "latency p50 (ms/batch)", "throughput (samples/s)",
                          "params (M)"], labels
        assert (m["stack"] <= phone.PHONE_PX) == (width < 1440)
        if m["stack"] <= phone.PHONE_PX:   # stacked: the header row hidden, each number under its own label
            assert heads == [] and m["cells"][0]["text"].startswith("timm/"), m
            assert [c["before"] for c in m["cells"][1:]] == [f'"{c["label"]}"' for c in m["cells"][1:]], m
            assert m["cells"][0]["right"] - m["cells"][0]["left"] >= m["client"] - 2, m
            assert m["scrollH"] <= m["clientH"] + 1, m                # no box of its own to scroll: no cut row
        else:                              # wide: the header row as before, no label drawn in a cell
            assert heads[0] == "model" and heads[-5:] == labels and m["clientH"] <= 420, m
            assert {c["before"] for c in m["cells"]} == {"none"}, m
        page.locator("div.fp-table-box").first.screenshot(path=str(ART / f"front_table_{width}px.png"))
        page.goto(f"{base_url}/compare")
        wait_for(page, f"() => ({GRID_HEADS_JS})() || ({MEASURE_JS})('{TWIN}')", bool, timeout_s=90)
        room = page.evaluate("() => document.querySelector('.st-key-cmp_table').clientWidth")
        if room <= phone.COMPARE_GRID_PX:    # the HTML twin, every number in view; the data grid hidden
            m = wait_for(page, f"() => ({MEASURE_JS})('{TWIN}')", lambda v: v["heads"] or v["cells"], timeout_s=30)
            _in_view(m, 5)
            assert m["heads"] == [] and all(c["before"] == f'"{c["label"]}"' for c in m["cells"][1:]), m   # labelled
            assert page.evaluate(GRID_HEADS_JS) is None
            page.locator(".st-key-cmp_phone").screenshot(path=str(ART / f"compare_table_{width}px.png"))
        else:                           # the grid draws only the columns in view: the key ones are among them
            heads = wait_for(page, GRID_HEADS_JS, lambda v: v and len(v) > 2, timeout_s=90)
            assert {"GMACs", "latency p50 (ms)", "samples/s"} <= set(heads), heads
            assert page.evaluate(f"() => ({MEASURE_JS})('{TWIN}')") is None
        assert (room <= phone.COMPARE_GRID_PX) == (width < 1440), room


# Row ``n`` of the shown front scrolled to the middle of the screen, each cell measured as drawn and as it would
# be drawn without its data-label (a copy of the table with the attributes removed, laid out beside it)
ROW_N_JS = """(n) => {
  const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const box = Array.from(document.querySelectorAll('div.fp-table-box')).find(shown);
  const rows = box.querySelectorAll('tbody tr'), k = Math.min(n, rows.length), row = rows[k - 1];
  row.scrollIntoView({block: 'center'});
  const bare = box.cloneNode(true);
  bare.querySelectorAll('[data-label]').forEach(e => e.removeAttribute('data-label'));
  box.parentNode.appendChild(bare);
  const twin = bare.querySelectorAll('tbody tr')[k - 1];
  const cells = Array.from(row.children).map((td, i) => {
    const r = td.getBoundingClientRect(), b = twin.children[i].getBoundingClientRect();
    const range = document.createRange(); range.selectNodeContents(td); const t = range.getBoundingClientRect();
    return {label: td.dataset.label || null, before: getComputedStyle(td, '::before').content, text: td.innerText,
            top: r.top, bottom: r.bottom, textTop: t.top, textBottom: t.bottom, w: r.width, h: r.height,
            bareW: b.width, bareH: b.height};
  });
  const out = {rows: rows.length, k, view: innerHeight, rowH: row.getBoundingClientRect().height,
               bareRowH: twin.getBoundingClientRect().height,
               headH: box.querySelector('thead').getBoundingClientRect().height,
               cells};
  bare.remove();
  return out;
}"""


@pytest.mark.parametrize("width,height", [(390, 844), (1440, 900)])
def test_row_30_of_the_front_reads_on_its_own(shipped_url, width, height):
    """Issue 13: at 390 px row 30's numbers each show their column's header in view (the header row at the top
    is 1,000+ px away), level on their line, the row less than twice as tall as without labels; at 1440 px no
    label is drawn and every cell keeps the size it has without one."""
    from test_browser import ART, browser_page, wait_for
    with browser_page(width=width, height=height) as page:
        page.goto(f"{shipped_url}/")
        wait_for(page, f"() => ({MEASURE_JS})('div.fp-table-box')", lambda v: v["heads"] or v["cells"], timeout_s=90)
        m = page.evaluate(ROW_N_JS, 30)
        assert m["k"] == 30, m
        nums = [c for c in m["cells"][1:] if c["text"]]
        assert len(nums) >= 3 and all(c["label"] for c in m["cells"][1:]), m   # row 30: 2 blanks (no latency)
        if width < 1440:
            assert m["headH"] == 0, m                                 # the header row is hidden: no repeat of it
            for c in nums:
                assert c["before"] == f'"{c["label"]}"', c            # the label is drawn...
                assert 0 <= c["top"] and c["bottom"] <= m["view"], c   # ...in the viewport...
                assert c["textTop"] - c["top"] >= 8, c                 # ...above the number, not over it
            line = [c for c in nums if abs(c["top"] - nums[0]["top"]) < 1]
            assert len(line) >= 3 and len({round(c["textBottom"]) for c in line}) == 1, line   # numbers level
            assert m["bareRowH"] < m["rowH"] < 2 * m["bareRowH"], m
            page.screenshot(path=str(ART / f"front_row30_{width}px.png"))
        else:
            assert m["headH"] > 0 and {c["before"] for c in m["cells"]} == {"none"}, m
            assert all(abs(c["w"] - c["bareW"]) < 0.5 and abs(c["h"] - c["bareH"]) < 0.5 for c in m["cells"]), m


def test_stacked_labels_keep_the_unit_and_drop_the_protocol():
    """A label is the header's name and unit; the protocol after the unit is the caption's ('TTFT p50 (ms, 512
    tokens, batch 1)' took three lines of every language row at 390 px)."""
    from efficiency.ui.phone import label_attr
    assert short_label("TTFT p50 (ms, 512 tokens, batch 1)") == "TTFT p50 (ms)"
    assert short_label("latency p50 (ms)") == "latency p50 (ms)"
    assert short_label("ARC-Challenge 25-shot score (%)") == "ARC-Challenge 25-shot score (%)"
    assert short_label("GFLOPs (2 x MACs)") == "GFLOPs (2 x MACs)"
    assert 'data-label="TTFT p50 (ms)"' in label_attr("TTFT p50 (ms, 512 tokens, batch 1)")
