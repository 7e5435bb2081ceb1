"""Where the project's files are: the checkout's data/ and the user's cache directory (no torch).

The one place that knows the repository layout; every module asks here instead of walking up from
its own ``__file__``.
"""
from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
RESULTS = DATA / "results.parquet"
ACCURACY = DATA / "accuracy.parquet"
TORCHVISION_META = DATA / "torchvision_meta.parquet"
PAPER_CLAIMS = DATA / "paper_claims.csv"
TIMM_REFERENCE = DATA / "reference" / "timm"


def user_cache_dir() -> Path:
    """Derived files that are rebuilt on demand (the zoo listing): ``$EFFICIENCY_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/efficiency``, else ``~/.cache/efficiency``. Never inside the checkout, so a
    refresh leaves ``git status`` clean."""
    env = os.environ.get("EFFICIENCY_CACHE_DIR", "").strip()
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "efficiency"
