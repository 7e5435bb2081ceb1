"""How a failure is written into a row: one line of text, bounded, naming the exception type."""
from __future__ import annotations

ERROR_LIMIT = 2000   # characters kept in a row's ``error`` column


def error_text(exc: BaseException, first_line: bool = False, limit: int = ERROR_LIMIT) -> str:
    """``"TypeError: message"``; with ``first_line`` only the message's first line (count notes
    name a counter's failure in one line), cut to ``limit`` characters."""
    text = str(exc).strip()
    if first_line:
        lines = text.splitlines()
        text = lines[0] if lines else ""
    return f"{type(exc).__name__}: {text}".strip()[:limit]
