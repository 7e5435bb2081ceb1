"""A view's notes as the ``python -m efficiency.plot`` command line prints them (no torch, no Streamlit).

The CLI builds its view as the Pareto page does (efficiency.ui.explorer.build_view), so its notes are the
page's, word for word: which models have no speed row and why, the sweep command only for the models a re-run
could measure (efficiency.ui.view_notes._language_hint: none for a model that does not fit, AUDIT7 F5).
Only what names a control of the page is said in the command line's options here.
"""
from __future__ import annotations

import re

# (the page's words, the command line's): the Machine box is --hw, the sidebar's batch is --batch-size
_CONTROLS = (
    (re.compile(r" under Machine in the sidebar"), " with --hw (--hw ? lists them)"),
    # language.speed_gaps: "measured at batch 16 only: pick batch 16 to see it"
    (re.compile(r"pick batch (\d+) to see it"), r"--batch-size \1 draws it"),
)


def cli_note(text: str) -> str:
    """``text``, a note of the view, with the page's controls named as the command line's options."""
    for pattern, words in _CONTROLS:
        text = pattern.sub(words, text)
    return text
