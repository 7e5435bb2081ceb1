"""The coverage line every latency view shows, and the button that switches to the configuration
covering the most of its models (Streamlit glue; no torch)."""
from __future__ import annotations

from dataclasses import replace

import streamlit as st

from efficiency.ui import configs
from efficiency.ui.session import state


def switch_configuration(cfg: configs.HwConfig) -> None:
    """Show ``cfg`` from the next run on: a button's ``on_click`` (callbacks run before the
    script, when widget values may still be set)."""
    for f in configs.FIELDS:
        st.session_state[f"w_{f}"] = getattr(cfg, f)
    st.session_state["view"] = replace(state(), **cfg._asdict())


def coverage_note(where, current: configs.HwConfig, have: int, total: int, best, population: str,
                  key: str, machine: str | None = None, elsewhere: str = "") -> None:
    """"N of M <population> have latency for <current>" (on ``machine``, with what other machines hold:
    :func:`efficiency.ui.configs.coverage_text`) and, when another configuration covers more of them, a
    button switching to it (every latency view states its coverage)."""
    where.caption(configs.coverage_text(current, have, total, best, population, machine, elsewhere))
    if best is not None and best[0] != current and best[1] > have:
        where.button(f"Show {best[0].text} ({configs.widest_count(best)})", key=key,   # names the machine counted
                     on_click=switch_configuration, args=(best[0],), icon=":material/swap_horiz:")
