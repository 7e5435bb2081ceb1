"""How the explorer's front table and the Compare page's table read on a phone (no Streamlit).

The server cannot know how wide the page is, so the narrow layout is CSS under a container query (the
table's own width, so a desktop with the sidebar open and a narrow window get it as a phone does): at
most :data:`PHONE_PX` wide, a row of an HTML table stacks into the model id on a line of its own and the
row's numbers beneath it, each under its column's header, in equal tracks, as many to a line as fit, so
the key columns (the caller puts them first) are in view without a sideways swipe (UXCHECK3: at 390 px
params, latency and throughput of the front were behind horizontal scroll, and the Compare grid showed
the id and half the accuracy header). Ids get break opportunities at their separators, so a wrapped id
breaks between its parts ("fpn" / ".COCO_V1"), never inside one ("COC" / "O_V1").
"""
from __future__ import annotations

import html
import re

PHONE_PX = 640          # a table this narrow stacks: the desktop table's id column and five numbers no longer fit
# the Compare grid's id, accuracy, GMACs, params, latency and samples/s columns took 775 px at 1440 px
# (Chromium, 3 timm/torchvision ids): narrower, samples/s went behind the grid's sideways scroll
COMPARE_GRID_PX = 780

# after "/" and "_" (the end of a part), before "." and "@" (they start the weight tag and the input size)
_BREAK = re.compile(r"(?<=[/_])(?=.)|(?<=.)(?=[.@])")


def id_parts(text) -> list[str]:
    """``text`` cut after each "/" and "_" and before each "." and "@" (the parts join back to it)."""
    return _BREAK.split(str(text))


def breakable(text, mark: str = "<wbr>") -> str:
    """``text`` HTML-escaped, with ``mark`` between its :func:`id_parts`: by default a ``<wbr>``, an
    invisible break opportunity (no character in a copy, the page's text or a CSV)."""
    return mark.join(html.escape(part) for part in id_parts(text))


# The narrow layout of html_table(phone=True)'s table, inside its div.fp-stack (the query container): rows
# become grids of equal tracks, as many as the row needs (--fp-n, :func:`tracks`) where they fit, else as
# many as fit at 4.4rem (5 on a 390 px phone; numbers such as "1,720" and "57.92" fit); the id spans a
# whole line (ids speak for themselves); a word column spans two tracks. Every row has the same width and
# the same tracks, so each number stays under the one above it, also on a wrapped line. The box drops its
# height limit: the page scrolls, not a box inside it (its last row was cut mid-line); what is still too
# wide scrolls sideways. The header row is hidden and each cell shows its column's header above its number
# instead (:func:`label_attr`, a small grey line): with the whole front in the page (43 rows, 2,640 px on a
# 390 px phone) the one header at the top had scrolled away long before row 30. A sticky header would stick
# in the box, which scrolls sideways (overflow: auto), not in the page (Streamlit's main column scrolls), and
# would cover 55 px of a 844 px screen for good.
# The label takes the top of its cell and the number the bottom, so the numbers of a line stay level
# whichever label wraps.
PHONE_CSS = f"""<style>
div.fp-stack {{ container: fp-stack / inline-size; }}
@container fp-stack (max-width: {PHONE_PX}px) {{
  div.fp-stack div.fp-table-box {{ max-height: none !important; }}
  div.fp-stack table, div.fp-stack table tbody {{ display: block; width: 100%; }}
  div.fp-stack table thead {{ display: none; }}
  div.fp-stack table tr {{ display: grid;
    grid-template-columns: repeat(auto-fill, minmax(max(4.4rem, calc(100% / var(--fp-n, 5) - 1px)), 1fr));
    border-bottom: 1px solid rgba(128, 128, 128, 0.3); padding: 0.2rem 0; }}
  div.fp-stack table td {{ border-bottom: none; min-width: 0; padding: 0.1rem 0.35rem; }}
  div.fp-stack table td:not(.num) {{ grid-column: span 2; overflow-wrap: anywhere; }}
  div.fp-stack table td:first-child {{ grid-column: 1 / -1; min-width: 0; font-weight: 600; }}
  div.fp-stack table td[data-label] {{ display: flex; flex-direction: column; justify-content: space-between; }}
  div.fp-stack table td[data-label]::before {{ content: attr(data-label); font-size: 0.625rem; font-weight: 400;
    line-height: 1.15; opacity: 0.7; white-space: normal; overflow-wrap: break-word; }}
}}
</style>"""


ZWSP = "\u200b"     # an invisible break opportunity inside an attribute, where no <wbr> can go


# "(ms, 512 tokens, batch 1)" -> "(ms)": a label keeps its unit and drops the protocol after it (the table's
# caption states it), or the language front's labels took three lines and its rows twice the height
_PROTOCOL = re.compile(r"\(([^(),]+),[^()]*\)")


def short_label(header) -> str:
    """A column header as a stacked cell's label: the unit kept, what follows it in the brackets dropped."""
    return _PROTOCOL.sub(r"(\1)", str(header))


def label_attr(header) -> str:
    """`` data-label="…"``: a stacked cell's :func:`short_label` as a quoted, escaped attribute (PHONE_CSS shows
    it above the number), with break opportunities where :func:`id_parts` cuts, so "GFLOPs/token" wraps at "/"."""
    return f' data-label="{breakable(short_label(header), ZWSP)}"'


def tracks(numeric: list[bool]) -> int:
    """The grid tracks a stacked row's cells take after its id (``numeric``: per column, the id's
    included): one a number, two a word."""
    return sum(1 if n else 2 for n in numeric[1:])


def swap_css(outer_key: str, wide_key: str, narrow_key: str, px: int = COMPARE_GRID_PX) -> str:
    """CSS for three keyed Streamlit containers (a keyed container carries the class ``st-key-<key>``):
    inside ``outer_key``, the one keyed ``narrow_key`` shows where ``outer_key`` is at most ``px`` wide,
    the one keyed ``wide_key`` elsewhere. A hidden one's layout wrapper (its parent) is hidden with it:
    left in place, it kept a 1rem gap in the page's column."""
    def hide(key: str) -> str:
        return f".st-key-{key}, div:has(> .st-key-{key}) {{ display: none; }}"
    return (f"<style>.st-key-{outer_key} {{ container: {outer_key} / inline-size; }} "
            f"@container {outer_key} (min-width: {px + 1}px) {{ {hide(narrow_key)} }} "
            f"@container {outer_key} (max-width: {px}px) {{ {hide(wide_key)} }}</style>")
