"""Pages run inside app.py's router, even when a shared link is the first visit of a fresh server.

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

import streamlit as st

from efficiency import paths

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
