"""Pages run inside app.py's router, even when a shared link is the first visit of a fresh server;
and what the router draws around every page (the style sheet, the copy-link box).

Until some script run in the server process calls ``st.navigation``, Streamlit treats a folder
named ``pages/`` as its old multipage layout: a first visit to ``/detail`` runs ``pages/detail.py``
alone, without app.py (no page config, no shared sidebar, no copy-link box). (Streamlit's AppTest
starts every run that way.) Every page therefore starts with :func:`ensure_routed`, and app.py runs
the page inside :func:`routed`. A page that finds itself outside the router runs app.py in its
place, in the same script run: app.py's ``st.navigation`` finds this same page (page files are named
for their URL paths, so both layouts give it one identity), draws the sidebar and runs the page;
widget events of the run (a click) are kept, as nothing reruns.
"""
from __future__ import annotations

import contextlib
import contextvars
import runpy
from dataclasses import replace
from urllib.parse import urlencode, urlsplit

import streamlit as st

from efficiency import paths
from efficiency.ui.state import ViewState, to_query

APP = paths.REPO / "app.py"

# True while app.py runs a page; a context variable because each session's script runs in a
# thread of its own
_ROUTED: contextvars.ContextVar[bool] = contextvars.ContextVar("efficiency_routed", default=False)


@contextlib.contextmanager
def routed():
    """app.py runs the current page inside this."""
    token = _ROUTED.set(True)
    try:
        yield
    finally:
        _ROUTED.reset(token)


def ensure_routed() -> None:
    """Every page calls this first (see the module docstring)."""
    if _ROUTED.get():
        return
    runpy.run_path(str(APP), run_name="__main__")
    st.stop()   # the page already ran inside app.py


# --------------------------------------------------------------------------- around every page

CSS = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.2rem; }
[data-testid="stMetricValue"] { font-size: 1.9rem; }
</style>"""


def style() -> None:
    st.html(CSS)


def share_url(s: ViewState) -> str:
    """The link that restores ``s``: this server, the page's path, the state as query params."""
    base = ""
    try:
        base = st.context.url or ""
    except Exception:  # noqa: BLE001 - no browser context (tests, bare mode)
        base = ""
    parts = urlsplit(base) if base else None
    host = f"{parts.scheme}://{parts.netloc}" if parts and parts.netloc else "http://localhost:8501"
    path = "" if s.page == "pareto" else s.page
    q = to_query(replace(s, page="pareto"))        # the path says the page
    return f"{host}/{path}" + (f"?{urlencode(q)}" if q else "")


def share_box(s: ViewState) -> None:
    """Copy-link control: the URL that restores the current view (st.code has a copy button). In a
    popover, whose content the browser builds only when it is opened: ``st.code`` loads a 1.6 MB
    syntax highlighter, about 1 s of CPU on every first visit when it sat in an expander (built
    while closed; bench/bench_first_paint.py)."""
    with st.sidebar.popover("Share this view", icon=":material/link:", width="stretch"):
        st.code(share_url(s), language=None, wrap_lines=True)
        st.caption("Opening the link restores page, axes, filters, selection and hardware, and the page's own "
                   "choices (the Models table's columns and sort, the claims page's filters).")
